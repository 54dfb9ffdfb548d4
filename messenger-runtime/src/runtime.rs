//! The [`Runtime`]: accepts updates (long polling or webhooks), hands each chat's updates to the
//! [`Handler`] in order with different chats concurrently, commits completions in groups and
//! delivers replies through a per-chat scheduler under a global rate limit.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use messenger_core::{Messenger, MessengerError, PollCursor, TokioClock, Update, UpdateKind};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::handler::Handler;

pub mod broadcast;
mod chats;
mod committer;
mod delivery;
mod handle;

use crate::store::{ClaimArgs, Completed, Completion, Finish, Store, StoreError, now_ms};
use chats::{dispatch, handle_loop};
use committer::committer;
use delivery::{deliver_loop, global_turn, retention_loop};
use handle::outgoing;

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
    /// Chats handled at the same time (default 512: a vendor call of 200 ms then still allows
    /// 2 500 updates/s); a slow handler call holds one slot.
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
    /// How long the committer waits for more completions to join a group before it commits
    /// (default 2 ms; zero commits at once). Larger groups write fewer pages in all.
    pub commit_window: Duration,
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
    /// Send an update's replies as soon as the handler returns them, before its completion
    /// commits, when the chat task holds the chat's delivery lease (default `true`). The reply
    /// then waits for no commit and is never written to the outbox; replies the platform does
    /// not take at once are queued with the completion as before. The cost: a crash between
    /// the send and the commit (a few milliseconds) handles the update again and repeats its
    /// replies. `false` sends only after the commit (a repeat then needs a crash between the
    /// send and the next commit's "sent" mark).
    pub reply_before_commit: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            instance: format!(
                "{:x}-{:x}",
                std::process::id(),
                Utc::now().timestamp_nanos_opt().unwrap_or_default()
            ),
            max_in_flight: 512,
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
            commit_window: Duration::from_millis(2),
            retention: Duration::from_secs(7 * 24 * 3600),
            retention_interval: Duration::from_secs(3600),
            rate_limit: None,
            chat_interval: None,
            max_inline_wait: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(5),
            reply_before_commit: true,
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
    /// Marks, writes and lease releases; `wake_deliver` when messages were left for the delivery
    /// scheduler; the ack (if any) after the commit.
    Finish(Box<Finish>, bool, Option<oneshot::Sender<()>>),
}

/// Updates handed to a chat task from memory (straight from a stored poll batch).
struct Work {
    key: String,
    seq: i64,
    update: Update,
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
    /// The chats this process is handling now, with the updates queued for them in memory.
    chats: Mutex<HashMap<String, VecDeque<Work>>>,
    /// Handling slots (`max_in_flight`).
    slots: Arc<Semaphore>,
    /// Some stored update was not handed to a chat task from memory: the claim loop must look.
    leftover: AtomicBool,
    /// Distinguishes the delivery-lease tokens of direct sends.
    tokens: AtomicU64,
    /// The committer's queue and the chat-task spawner while the workers run.
    workers: Mutex<Option<(mpsc::Sender<Job>, mpsc::UnboundedSender<ChatStart>)>>,
}

impl<H: Handler> Inner<H> {
    /// A fresh delivery-lease token for the chats of one claim (each chat task releases its own
    /// chat's lease under it).
    fn claim_token(&self) -> String {
        format!(
            "{}/h{}",
            self.config.instance,
            self.tokens.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// A platform-wide "too many requests": no send (reply or broadcast) before `until`.
    fn pause_all(&self, until: Instant) {
        let mut p = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if p.is_none_or(|t| t < until) {
            *p = Some(until);
        }
    }

    /// Sleeps out a platform-wide pause; returns whether there was one.
    async fn wait_pause(&self) -> bool {
        let paused = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        match paused {
            Some(until) if until > Instant::now() => {
                tokio::time::sleep_until(until).await;
                true
            }
            _ => false,
        }
    }
}

/// A chat task to start (in the claim loop's task set, so stopping the workers stops it).
struct ChatStart {
    chat_id: String,
    state: Option<String>,
    from_inbox: bool,
    /// The chat's delivery lease, when it came with the claim.
    token: Option<String>,
    /// Taken before the claim's statement: the leases run from no earlier than this.
    claimed_at: Instant,
    permit: OwnedSemaphorePermit,
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
                wake_handle: Notify::new(),
                wake_deliver: Notify::new(),
                completed: Notify::new(),
                limiter,
                clock,
                paused_until: Mutex::new(None),
                handled: AtomicU64::new(0),
                chats: Mutex::new(HashMap::new()),
                slots: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
                leftover: AtomicBool::new(false),
                // Tokens start at the clock, not at 0: a restart under the same instance name must
                // never reuse a token an earlier run may still hold a lease under.
                tokens: AtomicU64::new(
                    u64::try_from(Utc::now().timestamp_micros()).unwrap_or_default(),
                ),
                workers: Mutex::new(None),
                config,
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
        let accepted = self
            .accept_and_dispatch(&mut updates.to_vec(), None, None)
            .await?;
        Ok(accepted.map_or(0, |n| n as u64))
    }

    /// Stores `updates` (with the cursor, under the poller's fence) and, while the workers run,
    /// claims their chats in the same transaction and hands them to chat tasks from memory.
    /// Returns how many were new, or `None` when the fence failed.
    async fn accept_and_dispatch(
        &self,
        updates: &mut Vec<Update>,
        cursor: Option<(&str, &str)>,
        fence: Option<(&str, &str, i64)>,
    ) -> Result<Option<usize>, StoreError> {
        let inner = &self.inner;
        // Receipts (Viber's delivered/seen/failed) are not a user's doing: they go to the
        // broadcast journal, never to the dialogue.
        let before = updates.len();
        let mut receipts = Vec::new();
        updates.retain(|u| match (&u.kind, &u.chat) {
            (UpdateKind::Receipt(r), Some(chat)) => {
                receipts.push((chat.id.to_string(), r.clone()));
                false
            }
            (UpdateKind::Receipt(_), None) => false,
            _ => true,
        });
        for (chat_id, r) in &receipts {
            inner.store.record_receipt(&inner.kind, chat_id, r).await?;
        }
        if updates.is_empty() && before > 0 && cursor.is_none() {
            return Ok(Some(0));
        }
        let workers = inner
            .workers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let workers = workers.filter(|(jobs, _)| !jobs.is_closed());
        let Some((jobs, spawn)) = workers else {
            let r = inner
                .store
                .accept(&inner.kind, updates, cursor, fence, None)
                .await?;
            inner.leftover.store(true, Ordering::Relaxed);
            inner.wake_handle.notify_one();
            return Ok(r.map(|a| a.fresh.len()));
        };
        let mut permits = Vec::new();
        while permits.len() < updates.len() {
            match inner.slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let now = now_ms();
        let busy = |chat: &str| {
            inner
                .chats
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(chat)
        };
        let token = inner.claim_token();
        let claimed_at = Instant::now();
        let claim = ClaimArgs {
            owner: &inner.config.instance,
            token: &token,
            now,
            until: now + ms(inner.config.lease),
            max: permits.len(),
            busy: &busy,
        };
        let Some(accepted) = inner
            .store
            .accept(&inner.kind, updates, cursor, fence, Some(claim))
            .await?
        else {
            return Ok(None);
        };
        let n = accepted.fresh.len();
        dispatch(
            inner,
            &jobs,
            &spawn,
            std::mem::take(updates),
            accepted,
            permits,
            (&token, claimed_at),
        );
        Ok(Some(n))
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
        self.forget_workers();
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
        self.forget_workers();
        drop(guard);
        result
    }

    /// Handles every stored, unhandled update and delivers every due message, then returns
    /// (tests, and a bot that drives the runtime by hand). Messages postponed to later (a long
    /// rate limit, repeated send failures) stay queued.
    pub async fn drain(&self) {
        let tasks = AbortOnDrop(self.spawn_workers());
        self.wait_idle().await;
        self.forget_workers();
        drop(tasks);
    }

    /// Before the workers stop: later accepts only store their updates. Aborting a task does not
    /// close its channels at once, so without this an accept right after a stop could claim a
    /// chat for workers that are gone and leave it leased, unhandled, until the lease ran out.
    fn forget_workers(&self) {
        *self.inner.workers.lock().unwrap_or_else(|e| e.into_inner()) = None;
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
        let (spawn_tx, spawn_rx) = mpsc::unbounded_channel();
        *self.inner.workers.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((tx.clone(), spawn_tx));
        let mut tasks = JoinSet::new();
        tasks.spawn(committer(self.inner.clone(), rx));
        tasks.spawn(handle_loop(self.inner.clone(), tx.clone(), spawn_rx));
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
                Ok(Ok(mut batch)) => {
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
                        match self
                            .accept_and_dispatch(
                                &mut batch.updates,
                                next.as_deref().map(|n| (cursor_name.as_str(), n)),
                                Some(fence),
                            )
                            .await
                        {
                            Ok(Some(_)) => {
                                cursor = batch.next;
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
