//! The API key never appears in `Debug`/`Display` of the client, builder, sandbox, till states,
//! sessions or errors.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use loyalty_core::{Decimal, LoyaltyError, RetryPolicy};
use loyalty_loyalclient::provider::session_for;
use loyalty_loyalclient::sandbox::{CASHBACK_PHONE, DEMO_POINT};
use loyalty_loyalclient::{ClientSearch, LoyalClient, LoyalClientSandbox, RetailRequest};
use test_support::secrets::{debug_text as both, error_text as err_text};

const KEY: &str = "KEY-5ecr3t-l0yalcl1ent";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(KEY), "{what} leaks the API key: {text}");
}

#[tokio::test]
async fn the_api_key_stays_out_of_debug_display_and_errors() {
    let sb = LoyalClientSandbox::builder()
        .api_key(KEY)
        .start()
        .await
        .unwrap();
    let builder = LoyalClient::builder(sb.base_url(), KEY).point(DEMO_POINT);
    assert_clean("builder", &both(&builder));
    let client = builder.build().unwrap();
    assert_clean("client", &both(&client));
    assert_clean("sandbox", &both(&sb));
    assert_clean(
        "sandbox builder",
        &both(&LoyalClientSandbox::builder().api_key(KEY)),
    );

    // Every till state.
    let till = client.till(DEMO_POINT);
    assert_clean("till", &both(&till));
    let visit = till.find(CASHBACK_PHONE).await.unwrap();
    assert_clean("visit", &both(&visit));
    let quote = visit.quote(Decimal::from(1000)).await.unwrap();
    assert_clean("quote", &both(&quote));
    let held = quote.hold(Decimal::from(10), None).await.unwrap();
    assert_clean("held", &both(&held));
    let sale = held.complete().await.unwrap();
    assert_clean("sale", &both(&sale));
    assert_clean("session", &both(&session_for(CASHBACK_PHONE, &sale.client)));

    // Errors: field errors, not found, unauthorized (a wrong key), transport.
    let e = client
        .retail(&RetailRequest::spend(
            "1001",
            DEMO_POINT,
            Decimal::from(10),
            Decimal::from(9),
        ))
        .await
        .unwrap_err();
    assert_clean("422", &err_text(&e));
    let e = client
        .find_client(&ClientSearch::new("nobody", DEMO_POINT))
        .await
        .unwrap_err();
    assert_clean("not found", &err_text(&e));
    let other = LoyalClient::builder(sb.base_url(), "KEY-wrong")
        .build()
        .unwrap();
    let e = other
        .find_client(&ClientSearch::new(CASHBACK_PHONE, DEMO_POINT))
        .await
        .unwrap_err();
    assert!(matches!(e, LoyaltyError::Unauthorized { .. }), "{e:?}");
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = LoyalClient::builder(format!("http://127.0.0.1:{port}/"), KEY)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = dead.release("h-1").await.unwrap_err();
    assert_clean("transport", &err_text(&e));
    let e = dead
        .retail(&RetailRequest::earn("1001", DEMO_POINT, Decimal::from(10)))
        .await
        .unwrap_err();
    assert_clean("retail transport", &err_text(&e));

    // A key that cannot be a header value: the config error does not echo it.
    let e = LoyalClient::builder(sb.base_url(), "bad\nKEY-5ecr3t-l0yalcl1ent")
        .build()
        .unwrap_err();
    assert_clean("config", &err_text(&e));
}
