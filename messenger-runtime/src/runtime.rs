//! The [`Runtime`]: accepts updates (long polling or webhooks), hands each chat's updates to the
//! [`Handler`] in order with different chats concurrently, commits completions in groups and
//! delivers replies through a per-chat scheduler under a global rate limit.

use std::future::Future;
use std::num::NonZeroU32;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use messenger_core::{
    Messenger, MessengerError, OutgoingMessage, PollCursor, RateLimitScope, TokioClock, Update,
    send_long,
};
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::handler::{Context, Handler, HandlerError};
use crate::store::{Completed, Completion, Queued, Store, StoreError, now_ms};

/// A global send rate: `count` messages per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Messages per period.
    pub count: NonZeroU32,
    /// The period.
    pub per: Duration,
}

impl RateLimit {
    /// `n` messages per second.
    pub fn per_second(n: NonZeroU32) -> Self {
        Self {
            count: n,
            per: Duration::from_secs(1),
        }
    }

    /// The platform's documented global limit (Telegram: 30 messages per second), from the
    /// messenger's [`messenger_core::Limits`].
    pub fn of(messenger: &dyn Messenger) -> Self {
        let r = messenger.limits().global_rate;
        Self {
            count: r.count,
            per: r.per,
        }
    }
}

/// How a [`Runtime`] works. `Default` gives the production values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeConfig {
    /// This instance's name in leases (default: random). Unique per running instance.
    pub instance: String,
    /// Chats handled at the same time (default 64); a slow handler call holds one slot.
    pub max_in_flight: usize,
    /// Chats delivered to at the same time (default 64).
    pub max_delivering: usize,
    /// How long a claim on a chat lasts without renewal; a killed instance's chats are taken
    /// over after it (default 30 s).
    pub lease: Duration,
    /// How often to look for work accepted by other instances and for retries (default 200 ms).
    pub claim_interval: Duration,
    /// Tries of an update whose handler panics or fails before it is quarantined (default 3).
    pub max_attempts: u32,
    /// The first wait before retrying a failed handler call or storage operation (default
    /// 500 ms); it doubles up to `max_backoff`.
    pub backoff: Duration,
    /// The longest wait between retries (default 30 s).
    pub max_backoff: Duration,
    /// Long-polling timeout of one request (default 25 s).
    pub poll_timeout: Duration,
    /// A poll not answered within `poll_timeout + poll_grace` is abandoned as hung and retried
    /// with the same cursor (default 10 s).
    pub poll_grace: Duration,
    /// The elected poller's lease (default 60 s; renewed on every poll).
    pub poller_lease: Duration,
    /// No new poll while this many updates are stored and unhandled (default 1 000): updates
    /// then wait at the platform, not in memory.
    pub max_pending: i64,
    /// Completions and delivery marks committed together at most (default 256).
    pub commit_batch: usize,
    /// Handled updates and delivered messages are deleted after this (default 7 days).
    pub retention: Duration,
    /// How often retention runs (default 1 hour; the first run is at start).
    pub retention_interval: Duration,
    /// The global send limit of this messenger; `None` sends as fast as the platform answers.
    /// Default: `None` here; use [`RateLimit::of`] for the platform's documented limit.
    pub rate_limit: Option<RateLimit>,
    /// The least time between two messages to one chat (default none; Telegram asks for about
    /// 1 s). Waits for it delay only that chat.
    pub chat_interval: Option<Duration>,
    /// On a stop, how long work in flight may take to finish (default 5 s).
    pub shutdown_grace: Duration,
    /// A platform "too many requests" for one chat longer than this is not waited out in memory:
    /// the chat's messages are postponed in the database (default 5 s).
    pub max_inline_wait: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            instance: format!(
                "{:x}-{:x}",
                std::process::id(),
                Utc::now().timestamp_nanos_opt().unwrap_or_default()
            ),
            max_in_flight: 64,
            max_delivering: 64,
            lease: Duration::from_secs(30),
            claim_interval: Duration::from_millis(200),
            max_attempts: 3,
            backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            poll_timeout: Duration::from_secs(25),
            poll_grace: Duration::from_secs(10),
            poller_lease: Duration::from_secs(60),
            max_pending: 1000,
            commit_batch: 256,
            retention: Duration::from_secs(7 * 24 * 3600),
            retention_interval: Duration::from_secs(3600),
            rate_limit: None,
            chat_interval: None,
            max_inline_wait: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// A failure that stops [`Runtime::run_polling`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// The platform refused the bot for good: a bad token, another process polling the same
    /// bot, or long polling not supported by this messenger.
    #[error("the messenger refused long polling: {0}")]
    Messenger(MessengerError),
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

enum Job {
    Complete(Box<Completion>, oneshot::Sender<Result<Completed, String>>),
    Sent(String, i64, Option<String>, oneshot::Sender<()>),
}

struct Inner<H: Handler> {
    store: Store,
    handler: H,
    messenger: Arc<dyn Messenger>,
    kind: String,
    config: RuntimeConfig,
    wake_handle: Notify,
    wake_deliver: Notify,
    completed: Notify,
    limiter: Option<Limiter>,
    clock: TokioClock,
    /// A platform-wide "too many requests": no send before this.
    paused_until: Mutex<Option<Instant>>,
    handled: AtomicU64,
}

/// Durable update handling and delivery over one messenger. Cheap to clone; several runtimes
/// (one per messenger) may share one [`Store`].
pub struct Runtime<H: Handler> {
    inner: Arc<Inner<H>>,
}

impl<H: Handler> Clone for Runtime<H> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<H: Handler> std::fmt::Debug for Runtime<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("messenger", &self.inner.kind)
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

fn backoff_after(base: Duration, max: Duration, failures: u32) -> Duration {
    base.saturating_mul(1u32 << failures.min(16)).min(max)
}

impl<H: Handler> Runtime<H> {
    /// A runtime of `handler` over `messenger`, storing in `store`.
    pub fn new(
        store: Store,
        messenger: Arc<dyn Messenger>,
        handler: H,
        config: RuntimeConfig,
    ) -> Self {
        let clock = TokioClock::new();
        let limiter = config.rate_limit.map(|r| {
            let quota = Quota::with_period(r.per / r.count.get())
                .unwrap_or_else(|| Quota::per_second(r.count))
                .allow_burst(r.count);
            RateLimiter::direct_with_clock(quota, clock)
        });
        let kind = messenger.kind().as_str().to_owned();
        Self {
            inner: Arc::new(Inner {
                store,
                handler,
                messenger,
                kind,
                config,
                wake_handle: Notify::new(),
                wake_deliver: Notify::new(),
                completed: Notify::new(),
                limiter,
                clock,
                paused_until: Mutex::new(None),
                handled: AtomicU64::new(0),
            }),
        }
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.inner.handler
    }

    /// The messenger.
    pub fn messenger(&self) -> Arc<dyn Messenger> {
        self.inner.messenger.clone()
    }

    /// The configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// Updates this instance handled (completed) since it started.
    pub fn handled(&self) -> u64 {
        self.inner.handled.load(Ordering::Relaxed)
    }

    /// Stores received updates durably in one transaction (a repeat of a stored update is
    /// dropped) and wakes the handlers. A webhook answers the platform 200 only after this
    /// returned `Ok`. Returns how many updates were new.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was stored; answer the platform with an error (503) so it
    /// redelivers.
    pub async fn accept(&self, updates: &[Update]) -> Result<u64, StoreError> {
        let n = self
            .inner
            .store
            .accept(&self.inner.kind, updates, None, None)
            .await?
            .unwrap_or(0);
        self.inner.wake_handle.notify_one();
        Ok(n)
    }

    /// Queues a push that no update caused (a purchase notification) for delivery to `chat`:
    /// claims `event_id` and queues the messages in one transaction, so a repeat of the event
    /// is never queued twice and a crash after this returned still delivers it. Returns `false`
    /// for a repeat.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was claimed; the caller may retry.
    pub async fn enqueue_push(
        &self,
        event_id: &str,
        chat: &messenger_core::ChatRef,
        replies: &[crate::Reply],
    ) -> Result<bool, StoreError> {
        let new = self
            .inner
            .store
            .enqueue_push(event_id, chat, replies)
            .await?;
        self.inner.wake_deliver.notify_one();
        Ok(new)
    }

    /// Handles and delivers (webhook mode: updates arrive through [`Runtime::accept`]) until
    /// `shutdown` resolves. Retention runs periodically. Storage faults are retried; this only
    /// returns when `shutdown` resolves.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        self.take_over_stale_leases().await;
        let mut tasks = self.spawn_workers();
        shutdown.await;
        self.settle().await;
        tasks.abort_all();
    }

    /// Long-polls the messenger (when elected poller among the instances sharing the store),
    /// handles and delivers until `shutdown` resolves or the messenger's input closes (then it
    /// returns once everything accepted is handled and delivered).
    ///
    /// Every polling failure but a fatal one is retried with backoff and the same cursor.
    ///
    /// # Errors
    /// [`RunError::Messenger`] for a bad token, a conflicting poller or no long polling.
    pub async fn run_polling(&self, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
        self.take_over_stale_leases().await;
        let tasks = self.spawn_workers();
        let guard = AbortOnDrop(tasks);
        let result = tokio::select! {
            () = shutdown => Ok(()),
            r = self.poll_loop() => r,
        };
        if result.is_ok() {
            self.settle().await;
        }
        drop(guard);
        result
    }

    /// Handles every stored, unhandled update and delivers every due message, then returns
    /// (tests, and a bot that drives the runtime by hand). Messages postponed to later (a long
    /// rate limit, repeated send failures) stay queued.
    pub async fn drain(&self) {
        let tasks = AbortOnDrop(self.spawn_workers());
        self.wait_idle().await;
        drop(tasks);
    }

    /// After a stop was asked: lets the work in flight (handlers running, sends waiting for the
    /// platform's answer) finish for up to [`RuntimeConfig::shutdown_grace`], so a clean stop
    /// repeats nothing after the restart.
    async fn settle(&self) {
        let _ = tokio::time::timeout(self.inner.config.shutdown_grace, self.wait_idle()).await;
    }

    async fn take_over_stale_leases(&self) {
        let mut failures = 0;
        while let Err(e) = self.inner.store.reset_stale_leases(&self.inner.kind).await {
            let wait = backoff_after(
                self.inner.config.backoff,
                self.inner.config.max_backoff,
                failures,
            );
            failures += 1;
            tracing::warn!(error = %e, ?wait, "cannot clear an earlier process's leases; retrying");
            tokio::time::sleep(wait).await;
        }
    }

    fn spawn_workers(&self) -> JoinSet<()> {
        let (tx, rx) = mpsc::channel(4096);
        let mut tasks = JoinSet::new();
        tasks.spawn(committer(self.inner.clone(), rx));
        tasks.spawn(handle_loop(self.inner.clone(), tx.clone()));
        tasks.spawn(deliver_loop(self.inner.clone(), tx));
        tasks.spawn(retention_loop(self.inner.clone()));
        tasks
    }

    async fn poll_loop(&self) -> Result<(), RunError> {
        let inner = &self.inner;
        let cfg = &inner.config;
        let lease_name = format!("poller.{}", inner.kind);
        let cursor_name = format!("poll.{}", inner.kind);
        let mut leader = false;
        let mut cursor = PollCursor::default();
        let mut failures = 0u32;
        loop {
            if !leader {
                let now = now_ms();
                match inner
                    .store
                    .try_lease(&lease_name, &cfg.instance, now, now + ms(cfg.poller_lease))
                    .await
                {
                    Ok(true) => match inner.store.cursor(&cursor_name).await {
                        Ok(c) => {
                            leader = true;
                            cursor = PollCursor(c.and_then(|v| v.parse().ok()));
                            tracing::info!(messenger = %inner.kind, instance = %cfg.instance, "elected poller");
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot read the polling cursor; retrying");
                            tokio::time::sleep(cfg.backoff).await;
                            continue;
                        }
                    },
                    Ok(false) => {
                        tokio::time::sleep(cfg.poller_lease / 4).await;
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot take the poller lease; retrying");
                        tokio::time::sleep(cfg.backoff).await;
                        continue;
                    }
                }
            }
            // Backpressure: updates wait at the platform while many are stored unhandled.
            loop {
                match inner.store.pending_count(&inner.kind).await {
                    Ok(n) if n >= cfg.max_pending => {
                        let _ = tokio::time::timeout(
                            Duration::from_millis(50),
                            inner.completed.notified(),
                        )
                        .await;
                    }
                    _ => break,
                }
            }
            let polled = tokio::time::timeout(
                cfg.poll_timeout + cfg.poll_grace,
                inner.messenger.poll(cursor, cfg.poll_timeout),
            )
            .await;
            let error = match polled {
                Ok(Ok(batch)) => {
                    failures = 0;
                    let next = batch.next.0.map(|n| n.to_string());
                    let mut store_failures = 0;
                    // The batch is held until it is stored: the cursor moves only then.
                    loop {
                        let now = now_ms();
                        let fence = (
                            lease_name.as_str(),
                            cfg.instance.as_str(),
                            now + ms(cfg.poller_lease),
                        );
                        match inner
                            .store
                            .accept(
                                &inner.kind,
                                &batch.updates,
                                next.as_deref().map(|n| (cursor_name.as_str(), n)),
                                Some(fence),
                            )
                            .await
                        {
                            Ok(Some(_)) => {
                                cursor = batch.next;
                                if !batch.updates.is_empty() {
                                    inner.wake_handle.notify_one();
                                }
                                break;
                            }
                            Ok(None) => {
                                tracing::warn!(
                                    "lost the poller lease; the batch is left to the new poller"
                                );
                                leader = false;
                                break;
                            }
                            Err(e) => {
                                let wait =
                                    backoff_after(cfg.backoff, cfg.max_backoff, store_failures);
                                store_failures += 1;
                                tracing::warn!(error = %e, ?wait, "cannot store a polled batch; retrying");
                                tokio::time::sleep(wait).await;
                            }
                        }
                    }
                    continue;
                }
                Ok(Err(MessengerError::Closed)) => {
                    self.wait_idle().await;
                    return Ok(());
                }
                Ok(Err(
                    e @ (MessengerError::Unauthorized { .. }
                    | MessengerError::Conflict { .. }
                    | MessengerError::Unsupported { .. }
                    | MessengerError::Config(_)),
                )) => {
                    let _ = inner.store.release_lease(&lease_name, &cfg.instance).await;
                    return Err(RunError::Messenger(e));
                }
                Ok(Err(e)) => e.to_string(),
                Err(_) => "the poll hung past its timeout".to_owned(),
            };
            let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
            failures += 1;
            tracing::warn!(error = %error, ?wait, "polling failed; retrying with the same cursor");
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits until nothing of this messenger is pending or due for delivery (the console's end
    /// of input, [`Runtime::drain`]).
    async fn wait_idle(&self) {
        loop {
            self.inner.wake_handle.notify_one();
            self.inner.wake_deliver.notify_one();
            match self.inner.store.busy(&self.inner.kind, now_ms()).await {
                Ok(false) => return,
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

struct AbortOnDrop(JoinSet<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort_all();
    }
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Commits completions and delivery marks in groups: one transaction for whatever is queued.
async fn committer<H: Handler>(inner: Arc<Inner<H>>, mut rx: mpsc::Receiver<Job>) {
    let max = inner.config.commit_batch.max(1);
    let mut jobs = Vec::with_capacity(max);
    while rx.recv_many(&mut jobs, max).await > 0 {
        let mut completions = Vec::new();
        let mut acks = Vec::new();
        let mut marks = Vec::new();
        let mut mark_acks = Vec::new();
        for j in jobs.drain(..) {
            match j {
                Job::Complete(c, ack) => {
                    completions.push(*c);
                    acks.push(ack);
                }
                Job::Sent(key, idx, err, ack) => {
                    marks.push((key, idx, err));
                    mark_acks.push(ack);
                }
            }
        }
        if !marks.is_empty() {
            let mut failures = 0;
            while let Err(e) = inner.store.commit_sent(&inner.kind, &marks).await {
                let wait = backoff_after(inner.config.backoff, inner.config.max_backoff, failures);
                failures += 1;
                tracing::warn!(error = %e, ?wait, "cannot mark messages sent; retrying");
                tokio::time::sleep(wait).await;
            }
            for a in mark_acks {
                let _ = a.send(());
            }
        }
        if completions.is_empty() {
            continue;
        }
        let mut failures = 0;
        loop {
            match inner.store.commit_completions(&completions).await {
                Ok(results) => {
                    for (a, r) in acks.drain(..).zip(results) {
                        let _ = a.send(Ok(r));
                    }
                    break;
                }
                Err(e) if e.is_transient() || completions.len() == 1 && failures == 0 => {
                    let wait =
                        backoff_after(inner.config.backoff, inner.config.max_backoff, failures);
                    failures += 1;
                    if !e.is_transient() && completions.len() == 1 {
                        // One completion that fails for good (a handler write the database
                        // refuses): the chat's task counts it as a failed attempt.
                        if let Some(a) = acks.pop() {
                            let _ = a.send(Err(e.to_string()));
                        }
                        break;
                    }
                    tracing::warn!(error = %e, ?wait, "cannot commit completions; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    // One bad completion spoils the group: commit them one by one.
                    tracing::warn!(error = %e, "a group commit failed; committing one by one");
                    for (c, a) in completions.drain(..).zip(acks.drain(..)) {
                        let mut failures = 0;
                        loop {
                            match inner
                                .store
                                .commit_completions(std::slice::from_ref(&c))
                                .await
                            {
                                Ok(mut r) => {
                                    let _ = a.send(Ok(r.pop().unwrap_or(Completed::Done)));
                                    break;
                                }
                                Err(e) if e.is_transient() => {
                                    let wait = backoff_after(
                                        inner.config.backoff,
                                        inner.config.max_backoff,
                                        failures,
                                    );
                                    failures += 1;
                                    tokio::time::sleep(wait).await;
                                }
                                Err(e) => {
                                    let _ = a.send(Err(e.to_string()));
                                    break;
                                }
                            }
                        }
                    }
                    break;
                }
            }
        }
    }
}

/// Claims chats with pending updates and runs one task per chat, at most `max_in_flight`.
async fn handle_loop<H: Handler>(inner: Arc<Inner<H>>, jobs: mpsc::Sender<Job>) {
    let cfg = &inner.config;
    let slots = Arc::new(Semaphore::new(cfg.max_in_flight.max(1)));
    let mut tasks = JoinSet::new();
    let mut failures = 0;
    loop {
        while tasks.try_join_next().is_some() {}
        let free = slots.available_permits();
        let mut claimed_all = false;
        if free > 0 {
            let now = now_ms();
            match inner
                .store
                .claim_chats(
                    &inner.kind,
                    &cfg.instance,
                    now,
                    now + ms(cfg.lease),
                    free as i64,
                )
                .await
            {
                Ok(chats) => {
                    failures = 0;
                    claimed_all = chats.len() == free;
                    for chat_id in chats {
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        let inner = inner.clone();
                        let jobs = jobs.clone();
                        tasks.spawn(async move {
                            chat_task(&inner, &jobs, &chat_id).await;
                            drop(permit);
                            inner.wake_handle.notify_one();
                        });
                    }
                }
                Err(e) => {
                    let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot claim chats; retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
        }
        if claimed_all {
            // Every slot is busy: wait for one to free up.
            inner.wake_handle.notified().await;
        } else {
            let _ = tokio::time::timeout(cfg.claim_interval, inner.wake_handle.notified()).await;
        }
    }
}

/// Handles a claimed chat's pending updates in order, then gives the chat up.
async fn chat_task<H: Handler>(inner: &Inner<H>, jobs: &mpsc::Sender<Job>, chat_id: &str) {
    const BATCH: i64 = 32;
    let cfg = &inner.config;
    let mut failures = 0;
    loop {
        let (mut state, pending) = match inner.store.load_chat(&inner.kind, chat_id, BATCH).await {
            Ok(x) => x,
            Err(e) => {
                let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                failures += 1;
                tracing::warn!(error = %e, ?wait, "cannot load a chat; retrying");
                tokio::time::sleep(wait).await;
                let _ = inner
                    .store
                    .renew_chat(
                        &inner.kind,
                        chat_id,
                        &cfg.instance,
                        now_ms() + ms(cfg.lease),
                    )
                    .await;
                continue;
            }
        };
        if pending.is_empty() {
            let _ = inner
                .store
                .release_chat(&inner.kind, chat_id, &cfg.instance)
                .await;
            return;
        }
        let last_batch = (pending.len() as i64) < BATCH;
        let n = pending.len();
        for (i, row) in pending.into_iter().enumerate() {
            let release = last_batch && i + 1 == n;
            match handle_one(inner, jobs, chat_id, &row, state.as_deref(), release).await {
                Step::Next(new_state) => {
                    if new_state.is_some() {
                        state = new_state;
                    }
                }
                Step::Stop => return,
            }
        }
        if last_batch {
            return;
        }
    }
}

enum Step {
    /// Go on with the chat's next update (with the new state, when it changed).
    Next(Option<String>),
    /// The chat was lost to another instance: stop.
    Stop,
}

async fn handle_one<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    row: &crate::store::PendingRow,
    state: Option<&str>,
    release: bool,
) -> Step {
    let cfg = &inner.config;
    let update: Update = match serde_json::from_str(&row.payload) {
        Ok(u) => u,
        Err(e) => {
            tracing::error!(key = %row.update_key, error = %e, "a stored update cannot be read; quarantined");
            let c = completion(inner, chat_id, &row.update_key, None, release);
            let job = Completion {
                quarantine: Some(format!("unreadable: {e}")),
                ..c
            };
            return commit(inner, jobs, job)
                .await
                .map_or(Step::Stop, |_| Step::Next(None));
        }
    };
    let mut attempts = u32::try_from(row.attempts.max(0)).unwrap_or(u32::MAX);
    let mut transient = 0u32;
    loop {
        if attempts >= cfg.max_attempts.max(1) {
            let reason = format!("failed {attempts} times");
            tracing::error!(key = %row.update_key, messenger = %inner.kind, chat = chat_id, "an update is quarantined after {attempts} failed attempts");
            let replies = AssertUnwindSafe(inner.handler.on_quarantine(&update, &reason))
                .catch_unwind()
                .await
                .unwrap_or_default();
            let c = completion(
                inner,
                chat_id,
                &row.update_key,
                update.chat.clone(),
                release,
            );
            let job = Completion {
                quarantine: Some(reason),
                replies,
                ..c
            };
            return match commit(inner, jobs, job).await {
                Some(()) => Step::Next(None),
                None => Step::Stop,
            };
        }
        let decoded = state.and_then(|s| match serde_json::from_str::<H::State>(s) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(chat = chat_id, error = %e, "a stored conversation state no longer decodes; starting afresh");
                None
            }
        });
        let cx = Context {
            messenger: inner.messenger.clone(),
            attempt: attempts + 1,
        };
        let result = AssertUnwindSafe(inner.handler.handle(&cx, &update, decoded))
            .catch_unwind()
            .await;
        let failure = match result {
            Ok(Ok(outcome)) => {
                let new_state = match outcome.state.as_ref().map(serde_json::to_string) {
                    Some(Ok(s)) => Some(s),
                    Some(Err(e)) => {
                        tracing::error!(error = %e, "a conversation state cannot be serialized; kept the old one");
                        None
                    }
                    None => None,
                };
                let c = completion(
                    inner,
                    chat_id,
                    &row.update_key,
                    update.chat.clone(),
                    release,
                );
                let job = Completion {
                    state: new_state.clone(),
                    replies: outcome.replies,
                    writes: outcome.writes,
                    ..c
                };
                let (ack_tx, ack_rx) = oneshot::channel();
                if jobs.send(Job::Complete(Box::new(job), ack_tx)).await.is_err() {
                    return Step::Stop;
                }
                match ack_rx.await {
                    Ok(Ok(Completed::Done)) => {
                        inner.handled.fetch_add(1, Ordering::Relaxed);
                        inner.completed.notify_waiters();
                        inner.wake_deliver.notify_one();
                        return Step::Next(new_state);
                    }
                    Ok(Ok(Completed::LeaseLost)) | Err(_) => {
                        tracing::warn!(
                            chat = chat_id,
                            "another instance took this chat over; its outcome is dropped"
                        );
                        return Step::Stop;
                    }
                    Ok(Err(e)) => format!("the completion was refused by the database: {e}"),
                }
            }
            Ok(Err(HandlerError::Transient(e))) => {
                let wait = backoff_after(cfg.backoff, cfg.max_backoff, transient);
                transient += 1;
                tracing::warn!(key = %row.update_key, error = %e, ?wait, "a passing failure; the update is retried");
                tokio::time::sleep(wait).await;
                if !renew(inner, chat_id).await {
                    return Step::Stop;
                }
                continue;
            }
            Ok(Err(HandlerError::Failed(e))) => e,
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic".to_owned());
                format!("the handler panicked: {what}")
            }
        };
        tracing::error!(key = %row.update_key, messenger = %inner.kind, chat = chat_id, error = %failure, "handling an update failed");
        let mut store_failures = 0;
        loop {
            match inner
                .store
                .count_attempt(&inner.kind, &row.update_key, &failure)
                .await
            {
                Ok(n) => {
                    attempts = u32::try_from(n.max(0)).unwrap_or(u32::MAX);
                    break;
                }
                Err(e) => {
                    let wait = backoff_after(cfg.backoff, cfg.max_backoff, store_failures);
                    store_failures += 1;
                    tracing::warn!(error = %e, "cannot count a failed attempt; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
        if attempts < cfg.max_attempts {
            tokio::time::sleep(backoff_after(cfg.backoff, cfg.max_backoff, attempts)).await;
        }
        if !renew(inner, chat_id).await {
            return Step::Stop;
        }
    }
}

async fn renew<H: Handler>(inner: &Inner<H>, chat_id: &str) -> bool {
    let cfg = &inner.config;
    let mut failures = 0;
    loop {
        match inner
            .store
            .renew_chat(
                &inner.kind,
                chat_id,
                &cfg.instance,
                now_ms() + ms(cfg.lease),
            )
            .await
        {
            Ok(held) => return held,
            Err(e) => {
                let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                failures += 1;
                tracing::warn!(error = %e, "cannot renew a chat lease; retrying");
                tokio::time::sleep(wait).await;
            }
        }
    }
}

fn completion<H: Handler>(
    inner: &Inner<H>,
    chat_id: &str,
    update_key: &str,
    chat: Option<messenger_core::ChatRef>,
    release: bool,
) -> Completion {
    Completion {
        messenger: inner.kind.clone(),
        chat_id: chat_id.to_owned(),
        update_key: update_key.to_owned(),
        chat,
        owner: inner.config.instance.clone(),
        lease_until: now_ms() + ms(inner.config.lease),
        release,
        state: None,
        replies: Vec::new(),
        writes: Vec::new(),
        quarantine: None,
    }
}

/// Commits one completion through the committer. `None` when the chat was lost.
async fn commit<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    job: Completion,
) -> Option<()> {
    let (ack_tx, ack_rx) = oneshot::channel();
    jobs.send(Job::Complete(Box::new(job), ack_tx)).await.ok()?;
    match ack_rx.await {
        Ok(Ok(Completed::Done)) => {
            inner.completed.notify_waiters();
            inner.wake_deliver.notify_one();
            Some(())
        }
        _ => None,
    }
}

/// Claims chats with due messages and runs one delivery task per chat.
async fn deliver_loop<H: Handler>(inner: Arc<Inner<H>>, jobs: mpsc::Sender<Job>) {
    let cfg = &inner.config;
    let slots = Arc::new(Semaphore::new(cfg.max_delivering.max(1)));
    let mut tasks = JoinSet::new();
    let mut failures = 0;
    loop {
        while tasks.try_join_next().is_some() {}
        let free = slots.available_permits();
        let mut claimed_all = false;
        if free > 0 {
            let now = now_ms();
            match inner
                .store
                .claim_delivery(
                    &inner.kind,
                    &cfg.instance,
                    now,
                    now + ms(cfg.lease),
                    free as i64,
                )
                .await
            {
                Ok(chats) => {
                    failures = 0;
                    claimed_all = chats.len() == free;
                    for chat_id in chats {
                        let Ok(permit) = slots.clone().try_acquire_owned() else {
                            break;
                        };
                        let inner = inner.clone();
                        let jobs = jobs.clone();
                        tasks.spawn(async move {
                            deliver_chat(&inner, &jobs, &chat_id).await;
                            drop(permit);
                            inner.wake_deliver.notify_one();
                        });
                    }
                }
                Err(e) => {
                    let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot claim deliveries; retrying");
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
        }
        if claimed_all {
            inner.wake_deliver.notified().await;
        } else {
            let _ = tokio::time::timeout(cfg.claim_interval, inner.wake_deliver.notified()).await;
        }
    }
}

/// Waits for the global limit and any platform-wide pause.
async fn global_turn<H: Handler>(inner: &Inner<H>) {
    loop {
        let paused = *inner.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(until) = paused
            && until > Instant::now()
        {
            tokio::time::sleep_until(until).await;
            continue;
        }
        let Some(limiter) = &inner.limiter else {
            return;
        };
        match limiter.check() {
            Ok(()) => return,
            Err(not_until) => {
                tokio::time::sleep(not_until.wait_time_from(inner.clock.now())).await;
            }
        }
    }
}

/// Delivers a claimed chat's messages in order; waits for that chat only.
async fn deliver_chat<H: Handler>(inner: &Inner<H>, jobs: &mpsc::Sender<Job>, chat_id: &str) {
    const BATCH: i64 = 16;
    let cfg = &inner.config;
    let mut chat_ready = Instant::now();
    let mut failures = 0u32;
    loop {
        let rows = match inner.store.load_outbox(&inner.kind, chat_id, BATCH).await {
            Ok(r) => r,
            Err(e) => {
                let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                failures += 1;
                tracing::warn!(error = %e, "cannot load queued messages; retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        if rows.is_empty() {
            let _ = inner
                .store
                .set_delivery_lease(&inner.kind, chat_id, &cfg.instance, 0)
                .await;
            return;
        }
        for row in rows {
            let queued: Queued = match serde_json::from_str(&row.payload) {
                Ok(q) => q,
                Err(e) => {
                    tracing::error!(key = %row.update_key, idx = row.idx, error = %e, "a queued message cannot be read; dropped");
                    mark(jobs, row.update_key.clone(), row.idx, Some(e.to_string())).await;
                    continue;
                }
            };
            let now = now_ms();
            if row.not_before > now {
                chat_ready = chat_ready
                    .max(Instant::now() + Duration::from_millis((row.not_before - now) as u64));
            }
            let mut msg = OutgoingMessage::new(queued.reply.text.clone());
            if let Some(kb) = queued.reply.keyboard.clone() {
                msg = msg.keyboard(kb);
            }
            if queued.reply.silent {
                msg = msg.silent();
            }
            let mut tries = u32::try_from(row.attempts.max(0)).unwrap_or(0);
            loop {
                if chat_ready > Instant::now() {
                    let wait = chat_ready - Instant::now();
                    if wait > cfg.max_inline_wait {
                        // A long pause (Viber's hourly cap): keep it in the database, free the
                        // slot for other chats.
                        let until = now_ms() + ms(wait);
                        let _ = inner
                            .store
                            .postpone_chat(&inner.kind, chat_id, &cfg.instance, None, until)
                            .await;
                        return;
                    }
                    tokio::time::sleep_until(chat_ready).await;
                }
                global_turn(inner).await;
                let sent = send_long(inner.messenger.as_ref(), &queued.chat, &msg).await;
                match sent {
                    Ok(_) => {
                        if let Some(iv) = cfg.chat_interval {
                            chat_ready = Instant::now() + iv;
                        }
                        mark(jobs, row.update_key.clone(), row.idx, None).await;
                        let _ = AssertUnwindSafe(
                            inner.handler.on_delivered(&queued.chat, &queued.reply),
                        )
                        .catch_unwind()
                        .await;
                        break;
                    }
                    Err(e) if matches!(e, MessengerError::RateLimited { .. }) => {
                        let wait = e
                            .retry_after()
                            .unwrap_or_else(|| backoff_after(cfg.backoff, cfg.max_backoff, tries));
                        tries += 1;
                        if e.rate_limit_scope() == Some(RateLimitScope::Chat) {
                            tracing::warn!(
                                chat = chat_id,
                                ?wait,
                                "rate limited in one chat; only that chat waits"
                            );
                            chat_ready = Instant::now() + wait;
                        } else {
                            tracing::warn!(?wait, "rate limited by the platform; every chat waits");
                            let until = Instant::now() + wait;
                            let mut p =
                                inner.paused_until.lock().unwrap_or_else(|e| e.into_inner());
                            if p.is_none_or(|t| t < until) {
                                *p = Some(until);
                            }
                        }
                    }
                    Err(e) if is_permanent(&e) => {
                        tracing::warn!(chat = chat_id, error = %e, "a message cannot be delivered; dropped");
                        let _ = AssertUnwindSafe(inner.handler.on_undeliverable(&queued.chat, &e))
                            .catch_unwind()
                            .await;
                        mark(jobs, row.update_key.clone(), row.idx, Some(e.to_string())).await;
                        break;
                    }
                    Err(e) => {
                        // A passing fault (a timeout, a 5xx, a reset): at least once, so a send
                        // that may have arrived is repeated.
                        let wait = backoff_after(cfg.backoff, cfg.max_backoff, tries);
                        tries += 1;
                        tracing::warn!(chat = chat_id, error = %e, ?wait, "a send failed; retrying");
                        if wait > cfg.max_inline_wait {
                            let until = now_ms() + ms(wait);
                            let _ = inner
                                .store
                                .postpone_chat(
                                    &inner.kind,
                                    chat_id,
                                    &cfg.instance,
                                    Some((&row.update_key, row.idx)),
                                    until,
                                )
                                .await;
                            return;
                        }
                        chat_ready = Instant::now() + wait;
                    }
                }
                let _ = inner
                    .store
                    .set_delivery_lease(
                        &inner.kind,
                        chat_id,
                        &cfg.instance,
                        now_ms() + ms(cfg.lease),
                    )
                    .await;
            }
        }
    }
}

fn is_permanent(e: &MessengerError) -> bool {
    e.is_recipient_gone()
        || matches!(
            e,
            MessengerError::InvalidRequest { .. }
                | MessengerError::Invalid(_)
                | MessengerError::Unauthorized { .. }
                | MessengerError::Unsupported { .. }
                | MessengerError::Config(_)
        )
}

async fn mark(jobs: &mpsc::Sender<Job>, key: String, idx: i64, error: Option<String>) {
    let (tx, rx) = oneshot::channel();
    if jobs.send(Job::Sent(key, idx, error, tx)).await.is_ok() {
        let _ = rx.await;
    }
}

/// Deletes old handled updates and delivered messages now and every `retention_interval`.
async fn retention_loop<H: Handler>(inner: Arc<Inner<H>>) {
    let cfg = &inner.config;
    loop {
        let cut = Utc::now()
            - chrono::Duration::from_std(cfg.retention).unwrap_or(chrono::Duration::days(7));
        match inner.store.prune(cut).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                deleted = n,
                "old handled updates and delivered messages deleted"
            ),
            Err(e) => tracing::warn!(error = %e, "retention failed; it runs again later"),
        }
        tokio::time::sleep(cfg.retention_interval).await;
    }
}
