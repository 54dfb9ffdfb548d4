//! Every call against wiremock: method, path, `apikey` header, exact JSON body, and decoding of
//! the spec's example values. Hold duration validation happens before anything is sent.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use chrono::{DateTime, NaiveDate};
use common::*;
use loyalty_core::LoyaltyError;
use loyalty_loyalclient::{ClientSearch, HoldRequest, LoyaltyType, RecalcRequest, RetailRequest};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

async fn expect_call(server: &MockServer, p: &str, body: serde_json::Value, answer: &str) {
    Mock::given(method("POST"))
        .and(path(p))
        .and(header("apikey", KEY))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(json_response(fixture(answer)))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn find_client_sends_search_and_point_and_decodes_the_example() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/client",
        json!({"search": "79201234567", "point": "1"}),
        "client",
    )
    .await;
    let c = client(&server.uri())
        .find_client(&ClientSearch::new("79201234567", "1"))
        .await
        .unwrap();
    assert_eq!(c.id, "1001");
    assert_eq!(c.name.as_deref(), Some("Анна"));
    assert_eq!(
        c.photo.as_deref(),
        Some("https://loyalclient.example/photo/1001.jpg")
    );
    assert_eq!(c.birthday, NaiveDate::from_ymd_opt(1990, 3, 8));
    assert_eq!(
        c.phone.as_deref(),
        Some("79201234567"),
        "phone sent as a number"
    );
    assert_eq!(c.parsed_phone().unwrap().e164(), "+79201234567");
    assert_eq!(c.email.as_deref(), Some("anna@example.com"));
    assert_eq!(c.balance, dec("250.5"));
    assert_eq!(c.balance.to_string(), "250.5");
    let level = c.level.unwrap();
    assert_eq!(level.id.as_deref(), Some("1"));
    assert_eq!(level.title.as_deref(), Some("Бонусы"));
    assert_eq!(level.percent, Some(dec("5")));
    assert_eq!(level.kind, Some(LoyaltyType::Cashback));
    assert_eq!(level.max_spend_percent, Some(dec("30")));
}

#[tokio::test]
async fn find_client_sends_holds_and_decodes_a_discount_client_with_a_string_phone() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/client",
        json!({"search": "2000000000017", "point": "1", "hold": ["h-1", "h-2"]}),
        "client_discount",
    )
    .await;
    let c = client(&server.uri())
        .find_client(
            &ClientSearch::new("2000000000017", "1")
                .hold("h-1")
                .hold("h-2"),
        )
        .await
        .unwrap();
    assert_eq!(
        c.phone.as_deref(),
        Some("79207654321"),
        "phone sent as a string"
    );
    assert_eq!(c.loyalty_type(), Some(&LoyaltyType::Discount));
    assert_eq!(c.balance, dec("0"));
    assert_eq!(c.level.unwrap().max_spend_percent, None);
}

#[tokio::test]
async fn find_client_by_phone_writes_digits_with_the_country_code() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/client",
        json!({"search": "79201234567", "point": "1"}),
        "client",
    )
    .await;
    let phone = loyalty_core::Phone::parse("8 (920) 123-45-67", loyalty_core::Region::RU).unwrap();
    client(&server.uri())
        .find_client(&ClientSearch::by_phone(&phone, "1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn recalc_sends_client_point_amount_and_decodes_the_preview() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/recalc",
        json!({"client": "1001", "point": "1", "amount": 1000}),
        "recalc",
    )
    .await;
    let r = client(&server.uri())
        .recalc(&RecalcRequest::new("1001", "1", dec("1000")))
        .await
        .unwrap();
    assert_eq!(r.amount, dec("1000"));
    assert_eq!(r.percent, dec("5"));
    assert_eq!(r.kind, LoyaltyType::Cashback);
    assert_eq!(r.spend, dec("250.5"));
    assert_eq!(r.earn, dec("50"));
}

#[tokio::test]
async fn recalc_sends_fractional_amounts_and_holds() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/recalc",
        json!({"client": "1001", "point": "1", "amount": 1234.56, "hold": ["h-77"]}),
        "recalc",
    )
    .await;
    client(&server.uri())
        .recalc(&RecalcRequest::new("1001", "1", dec("1234.56")).hold("h-77"))
        .await
        .unwrap();
}

#[tokio::test]
async fn hold_sends_amount_and_duration_and_decodes_the_hold() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/bonuses/hold",
        json!({"client": "1001", "point": "1", "amount": 100, "duration": 15}),
        "hold",
    )
    .await;
    let h = client(&server.uri())
        .hold(&HoldRequest::new("1001", "1", dec("100")).duration(15))
        .await
        .unwrap();
    assert_eq!(h.id, "h-77");
    assert_eq!(h.until, DateTime::from_timestamp(1_732_370_400, 0).unwrap());
    assert_eq!(h.amount, dec("100"));
}

#[tokio::test]
async fn hold_without_duration_omits_it_for_the_default_ten_minutes() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/bonuses/hold",
        json!({"client": "1001", "point": "1", "amount": 100}),
        "hold",
    )
    .await;
    let req = HoldRequest::new("1001", "1", dec("100"));
    assert_eq!(req.effective_duration(), 10);
    client(&server.uri()).hold(&req).await.unwrap();
}

#[tokio::test]
async fn hold_duration_0_and_31_are_rejected_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_response(fixture("hold")))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server.uri());
    for minutes in [0, 31, 600] {
        let err = c
            .hold(&HoldRequest::new("1001", "1", dec("100")).duration(minutes))
            .await
            .unwrap_err();
        let LoyaltyError::InvalidInput { fields, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(fields[0].field, "duration", "{minutes}");
    }
    // A zero or negative amount is refused before sending too.
    for amount in ["0", "-5"] {
        let err = c
            .hold(&HoldRequest::new("1001", "1", dec(amount)))
            .await
            .unwrap_err();
        assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
    }
    // The edges are accepted by validation.
    assert!(
        HoldRequest::new("1", "1", dec("1"))
            .duration(1)
            .validate()
            .is_ok()
    );
    assert!(
        HoldRequest::new("1", "1", dec("1"))
            .duration(30)
            .validate()
            .is_ok()
    );
    server.verify().await;
}

#[tokio::test]
async fn release_sends_the_id() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/bonuses/release",
        json!({"id": "h-77"}),
        "release",
    )
    .await;
    client(&server.uri()).release("h-77").await.unwrap();
}

#[tokio::test]
async fn retail_spending_sends_spend_and_hold_and_decodes_spend() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/retail",
        json!({"client": "1001", "point": "1", "amount": 1000, "spend": 100, "hold": ["h-77"]}),
        "retail_spend",
    )
    .await;
    let r = client(&server.uri())
        .retail(&RetailRequest::spend("1001", "1", dec("1000"), dec("100")).hold("h-77"))
        .await
        .unwrap();
    assert_eq!(r.amount, dec("1000"));
    assert_eq!(r.total, dec("900"));
    assert_eq!(r.percent, dec("5"));
    assert_eq!(r.kind, LoyaltyType::Cashback);
    assert_eq!(r.spend, Some(dec("100")));
    assert_eq!(r.earn, None);
}

#[tokio::test]
async fn retail_earning_sends_spend_zero_and_decodes_earn() {
    let server = MockServer::start().await;
    expect_call(
        &server,
        "/integration/general/retail",
        json!({"client": "1001", "point": "1", "amount": 1000, "spend": 0}),
        "retail_earn",
    )
    .await;
    let r = client(&server.uri())
        .retail(&RetailRequest::earn("1001", "1", dec("1000")))
        .await
        .unwrap();
    assert_eq!(r.total, dec("1000"));
    assert_eq!(r.spend, None);
    assert_eq!(r.earn, Some(dec("50")));
}

#[tokio::test]
async fn numbers_as_strings_decode_exactly() {
    let server = MockServer::start().await;
    Mock::given(path("/integration/general/recalc"))
        .respond_with(json_response(
            r#"{"success":"1","recalc":{"amount":"1000.10","percent":"3,5","type":"cashback","spend":"0.1","earn":35.0035}}"#,
        ))
        .mount(&server)
        .await;
    let r = client(&server.uri())
        .recalc(&RecalcRequest::new("1001", "1", dec("1000.10")))
        .await
        .unwrap();
    assert_eq!(r.amount, dec("1000.10"));
    assert_eq!(r.percent, dec("3.5"));
    assert_eq!(r.spend, dec("0.1"));
    assert_eq!(r.earn, dec("35.0035"));
}

#[tokio::test]
async fn empty_ids_are_rejected_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_response("{}"))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server.uri());
    assert!(c.find_client(&ClientSearch::new(" ", "1")).await.is_err());
    assert!(c.find_client(&ClientSearch::new("7920", "")).await.is_err());
    assert!(c.release("").await.is_err());
    assert!(
        c.retail(&RetailRequest::spend("1001", "1", dec("10"), dec("-1")))
            .await
            .is_err()
    );
}
