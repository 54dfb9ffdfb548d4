//! Property tests: whatever arrives at the webhook, the parser never panics and answers with
//! events or a typed error. Inputs: arbitrary bytes (signed, so they reach the parser), arbitrary
//! JSON, and real callbacks (the fixtures) with nodes replaced, removed, wrapped or duplicated (the
//! strategies of `test_support::fuzz`, shared with the loyalty clients' decoder tests).
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use http::HeaderMap;
use messenger_core::{Messenger, MessengerError, sign_hmac_sha256_hex};
use messenger_viber::{SecretString, ViberBot, parse_event};
use proptest::prelude::*;
use serde_json::Value;
use test_support::fuzz;

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

/// The keys and words of this platform's updates: the fixtures' own keys, plus the values the
/// parser branches on, so the shared strategies reach deep into the parser.
fn keys() -> Vec<String> {
    let mut k = fuzz::keys_of(fixtures());
    k.extend(WORDS.iter().map(|w| (*w).to_owned()));
    k
}

const WORDS: &[&str] = &[
    "message",
    "text",
    "contact",
    "picture",
    "file",
    "conversation_started",
    "subscribed",
    "unsubscribed",
    "sender",
    "user",
    "event",
    "media",
    "tracking_data",
];

/// Any JSON, bounded, mostly with this platform's keys ([`fuzz::json_value`]).
fn json() -> BoxedStrategy<Value> {
    fuzz::json_value(keys())
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
    fn damaged_real_callbacks_never_panic(v in fuzz::mutated(fixtures().to_vec(), keys())) {
        let e = parse_event(&v);
        prop_assert!(!e.update.dedup_key.is_empty());
        // A Viber contact is never the sender's own, however it is shaped.
        if let messenger_core::UpdateKind::Contact(c) = &e.update.kind {
            prop_assert!(!c.is_own);
        }
    }
}
