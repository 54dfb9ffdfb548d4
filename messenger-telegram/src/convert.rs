//! Conversions between the Bot API and the messenger-core model.

use messenger_core::{
    Button, ButtonPress, CallbackRef, ChatRef, ChatType, FileRef, IncomingFile, Keyboard,
    MessageRef, MessengerKind, SharedContact, Update, UpdateKind, UserInfo, from_unix_seconds,
};
use serde_json::Value;

use crate::types::{
    CallbackQuery, Chat, ChatMemberUpdated, InlineKeyboardButton, KeyboardButton, Message,
    ReplyMarkup, User,
};

const KIND: MessengerKind = MessengerKind::Telegram;

/// The update types an `Update` object may carry, in the order they are looked for.
const PAYLOAD_KEYS: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "inline_query",
    "chosen_inline_result",
    "shipping_query",
    "pre_checkout_query",
    "poll",
    "poll_answer",
    "chat_join_request",
];

/// The `update_id` of a raw update, when it has one.
pub fn update_id(raw: &Value) -> Option<i64> {
    raw.get("update_id").and_then(Value::as_i64)
}

/// Turns a raw Bot API `Update` into a core [`Update`]. Never fails and never panics: anything it
/// does not understand (an unknown update type, a known type with an unexpected shape, a
/// non-object) becomes [`UpdateKind::Other`] with the raw JSON kept.
///
/// - `message` → text / command (`/start [payload]` → [`UpdateKind::Started`]) / contact (own when
///   `contact.user_id == from.id`) / photo (the largest size) / document;
/// - `callback_query` → [`UpdateKind::ButtonPress`];
/// - `my_chat_member` → `kicked`/`left` → [`UpdateKind::Unsubscribed`], `member`/`administrator`
///   → [`UpdateKind::Subscribed`].
pub fn parse_update(raw: &Value) -> Update {
    let key = update_id(raw).map_or_else(|| "unknown".to_owned(), |id| id.to_string());
    let type_name = raw
        .as_object()
        .and_then(|o| {
            PAYLOAD_KEYS
                .iter()
                .find(|k| o.contains_key(**k))
                .map(|k| (*k).to_owned())
                .or_else(|| o.keys().find(|k| *k != "update_id").cloned())
        })
        .unwrap_or_else(|| "unparsed".to_owned());
    let other = |type_name: &str| {
        Update::new(
            KIND,
            key.clone(),
            UpdateKind::Other {
                type_name: type_name.to_owned(),
                raw: raw.clone(),
            },
        )
    };
    let payload = raw.get(&type_name).cloned().unwrap_or(Value::Null);
    let parsed = match type_name.as_str() {
        "message" => serde_json::from_value::<Message>(payload)
            .ok()
            .and_then(|m| from_message(&key, &m)),
        "callback_query" => serde_json::from_value::<CallbackQuery>(payload)
            .ok()
            .and_then(|q| from_callback(&key, &q)),
        "my_chat_member" => serde_json::from_value::<ChatMemberUpdated>(payload)
            .ok()
            .and_then(|m| from_member(&key, &m)),
        _ => None,
    };
    parsed.unwrap_or_else(|| other(&type_name))
}

fn chat_ref(chat: &Chat) -> ChatRef {
    let chat_type = match chat.chat_type.as_str() {
        "group" | "supergroup" => ChatType::Group,
        "channel" => ChatType::Channel,
        _ => ChatType::Private,
    };
    ChatRef::new(KIND, chat.id, chat_type)
}

fn user_info(u: &User) -> UserInfo {
    let mut info = UserInfo::with_id(u.id).with_is_bot(u.is_bot);
    info.first_name = Some(u.first_name.clone()).filter(|s| !s.is_empty());
    info.last_name = u.last_name.clone();
    info.username = u.username.clone();
    info.language = u.language_code.clone();
    info
}

fn base(key: &str, chat: &Chat, from: Option<&User>, date: i64, kind: UpdateKind) -> Update {
    let mut u = Update::new(KIND, key, kind).with_chat(chat_ref(chat));
    if let Some(f) = from {
        u = u.with_from(user_info(f));
    }
    if let Some(d) = Some(date).filter(|d| *d > 0).and_then(from_unix_seconds) {
        u = u.with_date(d);
    }
    u
}

fn from_message(key: &str, m: &Message) -> Option<Update> {
    let msg_ref = MessageRef::new(chat_ref(&m.chat), m.message_id);
    let kind = if let Some(c) = &m.contact {
        let own = matches!((c.user_id, &m.from), (Some(cid), Some(f)) if cid == f.id);
        let mut contact = SharedContact::new(c.phone_number.clone()).with_is_own(own);
        contact.first_name = Some(c.first_name.clone()).filter(|s| !s.is_empty());
        contact.last_name = c.last_name.clone();
        contact.user_id = c.user_id.map(Into::into);
        contact.vcard = c.vcard.clone();
        UpdateKind::Contact(contact)
    } else if let Some(largest) = m.photo.iter().max_by_key(|p| {
        (
            u64::from(p.width) * u64::from(p.height),
            p.file_size.unwrap_or(0),
        )
    }) {
        let mut file =
            FileRef::new(largest.file_id.clone()).with_dimensions(largest.width, largest.height);
        file.size = largest.file_size;
        let mut incoming = IncomingFile::new(file).with_message(msg_ref);
        incoming.caption = m.caption.clone();
        UpdateKind::Photo(incoming)
    } else if let Some(d) = &m.document {
        let mut file = FileRef::new(d.file_id.clone());
        file.file_name = d.file_name.clone();
        file.mime_type = d.mime_type.clone();
        file.size = d.file_size;
        let mut incoming = IncomingFile::new(file).with_message(msg_ref);
        incoming.caption = m.caption.clone();
        UpdateKind::Document(incoming)
    } else if let Some(t) = &m.text {
        UpdateKind::from_text(t, Some(msg_ref))
    } else {
        return None;
    };
    Some(base(key, &m.chat, m.from.as_ref(), m.date, kind))
}

fn from_callback(key: &str, q: &CallbackQuery) -> Option<Update> {
    let data = q.data.clone()?;
    let message = q
        .message
        .as_ref()
        .map(|m| MessageRef::new(chat_ref(&m.chat), m.message_id));
    let mut press = ButtonPress::new(data).with_callback(CallbackRef::new(KIND, q.id.clone()));
    press.message = message;
    let kind = UpdateKind::ButtonPress(press);
    let mut u = Update::new(KIND, key, kind).with_from(user_info(&q.from));
    u.chat = Some(
        q.message
            .as_ref()
            .map_or_else(|| ChatRef::private(KIND, q.from.id), |m| chat_ref(&m.chat)),
    );
    Some(u)
}

fn from_member(key: &str, m: &ChatMemberUpdated) -> Option<Update> {
    let kind = match m.new_chat_member.status.as_str() {
        "kicked" | "left" => UpdateKind::Unsubscribed,
        "member" | "administrator" => UpdateKind::Subscribed,
        _ => return None,
    };
    Some(base(key, &m.chat, Some(&m.from), m.date, kind))
}

/// The Bot API `reply_markup` for a keyboard. Buttons are labels only (Telegram does not parse
/// markup in them), so they are sent as they are.
pub fn reply_markup(kb: &Keyboard) -> ReplyMarkup {
    match kb {
        Keyboard::Reply(r) => ReplyMarkup::Reply {
            keyboard: r
                .rows
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|b| KeyboardButton {
                            text: b.label().to_owned(),
                            request_contact: matches!(b, Button::RequestContact { .. }),
                        })
                        .collect()
                })
                .collect(),
            resize_keyboard: r.resize,
            one_time_keyboard: r.one_time,
            input_field_placeholder: r.placeholder.clone(),
        },
        Keyboard::Remove => ReplyMarkup::Remove {
            remove_keyboard: true,
        },
        // Inline, and any keyboard kind added later.
        kb => ReplyMarkup::Inline {
            inline_keyboard: kb
                .rows()
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|b| match b {
                            Button::Callback { label, data } => InlineKeyboardButton {
                                text: label.clone(),
                                callback_data: Some(data.clone()),
                                url: None,
                            },
                            Button::Url { label, url } => InlineKeyboardButton {
                                text: label.clone(),
                                callback_data: None,
                                url: Some(url.clone()),
                            },
                            // Validation refuses the others in inline keyboards.
                            b => InlineKeyboardButton {
                                text: b.label().to_owned(),
                                callback_data: Some(b.label().to_owned()),
                                url: None,
                            },
                        })
                        .collect()
                })
                .collect(),
        },
    }
}
