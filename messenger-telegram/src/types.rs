//! Telegram Bot API wire types: what the adapter sends (requests, one struct per method) and what
//! it reads (responses). Responses are lenient: every field Telegram may omit is an `Option` or
//! defaults, unknown fields are ignored.

use std::fmt;

use messenger_core::PlatformId;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// A Bot API method: its name and what its `result` decodes to.
pub trait Method: Serialize {
    /// The method name in the URL (`sendMessage`).
    const NAME: &'static str;
    /// The type of `result`.
    type Output: serde::de::DeserializeOwned;
}

// ---------------------------------------------------------------------------------------------
// Responses

/// A Telegram user or bot.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct User {
    /// User id.
    pub id: i64,
    /// Whether it is a bot.
    #[serde(default)]
    pub is_bot: bool,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// Username without `@`.
    pub username: Option<String>,
    /// IETF language tag of the user's client.
    pub language_code: Option<String>,
}

/// A chat.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Chat {
    /// Chat id.
    pub id: i64,
    /// `private`, `group`, `supergroup` or `channel` (kept as text; unknown values are fine).
    #[serde(rename = "type", default)]
    pub chat_type: String,
    /// Title (groups, channels).
    pub title: Option<String>,
    /// Username.
    pub username: Option<String>,
    /// First name (private chats).
    pub first_name: Option<String>,
}

/// One size of a photo.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct PhotoSize {
    /// File id for `getFile` / resending.
    pub file_id: String,
    /// Stable unique id.
    #[serde(default)]
    pub file_unique_id: String,
    /// Width in pixels.
    #[serde(default)]
    pub width: u32,
    /// Height in pixels.
    #[serde(default)]
    pub height: u32,
    /// Size in bytes.
    pub file_size: Option<u64>,
}

/// A document.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Document {
    /// File id.
    pub file_id: String,
    /// File name.
    pub file_name: Option<String>,
    /// MIME type.
    pub mime_type: Option<String>,
    /// Size in bytes.
    pub file_size: Option<u64>,
}

/// A shared contact.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Contact {
    /// The phone number as Telegram sends it.
    pub phone_number: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// The Telegram user the number belongs to, when known.
    pub user_id: Option<i64>,
    /// vCard.
    pub vcard: Option<String>,
}

/// A message (only the fields the adapter needs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Message {
    /// Message id, unique in its chat.
    pub message_id: i64,
    /// Unix seconds (0 for an inaccessible message).
    #[serde(default)]
    pub date: i64,
    /// The chat.
    pub chat: Chat,
    /// The sender (absent in channels).
    pub from: Option<User>,
    /// Text.
    pub text: Option<String>,
    /// Caption of a photo or document.
    pub caption: Option<String>,
    /// Photo sizes, smallest first.
    #[serde(default)]
    pub photo: Vec<PhotoSize>,
    /// Document.
    pub document: Option<Document>,
    /// Shared contact.
    pub contact: Option<Contact>,
}

/// An inline button press.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct CallbackQuery {
    /// Id to answer with `answerCallbackQuery`.
    pub id: String,
    /// Who pressed.
    pub from: User,
    /// The message with the button (may be "inaccessible": then `date` is 0).
    pub message: Option<Message>,
    /// The button's callback data.
    pub data: Option<String>,
    /// Chat instance.
    pub chat_instance: Option<String>,
}

/// A member of a chat, as far as its status goes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ChatMember {
    /// `creator`, `administrator`, `member`, `restricted`, `left`, `kicked`.
    pub status: String,
    /// The member.
    pub user: Option<User>,
}

/// A change of the bot's status in a chat (`kicked` in a private chat: the user blocked the bot).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ChatMemberUpdated {
    /// The chat.
    pub chat: Chat,
    /// Who changed it.
    pub from: User,
    /// Unix seconds.
    #[serde(default)]
    pub date: i64,
    /// Status before.
    pub old_chat_member: ChatMember,
    /// Status after.
    pub new_chat_member: ChatMember,
}

/// A file ready for download.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct File {
    /// File id.
    pub file_id: String,
    /// Unique id.
    #[serde(default)]
    pub file_unique_id: String,
    /// Size in bytes.
    pub file_size: Option<u64>,
    /// Path for `/file/bot<token>/<file_path>`.
    pub file_path: Option<String>,
}

/// The webhook's state.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct WebhookInfo {
    /// The URL, empty when none is set.
    #[serde(default)]
    pub url: String,
    /// Whether a custom certificate was given.
    #[serde(default)]
    pub has_custom_certificate: bool,
    /// Updates waiting for delivery.
    #[serde(default)]
    pub pending_update_count: u64,
    /// Unix time of the latest delivery error.
    pub last_error_date: Option<i64>,
    /// The latest delivery error.
    pub last_error_message: Option<String>,
    /// Max simultaneous connections.
    pub max_connections: Option<u32>,
    /// Update types delivered.
    pub allowed_updates: Option<Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// Keyboards

/// An inline keyboard button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InlineKeyboardButton {
    /// Label.
    pub text: String,
    /// Callback data (1–64 bytes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_data: Option<String>,
    /// URL to open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A reply keyboard button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct KeyboardButton {
    /// Label (sent as text when pressed).
    pub text: String,
    /// Share the user's phone number.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub request_contact: bool,
}

/// `reply_markup`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ReplyMarkup {
    /// `{"inline_keyboard": [[…]]}`
    Inline {
        /// Rows.
        inline_keyboard: Vec<Vec<InlineKeyboardButton>>,
    },
    /// `{"keyboard": [[…]], …}`
    Reply {
        /// Rows.
        keyboard: Vec<Vec<KeyboardButton>>,
        /// Fit the height.
        resize_keyboard: bool,
        /// Hide after one press.
        one_time_keyboard: bool,
        /// Input placeholder.
        #[serde(skip_serializing_if = "Option::is_none")]
        input_field_placeholder: Option<String>,
    },
    /// `{"remove_keyboard": true}`
    Remove {
        /// Always true.
        remove_keyboard: bool,
    },
}

/// `link_preview_options`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkPreviewOptions {
    /// Disable the preview.
    pub is_disabled: bool,
}

// ---------------------------------------------------------------------------------------------
// Requests

/// `getMe`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GetMe {}

impl Method for GetMe {
    const NAME: &'static str = "getMe";
    type Output = User;
}

/// `getUpdates`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GetUpdates {
    /// The first update to return (last `update_id` + 1 acknowledges everything before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// 1–100.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Long-polling timeout in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Update types to receive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_updates: Option<Vec<String>>,
}

impl Method for GetUpdates {
    const NAME: &'static str = "getUpdates";
    /// Raw updates: parsed by [`crate::parse_update`], which never fails.
    type Output = Vec<serde_json::Value>;
}

/// `setWebhook`. Holds the webhook secret, so its `Debug` redacts it.
#[derive(Clone, Default, Serialize)]
pub struct SetWebhook {
    /// The HTTPS URL.
    pub url: String,
    /// The secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_secret"
    )]
    pub secret_token: Option<SecretString>,
    /// Update types to receive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_updates: Option<Vec<String>>,
    /// Drop updates waiting for delivery.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub drop_pending_updates: bool,
    /// Max simultaneous connections (1–100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<u32>,
}

fn serialize_secret<S: serde::Serializer>(
    secret: &Option<SecretString>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match secret {
        Some(v) => s.serialize_str(v.expose_secret()),
        None => s.serialize_none(),
    }
}

impl fmt::Debug for SetWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetWebhook")
            .field("url", &self.url)
            .field(
                "secret_token",
                &self.secret_token.as_ref().map(|_| "[redacted]"),
            )
            .field("allowed_updates", &self.allowed_updates)
            .field("drop_pending_updates", &self.drop_pending_updates)
            .field("max_connections", &self.max_connections)
            .finish()
    }
}

impl Method for SetWebhook {
    const NAME: &'static str = "setWebhook";
    type Output = bool;
}

/// `deleteWebhook`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeleteWebhook {
    /// Drop updates waiting for delivery.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub drop_pending_updates: bool,
}

impl Method for DeleteWebhook {
    const NAME: &'static str = "deleteWebhook";
    type Output = bool;
}

/// `deleteMessage`: deletes a message (the bot's own within 48 hours, others' where it is an
/// admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeleteMessage {
    /// The chat.
    pub chat_id: PlatformId,
    /// The message.
    pub message_id: i64,
}

impl Method for DeleteMessage {
    const NAME: &'static str = "deleteMessage";
    type Output = bool;
}

/// `getWebhookInfo`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GetWebhookInfo {}

impl Method for GetWebhookInfo {
    const NAME: &'static str = "getWebhookInfo";
    type Output = WebhookInfo;
}

/// `sendMessage`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendMessage {
    /// Chat id (or `@channelusername`).
    pub chat_id: PlatformId,
    /// Text (1–4096 characters after entity parsing).
    pub text: String,
    /// `HTML`, `MarkdownV2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<String>,
    /// Link preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_preview_options: Option<LinkPreviewOptions>,
    /// Deliver silently.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_notification: bool,
    /// Keyboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<ReplyMarkup>,
}

impl Method for SendMessage {
    const NAME: &'static str = "sendMessage";
    type Output = Message;
}

/// `sendPhoto` by URL or file id (JSON). Uploads go through
/// [`crate::TelegramBot::send_photo_upload`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendPhoto {
    /// Chat id.
    pub chat_id: PlatformId,
    /// An HTTP(S) URL or a `file_id`.
    pub photo: String,
    /// Caption (0–1024 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Parse mode of the caption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<String>,
    /// Deliver silently.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub disable_notification: bool,
    /// Keyboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<ReplyMarkup>,
}

impl Method for SendPhoto {
    const NAME: &'static str = "sendPhoto";
    type Output = Message;
}

/// `editMessageText`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditMessageText {
    /// Chat id.
    pub chat_id: PlatformId,
    /// Message id.
    pub message_id: i64,
    /// New text.
    pub text: String,
    /// Parse mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<String>,
    /// Link preview.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_preview_options: Option<LinkPreviewOptions>,
    /// New inline keyboard (absent removes it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<ReplyMarkup>,
}

impl Method for EditMessageText {
    const NAME: &'static str = "editMessageText";
    /// The edited message, or `true` for inline messages.
    type Output = serde_json::Value;
}

/// `editMessageCaption`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EditMessageCaption {
    /// Chat id.
    pub chat_id: PlatformId,
    /// Message id.
    pub message_id: i64,
    /// New caption.
    pub caption: String,
    /// Parse mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parse_mode: Option<String>,
    /// New inline keyboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_markup: Option<ReplyMarkup>,
}

impl Method for EditMessageCaption {
    const NAME: &'static str = "editMessageCaption";
    /// The edited message, or `true` for inline messages.
    type Output = serde_json::Value;
}

/// `answerCallbackQuery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerCallbackQuery {
    /// The press to answer.
    pub callback_query_id: String,
    /// Notification text (0–200 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Show an alert instead of a toast.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub show_alert: bool,
}

impl Method for AnswerCallbackQuery {
    const NAME: &'static str = "answerCallbackQuery";
    type Output = bool;
}

/// `getFile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GetFile {
    /// File id.
    pub file_id: String,
}

impl Method for GetFile {
    const NAME: &'static str = "getFile";
    type Output = File;
}

/// `sendChatAction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendChatAction {
    /// Chat id.
    pub chat_id: PlatformId,
    /// `typing`, `upload_photo`, …
    pub action: String,
}

impl Method for SendChatAction {
    const NAME: &'static str = "sendChatAction";
    type Output = bool;
}
