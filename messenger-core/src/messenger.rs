//! The [`Messenger`] trait every adapter implements.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::capabilities::Capabilities;
use crate::error::MessengerError;
use crate::exchange::{RawRequest, WebhookOutcome, WebhookResponse, WelcomeSlot};
use crate::limits::{Limits, Rate};
use crate::message::{ButtonAnswer, OutgoingMessage};
use crate::model::{CallbackRef, ChatRef, FileRef, MessageRef, MessengerKind, PlatformId, Update};

/// Where long polling resumes: Telegram's `offset`, MAX's `marker`. Opaque to bots; persist it
/// (it is serde) to resume after a restart without repeating updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct PollCursor(pub Option<i64>);

/// One long-polling answer.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PollBatch {
    /// The updates, oldest first (unparsable ones as [`crate::UpdateKind::Other`]).
    pub updates: Vec<Update>,
    /// The cursor for the next poll; passing it acknowledges every update of this batch.
    pub next: PollCursor,
}

impl PollBatch {
    /// A batch of `updates` with the cursor that acknowledges them.
    pub fn new(updates: Vec<Update>, next: PollCursor) -> Self {
        Self { updates, next }
    }
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

    /// What this messenger can do beyond sending (edits, deletes, real callbacks, …), so a bot
    /// adapts its dialogues. The default is [`Capabilities::new`]: nothing optional.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
    }

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

    /// [`Messenger::parse_webhook`] with what the HTTP answer may carry: a [`WelcomeSlot`] when
    /// the platform lets the bot greet the user in the response body (Viber's
    /// `conversation_started`, the only way to reach a user who has not subscribed). A webhook
    /// handler calls this, stores the updates, and answers with
    /// [`Messenger::welcome_response`] when there is a slot, else with
    /// [`WebhookResponse::ok`]. The default wraps [`Messenger::parse_webhook`] with no slot.
    ///
    /// # Errors
    /// As [`Messenger::parse_webhook`].
    fn receive_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookOutcome, MessengerError> {
        Ok(WebhookOutcome::new(self.parse_webhook(headers, body)?))
    }

    /// Renders `message` as the HTTP answer that fills `slot` (Viber: the welcome message, a
    /// `send_message` body without a receiver, at most 30 KB).
    ///
    /// # Errors
    /// [`MessengerError::Invalid`] when the message does not fit;
    /// [`MessengerError::Unsupported`] where the platform has no such answer (the default).
    async fn welcome_response(
        &self,
        slot: &WelcomeSlot,
        message: &OutgoingMessage,
    ) -> Result<WebhookResponse, MessengerError> {
        let _ = (slot, message);
        Err(MessengerError::Unsupported {
            operation: "a welcome message in the webhook answer",
            messenger: self.kind(),
        })
    }

    /// Deletes a message (the bot's own, or a user's where the platform allows it).
    ///
    /// # Errors
    /// [`MessengerError::Unsupported`] where messages cannot be deleted (the default), and the
    /// platform's errors.
    async fn delete(&self, message: &MessageRef) -> Result<(), MessengerError> {
        let _ = message;
        Err(MessengerError::Unsupported {
            operation: "deleting a message",
            messenger: self.kind(),
        })
    }

    /// Sends a raw platform request (see [`RawRequest`] for how each adapter reads it) with the
    /// adapter's credentials, error mapping and no-redirect policy, and returns the platform's
    /// answer: Telegram's `result`, Viber's whole status object, MAX's body. Nothing is validated
    /// or throttled: an escape hatch for what the common model lacks.
    ///
    /// # Errors
    /// [`MessengerError::InvalidRequest`] for an unsafe path
    /// ([`RawRequest::has_safe_path`]); [`MessengerError::Unsupported`] where there is no
    /// platform API (the default); the platform's errors.
    async fn send_raw(&self, request: &RawRequest) -> Result<serde_json::Value, MessengerError> {
        let _ = request;
        Err(MessengerError::Unsupported {
            operation: "raw platform requests",
            messenger: self.kind(),
        })
    }

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

    /// How many chats one [`Messenger::send_many`] call reaches with one platform request: 1
    /// (the default) where the platform has no broadcast call, 300 for a Viber bot approved for
    /// `broadcast_message`.
    fn broadcast_batch(&self) -> usize {
        1
    }

    /// The documented rate of [`Messenger::send_many`] calls: the platform's global rate
    /// ([`Limits::global_rate`]) by default; Viber's `broadcast_message` allows 500 calls per
    /// 10 s.
    fn broadcast_rate(&self) -> Rate {
        self.limits().global_rate
    }

    /// Sends one message to several chats (at most [`Messenger::broadcast_batch`]) and reports
    /// each chat's outcome, in order: the platform's id of the message sent (what a
    /// [`crate::Receipt`] names later; one Viber `broadcast_message` call gives all its receivers
    /// the same token), `None` where the platform gives none. The default sends to each chat in
    /// turn with [`Messenger::send`]; an adapter with a broadcast call (Viber) makes one request.
    ///
    /// # Errors
    /// Only when the message cannot be sent to anyone (it does not fit the platform); every
    /// other failure is reported per chat.
    async fn send_many(
        &self,
        chats: &[ChatRef],
        message: &OutgoingMessage,
    ) -> Result<Vec<Result<Option<PlatformId>, MessengerError>>, MessengerError> {
        send_each(self, chats, message).await
    }
}

/// [`Messenger::send_many`] without a broadcast call: validates once, then one
/// [`Messenger::send`] per chat, each chat's outcome in order. The trait's default, and the
/// fallback of an adapter whose broadcast call is not available (a Viber bot not approved).
///
/// # Errors
/// Only when the message does not fit the platform; send failures are reported per chat.
pub async fn send_each<M: Messenger + ?Sized>(
    messenger: &M,
    chats: &[ChatRef],
    message: &OutgoingMessage,
) -> Result<Vec<Result<Option<PlatformId>, MessengerError>>, MessengerError> {
    message.validate(messenger.limits())?;
    let mut out = Vec::with_capacity(chats.len());
    for chat in chats {
        out.push(messenger.send(chat, message).await.map(|m| Some(m.id)));
    }
    Ok(out)
}

#[async_trait]
impl<M: Messenger + ?Sized> Messenger for Arc<M> {
    fn kind(&self) -> MessengerKind {
        (**self).kind()
    }
    fn broadcast_batch(&self) -> usize {
        (**self).broadcast_batch()
    }
    fn broadcast_rate(&self) -> Rate {
        (**self).broadcast_rate()
    }
    async fn send_many(
        &self,
        chats: &[ChatRef],
        message: &OutgoingMessage,
    ) -> Result<Vec<Result<Option<PlatformId>, MessengerError>>, MessengerError> {
        (**self).send_many(chats, message).await
    }
    fn limits(&self) -> &Limits {
        (**self).limits()
    }
    fn capabilities(&self) -> Capabilities {
        (**self).capabilities()
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
    fn receive_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookOutcome, MessengerError> {
        (**self).receive_webhook(headers, body)
    }
    async fn welcome_response(
        &self,
        slot: &WelcomeSlot,
        message: &OutgoingMessage,
    ) -> Result<WebhookResponse, MessengerError> {
        (**self).welcome_response(slot, message).await
    }
    async fn delete(&self, message: &MessageRef) -> Result<(), MessengerError> {
        (**self).delete(message).await
    }
    async fn send_raw(&self, request: &RawRequest) -> Result<serde_json::Value, MessengerError> {
        (**self).send_raw(request).await
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
