//! Mapping of non-2xx answers to [`LoyaltyError`].
//!
//! The seed documents no error body. The mapping is by status (ASSUMED, see the README); the
//! body is read leniently for a message (`message`, `error`, `errorMessage`, `description`,
//! `detail`, `msg`), a code (`code`, `errorCode`) and field errors (`errors` as an object
//! `{field: message}` or a list of `{field, message}`), and otherwise kept as a bounded snippet.

use loyalty_core::http::{Response, bounded};
use loyalty_core::{FieldError, LoyaltyError, ProviderDetail};
use serde_json::Value;

use crate::client::{Op, VERIFY_BY_CALL, VERIFY_BY_SMS};

/// What could be read from an error body.
#[derive(Debug, Default)]
struct Body {
    code: Option<String>,
    message: Option<String>,
    fields: Vec<FieldError>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(m) => ["message", "text", "description"]
            .iter()
            .find_map(|k| m.get(*k).and_then(text)),
        _ => None,
    }
}

fn read_body(raw: &[u8]) -> Body {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(raw) else {
        return Body::default();
    };
    let message = [
        "message",
        "errorMessage",
        "error_description",
        "description",
        "detail",
        "msg",
        "error",
    ]
    .iter()
    .find_map(|k| m.get(*k).and_then(text))
    .map(bounded);
    let code = ["code", "errorCode", "error_code"]
        .iter()
        .find_map(|k| m.get(*k).and_then(text))
        .map(bounded);
    let mut fields = Vec::new();
    match m.get("errors").or_else(|| m.get("fields")) {
        Some(Value::Object(f)) => {
            for (k, v) in f {
                let msg = match v {
                    Value::Array(a) => a.iter().filter_map(text).collect::<Vec<_>>().join("; "),
                    other => text(other).unwrap_or_default(),
                };
                fields.push(FieldError::new(k.clone(), bounded(msg)));
            }
        }
        Some(Value::Array(a)) => {
            for item in a {
                if let Value::Object(o) = item {
                    let field = ["field", "name", "param"]
                        .iter()
                        .find_map(|k| o.get(*k).and_then(text))
                        .unwrap_or_default();
                    let msg = text(item).unwrap_or_default();
                    fields.push(FieldError::new(field, bounded(msg)));
                } else if let Some(t) = text(item) {
                    fields.push(FieldError::new("", bounded(t)));
                }
            }
        }
        _ => {}
    }
    Body {
        code,
        message,
        fields,
    }
}

/// Whether a refusal names the API key (`BM-API-KEY`, "API key", "apikey", "ключ API").
fn names_api_key(message: &str) -> bool {
    let m = message.to_lowercase();
    [
        "api-key",
        "api key",
        "apikey",
        "api_key",
        "ключ api",
        "api-ключ",
    ]
    .iter()
    .any(|k| m.contains(k))
}

/// Maps a non-2xx answer of `op`.
pub(crate) fn map_error(op: Op, resp: &Response) -> LoyaltyError {
    let status = resp.status.as_u16();
    if status >= 500 {
        // Server / OutcomeUnknown (state-changing) with a bounded snippet, from loyalty-core.
        return resp.status_error();
    }
    let body = read_body(&resp.body);
    let mut detail =
        ProviderDetail::message(body.message.clone().unwrap_or_else(|| resp.snippet()))
            .with_status(status);
    detail.code = body.code.clone();
    let verify = op == VERIFY_BY_SMS || op == VERIFY_BY_CALL;
    match status {
        // A card call carries both the API key and the customer's token: the answer tells
        // which one it refused when it names the key (ASSUMED wording, see the README).
        401 | 403 if op.card && !names_api_key(&detail.message) => {
            LoyaltyError::SessionExpired { detail }
        }
        401 | 403 => LoyaltyError::Unauthorized { detail },
        404 => LoyaltyError::NotFound { detail },
        429 => LoyaltyError::RateLimited {
            retry_after: resp.retry_after,
            detail,
        },
        400 | 422 if verify => LoyaltyError::WrongCode { detail },
        400 | 409 | 422 => {
            let fields = if body.fields.is_empty() {
                vec![FieldError::new("", detail.message.clone())]
            } else {
                body.fields
            };
            LoyaltyError::InvalidInput {
                fields,
                detail: Some(detail),
            }
        }
        _ => LoyaltyError::Provider { detail },
    }
}
