//! Build an HTTP client with a custom retry policy and show how errors classify.
//!
//! `cargo run -p loyalty-core --example retry_policy`
#![allow(clippy::print_stdout)]

use std::time::Duration;

use loyalty_core::LoyaltyError;
use loyalty_core::http::{HttpConfig, Idempotency, RetryPolicy};
use reqwest::Method;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), LoyaltyError> {
    // Nothing listens on port 9 of loopback: every attempt fails to connect.
    let client = HttpConfig::new("http://127.0.0.1:9/")?
        .timeout(Duration::from_secs(2))
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .base_delay(Duration::from_millis(50)),
        )
        .build()?;
    println!("{client:?}");
    for idem in [Idempotency::Idempotent, Idempotency::StateChanging] {
        let err = client
            .send("demo", idem, Method::POST, "api/", |b| {
                b.json(&serde_json::json!({}))
            })
            .await
            .expect_err("nothing listens there");
        println!(
            "{idem:?}: {err}\n  kind={:?} retryable={}",
            err.kind(),
            err.is_retryable()
        );
    }
    Ok(())
}
