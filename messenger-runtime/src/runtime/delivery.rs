//! The delivery scheduler (chats whose messages wait in the outbox) and retention.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::FutureExt;
use governor::clock::Clock;
use messenger_core::{MessengerError, RateLimitScope, send_long};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::handle::outgoing;
use super::{Inner, Job, backoff_after, ms};
use crate::handler::{Handler, Write};
use crate::store::{Finish, Queued, now_ms};

/// Claims chats with due messages and runs one delivery task per chat.
pub(super) async fn deliver_loop<H: Handler>(inner: Arc<Inner<H>>, jobs: mpsc::Sender<Job>) {
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
pub(super) async fn global_turn<H: Handler>(inner: &Inner<H>) {
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
pub(super) async fn deliver_chat<H: Handler>(
    inner: &Inner<H>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
) {
    const BATCH: i64 = 16;
    let cfg = &inner.config;
    let mut chat_ready = Instant::now();
    let mut failures = 0u32;
    // The claim took the delivery lease for `lease`; a long queue (one message a second under
    // `chat_interval`) outlasts it, so it is extended as the messages go out.
    let mut renewed = Instant::now();
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
                if renewed.elapsed() >= cfg.lease / 4 {
                    match inner
                        .store
                        .set_delivery_lease(
                            &inner.kind,
                            chat_id,
                            &cfg.instance,
                            now_ms() + ms(cfg.lease),
                        )
                        .await
                    {
                        // Another instance delivers this chat now (the lease ran out).
                        Ok(false) => return,
                        Ok(true) => renewed = Instant::now(),
                        Err(e) => tracing::warn!(error = %e, "cannot extend a delivery lease"),
                    }
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
                // The lease is extended before the next try (above).
            }
        }
    }
}

/// Whether sending the same message again cannot succeed, so it is dropped (with its error kept
/// in the outbox) instead of holding up the chat's later messages. `NotSubscribed` is one: Viber
/// refuses every message to a user who opened the chat but has not written yet (they got the
/// welcome in the webhook's HTTP answer), and retrying until they write would deliver a stale
/// message ahead of the answer to what they write.
pub(super) fn is_permanent(e: &MessengerError) -> bool {
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

pub(super) async fn mark<H: Handler>(
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
pub(super) async fn retention_loop<H: Handler>(inner: Arc<Inner<H>>) {
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
