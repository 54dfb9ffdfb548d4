//! Runs the engine over a messenger on [`messenger_runtime`]: the runtime stores every update
//! before the platform is told it was received, handles each chat's updates in order (different
//! chats concurrently), commits each outcome (state, replies, the language choice) in one
//! transaction with the "handled" mark, and delivers replies through its per-chat scheduler.
//! See `messenger-runtime/README.md` for the guarantees.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use messenger_core::{ChatRef, Messenger, MessengerError, Update};
use messenger_runtime::{
    Context, Handler, HandlerError, Outcome, RateLimit, Reply as RtReply, Runtime, RuntimeConfig,
    Write,
};

use crate::engine::{Conversation, Engine, EngineError, Reply};
use crate::storage::{ChatKey, Direction, Storage, StorageError};
use crate::texts::TextKey;

/// Days handled updates and delivered replies are kept (for audits of recent conversations).
pub const RETENTION_DAYS: u64 = 7;

/// What the message log keeps of a code the user typed back.
pub const CODE_MASK: &str = "[code]";

/// How long one long poll waits.
pub const POLL_TIMEOUT: Duration = Duration::from_secs(25);

/// A failure that stops the runner.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The messenger refused the bot (bad token, another poller) for good.
    #[error("the messenger failed: {0}")]
    Messenger(MessengerError),
}

impl From<messenger_runtime::StoreError> for RunError {
    fn from(e: messenger_runtime::StoreError) -> Self {
        Self::Storage(StorageError::Runtime(e))
    }
}

impl From<messenger_runtime::RunError> for RunError {
    fn from(e: messenger_runtime::RunError) -> Self {
        match e {
            messenger_runtime::RunError::Messenger(m) => Self::Messenger(m),
            other => Self::Messenger(MessengerError::Config(other.to_string())),
        }
    }
}

/// The bot's dialogues as a runtime [`Handler`].
#[derive(Clone)]
pub struct BotHandler {
    engine: Engine,
}

fn to_rt(reply: Reply) -> RtReply {
    RtReply {
        text: reply.text,
        keyboard: reply.keyboard,
        silent: false,
        image: reply.image,
    }
}

#[async_trait]
impl Handler for BotHandler {
    /// The stored JSON, decoded by [`Conversation::restore`] (which logs a state that no longer
    /// decodes) rather than by the runtime.
    type State = serde_json::Value;

    async fn handle(
        &self,
        cx: &Context,
        update: &Update,
        state: Option<serde_json::Value>,
    ) -> Result<Outcome<serde_json::Value>, HandlerError> {
        let state = state.map(|stored| {
            let chat = update
                .chat
                .as_ref()
                .map(|c| c.id.to_string())
                .unwrap_or_default();
            Conversation::restore(&chat, Some(&stored))
        });
        // A code typed back is a secret: the message log (shown in the panel) keeps a mask.
        let awaiting_code = state
            .as_ref()
            .is_some_and(|c| matches!(c.step, crate::engine::Step::AwaitCode { .. }));
        let outcome = self
            .engine
            .handle(cx.messenger.as_ref(), update, state)
            .await
            .map_err(|e| match e {
                EngineError::Storage(s) => HandlerError::Transient(s.to_string()),
            })?;
        let mut writes = outcome.writes;
        if let Some(chat) = &update.chat {
            // Logged in the completion's transaction: once per update, however often handled.
            let key = ChatKey::new(update.messenger.as_str(), chat.id.to_string());
            let body = match update.text() {
                Some(t) if awaiting_code && t.chars().any(|c| c.is_ascii_digit()) => {
                    Some(CODE_MASK)
                }
                other => other,
            };
            writes.push(Storage::log_write(
                &key,
                Direction::Incoming,
                update_kind_name(update),
                body,
                chrono::Utc::now(),
            ));
        }
        Ok(Outcome {
            replies: outcome.replies.into_iter().map(to_rt).collect(),
            state: outcome.conversation.as_ref().map(Conversation::to_stored),
            writes,
        })
    }

    async fn on_quarantine(&self, update: &Update, reason: &str) -> Vec<RtReply> {
        tracing::error!(key = %update.dedup_key, reason, "an update was set aside; the user is told to try later");
        let lang = self.engine.lang_of(update).await;
        vec![RtReply::new(self.engine.text(lang, TextKey::TryLater, &[]))]
    }

    async fn on_delivered(&self, chat: &ChatRef, reply: &RtReply) -> Vec<Write> {
        // Committed with the "sent" mark.
        let key = ChatKey::new(chat.messenger.as_str(), chat.id.to_string());
        vec![Storage::log_write(
            &key,
            Direction::Outgoing,
            "text",
            Some(&reply.text.plain_text()),
            chrono::Utc::now(),
        )]
    }

    async fn on_undeliverable(&self, chat: &ChatRef, error: &MessengerError) {
        if error.is_recipient_gone() {
            let key = ChatKey::new(chat.messenger.as_str(), chat.id.to_string());
            if let Err(e) = self.engine.storage().set_inactive(&key).await {
                tracing::warn!(error = %e, "cannot mark a user inactive");
            }
        }
    }
}

/// The global send limit of a messenger: `Some(n)` messages per second, `None` for none.
pub type SendRate = Option<RateLimit>;

/// The engine bound to one messenger through the runtime.
#[derive(Clone)]
pub struct Runner {
    engine: Engine,
    runtime: Runtime<BotHandler>,
}

impl Runner {
    /// A runner of `engine` over `messenger` at the platform's documented global rate.
    pub fn new(engine: Engine, messenger: Arc<dyn Messenger>) -> Self {
        let rate = Some(RateLimit::of(messenger.as_ref()));
        Self::with_rate(engine, messenger, rate)
    }

    /// A runner with an explicit global send rate (`None`: unlimited).
    pub fn with_rate(engine: Engine, messenger: Arc<dyn Messenger>, rate: SendRate) -> Self {
        let config = RuntimeConfig {
            rate_limit: rate,
            poll_timeout: POLL_TIMEOUT,
            retention: Duration::from_secs(RETENTION_DAYS * 24 * 3600),
            ..RuntimeConfig::default()
        };
        let store = engine.storage().runtime_store().clone();
        let handler = BotHandler {
            engine: engine.clone(),
        };
        Self {
            runtime: Runtime::new(store, messenger, handler, config),
            engine,
        }
    }

    /// The engine this runner drives.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The runtime underneath.
    pub fn runtime(&self) -> &Runtime<BotHandler> {
        &self.runtime
    }

    /// The messenger this runner serves.
    pub fn messenger(&self) -> Arc<dyn Messenger> {
        self.runtime.messenger()
    }

    /// Stores received updates durably. Returns how many were new.
    ///
    /// # Errors
    /// [`RunError::Storage`]: then the platform must not be told the updates were received.
    pub async fn accept(&self, updates: &[Update]) -> Result<usize, RunError> {
        let n = self.runtime.accept(updates).await?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    /// Handles every stored, unhandled update and delivers every due reply.
    ///
    /// # Errors
    /// Never in practice (storage faults are retried); kept for callers that match on it.
    pub async fn drain(&self) -> Result<(), RunError> {
        self.runtime.drain().await;
        Ok(())
    }

    /// Delivers queued replies (the same as [`Runner::drain`]).
    ///
    /// # Errors
    /// As [`Runner::drain`].
    pub async fn deliver(&self) -> Result<(), RunError> {
        self.drain().await
    }

    /// Handles and delivers updates that arrive through [`Runner::accept`] (webhooks) until
    /// `shutdown` resolves.
    pub async fn run_webhooks(&self, shutdown: impl Future<Output = ()>) {
        self.runtime.run(shutdown).await;
    }

    /// Sends the broadcasts stored for this messenger (`messenger_runtime::Store::create_broadcast`
    /// on the bot's database) at the platform's broadcast rate until `shutdown` resolves; one
    /// instance at a time is the sender (see messenger-runtime's README).
    pub async fn run_broadcasts(&self, shutdown: impl Future<Output = ()>) {
        self.run_broadcasts_with(messenger_runtime::BroadcastConfig::default(), shutdown)
            .await;
    }

    /// [`Runner::run_broadcasts`] paced by `config` (the binary gives each messenger
    /// [`crate::app::broadcast_config`]).
    pub async fn run_broadcasts_with(
        &self,
        config: messenger_runtime::BroadcastConfig,
        shutdown: impl Future<Output = ()>,
    ) {
        self.runtime.run_broadcasts(config, shutdown).await;
    }

    /// Long-polls the messenger until `shutdown` resolves or its input closes.
    ///
    /// # Errors
    /// [`RunError::Messenger`] when the platform refuses the bot for good (a bad token).
    pub async fn run_polling(&self, shutdown: impl Future<Output = ()>) -> Result<(), RunError> {
        Ok(self.runtime.run_polling(shutdown).await?)
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
