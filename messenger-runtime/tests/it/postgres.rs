//! Three runtimes on one PostgreSQL, one killed mid-burst: every update handled exactly once and
//! every reply sent once, in order per chat.
//!
//! Needs `LOYALTY_BOT_TEST_POSTGRES_URL` (`bash .ci/postgres.sh` starts a server and prints it).
//! Without it the test is skipped with a note, except in CI (`CI=true`), where it fails.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use messenger_runtime::{Runtime, RuntimeConfig, Store, StoreOptions};

fn postgres_url() -> Option<String> {
    match std::env::var("LOYALTY_BOT_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "LOYALTY_BOT_TEST_POSTGRES_URL must be set in CI (bash .ci/postgres.sh prints it)"
            );
            eprintln!(
                "note: LOYALTY_BOT_TEST_POSTGRES_URL is not set; the PostgreSQL test is skipped \
                 (export LOYALTY_BOT_TEST_POSTGRES_URL=\"$(bash .ci/postgres.sh)\")"
            );
            None
        }
    }
}

/// A fresh database on the server, so parallel test runs do not share tables.
async fn fresh_database(url: &str) -> String {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("rt_test_{}_{}", std::process::id(), fastrand_suffix());
    let mut admin = sqlx::AnyConnection::connect(url).await.unwrap();
    let sql = format!("CREATE DATABASE {name}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

fn fastrand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 % 1_000_000)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_one_postgres_and_survive_a_kill() {
    let Some(url) = postgres_url() else { return };
    let url = fresh_database(&url).await;
    let platform = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    // Every instance is slowed a little so the burst lasts long enough to kill one mid-way.
    for i in 0..10 {
        rec.slow
            .lock()
            .unwrap()
            .insert(format!("m{i}"), Duration::from_millis(15));
    }
    const CHATS: i64 = 40;
    const PER_CHAT: usize = 10;
    let mut instances = Vec::new();
    for n in 0..3 {
        let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
        if n == 0 {
            create_effects(&store).await;
        }
        let gate = Arc::new(Gate::new(platform.clone()));
        let cfg = RuntimeConfig {
            instance: format!("instance-{n}"),
            max_in_flight: 8,
            ..fast_config()
        };
        let rt = Runtime::new(store.clone(), gate.clone(), rec.clone(), cfg);
        let task = tokio::spawn(async move {
            let out = rt.run_polling(std::future::pending()).await;
            panic!("run_polling returned: {out:?}");
        });
        instances.push((store, gate, task));
        if n == 0 {
            // The first one is the elected poller: it is the one killed.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let store = instances[1].0.clone();
    // The first half of the burst.
    for i in 0..PER_CHAT / 2 {
        for chat in 1..=CHATS {
            platform.inner.user_says(chat, &format!("m{i}"));
        }
    }
    wait_for(30, "a quarter handled", async || {
        effects(&store).await.len() >= (CHATS as usize * PER_CHAT) / 4
    })
    .await;
    // Kill the poller mid-burst: its network goes first, then the process.
    let (_, gate, task) = &instances[0];
    gate.frozen.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    task.abort();
    let handled_by_victim_window = effects(&store).await.len();
    assert!(
        handled_by_victim_window < CHATS as usize * PER_CHAT / 2,
        "the kill came too late to be mid-burst"
    );
    // The second half arrives after the kill: another instance must take over polling.
    for i in PER_CHAT / 2..PER_CHAT {
        for chat in 1..=CHATS {
            platform.inner.user_says(chat, &format!("m{i}"));
        }
    }
    wait_for(60, "every reply", async || {
        (1..=CHATS).all(|c| platform.sent_to(c).len() >= PER_CHAT)
    })
    .await;
    // Let any duplicate show up.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for (_, _, t) in &instances[1..] {
        assert!(!t.is_finished(), "a surviving instance stopped");
    }
    // Handled exactly once: one committed effect per update.
    let effects = effects(&store).await;
    let mut per_key: HashMap<String, usize> = HashMap::new();
    for (k, _) in &effects {
        *per_key.entry(k.clone()).or_default() += 1;
    }
    assert_eq!(
        per_key.len(),
        CHATS as usize * PER_CHAT,
        "an update was lost"
    );
    assert!(
        per_key.values().all(|n| *n == 1),
        "an update was handled twice"
    );
    // Every reply sent once, in order.
    for chat in 1..=CHATS {
        let want: Vec<String> = (0..PER_CHAT).map(|i| format!("{chat}:m{i}")).collect();
        assert_eq!(platform.sent_to(chat), want, "chat {chat}");
    }
    let c = store.counts("in_memory").await.unwrap();
    assert_eq!((c.pending, c.unsent, c.quarantined), (0, 0, 0));
    for (_, _, t) in &instances {
        t.abort();
    }
}

/// Two instances on one PostgreSQL share a broadcast: one sends (the lease holder), the other
/// takes over when it dies; nobody gets the message twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_share_a_broadcast_on_postgres_without_repeats() {
    let Some(url) = postgres_url() else { return };
    let url = fresh_database(&url).await;
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    let platform = Arc::new(Faulty::new());
    let to = chats(&platform, 1..301);
    store
        .create_broadcast(&messenger_runtime::NewBroadcast::new(
            "pg",
            messenger_runtime::Reply::new("x"),
            to,
        ))
        .await
        .unwrap();
    let gate_a = Arc::new(Gate::new(platform.clone()));
    let gate_b = Arc::new(Gate::new(platform.clone()));
    let (_a, _ra, task_a) = sender(&store, gate_a.clone(), "a", config(200));
    let (_b, _rb, task_b) = sender(&store, gate_b.clone(), "b", config(200));
    wait_for(10, "a third", async || {
        platform.sends.lock().unwrap().len() >= 100
    })
    .await;
    // The one sending loses its network and dies; the other takes over.
    let holder: String =
        sqlx::query_scalar("SELECT owner FROM rt_leases WHERE name = 'broadcast:in_memory'")
            .fetch_one(store.reader())
            .await
            .unwrap();
    let (dead_gate, dead, alive) = if holder == "a" {
        (gate_a, task_a, task_b)
    } else {
        (gate_b, task_b, task_a)
    };
    dead_gate.frozen.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    dead.abort();
    let at_kill = platform.sends.lock().unwrap().len();
    assert!(at_kill < 300, "{at_kill}");
    wait_done(&store, "pg", 30).await;
    alive.abort();
    let c = counts(&platform);
    assert!(c.values().all(|n| *n == 1), "repeats: {c:?}");
    // The dead sender's calls under way are journalled unknown, not sent again.
    let t = store.broadcast("pg").await.unwrap().unwrap().totals();
    assert_eq!(t.sent as usize, c.len());
    assert_eq!(t.sent + t.unknown, 300, "{t:?}");
    assert!(t.unknown <= 8, "{t:?}");

    // A receipt that comes before its line (the chat's send under way) waits on PostgreSQL too,
    // once however often it comes; one for a chat with nothing under way is not kept.
    sqlx::query("UPDATE rt_broadcast_recipients SET status = 'sending' WHERE chat_id = '1'")
        .execute(store.reader())
        .await
        .unwrap();
    let early = messenger_core::Receipt::new("tok", messenger_core::ReceiptStatus::Delivered);
    for chat in ["1", "1", "2"] {
        assert!(
            !store
                .record_receipt("in_memory", chat, &early)
                .await
                .unwrap()
        );
    }
    let kept: Vec<String> = sqlx::query_scalar("SELECT chat_id FROM rt_broadcast_early_receipts")
        .fetch_all(store.reader())
        .await
        .unwrap();
    assert_eq!(kept, ["1"]);
}

/// An instance whose handler runs past its lease (a vendor call hanging for seconds) has lost the
/// chat to another instance, which handled the update again and answered: the late outcome is
/// dropped by the fence, and its replies are not sent before that fence could say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_handler_that_outlives_its_lease_does_not_answer_twice() {
    let Some(url) = postgres_url() else { return };
    let url = fresh_database(&url).await;
    let platform = Arc::new(Faulty::new());
    let rec = Arc::new(Recorder::default());
    rec.slow
        .lock()
        .unwrap()
        .insert("slow".into(), Duration::from_secs(3));
    let mut tasks = Vec::new();
    let mut store = None;
    for n in 0..2 {
        let s = Store::connect(&url, StoreOptions::default()).await.unwrap();
        if n == 0 {
            create_effects(&s).await;
        }
        // fast_config: a lease of 2 s. The first instance looks for expired leases only at its
        // start, so the chat its lease ran out on goes to the other one (its own claim loop
        // could take it back first, which is no loss of the chat).
        let cfg = RuntimeConfig {
            instance: format!("instance-{n}"),
            claim_interval: if n == 0 {
                Duration::from_secs(60)
            } else {
                fast_config().claim_interval
            },
            ..fast_config()
        };
        let rt = Runtime::new(
            s.clone(),
            Arc::new(Gate::new(platform.clone())),
            rec.clone(),
            cfg,
        );
        tasks.push(tokio::spawn(async move {
            let out = rt.run_polling(std::future::pending()).await;
            panic!("run_polling returned: {out:?}");
        }));
        if n == 0 {
            // The first one is the elected poller: it takes the update and its chat.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        store = Some(s);
    }
    let store = store.unwrap();
    platform.inner.user_says(1, "slow");
    wait_for(5, "the first handling to start", async || {
        rec.running.load(Ordering::SeqCst) == 1
    })
    .await;
    // The second handling (by the other instance, once the lease ran out) is quick.
    rec.slow.lock().unwrap().clear();
    wait_for(10, "the other instance's answer", async || {
        platform.sent_to(1).len() == 1
    })
    .await;
    // The first handler returns at 3 s; give its reply time to show up if it were sent.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(rec.calls.load(Ordering::SeqCst), 2, "handled by both");
    assert_eq!(platform.sent_to(1), vec!["1:slow"], "answered twice");
    assert_eq!(effects(&store).await.len(), 1, "committed twice");
    for t in &tasks {
        t.abort();
    }
}
