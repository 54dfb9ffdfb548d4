//! Runs the engine over a messenger without losing or repeating updates.
//!
//! 1. **Accept**: every received update is stored in the inbox (a repeat of a stored update is
//!    dropped) *before* the platform is told it was received: the polling cursor is saved only
//!    after the batch is stored, and a webhook answers 200 only after [`Runner::accept`].
//! 2. **Handle**: each pending update runs through the [`Engine`]; its new conversation state,
//!    its replies (into the outbox) and the "handled" mark are written in one transaction.
//! 3. **Deliver**: outbox replies are sent in order and marked sent one by one.
//!
//! A crash between any two steps is repaired on the next start: stored but unhandled updates are
//! handled, undelivered replies are delivered; nothing is handled twice.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use messenger_core::{
    ChatRef, Messenger, MessengerError, OutgoingMessage, PollCursor, Update, send_long,
};
use serde::{Deserialize, Serialize};

use crate::engine::{Engine, EngineError, Reply};
use crate::storage::{ChatKey, Direction, StorageError};

/// Days handled updates and delivered replies are kept (for audits of recent conversations).
pub const RETENTION_DAYS: i64 = 7;

/// How long one long poll waits.
pub const POLL_TIMEOUT: Duration = Duration::from_secs(25);

/// What the outbox stores per reply.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Queued {
    chat: ChatRef,
    reply: Reply,
}

/// A failure that stops the runner.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The messenger refused the bot (bad token) or failed for good.
    #[error("the messenger failed: {0}")]
    Messenger(MessengerError),
}

impl From<EngineError> for RunError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Storage(s) => Self::Storage(s),
        }
    }
}

/// The engine bound to one messenger.
#[derive(Clone)]
pub struct Runner {
    engine: Engine,
    messenger: Arc<dyn Messenger>,
}

impl Runner {
    /// A runner of `engine` over `messenger`.
    pub fn new(engine: Engine, messenger: Arc<dyn Messenger>) -> Self {
        Self { engine, messenger }
    }

    /// The engine this runner drives.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The messenger this runner serves.
    pub fn messenger(&self) -> Arc<dyn Messenger> {
        self.messenger.clone()
    }

    fn kind(&self) -> &'static str {
        self.messenger.kind().as_str()
    }

    fn cursor_name(&self) -> String {
        format!("poll.{}", self.kind())
    }

    /// Stores received updates durably (step 1). Returns how many were new.
    ///
    /// # Errors
    /// [`RunError::Storage`]: then the platform must not be told the updates were received.
    pub async fn accept(&self, updates: &[Update]) -> Result<usize, RunError> {
        let base = Utc::now().timestamp_micros().saturating_mul(1000);
        let mut new = 0;
        for (i, u) in updates.iter().enumerate() {
            let payload = serde_json::to_string(u).map_err(|e| StorageError::Corrupt {
                what: "update",
                reason: e.to_string(),
            })?;
            let seq = base.saturating_add(i64::try_from(i).unwrap_or(0));
            if self
                .engine
                .storage()
                .inbox_put(self.kind(), &u.dedup_key, seq, &payload, Utc::now())
                .await?
            {
                new += 1;
            }
        }
        Ok(new)
    }

    /// Handles every stored, unhandled update and delivers every queued reply (steps 2 and 3).
    ///
    /// # Errors
    /// [`RunError::Storage`] on database failure.
    pub async fn drain(&self) -> Result<(), RunError> {
        let storage = self.engine.storage();
        for pending in storage.inbox_pending(self.kind()).await? {
            let update: Update = match serde_json::from_str(&pending.payload) {
                Ok(u) => u,
                Err(e) => {
                    tracing::warn!(error = %e, key = %pending.update_key, "a stored update cannot be read; skipped");
                    storage
                        .inbox_done(self.kind(), &pending.update_key, Utc::now())
                        .await?;
                    continue;
                }
            };
            let outcome = self.engine.handle(self.messenger.as_ref(), &update).await?;
            let Some(chat) = update.chat.clone() else {
                storage
                    .inbox_done(self.kind(), &pending.update_key, Utc::now())
                    .await?;
                continue;
            };
            let key = ChatKey::new(self.kind(), chat.id.to_string());
            let replies: Vec<String> = outcome
                .replies
                .into_iter()
                .map(|reply| {
                    serde_json::to_string(&Queued {
                        chat: chat.clone(),
                        reply,
                    })
                    .unwrap_or_default()
                })
                .collect();
            let state = outcome
                .conversation
                .as_ref()
                .and_then(|c| serde_json::to_string(c).ok());
            storage
                .complete_update(
                    &key,
                    &pending.update_key,
                    state.as_deref(),
                    &replies,
                    Utc::now(),
                )
                .await?;
            let body = update.text().map(str::to_owned);
            let kind = update_kind_name(&update);
            storage
                .log_message(&key, Direction::Incoming, kind, body.as_deref(), Utc::now())
                .await?;
            self.deliver().await?;
        }
        self.deliver().await
    }

    /// Sends queued replies in order. A reply to a user who blocked the bot is dropped (and the
    /// user marked inactive); a passing failure stops delivery until the next call.
    ///
    /// # Errors
    /// [`RunError::Storage`] on database failure.
    pub async fn deliver(&self) -> Result<(), RunError> {
        let storage = self.engine.storage();
        for item in storage.outbox_pending(self.kind()).await? {
            let Ok(queued) = serde_json::from_str::<Queued>(&item.payload) else {
                storage.outbox_sent(&item, Utc::now()).await?;
                continue;
            };
            let mut msg = OutgoingMessage::new(queued.reply.text.clone());
            if let Some(kb) = queued.reply.keyboard.clone() {
                msg = msg.keyboard(kb);
            }
            match send_long(self.messenger.as_ref(), &queued.chat, &msg).await {
                Ok(_) => {
                    storage.outbox_sent(&item, Utc::now()).await?;
                    storage
                        .log_message(
                            &item.chat,
                            Direction::Outgoing,
                            "text",
                            Some(&queued.reply.text.plain_text()),
                            Utc::now(),
                        )
                        .await?;
                }
                Err(e) if e.is_recipient_gone() => {
                    storage.set_inactive(&item.chat).await?;
                    storage.outbox_sent(&item, Utc::now()).await?;
                }
                Err(e) if e.is_retryable() => {
                    tracing::warn!(error = %e, "delivery paused; will retry");
                    return Ok(());
                }
                Err(e) => {
                    tracing::error!(error = %e, "a reply cannot be delivered; dropped");
                    storage.outbox_sent(&item, Utc::now()).await?;
                }
            }
        }
        Ok(())
    }

    /// Long-polls the messenger until `shutdown` resolves or its input closes.
    ///
    /// # Errors
    /// [`RunError::Storage`] on database failure, [`RunError::Messenger`] when the platform
    /// refuses the bot for good (a bad token).
    pub async fn run_polling(&self, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
        tokio::pin!(shutdown);
        let storage = self.engine.storage();
        let mut cursor = PollCursor(
            storage
                .cursor(&self.cursor_name())
                .await?
                .and_then(|v| v.parse().ok()),
        );
        // Repair a crash: handle what was stored, deliver what was queued; forget what is old.
        self.drain().await?;
        let pruned = storage
            .prune(Utc::now() - chrono::Duration::days(RETENTION_DAYS))
            .await?;
        if pruned > 0 {
            tracing::info!(pruned, "old handled updates and delivered replies deleted");
        }
        let mut backoff = Duration::from_secs(1);
        loop {
            let batch = tokio::select! {
                () = &mut shutdown => return Ok(()),
                b = self.messenger.poll(cursor, POLL_TIMEOUT) => b,
            };
            match batch {
                Ok(batch) => {
                    backoff = Duration::from_secs(1);
                    self.accept(&batch.updates).await?;
                    if let Some(next) = batch.next.0 {
                        storage
                            .set_cursor(&self.cursor_name(), &next.to_string())
                            .await?;
                    }
                    cursor = batch.next;
                    self.drain().await?;
                }
                Err(MessengerError::Closed) => {
                    self.drain().await?;
                    return Ok(());
                }
                Err(e) if e.is_retryable() => {
                    let wait = e.retry_after().unwrap_or(backoff);
                    tracing::warn!(error = %e, ?wait, "polling failed; retrying");
                    tokio::time::sleep(wait).await;
                    backoff = (backoff * 2).min(Duration::from_secs(60));
                }
                Err(e) => return Err(RunError::Messenger(e)),
            }
        }
    }
}

fn update_kind_name(u: &Update) -> &'static str {
    use messenger_core::UpdateKind as K;
    match &u.kind {
        K::Text { .. } => "text",
        K::Command { .. } => "command",
        K::ButtonPress(_) => "button",
        K::Contact(_) => "contact",
        K::Photo(_) => "photo",
        K::Document(_) => "document",
        K::Started { .. } => "started",
        K::Subscribed => "subscribed",
        K::Unsubscribed => "unsubscribed",
        _ => "other",
    }
}
