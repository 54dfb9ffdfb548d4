//! One error model for every loyalty provider.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What the provider itself said about an error: HTTP status, the vendor's own error code and its
/// message, kept verbatim so a bot can show or log exactly what the vendor answered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProviderDetail {
    /// HTTP status of the response, when there was one.
    pub status: Option<u16>,
    /// The vendor's error code as text (`"2"` for ERGO, `"100961"` for Manzana), if it sent one.
    pub code: Option<String>,
    /// The vendor's message, verbatim (may be empty).
    pub message: String,
}

impl ProviderDetail {
    /// A detail with a vendor code and message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status: None,
            code: Some(code.into()),
            message: message.into(),
        }
    }

    /// A detail with only a message.
    pub fn message(message: impl Into<String>) -> Self {
        Self {
            status: None,
            code: None,
            message: message.into(),
        }
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

impl fmt::Display for ProviderDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(status) = self.status {
            write!(f, "HTTP {status}")?;
            sep = ", ";
        }
        if let Some(code) = &self.code {
            write!(f, "{sep}code {code}")?;
            sep = ", ";
        }
        if !self.message.is_empty() {
            write!(f, "{sep}{:?}", self.message)?;
        } else if sep.is_empty() {
            f.write_str("no details")?;
        }
        Ok(())
    }
}

/// One invalid field as reported by the provider (or found by our own validation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field name as the provider spells it (`"spend"`, `"phone"`).
    pub field: String,
    /// The provider's message for that field, verbatim.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A coarse classification of [`LoyaltyError`], for dashboards and retry decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Credentials or the user's session: re-authenticate or fix the API key.
    Auth,
    /// The thing asked for does not exist.
    NotFound,
    /// Too many requests; wait and try again.
    RateLimited,
    /// A passing failure (network, timeout, server overload): safe to try again.
    Transient,
    /// The request itself was wrong, or the user must act (wrong code, blocked, invalid field).
    Client,
    /// The provider failed or answered something we cannot read.
    Server,
    /// A state-changing request may or may not have been applied.
    OutcomeUnknown,
    /// The operation is not offered by this provider.
    Unsupported,
}

/// Every error a loyalty client returns.
///
/// Variants that come from the provider keep its [`ProviderDetail`] (status, vendor code, message).
/// No variant ever carries a secret (API key, session token, password).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoyaltyError {
    /// The customer, card, purchase or other entity does not exist (e.g. unknown phone).
    #[error("not found: {detail}")]
    NotFound {
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// The provider rejected one or more fields; every field and message it returned is kept.
    #[error("invalid input: {}", join_fields(fields))]
    InvalidInput {
        /// Each rejected field with the provider's message.
        fields: Vec<FieldError>,
        /// What the provider said as a whole (status, code), if anything beyond the fields.
        detail: Option<ProviderDetail>,
    },
    /// The confirmation code the user typed is wrong.
    #[error("wrong confirmation code: {detail}")]
    WrongCode {
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// A confirmation code was already sent and the cool-down has not passed.
    #[error("a code was already sent{}: {detail}", fmt_after(*retry_after))]
    CodeAlreadySent {
        /// How long until a new code may be requested, if the provider said.
        retry_after: Option<Duration>,
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// The user's session expired or is not valid any more: authorize again.
    #[error("session expired or invalid: {detail}")]
    SessionExpired {
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// The user is blocked or not active in the programme.
    #[error("user is blocked or not active: {detail}")]
    Blocked {
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// The integration's credentials (API key, manager login) were refused.
    #[error("unauthorized (check the API credentials): {detail}")]
    Unauthorized {
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// The provider asked us to slow down.
    #[error("rate limited{}", fmt_after(*retry_after))]
    RateLimited {
        /// How long the provider asked us to wait, if it said.
        retry_after: Option<Duration>,
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// This provider does not offer the operation.
    #[error("operation {operation} is not supported by {provider}")]
    Unsupported {
        /// The provider's name.
        provider: &'static str,
        /// The operation's name.
        operation: &'static str,
    },
    /// Any other error the provider reported, with its code and message verbatim.
    #[error("provider error: {detail}")]
    Provider {
        /// What the provider said.
        detail: ProviderDetail,
    },
    /// The provider answered with a server error (5xx) to a request that is safe to repeat.
    #[error("server error: {detail}")]
    Server {
        /// Status and a bounded snippet of the body as the message.
        detail: ProviderDetail,
    },
    /// The request could not be sent or its answer not received (DNS, connect, TLS, reset).
    /// For a state-changing call this is only returned when the request was certainly not sent;
    /// otherwise the error is [`LoyaltyError::OutcomeUnknown`].
    #[error("transport error in {op}: {message}")]
    Transport {
        /// The operation.
        op: &'static str,
        /// What went wrong (never contains a URL or a secret).
        message: String,
    },
    /// No answer within the configured timeout, for a call that is safe to repeat.
    #[error("timeout in {op} after {after:?}")]
    Timeout {
        /// The operation.
        op: &'static str,
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The provider's answer could not be read: malformed JSON, an HTML error page, an empty body, or
    /// a body over the size limit.
    #[error("cannot decode the answer to {op} (HTTP {status}): {reason}; body starts: {snippet:?}")]
    Decode {
        /// The operation.
        op: &'static str,
        /// HTTP status of the answer.
        status: u16,
        /// Why decoding failed.
        reason: String,
        /// The first bytes of the body (at most [`crate::http::SNIPPET_LIMIT`]), lossily decoded.
        snippet: String,
    },
    /// The provider answered with a redirect (3xx). Redirects are never followed: the clients send
    /// credentials in headers (`BM-API-KEY`, `apikey`, `TOKEN`) and bodies (sessions) that an
    /// HTTP client would carry to whatever host the redirect names. The request was not applied
    /// (a redirect is not an answer); check the configured base URL.
    #[error(
        "the answer to {op} is a redirect (HTTP {status}){}; redirects are not followed, check the base URL",
        fmt_location(location.as_deref())
    )]
    Redirected {
        /// The operation.
        op: &'static str,
        /// The 3xx status.
        status: u16,
        /// The origin (`scheme://host:port`) the `Location` header pointed at, when it had one;
        /// its path and query are dropped (they may carry anything).
        location: Option<String>,
    },
    /// A state-changing request (a sale, a registration, a hold) may or may not have been applied:
    /// the connection failed or timed out after it may have been sent, or the server failed
    /// mid-way. It was **not** repeated. Check the state on the provider before trying again.
    #[error(
        "outcome unknown for {op}: {reason}; the request was not repeated, check before retrying"
    )]
    OutcomeUnknown {
        /// The operation.
        op: &'static str,
        /// What happened.
        reason: String,
    },
    /// The client was misconfigured or the request could not be built (bad base URL, bad input
    /// caught before sending).
    #[error("configuration error: {0}")]
    Config(String),
}

fn join_fields(fields: &[FieldError]) -> String {
    if fields.is_empty() {
        return "no details".to_owned();
    }
    fields
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn fmt_location(location: Option<&str>) -> String {
    match location {
        Some(l) => format!(" to {l}"),
        None => String::new(),
    }
}

fn fmt_after(after: Option<Duration>) -> String {
    match after {
        Some(d) => format!(" (retry after {}s)", d.as_secs()),
        None => String::new(),
    }
}

/// A phone that could not be parsed is invalid input in the field `phone`, with the reason.
impl From<crate::phone::PhoneError> for LoyaltyError {
    fn from(e: crate::phone::PhoneError) -> Self {
        Self::invalid("phone", e.to_string())
    }
}

impl LoyaltyError {
    /// An [`LoyaltyError::InvalidInput`] with one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            fields: vec![FieldError::new(field, message)],
            detail: None,
        }
    }

    /// An [`LoyaltyError::Unsupported`].
    pub fn unsupported(provider: &'static str, operation: &'static str) -> Self {
        Self::Unsupported {
            provider,
            operation,
        }
    }

    /// Whether sending the same request again (after [`Self::retry_after`], if any) may succeed
    /// and is safe. `false` for [`LoyaltyError::OutcomeUnknown`]: repeating might apply it twice.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. }
            | Self::CodeAlreadySent { .. }
            | Self::Server { .. }
            | Self::Transport { .. }
            | Self::Timeout { .. } => true,
            Self::NotFound { .. }
            | Self::InvalidInput { .. }
            | Self::WrongCode { .. }
            | Self::SessionExpired { .. }
            | Self::Blocked { .. }
            | Self::Unauthorized { .. }
            | Self::Unsupported { .. }
            | Self::Provider { .. }
            | Self::Decode { .. }
            | Self::Redirected { .. }
            | Self::OutcomeUnknown { .. }
            | Self::Config(_) => false,
        }
    }

    /// How long to wait before retrying, when the provider said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::CodeAlreadySent { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The coarse kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::SessionExpired { .. } | Self::Unauthorized { .. } => ErrorKind::Auth,
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Transport { .. } | Self::Timeout { .. } | Self::Server { .. } => {
                ErrorKind::Transient
            }
            Self::InvalidInput { .. }
            | Self::WrongCode { .. }
            | Self::CodeAlreadySent { .. }
            | Self::Blocked { .. }
            | Self::Config(_) => ErrorKind::Client,
            Self::Provider { .. } | Self::Decode { .. } | Self::Redirected { .. } => {
                ErrorKind::Server
            }
            Self::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Self::Unsupported { .. } => ErrorKind::Unsupported,
        }
    }

    /// What the provider said, for the variants that carry it.
    pub fn provider_detail(&self) -> Option<&ProviderDetail> {
        match self {
            Self::NotFound { detail }
            | Self::WrongCode { detail }
            | Self::CodeAlreadySent { detail, .. }
            | Self::SessionExpired { detail }
            | Self::Blocked { detail }
            | Self::Unauthorized { detail }
            | Self::RateLimited { detail, .. }
            | Self::Provider { detail }
            | Self::Server { detail } => Some(detail),
            Self::InvalidInput { detail, .. } => detail.as_ref(),
            _ => None,
        }
    }

    /// The vendor's own error code, when it sent one.
    pub fn provider_code(&self) -> Option<&str> {
        self.provider_detail().and_then(|d| d.code.as_deref())
    }
}

#[cfg(test)]
mod phone_error_tests {
    use super::*;

    #[test]
    fn a_phone_error_is_invalid_input_on_the_phone_field() {
        let e: LoyaltyError = crate::Phone::parse("12ab", crate::Region::UA)
            .unwrap_err()
            .into();
        let LoyaltyError::InvalidInput { fields, .. } = e else {
            panic!("invalid input expected")
        };
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].field, "phone");
        assert!(!fields[0].message.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> ProviderDetail {
        ProviderDetail::new("2", "Code already sent").with_status(200)
    }

    #[test]
    fn retryability_is_honest() {
        let cases: Vec<(LoyaltyError, bool, ErrorKind)> = vec![
            (
                LoyaltyError::NotFound { detail: d() },
                false,
                ErrorKind::NotFound,
            ),
            (
                LoyaltyError::invalid("spend", "too much"),
                false,
                ErrorKind::Client,
            ),
            (
                LoyaltyError::WrongCode { detail: d() },
                false,
                ErrorKind::Client,
            ),
            (
                LoyaltyError::CodeAlreadySent {
                    retry_after: Some(Duration::from_secs(60)),
                    detail: d(),
                },
                true,
                ErrorKind::Client,
            ),
            (
                LoyaltyError::SessionExpired { detail: d() },
                false,
                ErrorKind::Auth,
            ),
            (
                LoyaltyError::Blocked { detail: d() },
                false,
                ErrorKind::Client,
            ),
            (
                LoyaltyError::Unauthorized { detail: d() },
                false,
                ErrorKind::Auth,
            ),
            (
                LoyaltyError::RateLimited {
                    retry_after: None,
                    detail: d(),
                },
                true,
                ErrorKind::RateLimited,
            ),
            (
                LoyaltyError::unsupported("x", "y"),
                false,
                ErrorKind::Unsupported,
            ),
            (
                LoyaltyError::Provider { detail: d() },
                false,
                ErrorKind::Server,
            ),
            (
                LoyaltyError::Server { detail: d() },
                true,
                ErrorKind::Transient,
            ),
            (
                LoyaltyError::Transport {
                    op: "x",
                    message: "reset".into(),
                },
                true,
                ErrorKind::Transient,
            ),
            (
                LoyaltyError::Timeout {
                    op: "x",
                    after: Duration::from_secs(1),
                },
                true,
                ErrorKind::Transient,
            ),
            (
                LoyaltyError::Decode {
                    op: "x",
                    status: 200,
                    reason: "eof".into(),
                    snippet: String::new(),
                },
                false,
                ErrorKind::Server,
            ),
            (
                LoyaltyError::OutcomeUnknown {
                    op: "x",
                    reason: "reset".into(),
                },
                false,
                ErrorKind::OutcomeUnknown,
            ),
            (
                LoyaltyError::Redirected {
                    op: "x",
                    status: 307,
                    location: Some("http://elsewhere:8080".into()),
                },
                false,
                ErrorKind::Server,
            ),
            (
                LoyaltyError::Config("bad url".into()),
                false,
                ErrorKind::Client,
            ),
        ];
        for (err, retryable, kind) in cases {
            assert_eq!(err.is_retryable(), retryable, "{err}");
            assert_eq!(err.kind(), kind, "{err}");
        }
    }

    #[test]
    fn display_keeps_the_provider_words() {
        let e = LoyaltyError::CodeAlreadySent {
            retry_after: Some(Duration::from_secs(60)),
            detail: d(),
        };
        assert_eq!(
            e.to_string(),
            "a code was already sent (retry after 60s): HTTP 200, code 2, \"Code already sent\""
        );
        assert_eq!(e.provider_code(), Some("2"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        let e = LoyaltyError::InvalidInput {
            fields: vec![
                FieldError::new("spend", "Spend can't be more 100"),
                FieldError::new("point", "Point not found."),
            ],
            detail: None,
        };
        assert_eq!(
            e.to_string(),
            "invalid input: spend: Spend can't be more 100; point: Point not found."
        );
    }
}
