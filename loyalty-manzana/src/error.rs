//! Mapping of the services' answers to [`LoyaltyError`].
//!
//! Errors arrive as `{"odata.error": {"code": "…", "message": {"lang": "…", "value": "…"}}}` with
//! any 4xx/5xx status (confirmed shape; the status per error is not public). The code and message
//! are kept in [`ProviderDetail`]. A server crash is an HTML page with "Server Error".

use loyalty_core::http::{Idempotency, Response, bounded};
use loyalty_core::{FieldError, LoyaltyError, ProviderDetail};
use serde_json::Value;

/// Known `odata.error` codes (confirmed by public integrations).
pub mod codes {
    /// Wrong card PIN (`CodeWord`).
    pub const WRONG_CARD_PIN: &str = "100961";
    /// The card is already bound to this contact.
    pub const CARD_ALREADY_BOUND: &str = "1000048";
    /// The card is not active (a new card).
    pub const CARD_NOT_ACTIVE: &str = "100962";
}

/// How session errors are recognised (ASSUMED: the codes are not public). A matching error on a
/// call made with a session becomes [`LoyaltyError::SessionExpired`]; on a manager call the
/// client logs in again once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionRules {
    /// HTTP statuses that mean "session invalid" (default 401, 403).
    pub statuses: Vec<u16>,
    /// `odata.error` codes that mean "session invalid" (default none known).
    pub codes: Vec<String>,
    /// Case-insensitive fragments of the message (default `session`, `сесси`).
    pub message_markers: Vec<String>,
}

impl Default for SessionRules {
    fn default() -> Self {
        Self {
            statuses: vec![401, 403],
            codes: Vec::new(),
            message_markers: vec!["session".into(), "сесси".into()],
        }
    }
}

impl SessionRules {
    fn matches(&self, status: u16, code: Option<&str>, message: &str) -> bool {
        if self.statuses.contains(&status) {
            return true;
        }
        if code.is_some_and(|c| self.codes.iter().any(|k| k == c)) {
            return true;
        }
        let lower = message.to_lowercase();
        self.message_markers
            .iter()
            .any(|m| !m.is_empty() && lower.contains(&m.to_lowercase()))
    }
}

/// What kind of call failed, for the mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    /// A call carrying a session (customer, manager or admin).
    WithSession,
    /// A call that checks a code the user typed.
    CodeCheck,
    /// A call that creates or registers something from user input.
    Input,
    /// A login with credentials.
    Login,
    /// Anything else.
    Plain,
}

/// `(code, message)` of an `odata.error` body.
pub(crate) fn odata_error(body: &[u8]) -> Option<(Option<String>, String)> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let e = v.get("odata.error").or_else(|| v.get("error"))?;
    let code = match e.get("code") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let message = match e.get("message") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(m)) => m
            .get("value")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    Some((code, bounded(message)))
}

/// Whether a body is the HTML error page of a crashed server.
pub(crate) fn is_html_error(body: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&body[..body.len().min(4096)]).to_lowercase();
    let t = head.trim_start();
    (t.starts_with('<') || t.contains("<html")) && head.contains("server error")
}

/// Maps an answer that is an error (non-2xx, or a 2xx HTML crash page).
pub(crate) fn map_error(kind: OpKind, rules: &SessionRules, resp: &Response) -> LoyaltyError {
    let status = resp.status.as_u16();
    let Some((code, message)) = odata_error(&resp.body) else {
        if is_html_error(&resp.body) {
            if resp.status.is_server_error() {
                // Server / OutcomeUnknown (state-changing), with a bounded snippet.
                return resp.status_error();
            }
            return LoyaltyError::Server {
                detail: ProviderDetail::message(resp.snippet()).with_status(status),
            };
        }
        if kind == OpKind::WithSession && rules.statuses.contains(&status) {
            return LoyaltyError::SessionExpired {
                detail: ProviderDetail::message(resp.snippet()).with_status(status),
            };
        }
        if kind == OpKind::Login && matches!(status, 400 | 401 | 403) {
            return LoyaltyError::Unauthorized {
                detail: ProviderDetail::message(resp.snippet()).with_status(status),
            };
        }
        return resp.status_error();
    };
    let mut detail = ProviderDetail::message(message.clone()).with_status(status);
    detail.code = code.clone();
    if kind == OpKind::Login {
        return LoyaltyError::Unauthorized { detail };
    }
    if kind == OpKind::WithSession && rules.matches(status, code.as_deref(), &message) {
        return LoyaltyError::SessionExpired { detail };
    }
    match code.as_deref() {
        Some(codes::WRONG_CARD_PIN) => return LoyaltyError::WrongCode { detail },
        Some(codes::CARD_ALREADY_BOUND | codes::CARD_NOT_ACTIVE) => {
            return LoyaltyError::Provider { detail };
        }
        _ => {}
    }
    match (kind, status) {
        (_, 404) => LoyaltyError::NotFound { detail },
        (_, 429) => LoyaltyError::RateLimited {
            retry_after: resp.retry_after,
            detail,
        },
        (OpKind::CodeCheck, _) => LoyaltyError::WrongCode { detail },
        (OpKind::Input, _) => LoyaltyError::InvalidInput {
            fields: vec![FieldError::new("", message)],
            detail: Some(detail),
        },
        // A typed answer to a state-changing call: the server refused it (not "maybe applied").
        (_, 500..=599) if resp.idempotency == Idempotency::StateChanging => {
            LoyaltyError::Provider { detail }
        }
        (_, 500..=599) => LoyaltyError::Server { detail },
        _ => LoyaltyError::Provider { detail },
    }
}
