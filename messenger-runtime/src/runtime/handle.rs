//! Handling one update: the handler's call, its replies sent (before or right after the
//! completion commits) and the completion.

use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;

use futures_util::FutureExt;
use messenger_core::{OutgoingMessage, RateLimitScope, Update, send_long};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::chats::{ChatRun, Step};
use super::{Inner, Job, backoff_after, ms};
use crate::handler::{Context, Handler, HandlerError, Reply, Write};
use crate::store::{Completed, Completion, Direct, Finish, now_ms};

/// Whether a message may go out right now without waiting (the global limit has room, no
/// platform-wide pause, the chat's interval has passed).
pub(super) fn may_send_now<H: Handler>(inner: &Inner<H>, last_send: Option<Instant>) -> bool {
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
pub(super) async fn send_replies<H: Handler>(
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
pub(super) async fn hand_off<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    run: &mut ChatRun<H::State>,
    postpone: Option<i64>,
) {
    run.handed_off = true;
    let finish = run.finish(inner, chat_id, false, postpone);
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
pub(super) async fn send_direct<H: Handler>(
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

pub(super) fn outgoing(reply: &Reply) -> OutgoingMessage {
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
pub(super) async fn handle_one<H: Handler>(
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
                // The fence extends the lease from here.
                let built = Instant::now();
                let c = completion(inner, chat_id, key, seq, update.chat.clone());
                let mut replies = outcome.replies;
                let mut writes = outcome.writes;
                // Sent before the commit when this task holds the chat's delivery lease: what
                // the platform did not take (and when the chat must wait) is queued.
                let mut first: Option<(usize, Option<i64>)> = None;
                if cfg.reply_before_commit
                    && !run.queue_first
                    && run.token.is_some()
                    && Instant::now() < run.fresh_until
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
                        if done == Completed::Direct {
                            // The fence extended the delivery lease too (only then).
                            run.fresh_until = built + cfg.lease / 2;
                        }
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
                                if run.token.is_some() {
                                    // The delivery lease was not extended: older messages of
                                    // the chat wait unsent (a push), or it is no longer this
                                    // task's. Keeping it would send later replies ahead of
                                    // them: it goes (if still held) and the scheduler delivers
                                    // in order.
                                    let postpone = first.and_then(|(_, p)| p);
                                    hand_off(inner, jobs, chat_id, run, postpone).await;
                                } else if !replies.is_empty() {
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
                // The renewal extends the handling lease only, not the delivery lease: replies
                // sent before the commit stay within `fresh_until` of the last fence.
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

pub(super) async fn renew<H: Handler>(inner: &Inner<H>, chat_id: &str) -> bool {
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

pub(super) fn completion<H: Handler>(
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
pub(super) async fn commit<H: Handler>(
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
