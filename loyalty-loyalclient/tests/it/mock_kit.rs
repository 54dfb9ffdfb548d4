//! The test kit (`loyalty_loyalclient::mock`): every helper's answer decodes with this crate's
//! own client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_core::{Decimal, LoyaltyError, LoyaltyProvider, SecretString, Session};
use loyalty_loyalclient::mock::{
    API_KEY, Fault, LcOp, LoyalClientMock, POINT, api_key, body_has_keys,
};
use loyalty_loyalclient::{
    ClientProfile, ClientSearch, HoldRequest, Level, LoyaltyType, RecalcRequest, RetailRequest,
};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn anna() -> ClientProfile {
    let mut c = ClientProfile::new("1001");
    c.name = Some("Анна".into());
    c.phone = Some("79201234567".into());
    c.balance = Decimal::new(2505, 1);
    c.level = Some(Level::new(LoyaltyType::Cashback));
    c
}

#[tokio::test]
async fn a_found_client_decodes_and_gives_the_balance() {
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.client_found(&anna()).await;
    let client = lc.client();
    let got = client
        .find_client(&ClientSearch::new("79201234567", POINT))
        .await
        .unwrap();
    assert_eq!(got, anna());
    let session = Session::new("loyalclient", SecretString::from("79201234567"));
    let balance = client.balance(&session).await.unwrap();
    assert_eq!(balance.available, Decimal::new(2505, 1));
    // The phone went out as the vendor writes it: a number.
    let sent = lc.requests(LcOp::Client).await;
    assert_eq!(sent[0]["point"], POINT);
}

#[tokio::test]
async fn client_not_found_is_not_found() {
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.client_not_found().await;
    let e = lc
        .client()
        .find_client(&ClientSearch::new("79200000000", POINT))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, LoyaltyError::NotFound { detail } if detail.message == "Client not found."),
        "{e:?}"
    );
}

#[tokio::test]
async fn field_errors_keep_every_field() {
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.field_errors(
        LcOp::Hold,
        &[
            ("spend", "Spend can't be more 100"),
            ("point", "Point not found."),
        ],
    )
    .await;
    let e = lc
        .client()
        .hold(&HoldRequest::new("1001", POINT, Decimal::from(500)))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, .. } = &e else {
        panic!("{e:?}")
    };
    let got: Vec<(&str, &str)> = fields
        .iter()
        .map(|f| (f.field.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("spend", "Spend can't be more 100"),
            ("point", "Point not found.")
        ]
    );
}

#[tokio::test]
async fn recalc_hold_release_and_retail_decode() {
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.recalc(
        Decimal::from(1000),
        Decimal::from(5),
        Decimal::from(250),
        Decimal::from(50),
    )
    .await;
    let until = DateTime::<Utc>::from_timestamp(1_732_370_400, 0).unwrap();
    lc.hold_ok("h-77", Decimal::from(100), until).await;
    lc.release_ok().await;
    lc.retail_ok(
        Decimal::from(1000),
        Decimal::from(5),
        None,
        Some(Decimal::from(50)),
    )
    .await;
    let client = lc.client();
    let q = client
        .recalc(&RecalcRequest::new("1001", POINT, Decimal::from(1000)))
        .await
        .unwrap();
    assert_eq!(
        (q.spend, q.earn, q.kind),
        (Decimal::from(250), Decimal::from(50), LoyaltyType::Cashback)
    );
    let h = client
        .hold(&HoldRequest::new("1001", POINT, Decimal::from(100)))
        .await
        .unwrap();
    assert_eq!(
        (h.id.as_str(), h.amount, h.until),
        ("h-77", Decimal::from(100), until)
    );
    client.release("h-77").await.unwrap();
    let r = client
        .retail(&RetailRequest::earn("1001", POINT, Decimal::from(1000)))
        .await
        .unwrap();
    assert_eq!(
        (r.total, r.earn),
        (Decimal::from(1000), Some(Decimal::from(50)))
    );
}

/// What our client makes of `fault` on `GET /client`.
async fn error_for(fault: Fault) -> LoyaltyError {
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.fault(LcOp::Client, fault).await;
    lc.client()
        .find_client(&ClientSearch::new("79201234567", POINT))
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
    let lc = LoyalClientMock::new(&server);
    Mock::given(api_key(API_KEY))
        .and(body_has_keys(&["client", "point", "amount"]))
        .and(wiremock::matchers::path(LcOp::Recalc.path()))
        .respond_with(
            ResponseTemplate::new(422).set_body_json(serde_json::json!({"amount": "too big"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let e = lc
        .client()
        .recalc(&RecalcRequest::new("1001", POINT, Decimal::from(1000)))
        .await
        .unwrap_err();
    assert!(matches!(e, LoyaltyError::InvalidInput { .. }), "{e:?}");
}

#[tokio::test]
async fn a_timed_out_state_changing_call_is_outcome_unknown() {
    // A state-changing call that times out is "maybe applied".
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.fault(LcOp::Retail, Fault::Delay(Duration::from_secs(3)))
        .await;
    let e = lc
        .client()
        .retail(&RetailRequest::earn("1001", POINT, Decimal::from(1000)))
        .await
        .unwrap_err();
    assert!(matches!(e, LoyaltyError::OutcomeUnknown { .. }), "{e:?}");
}
