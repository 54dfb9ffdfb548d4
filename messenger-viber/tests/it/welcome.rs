//! Viber's first contact through the common trait: `conversation_started` opens a welcome slot,
//! the welcome is the HTTP answer (a message without receiver), and the capabilities, deletes and
//! raw requests say what Viber can do. Viber's callbacks and answers come from the crate's test
//! kit (`ViberMock`); the exact requests are asserted here.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    ChatRef, Keyboard, MessageRef, Messenger, MessengerError, MessengerKind, OutgoingMessage,
    RawRequest, Throttled,
};
use messenger_viber::mock::{Incoming, ViberMock, WebhookRequest};
use messenger_viber::{SecretString, ViberBot, ViberStatus};
use serde_json::{Value, json};
use wiremock::MockServer;

const TOKEN: &str = "4a7f2b-test-token-secret";
const USER: &str = "01234567890A=";

fn bot(base: &str) -> ViberBot {
    ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(base)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A signed `conversation_started` from the crate's test kit; `subscribed` is the one field the
/// kit's callback leaves at `false`.
fn started(viber: &ViberMock<'_>, subscribed: bool) -> WebhookRequest {
    let mut callback =
        Incoming::conversation_started(USER, Some("ref_42")).to_callback(4_912_661_846_655_238_145);
    callback["subscribed"] = subscribed.into();
    viber.webhook_request(&Incoming::Raw(callback))
}

#[tokio::test]
async fn conversation_started_opens_a_welcome_slot_answered_in_the_http_body() {
    // Through a Throttled trait object, as a bot holds it: nothing is sent to the API.
    let server = MockServer::start().await;
    let viber = ViberMock::start_with_token(&server, TOKEN).await;
    let m: Box<dyn Messenger> = Box::new(Throttled::new(bot(&server.uri())));
    let req = started(&viber, false);
    let outcome = m.receive_webhook(&req.headers, &req.body).unwrap();
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
    let req = started(&viber, true);
    let slot = m
        .receive_webhook(&req.headers, &req.body)
        .unwrap()
        .welcome
        .unwrap();
    assert!(!slot.is_only_chance());
}

#[tokio::test]
async fn other_callbacks_open_no_slot_and_forged_ones_are_refused() {
    let server = MockServer::start().await;
    let viber = ViberMock::start_with_token(&server, TOKEN).await;
    let b = bot(&server.uri());
    let req = viber.webhook_request(&Incoming::text(USER, "hi"));
    let outcome = b.receive_webhook(&req.headers, &req.body).unwrap();
    assert!(outcome.welcome.is_none());
    assert_eq!(outcome.updates[0].text(), Some("hi"));
    let forged = viber.webhook_request_signed_with(
        &Incoming::conversation_started(USER, None),
        &SecretString::from("another-token"),
    );
    assert!(matches!(
        b.receive_webhook(&forged.headers, &forged.body),
        Err(MessengerError::ForgedWebhook { .. })
    ));
}

#[tokio::test]
async fn capabilities_deletes_and_raw_requests() {
    let server = MockServer::start().await;
    // The kit answers get_account_info; send_message refuses the receiver with status 6.
    let viber = ViberMock::start_with_token(&server, TOKEN).await;
    viber
        .api_error(
            "send_message",
            ViberStatus::ReceiverNotSubscribed,
            "receiverNotSubscribed",
        )
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
    // Exactly two calls went out, as sent, each with the token.
    assert_eq!(viber.requests("get_account_info").await, [json!({})]);
    assert_eq!(
        viber.requests("send_message").await,
        [
            json!({"receiver": USER, "type": "sticker", "sticker_id": 46105,
            "sender": {"name": "Loyalty"}})
        ]
    );
    let calls = server.received_requests().await.unwrap();
    assert_eq!(calls.len(), 2);
    assert!(
        calls
            .iter()
            .all(|r| r.headers.get("X-Viber-Auth-Token").unwrap() == TOKEN)
    );
}
