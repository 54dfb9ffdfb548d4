//! The test kit (`loyalty_bonusmoney::mock`): every helper's answer decodes with this crate's
//! own client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::mock::{
    API_KEY, BmOp, BonusMoneyMock, CAPTCHA_TOKEN, Fault, api_key, body_has_keys, customer_token,
};
use loyalty_bonusmoney::models::{AuthType, Customer};
use loyalty_core::{
    Balance, Decimal, ExposeSecret, LoyaltyError, LoyaltyProvider, Phone, Region, SecretString,
    Session,
};
use wiremock::{Match, Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "tok-customer-9911";

fn phone() -> Phone {
    Phone::parse("8 920 000 00 00", Region::RU).unwrap()
}

fn session() -> Session {
    Session::new("bonusmoney", SecretString::from(TOKEN))
}

#[tokio::test]
async fn options_and_sms_log_in_decode() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    let mut customer = Customer::new("+7 (920) 000-00-00");
    customer.name = Some("Ivan".into());
    bm.logs_in(&customer, TOKEN).await;
    let client = bm.client();
    let AuthStep::SmsCode(sms) = client.start_auth(&phone()).await.unwrap() else {
        panic!("an SMS step expected")
    };
    let AuthOutcome::LoggedIn(me) = sms.submit_code(&client, "1234").await.unwrap() else {
        panic!("logged in expected")
    };
    assert_eq!(me.token().expose_secret(), TOKEN);
    assert_eq!(me.customer().name.as_deref(), Some("Ivan"));
    let sent = bm.requests(BmOp::VerifyBySms).await;
    assert_eq!(sent[0]["phone"], "+7 (920) 000-00-00");
    assert_eq!(sent[0]["code"], "1234");
}

#[tokio::test]
async fn a_captcha_comes_first_then_the_options() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.asks_for_captcha(AuthType::CallPass).await;
    let client = bm.client();
    let AuthStep::Captcha(cap) = client.start_auth(&phone()).await.unwrap() else {
        panic!("a captcha expected")
    };
    assert_eq!(&cap.png()[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(cap.token(), CAPTCHA_TOKEN);
    let step = cap.answer(&client, "w7xk").await.unwrap();
    assert!(matches!(step, AuthStep::CallPass(_)), "{step:?}");
    let sent = bm.requests(BmOp::GetOptions).await;
    assert_eq!(sent[1]["captchaToken"], CAPTCHA_TOKEN);
    assert_eq!(sent[1]["captchaText"], "w7xk");
}

#[tokio::test]
async fn an_unknown_phone_needs_a_sign_up() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::No).await;
    bm.needs_sign_up("sign-up-token-1").await;
    let client = bm.client();
    let AuthStep::NoVerification(step) = client.start_auth(&phone()).await.unwrap() else {
        panic!("no verification expected")
    };
    let outcome = step.log_in(&client).await.unwrap();
    let AuthOutcome::NeedsSignUp(pending) = outcome else {
        panic!("sign-up expected")
    };
    assert_eq!(pending.token().expose_secret(), "sign-up-token-1");
}

#[tokio::test]
async fn the_balance_decodes_through_the_provider() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.balance(&Balance::new(Decimal::new(25050, 2))).await;
    let balance = bm.client().balance(&session()).await.unwrap();
    assert_eq!(balance.available, Decimal::new(25050, 2));
    assert!(balance.burns.is_empty());
}

#[tokio::test]
async fn the_customer_decodes() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    let mut c = Customer::new("+7 (920) 000-00-00");
    c.email = Some("i@example.com".into());
    bm.customer(&c).await;
    let got = bm
        .client()
        .get_customer(&SecretString::from(TOKEN))
        .await
        .unwrap();
    assert_eq!(got.email.as_deref(), Some("i@example.com"));
    assert_eq!(got.parsed_phone(), Some(phone()));
}

#[tokio::test]
async fn a_vendor_error_maps_to_the_clients_error() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.error(BmOp::GetCustomer, 401, "Invalid TOKEN").await;
    let e = bm
        .client()
        .get_customer(&SecretString::from(TOKEN))
        .await
        .unwrap_err();
    assert!(matches!(e, LoyaltyError::SessionExpired { .. }), "{e:?}");
}

/// What our client makes of `fault` on `GET /dashboard`.
async fn error_for(fault: Fault) -> LoyaltyError {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.fault(BmOp::GetDashboard, fault).await;
    bm.client()
        .get_dashboard(&SecretString::from(TOKEN))
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
    let bm = BonusMoneyMock::new(&server);
    bm.customer(&Customer::new("+7 (920) 000-00-00")).await;
    Mock::given(api_key(API_KEY))
        .and(customer_token(TOKEN))
        .and(wiremock::matchers::path(BmOp::GetCustomer.path()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"phone": "+7 (920) 000-00-01"})),
        )
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    let got = bm
        .client()
        .get_customer(&SecretString::from(TOKEN))
        .await
        .unwrap();
    assert_eq!(got.phone, "+7 (920) 000-00-01");
    bm.options(AuthType::Sms).await;
    bm.client().start_auth(&phone()).await.unwrap();
    assert!(
        body_has_keys(&["countryCode", "phone"])
            .matches(&server.received_requests().await.unwrap()[1])
    );
}

#[tokio::test]
async fn switching_the_verification_type_gets_the_new_options() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    bm.switches_to(AuthType::CallPass).await;
    let client = bm.client();
    let AuthStep::SmsCode(sms) = client.start_auth(&phone()).await.unwrap() else {
        panic!("an SMS step expected")
    };
    let AuthStep::CallPass(call) = sms.switch_to(&client, AuthType::CallPass).await.unwrap() else {
        panic!("a call-pass step expected")
    };
    assert_eq!(call.call_to(), "+7 (800) 100-22-33");
    assert_eq!(call.resend_after(), Some(Duration::from_secs(30)));
    let sent = bm.requests(BmOp::GetOptions).await;
    assert_eq!(sent.len(), 2);
    assert!(sent[0].get("type").is_none());
    assert_eq!(sent[1]["type"], "CALL_PASS");
}
