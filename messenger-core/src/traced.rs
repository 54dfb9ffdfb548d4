//! [`Traced`]: a [`Messenger`] adaptor that puts every call in a `tracing` span and logs its
//! outcome. It logs the operation, the messenger, the chat and the error, never message
//! content, phone numbers, URLs or tokens.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use tracing::Instrument;

use crate::capabilities::Capabilities;
use crate::error::MessengerError;
use crate::exchange::{RawRequest, WebhookOutcome, WebhookResponse, WelcomeSlot};
use crate::limits::Limits;
use crate::message::{ButtonAnswer, OutgoingMessage};
use crate::messenger::{Messenger, PollBatch, PollCursor};
use crate::model::{CallbackRef, ChatRef, FileRef, MessageRef, MessengerKind, PlatformId, Update};

/// Any [`Messenger`] with a span per call (`messenger.op`, target `messenger_core::traced`).
#[derive(Debug)]
pub struct Traced<M> {
    inner: M,
}

impl<M: Messenger> Traced<M> {
    /// Wraps `inner`.
    pub fn new(inner: M) -> Self {
        Self { inner }
    }

    /// The wrapped messenger.
    pub fn inner(&self) -> &M {
        &self.inner
    }
}

fn log<T>(result: &Result<T, MessengerError>) {
    match result {
        Ok(_) => tracing::debug!("ok"),
        Err(e) => tracing::warn!(error = %e, "failed"),
    }
}

#[async_trait]
impl<M: Messenger> Messenger for Traced<M> {
    fn kind(&self) -> MessengerKind {
        self.inner.kind()
    }

    fn broadcast_batch(&self) -> usize {
        self.inner.broadcast_batch()
    }

    fn broadcast_rate(&self) -> crate::limits::Rate {
        self.inner.broadcast_rate()
    }

    async fn send_many(
        &self,
        chats: &[ChatRef],
        message: &OutgoingMessage,
    ) -> Result<Vec<Result<Option<PlatformId>, MessengerError>>, MessengerError> {
        let span = tracing::debug_span!("messenger.send_many", messenger = %self.kind(), chats = chats.len());
        async {
            let r = self.inner.send_many(chats, message).await;
            match &r {
                Ok(each) => {
                    let failed = each.iter().filter(|e| e.is_err()).count();
                    tracing::debug!(failed, "sent");
                }
                Err(e) => tracing::warn!(error = %e, "failed"),
            }
            r
        }
        .instrument(span)
        .await
    }

    fn limits(&self) -> &Limits {
        self.inner.limits()
    }

    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        let span = tracing::debug_span!("messenger.send", messenger = %self.kind(), %chat);
        async {
            let r = self.inner.send(chat, message).await;
            log(&r);
            r
        }
        .instrument(span)
        .await
    }

    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        let span =
            tracing::debug_span!("messenger.edit", messenger = %self.kind(), chat = %message.chat);
        async {
            let r = self.inner.edit(message, new).await;
            log(&r);
            r
        }
        .instrument(span)
        .await
    }

    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        let span = tracing::debug_span!("messenger.answer_button", messenger = %self.kind());
        async {
            let r = self.inner.answer_button(callback, answer).await;
            log(&r);
            r
        }
        .instrument(span)
        .await
    }

    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        let span = tracing::debug_span!("messenger.download", messenger = %self.kind());
        async {
            let r = self.inner.download(file).await;
            log(&r);
            r
        }
        .instrument(span)
        .await
    }

    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        let _g =
            tracing::debug_span!("messenger.webhook", messenger = %self.kind(), bytes = body.len())
                .entered();
        let r = self.inner.parse_webhook(headers, body);
        log(&r);
        r
    }

    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        let span = tracing::debug_span!("messenger.poll", messenger = %self.kind(), updates = tracing::field::Empty);
        async {
            let r = self.inner.poll(cursor, timeout).await;
            if let Ok(b) = &r {
                tracing::Span::current().record("updates", b.updates.len());
            }
            log(&r);
            r
        }
        .instrument(span)
        .await
    }

    async fn send_typing(&self, chat: &ChatRef) -> Result<(), MessengerError> {
        self.inner.send_typing(chat).await
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn receive_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookOutcome, MessengerError> {
        self.inner.receive_webhook(headers, body)
    }

    async fn welcome_response(
        &self,
        slot: &WelcomeSlot,
        message: &OutgoingMessage,
    ) -> Result<WebhookResponse, MessengerError> {
        self.inner.welcome_response(slot, message).await
    }

    async fn send_raw(&self, request: &RawRequest) -> Result<serde_json::Value, MessengerError> {
        self.inner.send_raw(request).await
    }

    async fn delete(&self, message: &MessageRef) -> Result<(), MessengerError> {
        let span = tracing::debug_span!("messenger.delete", messenger = %self.kind(), chat = %message.chat);
        async {
            let r = self.inner.delete(message).await;
            log(&r);
            r
        }
        .instrument(span)
        .await
    }
}
