//! A malformed answer that carries the customer's `bmtoken` or the `signUpToken` (the
//! verification calls, and every answer with a customer in it) never puts the token into the
//! error (`Display`, `Debug`) or the logs. Alone in its own test binary (tracing caches
//! callsite interest per process).
#![allow(clippy::unwrap_used)]

mod common;

use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_bonusmoney::requests::{VerifyByCallRequest, VerifyBySmsRequest};
use loyalty_core::{LoyaltyError, SecretString};
use test_support::logs::LogCapture;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "bmtok-SECRET-5e21c0ffee";

/// Answers that carry a token but cannot be read.
fn malformed() -> Vec<(u16, String)> {
    vec![
        (200, format!(r#"{{"signUpToken": "{SECRET}", "customer": "#)),
        (
            200,
            format!(r#"{{"customer": {{"bmtoken": "{SECRET}", "bDate": "{SECRET}"}}}}"#),
        ),
        (
            200,
            format!(r#"{{"signUpToken": "{SECRET}", "customer": {{"bmtoken": ["{SECRET}"]}}}}"#),
        ),
        (
            200,
            format!(r#"{{"signUpToken": {{"value": "{SECRET}"}}}}"#),
        ),
        (200, format!("<html>{SECRET}</html>")),
        (400, format!(r#"{{"bmtoken": "{SECRET}"}}"#)),
        (500, format!(r#"{{"bmtoken": "{SECRET}"}}"#)),
    ]
}

async fn calls(c: &BonusMoneyClient) -> Vec<Option<LoyaltyError>> {
    let t = SecretString::from("tok-customer-SECRET-9911");
    vec![
        c.verify_by_sms(&VerifyBySmsRequest::new("1234", "+7 (920) 000-00-00"))
            .await
            .err(),
        c.verify_by_call(&VerifyByCallRequest::new(
            "+7 (920) 000-00-00",
            "+7 (800) 000-00-00",
        ))
        .await
        .err(),
        c.get_customer(&t).await.err(),
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn malformed_token_answers_keep_the_token_out_of_errors_and_logs() {
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
        assert!(errors.len() >= 2, "{body}: the verification calls fail");
        for err in errors {
            tracing::error!(error = %err, debug = ?err, "login failed");
            assert!(!err.to_string().contains(SECRET), "{body}: {err}");
            assert!(!format!("{err:?}").contains(SECRET), "{body}: {err:?}");
        }
    }
    let logs = capture.text();
    assert!(logs.contains("login failed"), "{logs}");
    assert!(!logs.contains(SECRET), "token in logs: {logs}");
}

#[tokio::test]
async fn other_answers_keep_their_snippet() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"levels": 5"#))
        .mount(&server)
        .await;
    let err = common::client(&server)
        .get_levels(&common::token())
        .await
        .unwrap_err();
    match err {
        LoyaltyError::Decode { snippet, .. } => assert_eq!(snippet, r#"{"levels": 5"#),
        other => panic!("{other:?}"),
    }
}
