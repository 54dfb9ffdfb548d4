//! A redirect is never followed: ERGO's session travels in the JSON body (and in multipart
//! fields), which an HTTP client re-sends to whatever host a 307/308 names.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{TOKEN, client, session};
use loyalty_core::{LoyaltyError, Phone, Region};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_307_to_another_host_carries_no_session_there() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(common::fixture("get_profile.json")))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/api/mobile/", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let phone = Phone::parse("380889993366", Region::UA).unwrap();
    let errors = [
        c.get_profile(&session()).await.unwrap_err(),
        c.get_token(&phone, "12345").await.unwrap_err(),
        c.post_question(&session(), "why?", None).await.unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(err, LoyaltyError::Redirected { status: 307, .. }),
            "{err:?}"
        );
        assert!(!err.to_string().contains(TOKEN));
    }
    let leaked = elsewhere.received_requests().await.unwrap();
    assert!(
        leaked.is_empty(),
        "the session went to another host: {:?}",
        leaked
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect::<Vec<_>>()
    );
    // One attempt each: a redirect is not retried either.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}
