//! The long-polling stream never loses or repeats an update across errors, and acknowledges
//! updates it could not parse.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use messenger_core::{MessengerError, PollOptions, UpdateKind, polling};
use messenger_telegram::mock::Incoming;
use messenger_telegram::{SecretString, TelegramBot};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "123456:TEST-token_secret";

fn text_update(id: i64, text: &str) -> Value {
    Incoming::text(42, text).to_update(id)
}

#[tokio::test]
async fn the_stream_neither_loses_nor_repeats_updates_across_errors() {
    let server = MockServer::start().await;
    let url = format!("/bot{TOKEN}/getUpdates");
    // 1st poll (no offset): updates 10 and 11 and an unparsable 12.
    Mock::given(method("POST"))
        .and(path(&url))
        .and(body_partial_json(json!({"timeout": 1})))
        .and(|r: &wiremock::Request| {
            serde_json::from_slice::<Value>(&r.body)
                .map(|v| v.get("offset").is_none())
                .unwrap_or(false)
        })
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": [
                text_update(10, "a"), text_update(11, "b"), {"update_id": 12, "message": "garbage"}
            ]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // 2nd poll (offset 13): a server error, then a flood error, then update 13.
    Mock::given(method("POST"))
        .and(path(&url))
        .and(body_partial_json(json!({"offset": 13})))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(&url))
        .and(body_partial_json(json!({"offset": 13})))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(json!({"ok": false, "error_code": 429,
            "description": "Too Many Requests: retry after 0", "parameters": {"retry_after": 0}})),
        )
        .up_to_n_times(1)
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(&url))
        .and(body_partial_json(json!({"offset": 13})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "result": [text_update(13, "c")]})),
        )
        .with_priority(3)
        .expect(1)
        .mount(&server)
        .await;
    // Then nothing new (offset 14), forever.
    Mock::given(method("POST"))
        .and(path(&url))
        .and(body_partial_json(json!({"offset": 14})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true, "result": []}))
                .set_delay(Duration::from_millis(50)),
        )
        .mount(&server)
        .await;

    let bot = TelegramBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .build()
        .unwrap();
    let options = PollOptions::default()
        .with_timeout(Duration::from_secs(1))
        .with_backoff(Duration::from_millis(10), Duration::from_millis(50));
    let stream = polling::updates(Arc::new(bot), options);
    let items: Vec<Result<_, MessengerError>> = stream.take(6).collect().await;
    let keys: Vec<String> = items
        .iter()
        .map(|i| match i {
            Ok(u) => u.dedup_key.clone(),
            Err(MessengerError::Server { .. }) => "server-error".into(),
            // getUpdates targets no chat: the bot's limit.
            Err(MessengerError::RateLimited {
                scope: messenger_core::RateLimitScope::Bot,
                ..
            }) => "rate-limited".into(),
            Err(e) => format!("{e}"),
        })
        .collect();
    assert_eq!(
        keys,
        ["10", "11", "12", "server-error", "rate-limited", "13"]
    );
    assert_eq!(items[0].as_ref().unwrap().text(), Some("a"));
    assert!(matches!(
        items[2].as_ref().unwrap().kind,
        UpdateKind::Other { .. }
    ));
    assert_eq!(items[5].as_ref().unwrap().text(), Some("c"));
}
