//! Viber REST Bot API wire types: one request struct per call (implementing [`Method`]) and the
//! responses. Responses are lenient: every field Viber may omit is an `Option` or defaults, and
//! unknown fields are ignored.

use messenger_core::PlatformId;
use serde::{Deserialize, Deserializer, Serialize};

/// A Viber API call: its name in the URL (`/pa/<NAME>`) and what its envelope decodes to.
pub trait Method: Serialize {
    /// The method name (`send_message`).
    const NAME: &'static str;
    /// The response, decoded from the whole `{status: 0, status_message, …}` object.
    type Output: serde::de::DeserializeOwned;
}

// ---------------------------------------------------------------------------------------------
// Requests

/// The sender shown with a message: `name` (≤ 28 characters, required) and an optional avatar
/// URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Sender {
    /// The name shown (≤ 28 characters).
    pub name: String,
    /// An avatar URL (≤ 100 KB image).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
}

/// The message types this adapter sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessageType {
    /// `text`.
    Text,
    /// `picture` (by URL, with a caption).
    Picture,
    /// `url`.
    Url,
}

/// The message fields shared by `send_message`, `broadcast_message` and the welcome message
/// returned in the HTTP response to `conversation_started` (everything but the receivers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct MessageBody {
    /// The message type.
    #[serde(rename = "type")]
    pub message_type: MessageType,
    /// The sender.
    pub sender: Sender,
    /// Opaque state (≤ 4000 characters) Viber echoes back with the user's next message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_data: Option<String>,
    /// The lowest client API version that gets the message (3 for `share-phone` buttons).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_api_version: Option<u32>,
    /// The text (`text`), or the caption (`picture`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The picture URL (`picture`), or the link (`url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// A thumbnail URL (`picture`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<String>,
    /// A keyboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyboard: Option<ViberKeyboard>,
}

impl MessageBody {
    /// A text message.
    pub fn text(sender: Sender, text: impl Into<String>) -> Self {
        Self {
            message_type: MessageType::Text,
            sender,
            tracking_data: None,
            min_api_version: None,
            text: Some(text.into()),
            media: None,
            thumbnail: None,
            keyboard: None,
        }
    }

    /// A picture by URL with a caption (may be empty).
    pub fn picture(sender: Sender, media: impl Into<String>, caption: impl Into<String>) -> Self {
        Self {
            message_type: MessageType::Picture,
            text: Some(caption.into()),
            media: Some(media.into()),
            ..Self::text(sender, "")
        }
    }

    /// A URL message.
    pub fn url(sender: Sender, url: impl Into<String>) -> Self {
        Self {
            message_type: MessageType::Url,
            text: None,
            media: Some(url.into()),
            ..Self::text(sender, "")
        }
    }

    /// Sets `tracking_data`.
    pub fn tracking_data(mut self, data: impl Into<String>) -> Self {
        self.tracking_data = Some(data.into());
        self
    }

    /// Sets the keyboard, and `min_api_version: 3` when it has a `share-phone` or
    /// `location-picker` button.
    pub fn keyboard(mut self, keyboard: ViberKeyboard) -> Self {
        if keyboard.needs_api_v3() {
            self.min_api_version = Some(self.min_api_version.unwrap_or(1).max(3));
        }
        self.keyboard = Some(keyboard);
        self
    }
}

/// A Viber keyboard (`"Type": "keyboard"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ViberKeyboard {
    /// Always `"keyboard"`.
    #[serde(rename = "Type")]
    pub kind: String,
    /// Use the default keyboard height.
    pub default_height: bool,
    /// `regular`, `minimized` or `hidden`; omitted means `regular`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_field_state: Option<String>,
    /// The buttons, laid out on a 6-column grid.
    pub buttons: Vec<ViberButton>,
}

impl ViberKeyboard {
    /// A keyboard with these buttons.
    pub fn new(buttons: Vec<ViberButton>) -> Self {
        Self {
            kind: "keyboard".to_owned(),
            default_height: false,
            input_field_state: None,
            buttons,
        }
    }

    /// Whether a button needs client API level 3 (`share-phone`, `location-picker`).
    pub fn needs_api_v3(&self) -> bool {
        self.buttons
            .iter()
            .any(|b| matches!(b.action_type.as_str(), "share-phone" | "location-picker"))
    }
}

/// One keyboard button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ViberButton {
    /// Width on the 6-column grid (1–6).
    pub columns: u8,
    /// Height (1–2).
    pub rows: u8,
    /// `reply`, `open-url`, `share-phone`, `location-picker` or `none`.
    pub action_type: String,
    /// What a `reply` button sends back as text, or the URL of an `open-url` button.
    pub action_body: String,
    /// The label (Viber's small HTML subset; the adapter escapes labels).
    pub text: String,
    /// A pressed `reply` button is not shown in the chat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub silent: Option<bool>,
}

/// `send_message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SendMessage {
    /// The user id.
    pub receiver: String,
    /// The message.
    #[serde(flatten)]
    pub message: MessageBody,
}

impl Method for SendMessage {
    const NAME: &'static str = "send_message";
    type Output = SendMessageResponse;
}

/// `broadcast_message` (≤ 300 receivers a call; needs Viber's approval).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BroadcastMessage {
    /// The user ids (≤ [`crate::BROADCAST_MAX_RECEIVERS`]).
    pub broadcast_list: Vec<String>,
    /// The message.
    #[serde(flatten)]
    pub message: MessageBody,
}

impl Method for BroadcastMessage {
    const NAME: &'static str = "broadcast_message";
    type Output = BroadcastResponse;
}

/// `set_webhook`; an empty `url` removes the webhook.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SetWebhook {
    /// The HTTPS URL, or `""` to remove the webhook.
    pub url: String,
    /// The optional events wanted (`delivered`, `seen`, `failed`, `subscribed`, `unsubscribed`,
    /// `conversation_started`); `message`, `subscribed` and `unsubscribed` always come.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_types: Option<Vec<String>>,
    /// Include the user's name in callbacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_name: Option<bool>,
    /// Include the user's photo in callbacks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_photo: Option<bool>,
}

impl SetWebhook {
    /// Registers `url` for these event types, with names and photos.
    pub fn new(url: impl Into<String>, event_types: &[&str]) -> Self {
        Self {
            url: url.into(),
            event_types: Some(event_types.iter().map(|s| (*s).to_owned()).collect()),
            send_name: Some(true),
            send_photo: Some(true),
        }
    }

    /// Removes the webhook (`"url": ""`).
    pub fn remove() -> Self {
        Self::default()
    }
}

impl Method for SetWebhook {
    const NAME: &'static str = "set_webhook";
    type Output = SetWebhookResponse;
}

/// `get_account_info`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct GetAccountInfo {}

impl Method for GetAccountInfo {
    const NAME: &'static str = "get_account_info";
    type Output = AccountInfo;
}

/// `get_user_details` (rate-limited per user by Viber: don't call it in a loop).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GetUserDetails {
    /// The user id.
    pub id: String,
}

impl Method for GetUserDetails {
    const NAME: &'static str = "get_user_details";
    type Output = UserDetailsResponse;
}

/// `get_online` (≤ 100 ids).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GetOnline {
    /// The user ids.
    pub ids: Vec<String>,
}

impl Method for GetOnline {
    const NAME: &'static str = "get_online";
    type Output = OnlineResponse;
}

// ---------------------------------------------------------------------------------------------
// Responses

/// Reads a Viber `message_token` without overflow: an integer that fits `i64` →
/// [`PlatformId::Int`]; a bigger unsigned integer or a string → [`PlatformId::Str`] with its
/// digits; `null` → `None`. Anything else (a float, an object) is also `None`: a token is an id,
/// never a reason to fail a message that was sent.
///
/// # Errors
/// Only the deserializer's own errors (malformed input).
pub fn message_token<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PlatformId>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(v.as_ref().and_then(token_from_value))
}

/// The [`message_token`] reading of one JSON value.
pub fn token_from_value(v: &serde_json::Value) -> Option<PlatformId> {
    match v {
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(PlatformId::Int)
            .or_else(|| n.as_u64().map(|u| PlatformId::Str(u.to_string()))),
        serde_json::Value::String(s) if !s.is_empty() => Some(PlatformId::Str(s.clone())),
        _ => None,
    }
}

/// The answer to `send_message`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct SendMessageResponse {
    /// The message's token (its id): [`PlatformId::Int`] when it fits an `i64`, otherwise the
    /// digits as [`PlatformId::Str`] (Viber documents a 64-bit number, and shows it as a string
    /// in some answers; see [`message_token`]).
    #[serde(default, deserialize_with = "message_token")]
    pub message_token: Option<PlatformId>,
    /// The chat host that handled it.
    pub chat_hostname: Option<String>,
    /// Billing information, as sent.
    pub billing_status: Option<serde_json::Value>,
}

/// One receiver a broadcast could not reach.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct FailedReceiver {
    /// The user id.
    pub receiver: String,
    /// The Viber status code (5, 6, 7: the user is gone).
    pub status: i64,
    /// The status message.
    #[serde(default)]
    pub status_message: String,
}

/// The answer to `broadcast_message`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct BroadcastResponse {
    /// The broadcast's token (as [`SendMessageResponse::message_token`]).
    #[serde(default, deserialize_with = "message_token")]
    pub message_token: Option<PlatformId>,
    /// The receivers it failed for.
    #[serde(default)]
    pub failed_list: Vec<FailedReceiver>,
}

/// The answer to `set_webhook`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct SetWebhookResponse {
    /// The event types the webhook will get.
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// The answer to `get_account_info` (the fields a loyalty bot uses; the rest is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct AccountInfo {
    /// The bot's id.
    pub id: Option<String>,
    /// The bot's name.
    pub name: Option<String>,
    /// The bot's URI (`viber://pa?chatURI=<uri>`).
    pub uri: Option<String>,
    /// The avatar URL.
    pub icon: Option<String>,
    /// The category.
    pub category: Option<String>,
    /// The country code.
    pub country: Option<String>,
    /// The registered webhook URL.
    pub webhook: Option<String>,
    /// The registered event types.
    #[serde(default)]
    pub event_types: Vec<String>,
    /// How many users are subscribed.
    pub subscribers_count: Option<i64>,
}

/// A user's details from `get_user_details`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct UserDetails {
    /// The user id.
    pub id: String,
    /// The name.
    pub name: Option<String>,
    /// The avatar URL.
    pub avatar: Option<String>,
    /// The country code.
    pub country: Option<String>,
    /// The language.
    pub language: Option<String>,
    /// The device OS.
    pub primary_device_os: Option<String>,
    /// The highest API version the user's clients support.
    pub api_version: Option<i64>,
    /// The Viber version.
    pub viber_version: Option<String>,
    /// The device type.
    pub device_type: Option<String>,
}

/// The answer to `get_user_details`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct UserDetailsResponse {
    /// The user.
    pub user: UserDetails,
}

/// One user's online status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct OnlineStatus {
    /// The user id.
    pub id: String,
    /// 0 online, 1 offline, 2 undisclosed, 3 internal error, 4 unavailable.
    pub online_status: Option<i64>,
    /// The status as text.
    pub online_status_message: Option<String>,
    /// When the user was last online (epoch milliseconds).
    pub last_online: Option<i64>,
}

/// The answer to `get_online`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct OnlineResponse {
    /// One entry per user asked about.
    #[serde(default)]
    pub users: Vec<OnlineStatus>,
}
