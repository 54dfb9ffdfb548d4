//! Edits that change nothing succeed (Telegram's answers from the crate's test kit), a migrated group is a typed error, and the capabilities
//! added for real bots (delete, raw requests) send exactly the documented requests.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    ChatRef, MessageRef, Messenger, MessengerError, MessengerKind, OutgoingMessage, PlatformId,
    RawRequest,
};
use messenger_telegram::mock::TelegramMock;
use messenger_telegram::{SecretString, TelegramBot};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "123456:TEST-token_secret";

fn p(m: &str) -> String {
    format!("/bot{TOKEN}/{m}")
}

fn bot(server: &MockServer) -> TelegramBot {
    TelegramBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn sent() -> MessageRef {
    MessageRef::new(ChatRef::private(MessengerKind::Telegram, 42), 7)
}

#[tokio::test]
async fn an_edit_to_the_same_content_is_success() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start_with_token(&server, TOKEN).await;
    tg.api_error("editMessageText", 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
        .await;
    bot(&server)
        .edit(&sent(), &OutgoingMessage::new("same"))
        .await
        .unwrap();
    let edits = tg.edited_messages().await;
    assert_eq!(edits.len(), 1);
    assert_eq!(
        (
            edits[0].chat_id.clone(),
            edits[0].message_id,
            edits[0].text.as_str()
        ),
        (42.into(), 7, "same")
    );
}

#[tokio::test]
async fn other_edit_errors_stay_errors() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start_with_token(&server, TOKEN).await;
    tg.api_error(
        "editMessageText",
        400,
        "Bad Request: message to edit not found",
    )
    .await;
    let e = bot(&server)
        .edit(&sent(), &OutgoingMessage::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, MessengerError::InvalidRequest { detail } if detail.description == "Bad Request: message to edit not found"),
        "{e:?}"
    );
    assert_eq!(tg.edited_messages().await.len(), 1);
}

#[tokio::test]
async fn a_migrated_group_names_its_new_id_in_a_typed_field() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start_with_token(&server, TOKEN).await;
    tg.chat_migrated("sendMessage", -1_001_234_567_890).await;
    let e = bot(&server)
        .send(
            &ChatRef::new(
                MessengerKind::Telegram,
                -1234,
                messenger_core::ChatType::Group,
            ),
            &OutgoingMessage::new("x"),
        )
        .await
        .unwrap_err();
    match &e {
        MessengerError::ChatMigrated {
            new_chat_id,
            detail,
        } => {
            assert_eq!(*new_chat_id, PlatformId::Int(-1_001_234_567_890));
            assert_eq!(detail.code.as_deref(), Some("400"));
        }
        other => panic!("{other:?}"),
    }
    // Sent once, to the old id.
    let sent = tg.sent_messages().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].chat_id, (-1234).into());
}

#[tokio::test]
async fn delete_raw_requests_and_capabilities() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(p("deleteMessage")))
        .and(body_json(json!({"chat_id": 42, "message_id": 7})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": true})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("sendDice")))
        .and(body_json(json!({"chat_id": 42, "emoji": "🎯"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"ok": true, "result": {"message_id": 8, "dice": {"emoji": "🎯", "value": 6}}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server);
    b.delete(&sent()).await.unwrap();
    let r = b
        .send_raw(&RawRequest::post(
            "sendDice",
            json!({"chat_id": 42, "emoji": "🎯"}),
        ))
        .await
        .unwrap();
    assert_eq!(r["dice"]["value"], 6);
    for bad in ["../getMe", "getMe/x", "", "https://evil.example/x"] {
        assert!(
            matches!(
                b.send_raw(&RawRequest::post(bad, json!({}))).await,
                Err(MessengerError::InvalidRequest { .. })
            ),
            "{bad}"
        );
    }
    let caps = b.capabilities();
    assert!(caps.edit_messages && caps.delete_messages && caps.button_callbacks);
    assert!(caps.persistent_keyboard && caps.typing_indicator && caps.long_polling);
    assert!(caps.raw_requests && !caps.welcome_only_before_subscribe);
    assert!(
        caps.verified_contacts,
        "a contact's user_id ties it to its sender"
    );
}
