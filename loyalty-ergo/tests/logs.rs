//! The session token and the SMS code never show up in logs, even at TRACE level; the phone is
//! masked. Alone in its own test binary (tracing caches callsite interest per process).
#![allow(clippy::unwrap_used)]

use loyalty_core::{ExposeSecret, Phone, Region};
use loyalty_ergo::{ErgoSandbox, SandboxConfig};
use test_support::logs::LogCapture;

#[tokio::test(flavor = "current_thread")]
async fn trace_logs_hide_token_and_code_and_mask_the_phone() {
    let capture = LogCapture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = ErgoSandbox::start_with(SandboxConfig::new().fixed_code("97531"))
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    let phone = Phone::parse("380889993366", Region::UA).unwrap();
    client.get_auth_code(&phone).await.unwrap();
    let token = client.get_token(&phone, "97531").await.unwrap();
    let session = token.to_session();
    client.get_profile(&session).await.unwrap();
    client.post_sn(&session, "LED0003").await.unwrap();
    client.get_actions(&session).await.unwrap();
    let secret = session.token().expose_secret().to_owned();
    sandbox.shutdown().await;

    let logs = capture.text();
    assert!(logs.contains("ERGO request"), "no request trace: {logs}");
    assert!(logs.contains("PostSN"), "{logs}");
    assert!(!logs.contains(&secret), "token in logs: {logs}");
    assert!(!logs.contains("97531"), "code in logs: {logs}");
    assert!(!logs.contains("380889993366"), "full phone in logs: {logs}");
    assert!(
        logs.contains("38088*****66"),
        "masked phone missing: {logs}"
    );
}
