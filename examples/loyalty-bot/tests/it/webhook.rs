//! Webhook mode: the bot's HTTP route in front of the Telegram adapter.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;

use common::*;
use loyalty_bot::app::webhook_route;
use loyalty_bot::runner::Runner;
use loyalty_core::SecretString;
use messenger_telegram::TelegramBot;
use tokio::sync::Notify;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn start_update(update_id: i64) -> serde_json::Value {
    serde_json::json!({
        "update_id": update_id,
        "message": {
            "message_id": 5, "date": 1_700_000_000,
            "chat": {"id": 42, "type": "private"},
            "from": {"id": 42, "is_bot": false, "first_name": "Olena"},
            "text": "/start"
        }
    })
}

#[tokio::test]
async fn webhook_updates_are_authenticated_stored_and_answered_once() {
    let e = ergo_bot().await;
    let tg = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/bot123:ABC/sendMessage"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "ok": true,
            "result": {"message_id": 6, "date": 1_700_000_001, "chat": {"id": 42, "type": "private"}, "text": "hi"}
        })))
        .expect(1)
        .mount(&tg)
        .await;
    let bot = TelegramBot::builder(SecretString::from("123:ABC"))
        .base_url(tg.uri())
        .webhook_secret(SecretString::from("hook-secret_1"))
        .build()
        .unwrap();
    let runner = Runner::new(e.bot.runner.engine().clone(), Arc::new(bot));
    let wake = Arc::new(Notify::new());
    let app = webhook_route("/tg/hook", runner.clone(), wake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/tg/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    loyalty_core::http::ensure_crypto_provider();
    let http = reqwest::Client::new();
    let post = |secret: Option<&'static str>, body: String| {
        let mut r = http
            .post(&url)
            .header("content-type", "application/json")
            .body(body);
        if let Some(s) = secret {
            r = r.header("X-Telegram-Bot-Api-Secret-Token", s);
        }
        r.send()
    };

    // Forged or missing secrets and malformed bodies: refused, nothing stored.
    assert_eq!(
        post(Some("wrong"), start_update(1).to_string())
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        post(None, start_update(1).to_string())
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(
        post(Some("hook-secret_1"), "{not json".into())
            .await
            .unwrap()
            .status(),
        400
    );
    assert!(
        e.bot
            .storage
            .inbox_pending("telegram")
            .await
            .unwrap()
            .is_empty()
    );

    // The right secret: stored before the 200; a redelivery of the same update is ignored.
    assert_eq!(
        post(Some("hook-secret_1"), start_update(1).to_string())
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        post(Some("hook-secret_1"), start_update(1).to_string())
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        e.bot.storage.inbox_pending("telegram").await.unwrap().len(),
        1
    );
    runner.drain().await.unwrap();
    assert!(
        e.bot
            .storage
            .inbox_pending("telegram")
            .await
            .unwrap()
            .is_empty()
    );
    let sent = tg.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["chat_id"], 42);
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .starts_with("Вітаємо, Olena!"),
        "{body}"
    );
    assert_eq!(
        body["reply_markup"]["keyboard"][0][0]["request_contact"],
        true
    );
}

/// Viber fetches a picture by its URL: the bot publishes its pictures on its own listener, at
/// the webhook's origin, and serves them there.
#[tokio::test]
async fn the_pictures_of_viber_messages_are_served_on_the_bots_listener() {
    use loyalty_bot::app::{viber_media_base, viber_media_path, viber_media_route};
    use messenger_viber::{InMemoryMediaHost, MediaHost};
    loyalty_core::http::ensure_crypto_provider();
    let webhook: url::Url = "https://bot.example:8443/hooks/viber".parse().unwrap();
    let host = InMemoryMediaHost::new(viber_media_base(&webhook));
    let url = host
        .publish(
            bytes::Bytes::from_static(b"\x89PNG-card"),
            "card.png",
            "image/png",
        )
        .await
        .unwrap();
    let name = url
        .strip_prefix("https://bot.example:8443/hooks/viber-media/")
        .unwrap_or_else(|| panic!("{url}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Beside the webhook's path: a proxy forwarding /hooks/ to the bot forwards them too.
    assert_eq!(viber_media_path(&webhook), "/hooks/viber-media");
    let root: url::Url = "https://bot.example".parse().unwrap();
    assert_eq!(viber_media_path(&root), "/webhook/viber-media");
    let app = viber_media_route("/hooks/viber-media", host);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let res = reqwest::get(format!("{base}/hooks/viber-media/{name}"))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"\x89PNG-card");
    let res = reqwest::get(format!("{base}/hooks/viber-media/0000.png"))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}
