//! The [`Runtime`]: accepts updates (long polling or webhooks), hands each chat's updates to the
//! [`Handler`] in order with different chats concurrently, commits completions in groups and
//! delivers replies through a per-chat scheduler under a global rate limit.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::num::NonZeroU32;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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
    UpdateKind, send_long,
};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::handler::{Context, Handler, HandlerError, Reply, Write};

pub mod broadcast;
use crate::store::{
    Accepted, ClaimArgs, Completed, Completion, Direct, Finish, Queued, Store, StoreError, now_ms,
};

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
                tokens: AtomicU64::new(0),
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
            &token,
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

/// Commits completions, delivery marks and lease releases in groups: one transaction for
/// whatever is queued.
async fn committer<H: Handler>(inner: Arc<Inner<H>>, mut rx: mpsc::Receiver<Job>) {
    let max = inner.config.commit_batch.max(1);
    let mut jobs = Vec::with_capacity(max);
    while rx.recv_many(&mut jobs, max).await > 0 {
        // Group commit: a short wait lets the completions of other chats join this
        // transaction (every transaction writes its pages to the WAL once).
        if jobs.len() < max && !inner.config.commit_window.is_zero() {
            tokio::time::sleep(inner.config.commit_window).await;
            while jobs.len() < max {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
        }
        let mut completions = Vec::new();
        let mut acks = Vec::new();
        let mut finishes = Vec::new();
        let mut finish_acks = Vec::new();
        let mut wake_deliver = false;
        let mut released = false;
        for j in jobs.drain(..) {
            match j {
                Job::Complete(c, ack) => {
                    completions.push(*c);
                    acks.push(ack);
                }
                Job::Finish(f, wake, ack) => {
                    wake_deliver |= wake;
                    released |= f.release_chat;
                    finishes.push(*f);
                    finish_acks.push(ack);
                }
            }
        }
        let mut failures = 0;
        loop {
            match inner
                .store
                .commit_completions(&completions, &finishes)
                .await
            {
                Ok(results) => {
                    for (a, r) in acks.drain(..).zip(results) {
                        let _ = a.send(Ok(r));
                    }
                    break;
                }
                Err(e) if e.is_transient() => {
                    let wait =
                        backoff_after(inner.config.backoff, inner.config.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot commit completions; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    // One bad job spoils the group: commit them one by one.
                    tracing::warn!(error = %e, "a group commit failed; committing one by one");
                    for (c, a) in completions.drain(..).zip(acks.drain(..)) {
                        let r = commit_alone(&inner, std::slice::from_ref(&c), &[]).await;
                        let _ = a.send(r.map(|mut v| v.pop().unwrap_or(Completed::Done)));
                    }
                    for mut f in finishes.drain(..) {
                        if let Err(e) = commit_alone(&inner, &[], std::slice::from_ref(&f)).await {
                            // A write of `on_delivered` the database refuses: the marks and
                            // releases still go in.
                            tracing::error!(error = %e, "a delivery write was refused; dropped");
                            f.writes.clear();
                            let _ = commit_alone(&inner, &[], std::slice::from_ref(&f)).await;
                        }
                    }
                    break;
                }
            }
        }
        for a in finish_acks.into_iter().flatten() {
            let _ = a.send(());
        }
        if released && inner.leftover.load(Ordering::Relaxed) {
            inner.wake_handle.notify_one();
        }
        if wake_deliver {
            inner.wake_deliver.notify_one();
        }
    }
}

/// Commits one job, retrying transient failures; `Err` when the database refuses it for good.
async fn commit_alone<H: Handler>(
    inner: &Inner<H>,
    completions: &[Completion],
    finishes: &[Finish],
) -> Result<Vec<Completed>, String> {
    let mut failures = 0;
    loop {
        match inner.store.commit_completions(completions, finishes).await {
            Ok(r) => return Ok(r),
            Err(e) if e.is_transient() => {
                let wait = backoff_after(inner.config.backoff, inner.config.max_backoff, failures);
                failures += 1;
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Handling slots the claim loop leaves free for chats of the next accepted batch (a poll
/// batch has at most 100 updates).
const ACCEPT_RESERVE: usize = 100;

/// Claims chats whose updates wait in the inbox (accepted by another instance, left over when
/// every slot was busy, retried, or stored before a restart) and runs one task per chat, at
/// most `max_in_flight` in all.
async fn handle_loop<H: Handler>(
    inner: Arc<Inner<H>>,
    jobs: mpsc::Sender<Job>,
    mut starts: mpsc::UnboundedReceiver<ChatStart>,
) {
    let cfg = &inner.config;
    let mut tasks = JoinSet::new();
    let mut failures = 0;
    let start = |tasks: &mut JoinSet<()>, s: ChatStart| {
        let inner = inner.clone();
        let jobs = jobs.clone();
        tasks.spawn(async move {
            let ChatStart {
                chat_id,
                state,
                from_inbox,
                token,
                permit,
            } = s;
            chat_task(&inner, &jobs, &chat_id, state, from_inbox, token).await;
            drop(permit);
        });
    };
    loop {
        while tasks.try_join_next().is_some() {}
        while let Ok(s) = starts.try_recv() {
            start(&mut tasks, s);
        }
        // Slots first, then as many claims: a claimed chat always gets its task. A reserve of
        // slots stays free for the next accepted batch while the claim runs: holding every slot
        // here made each accept hand nothing over from memory, so its updates took the slower
        // road through the inbox (a claim and two reads each) and woke this loop again.
        let reserve = (cfg.max_in_flight / 4).min(ACCEPT_RESERVE);
        let mut permits = Vec::new();
        while inner.slots.available_permits() > reserve {
            match inner.slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let free = permits.len();
        if free > 0 {
            let now = now_ms();
            inner.leftover.store(false, Ordering::Relaxed);
            let token = inner.claim_token();
            match inner
                .store
                .claim_chats(
                    &inner.kind,
                    &cfg.instance,
                    now,
                    now + ms(cfg.lease),
                    &token,
                    free as i64,
                )
                .await
            {
                Ok(chats) => {
                    failures = 0;
                    if chats.len() == free {
                        // Maybe more than the slots: look again when one frees up.
                        inner.leftover.store(true, Ordering::Relaxed);
                    }
                    for (chat_id, delivery) in chats {
                        let Some(permit) = permits.pop() else {
                            break;
                        };
                        {
                            let mut reg = inner.chats.lock().unwrap_or_else(|e| e.into_inner());
                            if reg.contains_key(&chat_id) {
                                // Handled here already (its lease had run out): that task
                                // finishes and releases it; the claim loop looks again. A
                                // delivery lease that came with this claim is nobody's: freed.
                                inner.leftover.store(true, Ordering::Relaxed);
                                if delivery {
                                    let _ = jobs.try_send(Job::Finish(
                                        Box::new(Finish {
                                            messenger: inner.kind.clone(),
                                            chat_id,
                                            owner: cfg.instance.clone(),
                                            sent: Vec::new(),
                                            writes: Vec::new(),
                                            release_chat: false,
                                            release_delivery: Some(token.clone()),
                                            postpone: None,
                                        }),
                                        true,
                                        None,
                                    ));
                                }
                                continue;
                            }
                            reg.insert(chat_id.clone(), VecDeque::new());
                        }
                        start(
                            &mut tasks,
                            ChatStart {
                                chat_id,
                                state: None,
                                from_inbox: true,
                                token: delivery.then(|| token.clone()),
                                permit,
                            },
                        );
                    }
                }
                Err(e) => {
                    inner.leftover.store(true, Ordering::Relaxed);
                    let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot claim chats; retrying");
                    drop(permits);
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
        }
        drop(permits);
        let deadline = Instant::now() + cfg.claim_interval;
        loop {
            tokio::select! {
                biased;
                s = starts.recv() => match s {
                    Some(s) => start(&mut tasks, s),
                    None => return,
                },
                () = inner.wake_handle.notified() => break,
                () = tokio::time::sleep_until(deadline) => break,
            }
            while tasks.try_join_next().is_some() {}
        }
    }
}

/// Hands stored updates to chat tasks from memory: to the task already handling the chat, or to
/// a new task for a chat claimed while storing. Anything else stays in the inbox for the claim
/// loop.
fn dispatch<H: Handler>(
    inner: &Arc<Inner<H>>,
    jobs: &mpsc::Sender<Job>,
    spawn: &mpsc::UnboundedSender<ChatStart>,
    updates: Vec<Update>,
    accepted: Accepted,
    mut permits: Vec<OwnedSemaphorePermit>,
    token: &str,
) {
    let mut claimed: HashMap<String, (Option<String>, bool, bool)> = accepted
        .claimed
        .into_iter()
        .map(|c| (c.chat_id, (c.state, c.only_fresh, c.delivery)))
        .collect();
    let mut updates: Vec<Option<Update>> = updates.into_iter().map(Some).collect();
    let mut leftover = false;
    let mut reg = inner.chats.lock().unwrap_or_else(|e| e.into_inner());
    for (at, seq) in accepted.fresh {
        let Some(update) = updates.get_mut(at).and_then(Option::take) else {
            continue;
        };
        let chat_id = update
            .chat
            .as_ref()
            .map(|c| c.id.to_string())
            .unwrap_or_default();
        let work = Work {
            key: update.dedup_key.clone(),
            seq,
            update,
        };
        if let Some(queue) = reg.get_mut(&chat_id) {
            queue.push_back(work);
            continue;
        }
        if !claimed.contains_key(&chat_id) || permits.is_empty() {
            // Another task (or instance) has it, or no slot is free: it waits in the inbox.
            leftover = true;
            continue;
        }
        let (Some((state, only_fresh, delivery)), Some(permit)) =
            (claimed.remove(&chat_id), permits.pop())
        else {
            continue;
        };
        let mut queue = VecDeque::new();
        if only_fresh {
            queue.push_back(work);
        }
        // Else the chat has older updates in the inbox: the task starts there (this one too).
        reg.insert(chat_id.clone(), queue);
        let from_inbox = !only_fresh;
        if let Err(e) = spawn.send(ChatStart {
            chat_id,
            state: state.filter(|_| !from_inbox),
            from_inbox,
            token: delivery.then(|| token.to_owned()),
            permit,
        }) {
            // The workers stopped: the inbox keeps the updates.
            reg.remove(&e.0.chat_id);
        }
    }
    drop(reg);
    if leftover || !claimed.is_empty() {
        // A claimed chat that got no task keeps its lease until it runs out: give it back.
        for (chat_id, (_, _, delivery)) in claimed {
            let _ = jobs.try_send(Job::Finish(
                Box::new(Finish {
                    messenger: inner.kind.clone(),
                    chat_id,
                    owner: inner.config.instance.clone(),
                    sent: Vec::new(),
                    writes: Vec::new(),
                    release_chat: true,
                    release_delivery: delivery.then(|| token.to_owned()),
                    postpone: None,
                }),
                false,
                None,
            ));
        }
        inner.leftover.store(true, Ordering::Relaxed);
        inner.wake_handle.notify_one();
    }
}

/// What a chat task keeps between the updates of its chat.
struct ChatRun<S> {
    /// The stored state (JSON) and, when known, the same decoded.
    state: Option<String>,
    typed: Option<S>,
    /// The delivery lease this task holds for direct sends.
    token: Option<String>,
    /// Direct sends not marked yet (they ride with the next commit).
    unmarked: Vec<(String, i64)>,
    /// Writes of `on_delivered` for those.
    writes: Vec<Write>,
    /// When this task last sent to the chat (for `chat_interval`).
    last_send: Option<Instant>,
    /// Messages were left to the delivery scheduler.
    handed_off: bool,
    /// The database refused a completion whose replies were sent before it: until the chat
    /// task ends, replies wait for their commit (a retry must not send them again at once).
    queue_first: bool,
}

/// Handles a chat's pending updates in order (from the inbox first when `from_inbox`, then from
/// its in-memory queue), then gives the chat up.
async fn chat_task<H: Handler>(
    inner: &Arc<Inner<H>>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    state: Option<String>,
    from_inbox: bool,
    token: Option<String>,
) {
    const BATCH: i64 = 32;
    let cfg = &inner.config;
    let mut run: ChatRun<H::State> = ChatRun {
        state,
        typed: None,
        token,
        unmarked: Vec::new(),
        writes: Vec::new(),
        last_send: None,
        handed_off: false,
        queue_first: false,
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut lost = false;
    if from_inbox {
        let mut failures = 0;
        'inbox: loop {
            let (state, pending) = match inner.store.load_chat(&inner.kind, chat_id, BATCH).await {
                Ok(x) => x,
                Err(e) => {
                    let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot load a chat; retrying");
                    tokio::time::sleep(wait).await;
                    if !renew(inner, chat_id).await {
                        lost = true;
                        break 'inbox;
                    }
                    continue;
                }
            };
            if pending.is_empty() {
                break;
            }
            if run.state != state {
                run.state = state;
                run.typed = None;
            }
            let full = pending.len() as i64 == BATCH;
            for row in pending {
                seen.insert(row.update_key.clone());
                let update: Update = match serde_json::from_str(&row.payload) {
                    Ok(u) => u,
                    Err(e) => {
                        tracing::error!(key = %row.update_key, error = %e, "a stored update cannot be read; quarantined");
                        let c = completion(inner, chat_id, &row.update_key, row.seq, None);
                        let job = Completion {
                            quarantine: Some(format!("unreadable: {e}")),
                            ..c
                        };
                        if commit(inner, jobs, job).await.is_none() {
                            lost = true;
                            break 'inbox;
                        }
                        continue;
                    }
                };
                let attempts = u32::try_from(row.attempts.max(0)).unwrap_or(u32::MAX);
                if let Step::Stop = handle_one(
                    inner,
                    jobs,
                    chat_id,
                    &row.update_key,
                    row.seq,
                    &update,
                    attempts,
                    &mut run,
                )
                .await
                {
                    lost = true;
                    break 'inbox;
                }
            }
            if !full {
                break;
            }
        }
    }
    while !lost {
        let next = {
            let mut reg = inner.chats.lock().unwrap_or_else(|e| e.into_inner());
            match reg.get_mut(chat_id).and_then(VecDeque::pop_front) {
                Some(w) => Some(w),
                None => {
                    reg.remove(chat_id);
                    None
                }
            }
        };
        let Some(work) = next else {
            break;
        };
        if seen.contains(&work.key) {
            continue;
        }
        if let Step::Stop = handle_one(
            inner,
            jobs,
            chat_id,
            &work.key,
            work.seq,
            &work.update,
            0,
            &mut run,
        )
        .await
        {
            lost = true;
        }
    }
    if lost {
        // Another instance has the chat: what was queued here stays in its inbox.
        inner
            .chats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(chat_id);
    }
    let finish = Finish {
        messenger: inner.kind.clone(),
        chat_id: chat_id.to_owned(),
        owner: cfg.instance.clone(),
        sent: run.unmarked.drain(..).map(|(k, i)| (k, i, None)).collect(),
        writes: std::mem::take(&mut run.writes),
        release_chat: !lost,
        release_delivery: run.token.take(),
        postpone: None,
    };
    let _ = jobs
        .send(Job::Finish(Box::new(finish), run.handed_off, None))
        .await;
}

enum Step {
    /// Go on with the chat's next update.
    Next,
    /// The chat was lost to another instance: stop.
    Stop,
}

/// Whether a message may go out right now without waiting (the global limit has room, no
/// platform-wide pause, the chat's interval has passed).
fn may_send_now<H: Handler>(inner: &Inner<H>, last_send: Option<Instant>) -> bool {
    let paused = *inner.paused_until.lock().unwrap_or_else(|e| e.into_inner());
    if paused.is_some_and(|until| until > Instant::now()) {
        return false;
    }
    if let (Some(iv), Some(last)) = (inner.config.chat_interval, last_send)
        && last + iv > Instant::now()
    {
        return false;
    }
    inner.limiter.as_ref().is_none_or(|l| l.check().is_ok())
}

/// Sends `replies` to the chat while each may go out at once (this task holds the chat's
/// delivery lease). Stops at the first that cannot (the global limit, a pause,
/// `chat_interval`) or fails. Returns how many went out, when the chat must wait (a
/// chat-scoped "too many requests", ms) and the handler's `on_delivered` writes for them.
async fn send_replies<H: Handler>(
    inner: &Inner<H>,
    chat_id: &str,
    chat: &messenger_core::ChatRef,
    replies: &[Reply],
    run: &mut ChatRun<H::State>,
) -> (usize, Option<i64>, Vec<Write>) {
    let mut writes = Vec::new();
    for (idx, reply) in replies.iter().enumerate() {
        if !may_send_now(inner, run.last_send) {
            return (idx, None, writes);
        }
        if let Err(e) = send_long(inner.messenger.as_ref(), chat, &outgoing(reply)).await {
            let mut postpone = None;
            if let Some(wait) = e.retry_after() {
                if e.rate_limit_scope() == Some(RateLimitScope::Chat) {
                    tracing::warn!(
                        chat = chat_id,
                        ?wait,
                        "rate limited in one chat; only that chat waits"
                    );
                    postpone = Some(now_ms() + ms(wait));
                } else {
                    tracing::warn!(?wait, "rate limited by the platform; every chat waits");
                    inner.pause_all(Instant::now() + wait);
                }
            }
            return (idx, postpone, writes);
        }
        run.last_send = Some(Instant::now());
        if let Ok(w) = AssertUnwindSafe(inner.handler.on_delivered(chat, reply))
            .catch_unwind()
            .await
        {
            writes.extend(w);
        }
    }
    (replies.len(), None, writes)
}

/// Gives the chat's delivery to the scheduler (its messages wait in the outbox): the delivery
/// lease, the marks of direct sends and their writes go in one finish, and the chat waits until
/// `postpone` (ms) when set. Returns after that commit.
async fn hand_off<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    run: &mut ChatRun<H::State>,
    postpone: Option<i64>,
) {
    run.handed_off = true;
    let finish = Finish {
        messenger: inner.kind.clone(),
        chat_id: chat_id.to_owned(),
        owner: inner.config.instance.clone(),
        sent: run.unmarked.drain(..).map(|(k, i)| (k, i, None)).collect(),
        writes: std::mem::take(&mut run.writes),
        release_chat: false,
        release_delivery: run.token.take(),
        postpone,
    };
    let (tx, rx) = oneshot::channel();
    if jobs
        .send(Job::Finish(Box::new(finish), true, Some(tx)))
        .await
        .is_ok()
    {
        let _ = rx.await;
    }
}

/// Sends a completion's replies right after its commit (this task holds the chat's delivery
/// lease; they are in the outbox). At the first one that cannot go out at once or fails, the
/// rest is left to the delivery scheduler (which retries with its full error handling).
async fn send_direct<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    key: &str,
    chat: &messenger_core::ChatRef,
    replies: &[Reply],
    run: &mut ChatRun<H::State>,
) {
    let (sent, postpone, writes) = send_replies(inner, chat_id, chat, replies, run).await;
    run.unmarked
        .extend((0..sent).map(|idx| (key.to_owned(), idx as i64)));
    run.writes.extend(writes);
    if sent < replies.len() {
        hand_off(inner, jobs, chat_id, run, postpone).await;
    }
}

fn outgoing(reply: &Reply) -> OutgoingMessage {
    let mut msg = match reply.image.clone() {
        Some(image) => OutgoingMessage::photo(image.into(), reply.text.clone()),
        None => OutgoingMessage::new(reply.text.clone()),
    };
    if let Some(kb) = reply.keyboard.clone() {
        msg = msg.keyboard(kb);
    }
    if reply.silent {
        msg = msg.silent();
    }
    msg
}

#[allow(clippy::too_many_arguments)]
async fn handle_one<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    key: &str,
    seq: i64,
    update: &Update,
    attempts: u32,
    run: &mut ChatRun<H::State>,
) -> Step {
    let cfg = &inner.config;
    let mut attempts = attempts;
    let mut transient = 0u32;
    loop {
        if attempts >= cfg.max_attempts.max(1) {
            let reason = format!("failed {attempts} times");
            tracing::error!(key = %key, messenger = %inner.kind, chat = chat_id, "an update is quarantined after {attempts} failed attempts");
            let replies = AssertUnwindSafe(inner.handler.on_quarantine(update, &reason))
                .catch_unwind()
                .await
                .unwrap_or_default();
            let c = completion(inner, chat_id, key, seq, update.chat.clone());
            let queued = !replies.is_empty();
            let job = Completion {
                quarantine: Some(reason),
                replies,
                sent: std::mem::take(&mut run.unmarked),
                ..c
            };
            return match commit(inner, jobs, job).await {
                Some(()) => {
                    if queued && run.token.is_some() {
                        // Queued behind this task's delivery lease: the scheduler sends them.
                        hand_off(inner, jobs, chat_id, run, None).await;
                    }
                    Step::Next
                }
                None => Step::Stop,
            };
        }
        let decoded = match run.typed.take() {
            Some(t) => Some(t),
            None => run.state.as_deref().and_then(|s| match serde_json::from_str::<H::State>(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    tracing::warn!(chat = chat_id, error = %e, "a stored conversation state no longer decodes; starting afresh");
                    None
                }
            }),
        };
        let cx = Context {
            messenger: inner.messenger.clone(),
            attempt: attempts + 1,
        };
        let result = AssertUnwindSafe(inner.handler.handle(&cx, update, decoded))
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
                let c = completion(inner, chat_id, key, seq, update.chat.clone());
                let mut replies = outcome.replies;
                let mut writes = outcome.writes;
                // Sent before the commit when this task holds the chat's delivery lease: what
                // the platform did not take (and when the chat must wait) is queued.
                let mut first: Option<(usize, Option<i64>)> = None;
                if cfg.reply_before_commit
                    && !run.queue_first
                    && run.token.is_some()
                    && let Some(chat) = &update.chat
                {
                    let (sent, postpone, delivered) =
                        send_replies(inner, chat_id, chat, &replies, run).await;
                    replies.drain(..sent);
                    writes.extend(delivered);
                    first = Some((sent, postpone));
                }
                let direct = Direct {
                    token: format!(
                        "{}/d{}",
                        cfg.instance,
                        inner.tokens.fetch_add(1, Ordering::Relaxed)
                    ),
                    prev: run.token.clone(),
                    until: now_ms() + ms(cfg.lease),
                    now: now_ms(),
                };
                let job = Completion {
                    state: new_state.clone(),
                    replies,
                    writes,
                    sent: std::mem::take(&mut run.unmarked),
                    direct: first.is_none().then(|| direct.clone()),
                    hold: first.and(run.token.clone()),
                    reply_base: first.map_or(0, |(sent, _)| sent as i64),
                    ..c
                };
                let marks_writes = std::mem::take(&mut run.writes);
                let (ack_tx, ack_rx) = oneshot::channel();
                // The marks' writes go first, in their own finish (same group).
                if !marks_writes.is_empty() {
                    let f = Finish {
                        messenger: inner.kind.clone(),
                        chat_id: chat_id.to_owned(),
                        owner: cfg.instance.clone(),
                        sent: Vec::new(),
                        writes: marks_writes,
                        release_chat: false,
                        release_delivery: None,
                        postpone: None,
                    };
                    if jobs
                        .send(Job::Finish(Box::new(f), false, None))
                        .await
                        .is_err()
                    {
                        return Step::Stop;
                    }
                }
                let replies = job.replies.clone();
                if jobs
                    .send(Job::Complete(Box::new(job), ack_tx))
                    .await
                    .is_err()
                {
                    return Step::Stop;
                }
                match ack_rx.await {
                    Ok(Ok(done @ (Completed::Done | Completed::Direct))) => {
                        inner.handled.fetch_add(1, Ordering::Relaxed);
                        inner.completed.notify_waiters();
                        if new_state.is_some() {
                            run.state = new_state;
                            run.typed = outcome.state;
                        }
                        match (first, done) {
                            // Sent before the commit; the lease is still this task's: what was
                            // not sent goes to the scheduler.
                            (Some((_, postpone)), Completed::Direct) => {
                                if !replies.is_empty() {
                                    hand_off(inner, jobs, chat_id, run, postpone).await;
                                }
                            }
                            (None, Completed::Direct) => {
                                run.token = Some(direct.token);
                                if let Some(chat) = &update.chat {
                                    send_direct(inner, jobs, chat_id, key, chat, &replies, run)
                                        .await;
                                }
                            }
                            (first, _) => {
                                if first.is_some() {
                                    // The delivery lease ran out and is someone else's now.
                                    run.token = None;
                                }
                                if !replies.is_empty() {
                                    run.handed_off = true;
                                    inner.wake_deliver.notify_one();
                                }
                            }
                        }
                        return Step::Next;
                    }
                    Ok(Ok(Completed::LeaseLost)) | Err(_) => {
                        tracing::warn!(
                            chat = chat_id,
                            "another instance took this chat over; its outcome is dropped"
                        );
                        return Step::Stop;
                    }
                    Ok(Err(e)) => {
                        if first.is_some() {
                            // Its replies went out already: the retries queue theirs with
                            // their completion instead of sending them again at once.
                            run.queue_first = true;
                        }
                        format!("the completion was refused by the database: {e}")
                    }
                }
            }
            Ok(Err(HandlerError::Transient(e))) => {
                let wait = backoff_after(cfg.backoff, cfg.max_backoff, transient);
                transient += 1;
                tracing::warn!(key = %key, error = %e, ?wait, "a passing failure; the update is retried");
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
        tracing::error!(key = %key, messenger = %inner.kind, chat = chat_id, error = %failure, "handling an update failed");
        let mut store_failures = 0;
        loop {
            match inner.store.count_attempt(&inner.kind, key, &failure).await {
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
    seq: i64,
    chat: Option<messenger_core::ChatRef>,
) -> Completion {
    Completion {
        messenger: inner.kind.clone(),
        chat_id: chat_id.to_owned(),
        update_key: update_key.to_owned(),
        seq,
        chat,
        owner: inner.config.instance.clone(),
        lease_until: now_ms() + ms(inner.config.lease),
        state: None,
        replies: Vec::new(),
        writes: Vec::new(),
        quarantine: None,
        sent: Vec::new(),
        direct: None,
        hold: None,
        reply_base: 0,
    }
}

/// Commits one completion through the committer. `None` when the chat was lost.
async fn commit<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    job: Completion,
) -> Option<()> {
    let has_replies = !job.replies.is_empty();
    let (ack_tx, ack_rx) = oneshot::channel();
    jobs.send(Job::Complete(Box::new(job), ack_tx)).await.ok()?;
    match ack_rx.await {
        Ok(Ok(Completed::Done | Completed::Direct)) => {
            inner.completed.notify_waiters();
            if has_replies {
                inner.wake_deliver.notify_one();
            }
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
        if inner.wait_pause().await {
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
                    mark(
                        inner,
                        jobs,
                        chat_id,
                        row.update_key.clone(),
                        row.idx,
                        Some(e.to_string()),
                        Vec::new(),
                    )
                    .await;
                    continue;
                }
            };
            let now = now_ms();
            if row.not_before > now {
                chat_ready = chat_ready
                    .max(Instant::now() + Duration::from_millis((row.not_before - now) as u64));
            }
            let msg = outgoing(&queued.reply);
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
                        let writes = AssertUnwindSafe(
                            inner.handler.on_delivered(&queued.chat, &queued.reply),
                        )
                        .catch_unwind()
                        .await
                        .unwrap_or_default();
                        mark(
                            inner,
                            jobs,
                            chat_id,
                            row.update_key.clone(),
                            row.idx,
                            None,
                            writes,
                        )
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
                            inner.pause_all(Instant::now() + wait);
                        }
                    }
                    Err(e) if is_permanent(&e) => {
                        tracing::warn!(chat = chat_id, error = %e, "a message cannot be delivered; dropped");
                        let _ = AssertUnwindSafe(inner.handler.on_undeliverable(&queued.chat, &e))
                            .catch_unwind()
                            .await;
                        mark(
                            inner,
                            jobs,
                            chat_id,
                            row.update_key.clone(),
                            row.idx,
                            Some(e.to_string()),
                            Vec::new(),
                        )
                        .await;
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

/// Whether sending the same message again cannot succeed, so it is dropped (with its error kept
/// in the outbox) instead of holding up the chat's later messages. `NotSubscribed` is one: Viber
/// refuses every message to a user who opened the chat but has not written yet (they got the
/// welcome in the webhook's HTTP answer), and retrying until they write would deliver a stale
/// message ahead of the answer to what they write.
fn is_permanent(e: &MessengerError) -> bool {
    e.is_recipient_gone()
        || matches!(
            e,
            MessengerError::NotSubscribed { .. }
                | MessengerError::InvalidRequest { .. }
                | MessengerError::Invalid(_)
                | MessengerError::Unauthorized { .. }
                | MessengerError::Unsupported { .. }
                | MessengerError::Config(_)
        )
}

async fn mark<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    key: String,
    idx: i64,
    error: Option<String>,
    writes: Vec<Write>,
) {
    let finish = Finish {
        messenger: inner.kind.clone(),
        chat_id: chat_id.to_owned(),
        owner: inner.config.instance.clone(),
        sent: vec![(key, idx, error)],
        writes,
        release_chat: false,
        release_delivery: None,
        postpone: None,
    };
    let (tx, rx) = oneshot::channel();
    if jobs
        .send(Job::Finish(Box::new(finish), false, Some(tx)))
        .await
        .is_ok()
    {
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
