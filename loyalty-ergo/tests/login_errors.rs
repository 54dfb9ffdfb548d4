//! A malformed answer to `GetToken` that carries the session never puts it into the error
//! (`Display`, `Debug`) or the logs. Alone in its own test binary (tracing caches callsite
//! interest per process).
#![allow(clippy::unwrap_used)]

mod common;

use loyalty_core::{LoyaltyError, Phone, Region};
use test_support::logs::LogCapture;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SESSION: &str = "0ce330a1b1a02fa4592532b2aa12e5de";

/// Answers that carry the session but cannot be read as a `Token`.
fn malformed() -> Vec<(u16, String)> {
    vec![
        // Cut short.
        (
            200,
            format!(r#"{{"methodresponse": "GetToken", "session": "{SESSION}", "active": "#),
        ),
        // A flag that is not one: the reason would quote it, the snippet holds the session.
        (
            200,
            format!(
                r#"{{"methodresponse": "GetToken", "session": "{SESSION}", "active": "maybe"}}"#
            ),
        ),
        // The session where a number belongs: serde quotes the value in its reason.
        (
            200,
            format!(r#"{{"session": ["{SESSION}"], "user_phone": {{}}}}"#),
        ),
        (
            200,
            format!(r#"{{"session": "{SESSION}", "active": "{SESSION}"}}"#),
        ),
        // An unreadable error object next to the session.
        (
            200,
            format!(r#"{{"session": "{SESSION}", "error": {{"code": "{SESSION}"}}}}"#),
        ),
        // A proxy page echoing the answer.
        (200, format!("<html><body>session={SESSION}</body></html>")),
        (400, format!(r#"{{"session": "{SESSION}"}}"#)),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn malformed_get_token_answers_keep_the_session_out_of_errors_and_logs() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let phone = Phone::parse("380889993366", Region::UA).unwrap();
    for (status, body) in malformed() {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status).set_body_string(body.clone()))
            .mount(&server)
            .await;
        let err = common::client(&server.uri())
            .get_token(&phone, "12345")
            .await
            .unwrap_err();
        // What a bot does with an error: log it.
        tracing::error!(error = %err, debug = ?err, "login failed");
        assert!(
            matches!(
                err,
                LoyaltyError::Decode { status: s, .. } | LoyaltyError::Provider { detail: loyalty_core::ProviderDetail { status: Some(s), .. }, .. } if s == status
            ),
            "{body}: {err:?}"
        );
        assert!(!err.to_string().contains(SESSION), "{err}");
        assert!(!format!("{err:?}").contains(SESSION), "{err:?}");
    }
    let logs = capture.text();
    assert!(logs.contains("login failed"), "{logs}");
    assert!(!logs.contains(SESSION), "session in logs: {logs}");
}

#[tokio::test]
async fn other_answers_keep_their_snippet() {
    // Only authentication answers are redacted: a broken profile keeps its snippet for debugging.
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"user_name": 5"#))
        .mount(&server)
        .await;
    let err = common::client(&server.uri())
        .get_profile(&common::session())
        .await
        .unwrap_err();
    match err {
        LoyaltyError::Decode { snippet, .. } => assert_eq!(snippet, r#"{"user_name": 5"#),
        other => panic!("{other:?}"),
    }
}
