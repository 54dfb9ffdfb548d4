//! [`Messenger`] for [`ViberBot`], webhooks, the welcome message and broadcasts.

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, Capabilities, ChatRef, FileRef, Image, LengthUnit,
    Limits, MessageRef, Messenger, MessengerError, MessengerKind, OutgoingMessage, PlatformId,
    RawMethod, RawRequest, Update, ValidationError, WebhookOutcome, WebhookResponse, WelcomeSlot,
    verify_hmac_sha256_hex,
};

use crate::client::{BROADCAST_MAX_RECEIVERS, SIGNATURE_HEADER, ViberBot, ViberStatus};
use crate::convert::{ViberEvent, parse_event, viber_keyboard};
use crate::types::{BroadcastMessage, MessageBody, SendMessage};

/// The longest `tracking_data`.
pub const TRACKING_DATA_MAX: usize = 4000;

/// One receiver a broadcast did not reach.
#[derive(Debug)]
#[non_exhaustive]
pub struct BroadcastFailure {
    /// The user id.
    pub receiver: String,
    /// Why: Viber's per-receiver status mapped like any answer (5/7 →
    /// [`MessengerError::is_recipient_gone`], deactivate the user; 6 →
    /// [`MessengerError::NotSubscribed`], keep them), or the error of the whole
    /// call the receiver was in.
    pub error: MessengerError,
}

/// A receiver [`ViberBot::broadcast`] reached.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastSent {
    /// The receiver's Viber id.
    pub receiver: String,
    /// The `message_token` of the call that reached them (shared by the call's receivers; the
    /// `delivered` and `seen` callbacks name it), when Viber gave one.
    pub message_token: Option<PlatformId>,
}

/// The outcome of [`ViberBot::broadcast`], per recipient.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct BroadcastReport {
    /// How many `broadcast_message` calls were made.
    pub calls: usize,
    /// Receivers Viber accepted the message for.
    pub sent: Vec<BroadcastSent>,
    /// Receivers it failed for, one entry each.
    pub failed: Vec<BroadcastFailure>,
}

impl BroadcastReport {
    /// The receivers to deactivate (gone or blocked).
    pub fn gone(&self) -> impl Iterator<Item = &str> {
        self.failed
            .iter()
            .filter(|f| f.error.is_recipient_gone())
            .map(|f| f.receiver.as_str())
    }
}

fn copy_error(e: &MessengerError) -> MessengerError {
    match e {
        MessengerError::RateLimited {
            scope,
            retry_after,
            detail,
        } => MessengerError::RateLimited {
            scope: *scope,
            retry_after: *retry_after,
            detail: detail.clone(),
        },
        MessengerError::Blocked { detail } => MessengerError::Blocked {
            detail: detail.clone(),
        },
        MessengerError::ChatNotFound { detail } => MessengerError::ChatNotFound {
            detail: detail.clone(),
        },
        MessengerError::NotSubscribed { detail } => MessengerError::NotSubscribed {
            detail: detail.clone(),
        },
        MessengerError::Unauthorized { detail } => MessengerError::Unauthorized {
            detail: detail.clone(),
        },
        MessengerError::Server { detail } => MessengerError::Server {
            detail: detail.clone(),
        },
        MessengerError::InvalidRequest { detail } => MessengerError::InvalidRequest {
            detail: detail.clone(),
        },
        MessengerError::Transport { reason, maybe_sent } => MessengerError::Transport {
            reason: reason.clone(),
            maybe_sent: *maybe_sent,
        },
        other => MessengerError::InvalidRequest {
            detail: ApiDetail::new(None, None, other.to_string()),
        },
    }
}

fn receiver_of(chat: &ChatRef) -> Result<String, MessengerError> {
    match &chat.id {
        PlatformId::Str(s) => Ok(s.clone()),
        PlatformId::Int(_) => Err(MessengerError::InvalidRequest {
            detail: ApiDetail::new(None, None, "a Viber user id is a string"),
        }),
    }
}

impl ViberBot {
    /// Renders a core message as a Viber message body: plain text (styles dropped, links as
    /// `label (url)`), a `picture` by URL with the text as its caption (bytes are published
    /// through the configured [`crate::MediaHost`] first), the keyboard (and
    /// `min_api_version: 3` for a share-phone button), and `tracking_data`.
    ///
    /// # Errors
    /// [`MessengerError::Invalid`]: the message does not fit [`Limits::viber`] (text ≤ 7000,
    /// caption ≤ 512, keyboard ≤ 12 rows of ≤ 6, ≤ 24 buttons), `tracking_data` over 4000
    /// characters, or picture bytes without a media host
    /// ([`ValidationError::ImageUploadUnsupported`]); the media host's errors.
    pub async fn message_body(
        &self,
        message: &OutgoingMessage,
        tracking_data: Option<&str>,
    ) -> Result<MessageBody, MessengerError> {
        let mut message = message.clone();
        if let Some(Image::Bytes {
            data,
            file_name,
            mime_type,
        }) = &message.image
        {
            let host = self
                .media_host
                .as_ref()
                .ok_or(ValidationError::ImageUploadUnsupported)?;
            let url = host.publish(data.clone(), file_name, mime_type).await?;
            message.image = Some(Image::Url(url));
        }
        let mut limits = self.limits.clone();
        limits.image_upload = false;
        message.validate(&limits)?;
        if let Some(t) = tracking_data {
            let len = t.chars().count();
            if len > TRACKING_DATA_MAX {
                return Err(ValidationError::TextTooLong {
                    len,
                    max: TRACKING_DATA_MAX,
                    unit: LengthUnit::Chars,
                }
                .into());
            }
        }
        let text = message.text.to_plain();
        let max = limits.text_limit_for(&message);
        let len = limits.text_unit.len(&text);
        if len > max {
            // Links rendered as "label (url)" made it longer than the limit.
            return Err(ValidationError::TextTooLong {
                len,
                max,
                unit: limits.text_unit,
            }
            .into());
        }
        let sender = self.sender.clone();
        let mut body = match &message.image {
            Some(Image::Url(url)) => MessageBody::picture(sender, url.clone(), text),
            Some(_) => return Err(ValidationError::ImageUploadUnsupported.into()),
            None => MessageBody::text(sender, text),
        };
        if let Some(kb) = message.keyboard.as_ref().and_then(viber_keyboard) {
            body = body.keyboard(kb);
        }
        if let Some(t) = tracking_data {
            body = body.tracking_data(t);
        }
        Ok(body)
    }

    /// Sends a message with `tracking_data`, which Viber echoes back with the user's next
    /// message ([`ViberEvent::tracking_data`]): a place to carry conversation state.
    ///
    /// # Errors
    /// As [`ViberBot::message_body`] and [`ViberBot::execute`].
    pub async fn send_with_tracking(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
        tracking_data: Option<&str>,
    ) -> Result<MessageRef, MessengerError> {
        let receiver = receiver_of(chat)?;
        let body = self.message_body(message, tracking_data).await?;
        let sent = self
            .send_message(&SendMessage {
                receiver,
                message: body,
            })
            .await?;
        let id = sent
            .message_token
            .unwrap_or_else(|| PlatformId::Str(String::new()));
        Ok(MessageRef::new(chat.clone(), id))
    }

    /// The JSON body to answer a `conversation_started` callback with: the one welcome message
    /// Viber allows before the user subscribes (the message without a receiver). Answer with
    /// status 200, `Content-Type: application/json` and these bytes.
    ///
    /// # Errors
    /// As [`ViberBot::message_body`]; [`ValidationError::RequestTooLarge`] over 30 KB.
    pub async fn welcome_response(
        &self,
        message: &OutgoingMessage,
        tracking_data: Option<&str>,
    ) -> Result<Vec<u8>, MessengerError> {
        let body = self.message_body(message, tracking_data).await?;
        let bytes = serde_json::to_vec(&body)
            .map_err(|e| MessengerError::Config(format!("cannot encode the welcome: {e}")))?;
        if bytes.len() > crate::MAX_REQUEST_BYTES {
            return Err(ValidationError::RequestTooLarge {
                size: bytes.len(),
                max: crate::MAX_REQUEST_BYTES,
            }
            .into());
        }
        Ok(bytes)
    }

    /// Authenticates a callback (`X-Viber-Content-Signature` = hex HMAC-SHA256 of the raw body
    /// keyed with the auth token, checked in constant time **before** parsing) and maps it, with
    /// the Viber-only parts (`tracking_data`, `subscribed`, the raw JSON).
    ///
    /// # Errors
    /// [`MessengerError::ForgedWebhook`] when the signature is missing, repeated, not hex or
    /// wrong; [`MessengerError::Decode`] when the body is not a JSON object. An event that is
    /// JSON but not understood is not an error: it comes back as `Other`.
    pub fn parse_events(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<ViberEvent>, MessengerError> {
        verify_hmac_sha256_hex(headers, SIGNATURE_HEADER, &self.token, body)?;
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
        Ok(vec![parse_event(&raw)])
    }

    /// Sends one message to any number of users with `broadcast_message`, in calls of at most
    /// [`BROADCAST_MAX_RECEIVERS`], and reports every receiver: those in `failed_list` with
    /// their own status mapped to an error, and every receiver of a call that failed as a whole
    /// with that call's error. The message is rendered once (see [`ViberBot::message_body`]).
    ///
    /// Broadcasting needs Viber's approval (status 19/20 otherwise, reported per receiver).
    ///
    /// # Errors
    /// Only when the message itself cannot be rendered; call failures are in the report.
    pub async fn broadcast(
        &self,
        receivers: &[String],
        message: &OutgoingMessage,
        tracking_data: Option<&str>,
    ) -> Result<BroadcastReport, MessengerError> {
        let body = self.message_body(message, tracking_data).await?;
        let mut report = BroadcastReport::default();
        for batch in receivers.chunks(BROADCAST_MAX_RECEIVERS) {
            report.calls += 1;
            let result = self
                .broadcast_message(&BroadcastMessage {
                    broadcast_list: batch.to_vec(),
                    message: body.clone(),
                })
                .await;
            match result {
                Ok(resp) => {
                    for r in batch {
                        match resp.failed_list.iter().find(|f| &f.receiver == r) {
                            Some(f) => report.failed.push(BroadcastFailure {
                                receiver: r.clone(),
                                error: ViberStatus::from_code(f.status)
                                    .to_error(None, &f.status_message),
                            }),
                            None => report.sent.push(BroadcastSent {
                                receiver: r.clone(),
                                message_token: resp.message_token.clone(),
                            }),
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, receivers = batch.len(), "viber broadcast call failed");
                    for r in batch {
                        report.failed.push(BroadcastFailure {
                            receiver: r.clone(),
                            error: copy_error(&e),
                        });
                    }
                }
            }
        }
        Ok(report)
    }
}

#[async_trait]
impl Messenger for ViberBot {
    fn kind(&self) -> MessengerKind {
        MessengerKind::Viber
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }

    /// [`BROADCAST_MAX_RECEIVERS`] when the bot is approved for `broadcast_message`
    /// ([`crate::ViberBotBuilder::broadcast_api`]), else 1.
    fn broadcast_batch(&self) -> usize {
        if self.broadcast_api {
            BROADCAST_MAX_RECEIVERS
        } else {
            1
        }
    }

    /// `broadcast_message`: 500 calls per 10 s, paced evenly (one call per 20 ms, so no 10 s
    /// window ever holds more than 500); without broadcast approval, the global rate.
    fn broadcast_rate(&self) -> messenger_core::Rate {
        match (
            self.broadcast_api,
            messenger_core::Rate::new(500, std::time::Duration::from_secs(10)),
        ) {
            (true, Some(rate)) => rate,
            _ => self.limits.global_rate,
        }
    }

    /// One `broadcast_message` call per [`BROADCAST_MAX_RECEIVERS`] chats when approved
    /// ([`ViberBot::broadcast`]): a receiver in `failed_list` gets its own status as the error,
    /// every receiver of a failed call gets that call's error. Without approval, one
    /// `send_message` per chat.
    async fn send_many(
        &self,
        chats: &[ChatRef],
        message: &OutgoingMessage,
    ) -> Result<Vec<Result<Option<PlatformId>, MessengerError>>, MessengerError> {
        if !self.broadcast_api {
            return messenger_core::send_each(self, chats, message).await;
        }
        // Checked by `message_body`, once picture bytes are published through the media host
        // (checked before, bytes never fit Viber's limits: it takes pictures by URL only).
        let ids: Vec<Result<String, MessengerError>> = chats.iter().map(receiver_of).collect();
        let receivers: Vec<String> = ids
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect();
        let mut report = self.broadcast(&receivers, message, None).await?;
        Ok(ids
            .into_iter()
            .map(|id| {
                let r = id?;
                match report.failed.iter().position(|f| f.receiver == r) {
                    Some(i) => Err(report.failed.swap_remove(i).error),
                    None => Ok(report
                        .sent
                        .iter()
                        .find(|s| s.receiver == r)
                        .and_then(|s| s.message_token.clone())),
                }
            })
            .collect())
    }

    /// No edits, no deletes (Viber's REST bot API has neither), no real callbacks (a press is a
    /// message), no persistent keyboard (it lasts until the next message without one), no
    /// typing indicator, no long polling; the welcome message is the only way to answer a user
    /// who has not subscribed; raw requests are supported.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_welcome_only_before_subscribe(true)
            .with_raw_requests(true)
            .with_delivery_receipts(true)
    }

    /// [`ViberBot::parse_events`], with a [`WelcomeSlot`] for `conversation_started` (its
    /// `subscribed` flag kept): the HTTP answer to that callback may carry the welcome message,
    /// the only message a user who has not subscribed can get.
    fn receive_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookOutcome, MessengerError> {
        let events = self.parse_events(headers, body)?;
        let slot = events.iter().find_map(|e| {
            let chat = e.update.chat.clone()?;
            e.is_conversation_started()
                .then(|| WelcomeSlot::new(chat, e.update.dedup_key.clone(), e.subscribed))
        });
        let mut outcome = WebhookOutcome::new(events.into_iter().map(|e| e.update).collect());
        if let Some(slot) = slot {
            outcome = outcome.with_welcome(slot);
        }
        Ok(outcome)
    }

    /// [`ViberBot::welcome_response`] as a JSON [`WebhookResponse`].
    async fn welcome_response(
        &self,
        slot: &WelcomeSlot,
        message: &OutgoingMessage,
    ) -> Result<WebhookResponse, MessengerError> {
        let _ = slot;
        Ok(WebhookResponse::json(
            ViberBot::welcome_response(self, message, None).await?,
        ))
    }

    /// `POST <base>/<path>` with the JSON body (`{}` when none) and the auth header; returns the
    /// whole answer object (`status` 0) or the mapped error. Viber's API is POST-only: another
    /// method, or a query, is [`MessengerError::InvalidRequest`].
    async fn send_raw(&self, request: &RawRequest) -> Result<serde_json::Value, MessengerError> {
        if !request.has_safe_path() || request.path.contains('/') {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "a Viber method name such as \"send_message\""),
            });
        }
        if request.method != RawMethod::Post || !request.query.is_empty() {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "Viber calls are POSTs without a query"),
            });
        }
        let body = serde_json::to_vec(request.body.as_ref().unwrap_or(&serde_json::json!({})))
            .map_err(|e| MessengerError::Config(format!("cannot encode the raw body: {e}")))?;
        if body.len() > crate::MAX_REQUEST_BYTES {
            return Err(ValidationError::RequestTooLarge {
                size: body.len(),
                max: crate::MAX_REQUEST_BYTES,
            }
            .into());
        }
        self.call_path("raw", &request.path, body).await
    }

    /// `send_message`: text, or a picture by URL with the text as caption (bytes go through the
    /// media host), with the keyboard.
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        self.send_with_tracking(chat, message, None).await
    }

    /// Viber cannot edit sent messages.
    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        let _ = (message, new);
        Err(MessengerError::Unsupported {
            operation: "editing a message",
            messenger: MessengerKind::Viber,
        })
    }

    /// A no-op: a Viber button press is a message, there is nothing to answer.
    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        let _ = (callback, answer);
        Ok(())
    }

    /// Downloads `file.url` (Viber's `media` URL).
    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        let url = file
            .url
            .as_deref()
            .ok_or_else(|| MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "a Viber file has no URL"),
            })?;
        self.download_media(url).await
    }

    /// See [`ViberBot::parse_events`]. The `webhook` ping comes back as `Other` named
    /// `"webhook"`: answer 200.
    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        Ok(self
            .parse_events(headers, body)?
            .into_iter()
            .map(|e| e.update)
            .collect())
    }
}
