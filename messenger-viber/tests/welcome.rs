//! Viber's first contact through the common trait: `conversation_started` opens a welcome slot,
//! the welcome is the HTTP answer (a message without receiver), and the capabilities, deletes and
//! raw requests say what Viber can do.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use http::HeaderMap;
use messenger_core::{
    ChatRef, Keyboard, MessageRef, Messenger, MessengerError, MessengerKind, OutgoingMessage,
    RawRequest, Throttled, sign_hmac_sha256_hex,
};
use messenger_viber::{SecretString, ViberBot};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "4a7f2b-test-token-secret";
const USER: &str = "01234567890A=";

fn bot(base: &str) -> ViberBot {
    ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(format!("{base}/pa"))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn signed(body: &[u8]) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "x-viber-content-signature",
        sign_hmac_sha256_hex(&SecretString::from(TOKEN), body)
            .parse()
            .unwrap(),
    );
    h
}

fn started(subscribed: bool) -> Vec<u8> {
    serde_json::to_vec(
        &json!({"event": "conversation_started", "timestamp": 1_763_800_000_000_i64,
        "chat_hostname": "SN-CHAT-01_", "message_token": 4_912_661_846_655_238_145_i64,
        "type": "open", "context": "ref_42",
        "user": {"id": USER, "name": "Ivan", "language": "uk", "api_version": 10},
        "subscribed": subscribed}),
    )
    .unwrap()
}

#[tokio::test]
async fn conversation_started_opens_a_welcome_slot_answered_in_the_http_body() {
    // Through a Throttled trait object, as a bot holds it: nothing is sent to the API.
    let server = MockServer::start().await;
    let m: Box<dyn Messenger> = Box::new(Throttled::new(bot(&server.uri())));
    let body = started(false);
    let outcome = m.receive_webhook(&signed(&body), &body).unwrap();
    assert_eq!(outcome.updates.len(), 1);
    let slot = outcome.welcome.expect("conversation_started opens a slot");
    assert_eq!(slot.chat, ChatRef::private(MessengerKind::Viber, USER));
    assert_eq!(slot.subscribed, Some(false));
    assert!(slot.is_only_chance());
    assert_eq!(slot.dedup_key, outcome.updates[0].dedup_key);

    let msg = OutgoingMessage::new("Вітаємо, Ivan!")
        .keyboard(Keyboard::request_contact("📱 Надіслати номер"));
    let answer = m.welcome_response(&slot, &msg).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, Some("application/json"));
    let v: Value = serde_json::from_slice(&answer.body).unwrap();
    assert_eq!(
        v,
        json!({"type": "text", "sender": {"name": "Loyalty"}, "text": "Вітаємо, Ivan!",
            "min_api_version": 3,
            "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                {"Columns": 6, "Rows": 1, "ActionType": "share-phone",
                 "ActionBody": "share_phone", "Text": "📱 Надіслати номер"}]}})
    );
    assert!(v.get("receiver").is_none());
    assert!(server.received_requests().await.unwrap().is_empty());

    // A subscribed user gets a slot too, but it is not the only chance.
    let body = started(true);
    let slot = m
        .receive_webhook(&signed(&body), &body)
        .unwrap()
        .welcome
        .unwrap();
    assert!(!slot.is_only_chance());
}

#[test]
fn other_callbacks_open_no_slot_and_forged_ones_are_refused() {
    let b = bot("http://127.0.0.1:9");
    let body = serde_json::to_vec(
        &json!({"event": "message", "timestamp": 1, "message_token": 7,
        "sender": {"id": USER, "name": "Ivan"}, "message": {"type": "text", "text": "hi"}}),
    )
    .unwrap();
    let outcome = b.receive_webhook(&signed(&body), &body).unwrap();
    assert!(outcome.welcome.is_none());
    assert_eq!(outcome.updates[0].text(), Some("hi"));
    let forged = started(false);
    assert!(matches!(
        b.receive_webhook(&signed(b"other"), &forged),
        Err(MessengerError::ForgedWebhook { .. })
    ));
}

#[tokio::test]
async fn capabilities_deletes_and_raw_requests() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/pa/get_account_info"))
        .and(header("X-Viber-Auth-Token", TOKEN))
        .and(body_json(json!({})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"status": 0, "status_message": "ok", "id": "pa:75346594275468546724"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/pa/send_message"))
        .and(header("X-Viber-Auth-Token", TOKEN))
        .and(body_json(
            json!({"receiver": USER, "type": "sticker", "sticker_id": 46105,
            "sender": {"name": "Loyalty"}}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 6, "status_message": "receiverNotSubscribed"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server.uri());
    let caps = b.capabilities();
    assert!(caps.welcome_only_before_subscribe && caps.raw_requests);
    assert!(!caps.edit_messages && !caps.delete_messages && !caps.button_callbacks);
    assert!(!caps.persistent_keyboard && !caps.typing_indicator && !caps.long_polling);
    assert!(
        !caps.verified_contacts,
        "a Viber contact carries nothing that ties it to its sender"
    );

    // Viber's REST bot API cannot delete a message.
    let sent = MessageRef::new(ChatRef::private(MessengerKind::Viber, USER), "1");
    assert!(matches!(
        b.delete(&sent).await,
        Err(MessengerError::Unsupported { .. })
    ));

    let info = b
        .send_raw(&RawRequest::post("get_account_info", json!({})))
        .await
        .unwrap();
    assert_eq!(info["id"], "pa:75346594275468546724");
    // A raw call's error is mapped like any other: status 6 is "not subscribed", not gone.
    let e = b
        .send_raw(&RawRequest::post(
            "send_message",
            json!({"receiver": USER, "type": "sticker", "sticker_id": 46105,
                "sender": {"name": "Loyalty"}}),
        ))
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::NotSubscribed { .. }), "{e:?}");
    assert!(!e.is_recipient_gone());
    // Paths that could leave the API are refused before sending.
    for bad in ["../x", "http://evil/x", "a/b", "", "send_message?x=1"] {
        assert!(
            matches!(
                b.send_raw(&RawRequest::post(bad, json!({}))).await,
                Err(MessengerError::InvalidRequest { .. })
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        b.send_raw(&RawRequest::get("get_account_info")).await,
        Err(MessengerError::InvalidRequest { .. })
    ));
}
