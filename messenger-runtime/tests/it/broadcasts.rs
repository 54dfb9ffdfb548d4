//! Broadcasts on SQLite: every recipient once, at the configured pace, a 429 slows down and
//! loses nothing, gone users are marked blocked, pause/resume/cancel, a scheduled start, batched
//! platforms (Viber's 300 per call), a kill in the middle (no repeat; the calls under way are
//! journalled unknown), and two instances sharing one broadcast.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use common::*;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, Capabilities, ChatRef, FileRef, Limits, MessageRef,
    Messenger, MessengerError, MessengerKind, OutgoingMessage, PlatformId, PollBatch, PollCursor,
    Rate, RateLimitScope, Receipt, ReceiptStatus, Update, UpdateKind,
};
use messenger_runtime::{
    BroadcastConfig, BroadcastControl, BroadcastState, NewBroadcast, RecipientStatus, Reply,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_recipient_gets_the_message_once_and_the_journal_says_so() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let mut to = chats(&m, 1..51);
    // A chat listed twice gets it once.
    to.push(m.inner.chat(7));
    let b = NewBroadcast::new("b1", Reply::new("🎉 Знижки до -30%!"), to);
    assert!(store.create_broadcast(&b).await.unwrap());
    // The same id again changes nothing.
    assert!(!store.create_broadcast(&b).await.unwrap());
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", config(1000));
    wait_done(&store, "b1", 10).await;
    task.abort();
    let c = counts(&m);
    assert_eq!(c.len(), 50);
    assert!(c.values().all(|n| *n == 1), "{c:?}");
    assert_eq!(m.sent_to(3), vec!["🎉 Знижки до -30%!"]);
    let info = store.broadcast("b1").await.unwrap().unwrap();
    let t = info.totals();
    assert_eq!((t.total(), t.sent, t.queued, t.sending), (50, 50, 0, 0));
    assert_eq!(info.per_messenger["in_memory"].sent, 50);
    assert!(info.finished_at.is_some());
    // The same figures without reading the message.
    let status = store.broadcast_status("b1").await.unwrap().unwrap();
    assert_eq!(status.totals(), t);
    assert_eq!(status.per_messenger, info.per_messenger);
    assert_eq!(
        (status.state, status.finished_at, status.start_at),
        (info.state, info.finished_at.clone(), info.start_at)
    );
    assert_eq!(store.broadcast_status("nope").await.unwrap(), None);
    let journal = store.broadcast_journal("b1", 100, 0).await.unwrap();
    assert_eq!(journal.len(), 50);
    assert_eq!(journal[0].chat_id, "1");
    assert!(
        journal
            .iter()
            .all(|j| j.status == RecipientStatus::Sent && j.attempts == 1)
    );
    assert_eq!(
        store.broadcast_ids(10).await.unwrap(),
        vec!["b1".to_owned()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_keep_to_the_rate_and_no_faster() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    store
        .create_broadcast(&NewBroadcast::new(
            "pace",
            Reply::new("x"),
            chats(&m, 1..41),
        ))
        .await
        .unwrap();
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", config(20));
    wait_done(&store, "pace", 20).await;
    task.abort();
    let times: Vec<tokio::time::Instant> = m.sends.lock().unwrap().iter().map(|s| s.2).collect();
    assert_eq!(times.len(), 40);
    // 40 messages at 20/s, strictly paced: about 2 s from the first to the last.
    let span = *times.last().unwrap() - times[0];
    assert!(span >= Duration::from_millis(1_850), "{span:?}");
    assert!(span <= Duration::from_millis(4_000), "{span:?}");
    // Evenly paced: no second holds more than 21 (the gate keeps calls 50.5 ms apart, so 20;
    // one more for the jitter between the gate and this messenger's clock), no 100 ms more
    // than 3 (no bursts).
    for (i, t) in times.iter().enumerate() {
        let within = |d: u64| {
            times[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_millis(d))
                .count()
        };
        assert!(
            within(1_000) <= 21,
            "{} sends within a second",
            within(1_000)
        );
        assert!(within(100) <= 3, "{} sends within 100 ms", within(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_slows_down_and_loses_nothing() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    // Chat 5 gets "too many requests, retry after 1 s" twice.
    m.fail_sends(
        5,
        vec![
            rate_limited(RateLimitScope::Bot, 1),
            rate_limited(RateLimitScope::Bot, 1),
        ],
    );
    store
        .create_broadcast(&NewBroadcast::new("rl", Reply::new("x"), chats(&m, 1..21)))
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", config(1000));
    wait_done(&store, "rl", 20).await;
    task.abort();
    let c = counts(&m);
    let journal = store.broadcast_journal("rl", 30, 0).await.unwrap();
    assert_eq!(c.len(), 20, "{journal:?}");
    assert!(c.values().all(|n| *n == 1), "{c:?}");
    // Two pauses of 1 s each.
    assert!(started.elapsed() >= Duration::from_secs(2));
    let t = store.broadcast("rl").await.unwrap().unwrap().totals();
    assert_eq!((t.sent, t.failed), (20, 0));
    // "Too many requests" does not count as a try, nor does being put back unsent behind it:
    // every recipient was sent on its one counted try.
    assert!(journal.iter().all(|j| j.attempts == 1), "{journal:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gone_users_are_blocked_and_refusals_failed_with_the_reason() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    m.fail_sends(
        2,
        vec![MessengerError::Blocked {
            detail: ApiDetail::new(
                Some(403),
                Some("403".into()),
                "Forbidden: bot was blocked by the user",
            ),
        }],
    );
    m.fail_sends(
        3,
        vec![MessengerError::NotSubscribed {
            detail: ApiDetail::new(Some(200), Some("6".into()), "receiverNotSubscribed"),
        }],
    );
    // A passing fault on every try: failed after max_attempts.
    m.fail_sends(4, (0..10).map(|_| server_error()).collect());
    store
        .create_broadcast(&NewBroadcast::new("g", Reply::new("x"), chats(&m, 1..6)))
        .await
        .unwrap();
    let (_rt, rec, task) = sender(&store, m.clone(), "a", config(1000).max_attempts(3));
    wait_done(&store, "g", 20).await;
    task.abort();
    let t = store.broadcast("g").await.unwrap().unwrap().totals();
    let journal = store.broadcast_journal("g", 10, 0).await.unwrap();
    assert_eq!((t.sent, t.blocked, t.failed), (2, 1, 2), "{journal:?}");
    let by_chat: HashMap<&str, _> = journal.iter().map(|j| (j.chat_id.as_str(), j)).collect();
    assert_eq!(by_chat["2"].status, RecipientStatus::Blocked);
    assert!(
        by_chat["2"]
            .error
            .as_deref()
            .unwrap()
            .contains("blocked by the user")
    );
    assert_eq!(by_chat["3"].status, RecipientStatus::Failed);
    assert!(
        by_chat["3"]
            .error
            .as_deref()
            .unwrap()
            .contains("receiverNotSubscribed")
    );
    assert_eq!(by_chat["4"].status, RecipientStatus::Failed);
    assert_eq!(by_chat["4"].attempts, 3);
    // The bot is told about the gone user only (it marks them inactive).
    assert_eq!(*rec.undeliverable.lock().unwrap(), vec!["2".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_dropping_connections_slows_the_sender_instead_of_failing_everyone() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    // The platform drops the connection after the request left, for the first six calls.
    let dropped = || MessengerError::Transport {
        reason: "connection closed before the answer".into(),
        maybe_sent: true,
    };
    for i in 1..7 {
        m.fail_sends(i, vec![dropped()]);
    }
    store
        .create_broadcast(&NewBroadcast::new(
            "drop",
            Reply::new("x"),
            chats(&m, 1..31),
        ))
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", config(1000).concurrency(1));
    wait_done(&store, "drop", 20).await;
    task.abort();
    let journal = store.broadcast_journal("drop", 40, 0).await.unwrap();
    // Those six are not repeated (they may have arrived): failed, with why.
    for j in &journal[..6] {
        assert_eq!(j.status, RecipientStatus::Failed, "{j:?}");
        assert!(
            j.error.as_deref().unwrap().contains("outcome unknown"),
            "{j:?}"
        );
    }
    assert!(
        journal[6..]
            .iter()
            .all(|j| j.status == RecipientStatus::Sent)
    );
    // Each dropped call paused the sender (20, 40, 80, 160, 320, 640 ms), instead of the 30
    // calls going out in 30 ms at 1 000/s with every one the platform dropped failed.
    let first_sent = m.sends.lock().unwrap()[0].2;
    assert!(
        first_sent - started >= Duration::from_millis(1_200),
        "{:?}",
        first_sent - started
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_held_past_its_lease_is_not_sent_twice() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    // Each send takes 30 ms. The first call fails with a 5xx: the sender backs off for 2 s, longer
    // than a claim lasts (1.5 s), holding the recipients it claimed meanwhile. Their claim runs
    // out, and the next claim, made while the old one is being sent, takes them again: only one
    // of the two may send to them.
    *m.latency.lock().unwrap() = Duration::from_millis(30);
    m.fail_sends(1, vec![server_error()]);
    store
        .create_broadcast(&NewBroadcast::new(
            "stale",
            Reply::new("x"),
            chats(&m, 1..31),
        ))
        .await
        .unwrap();
    let cfg = config(1000)
        .concurrency(1)
        .lease(Duration::from_millis(1_500))
        .backoff(Duration::from_secs(1));
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", cfg);
    wait_done(&store, "stale", 30).await;
    task.abort();
    let c = counts(&m);
    assert_eq!(c.len(), 30, "{c:?}");
    let mut twice: Vec<_> = c.iter().filter(|(_, n)| **n > 1).collect();
    twice.sort();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    let journal = store.broadcast_journal("stale", 100, 0).await.unwrap();
    assert!(
        journal.iter().all(|j| j.status == RecipientStatus::Sent),
        "{journal:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_cancel() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    store
        .create_broadcast(&NewBroadcast::new("p", Reply::new("x"), chats(&m, 1..201)))
        .await
        .unwrap();
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", config(50));
    wait_for(10, "some sends", async || {
        m.sends.lock().unwrap().len() >= 10
    })
    .await;
    assert!(
        store
            .control_broadcast("p", BroadcastControl::Pause)
            .await
            .unwrap()
    );
    // Pausing twice, or resuming what is not paused, is refused.
    assert!(
        !store
            .control_broadcast("p", BroadcastControl::Pause)
            .await
            .unwrap()
    );
    // What was in hand (about a second's worth) still goes, the rest is put back, then nothing.
    wait_for(10, "the claims to be put back", async || {
        store
            .broadcast("p")
            .await
            .unwrap()
            .unwrap()
            .totals()
            .sending
            == 0
    })
    .await;
    let at_pause = m.sends.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(m.sends.lock().unwrap().len(), at_pause);
    assert!(at_pause < 200);
    let info = store.broadcast("p").await.unwrap().unwrap();
    assert_eq!(info.state, BroadcastState::Paused);
    assert_eq!(info.totals().sending, 0);
    assert!(
        store
            .control_broadcast("p", BroadcastControl::Resume)
            .await
            .unwrap()
    );
    wait_for(10, "more sends", async || {
        m.sends.lock().unwrap().len() >= at_pause + 10
    })
    .await;
    assert!(
        store
            .control_broadcast("p", BroadcastControl::Cancel)
            .await
            .unwrap()
    );
    assert!(
        !store
            .control_broadcast("p", BroadcastControl::Resume)
            .await
            .unwrap()
    );
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    task.abort();
    let info = store.broadcast("p").await.unwrap().unwrap();
    assert_eq!(info.state, BroadcastState::Cancelled);
    let t = info.totals();
    let sent = m.sends.lock().unwrap().len() as u64;
    assert_eq!(t.sent, sent);
    assert_eq!(t.sent + t.cancelled, 200, "{t:?}");
    assert_eq!((t.queued, t.sending), (0, 0), "{t:?}");
    assert!(counts(&m).values().all(|n| *n == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_broadcast_waits_for_its_time() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1_200);
    store
        .create_broadcast(&NewBroadcast::new("s", Reply::new("x"), chats(&m, 1..4)).start_at(at))
        .await
        .unwrap();
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", config(1000));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(m.sends.lock().unwrap().is_empty());
    assert_eq!(
        store.broadcast("s").await.unwrap().unwrap().state,
        BroadcastState::Active
    );
    wait_done(&store, "s", 10).await;
    task.abort();
    assert_eq!(counts(&m).len(), 3);
    assert!(chrono::Utc::now() >= at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_go_out_in_the_order_they_started_each_in_its_recipients_order() {
    let (store, _dir) = sqlite_store().await;
    let m = Arc::new(Faulty::new());
    let now = chrono::Utc::now();
    // "a" is created first but started later than "z"; both are due.
    for (id, ago, range) in [("a", 1, 11..26), ("z", 2, 1..16)] {
        let b = NewBroadcast::new(id, Reply::new(id), chats(&m, range))
            .start_at(now - chrono::Duration::seconds(ago));
        store.create_broadcast(&b).await.unwrap();
    }
    // Claims start at one recipient and double: each broadcast takes several.
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", config(40));
    wait_done(&store, "a", 20).await;
    task.abort();
    let order: Vec<(String, String)> = m
        .sends
        .lock()
        .unwrap()
        .iter()
        .map(|(chat, text, _)| (text.clone(), chat.clone()))
        .collect();
    let expected: Vec<(String, String)> = (1..16)
        .map(|i| ("z".to_owned(), i.to_string()))
        .chain((11..26).map(|i| ("a".to_owned(), i.to_string())))
        .collect();
    assert_eq!(order, expected);
}

/// A messenger with a broadcast call of `batch` chats (as Viber's `broadcast_message`),
/// recording each call's size.
struct Batched {
    platform: Arc<Faulty>,
    batch: usize,
    calls: Mutex<Vec<usize>>,
    /// Report receipts, and give each call's receivers one shared token `call<n>` (as Viber).
    receipts: bool,
}

#[async_trait]
impl Messenger for Batched {
    fn kind(&self) -> MessengerKind {
        MessengerKind::InMemory
    }
    fn limits(&self) -> &Limits {
        self.platform.limits()
    }
    fn broadcast_batch(&self) -> usize {
        self.batch
    }
    fn broadcast_rate(&self) -> Rate {
        Rate::new(500, Duration::from_secs(10)).unwrap()
    }
    async fn send_many(
        &self,
        chats: &[ChatRef],
        message: &OutgoingMessage,
    ) -> Result<Vec<Result<Option<PlatformId>, MessengerError>>, MessengerError> {
        let call = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(chats.len());
            calls.len()
        };
        let mut out = Vec::new();
        for c in chats {
            let r = self.platform.send(c, message).await;
            out.push(r.map(|m| {
                Some(if self.receipts {
                    PlatformId::from(format!("call{call}"))
                } else {
                    m.id
                })
            }));
        }
        Ok(out)
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities::new().with_delivery_receipts(self.receipts)
    }
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        self.calls.lock().unwrap().push(1);
        self.platform.send(chat, message).await
    }
    async fn edit(&self, m: &MessageRef, new: &OutgoingMessage) -> Result<(), MessengerError> {
        self.platform.edit(m, new).await
    }
    async fn answer_button(&self, c: &CallbackRef, a: &ButtonAnswer) -> Result<(), MessengerError> {
        self.platform.answer_button(c, a).await
    }
    async fn download(&self, f: &FileRef) -> Result<Bytes, MessengerError> {
        self.platform.download(f).await
    }
    fn parse_webhook(&self, h: &HeaderMap, b: &[u8]) -> Result<Vec<Update>, MessengerError> {
        self.platform.parse_webhook(h, b)
    }
    async fn poll(&self, c: PollCursor, t: Duration) -> Result<PollBatch, MessengerError> {
        self.platform.poll(c, t).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batched_platform_gets_300_recipients_per_call_at_its_call_rate() {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    // One receiver of the second call is gone: reported on its own.
    platform.fail_sends(
        400,
        vec![MessengerError::ChatNotFound {
            detail: ApiDetail::new(Some(200), Some("5".into()), "receiverNotRegistered"),
        }],
    );
    let m = Arc::new(Batched {
        platform: platform.clone(),
        batch: 300,
        calls: Mutex::new(Vec::new()),
        receipts: false,
    });
    store
        .create_broadcast(&NewBroadcast::new(
            "v",
            Reply::new("x"),
            chats(&platform, 1..651),
        ))
        .await
        .unwrap();
    // The messenger's own rate: 500 calls per 10 s (one per 20 ms).
    let cfg = BroadcastConfig::default().idle_interval(Duration::from_millis(50));
    let (_rt, _rec, task) = sender(&store, m.clone(), "a", cfg);
    wait_done(&store, "v", 20).await;
    task.abort();
    assert_eq!(*m.calls.lock().unwrap(), vec![300, 300, 50]);
    let t = store.broadcast("v").await.unwrap().unwrap().totals();
    assert_eq!((t.sent, t.blocked), (649, 1));
}

/// Receipts (Viber's delivered/seen/failed) move a recipient's journal line forward, found by
/// the token its call was given: never backwards, never for a token of another call, and they
/// never reach the dialogue handler.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_move_the_journal_forward_and_never_reach_the_dialogue() {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    let m = Arc::new(Batched {
        platform: platform.clone(),
        batch: 3,
        calls: Mutex::new(Vec::new()),
        receipts: true,
    });
    store
        .create_broadcast(&NewBroadcast::new(
            "r",
            Reply::new("x"),
            chats(&platform, 1..7),
        ))
        .await
        .unwrap();
    let cfg = BroadcastConfig::default().idle_interval(Duration::from_millis(50));
    let (rt, _rec, task) = sender(&store, m.clone(), "a", cfg);
    wait_done(&store, "r", 20).await;
    task.abort();
    assert_eq!(*m.calls.lock().unwrap(), vec![3, 3]);
    // Chats 1–3 got token call1, chats 4–6 call2.
    let receipt = |chat: i64, token: &str, status: ReceiptStatus| {
        Update::new(
            MessengerKind::InMemory,
            format!("{token}:{chat}:{status:?}"),
            UpdateKind::Receipt(Receipt::new(token, status)),
        )
        .with_chat(platform.inner.chat(chat))
    };
    let failed = || ReceiptStatus::Failed {
        reason: "no device".into(),
    };
    let accepted = rt
        .accept(&[
            receipt(1, "call1", ReceiptStatus::Delivered),
            receipt(2, "call1", ReceiptStatus::Seen),
            // Seen before delivered: the late delivered does not move it back.
            receipt(3, "call1", ReceiptStatus::Seen),
            receipt(3, "call1", ReceiptStatus::Delivered),
            receipt(4, "call2", failed()),
            // Another call's token: not this chat's message (a dialogue reply, say).
            receipt(5, "call1", ReceiptStatus::Seen),
            // A chat no broadcast reached.
            receipt(99, "call2", ReceiptStatus::Seen),
        ])
        .await
        .unwrap();
    assert_eq!(accepted, 0, "receipts are not updates to handle");
    let c = store.broadcast("r").await.unwrap().unwrap().per_messenger["in_memory"];
    assert_eq!(
        (c.sent, c.delivered, c.seen, c.failed, c.reached()),
        (2, 1, 2, 1, 5)
    );
    assert_eq!(c.finished(), 6);
    let journal = store.broadcast_journal("r", 10, 0).await.unwrap();
    let line = |chat: &str| journal.iter().find(|j| j.chat_id == chat).unwrap();
    assert_eq!(line("3").status, RecipientStatus::Seen);
    assert_eq!(line("4").status, RecipientStatus::Failed);
    assert_eq!(line("4").error.as_deref(), Some("not delivered: no device"));
    assert_eq!(line("5").status, RecipientStatus::Sent);
    // A failed receipt after delivery changes nothing.
    rt.accept(&[receipt(1, "call1", failed())]).await.unwrap();
    let journal = store.broadcast_journal("r", 10, 0).await.unwrap();
    assert_eq!(journal[0].status, RecipientStatus::Delivered);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_in_the_middle_resumes_with_no_repeat_and_the_calls_under_way_unknown() {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    store
        .create_broadcast(&NewBroadcast::new(
            "k",
            Reply::new("x"),
            chats(&platform, 1..301),
        ))
        .await
        .unwrap();
    let gate = Arc::new(Gate::new(platform.clone()));
    // A long lease: waiting for it to run out would fail the time bound below.
    let (_rt, _rec, task) = sender(
        &store,
        gate.clone(),
        "bot-1",
        config(100).lease(Duration::from_secs(60)),
    );
    wait_for(10, "half-way", async || {
        platform.sends.lock().unwrap().len() >= 150
    })
    .await;
    // The network goes: sends in flight hang and never reach the platform; then the kill.
    gate.frozen.store(true, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(100)).await;
    task.abort();
    let before = platform.sends.lock().unwrap().len();
    assert!(before < 300, "{before}");
    let mid = store.broadcast("k").await.unwrap().unwrap().totals();
    assert!(mid.sending > 0, "{mid:?}");
    // The same instance restarts (same name): its claims go back to the queue at once.
    let restarted = tokio::time::Instant::now();
    let (_rt, _rec, task) = sender(
        &store,
        platform.clone(),
        "bot-1",
        config(100).lease(Duration::from_secs(60)),
    );
    wait_done(&store, "k", 40).await;
    task.abort();
    assert!(restarted.elapsed() < Duration::from_secs(40));
    let c = counts(&platform);
    assert!(c.values().all(|n| *n == 1), "repeats: {c:?}");
    // The calls under way at the kill are journalled unknown and not sent again (here they
    // never reached the platform: the network was cut first); everyone else got it.
    let t = store.broadcast("k").await.unwrap().unwrap().totals();
    assert_eq!(t.sent as usize, c.len());
    assert_eq!(t.sent + t.unknown, 300, "{t:?}");
    assert!((1..=8).contains(&t.unknown), "{t:?}");
    let unknown: Vec<_> = store
        .broadcast_journal("k", 300, 0)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.status == RecipientStatus::Unknown)
        .collect();
    assert_eq!(unknown.len() as u64, t.unknown);
    assert!(
        unknown[0]
            .error
            .as_deref()
            .unwrap()
            .contains("outcome unknown")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_a_broadcast_and_a_dead_senders_work_is_taken_over() {
    let (store, _dir) = sqlite_store().await;
    let platform = Arc::new(Faulty::new());
    store
        .create_broadcast(&NewBroadcast::new(
            "two",
            Reply::new("x"),
            chats(&platform, 1..201),
        ))
        .await
        .unwrap();
    let gate_a = Arc::new(Gate::new(platform.clone()));
    let gate_b = Arc::new(Gate::new(platform.clone()));
    let (_a, _ra, task_a) = sender(&store, gate_a.clone(), "a", config(100));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_b, _rb, task_b) = sender(&store, gate_b.clone(), "b", config(100));
    wait_for(10, "a third", async || {
        platform.sends.lock().unwrap().len() >= 70
    })
    .await;
    // A loses its network and dies; B takes over once A's lease (2 s) has run out.
    gate_a
        .frozen
        .store(true, std::sync::atomic::Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    task_a.abort();
    wait_done(&store, "two", 30).await;
    task_b.abort();
    let c = counts(&platform);
    assert!(c.values().all(|n| *n == 1), "repeats: {c:?}");
    let t = store.broadcast("two").await.unwrap().unwrap().totals();
    assert_eq!(t.sent as usize, c.len());
    assert_eq!(t.sent + t.unknown, 200, "{t:?}");
    assert!(t.unknown <= 8, "{t:?}");
}
