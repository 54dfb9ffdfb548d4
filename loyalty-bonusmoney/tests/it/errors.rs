//! Error mapping against wiremock. The seed documents no error body: the mapping by status and
//! the body fields read are ASSUMED (see the README).
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use common::*;
use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_bonusmoney::mock::{BmOp, BonusMoneyMock, Fault};
use loyalty_bonusmoney::requests::{
    GetOptionsRequest, ProfileData, SetCommentRequest, SignUpRequest, VerifyBySmsRequest,
};
use loyalty_core::{LoyaltyError, PageRequest, RetryPolicy, SecretString};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn card_error(status: u16, body: &str) -> LoyaltyError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/card_v2/getCustomer"))
        .respond_with(ResponseTemplate::new(status).set_body_string(body))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).get_customer(&token()).await.unwrap_err()
}

#[tokio::test]
async fn card_401_and_403_are_session_expired_with_status_and_message() {
    for status in [401, 403] {
        let err = card_error(
            status,
            r#"{"code":"INVALID_TOKEN","message":"Неверный TOKEN"}"#,
        )
        .await;
        let LoyaltyError::SessionExpired { detail } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(detail.status, Some(status));
        assert_eq!(detail.code.as_deref(), Some("INVALID_TOKEN"));
        assert_eq!(detail.message, "Неверный TOKEN");
    }
}

#[tokio::test]
async fn auth_401_is_unauthorized() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/auth/getOptions"))
        .respond_with(ResponseTemplate::new(401).set_body_string("bad key"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_options(&GetOptionsRequest::new("RU", "+7 (000) 000-00-00"))
        .await
        .unwrap_err();
    let LoyaltyError::Unauthorized { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.status, Some(401));
    assert_eq!(detail.message, "bad key");
}

#[tokio::test]
async fn not_found_is_not_found() {
    let err = card_error(404, r#"{"error":"Транзакция не найдена"}"#).await;
    let LoyaltyError::NotFound { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.message, "Транзакция не найдена");
}

#[tokio::test]
async fn validation_errors_keep_every_field() {
    let err = card_error(
        422,
        r#"{"message":"Ошибка валидации","errors":{"email":"Некорректный адрес","name":["Обязательное поле","Слишком коротко"]}}"#,
    )
    .await;
    let LoyaltyError::InvalidInput { fields, detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].field, "email");
    assert_eq!(fields[0].message, "Некорректный адрес");
    assert_eq!(fields[1].field, "name");
    assert_eq!(fields[1].message, "Обязательное поле; Слишком коротко");
    assert_eq!(detail.as_ref().unwrap().status, Some(422));
}

#[tokio::test]
async fn bad_request_without_fields_keeps_the_message() {
    let err = card_error(400, r#"{"message":"Отзыв уже оставлен"}"#).await;
    let LoyaltyError::InvalidInput { fields, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields[0].message, "Отзыв уже оставлен");
}

#[tokio::test]
async fn wrong_sms_code_is_wrong_code() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/auth/verifyBySms"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_string(r#"{"code":"WRONG_CODE","message":"Неверный код"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .verify_by_sms(&VerifyBySmsRequest::new("1111", "+7 (000) 000-00-00"))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    assert_eq!(err.provider_code(), Some("WRONG_CODE"));
}

#[tokio::test]
async fn rate_limit_keeps_retry_after() {
    let server = MockServer::start().await;
    BonusMoneyMock::new(&server)
        .fault(BmOp::GetCustomer, Fault::RateLimited { retry_after: 120 })
        .await;
    let err = client(&server).get_customer(&token()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert!(err.is_retryable());
}

#[tokio::test]
async fn html_500_is_a_server_error_with_a_bounded_snippet() {
    let html = format!("<html><body>{}</body></html>", "Ошибка ".repeat(300));
    // getLevels: the answers that may carry a token (getCustomer, …) keep no snippet at all.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/mobileapp/card_v2/getLevels"))
        .respond_with(ResponseTemplate::new(500).set_body_string(&html))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).get_levels(&token()).await.unwrap_err();
    let LoyaltyError::Server { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.status, Some(500));
    assert!(detail.message.starts_with("<html>"));
    assert!(
        detail.message.len() <= 512 + '…'.len_utf8(),
        "{}",
        detail.message.len()
    );
}

#[tokio::test]
async fn idempotent_reads_are_retried_on_503() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/card_v2/getCustomer"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/mobileapp/card_v2/getCustomer"))
        .respond_with(json_response(fixture("customer")))
        .expect(1)
        .mount(&server)
        .await;
    let c = BonusMoneyClient::builder(KEY)
        .base_url(server.uri())
        .retry(
            RetryPolicy::new()
                .base_delay(Duration::from_millis(1))
                .jitter(false),
        )
        .build()
        .unwrap();
    let customer = c.get_customer(&token()).await.unwrap();
    assert_eq!(customer.name.as_deref(), Some("Алексей"));
}

#[tokio::test]
async fn state_changing_calls_are_sent_once_and_give_outcome_unknown() {
    let server = MockServer::start().await;
    for p in [
        "/mobileapp/auth/signUp",
        "/mobileapp/auth/getOptions",
        "/mobileapp/card_v2/setComment",
        "/mobileapp/card_v2/updateCustomer",
    ] {
        Mock::given(path(p))
            .respond_with(ResponseTemplate::new(503))
            .expect(1)
            .mount(&server)
            .await;
    }
    // A generous retry policy: still one attempt each.
    let c = BonusMoneyClient::builder(KEY)
        .base_url(server.uri())
        .retry(
            RetryPolicy::new()
                .max_attempts(5)
                .base_delay(Duration::from_millis(1)),
        )
        .build()
        .unwrap();
    let errs = [
        c.sign_up(&SignUpRequest::new(
            full_profile(),
            SecretString::from("su"),
        ))
        .await
        .unwrap_err(),
        c.get_options(&GetOptionsRequest::new("RU", "+7 (000) 000-00-00"))
            .await
            .unwrap_err(),
        c.set_comment(&token(), &SetCommentRequest::new(1, 5))
            .await
            .unwrap_err(),
        c.update_customer(&token(), &full_profile())
            .await
            .unwrap_err(),
    ];
    for e in errs {
        assert!(matches!(e, LoyaltyError::OutcomeUnknown { .. }), "{e:?}");
        assert!(!e.is_retryable());
    }
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.fault(BmOp::GetLevels, Fault::Delay(Duration::from_secs(3)))
        .await;
    let c = bm
        .client_builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = c.get_levels(&token()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_status_and_snippet() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/card_v2/getMarksHistory"))
        .respond_with(json_response("[{\"id\": \"1\", broken"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .get_marks_history(&token(), PageRequest::first(5))
        .await
        .unwrap_err();
    let LoyaltyError::Decode {
        op,
        status,
        snippet,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*op, "getMarksHistory");
    assert_eq!(*status, 200);
    assert!(snippet.contains("broken"));
}

#[tokio::test]
async fn a_missing_required_field_is_a_decode_error_naming_it() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/card_v2/getLevels"))
        .respond_with(json_response(
            r#"{"levels":[],"cashToMark":1,"markToCash":1,"sum":1}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).get_levels(&token()).await.unwrap_err();
    let LoyaltyError::Decode { reason, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(reason.contains("lvlNumber"), "{reason}");
}

#[test]
fn bad_configuration_is_a_config_error() {
    let err = BonusMoneyClient::builder(KEY)
        .base_url("ftp://x")
        .build()
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Config(_)), "{err:?}");
    let err = BonusMoneyClient::builder("bad\nkey").build().unwrap_err();
    assert!(matches!(err, LoyaltyError::Config(_)), "{err:?}");
    assert!(!err.to_string().contains("bad\nkey"));
}

#[test]
fn the_default_base_url_is_the_seeds() {
    let c = BonusMoneyClient::builder(KEY).build().unwrap();
    assert_eq!(c.base_url(), "https://bm-app.com/");
    assert_eq!(loyalty_bonusmoney::DEFAULT_BASE_URL, "https://bm-app.com/");
}

#[tokio::test]
async fn html_500_of_a_token_bearing_call_keeps_no_snippet() {
    let err = card_error(500, "<html><body>bmtoken=abc</body></html>").await;
    let LoyaltyError::Server { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.status, Some(500));
    assert_eq!(detail.message, loyalty_core::http::REDACTED_SNIPPET);
}

/// A profile with the fields the client requires (name, birth date, gender).
fn full_profile() -> ProfileData {
    ProfileData::new("A")
        .b_date(chrono::NaiveDate::from_ymd_opt(1990, 5, 30).unwrap())
        .male(true)
}
