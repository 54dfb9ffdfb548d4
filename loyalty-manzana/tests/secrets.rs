//! Secrets (manager password, manager/admin/customer sessions, POS password) never appear in
//! `Debug`, `Display` of errors, or logs.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use loyalty_core::SecretString;
use loyalty_manzana::{CustomerSession, PosConfig, provider::to_session};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN_SESSION: &str = "adm-SESSION-secret-77";

fn assert_clean(s: &str) {
    for secret in [
        MANAGER_PASSWORD,
        MANAGER_SESSION,
        CUSTOMER_SESSION,
        ADMIN_SESSION,
        "pos-PASS-secret",
    ] {
        assert!(!s.contains(secret), "{secret} leaked in: {s}");
    }
}

#[tokio::test]
async fn debug_of_client_builder_and_sessions_hides_secrets() {
    let server = MockServer::start().await;
    let pos = PosConfig::new(
        "http://127.0.0.1:1/POSProcessing.asmx",
        "pos",
        SecretString::from("pos-PASS-secret"),
        "o",
        "b",
        "p",
    );
    let b = builder(&server)
        .admin_session(ADMIN_SESSION)
        .pos(pos.clone());
    assert_clean(&format!("{b:?} {b:#?} {pos:?}"));
    let c = b.build().unwrap();
    assert_clean(&format!("{c:?} {c:#?}"));
    let s = CustomerSession::new(CONTACT, CUSTOMER_SESSION);
    assert_clean(&format!("{s:?} {:?}", to_session(&s)));
}

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn errors_and_trace_logs_hide_secrets() {
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 2).await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            r#"{"odata.error": {"code": "", "message": {"lang": "ru", "value": "Session expired"}}}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Contact/Get"))
        .respond_with(ResponseTemplate::new(500).set_body_raw("boom", "text/plain"))
        .mount(&server)
        .await;
    let c = builder(&server)
        .admin_session(ADMIN_SESSION)
        .build()
        .unwrap();
    let e1 = c.find_contact_by_phone(&phone()).await.unwrap_err();
    let e2 = c.get_contact(&session()).await.unwrap_err();
    // Unreachable host: the transport error must not carry the URL with the session.
    let dead = loyalty_manzana::ManzanaClient::builder(
        "http://127.0.0.1:1/CustomerOfficeService",
        PARTNER,
    )
    .retry(loyalty_core::RetryPolicy::none())
    .build()
    .unwrap();
    let e3 = dead.get_contact(&session()).await.unwrap_err();
    assert_clean(&format!("{e1} {e1:?} {e2} {e2:?} {e3} {e3:?}"));
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(!logs.is_empty());
    assert_clean(&logs);
}
