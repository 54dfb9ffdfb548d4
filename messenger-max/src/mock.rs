//! A test kit (feature `mock`): a fake MAX Bot API on a [`wiremock::MockServer`], in MAX's exact
//! wire shape, built from this crate's own [`crate::types`].
//!
//! - **Incoming**: queue updates ([`Incoming::started`], [`Incoming::text`],
//!   [`Incoming::contact`], [`Incoming::photo`], [`Incoming::button`]) for `GET /updates` long
//!   polling (the `marker` is honoured), or build an authenticated webhook request with
//!   [`MaxMock::webhook_request`].
//! - **Outgoing**: `POST /messages`, `PUT /messages`, `POST /answers` and chat actions are
//!   answered like MAX does and recorded; read them back with [`MaxMock::sent_messages`] and
//!   friends. Picture uploads (`POST /uploads`, then the bytes as `multipart/form-data` to the
//!   upload URL) are answered too and parsed: [`MaxMock::uploads`] gives each file's name,
//!   size and content type, [`SentMessage::image_tokens`] the token the message carried.
//! - **Faults**: [`MaxMock::fail`] (a [`Fault`]) and [`MaxMock::api_error`] (MAX's
//!   `{"code", "message"}` error body) per [`Op`].
//! - **Matchers**: [`matchers`] check what the client sent (the `Authorization` header, body
//!   keys).
//!
//! ```no_run
//! # async fn demo() {
//! use messenger_max::mock::{Incoming, MaxMock};
//!
//! let server = wiremock::MockServer::start().await;
//! let max = MaxMock::start(&server).await;
//! max.queue(Incoming::contact(42, "79991234567", true));
//! let bot = max.bot();
//! // … run the service under test against `bot` …
//! let sent = max.sent_messages().await;
//! # let _ = (bot, sent);
//! # }
//! ```

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use messenger_core::SecretString;
pub use messenger_core::mock::{Fault, FormPart, MultipartBody, UploadedFile};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::MaxBot;
use crate::client::SECRET_HEADER;
use crate::types::{
    BotInfo, Callback, ContactPayload, Message, MessageBody, PhotoPayload, Recipient,
    SendMessageResult, SimpleQueryResult, UploadEndpoint, User,
};

/// The bot token the kit expects in `Authorization`.
pub const TOKEN: &str = "max-mock-token";
/// The bot's own user id in the kit's answers.
pub const BOT_ID: i64 = 229_229_229;
/// The path of the kit's upload URL (the one [`Op::UploadUrl`] hands out).
pub const UPLOAD_TARGET: &str = "/upload-target";
const UPLOAD_TARGET_PATTERN: &str = "^/upload-target$";
/// A fixed time (Unix milliseconds) used in the kit's messages.
const TS: i64 = 1_775_025_600_000;

/// A MAX Bot API operation, for faults and errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// `GET /me`.
    GetMe,
    /// `GET /updates`.
    GetUpdates,
    /// `POST /messages`.
    SendMessage,
    /// `PUT /messages`.
    EditMessage,
    /// `DELETE /messages`.
    DeleteMessage,
    /// `POST /answers`.
    AnswerCallback,
    /// `POST /chats/{id}/actions`.
    SendAction,
    /// `POST /uploads?type=image`: the kit answers with its own upload URL
    /// (`{server}/upload-target`).
    UploadUrl,
    /// `POST /upload-target`: the picture itself (`multipart/form-data`, part `data`); the kit
    /// answers `{"photos": {"p<n>": {"token": "upload-token-<n>"}}}` for the n-th upload.
    Upload,
}

impl Op {
    fn route(self) -> (&'static str, &'static str) {
        match self {
            Self::GetMe => ("GET", "^/me$"),
            Self::GetUpdates => ("GET", "^/updates$"),
            Self::SendMessage => ("POST", "^/messages$"),
            Self::EditMessage => ("PUT", "^/messages$"),
            Self::DeleteMessage => ("DELETE", "^/messages$"),
            Self::AnswerCallback => ("POST", "^/answers$"),
            Self::SendAction => ("POST", "^/chats/-?[0-9]+/actions$"),
            Self::UploadUrl => ("POST", "^/uploads$"),
            Self::Upload => ("POST", UPLOAD_TARGET_PATTERN),
        }
    }
}

/// An update a user sends the bot, in the dialog with `user_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incoming {
    /// A text message (a leading `/` makes it a command).
    Text {
        /// The user.
        user_id: i64,
        /// The text.
        text: String,
    },
    /// A shared contact (a `contact` attachment with a vCard).
    Contact {
        /// The user.
        user_id: i64,
        /// The number in the vCard `TEL` (MAX sends `7999…`).
        phone: String,
        /// Whether it is the sender's own number (`max_info.user_id == sender.user_id`).
        own: bool,
    },
    /// An `image` attachment.
    Photo {
        /// The user.
        user_id: i64,
        /// The image token (the core `FileRef::id`).
        token: String,
        /// The image URL (default `https://i.oneme.ru/i?r=<token>`; use
        /// [`MaxMock::serve_file`] for one the bot can download).
        url: Option<String>,
    },
    /// A `message_callback` (inline button press).
    Button {
        /// The user.
        user_id: i64,
        /// The button's payload.
        payload: String,
    },
    /// The user started the bot (`bot_started`, optionally with a deep-link payload).
    Started {
        /// The user.
        user_id: i64,
        /// The deep-link payload (`https://max.ru/<bot>?start=<payload>`).
        payload: Option<String>,
    },
    /// Any raw `Update` object.
    Raw(Value),
}

impl Incoming {
    /// A text message.
    pub fn text(user_id: i64, text: impl Into<String>) -> Self {
        Self::Text {
            user_id,
            text: text.into(),
        }
    }

    /// A shared contact; `own` says whether it is the sender's own number.
    pub fn contact(user_id: i64, phone: impl Into<String>, own: bool) -> Self {
        Self::Contact {
            user_id,
            phone: phone.into(),
            own,
        }
    }

    /// An image with this token.
    pub fn photo(user_id: i64, token: impl Into<String>) -> Self {
        Self::Photo {
            user_id,
            token: token.into(),
            url: None,
        }
    }

    /// An image with this token at `url` (e.g. from [`MaxMock::serve_file`]).
    pub fn photo_at(user_id: i64, token: impl Into<String>, url: impl Into<String>) -> Self {
        Self::Photo {
            user_id,
            token: token.into(),
            url: Some(url.into()),
        }
    }

    /// The user started the bot (`bot_started`, no payload).
    pub fn started(user_id: i64) -> Self {
        Self::Started {
            user_id,
            payload: None,
        }
    }

    /// The user started the bot through a deep link carrying `payload`.
    pub fn started_with(user_id: i64, payload: impl Into<String>) -> Self {
        Self::Started {
            user_id,
            payload: Some(payload.into()),
        }
    }

    /// An inline button press with `payload`.
    pub fn button(user_id: i64, payload: impl Into<String>) -> Self {
        Self::Button {
            user_id,
            payload: payload.into(),
        }
    }

    /// The MAX `Update` object; `seq` makes its message id unique.
    pub fn to_update(&self, seq: i64) -> Value {
        let message =
            |user_id: i64, text: Option<String>, attachments: Option<Vec<Value>>| Message {
                sender: Some(user(user_id)),
                recipient: dialog(user_id),
                timestamp: TS + seq,
                body: MessageBody {
                    mid: format!("mid.mock{seq:016x}"),
                    seq: Some(seq),
                    text,
                    attachments,
                },
            };
        let created = |m: Message| {
            json!({"update_type": "message_created", "timestamp": TS + seq, "user_locale": "ru",
                "message": m})
        };
        match self {
            Self::Text { user_id, text } => created(message(*user_id, Some(text.clone()), None)),
            Self::Contact {
                user_id,
                phone,
                own,
            } => {
                let owner = if *own { *user_id } else { user_id + 1 };
                let payload = ContactPayload {
                    vcf_info: Some(format!(
                        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ivan\r\nTEL;TYPE=cell:{phone}\r\nEND:VCARD\r\n"
                    )),
                    hash: Some("mock-hash".to_owned()),
                    max_info: Some(user(owner)),
                    tam_info: None,
                };
                let attachment = json!({"type": "contact", "payload": payload});
                created(message(*user_id, None, Some(vec![attachment])))
            }
            Self::Photo {
                user_id,
                token,
                url,
            } => {
                let payload = PhotoPayload {
                    photo_id: Some(seq),
                    token: Some(token.clone()),
                    url: Some(
                        url.clone()
                            .unwrap_or_else(|| format!("https://i.oneme.ru/i?r={token}")),
                    ),
                };
                let attachment = json!({"type": "image", "payload": payload});
                created(message(
                    *user_id,
                    Some(String::new()),
                    Some(vec![attachment]),
                ))
            }
            Self::Button { user_id, payload } => {
                let callback = Callback {
                    timestamp: TS + seq,
                    callback_id: format!("cb-{seq}"),
                    payload: Some(payload.clone()),
                    user: user(*user_id),
                };
                let menu = Message {
                    sender: Some(bot_user()),
                    recipient: Recipient {
                        chat_id: Some(user_id + 1_000_000),
                        chat_type: Some("dialog".to_owned()),
                        user_id: Some(*user_id),
                    },
                    timestamp: TS,
                    body: MessageBody {
                        mid: "mid.menu".to_owned(),
                        seq: Some(1),
                        text: Some("Menu".to_owned()),
                        attachments: None,
                    },
                };
                json!({"update_type": "message_callback", "timestamp": TS + seq,
                    "user_locale": "ru", "callback": callback, "message": menu})
            }
            Self::Started { user_id, payload } => {
                let mut u = json!({"update_type": "bot_started", "timestamp": TS + seq,
                    "chat_id": user_id + 1_000_000, "user_locale": "ru", "user": user(*user_id)});
                if let Some(p) = payload {
                    u["payload"] = Value::from(p.clone());
                }
                u
            }
            Self::Raw(raw) => raw.clone(),
        }
    }
}

fn user(user_id: i64) -> User {
    User {
        user_id,
        first_name: Some("Ivan".to_owned()),
        last_name: None,
        username: None,
        is_bot: false,
        last_activity_time: Some(TS),
        name: Some("Ivan".to_owned()),
    }
}

fn bot_user() -> User {
    User {
        user_id: BOT_ID,
        first_name: Some("LoyaltyBot".to_owned()),
        username: Some("loyalty_bot".to_owned()),
        is_bot: true,
        ..User::default()
    }
}

fn dialog(user_id: i64) -> Recipient {
    Recipient {
        chat_id: Some(user_id + 1_000_000),
        chat_type: Some("dialog".to_owned()),
        user_id: Some(BOT_ID),
    }
}

/// A webhook request as MAX would send it: headers (with the secret header) and body.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    /// `Content-Type` and `X-Max-Bot-Api-Secret`.
    pub headers: http::HeaderMap,
    /// The JSON `Update`.
    pub body: Vec<u8>,
}

/// A `POST /messages` the bot made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SentMessage {
    /// `?user_id=` (a dialog).
    pub user_id: Option<i64>,
    /// `?chat_id=` (a chat).
    pub chat_id: Option<i64>,
    /// The text as sent (HTML when `format` is `html`).
    pub text: String,
    /// `format`.
    pub format: Option<String>,
    /// The attachments as sent (`inline_keyboard`, `image`).
    pub attachments: Vec<Value>,
}

impl SentMessage {
    fn buttons(&self) -> impl Iterator<Item = &Value> {
        self.attachments
            .iter()
            .filter(|a| a["type"] == "inline_keyboard")
            .filter_map(|a| a["payload"]["buttons"].as_array())
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
    }

    /// The labels of the inline keyboard's buttons, rows flattened.
    pub fn button_labels(&self) -> Vec<String> {
        self.buttons()
            .filter_map(|b| b["text"].as_str().map(str::to_owned))
            .collect()
    }

    /// Whether the keyboard has a `request_contact` button.
    pub fn asks_for_contact(&self) -> bool {
        self.buttons().any(|b| b["type"] == "request_contact")
    }

    fn images(&self) -> impl Iterator<Item = &Value> {
        self.attachments
            .iter()
            .filter(|a| a["type"] == "image")
            .map(|a| &a["payload"])
    }

    /// The tokens of `image` attachments (uploaded pictures: `upload-token-<n>` from the kit).
    pub fn image_tokens(&self) -> Vec<String> {
        self.images()
            .filter_map(|p| p["token"].as_str().map(str::to_owned))
            .collect()
    }

    /// The URLs of `image` attachments (pictures sent by URL).
    pub fn image_urls(&self) -> Vec<String> {
        self.images()
            .filter_map(|p| p["url"].as_str().map(str::to_owned))
            .collect()
    }
}

/// A `POST /answers` the bot made.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct AnsweredCallback {
    /// `?callback_id=`.
    pub callback_id: String,
    /// The toast.
    pub notification: Option<String>,
    /// The replacement message text, when the answer replaced the message.
    pub replaced_text: Option<String>,
}

#[derive(Default)]
struct Queue {
    updates: Mutex<Vec<Value>>,
}

struct UpdatesResponder(Arc<Queue>);

impl Respond for UpdatesResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = |k: &str| {
            request
                .url
                .query_pairs()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.parse::<usize>().ok())
        };
        let marker = query("marker").unwrap_or(0);
        let limit = query("limit").unwrap_or(100);
        let queued = self
            .0
            .updates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let pending: Vec<Value> = queued.iter().skip(marker).take(limit).cloned().collect();
        let next = marker + pending.len();
        let empty = pending.is_empty();
        drop(queued);
        let t =
            ResponseTemplate::new(200).set_body_json(json!({"updates": pending, "marker": next}));
        // An empty long poll waits a little, so a polling loop does not spin.
        if empty {
            t.set_delay(Duration::from_millis(20))
        } else {
            t
        }
    }
}

struct SendResponder(Arc<AtomicI64>);

impl Respond for SendResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        let q = |k: &str| {
            request
                .url
                .query_pairs()
                .find(|(name, _)| name == k)
                .and_then(|(_, v)| v.parse::<i64>().ok())
        };
        let result = SendMessageResult {
            message: Message {
                sender: Some(bot_user()),
                recipient: Recipient {
                    chat_id: q("chat_id").or(q("user_id").map(|u| u + 1_000_000)),
                    chat_type: Some(
                        if q("chat_id").is_some() {
                            "chat"
                        } else {
                            "dialog"
                        }
                        .to_owned(),
                    ),
                    user_id: q("user_id"),
                },
                timestamp: TS + n,
                body: MessageBody {
                    mid: format!("mid.sent{n:08}"),
                    seq: Some(n),
                    text: body["text"].as_str().map(str::to_owned),
                    attachments: None,
                },
            },
        };
        ResponseTemplate::new(200).set_body_json(result)
    }
}

/// Answers the n-th upload (from 1) with the token `upload-token-<n>`.
struct UploadResponder(AtomicI64);

impl Respond for UploadResponder {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::Relaxed);
        ResponseTemplate::new(200).set_body_json(
            json!({"photos": {format!("p{n}"): {"token": format!("upload-token-{n}")}}}),
        )
    }
}

fn success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(SimpleQueryResult {
        success: true,
        message: None,
    })
}

/// A fake MAX Bot API mounted on a [`MockServer`].
pub struct MaxMock<'a> {
    server: &'a MockServer,
    token: String,
    queue: Arc<Queue>,
    seq: AtomicI64,
}

impl<'a> MaxMock<'a> {
    /// Mounts the fake for [`TOKEN`]: an empty `/updates` queue and MAX's answers to `/me`,
    /// `/messages` (send, edit, delete), `/answers`, chat actions and `/subscriptions`.
    pub async fn start(server: &'a MockServer) -> Self {
        Self::start_with_token(server, TOKEN).await
    }

    /// As [`MaxMock::start`] for another token.
    pub async fn start_with_token(server: &'a MockServer, token: &str) -> Self {
        let kit = Self {
            server,
            token: token.to_owned(),
            queue: Arc::new(Queue::default()),
            seq: AtomicI64::new(1),
        };
        kit.mount_default(Op::GetUpdates, UpdatesResponder(kit.queue.clone()))
            .await;
        kit.mount_default(Op::SendMessage, SendResponder(Arc::new(AtomicI64::new(1))))
            .await;
        kit.mount_default(
            Op::UploadUrl,
            ResponseTemplate::new(200).set_body_json(UploadEndpoint {
                url: format!("{}{UPLOAD_TARGET}", server.uri()),
                token: None,
            }),
        )
        .await;
        kit.mount_default(Op::Upload, UploadResponder(AtomicI64::new(1)))
            .await;
        for op in [
            Op::EditMessage,
            Op::DeleteMessage,
            Op::AnswerCallback,
            Op::SendAction,
        ] {
            kit.mount_default(op, success()).await;
        }
        kit.mount_default(
            Op::GetMe,
            ResponseTemplate::new(200).set_body_json(BotInfo {
                user_id: BOT_ID,
                first_name: Some("LoyaltyBot".to_owned()),
                last_name: None,
                username: Some("loyalty_bot".to_owned()),
                is_bot: true,
                name: Some("LoyaltyBot".to_owned()),
                description: None,
                commands: None,
            }),
        )
        .await;
        for verb in ["POST", "DELETE"] {
            Mock::given(method(verb))
                .and(path("/subscriptions"))
                .respond_with(success())
                .with_priority(100)
                .mount(server)
                .await;
        }
        Mock::given(method("GET"))
            .and(path("/subscriptions"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"subscriptions": []})))
            .with_priority(100)
            .mount(server)
            .await;
        kit
    }

    async fn mount_default(&self, op: Op, responder: impl Respond + 'static) {
        let (verb, pattern) = op.route();
        Mock::given(method(verb))
            .and(path_regex(pattern))
            .respond_with(responder)
            .with_priority(100)
            .mount(self.server)
            .await;
    }

    /// The token the kit answers to.
    pub fn token(&self) -> SecretString {
        SecretString::from(self.token.clone())
    }

    /// A bot pointed at the fake (1 s timeout, so timeout tests are quick).
    ///
    /// # Panics
    /// Never with the kit's tokens.
    pub fn bot(&self) -> MaxBot {
        #[allow(clippy::expect_used)]
        self.bot_builder()
            .build()
            .expect("the kit's token and URL are valid")
    }

    /// A builder pointed at the fake, for further settings (webhook secret, timeouts).
    pub fn bot_builder(&self) -> crate::MaxBotBuilder {
        MaxBot::builder(self.token())
            .base_url(self.server.uri())
            .timeout(Duration::from_secs(1))
    }

    /// Queues an update for `GET /updates`; returns its position. It is answered until the bot
    /// polls with a `marker` past it.
    pub fn queue(&self, incoming: Incoming) -> usize {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut q = self
            .queue
            .updates
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        q.push(incoming.to_update(seq));
        q.len() - 1
    }

    /// A webhook request carrying `incoming`, authenticated with `secret` in
    /// `X-Max-Bot-Api-Secret` (pass it to `Messenger::parse_webhook`).
    ///
    /// # Panics
    /// If `secret` is not a valid header value.
    pub fn webhook_request(&self, incoming: &Incoming, secret: &str) -> WebhookRequest {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        #[allow(clippy::expect_used)]
        headers.insert(
            SECRET_HEADER,
            http::HeaderValue::from_str(secret).expect("a MAX secret is a header value"),
        );
        WebhookRequest {
            headers,
            body: incoming.to_update(seq).to_string().into_bytes(),
        }
    }

    /// Serves `bytes` at `GET /files/<name>` of the mock server and returns that URL (put it in
    /// [`Incoming::photo_at`]; the mock server is the API host, so the bot downloads it).
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
            .and(path(format!("/files/{name}")))
            .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "image/jpeg"))
            .mount(self.server)
            .await;
        format!("{}/files/{name}", self.server.uri())
    }

    /// Answers `op` with `fault` (always). A [`Fault::RateLimited`] is MAX's 429
    /// `{"code": "too.many.requests"}` with `Retry-After`.
    pub async fn fail(&self, op: Op, fault: Fault) {
        self.fail_times(op, fault, u64::MAX).await;
    }

    /// Answers the next `n` calls of `op` with `fault`, then normally again.
    pub async fn fail_times(&self, op: Op, fault: Fault, n: u64) {
        let template = match fault {
            Fault::RateLimited { retry_after } => ResponseTemplate::new(429)
                .insert_header("Retry-After", retry_after.to_string().as_str())
                .set_body_json(
                    json!({"code": "too.many.requests", "message": "Too many requests"}),
                ),
            other => other.response(),
        };
        self.mount_fault(op, template, n).await;
    }

    /// Answers `op` with MAX's error body `{"code", "message"}` and `status`, e.g.
    /// `(403, "chat.denied", "user blocked the bot")`.
    pub async fn api_error(&self, op: Op, status: u16, code: &str, message: &str) {
        let template =
            ResponseTemplate::new(status).set_body_json(json!({"code": code, "message": message}));
        self.mount_fault(op, template, u64::MAX).await;
    }

    async fn mount_fault(&self, op: Op, template: ResponseTemplate, n: u64) {
        let (verb, pattern) = op.route();
        Mock::given(method(verb))
            .and(path_regex(pattern))
            .respond_with(template)
            .up_to_n_times(n)
            .with_priority(1)
            .mount(self.server)
            .await;
    }

    async fn requests(&self, op: Op) -> Vec<Request> {
        let (verb, pattern) = op.route();
        let re = pattern.trim_start_matches('^').trim_end_matches('$');
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == verb)
            .filter(|r| match op {
                Op::SendAction => {
                    r.url.path().starts_with("/chats/") && r.url.path().ends_with("/actions")
                }
                _ => r.url.path() == re,
            })
            .collect()
    }

    /// Every `POST /messages` the bot made, in order.
    pub async fn sent_messages(&self) -> Vec<SentMessage> {
        self.requests(Op::SendMessage)
            .await
            .into_iter()
            .map(|r| {
                let b: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                SentMessage {
                    user_id: query_i64(&r, "user_id"),
                    chat_id: query_i64(&r, "chat_id"),
                    text: b["text"].as_str().unwrap_or_default().to_owned(),
                    format: b["format"].as_str().map(str::to_owned),
                    attachments: b["attachments"].as_array().cloned().unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Every picture the bot uploaded ([`Op::Upload`]), in order: the file part `data` of each
    /// `multipart/form-data` body (name, content type, size, bytes).
    pub async fn uploads(&self) -> Vec<UploadedFile> {
        self.requests(Op::Upload)
            .await
            .iter()
            .filter_map(MultipartBody::from_request)
            .filter_map(|m| m.file("data").map(UploadedFile::from))
            .collect()
    }

    /// The `?type=` of every upload URL the bot asked for ([`Op::UploadUrl`]), in order.
    pub async fn upload_url_requests(&self) -> Vec<String> {
        self.requests(Op::UploadUrl)
            .await
            .iter()
            .map(|r| query_str(r, "type").unwrap_or_default())
            .collect()
    }

    /// Every `PUT /messages` (edit) the bot made: `(message_id, text)`.
    pub async fn edited_messages(&self) -> Vec<(String, String)> {
        self.requests(Op::EditMessage)
            .await
            .into_iter()
            .map(|r| {
                let b: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                (
                    query_str(&r, "message_id").unwrap_or_default(),
                    b["text"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    }

    /// Every `POST /answers` the bot made.
    pub async fn answered_callbacks(&self) -> Vec<AnsweredCallback> {
        self.requests(Op::AnswerCallback)
            .await
            .into_iter()
            .map(|r| {
                let b: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
                AnsweredCallback {
                    callback_id: query_str(&r, "callback_id").unwrap_or_default(),
                    notification: b["notification"].as_str().map(str::to_owned),
                    replaced_text: b["message"]["text"].as_str().map(str::to_owned),
                }
            })
            .collect()
    }
}

fn query_str(r: &Request, key: &str) -> Option<String> {
    r.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

fn query_i64(r: &Request, key: &str) -> Option<i64> {
    query_str(r, key).and_then(|v| v.parse().ok())
}

/// Request matchers for the MAX Bot API: combine with your own `wiremock::Mock`s to assert on
/// what the client sent.
pub mod matchers {
    use wiremock::Match;

    pub use messenger_core::mock::body_has_keys;

    /// Matches a request carrying `token` in `Authorization` (MAX's scheme: the bare token).
    pub fn authorized(token: &str) -> impl Match + use<> {
        wiremock::matchers::header("Authorization", token)
    }
}
