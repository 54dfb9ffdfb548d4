//! The session token never appears in `Debug` of the client, the session, the token answer or
//! any error.
// Test helpers may unwrap: a panic there is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{client, fixture};
use loyalty_core::{LoyaltyProvider, Phone, Region, SecretString, Session, Verification};
use loyalty_ergo::ErgoClient;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "0ce330a1b1a02fa4592532b2aa12e5de";

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the token: {text}");
}

#[tokio::test]
async fn token_never_in_debug_of_client_session_token_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "GetToken"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_token.json")))
        .mount(&server)
        .await;
    // Every session call answers "session expired", echoing the token in the comment would
    // be the vendor's doing; ours must not add it anywhere.
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "GetProfile"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "methodresponse": "GetProfile", "error": {"code": 1, "comment": "the session was expired"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "GetNews"})))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>not json</html>"))
        .mount(&server)
        .await;
    let c: ErgoClient = client(&server.uri());
    let phone = Phone::parse("380889993366", Region::UA).unwrap();

    let token = c.get_token(&phone, "1234").await.unwrap();
    assert_hidden("Token", &format!("{token:?} {token:#?}"));

    let Verification::LoggedIn(session) = c.confirm_code(&phone, "1234").await.unwrap() else {
        panic!("not logged in");
    };
    assert_hidden("Session", &format!("{session:?} {session:#?}"));
    assert_hidden("client", &format!("{c:?} {c:#?}"));

    let expired = c.get_profile(&session).await.unwrap_err();
    assert_hidden("session error", &format!("{expired:?} {expired}"));
    let decode = c.get_news(&session).await.unwrap_err();
    assert!(matches!(decode, loyalty_core::LoyaltyError::Decode { .. }));
    assert_hidden("decode error", &format!("{decode:?} {decode}"));

    // A transport error (nothing listening) with the token in the request body.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = client(&format!("http://127.0.0.1:{port}/"));
    let s = Session::new("ergo", SecretString::from(SECRET));
    let transport = dead.get_actions(&s).await.unwrap_err();
    assert_hidden("transport error", &format!("{transport:?} {transport}"));
    let cache = loyalty_ergo::ActionsCache::new(dead, std::time::Duration::from_secs(60));
    assert_hidden("cache", &format!("{cache:?}"));
}
