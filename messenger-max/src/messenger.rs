//! [`Messenger`] for [`MaxBot`].

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, Capabilities, ChatRef, ChatType, FileRef, Image, Limits,
    MessageRef, Messenger, MessengerError, MessengerKind, OutgoingMessage, PlatformId, PollBatch,
    PollCursor, RawRequest, Update, verify_secret_header,
};

use crate::client::{MaxBot, SECRET_HEADER};
use crate::convert::{keyboard_attachment, parse_update};
use crate::types::{
    AttachmentRequest, CallbackAnswer, GetUpdates, ImagePayload, NewMessageBody, Target,
};

fn numeric(id: &PlatformId, what: &str) -> Result<i64, MessengerError> {
    id.as_i64().ok_or_else(|| MessengerError::InvalidRequest {
        detail: ApiDetail::new(None, None, format!("a MAX {what} id is a number")),
    })
}

/// Where a [`ChatRef`] goes: dialogs by user id, chats and channels by chat id.
///
/// # Errors
/// [`MessengerError::InvalidRequest`] for a non-numeric id.
pub fn target(chat: &ChatRef) -> Result<Target, MessengerError> {
    let id = numeric(&chat.id, "chat")?;
    Ok(match chat.chat_type {
        ChatType::Private => Target::User(id),
        _ => Target::Chat(id),
    })
}

fn message_id(r: &MessageRef) -> Result<&str, MessengerError> {
    r.id.as_str().ok_or_else(|| MessengerError::InvalidRequest {
        detail: ApiDetail::new(None, None, "a MAX message id is a string (mid)"),
    })
}

impl MaxBot {
    /// The `NewMessageBody` for a core message: the text rendered to HTML (`format: "html"`),
    /// the picture (by URL, or uploaded first and sent by token), the keyboard as an
    /// `inline_keyboard` attachment, `notify: false` when silent. The message is validated
    /// against [`Limits::max`]-style limits first.
    ///
    /// # Errors
    /// [`MessengerError::Invalid`] when it does not fit; the upload's errors.
    pub async fn message_body(
        &self,
        message: &OutgoingMessage,
    ) -> Result<NewMessageBody, MessengerError> {
        message.validate(&self.limits)?;
        let html = message.text.to_html();
        let mut body = NewMessageBody::html(html);
        if message.silent {
            body.notify = Some(false);
        }
        let mut attachments = Vec::new();
        match &message.image {
            None => {}
            Some(Image::Url(url)) => {
                attachments.push(AttachmentRequest::Image(ImagePayload::url(url.clone())));
            }
            Some(Image::Bytes {
                data,
                file_name,
                mime_type,
            }) => {
                let token = self
                    .upload_image(data.clone(), file_name, mime_type)
                    .await?;
                attachments.push(AttachmentRequest::Image(ImagePayload::token(token)));
            }
            Some(_) => {
                return Err(MessengerError::Unsupported {
                    operation: "this kind of picture",
                    messenger: MessengerKind::Max,
                });
            }
        }
        if let Some(kb) = message.keyboard.as_ref().and_then(keyboard_attachment) {
            attachments.push(kb);
        }
        body.attachments = Some(attachments);
        Ok(body)
    }
}

#[async_trait]
impl Messenger for MaxBot {
    fn kind(&self) -> MessengerKind {
        MessengerKind::Max
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Edits, deletes, real callbacks, "typing…", long polling and raw requests. Keyboards are
    /// attached to one message (no persistent reply keyboard). Contacts are tied to their sender
    /// (the contact's owner is the sender).
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_verified_contacts(true)
            .with_edit_messages(true)
            .with_delete_messages(true)
            .with_button_callbacks(true)
            .with_typing_indicator(true)
            .with_long_polling(true)
            .with_raw_requests(true)
    }

    /// `DELETE /messages?message_id=`.
    async fn delete(&self, message: &MessageRef) -> Result<(), MessengerError> {
        self.delete_message(message_id(message)?).await
    }

    /// `POST /chats/{chat_id}/actions` with `typing_on`. A dialog needs its own `chat_id`
    /// ([`ChatRef::dialog_id`], kept from the user's updates); a dialog known only by its user id
    /// (a chat stored before the id was kept) gets nothing and `Ok`, as typing is cosmetic.
    async fn send_typing(&self, chat: &ChatRef) -> Result<(), MessengerError> {
        let id = match chat.chat_type {
            ChatType::Private => match &chat.dialog_id {
                Some(d) => numeric(d, "dialog")?,
                None => {
                    tracing::debug!(%chat, "no dialog chat_id known; typing not shown");
                    return Ok(());
                }
            },
            _ => numeric(&chat.id, "chat")?,
        };
        self.send_action(id, "typing_on").await
    }

    /// `method /path?query` with the JSON body, answered with MAX's JSON. `path` is relative to
    /// the API (`"/chats/123/pin"` or `"chats/123/pin"`).
    async fn send_raw(&self, request: &RawRequest) -> Result<serde_json::Value, MessengerError> {
        let trimmed = request.path.trim_start_matches('/');
        let safe = RawRequest::new(request.method, trimmed).has_safe_path();
        if !safe || request.path.starts_with("//") {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "a raw MAX path such as \"/chats/123/pin\""),
            });
        }
        let method = request.method.as_http();
        let query: Vec<(&str, String)> = request
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        let body = request
            .body
            .as_ref()
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| MessengerError::Config(format!("cannot encode the raw body: {e}")))?;
        self.call_raw(method, &format!("/{trimmed}"), &query, body)
            .await
    }

    /// `POST /messages?user_id=` for dialogs, `?chat_id=` for chats; an uploaded picture goes
    /// through the three-step upload first, and `attachment.not.ready` is retried.
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        let target = target(chat)?;
        let mut body = self.message_body(message).await?;
        if body.attachments.as_ref().is_some_and(Vec::is_empty) {
            body.attachments = None;
        }
        let sent = self
            .send_message(target, &body, !message.link_preview)
            .await?;
        Ok(MessageRef::new(chat.clone(), sent.message.body.mid))
    }

    /// `PUT /messages?message_id=`. The edited message becomes exactly `new`: its attachments
    /// are replaced by `new`'s picture and keyboard (none → `[]`, which removes the old ones).
    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        let mid = message_id(message)?;
        let body = self.message_body(new).await?;
        self.edit_message(mid, &body).await
    }

    /// `POST /answers` with the text as a toast (an alert is shown as a toast too). A bare
    /// acknowledgement sends nothing: MAX needs no answer to stop a press (inferred).
    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        match answer.text.as_deref().filter(|t| !t.is_empty()) {
            Some(text) => {
                self.answer_callback(&callback.id, &CallbackAnswer::toast(text))
                    .await
            }
            None => Ok(()),
        }
    }

    /// Downloads `file.url` (the incoming attachment's `payload.url`).
    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        let url = file
            .url
            .as_deref()
            .ok_or_else(|| MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "the MAX file has no URL"),
            })?;
        self.download_url(url).await
    }

    /// Checks `X-Max-Bot-Api-Secret` in constant time, then parses the one `Update` of the body.
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

    /// `GET /updates` with `marker = cursor`, the polling timeout (capped at 90 s) and the
    /// configured update types. The next cursor is the answer's `marker` (the same cursor when
    /// MAX sends none), which acknowledges every update of the batch, parsable or not.
    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        let secs = u32::try_from(timeout.as_secs()).unwrap_or(90);
        let mut request = GetUpdates::new()
            .marker(cursor.0)
            .timeout(secs)
            .types(self.update_types.clone());
        if let Some(limit) = self.poll_limit {
            request = request.limit(limit);
        }
        let list = self.get_updates(&request).await?;
        Ok(PollBatch::new(
            list.updates.iter().map(parse_update).collect(),
            PollCursor(list.marker.or(cursor.0)),
        ))
    }
}
