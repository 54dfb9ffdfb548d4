//! No update is lost and none is handled twice when the bot process is killed with SIGKILL in the
//! middle of a burst of updates: the compiled binary serves a fake Telegram Bot API, is killed
//! after a few replies, and a second process on the same SQLite file finishes the burst.
//!
//! # Why "only a reply in flight at the kill may repeat" is the strongest claim possible
//!
//! Telegram's `sendMessage` has no idempotency key: a message the server accepted cannot be told
//! apart from a new one, and the bot cannot ask whether its last request got through. The bot
//! stores each update in its inbox before it confirms it to Telegram (the polling `offset`),
//! sends the update's replies, and stores its new conversation state, its message log and the
//! "handled" mark in one transaction (a reply Telegram did not take at once goes into the outbox
//! in that transaction, and is marked sent once Telegram accepted it). So a crash never loses an
//! update (it is stored before it is confirmed) and never commits one twice (the handled mark
//! commits with its effects); the only thing a restart can repeat is a reply that Telegram
//! accepted in the instant before that commit (the update is then handled again) or before its
//! "sent" mark, i.e. a reply in flight when the process died. Since messenger-runtime delivers to many chats at once, several replies can be
//! in flight at the kill: only chats whose reply reached Telegram before the kill may get their
//! answer twice, and nothing is handled twice (the runtime's inbox shows one handling each).
//!
//! The fake Bot API is a small axum server (axum is already a dependency of the bot; wiremock is
//! not among its dev-dependencies). `getUpdates` behaves like Telegram's: an `offset` confirms
//! (drops) every update below it, and the call returns what is left.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use loyalty_bot::engine::{Conversation, Step};
use loyalty_bot::storage::{ChatKey, Storage};
use serde_json::{Value, json};

const TOKEN: &str = "123:ABC";
/// Updates in the burst, one `/start` per chat.
const BURST: i64 = 30;
const FIRST_UPDATE_ID: i64 = 810_000_001;
/// The first chat id; chat `i` of the burst is `FIRST_CHAT + i`.
const FIRST_CHAT: i64 = 6_100_000;
/// The first process is killed once the fake Telegram received this many `sendMessage` calls.
const KILL_AFTER: usize = 8;
/// How long the fake Telegram takes to answer `sendMessage`, so the kill lands with a reply in
/// flight.
const SEND_DELAY: Duration = Duration::from_millis(100);
/// How long an empty `getUpdates` is held (a short long poll).
const EMPTY_POLL: Duration = Duration::from_millis(250);
/// Upper bound of every wait (start-up included) on a loaded machine.
const WAIT: Duration = Duration::from_secs(90);

/// A `sendMessage` call, tagged with the bot process that made it (1 or 2).
#[derive(Debug, Clone)]
struct Sent {
    process: u32,
    chat: i64,
    text: String,
}

/// The fake Bot API.
#[derive(Default)]
struct Fake {
    /// Which bot process is running (set by the test before each start).
    process: AtomicU32,
    /// Updates not yet confirmed by an `offset`, oldest first.
    updates: Mutex<VecDeque<Value>>,
    /// `getUpdates` bodies, per process.
    polls: Mutex<Vec<(u32, Value)>>,
    /// `sendMessage` calls, recorded on arrival (before the answer).
    sent: Mutex<Vec<Sent>>,
    /// Every other method called.
    other: Mutex<Vec<String>>,
    next_message_id: AtomicI64,
}

impl Fake {
    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }

    fn polls(&self) -> Vec<(u32, Value)> {
        self.polls.lock().unwrap().clone()
    }
}

fn ok(result: Value) -> (StatusCode, Json<Value>) {
    (StatusCode::OK, Json(json!({"ok": true, "result": result})))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn name(i: i64) -> String {
    format!("User{i}")
}

async fn api(State(fake): State<Arc<Fake>>, uri: Uri, body: Bytes) -> (StatusCode, Json<Value>) {
    let process = fake.process.load(Ordering::SeqCst);
    let Some(method) = uri.path().strip_prefix(&format!("/bot{TOKEN}/")) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"ok": false, "error_code": 404, "description": "Not Found"})),
        );
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match method {
        "getUpdates" => {
            let result: Vec<Value> = {
                let mut queue = fake.updates.lock().unwrap();
                if let Some(offset) = body.get("offset").and_then(Value::as_i64) {
                    queue.retain(|u| u["update_id"].as_i64().unwrap() >= offset);
                }
                fake.polls.lock().unwrap().push((process, body));
                queue.iter().cloned().collect()
            };
            if result.is_empty() {
                tokio::time::sleep(EMPTY_POLL).await;
            }
            ok(Value::Array(result))
        }
        "sendMessage" => {
            let chat = body["chat_id"].as_i64().unwrap();
            let text = body["text"].as_str().unwrap().to_owned();
            let earlier = {
                let mut sent = fake.sent.lock().unwrap();
                sent.push(Sent {
                    process,
                    chat,
                    text: text.clone(),
                });
                sent.len() - 1
            };
            if process == 1 && earlier >= KILL_AFTER {
                // Keeps the kill mid-burst however slowly the test gets scheduled: process 1
                // gets no answer after the KILL_AFTER-th (it is killed before the wait ends).
                tokio::time::sleep(WAIT).await;
            }
            tokio::time::sleep(SEND_DELAY).await;
            let id = 1 + fake.next_message_id.fetch_add(1, Ordering::SeqCst);
            ok(json!({
                "message_id": id,
                "date": now(),
                "from": {"id": 123, "is_bot": true, "first_name": "Loyalty", "username": "loyalty_test_bot"},
                "chat": {"id": chat, "type": "private", "first_name": name(chat - FIRST_CHAT)},
                "text": text,
            }))
        }
        // A polling bot may drop a webhook left from an earlier run, or check its token.
        "deleteWebhook" => {
            fake.other.lock().unwrap().push(method.to_owned());
            ok(json!(true))
        }
        "getMe" => {
            fake.other.lock().unwrap().push(method.to_owned());
            ok(
                json!({"id": 123, "is_bot": true, "first_name": "Loyalty", "username": "loyalty_test_bot"}),
            )
        }
        other => {
            fake.other.lock().unwrap().push(other.to_owned());
            (
                StatusCode::NOT_FOUND,
                Json(
                    json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"}),
                ),
            )
        }
    }
}

/// The burst: chat `i` says `/start` in update `FIRST_UPDATE_ID + i`.
fn burst() -> VecDeque<Value> {
    (0..BURST)
        .map(|i| {
            let chat = FIRST_CHAT + i;
            json!({"update_id": FIRST_UPDATE_ID + i, "message": {
                "message_id": 1,
                "date": now(),
                "from": {"id": chat, "is_bot": false, "first_name": name(i), "language_code": "uk"},
                "chat": {"id": chat, "type": "private", "first_name": name(i)},
                "text": "/start",
                "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
            }})
        })
        .collect()
}

fn greeting(i: i64) -> String {
    format!(
        "Вітаємо, {}! Це бот програми лояльності ERGO CLUB.\nЩоб увійти, надішліть свій номер телефону кнопкою нижче або введіть його.",
        name(i)
    )
}

/// A bot process; killed (SIGKILL) and reaped when dropped, so a failing test leaves none behind.
struct BotProcess {
    child: Child,
    stderr: PathBuf,
}

impl BotProcess {
    fn start(dir: &Path, api: &str, n: u32) -> Self {
        let stderr = dir.join(format!("bot{n}.stderr"));
        let child = Command::new(env!("CARGO_BIN_EXE_loyalty-bot"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PANEL_LISTEN_ADDR", "off")
            .env("TELEGRAM_BOT_TOKEN", TOKEN)
            .env("TELEGRAM_API_URL", api)
            .env(
                "DATABASE_URL",
                format!("sqlite:{}", dir.join("bot.db").display()),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Self { child, stderr }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Panics (with the process's stderr) if it has exited.
    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!(
                "the bot exited early ({status}); stderr:\n{}",
                self.stderr()
            );
        }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until `done` holds, the bot still running; panics after [`WAIT`].
async fn wait_for(what: &str, bot: &mut BotProcess, fake: &Fake, done: impl Fn(&Fake) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done(fake) {
        bot.assert_running();
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; sent so far: {:?}; stderr:\n{}",
            fake.sent(),
            bot.stderr()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_mid_burst_loses_no_update_and_repeats_at_most_the_reply_in_flight() {
    let fake = Arc::new(Fake::default());
    *fake.updates.lock().unwrap() = burst();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(api).with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let chats: Vec<i64> = (0..BURST).map(|i| FIRST_CHAT + i).collect();

    // Process 1 takes the burst and is killed with SIGKILL once KILL_AFTER replies were sent
    // (the last of them still waiting for Telegram's answer).
    fake.process.store(1, Ordering::SeqCst);
    let mut bot1 = BotProcess::start(dir.path(), &api_url, 1);
    wait_for("the first replies", &mut bot1, &fake, |f| {
        f.sent.lock().unwrap().len() >= KILL_AFTER
    })
    .await;
    bot1.kill();
    // A request written just before the kill may still sit in the server's socket: let the
    // server read it before the next requests are counted as process 2's.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = fake.sent();
    let answered = first.len();
    // The fake answers only the first KILL_AFTER replies of process 1, so the kill lands with
    // the rest unanswered (no "sent" mark). The runtime sends to all chats at once: by the time
    // the kill lands, every reply of the burst may already have reached the fake.
    assert!(
        answered >= KILL_AFTER && answered <= BURST as usize,
        "the kill must land mid-burst: {answered} replies"
    );
    // Process 1 answered each chat at most once (chats run concurrently, so in any order).
    let mut first_chats: Vec<i64> = first.iter().map(|s| s.chat).collect();
    first_chats.sort_unstable();
    first_chats.dedup();
    assert_eq!(first_chats.len(), answered, "{first:?}");
    // It polled first without an offset and got the burst; any later poll (made once the burst
    // was stored) confirmed it.
    let polls1 = fake.polls();
    assert_eq!(
        polls1[0],
        (
            1_u32,
            json!({"timeout": 25, "allowed_updates": ["message", "callback_query", "my_chat_member"]})
        )
    );
    for (_, body) in &polls1[1..] {
        assert_eq!(body["offset"], json!(FIRST_UPDATE_ID + BURST), "{body}");
    }

    // Process 2 on the same database finishes the burst, then polls for more.
    fake.process.store(2, Ordering::SeqCst);
    let mut bot2 = BotProcess::start(dir.path(), &api_url, 2);
    wait_for(
        "every chat greeted and a poll after the burst",
        &mut bot2,
        &fake,
        |f| {
            let sent = f.sent();
            chats.iter().all(|c| sent.iter().any(|s| s.chat == *c))
                && f.polls().iter().any(|(p, _)| *p == 2)
        },
    )
    .await;
    // Stop it as an operator would (Ctrl-C); it must exit cleanly.
    let pid = bot2.child.id().to_string();
    let status = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = bot2.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the bot did not stop on SIGINT; stderr:\n{}",
            bot2.stderr()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(exit.success(), "{exit}; stderr:\n{}", bot2.stderr());

    // The burst was confirmed before the crash: process 2 never got it again (every poll
    // carried offset = last update_id + 1).
    for (process, body) in fake.polls().iter().filter(|(p, _)| *p == 2) {
        assert_eq!(
            body["offset"],
            json!(FIRST_UPDATE_ID + BURST),
            "poll of process {process}: {body}"
        );
    }
    assert!(fake.updates.lock().unwrap().is_empty());
    let other = fake.other.lock().unwrap().clone();
    assert!(
        other.iter().all(|m| m == "deleteWebhook" || m == "getMe"),
        "unexpected Bot API calls: {other:?}"
    );

    // Every chat got its own greeting; no chat got more than two, and only the chat whose reply
    // was in flight at the kill may have got two.
    let all = fake.sent();
    let mut per_chat: BTreeMap<i64, usize> = BTreeMap::new();
    for s in &all {
        assert_eq!(s.text, greeting(s.chat - FIRST_CHAT), "{s:?}");
        *per_chat.entry(s.chat).or_default() += 1;
    }
    assert_eq!(per_chat.keys().copied().collect::<Vec<_>>(), chats);
    let twice: Vec<i64> = per_chat
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(c, _)| *c)
        .collect();
    assert!(per_chat.values().all(|n| *n <= 2), "{per_chat:?}");
    assert!(
        twice.iter().all(|c| first_chats.contains(c)),
        "answered twice: {twice:?}; reached Telegram before the kill: {first_chats:?}"
    );
    // Process 2 answered every chat process 1 had not, plus (at most) the ones whose reply was in
    // flight at the kill, each once.
    let mut second: Vec<i64> = all
        .iter()
        .filter(|s| s.process == 2)
        .map(|s| s.chat)
        .collect();
    second.sort_unstable();
    let mut expected: Vec<i64> = chats
        .iter()
        .copied()
        .filter(|c| !first_chats.contains(c) || twice.contains(c))
        .collect();
    expected.sort_unstable();
    assert_eq!(second, expected);
    eprintln!("killed after {answered} replies; answered twice: {twice:?}");

    // The database agrees: every update handled, every reply delivered, the cursor past the
    // burst, a user and a conversation per chat.
    let storage = Storage::connect(&format!("sqlite:{}", dir.path().join("bot.db").display()))
        .await
        .unwrap();
    let counts = storage.runtime_store().counts("telegram").await.unwrap();
    assert_eq!(counts.pending, 0, "{counts:?}");
    assert_eq!(counts.unsent, 0, "{counts:?}");
    // Each update handled once, none set aside.
    assert_eq!(counts.handled, BURST, "{counts:?}");
    assert_eq!(counts.quarantined, 0, "{counts:?}");
    assert_eq!(
        storage.cursor("poll.telegram").await.unwrap(),
        Some((FIRST_UPDATE_ID + BURST).to_string())
    );
    for (i, chat) in chats.iter().enumerate() {
        let key = ChatKey::new("telegram", chat.to_string());
        let user = storage.user(&key).await.unwrap().unwrap();
        assert_eq!(
            user.profile.first_name,
            Some(name(i64::try_from(i).unwrap()))
        );
        let stored = storage
            .runtime_store()
            .state("telegram", &key.chat_id)
            .await
            .unwrap()
            .unwrap();
        let state: Conversation = serde_json::from_str(&stored).unwrap();
        assert_eq!(state.step, Step::AwaitPhone);
        assert_eq!(state.resume, None);
    }
}

/// Chats of the several-updates burst (the bench's 2 000-users shape, scaled down).
const CHATS: i64 = 12;
/// `/start`s per chat in that burst, interleaved across the chats.
const PER_CHAT: i64 = 4;

/// Update `k` of the several-updates burst is chat `k % CHATS` saying `/start`.
fn burst_of_chats() -> VecDeque<Value> {
    (0..CHATS * PER_CHAT)
        .map(|k| {
            let i = k % CHATS;
            let chat = FIRST_CHAT + i;
            json!({"update_id": FIRST_UPDATE_ID + k, "message": {
                "message_id": 1 + k / CHATS,
                "date": now(),
                "from": {"id": chat, "is_bot": false, "first_name": name(i), "language_code": "uk"},
                "chat": {"id": chat, "type": "private", "first_name": name(i)},
                "text": "/start",
                "entities": [{"offset": 0, "length": 6, "type": "bot_command"}],
            }})
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_amid_several_updates_per_chat_handles_each_once() {
    let total = CHATS * PER_CHAT;
    let fake = Arc::new(Fake::default());
    *fake.updates.lock().unwrap() = burst_of_chats();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api_url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(api).with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();

    fake.process.store(1, Ordering::SeqCst);
    let mut bot1 = BotProcess::start(dir.path(), &api_url, 1);
    wait_for("the first replies", &mut bot1, &fake, |f| {
        f.sent.lock().unwrap().len() >= KILL_AFTER
    })
    .await;
    bot1.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let first = fake.sent();
    assert!(
        first.len() >= KILL_AFTER && (first.len() as i64) < total,
        "the kill must land mid-burst: {} replies",
        first.len()
    );

    fake.process.store(2, Ordering::SeqCst);
    let mut bot2 = BotProcess::start(dir.path(), &api_url, 2);
    wait_for(
        "every update answered and a poll after the burst",
        &mut bot2,
        &fake,
        |f| {
            let sent = f.sent();
            (0..CHATS).all(|i| {
                sent.iter().filter(|s| s.chat == FIRST_CHAT + i).count() >= PER_CHAT as usize
            }) && f.polls().iter().any(|(p, _)| *p == 2)
        },
    )
    .await;
    // Let a repeat, if the bot were to make one, arrive before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    bot2.kill();

    // Every reply is its chat's greeting; a chat got more than its updates' replies only by
    // repeats of replies process 1 had sent (in flight at the kill).
    let all = fake.sent();
    for s in &all {
        assert_eq!(s.text, greeting(s.chat - FIRST_CHAT), "{s:?}");
    }
    let repeats = all.len() as i64 - total;
    assert!(
        (0..=first.len() as i64).contains(&repeats),
        "{} replies for {total} updates, {} sent by process 1",
        all.len(),
        first.len()
    );
    for i in 0..CHATS {
        let n = all.iter().filter(|s| s.chat == FIRST_CHAT + i).count() as i64;
        let by_first = first.iter().filter(|s| s.chat == FIRST_CHAT + i).count() as i64;
        assert!(
            (PER_CHAT..=PER_CHAT + by_first).contains(&n),
            "chat {i}: {n} replies, {by_first} from process 1"
        );
    }

    // Each update handled exactly once: all handled, none pending or set aside, and one
    // incoming log line per update (the log line commits with the update's completion, so a
    // second handling would have written a second one).
    let storage = Storage::connect(&format!("sqlite:{}", dir.path().join("bot.db").display()))
        .await
        .unwrap();
    let counts = storage.runtime_store().counts("telegram").await.unwrap();
    assert_eq!(counts.pending, 0, "{counts:?}");
    assert_eq!(counts.unsent, 0, "{counts:?}");
    assert_eq!(counts.handled, total, "{counts:?}");
    assert_eq!(counts.quarantined, 0, "{counts:?}");
    let (incoming, _) = storage.message_counts("telegram").await.unwrap();
    assert_eq!(incoming, total);
    assert_eq!(
        storage.cursor("poll.telegram").await.unwrap(),
        Some((FIRST_UPDATE_ID + total).to_string())
    );
}
