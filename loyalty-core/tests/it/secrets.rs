//! Secrets never show up in Debug, Display or errors (logs: `tests/logs.rs`).
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use loyalty_core::http::{HttpConfig, Idempotency, RetryPolicy};
use loyalty_core::{SecretString, Session};
use reqwest::Method;

const SECRET: &str = "tok-7f3a-SUPER-SECRET";

#[tokio::test]
async fn transport_errors_do_not_carry_the_url() {
    // Some APIs put the token in the path (Telegram does); errors must not repeat it.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = HttpConfig::new(&format!("http://127.0.0.1:{port}/bot{SECRET}/"))
        .unwrap()
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .send(
            "get_me",
            Idempotency::Idempotent,
            Method::GET,
            "getMe",
            |b| b,
        )
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("get_me"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn session_debug_and_display_of_errors_hide_the_token() {
    let s = Session::new("bonusmoney", SecretString::from(SECRET)).with_customer_id("1");
    assert!(!format!("{s:?}").contains(SECRET));
    assert!(!format!("{s:#?}").contains(SECRET));
}
