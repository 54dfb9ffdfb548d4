//! An odd value in one list item becomes `None` with a `tracing` warning (issue 16). Alone in
//! its own test binary (tracing caches callsite interest per process).
#![allow(clippy::unwrap_used)]

mod common;

use common::{client, session};
use loyalty_ergo::RegistrationType;
use test_support::logs::LogCapture;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test(flavor = "current_thread")]
async fn an_odd_date_is_dropped_with_a_warning() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"registrations": [{"registration_id": 1, "registration_date": "0000-00-00 00:00:00"}]}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let r = client(&server.uri())
        .get_registrations(&session(), &RegistrationType::All)
        .await
        .unwrap();
    assert_eq!(r.registrations[0].registration_date, None);
    let logs = capture.text();
    assert!(logs.contains("WARN"), "{logs}");
    assert!(logs.contains("0000-00-00 00:00:00"), "{logs}");
}
