//! Webhook authentication (HMAC over the raw body, before parsing) and every callback shape of
//! the spec mapped to the common model.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use http::HeaderMap;
use messenger_core::{
    ButtonPress, ChatRef, Messenger, MessengerError, MessengerKind, PlatformId, Receipt,
    ReceiptStatus, UpdateKind, sign_hmac_sha256_hex,
};
use messenger_viber::{SecretString, ViberBot, parse_event};
use serde_json::Value;

const TOKEN: &str = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9";
const USER: &str = "01234567890A=";

fn bot() -> ViberBot {
    ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url("http://127.0.0.1:9/pa")
        .build()
        .unwrap()
}

fn fixtures() -> Value {
    let s = std::fs::read_to_string(format!(
        "{}/tests/fixtures/callbacks.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&s).unwrap()
}

fn callback(name: &str) -> Vec<u8> {
    serde_json::to_vec(&fixtures()[name]).unwrap()
}

fn signed(body: &[u8], key: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "x-viber-content-signature",
        sign_hmac_sha256_hex(&SecretString::from(key), body)
            .parse()
            .unwrap(),
    );
    h
}

fn kind_of(name: &str) -> UpdateKind {
    let body = callback(name);
    let mut updates = bot().parse_webhook(&signed(&body, TOKEN), &body).unwrap();
    assert_eq!(updates.len(), 1);
    updates.remove(0).kind
}

#[test]
fn a_body_signed_with_the_token_is_accepted() {
    let body = callback("button_press");
    let updates = bot().parse_webhook(&signed(&body, TOKEN), &body).unwrap();
    assert_eq!(updates[0].messenger, MessengerKind::Viber);
    assert_eq!(updates[0].dedup_key, "4912661846655238148");
}

#[test]
fn a_changed_byte_a_wrong_key_or_a_missing_header_is_rejected() {
    let body = callback("button_press");
    let headers = signed(&body, TOKEN);
    // One byte changed (the callback data) after signing.
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("cb:balance", "cb:balancf")
        .into_bytes();
    assert_eq!(tampered.len(), body.len());
    for (what, headers, body) in [
        ("changed byte", headers.clone(), tampered),
        ("wrong key", signed(&body, "another-token"), body.clone()),
        ("missing header", HeaderMap::new(), body.clone()),
    ] {
        let e = bot().parse_webhook(&headers, &body).unwrap_err();
        assert!(
            matches!(e, MessengerError::ForgedWebhook { .. }),
            "{what}: {e:?}"
        );
    }
}

#[test]
fn the_signature_is_checked_before_the_body_is_parsed() {
    // Not JSON and unsigned: a forgery, not a decode error.
    let e = bot()
        .parse_webhook(&HeaderMap::new(), b"{not json")
        .unwrap_err();
    assert!(matches!(e, MessengerError::ForgedWebhook { .. }));
    // Signed but not JSON: a decode error (answer 400).
    let e = bot()
        .parse_webhook(&signed(b"{not json", TOKEN), b"{not json")
        .unwrap_err();
    assert!(matches!(e, MessengerError::Decode { .. }));
}

#[test]
fn the_webhook_ping_is_accepted_as_other() {
    let body = callback("webhook");
    let events = bot().parse_events(&signed(&body, TOKEN), &body).unwrap();
    assert!(events[0].is_ping());
    assert!(
        matches!(&events[0].update.kind, UpdateKind::Other { type_name, .. } if type_name == "webhook")
    );
}

#[test]
fn conversation_started_is_started_with_the_context_as_payload() {
    let body = callback("conversation_started");
    let events = bot().parse_events(&signed(&body, TOKEN), &body).unwrap();
    let e = &events[0];
    assert!(e.is_conversation_started());
    assert_eq!(e.subscribed, Some(false));
    assert_eq!(
        e.update.kind,
        UpdateKind::Started {
            payload: Some("ref_42".into())
        }
    );
    assert_eq!(
        e.update.chat,
        Some(ChatRef::private(MessengerKind::Viber, USER))
    );
    let from = e.update.from.as_ref().unwrap();
    assert_eq!(from.display_name.as_deref(), Some("Ivan"));
    assert_eq!(from.language.as_deref(), Some("uk"));
    assert_eq!(e.update.date.unwrap().timestamp_millis(), 1_763_800_000_000);
}

#[test]
fn subscribed_and_unsubscribed() {
    assert_eq!(kind_of("subscribed"), UpdateKind::Subscribed);
    let body = callback("unsubscribed");
    let u = &bot().parse_webhook(&signed(&body, TOKEN), &body).unwrap()[0];
    assert_eq!(u.kind, UpdateKind::Unsubscribed);
    assert_eq!(u.chat.as_ref().unwrap().id, PlatformId::from(USER));
}

#[test]
fn a_reply_button_press_becomes_a_button_press_with_its_tracking_data() {
    let body = callback("button_press");
    let events = bot().parse_events(&signed(&body, TOKEN), &body).unwrap();
    assert_eq!(
        events[0].update.kind,
        UpdateKind::ButtonPress(ButtonPress::new("balance"))
    );
    assert_eq!(events[0].tracking_data.as_deref(), Some("state:menu"));
}

#[test]
fn typed_text_stays_text_and_commands_are_commands() {
    match kind_of("typed_text") {
        UpdateKind::Text { text, message } => {
            assert_eq!(text, "balance please");
            let m = message.unwrap();
            assert_eq!(m.id, PlatformId::Int(4_912_661_846_655_238_153));
            assert_eq!(m.chat, ChatRef::private(MessengerKind::Viber, USER));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        kind_of("command"),
        UpdateKind::Command { name, args, .. } if name == "history" && args == "2"
    ));
}

#[test]
fn a_shared_contact_has_its_phone_normalised() {
    let body = callback("contact");
    let events = bot().parse_events(&signed(&body, TOKEN), &body).unwrap();
    match &events[0].update.kind {
        UpdateKind::Contact(c) => {
            assert_eq!(c.phone, "+380501234567");
            assert_eq!(c.first_name.as_deref(), Some("Ivan"));
            assert_eq!(c.user_id, None, "Viber does not say whose number it is");
            // Viber's contact message has no field tying the number to the sender: anyone can
            // share an address-book card with someone else's number. Never "own".
            assert!(!c.is_own);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(events[0].tracking_data.as_deref(), Some("state:auth"));
}

#[test]
fn a_picture_carries_its_media_url() {
    match kind_of("picture") {
        UpdateKind::Photo(p) => {
            assert_eq!(
                p.file.url.as_deref(),
                Some("https://dl-media.viber.com/x/image.jpg")
            );
            assert_eq!(p.file.file_name.as_deref(), Some("image.jpg"));
            assert_eq!(p.file.size, Some(183_422));
            assert_eq!(p.caption, None);
        }
        other => panic!("{other:?}"),
    }
}

/// `delivered`, `seen` and `failed` name the message by token in the user's chat; the key holds
/// event, token and user, because one broadcast token is shared by up to 300 receivers.
#[test]
fn receipts_name_the_message_and_the_user() {
    for (name, token, status) in [
        (
            "delivered",
            4_912_661_846_655_238_151_i64,
            ReceiptStatus::Delivered,
        ),
        ("seen", 4_912_661_846_655_238_156, ReceiptStatus::Seen),
        (
            "failed",
            4_912_661_846_655_238_152,
            ReceiptStatus::Failed {
                reason: "failure".into(),
            },
        ),
    ] {
        let e = parse_event(&fixtures()[name]);
        assert_eq!(
            e.update.kind,
            UpdateKind::Receipt(Receipt::new(token, status)),
            "{name}"
        );
        assert_eq!(
            e.update.chat,
            Some(ChatRef::private(MessengerKind::Viber, USER)),
            "{name}"
        );
        assert_eq!(e.update.dedup_key, format!("{name}:{token}:{USER}"));
    }
    // Two receivers of one broadcast: two keys.
    let mut other = fixtures()["delivered"].clone();
    other["user_id"] = "other=".into();
    assert_ne!(
        parse_event(&other).update.dedup_key,
        parse_event(&fixtures()["delivered"]).update.dedup_key
    );
    // Without a user or a token a receipt names nothing: kept raw.
    let mut bare = fixtures()["seen"].clone();
    bare.as_object_mut().unwrap().remove("user_id");
    assert!(matches!(
        parse_event(&bare).update.kind,
        UpdateKind::Other { .. }
    ));
}

#[test]
fn unknown_events_and_malformed_callbacks_are_kept_raw() {
    for (name, type_name) in [
        ("sticker", "message.sticker"),
        ("unknown_event", "client_status"),
        ("malformed_message", "message"),
    ] {
        match kind_of(name) {
            UpdateKind::Other { type_name: t, raw } => {
                assert_eq!(t, type_name, "{name}");
                assert_eq!(raw, fixtures()[name], "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Not even an object with an event: still no panic.
    let e = parse_event(&serde_json::json!({"foo": 1}));
    assert_eq!(e.event, "unparsed");
    assert!(matches!(e.update.kind, UpdateKind::Other { .. }));
}

#[test]
fn a_share_phone_press_from_a_desktop_client_is_recognisable_text() {
    let body = callback("share_phone_on_desktop");
    let events = bot().parse_events(&signed(&body, TOKEN), &body).unwrap();
    assert!(events[0].is_share_phone_fallback());
    assert!(
        matches!(&events[0].update.kind, UpdateKind::Text { text, .. } if text == messenger_viber::SHARE_PHONE_ACTION_BODY)
    );
    let body = callback("typed_text");
    let events = bot().parse_events(&signed(&body, TOKEN), &body).unwrap();
    assert!(!events[0].is_share_phone_fallback());
}
