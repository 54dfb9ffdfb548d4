//! Property tests: whatever arrives at the webhook or in a poll answer, the parser never panics
//! and answers with updates or a typed error. Inputs: arbitrary bytes, arbitrary JSON, and real
//! updates (the fixtures) with nodes replaced, removed, wrapped or duplicated (the strategies of
//! `test_support::fuzz`, shared with the loyalty clients' decoder tests).
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use http::HeaderMap;
use messenger_core::{Messenger, MessengerError};
use messenger_telegram::{SecretString, TelegramBot, parse_update};
use proptest::prelude::*;
use serde_json::Value;
use test_support::fuzz;

const SECRET: &str = "webhook_secret-0123456789abcdef0123";

fn bot() -> &'static TelegramBot {
    static BOT: std::sync::OnceLock<TelegramBot> = std::sync::OnceLock::new();
    BOT.get_or_init(|| {
        TelegramBot::builder(SecretString::from("123456:TEST-token_secret"))
            .base_url("http://127.0.0.1:9")
            .webhook_secret(SecretString::from(SECRET))
            .build()
            .unwrap()
    })
}

fn headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-telegram-bot-api-secret-token", SECRET.parse().unwrap());
    h
}

fn fixtures() -> &'static [Value] {
    static ALL: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| {
        let s = std::fs::read_to_string(format!(
            "{}/tests/fixtures/updates.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let v: Value = serde_json::from_str(&s).unwrap();
        v["result"].as_array().unwrap().clone()
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
    "chat",
    "from",
    "callback_query",
    "data",
    "photo",
    "document",
    "entities",
    "/start x",
    "my_chat_member",
    "edited_message",
];

/// Any JSON, bounded, mostly with this platform's keys ([`fuzz::json_value`]).
fn json() -> BoxedStrategy<Value> {
    fuzz::json_value(keys())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_are_updates_or_a_decode_error(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        match bot().receive_webhook(&headers(), &body) {
            Ok(o) => prop_assert_eq!(o.updates.len(), 1),
            Err(MessengerError::Decode { .. }) => {}
            Err(e) => prop_assert!(false, "unexpected error {e:?}"),
        }
    }

    #[test]
    fn any_json_object_is_an_update(v in json()) {
        let _ = parse_update(&v);
        let body = serde_json::to_vec(&v).unwrap();
        let r = bot().parse_webhook(&headers(), &body);
        if v.is_object() {
            prop_assert_eq!(r.unwrap().len(), 1);
        } else {
            prop_assert!(matches!(r, Err(MessengerError::Decode { .. })), "{r:?}");
        }
    }

    #[test]
    fn damaged_real_updates_never_panic(v in fuzz::mutated(fixtures().to_vec(), keys())) {
        let u = parse_update(&v);
        prop_assert!(!u.dedup_key.is_empty());
    }
}
