//! The purchase-notification endpoint over real HTTP, with the durable push queue behind it:
//! each linked chat gets exactly one message, a repeat gets none, a database failure before
//! the answer records nothing (the sender's retry pushes once), and a restart after the 202
//! still delivers.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use crate::common;

use chrono::Utc;
use common::{Ergo, ergo_bot, ergo_bot_on};
use loyalty_bot::notify::{NotifyState, Pusher, router};
use loyalty_bot::storage::{ChatKey, Profile};
use loyalty_core::{SecretString, Session};

const SECRET: &str = "notify-SECRET-42";
const NOTICE: &str = "🛍 Нова покупка: 120,50\u{a0}₴ у Магазин №1. Нараховано бонусів: 6.";

/// A bot whose chats 1 and 2 (customer `c-1`) and 3 (`c-2`) are logged in, and the endpoint
/// serving its pushes.
async fn setup() -> (String, Ergo) {
    let e = ergo_bot().await;
    let storage = &e.bot.storage;
    for (chat, customer) in [("1", "c-1"), ("2", "c-1"), ("3", "c-2")] {
        let key = ChatKey::new("in_memory", chat);
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
    let app = router(NotifyState::new(
        storage.clone(),
        "ergo",
        SecretString::from(SECRET),
        Pusher::new(e.bot.runner.engine().clone()),
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, e)
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

/// What chats 1, 2 and 3 were sent.
fn sent(e: &Ergo) -> [Vec<String>; 3] {
    [1, 2, 3].map(|chat| e.bot.m.sent_texts(chat))
}

#[tokio::test]
async fn delivers_once_per_linked_chat_and_ignores_repeats() {
    let (base, e) = setup().await;
    let bearer = format!("Bearer {SECRET}");
    let (status, body) = post(&base, Some(&bearer), event("ev-1").to_string()).await;
    assert_eq!(
        (status, body),
        (202, serde_json::json!({"delivered_to": 2}))
    );
    e.bot.runner.drain().await.unwrap();
    assert_eq!(
        sent(&e),
        [vec![NOTICE.to_owned()], vec![NOTICE.to_owned()], vec![]]
    );

    let (status, body) = post(&base, Some(&bearer), event("ev-1").to_string()).await;
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"duplicate": true}))
    );
    e.bot.runner.drain().await.unwrap();
    assert_eq!(sent(&e)[0].len(), 1, "a repeated event was delivered again");
}

/// The chat's own language, not the bot's default.
#[tokio::test]
async fn each_chat_hears_it_in_its_language() {
    let (base, e) = setup().await;
    e.bot
        .storage
        .set_language(&ChatKey::new("in_memory", "2"), "ru")
        .await
        .unwrap();
    let bearer = format!("Bearer {SECRET}");
    assert_eq!(
        post(&base, Some(&bearer), event("ev-ru").to_string())
            .await
            .0,
        202
    );
    e.bot.runner.drain().await.unwrap();
    let [uk, ru, _] = sent(&e);
    assert_eq!(uk, [NOTICE]);
    assert_eq!(ru.len(), 1);
    assert!(ru[0].starts_with("🛍 Новая покупка"), "{ru:?}");
}

/// A database failure while queueing: 503, nothing claimed, nothing queued; the sender's retry
/// is then pushed exactly once.
#[tokio::test]
async fn a_failed_queue_records_nothing_and_the_retry_pushes_once() {
    let (base, e) = setup().await;
    let pool = e.bot.storage.pool();
    sqlx::query(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON rt_outbox BEGIN SELECT RAISE(FAIL, 'injected fault'); END",
    )
    .execute(pool)
    .await
    .unwrap();
    let bearer = format!("Bearer {SECRET}");
    let (status, body) = post(&base, Some(&bearer), event("ev-f").to_string()).await;
    assert_eq!(
        (status, body),
        (503, serde_json::json!({"error": "storage unavailable"}))
    );
    e.bot.runner.drain().await.unwrap();
    assert_eq!(
        sent(&e),
        [Vec::<String>::new(), vec![], vec![]],
        "nothing was queued"
    );

    sqlx::query("DROP TRIGGER injected_fault")
        .execute(pool)
        .await
        .unwrap();
    let (status, _) = post(&base, Some(&bearer), event("ev-f").to_string()).await;
    assert_eq!(status, 202, "the failed attempt did not claim the event");
    e.bot.runner.drain().await.unwrap();
    assert_eq!(
        sent(&e),
        [vec![NOTICE.to_owned()], vec![NOTICE.to_owned()], vec![]]
    );
}

/// The bot stops right after answering 202 (nothing delivered yet): the next start on the same
/// database delivers each message once.
#[tokio::test]
async fn a_restart_after_the_202_still_delivers_once() {
    let (base, e) = setup().await;
    let bearer = format!("Bearer {SECRET}");
    assert_eq!(
        post(&base, Some(&bearer), event("ev-k").to_string())
            .await
            .0,
        202
    );
    let Ergo {
        bot,
        sandbox,
        clock,
    } = e;
    let db = bot.db_url.clone();
    assert!(
        bot.m.sent_texts(1).is_empty(),
        "not delivered before the stop"
    );
    let common::Bot { dir, .. } = bot; // the process "dies": runner and messenger dropped
    let restarted = ergo_bot_on(&sandbox, &db, clock, dir).await;
    restarted.runner.drain().await.unwrap();
    restarted.runner.drain().await.unwrap();
    assert_eq!(restarted.m.sent_texts(1), [NOTICE]);
    assert_eq!(restarted.m.sent_texts(2), [NOTICE]);
    assert!(restarted.m.sent_texts(3).is_empty());
}

#[tokio::test]
async fn refuses_bad_secrets_and_bad_bodies() {
    let (base, e) = setup().await;
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
    e.bot.runner.drain().await.unwrap();
    assert_eq!(sent(&e), [Vec::<String>::new(), vec![], vec![]]);
    // None of the refused events was recorded: the same id still delivers.
    assert_eq!(
        post(&base, Some(&bearer), event("e3").to_string()).await.0,
        202
    );
}
