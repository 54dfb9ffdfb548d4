//! Issue 16: a bad key answered in the documented error form, and a level without `type`.
//! Each test failed on the code before the fix.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{KEY, client, json_response};
use loyalty_core::{LoyaltyError, SecretString};
use loyalty_loyalclient::sandbox::{CASHBACK_PHONE, DEMO_POINT};
use loyalty_loyalclient::{ClientSearch, LoyalClient, LoyalClientSandbox};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn the_sandbox_refuses_a_bad_key_with_a_422_field_error() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    loyalty_core::http::ensure_crypto_provider();
    let resp = reqwest::Client::new()
        .post(format!("{}integration/general/client", sb.base_url()))
        .header("apikey", "wrong-key")
        .json(&serde_json::json!({"search": CASHBACK_PHONE, "point": DEMO_POINT}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 422);
    let body: serde_json::Value = resp.json().await.unwrap();
    let obj = body.as_object().unwrap();
    assert_eq!(obj.len(), 1, "{body}");
    assert!(obj["apikey"].is_string(), "{body}");

    let bad = LoyalClient::builder(sb.base_url(), SecretString::from("wrong-key"))
        .build()
        .unwrap();
    let err = bad
        .find_client(&ClientSearch::new(CASHBACK_PHONE, DEMO_POINT))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
}

#[tokio::test]
async fn a_level_without_type_is_read() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(json_response(
            r#"{"success": true, "client": {"id": "7", "name": "Анна", "balance": 12,
                "level": {"id": "1", "title": "Бонусы", "percent": 5}}}"#,
        ))
        .mount(&server)
        .await;
    let c = client(&server.uri())
        .find_client(&ClientSearch::new("79200000000", "1"))
        .await
        .unwrap();
    let level = c.level.unwrap();
    assert_eq!(level.kind, None);
    assert_eq!(level.title.as_deref(), Some("Бонусы"));
    let _ = KEY;
}
