//! Property tests of the answer decoders: whatever BonusMoney (or a proxy in front of it)
//! answers, the status mapping and the decoders the client uses return a value or a typed
//! [`LoyaltyError`], never panic, and never put a token of a sensitive answer into an error.

use loyalty_core::LoyaltyError;
use loyalty_core::http::{Response, SNIPPET_LIMIT};
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;
use test_support::fuzz;

use crate::client::*;
use crate::models::{
    AuthOptions, AuthSet, CompanyAbout, Customer, Dashboard, Levels, MarkEvent, Marks,
    Notification, Stock, TransactionWithReview,
};

const MARKER: &str = "bmtoken-7f3a9c-secret";

const OPS: [Op; 18] = [
    GET_OPTIONS,
    VERIFY_BY_SMS,
    VERIFY_BY_CALL,
    LOG_IN_WITHOUT_VERIFICATION,
    SIGN_UP,
    GET_DASHBOARD,
    GET_ABOUT,
    GET_CUSTOMER,
    UPDATE_CUSTOMER,
    GET_LEVELS,
    GET_MARKS_HISTORY,
    GET_MARKS_TO_BE_DECREASE,
    GET_TRANSACTIONS,
    GET_TRANSACTION,
    GET_COMMENTS,
    SET_COMMENT,
    GET_STOCKS,
    GET_NOTIFICATIONS,
];

/// Decodes an answer of `op` to its output type, as the client does.
fn decode(op: Op, resp: Response) -> Result<(), LoyaltyError> {
    let resp = check(op, resp)?;
    let r = &resp;
    match op.endpoint.name() {
        "getOptions" => r.json::<AuthOptions>().map(drop),
        "verifyBySms" | "verifyByCall" | "logInWithoutVerification" => {
            r.json::<AuthSet>().map(drop)
        }
        "signUp" | "getCustomer" | "updateCustomer" => r.json::<Customer>().map(drop),
        "getDashboard" => r.json::<Dashboard>().map(drop),
        "getAbout" => r.json::<CompanyAbout>().map(drop),
        "getLevels" => r.json::<Levels>().map(drop),
        "getMarksHistory" => decode_list::<MarkEvent>(r).map(drop),
        "getMarksToBeDecrease" => decode_list::<Marks>(r).map(drop),
        "getTransactions" | "getComments" => decode_list::<TransactionWithReview>(r).map(drop),
        "getTransaction" => r.json::<TransactionWithReview>().map(drop),
        "getStocks" => decode_list::<Stock>(r).map(drop),
        "getNotifications" => decode_list::<Notification>(r).map(drop),
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

/// `v` with the marker as its tokens, when it is an object.
fn with_tokens(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("bmtoken".into(), Value::from(MARKER));
        m.insert("signUpToken".into(), Value::from(MARKER));
        if let Some(Value::Object(c)) = m.get_mut("customer") {
            c.insert("bmtoken".into(), Value::from(MARKER));
        }
    }
    v
}

fn run(op: Op, status: StatusCode, body: Vec<u8>) {
    let Err(err) = decode(op, Response::from_parts(op.endpoint.name(), status, body)) else {
        return;
    };
    if let LoyaltyError::Decode { snippet, .. } = &err {
        assert!(snippet.chars().count() <= SNIPPET_LIMIT + 1, "{snippet}");
    }
    if op.sensitive {
        assert!(!err.to_string().contains(MARKER), "{err}");
        assert!(!format!("{err:?}").contains(MARKER), "{err:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes(
        op in prop::sample::select(OPS.to_vec()),
        status in fuzz::status(),
        body in fuzz::body_bytes(fixtures()),
    ) {
        run(op, status, body);
    }

    #[test]
    fn arbitrary_json(
        op in prop::sample::select(OPS.to_vec()),
        status in fuzz::status(),
        v in fuzz::json_value(keys()),
    ) {
        run(op, status, serde_json::to_vec(&with_tokens(v)).unwrap_or_default());
    }

    #[test]
    fn mutated_fixtures(
        op in prop::sample::select(OPS.to_vec()),
        status in fuzz::status(),
        v in fuzz::mutated(fixtures(), keys()),
    ) {
        run(op, status, serde_json::to_vec(&with_tokens(v)).unwrap_or_default());
    }
}

#[test]
fn every_fixture_decodes_without_panicking() {
    let docs = fixtures();
    assert!(docs.len() >= 30, "{}", docs.len());
    for doc in docs {
        for op in OPS {
            run(
                op,
                StatusCode::OK,
                serde_json::to_vec(&with_tokens(doc.clone())).unwrap_or_default(),
            );
        }
    }
}
