//! Mapping of LoyalClient error answers to [`LoyaltyError`].
//!
//! The API answers every error with HTTP **422** and an object mapping the offending field to a
//! message: `{"spend": "Spend can't be more 100"}`, `{"client": "Client not found."}`. The spec
//! leaves open whether that map is top-level or nested under a key; both are read:
//!
//! - nested under `errors`, `error`, `fields` or `data` (an object, or a list of
//!   `{field, message}`), or
//! - top-level, skipping the envelope keys `success`, `message` and `code`.
//!
//! A message may be a string, a list of strings (one [`FieldError`] each) or any other JSON value
//! (kept as its text). Every field/message pair is kept, in the order of the body.
//!
//! - `client` with a "not found" message (`Client not found.`, `не найден`) →
//!   [`LoyaltyError::NotFound`], with `code` `"client"` and the message verbatim;
//! - `apikey`/`key`/`token` → [`LoyaltyError::Unauthorized`] (ASSUMED);
//! - any other 422 (or 400), and a `200` with `"success": false` →
//!   [`LoyaltyError::InvalidInput`] with every pair;
//! - 401/403 → [`LoyaltyError::Unauthorized`], 404 → [`LoyaltyError::NotFound`],
//!   429 → [`LoyaltyError::RateLimited`], 5xx → [`LoyaltyError::Server`] (idempotent calls) or
//!   [`LoyaltyError::OutcomeUnknown`] (`retail`, `hold`), by loyalty-core's status mapping.

use std::fmt;

use loyalty_core::http::{Response, bounded, snippet};
use loyalty_core::{FieldError, LoyaltyError, ProviderDetail};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Keys under which the field map may be nested.
const NESTED_KEYS: &[&str] = &["errors", "error", "fields", "data"];
/// Envelope keys that are not fields.
const ENVELOPE_KEYS: &[&str] = &["success", "message", "code", "status"];
/// Fields that name the API key.
const KEY_FIELDS: &[&str] = &["apikey", "api_key", "key", "token"];

/// A JSON value whose objects keep the order of the body (serde_json's `Map` sorts keys unless
/// the workspace-wide `preserve_order` feature is on).
#[derive(Debug)]
enum Node {
    Object(Vec<(String, Node)>),
    Array(Vec<Node>),
    Other(Value),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Other(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Other(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Other(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Other(Value::from(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Other(Value::from(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Other(Value::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Other(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Other(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<Node>()? {
                    out.push(n);
                }
                Ok(Node::Array(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    out.push((k, v));
                }
                Ok(Node::Object(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl Node {
    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn as_str(&self) -> Option<&str> {
        match self {
            Node::Other(Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// The message of a value: a string as is, an object's `message`/`text`/`description`, any
    /// other value as its JSON text.
    fn text(&self) -> String {
        match self {
            Node::Other(Value::String(s)) => s.clone(),
            Node::Other(Value::Null) => String::new(),
            Node::Other(v) => v.to_string(),
            Node::Object(_) => ["message", "text", "description", "error"]
                .iter()
                .find_map(|k| self.get(k).and_then(Node::as_str))
                .map(str::to_owned)
                .unwrap_or_default(),
            Node::Array(items) => items.iter().map(Node::text).collect::<Vec<_>>().join("; "),
        }
    }
}

fn push_messages(out: &mut Vec<FieldError>, field: &str, v: &Node) {
    match v {
        Node::Array(items) => {
            for item in items {
                push_messages(out, field, item);
            }
        }
        other => out.push(FieldError::new(field, bounded(other.text()))),
    }
}

fn fields_of_map(entries: &[(String, Node)], skip_envelope: bool) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (k, v) in entries {
        if skip_envelope && ENVELOPE_KEYS.contains(&k.as_str()) {
            continue;
        }
        push_messages(&mut out, k, v);
    }
    out
}

/// Every field/message pair of an error body (both shapes), in body order. Empty when the body
/// is not a JSON object or carries no field.
pub fn field_errors(body: &[u8]) -> Vec<FieldError> {
    let Ok(root @ Node::Object(_)) = serde_json::from_slice::<Node>(body) else {
        return Vec::new();
    };
    for key in NESTED_KEYS {
        match root.get(key) {
            Some(Node::Object(inner)) => return fields_of_map(inner, false),
            Some(Node::Array(items)) if items.iter().all(|i| matches!(i, Node::Object(_))) => {
                let mut out = Vec::new();
                for item in items {
                    let field = ["field", "name", "param"]
                        .iter()
                        .find_map(|k| item.get(k).and_then(Node::as_str))
                        .unwrap_or_default()
                        .to_owned();
                    out.push(FieldError::new(field, bounded(item.text())));
                }
                return out;
            }
            _ => {}
        }
    }
    let Node::Object(entries) = &root else {
        return Vec::new();
    };
    let mut out = fields_of_map(entries, true);
    if out.is_empty() {
        // Only an envelope: keep its message as a field-less error.
        if let Some(msg) = root.get("message").and_then(Node::as_str) {
            out.push(FieldError::new("", bounded(msg.to_owned())));
        }
    }
    out
}

fn is_not_found(message: &str) -> bool {
    let m = message.to_lowercase();
    m.contains("not found") || m.contains("не найден")
}

/// Maps an error answer of `op` (a non-2xx status, or a 2xx with `"success": false`).
pub(crate) fn map_error(resp: &Response) -> LoyaltyError {
    let status = resp.status.as_u16();
    if status >= 500 || matches!(status, 401 | 403 | 404 | 429) {
        return resp.status_error();
    }
    let fields = field_errors(&resp.body);
    if let Some(f) = fields
        .iter()
        .find(|f| f.field == "client" && is_not_found(&f.message))
    {
        return LoyaltyError::NotFound {
            detail: ProviderDetail::new("client", f.message.clone()).with_status(status),
        };
    }
    if let Some(f) = fields
        .iter()
        .find(|f| KEY_FIELDS.contains(&f.field.to_ascii_lowercase().as_str()))
    {
        return LoyaltyError::Unauthorized {
            detail: ProviderDetail::new(f.field.clone(), f.message.clone()).with_status(status),
        };
    }
    let detail = ProviderDetail::message(snippet(&resp.body)).with_status(status);
    if fields.is_empty() {
        if matches!(status, 400 | 422) || resp.status.is_success() {
            return LoyaltyError::InvalidInput {
                fields: vec![FieldError::new("", detail.message.clone())],
                detail: Some(detail),
            };
        }
        return LoyaltyError::Provider { detail };
    }
    LoyaltyError::InvalidInput {
        fields,
        detail: Some(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_shapes_and_lists() {
        let top =
            field_errors(br#"{"spend":"Spend can't be more 100","point":"Point not found."}"#);
        assert_eq!(
            top,
            vec![
                FieldError::new("spend", "Spend can't be more 100"),
                FieldError::new("point", "Point not found.")
            ]
        );
        let nested = field_errors(br#"{"success":false,"errors":{"client":"Client not found."}}"#);
        assert_eq!(nested, vec![FieldError::new("client", "Client not found.")]);
        let list = field_errors(br#"{"errors":{"amount":["a","b"]}}"#);
        assert_eq!(list.len(), 2);
        let objs = field_errors(br#"{"errors":[{"field":"spend","message":"too much"}]}"#);
        assert_eq!(objs, vec![FieldError::new("spend", "too much")]);
        let env = field_errors(br#"{"success":false,"message":"Oops"}"#);
        assert_eq!(env, vec![FieldError::new("", "Oops")]);
        assert!(field_errors(b"<html>").is_empty());
    }
}
