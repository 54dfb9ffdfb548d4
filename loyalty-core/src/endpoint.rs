//! [`Endpoint`]: the one shared description of a vendor call (name, method, path, retry class).
//!
//! Every client describes each of its operations with one `Endpoint`, and sends it through
//! [`crate::http::HttpClient::call`]. An `Endpoint` has no default retry class: the
//! [`Idempotency`] is an argument of every constructor, so whether a call may be repeated is
//! decided where the operation is declared, at compile time. Clients that list their operations
//! as an enum map each variant to its endpoint with an exhaustive `match` (no wildcard arm), so
//! a new operation cannot compile until its retry class is chosen.
//!
//! ```
//! use loyalty_core::{Endpoint, Idempotency};
//!
//! const RETAIL: Endpoint =
//!     Endpoint::post("retail", "integration/general/retail", Idempotency::StateChanging);
//! assert_eq!(RETAIL.name(), "retail");
//! assert_eq!(RETAIL.method(), reqwest::Method::POST);
//! assert!(!RETAIL.is_idempotent());
//! ```

use reqwest::Method;

use crate::http::Idempotency;

/// The HTTP method of an [`Endpoint`] (the vendors here use only these two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

/// One vendor call: its name (for spans, logs and errors), HTTP method, path relative to the
/// client's base URL, and whether it may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    name: &'static str,
    method: EndpointMethod,
    path: &'static str,
    idempotency: Idempotency,
}

impl Endpoint {
    /// An endpoint; `idempotency` is always explicit.
    pub const fn new(
        name: &'static str,
        method: EndpointMethod,
        path: &'static str,
        idempotency: Idempotency,
    ) -> Self {
        Self {
            name,
            method,
            path,
            idempotency,
        }
    }

    /// A `GET` endpoint.
    pub const fn get(name: &'static str, path: &'static str, idempotency: Idempotency) -> Self {
        Self::new(name, EndpointMethod::Get, path, idempotency)
    }

    /// A `POST` endpoint.
    pub const fn post(name: &'static str, path: &'static str, idempotency: Idempotency) -> Self {
        Self::new(name, EndpointMethod::Post, path, idempotency)
    }

    /// The operation's name (`"getOptions"`, `"PostSN"`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The path relative to the base URL.
    pub const fn path(&self) -> &'static str {
        self.path
    }

    /// The HTTP method.
    pub fn method(&self) -> Method {
        match self.method {
            EndpointMethod::Get => Method::GET,
            EndpointMethod::Post => Method::POST,
        }
    }

    /// The retry class.
    pub const fn idempotency(&self) -> Idempotency {
        self.idempotency
    }

    /// Whether the call may be repeated after a transient failure.
    pub const fn is_idempotent(&self) -> bool {
        matches!(self.idempotency, Idempotency::Idempotent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_keep_every_part() {
        let e = Endpoint::get("Contact/Get", "Contact/Get", Idempotency::Idempotent);
        assert_eq!(e.method(), Method::GET);
        assert_eq!(e.path(), "Contact/Get");
        assert!(e.is_idempotent());
        let p = Endpoint::post(
            "signUp",
            "mobileapp/auth/signUp",
            Idempotency::StateChanging,
        );
        assert_eq!(p.method(), Method::POST);
        assert_eq!(p.idempotency(), Idempotency::StateChanging);
        assert!(!p.is_idempotent());
    }
}
