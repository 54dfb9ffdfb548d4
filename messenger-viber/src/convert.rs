//! Conversions between Viber callbacks/messages and the messenger-core model.

use messenger_core::{
    Button, ButtonPress, ChatRef, FileRef, IncomingFile, Keyboard, MessageRef, MessengerKind,
    PlatformId, Receipt, ReceiptStatus, SharedContact, Update, UpdateKind, UserInfo, escape_html,
    from_unix_millis,
};
use serde_json::Value;

use crate::types::{ViberButton, ViberKeyboard};

const KIND: MessengerKind = MessengerKind::Viber;

/// The prefix of the `ActionBody` of a reply button that stands for a callback button: a text
/// message starting with it comes back as [`UpdateKind::ButtonPress`] with the rest as data.
pub const CALLBACK_PREFIX: &str = "cb:";

/// The `ActionBody` of `share-phone` buttons. Desktop Viber clients do not support
/// `share-phone`: there a press arrives as a plain text message with this text instead of a
/// contact (see [`ViberEvent::is_share_phone_fallback`]); ask the user to type the number.
pub const SHARE_PHONE_ACTION_BODY: &str = "share_phone";

/// The grid width of a Viber keyboard.
pub const GRID_COLUMNS: usize = 6;

/// One Viber callback, mapped, with what the common model has no place for.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ViberEvent {
    /// The event name (`"message"`, `"conversation_started"`, `"webhook"`, …; `"unparsed"` when
    /// there is none).
    pub event: String,
    /// The common-model update (anything not understood is [`UpdateKind::Other`]).
    pub update: Update,
    /// The `tracking_data` the bot set on its previous message, echoed back with a user message.
    pub tracking_data: Option<String>,
    /// For `conversation_started`: whether the user is already subscribed.
    pub subscribed: Option<bool>,
    /// The callback as received.
    pub raw: Value,
}

impl ViberEvent {
    /// Whether this is the `webhook` ping `set_webhook` sends (answer it with 200).
    pub fn is_ping(&self) -> bool {
        self.event == "webhook"
    }

    /// Whether this is a `share-phone` press from a client that cannot share the phone number
    /// (desktop Viber): a text message equal to [`SHARE_PHONE_ACTION_BODY`], no contact.
    pub fn is_share_phone_fallback(&self) -> bool {
        matches!(&self.update.kind, UpdateKind::Text { text, .. } if text == SHARE_PHONE_ACTION_BODY)
    }

    /// Whether this is `conversation_started`, the one event whose HTTP response may carry a
    /// welcome message (see [`crate::ViberBot::welcome_response`]).
    pub fn is_conversation_started(&self) -> bool {
        self.event == "conversation_started"
    }
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn token_id(raw: &Value) -> Option<PlatformId> {
    crate::types::token_from_value(raw.get("message_token")?)
}

fn user_info(user: &Value) -> Option<UserInfo> {
    let id = str_field(user, "id")?;
    let mut info = UserInfo::with_id(id);
    info.display_name = str_field(user, "name").map(str::to_owned);
    info.language = str_field(user, "language").map(str::to_owned);
    Some(info)
}

/// Normalises a shared phone number to `+<digits>`: spaces, dashes, dots and parentheses are
/// dropped, a leading `00` becomes `+`, a missing `+` is added (Viber sends international
/// numbers, with or without `+`). Anything else is returned trimmed but unchanged.
pub fn normalize_phone(raw: &str) -> String {
    let trimmed = raw.trim();
    let cleaned: String = trimmed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
        .collect();
    let digits = cleaned.strip_prefix('+').unwrap_or(&cleaned);
    let digits = if cleaned.starts_with('+') {
        digits
    } else {
        digits.strip_prefix("00").unwrap_or(digits)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return trimmed.to_owned();
    }
    format!("+{digits}")
}

/// Turns a raw Viber callback into a [`ViberEvent`]. Never fails and never panics; anything it
/// does not understand becomes [`UpdateKind::Other`] with the raw JSON kept.
///
/// - `webhook` (the registration ping) and unknown events → `Other` named after the event;
/// - `delivered`, `seen`, `failed` → [`UpdateKind::Receipt`] for `message_token` in the chat of
///   `user_id` (`failed` keeps `desc` as the reason), keyed by event, token and user;
/// - `conversation_started` → [`UpdateKind::Started`] with `context` as payload;
/// - `subscribed` → [`UpdateKind::Subscribed`], `unsubscribed` → [`UpdateKind::Unsubscribed`];
/// - `message`: `text` starting with [`CALLBACK_PREFIX`] → [`UpdateKind::ButtonPress`] (no
///   callback handle, no message: Viber has neither), other text → text/command/`/start`;
///   `contact` → [`UpdateKind::Contact`] with the phone normalised ([`normalize_phone`]);
///   `picture` → [`UpdateKind::Photo`] with the `media` URL; `file` → [`UpdateKind::Document`];
///   other message types → `Other` named `message.<type>`.
pub fn parse_event(raw: &Value) -> ViberEvent {
    let event = str_field(raw, "event").unwrap_or("unparsed").to_owned();
    let token = token_id(raw);
    let key = token
        .as_ref()
        .map_or_else(|| "unknown".to_owned(), ToString::to_string);
    let date = raw
        .get("timestamp")
        .and_then(Value::as_i64)
        .and_then(from_unix_millis);
    let mut out = ViberEvent {
        event: event.clone(),
        update: Update::new(
            KIND,
            key.clone(),
            UpdateKind::Other {
                type_name: event.clone(),
                raw: raw.clone(),
            },
        ),
        tracking_data: None,
        subscribed: None,
        raw: raw.clone(),
    };
    let base = |user_id: &str, from: Option<UserInfo>, kind: UpdateKind| {
        let mut u = Update::new(KIND, key.clone(), kind)
            .with_chat(ChatRef::private(KIND, user_id))
            .with_from(from.unwrap_or_else(|| UserInfo::with_id(user_id)));
        if let Some(d) = date {
            u = u.with_date(d);
        }
        u
    };
    match event.as_str() {
        "conversation_started" => {
            let user = raw.get("user").unwrap_or(&Value::Null);
            if let Some(id) = str_field(user, "id") {
                let payload = str_field(raw, "context")
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned);
                out.update = base(id, user_info(user), UpdateKind::Started { payload });
                out.subscribed = raw.get("subscribed").and_then(Value::as_bool);
            }
        }
        "subscribed" => {
            let user = raw.get("user").unwrap_or(&Value::Null);
            if let Some(id) = str_field(user, "id") {
                out.update = base(id, user_info(user), UpdateKind::Subscribed);
            }
        }
        "delivered" | "seen" | "failed" => {
            if let (Some(id), Some(token)) = (str_field(raw, "user_id"), token.clone()) {
                let status = match event.as_str() {
                    "delivered" => ReceiptStatus::Delivered,
                    "seen" => ReceiptStatus::Seen,
                    _ => ReceiptStatus::Failed {
                        reason: str_field(raw, "desc").unwrap_or_default().to_owned(),
                    },
                };
                // One broadcast token is shared by up to 300 receivers: the key names the
                // receiver and the event too, or a repeat check would drop all but the first.
                let mut u = base(id, None, UpdateKind::Receipt(Receipt::new(token, status)));
                u.dedup_key = format!("{event}:{key}:{id}");
                out.update = u;
            }
        }
        "unsubscribed" => {
            if let Some(id) = str_field(raw, "user_id") {
                out.update = base(id, None, UpdateKind::Unsubscribed);
            }
        }
        "message" => {
            let sender = raw.get("sender").unwrap_or(&Value::Null);
            let message = raw.get("message").unwrap_or(&Value::Null);
            if let Some(id) = str_field(sender, "id") {
                let chat = ChatRef::private(KIND, id);
                let msg_ref = token.clone().map(|t| MessageRef::new(chat.clone(), t));
                if let Some(kind) = message_kind(message, msg_ref) {
                    out.update = base(id, user_info(sender), kind);
                    out.tracking_data = str_field(message, "tracking_data")
                        .filter(|t| !t.is_empty())
                        .map(str::to_owned);
                } else if let Some(t) = str_field(message, "type") {
                    out.update.kind = UpdateKind::Other {
                        type_name: format!("message.{t}"),
                        raw: raw.clone(),
                    };
                }
            }
        }
        _ => {}
    }
    out
}

/// Turns a raw Viber callback into a core [`Update`] (see [`parse_event`]).
pub fn parse_update(raw: &Value) -> Update {
    parse_event(raw).update
}

fn message_kind(message: &Value, msg_ref: Option<MessageRef>) -> Option<UpdateKind> {
    let text = str_field(message, "text").unwrap_or_default();
    let caption = (!text.trim().is_empty()).then(|| text.to_owned());
    match str_field(message, "type")? {
        "text" => Some(match text.strip_prefix(CALLBACK_PREFIX) {
            Some(data) => UpdateKind::ButtonPress(ButtonPress::new(data)),
            None => UpdateKind::from_text(text, msg_ref),
        }),
        "contact" => {
            let contact = message.get("contact")?;
            let phone = str_field(contact, "phone_number")?;
            // Viber's contact message carries only name, phone number and avatar: nothing ties
            // the number to the sender, who may share any address-book card. Never the sender's
            // own number, and no user id (the sender's id here would invite a
            // `user_id == from.id` ownership check that proves nothing).
            let mut shared = SharedContact::new(normalize_phone(phone)).with_is_own(false);
            shared.first_name = str_field(contact, "name").map(str::to_owned);
            Some(UpdateKind::Contact(shared))
        }
        kind @ ("picture" | "file") => {
            let media = str_field(message, "media")?;
            let mut file = FileRef::from_url(media);
            file.file_name = str_field(message, "file_name").map(str::to_owned);
            file.size = message.get("size").and_then(Value::as_u64);
            let mut incoming = IncomingFile::new(file);
            incoming.caption = caption;
            incoming.message = msg_ref;
            Some(if kind == "picture" {
                UpdateKind::Photo(incoming)
            } else {
                UpdateKind::Document(incoming)
            })
        }
        _ => None,
    }
}

/// Renders a core [`Keyboard`] as a Viber keyboard (`None` for [`Keyboard::Remove`]: Viber shows
/// the device keyboard when a message carries none).
///
/// Each row is laid out on the 6-column grid (the row's buttons share the 6 columns, the first
/// ones taking the remainder); labels are HTML-escaped (button `Text` takes an HTML subset).
/// [`Button::Callback`] → `reply` with `ActionBody` = [`CALLBACK_PREFIX`] + data, silent;
/// [`Button::Text`] → `reply` with the label; [`Button::Url`] → `open-url`;
/// [`Button::RequestContact`] → `share-phone` (the message then needs `min_api_version: 3`,
/// which [`crate::types::MessageBody::keyboard`] sets).
pub fn viber_keyboard(keyboard: &Keyboard) -> Option<ViberKeyboard> {
    if matches!(keyboard, Keyboard::Remove) {
        return None;
    }
    let mut buttons = Vec::new();
    for row in keyboard.rows() {
        let n = row.len().clamp(1, GRID_COLUMNS);
        let width = GRID_COLUMNS / n;
        let extra = GRID_COLUMNS % n;
        for (i, b) in row.iter().enumerate() {
            let columns = u8::try_from(width + usize::from(i < extra))
                .unwrap_or(1)
                .max(1);
            let (action_type, action_body, silent) = match b {
                Button::Callback { data, .. } => {
                    ("reply", format!("{CALLBACK_PREFIX}{data}"), Some(true))
                }
                Button::Url { url, .. } => ("open-url", url.clone(), None),
                Button::Text { label } => ("reply", label.clone(), None),
                Button::RequestContact { .. } => {
                    ("share-phone", SHARE_PHONE_ACTION_BODY.to_owned(), None)
                }
                _ => ("none", String::new(), None),
            };
            buttons.push(ViberButton {
                columns,
                rows: 1,
                action_type: action_type.to_owned(),
                action_body,
                text: escape_html(b.label()),
                silent,
            });
        }
    }
    Some(ViberKeyboard::new(buttons))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised() {
        assert_eq!(normalize_phone("380501234567"), "+380501234567");
        assert_eq!(normalize_phone("+380 (50) 123-45-67"), "+380501234567");
        assert_eq!(normalize_phone("00380501234567"), "+380501234567");
        assert_eq!(normalize_phone(" +79991234567 "), "+79991234567");
        assert_eq!(normalize_phone("not a phone"), "not a phone");
    }

    #[test]
    fn rows_share_the_grid() {
        let kb = Keyboard::inline(vec![
            vec![Button::callback("A", "a")],
            vec![
                Button::callback("B", "b"),
                Button::callback("C", "c"),
                Button::callback("D", "d"),
                Button::callback("E", "e"),
            ],
        ]);
        let v = viber_keyboard(&kb).unwrap();
        let cols: Vec<u8> = v.buttons.iter().map(|b| b.columns).collect();
        assert_eq!(cols, vec![6, 2, 2, 1, 1]);
        assert!(viber_keyboard(&Keyboard::Remove).is_none());
    }
}
