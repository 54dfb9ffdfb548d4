//! Webhook requests are authenticated by `X-Max-Bot-Api-Secret` (constant time) before parsing;
//! malformed bodies are rejected without a panic.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use http::{HeaderMap, HeaderValue};
use messenger_core::{Messenger, MessengerError, UpdateKind};
use messenger_max::{MaxBot, SECRET_HEADER, SecretString};

const SECRET: &str = "hook_Secret-123";

fn bot(secret: Option<&str>) -> MaxBot {
    let mut b = MaxBot::builder(SecretString::from("token-1"));
    if let Some(s) = secret {
        b = b.webhook_secret(SecretString::from(s));
    }
    b.build().unwrap()
}

fn headers(value: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(SECRET_HEADER, HeaderValue::from_str(value).unwrap());
    h
}

const BODY: &[u8] = br#"{"update_type":"bot_started","timestamp":1775025604499,"chat_id":182182182,
"user":{"user_id":123456789,"first_name":"John","is_bot":false},"payload":"ref_42"}"#;

#[test]
fn the_right_secret_is_accepted() {
    let updates = bot(Some(SECRET))
        .parse_webhook(&headers(SECRET), BODY)
        .unwrap();
    assert_eq!(updates.len(), 1);
    assert_eq!(
        updates[0].kind,
        UpdateKind::Started {
            payload: Some("ref_42".into())
        }
    );
    // Header names are case-insensitive.
    let mut h = HeaderMap::new();
    h.insert("x-max-bot-api-secret", HeaderValue::from_static(SECRET));
    assert!(bot(Some(SECRET)).parse_webhook(&h, BODY).is_ok());
}

#[test]
fn a_wrong_or_missing_secret_is_forged() {
    let b = bot(Some(SECRET));
    for h in [
        headers("hook_Secret-124"),
        headers("hook_Secret-12"),
        headers(""),
        HeaderMap::new(),
    ] {
        let e = b.parse_webhook(&h, BODY).unwrap_err();
        assert!(matches!(e, MessengerError::ForgedWebhook { .. }), "{e:?}");
        assert!(!e.to_string().contains(SECRET));
    }
    // Repeated header.
    let mut h = headers(SECRET);
    h.append(SECRET_HEADER, HeaderValue::from_static(SECRET));
    assert!(matches!(
        b.parse_webhook(&h, BODY),
        Err(MessengerError::ForgedWebhook { .. })
    ));
    // The secret is checked before the body is looked at.
    assert!(matches!(
        b.parse_webhook(&HeaderMap::new(), b"garbage"),
        Err(MessengerError::ForgedWebhook { .. })
    ));
}

#[test]
fn without_a_configured_secret_nothing_is_trusted() {
    let e = bot(None).parse_webhook(&headers(SECRET), BODY).unwrap_err();
    assert!(matches!(e, MessengerError::ForgedWebhook { .. }));
}

#[test]
fn malformed_bodies_are_rejected_without_panic() {
    let b = bot(Some(SECRET));
    for body in [
        &b""[..],
        b"{",
        b"null",
        b"[1,2]",
        b"\"text\"",
        b"\xff\xfe\x00",
        b"{\"update_type\": 5}",
    ] {
        match b.parse_webhook(&headers(SECRET), body) {
            Err(MessengerError::Decode { .. }) => {}
            // A JSON object of an unexpected shape is kept raw, never an error.
            Ok(u) => assert!(matches!(u[0].kind, UpdateKind::Other { .. })),
            Err(e) => panic!("{body:?}: {e:?}"),
        }
    }
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(b.parse_webhook(&headers(SECRET), deep.as_bytes()).is_err());
}
