//! Property tests of the answer decoders: whatever LoyalClient (or a proxy in front of it)
//! answers, the error mapping and the decoders the client uses return a value or a typed
//! [`LoyaltyError`] and never panic.

use loyalty_core::LoyaltyError;
use loyalty_core::http::{Response, SNIPPET_LIMIT};
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;
use test_support::fuzz;

use crate::client::{payload, read_answer};
use crate::types::{ClientProfile, Hold, Recalc, Retail};

/// The five calls by the key their answer is under.
const KEYS: [&str; 5] = ["client", "recalc", "held", "retail", "release"];

/// Decodes an answer of the call answering under `key`, as the client does.
fn decode(key: &str, resp: &Response) -> Result<(), LoyaltyError> {
    let obj = read_answer(resp)?;
    match key {
        "client" => payload::<ClientProfile>(resp, obj, key).map(drop),
        "recalc" => payload::<Recalc>(resp, obj, key).map(drop),
        "held" => payload::<Hold>(resp, obj, key).map(drop),
        "retail" => payload::<Retail>(resp, obj, key).map(drop),
        _ => Ok(()),
    }
}

fn fixtures() -> Vec<Value> {
    fuzz::load_json_fixtures(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
        .into_iter()
        .map(|(_, v)| v)
        .collect()
}

fn keys() -> Vec<String> {
    fuzz::keys_of(&fixtures())
}

fn run(key: &str, status: StatusCode, body: Vec<u8>) {
    let resp = Response::from_parts("call", status, body);
    if let Err(LoyaltyError::Decode { snippet, .. }) = decode(key, &resp) {
        assert!(snippet.chars().count() <= SNIPPET_LIMIT + 1, "{snippet}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(
        key in prop::sample::select(KEYS.to_vec()),
        status in fuzz::status(),
        body in fuzz::body_bytes(fixtures()),
    ) {
        run(key, status, body);
    }

    #[test]
    fn arbitrary_json(
        key in prop::sample::select(KEYS.to_vec()),
        status in fuzz::status(),
        v in fuzz::json_value(keys()),
    ) {
        run(key, status, serde_json::to_vec(&v).unwrap_or_default());
    }

    #[test]
    fn mutated_fixtures(
        key in prop::sample::select(KEYS.to_vec()),
        status in fuzz::status(),
        v in fuzz::mutated(fixtures(), keys()),
    ) {
        run(key, status, serde_json::to_vec(&v).unwrap_or_default());
    }
}

#[test]
fn every_fixture_decodes_without_panicking() {
    let docs = fixtures();
    assert!(docs.len() >= 11, "{}", docs.len());
    for doc in docs {
        for key in KEYS {
            for status in [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY] {
                run(key, status, serde_json::to_vec(&doc).unwrap_or_default());
            }
        }
    }
}
