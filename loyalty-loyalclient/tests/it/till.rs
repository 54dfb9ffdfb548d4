//! The till helper's idempotency rules, against wiremock: a definite refusal of the sale releases
//! the hold; an unknown outcome leaves it to expire and never releases it; a successful sale does
//! not release; more than the preview allows is refused before sending.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_core::LoyaltyError;
use loyalty_loyalclient::till::HoldOutcome;
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A server answering search, recalc and hold with the fixtures; `retail` and `release` are
/// mounted by each test.
async fn till_server() -> MockServer {
    let server = MockServer::start().await;
    for (p, f) in [
        ("/integration/general/client", "client"),
        ("/integration/general/recalc", "recalc"),
        ("/integration/general/bonuses/hold", "hold"),
    ] {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(json_response(fixture(f)))
            .mount(&server)
            .await;
    }
    server
}

async fn expect_release(server: &MockServer, times: u64) {
    Mock::given(path("/integration/general/bonuses/release"))
        .and(body_json(json!({"id": "h-77"})))
        .respond_with(json_response(fixture("release")))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_held_sale_spends_the_hold_and_does_not_release_it() {
    let server = till_server().await;
    Mock::given(path("/integration/general/retail"))
        .and(body_json(json!({
            "client": "1001", "point": "1", "amount": 1000, "spend": 100, "hold": ["h-77"]
        })))
        .respond_with(json_response(fixture("retail_spend")))
        .expect(1)
        .mount(&server)
        .await;
    expect_release(&server, 0).await;
    let c = client(&server.uri());
    let quote = c
        .till(POINT)
        .find("79201234567")
        .await
        .unwrap()
        .quote(dec("1000"))
        .await
        .unwrap();
    assert_eq!(quote.recalc().spend, dec("250.5"));
    let held = quote.hold(dec("100"), Some(5)).await.unwrap();
    assert_eq!(held.hold().id, "h-77");
    let sale = held.complete().await.unwrap();
    assert_eq!(sale.retail.total, dec("900"));
    assert_eq!(sale.hold.unwrap().id, "h-77");
    assert_eq!(sale.client.id, "1001");
}

#[tokio::test]
async fn a_refused_sale_releases_the_hold() {
    let server = till_server().await;
    Mock::given(path("/integration/general/retail"))
        .respond_with(error_response(422, fixture("error_spend")))
        .expect(1)
        .mount(&server)
        .await;
    expect_release(&server, 1).await;
    let c = client(&server.uri());
    let held = c
        .till(POINT)
        .find("79201234567")
        .await
        .unwrap()
        .quote(dec("1000"))
        .await
        .unwrap()
        .hold(dec("100"), None)
        .await
        .unwrap();
    let failure = held.complete().await.unwrap_err();
    assert!(!failure.outcome_unknown());
    assert!(matches!(failure.error, LoyaltyError::InvalidInput { .. }));
    assert!(
        matches!(&failure.hold, HoldOutcome::Released { id } if id == "h-77"),
        "{:?}",
        failure.hold
    );
    assert!(
        failure.to_string().contains("hold h-77 released"),
        "{failure}"
    );
}

#[tokio::test]
async fn an_unknown_outcome_leaves_the_hold_to_expire_and_never_releases() {
    let server = till_server().await;
    Mock::given(path("/integration/general/retail"))
        .respond_with(ResponseTemplate::new(504).set_body_string("Gateway Timeout"))
        .expect(1)
        .mount(&server)
        .await;
    expect_release(&server, 0).await;
    let c = retrying_client(&server.uri());
    let held = c
        .till(POINT)
        .find("79201234567")
        .await
        .unwrap()
        .quote(dec("1000"))
        .await
        .unwrap()
        .hold(dec("100"), None)
        .await
        .unwrap();
    let until = held.hold().until;
    let failure = held.complete().await.unwrap_err();
    assert!(failure.outcome_unknown());
    match &failure.hold {
        HoldOutcome::LeftToExpire { id, until: u } => {
            assert_eq!(id, "h-77");
            assert_eq!(*u, until);
        }
        other => panic!("{other:?}"),
    }
    assert!(failure.to_string().contains("left to expire"), "{failure}");
    let err: LoyaltyError = failure.into();
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn a_failed_release_after_a_refusal_is_reported() {
    let server = till_server().await;
    Mock::given(path("/integration/general/retail"))
        .respond_with(error_response(422, fixture("error_spend")))
        .mount(&server)
        .await;
    Mock::given(path("/integration/general/bonuses/release"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let failure = client(&server.uri())
        .till(POINT)
        .find("79201234567")
        .await
        .unwrap()
        .quote(dec("1000"))
        .await
        .unwrap()
        .hold(dec("100"), None)
        .await
        .unwrap()
        .complete()
        .await
        .unwrap_err();
    assert!(
        matches!(&failure.hold, HoldOutcome::ReleaseFailed { id, .. } if id == "h-77"),
        "{:?}",
        failure.hold
    );
}

#[tokio::test]
async fn cancel_releases_the_hold() {
    let server = till_server().await;
    expect_release(&server, 1).await;
    client(&server.uri())
        .till(POINT)
        .find("79201234567")
        .await
        .unwrap()
        .quote(dec("1000"))
        .await
        .unwrap()
        .hold(dec("100"), None)
        .await
        .unwrap()
        .cancel()
        .await
        .unwrap();
}

#[tokio::test]
async fn more_than_the_preview_allows_is_refused_before_sending() {
    let server = till_server().await;
    Mock::given(path("/integration/general/retail"))
        .respond_with(json_response(fixture("retail_spend")))
        .expect(0)
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let quote = c
        .till(POINT)
        .find("79201234567")
        .await
        .unwrap()
        .quote(dec("1000"))
        .await
        .unwrap();
    let err = quote.clone().hold(dec("250.51"), None).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
    let failure = quote.spend(dec("300")).await.unwrap_err();
    assert!(matches!(failure.hold, HoldOutcome::NoHold));
    assert!(matches!(failure.error, LoyaltyError::InvalidInput { .. }));
}

#[tokio::test]
async fn earn_sends_spend_zero_without_a_hold() {
    let server = till_server().await;
    Mock::given(path("/integration/general/retail"))
        .and(body_json(
            json!({"client": "1001", "point": "1", "amount": 1000, "spend": 0}),
        ))
        .respond_with(json_response(fixture("retail_earn")))
        .expect(1)
        .mount(&server)
        .await;
    let sale = client(&server.uri())
        .till(POINT)
        .find("79201234567")
        .await
        .unwrap()
        .quote(dec("1000"))
        .await
        .unwrap()
        .earn()
        .await
        .unwrap();
    assert_eq!(sale.retail.earn, Some(dec("50")));
    assert!(sale.hold.is_none());
}
