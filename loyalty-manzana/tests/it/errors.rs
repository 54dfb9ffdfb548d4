//! Error mapping: `odata.error` with 400 and 500, the HTML "Server Error" page, session errors,
//! and the manager session re-logged once (never looped).
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_core::{ErrorKind, LoyaltyError, SecretString};
use loyalty_manzana::mock::{Fault, ManzanaMock, MzOp};
use loyalty_manzana::{SessionRules, codes};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn odata(status: u16, code: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        format!(
            r#"{{"odata.error": {{"code": "{code}", "message": {{"lang": "ru-RU", "value": "{message}"}}, "innererror": {{}}}}}}"#
        ),
        "application/json",
    )
}

#[tokio::test]
async fn odata_error_400_keeps_code_and_message() {
    let server = MockServer::start().await;
    ManzanaMock::new(&server)
        .odata_error(
            MzOp::ConfirmSmsLogin,
            400,
            "100500",
            "Неверный код подтверждения",
        )
        .await;
    let err = client(&server)
        .confirm_sms_login(&SecretString::from("t"), "0000")
        .await
        .unwrap_err();
    let LoyaltyError::WrongCode { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.status, Some(400));
    assert_eq!(detail.code.as_deref(), Some("100500"));
    assert_eq!(detail.message, "Неверный код подтверждения");
}

#[tokio::test]
async fn known_codes_are_named() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Card/GetAllByContact"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_raw(fixture("odata_error.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let err = client(&server).cards(&session()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    assert_eq!(err.provider_code(), Some(codes::WRONG_CARD_PIN));
    assert_eq!(codes::CARD_ALREADY_BOUND, "1000048");
    assert_eq!(codes::CARD_NOT_ACTIVE, "100962");
}

#[tokio::test]
async fn odata_error_500_on_a_read_is_a_server_error_with_the_code() {
    let server = MockServer::start().await;
    ManzanaMock::new(&server)
        .odata_error(MzOp::Cheques, 500, "1", "Внутренняя ошибка")
        .await;
    let err = client(&server).cheques(&session()).await.unwrap_err();
    let LoyaltyError::Server { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.status, Some(500));
    assert_eq!(detail.code.as_deref(), Some("1"));
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn odata_error_500_refusing_a_registration_is_invalid_input_not_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/RequestAdvancedPhoneEmailRegistration",
        ))
        .respond_with(odata(500, "100100", "Телефон уже зарегистрирован"))
        .mount(&server)
        .await;
    let err = client(&server)
        .request_registration(&loyalty_manzana::Registration::new(&phone()))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields[0].message, "Телефон уже зарегистрирован");
    assert_eq!(detail.as_ref().unwrap().code.as_deref(), Some("100100"));
}

#[tokio::test]
async fn html_server_error_page_is_a_server_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Contact/Get"))
        .respond_with(
            ResponseTemplate::new(500).set_body_raw(fixture("server_error.html"), "text/html"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Coupon/GetAllByContact"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("server_error.html"), "text/html"),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let err = c.get_contact(&session()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Server { .. }), "{err:?}");
    // Some installs answer the crash page with 200.
    let err = c.coupons(&session()).await.unwrap_err();
    let LoyaltyError::Server { detail } = &err else {
        panic!("{err:?}")
    };
    assert!(detail.message.contains("Server Error"));
}

#[tokio::test]
async fn html_page_on_a_state_changing_call_is_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/AdvancedRequestSMSLogin",
        ))
        .respond_with(
            ResponseTemplate::new(500).set_body_raw(fixture("server_error.html"), "text/html"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server)
        .request_sms_login(&phone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::OutcomeUnknown { .. }),
        "{err:?}"
    );
}

/// ASSUMPTION: how an expired session is signalled is not public; by default 401/403 or a
/// message mentioning the session.
#[tokio::test]
async fn assumed_customer_session_error_is_session_expired() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.odata_error(MzOp::GetContact, 400, "42", "Сессия не найдена")
        .await;
    let err = client(&server).get_contact(&session()).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    let sent = mz.requests(MzOp::GetContact).await;
    assert_eq!(sent.len(), 1, "a session error is not repeated");
    assert_eq!(sent[0]["sessionid"], format!("'{CUSTOMER_SESSION}'"));
    assert_eq!(sent[0]["id"], format!("'{CONTACT}'"));
}

/// ASSUMPTION: a tenant-specific session code, configured.
#[tokio::test]
async fn assumed_session_code_is_configurable() {
    let server = MockServer::start().await;
    ManzanaMock::new(&server)
        .odata_error(MzOp::GetContact, 400, "777", "Доступ запрещён")
        .await;
    let mut rules = SessionRules::default();
    rules.codes.push("777".into());
    let c = builder(&server).session_rules(rules).build().unwrap();
    let err = c.get_contact(&session()).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    // Without the rule it is a plain provider error.
    let err = client(&server).get_contact(&session()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Provider { .. }), "{err:?}");
}

#[tokio::test]
async fn expired_manager_session_is_relogged_once() {
    let server = MockServer::start().await;
    // The first login gives an old session, the second a fresh one.
    Mock::given(method("POST"))
        .and(path("/ManagerOfficeService/Identity/Login"))
        .respond_with(json(r#"{"Id": "m", "SessionId": "mgr-OLD"}"#))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/ManagerOfficeService/Identity/Login"))
        .respond_with(json(r#"{"Id": "m", "SessionId": "mgr-NEW"}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .and(query_param("sessionId", "'mgr-OLD'"))
        .respond_with(odata(401, "", "Session expired"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .and(query_param("sessionId", "'mgr-NEW'"))
        .respond_with(json(fixture("contacts.json")))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let found = c.find_contact_by_phone(&phone()).await.unwrap();
    assert_eq!(found.unwrap().id, CONTACT);
    // The fresh session is kept: no third login.
    c.find_contact_by_phone(&phone()).await.unwrap();
}

#[tokio::test]
async fn a_second_session_failure_is_surfaced_not_looped() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.manager_login_ok("mgr-ANY").await;
    mz.odata_error(MzOp::FindByPhone, 401, "", "Session expired")
        .await;
    let err = client(&server)
        .find_contact_by_phone(&phone())
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    // One new login and one repeat, no more.
    assert_eq!(mz.requests(MzOp::ManagerLogin).await.len(), 2);
    let finds = mz.requests(MzOp::FindByPhone).await;
    assert_eq!(finds.len(), 2);
    assert!(finds.iter().all(|f| f["sessionId"] == "'mgr-ANY'"));
}

#[tokio::test]
async fn refused_manager_login_is_unauthorized() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.odata_error(MzOp::ManagerLogin, 400, "5", "Неверный логин или пароль")
        .await;
    let err = client(&server)
        .find_contact_by_phone(&phone())
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
    let logins = mz.requests(MzOp::ManagerLogin).await;
    assert_eq!(logins.len(), 1);
    assert_eq!(logins[0]["Login"], "bot");
    assert!(mz.requests(MzOp::FindByPhone).await.is_empty());
}

#[tokio::test]
async fn malformed_json_is_a_decode_error() {
    let server = MockServer::start().await;
    ManzanaMock::new(&server)
        .fault(MzOp::Cards, Fault::MalformedJson)
        .await;
    let err = client(&server).cards(&session()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Decode { .. }), "{err:?}");
}
