//! A test kit (feature `mock`): a fake Telegram Bot API on a [`wiremock::MockServer`], in the
//! Bot API's exact wire shape, built from this crate's own [`crate::types`].
//!
//! - **Incoming**: queue updates ([`Incoming::text`], [`Incoming::contact`],
//!   [`Incoming::photo`], [`Incoming::button`]) for `getUpdates` long polling (offsets are
//!   honoured: an update is answered until the bot acknowledges it), or build an authenticated
//!   webhook request with [`TelegramMock::webhook_request`].
//! - **Outgoing**: every `sendMessage`, `sendPhoto`, `editMessageText` and `answerCallbackQuery`
//!   is answered like Telegram does and recorded; read them back with
//!   [`TelegramMock::sent_messages`] and friends. Uploads (`sendPhoto` as
//!   `multipart/form-data`) are parsed too: [`TelegramMock::sent_photos`] gives the fields and
//!   the file's name, size and content type ([`SentPhoto::upload`]).
//! - **Faults**: [`TelegramMock::fail`] (a [`Fault`]: delay, 5xx, 429 with `retry_after`,
//!   malformed JSON, an HTML error page, a huge body) and [`TelegramMock::api_error`] (an
//!   `{ok: false, error_code, description}` envelope).
//! - **Matchers**: [`matchers`] check what the client sent (the method path, JSON body keys).
//!
//! ```no_run
//! # async fn demo() {
//! use messenger_core::Messenger;
//! use messenger_telegram::mock::{Incoming, TelegramMock};
//!
//! let server = wiremock::MockServer::start().await;
//! let tg = TelegramMock::start(&server).await;
//! tg.queue(Incoming::contact(42, "+380501112233", true));
//! let bot = tg.bot();
//! // … run the service under test against `bot` …
//! let sent = tg.sent_messages().await;
//! # let _ = (bot, sent);
//! # }
//! ```

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use messenger_core::mock::request_json;
pub use messenger_core::mock::{Fault, FormPart, MultipartBody, UploadedFile};
use messenger_core::{PlatformId, SecretString};
use serde_json::{Value, json};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::TelegramBot;
use crate::client::SECRET_HEADER;
use crate::types::{
    CallbackQuery, Chat, Contact, File, Message, PhotoSize, ReplyMarkup, User, WebhookInfo,
};

/// The bot token the kit answers to (any token of Telegram's shape works with
/// [`TelegramMock::start_with_token`]).
pub const TOKEN: &str = "123456:TEST-mock_token";
/// The bot's own user id in the kit's answers.
pub const BOT_ID: i64 = 999;
/// A fixed Unix time used in the kit's messages.
const DATE: i64 = 1_763_800_000;

/// An update a user sends the bot, in a private chat whose id is the user's id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Incoming {
    /// A text message (a leading `/` makes it a command).
    Text {
        /// Chat and user id.
        chat_id: i64,
        /// The text.
        text: String,
    },
    /// A shared contact.
    Contact {
        /// Chat and user id.
        chat_id: i64,
        /// The phone number as Telegram sends it (`+380…` or `380…`).
        phone: String,
        /// Whether it is the sender's own number (`contact.user_id == from.id`).
        own: bool,
    },
    /// A photo (three sizes; the largest has `file_id`).
    Photo {
        /// Chat and user id.
        chat_id: i64,
        /// File id of the largest size.
        file_id: String,
        /// Caption.
        caption: Option<String>,
    },
    /// An inline button press on message 1 of the chat.
    Button {
        /// Chat and user id.
        chat_id: i64,
        /// The button's callback data.
        data: String,
    },
    /// Any raw `Update` object (its `update_id` is replaced).
    Raw(Value),
}

impl Incoming {
    /// A text message.
    pub fn text(chat_id: i64, text: impl Into<String>) -> Self {
        Self::Text {
            chat_id,
            text: text.into(),
        }
    }

    /// A shared contact; `own` says whether it is the sender's own number.
    pub fn contact(chat_id: i64, phone: impl Into<String>, own: bool) -> Self {
        Self::Contact {
            chat_id,
            phone: phone.into(),
            own,
        }
    }

    /// A photo whose largest size has `file_id`.
    pub fn photo(chat_id: i64, file_id: impl Into<String>) -> Self {
        Self::Photo {
            chat_id,
            file_id: file_id.into(),
            caption: None,
        }
    }

    /// An inline button press with `data`.
    pub fn button(chat_id: i64, data: impl Into<String>) -> Self {
        Self::Button {
            chat_id,
            data: data.into(),
        }
    }

    /// The Bot API `Update` object with this `update_id`.
    pub fn to_update(&self, update_id: i64) -> Value {
        let message = |chat_id: i64| Message {
            message_id: update_id,
            date: DATE,
            chat: private_chat(chat_id),
            from: Some(user(chat_id)),
            text: None,
            caption: None,
            photo: Vec::new(),
            document: None,
            contact: None,
        };
        match self {
            Self::Text { chat_id, text } => {
                let m = Message {
                    text: Some(text.clone()),
                    ..message(*chat_id)
                };
                json!({"update_id": update_id, "message": m})
            }
            Self::Contact {
                chat_id,
                phone,
                own,
            } => {
                let m = Message {
                    contact: Some(Contact {
                        phone_number: phone.clone(),
                        first_name: "Ivan".to_owned(),
                        last_name: None,
                        user_id: Some(if *own { *chat_id } else { chat_id + 1 }),
                        vcard: None,
                    }),
                    ..message(*chat_id)
                };
                json!({"update_id": update_id, "message": m})
            }
            Self::Photo {
                chat_id,
                file_id,
                caption,
            } => {
                let size = |id: String, side: u32| PhotoSize {
                    file_unique_id: format!("u-{id}"),
                    file_id: id,
                    width: side,
                    height: side,
                    file_size: Some(u64::from(side) * 100),
                };
                let m = Message {
                    photo: vec![
                        size(format!("{file_id}-s"), 90),
                        size(file_id.clone(), 1280),
                        size(format!("{file_id}-m"), 320),
                    ],
                    caption: caption.clone(),
                    ..message(*chat_id)
                };
                json!({"update_id": update_id, "message": m})
            }
            Self::Button { chat_id, data } => {
                let q = CallbackQuery {
                    id: format!("cb-{update_id}"),
                    from: user(*chat_id),
                    message: Some(Message {
                        message_id: 1,
                        from: Some(bot_user()),
                        text: Some("Menu".to_owned()),
                        ..message(*chat_id)
                    }),
                    data: Some(data.clone()),
                    chat_instance: Some("-1".to_owned()),
                };
                json!({"update_id": update_id, "callback_query": q})
            }
            Self::Raw(raw) => {
                let mut raw = raw.clone();
                if let Some(o) = raw.as_object_mut() {
                    o.insert("update_id".to_owned(), update_id.into());
                }
                raw
            }
        }
    }
}

fn private_chat(id: i64) -> Chat {
    Chat {
        id,
        chat_type: "private".to_owned(),
        title: None,
        username: None,
        first_name: Some("Ivan".to_owned()),
    }
}

fn user(id: i64) -> User {
    User {
        id,
        is_bot: false,
        first_name: "Ivan".to_owned(),
        last_name: None,
        username: None,
        language_code: Some("uk".to_owned()),
    }
}

fn bot_user() -> User {
    User {
        id: BOT_ID,
        is_bot: true,
        first_name: "LoyaltyBot".to_owned(),
        last_name: None,
        username: Some("loyalty_bot".to_owned()),
        language_code: None,
    }
}

/// A webhook request as Telegram would send it: headers (with the secret header) and body.
#[derive(Debug, Clone)]
pub struct WebhookRequest {
    /// `Content-Type` and `X-Telegram-Bot-Api-Secret-Token`.
    pub headers: http::HeaderMap,
    /// The JSON `Update`.
    pub body: Vec<u8>,
}

/// A `sendMessage` the bot made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentMessage {
    /// The target chat.
    pub chat_id: PlatformId,
    /// The text as sent (Telegram HTML when `parse_mode` is `HTML`).
    pub text: String,
    /// `parse_mode`.
    pub parse_mode: Option<String>,
    /// The keyboard.
    pub keyboard: Option<ReplyMarkup>,
}

impl SentMessage {
    /// The labels of the keyboard's buttons, row by row flattened.
    pub fn button_labels(&self) -> Vec<String> {
        match &self.keyboard {
            Some(ReplyMarkup::Inline { inline_keyboard }) => inline_keyboard
                .iter()
                .flatten()
                .map(|b| b.text.clone())
                .collect(),
            Some(ReplyMarkup::Reply { keyboard, .. }) => {
                keyboard.iter().flatten().map(|b| b.text.clone()).collect()
            }
            _ => Vec::new(),
        }
    }

    /// Whether the keyboard has a share-phone (`request_contact`) button.
    pub fn asks_for_contact(&self) -> bool {
        matches!(&self.keyboard, Some(ReplyMarkup::Reply { keyboard, .. })
            if keyboard.iter().flatten().any(|b| b.request_contact))
    }
}

/// An `editMessageText` the bot made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EditedMessage {
    /// The chat.
    pub chat_id: PlatformId,
    /// The edited message.
    pub message_id: i64,
    /// The new text.
    pub text: String,
    /// The new inline keyboard.
    pub keyboard: Option<ReplyMarkup>,
}

/// An `answerCallbackQuery` the bot made.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnsweredCallback {
    /// The press answered.
    pub callback_query_id: String,
    /// The toast or alert text.
    pub text: Option<String>,
    /// Whether it was an alert.
    pub show_alert: bool,
}

/// A `sendPhoto` the bot made: by URL or file id (JSON), or an upload (`multipart/form-data`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentPhoto {
    /// The chat.
    pub chat_id: PlatformId,
    /// URL or file id; empty for an upload (see [`SentPhoto::upload`]).
    pub photo: String,
    /// Caption.
    pub caption: Option<String>,
    /// `parse_mode` of the caption.
    pub parse_mode: Option<String>,
    /// The keyboard.
    pub keyboard: Option<ReplyMarkup>,
    /// The uploaded file, for a multipart `sendPhoto`.
    pub upload: Option<UploadedFile>,
}

#[derive(Default)]
struct Queue {
    updates: Mutex<Vec<Value>>,
}

struct UpdatesResponder(Arc<Queue>);

impl Respond for UpdatesResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let offset = body
            .get("offset")
            .and_then(Value::as_i64)
            .unwrap_or(i64::MIN);
        let limit = body
            .get("limit")
            .and_then(Value::as_u64)
            .map_or(100, |l| usize::try_from(l).unwrap_or(100));
        let pending: Vec<Value> = self
            .0
            .updates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|u| u["update_id"].as_i64().is_some_and(|id| id >= offset))
            .take(limit)
            .cloned()
            .collect();
        let empty = pending.is_empty();
        let t = ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": pending}));
        // An empty long poll waits a little, so a polling loop does not spin.
        if empty {
            t.set_delay(Duration::from_millis(20))
        } else {
            t
        }
    }
}

struct SendResponder {
    next_id: Arc<AtomicI64>,
    photo: bool,
}

impl Respond for SendResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        // JSON, or the fields of a multipart upload (`chat_id` then comes as text).
        let body = request_json(request).unwrap_or(Value::Null);
        let chat_id = body["chat_id"]
            .as_i64()
            .or_else(|| body["chat_id"].as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0);
        let message_id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut m = Message {
            message_id,
            date: DATE,
            chat: private_chat(chat_id),
            from: Some(bot_user()),
            text: None,
            caption: body["caption"].as_str().map(str::to_owned),
            photo: Vec::new(),
            document: None,
            contact: None,
        };
        if self.photo {
            m.photo = vec![PhotoSize {
                file_id: format!("sent-{message_id}"),
                file_unique_id: format!("u-sent-{message_id}"),
                width: 800,
                height: 800,
                file_size: Some(80_000),
            }];
        } else {
            m.text = body["text"].as_str().map(str::to_owned);
        }
        ok(&m)
    }
}

fn ok(result: &impl serde::Serialize) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": result}))
}

/// A fake Telegram Bot API mounted on a [`MockServer`].
pub struct TelegramMock<'a> {
    server: &'a MockServer,
    token: String,
    queue: Arc<Queue>,
    next_update: AtomicI64,
}

impl<'a> TelegramMock<'a> {
    /// Mounts the fake for [`TOKEN`]: an empty `getUpdates` queue and Telegram's answers to
    /// `getMe`, `sendMessage`, `sendPhoto`, `editMessageText`, `answerCallbackQuery`,
    /// `sendChatAction`, `deleteMessage`, `setWebhook`, `deleteWebhook`, `getWebhookInfo`.
    pub async fn start(server: &'a MockServer) -> Self {
        Self::start_with_token(server, TOKEN).await
    }

    /// As [`TelegramMock::start`] for another token.
    pub async fn start_with_token(server: &'a MockServer, token: &str) -> Self {
        let kit = Self {
            server,
            token: token.to_owned(),
            queue: Arc::new(Queue::default()),
            next_update: AtomicI64::new(100_000_001),
        };
        let next_id = Arc::new(AtomicI64::new(1000));
        kit.mount_default("getUpdates", UpdatesResponder(kit.queue.clone()))
            .await;
        for (name, photo) in [("sendMessage", false), ("sendPhoto", true)] {
            let r = SendResponder {
                next_id: next_id.clone(),
                photo,
            };
            kit.mount_default(name, r).await;
        }
        kit.mount_default("editMessageText", |r: &Request| {
            let body: Value = serde_json::from_slice(&r.body).unwrap_or(Value::Null);
            let m = Message {
                message_id: body["message_id"].as_i64().unwrap_or(1),
                date: DATE,
                chat: private_chat(body["chat_id"].as_i64().unwrap_or(0)),
                from: Some(bot_user()),
                text: body["text"].as_str().map(str::to_owned),
                caption: None,
                photo: Vec::new(),
                document: None,
                contact: None,
            };
            ok(&m)
        })
        .await;
        for name in [
            "answerCallbackQuery",
            "sendChatAction",
            "deleteMessage",
            "setWebhook",
            "deleteWebhook",
        ] {
            kit.mount_default(name, |_: &Request| ok(&true)).await;
        }
        kit.mount_default("getMe", |_: &Request| ok(&bot_user()))
            .await;
        kit.mount_default("getWebhookInfo", |_: &Request| {
            ok(&WebhookInfo {
                url: String::new(),
                has_custom_certificate: false,
                pending_update_count: 0,
                last_error_date: None,
                last_error_message: None,
                max_connections: None,
                allowed_updates: None,
            })
        })
        .await;
        kit
    }

    async fn mount_default(&self, name: &str, responder: impl Respond + 'static) {
        Mock::given(method("POST"))
            .and(path_regex(self.path_pattern(name)))
            .respond_with(responder)
            .with_priority(100)
            .mount(self.server)
            .await;
    }

    fn path_pattern(&self, name: &str) -> String {
        format!("^/bot{}/{name}$", regex_escape(&self.token))
    }

    /// The token the kit answers to.
    pub fn token(&self) -> SecretString {
        SecretString::from(self.token.clone())
    }

    /// A bot pointed at the fake (1 s timeout, so timeout tests are quick).
    ///
    /// # Panics
    /// Never with the kit's tokens (they are of Telegram's shape).
    pub fn bot(&self) -> TelegramBot {
        #[allow(clippy::expect_used)]
        self.bot_builder()
            .build()
            .expect("the kit's token and URL are valid")
    }

    /// A builder pointed at the fake, for further settings (webhook secret, timeouts).
    pub fn bot_builder(&self) -> crate::TelegramBotBuilder {
        TelegramBot::builder(self.token())
            .base_url(self.server.uri())
            .timeout(Duration::from_secs(1))
    }

    /// Queues an update for `getUpdates`; returns its `update_id`. It is answered until the bot
    /// polls with a higher `offset`.
    pub fn queue(&self, incoming: Incoming) -> i64 {
        let id = self.next_update.fetch_add(1, Ordering::Relaxed);
        self.queue
            .updates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(incoming.to_update(id));
        id
    }

    /// A webhook request carrying `incoming`, authenticated with `secret` in
    /// `X-Telegram-Bot-Api-Secret-Token` (pass it to `Messenger::parse_webhook`).
    ///
    /// # Panics
    /// If `secret` is not a valid header value (Telegram secrets are `A-Z a-z 0-9 _ -`).
    pub fn webhook_request(&self, incoming: &Incoming, secret: &str) -> WebhookRequest {
        let id = self.next_update.fetch_add(1, Ordering::Relaxed);
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        #[allow(clippy::expect_used)]
        headers.insert(
            SECRET_HEADER,
            http::HeaderValue::from_str(secret).expect("a Telegram secret is a header value"),
        );
        WebhookRequest {
            headers,
            body: incoming.to_update(id).to_string().into_bytes(),
        }
    }

    /// Serves a file: `getFile` for `file_id` answers a `file_path`, and
    /// `GET /file/bot<token>/<file_path>` answers `bytes` (what `Messenger::download` of a
    /// queued [`Incoming::photo`] fetches).
    pub async fn serve_file(&self, file_id: &str, bytes: Vec<u8>) {
        let file_path = format!("photos/{}.jpg", file_id.replace(['/', '.'], "_"));
        let file = File {
            file_id: file_id.to_owned(),
            file_unique_id: format!("u-{file_id}"),
            file_size: u64::try_from(bytes.len()).ok(),
            file_path: Some(file_path.clone()),
        };
        let wanted = file_id.to_owned();
        Mock::given(method("POST"))
            .and(path_regex(self.path_pattern("getFile")))
            .and(move |r: &Request| {
                serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .is_some_and(|b| b["file_id"] == wanted.as_str())
            })
            .respond_with(ok(&file))
            .with_priority(10)
            .mount(self.server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex(format!(
                "^/file/bot{}/{}$",
                regex_escape(&self.token),
                regex_escape(&file_path)
            )))
            .respond_with(ResponseTemplate::new(200).set_body_raw(bytes, "image/jpeg"))
            .mount(self.server)
            .await;
    }

    /// Answers `method` with `fault` (always, until the server is reset). A
    /// [`Fault::RateLimited`] is Telegram's 429 envelope with `parameters.retry_after`.
    pub async fn fail(&self, method_name: &str, fault: Fault) {
        self.fail_times(method_name, fault, u64::MAX).await;
    }

    /// Answers the next `n` calls of `method` with `fault`, then normally again.
    pub async fn fail_times(&self, method_name: &str, fault: Fault, n: u64) {
        let template = match fault {
            Fault::RateLimited { retry_after } => ResponseTemplate::new(429)
                .insert_header("Retry-After", retry_after.to_string().as_str())
                .set_body_json(json!({"ok": false, "error_code": 429,
                    "description": format!("Too Many Requests: retry after {retry_after}"),
                    "parameters": {"retry_after": retry_after}})),
            other => other.response(),
        };
        self.mount_fault(method_name, template, n).await;
    }

    /// Answers `method` with Telegram's error envelope (`{"ok": false, "error_code",
    /// "description"}`), e.g. `(403, "Forbidden: bot was blocked by the user")`.
    pub async fn api_error(&self, method_name: &str, error_code: u16, description: &str) {
        let template = ResponseTemplate::new(error_code).set_body_json(
            json!({"ok": false, "error_code": error_code, "description": description}),
        );
        self.mount_fault(method_name, template, u64::MAX).await;
    }

    /// Answers `method` as Telegram does for a group that was upgraded to a supergroup: 400,
    /// `"Bad Request: group chat was upgraded to a supergroup chat"` and
    /// `parameters.migrate_to_chat_id` = `new_chat_id`.
    pub async fn chat_migrated(&self, method_name: &str, new_chat_id: i64) {
        let template = ResponseTemplate::new(400).set_body_json(json!({"ok": false,
            "error_code": 400,
            "description": "Bad Request: group chat was upgraded to a supergroup chat",
            "parameters": {"migrate_to_chat_id": new_chat_id}}));
        self.mount_fault(method_name, template, u64::MAX).await;
    }

    async fn mount_fault(&self, name: &str, template: ResponseTemplate, n: u64) {
        Mock::given(method("POST"))
            .and(path_regex(self.path_pattern(name)))
            .respond_with(template)
            .up_to_n_times(n)
            .with_priority(1)
            .mount(self.server)
            .await;
    }

    /// The bodies of every call of `method` the bot made, in order: JSON bodies as they are,
    /// `multipart/form-data` bodies as their fields ([`MultipartBody::to_json`]: text fields
    /// as strings, a file as `{"file_name", "content_type", "size"}`).
    pub async fn requests(&self, method_name: &str) -> Vec<Value> {
        self.raw_requests(method_name)
            .await
            .iter()
            .filter_map(request_json)
            .collect()
    }

    /// Every call of `method` as wiremock recorded it.
    async fn raw_requests(&self, method_name: &str) -> Vec<Request> {
        let suffix = format!("/{method_name}");
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path().ends_with(&suffix))
            .collect()
    }

    /// The parsed `multipart/form-data` bodies of every call of `method` sent as an upload
    /// (`sendPhoto` with a file), in order.
    pub async fn multipart_requests(&self, method_name: &str) -> Vec<MultipartBody> {
        self.raw_requests(method_name)
            .await
            .iter()
            .filter_map(MultipartBody::from_request)
            .collect()
    }

    /// Every `sendMessage` the bot made, in order.
    pub async fn sent_messages(&self) -> Vec<SentMessage> {
        self.requests("sendMessage")
            .await
            .into_iter()
            .map(|b| SentMessage {
                chat_id: platform_id(&b["chat_id"]),
                text: b["text"].as_str().unwrap_or_default().to_owned(),
                parse_mode: b["parse_mode"].as_str().map(str::to_owned),
                keyboard: serde_json::from_value(b["reply_markup"].clone()).ok(),
            })
            .collect()
    }

    /// Every `sendPhoto` the bot made, in order: by URL or file id (JSON) and uploads
    /// (multipart, with [`SentPhoto::upload`]).
    pub async fn sent_photos(&self) -> Vec<SentPhoto> {
        self.raw_requests("sendPhoto")
            .await
            .iter()
            .filter_map(|r| {
                if let Some(m) = MultipartBody::from_request(r) {
                    let upload = m.file("photo").map(UploadedFile::from);
                    return Some(SentPhoto {
                        chat_id: m
                            .field("chat_id")
                            .map(|id| {
                                id.parse::<i64>()
                                    .map_or_else(|_| id.to_owned().into(), Into::into)
                            })
                            .unwrap_or_else(|| String::new().into()),
                        photo: m.field("photo").unwrap_or_default().to_owned(),
                        caption: m.field("caption").map(str::to_owned),
                        parse_mode: m.field("parse_mode").map(str::to_owned),
                        keyboard: m
                            .field("reply_markup")
                            .and_then(|k| serde_json::from_str(k).ok()),
                        upload,
                    });
                }
                let b: Value = serde_json::from_slice(&r.body).ok()?;
                Some(SentPhoto {
                    chat_id: platform_id(&b["chat_id"]),
                    photo: b["photo"].as_str().unwrap_or_default().to_owned(),
                    caption: b["caption"].as_str().map(str::to_owned),
                    parse_mode: b["parse_mode"].as_str().map(str::to_owned),
                    keyboard: serde_json::from_value(b["reply_markup"].clone()).ok(),
                    upload: None,
                })
            })
            .collect()
    }

    /// Every `editMessageText` the bot made.
    pub async fn edited_messages(&self) -> Vec<EditedMessage> {
        self.requests("editMessageText")
            .await
            .into_iter()
            .map(|b| EditedMessage {
                chat_id: platform_id(&b["chat_id"]),
                message_id: b["message_id"].as_i64().unwrap_or_default(),
                text: b["text"].as_str().unwrap_or_default().to_owned(),
                keyboard: serde_json::from_value(b["reply_markup"].clone()).ok(),
            })
            .collect()
    }

    /// Every `answerCallbackQuery` the bot made.
    pub async fn answered_callbacks(&self) -> Vec<AnsweredCallback> {
        self.requests("answerCallbackQuery")
            .await
            .into_iter()
            .map(|b| AnsweredCallback {
                callback_query_id: b["callback_query_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                text: b["text"].as_str().map(str::to_owned),
                show_alert: b["show_alert"].as_bool().unwrap_or(false),
            })
            .collect()
    }
}

fn platform_id(v: &Value) -> PlatformId {
    match v {
        Value::Number(n) => n.as_i64().map_or_else(|| n.to_string().into(), Into::into),
        Value::String(s) => s.clone().into(),
        other => other.to_string().into(),
    }
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let escape = !(c.is_ascii_alphanumeric() || c == '_');
            escape.then_some('\\').into_iter().chain(std::iter::once(c))
        })
        .collect()
}

/// Request matchers for the Bot API: combine with your own `wiremock::Mock`s to assert on what
/// the client sent.
pub mod matchers {
    use wiremock::{Match, Request};

    /// Matches a call of the Bot API `method` (`/bot<token>/<method>`), any token.
    pub fn bot_method(method: &str) -> impl Match + use<> {
        let suffix = format!("/{method}");
        move |r: &Request| r.url.path().starts_with("/bot") && r.url.path().ends_with(&suffix)
    }

    pub use messenger_core::mock::body_has_keys;
}
