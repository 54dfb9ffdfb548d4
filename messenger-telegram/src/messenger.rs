//! [`Messenger`] for [`TelegramBot`].

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, ChatRef, FileRef, Image, Keyboard, Limits, MessageRef,
    Messenger, MessengerError, MessengerKind, OutgoingMessage, PlatformId, PollBatch, PollCursor,
    Update, ValidationError, verify_secret_header,
};

use crate::client::{SECRET_HEADER, TelegramBot};
use crate::convert::{parse_update, reply_markup, update_id};
use crate::types::{
    AnswerCallbackQuery, EditMessageCaption, EditMessageText, GetUpdates, LinkPreviewOptions,
    SendMessage, SendPhoto,
};

const HTML: &str = "HTML";

fn preview(message: &OutgoingMessage) -> Option<LinkPreviewOptions> {
    (!message.link_preview).then_some(LinkPreviewOptions { is_disabled: true })
}

fn message_id(r: &MessageRef) -> Result<i64, MessengerError> {
    r.id.as_i64().ok_or_else(|| MessengerError::InvalidRequest {
        detail: ApiDetail::new(None, None, "a Telegram message id is a number"),
    })
}

impl TelegramBot {
    /// Sends one validated message: `sendMessage`, or `sendPhoto` (URL as JSON, bytes as
    /// multipart) with the text as the caption.
    async fn send_one(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        let markup = message.keyboard.as_ref().map(reply_markup);
        let html = message.text.to_html();
        let sent = match &message.image {
            None => {
                self.execute(&SendMessage {
                    chat_id: chat.id.clone(),
                    text: html,
                    parse_mode: Some(HTML.to_owned()),
                    link_preview_options: preview(message),
                    disable_notification: message.silent,
                    reply_markup: markup,
                })
                .await?
            }
            Some(Image::Url(url)) => {
                let has_caption = !html.is_empty();
                self.execute(&SendPhoto {
                    chat_id: chat.id.clone(),
                    photo: url.clone(),
                    caption: has_caption.then_some(html),
                    parse_mode: has_caption.then(|| HTML.to_owned()),
                    disable_notification: message.silent,
                    reply_markup: markup,
                })
                .await?
            }
            Some(Image::Bytes {
                data,
                file_name,
                mime_type,
            }) => {
                self.send_photo_upload(
                    &chat.id,
                    data.clone(),
                    file_name,
                    mime_type,
                    Some(&html),
                    markup.as_ref(),
                    message.silent,
                )
                .await?
            }
            Some(_) => {
                return Err(MessengerError::Unsupported {
                    operation: "this kind of picture",
                    messenger: MessengerKind::Telegram,
                });
            }
        };
        Ok(MessageRef::new(chat.clone(), sent.message_id))
    }
}

#[async_trait]
impl Messenger for TelegramBot {
    fn kind(&self) -> MessengerKind {
        MessengerKind::Telegram
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }

    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        message.validate(&self.limits)?;
        self.send_one(chat, message).await
    }

    /// `editMessageText` (or `editMessageCaption` when `new` has a picture: the picture itself
    /// is not replaced). Only inline keyboards can go on an edited message.
    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        new.validate(&self.limits)?;
        let markup = match &new.keyboard {
            None => None,
            Some(kb @ Keyboard::Inline(_)) => Some(reply_markup(kb)),
            Some(kb) => {
                return Err(ValidationError::ButtonNotAllowed {
                    label: kb
                        .buttons()
                        .next()
                        .map_or_else(String::new, |b| b.label().to_owned()),
                }
                .into());
            }
        };
        let id = message_id(message)?;
        if new.image.is_some() {
            self.execute(&EditMessageCaption {
                chat_id: message.chat.id.clone(),
                message_id: id,
                caption: new.text.to_html(),
                parse_mode: Some(HTML.to_owned()),
                reply_markup: markup,
            })
            .await?;
        } else {
            self.execute(&EditMessageText {
                chat_id: message.chat.id.clone(),
                message_id: id,
                text: new.text.to_html(),
                parse_mode: Some(HTML.to_owned()),
                link_preview_options: preview(new),
                reply_markup: markup,
            })
            .await?;
        }
        Ok(())
    }

    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        self.answer_callback_query(&AnswerCallbackQuery {
            callback_query_id: callback.id.clone(),
            text: answer.text.clone(),
            show_alert: answer.show_alert,
        })
        .await?;
        Ok(())
    }

    /// `getFile`, then the file download.
    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        let info = self.get_file(&file.id).await?;
        let path = info
            .file_path
            .ok_or_else(|| MessengerError::InvalidRequest {
                detail: ApiDetail::new(
                    None,
                    None,
                    "getFile returned no file_path (the file may be over 20 MB)",
                ),
            })?;
        self.download_file(&path).await
    }

    /// Checks `X-Telegram-Bot-Api-Secret-Token` in constant time, then parses one `Update`.
    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        let secret = self
            .webhook_secret
            .as_ref()
            .ok_or(MessengerError::ForgedWebhook {
                reason: "no webhook secret is configured, so no request can be trusted",
            })?;
        verify_secret_header(headers, SECRET_HEADER, secret)?;
        let raw: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| MessengerError::decode("webhook", 0, e.to_string(), body))?;
        if !raw.is_object() {
            return Err(MessengerError::decode(
                "webhook",
                0,
                "expected a JSON object",
                body,
            ));
        }
        Ok(vec![parse_update(&raw)])
    }

    /// `getUpdates` with `offset = cursor`, the polling timeout and the configured
    /// `allowed_updates`. The next cursor is the highest `update_id` + 1, counting updates that
    /// could not be parsed, so they are acknowledged too.
    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        let raw = self
            .get_updates(&GetUpdates {
                offset: cursor.0,
                limit: None,
                timeout: Some(timeout.as_secs()),
                allowed_updates: Some(self.allowed_updates.clone()),
            })
            .await?;
        let mut next = cursor.0;
        let mut updates = Vec::with_capacity(raw.len());
        for r in &raw {
            if let Some(id) = update_id(r) {
                next = Some(next.map_or(id + 1, |n| n.max(id + 1)));
            }
            updates.push(parse_update(r));
        }
        Ok(PollBatch {
            updates,
            next: PollCursor(next),
        })
    }

    async fn send_typing(&self, chat: &ChatRef) -> Result<(), MessengerError> {
        let id: &PlatformId = &chat.id;
        self.send_chat_action(id, "typing").await?;
        Ok(())
    }
}
