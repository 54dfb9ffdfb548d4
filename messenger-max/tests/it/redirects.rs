//! The client never follows a redirect: the token travels in `Authorization`, and a 3xx pointing at
//! another host would hand it over. A redirect is a typed error and the other host sees nothing.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{ChatRef, Messenger, MessengerError, MessengerKind, OutgoingMessage};
use messenger_max::{MaxBot, SecretString};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "max-test-token_0123";

#[tokio::test]
async fn a_307_to_another_host_is_an_error_and_the_other_host_gets_nothing() {
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"ok\":true,\"result\":true}"))
        .mount(&elsewhere)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(307)
                .insert_header("location", format!("{}/collect?x=1", elsewhere.uri())),
        )
        .expect(1)
        .mount(&api)
        .await;
    let bot = MaxBot::builder(SecretString::from(TOKEN))
        .base_url(api.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let e = bot
        .send(
            &ChatRef::private(MessengerKind::Max, 1),
            &OutgoingMessage::new("hi"),
        )
        .await
        .unwrap_err();
    match &e {
        MessengerError::Redirected { status, target, .. } => {
            assert_eq!(*status, 307);
            assert_eq!(target.as_deref(), Some(elsewhere.uri().as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(!e.to_string().contains(TOKEN), "{e}");
    assert!(!e.is_retryable());
    let stolen = elsewhere.received_requests().await.unwrap();
    assert!(stolen.is_empty(), "the other host got {stolen:?}");
}

#[tokio::test]
async fn a_file_download_follows_a_cdn_redirect_without_the_token() {
    let files = MockServer::start().await;
    let cdn = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"file".to_vec()))
        .expect(1)
        .mount(&cdn)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/f", cdn.uri())),
        )
        .expect(1)
        .mount(&files)
        .await;
    let bot = MaxBot::builder(SecretString::from(TOKEN))
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let file = messenger_core::FileRef::from_url(format!("{}/i?r=1", files.uri()));
    assert_eq!(&bot.download(&file).await.unwrap()[..], b"file");
    let got = cdn.received_requests().await.unwrap();
    assert!(got[0].headers.get("authorization").is_none());
}

#[tokio::test]
async fn the_token_never_follows_a_redirect_to_another_host() {
    // The API host asks for auth, then redirects the authenticated retry elsewhere.
    let api = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"stolen".to_vec()))
        .mount(&elsewhere)
        .await;
    Mock::given(wiremock::matchers::header_exists("authorization"))
        .respond_with(
            ResponseTemplate::new(307).insert_header("location", format!("{}/f", elsewhere.uri())),
        )
        .with_priority(1)
        .mount(&api)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401))
        .with_priority(2)
        .mount(&api)
        .await;
    let bot = MaxBot::builder(SecretString::from(TOKEN))
        .base_url(api.uri())
        .build()
        .unwrap();
    let file = messenger_core::FileRef::from_url(format!("{}/files/1", api.uri()));
    let e = bot.download(&file).await.unwrap_err();
    assert!(matches!(e, MessengerError::Redirected { .. }), "{e:?}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}
