//! The SMS.ru channel against wiremock, with the request and answer shapes of SMS.ru's
//! documentation of `sms/send` (`json=1`) and every error code the channel maps.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_codes::channels::{MemoryChannel, SmsRuChannel, sms_ru_status};
use loyalty_codes::{
    Action, AttemptOutcome, Budgets, ChannelError, CodeChannel, CodeService, Delivery, Language,
    MemoryStore, Programme, ProviderErrorKind, Recipient, SendRequest, Subject,
};
use loyalty_core::{Phone, Region, SecretString};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const API_ID: &str = "F2D79B58-A5A2-2F9E-91C8-73D12CE2E102";
const CODE: &str = "482913";
const TEXT: &str = "Код для входа: 482913. Никому его не сообщайте.";
const TO: &str = "79200000000";

/// Matches a form body with exactly these fields.
struct Form(BTreeMap<String, String>);

impl Form {
    fn of(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }
}

impl Match for Form {
    fn matches(&self, request: &Request) -> bool {
        let got: BTreeMap<String, String> = url::form_urlencoded::parse(&request.body)
            .into_owned()
            .collect();
        got == self.0
    }
}

fn channel(server: &MockServer) -> SmsRuChannel {
    SmsRuChannel::builder(SecretString::from(API_ID))
        .base_url(server.uri())
        .build()
        .unwrap()
}

fn recipient() -> Recipient {
    Recipient::new().phone(Phone::parse("+7 (920) 000-00-00", Region::RU).unwrap())
}

async fn deliver(ch: &SmsRuChannel) -> Result<loyalty_codes::DeliveryReceipt, ChannelError> {
    let text = SecretString::from(TEXT);
    let code = SecretString::from(CODE);
    let r = recipient();
    let expires = DateTime::<Utc>::from_timestamp(1_760_000_300, 0).unwrap();
    let d = Delivery::new(&Action::LogIn, Language::Ru, &r, expires, &text, &code);
    ch.deliver(&d).await
}

fn assert_clean(e: &ChannelError) {
    let s = format!("{e} {e:?}");
    assert!(
        !s.contains(CODE) && !s.contains(API_ID),
        "secret in error: {s}"
    );
}

#[tokio::test]
async fn sends_the_documented_request_and_reads_the_sms_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/send"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(Form::of(&[
            ("api_id", API_ID),
            ("to", TO),
            ("msg", TEXT),
            ("json", "1"),
            ("from", "ShopName"),
            ("test", "1"),
        ]))
        // The documented success answer (balance is a number; we do not read it).
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "OK",
            "status_code": 100,
            "sms": {TO: {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}},
            "balance": 4122.56
        })))
        .expect(1)
        .mount(&server)
        .await;
    let ch = SmsRuChannel::builder(SecretString::from(API_ID))
        .base_url(server.uri())
        .sender("ShopName")
        .test_mode(true)
        .build()
        .unwrap();
    assert!(ch.can_reach(&recipient()));
    assert!(!ch.can_reach(&Recipient::new().email("a@b.example")));
    let receipt = deliver(&ch).await.unwrap();
    assert_eq!(receipt.provider_id.as_deref(), Some("000000-10000000"));
    let dbg = format!("{ch:?}");
    assert!(!dbg.contains(API_ID) && dbg.contains("[redacted]"), "{dbg}");
}

#[tokio::test]
async fn a_per_number_error_is_the_providers_verbatim() {
    let server = MockServer::start().await;
    let text = "На этот номер (или один из номеров) нельзя отправлять сообщения, либо указано более 100 номеров в списке получателей";
    Mock::given(method("POST"))
        .and(path("/sms/send"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "OK",
            "status_code": 100,
            "sms": {TO: {"status": "ERROR", "status_code": 207, "status_text": text}},
            "balance": 4122.56
        })))
        .mount(&server)
        .await;
    let e = deliver(&channel(&server)).await.unwrap_err();
    assert!(
        matches!(&e, ChannelError::Provider { kind: ProviderErrorKind::Recipient, code: Some(c), message } if c == "207" && message == text),
        "{e:?}"
    );
    assert_clean(&e);
}

/// Every documented `sms/send` error code the channel maps, with the kind the test expects
/// (written here independently of the channel's table).
const DOCUMENTED: &[(i64, ProviderErrorKind)] = {
    use ProviderErrorKind::{Account, Configuration, Recipient, Unavailable};
    &[
        (200, Configuration),
        (201, Account),
        (202, Recipient),
        (203, Configuration),
        (204, Configuration),
        (205, Configuration),
        (206, Account),
        (207, Recipient),
        (208, Configuration),
        (209, Recipient),
        (210, Configuration),
        (211, Configuration),
        (212, Configuration),
        (213, Configuration),
        (220, Unavailable),
        (230, Recipient),
        (231, Recipient),
        (232, Recipient),
        (233, Recipient),
        (300, Configuration),
        (301, Configuration),
        (302, Configuration),
        (500, Unavailable),
    ]
};

#[tokio::test]
async fn every_documented_error_code_maps_to_its_kind() {
    let server = MockServer::start().await;
    let ch = channel(&server);
    for &(code, kind) in DOCUMENTED {
        server.reset().await;
        // Top-level error: the request as a whole was refused.
        Mock::given(method("POST"))
            .and(path("/sms/send"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "status": "ERROR",
                "status_code": code,
                "status_text": format!("documented text of {code}")
            })))
            .expect(1)
            .mount(&server)
            .await;
        let e = deliver(&ch).await.unwrap_err();
        match &e {
            ChannelError::Provider {
                kind: k,
                code: Some(c),
                message,
            } => {
                assert_eq!(*k, kind, "code {code}");
                assert_eq!(c, &code.to_string());
                assert_eq!(message, &format!("documented text of {code}"));
            }
            other => panic!("code {code}: {other:?}"),
        }
        assert_clean(&e);
        // Without a status_text the documented meaning is used.
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"status": "ERROR", "status_code": code})),
            )
            .mount(&server)
            .await;
        let e = deliver(&ch).await.unwrap_err();
        let meaning = sms_ru_status(code).unwrap().meaning;
        assert!(
            matches!(&e, ChannelError::Provider { message, .. } if message == meaning),
            "code {code}: {e:?}"
        );
    }
    // And the table has nothing this test does not cover.
    for code in 0..1000 {
        if sms_ru_status(code).is_some() {
            assert!(
                DOCUMENTED.iter().any(|(c, _)| *c == code),
                "untested code {code}"
            );
        }
    }
}

#[tokio::test]
async fn an_undocumented_code_is_kept_verbatim() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "ERROR", "status_code": "999", "status_text": "new error"
        })))
        .mount(&server)
        .await;
    let e = deliver(&channel(&server)).await.unwrap_err();
    assert!(
        matches!(&e, ChannelError::Provider { kind: ProviderErrorKind::Unknown, code: Some(c), .. } if c == "999"),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_provider_echoing_the_message_is_scrubbed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "ERROR", "status_code": 205, "status_text": format!("too long: {TEXT}")
        })))
        .mount(&server)
        .await;
    let e = deliver(&channel(&server)).await.unwrap_err();
    assert_clean(&e);
    assert!(e.to_string().contains("[redacted]"), "{e}");
}

#[tokio::test]
async fn lost_or_unreadable_answers_are_outcome_unknown() {
    let server = MockServer::start().await;
    let ch = SmsRuChannel::builder(SecretString::from(API_ID))
        .base_url(server.uri())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    // 5xx with an HTML page: the SMS may have left.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let e = deliver(&ch).await.unwrap_err();
    assert!(matches!(e, ChannelError::OutcomeUnknown { .. }), "{e:?}");
    // Malformed JSON.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("100\n000000-10000000"))
        .mount(&server)
        .await;
    let e = deliver(&ch).await.unwrap_err();
    assert!(matches!(e, ChannelError::OutcomeUnknown { .. }), "{e:?}");
    // No answer in time: sent once, not repeated.
    server.reset().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .expect(1)
        .mount(&server)
        .await;
    let e = deliver(&ch).await.unwrap_err();
    assert!(matches!(e, ChannelError::OutcomeUnknown { .. }), "{e:?}");
    assert_clean(&e);
}

#[tokio::test]
async fn an_unreachable_gateway_is_not_sent() {
    // A port nobody listens on (bind, then drop).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let ch = SmsRuChannel::builder(SecretString::from(API_ID))
        .base_url(format!("http://127.0.0.1:{port}/"))
        .retry(loyalty_core::RetryPolicy::none())
        .build()
        .unwrap();
    let e = deliver(&ch).await.unwrap_err();
    assert!(matches!(e, ChannelError::NotSent { .. }), "{e:?}");
    assert_clean(&e);
}

#[tokio::test]
async fn the_service_falls_back_when_sms_ru_has_no_funds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/send"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status": "ERROR", "status_code": 201, "status_text": "Не хватает средств на лицевом счету"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let chat = Arc::new(MemoryChannel::new("chat"));
    let service = CodeService::builder(
        Programme::new()
            .budgets(Budgets::unlimited())
            .require(Action::LogIn, ["sms", "chat"]),
        Arc::new(MemoryStore::new()),
        SecretString::from("pepper-pepper-pepper-pepper"),
    )
    .channel(Arc::new(channel(&server)))
    .channel(chat.clone())
    .build()
    .unwrap();
    let req =
        SendRequest::new(Subject::new("user:7"), Action::LogIn, recipient()).language(Language::Ru);
    let r = service.send(&req).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "chat");
    assert!(matches!(
        &r.attempts[0].outcome,
        AttemptOutcome::Failed(ChannelError::Provider { kind: ProviderErrorKind::Account, code: Some(c), .. }) if c == "201"
    ));
    // The SMS.ru request carried the Russian text with the code the chat got.
    let sent = server.received_requests().await.unwrap();
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&sent[0].body)
        .into_owned()
        .collect();
    let code = chat.last_code().unwrap();
    assert_eq!(
        form["msg"],
        format!("Код для входа: {code}. Никому его не сообщайте.")
    );
}
