//! [`Messenger`] for [`TelegramBot`].

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, Capabilities, ChatRef, FileRef, Image, Keyboard, Limits,
    MessageRef, Messenger, MessengerError, MessengerKind, OutgoingMessage, PlatformId, PollBatch,
    PollCursor, RawMethod, RawRequest, Update, ValidationError, verify_secret_header,
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

/// Whether `e` is Telegram's 400 "Bad Request: message is not modified: specified new message
/// content and reply markup are exactly the same as a current content and reply markup of the
/// message", which an edit to the same content gets (a double-tapped button).
pub fn is_not_modified(e: &MessengerError) -> bool {
    matches!(e, MessengerError::InvalidRequest { detail }
        if detail.description.to_lowercase().contains("message is not modified"))
}

fn message_id(r: &MessageRef) -> Result<i64, MessengerError> {
    r.id.as_i64().ok_or_else(|| MessengerError::InvalidRequest {
        detail: ApiDetail::new(None, None, "a Telegram message id is a number"),
    })
}

/// How many uploaded pictures' ids a bot keeps.
const UPLOADED_KEPT: usize = 8;

impl TelegramBot {
    /// The `file_id` of `data` if it was uploaded lately (the same buffer, or the same bytes).
    fn uploaded_id(&self, data: &Bytes) -> Option<String> {
        let kept = self.uploaded.lock().ok()?;
        kept.iter()
            .find(|(b, _)| messenger_core::same_bytes(b, data))
            .map(|(_, id)| id.clone())
    }

    fn remember_upload(&self, data: &Bytes, file_id: &str) {
        if let Ok(mut kept) = self.uploaded.lock() {
            kept.retain(|(b, _)| b != data);
            kept.push_back((data.clone(), file_id.to_owned()));
            while kept.len() > UPLOADED_KEPT {
                kept.pop_front();
            }
        }
    }

    fn forget_upload(&self, data: &Bytes) {
        if let Ok(mut kept) = self.uploaded.lock() {
            kept.retain(|(b, _)| b != data);
        }
    }

    /// `sendPhoto` by URL or `file_id`, the HTML as its caption (none when empty).
    async fn send_photo_ref(
        &self,
        chat: &ChatRef,
        photo: String,
        html: &str,
        reply_markup: Option<crate::types::ReplyMarkup>,
        silent: bool,
    ) -> Result<crate::types::Message, MessengerError> {
        let has_caption = !html.is_empty();
        self.execute(&SendPhoto {
            chat_id: chat.id.clone(),
            photo,
            caption: has_caption.then(|| html.to_owned()),
            parse_mode: has_caption.then(|| HTML.to_owned()),
            disable_notification: silent,
            reply_markup,
        })
        .await
    }

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
                self.send_photo_ref(chat, url.clone(), &html, markup, message.silent)
                    .await?
            }
            Some(Image::Bytes {
                data,
                file_name,
                mime_type,
            }) => {
                // A picture uploaded before (the same bytes) goes by the id Telegram gave it.
                let known = self.uploaded_id(data);
                let by_id = match known {
                    Some(file_id) => {
                        let sent = self
                            .send_photo_ref(chat, file_id, &html, markup.clone(), message.silent)
                            .await;
                        match sent {
                            // A refused id (it expired): uploaded again below. Any other
                            // refusal (a chat not found) is this recipient's own.
                            Err(MessengerError::InvalidRequest { detail })
                                if detail.description.to_lowercase().contains("file") =>
                            {
                                self.forget_upload(data);
                                None
                            }
                            other => Some(other?),
                        }
                    }
                    None => None,
                };
                match by_id {
                    Some(sent) => sent,
                    None => {
                        let sent = self
                            .send_photo_upload(
                                &chat.id,
                                data.clone(),
                                file_name,
                                mime_type,
                                Some(&html),
                                markup.as_ref(),
                                message.silent,
                            )
                            .await?;
                        if let Some(largest) = sent.photo.last() {
                            self.remember_upload(data, &largest.file_id);
                        }
                        sent
                    }
                }
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

    /// Edits, deletes, real callbacks, a persistent reply keyboard, "typing…", long polling, raw
    /// requests, and contacts tied to their sender (`contact.user_id` is the sender's id).
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_verified_contacts(true)
            .with_edit_messages(true)
            .with_delete_messages(true)
            .with_button_callbacks(true)
            .with_persistent_keyboard(true)
            .with_typing_indicator(true)
            .with_long_polling(true)
            .with_raw_requests(true)
    }

    /// `deleteMessage` (Telegram lets a bot delete its own messages for 48 hours).
    async fn delete(&self, message: &MessageRef) -> Result<(), MessengerError> {
        let id = message_id(message)?;
        self.delete_message(&message.chat.id, id).await.map(drop)
    }

    /// `POST /bot<token>/<path>` with the JSON body (`{}` when none); returns `result`. `path`
    /// must be a Bot API method name (letters, digits, `_`); Telegram takes every method as a
    /// POST, so the method and query of the request must be POST and empty.
    async fn send_raw(&self, request: &RawRequest) -> Result<serde_json::Value, MessengerError> {
        let name_ok = !request.path.is_empty()
            && request
                .path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !name_ok || request.method != RawMethod::Post || !request.query.is_empty() {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(
                    None,
                    None,
                    "a raw Telegram request is a POST to a method name such as \"sendDice\"",
                ),
            });
        }
        let body = serde_json::to_vec(request.body.as_ref().unwrap_or(&serde_json::json!({})))
            .map_err(|e| MessengerError::Config(format!("cannot encode the raw body: {e}")))?;
        self.call_raw(&request.path, body).await
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
        let result = if new.image.is_some() {
            self.execute(&EditMessageCaption {
                chat_id: message.chat.id.clone(),
                message_id: id,
                caption: new.text.to_html(),
                parse_mode: Some(HTML.to_owned()),
                reply_markup: markup,
            })
            .await
            .map(drop)
        } else {
            self.execute(&EditMessageText {
                chat_id: message.chat.id.clone(),
                message_id: id,
                text: new.text.to_html(),
                parse_mode: Some(HTML.to_owned()),
                link_preview_options: preview(new),
                reply_markup: markup,
            })
            .await
            .map(drop)
        };
        match result {
            // The message already shows exactly this: the edit's goal is reached.
            Err(e) if is_not_modified(&e) => Ok(()),
            other => other,
        }
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
        Ok(PollBatch::new(updates, PollCursor(next)))
    }

    async fn send_typing(&self, chat: &ChatRef) -> Result<(), MessengerError> {
        let id: &PlatformId = &chat.id;
        self.send_chat_action(id, "typing").await?;
        Ok(())
    }
}
