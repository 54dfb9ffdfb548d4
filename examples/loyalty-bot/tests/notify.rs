//! The purchase-notification endpoint over real HTTP.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use chrono::Utc;
use loyalty_bot::notify::{Delivery, NotifyState, router};
use loyalty_bot::storage::{ChatKey, Profile, Storage};
use loyalty_core::{SecretString, Session};
use tokio::sync::mpsc;

const SECRET: &str = "notify-SECRET-42";

async fn setup() -> (String, mpsc::Receiver<Delivery>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::connect(&format!("sqlite:{}", dir.path().join("b.db").display()))
        .await
        .unwrap();
    for (chat, customer) in [("1", "c-1"), ("2", "c-1"), ("3", "c-2")] {
        let key = ChatKey::new("telegram", chat);
        storage
            .touch_user(&key, &Profile::default(), "uk", Utc::now())
            .await
            .unwrap();
        let session = Session::new("ergo", SecretString::from("t")).with_customer_id(customer);
        storage
            .set_authorized(&key, "+380889993366", "ergo", &session, Utc::now())
            .await
            .unwrap();
    }
    let (tx, rx) = mpsc::channel(16);
    let app = router(NotifyState::new(
        storage,
        "ergo",
        SecretString::from(SECRET),
        tx,
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, rx, dir)
}

fn event(id: &str) -> serde_json::Value {
    serde_json::json!({
        "event_id": id, "customer_id": "c-1",
        "purchase": {"id": "p-9", "store": "Магазин №1", "sum": "120.50", "bonuses_earned": 6, "at": "2026-11-23 10:00:00"}
    })
}

async fn post(base: &str, auth: Option<&str>, body: String) -> (u16, serde_json::Value) {
    loyalty_core::http::ensure_crypto_provider();
    let mut req = reqwest::Client::new()
        .post(format!("{base}/notify/purchase"))
        .header("content-type", "application/json")
        .body(body);
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let json = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}

#[tokio::test]
async fn delivers_once_per_linked_chat_and_ignores_repeats() {
    let (base, mut rx, _dir) = setup().await;
    let bearer = format!("Bearer {SECRET}");
    let (status, body) = post(&base, Some(&bearer), event("ev-1").to_string()).await;
    assert_eq!(
        (status, body),
        (202, serde_json::json!({"delivered_to": 2}))
    );
    let mut chats = [rx.recv().await.unwrap(), rx.recv().await.unwrap()];
    chats.sort_by(|a, b| a.chat.chat_id.cmp(&b.chat.chat_id));
    assert_eq!(chats[0].chat, ChatKey::new("telegram", "1"));
    assert_eq!(chats[1].chat, ChatKey::new("telegram", "2"));
    assert_eq!(chats[0].event.purchase.sum.to_string(), "120.50");
    assert_eq!(chats[0].event.purchase.store.as_deref(), Some("Магазин №1"));

    let (status, body) = post(&base, Some(&bearer), event("ev-1").to_string()).await;
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"duplicate": true}))
    );
    assert!(
        rx.try_recv().is_err(),
        "a repeated event was delivered again"
    );
}

#[tokio::test]
async fn refuses_bad_secrets_and_bad_bodies() {
    let (base, mut rx, _dir) = setup().await;
    let bearer = format!("Bearer {SECRET}");
    assert_eq!(post(&base, None, event("e").to_string()).await.0, 401);
    assert_eq!(
        post(&base, Some("Bearer wrong"), event("e").to_string())
            .await
            .0,
        401
    );
    assert_eq!(
        post(&base, Some(SECRET), event("e").to_string()).await.0,
        401,
        "no Bearer prefix"
    );
    let (status, body) = post(&base, Some(&bearer), "{\"event_id\": ".into()).await;
    assert_eq!(status, 400);
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed event"),
        "{body}"
    );
    let no_sum =
        serde_json::json!({"event_id": "e2", "customer_id": "c-1", "purchase": {"id": "p"}});
    assert_eq!(post(&base, Some(&bearer), no_sum.to_string()).await.0, 400);
    let empty_id = serde_json::json!({"event_id": " ", "customer_id": "c-1", "purchase": {"id": "p", "sum": 1}});
    assert_eq!(
        post(&base, Some(&bearer), empty_id.to_string()).await.0,
        400
    );
    let mut big = event("e3");
    big["padding"] = serde_json::json!("x".repeat(64 * 1024));
    assert_eq!(post(&base, Some(&bearer), big.to_string()).await.0, 413);
    assert!(rx.try_recv().is_err());
    // None of the refused events was recorded: the same id still delivers.
    assert_eq!(
        post(&base, Some(&bearer), event("e3").to_string()).await.0,
        202
    );
}
