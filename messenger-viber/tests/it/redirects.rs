//! The client never follows a redirect: the token travels in `X-Viber-Auth-Token`, which reqwest does not strip, and a 3xx pointing at
//! another host would hand it over. A redirect is a typed error and the other host sees nothing.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{ChatRef, Messenger, MessengerError, MessengerKind, OutgoingMessage};
use messenger_viber::{SecretString, ViberBot};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "4a7f2b-test-token-secret";

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
    let bot = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(format!("{}/pa", api.uri()))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let e = bot
        .send(
            &ChatRef::private(MessengerKind::Viber, "01234567890A="),
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
async fn a_media_download_follows_a_cdn_redirect_without_credentials() {
    let media = MockServer::start().await;
    let cdn = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"jpeg".to_vec()))
        .expect(1)
        .mount(&cdn)
        .await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/x.jpg", cdn.uri())),
        )
        .expect(1)
        .mount(&media)
        .await;
    let bot = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url("http://127.0.0.1:9/pa")
        .build()
        .unwrap();
    let file = messenger_core::FileRef::from_url(format!("{}/image.jpg", media.uri()));
    assert_eq!(&bot.download(&file).await.unwrap()[..], b"jpeg");
    let got = cdn.received_requests().await.unwrap();
    assert!(got[0].headers.get("x-viber-auth-token").is_none());
}
