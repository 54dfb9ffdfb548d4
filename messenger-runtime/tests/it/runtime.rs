//! The runtime on SQLite: order, concurrency, rate limits, faults, retention, pushes and the
//! in-place upgrade of the example bot's database.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use messenger_core::{Messenger, MessengerKind, PollCursor, RateLimitScope};
use messenger_runtime::{Reply, Runtime, RuntimeConfig, Store, StoreOptions};
use sqlx::Connection;

const KIND: &str = "in_memory";

fn start(
    store: &Store,
    messenger: Arc<Faulty>,
    recorder: Arc<Recorder>,
    config: RuntimeConfig,
) -> (Runtime<Arc<Recorder>>, tokio::task::JoinHandle<()>) {
    let rt = Runtime::new(store.clone(), messenger, recorder, config);
    let r2 = rt.clone();
    let task = tokio::spawn(async move {
        let out = r2.run_polling(std::future::pending()).await;
        panic!("run_polling returned: {out:?}");
    });
    (rt, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_chat_order_under_concurrency() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    rec.slow
        .lock()
        .unwrap()
        .insert("m3".into(), Duration::from_millis(40));
    // Ten chats, ten updates each, interleaved.
    for i in 0..10 {
        for chat in 1..=10 {
            m.inner.user_says(chat, &format!("m{i}"));
        }
    }
    let cfg = RuntimeConfig {
        max_in_flight: 4,
        ..fast_config()
    };
    let (_rt, task) = start(&store, m.clone(), rec.clone(), cfg);
    wait_for(20, "all replies", async || {
        (1..=10).all(|c| m.sent_to(c).len() == 10)
    })
    .await;
    // A reply leaves before its update's completion commits.
    wait_for(10, "every completion", async || {
        effects(&store).await.len() == 100
    })
    .await;
    task.abort();
    let want: Vec<String> = (0..10).map(|i| format!("m{i}")).collect();
    for chat in 1..=10 {
        assert_eq!(
            rec.texts_of(&chat.to_string()),
            want,
            "chat {chat} handled out of order"
        );
        let replies: Vec<String> = want.iter().map(|t| format!("{chat}:{t}")).collect();
        assert_eq!(
            m.sent_to(chat),
            replies,
            "chat {chat} answered out of order"
        );
    }
    let max = rec.max_running.load(Ordering::SeqCst);
    assert!(
        (2..=4).contains(&max),
        "chats ran {max} at a time; want 2..=4"
    );
    assert_eq!(effects(&store).await.len(), 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_chat_never_delays_another_chat() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    rec.slow
        .lock()
        .unwrap()
        .insert("slow".into(), Duration::from_secs(3));
    m.inner.user_says(1, "slow");
    m.inner.user_says(1, "after");
    m.inner.user_says(2, "quick");
    let (_rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    wait_for(2, "chat 2's reply while chat 1 is slow", async || {
        m.sent_to(2) == vec!["2:quick"]
    })
    .await;
    assert!(m.sent_to(1).is_empty(), "chat 1 must still be busy");
    wait_for(10, "chat 1's replies", async || m.sent_to(1).len() == 2).await;
    assert_eq!(m.sent_to(1), vec!["1:slow", "1:after"]);
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_scoped_429_delays_only_that_chat() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    m.fail_sends(1, vec![rate_limited(RateLimitScope::Chat, 2)]);
    let rec = Arc::new(Recorder::default());
    for t in ["a", "b"] {
        m.inner.user_says(1, t);
        m.inner.user_says(2, t);
    }
    let t0 = tokio::time::Instant::now();
    let (_rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    wait_for(10, "every reply", async || {
        m.sent_to(1).len() == 2 && m.sent_to(2).len() == 2
    })
    .await;
    task.abort();
    let sends = m.sends.lock().unwrap().clone();
    let at = |chat: &str, text: &str| {
        sends
            .iter()
            .find(|(c, t, _)| c == chat && t == text)
            .map(|(_, _, at)| at.duration_since(t0))
            .unwrap()
    };
    assert!(
        at("2", "2:b") < Duration::from_millis(1500),
        "chat 2 waited for chat 1's 429"
    );
    assert!(
        at("1", "1:a") >= Duration::from_secs(2),
        "chat 1 did not wait its retry_after"
    );
    assert_eq!(m.sent_to(1), vec!["1:a", "1:b"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_scoped_429_pauses_every_chat() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    m.fail_sends(1, vec![rate_limited(RateLimitScope::Bot, 2)]);
    let rec = Arc::new(Recorder::default());
    m.inner.user_says(1, "a");
    let t0 = tokio::time::Instant::now();
    let (_rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    wait_for(10, "chat 1's reply", async || m.sent_to(1).len() == 1).await;
    m.inner.user_says(2, "b");
    wait_for(10, "chat 2's reply", async || m.sent_to(2).len() == 1).await;
    task.abort();
    let at = m.sends.lock().unwrap().last().unwrap().2.duration_since(t0);
    assert!(
        at >= Duration::from_secs(2),
        "chat 2 was sent during the bot-wide pause"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_faults_keep_polling_with_the_cursor_unchanged() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    m.poll_faults
        .lock()
        .unwrap()
        .extend([Fault::Hang, Fault::Reset, Fault::Html]);
    m.inner.user_says(1, "one");
    m.inner.user_says(2, "two");
    let rec = Arc::new(Recorder::default());
    let (_rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    wait_for(10, "the first replies", async || {
        m.sent_to(1).len() == 1 && m.sent_to(2).len() == 1
    })
    .await;
    let first: Vec<PollCursor> = m.cursors.lock().unwrap()[..4].to_vec();
    assert_eq!(
        first,
        vec![PollCursor(None); 4],
        "a failed poll moved the cursor"
    );
    // Faults again after the cursor moved.
    m.poll_faults
        .lock()
        .unwrap()
        .extend([Fault::Reset, Fault::Html]);
    let n = m.cursors.lock().unwrap().len();
    m.inner.user_says(3, "three");
    wait_for(10, "the later reply", async || m.sent_to(3).len() == 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The poll in flight returned update 3; the two failed polls after it and the retry that
    // succeeded all asked from offset 3.
    let later = m.cursors.lock().unwrap()[n..].to_vec();
    let at3 = later.iter().filter(|c| **c == PollCursor(Some(3))).count();
    assert!(at3 >= 3, "{later:?}");
    assert!(
        later
            .iter()
            .all(|c| *c == PollCursor(Some(2)) || *c == PollCursor(Some(3))),
        "{later:?}"
    );
    assert!(!task.is_finished(), "the runtime stopped polling");
    task.abort();
    assert_eq!(
        store.cursor("poll.in_memory").await.unwrap().as_deref(),
        Some("3")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_quarantines_one_update_and_the_rest_flow() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    let bad = m.inner.user_says(1, "panic");
    m.inner.user_says(1, "after");
    m.inner.user_says(2, "other");
    let (_rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    wait_for(10, "chat 1's replies", async || m.sent_to(1).len() == 2).await;
    wait_for(10, "chat 2's reply", async || m.sent_to(2).len() == 1).await;
    wait_for(10, "every completion", async || {
        let c = store.counts(KIND).await.unwrap();
        c.handled + c.quarantined == 3
    })
    .await;
    task.abort();
    assert_eq!(m.sent_to(1), vec!["something went wrong", "1:after"]);
    assert_eq!(m.sent_to(2), vec!["2:other"]);
    assert_eq!(
        *rec.quarantined.lock().unwrap(),
        vec![bad.dedup_key.clone()]
    );
    let q = store.quarantined(KIND).await.unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].update_key, bad.dedup_key);
    assert!(
        q[0].reason.as_deref().unwrap_or("").contains("3 times"),
        "{q:?}"
    );
    // 3 tries of the bad one, one of each other.
    assert_eq!(rec.calls.load(Ordering::SeqCst), 5);
    let c = store.counts(KIND).await.unwrap();
    assert_eq!((c.pending, c.handled, c.quarantined), (0, 2, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_for_seconds_is_survived() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("rt.db").display());
    let opts = StoreOptions {
        busy_timeout: Duration::from_millis(100),
        ..StoreOptions::default()
    };
    let store = Store::connect(&url, opts).await.unwrap();
    create_effects(&store).await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    m.inner.user_says(1, "before");
    let (_rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    wait_for(10, "the first reply", async || m.sent_to(1).len() == 1).await;
    // Another process takes the write lock for 3 s (a backup, a migration, a stuck writer).
    let mut other = sqlx::AnyConnection::connect(&url).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .unwrap();
    for i in 0..5 {
        m.inner.user_says(2 + i, "during");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(m.sent_to(2).is_empty(), "a write went through the lock?");
    sqlx::query("COMMIT").execute(&mut other).await.unwrap();
    wait_for(15, "replies after the outage", async || {
        (2..7).all(|c| m.sent_to(c) == vec![format!("{c}:during")])
    })
    .await;
    assert!(!task.is_finished(), "the runtime died of the outage");
    // Each reply left before its completion committed: every completion follows.
    wait_for(10, "every completion", async || {
        effects(&store).await.len() == 6
    })
    .await;
    task.abort();
    assert_eq!(effects(&store).await.len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_runs_periodically_in_webhook_mode() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    let cfg = RuntimeConfig {
        retention: Duration::from_millis(300),
        retention_interval: Duration::from_millis(100),
        // Through the outbox, so delivered messages are there to be deleted.
        reply_before_commit: false,
        ..fast_config()
    };
    let rt = Runtime::new(store.clone(), m.clone(), rec.clone(), cfg);
    let r2 = rt.clone();
    let task = tokio::spawn(async move { r2.run(std::future::pending()).await });
    for round in 0..2 {
        // Webhook deliveries, well after the start.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let u = m.inner.user_says(1, &format!("r{round}"));
        assert_eq!(rt.accept(std::slice::from_ref(&u)).await.unwrap(), 1);
        wait_for(5, "the reply", async || m.sent_to(1).len() == round + 1).await;
        wait_for(5, "the update and its reply marked", async || {
            let c = store.counts(KIND).await.unwrap();
            c.handled >= 1 && c.sent >= 1
        })
        .await;
        wait_for(5, "retention", async || {
            let c = store.counts(KIND).await.unwrap();
            c.handled == 0 && c.sent == 0
        })
        .await;
    }
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_is_delivered_exactly_once_after_faults() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    let chat = m.inner.chat(5);
    // Accepted (HTTP 202) while no runtime runs, then the process is "killed": still delivered.
    let rt = Runtime::new(store.clone(), m.clone(), rec.clone(), fast_config());
    assert!(
        rt.enqueue_push("e1", &chat, &[Reply::new("first")])
            .await
            .unwrap()
    );
    // The backend repeats the event (it saw a timeout): not queued again.
    assert!(
        !rt.enqueue_push("e1", &chat, &[Reply::new("first")])
            .await
            .unwrap()
    );
    drop(rt);
    // The first send fails with a 502, the next with a reset: both retried.
    m.fail_sends(
        5,
        vec![
            server_error(),
            messenger_core::MessengerError::Transport {
                reason: "reset".into(),
                maybe_sent: false,
            },
        ],
    );
    let (rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    assert!(
        rt.enqueue_push("e2", &chat, &[Reply::new("second")])
            .await
            .unwrap()
    );
    wait_for(10, "both pushes", async || m.sent_to(5).len() >= 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    task.abort();
    assert_eq!(m.sent_to(5), vec!["first", "second"]);
    // Another instance starting later sends nothing again.
    let (_rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    tokio::time::sleep(Duration::from_millis(500)).await;
    task.abort();
    assert_eq!(m.sent_to(5).len(), 2);
}

/// Viber refuses messages to a user who opened the chat and has not written yet (status 6,
/// `NotSubscribed`): that message is dropped at once with its error kept, not retried until the
/// user writes (which would deliver it late, ahead of the answer to what they write), and the
/// chat's later messages flow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_to_a_user_not_subscribed_yet_is_dropped_not_retried() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    let chat = m.inner.chat(6);
    m.fail_sends(
        6,
        vec![messenger_core::MessengerError::NotSubscribed {
            detail: messenger_core::ApiDetail::new(
                Some(200),
                Some("6".into()),
                "receiverNotSubscribed",
            ),
        }],
    );
    let (rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    assert!(
        rt.enqueue_push("welcome", &chat, &[Reply::new("stale greeting")])
            .await
            .unwrap()
    );
    wait_for(10, "the refused send", async || {
        !rec.undeliverable.lock().unwrap().is_empty()
    })
    .await;
    assert!(
        rt.enqueue_push("later", &chat, &[Reply::new("answer")])
            .await
            .unwrap()
    );
    wait_for(10, "the later message", async || !m.sent_to(6).is_empty()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    task.abort();
    assert_eq!(m.sent_to(6), vec!["answer"]);
    assert_eq!(*rec.undeliverable.lock().unwrap(), vec!["6".to_owned()]);
}

/// The example bot's tables before the runtime (migrations 0001 and 0002 of loyalty-bot).
const LEGACY: &[&str] = &[
    "CREATE TABLE bot_conversations (messenger TEXT NOT NULL, chat_id TEXT NOT NULL, state TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (messenger, chat_id))",
    "CREATE TABLE bot_inbox (messenger TEXT NOT NULL, update_key TEXT NOT NULL, seq BIGINT NOT NULL, payload TEXT NOT NULL, received_at TEXT NOT NULL, handled_at TEXT, PRIMARY KEY (messenger, update_key))",
    "CREATE TABLE bot_cursors (name TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE bot_events (event_id TEXT NOT NULL PRIMARY KEY, received_at TEXT NOT NULL)",
    "CREATE TABLE bot_outbox (messenger TEXT NOT NULL, update_key TEXT NOT NULL, idx BIGINT NOT NULL, chat_id TEXT NOT NULL, payload TEXT NOT NULL, created_at TEXT NOT NULL, sent_at TEXT, PRIMARY KEY (messenger, update_key, idx))",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_of_the_bot_before_the_runtime_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}?mode=rwc", dir.path().join("bot.db").display());
    let m = Arc::new(Faulty::new());
    let handled = m.inner.user_says(7, "old");
    let pending = m.inner.user_says(7, "pending");
    // The bot had queued a reply to the handled update and not delivered it yet.
    let queued = format!(
        r#"{{"chat":{},"reply":{{"text":{},"keyboard":null}}}}"#,
        serde_json::to_string(&m.inner.chat(7)).unwrap(),
        serde_json::to_string(&messenger_core::RichText::plain("queued before")).unwrap(),
    );
    {
        sqlx::any::install_default_drivers();
        let mut c = sqlx::AnyConnection::connect(&url).await.unwrap();
        for s in LEGACY {
            sqlx::query(*s).execute(&mut c).await.unwrap();
        }
        let ins = "INSERT INTO bot_inbox (messenger, update_key, seq, payload, received_at, handled_at) VALUES ($1, $2, $3, $4, '2026-12-01T00:00:00Z', $5)";
        sqlx::query(ins)
            .bind(KIND)
            .bind(&handled.dedup_key)
            .bind(1_i64)
            .bind(serde_json::to_string(&handled).unwrap())
            .bind(Some("2026-12-01T00:00:01Z"))
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query(ins)
            .bind(KIND)
            .bind(&pending.dedup_key)
            .bind(2_i64)
            .bind(serde_json::to_string(&pending).unwrap())
            .bind(None::<String>)
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO bot_outbox VALUES ($1, $2, 0, '7', $3, '2026-12-01T00:00:01Z', NULL)",
        )
        .bind(KIND)
        .bind(&handled.dedup_key)
        .bind(&queued)
        .execute(&mut c)
        .await
        .unwrap();
        sqlx::query("INSERT INTO bot_conversations VALUES ($1, '7', '41', '2026-12-01T00:00:01Z')")
            .bind(KIND)
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("INSERT INTO bot_cursors VALUES ('poll.in_memory', '12')")
            .execute(&mut c)
            .await
            .unwrap();
    }
    // Nothing waits at the platform: the two updates above were acknowledged already.
    while m.inner.pending() > 0 {
        let _ = m.inner.poll(PollCursor(None), Duration::ZERO).await;
    }
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    create_effects(&store).await;
    // Connecting again applies nothing twice.
    drop(Store::connect(&url, StoreOptions::default()).await.unwrap());
    let rec = Arc::new(Recorder::default());
    let (rt, task) = start(&store, m.clone(), rec.clone(), fast_config());
    wait_for(
        10,
        "the queued reply and the pending update's",
        async || m.sent_to(7).len() == 2,
    )
    .await;
    // The old reply first (it answers an older update), then the pending update's.
    assert_eq!(m.sent_to(7), vec!["queued before", "7:pending"]);
    assert_eq!(
        rec.texts_of("7"),
        vec!["pending"],
        "the handled update was handled again"
    );
    // The stored state 41 reached the handler, which counted on.
    assert_eq!(store.state(KIND, "7").await.unwrap().as_deref(), Some("42"));
    // Polling resumed from the stored offset.
    assert_eq!(m.cursors.lock().unwrap()[0], PollCursor(Some(12)));
    // A redelivery of the already handled update is a repeat.
    assert_eq!(rt.accept(&[handled]).await.unwrap(), 0);
    task.abort();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'bot_%' ORDER BY name",
    )
    .fetch_all(store.reader())
    .await
    .unwrap();
    assert_eq!(tables, vec!["bot_events"]);
    let _ = MessengerKind::InMemory;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_delivery_keeps_its_delivery_lease() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    let cfg = RuntimeConfig {
        lease: Duration::from_secs(1),
        chat_interval: Some(Duration::from_millis(300)),
        ..fast_config()
    };
    let rt = Runtime::new(store.clone(), m.clone(), rec, cfg);
    let chat = m.inner.chat(9);
    let pushes: Vec<Reply> = (1..=8)
        .map(|i| Reply::new(format!("p{i}").as_str()))
        .collect();
    assert!(rt.enqueue_push("e-long", &chat, &pushes).await.unwrap());
    let r2 = rt.clone();
    let task = tokio::spawn(async move { r2.run(std::future::pending()).await });
    // Eight messages 300 ms apart take about 2.1 s, twice the lease: half-way past the first
    // lease, the delivery must still hold a live one (or another instance could claim the chat
    // and send the same messages).
    wait_for(5, "the first message", async || !m.sent_to(9).is_empty()).await;
    tokio::time::sleep(Duration::from_millis(1400)).await;
    assert!(m.sent_to(9).len() < 8, "the test came too late");
    let (owner, until): (Option<String>, i64) =
        sqlx::query_as("SELECT dlv_owner, dlv_until FROM rt_chats WHERE chat_id = '9'")
            .fetch_one(store.reader())
            .await
            .unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    assert!(owner.is_some(), "nobody holds the delivery");
    assert!(
        until > now,
        "the delivery lease ran out {} ms ago",
        now - until
    );
    wait_for(10, "every message", async || m.sent_to(9).len() == 8).await;
    task.abort();
    let want: Vec<String> = (1..=8).map(|i| format!("p{i}")).collect();
    assert_eq!(m.sent_to(9), want);
}
