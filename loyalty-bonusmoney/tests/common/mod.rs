//! Shared helpers of the integration tests.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::str::FromStr;

use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_core::{Decimal, RetryPolicy, SecretString};
use wiremock::MockServer;

pub const KEY: &str = "test-api-key-7f3a";
pub const TOKEN: &str = "tok-customer-SECRET-9911";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn token() -> SecretString {
    SecretString::from(TOKEN)
}

pub fn client(server: &MockServer) -> BonusMoneyClient {
    BonusMoneyClient::builder(KEY)
        .base_url(server.uri())
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

pub fn json_response(body: impl Into<String>) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_raw(body.into(), "application/json")
}

/// Every JSON number as f64, so `2025.00` and `2025` compare equal.
pub fn normalize(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.into_iter().map(normalize).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, normalize(v))).collect()),
        other => other,
    }
}

pub fn dt(s: &str) -> chrono::NaiveDateTime {
    loyalty_core::de::parse_naive_datetime(s).unwrap()
}
