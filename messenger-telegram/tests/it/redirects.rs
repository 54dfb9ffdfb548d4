//! The client never follows a redirect: the token is in every URL path, and a 3xx pointing at
//! another host would hand it over. A redirect is a typed error and the other host sees nothing.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{ChatRef, Messenger, MessengerError, MessengerKind, OutgoingMessage};
use messenger_telegram::{SecretString, TelegramBot};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "123456:TEST-token_secret";

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
    let bot = TelegramBot::builder(SecretString::from(TOKEN))
        .base_url(api.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let e = bot
        .send(
            &ChatRef::private(MessengerKind::Telegram, 1),
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
