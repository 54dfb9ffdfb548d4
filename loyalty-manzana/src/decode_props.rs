//! Property tests of the answer decoders: whatever Manzana (or a proxy in front of it) answers,
//! the error mapping and the decoders the client uses return a value or a typed
//! [`LoyaltyError`], never panic, and never put the session or token of a login answer into an
//! error.

use loyalty_core::LoyaltyError;
use loyalty_core::http::{Response, SNIPPET_LIMIT};
use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::Value;
use test_support::fuzz;

use crate::client::*;
use crate::error::SessionRules;
use crate::models::{BonusRecord, Card, Cheque, ChequeItem, Contact, Coupon};
use crate::pos::decode_balance;

const MARKER: &str = "sess-7f3a9c-secret";

const OPS: [Op; 18] = [
    MANAGER_LOGIN,
    FIND_BY_PHONE,
    REQUEST_SMS_LOGIN,
    CONFIRM_SMS_LOGIN,
    REQUEST_REGISTRATION,
    REQUEST_PHONE_VERIFICATION,
    CHECK_REGISTRATION_SMS,
    FINISH_REGISTRATION,
    CREATE_CONTACT,
    GET_CONTACT,
    UPDATE_CONTACT,
    CARDS,
    CHEQUES,
    MANAGER_CHEQUES,
    CHEQUE_ITEMS,
    BONUSES,
    COUPONS,
    LOGOUT,
];

/// Decodes an answer of `op` to its output type, as the client does.
fn decode(op: Op, resp: Response) -> Result<(), LoyaltyError> {
    let resp = check(op, &SessionRules::default(), resp)?;
    let r = &resp;
    match op.endpoint.name() {
        "Identity/Login" => manager_session_of(r).map(drop),
        "Contact/FilterByPhoneAndEmail" => decode_list::<Contact>(r).map(drop),
        "Identity/AdvancedRequestSMSLogin"
        | "Identity/RequestAdvancedPhoneEmailRegistration"
        | "Identity/CheckSmsForRegistration" => decode_token(r).map(drop),
        "Identity/AdvancedConfirmSMSLogin" | "Identity/AdvancedPhoneEmailRegister" => {
            session_of(r).map(drop)
        }
        "Contact/Create" | "Contact/Update" => {
            decode_value::<Value>(r).and_then(|v| scalar_text(&v, r).map(drop))
        }
        "Contact/Get" => decode_entity::<Contact>(r).map(drop),
        "Card/GetAllByContact" => decode_list::<Card>(r).map(drop),
        "Cheque/GetAllByContact" => decode_list::<Cheque>(r).map(drop),
        "ChequeItem/GetAllByCheque" => decode_list::<ChequeItem>(r).map(drop),
        "Bonus/GetAllByContact" => decode_list::<BonusRecord>(r).map(drop),
        "Coupon/GetAllByContact" => decode_list::<Coupon>(r).map(drop),
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

/// `v` with the marker as its session and token, when it is an object.
fn with_secrets(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        for k in ["SessionId", "Token", "token"] {
            m.insert(k.into(), Value::from(MARKER));
        }
    }
    v
}

fn bounded(err: &LoyaltyError) {
    if let LoyaltyError::Decode { snippet, .. } = err {
        assert!(snippet.chars().count() <= SNIPPET_LIMIT + 1, "{snippet}");
    }
}

fn run(op: Op, status: StatusCode, body: Vec<u8>) {
    let Err(err) = decode(op, Response::from_parts(op.endpoint.name(), status, body)) else {
        return;
    };
    bounded(&err);
    if op.sensitive {
        assert!(!err.to_string().contains(MARKER), "{err}");
        assert!(!format!("{err:?}").contains(MARKER), "{err:?}");
    }
}

fn pos_fixture() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/pos_balance.xml"
    ))
    .unwrap_or_default()
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
        run(op, status, serde_json::to_vec(&with_secrets(v)).unwrap_or_default());
    }

    #[test]
    fn mutated_fixtures(
        op in prop::sample::select(OPS.to_vec()),
        status in fuzz::status(),
        v in fuzz::mutated(fixtures(), keys()),
    ) {
        run(op, status, serde_json::to_vec(&with_secrets(v)).unwrap_or_default());
    }

    #[test]
    fn pos_answers(
        status in fuzz::status(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        noise in prop::collection::vec(any::<u8>(), 0..128),
    ) {
        let mut xml = pos_fixture();
        for (at, b) in flips {
            let i = at.index(xml.len());
            xml[i] = b;
        }
        xml.truncate(cut.index(xml.len() + 1));
        xml.extend(noise);
        if let Err(err) = decode_balance(&Response::from_parts("POS", status, xml)) {
            bounded(&err);
        }
    }
}

#[test]
fn every_fixture_decodes_without_panicking() {
    let docs = fixtures();
    assert!(docs.len() >= 9, "{}", docs.len());
    for doc in docs {
        for op in OPS {
            run(
                op,
                StatusCode::OK,
                serde_json::to_vec(&with_secrets(doc.clone())).unwrap_or_default(),
            );
        }
    }
    let pos = decode_balance(&Response::from_parts("POS", StatusCode::OK, pos_fixture()));
    assert!(pos.is_ok(), "{pos:?}");
}
