//! Issue 16: flows that broke against the real BMCard API while our own sandbox agreed with us.
//! Each test failed on the code before the fix.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use chrono::NaiveDate;
use common::*;
use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::models::AuthType;
use loyalty_bonusmoney::requests::{
    ProfileData, SignUpRequest, VerifyByCallRequest, VerifyBySmsRequest,
};
use loyalty_core::{ExposeSecret, LoyaltyError, Phone, Region, RetryPolicy, SecretString};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PHONE: &str = "+7 (920) 000-00-00";

fn phone() -> Phone {
    Phone::parse("8 920 000 00 00", Region::RU).unwrap()
}

/// A client that would retry an idempotent call three times and gives up on an answer after
/// 200 ms.
fn retrying_client(server: &MockServer) -> BonusMoneyClient {
    BonusMoneyClient::builder(KEY)
        .base_url(server.uri())
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1)),
        )
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap()
}

async fn slow(server: &MockServer, p: &str) {
    Mock::given(method("POST"))
        .and(path(p))
        .respond_with(json_response("{}").set_delay(Duration::from_secs(2)))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn verify_by_sms_is_sent_once_and_a_lost_answer_is_outcome_unknown() {
    let server = MockServer::start().await;
    slow(&server, "/mobileapp/auth/verifyBySms").await;
    let err = retrying_client(&server)
        .verify_by_sms(&VerifyBySmsRequest::new("1234", PHONE))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LoyaltyError::OutcomeUnknown {
                op: "verifyBySms",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn verify_by_call_is_sent_once_and_a_lost_answer_is_outcome_unknown() {
    let server = MockServer::start().await;
    slow(&server, "/mobileapp/auth/verifyByCall").await;
    let err = retrying_client(&server)
        .verify_by_call(&VerifyByCallRequest::new(PHONE, "+7 (800) 100-22-33"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LoyaltyError::OutcomeUnknown {
                op: "verifyByCall",
                ..
            }
        ),
        "{err:?}"
    );
}

fn full_customer() -> serde_json::Value {
    let mut c = fixture_json("customer");
    c["phone"] = json!(PHONE);
    c["bmtoken"] = json!(TOKEN);
    c
}

#[tokio::test]
async fn sign_up_sends_every_profile_field() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/signUp"))
        .and(body_json(json!({
            "name": "Алексей", "surname": "", "patronymic": "", "bDate": "1990-05-30",
            "male": true, "email": "", "signUpToken": "su-1"
        })))
        .respond_with(json_response(full_customer().to_string()))
        .expect(1)
        .mount(&server)
        .await;
    let data = ProfileData::new("Алексей")
        .b_date(NaiveDate::from_ymd_opt(1990, 5, 30).unwrap())
        .male(true);
    let me = client(&server)
        .sign_up(&SignUpRequest::new(data, SecretString::from("su-1")))
        .await
        .unwrap();
    assert_eq!(me.token().unwrap().expose_secret(), TOKEN);
}

#[tokio::test]
async fn a_profile_without_name_birth_date_or_gender_is_refused_before_calling() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_response("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c
        .sign_up(&SignUpRequest::new(
            ProfileData::new(" "),
            SecretString::from("su-1"),
        ))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, .. } = err else {
        panic!("field errors expected: {err:?}")
    };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, ["name", "bDate", "male"]);

    let err = c
        .update_customer(&token(), &ProfileData::new("Алексей").male(false))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, .. } = err else {
        panic!("field errors expected: {err:?}")
    };
    assert_eq!(fields.len(), 1);
    assert_eq!(fields[0].field, "bDate");
}

/// The verification answer of a new phone, then `signUp`.
async fn to_sign_up(server: &MockServer) -> loyalty_bonusmoney::auth::PendingSignUp {
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/getOptions"))
        .respond_with(json_response(
            json!({"type": "SMS", "availableTypes": [{"type": "NO", "nextSendIn": 0}]}).to_string(),
        ))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/verifyBySms"))
        .respond_with(json_response(fixture("auth_set")))
        .mount(server)
        .await;
    let c = client(server);
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS expected")
    };
    let AuthOutcome::NeedsSignUp(ticket) = sms.submit_code(&c, "1234").await.unwrap() else {
        panic!("sign-up expected")
    };
    ticket
}

#[tokio::test]
async fn a_wrapped_sign_up_answer_logs_in() {
    let server = MockServer::start().await;
    let ticket = to_sign_up(&server).await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/signUp"))
        .respond_with(json_response(
            json!({"signUpToken": null, "customer": full_customer(), "inCompanyProfile": null})
                .to_string(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let me = ticket
        .sign_up(&client(&server), ticket.prefill_data())
        .await
        .unwrap();
    assert_eq!(me.token().expose_secret(), TOKEN);
    assert_eq!(me.customer().phone, PHONE);
}

#[tokio::test]
async fn a_2xx_sign_up_without_a_token_falls_back_to_logging_in() {
    let server = MockServer::start().await;
    let ticket = to_sign_up(&server).await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/signUp"))
        .respond_with(json_response("{}"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/logInWithoutVerification"))
        .and(body_json(json!({"phone": PHONE})))
        .respond_with(json_response(
            json!({"customer": full_customer()}).to_string(),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let me = ticket
        .sign_up(&client(&server), ticket.prefill_data())
        .await
        .unwrap();
    assert_eq!(me.token().expose_secret(), TOKEN);
}

#[tokio::test]
async fn a_2xx_sign_up_is_never_reported_as_a_failure() {
    let server = MockServer::start().await;
    let ticket = to_sign_up(&server).await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/signUp"))
        .respond_with(json_response("{}"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/logInWithoutVerification"))
        .respond_with(ResponseTemplate::new(403).set_body_string("{}"))
        .mount(&server)
        .await;
    let err = ticket
        .sign_up(&client(&server), ticket.prefill_data())
        .await
        .unwrap_err();
    // Registered: the user logs in again, no "registration failed".
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn call_to_is_carried_to_the_call_pass_step() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/getOptions"))
        .and(body_json(json!({"countryCode": "RU", "phone": PHONE})))
        .respond_with(json_response(
            json!({"type": "SMS", "availableTypes": [
                {"type": "CALL_PASS", "callTo": "+7 (800) 100-22-33", "nextSendIn": 0}
            ]})
            .to_string(),
        ))
        .mount(&server)
        .await;
    // The answer for CALL_PASS lists only the other types (no callTo).
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/getOptions"))
        .and(body_json(
            json!({"countryCode": "RU", "phone": PHONE, "type": "CALL_PASS"}),
        ))
        .respond_with(json_response(
            json!({"type": "CALL_PASS", "availableTypes": [{"type": "SMS", "nextSendIn": 60000}]})
                .to_string(),
        ))
        .mount(&server)
        .await;
    let c = client(&server);
    let AuthStep::SmsCode(sms) = c.start_auth(&phone()).await.unwrap() else {
        panic!("SMS expected")
    };
    let AuthStep::CallPass(call) = sms.switch_to(&c, AuthType::CallPass).await.unwrap() else {
        panic!("call-pass expected")
    };
    assert_eq!(call.call_to(), "+7 (800) 100-22-33");
}

#[tokio::test]
async fn call_to_is_taken_from_any_option_that_lists_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/auth/getOptions"))
        .respond_with(json_response(
            json!({"type": "CALL_PASS", "availableTypes": [
                {"type": "SMS", "nextSendIn": 0},
                {"type": "FLASH_CALL", "callTo": "+7 (800) 555-00-11", "nextSendIn": 0}
            ]})
            .to_string(),
        ))
        .mount(&server)
        .await;
    let AuthStep::CallPass(call) = client(&server).start_auth(&phone()).await.unwrap() else {
        panic!("call-pass expected")
    };
    assert_eq!(call.call_to(), "+7 (800) 555-00-11");
}

#[tokio::test]
async fn a_bad_api_key_on_a_card_call_is_a_configuration_error_not_an_expired_session() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/card_v2/getCustomer"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(r#"{"message":"Неверный BM-API-KEY"}"#),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/card_v2/getLevels"))
        .respond_with(ResponseTemplate::new(401).set_body_string(r#"{"message":"Token expired"}"#))
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.get_customer(&token()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
    let err = c.get_levels(&token()).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
}
