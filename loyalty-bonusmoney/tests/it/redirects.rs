//! A redirect is never followed: `BM-API-KEY` and the customer's `TOKEN` are custom headers,
//! which reqwest would carry to whatever host a redirect names (it strips only `Authorization`
//! and cookies).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{KEY, TOKEN, client, token};
use loyalty_bonusmoney::requests::VerifyBySmsRequest;
use loyalty_core::LoyaltyError;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_307_to_another_host_carries_no_key_and_no_token_there() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string(common::fixture("customer")))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/mobileapp/x", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let errors = [
        c.get_customer(&token()).await.unwrap_err(),
        c.verify_by_sms(&VerifyBySmsRequest::new("1234", "+7 (920) 000-00-00"))
            .await
            .unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(err, LoyaltyError::Redirected { status: 307, .. }),
            "{err:?}"
        );
    }
    let leaked = elsewhere.received_requests().await.unwrap();
    let headers: Vec<_> = leaked
        .iter()
        .flat_map(|r| {
            ["bm-api-key", "token"].into_iter().filter_map(|h| {
                r.headers
                    .get(h)
                    .map(|v| v.to_str().unwrap_or("").to_owned())
            })
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "requests reached another host with {headers:?} (key {KEY}, token {TOKEN})"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}
