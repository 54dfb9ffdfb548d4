//! A test kit (feature `mock`): a fake Viber REST Bot API on a [`wiremock::MockServer`] plus
//! signed callbacks, in Viber's exact wire shape.
//!
//! - **Incoming**: Viber has no polling; [`ViberMock::webhook_request`] builds a callback
//!   ([`Incoming::text`], [`Incoming::contact`], [`Incoming::photo`], [`Incoming::button`],
//!   [`Incoming::conversation_started`]) signed with `X-Viber-Content-Signature` (HMAC-SHA256 of
//!   the body with the auth token), ready for `Messenger::parse_webhook`.
//! - **Outgoing**: `send_message`, `broadcast_message`, `set_webhook`, `get_account_info` are
//!   answered like Viber does (`{"status": 0, "status_message": "ok", …}`) and recorded; read
//!   them back with [`ViberMock::sent_messages`].
//! - **Faults**: [`ViberMock::fail`] (a [`Fault`]) and [`ViberMock::api_error`] (Viber's
//!   HTTP-200 envelope with a non-zero [`ViberStatus`]).
//! - **Matchers**: [`matchers`] check what the client sent (`X-Viber-Auth-Token`, body keys).
//!
//! ```no_run
//! # async fn demo() {
//! use messenger_core::Messenger;
//! use messenger_viber::mock::{Incoming, ViberMock};
//!
//! let server = wiremock::MockServer::start().await;
//! let viber = ViberMock::start(&server).await;
//! let bot = viber.bot();
//! let req = viber.webhook_request(&Incoming::contact("01234567890A=", "380501112233"));
//! let updates = bot.parse_webhook(&req.headers, &req.body);
//! // … run the service under test, then:
//! let sent = viber.sent_messages().await;
//! # let _ = (updates, sent);
//! # }
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

pub use messenger_core::mock::Fault;
use messenger_core::{SecretString, sign_hmac_sha256_hex};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::client::{AUTH_HEADER, SIGNATURE_HEADER, ViberStatus};
use crate::convert::CALLBACK_PREFIX;
use crate::types::{Sender, ViberKeyboard};
use crate::{ViberBot, ViberBotBuilder};

/// The auth token the kit answers to (and signs callbacks with).
pub const TOKEN: &str = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
/// The sender name the kit's bot uses.
pub const SENDER_NAME: &str = "LoyaltyBot";
/// A fixed time (Unix milliseconds) used in the kit's callbacks.
const TS: i64 = 1_763_800_000_000;

/// A callback a user's action makes Viber send.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incoming {
    /// A text message (a leading `/` makes it a command).
    Text {
        /// The user id (`"01234567890A="`).
        user_id: String,
        /// The text.
        text: String,
    },
    /// A shared contact (Viber never ties it to the sender: `is_own` is always false).
    Contact {
        /// The user id.
        user_id: String,
        /// `phone_number` as Viber sends it (`380…`).
        phone: String,
    },
    /// A `picture` message.
    Photo {
        /// The user id.
        user_id: String,
        /// The `media` URL.
        media: String,
    },
    /// A keyboard button press (a `reply` button whose `ActionBody` is `cb:<data>`).
    Button {
        /// The user id.
        user_id: String,
        /// The data after `cb:`.
        data: String,
    },
    /// `conversation_started` (the user opened the chat; the bot may answer with a welcome).
    ConversationStarted {
        /// The user id.
        user_id: String,
        /// The deep-link `context`.
        context: Option<String>,
    },
    /// Any raw callback object.
    Raw(Value),
}

impl Incoming {
    /// A text message.
    pub fn text(user_id: impl Into<String>, text: impl Into<String>) -> Self {
        Self::Text {
            user_id: user_id.into(),
            text: text.into(),
        }
    }

    /// A shared contact.
    pub fn contact(user_id: impl Into<String>, phone: impl Into<String>) -> Self {
        Self::Contact {
            user_id: user_id.into(),
            phone: phone.into(),
        }
    }

    /// A picture at `media`.
    pub fn photo(user_id: impl Into<String>, media: impl Into<String>) -> Self {
        Self::Photo {
            user_id: user_id.into(),
            media: media.into(),
        }
    }

    /// A press of a callback button with `data`.
    pub fn button(user_id: impl Into<String>, data: impl Into<String>) -> Self {
        Self::Button {
            user_id: user_id.into(),
            data: data.into(),
        }
    }

    /// `conversation_started` with an optional deep-link context.
    pub fn conversation_started(user_id: impl Into<String>, context: Option<&str>) -> Self {
        Self::ConversationStarted {
            user_id: user_id.into(),
            context: context.map(str::to_owned),
        }
    }

    /// The callback JSON; `token` is its `message_token`.
    pub fn to_callback(&self, token: i64) -> Value {
        let sender = |id: &str| {
            json!({"id": id, "name": "Ivan", "avatar": "https://avatar.example/i.jpg",
                "country": "UA", "language": "uk", "api_version": 10})
        };
        let message = |id: &str, message: Value| {
            json!({"event": "message", "timestamp": TS + token, "chat_hostname": "SN-CHAT-01_",
                "message_token": token, "sender": sender(id), "message": message, "silent": false})
        };
        match self {
            Self::Text { user_id, text } => message(user_id, json!({"type": "text", "text": text})),
            Self::Contact { user_id, phone } => message(
                user_id,
                json!({"type": "contact", "contact": {"name": "Ivan", "phone_number": phone,
                    "avatar": "https://avatar.example/i.jpg"}}),
            ),
            Self::Photo { user_id, media } => message(
                user_id,
                json!({"type": "picture", "text": "", "media": media,
                    "thumbnail": media, "file_name": "image.jpg", "size": 183_422}),
            ),
            Self::Button { user_id, data } => message(
                user_id,
                json!({"type": "text", "text": format!("{CALLBACK_PREFIX}{data}")}),
            ),
            Self::ConversationStarted { user_id, context } => {
                let mut v = json!({"event": "conversation_started", "timestamp": TS + token,
                    "chat_hostname": "SN-CHAT-01_", "message_token": token, "type": "open",
                    "user": sender(user_id), "subscribed": false});
                if let Some(c) = context {
                    v["context"] = c.clone().into();
                }
                v
            }
            Self::Raw(raw) => raw.clone(),
        }
    }
}

/// A signed callback request: headers (with `X-Viber-Content-Signature`) and body.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    /// `Content-Type` and `X-Viber-Content-Signature`.
    pub headers: http::HeaderMap,
    /// The callback JSON.
    pub body: Vec<u8>,
}

/// A `send_message` the bot made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentMessage {
    /// `receiver` (the user id).
    pub receiver: String,
    /// `type`: `text`, `picture`, `url`.
    pub message_type: String,
    /// The text (or a picture's caption).
    pub text: Option<String>,
    /// The picture URL or link.
    pub media: Option<String>,
    /// `tracking_data`.
    pub tracking_data: Option<String>,
    /// `min_api_version`.
    pub min_api_version: Option<u32>,
    /// The sender shown.
    pub sender: Option<Sender>,
    /// The keyboard.
    pub keyboard: Option<ViberKeyboard>,
}

impl SentMessage {
    /// The keyboard's button labels.
    pub fn button_labels(&self) -> Vec<String> {
        self.keyboard
            .iter()
            .flat_map(|k| k.buttons.iter().map(|b| b.text.clone()))
            .collect()
    }

    /// Whether the keyboard has a `share-phone` button.
    pub fn asks_for_contact(&self) -> bool {
        self.keyboard
            .iter()
            .flat_map(|k| &k.buttons)
            .any(|b| b.action_type == "share-phone")
    }
}

struct SendResponder(Arc<AtomicI64>);

impl Respond for SendResponder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let token = self.0.fetch_add(1, Ordering::Relaxed);
        ResponseTemplate::new(200).set_body_json(json!({"status": 0, "status_message": "ok",
            "message_token": token, "chat_hostname": "SN-CHAT-01_", "billing_status": 0}))
    }
}

/// A fake Viber REST Bot API mounted on a [`MockServer`].
pub struct ViberMock<'a> {
    server: &'a MockServer,
    token: String,
    next_token: AtomicI64,
}

impl<'a> ViberMock<'a> {
    /// Mounts the fake for [`TOKEN`]: Viber's answers to `send_message`, `broadcast_message`
    /// (nobody failed), `set_webhook`, `get_account_info`, `get_user_details`, `get_online`.
    pub async fn start(server: &'a MockServer) -> Self {
        Self::start_with_token(server, TOKEN).await
    }

    /// As [`ViberMock::start`] for another token.
    pub async fn start_with_token(server: &'a MockServer, token: &str) -> Self {
        let kit = Self {
            server,
            token: token.to_owned(),
            next_token: AtomicI64::new(5_000_000_000_000_000_001),
        };
        let sent = Arc::new(AtomicI64::new(5_100_000_000_000_000_001));
        kit.mount_default("send_message", SendResponder(sent)).await;
        let ok = |extra: Value| {
            let mut v = json!({"status": 0, "status_message": "ok"});
            if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                o.extend(e.clone());
            }
            ResponseTemplate::new(200).set_body_json(v)
        };
        kit.mount_default(
            "broadcast_message",
            ok(json!({"message_token": 5_200_000_000_000_000_001_i64, "failed_list": []})),
        )
        .await;
        kit.mount_default(
            "set_webhook",
            ok(
                json!({"event_types": ["delivered", "seen", "failed", "subscribed",
                "unsubscribed", "conversation_started"]}),
            ),
        )
        .await;
        kit.mount_default(
            "get_account_info",
            ok(json!({"id": "pa:75346594275468546724", "name": SENDER_NAME,
                "uri": "loyaltybot", "subscribers_count": 1, "members": []})),
        )
        .await;
        kit.mount_default(
            "get_user_details",
            ok(
                json!({"message_token": 1, "user": {"id": "01234567890A=", "name": "Ivan",
                "language": "uk", "country": "UA", "api_version": 10}}),
            ),
        )
        .await;
        kit.mount_default("get_online", ok(json!({"users": []})))
            .await;
        kit
    }

    async fn mount_default(&self, name: &str, responder: impl Respond + 'static) {
        Mock::given(method("POST"))
            .and(path(format!("/{name}")))
            .respond_with(responder)
            .with_priority(100)
            .mount(self.server)
            .await;
    }

    /// The auth token the kit answers to.
    pub fn token(&self) -> SecretString {
        SecretString::from(self.token.clone())
    }

    /// A bot pointed at the fake (1 s timeout, so timeout tests are quick).
    ///
    /// # Panics
    /// Never with the kit's tokens.
    pub fn bot(&self) -> ViberBot {
        #[allow(clippy::expect_used)]
        self.bot_builder()
            .build()
            .expect("the kit's token and URL are valid")
    }

    /// A builder pointed at the fake, for further settings.
    pub fn bot_builder(&self) -> ViberBotBuilder {
        ViberBot::builder(self.token(), SENDER_NAME)
            .base_url(self.server.uri())
            .timeout(Duration::from_secs(1))
    }

    /// A callback carrying `incoming`, signed with the kit's token as Viber signs it.
    pub fn webhook_request(&self, incoming: &Incoming) -> WebhookRequest {
        self.webhook_request_signed_with(incoming, &self.token())
    }

    /// A callback signed with `key` (another token: a forged request).
    ///
    /// # Panics
    /// Never: a hex signature is a valid header value.
    pub fn webhook_request_signed_with(
        &self,
        incoming: &Incoming,
        key: &SecretString,
    ) -> WebhookRequest {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed);
        let body = incoming.to_callback(token).to_string().into_bytes();
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        #[allow(clippy::expect_used)]
        headers.insert(
            SIGNATURE_HEADER,
            http::HeaderValue::from_str(&sign_hmac_sha256_hex(key, &body))
                .expect("hex is a header value"),
        );
        WebhookRequest { headers, body }
    }

    /// Serves `bytes` at `GET /media/<name>` of the mock server and returns that URL (put it in
    /// [`Incoming::photo`] so the bot can download it).
    pub async fn serve_file(&self, name: &str, bytes: Vec<u8>) -> String {
        let name: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Mock::given(method("GET"))
            .and(path(format!("/media/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "image/jpeg"))
            .mount(self.server)
            .await;
        format!("{}/media/{name}", self.server.uri())
    }

    /// Answers `method` (`send_message`, …) with `fault` (always).
    pub async fn fail(&self, method_name: &str, fault: Fault) {
        self.fail_times(method_name, fault, u64::MAX).await;
    }

    /// Answers the next `n` calls of `method` with `fault`, then normally again.
    pub async fn fail_times(&self, method_name: &str, fault: Fault, n: u64) {
        self.mount_fault(method_name, fault.response(), n).await;
    }

    /// Answers `method` with Viber's failure envelope: HTTP 200, `{"status": <code>,
    /// "status_message": …}`, e.g. `ViberStatus::ReceiverNotSubscribed`.
    pub async fn api_error(&self, method_name: &str, status: ViberStatus, message: &str) {
        let template = ResponseTemplate::new(200)
            .set_body_json(json!({"status": status.code(), "status_message": message,
                "chat_hostname": "SN-CHAT-01_"}));
        self.mount_fault(method_name, template, u64::MAX).await;
    }

    async fn mount_fault(&self, name: &str, template: ResponseTemplate, n: u64) {
        Mock::given(method("POST"))
            .and(path(format!("/{name}")))
            .respond_with(template)
            .up_to_n_times(n)
            .with_priority(1)
            .mount(self.server)
            .await;
    }

    /// The JSON bodies of every call of `method` the bot made, in order.
    pub async fn requests(&self, method_name: &str) -> Vec<Value> {
        let p = format!("/{method_name}");
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == p)
            .filter_map(|r| serde_json::from_slice(&r.body).ok())
            .collect()
    }

    /// Every `send_message` the bot made, in order.
    pub async fn sent_messages(&self) -> Vec<SentMessage> {
        self.requests("send_message")
            .await
            .into_iter()
            .map(|b| SentMessage {
                receiver: b["receiver"].as_str().unwrap_or_default().to_owned(),
                message_type: b["type"].as_str().unwrap_or_default().to_owned(),
                text: b["text"].as_str().map(str::to_owned),
                media: b["media"].as_str().map(str::to_owned),
                tracking_data: b["tracking_data"].as_str().map(str::to_owned),
                min_api_version: b["min_api_version"]
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok()),
                sender: serde_json::from_value(b["sender"].clone()).ok(),
                keyboard: serde_json::from_value(b["keyboard"].clone()).ok(),
            })
            .collect()
    }
}

/// Request matchers for the Viber API: combine with your own `wiremock::Mock`s to assert on
/// what the client sent.
pub mod matchers {
    use wiremock::Match;

    pub use messenger_core::mock::body_has_keys;

    /// Matches a request carrying `token` in `X-Viber-Auth-Token`.
    pub fn authorized(token: &str) -> impl Match + use<> {
        wiremock::matchers::header(super::AUTH_HEADER, token)
    }
}
