//! What a bot writes: a [`Handler`] that turns one update (and its chat's conversation state)
//! into replies, a new state and typed database writes, all committed in one transaction with the
//! update's completion.

use std::sync::Arc;

use async_trait::async_trait;
use messenger_core::{ChatRef, Keyboard, Messenger, MessengerError, RichText, Update};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One message the runtime delivers to the update's chat, in order, after the completion commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The text (split at the platform's length limit when delivered).
    pub text: RichText,
    /// The keyboard, if any.
    #[serde(default)]
    pub keyboard: Option<Keyboard>,
    /// Deliver without a notification sound.
    #[serde(default)]
    pub silent: bool,
    /// A picture, with the text as its caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<ReplyImage>,
}

/// A picture of a [`Reply`], stored with it in the outbox until delivered (so it keeps its
/// place in the chat's order and survives a restart like the text).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyImage {
    /// A public URL the platform fetches.
    Url {
        /// The URL.
        url: String,
    },
    /// Bytes to upload (a generated QR code, a captcha); stored as base64.
    Bytes {
        /// The file content.
        #[serde(with = "base64_bytes")]
        data: Vec<u8>,
        /// The file name sent with it.
        file_name: String,
        /// The MIME type.
        mime_type: String,
    },
}

impl std::fmt::Debug for ReplyImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Url { url } => f.debug_struct("Url").field("url", url).finish(),
            Self::Bytes {
                data, file_name, ..
            } => f
                .debug_struct("Bytes")
                .field("file_name", file_name)
                .field("len", &data.len())
                .finish_non_exhaustive(),
        }
    }
}

impl From<ReplyImage> for messenger_core::Image {
    fn from(i: ReplyImage) -> Self {
        match i {
            ReplyImage::Url { url } => Self::url(url),
            ReplyImage::Bytes {
                data,
                file_name,
                mime_type,
            } => Self::bytes(data, file_name, mime_type),
        }
    }
}

mod base64_bytes {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(data: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(data))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text).map_err(serde::de::Error::custom)
    }
}

impl Reply {
    /// A reply with this text and no keyboard.
    pub fn new(text: impl Into<RichText>) -> Self {
        Self {
            text: text.into(),
            keyboard: None,
            silent: false,
            image: None,
        }
    }

    /// Sets the keyboard.
    pub fn keyboard(mut self, keyboard: Keyboard) -> Self {
        self.keyboard = Some(keyboard);
        self
    }

    /// Sends a picture with the text as its caption.
    pub fn image(mut self, image: ReplyImage) -> Self {
        self.image = Some(image);
        self
    }
}

/// A value bound to a [`Write`]'s placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text or SQL NULL.
    Text(Option<String>),
    /// An integer or SQL NULL.
    Int(Option<i64>),
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(Some(v.to_owned()))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(Some(v))
    }
}
impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        Self::Text(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}
impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Int(Some(i64::from(v)))
    }
}

/// A user-visible write of the handler (a language choice, a profile flag): one SQL statement
/// with `$1…$n` placeholders, run inside the transaction that marks the update handled. If the
/// completion fails or another instance took the chat over, the write is not applied either.
///
/// The SQL is a `&'static str` written in the bot's code (portable SQL for SQLite and
/// PostgreSQL); values are always bound, never spliced in. `Debug` shows the statement and how
/// many values are bound, never the values (a session token may be one of them).
#[derive(Clone, PartialEq, Eq)]
pub struct Write {
    pub(crate) sql: &'static str,
    pub(crate) args: Vec<Value>,
    pub(crate) append: bool,
    pub(crate) keyed: bool,
}

impl std::fmt::Debug for Write {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Write")
            .field("sql", &self.sql)
            .field("values", &self.args.len())
            .finish()
    }
}

impl Write {
    /// A statement with no arguments yet.
    pub fn new(sql: &'static str) -> Self {
        Self {
            sql,
            args: Vec::new(),
            append: false,
            keyed: false,
        }
    }

    /// A one-row `INSERT INTO t (…) VALUES ($1, …)` that nothing else in the transaction
    /// depends on (a log line): the runtime may run it after the other writes of the group,
    /// merged with the rows of the same statement into one multi-row INSERT.
    pub fn append(sql: &'static str) -> Self {
        Self {
            sql,
            args: Vec::new(),
            append: true,
            keyed: false,
        }
    }

    /// A one-row `INSERT INTO t (…) VALUES ($1, …) ON CONFLICT (…) DO …` keyed by the
    /// completion's chat (the chat's user record): the rows of two completions of one group
    /// never conflict with each other, and the placeholders are all inside the `VALUES` tuple.
    /// When such writes lead a completion's writes, the runtime runs them before the group's
    /// other writes, merged with the same statement of the group's other completions into one
    /// multi-row statement (the completion's own writes keep their order).
    pub fn chat_upsert(sql: &'static str) -> Self {
        Self {
            sql,
            args: Vec::new(),
            append: false,
            keyed: true,
        }
    }

    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl Into<Value>) -> Self {
        self.args.push(value.into());
        self
    }

    /// The statement.
    pub fn sql(&self) -> &'static str {
        self.sql
    }
}

/// What handling one update produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome<S> {
    /// Replies to the update's chat, in order.
    pub replies: Vec<Reply>,
    /// The chat's new conversation state; `None` keeps the stored one.
    pub state: Option<S>,
    /// Writes committed with the completion (see [`Write`]).
    pub writes: Vec<Write>,
}

impl<S> Default for Outcome<S> {
    fn default() -> Self {
        Self {
            replies: Vec::new(),
            state: None,
            writes: Vec::new(),
        }
    }
}

impl<S> Outcome<S> {
    /// Nothing to say, state unchanged.
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds a reply.
    pub fn reply(mut self, reply: Reply) -> Self {
        self.replies.push(reply);
        self
    }

    /// Sets the new state.
    pub fn state(mut self, state: S) -> Self {
        self.state = Some(state);
        self
    }

    /// Adds a write.
    pub fn write(mut self, write: Write) -> Self {
        self.writes.push(write);
        self
    }
}

/// A failure to handle an update.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// A passing fault (the database, a vendor timeout): the update is retried with backoff and
    /// never quarantined for it.
    #[error("transient: {0}")]
    Transient(String),
    /// A failure that will likely repeat: the update is retried up to
    /// [`crate::RuntimeConfig::max_attempts`] times (like a panic) and then quarantined.
    #[error("failed: {0}")]
    Failed(String),
}

/// What the handler sees besides the update.
#[derive(Clone)]
pub struct Context {
    /// The messenger the update came from (to answer a button press, download a file).
    pub messenger: Arc<dyn Messenger>,
    /// 1 on the first try of this update, more on retries (after a panic, an error or a takeover
    /// from a dead instance).
    pub attempt: u32,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("messenger", &self.messenger.kind())
            .field("attempt", &self.attempt)
            .finish()
    }
}

/// A bot's dialogues. The runtime calls [`Handler::handle`] for each update, one at a time per
/// chat and concurrently across chats, and commits the [`Outcome`] atomically with the update's
/// completion.
///
/// `handle` may run more than once for one update (a crash or a kill before its completion was
/// committed, a retry after a panic), but its outcome is committed exactly once: keep its side
/// effects outside the outcome idempotent or harmless to repeat.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// The per-chat conversation state, stored as JSON.
    type State: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// Handles one update. `state` is the chat's stored state (`None` for a new chat, or when
    /// the stored JSON no longer decodes).
    ///
    /// # Errors
    /// [`HandlerError`]: the update is retried (see its variants).
    async fn handle(
        &self,
        cx: &Context,
        update: &Update,
        state: Option<Self::State>,
    ) -> Result<Outcome<Self::State>, HandlerError>;

    /// Called once when an update is quarantined (it panicked or failed
    /// [`crate::RuntimeConfig::max_attempts`] times). The replies returned are delivered to its
    /// chat ("something went wrong"), in the same transaction that quarantines it.
    async fn on_quarantine(&self, update: &Update, reason: &str) -> Vec<Reply> {
        let _ = (update, reason);
        Vec::new()
    }

    /// Called after a message was delivered (statistics, a message log). The writes returned
    /// are committed with the message's "sent" mark, in the same transaction (a failure or a
    /// refused write changes nothing about the delivery).
    async fn on_delivered(&self, chat: &ChatRef, reply: &Reply) -> Vec<Write> {
        let _ = (chat, reply);
        Vec::new()
    }

    /// Called when a reply cannot be delivered for good (the user blocked the bot, the chat is
    /// gone, the platform refused the message); the reply is then dropped.
    async fn on_undeliverable(&self, chat: &ChatRef, error: &MessengerError) {
        let _ = (chat, error);
    }
}

#[async_trait]
impl<H: Handler> Handler for Arc<H> {
    type State = H::State;

    async fn handle(
        &self,
        cx: &Context,
        update: &Update,
        state: Option<Self::State>,
    ) -> Result<Outcome<Self::State>, HandlerError> {
        (**self).handle(cx, update, state).await
    }

    async fn on_quarantine(&self, update: &Update, reason: &str) -> Vec<Reply> {
        (**self).on_quarantine(update, reason).await
    }

    async fn on_undeliverable(&self, chat: &ChatRef, error: &MessengerError) {
        (**self).on_undeliverable(chat, error).await;
    }

    async fn on_delivered(&self, chat: &ChatRef, reply: &Reply) -> Vec<Write> {
        (**self).on_delivered(chat, reply).await
    }
}
