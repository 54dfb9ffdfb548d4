//! The [`Messenger`] trait every adapter implements.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::error::MessengerError;
use crate::limits::Limits;
use crate::message::{ButtonAnswer, OutgoingMessage};
use crate::model::{CallbackRef, ChatRef, FileRef, MessageRef, MessengerKind, Update};

/// Where long polling resumes: Telegram's `offset`, MAX's `marker`. Opaque to bots; persist it
/// (it is serde) to resume after a restart without repeating updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct PollCursor(pub Option<i64>);

/// One long-polling answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PollBatch {
    /// The updates, oldest first (unparsable ones as [`crate::UpdateKind::Other`]).
    pub updates: Vec<Update>,
    /// The cursor for the next poll; passing it acknowledges every update of this batch.
    pub next: PollCursor,
}

/// A messenger platform, as a bot sees it. Object-safe: bots hold `Arc<dyn Messenger>`.
///
/// Adapters wrap each other teloxide-style: [`crate::Throttled`] adds rate limiting and 429
/// handling to any messenger.
#[async_trait]
pub trait Messenger: Send + Sync {
    /// Which platform this is.
    fn kind(&self) -> MessengerKind;

    /// The platform's limits, used for validation and splitting.
    fn limits(&self) -> &Limits;

    /// Sends a message and returns a reference to it (for editing).
    ///
    /// The message is validated first ([`OutgoingMessage::validate`]); a text over the limit is an
    /// error here, [`send_long`] splits it.
    ///
    /// # Errors
    /// [`MessengerError::Invalid`] when it does not fit the platform, and the platform's errors
    /// ([`MessengerError::Blocked`], [`MessengerError::ChatNotFound`],
    /// [`MessengerError::RateLimited`], …).
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError>;

    /// Replaces the text and inline keyboard of a message the bot sent.
    ///
    /// # Errors
    /// As [`Messenger::send`]; [`MessengerError::Unsupported`] where messages cannot be edited.
    async fn edit(&self, message: &MessageRef, new: &OutgoingMessage)
    -> Result<(), MessengerError>;

    /// Answers a button press (stops the spinner, optionally shows a toast or alert). A no-op
    /// where presses need no answer.
    ///
    /// # Errors
    /// The platform's errors.
    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError>;

    /// Downloads a file a user sent.
    ///
    /// # Errors
    /// The platform's errors; [`MessengerError::Decode`] for a file over the size cap.
    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError>;

    /// Authenticates a webhook request from its raw headers and body (before any parsing) and
    /// turns it into updates. Parsing never panics; unknown updates become
    /// [`crate::UpdateKind::Other`]. Answer the platform with 200 on `Ok`, 401/403 on
    /// [`MessengerError::ForgedWebhook`] and 400 on [`MessengerError::Decode`].
    ///
    /// # Errors
    /// [`MessengerError::ForgedWebhook`] when the secret/signature is missing or wrong,
    /// [`MessengerError::Decode`] when the body is not JSON.
    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError>;

    /// Fetches updates by long polling, waiting up to `timeout` for the first one.
    ///
    /// # Errors
    /// [`MessengerError::Unsupported`] where the platform has no long polling (Viber), and the
    /// platform's errors.
    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        let _ = (cursor, timeout);
        Err(MessengerError::Unsupported {
            operation: "long polling",
            messenger: self.kind(),
        })
    }

    /// Shows "typing…" in the chat, where the platform has it.
    ///
    /// # Errors
    /// The platform's errors.
    async fn send_typing(&self, chat: &ChatRef) -> Result<(), MessengerError> {
        let _ = chat;
        Ok(())
    }
}

#[async_trait]
impl<M: Messenger + ?Sized> Messenger for Arc<M> {
    fn kind(&self) -> MessengerKind {
        (**self).kind()
    }
    fn limits(&self) -> &Limits {
        (**self).limits()
    }
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        (**self).send(chat, message).await
    }
    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        (**self).edit(message, new).await
    }
    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        (**self).answer_button(callback, answer).await
    }
    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        (**self).download(file).await
    }
    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        (**self).parse_webhook(headers, body)
    }
    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        (**self).poll(cursor, timeout).await
    }
    async fn send_typing(&self, chat: &ChatRef) -> Result<(), MessengerError> {
        (**self).send_typing(chat).await
    }
}

/// Sends a message of any length: splits it with [`OutgoingMessage::split`] (paragraph
/// boundaries first; picture on the first part, keyboard on the last) and sends the parts in
/// order. Returns the references of the parts sent.
///
/// # Errors
/// The first error; parts before it were sent.
pub async fn send_long(
    messenger: &dyn Messenger,
    chat: &ChatRef,
    message: &OutgoingMessage,
) -> Result<Vec<MessageRef>, MessengerError> {
    let mut sent = Vec::new();
    for part in message.split(messenger.limits()) {
        sent.push(messenger.send(chat, &part).await?);
    }
    Ok(sent)
}
