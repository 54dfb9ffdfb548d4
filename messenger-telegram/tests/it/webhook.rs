//! Webhook authentication and parsing: the right secret is accepted, a missing or wrong one is
//! rejected, malformed bodies are rejected (or kept raw) without panicking.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use http::{HeaderMap, HeaderValue};
use messenger_core::{Messenger, MessengerError, UpdateKind};
use messenger_telegram::mock::{Incoming, TelegramMock};
use messenger_telegram::{SECRET_HEADER, SecretString, TelegramBot};

const SECRET: &str = "hook_Secret-1";

fn bot(secret: Option<&str>) -> TelegramBot {
    let mut b = TelegramBot::builder(SecretString::from("123456:TEST-token_secret"))
        .base_url("http://127.0.0.1:9");
    if let Some(s) = secret {
        b = b.webhook_secret(SecretString::from(s));
    }
    b.build().unwrap()
}

fn headers(secret: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    if let Some(s) = secret {
        h.insert(SECRET_HEADER, HeaderValue::from_str(s).unwrap());
    }
    h
}

/// A button press as Telegram delivers it (from the crate's test kit, not written by hand).
fn callback() -> Vec<u8> {
    Incoming::button(123_456_789, "balance")
        .to_update(100_000_002)
        .to_string()
        .into_bytes()
}

#[tokio::test]
async fn the_right_secret_is_accepted() {
    let server = wiremock::MockServer::start().await;
    let kit = TelegramMock::start(&server).await;
    let req = kit.webhook_request(&Incoming::button(123456789, "balance"), SECRET);
    let updates = bot(Some(SECRET))
        .parse_webhook(&req.headers, &req.body)
        .unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(updates[0].dedup_key, "100000001");
    assert!(matches!(&updates[0].kind, UpdateKind::ButtonPress(p) if p.data == "balance"));
}

#[test]
fn a_missing_or_wrong_secret_is_rejected() {
    let b = bot(Some(SECRET));
    for h in [
        headers(None),
        headers(Some("hook_Secret-2")),
        headers(Some("hook_Secret-")),
        headers(Some("hook_Secret-1x")),
        headers(Some("")),
    ] {
        let e = b.parse_webhook(&h, &callback()).unwrap_err();
        assert!(matches!(e, MessengerError::ForgedWebhook { .. }), "{e:?}");
        assert!(!e.to_string().contains(SECRET));
    }
    // A bot without a configured secret trusts nothing.
    let e = bot(None)
        .parse_webhook(&headers(Some(SECRET)), &callback())
        .unwrap_err();
    assert!(matches!(e, MessengerError::ForgedWebhook { .. }), "{e:?}");
}

#[test]
fn the_secret_is_checked_before_the_body_is_parsed() {
    let e = bot(Some(SECRET))
        .parse_webhook(&headers(Some("wrong")), b"not json at all")
        .unwrap_err();
    assert!(matches!(e, MessengerError::ForgedWebhook { .. }), "{e:?}");
}

#[test]
fn malformed_bodies_are_rejected_or_kept_raw_without_panicking() {
    let b = bot(Some(SECRET));
    let h = headers(Some(SECRET));
    for body in [
        &b""[..],
        b"not json",
        b"{\"update_id\": 1,",
        b"[1, 2, 3]",
        b"\"just a string\"",
        b"\xff\xfe\x00garbage",
    ] {
        let e = b.parse_webhook(&h, body).unwrap_err();
        assert!(
            matches!(e, MessengerError::Decode { op: "webhook", .. }),
            "{e:?}"
        );
    }
    // Valid JSON of an unexpected shape is kept raw, never an error, never a panic.
    for body in [
        r#"{}"#,
        r#"{"update_id": "x"}"#,
        r#"{"update_id": 5, "message": null}"#,
        r#"{"update_id": 5, "message": {"message_id": 1, "chat": {"id": 1, "type": "private"}, "date": 1}}"#,
        r#"{"update_id": 5, "callback_query": {"id": "1", "from": {"id": 1}}}"#,
        r#"{"update_id": 5, "my_chat_member": {"chat": {"id": 1}, "new_chat_member": {}}}"#,
        r#"{"update_id": 5, "message": {"message_id": 1, "chat": {"id": 1}, "photo": [{"file_id": 5}]}}"#,
        r#"{"update_id": 9223372036854775807, "business_message": {"x": 1}}"#,
    ] {
        let updates = b.parse_webhook(&h, body.as_bytes()).unwrap();
        assert_eq!(updates.len(), 1, "{body}");
        assert!(
            matches!(&updates[0].kind, UpdateKind::Other { raw, .. } if *raw == serde_json::from_str::<serde_json::Value>(body).unwrap()),
            "{body}: {:?}",
            updates[0].kind
        );
    }
}
