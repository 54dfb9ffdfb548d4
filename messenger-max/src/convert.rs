//! Conversions between the MAX Bot API and the messenger-core model.
//!
//! Chats: a dialog is a [`ChatType::Private`] [`ChatRef`] whose id is the **user id** (sent with
//! `?user_id=`, the documented way to message one user, which also makes a stored chat usable for
//! broadcasts), with the dialog's own `chat_id` in [`ChatRef::dialog_id`] when the update names
//! it (chat actions need it); a group chat or channel is keyed by its `chat_id` (sent with
//! `?chat_id=`).

use messenger_core::{
    Button, ButtonPress, CallbackRef, ChatRef, ChatType, FileRef, IncomingFile, Keyboard,
    MessageRef, MessengerKind, SharedContact, Update, UpdateKind, UserInfo, from_unix_millis,
};
use serde_json::Value;

use crate::types::{
    Attachment, AttachmentRequest, Callback, InlineButton, KeyboardPayload, Message, Recipient,
    User,
};

const KIND: MessengerKind = MessengerKind::Max;

/// Turns a raw MAX `Update` into a core [`Update`]. Never fails and never panics: anything it
/// does not understand (an unknown `update_type`, a known type with an unexpected shape, a
/// non-object) becomes [`UpdateKind::Other`] with the raw JSON kept.
///
/// - `message_created` → contact (phone from the vCard `TEL`; `is_own` when
///   `max_info.user_id` — or `tam_info.user_id` — equals `sender.user_id`) / image → photo /
///   file → document / text, command, `/start`;
/// - `message_callback` → [`UpdateKind::ButtonPress`] (its `message` may be `null`);
/// - `bot_started` → [`UpdateKind::Started`] with the deep-link payload;
/// - `bot_stopped`, `dialog_removed` → [`UpdateKind::Unsubscribed`].
pub fn parse_update(raw: &Value) -> Update {
    let type_name = raw
        .get("update_type")
        .and_then(Value::as_str)
        .unwrap_or("unparsed")
        .to_owned();
    let parsed = match type_name.as_str() {
        "message_created" => from_message_created(raw),
        "message_callback" => from_callback(raw),
        "bot_started" | "bot_stopped" | "dialog_removed" => from_bot_event(raw, &type_name),
        _ => None,
    };
    parsed.unwrap_or_else(|| {
        Update::new(
            KIND,
            fallback_key(raw, &type_name),
            UpdateKind::Other {
                type_name,
                raw: raw.clone(),
            },
        )
    })
}

fn fallback_key(raw: &Value, type_name: &str) -> String {
    let ts = raw.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
    let who = raw
        .pointer("/user/user_id")
        .or_else(|| raw.get("chat_id"))
        .and_then(Value::as_i64)
        .map_or_else(String::new, |v| v.to_string());
    let mid = raw
        .pointer("/message/body/mid")
        .or_else(|| raw.get("message_id"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    format!("{type_name}:{ts}:{who}:{mid}")
}

fn locale(raw: &Value) -> Option<String> {
    raw.get("user_locale")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn user_info(u: &User, language: Option<String>) -> UserInfo {
    let mut info = UserInfo::with_id(u.user_id).with_is_bot(u.is_bot);
    info.first_name = u.first_name.clone().filter(|s| !s.is_empty());
    info.last_name = u.last_name.clone().filter(|s| !s.is_empty());
    info.display_name = u.name.clone().filter(|s| !s.is_empty());
    info.username = u.username.clone();
    info.language = language;
    info
}

/// The chat of a message: a dialog is keyed by the human's user id (`human`), a chat by its id.
fn chat_ref(recipient: &Recipient, human: Option<i64>) -> Option<ChatRef> {
    match recipient.chat_type.as_deref() {
        Some("chat") => recipient
            .chat_id
            .map(|id| ChatRef::new(KIND, id, ChatType::Group)),
        Some("channel") => recipient
            .chat_id
            .map(|id| ChatRef::new(KIND, id, ChatType::Channel)),
        _ => human.or(recipient.user_id).map(|id| {
            let chat = ChatRef::private(KIND, id);
            // Keep the dialog's own chat_id: chat actions ("typing…") need it.
            match recipient.chat_id {
                Some(dialog) => chat.with_dialog_id(dialog),
                None => chat,
            }
        }),
    }
}

fn base(
    key: String,
    chat: Option<ChatRef>,
    from: Option<UserInfo>,
    ts: i64,
    kind: UpdateKind,
) -> Update {
    let mut u = Update::new(KIND, key, kind);
    u.chat = chat;
    u.from = from;
    if let Some(d) = Some(ts).filter(|t| *t > 0).and_then(from_unix_millis) {
        u = u.with_date(d);
    }
    u
}

fn incoming(file: FileRef, caption: &Option<String>, msg: &Option<MessageRef>) -> IncomingFile {
    let mut f = IncomingFile::new(file);
    f.caption = caption.clone();
    f.message = msg.clone();
    f
}

fn from_message_created(raw: &Value) -> Option<Update> {
    let m: Message = serde_json::from_value(raw.get("message")?.clone()).ok()?;
    let sender_id = m.sender.as_ref().map(|s| s.user_id);
    let chat = chat_ref(&m.recipient, sender_id)?;
    let msg_ref =
        (!m.body.mid.is_empty()).then(|| MessageRef::new(chat.clone(), m.body.mid.clone()));
    let caption = m.body.text.clone().filter(|t| !t.is_empty());
    let attachments: Vec<Attachment> = m
        .body
        .attachments
        .iter()
        .flatten()
        .map(Attachment::from_value)
        .collect();
    let mut kind = None;
    for a in &attachments {
        kind = match a {
            Attachment::Contact(c) => {
                let vcard = c.vcf_info.clone();
                let Some(phone) = vcard.as_deref().and_then(vcard_phone) else {
                    continue;
                };
                let owner = c.user();
                let (first, last) = match owner {
                    Some(u) => (u.first_name.clone(), u.last_name.clone()),
                    None => (vcard.as_deref().and_then(vcard_name), None),
                };
                let is_own = matches!((owner, sender_id), (Some(o), Some(s)) if o.user_id == s);
                let mut contact = SharedContact::new(phone).with_is_own(is_own);
                contact.first_name = first.filter(|s| !s.is_empty());
                contact.last_name = last.filter(|s| !s.is_empty());
                contact.user_id = owner.map(|u| u.user_id.into());
                contact.vcard = vcard;
                Some(UpdateKind::Contact(contact))
            }
            Attachment::Image(p) => {
                let mut file = FileRef::new(p.token.clone().unwrap_or_default());
                file.url = p.url.clone();
                Some(UpdateKind::Photo(incoming(file, &caption, &msg_ref)))
            }
            Attachment::File {
                payload,
                filename,
                size,
            } => {
                let mut file = FileRef::new(payload.token.clone().unwrap_or_default());
                file.url = payload.url.clone();
                file.file_name = filename.clone();
                file.size = *size;
                Some(UpdateKind::Document(incoming(file, &caption, &msg_ref)))
            }
            Attachment::Other { .. } => None,
        };
        if kind.is_some() {
            break;
        }
    }
    let kind = match kind {
        Some(k) => k,
        None => UpdateKind::from_text(caption.as_deref()?, msg_ref),
    };
    let key = if m.body.mid.is_empty() {
        fallback_key(raw, "message_created")
    } else {
        format!("message_created:{}", m.body.mid)
    };
    let from = m.sender.as_ref().map(|s| user_info(s, locale(raw)));
    let ts = if m.timestamp > 0 {
        m.timestamp
    } else {
        raw.get("timestamp").and_then(Value::as_i64).unwrap_or(0)
    };
    Some(base(key, Some(chat), from, ts, kind))
}

fn from_callback(raw: &Value) -> Option<Update> {
    let cb: Callback = serde_json::from_value(raw.get("callback")?.clone()).ok()?;
    let data = cb.payload.clone()?;
    // `message` is null when the message was deleted.
    let message: Option<Message> = raw
        .get("message")
        .filter(|m| !m.is_null())
        .and_then(|m| serde_json::from_value(m.clone()).ok());
    let chat = message
        .as_ref()
        .and_then(|m| chat_ref(&m.recipient, Some(cb.user.user_id)))
        .unwrap_or_else(|| ChatRef::private(KIND, cb.user.user_id));
    let msg_ref = message
        .as_ref()
        .filter(|m| !m.body.mid.is_empty())
        .map(|m| MessageRef::new(chat.clone(), m.body.mid.clone()));
    let mut press =
        ButtonPress::new(data).with_callback(CallbackRef::new(KIND, cb.callback_id.clone()));
    press.message = msg_ref;
    let kind = UpdateKind::ButtonPress(press);
    let ts = if cb.timestamp > 0 {
        cb.timestamp
    } else {
        raw.get("timestamp").and_then(Value::as_i64).unwrap_or(0)
    };
    Some(base(
        format!("message_callback:{}", cb.callback_id),
        Some(chat),
        Some(user_info(&cb.user, locale(raw))),
        ts,
        kind,
    ))
}

fn from_bot_event(raw: &Value, type_name: &str) -> Option<Update> {
    let user: User = serde_json::from_value(raw.get("user")?.clone()).ok()?;
    let kind = match type_name {
        "bot_started" => UpdateKind::Started {
            payload: raw
                .get("payload")
                .and_then(Value::as_str)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        },
        _ => UpdateKind::Unsubscribed,
    };
    let ts = raw.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
    let mut chat = ChatRef::private(KIND, user.user_id);
    if let Some(dialog) = raw.get("chat_id").and_then(Value::as_i64) {
        chat = chat.with_dialog_id(dialog);
    }
    Some(base(
        fallback_key(raw, type_name),
        Some(chat),
        Some(user_info(&user, locale(raw))),
        ts,
        kind,
    ))
}

/// The phone number in a vCard's first `TEL` line, normalised: `+` and digits only (spaces,
/// dashes, dots and parentheses dropped, a `tel:` URI prefix removed). `None` without a `TEL`
/// holding at least 5 digits. The vCard layout is inferred, so this is lenient: any line whose
/// property name (before `;` or `:`) is `TEL`, in any case, folded lines unfolded.
pub fn vcard_phone(vcard: &str) -> Option<String> {
    let unfolded = vcard.replace("\r\n ", "").replace("\n ", "");
    for line in unfolded.lines() {
        let Some((head, value)) = line.split_once(':') else {
            continue;
        };
        let name = head.split(';').next().unwrap_or_default().trim();
        // Grouped properties look like `item1.TEL`.
        let name = name.rsplit('.').next().unwrap_or(name);
        if !name.eq_ignore_ascii_case("TEL") {
            continue;
        }
        let value = value.trim();
        let value = value
            .strip_prefix("tel:")
            .or_else(|| value.strip_prefix("TEL:"))
            .unwrap_or(value);
        let mut phone = String::new();
        for (i, c) in value.chars().enumerate() {
            if c.is_ascii_digit() || (c == '+' && i == 0) {
                phone.push(c);
            } else if !matches!(c, ' ' | '-' | '(' | ')' | '.') {
                break;
            }
        }
        if phone.chars().filter(char::is_ascii_digit).count() >= 5 {
            return Some(phone);
        }
    }
    None
}

fn vcard_name(vcard: &str) -> Option<String> {
    vcard.lines().find_map(|l| {
        let (head, value) = l.split_once(':')?;
        head.split(';')
            .next()
            .filter(|n| n.trim().eq_ignore_ascii_case("FN"))
            .map(|_| value.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// The `inline_keyboard` attachment for a keyboard; `None` for [`Keyboard::Remove`] or an empty
/// keyboard. MAX has no supported reply keyboard, so a reply keyboard is shown inline too: text
/// buttons become `message` buttons (they send their label as the user), share-phone buttons
/// `request_contact`. Labels are plain text (no markup is parsed in them).
pub fn keyboard_attachment(kb: &Keyboard) -> Option<AttachmentRequest> {
    let rows: Vec<Vec<InlineButton>> = kb
        .rows()
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| match b {
                    Button::Callback { label, data } => InlineButton::Callback {
                        text: label.clone(),
                        payload: data.clone(),
                    },
                    Button::Url { label, url } => InlineButton::Link {
                        text: label.clone(),
                        url: url.clone(),
                    },
                    Button::RequestContact { label } => InlineButton::RequestContact {
                        text: label.clone(),
                    },
                    // Text buttons, and any button kind added later.
                    b => InlineButton::Message {
                        text: b.label().to_owned(),
                    },
                })
                .collect::<Vec<_>>()
        })
        .filter(|row| !row.is_empty())
        .collect();
    (!rows.is_empty()).then(|| AttachmentRequest::InlineKeyboard(KeyboardPayload::new(rows)))
}
