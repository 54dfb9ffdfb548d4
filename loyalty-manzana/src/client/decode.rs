//! Decoding the services' answers: errors, values, lists, entities, tokens and sessions.

use super::*;

/// Marks the answer of a sensitive `op`, and maps an error answer (non-2xx, or a 2xx HTML crash
/// page) to its error.
pub(crate) fn check(
    op: Op,
    rules: &SessionRules,
    resp: Response,
) -> Result<Response, LoyaltyError> {
    let resp = if op.sensitive { resp.sensitive() } else { resp };
    if !resp.status.is_success() || is_html_error(&resp.body) {
        let e = map_error(op.kind, rules, &resp);
        tracing::debug!(op = op.endpoint.name(), error = %e, "the service answered with an error");
        return Err(e);
    }
    Ok(resp)
}

pub(super) fn parse(resp: &Response) -> Result<Value, LoyaltyError> {
    resp.json::<Value>()
}

pub(super) fn from_value<T: DeserializeOwned>(
    v: Value,
    resp: &Response,
) -> Result<T, LoyaltyError> {
    serde_json::from_value(v).map_err(|e| resp.decode_error(e.to_string()))
}

/// `{"value": T}`.
pub(crate) fn decode_value<T: DeserializeOwned>(resp: &Response) -> Result<T, LoyaltyError> {
    match parse(resp)? {
        Value::Object(mut m) if m.contains_key("value") => {
            from_value(m.remove("value").unwrap_or(Value::Null), resp)
        }
        other => from_value(other, resp),
    }
}

/// `{"value": [T]}` (also a bare array; `null` is empty).
pub(crate) fn decode_list<T: DeserializeOwned>(resp: &Response) -> Result<Vec<T>, LoyaltyError> {
    let v = match parse(resp)? {
        Value::Object(mut m) if m.contains_key("value") => m.remove("value").unwrap_or(Value::Null),
        Value::Array(a) => Value::Array(a),
        _ => return Err(resp.decode_error("expected {\"value\": [...]}")),
    };
    match v {
        Value::Null => Ok(Vec::new()),
        v => from_value(v, resp),
    }
}

/// A bare entity (also inside `{"value": {...}}`).
pub(crate) fn decode_entity<T: DeserializeOwned>(resp: &Response) -> Result<T, LoyaltyError> {
    match parse(resp)? {
        Value::Object(mut m) if m.len() == 1 && m.get("value").is_some_and(Value::is_object) => {
            from_value(m.remove("value").unwrap_or(Value::Null), resp)
        }
        other => from_value(other, resp),
    }
}

pub(crate) fn scalar_text(v: &Value, resp: &Response) -> Result<String, LoyaltyError> {
    match v {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(resp.decode_error("expected a non-empty scalar value")),
    }
}

/// A token: `{"value": "…"}`, `{"Token": "…"}` or a bare string.
pub(crate) fn decode_token(resp: &Response) -> Result<SecretString, LoyaltyError> {
    let v = parse(resp)?;
    let t = match &v {
        Value::Object(m) => m
            .get("value")
            .or_else(|| m.get("Token"))
            .or_else(|| m.get("token")),
        s @ Value::String(_) => Some(s),
        _ => None,
    };
    match t {
        Some(Value::String(s)) if !s.is_empty() => Ok(SecretString::from(s.clone())),
        _ => Err(resp.decode_error("no token in the answer")),
    }
}

/// The manager session of an `Identity/Login` answer.
pub(crate) fn manager_session_of(resp: &Response) -> Result<SecretString, LoyaltyError> {
    let r: LoginResult = decode_entity(resp)?;
    r.session_id
        .filter(|s| !s.is_empty())
        .map(SecretString::from)
        .ok_or_else(|| resp.decode_error("no SessionId in the login answer"))
}

/// The customer session of a login or registration answer.
pub(crate) fn session_of(resp: &Response) -> Result<CustomerSession, LoyaltyError> {
    let r: LoginResult = decode_entity(resp)?;
    match (r.id, r.session_id) {
        (Some(id), Some(sid)) if !id.is_empty() && !sid.is_empty() => {
            Ok(CustomerSession::new(id, sid))
        }
        _ => Err(resp.decode_error("no Id/SessionId in the answer")),
    }
}
