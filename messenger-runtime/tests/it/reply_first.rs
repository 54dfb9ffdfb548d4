//! Replies sent before their update's completion commits (`RuntimeConfig::reply_before_commit`):
//! they wait for no commit and never touch the outbox, what the platform does not take at once
//! is queued with the completion at its place, and a completion the database refuses does not
//! make the retries send the same reply again.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use messenger_core::RateLimitScope;
use messenger_runtime::{Runtime, RuntimeConfig, Store};

fn start(
    store: &Store,
    gate: Arc<Gate>,
    recorder: Arc<Recorder>,
    config: RuntimeConfig,
) -> tokio::task::JoinHandle<()> {
    let rt = Runtime::new(store.clone(), gate, recorder, config);
    tokio::spawn(async move {
        let out = rt.run_polling(std::future::pending()).await;
        panic!("run_polling returned: {out:?}");
    })
}

/// (idx, sent: 1 or 0) of every outbox row.
async fn outbox(store: &Store) -> Vec<(i64, i64)> {
    sqlx::query_as::<_, (i64, i64)>(
        "SELECT idx, CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END FROM rt_outbox ORDER BY update_key, idx",
    )
    .fetch_all(store.reader())
    .await
    .unwrap()
}

/// One chat says one thing after another, each once the previous reply arrived; before every
/// send the probe counts the updates still unhandled.
async fn one_by_one(reply_before_commit: bool) -> (Vec<usize>, Vec<(i64, i64)>) {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    let gate = Arc::new(Gate::new(platform.clone()));
    *gate.probe.lock().unwrap() = Some(store.clone());
    let rec = Arc::new(Recorder::default());
    let cfg = RuntimeConfig {
        reply_before_commit,
        // A wide group window: a reply sent after the commit would wait for it.
        commit_window: Duration::from_millis(30),
        ..fast_config()
    };
    let task = start(&store, gate.clone(), rec.clone(), cfg);
    for i in 1..=3 {
        platform.inner.user_says(7, &format!("m{i}"));
        wait_for(10, "the reply", async || platform.sent_to(7).len() == i).await;
    }
    wait_for(
        10,
        "every update handled and every reply marked",
        async || {
            let c = store.counts("in_memory").await.unwrap();
            effects(&store).await.len() == 3 && c.unsent == 0
        },
    )
    .await;
    task.abort();
    assert_eq!(platform.sent_to(7), vec!["7:m1", "7:m2", "7:m3"]);
    let c = store.counts("in_memory").await.unwrap();
    assert_eq!((c.pending, c.handled, c.unsent), (0, 3, 0));
    let seen = gate.pending_at_send.lock().unwrap().clone();
    (seen, outbox(&store).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_goes_out_before_its_update_commits_and_skips_the_outbox() {
    let (pending, rows) = one_by_one(true).await;
    // Each reply left while its update was still unhandled in the database.
    assert_eq!(pending, vec![1, 1, 1]);
    assert_eq!(rows, Vec::<(i64, i64)>::new(), "a sent reply was queued");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_reply_before_commit_off_a_reply_waits_for_its_commit() {
    let (pending, rows) = one_by_one(false).await;
    assert_eq!(pending, vec![0, 0, 0]);
    assert_eq!(rows, vec![(0, 1); 3], "each reply queued, then marked sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_the_platform_refuses_for_now_is_queued_at_its_place_and_sent_in_order() {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    // The first reply goes through, the second meets a chat-scoped "too many requests".
    platform.script_sends(1, vec![None, Some(rate_limited(RateLimitScope::Chat, 1))]);
    let gate = Arc::new(Gate::new(platform.clone()));
    let rec = Arc::new(Recorder::default());
    let t0 = tokio::time::Instant::now();
    let task = start(&store, gate, rec, fast_config());
    platform.inner.user_says(1, "twice");
    platform.inner.user_says(1, "after");
    platform.inner.user_says(2, "other");
    wait_for(10, "every reply, marked", async || {
        let c = store.counts("in_memory").await.unwrap();
        platform.sent_to(1).len() == 3 && platform.sent_to(2).len() == 1 && c.unsent == 0
    })
    .await;
    task.abort();
    assert_eq!(
        platform.sent_to(1),
        vec!["1:twice/1", "1:twice", "1:after"],
        "out of order"
    );
    let sends = platform.sends.lock().unwrap().clone();
    let at = |text: &str| {
        sends
            .iter()
            .find(|(_, t, _)| t == text)
            .map(|(_, _, at)| at.duration_since(t0))
            .unwrap()
    };
    assert!(
        at("1:twice") >= Duration::from_secs(1),
        "the chat's wait was not kept"
    );
    assert!(
        at("2:other") < Duration::from_millis(900),
        "another chat waited"
    );
    // Only what was not sent at once was queued: the second reply at its own place (idx 1), and
    // the later update's reply, which had to wait behind it. Both were delivered.
    let mut rows = sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT idx, payload, CASE WHEN sent_at IS NULL THEN 0 ELSE 1 END FROM rt_outbox",
    )
    .fetch_all(store.reader())
    .await
    .unwrap();
    rows.sort();
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows[0].1.contains("1:after") && rows[0].0 == 0, "{rows:?}");
    assert!(
        rows[1].1.contains("1:twice") && !rows[1].1.contains("twice/1") && rows[1].0 == 1,
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.2 == 1), "{rows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completion_the_database_refuses_does_not_send_its_reply_again_on_each_retry() {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    let gate = Arc::new(Gate::new(platform.clone()));
    let rec = Arc::new(Recorder::default());
    let task = start(&store, gate, rec.clone(), fast_config());
    platform.inner.user_says(1, "bad-write");
    platform.inner.user_says(1, "next");
    wait_for(10, "the quarantine and the next reply", async || {
        platform.sent_to(1).len() >= 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    task.abort();
    // Handled three times (max_attempts), answered once, then told it went wrong.
    assert_eq!(
        rec.texts_of("1"),
        vec!["bad-write"; 3]
            .into_iter()
            .chain(["next"])
            .collect::<Vec<_>>()
    );
    assert_eq!(
        platform.sent_to(1),
        vec!["1:bad-write", "something went wrong", "1:next"]
    );
    let c = store.counts("in_memory").await.unwrap();
    assert_eq!((c.pending, c.quarantined, c.unsent), (0, 1, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_queued_while_a_chat_is_handled_is_not_overtaken_by_later_replies() {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    let gate = Arc::new(Gate::new(platform.clone()));
    let rec = Arc::new(Recorder::default());
    rec.slow
        .lock()
        .unwrap()
        .insert("first".into(), Duration::from_millis(400));
    let rt = Runtime::new(store.clone(), gate, rec.clone(), fast_config());
    let r2 = rt.clone();
    let task = tokio::spawn(async move {
        let out = r2.run_polling(std::future::pending()).await;
        panic!("run_polling returned: {out:?}");
    });
    platform.inner.user_says(1, "first");
    wait_for(5, "the first handling", async || {
        rec.running.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;
    // While the chat's task holds its delivery lease: a purchase notification, then the user's
    // next message.
    let chat = platform.inner.chat(1);
    assert!(
        rt.enqueue_push("e1", &chat, &[messenger_runtime::Reply::new("push")])
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    platform.inner.user_says(1, "next");
    wait_for(10, "every message", async || platform.sent_to(1).len() == 3).await;
    task.abort();
    // The first reply was on its way before the push was queued; the next one comes after it.
    assert_eq!(platform.sent_to(1), vec!["1:first", "push", "1:next"]);
}
