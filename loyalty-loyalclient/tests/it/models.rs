//! Serde round trips of every response model (as the sandbox writes them) and of every request.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_loyalclient::{
    ClientProfile, ClientSearch, Hold, HoldRequest, Recalc, RecalcRequest, ReleaseRequest, Retail,
    RetailRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn payload(fixture_name: &str, key: &str) -> Value {
    let v: Value = serde_json::from_str(&fixture(fixture_name)).unwrap();
    v[key].clone()
}

/// Decodes, writes back, decodes again: the same value, and the written JSON equals the input.
fn round_trip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(json: Value) {
    let a: T = serde_json::from_value(json.clone()).unwrap();
    let written = serde_json::to_value(&a).unwrap();
    let b: T = serde_json::from_value(written.clone()).unwrap();
    assert_eq!(a, b);
    assert_eq!(written, json, "written back as received");
}

#[test]
fn every_response_model_round_trips() {
    round_trip::<ClientProfile>(payload("client", "client"));
    round_trip::<ClientProfile>(payload("client_discount", "client").tap_phone_number());
    round_trip::<Recalc>(payload("recalc", "recalc"));
    round_trip::<Hold>(payload("hold", "held"));
    round_trip::<Retail>(payload("retail_spend", "retail"));
    round_trip::<Retail>(payload("retail_earn", "retail"));
}

#[test]
fn every_request_round_trips() {
    round_trip::<ClientSearch>(
        serde_json::to_value(ClientSearch::new("7920", "1").hold("h")).unwrap(),
    );
    round_trip::<RecalcRequest>(
        serde_json::to_value(RecalcRequest::new("1", "1", dec("10.5"))).unwrap(),
    );
    round_trip::<HoldRequest>(
        serde_json::to_value(HoldRequest::new("1", "1", dec("3")).duration(7)).unwrap(),
    );
    round_trip::<ReleaseRequest>(serde_json::to_value(ReleaseRequest::new("h")).unwrap());
    round_trip::<RetailRequest>(
        serde_json::to_value(RetailRequest::spend("1", "1", dec("10"), dec("2")).hold("h"))
            .unwrap(),
    );
}

trait TapPhone {
    /// The discount fixture sends the phone as a string; we write it back as a number.
    fn tap_phone_number(self) -> Self;
}

impl TapPhone for Value {
    fn tap_phone_number(mut self) -> Self {
        let digits: u64 = self["phone"].as_str().unwrap().parse().unwrap();
        self["phone"] = Value::from(digits);
        self
    }
}
