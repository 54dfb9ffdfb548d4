//! What MAX bots need beyond sending: "typing…" in the dialog (its own chat_id kept from the
//! user's update), deletes, raw requests, and the capability flags.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    ChatRef, ChatType, MessageRef, Messenger, MessengerError, MessengerKind, PlatformId, RawMethod,
    RawRequest,
};
use messenger_max::{MaxBot, SecretString, parse_update};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "max-test-token_0123";

fn bot(server: &MockServer) -> MaxBot {
    MaxBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"success": true}))
}

#[tokio::test]
async fn typing_goes_to_the_dialogs_own_chat_id_kept_from_the_update() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chats/182182182/actions"))
        .and(header("authorization", TOKEN))
        .and(body_json(json!({"action": "typing_on"})))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/chats/-7001/actions"))
        .and(body_json(json!({"action": "typing_on"})))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    let update = parse_update(&json!({"update_type": "message_created", "timestamp": 1,
        "message": {"sender": {"user_id": 123_456_789, "first_name": "Ivan", "is_bot": false},
            "recipient": {"chat_id": 182_182_182, "chat_type": "dialog", "user_id": 229_229_229},
            "timestamp": 1, "body": {"mid": "mid.1", "seq": 1, "text": "hi"}}}));
    let chat = update.chat.clone().unwrap();
    // Addressed by the user id (sends use ?user_id=), the dialog id kept for chat calls.
    assert_eq!(chat.id, PlatformId::Int(123_456_789));
    assert_eq!(chat.dialog_id, Some(PlatformId::Int(182_182_182)));
    // The hint is not part of the identity: a chat stored without it is the same chat.
    assert_eq!(chat, ChatRef::private(MessengerKind::Max, 123_456_789));
    let b = bot(&server);
    b.send_typing(&chat).await.unwrap();
    b.send_typing(&ChatRef::new(MessengerKind::Max, -7001, ChatType::Group))
        .await
        .unwrap();
    // A dialog known only by its user id: nothing to address, nothing sent, no error.
    b.send_typing(&ChatRef::private(MessengerKind::Max, 5))
        .await
        .unwrap();

    let started = parse_update(&json!({"update_type": "bot_started", "timestamp": 1,
        "chat_id": 182_182_182, "user": {"user_id": 123_456_789, "first_name": "Ivan",
        "is_bot": false}}));
    assert_eq!(
        started.chat.unwrap().dialog_id,
        Some(PlatformId::Int(182_182_182))
    );
}

#[tokio::test]
async fn delete_raw_requests_and_capabilities() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/messages"))
        .and(query_param("message_id", "mid.abc"))
        .and(header("authorization", TOKEN))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/chats/-7001/pin"))
        .and(query_param("notify", "false"))
        .and(body_json(json!({"message_id": "mid.abc"})))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server);
    let msg = MessageRef::new(ChatRef::private(MessengerKind::Max, 1), "mid.abc");
    b.delete(&msg).await.unwrap();
    let r = b
        .send_raw(
            &RawRequest::new(RawMethod::Put, "/chats/-7001/pin")
                .query("notify", "false")
                .body(json!({"message_id": "mid.abc"})),
        )
        .await
        .unwrap();
    assert_eq!(r, json!({"success": true}));
    for bad in [
        "../me",
        "//evil.example/x",
        "https://evil.example/x",
        "",
        "me?x=1",
    ] {
        assert!(
            matches!(
                b.send_raw(&RawRequest::get(bad)).await,
                Err(MessengerError::InvalidRequest { .. })
            ),
            "{bad}"
        );
    }
    let caps = b.capabilities();
    assert!(caps.edit_messages && caps.delete_messages && caps.button_callbacks);
    assert!(caps.typing_indicator && caps.long_polling && caps.raw_requests);
    assert!(!caps.persistent_keyboard && !caps.welcome_only_before_subscribe);
    assert!(
        caps.verified_contacts,
        "a contact's owner ties it to its sender"
    );
}
