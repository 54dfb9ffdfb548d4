//! Redirects are never followed: vendors get credentials in custom headers (`BM-API-KEY`,
//! `apikey`, `TOKEN`) or in the body (ERGO's session), which reqwest would carry to any host a
//! 307/308 points at. A 3xx becomes [`LoyaltyError::Redirected`] with its status.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use loyalty_core::http::{HttpConfig, Idempotency, RetryPolicy};
use loyalty_core::{ErrorKind, LoyaltyError};
use reqwest::Method;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "key-7f3a-SUPER-SECRET";

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&elsewhere)
        .await;
    for status in [301u16, 302, 303, 307, 308] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/api/op"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("Location", format!("{}/steal?k=1", elsewhere.uri())),
            )
            .expect(1)
            .mount(&server)
            .await;
        let client = HttpConfig::new(&server.uri())
            .unwrap()
            .retry(RetryPolicy::new().max_attempts(3))
            .build()
            .unwrap();
        for idem in [Idempotency::Idempotent, Idempotency::StateChanging] {
            server.reset().await;
            Mock::given(method("POST"))
                .and(path("/api/op"))
                .respond_with(
                    ResponseTemplate::new(status)
                        .insert_header("Location", format!("{}/steal?k=1", elsewhere.uri())),
                )
                .expect(1)
                .mount(&server)
                .await;
            let err = client
                .send("test_op", idem, Method::POST, "api/op", |b| {
                    b.header("BM-API-KEY", KEY)
                        .json(&serde_json::json!({"session": KEY}))
                })
                .await
                .unwrap_err();
            match &err {
                LoyaltyError::Redirected {
                    op,
                    status: s,
                    location,
                } => {
                    assert_eq!((*op, *s), ("test_op", status));
                    // Only the origin is kept: a query string might carry anything.
                    assert_eq!(location.as_deref(), Some(elsewhere.uri().as_str()));
                }
                other => panic!("{status}: {other:?}"),
            }
            assert_eq!(err.kind(), ErrorKind::Server);
            assert!(!err.is_retryable());
            assert!(err.to_string().contains(&status.to_string()), "{err}");
            assert!(!err.to_string().contains("steal"), "{err}");
            server.verify().await;
        }
    }
    let leaked = elsewhere.received_requests().await.unwrap();
    assert!(leaked.is_empty(), "the credentials went to {leaked:?}");
}

#[tokio::test]
async fn a_redirect_without_location_is_still_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(302))
        .mount(&server)
        .await;
    let client = HttpConfig::new(&server.uri()).unwrap().build().unwrap();
    let err = client
        .send("op", Idempotency::Idempotent, Method::GET, "x", |b| b)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LoyaltyError::Redirected {
                status: 302,
                location: None,
                ..
            }
        ),
        "{err:?}"
    );
}
