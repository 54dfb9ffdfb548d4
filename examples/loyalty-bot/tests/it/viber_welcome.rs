//! Viber's first contact through the bot's webhook route: before a user subscribes, the only
//! message Viber lets a bot send is the welcome in the HTTP answer to `conversation_started`.
//! The route answers with the greeting there; other callbacks get a bare 200.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;

use common::*;
use loyalty_bot::app::webhook_route;
use loyalty_bot::runner::Runner;
use loyalty_core::SecretString;
use messenger_core::sign_hmac_sha256_hex;
use messenger_viber::ViberBot;
use serde_json::{Value, json};
use tokio::sync::Notify;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "4a7f2b-viber-token-for-the-welcome-test";

#[tokio::test]
async fn conversation_started_is_answered_with_the_greeting_in_the_http_body() {
    let e = ergo_bot().await;
    let viber = MockServer::start().await;
    // The engine's own reply to the same update goes through send_message, which Viber refuses
    // for a user who has not subscribed (status 6).
    Mock::given(method("POST"))
        .and(path("/pa/send_message"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 6, "status_message": "receiverNotSubscribed"})),
        )
        .mount(&viber)
        .await;
    let bot = ViberBot::builder(SecretString::from(TOKEN), "ERGO CLUB")
        .base_url(format!("{}/pa", viber.uri()))
        .build()
        .unwrap();
    let runner = Runner::new(e.bot.runner.engine().clone(), Arc::new(bot));
    let app = webhook_route("/viber/hook", runner, Arc::new(Notify::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/viber/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    loyalty_core::http::ensure_crypto_provider();
    let http = reqwest::Client::new();
    let post = |body: Value| {
        let raw = serde_json::to_vec(&body).unwrap();
        http.post(&url)
            .header(
                "X-Viber-Content-Signature",
                sign_hmac_sha256_hex(&SecretString::from(TOKEN), &raw),
            )
            .body(raw)
            .send()
    };

    let started = json!({"event": "conversation_started", "timestamp": 1_763_800_000_000_i64,
        "chat_hostname": "SN-CHAT-01_", "message_token": 4_912_661_846_655_238_145_i64,
        "type": "open", "context": "",
        "user": {"id": "01234567890A=", "name": "Ivan", "language": "uk", "api_version": 10},
        "subscribed": false});
    let answer = post(started).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(
        answer.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let welcome: Value = answer.json().await.unwrap();
    assert_eq!(welcome["type"], "text");
    assert!(welcome.get("receiver").is_none(), "{welcome}");
    assert_eq!(welcome["sender"]["name"], "ERGO CLUB");
    let text = welcome["text"].as_str().unwrap();
    assert!(text.starts_with("Вітаємо, Ivan!"), "{text}");
    assert_eq!(welcome["min_api_version"], 3);
    assert_eq!(
        welcome["keyboard"]["Buttons"][0]["ActionType"],
        "share-phone"
    );

    // Any other callback is acknowledged with an empty body.
    let message = json!({"event": "message", "timestamp": 1_763_800_000_100_i64,
        "message_token": 4_912_661_846_655_238_146_i64,
        "sender": {"id": "01234567890A=", "name": "Ivan", "language": "uk"},
        "message": {"type": "text", "text": "hello"}});
    let answer = post(message).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(answer.bytes().await.unwrap().is_empty());
}
