//! Every branch of the auth state machine against wiremock: SMS, call-pass, no verification,
//! captcha, existing customer, new customer sign-up. The vendor's answers come from the crate's
//! test kit (`BonusMoneyMock`) where it has them; the exact requests are asserted here.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use common::*;
use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::mock::{API_KEY, BmOp, BonusMoneyMock, CAPTCHA_TOKEN};
use loyalty_bonusmoney::models::{AuthType, Customer};
use loyalty_core::{ExposeSecret, LoyaltyError, Phone, Region};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PHONE: &str = "+7 (920) 000-00-00";

fn phone() -> Phone {
    Phone::parse("8 920 000 00 00", Region::RU).unwrap()
}

/// The seed's customer (`tests/fixtures/customer.json`) with the test phone, as our own type: the
/// kit writes it in BonusMoney's wire shape.
fn seed_customer() -> Customer {
    let mut c: Customer = serde_json::from_value(fixture_json("customer")).unwrap();
    c.phone = PHONE.to_owned();
    c
}

/// Every request the kit's client made carried the kit's `BM-API-KEY`.
async fn assert_every_request_has_the_api_key(server: &MockServer) {
    let requests = server.received_requests().await.unwrap();
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(r.headers.get("BM-API-KEY").unwrap(), API_KEY, "{}", r.url);
    }
}

async fn mount(server: &MockServer, p: &str, body: serde_json::Value, answer: String) {
    Mock::given(method("POST"))
        .and(path(p))
        .and(header("BM-API-KEY", KEY))
        .and(body_json(body))
        .respond_with(json_response(answer))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn sms_branch_logs_an_existing_customer_in() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    bm.logs_in(&seed_customer(), TOKEN).await;
    let c = bm.client();
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS step expected")
    };
    assert_eq!(sms.resend_after(), Some(Duration::from_secs(60)));
    assert_eq!(sms.alternatives().len(), 3);
    let AuthOutcome::LoggedIn(me) = sms.submit_code(&c, " 1234 ").await.unwrap() else {
        panic!("logged in expected")
    };
    assert_eq!(me.token().expose_secret(), TOKEN);
    assert_eq!(me.customer().name.as_deref(), Some("Алексей"));
    let s = me.session();
    assert_eq!(s.provider(), "bonusmoney");
    assert_eq!(s.token().expose_secret(), TOKEN);
    assert_eq!(s.customer_id(), Some("00_00000000000000"));
    assert_eq!(
        bm.requests(BmOp::GetOptions).await,
        [json!({"countryCode": "RU", "phone": PHONE})]
    );
    // The code is sent trimmed.
    assert_eq!(
        bm.requests(BmOp::VerifyBySms).await,
        [json!({"code": "1234", "phone": PHONE})]
    );
    assert_every_request_has_the_api_key(&server).await;
}

#[tokio::test]
async fn a_wrong_sms_code_keeps_the_step_usable() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    // The wrong code only: a 400 with BonusMoney's message (ahead of the kit's log-in answer).
    Mock::given(path("/mobileapp/auth/verifyBySms"))
        .and(body_json(json!({"code": "0000", "phone": PHONE})))
        .respond_with(ResponseTemplate::new(400).set_body_string(r#"{"message":"Неверный код"}"#))
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    bm.logs_in(&seed_customer(), TOKEN).await;
    let c = bm.client();
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS step expected")
    };
    let err = sms.submit_code(&c, "0000").await.unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    assert!(matches!(
        sms.submit_code(&c, "1234").await.unwrap(),
        AuthOutcome::LoggedIn(_)
    ));
    assert_eq!(
        bm.requests(BmOp::VerifyBySms).await,
        [
            json!({"code": "0000", "phone": PHONE}),
            json!({"code": "1234", "phone": PHONE}),
        ]
    );
}

#[tokio::test]
async fn call_pass_branch_confirms_the_call_and_needs_sign_up() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::CallPass).await;
    bm.needs_sign_up("<SIGN-UP-TOKEN>").await;
    let c = bm.client();
    let AuthStep::CallPass(call) = c
        .start_auth_with(&phone(), AuthType::CallPass)
        .await
        .unwrap()
    else {
        panic!("call-pass step expected")
    };
    assert_eq!(call.call_to(), "+7 (800) 100-22-33");
    assert_eq!(call.resend_after(), Some(Duration::from_secs(30)));
    let AuthOutcome::NeedsSignUp(ticket) = call.confirm(&c).await.unwrap() else {
        panic!("sign-up expected")
    };
    assert_eq!(ticket.token().expose_secret(), "<SIGN-UP-TOKEN>");
    assert_eq!(ticket.phone(), &phone());
    assert_eq!(
        bm.requests(BmOp::GetOptions).await,
        [json!({"countryCode": "RU", "phone": PHONE, "type": "CALL_PASS"})]
    );
    assert_eq!(
        bm.requests(BmOp::VerifyByCall).await,
        [json!({"phone": PHONE, "to": "+7 (800) 100-22-33"})]
    );
}

#[tokio::test]
async fn call_pass_without_call_to_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/auth/getOptions"))
        .respond_with(json_response(
            json!({"type": "CALL_PASS", "availableTypes": [{"type": "SMS", "nextSendIn": 0}]})
                .to_string(),
        ))
        .mount(&server)
        .await;
    let err = client(&server).start_auth(&phone()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Provider { .. }), "{err:?}");
    assert!(err.to_string().contains("callTo"));
}

#[tokio::test]
async fn no_verification_branch_logs_in_directly() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::No).await;
    bm.logs_in(&seed_customer(), TOKEN).await;
    let c = bm.client();
    let AuthStep::NoVerification(step) = c.start_auth(&phone()).await.unwrap() else {
        panic!("no-verification step expected")
    };
    let AuthOutcome::LoggedIn(me) = step.log_in(&c).await.unwrap() else {
        panic!("logged in expected")
    };
    assert_eq!(me.token().expose_secret(), TOKEN);
    assert_eq!(
        bm.requests(BmOp::LogInWithoutVerification).await,
        [json!({"phone": PHONE})]
    );
}

#[tokio::test]
async fn captcha_branch_shows_the_png_then_retries_with_the_answer() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.asks_for_captcha(AuthType::Sms).await;
    let c = bm.client();
    let AuthStep::Captcha(cap) = c.start_auth(&phone()).await.unwrap() else {
        panic!("captcha expected")
    };
    assert_eq!(&cap.png()[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(cap.token(), CAPTCHA_TOKEN);
    assert_eq!(cap.auth_type(), &AuthType::Sms);
    // Debug shows the image's size, not its bytes.
    let png_len = cap.png().len();
    assert!(
        format!("{cap:?}").contains(&format!("png: {png_len} bytes")),
        "{cap:?}"
    );
    assert!(matches!(
        cap.answer(&c, "w7xk").await.unwrap(),
        AuthStep::SmsCode(_)
    ));
    assert_eq!(
        bm.requests(BmOp::GetOptions).await,
        [
            json!({"countryCode": "RU", "phone": PHONE}),
            json!({"countryCode": "RU", "phone": PHONE, "captchaToken": CAPTCHA_TOKEN,
                "captchaText": "w7xk", "type": "SMS"}),
        ]
    );
}

#[tokio::test]
async fn new_customer_signs_up_with_the_prefill() {
    let server = MockServer::start().await;
    BonusMoneyMock::new(&server).options(AuthType::Sms).await;
    mount(
        &server,
        "/mobileapp/auth/verifyBySms",
        json!({"code": "4321", "phone": PHONE}),
        fixture("auth_set"),
    )
    .await;
    let mut created = fixture_json("customer");
    created["bmtoken"] = json!(TOKEN);
    mount(
        &server,
        "/mobileapp/auth/signUp",
        json!({"name": "Алексей", "surname": "Петров", "patronymic": "", "bDate": "1990-05-30",
               "male": true, "email": "my@mail.ru", "signUpToken": "<SIGN-UP-TOKEN>"}),
        created.to_string(),
    )
    .await;
    let c = client(&server);
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS expected")
    };
    let AuthOutcome::NeedsSignUp(ticket) = sms.submit_code(&c, "4321").await.unwrap() else {
        panic!("sign-up expected")
    };
    let prefill = ticket.prefill().unwrap();
    assert_eq!(prefill.email.as_deref(), Some("my@mail.ru"));
    let data = ticket.prefill_data().surname("Петров");
    assert_eq!(data.name, "Алексей");
    let me = ticket.sign_up(&c, data).await.unwrap();
    assert_eq!(me.token().expose_secret(), TOKEN);
}

#[tokio::test]
async fn switching_type_asks_get_options_again() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    bm.switches_to(AuthType::CallPass).await;
    let c = bm.client();
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS expected")
    };
    let step = sms.switch_to(&c, AuthType::CallPass).await.unwrap();
    assert!(matches!(step, AuthStep::CallPass(_)));
    assert_eq!(step.options().auth_type, AuthType::CallPass);
    assert_eq!(
        bm.requests(BmOp::GetOptions).await,
        [
            json!({"countryCode": "RU", "phone": PHONE}),
            json!({"countryCode": "RU", "phone": PHONE, "type": "CALL_PASS"}),
        ]
    );
}

#[tokio::test]
async fn an_unknown_verification_type_is_reported() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/auth/getOptions"))
        .respond_with(json_response(r#"{"type":"TELEGRAM","availableTypes":[]}"#))
        .mount(&server)
        .await;
    let err = client(&server).start_auth(&phone()).await.unwrap_err();
    assert!(err.to_string().contains("TELEGRAM"), "{err}");
}

#[tokio::test]
async fn a_verification_answer_without_customer_or_token_is_an_error() {
    let server = MockServer::start().await;
    BonusMoneyMock::new(&server).options(AuthType::No).await;
    // A broken answer no kit helper writes: neither a customer nor a sign-up token.
    Mock::given(path("/mobileapp/auth/logInWithoutVerification"))
        .respond_with(json_response(r#"{"signUpToken":null,"customer":null}"#))
        .mount(&server)
        .await;
    let c = client(&server);
    let AuthStep::NoVerification(step) = c.start_auth(&phone()).await.unwrap() else {
        panic!()
    };
    assert!(matches!(
        step.log_in(&c).await.unwrap_err(),
        LoyaltyError::Provider { .. }
    ));
}
