//! Sending broadcasts: one instance per messenger (the holder of the lease
//! `broadcast:<messenger>`) claims due recipients about a second's worth at a time, sends at the
//! platform's broadcast rate (and within the runtime's global limit, so replies and broadcasts
//! together never exceed it), and records every outcome in the journal as it comes.
//!
//! Why one sender per messenger: the platform's limit is per bot token, not per instance; one
//! sender keeps to it without coordinating rates between instances, and the lease hands the
//! role over when that instance dies.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use messenger_core::{ChatRef, MessengerError, OutgoingMessage};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::{Inner, RateLimit, Runtime, backoff_after, global_turn, outgoing};
use crate::handler::{Handler, Reply};
use crate::store::{BroadcastState, ClaimedRecipient, RecipientStatus, Sent, now_ms};

mod send;

use send::send_claimed;

/// How a runtime sends broadcasts ([`Runtime::run_broadcasts`]). `Default` gives the production
/// values.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastConfig {
    /// Platform calls per period (one call reaches [`messenger_core::Messenger::broadcast_batch`]
    /// chats). `None` (the default): the messenger's documented
    /// [`messenger_core::Messenger::broadcast_rate`] (Telegram and MAX 30/s, Viber's
    /// `broadcast_message` 500 per 10 s). Paced evenly, no bursts.
    pub rate: Option<RateLimit>,
    /// The most platform calls in flight at once (default 8).
    pub concurrency: usize,
    /// How long the sender role and a claim last without renewal (default 60 s): a killed
    /// sender's recipients are taken over after this. Calls start within half of it after
    /// their claim was last extended, so keep the messenger's request timeout under half
    /// (the adapters' default is 30 s), or a call that long could overlap another instance's
    /// claim of the same recipients.
    pub lease: Duration,
    /// How often an idle sender looks for due broadcasts (default 1 s).
    pub idle_interval: Duration,
    /// Tries of one recipient after passing faults (a 5xx, a reset before the request left)
    /// before it is marked failed (default 5). "Too many requests" does not count.
    pub max_attempts: u32,
    /// The first pause after a passing fault, doubled on each (default 500 ms, at most 30 s).
    pub backoff: Duration,
    /// How far under `rate` to stay, in percent (default 2): calls leave evenly paced, but the
    /// network and the platform's own clock add jitter, and a platform counting strictly per
    /// period would see an occasional call over the limit (measured: 1 in 3 000 at exactly
    /// 30/s). 2 % keeps a broadcast within 1.03 × N / rate.
    pub headroom_percent: u8,
}

impl Default for BroadcastConfig {
    fn default() -> Self {
        Self {
            rate: None,
            concurrency: 8,
            lease: Duration::from_secs(60),
            idle_interval: Duration::from_secs(1),
            max_attempts: 5,
            backoff: Duration::from_millis(500),
            headroom_percent: 2,
        }
    }
}

impl BroadcastConfig {
    /// Sends at `rate` platform calls instead of the platform's documented rate (Telegram's
    /// paid broadcasts allow up to 1 000 messages per second).
    pub fn rate(mut self, rate: RateLimit) -> Self {
        self.rate = Some(rate);
        self
    }

    /// Looks for due broadcasts every `every` when idle.
    pub fn idle_interval(mut self, every: Duration) -> Self {
        self.idle_interval = every;
        self
    }

    /// Sets the lease of the sender role and of claimed recipients.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Sets the most platform calls in flight at once.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n;
        self
    }

    /// Sets the tries of one recipient after passing faults.
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n;
        self
    }

    /// Sets the first pause after a passing fault.
    pub fn backoff(mut self, first: Duration) -> Self {
        self.backoff = first;
        self
    }

    /// Sets how far under the rate to stay, in percent (at most 50).
    pub fn headroom_percent(mut self, percent: u8) -> Self {
        self.headroom_percent = percent.min(50);
        self
    }
}

/// A claimed recipient that may be sent to.
struct Due {
    broadcast_id: String,
    chat_id: String,
    attempts: i64,
    chat: ChatRef,
}

/// One platform call's recipients, its id in `rt_broadcast_calls` (when it was noted there)
/// and its outcome (per recipient, or the whole call's error).
type CallOutcome = (
    Vec<Due>,
    Option<String>,
    Result<Vec<Result<Option<messenger_core::PlatformId>, MessengerError>>, MessengerError>,
);

/// Distinguishes the calls of one process.
static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// What the sender knows of a broadcast's message.
enum Known {
    Send(Arc<OutgoingMessage>),
    /// Paused, cancelled or gone since the claim: put back (or left).
    Stop,
}

impl<H: Handler> Runtime<H> {
    /// Sends the due broadcasts of this runtime's messenger until `shutdown` completes; run it
    /// beside [`Runtime::run_polling`] or [`Runtime::run`] in every instance (one of them at a
    /// time is the sender). Create broadcasts with [`crate::Store::create_broadcast`]; pause,
    /// resume and cancel them with [`crate::Store::control_broadcast`].
    ///
    /// Each recipient is sent the message at most once. A send whose outcome is unknown (the
    /// connection dropped after the request left) is journalled failed, not repeated; a kill
    /// during a call leaves its recipients `unknown` after the restart (each call is noted
    /// before it is made), not sent again; a claim held past its lease (a long back-off or
    /// pause) sends only to the recipients no newer claim took. On shutdown the sends in flight
    /// finish and are recorded first.
    pub async fn run_broadcasts(
        &self,
        config: BroadcastConfig,
        shutdown: impl Future<Output = ()>,
    ) {
        let inner = self.inner.clone();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let sender = tokio::spawn(async move { sender_loop(inner, config, stop_rx).await });
        shutdown.await;
        let _ = stop_tx.send(true);
        let _ = sender.await;
    }
}

/// Even pacing at one call per `interval`, on an absolute schedule: a call that leaves late (a
/// timer firing late, a claim holding the database, a platform's "too many requests" pause)
/// does not push every later call back, as a token bucket of one would (measured: 17 % under
/// the rate at 50 calls/s).
///
/// Where each call is one message at up to 200 per second (Telegram, MAX), lateness of up to
/// one period is made up, and the [gate](Pacer::gate) keeps every call at least an interval at
/// half the headroom after the one before: no window of the platform's period ever holds more
/// calls than its limit, not even while making up (one call over the limit would span 1 % more
/// than the period at the default headroom: room for the network's jitter), and the long-run
/// rate is exact. Elsewhere (Viber's batches within 500 calls per 10 s, paid broadcasts at
/// 1 000/s) there is no gate, and lateness is made up only within what the headroom allows:
/// a period at `(1 - headroom) × rate` leaves `headroom × rate` calls unused, so up to that many
/// minus one are made up at once and no window of the period holds more calls than its limit.
struct Pacer {
    interval: Duration,
    catch_up: Duration,
    /// The least time between two calls leaving, where calls are gated.
    gap: Option<Duration>,
    next: Option<Instant>,
    /// When the last call left, for [`Pacer::gate`].
    last_call: Arc<tokio::sync::Mutex<Option<Instant>>>,
}

impl Pacer {
    /// Paces `rate`, `headroom_percent` under it, for calls of `batch` messages.
    fn new(rate: RateLimit, headroom_percent: u8, batch: usize) -> Self {
        let headroom = f64::from(headroom_percent.min(50)) / 100.0;
        let exact = rate.per / rate.count.get();
        let interval = exact.div_f64(1.0 - headroom);
        let gated = batch == 1 && exact >= Duration::from_millis(5);
        let spare = (f64::from(rate.count.get()) * headroom).floor() - 1.0;
        Self {
            interval,
            catch_up: if gated {
                rate.per
            } else {
                interval.mul_f64(spare.max(0.25))
            },
            gap: gated.then(|| exact.div_f64(1.0 - headroom / 2.0)),
            next: None,
            last_call: Arc::new(tokio::sync::Mutex::new(None)),
        }
    }

    /// The last step before a call leaves, after its journal row is written: calls that waited
    /// together (on the database, on a claim, after a pause) leave one gap apart instead of in
    /// a bunch the platform would count as a burst (measured at 30/s over an hour: about one
    /// call in a thousand refused with a gap of three quarters of an interval).
    ///
    /// Only for one message per call at up to 200 per second: a bunch of a few calls is far
    /// within the limit of a platform counting over 10 s (Viber) or allowing 1 000/s, and there
    /// a gate would cost more than it saves (calls noted and then held here are the ones a kill
    /// leaves `unknown` without having sent them; timers of 1 ms slow a 1 ms interval).
    fn gate(&self) -> impl Future<Output = ()> + Send + 'static {
        let last = self.last_call.clone();
        let gap = self.gap;
        async move {
            let Some(gap) = gap else { return };
            let mut last = last.lock().await;
            let now = Instant::now();
            // Counted from the last call's slot, not from when its timer fired: timers fire on
            // whole milliseconds, and a gap of 33.7 ms counted from each wake-up would be 34.
            let slot = last.map_or(now, |t| (t + gap).max(now));
            tokio::time::sleep_until(slot).await;
            *last = Some(slot);
        }
    }

    /// Continues the schedule of an earlier run whose last call was noted at `last_call_ms`
    /// (milliseconds since the epoch) and left under way: the time the restart took is made
    /// up as a stall would be, within the same bounds, instead of being lost.
    fn resume(&mut self, last_call_ms: i64) {
        let ago = Duration::from_millis(u64::try_from(now_ms() - last_call_ms).unwrap_or(0));
        let Some(at) = Instant::now().checked_sub(ago) else {
            return;
        };
        self.next = Some(at + self.interval);
        if let Ok(mut last) = self.last_call.try_lock() {
            *last = Some(at);
        }
    }

    /// Waits for the next call's time on the schedule.
    async fn wait(&mut self) {
        if let Some(next) = self.next {
            tokio::time::sleep_until(next).await;
        }
        let now = Instant::now();
        let floor = now.checked_sub(self.catch_up).unwrap_or(now);
        let base = self.next.map_or(now, |n| n.max(floor));
        self.next = Some(base + self.interval);
    }
}

async fn sender_loop<H: Handler>(
    inner: Arc<Inner<H>>,
    cfg: BroadcastConfig,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let messenger = inner.messenger.clone();
    let batch = messenger.broadcast_batch().max(1);
    let rate = cfg.rate.unwrap_or_else(|| {
        let r = messenger.broadcast_rate();
        RateLimit {
            count: r.count,
            per: r.per,
        }
    });
    let mut pacer = Pacer::new(rate, cfg.headroom_percent, batch);
    let lease_name = format!("broadcast:{}", inner.kind);
    let instance = inner.config.instance.clone();
    // About one second of work per claim, at least one call's worth.
    let per_second = (f64::from(rate.count.get()) / rate.per.as_secs_f64()).ceil() as usize;
    let claim = ((per_second.max(1) * batch).min(5_000.max(batch)) / batch * batch) as i64;
    // The first claim of a run (after a start, a restart or an idle spell) is one call's worth,
    // and each next one twice the last up to `claim`: the first call leaves without waiting
    // for a second's worth of rows to be claimed (measured: a 4 800-recipient Viber claim right
    // after a restart held the first call back by about 150 ms), and every claim ahead is
    // made while the previous one, half its size, is sent.
    let mut size = batch as i64;
    let lease_ms = i64::try_from(cfg.lease.as_millis()).unwrap_or(i64::MAX);
    let (record, recorder) = recorder(inner.clone());
    let mut failures = 0u32;
    let mut released = false;
    let mut holder = false;
    let mut ahead: Vec<ClaimedRecipient> = Vec::new();
    while !*stop.borrow() {
        let now = now_ms();
        let leased = inner
            .store
            .try_lease(&lease_name, &instance, now, now + lease_ms)
            .await;
        match leased {
            Ok(true) => {
                if !holder {
                    tracing::info!(messenger = %inner.kind, %instance, "broadcast sender");
                    holder = true;
                }
            }
            Ok(false) => {
                holder = false;
                idle(&mut stop, cfg.idle_interval).await;
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot take the broadcast sender lease; retrying");
                idle(&mut stop, cfg.idle_interval).await;
                continue;
            }
        }
        if !released {
            // What this instance (by name) had claimed before a restart goes back to the queue.
            match inner.store.release_recipients(&inner.kind, &instance).await {
                Ok((n, last_call)) => {
                    released = true;
                    if let Some(at) = last_call {
                        pacer.resume(at);
                    }
                    if n > 0 {
                        tracing::info!(n, "broadcast recipients claimed before a restart requeued");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "cannot requeue earlier claims"),
            }
        }
        if ahead.is_empty() {
            size = batch as i64;
        }
        let first = size;
        let claim_next = async {
            let now = now_ms();
            inner
                .store
                .claim_recipients(&inner.kind, &instance, now, now + lease_ms, first)
                .await
                .inspect_err(|e| tracing::warn!(error = %e, "cannot claim broadcast recipients"))
                .unwrap_or_default()
        };
        let claimed = if ahead.is_empty() {
            claim_next.await
        } else {
            std::mem::take(&mut ahead)
        };
        size = (size * 2).min(claim);
        let next_size = size;
        if claimed.is_empty() {
            if let Err(e) = inner.store.finish_broadcasts().await {
                tracing::warn!(error = %e, "cannot mark finished broadcasts");
            }
            idle(&mut stop, cfg.idle_interval).await;
            continue;
        }
        // The next second's recipients are claimed while these are sent, so the platform's
        // rate is used without a gap between claims.
        let claim_ahead = async {
            let now = now_ms();
            match inner
                .store
                .try_lease(&lease_name, &instance, now, now + lease_ms)
                .await
            {
                Ok(true) => {
                    let now = now_ms();
                    inner
                        .store
                        .claim_recipients(&inner.kind, &instance, now, now + lease_ms, next_size)
                        .await
                        .unwrap_or_default()
                }
                _ => Vec::new(),
            }
        };
        let ((faults, called), next) = tokio::join!(
            send_claimed(&inner, &cfg, &mut pacer, batch, claimed, &mut stop, &record),
            claim_ahead
        );
        ahead = next;
        if faults {
            failures += 1;
            let wait = backoff_after(cfg.backoff, Duration::from_secs(30), failures);
            idle(&mut stop, wait).await;
        } else if called {
            // Only a call that went well ends a run of faults: a claim whose recipients were
            // all claimed again meanwhile (it outlived its lease) says nothing of the platform.
            failures = 0;
        }
    }
    // Every outcome recorded first; then what was claimed and not sent goes back to the queue.
    drop(record);
    let _ = recorder.await;
    if holder {
        let _ = inner.store.release_recipients(&inner.kind, &instance).await;
        let _ = inner.store.release_lease(&lease_name, &instance).await;
    }
}

/// What the recorder commits: journal lines, the users found gone, the calls that ended.
#[derive(Default)]
struct Record {
    lines: Vec<Sent>,
    gone: Vec<(ChatRef, MessengerError)>,
    calls: Vec<String>,
}

impl Record {
    fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.gone.is_empty() && self.calls.is_empty()
    }
}

/// The recorder: commits the journal lines it receives, all that wait at once in one
/// transaction (retried on a storage error, never dropped), off the sending path, then tells the
/// handler about the users found gone.
fn recorder<H: Handler>(
    inner: Arc<Inner<H>>,
) -> (
    tokio::sync::mpsc::UnboundedSender<Record>,
    tokio::task::JoinHandle<()>,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Record>();
    let task = tokio::spawn(async move {
        while let Some(mut r) = rx.recv().await {
            while let Ok(more) = rx.try_recv() {
                r.lines.extend(more.lines);
                r.gone.extend(more.gone);
                r.calls.extend(more.calls);
            }
            flush(&inner, &mut r.lines, &mut r.calls).await;
            for (chat, e) in r.gone {
                inner.handler.on_undeliverable(&chat, &e).await;
            }
        }
    });
    (tx, task)
}

/// Sleeps `d`, or less when told to stop.
async fn idle(stop: &mut tokio::sync::watch::Receiver<bool>, d: Duration) {
    if *stop.borrow() {
        return;
    }
    let _ = tokio::time::timeout(d, stop.changed()).await;
}

/// Records what was sent so far and forgets the calls that ended, in one transaction; on a
/// storage error the lines are kept for the next try.
async fn flush<H: Handler>(inner: &Inner<H>, results: &mut Vec<Sent>, calls: &mut Vec<String>) {
    if results.is_empty() && calls.is_empty() {
        return;
    }
    let mut tries = 0u32;
    loop {
        match inner
            .store
            .record_sends(&inner.kind, &inner.config.instance, results, calls)
            .await
        {
            Ok(()) => {
                results.clear();
                calls.clear();
                return;
            }
            Err(e) => {
                tries += 1;
                tracing::warn!(error = %e, tries, "cannot record broadcast sends; retrying");
                tokio::time::sleep(backoff_after(
                    Duration::from_millis(100),
                    Duration::from_secs(5),
                    tries,
                ))
                .await;
            }
        }
    }
}

#[cfg(test)]
mod tests;
