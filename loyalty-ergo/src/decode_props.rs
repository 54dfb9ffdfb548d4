//! Property tests of the answer decoder: whatever ERGO (or a proxy in front of it) answers,
//! [`ErgoClient::decode`] returns a value or a typed [`LoyaltyError`], never panics, and never
//! puts the session of a `GetToken` answer into an error.

use loyalty_core::LoyaltyError;
use loyalty_core::http::{Response, SNIPPET_LIMIT};
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;
use test_support::fuzz;

use crate::client::ErgoClient;
use crate::error::ErgoMethod;
use crate::types::{
    Actions, ArticleText, AuthCodeSent, BalanceInfo, Changes, News, Notices, Profile,
    QuestionAccepted, Registrations, SnOutcome, SnResponse, Token,
};

const MARKER: &str = "SESSION-7f3a9c-secret";

/// Decodes an answer of `method` to its output type, as the client does.
fn decode(method: ErgoMethod, resp: Response) -> Result<(), LoyaltyError> {
    let resp = ErgoClient::guard(method, resp);
    let r = &resp;
    match method {
        ErgoMethod::GetAuthCode => ErgoClient::decode::<AuthCodeSent>(method, r).map(drop),
        ErgoMethod::GetToken => ErgoClient::decode::<Token>(method, r).map(drop),
        ErgoMethod::GetChanges => ErgoClient::decode::<Changes>(method, r).map(drop),
        ErgoMethod::GetProfile | ErgoMethod::PostProfile => {
            ErgoClient::decode::<Profile>(method, r).map(drop)
        }
        ErgoMethod::GetBalanceInfo => ErgoClient::decode::<BalanceInfo>(method, r).map(drop),
        ErgoMethod::GetRegistrations => ErgoClient::decode::<Registrations>(method, r).map(drop),
        ErgoMethod::GetNotices => ErgoClient::decode::<Notices>(method, r).map(drop),
        ErgoMethod::GetActions => ErgoClient::decode::<Actions>(method, r).map(drop),
        ErgoMethod::PostSN | ErgoMethod::PostSNModel => {
            ErgoClient::decode::<SnResponse>(method, r).map(|s| drop(SnOutcome::from(s)))
        }
        ErgoMethod::PostQuestion => ErgoClient::decode::<QuestionAccepted>(method, r).map(drop),
        ErgoMethod::GetNews => ErgoClient::decode::<News>(method, r).map(drop),
        ErgoMethod::GetArticle => ErgoClient::decode::<ArticleText>(method, r).map(drop),
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

/// The error is bounded and, for `GetToken`, free of the session.
fn check(method: ErgoMethod, result: Result<(), LoyaltyError>) {
    let Err(err) = result else { return };
    if let LoyaltyError::Decode { snippet, .. } = &err {
        // At most SNIPPET_LIMIT bytes of the body, each shown as at most one character.
        assert!(snippet.chars().count() <= SNIPPET_LIMIT + 1, "{snippet}");
    }
    if method == ErgoMethod::GetToken {
        assert!(!err.to_string().contains(MARKER), "{err}");
        assert!(!format!("{err:?}").contains(MARKER), "{err:?}");
    }
}

fn run(method: ErgoMethod, status: StatusCode, body: Vec<u8>) {
    let resp = Response::from_parts(method.as_str(), status, body);
    check(method, decode(method, resp));
}

/// `v` with a `session` holding the marker, when it is an object.
fn with_session(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("session".into(), Value::from(MARKER));
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(
        method in prop::sample::select(ErgoMethod::ALL.to_vec()),
        status in fuzz::status(),
        body in fuzz::body_bytes(fixtures()),
    ) {
        run(method, status, body);
    }

    #[test]
    fn arbitrary_json(
        method in prop::sample::select(ErgoMethod::ALL.to_vec()),
        status in fuzz::status(),
        v in fuzz::json_value(keys()),
    ) {
        run(method, status, serde_json::to_vec(&with_session(v)).unwrap_or_default());
    }

    #[test]
    fn mutated_fixtures(
        method in prop::sample::select(ErgoMethod::ALL.to_vec()),
        status in fuzz::status(),
        v in fuzz::mutated(fixtures(), keys()),
    ) {
        run(method, status, serde_json::to_vec(&with_session(v)).unwrap_or_default());
    }
}

#[test]
fn every_fixture_decodes_without_panicking() {
    let docs = fixtures();
    assert!(docs.len() >= 20, "{}", docs.len());
    for doc in docs {
        for method in ErgoMethod::ALL {
            run(
                method,
                StatusCode::OK,
                serde_json::to_vec(&with_session(doc.clone())).unwrap_or_default(),
            );
        }
    }
}
