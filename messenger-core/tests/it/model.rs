//! The model: text classification, serde shapes, and validation against each platform's limits.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use messenger_core::{
    Button, ChatRef, ChatType, Image, Keyboard, LengthUnit, Limits, MessengerKind, OutgoingMessage,
    PlatformId, RichText, Update, UpdateKind, UserInfo, ValidationError, callback_key,
    from_unix_millis, from_unix_seconds,
};
use serde_json::json;

#[test]
fn typed_text_is_classified_like_on_the_platforms() {
    assert_eq!(
        UpdateKind::from_text("/start", None),
        UpdateKind::Started { payload: None }
    );
    assert_eq!(
        UpdateKind::from_text("/start@LoyaltyBot ref_42", None),
        UpdateKind::Started {
            payload: Some("ref_42".into())
        }
    );
    assert_eq!(
        UpdateKind::from_text("/Balance  2 3 ", None),
        UpdateKind::Command {
            name: "balance".into(),
            args: "2 3".into(),
            message: None
        }
    );
    for text in ["hello", "/", "/ space", "/путь?", "a /cmd"] {
        assert!(
            matches!(UpdateKind::from_text(text, None), UpdateKind::Text { text: ref t, .. } if t == text),
            "{text}"
        );
    }
}

#[test]
fn ids_and_chats_serialize_compactly_for_storage() {
    let tg = ChatRef::private(MessengerKind::Telegram, 123456789);
    let vb = ChatRef::private(MessengerKind::Viber, "01234567890A=");
    let max_group = ChatRef::new(MessengerKind::Max, -182182182, ChatType::Group);
    assert_eq!(
        serde_json::to_value(&tg).unwrap(),
        json!({"messenger": "telegram", "id": 123456789, "chat_type": "private"})
    );
    assert_eq!(
        serde_json::to_value(&vb).unwrap(),
        json!({"messenger": "viber", "id": "01234567890A=", "chat_type": "private"})
    );
    for c in [&tg, &vb, &max_group] {
        let back: ChatRef = serde_json::from_value(serde_json::to_value(c).unwrap()).unwrap();
        assert_eq!(&back, c);
    }
    assert_eq!(tg.to_string(), "telegram:123456789");
    assert_eq!(vb.id.as_str(), Some("01234567890A="));
    assert_eq!(PlatformId::from(5).as_i64(), Some(5));
    // A chat stored without its type reads back as private.
    let old: ChatRef = serde_json::from_value(json!({"messenger": "max", "id": 7})).unwrap();
    assert_eq!(old.chat_type, ChatType::Private);
}

#[test]
fn updates_round_trip_through_json() {
    let u = Update::new(
        MessengerKind::Max,
        "mid.1",
        UpdateKind::Other {
            type_name: "dialog_muted".into(),
            raw: json!({"update_type": "dialog_muted"}),
        },
    )
    .with_chat(ChatRef::private(MessengerKind::Max, 1))
    .with_date(from_unix_millis(1775025604499).unwrap());
    let back: Update = serde_json::from_str(&serde_json::to_string(&u).unwrap()).unwrap();
    assert_eq!(back, u);
    assert_eq!(u.date.unwrap().timestamp_millis(), 1775025604499);
    assert_eq!(
        from_unix_seconds(1763800000).unwrap().timestamp(),
        1763800000
    );
}

#[test]
fn user_names() {
    let viber = UserInfo::with_id("01234567890A=").with_display_name("Ivan Petrenko");
    assert_eq!(viber.name(), "Ivan Petrenko");
    let tg = UserInfo::with_id(1)
        .with_first_name("Ivan")
        .with_last_name("P");
    assert_eq!(tg.name(), "Ivan P");
    let anon = UserInfo::default().with_username("ivan");
    assert_eq!(anon.name(), "ivan");
}

fn inline(rows: Vec<Vec<Button>>) -> OutgoingMessage {
    OutgoingMessage::new("x").keyboard(Keyboard::inline(rows))
}

#[test]
fn callback_data_limits_differ_per_platform() {
    // 1000 Cyrillic characters = 2000 bytes: fine for MAX (1024 characters), not for Telegram.
    let data = "я".repeat(1000);
    let msg = inline(vec![vec![Button::callback("A", data.clone())]]);
    assert_eq!(msg.validate(&Limits::max()), Ok(()));
    assert_eq!(
        msg.validate(&Limits::telegram()),
        Err(ValidationError::CallbackData {
            label: "A".into(),
            len: 2000,
            max: 64,
            unit: LengthUnit::Bytes
        })
    );
    // The documented way out: a short key stored server-side.
    let short = inline(vec![vec![Button::callback("A", callback_key(&data))]]);
    assert_eq!(short.validate(&Limits::telegram()), Ok(()));
    assert!(matches!(
        inline(vec![vec![Button::callback("A", "")]]).validate(&Limits::max()),
        Err(ValidationError::CallbackData { len: 0, .. })
    ));
}

#[test]
fn keyboard_size_limits() {
    let row = |n: usize| {
        (0..n)
            .map(|i| Button::callback(format!("b{i}"), "d"))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        inline(vec![row(6), row(6), row(6), row(6), row(1)]).validate(&Limits::viber()),
        Err(ValidationError::TooManyButtons { count: 25, max: 24 })
    );
    assert_eq!(
        inline(vec![row(8)]).validate(&Limits::max()),
        Err(ValidationError::RowTooWide {
            row: 0,
            count: 8,
            max: 7
        })
    );
    let links = (0..4)
        .map(|i| Button::url(format!("l{i}"), "https://e.com"))
        .collect();
    assert_eq!(
        inline(vec![links]).validate(&Limits::max()),
        Err(ValidationError::TooManyLinkButtonsInRow {
            row: 0,
            count: 4,
            max: 3
        })
    );
    assert_eq!(
        inline((0..31).map(|_| row(1)).collect()).validate(&Limits::max()),
        Err(ValidationError::TooManyRows { count: 31, max: 30 })
    );
    assert_eq!(
        inline(vec![row(0), vec![Button::callback(" ", "d")]]).validate(&Limits::max()),
        Err(ValidationError::EmptyLabel)
    );
}

#[test]
fn button_kinds_must_fit_their_keyboard() {
    let reply_with_callback =
        OutgoingMessage::new("x").keyboard(Keyboard::reply(vec![vec![Button::callback("A", "a")]]));
    assert_eq!(
        reply_with_callback.validate(&Limits::max()),
        Err(ValidationError::ButtonNotAllowed { label: "A".into() })
    );
    let inline_text = inline(vec![vec![Button::text("T")]]);
    assert!(matches!(
        inline_text.validate(&Limits::viber()),
        Err(ValidationError::ButtonNotAllowed { .. })
    ));
    // The share-phone button: reply keyboard everywhere, inline only where the platform has it.
    let inline_contact = inline(vec![vec![Button::request_contact("Phone")]]);
    assert_eq!(inline_contact.validate(&Limits::max()), Ok(()));
    assert_eq!(inline_contact.validate(&Limits::viber()), Ok(()));
    assert_eq!(
        inline_contact.validate(&Limits::telegram()),
        Err(ValidationError::ContactButtonNotAllowed)
    );
    let reply_contact = OutgoingMessage::new("x").keyboard(Keyboard::request_contact("Phone"));
    for l in [Limits::telegram(), Limits::viber(), Limits::max()] {
        assert_eq!(reply_contact.validate(&l), Ok(()));
    }
}

#[test]
fn text_and_picture_limits() {
    let over_max = OutgoingMessage::new("a".repeat(4001).as_str());
    assert_eq!(
        over_max.validate(&Limits::max()),
        Err(ValidationError::TextTooLong {
            len: 4001,
            max: 4000,
            unit: LengthUnit::Chars
        })
    );
    assert_eq!(over_max.validate(&Limits::telegram()), Ok(()));
    assert_eq!(over_max.validate(&Limits::viber()), Ok(()));
    // Telegram counts UTF-16: 2050 emoji are 4100 units.
    let emoji = OutgoingMessage::new("😀".repeat(2050).as_str());
    assert!(matches!(
        emoji.validate(&Limits::telegram()),
        Err(ValidationError::TextTooLong { len: 4100, .. })
    ));
    // Link targets do not count, only what the user reads.
    let link = OutgoingMessage::new(
        RichText::new().link("x", format!("https://e.com/{}", "a".repeat(5000))),
    );
    assert_eq!(link.validate(&Limits::telegram()), Ok(()));
    // Captions have their own limit.
    let photo =
        OutgoingMessage::photo(Image::url("https://e.com/p.png"), "c".repeat(1025).as_str());
    assert!(matches!(
        photo.validate(&Limits::telegram()),
        Err(ValidationError::TextTooLong { max: 1024, .. })
    ));
    // Viber sends pictures by URL only.
    let bytes = OutgoingMessage::photo(Image::bytes(&b"png"[..], "a.png", "image/png"), "");
    assert_eq!(
        bytes.validate(&Limits::viber()),
        Err(ValidationError::ImageUploadUnsupported)
    );
    assert_eq!(bytes.validate(&Limits::telegram()), Ok(()));
    assert_eq!(
        OutgoingMessage::new("").validate(&Limits::max()),
        Err(ValidationError::Empty)
    );
}
