//! Every branch of the auth state machine against wiremock: SMS, call-pass, no verification,
//! captcha, existing customer, new customer sign-up.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::*;
use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::models::AuthType;
use loyalty_core::{ExposeSecret, LoyaltyError, Phone, Region};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PHONE: &str = "+7 (920) 000-00-00";

fn phone() -> Phone {
    Phone::parse("8 920 000 00 00", Region::RU).unwrap()
}

fn options(t: &str, extra: serde_json::Value) -> String {
    let mut v = json!({
        "type": t,
        "availableTypes": [
            {"type": "SMS", "nextSendIn": 60000},
            {"type": "CALL_PASS", "callTo": "+7 (800) 100-22-33", "nextSendIn": 30000},
            {"type": "NO", "nextSendIn": 0}
        ]
    });
    if let serde_json::Value::Object(m) = extra {
        for (k, val) in m {
            v[k] = val;
        }
    }
    v.to_string()
}

fn existing_customer() -> String {
    let mut set = fixture_json("auth_set");
    let mut c = fixture_json("customer");
    c["phone"] = json!(PHONE);
    c["bmtoken"] = json!(TOKEN);
    set["customer"] = c;
    set["signUpToken"] = serde_json::Value::Null;
    set["inCompanyProfile"] = serde_json::Value::Null;
    set.to_string()
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
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE}),
        options("SMS", json!({})),
    )
    .await;
    mount(
        &server,
        "/mobileapp/auth/verifyBySms",
        json!({"code": "1234", "phone": PHONE}),
        existing_customer(),
    )
    .await;
    let c = client(&server);
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
}

#[tokio::test]
async fn a_wrong_sms_code_keeps_the_step_usable() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE}),
        options("SMS", json!({})),
    )
    .await;
    Mock::given(path("/mobileapp/auth/verifyBySms"))
        .and(body_json(json!({"code": "0000", "phone": PHONE})))
        .respond_with(ResponseTemplate::new(400).set_body_string(r#"{"message":"Неверный код"}"#))
        .expect(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "/mobileapp/auth/verifyBySms",
        json!({"code": "1234", "phone": PHONE}),
        existing_customer(),
    )
    .await;
    let c = client(&server);
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS step expected")
    };
    let err = sms.submit_code(&c, "0000").await.unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    assert!(matches!(
        sms.submit_code(&c, "1234").await.unwrap(),
        AuthOutcome::LoggedIn(_)
    ));
}

#[tokio::test]
async fn call_pass_branch_confirms_the_call_and_needs_sign_up() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE, "type": "CALL_PASS"}),
        options("CALL_PASS", json!({})),
    )
    .await;
    mount(
        &server,
        "/mobileapp/auth/verifyByCall",
        json!({"phone": PHONE, "to": "+7 (800) 100-22-33"}),
        fixture("auth_set"),
    )
    .await;
    let c = client(&server);
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
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE}),
        options("NO", json!({})),
    )
    .await;
    mount(
        &server,
        "/mobileapp/auth/logInWithoutVerification",
        json!({"phone": PHONE}),
        existing_customer(),
    )
    .await;
    let c = client(&server);
    let AuthStep::NoVerification(step) = c.start_auth(&phone()).await.unwrap() else {
        panic!("no-verification step expected")
    };
    let AuthOutcome::LoggedIn(me) = step.log_in(&c).await.unwrap() else {
        panic!("logged in expected")
    };
    assert_eq!(me.token().expose_secret(), TOKEN);
}

#[tokio::test]
async fn captcha_branch_shows_the_png_then_retries_with_the_answer() {
    let server = MockServer::start().await;
    let captcha = fixture_json("captcha");
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE}),
        options("SMS", json!({"captcha": captcha})),
    )
    .await;
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE,
               "captchaToken": "78abfff1-671b-42e2-acbb-50175dfa94ab",
               "captchaText": "w7xk", "type": "SMS"}),
        options("SMS", json!({})),
    )
    .await;
    let c = client(&server);
    let AuthStep::Captcha(cap) = c.start_auth(&phone()).await.unwrap() else {
        panic!("captcha expected")
    };
    assert_eq!(&cap.png()[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(cap.token(), "78abfff1-671b-42e2-acbb-50175dfa94ab");
    assert_eq!(cap.auth_type(), &AuthType::Sms);
    assert!(format!("{cap:?}").contains("png: 1946 bytes"), "{cap:?}");
    assert!(matches!(
        cap.answer(&c, "w7xk").await.unwrap(),
        AuthStep::SmsCode(_)
    ));
}

#[tokio::test]
async fn new_customer_signs_up_with_the_prefill() {
    let server = MockServer::start().await;
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE}),
        options("SMS", json!({})),
    )
    .await;
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
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE}),
        options("SMS", json!({})),
    )
    .await;
    mount(
        &server,
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": PHONE, "type": "CALL_PASS"}),
        options("CALL_PASS", json!({})),
    )
    .await;
    let c = client(&server);
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS expected")
    };
    let step = sms.switch_to(&c, AuthType::CallPass).await.unwrap();
    assert!(matches!(step, AuthStep::CallPass(_)));
    assert_eq!(step.options().auth_type, AuthType::CallPass);
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
    Mock::given(path("/mobileapp/auth/getOptions"))
        .respond_with(json_response(options("NO", json!({}))))
        .mount(&server)
        .await;
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
