//! Property-test strategies for every parser of outside input (the loyalty clients' response
//! decoders, the messenger adapters' webhook and update parsers): arbitrary bodies, arbitrary
//! JSON values with the vendor's own keys, and mutations of the documented answers in
//! `tests/fixtures`.
//!
//! ```
//! use test_support::fuzz;
//! use proptest::prelude::*;
//!
//! let fixtures = vec![serde_json::json!({"session": "x", "active": 1})];
//! let keys = fuzz::keys_of(&fixtures);
//! proptest!(ProptestConfig::with_cases(16), |(v in fuzz::mutated(fixtures.clone(), keys.clone()))| {
//!     let _ = serde_json::to_vec(&v);
//! });
//! ```

use std::path::Path;

use http::StatusCode;
use proptest::prelude::*;
use serde_json::{Map, Value};

/// The JSON fixtures (`*.json`) of a directory, by file name, sorted. Files that are not valid
/// JSON are skipped.
///
/// # Panics
/// When the directory cannot be read (a test set-up error).
pub fn load_json_fixtures(dir: impl AsRef<Path>) -> Vec<(String, Value)> {
    let dir = dir.as_ref();
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the fixtures in {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            out.push((name, v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every object key found anywhere in `docs`, sorted and deduplicated.
pub fn keys_of(docs: &[Value]) -> Vec<String> {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    out.push(k.clone());
                    walk(v, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    docs.iter().for_each(|d| walk(d, &mut out));
    out.sort();
    out.dedup();
    out
}

/// A statuses a vendor may answer with: mostly 200, and the usual errors.
pub fn status() -> impl Strategy<Value = StatusCode> {
    prop_oneof![
        4 => Just(StatusCode::OK),
        1 => prop::sample::select(vec![
            StatusCode::CREATED,
            StatusCode::NO_CONTENT,
            StatusCode::BAD_REQUEST,
            StatusCode::UNAUTHORIZED,
            StatusCode::FORBIDDEN,
            StatusCode::NOT_FOUND,
            StatusCode::CONFLICT,
            StatusCode::UNPROCESSABLE_ENTITY,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::SERVICE_UNAVAILABLE,
        ]),
    ]
}

fn scalar(keys: Vec<String>) -> impl Strategy<Value = Value> {
    let texts = if keys.is_empty() {
        vec![String::new()]
    } else {
        keys
    };
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop::sample::select(vec![0i64, 1, -1, 2, 3, 16, i64::MAX, i64::MIN]).prop_map(Value::from),
        prop::sample::select(vec![
            "",
            "0",
            "1",
            "-1",
            "true",
            "false",
            "null",
            "1.5",
            "1e400",
            "NaN",
            "2026-11-23",
            "2026-11-23 10:00:00",
            "2026-11-23T10:00:00Z",
            "0000-00-00",
            "99999999999999999999",
        ])
        .prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(texts).prop_map(Value::from),
    ]
}

/// Arbitrary JSON values whose object keys are mostly taken from `keys` (the vendor's own, so
/// the decoders see their fields with unexpected values), nested a few levels deep.
pub fn json_value(keys: Vec<String>) -> BoxedStrategy<Value> {
    let key = {
        let known = if keys.is_empty() {
            vec!["value".to_owned()]
        } else {
            keys.clone()
        };
        prop_oneof![3 => prop::sample::select(known), 1 => "[a-zA-Z_]{0,12}"]
    };
    scalar(keys)
        .prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key.clone(), inner), 0..6)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            ]
        })
        .boxed()
}

/// Counts the nodes of a value (pre-order).
fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(m) => m.values().map(count).sum(),
        _ => 0,
    }
}

/// What to do to one node.
#[derive(Debug, Clone)]
enum Edit {
    Replace(Value),
    Remove,
    WrapInArray,
    Duplicate,
}

/// Applies `edit` to node number `target` (pre-order); returns whether it was applied.
fn apply(v: &mut Value, target: &mut usize, edit: &Edit) -> bool {
    if *target == 0 {
        match edit {
            Edit::Replace(new) => *v = new.clone(),
            Edit::Remove => *v = Value::Null,
            Edit::WrapInArray => *v = Value::Array(vec![v.take()]),
            Edit::Duplicate => *v = Value::Array(vec![v.clone(), v.clone()]),
        }
        return true;
    }
    *target -= 1;
    match v {
        Value::Array(a) => {
            for i in 0..a.len() {
                if *target == 0 && matches!(edit, Edit::Remove) {
                    a.remove(i);
                    return true;
                }
                if apply(&mut a[i], target, edit) {
                    return true;
                }
            }
            false
        }
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if *target == 0 && matches!(edit, Edit::Remove) {
                    m.remove(&k);
                    return true;
                }
                if let Some(child) = m.get_mut(&k) {
                    if apply(child, target, edit) {
                        return true;
                    }
                }
            }
            false
        }
        _ => false,
    }
}

/// One of `docs` with one to four nodes replaced by arbitrary values (see [`json_value`]),
/// removed, wrapped in an array or duplicated.
pub fn mutated(docs: Vec<Value>, keys: Vec<String>) -> BoxedStrategy<Value> {
    let docs = if docs.is_empty() {
        vec![Value::Null]
    } else {
        docs
    };
    let edit = prop_oneof![
        3 => json_value(keys).prop_map(Edit::Replace),
        1 => Just(Edit::Remove),
        1 => Just(Edit::WrapInArray),
        1 => Just(Edit::Duplicate),
    ];
    (
        prop::sample::select(docs),
        prop::collection::vec((any::<prop::sample::Index>(), edit), 1..5),
    )
        .prop_map(|(mut doc, edits)| {
            for (at, edit) in edits {
                let mut target = at.index(count(&doc));
                apply(&mut doc, &mut target, &edit);
            }
            doc
        })
        .boxed()
}

/// Bodies as bytes: arbitrary bytes, and the fixtures serialized then cut short, with bytes
/// flipped, or with a byte inserted.
pub fn body_bytes(docs: Vec<Value>) -> BoxedStrategy<Vec<u8>> {
    let texts: Vec<Vec<u8>> = docs
        .iter()
        .filter_map(|d| serde_json::to_vec(d).ok())
        .chain(std::iter::once(b"{}".to_vec()))
        .collect();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        (
            prop::sample::select(texts.clone()),
            any::<prop::sample::Index>()
        )
            .prop_map(|(t, at)| t[..at.index(t.len() + 1)].to_vec()),
        (
            prop::sample::select(texts.clone()),
            prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
        )
            .prop_map(|(mut t, flips)| {
                for (at, b) in flips {
                    let i = at.index(t.len());
                    t[i] = b;
                }
                t
            }),
        (
            prop::sample::select(texts),
            any::<prop::sample::Index>(),
            any::<u8>()
        )
            .prop_map(|(mut t, at, b)| {
                t.insert(at.index(t.len() + 1), b);
                t
            }),
    ]
    .boxed()
}
