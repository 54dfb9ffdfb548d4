//! A redirect is never followed: Manzana's sessions travel in the query and the body (the
//! manager password and the login tokens too), which an HTTP client would carry to whatever
//! host a redirect names (re-sending the body on 307/308).
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{CUSTOMER_SESSION, MANAGER_PASSWORD, client, phone, session};
use loyalty_core::{LoyaltyError, SecretString};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_307_to_another_host_carries_no_session_or_password_there() {
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(common::json(common::fixture("login.json")))
        .mount(&elsewhere)
        .await;
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("Location", format!("{}/steal", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let errors = [
        c.get_contact(&session()).await.unwrap_err(),
        c.confirm_sms_login(&SecretString::from("login-token"), "1234")
            .await
            .unwrap_err(),
        // The manager login (password in the body) is the first call made here.
        c.find_contact_by_phone(&phone()).await.unwrap_err(),
    ];
    for err in errors {
        assert!(
            matches!(err, LoyaltyError::Redirected { status: 307, .. }),
            "{err:?}"
        );
    }
    let leaked: Vec<String> = elsewhere
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r.url, String::from_utf8_lossy(&r.body)))
        .collect();
    assert!(
        leaked.is_empty(),
        "requests reached another host (session {CUSTOMER_SESSION}, password {MANAGER_PASSWORD}): {leaked:?}"
    );
}
