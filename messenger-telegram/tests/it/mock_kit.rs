//! The test kit (`messenger_telegram::mock`): every helper's answer decodes with this crate's own
//! client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    ButtonAnswer, ChatRef, Keyboard, Messenger, MessengerError, MessengerKind, OutgoingMessage,
    PollCursor, RateLimitScope, UpdateKind,
};
use messenger_telegram::mock::{Fault, Incoming, TelegramMock, matchers};
use wiremock::{Match, Mock, MockServer, ResponseTemplate};

async fn poll_one(tg: &TelegramMock<'_>) -> messenger_core::Update {
    let batch = tg
        .bot()
        .poll(PollCursor(None), Duration::from_secs(0))
        .await
        .unwrap();
    assert_eq!(batch.updates.len(), 1, "{:?}", batch.updates);
    batch.updates.into_iter().next().unwrap()
}

#[tokio::test]
async fn queued_text_contact_photo_and_button_decode_as_core_updates() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    let bot = tg.bot();
    let ids = [
        tg.queue(Incoming::text(42, "hello")),
        tg.queue(Incoming::contact(42, "+380501112233", true)),
        tg.queue(Incoming::contact(42, "+380501112244", false)),
        tg.queue(Incoming::photo(42, "AgAD-large")),
        tg.queue(Incoming::button(42, "balance")),
    ];
    let batch = bot
        .poll(PollCursor(None), Duration::from_secs(0))
        .await
        .unwrap();
    let keys: Vec<String> = batch.updates.iter().map(|u| u.dedup_key.clone()).collect();
    assert_eq!(keys, ids.map(|i| i.to_string()));
    let u = &batch.updates;
    assert_eq!(u[0].text(), Some("hello"));
    assert_eq!(
        u[0].chat,
        Some(ChatRef::private(MessengerKind::Telegram, 42))
    );
    assert!(matches!(&u[1].kind, UpdateKind::Contact(c) if c.phone == "+380501112233" && c.is_own));
    assert!(
        matches!(&u[2].kind, UpdateKind::Contact(c) if c.phone == "+380501112244" && !c.is_own)
    );
    assert!(matches!(&u[3].kind, UpdateKind::Photo(p) if p.file.id == "AgAD-large"));
    assert!(matches!(&u[4].kind, UpdateKind::ButtonPress(p) if p.data == "balance"));
    // Acknowledged updates are not answered again.
    let next = bot.poll(batch.next, Duration::from_secs(0)).await.unwrap();
    assert!(next.updates.is_empty());
    let late = tg.queue(Incoming::text(42, "again"));
    let next = bot.poll(next.next, Duration::from_secs(0)).await.unwrap();
    assert_eq!(next.updates[0].dedup_key, late.to_string());
}

#[tokio::test]
async fn a_webhook_request_passes_the_bots_secret_check() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    let bot = tg
        .bot_builder()
        .webhook_secret("hook_secret".into())
        .build()
        .unwrap();
    let req = tg.webhook_request(&Incoming::contact(7, "380501112233", true), "hook_secret");
    let updates = bot.parse_webhook(&req.headers, &req.body).unwrap();
    assert!(
        matches!(&updates[0].kind, UpdateKind::Contact(c) if c.phone == "380501112233" && c.is_own)
    );
    let forged = tg.webhook_request(&Incoming::text(7, "hi"), "other_secret");
    let e = bot
        .parse_webhook(&forged.headers, &forged.body)
        .unwrap_err();
    assert!(matches!(e, MessengerError::ForgedWebhook { .. }), "{e:?}");
}

#[tokio::test]
async fn sends_edits_and_answers_are_recorded_with_typed_accessors() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    let bot = tg.bot();
    let chat = ChatRef::private(MessengerKind::Telegram, 42);
    let kb = Keyboard::request_contact("Share phone");
    let sent = bot
        .send(&chat, &OutgoingMessage::new("Hi <b>").keyboard(kb))
        .await
        .unwrap();
    bot.edit(&sent, &OutgoingMessage::new("Edited"))
        .await
        .unwrap();
    let press = poll_button(&tg).await;
    bot.answer_button(&press, &ButtonAnswer::toast("Done"))
        .await
        .unwrap();

    let messages = tg.sent_messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].chat_id, 42.into());
    assert_eq!(messages[0].text, "Hi &lt;b&gt;");
    assert_eq!(messages[0].button_labels(), ["Share phone"]);
    assert!(messages[0].asks_for_contact());
    let edits = tg.edited_messages().await;
    assert_eq!(
        (edits[0].message_id, edits[0].text.as_str()),
        (1000, "Edited")
    );
    let answers = tg.answered_callbacks().await;
    assert_eq!(answers[0].text.as_deref(), Some("Done"));
    assert_eq!(answers[0].callback_query_id, press.id);
}

async fn poll_button(tg: &TelegramMock<'_>) -> messenger_core::CallbackRef {
    tg.queue(Incoming::button(42, "x"));
    match poll_one(tg).await.kind {
        UpdateKind::ButtonPress(p) => p.callback.unwrap(),
        other => panic!("{other:?}"),
    }
}

/// What our bot makes of `fault` on `sendMessage`; the next send succeeds.
async fn error_for(fault: Fault) -> MessengerError {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    let bot = tg.bot();
    let chat = ChatRef::private(MessengerKind::Telegram, 42);
    let msg = OutgoingMessage::new("x");
    tg.fail_times("sendMessage", fault, 1).await;
    let e = bot.send(&chat, &msg).await.unwrap_err();
    bot.send(&chat, &msg).await.unwrap();
    e
}

/// One test per fault kind: `$fault` mounted by the kit (once), and what our own client makes of
/// it; the send after it succeeds (the fault was one-shot).
macro_rules! fault_test {
    ($name:ident, $fault:expr, $pat:pat $(if $guard:expr)?) => {
        #[tokio::test]
        async fn $name() {
            let e = error_for($fault).await;
            assert!(matches!(&e, $pat $(if $guard)?), "{e:?}");
        }
    };
}

fault_test!(
    fault_delay_past_the_timeout_is_a_timed_out_transport_error,
    Fault::Delay(Duration::from_secs(3)),
    MessengerError::Transport { reason, maybe_sent: true } if reason.starts_with("timed out")
);
fault_test!(
    fault_5xx_is_a_server_error_with_its_status,
    Fault::ServerError(503),
    MessengerError::Server { detail } if detail.status == Some(503)
);
fault_test!(
    fault_429_is_rate_limited_with_retry_after,
    Fault::RateLimited { retry_after: 7 },
    MessengerError::RateLimited { scope: RateLimitScope::Chat, retry_after: Some(d), .. } if *d == Duration::from_secs(7)
);
fault_test!(
    fault_malformed_json_is_a_decode_error,
    Fault::MalformedJson,
    MessengerError::Decode { status: 200, .. }
);
fault_test!(
    fault_html_error_page_is_a_server_error_with_its_status,
    Fault::HtmlErrorPage(502),
    MessengerError::Server { detail } if detail.status == Some(502)
);
fault_test!(
    fault_huge_body_is_a_decode_error,
    Fault::HugeBody(9 * 1024 * 1024),
    MessengerError::Decode { .. }
);

#[tokio::test]
async fn api_errors_use_telegrams_envelope() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    tg.api_error("sendMessage", 403, "Forbidden: bot was blocked by the user")
        .await;
    let e = tg
        .bot()
        .send(
            &ChatRef::private(MessengerKind::Telegram, 42),
            &OutgoingMessage::new("x"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::Blocked { .. }), "{e:?}");
}

#[tokio::test]
async fn matchers_check_what_the_client_sends() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    Mock::given(matchers::bot_method("sendChatAction"))
        .and(matchers::body_has_keys(&["chat_id", "action"]))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"ok": true, "result": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    tg.bot()
        .send_typing(&ChatRef::private(MessengerKind::Telegram, 42))
        .await
        .unwrap();
    assert!(
        !matchers::body_has_keys(&["nope"]).matches(&server.received_requests().await.unwrap()[0])
    );
}

#[tokio::test]
async fn a_queued_photo_downloads_from_the_served_file() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    tg.queue(Incoming::photo(42, "AgAD-large"));
    tg.serve_file("AgAD-large", b"\xff\xd8jpeg".to_vec()).await;
    let UpdateKind::Photo(photo) = poll_one(&tg).await.kind else {
        panic!("a photo expected")
    };
    let bytes = tg.bot().download(&photo.file).await.unwrap();
    assert_eq!(&bytes[..], b"\xff\xd8jpeg");
}

/// A PNG's first bytes (the recorder reads the file part as raw bytes, CR LF included).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-mock-card";

#[tokio::test]
async fn an_uploaded_photo_is_recorded_with_its_fields_and_file() {
    use messenger_core::{Button, Image};
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    let bot = tg.bot();
    let chat = ChatRef::private(MessengerKind::Telegram, 42);
    let kb = Keyboard::inline(vec![vec![Button::callback("Balance", "balance")]]);
    let sent = bot
        .send(
            &chat,
            &OutgoingMessage::photo(Image::bytes(PNG, "card.png", "image/png"), "Your <card>")
                .keyboard(kb),
        )
        .await
        .unwrap();
    // The kit's answer decodes: a message id of its own.
    assert_eq!(sent.id, 1000.into());

    let photos = tg.sent_photos().await;
    assert_eq!(photos.len(), 1);
    let p = &photos[0];
    assert_eq!(p.chat_id, 42.into());
    assert_eq!(p.photo, "");
    assert_eq!(p.caption.as_deref(), Some("Your &lt;card&gt;"));
    assert_eq!(p.parse_mode.as_deref(), Some("HTML"));
    let upload = p.upload.as_ref().unwrap();
    assert_eq!(upload.field, "photo");
    assert_eq!(upload.file_name, "card.png");
    assert_eq!(upload.content_type.as_deref(), Some("image/png"));
    assert_eq!(upload.size, PNG.len());
    assert_eq!(upload.data, PNG);
    match &p.keyboard {
        Some(messenger_telegram::types::ReplyMarkup::Inline { inline_keyboard }) => {
            assert_eq!(inline_keyboard[0][0].text, "Balance");
        }
        other => panic!("{other:?}"),
    }

    // The raw multipart body and the generic request view agree.
    let bodies = tg.multipart_requests("sendPhoto").await;
    assert_eq!(bodies[0].field("chat_id"), Some("42"));
    assert_eq!(bodies[0].file("photo").unwrap().size(), PNG.len());
    let json = tg.requests("sendPhoto").await;
    assert_eq!(json[0]["chat_id"], "42");
    assert_eq!(json[0]["photo"]["file_name"], "card.png");
    assert_eq!(json[0]["photo"]["size"], PNG.len());
    assert!(tg.sent_messages().await.is_empty());
}

#[tokio::test]
async fn a_photo_by_url_is_recorded_without_an_upload() {
    use messenger_core::Image;
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    let chat = ChatRef::private(MessengerKind::Telegram, 42);
    tg.bot()
        .send(
            &chat,
            &OutgoingMessage::photo(Image::url("https://example.invalid/card.png"), "Card"),
        )
        .await
        .unwrap();
    let photos = tg.sent_photos().await;
    assert_eq!(photos[0].chat_id, 42.into());
    assert_eq!(photos[0].photo, "https://example.invalid/card.png");
    assert_eq!(photos[0].caption.as_deref(), Some("Card"));
    assert!(photos[0].upload.is_none());
}

#[tokio::test]
async fn a_migrated_chat_names_its_new_id() {
    let server = MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    tg.chat_migrated("sendMessage", -1_009_876).await;
    let e = tg
        .bot()
        .send(
            &ChatRef::new(
                MessengerKind::Telegram,
                -55,
                messenger_core::ChatType::Group,
            ),
            &OutgoingMessage::new("x"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, MessengerError::ChatMigrated { new_chat_id, detail }
            if *new_chat_id == (-1_009_876).into() && detail.status == Some(400)),
        "{e:?}"
    );
}
