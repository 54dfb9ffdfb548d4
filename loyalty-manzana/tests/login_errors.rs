//! A malformed answer to a login call (the customer SMS login, the self-registration steps and
//! the manager login) that carries a session or token never puts it into the error (`Display`,
//! `Debug`) or the logs. Alone in its own test binary (tracing caches callsite interest per
//! process).
#![allow(clippy::unwrap_used)]

mod common;

use loyalty_core::{LoyaltyError, SecretString};
use loyalty_manzana::{ManzanaClient, Registration};
use test_support::logs::LogCapture;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "sess-SECRET-0b5e7d1c";

/// Answers that carry a session or token but cannot be read.
fn malformed() -> Vec<(u16, String)> {
    vec![
        (
            200,
            format!(r#"{{"Id": "c1", "SessionId": "{SECRET}", "Type": "#),
        ),
        (
            200,
            format!(r#"{{"Id": ["{SECRET}"], "SessionId": "{SECRET}"}}"#),
        ),
        (
            200,
            format!(r#"{{"SessionId": {{"v": "{SECRET}"}}, "value": ["{SECRET}"]}}"#),
        ),
        (200, format!(r#"{{"value": ["{SECRET}"], "Token": 5}}"#)),
        (200, format!(r#"{{"value": {{"Token": "{SECRET}"}}}}"#)),
        (
            200,
            format!("<html><body>Server Error {SECRET}</body></html>"),
        ),
        (400, format!(r#"{{"SessionId": "{SECRET}"}}"#)),
        (401, format!(r#"{{"SessionId": "{SECRET}"}}"#)),
        (500, format!(r#"<html>server error {SECRET}</html>"#)),
    ]
}

async fn calls(c: &ManzanaClient) -> Vec<Option<LoyaltyError>> {
    let token = SecretString::from("login-token");
    vec![
        c.request_sms_login(&common::phone()).await.err(),
        c.confirm_sms_login(&token, "1234").await.err(),
        c.request_registration(&Registration::new(&common::phone()))
            .await
            .err(),
        c.check_registration_sms(&token, "1234").await.err(),
        c.finish_registration(&token).await.err(),
        // Logs the manager in first.
        c.find_contact_by_phone(&common::phone()).await.err(),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn malformed_login_answers_keep_the_session_out_of_errors_and_logs() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for (status, body) in malformed() {
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status).set_body_string(body.clone()))
            .mount(&server)
            .await;
        let errors: Vec<LoyaltyError> = calls(&common::client(&server))
            .await
            .into_iter()
            .flatten()
            .collect();
        assert!(errors.len() >= 4, "{body}: {errors:?}");
        for err in errors {
            tracing::error!(error = %err, debug = ?err, "login failed");
            assert!(!err.to_string().contains(SECRET), "{body}: {err}");
            assert!(!format!("{err:?}").contains(SECRET), "{body}: {err:?}");
        }
    }
    let logs = capture.text();
    assert!(logs.contains("login failed"), "{logs}");
    assert!(!logs.contains(SECRET), "session in logs: {logs}");
}

#[tokio::test]
async fn other_answers_keep_their_snippet() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(common::json(r#"{"value": [{"Id": 5"#))
        .mount(&server)
        .await;
    let err = common::client(&server)
        .cards(&common::session())
        .await
        .unwrap_err();
    match err {
        LoyaltyError::Decode { snippet, .. } => assert_eq!(snippet, r#"{"value": [{"Id": 5"#),
        other => panic!("{other:?}"),
    }
}
