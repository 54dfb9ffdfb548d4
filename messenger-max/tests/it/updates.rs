//! Decoding the spec's update fixtures (all six), unknown update types and fields, `text: null`,
//! absent attachments and a null callback message.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use messenger_core::{
    ButtonPress, CallbackRef, ChatRef, ChatType, MessageRef, MessengerKind, PlatformId, UpdateKind,
};
use messenger_max::{parse_update, vcard_phone};
use serde_json::{Value, json};

const MAX: MessengerKind = MessengerKind::Max;

fn fixture() -> Vec<Value> {
    let s = std::fs::read_to_string(format!(
        "{}/tests/fixtures/updates.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let v: Value = serde_json::from_str(&s).unwrap();
    v["updates"].as_array().unwrap().clone()
}

#[test]
fn message_created_text_is_a_command_or_text_in_the_users_dialog() {
    let u = parse_update(&fixture()[0]);
    let chat = ChatRef::private(MAX, 123456789);
    assert_eq!(u.kind, UpdateKind::Started { payload: None });
    assert_eq!(u.chat, Some(chat.clone()));
    let from = u.from.unwrap();
    assert_eq!(from.id, Some(PlatformId::Int(123456789)));
    assert_eq!(from.name(), "John Doe");
    assert_eq!(from.language.as_deref(), Some("ru"));
    assert_eq!(u.date.unwrap().timestamp_millis(), 1775053255737);
    assert_eq!(
        u.dedup_key,
        "message_created:mid.ffffbdb48e6c3775019d496b34394b84"
    );

    let mut raw = fixture()[0].clone();
    raw["message"]["body"]["text"] = json!("hello <there>");
    assert_eq!(
        parse_update(&raw).kind,
        UpdateKind::Text {
            text: "hello <there>".into(),
            message: Some(MessageRef::new(
                chat,
                "mid.ffffbdb48e6c3775019d496b34394b84"
            )),
        }
    );
}

#[test]
fn message_callback_is_a_button_press_with_the_message() {
    let u = parse_update(&fixture()[1]);
    let chat = ChatRef::private(MAX, 123456789);
    assert_eq!(
        u.kind,
        UpdateKind::ButtonPress(
            ButtonPress::new("balance")
                .with_callback(CallbackRef::new(MAX, "f9LHodD0cOJf4_Dk"))
                .with_message(MessageRef::new(chat.clone(), "mid.000000000adf429c"))
        )
    );
    assert_eq!(u.chat, Some(chat));
    assert_eq!(u.from.unwrap().id, Some(PlatformId::Int(123456789)));
    assert_eq!(u.dedup_key, "message_callback:f9LHodD0cOJf4_Dk");
}

#[test]
fn a_null_callback_message_still_decodes() {
    let mut raw = fixture()[1].clone();
    raw["message"] = Value::Null;
    let u = parse_update(&raw);
    let UpdateKind::ButtonPress(p) = u.kind else {
        panic!("{:?}", u.kind)
    };
    assert_eq!(p.data, "balance");
    assert_eq!(p.message, None);
    assert_eq!(u.chat, Some(ChatRef::private(MAX, 123456789)));
    raw.as_object_mut().unwrap().remove("message");
    assert!(matches!(
        parse_update(&raw).kind,
        UpdateKind::ButtonPress(_)
    ));
}

#[test]
fn a_press_in_a_group_chat_answers_in_the_chat() {
    let mut raw = fixture()[1].clone();
    raw["message"]["recipient"] = json!({"chat_id": -5550001, "chat_type": "chat"});
    let u = parse_update(&raw);
    assert_eq!(u.chat, Some(ChatRef::new(MAX, -5550001, ChatType::Group)));
}

#[test]
fn bot_started_carries_the_payload_and_bot_stopped_unsubscribes() {
    let started = parse_update(&fixture()[2]);
    assert_eq!(
        started.kind,
        UpdateKind::Started {
            payload: Some("ref_42".into())
        }
    );
    assert_eq!(started.chat, Some(ChatRef::private(MAX, 123456789)));
    let stopped = parse_update(&fixture()[3]);
    assert_eq!(stopped.kind, UpdateKind::Unsubscribed);
    assert_eq!(stopped.chat, Some(ChatRef::private(MAX, 123456789)));
    let mut removed = fixture()[3].clone();
    removed["update_type"] = json!("dialog_removed");
    assert_eq!(parse_update(&removed).kind, UpdateKind::Unsubscribed);
    // Without a payload.
    let mut plain = fixture()[2].clone();
    plain.as_object_mut().unwrap().remove("payload");
    assert_eq!(
        parse_update(&plain).kind,
        UpdateKind::Started { payload: None }
    );
}

#[test]
fn shared_contact_phone_comes_from_the_vcard_and_own_number_is_checked() {
    let u = parse_update(&fixture()[4]);
    let UpdateKind::Contact(c) = u.kind else {
        panic!("{:?}", u.kind)
    };
    assert_eq!(c.phone, "79991234567");
    assert!(c.is_own);
    assert_eq!(c.user_id, Some(PlatformId::Int(123456789)));
    assert_eq!(c.first_name.as_deref(), Some("John"));
    assert!(c.vcard.unwrap().contains("TEL;TYPE=cell"));

    // Somebody else's contact is not "own".
    let mut other = fixture()[4].clone();
    other["message"]["body"]["attachments"][0]["payload"]["max_info"]["user_id"] = json!(42);
    let UpdateKind::Contact(c) = parse_update(&other).kind else {
        panic!()
    };
    assert!(!c.is_own);

    // Older clients call the user `tam_info`.
    let mut tam = fixture()[4].clone();
    let payload = &mut tam["message"]["body"]["attachments"][0]["payload"];
    let info = payload["max_info"].take();
    payload.as_object_mut().unwrap().remove("max_info");
    payload["tam_info"] = info;
    let UpdateKind::Contact(c) = parse_update(&tam).kind else {
        panic!()
    };
    assert!(c.is_own);

    // No user info at all: not own, name from the vCard.
    let mut anon = fixture()[4].clone();
    anon["message"]["body"]["attachments"][0]["payload"]
        .as_object_mut()
        .unwrap()
        .remove("max_info");
    let UpdateKind::Contact(c) = parse_update(&anon).kind else {
        panic!()
    };
    assert!(!c.is_own);
    assert_eq!(c.first_name.as_deref(), Some("John Doe"));
}

#[test]
fn vcard_phones_are_parsed_leniently() {
    assert_eq!(
        vcard_phone("BEGIN:VCARD\nTEL:+7 (999) 123-45-67\nEND:VCARD").as_deref(),
        Some("+79991234567")
    );
    assert_eq!(
        vcard_phone("BEGIN:VCARD\r\nitem1.tel;type=CELL:tel:+79991234567\r\nEND:VCARD").as_deref(),
        Some("+79991234567")
    );
    assert_eq!(vcard_phone("BEGIN:VCARD\nFN:x\nEND:VCARD"), None);
    assert_eq!(vcard_phone("TEL:12"), None);
    assert_eq!(vcard_phone(""), None);
}

#[test]
fn incoming_image_is_a_photo_with_its_url() {
    let u = parse_update(&fixture()[5]);
    let UpdateKind::Photo(f) = u.kind else {
        panic!("{:?}", u.kind)
    };
    assert_eq!(f.file.url.as_deref(), Some("https://i.oneme.ru/i?r=abc"));
    assert_eq!(f.file.id, "img-token");
    assert_eq!(f.caption, None);
    assert_eq!(
        f.message,
        Some(MessageRef::new(
            ChatRef::private(MAX, 123456789),
            "mid.bbbb"
        ))
    );
}

#[test]
fn unknown_update_types_and_shapes_are_kept_raw() {
    for raw in [
        json!({"update_type": "message_edited", "timestamp": 1, "message": {}}),
        json!({"update_type": "user_added", "timestamp": 2, "chat_id": -1, "user": {"user_id": 5}}),
        json!({"update_type": "something_new_2027", "whatever": [1, 2, 3]}),
        json!({"timestamp": 3}),
        json!("not an object"),
        json!(null),
        // Known type, wrong shapes.
        json!({"update_type": "message_created", "message": "garbage"}),
        json!({"update_type": "message_callback", "callback": {"payload": 5}}),
        json!({"update_type": "bot_started"}),
        // text null and no attachments: nothing to act on.
        json!({"update_type": "message_created", "message": {"sender": {"user_id": 1},
            "recipient": {"chat_type": "dialog"}, "body": {"mid": "mid.x", "text": null}}}),
    ] {
        let u = parse_update(&raw);
        let UpdateKind::Other {
            raw: kept,
            type_name,
        } = &u.kind
        else {
            panic!("{raw} → {:?}", u.kind)
        };
        assert_eq!(kept, &raw);
        assert!(!type_name.is_empty());
        assert!(!u.dedup_key.is_empty());
    }
}

#[test]
fn unknown_fields_and_attachment_types_are_ignored() {
    let mut raw = fixture()[0].clone();
    raw["brand_new_field"] = json!({"x": 1});
    raw["message"]["body"]["markup"] = json!([{"type": "strong", "from": 0, "length": 2}]);
    raw["message"]["sender"]["avatar_url"] = json!("https://x");
    raw["message"]["body"]["attachments"] =
        json!([{"type": "sticker", "payload": {"code": "x"}}, {"type": "share", "payload": null}]);
    // Unknown attachments fall back to the text.
    assert_eq!(
        parse_update(&raw).kind,
        UpdateKind::Started { payload: None }
    );
    // attachments: null decodes.
    raw["message"]["body"]["attachments"] = Value::Null;
    assert_eq!(
        parse_update(&raw).kind,
        UpdateKind::Started { payload: None }
    );
}
