//! Property tests: whatever arrives at the webhook, the parser never panics and answers with
//! events or a typed error. Inputs: arbitrary bytes (signed, so they reach the parser), arbitrary
//! JSON, and real callbacks (the fixtures) with one node replaced by arbitrary JSON.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use http::HeaderMap;
use messenger_core::{Messenger, MessengerError, sign_hmac_sha256_hex};
use messenger_viber::{SecretString, ViberBot, parse_event};
use proptest::prelude::*;
use serde_json::Value;

const TOKEN: &str = "4a7f2b-test-token-secret";

fn bot() -> &'static ViberBot {
    static BOT: std::sync::OnceLock<ViberBot> = std::sync::OnceLock::new();
    BOT.get_or_init(|| {
        ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
            .base_url("http://127.0.0.1:9/pa")
            .build()
            .unwrap()
    })
}

fn signed(body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "x-viber-content-signature",
        sign_hmac_sha256_hex(&SecretString::from(TOKEN), body)
            .parse()
            .unwrap(),
    );
    h
}

fn fixtures() -> &'static [Value] {
    static ALL: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let s = std::fs::read_to_string(format!(
            "{}/tests/fixtures/callbacks.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let v: Value = serde_json::from_str(&s).unwrap();
        v.as_object().unwrap().values().cloned().collect()
    })
}

/// Any JSON, bounded: scalars (big and negative numbers, floats, odd strings) nested in arrays
/// and objects up to three levels.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,20}".prop_map(Value::String),
        prop_oneof![
            Just("message"),
            Just("text"),
            Just("contact"),
            Just("dialog"),
            Just("chat"),
            Just("/start x"),
            Just("cb:"),
            Just("picture"),
            Just("file"),
            Just("image"),
            Just("conversation_started"),
            Just("message_created"),
            Just("message_callback"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 32, 5, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    "[a-z_]{1,12}",
                    Just("message".to_owned()),
                    Just("chat".to_owned()),
                    Just("from".to_owned()),
                    Just("id".to_owned()),
                    Just("text".to_owned()),
                    Just("user".to_owned()),
                    Just("sender".to_owned()),
                    Just("recipient".to_owned()),
                    Just("body".to_owned()),
                    Just("attachments".to_owned()),
                    Just("payload".to_owned()),
                    Just("callback".to_owned()),
                ],
                inner,
                0..6,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Replaces the `target`-th node (pre-order, modulo the node count) of `v` with `with`.
fn mutate(v: &mut Value, target: usize, with: Value) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut Value, k: &mut usize, with: &mut Option<Value>) {
        if *k == 0 {
            if let Some(w) = with.take() {
                *v = w;
            }
            return;
        }
        *k -= 1;
        match v {
            Value::Array(a) => a.iter_mut().for_each(|c| walk(c, k, with)),
            Value::Object(o) => o.values_mut().for_each(|c| walk(c, k, with)),
            _ => {}
        }
    }
    let mut k = target % count(v);
    walk(v, &mut k, &mut Some(with));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_signed_bytes_are_events_or_a_decode_error(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        match bot().receive_webhook(&signed(&body), &body) {
            Ok(o) => prop_assert_eq!(o.updates.len(), 1),
            Err(MessengerError::Decode { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
        // Unsigned, the same bytes never reach the parser.
        let forged = matches!(
            bot().receive_webhook(&HeaderMap::new(), &body),
            Err(MessengerError::ForgedWebhook { .. })
        );
        prop_assert!(forged, "unsigned bytes reached the parser");
    }

    #[test]
    fn any_json_object_is_an_event(v in json()) {
        let _ = parse_event(&v);
        let body = serde_json::to_vec(&v).unwrap();
        let r = bot().receive_webhook(&signed(&body), &body);
        if v.is_object() {
            let o = r.unwrap();
            prop_assert_eq!(o.updates.len(), 1);
            // A welcome slot only for a conversation start with a user.
            if let Some(slot) = o.welcome {
                prop_assert_eq!(v["event"].as_str(), Some("conversation_started"));
                prop_assert_eq!(Some(&slot.chat), o.updates[0].chat.as_ref());
            }
        } else {
            prop_assert!(matches!(r, Err(MessengerError::Decode { .. })), "{r:?}");
        }
    }

    #[test]
    fn damaged_real_callbacks_never_panic(which in any::<usize>(), at in any::<usize>(), with in json()) {
        let all = fixtures();
        let mut v = all[which % all.len()].clone();
        mutate(&mut v, at, with);
        let e = parse_event(&v);
        prop_assert!(!e.update.dedup_key.is_empty());
        // A Viber contact is never the sender's own, however it is shaped.
        if let messenger_core::UpdateKind::Contact(c) = &e.update.kind {
            prop_assert!(!c.is_own);
        }
    }
}
