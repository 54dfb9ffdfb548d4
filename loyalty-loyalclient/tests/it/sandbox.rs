//! The sandbox: the till flow end to end, holds expiring on an injected clock, release of an
//! unknown hold, "spend more than allowed", holds dropped by a new operation at the point, search
//! by phone/card/app code, the admin surface, the API key check and bad bodies.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::{DateTime, Duration};
use loyalty_core::{Decimal, FieldError, LoyaltyError, ManualClock};
use loyalty_loyalclient::sandbox::{
    CASHBACK_APP_CODE, CASHBACK_CARD, CASHBACK_CLIENT_ID, CASHBACK_PHONE, DEMO_POINT,
    DISCOUNT_CLIENT_ID, OTHER_POINT, SandboxClient,
};
use loyalty_loyalclient::{
    ClientSearch, HoldRequest, LoyalClient, LoyalClientSandbox, LoyaltyType, RecalcRequest,
    RetailRequest,
};
use serde_json::{Value, json};

fn d(n: i64) -> Decimal {
    Decimal::from(n)
}

async fn with_clock() -> (LoyalClientSandbox, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(
        DateTime::from_timestamp(1_732_370_000, 0).unwrap(),
    ));
    let sb = LoyalClientSandbox::builder()
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    (sb, clock)
}

async fn balance_seen(c: &LoyalClient, holds: &[&str]) -> Decimal {
    let mut s = ClientSearch::new(CASHBACK_PHONE, DEMO_POINT);
    for h in holds {
        s = s.hold(*h);
    }
    c.find_client(&s).await.unwrap().balance
}

#[tokio::test]
async fn search_recalc_hold_retail_spends_the_held_points_and_updates_the_balance() {
    let (sb, clock) = with_clock().await;
    let c = sb.client().unwrap();
    // search
    let anna = c
        .find_client(&ClientSearch::new(CASHBACK_PHONE, DEMO_POINT))
        .await
        .unwrap();
    assert_eq!(anna.id, CASHBACK_CLIENT_ID);
    assert_eq!(anna.balance, d(500));
    assert_eq!(anna.loyalty_type(), Some(&LoyaltyType::Cashback));
    // recalc: 30 % of 1000 = 300 may be spent, 5 % = 50 would be earned
    let r = c
        .recalc(&RecalcRequest::new(&anna.id, DEMO_POINT, d(1000)))
        .await
        .unwrap();
    assert_eq!((r.spend, r.earn, r.percent), (d(300), d(50), d(5)));
    // hold 300 for 10 minutes
    let h = c
        .hold(&HoldRequest::new(&anna.id, DEMO_POINT, r.spend))
        .await
        .unwrap();
    assert_eq!(h.amount, d(300));
    assert_eq!(h.until, clock.now_for_test() + Duration::minutes(10));
    assert_eq!(
        balance_seen(&c, &[]).await,
        d(200),
        "held points are not available"
    );
    assert_eq!(
        balance_seen(&c, &[&h.id]).await,
        d(500),
        "counted with the hold"
    );
    // retail spending the held points
    let sale = c
        .retail(&RetailRequest::spend(&anna.id, DEMO_POINT, d(1000), d(300)).hold(&h.id))
        .await
        .unwrap();
    assert_eq!(sale.total, d(700));
    assert_eq!(sale.spend, Some(d(300)));
    assert_eq!(sale.earn, None);
    assert_eq!(balance_seen(&c, &[]).await, d(200), "balance updated");
    assert_eq!(sb.balance(CASHBACK_CLIENT_ID), Some(d(200)));
    assert!(sb.holds().is_empty(), "the sale consumed its hold");
    // a sale that earns
    let sale = c
        .retail(&RetailRequest::earn(&anna.id, DEMO_POINT, d(400)))
        .await
        .unwrap();
    assert_eq!((sale.total, sale.earn), (d(400), Some(d(20))));
    assert_eq!(balance_seen(&c, &[]).await, d(220));
    let ops = sb.operations();
    assert_eq!(ops.len(), 2);
    assert_eq!(ops[0].spend, d(300));
    assert_eq!(ops[0].holds, vec![h.id.clone()]);
    assert_eq!(ops[1].earn, d(20));
    assert_eq!(ops[1].balance_after, d(220));
}

trait NowForTest {
    fn now_for_test(&self) -> DateTime<chrono::Utc>;
}

impl NowForTest for ManualClock {
    fn now_for_test(&self) -> DateTime<chrono::Utc> {
        loyalty_core::Clock::now(self)
    }
}

#[tokio::test]
async fn the_till_helper_runs_the_same_flow() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let held = c
        .till(DEMO_POINT)
        .find(CASHBACK_APP_CODE)
        .await
        .unwrap()
        .quote(d(1000))
        .await
        .unwrap()
        .hold(d(250), Some(3))
        .await
        .unwrap();
    let sale = held.complete().await.unwrap();
    assert_eq!(sale.retail.total, d(750));
    assert_eq!(sb.balance(CASHBACK_CLIENT_ID), Some(d(250)));
}

#[tokio::test]
async fn a_hold_that_expires_frees_the_points() {
    let (sb, clock) = with_clock().await;
    let c = sb.client().unwrap();
    let h = c
        .hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(400)).duration(2))
        .await
        .unwrap();
    assert_eq!(balance_seen(&c, &[]).await, d(100));
    clock.advance(Duration::seconds(119));
    assert_eq!(balance_seen(&c, &[]).await, d(100), "still held");
    clock.advance(Duration::seconds(1));
    assert_eq!(balance_seen(&c, &[]).await, d(500), "expired");
    assert!(sb.holds().is_empty());
    // Spending the expired hold's points with its id: the hold is gone, the points are free.
    let sale = c
        .retail(&RetailRequest::spend(CASHBACK_CLIENT_ID, DEMO_POINT, d(1000), d(300)).hold(&h.id))
        .await
        .unwrap();
    assert_eq!(sale.spend, Some(d(300)));
}

#[tokio::test]
async fn release_frees_the_points_and_an_unknown_hold_succeeds() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let h = c
        .hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(100)))
        .await
        .unwrap();
    assert_eq!(balance_seen(&c, &[]).await, d(400));
    c.release(&h.id).await.unwrap();
    assert_eq!(balance_seen(&c, &[]).await, d(500));
    c.release(&h.id).await.unwrap();
    c.release("no-such-hold").await.unwrap();
}

#[tokio::test]
async fn spend_more_than_allowed_is_refused_with_the_field_error() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    // 30 % of 100 = 30 may be spent.
    let err = c
        .retail(&RetailRequest::spend(
            CASHBACK_CLIENT_ID,
            DEMO_POINT,
            d(100),
            d(31),
        ))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields,
        &vec![FieldError::new("spend", "Spend can't be more 30")]
    );
    assert_eq!(
        sb.balance(CASHBACK_CLIENT_ID),
        Some(d(500)),
        "nothing changed"
    );
    assert!(sb.operations().is_empty());
    // A discount client cannot spend at all, and gets the discount off the total.
    let err = c
        .retail(&RetailRequest::spend(
            DISCOUNT_CLIENT_ID,
            DEMO_POINT,
            d(100),
            d(1),
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
    let sale = c
        .retail(&RetailRequest::earn(DISCOUNT_CLIENT_ID, DEMO_POINT, d(100)))
        .await
        .unwrap();
    assert_eq!(sale.kind, LoyaltyType::Discount);
    assert_eq!((sale.total, sale.percent), (d(90), d(10)));
}

#[tokio::test]
async fn a_new_operation_at_the_same_point_drops_the_hold() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let first = c
        .hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(100)))
        .await
        .unwrap();
    let other_point = c
        .hold(&HoldRequest::new(CASHBACK_CLIENT_ID, OTHER_POINT, d(50)))
        .await
        .unwrap();
    let second = c
        .hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(10)))
        .await
        .unwrap();
    let ids: Vec<String> = sb.holds().into_iter().map(|h| h.id).collect();
    assert!(
        !ids.contains(&first.id),
        "dropped by the new hold at the point"
    );
    assert!(ids.contains(&other_point.id) && ids.contains(&second.id));
    c.retail(&RetailRequest::earn(CASHBACK_CLIENT_ID, DEMO_POINT, d(10)))
        .await
        .unwrap();
    let ids: Vec<String> = sb.holds().into_iter().map(|h| h.id).collect();
    assert_eq!(
        ids,
        vec![other_point.id],
        "the sale dropped the point's hold"
    );
    // A stale hold at the point does not count against the new operation that drops it.
    c.hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(400)))
        .await
        .unwrap();
    let again = c
        .hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(440)))
        .await
        .unwrap();
    assert_eq!(
        again.amount,
        d(440),
        "500 minus the 50 held at the other point"
    );
    // A refused hold leaves the point's hold in place.
    assert!(
        c.hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(451)))
            .await
            .is_err()
    );
    assert!(sb.holds().iter().any(|h| h.id == again.id));
}

#[tokio::test]
async fn search_by_card_app_code_and_the_spec_errors() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    for s in [
        CASHBACK_CARD,
        CASHBACK_APP_CODE,
        "+7 (920) 123-45-67",
        "89201234567",
    ] {
        let found = c
            .find_client(&ClientSearch::new(s, DEMO_POINT))
            .await
            .unwrap();
        assert_eq!(found.id, CASHBACK_CLIENT_ID, "{s}");
    }
    let err = c
        .find_client(&ClientSearch::new("0000", DEMO_POINT))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::NotFound { .. }), "{err:?}");
    let err = c
        .find_client(&ClientSearch::new(CASHBACK_CARD, "99"))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields, &vec![FieldError::new("point", "Point not found.")]);
    // The server checks the duration too (for clients that skip validation: raw HTTP).
    let raw = raw_post(
        &sb,
        "integration/general/bonuses/hold",
        json!({"client": CASHBACK_CLIENT_ID, "point": DEMO_POINT, "amount": 10, "duration": 31}),
    )
    .await;
    assert_eq!(raw.0, 422);
    assert_eq!(raw.1, json!({"duration": "Duration can't be more 30"}));
    // Holding more than available.
    let err = c
        .hold(&HoldRequest::new(CASHBACK_CLIENT_ID, DEMO_POINT, d(501)))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
}

async fn raw_post(sb: &LoyalClientSandbox, path: &str, body: Value) -> (u16, Value) {
    raw(sb, reqwest::Method::POST, path, Some(body), true).await
}

async fn raw(
    sb: &LoyalClientSandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    with_key: bool,
) -> (u16, Value) {
    loyalty_core::http::ensure_crypto_provider();
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", sb.base_url()));
    if with_key {
        use loyalty_core::ExposeSecret;
        req = req.header("apikey", sb.api_key().expose_secret());
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

#[tokio::test]
async fn success_bodies_carry_success_true_and_the_phone_as_a_number() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let (status, body) = raw_post(
        &sb,
        "integration/general/client",
        json!({"search": CASHBACK_PHONE, "point": DEMO_POINT}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["success"], json!(true));
    assert_eq!(body["client"]["phone"], json!(79_201_234_567_u64));
    assert_eq!(body["client"]["level"]["type"], json!("cashback"));
    assert_eq!(body["client"]["level"]["maxSpendPercent"], json!(30));
    let (_, body) = raw_post(
        &sb,
        "integration/general/bonuses/release",
        json!({"id": "x"}),
    )
    .await;
    assert_eq!(body, json!({"success": true}));
}

#[tokio::test]
async fn the_admin_surface_adds_clients_sets_balances_and_lists_operations() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    // Over HTTP.
    let (status, body) = raw_post(
        &sb,
        "__admin/clients",
        json!({"id": "77", "name": "Вера", "phone": "+7 916 000-11-22", "balance": 40, "card": "C-77"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client"]["balance"], json!(40));
    let found = c
        .find_client(&ClientSearch::new("79160001122", DEMO_POINT))
        .await
        .unwrap();
    assert_eq!((found.id.as_str(), found.balance), ("77", d(40)));
    let (status, _) = raw_post(
        &sb,
        "__admin/balance",
        json!({"client": "77", "balance": "120.5"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(sb.balance("77"), Some(Decimal::new(1205, 1)));
    c.retail(&RetailRequest::spend("77", DEMO_POINT, d(100), d(30)))
        .await
        .unwrap();
    let (status, body) = raw(&sb, reqwest::Method::GET, "__admin/operations", None, false).await;
    assert_eq!(status, 200);
    assert_eq!(body["operations"].as_array().unwrap().len(), 1);
    assert_eq!(body["operations"][0]["client"], json!("77"));
    // The same through the handle.
    let added = sb
        .add_client(SandboxClient::discount("79160003344", d(7)).name("Глеб"))
        .unwrap();
    assert_eq!(added.balance, Decimal::ZERO);
    assert!(
        sb.set_balance(&added.id, d(5)).is_err(),
        "discount clients have no balance"
    );
    assert!(matches!(
        sb.set_balance("nobody", d(5)).unwrap_err(),
        LoyaltyError::NotFound { .. }
    ));
    assert!(
        sb.add_client(SandboxClient::cashback("1", d(0)).id("77"))
            .is_err()
    );
    assert_eq!(sb.operations().len(), 1);
    // Bad admin bodies are 422, never a panic.
    let (status, _) = raw_post(&sb, "__admin/balance", json!({"client": 1})).await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn a_wrong_key_and_a_bad_body_are_422() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let (status, body) = raw(
        &sb,
        reqwest::Method::POST,
        "integration/general/client",
        Some(json!({"search": CASHBACK_PHONE, "point": DEMO_POINT})),
        false,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.get("apikey").is_some(), "{body}");
    let (status, body) = raw_post(&sb, "integration/general/retail", json!({"client": 5})).await;
    assert_eq!(status, 422);
    assert!(body.get("body").is_some(), "{body}");
    let (status, _) = raw_post(&sb, "integration/general/nope", json!({})).await;
    assert_eq!(status, 404);
    sb.shutdown().await;
}
