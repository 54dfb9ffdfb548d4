//! Shared helpers of the integration tests.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::str::FromStr;
use std::time::Duration;

use loyalty_core::{Decimal, RetryPolicy};
use loyalty_loyalclient::LoyalClient;

pub const KEY: &str = "lc-api-key-SECRET-4242";
pub const POINT: &str = "1";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A client of `base` that never retries.
pub fn client(base: &str) -> LoyalClient {
    LoyalClient::builder(base, KEY)
        .point(POINT)
        .retry(RetryPolicy::none())
        .build()
        .unwrap()
}

/// A client of `base` with 3 fast attempts and a short timeout.
pub fn retrying_client(base: &str) -> LoyalClient {
    LoyalClient::builder(base, KEY)
        .point(POINT)
        .timeout(Duration::from_secs(2))
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .base_delay(Duration::from_millis(10))
                .jitter(false),
        )
        .build()
        .unwrap()
}

pub fn json_response(body: impl Into<String>) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_raw(body.into(), "application/json")
}

pub fn error_response(status: u16, body: impl Into<String>) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(status).set_body_raw(body.into(), "application/json")
}
