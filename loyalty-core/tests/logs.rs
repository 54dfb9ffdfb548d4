//! Secrets never show up in logs. Alone in its own test binary: tracing caches each callsite's
//! interest per process, and tests without a subscriber running in parallel would race with it.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::time::Duration;
use test_support::logs::LogCapture;

use loyalty_core::http::{HttpConfig, Idempotency, RetryPolicy};
use loyalty_core::{ExposeSecret, SecretString};
use reqwest::Method;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "tok-7f3a-SUPER-SECRET";

#[tokio::test(flavor = "current_thread")]
async fn tokens_stay_out_of_logs_and_errors() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let token = SecretString::from(SECRET);
    let client = HttpConfig::new(&server.uri())
        .unwrap()
        .retry(
            RetryPolicy::new()
                .base_delay(Duration::from_millis(5))
                .jitter(false),
        )
        .build()
        .unwrap();
    let resp = client
        .send(
            "get_balance",
            Idempotency::Idempotent,
            Method::POST,
            "api/",
            |b| {
                b.header("TOKEN", token.expose_secret())
                    .json(&serde_json::json!({"token": token.expose_secret()}))
            },
        )
        .await
        .unwrap();
    // The secret did reach the server...
    let sent = server.received_requests().await.unwrap();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].headers.get("TOKEN").unwrap(), SECRET);
    // ...but not the error, nor the logs.
    let err = resp.error_for_status().unwrap_err();
    assert!(!format!("{err} {err:?}").contains(SECRET));
    let logs = capture.text();
    assert!(logs.contains("get_balance"), "the capture works: {logs}");
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains(SECRET), "{logs}");
    assert!(!format!("{client:?}").contains(SECRET));
}
