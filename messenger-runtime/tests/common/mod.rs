//! Shared test doubles: a recording handler and a messenger with scripted faults.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, ChatRef, FileRef, InMemoryMessenger, Limits, MessageRef,
    Messenger, MessengerError, MessengerKind, OutgoingMessage, PollBatch, PollCursor,
    RateLimitScope, Update,
};
use messenger_runtime::{
    BroadcastConfig, BroadcastState, Context, Handler, HandlerError, Outcome, RateLimit, Reply,
    Runtime, RuntimeConfig, Store, StoreOptions, Write,
};

/// A fresh SQLite store in a temp dir (kept alive by the returned guard).
pub async fn sqlite_store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("rt.db").display());
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    create_effects(&store).await;
    (store, dir)
}

/// The table the test handler writes to inside the completion transaction.
pub async fn create_effects(store: &Store) {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS test_effects (update_key TEXT NOT NULL, chat_id TEXT NOT NULL)",
    )
    .execute(store.writer())
    .await
    .unwrap();
}

/// Fast settings for tests.
pub fn fast_config() -> RuntimeConfig {
    RuntimeConfig {
        claim_interval: Duration::from_millis(20),
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        poll_timeout: Duration::from_millis(200),
        poll_grace: Duration::from_millis(300),
        poller_lease: Duration::from_secs(2),
        lease: Duration::from_secs(2),
        ..RuntimeConfig::default()
    }
}

/// Records what it handled; replies "<chat>:<text>" (to "twice", "<chat>:twice/1" first);
/// panics on "panic"; sleeps on "slow"; writes one row per handled update into `test_effects`
/// in the completion transaction (and, on "bad-write", a row the database refuses).
#[derive(Default)]
pub struct Recorder {
    pub seen: Mutex<Vec<(String, String)>>,
    pub running: AtomicUsize,
    pub max_running: AtomicUsize,
    pub calls: AtomicUsize,
    pub slow: Mutex<HashMap<String, Duration>>,
    pub quarantined: Mutex<Vec<String>>,
    pub undeliverable: Mutex<Vec<String>>,
}

impl Recorder {
    pub fn texts_of(&self, chat: &str) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|(c, _)| c == chat)
            .map(|(_, t)| t.clone())
            .collect()
    }
}

#[async_trait]
impl Handler for Recorder {
    type State = u32;

    async fn handle(
        &self,
        _cx: &Context,
        update: &Update,
        state: Option<u32>,
    ) -> Result<Outcome<u32>, HandlerError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let chat = update
            .chat
            .as_ref()
            .map(|c| c.id.to_string())
            .unwrap_or_default();
        let text = update.text().unwrap_or("").to_owned();
        // Read before `running` counts this call: a test that sees it running may change `slow`
        // for the next calls without racing this one.
        let slow = self.slow.lock().unwrap().get(&text).copied();
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_running.fetch_max(now, Ordering::SeqCst);
        if let Some(d) = slow {
            tokio::time::sleep(d).await;
        } else {
            tokio::task::yield_now().await;
        }
        self.running.fetch_sub(1, Ordering::SeqCst);
        if text == "panic" {
            panic!("the test handler panics on purpose");
        }
        self.seen.lock().unwrap().push((chat.clone(), text.clone()));
        let n = state.unwrap_or(0) + 1;
        let mut out = Outcome::none();
        if text == "twice" {
            out = out.reply(Reply::new(format!("{chat}:twice/1").as_str()));
        }
        if text == "bad-write" {
            // The database refuses the completion for good.
            out = out.write(Write::new("INSERT INTO no_such_table (x) VALUES ($1)").bind(1_i64));
        }
        Ok(out
            .reply(Reply::new(format!("{chat}:{text}").as_str()))
            .state(n)
            .write(
                Write::new("INSERT INTO test_effects (update_key, chat_id) VALUES ($1, $2)")
                    .bind(update.dedup_key.clone())
                    .bind(chat),
            ))
    }

    async fn on_quarantine(&self, update: &Update, _reason: &str) -> Vec<Reply> {
        self.quarantined
            .lock()
            .unwrap()
            .push(update.dedup_key.clone());
        vec![Reply::new("something went wrong")]
    }

    async fn on_undeliverable(&self, chat: &ChatRef, _error: &MessengerError) {
        self.undeliverable.lock().unwrap().push(chat.id.to_string());
    }
}

/// A fault a [`Faulty`] messenger injects.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The poll never answers.
    Hang,
    /// The connection is reset.
    Reset,
    /// A proxy answers 200 with an HTML page.
    Html,
}

/// An in-memory messenger with scripted poll faults and send failures, recording poll cursors
/// and send times.
pub struct Faulty {
    pub inner: InMemoryMessenger,
    pub poll_faults: Mutex<VecDeque<Fault>>,
    pub cursors: Mutex<Vec<PollCursor>>,
    /// Per chat id: what the next sends to it get, in order (`None`: it goes through).
    pub send_faults: Mutex<HashMap<String, VecDeque<Option<MessengerError>>>>,
    /// (chat id, text, when) of every successful send.
    pub sends: Mutex<Vec<(String, String, tokio::time::Instant)>>,
    /// While set, sends never complete (a frozen instance).
    pub frozen: std::sync::atomic::AtomicBool,
    /// How long each send takes (a slow platform; zero by default).
    pub latency: Mutex<Duration>,
}

impl Faulty {
    pub fn new() -> Self {
        Self {
            inner: InMemoryMessenger::new(),
            poll_faults: Mutex::new(VecDeque::new()),
            cursors: Mutex::new(Vec::new()),
            send_faults: Mutex::new(HashMap::new()),
            sends: Mutex::new(Vec::new()),
            frozen: std::sync::atomic::AtomicBool::new(false),
            latency: Mutex::new(Duration::ZERO),
        }
    }

    pub fn fail_sends(&self, chat: i64, errors: Vec<MessengerError>) {
        self.script_sends(chat, errors.into_iter().map(Some).collect());
    }

    /// The next sends to `chat`, in order: `None` goes through, `Some` fails.
    pub fn script_sends(&self, chat: i64, script: Vec<Option<MessengerError>>) {
        self.send_faults
            .lock()
            .unwrap()
            .insert(chat.to_string(), script.into());
    }

    pub fn sent_to(&self, chat: i64) -> Vec<String> {
        let c = chat.to_string();
        self.sends
            .lock()
            .unwrap()
            .iter()
            .filter(|(id, _, _)| *id == c)
            .map(|(_, t, _)| t.clone())
            .collect()
    }
}

pub fn rate_limited(scope: RateLimitScope, secs: u64) -> MessengerError {
    MessengerError::rate_limited(
        scope,
        Some(Duration::from_secs(secs)),
        ApiDetail::new(Some(429), Some("429".into()), "Too Many Requests"),
    )
}

pub fn server_error() -> MessengerError {
    MessengerError::Server {
        detail: ApiDetail::new(Some(502), None, "Bad Gateway"),
    }
}

#[async_trait]
impl Messenger for Faulty {
    fn kind(&self) -> MessengerKind {
        MessengerKind::InMemory
    }
    fn limits(&self) -> &Limits {
        self.inner.limits()
    }
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        if self.frozen.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        let latency = *self.latency.lock().unwrap();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let id = chat.id.to_string();
        let fault = self
            .send_faults
            .lock()
            .unwrap()
            .get_mut(&id)
            .and_then(VecDeque::pop_front)
            .flatten();
        if let Some(e) = fault {
            return Err(e);
        }
        let r = self.inner.send(chat, message).await?;
        self.sends.lock().unwrap().push((
            id,
            message.text.plain_text(),
            tokio::time::Instant::now(),
        ));
        Ok(r)
    }
    async fn edit(&self, m: &MessageRef, new: &OutgoingMessage) -> Result<(), MessengerError> {
        self.inner.edit(m, new).await
    }
    async fn answer_button(&self, c: &CallbackRef, a: &ButtonAnswer) -> Result<(), MessengerError> {
        self.inner.answer_button(c, a).await
    }
    async fn download(&self, f: &FileRef) -> Result<Bytes, MessengerError> {
        self.inner.download(f).await
    }
    fn parse_webhook(&self, h: &HeaderMap, b: &[u8]) -> Result<Vec<Update>, MessengerError> {
        self.inner.parse_webhook(h, b)
    }
    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        self.cursors.lock().unwrap().push(cursor);
        let fault = self.poll_faults.lock().unwrap().pop_front();
        match fault {
            Some(Fault::Hang) => {
                std::future::pending::<()>().await;
                unreachable!()
            }
            Some(Fault::Reset) => Err(MessengerError::Transport {
                reason: "connection reset by peer".into(),
                maybe_sent: false,
            }),
            Some(Fault::Html) => Err(MessengerError::decode(
                "getUpdates",
                200,
                "expected value at line 1 column 1",
                b"<html><body>502 Bad Gateway</body></html>",
            )),
            None => self.inner.poll(cursor, timeout).await,
        }
    }
}

/// Waits until `f` holds (polling every 20 ms) or panics after `secs`.
pub async fn wait_for(secs: u64, what: &str, mut f: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while !f().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Rows in test_effects.
pub async fn effects(store: &Store) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>("SELECT update_key, chat_id FROM test_effects")
        .fetch_all(store.reader())
        .await
        .unwrap()
}

/// One instance's view of a shared [`Faulty`] platform: freezing it makes this instance's sends
/// hang (its network is cut) without touching the other instances.
pub struct Gate {
    pub platform: std::sync::Arc<Faulty>,
    pub frozen: std::sync::atomic::AtomicBool,
    /// With a store: before each send, how many updates of `in_memory` it still had pending
    /// (unhandled) is recorded in `pending_at_send`.
    pub probe: Mutex<Option<Store>>,
    pub pending_at_send: Mutex<Vec<usize>>,
}

impl Gate {
    pub fn new(platform: std::sync::Arc<Faulty>) -> Self {
        Self {
            platform,
            frozen: std::sync::atomic::AtomicBool::new(false),
            probe: Mutex::new(None),
            pending_at_send: Mutex::new(Vec::new()),
        }
    }
}

#[async_trait]
impl Messenger for Gate {
    fn kind(&self) -> MessengerKind {
        MessengerKind::InMemory
    }
    fn limits(&self) -> &Limits {
        self.platform.limits()
    }
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        if self.frozen.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        let probe = self.probe.lock().unwrap().clone();
        if let Some(store) = probe {
            let n = store.pending("in_memory").await.unwrap().len();
            self.pending_at_send.lock().unwrap().push(n);
        }
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
    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        if self.frozen.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.platform.poll(cursor, timeout).await
    }
}

// Broadcast helpers.

pub fn per_second(n: u32) -> RateLimit {
    RateLimit::per_second(NonZeroU32::new(n).unwrap())
}

pub fn config(rate: u32) -> BroadcastConfig {
    BroadcastConfig::default()
        .rate(per_second(rate))
        .idle_interval(Duration::from_millis(50))
        .lease(Duration::from_secs(2))
        .backoff(Duration::from_millis(20))
}

/// A runtime named `instance` over `m`, sending broadcasts in a task (abort it to "kill").
pub fn sender<M: Messenger + 'static>(
    store: &Store,
    m: Arc<M>,
    instance: &str,
    cfg: BroadcastConfig,
) -> (
    Runtime<Arc<Recorder>>,
    Arc<Recorder>,
    tokio::task::JoinHandle<()>,
) {
    let rec = Arc::new(Recorder::default());
    let rt = Runtime::new(
        store.clone(),
        m,
        rec.clone(),
        RuntimeConfig {
            instance: instance.to_owned(),
            ..fast_config()
        },
    );
    let r2 = rt.clone();
    let task = tokio::spawn(async move { r2.run_broadcasts(cfg, std::future::pending()).await });
    (rt, rec, task)
}

pub fn chats(m: &Faulty, ids: std::ops::Range<i64>) -> Vec<ChatRef> {
    ids.map(|i| m.inner.chat(i)).collect()
}

/// How many times each chat got something.
pub fn counts(m: &Faulty) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for (chat, _, _) in m.sends.lock().unwrap().iter() {
        *out.entry(chat.clone()).or_default() += 1;
    }
    out
}

pub async fn wait_done(store: &Store, id: &str, secs: u64) {
    wait_for(secs, "the broadcast to finish", async || {
        store.broadcast(id).await.unwrap().unwrap().state == BroadcastState::Done
    })
    .await;
}
