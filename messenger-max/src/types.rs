//! MAX Bot API wire types: request bodies the adapter sends and the resources it reads.
//!
//! Responses are lenient: everything MAX may omit or null is an `Option` or defaults, unknown
//! fields are ignored, and attachments and raw updates are kept as JSON so nothing is lost.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Responses

/// A MAX user (or bot) as it appears in messages, callbacks and `bot_started`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct User {
    /// User id (int64).
    pub user_id: i64,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Username without `@`.
    #[serde(default)]
    pub username: Option<String>,
    /// Whether it is a bot.
    #[serde(default)]
    pub is_bot: bool,
    /// Last activity, Unix milliseconds.
    #[serde(default)]
    pub last_activity_time: Option<i64>,
    /// Display name (deprecated upstream, still sent).
    #[serde(default)]
    pub name: Option<String>,
}

/// `GET /me`: the bot itself.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct BotInfo {
    /// The bot's user id.
    pub user_id: i64,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Username (`@` not included).
    #[serde(default)]
    pub username: Option<String>,
    /// Always true for a bot.
    #[serde(default)]
    pub is_bot: bool,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Commands, as sent.
    #[serde(default)]
    pub commands: Option<Value>,
}

/// Where a message went: a dialog (`chat_type: "dialog"`, with the other `user_id`) or a chat.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Recipient {
    /// Chat id (dialogs positive, group chats negative).
    #[serde(default)]
    pub chat_id: Option<i64>,
    /// `dialog`, `chat` or `channel` (kept as text; unknown values are fine).
    #[serde(default)]
    pub chat_type: Option<String>,
    /// The user, for dialogs.
    #[serde(default)]
    pub user_id: Option<i64>,
}

/// The content of a message.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct MessageBody {
    /// Message id (`"mid.…"`).
    #[serde(default)]
    pub mid: String,
    /// Sequence number.
    #[serde(default)]
    pub seq: Option<i64>,
    /// Text; `null` for attachment-only messages.
    #[serde(default)]
    pub text: Option<String>,
    /// Attachments as sent (`null` or absent when there are none); read them with
    /// [`Attachment::from_value`].
    #[serde(default)]
    pub attachments: Option<Vec<Value>>,
}

/// A message.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Message {
    /// The sender (absent for channel posts).
    #[serde(default)]
    pub sender: Option<User>,
    /// Where it went.
    #[serde(default)]
    pub recipient: Recipient,
    /// When, Unix milliseconds.
    #[serde(default)]
    pub timestamp: i64,
    /// The content.
    #[serde(default)]
    pub body: MessageBody,
}

/// A button press (`message_callback`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Callback {
    /// When, Unix milliseconds.
    #[serde(default)]
    pub timestamp: i64,
    /// The id to answer with `POST /answers`.
    pub callback_id: String,
    /// The button's payload.
    #[serde(default)]
    pub payload: Option<String>,
    /// Who pressed it.
    pub user: User,
}

/// `GET /updates`: raw updates (parse each with [`crate::parse_update`]) and the next marker.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct UpdateList {
    /// The updates, oldest first, as sent.
    #[serde(default)]
    pub updates: Vec<Value>,
    /// The marker for the next request (acknowledges these updates).
    #[serde(default)]
    pub marker: Option<i64>,
}

/// `{"success": true}` and its failure form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct SimpleQueryResult {
    /// Whether it worked.
    #[serde(default)]
    pub success: bool,
    /// Why not.
    #[serde(default)]
    pub message: Option<String>,
}

/// `POST /messages`: the message sent.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct SendMessageResult {
    /// The message.
    pub message: Message,
}

/// One webhook subscription.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Subscription {
    /// The webhook URL.
    pub url: String,
    /// When it was created, Unix milliseconds.
    #[serde(default)]
    pub time: Option<i64>,
    /// The update types delivered (`null`: all).
    #[serde(default)]
    pub update_types: Option<Vec<String>>,
    /// The API version of the payloads.
    #[serde(default)]
    pub version: Option<String>,
}

/// `GET /subscriptions`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Subscriptions {
    /// The subscriptions (at most one in practice).
    #[serde(default)]
    pub subscriptions: Vec<Subscription>,
}

/// `POST /uploads`: where to upload the file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct UploadEndpoint {
    /// The one-file upload URL.
    pub url: String,
    /// A token, sent up front for video/audio uploads.
    #[serde(default)]
    pub token: Option<String>,
}

/// The error body: `{"code": "verify.token", "message": "Invalid access_token"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ApiError {
    /// The string key (`verify.token`, `attachment.not.ready`, …).
    #[serde(default)]
    pub code: Option<String>,
    /// The text.
    #[serde(default)]
    pub message: Option<String>,
    /// An older alternative text field.
    #[serde(default)]
    pub error: Option<String>,
}

/// The `image` attachment payload of an incoming message.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct PhotoPayload {
    /// Photo id.
    #[serde(default)]
    pub photo_id: Option<i64>,
    /// A token to resend the photo.
    #[serde(default)]
    pub token: Option<String>,
    /// The direct URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// The `file` attachment payload of an incoming message (plus the attachment's `filename` and
/// `size`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct FilePayload {
    /// A token to resend the file.
    #[serde(default)]
    pub token: Option<String>,
    /// The direct URL.
    #[serde(default)]
    pub url: Option<String>,
}

/// The `contact` attachment payload: a vCard, a hash and the MAX user it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ContactPayload {
    /// The vCard text (holds the phone in `TEL`).
    #[serde(default)]
    pub vcf_info: Option<String>,
    /// An opaque hash binding the phone to the account (formula unpublished).
    #[serde(default)]
    pub hash: Option<String>,
    /// The MAX user of the contact.
    #[serde(default)]
    pub max_info: Option<User>,
    /// The same under its older (TamTam) name.
    #[serde(default)]
    pub tam_info: Option<User>,
}

impl ContactPayload {
    /// `max_info`, or `tam_info` from older clients.
    pub fn user(&self) -> Option<&User> {
        self.max_info.as_ref().or(self.tam_info.as_ref())
    }
}

/// One attachment of an incoming message, read leniently.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Attachment {
    /// `image`.
    Image(PhotoPayload),
    /// `file`, with its name and size.
    File {
        /// The payload.
        payload: FilePayload,
        /// The file name.
        filename: Option<String>,
        /// The size in bytes.
        size: Option<u64>,
    },
    /// `contact`.
    Contact(Box<ContactPayload>),
    /// Anything else (or a known type with an unexpected shape), kept raw.
    Other {
        /// The `type` field (`"unparsed"` when missing).
        type_name: String,
        /// The attachment as received.
        raw: Value,
    },
}

impl Attachment {
    /// Reads one attachment; never fails.
    pub fn from_value(raw: &Value) -> Self {
        let type_name = raw
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("unparsed")
            .to_owned();
        let payload = raw.get("payload").cloned().unwrap_or(Value::Null);
        let parsed = match type_name.as_str() {
            "image" => serde_json::from_value(payload).ok().map(Self::Image),
            "contact" => serde_json::from_value(payload)
                .ok()
                .map(|c| Self::Contact(Box::new(c))),
            "file" => serde_json::from_value(payload)
                .ok()
                .map(|payload| Self::File {
                    payload,
                    filename: raw
                        .get("filename")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    size: raw.get("size").and_then(Value::as_u64),
                }),
            _ => None,
        };
        parsed.unwrap_or_else(|| Self::Other {
            type_name,
            raw: raw.clone(),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

/// How MAX reads the message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TextFormat {
    /// `markdown`.
    Markdown,
    /// `html` (what the adapter renders the core markup to).
    Html,
}

/// `NewMessageBody`: what `POST /messages`, `PUT /messages` and `POST /answers` send.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct NewMessageBody {
    /// Text, at most 4000 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Attachments. On edit, `None` (omitted) keeps the old ones and `Some(vec![])` removes them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<AttachmentRequest>>,
    /// `false` delivers silently (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notify: Option<bool>,
    /// How to read `text`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
}

impl NewMessageBody {
    /// A body with this text, read as HTML.
    pub fn html(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            format: Some(TextFormat::Html),
            ..Self::default()
        }
    }

    /// Adds an attachment.
    pub fn attach(mut self, attachment: AttachmentRequest) -> Self {
        self.attachments
            .get_or_insert_with(Vec::new)
            .push(attachment);
        self
    }
}

/// An attachment to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
#[non_exhaustive]
pub enum AttachmentRequest {
    /// A picture: `{"type": "image", "payload": {"url" | "token" | "photos"}}`.
    Image(ImagePayload),
    /// `{"type": "inline_keyboard", "payload": {"buttons": [[…]]}}`.
    InlineKeyboard(KeyboardPayload),
}

/// The payload of an image to send; exactly one field is set.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ImagePayload {
    /// A public URL MAX fetches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A token from an upload or a received attachment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl ImagePayload {
    /// By URL.
    pub fn url(url: impl Into<String>) -> Self {
        Self {
            url: Some(url.into()),
            token: None,
        }
    }

    /// By token.
    pub fn token(token: impl Into<String>) -> Self {
        Self {
            url: None,
            token: Some(token.into()),
        }
    }
}

/// The rows of an inline keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct KeyboardPayload {
    /// Rows of buttons.
    pub buttons: Vec<Vec<InlineButton>>,
}

impl KeyboardPayload {
    /// A keyboard with these rows.
    pub fn new(buttons: Vec<Vec<InlineButton>>) -> Self {
        Self { buttons }
    }
}

/// An inline keyboard button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum InlineButton {
    /// Sends `payload` back as `message_callback`.
    Callback {
        /// The label.
        text: String,
        /// The payload (≤ 1024 characters).
        payload: String,
    },
    /// Opens `url`.
    Link {
        /// The label.
        text: String,
        /// The URL (≤ 2048 characters).
        url: String,
    },
    /// Asks the user to share their phone; it comes back as a `contact` attachment.
    RequestContact {
        /// The label.
        text: String,
    },
    /// Sends its text as a message from the user.
    Message {
        /// The label, also the text sent.
        text: String,
    },
}

/// `POST /answers` body: a toast and/or a replacement for the message with the button.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct CallbackAnswer {
    /// Replaces the message that carried the button.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<NewMessageBody>,
    /// A toast shown to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<String>,
}

impl CallbackAnswer {
    /// Just a toast.
    pub fn toast(text: impl Into<String>) -> Self {
        Self {
            message: None,
            notification: Some(text.into()),
        }
    }

    /// Replaces the message.
    pub fn replace(message: NewMessageBody) -> Self {
        Self {
            message: Some(message),
            notification: None,
        }
    }

    /// Adds a toast.
    pub fn with_toast(mut self, text: impl Into<String>) -> Self {
        self.notification = Some(text.into());
        self
    }
}

/// `GET /updates` query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct GetUpdates {
    /// 1–1000 (MAX default 100).
    pub limit: Option<u32>,
    /// Long-polling wait in seconds, 0–90 (MAX default 30).
    pub timeout: Option<u32>,
    /// Where to resume; absent → only the latest updates.
    pub marker: Option<i64>,
    /// Update types to receive (`None`: all).
    pub types: Option<Vec<String>>,
}

impl GetUpdates {
    /// A request with MAX's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the marker.
    pub fn marker(mut self, marker: Option<i64>) -> Self {
        self.marker = marker;
        self
    }

    /// Sets the timeout in seconds (clamped to 90).
    pub fn timeout(mut self, secs: u32) -> Self {
        self.timeout = Some(secs.min(90));
        self
    }

    /// Sets the limit (clamped to 1–1000).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit.clamp(1, 1000));
        self
    }

    /// Sets the update types.
    pub fn types(mut self, types: Vec<String>) -> Self {
        self.types = Some(types);
        self
    }

    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(l) = self.limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(t) = self.timeout {
            q.push(("timeout", t.to_string()));
        }
        if let Some(m) = self.marker {
            q.push(("marker", m.to_string()));
        }
        if let Some(t) = self.types.as_ref().filter(|t| !t.is_empty()) {
            q.push(("types", t.join(",")));
        }
        q
    }
}

/// `POST /subscriptions` body. The secret is serialized but never shown by `Debug`.
#[derive(Clone, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct SubscriptionRequest {
    /// The HTTPS URL (port 443 only).
    pub url: String,
    /// The update types to deliver (`None`: all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_types: Option<Vec<String>>,
    /// Sent back in `X-Max-Bot-Api-Secret` (5–256 characters of `A-Z a-z 0-9 _ -`).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_secret"
    )]
    pub secret: Option<SecretString>,
    /// The API version of the payloads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl SubscriptionRequest {
    /// A subscription of `url` for every update type, without a secret.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            update_types: None,
            secret: None,
            version: None,
        }
    }

    /// Sets the secret.
    pub fn secret(mut self, secret: SecretString) -> Self {
        self.secret = Some(secret);
        self
    }

    /// Sets the update types.
    pub fn update_types(mut self, types: Vec<String>) -> Self {
        self.update_types = Some(types);
        self
    }
}

impl fmt::Debug for SubscriptionRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionRequest")
            .field("url", &self.url)
            .field("update_types", &self.update_types)
            .field("secret", &self.secret.as_ref().map(|_| "[redacted]"))
            .field("version", &self.version)
            .finish()
    }
}

fn expose_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(v) => s.serialize_str(v.expose_secret()),
        None => s.serialize_none(),
    }
}

/// Whose conversation a message goes to: `?user_id=` (a dialog) or `?chat_id=` (a chat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The dialog with this user.
    User(i64),
    /// This chat.
    Chat(i64),
}

impl Target {
    pub(crate) fn query(self) -> (&'static str, String) {
        match self {
            Self::User(id) => ("user_id", id.to_string()),
            Self::Chat(id) => ("chat_id", id.to_string()),
        }
    }
}
