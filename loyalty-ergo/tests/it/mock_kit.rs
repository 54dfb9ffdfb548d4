//! The test kit (`loyalty_ergo::mock`): every helper's answer decodes with this crate's own
//! client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::NaiveDate;
use loyalty_core::{
    Balance, Customer, Decimal, ExposeSecret, LoyaltyError, LoyaltyProvider, Phone, SecretString,
    Session,
};
use loyalty_ergo::mock::{
    BalanceAnswer, ErgoCode, ErgoMock, Fault, body_has_keys, ergo_method, with_session,
};
use loyalty_ergo::{ErgoErrorExt, ErgoErrorKind, ErgoMethod, SnOutcome};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SESSION: &str = "0ce330a1b1a02fa4592532b2aa12e5de";

fn phone() -> Phone {
    Phone::parse_international("+380889993366").unwrap()
}

fn session() -> Session {
    Session::new("ergo", SecretString::from(SESSION))
}

#[tokio::test]
async fn log_in_answers_decode() {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    ergo.get_auth_code_ok().await;
    ergo.get_token_ok(SESSION).await;
    let client = ergo.client();
    let sent = client.get_auth_code(&phone()).await.unwrap();
    assert_eq!(sent.result, Some(1));
    let token = client.get_token(&phone(), "1234").await.unwrap();
    assert_eq!(token.session.expose_secret(), SESSION);
    assert_eq!(token.user_phone.as_deref(), Some("380889993366"));
    // What the client sent: the phone as 12 digits and the code.
    let req = &ergo.requests(ErgoMethod::GetToken).await[0];
    assert_eq!(req["phone"], "380889993366");
    assert_eq!(req["code"], "1234");
}

#[tokio::test]
async fn log_in_errors_map_per_method() {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    ergo.fails(ErgoMethod::GetAuthCode, ErgoCode::PhoneUnknown)
        .await;
    ergo.fails(ErgoMethod::GetToken, ErgoCode::WrongCode).await;
    let client = ergo.client();
    let e = client.get_auth_code(&phone()).await.unwrap_err();
    assert!(matches!(e, LoyaltyError::NotFound { .. }), "{e:?}");
    let e = client.get_token(&phone(), "0000").await.unwrap_err();
    assert!(matches!(e, LoyaltyError::WrongCode { .. }), "{e:?}");
    assert_eq!(e.ergo().unwrap().comment, "incorrect code");
}

#[tokio::test]
async fn profile_and_balance_decode_through_the_provider() {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    let mut customer = Customer::default();
    customer.first_name = Some("Olha".into());
    customer.last_name = Some("Ivanenko".into());
    customer.email = Some("o@example.com".into());
    customer.phone = Some(phone());
    ergo.profile(&customer).await;
    let mut balance = Balance::new(Decimal::new(125050, 2));
    balance.pending = Decimal::from(300);
    ergo.balance(&balance).await;
    let client = ergo.client();
    let got = client.profile(&session()).await.unwrap();
    assert_eq!(got.first_name.as_deref(), Some("Olha"));
    assert_eq!(got.phone, Some(phone()));
    let got = client.balance(&session()).await.unwrap();
    assert_eq!(got.available, Decimal::new(125050, 2));
    assert_eq!(got.pending, Decimal::from(300));
}

#[tokio::test]
async fn balance_info_with_payoffs_decodes() {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    let date = NaiveDate::from_ymd_opt(2018, 12, 15).unwrap();
    ergo.balance_info(&BalanceAnswer {
        bonus: Decimal::from(1250),
        registration_for_test: Decimal::from(1024),
        payoffs: vec![(date, Decimal::from(2019), "Тест, Приватбанк 2222".into())],
        ..BalanceAnswer::default()
    })
    .await;
    let info = ergo.client().get_balance_info(&session()).await.unwrap();
    assert_eq!(info.bonus, Decimal::from(1250));
    assert_eq!(info.registration_for_test, Decimal::from(1024));
    assert_eq!(info.to_payoff.len(), 1);
    assert_eq!(info.to_payoff[0].to_payoff_date, Some(date));
    assert_eq!(info.to_payoff[0].to_payoff_bonus, Decimal::from(2019));
    assert_eq!(
        info.to_payoff[0].to_payoff_get.as_deref(),
        Some("Тест, Приватбанк 2222")
    );
}

#[tokio::test]
async fn serial_registration_outcomes_decode() {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    ergo.post_sn_ok(147, 1511, "123123").await;
    let out = ergo.client().post_sn(&session(), "123123").await.unwrap();
    assert!(
        matches!(out, SnOutcome::Registered(r) if r.action_id == Some(147) && r.model_id == Some(1511))
    );

    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    ergo.post_sn_needs_model(147, 1511, "123123").await;
    let out = ergo.client().post_sn(&session(), "123123").await.unwrap();
    assert!(matches!(
        out,
        SnOutcome::NeedsClarification {
            model_id: Some(1511),
            ..
        }
    ));

    for (code, kind) in [
        (
            ErgoCode::AlreadyRegistered,
            ErgoErrorKind::SerialAlreadyRegistered,
        ),
        (ErgoCode::NotInAction, ErgoErrorKind::SerialNotInAction),
    ] {
        let server = MockServer::start().await;
        let ergo = ErgoMock::new(&server);
        ergo.post_sn_fails(code).await;
        let e = ergo
            .client()
            .post_sn(&session(), "123123")
            .await
            .unwrap_err();
        assert!(
            matches!(&e, LoyaltyError::InvalidInput { fields, .. } if fields[0].field == "sn"),
            "{e:?}"
        );
        assert_eq!(e.ergo().unwrap().kind(ErgoMethod::PostSN), kind);
    }
}

#[tokio::test]
async fn session_errors_map_by_code() {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    ergo.fails(ErgoMethod::GetBalanceInfo, ErgoCode::SessionExpired)
        .await;
    ergo.fails(ErgoMethod::GetProfile, ErgoCode::UserNotActive)
        .await;
    let client = ergo.client();
    let e = client.get_balance_info(&session()).await.unwrap_err();
    assert!(matches!(e, LoyaltyError::SessionExpired { .. }), "{e:?}");
    let e = client.get_profile(&session()).await.unwrap_err();
    assert!(matches!(e, LoyaltyError::Blocked { .. }), "{e:?}");
}

/// What our client makes of `fault` on `GetBalanceInfo`.
async fn error_for(fault: Fault) -> LoyaltyError {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    ergo.fault(ErgoMethod::GetBalanceInfo, fault).await;
    ergo.client()
        .get_balance_info(&session())
        .await
        .unwrap_err()
}

/// One test per fault kind: `$fault` mounted by the kit, and what our own client makes of it.
macro_rules! fault_test {
    ($name:ident, $fault:expr, $pat:pat $(if $guard:expr)?) => {
        #[tokio::test]
        async fn $name() {
            let e = error_for($fault).await;
            assert!(matches!(&e, $pat $(if $guard)?), "{e:?}");
        }
    };
}

fault_test!(
    fault_delay_past_the_timeout_is_a_timeout,
    Fault::Delay(Duration::from_secs(3)),
    LoyaltyError::Timeout { .. }
);
fault_test!(
    fault_5xx_is_a_server_error_with_its_status,
    Fault::ServerError(503),
    LoyaltyError::Server { detail } if detail.status == Some(503)
);
fault_test!(
    fault_429_is_rate_limited_with_retry_after,
    Fault::RateLimited { retry_after: 7 },
    LoyaltyError::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(7)
);
fault_test!(
    fault_malformed_json_is_a_decode_error,
    Fault::MalformedJson,
    LoyaltyError::Decode { status: 200, .. }
);
fault_test!(
    fault_html_error_page_is_a_server_error_with_its_status,
    Fault::HtmlErrorPage(502),
    LoyaltyError::Server { detail } if detail.status == Some(502)
);
fault_test!(
    fault_huge_body_is_a_decode_error,
    Fault::HugeBody(9 * 1024 * 1024),
    LoyaltyError::Decode { .. }
);

#[tokio::test]
async fn matchers_check_what_the_client_sends() {
    let server = MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    Mock::given(ergo_method(ErgoMethod::PostSN))
        .and(with_session(SESSION))
        .and(body_has_keys(&["method", "session", "sn", "serial"]))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"methodresponse": "PostSN", "result": 1, "serial": "777"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let out = ergo.client().post_sn(&session(), "777").await.unwrap();
    assert!(matches!(out, SnOutcome::Registered(r) if r.serial.as_deref() == Some("777")));
    assert!(ergo.requests(ErgoMethod::GetToken).await.is_empty());
}
