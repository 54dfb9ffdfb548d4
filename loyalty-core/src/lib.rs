//! # loyalty-core
//!
//! The foundation every loyalty API client of this SDK stands on:
//!
//! - [`model`]: the provider-neutral domain model (customers, balances, bonus history, purchases,
//!   promotions, notices, pages). Money and points are exact [`Decimal`]s, never `f64`.
//! - [`Phone`]: parse what people type or share once, format it the way each provider wants.
//! - [`LoyaltyError`]: one error model for every provider, with [`LoyaltyError::is_retryable`] and the
//!   crucial [`LoyaltyError::OutcomeUnknown`] for state-changing calls that may have been applied.
//! - [`LoyaltyProvider`]: the object-safe trait a bot talks to, with [`Capabilities`] and an opaque,
//!   persistable [`Session`].
//! - [`http`]: the HTTP plumbing shared by the clients: [`http::HttpConfig`], [`http::RetryPolicy`] and
//!   [`http::HttpClient::call`], which sends an [`Endpoint`] and retries only what is safe to retry.
//! - [`Endpoint`]: the one description of a vendor call (name, method, path, retry class) the
//!   clients share; the retry class is always explicit.
//! - [`de`]: lenient serde helpers for vendor quirks (numbers sent as strings, `0`/`1` flags, empty dates).
//! - [`Clock`]: injected time, so sandboxes and tests control "now".
//!
//! ## Quick start
//! ```
//! use loyalty_core::{Phone, Region};
//!
//! let phone = Phone::parse("+380 88 999 33 66", Region::UA)?;
//! assert_eq!(phone.e164(), "+380889993366");
//! assert_eq!(phone.digits(), "380889993366"); // what ERGO wants
//! let ru = Phone::parse("8 920 000 00 00", Region::RU)?;
//! assert_eq!(ru.bracketed(), "+7 (920) 000-00-00"); // what BonusMoney wants
//! # Ok::<(), loyalty_core::PhoneError>(())
//! ```
#![deny(missing_docs)]

pub mod clock;
pub mod de;
pub mod endpoint;
pub mod error;
pub mod http;
pub use http::{HttpClient, HttpConfig, HttpOptions, Idempotency, RetryPolicy};
#[cfg(feature = "mock")]
pub mod mock;
pub mod model;
pub mod pagination;
pub mod phone;
pub mod provider;
pub mod ser;
#[cfg(feature = "server")]
pub mod server;
pub mod session;
pub mod wire_enum;

/// serde, for the code [`wire_enum!`] generates (not part of the API).
#[doc(hidden)]
pub use serde as __serde;

pub use clock::{Clock, ManualClock, SystemClock};
pub use endpoint::{Endpoint, EndpointMethod};
pub use error::{ErrorKind, FieldError, LoyaltyError, ProviderDetail};
pub use model::*;
pub use pagination::{Page, PageRequest, paginate};
pub use phone::{Phone, PhoneArg, PhoneError, Region};
pub use provider::{
    Capabilities, Capability, Captcha, CaptchaAnswer, CodeChannel, CodeOutcome, CodeRequest,
    LoyaltyProvider, SignUpTicket, Verification,
};
/// The HTTP client crate the clients are built on (for custom `reqwest::Client`s).
pub use reqwest;
pub use rust_decimal::Decimal;
pub use secrecy::{ExposeSecret, SecretString};
pub use session::Session;

/// Shorthand for results of loyalty operations.
pub type Result<T, E = LoyaltyError> = std::result::Result<T, E>;
