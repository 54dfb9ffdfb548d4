//! A redirect is never followed: the API key travels in the custom `apikey` header, which
//! reqwest would carry to whatever host a redirect names (it strips only `Authorization` and
//! cookies).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{KEY, POINT, client, dec};
use loyalty_core::LoyaltyError;
use loyalty_loyalclient::{ClientSearch, RetailRequest};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_307_to_another_host_carries_no_api_key_there() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(common::fixture("client")))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(307).insert_header(
            "Location",
            format!("{}/integration/general/client", elsewhere.uri()),
        ))
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let errors = [
        c.find_client(&ClientSearch::new("79200000001", POINT))
            .await
            .unwrap_err(),
        c.retail(&RetailRequest::earn("79200000001", POINT, dec("100")))
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(err, LoyaltyError::Redirected { status: 307, .. }),
            "{err:?}"
        );
    }
    let keys: Vec<String> = elsewhere
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{:?}", r.headers.get("apikey")))
        .collect();
    assert!(
        keys.is_empty(),
        "the API key {KEY} went to another host: {keys:?}"
    );
    // One attempt each: neither is retried.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
