//! The SMS.ru channel against the crate's own SMS.ru sandbox, alone and behind the service.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;

use loyalty_codes::channels::{MemoryChannel, SmsRuChannel};
use loyalty_codes::sandbox::SmsRuSandbox;
use loyalty_codes::{
    Action, AttemptOutcome, Budgets, ChannelError, CodeService, Language, MemoryStore, Programme,
    ProviderErrorKind, Recipient, SendRequest, Subject,
};
use loyalty_core::{ExposeSecret, Phone, Region, SecretString};

const API_ID: &str = "sandbox-api-id";

fn service(sandbox: &SmsRuSandbox, api_id: &str, chat: Arc<MemoryChannel>) -> CodeService {
    let sms = SmsRuChannel::builder(SecretString::from(api_id.to_owned()))
        .base_url(sandbox.base_url())
        .sender("Coffee")
        .build()
        .unwrap();
    CodeService::builder(
        Programme::new()
            .budgets(Budgets::unlimited())
            .require(Action::LogIn, ["sms", "chat"]),
        Arc::new(MemoryStore::new()),
        SecretString::from("sandbox-pepper-0123456789"),
    )
    .channel(Arc::new(sms))
    .channel(chat)
    .build()
    .unwrap()
}

fn request(number: &str) -> SendRequest {
    let phone = Phone::parse(number, Region::RU).unwrap();
    SendRequest::new(
        Subject::phone(&phone),
        Action::LogIn,
        Recipient::new().phone(phone),
    )
    .language(Language::Ru)
}

fn first_failure(r: &loyalty_codes::SendReceipt) -> (ProviderErrorKind, String) {
    match &r.attempts[0].outcome {
        AttemptOutcome::Failed(ChannelError::Provider {
            kind,
            code: Some(c),
            ..
        }) => (*kind, c.clone()),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_sandbox_delivers_and_the_code_verifies() {
    let sandbox = SmsRuSandbox::start(&SecretString::from(API_ID))
        .await
        .unwrap();
    let chat = Arc::new(MemoryChannel::new("chat"));
    let svc = service(&sandbox, API_ID, chat.clone());
    let req = request("+7 920 000 00 00");
    let r = svc.send(&req).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "sms");
    let sms = sandbox.messages();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].to, "79200000000");
    assert_eq!(sms[0].from.as_deref(), Some("Coffee"));
    assert_eq!(
        r.attempts[0].outcome_provider_id(),
        Some(sms[0].sms_id.clone())
    );
    let text = sms[0].text.expose_secret();
    assert!(text.starts_with("Код для входа: "), "{text}");
    let code: String = text.chars().filter(char::is_ascii_digit).collect();
    svc.verify(&req.subject, &Action::LogIn, &code)
        .await
        .unwrap();
    assert_eq!(chat.calls(), 0);
    assert!(!format!("{sms:?}").contains(&code));
}

#[tokio::test]
async fn sandbox_errors_fall_back_to_the_next_channel() {
    let sandbox = SmsRuSandbox::start(&SecretString::from(API_ID))
        .await
        .unwrap();
    let chat = Arc::new(MemoryChannel::new("chat"));

    // A wrong api_id: 200, the integration is misconfigured.
    let wrong = service(&sandbox, "not-the-key", chat.clone());
    let r = wrong.send(&request("+7 920 000 00 01")).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "chat");
    assert_eq!(
        first_failure(&r),
        (ProviderErrorKind::Configuration, "200".into())
    );

    let svc = service(&sandbox, API_ID, chat.clone());
    // The stop list: 209 for that number.
    sandbox.stop_list_add("79200000002");
    let r = svc.send(&request("+7 920 000 00 02")).await.unwrap();
    assert_eq!(
        first_failure(&r),
        (ProviderErrorKind::Recipient, "209".into())
    );
    // No funds: 201.
    sandbox.set_credit(0);
    let r = svc.send(&request("+7 920 000 00 03")).await.unwrap();
    assert_eq!(
        first_failure(&r),
        (ProviderErrorKind::Account, "201".into())
    );
    // Temporarily unavailable: 220, once.
    sandbox.set_credit(10);
    sandbox.fail_next(220);
    let r = svc.send(&request("+7 920 000 00 04")).await.unwrap();
    assert_eq!(
        first_failure(&r),
        (ProviderErrorKind::Unavailable, "220".into())
    );
    let r = svc.send(&request("+7 920 000 00 05")).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "sms");
    assert_eq!(chat.calls(), 4);
    assert_eq!(sandbox.messages().len(), 1);
}
