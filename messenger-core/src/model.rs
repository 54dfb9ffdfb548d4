//! The platform-neutral model of what arrives from a messenger: [`Update`] and [`UpdateKind`], and
//! the references ([`ChatRef`], [`MessageRef`], [`CallbackRef`], [`FileRef`]) an adapter needs to
//! act on it later.
//!
//! Identifiers are [`PlatformId`]s: an `i64` on Telegram and MAX, an opaque string on Viber. They
//! round-trip through serde unchanged, so a bot can store a [`ChatRef`] and broadcast to it later.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which messenger an update came from or a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MessengerKind {
    /// Telegram Bot API.
    Telegram,
    /// Viber REST Bot API.
    Viber,
    /// MAX Bot API.
    Max,
    /// The console messenger of this crate (stdin/stdout demo).
    Console,
    /// The in-memory messenger of this crate (tests).
    InMemory,
}

impl MessengerKind {
    /// The lowercase name (`"telegram"`, `"viber"`, `"max"`, `"console"`, `"in_memory"`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Viber => "viber",
            Self::Max => "max",
            Self::Console => "console",
            Self::InMemory => "in_memory",
        }
    }
}

impl fmt::Display for MessengerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier as the platform spells it: a number on Telegram and MAX (chat, user and Telegram
/// message ids), a string on Viber (user ids) and for MAX message ids (`"mid.…"`).
///
/// Serialized untagged: `123` or `"01234567890A="`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PlatformId {
    /// A numeric id (`i64`: Telegram ids have up to 52 significant bits, MAX ids are int64).
    Int(i64),
    /// An opaque string id.
    Str(String),
}

impl PlatformId {
    /// The number, when the id is numeric.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Self::Int(n) => Some(*n),
            Self::Str(_) => None,
        }
    }

    /// The string, when the id is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::Int(_) => None,
            Self::Str(s) => Some(s),
        }
    }
}

impl fmt::Display for PlatformId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(n) => write!(f, "{n}"),
            Self::Str(s) => f.write_str(s),
        }
    }
}

impl From<i64> for PlatformId {
    fn from(n: i64) -> Self {
        Self::Int(n)
    }
}

impl From<&str> for PlatformId {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for PlatformId {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

/// What kind of conversation a chat is. It decides which rate limit applies (Telegram allows 20
/// messages a minute into one group) and whether a share-phone button may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChatType {
    /// A one-to-one conversation with a user (Telegram `private`, MAX `dialog`, every Viber chat).
    #[default]
    Private,
    /// A group or supergroup (MAX `chat`).
    Group,
    /// A channel.
    Channel,
}

/// Where to send: the messenger, the chat id and the chat type. Store it to message the user later.
///
/// Two `ChatRef`s are equal (and hash alike) when messenger, id and type are: the
/// [`ChatRef::dialog_id`] routing hint is not part of the identity, so a chat stored before the
/// hint existed still matches.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChatRef {
    /// The messenger of the chat.
    pub messenger: MessengerKind,
    /// The chat id (Telegram `chat_id`; MAX: the user id of a dialog, the `chat_id` of a group;
    /// the Viber user id).
    pub id: PlatformId,
    /// The kind of chat.
    #[serde(default)]
    pub chat_type: ChatType,
    /// The platform's id of the conversation itself when [`ChatRef::id`] is something else: a
    /// MAX dialog is addressed by the user id, but chat actions ("typing…") and chat calls need
    /// the dialog's `chat_id`. `None` when the same as `id` or unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialog_id: Option<PlatformId>,
}

impl PartialEq for ChatRef {
    fn eq(&self, other: &Self) -> bool {
        self.messenger == other.messenger
            && self.id == other.id
            && self.chat_type == other.chat_type
    }
}

impl Eq for ChatRef {}

impl std::hash::Hash for ChatRef {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.messenger.hash(state);
        self.id.hash(state);
        self.chat_type.hash(state);
    }
}

impl ChatRef {
    /// A private chat.
    pub fn private(messenger: MessengerKind, id: impl Into<PlatformId>) -> Self {
        Self::new(messenger, id, ChatType::Private)
    }

    /// A chat of the given type.
    pub fn new(messenger: MessengerKind, id: impl Into<PlatformId>, chat_type: ChatType) -> Self {
        Self {
            messenger,
            id: id.into(),
            chat_type,
            dialog_id: None,
        }
    }

    /// Sets [`ChatRef::dialog_id`].
    pub fn with_dialog_id(mut self, dialog_id: impl Into<PlatformId>) -> Self {
        self.dialog_id = Some(dialog_id.into());
        self
    }
}

impl fmt::Display for ChatRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.messenger, self.id)
    }
}

/// Who sent an update.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// The platform's user id.
    pub id: Option<PlatformId>,
    /// First name, when the platform splits names.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// The full display name, when the platform sends one (Viber `name`, MAX `name`).
    pub display_name: Option<String>,
    /// The public username (`@ivan` without the `@`).
    pub username: Option<String>,
    /// The user's language or locale as sent (`"ru"`, `"uk"`, `"ru-RU"`).
    pub language: Option<String>,
    /// Whether the sender is a bot.
    #[serde(default)]
    pub is_bot: bool,
}

impl UserInfo {
    /// A user with only an id.
    pub fn with_id(id: impl Into<PlatformId>) -> Self {
        Self {
            id: Some(id.into()),
            ..Self::default()
        }
    }

    /// Sets the first name.
    pub fn with_first_name(mut self, name: impl Into<String>) -> Self {
        self.first_name = Some(name.into());
        self
    }

    /// Sets the last name.
    pub fn with_last_name(mut self, name: impl Into<String>) -> Self {
        self.last_name = Some(name.into());
        self
    }

    /// Sets the display name.
    pub fn with_display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Sets the username.
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// Sets the language.
    pub fn with_language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// Sets whether the user is a bot.
    pub fn with_is_bot(mut self, is_bot: bool) -> Self {
        self.is_bot = is_bot;
        self
    }

    /// The best name to greet the user with: the display name, or first and last name, or the
    /// username, or an empty string.
    pub fn name(&self) -> String {
        if let Some(n) = self.display_name.as_deref().filter(|n| !n.is_empty()) {
            return n.to_owned();
        }
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return parts.join(" ");
        }
        self.username.clone().unwrap_or_default()
    }
}

/// A message that exists on the platform (sent by the bot or by a user), for editing or replying.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MessageRef {
    /// The chat it is in.
    pub chat: ChatRef,
    /// The platform message id (Telegram `message_id`, MAX `mid`, Viber `message_token`).
    pub id: PlatformId,
}

impl MessageRef {
    /// A message reference.
    pub fn new(chat: ChatRef, id: impl Into<PlatformId>) -> Self {
        Self {
            chat,
            id: id.into(),
        }
    }
}

/// The handle of a pressed inline button, used to answer it (Telegram `callback_query.id`, MAX
/// `callback_id`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallbackRef {
    /// The messenger the press came from.
    pub messenger: MessengerKind,
    /// The platform's id of the press.
    pub id: String,
}

impl CallbackRef {
    /// The handle `id` of a press on `messenger`.
    pub fn new(messenger: MessengerKind, id: impl Into<String>) -> Self {
        Self {
            messenger,
            id: id.into(),
        }
    }
}

/// A file a user sent, to download with [`crate::Messenger::download`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FileRef {
    /// The platform's file id (Telegram `file_id`, MAX `token`), empty when only a URL is known.
    pub id: String,
    /// A direct download URL, when the platform sends one (Viber `media`, MAX `payload.url`).
    pub url: Option<String>,
    /// The file name, when known.
    pub file_name: Option<String>,
    /// The MIME type, when known.
    pub mime_type: Option<String>,
    /// The size in bytes, when known.
    pub size: Option<u64>,
    /// Pixel width (photos).
    pub width: Option<u32>,
    /// Pixel height (photos).
    pub height: Option<u32>,
}

impl FileRef {
    /// A file known by the platform's file id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// A file known only by its download URL.
    pub fn from_url(url: impl Into<String>) -> Self {
        Self {
            url: Some(url.into()),
            ..Self::default()
        }
    }

    /// Sets the file name.
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the MIME type.
    pub fn with_mime_type(mut self, mime: impl Into<String>) -> Self {
        self.mime_type = Some(mime.into());
        self
    }

    /// Sets the size in bytes.
    pub fn with_size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// Sets the pixel dimensions.
    pub fn with_dimensions(mut self, width: u32, height: u32) -> Self {
        self.width = Some(width);
        self.height = Some(height);
        self
    }
}

/// A pressed button that carries data for the bot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ButtonPress {
    /// The button's callback data, exactly as given to [`crate::Button::callback`].
    pub data: String,
    /// The handle to answer the press with. `None` where the platform has nothing to answer
    /// (Viber, where a press arrives as a message).
    pub callback: Option<CallbackRef>,
    /// The message that carried the button, to edit it. `None` when the platform does not say.
    pub message: Option<MessageRef>,
}

impl ButtonPress {
    /// A press with `data` and no callback handle or message.
    pub fn new(data: impl Into<String>) -> Self {
        Self {
            data: data.into(),
            callback: None,
            message: None,
        }
    }

    /// Sets the handle to answer the press with.
    pub fn with_callback(mut self, callback: CallbackRef) -> Self {
        self.callback = Some(callback);
        self
    }

    /// Sets the message that carried the button.
    pub fn with_message(mut self, message: MessageRef) -> Self {
        self.message = Some(message);
        self
    }
}

/// What the platform says became of a sent message, in the chat of the [`Update`] carrying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Receipt {
    /// The platform's id of the message (Viber's `message_token`; one `broadcast_message` call
    /// gives all its receivers the same token).
    pub message: PlatformId,
    /// What became of it.
    pub status: ReceiptStatus,
}

impl Receipt {
    /// A receipt for `message`.
    pub fn new(message: impl Into<PlatformId>, status: ReceiptStatus) -> Self {
        Self {
            message: message.into(),
            status,
        }
    }
}

/// What became of a sent message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReceiptStatus {
    /// It reached the user's device.
    Delivered,
    /// The user opened it.
    Seen,
    /// The platform could not deliver it.
    Failed {
        /// The platform's reason (Viber's `desc`), empty when it gives none.
        reason: String,
    },
}

/// A phone number shared through a contact button (or any forwarded contact).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SharedContact {
    /// The phone number exactly as the platform sent it (`"+79991234567"`, `"380501234567"`).
    pub phone: String,
    /// The contact's first name.
    pub first_name: Option<String>,
    /// The contact's last name.
    pub last_name: Option<String>,
    /// The platform user id the contact belongs to, when sent.
    pub user_id: Option<PlatformId>,
    /// Whether this is the sender's own number (Telegram: `contact.user_id == from.id`; MAX:
    /// `max_info.user_id == sender.user_id`). Always `false` on Viber: its contact message
    /// carries only name, number and avatar, so a user can share anyone's address-book card.
    /// Only trust an own number for authorization.
    pub is_own: bool,
    /// The raw vCard, when the platform sends one (MAX).
    pub vcard: Option<String>,
}

impl SharedContact {
    /// A contact with `phone` as sent, not the sender's own, with nothing else known.
    pub fn new(phone: impl Into<String>) -> Self {
        Self {
            phone: phone.into(),
            first_name: None,
            last_name: None,
            user_id: None,
            is_own: false,
            vcard: None,
        }
    }

    /// Sets the first name.
    pub fn with_first_name(mut self, name: impl Into<String>) -> Self {
        self.first_name = Some(name.into());
        self
    }

    /// Sets the last name.
    pub fn with_last_name(mut self, name: impl Into<String>) -> Self {
        self.last_name = Some(name.into());
        self
    }

    /// Sets the platform user id the contact belongs to.
    pub fn with_user_id(mut self, id: impl Into<PlatformId>) -> Self {
        self.user_id = Some(id.into());
        self
    }

    /// Sets whether this is the sender's own number (only where the platform proves it).
    pub fn with_is_own(mut self, is_own: bool) -> Self {
        self.is_own = is_own;
        self
    }

    /// Sets the raw vCard.
    pub fn with_vcard(mut self, vcard: impl Into<String>) -> Self {
        self.vcard = Some(vcard.into());
        self
    }
}

/// A photo or document a user sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncomingFile {
    /// The file to download (for photos: the largest size).
    pub file: FileRef,
    /// The caption, when there is one.
    pub caption: Option<String>,
    /// The message that carried the file.
    pub message: Option<MessageRef>,
}

impl IncomingFile {
    /// A file with no caption and no message reference.
    pub fn new(file: FileRef) -> Self {
        Self {
            file,
            caption: None,
            message: None,
        }
    }

    /// Sets the caption.
    pub fn with_caption(mut self, caption: impl Into<String>) -> Self {
        self.caption = Some(caption.into());
        self
    }

    /// Sets the message that carried the file.
    pub fn with_message(mut self, message: MessageRef) -> Self {
        self.message = Some(message);
        self
    }
}

/// What an update is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum UpdateKind {
    /// Plain text typed by the user (also what a reply-keyboard text button sends).
    Text {
        /// The text.
        text: String,
        /// The user's message.
        message: Option<MessageRef>,
    },
    /// A `/command` with its arguments (`/balance 2` → name `balance`, args `2`).
    Command {
        /// The command without `/` and without a `@botname` suffix, lowercased.
        name: String,
        /// Everything after the command, trimmed (may be empty).
        args: String,
        /// The user's message.
        message: Option<MessageRef>,
    },
    /// An inline/callback button was pressed.
    ButtonPress(ButtonPress),
    /// The user shared a contact.
    Contact(SharedContact),
    /// The user sent a photo.
    Photo(IncomingFile),
    /// The user sent a document/file.
    Document(IncomingFile),
    /// The user started (or restarted) the conversation: Telegram `/start [payload]`, Viber
    /// `conversation_started`, MAX `bot_started`. The payload is the deep-link parameter.
    Started {
        /// The deep-link payload, when there is one.
        payload: Option<String>,
    },
    /// The user allowed the bot to message them again without starting a conversation: Telegram
    /// `my_chat_member` → `member`, Viber `subscribed`.
    Subscribed,
    /// The user blocked, stopped or unsubscribed from the bot: Telegram `my_chat_member` →
    /// `kicked`, Viber `unsubscribed`, MAX `bot_stopped`/`dialog_removed`. Mark them inactive.
    Unsubscribed,
    /// What became of a message the bot sent (Viber's `delivered`, `seen` and `failed`
    /// callbacks): not a user's action, so a runtime records it (a broadcast's journal) instead
    /// of handing it to the dialogue.
    Receipt(Receipt),
    /// Anything else, including updates that could not be parsed: kept raw, never an error.
    Other {
        /// The platform's name for it (`"edited_message"`, `"delivered"`), or `"unparsed"`.
        type_name: String,
        /// The update as received.
        raw: serde_json::Value,
    },
}

impl UpdateKind {
    /// Classifies typed text: `/start [payload]` → [`UpdateKind::Started`], `/name args` →
    /// [`UpdateKind::Command`], anything else → [`UpdateKind::Text`]. A `@botname` suffix on the
    /// command is dropped.
    pub fn from_text(text: &str, message: Option<MessageRef>) -> Self {
        let trimmed = text.trim_start();
        if let Some(rest) = trimmed.strip_prefix('/') {
            let (head, args) = match rest.find(char::is_whitespace) {
                Some(i) => (&rest[..i], rest[i..].trim()),
                None => (rest, ""),
            };
            let name = head.split('@').next().unwrap_or_default().to_lowercase();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
            if valid {
                if name == "start" {
                    return Self::Started {
                        payload: (!args.is_empty()).then(|| args.to_owned()),
                    };
                }
                return Self::Command {
                    name,
                    args: args.to_owned(),
                    message,
                };
            }
        }
        Self::Text {
            text: text.to_owned(),
            message,
        }
    }
}

/// One thing that happened, normalised across platforms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Update {
    /// A key unique per messenger, for deduplicating redelivered webhooks (`"123"` for Telegram's
    /// `update_id`, Viber's `message_token`, a derived key for MAX).
    pub dedup_key: String,
    /// The messenger it came from.
    pub messenger: MessengerKind,
    /// The chat to answer in, when there is one.
    pub chat: Option<ChatRef>,
    /// Who caused it, when known.
    pub from: Option<UserInfo>,
    /// When it happened (platform seconds or milliseconds, normalised).
    pub date: Option<DateTime<Utc>>,
    /// What happened.
    pub kind: UpdateKind,
}

impl Update {
    /// An update with no chat, sender or date.
    pub fn new(messenger: MessengerKind, dedup_key: impl Into<String>, kind: UpdateKind) -> Self {
        Self {
            dedup_key: dedup_key.into(),
            messenger,
            chat: None,
            from: None,
            date: None,
            kind,
        }
    }

    /// Sets the chat.
    pub fn with_chat(mut self, chat: ChatRef) -> Self {
        self.chat = Some(chat);
        self
    }

    /// Sets the sender.
    pub fn with_from(mut self, from: UserInfo) -> Self {
        self.from = Some(from);
        self
    }

    /// Sets the date.
    pub fn with_date(mut self, date: DateTime<Utc>) -> Self {
        self.date = Some(date);
        self
    }

    /// The text of a [`UpdateKind::Text`] update.
    pub fn text(&self) -> Option<&str> {
        match &self.kind {
            UpdateKind::Text { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// Converts Unix seconds (Telegram) to a UTC time; `None` when out of range.
pub fn from_unix_seconds(secs: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(secs, 0)
}

/// Converts Unix milliseconds (Viber, MAX) to a UTC time; `None` when out of range.
pub fn from_unix_millis(millis: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(millis)
}
