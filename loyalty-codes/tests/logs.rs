//! The code never appears in a log line. Alone in its own test binary: tracing caches each
//! callsite's interest per process, and tests without a subscriber running in parallel would race
//! with it.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;

use loyalty_codes::channels::{MemoryChannel, SmsRuChannel};
use loyalty_codes::{
    Action, Budgets, CodeService, Language, MemoryStore, Programme, Recipient, SendRequest, Subject,
};
use loyalty_core::{Phone, Region, SecretString};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

const API_ID: &str = "sms-ru-API-ID-7f3a";
const PEPPER: &str = "log-test-pepper-0123456789";

#[tokio::test(flavor = "current_thread")]
async fn no_log_line_carries_the_code_or_a_secret() {
    let (capture, _guard) = test_support::logs::capture(tracing::Level::TRACE);

    // SMS.ru refuses (and echoes nothing), the chat delivers.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "ERROR", "status_code": 201, "status_text": "Не хватает средств на лицевом счету"
        })))
        .mount(&server)
        .await;
    let sms = SmsRuChannel::builder(SecretString::from(API_ID))
        .base_url(server.uri())
        .build()
        .unwrap();
    let chat = Arc::new(MemoryChannel::new("chat"));
    let service = CodeService::builder(
        Programme::new()
            .budgets(Budgets::unlimited())
            .require(Action::SpendBonuses, ["sms", "chat"]),
        Arc::new(MemoryStore::new()),
        SecretString::from(PEPPER),
    )
    .channel(Arc::new(sms))
    .channel(chat.clone())
    .build()
    .unwrap();
    let phone = Phone::parse("+7 920 000 00 00", Region::RU).unwrap();
    let subject = Subject::phone(&phone);
    let req = SendRequest::new(
        subject.clone(),
        Action::SpendBonuses,
        Recipient::new().phone(phone),
    )
    .language(Language::Ru);
    let mut codes = Vec::new();
    for _ in 0..3 {
        service.send(&req).await.unwrap();
        let code = chat.last_code().unwrap();
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let _ = service.verify(&subject, &Action::SpendBonuses, wrong).await;
        service
            .verify(&subject, &Action::SpendBonuses, &code)
            .await
            .unwrap();
        let _ = service.verify(&subject, &Action::SpendBonuses, &code).await;
        codes.push(code);
    }

    let logs = capture.text();
    // The capture works and saw the interesting events...
    assert!(logs.contains("code channel failed"), "{logs}");
    assert!(logs.contains("code delivered"), "{logs}");
    assert!(logs.contains("code verified"), "{logs}");
    assert!(
        logs.contains("sms_ru_send"),
        "the HTTP span was captured: {logs}"
    );
    // ...and none of them carries a code or a secret, nor the full phone.
    for code in &codes {
        assert!(
            !logs.contains(code.as_str()),
            "code {code} in the logs: {logs}"
        );
    }
    for secret in [API_ID, PEPPER, "79200000000", "+79200000000"] {
        assert!(!logs.contains(secret), "{secret} in the logs: {logs}");
    }
}
