//! Every Bot API call against wiremock, asserting the exact request bodies and decoding
//! real-shaped responses.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use bytes::Bytes;
use messenger_core::{
    Button, ButtonAnswer, CallbackRef, ChatRef, FileRef, Image, Keyboard, MessageRef, Messenger,
    MessengerError, MessengerKind, OutgoingMessage, PollCursor, ReplyKeyboard, RichText,
    UpdateKind, ValidationError, send_long,
};
use messenger_telegram::mock::{Fault, MultipartBody, TelegramMock};
use messenger_telegram::types::{GetUpdates, SetWebhook};
use messenger_telegram::{SecretString, TelegramBot};
use serde_json::{Value, json};
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

fn chat() -> ChatRef {
    ChatRef::private(MessengerKind::Telegram, 123456789)
}

fn fixture(name: &str) -> Value {
    let s = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&s).unwrap()
}

fn ok(result: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": result}))
}

/// A catch-all that fails the test on any request no other mock matched.
async fn strict(server: &MockServer) {
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(599).set_body_string("route missed"))
        .with_priority(u8::MAX)
        .expect(0)
        .mount(server)
        .await;
}

#[tokio::test]
async fn get_me_decodes_the_bot_user() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("getMe")))
        .respond_with(ok(
            json!({"id": 999, "is_bot": true, "first_name": "LoyaltyBot",
            "username": "loyalty_bot", "can_join_groups": true, "supports_inline_queries": false}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let me = bot(&server).get_me().await.unwrap();
    assert_eq!(me.id, 999);
    assert!(me.is_bot);
    assert_eq!(me.username.as_deref(), Some("loyalty_bot"));
}

#[tokio::test]
async fn send_message_renders_html_escapes_values_and_sends_an_inline_keyboard() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendMessage")))
        .and(body_json(json!({
            "chat_id": 123456789,
            "text": "Hello, <b>&lt;b&gt;&amp;&quot;</b>! Your balance: <b>120</b> points\n<a href=\"https://example.com/?a=1&amp;b=2\">Rules</a>",
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
            "reply_markup": {"inline_keyboard": [
                [{"text": "History", "callback_data": "hist:1"}, {"text": "Site", "url": "https://example.com"}],
                [{"text": "<b>&\"", "callback_data": "x"}]
            ]}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let text = RichText::template(
        "Hello, *{name}*! Your balance: *{points}* points\n[Rules](https://example.com/?a=1&b=2)",
        &[("name", "<b>&\""), ("points", "120")],
    )
    .unwrap();
    let kb = Keyboard::inline(vec![
        vec![
            Button::callback("History", "hist:1"),
            Button::url("Site", "https://example.com"),
        ],
        vec![Button::callback("<b>&\"", "x")],
    ]);
    let sent = bot(&server)
        .send(&chat(), &OutgoingMessage::new(text).keyboard(kb))
        .await
        .unwrap();
    assert_eq!(sent, MessageRef::new(chat(), 77));
}

#[tokio::test]
async fn send_message_with_reply_keyboard_requesting_the_contact() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendMessage")))
        .and(body_json(json!({
            "chat_id": 123456789,
            "text": "Share your phone to log in",
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
            "disable_notification": true,
            "reply_markup": {"keyboard": [[{"text": "📱 Share phone", "request_contact": true}], [{"text": "Cancel"}]],
                "resize_keyboard": true, "one_time_keyboard": true,
                "input_field_placeholder": "Tap the button below"}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let kb = Keyboard::Reply(
        ReplyKeyboard::new(vec![
            vec![Button::request_contact("📱 Share phone")],
            vec![Button::text("Cancel")],
        ])
        .placeholder("Tap the button below"),
    );
    bot(&server)
        .send(
            &chat(),
            &OutgoingMessage::new("Share your phone to log in")
                .keyboard(kb)
                .silent(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn send_message_removing_the_keyboard() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendMessage")))
        .and(body_json(json!({
            "chat_id": 123456789,
            "text": "Thanks!",
            "parse_mode": "HTML",
            "reply_markup": {"remove_keyboard": true}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    bot(&server)
        .send(
            &chat(),
            &OutgoingMessage::new("Thanks!")
                .keyboard(Keyboard::Remove)
                .with_link_preview(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn send_photo_by_url_as_json() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendPhoto")))
        .and(body_json(json!({
            "chat_id": 123456789,
            "photo": "https://cdn.example.com/card.png",
            "caption": "Your card <i>№ 42</i>",
            "parse_mode": "HTML"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_photo.json")))
        .expect(1)
        .mount(&server)
        .await;
    let msg = OutgoingMessage::photo(
        Image::url("https://cdn.example.com/card.png"),
        RichText::new().text("Your card ").italic("№ 42"),
    );
    let sent = bot(&server).send(&chat(), &msg).await.unwrap();
    assert_eq!(sent.id.as_i64(), Some(78));
}

#[tokio::test]
async fn send_photo_upload_as_multipart() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendPhoto")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_photo.json")))
        .expect(1)
        .mount(&server)
        .await;
    let png = Bytes::from_static(b"\x89PNG\r\n\x1a\nfake-image-bytes");
    let msg = OutgoingMessage::photo(
        Image::bytes(png.clone(), "card.png", "image/png"),
        RichText::new().bold("A & B"),
    )
    .keyboard(Keyboard::inline(vec![vec![Button::callback("OK", "ok")]]));
    bot(&server).send(&chat(), &msg).await.unwrap();

    // The body is read with the kit's multipart parser.
    let req = &server.received_requests().await.unwrap()[0];
    let ct = req.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("multipart/form-data; boundary="), "{ct}");
    let form = MultipartBody::from_request(req).unwrap();
    assert_eq!(form.field("chat_id"), Some("123456789"));
    assert_eq!(form.field("caption"), Some("<b>A &amp; B</b>"));
    assert_eq!(form.field("parse_mode"), Some("HTML"));
    assert_eq!(
        serde_json::from_str::<Value>(form.field("reply_markup").unwrap()).unwrap(),
        json!({"inline_keyboard": [[{"text": "OK", "callback_data": "ok"}]]})
    );
    let photo = form.file("photo").unwrap();
    assert_eq!(photo.file_name.as_deref(), Some("card.png"));
    assert_eq!(photo.content_type.as_deref(), Some("image/png"));
    assert_eq!(photo.data, png);
    let names: Vec<&str> = form.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["chat_id", "photo", "caption", "parse_mode", "reply_markup"]
    );
}

/// The same picture sent again (a broadcast's, to each recipient) goes by the `file_id` of its
/// first upload instead of being uploaded again; a refused id is uploaded again.
#[tokio::test]
async fn a_picture_sent_again_goes_by_its_file_id() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendPhoto")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_photo.json")))
        .expect(3)
        .mount(&server)
        .await;
    let png = Bytes::from_static(b"\x89PNG\r\n\x1a\nbroadcast-picture");
    let msg = OutgoingMessage::photo(Image::bytes(png.clone(), "sale.png", "image/png"), "Sale!");
    let bot = bot(&server);
    for _ in 0..3 {
        bot.send(&chat(), &msg).await.unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    let kinds: Vec<String> = requests
        .iter()
        .map(|r| {
            r.headers
                .get("content-type")
                .unwrap()
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "multipart/form-data",
            "application/json",
            "application/json"
        ]
    );
    let largest = fixture("sent_photo.json")["result"]["photo"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["file_id"]
        .clone();
    let second: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(second["photo"], largest);
    assert_eq!(second["caption"], "Sale!");

    // Telegram refuses the id (it expired): the picture is uploaded again, once.
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendPhoto")))
        .and(wiremock::matchers::header(
            "content-type",
            "application/json",
        ))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "ok": false, "error_code": 400,
            "description": "Bad Request: wrong file identifier/HTTP URL specified"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("sendPhoto")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_photo.json")))
        .mount(&server)
        .await;
    let bot = self::bot(&server);
    bot.send(&chat(), &msg).await.unwrap();
    bot.send(&chat(), &msg).await.unwrap();
    let n = server.received_requests().await.unwrap().len();
    assert_eq!(n, 3, "upload, refused id, upload again");
}

#[tokio::test]
async fn edit_message_text_and_answer_callback_query() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("editMessageText")))
        .and(body_json(json!({
            "chat_id": 123456789, "message_id": 12,
            "text": "Balance: <b>120</b>", "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
            "reply_markup": {"inline_keyboard": [[{"text": "Back", "callback_data": "menu"}]]}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("answerCallbackQuery")))
        .and(body_json(
            json!({"callback_query_id": "4382bfdwdsb323b2d9", "text": "Done", "show_alert": true}),
        ))
        .respond_with(ok(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("answerCallbackQuery")))
        .and(body_json(json!({"callback_query_id": "plain"})))
        .respond_with(ok(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server);
    let msg = OutgoingMessage::new(RichText::new().text("Balance: ").bold("120")).keyboard(
        Keyboard::inline(vec![vec![Button::callback("Back", "menu")]]),
    );
    b.edit(&MessageRef::new(chat(), 12), &msg).await.unwrap();
    let cb = |id: &str| CallbackRef::new(MessengerKind::Telegram, id);
    b.answer_button(&cb("4382bfdwdsb323b2d9"), &ButtonAnswer::alert("Done"))
        .await
        .unwrap();
    b.answer_button(&cb("plain"), &ButtonAnswer::ack())
        .await
        .unwrap();
    // A reply keyboard cannot go on an edited message.
    let err = b
        .edit(
            &MessageRef::new(chat(), 12),
            &OutgoingMessage::new("x").keyboard(Keyboard::request_contact("Share")),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        MessengerError::Invalid(ValidationError::ButtonNotAllowed { .. })
    ));
}

#[tokio::test]
async fn get_file_then_download() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("getFile")))
        .and(body_json(json!({"file_id": "AgAD-large"})))
        .respond_with(ok(json!({"file_id": "AgAD-large", "file_unique_id": "u3",
            "file_size": 12, "file_path": "photos/file_3.jpg"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/file/bot{TOKEN}/photos/file_3.jpg")))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"jpeg-bytes!!".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let file = FileRef::new("AgAD-large");
    let bytes = bot(&server).download(&file).await.unwrap();
    assert_eq!(&bytes[..], b"jpeg-bytes!!");
}

#[tokio::test]
async fn send_chat_action_typing() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendChatAction")))
        .and(body_json(json!({"chat_id": 123456789, "action": "typing"})))
        .respond_with(ok(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    bot(&server).send_typing(&chat()).await.unwrap();
}

#[tokio::test]
async fn webhook_management_calls() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("setWebhook")))
        .and(body_json(json!({
            "url": "https://bot.example.com/tg",
            "secret_token": "hook_Secret-1",
            "allowed_updates": ["message", "callback_query", "my_chat_member"],
            "drop_pending_updates": true
        })))
        .respond_with(ok(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("deleteWebhook")))
        .and(body_json(json!({"drop_pending_updates": true})))
        .respond_with(ok(json!(true)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(p("getWebhookInfo")))
        .respond_with(ok(
            json!({"url": "https://bot.example.com/tg", "has_custom_certificate": false,
            "pending_update_count": 3, "last_error_date": 1763800000,
            "last_error_message": "Connection refused", "max_connections": 40,
            "ip_address": "203.0.113.5"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server);
    let req = SetWebhook {
        url: "https://bot.example.com/tg".into(),
        secret_token: Some(SecretString::from("hook_Secret-1")),
        allowed_updates: Some(vec![
            "message".into(),
            "callback_query".into(),
            "my_chat_member".into(),
        ]),
        drop_pending_updates: true,
        max_connections: None,
    };
    assert!(!format!("{req:?}").contains("hook_Secret-1"));
    assert!(b.set_webhook(&req).await.unwrap());
    assert!(b.delete_webhook(true).await.unwrap());
    let info = b.get_webhook_info().await.unwrap();
    assert_eq!(info.pending_update_count, 3);
    assert_eq!(
        info.last_error_message.as_deref(),
        Some("Connection refused")
    );
    assert_eq!(info.max_connections, Some(40));
}

#[tokio::test]
async fn get_updates_sends_offset_timeout_allowed_updates_and_decodes_every_kind() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("getUpdates")))
        .and(body_json(json!({"offset": 100000001, "timeout": 0,
            "allowed_updates": ["message", "callback_query", "my_chat_member"]})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("updates.json")))
        .expect(1)
        .mount(&server)
        .await;
    let batch = bot(&server)
        .poll(PollCursor(Some(100000001)), Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(batch.next, PollCursor(Some(100000011)));
    let u = &batch.updates;
    assert_eq!(u.len(), 10);
    assert_eq!(u[0].dedup_key, "100000001");
    assert_eq!(
        u[0].kind,
        UpdateKind::Started {
            payload: Some("ref_42".into())
        }
    );
    let from = u[0].from.as_ref().unwrap();
    assert_eq!(from.first_name.as_deref(), Some("Ivan"));
    assert_eq!(from.username.as_deref(), Some("ivan"));
    assert_eq!(from.language.as_deref(), Some("ru"));
    assert_eq!(u[0].date.unwrap().timestamp(), 1763800000);
    assert_eq!(u[0].chat, Some(chat()));

    let UpdateKind::ButtonPress(press) = &u[1].kind else {
        panic!("{:?}", u[1].kind)
    };
    assert_eq!(press.data, "balance");
    assert_eq!(press.callback.as_ref().unwrap().id, "4382bfdwdsb323b2d9");
    assert_eq!(press.message, Some(MessageRef::new(chat(), 12)));

    let UpdateKind::Contact(c) = &u[2].kind else {
        panic!("{:?}", u[2].kind)
    };
    assert_eq!(c.phone, "+79991234567");
    assert!(c.is_own);

    let UpdateKind::Photo(photo) = &u[3].kind else {
        panic!("{:?}", u[3].kind)
    };
    assert_eq!(photo.file.id, "AgAD-large");
    assert_eq!(photo.file.size, Some(190000));
    assert_eq!(photo.caption.as_deref(), Some("check"));

    assert_eq!(u[4].kind, UpdateKind::Unsubscribed);
    assert_eq!(u[4].chat, Some(chat()));

    let UpdateKind::Contact(forwarded) = &u[5].kind else {
        panic!("{:?}", u[5].kind)
    };
    assert!(
        !forwarded.is_own,
        "someone else's number is not the sender's own"
    );

    assert!(
        matches!(&u[6].kind, UpdateKind::Other { type_name, .. } if type_name == "edited_message")
    );
    let UpdateKind::Other { type_name, raw } = &u[7].kind else {
        panic!("{:?}", u[7].kind)
    };
    assert_eq!(type_name, "message");
    assert_eq!(raw["message"]["message_id"], "not-a-number");
    assert_eq!(u[7].dedup_key, "100000008");

    assert_eq!(
        u[8].kind,
        UpdateKind::Command {
            name: "balance".into(),
            args: "2".into(),
            message: Some(MessageRef::new(chat(), 16))
        }
    );
    let UpdateKind::Document(doc) = &u[9].kind else {
        panic!("{:?}", u[9].kind)
    };
    assert_eq!(doc.file.file_name.as_deref(), Some("receipt.pdf"));
}

#[tokio::test]
async fn get_updates_raw_call() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("getUpdates")))
        .and(body_json(json!({"limit": 5, "timeout": 0})))
        .respond_with(ok(json!([{"update_id": 7, "poll": {"id": "1"}}])))
        .expect(1)
        .mount(&server)
        .await;
    let raw = bot(&server)
        .get_updates(&GetUpdates {
            limit: Some(5),
            timeout: Some(0),
            ..GetUpdates::default()
        })
        .await
        .unwrap();
    let u = messenger_telegram::parse_update(&raw[0]);
    assert!(matches!(u.kind, UpdateKind::Other { ref type_name, .. } if type_name == "poll"));
}

async fn error_response(status: u16, body: Value) -> MessengerError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(p("sendMessage")))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    bot(&server)
        .send(&chat(), &OutgoingMessage::new("hi"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn error_envelope_maps_to_typed_errors() {
    let e = error_response(
        403,
        json!({"ok": false, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}),
    )
    .await;
    assert!(
        matches!(&e, MessengerError::Blocked { detail } if detail.description == "Forbidden: bot was blocked by the user" && detail.status == Some(403)),
        "{e:?}"
    );
    assert!(e.is_recipient_gone());

    let e = error_response(
        400,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: chat not found"}),
    )
    .await;
    assert!(matches!(e, MessengerError::ChatNotFound { .. }), "{e:?}");
    assert!(e.is_recipient_gone());

    let e = error_response(
        400,
        json!({"ok": false, "error_code": 400, "description": "Bad Request: can't parse entities"}),
    )
    .await;
    assert!(
        matches!(&e, MessengerError::InvalidRequest { detail } if detail.description.contains("can't parse entities")),
        "{e:?}"
    );

    let e = error_response(
        401,
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
    )
    .await;
    assert!(matches!(e, MessengerError::Unauthorized { .. }), "{e:?}");

    let e = error_response(
        429,
        json!({"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 3", "parameters": {"retry_after": 3}}),
    )
    .await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    // error_response sends a message into one chat: that chat's limit.
    assert_eq!(
        e.rate_limit_scope(),
        Some(messenger_core::RateLimitScope::Chat)
    );

    let e = error_response(
        500,
        json!({"ok": false, "error_code": 500, "description": "Internal Server Error"}),
    )
    .await;
    assert!(
        matches!(e, MessengerError::Server { .. }) && e.is_retryable(),
        "{e:?}"
    );
}

#[tokio::test]
async fn html_error_pages_and_malformed_json_keep_the_status() {
    let server = MockServer::start().await;
    let kit = TelegramMock::start_with_token(&server, TOKEN).await;
    kit.fail_times("getMe", Fault::HtmlErrorPage(502), 1).await;
    kit.fail("getMe", Fault::MalformedJson).await;
    let b = bot(&server);
    let e = b.get_me().await.unwrap_err();
    assert!(
        matches!(&e, MessengerError::Server { detail } if detail.status == Some(502) && detail.description.contains("Bad Gateway")),
        "{e:?}"
    );
    let e = b.get_me().await.unwrap_err();
    assert!(
        matches!(&e, MessengerError::Decode { op: "getMe", status: 200, snippet, .. } if snippet.starts_with("{\"ok\": tru")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out_as_a_transport_error() {
    let server = MockServer::start().await;
    let kit = TelegramMock::start_with_token(&server, TOKEN).await;
    kit.fail("getMe", Fault::Delay(Duration::from_secs(3)))
        .await;
    let b = kit
        .bot_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = b.get_me().await.unwrap_err();
    assert!(
        matches!(&e, MessengerError::Transport { reason, maybe_sent: true } if reason.contains("timed out")),
        "{e:?}"
    );
}

#[tokio::test]
async fn long_text_is_split_at_paragraphs_into_several_messages() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("sendMessage")))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(3)
        .mount(&server)
        .await;
    // Three paragraphs of 3000 characters: each fits 4096, two do not.
    let para = |c: &str| c.repeat(3000);
    let text = format!("{}\n\n{}\n\n{}", para("a"), para("b"), para("c"));
    let kb = Keyboard::inline(vec![vec![Button::callback("More", "more")]]);
    let msg = OutgoingMessage::new(text.as_str()).keyboard(kb);
    let b = bot(&server);
    assert!(matches!(
        b.send(&chat(), &msg).await,
        Err(MessengerError::Invalid(ValidationError::TextTooLong {
            len: 9004,
            max: 4096,
            ..
        }))
    ));
    let sent = send_long(&b, &chat(), &msg).await.unwrap();
    assert_eq!(sent.len(), 3);
    let bodies: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0]["text"], para("a"));
    assert_eq!(bodies[1]["text"], para("b"));
    assert_eq!(bodies[2]["text"], para("c"));
    assert!(bodies[0].get("reply_markup").is_none());
    assert_eq!(
        bodies[2]["reply_markup"],
        json!({"inline_keyboard": [[{"text": "More", "callback_data": "more"}]]})
    );
}

#[tokio::test]
async fn invalid_messages_are_refused_before_any_request() {
    let server = MockServer::start().await;
    strict(&server).await;
    let b = bot(&server);
    let long_data = "é".repeat(33); // 66 bytes, 33 characters
    let e = b
        .send(
            &chat(),
            &OutgoingMessage::new("x").keyboard(Keyboard::inline(vec![vec![Button::callback(
                "A", long_data,
            )]])),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::CallbackData {
                len: 66,
                max: 64,
                ..
            })
        ),
        "{e:?}"
    );
    let e = b
        .send(
            &chat(),
            &OutgoingMessage::new("x").keyboard(Keyboard::inline(vec![vec![
                Button::request_contact("Phone"),
            ]])),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::ContactButtonNotAllowed)
        ),
        "{e:?}"
    );
    let e = b
        .send(&chat(), &OutgoingMessage::new(""))
        .await
        .unwrap_err();
    assert!(
        matches!(e, MessengerError::Invalid(ValidationError::Empty)),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_pauses_then_delivers_through_throttled() {
    let server = MockServer::start().await;
    // Telegram's 429 envelope (`parameters.retry_after`) once, then the kit's normal answer.
    let tg = TelegramMock::start_with_token(&server, TOKEN).await;
    tg.fail_times("sendMessage", Fault::RateLimited { retry_after: 1 }, 1)
        .await;
    let throttled = messenger_core::Throttled::new(bot(&server));
    let start = std::time::Instant::now();
    let sent = throttled
        .send(
            &chat(),
            &OutgoingMessage::new(RichText::new().text("Your bonus: ").bold("50")),
        )
        .await
        .unwrap();
    assert_eq!(sent.id.as_i64(), Some(1000));
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    // The same message, exactly, twice.
    let expected = json!({"chat_id": 123456789, "text": "Your bonus: <b>50</b>",
        "parse_mode": "HTML", "link_preview_options": {"is_disabled": true}});
    assert_eq!(
        tg.requests("sendMessage").await,
        [expected.clone(), expected]
    );
}

#[tokio::test]
async fn editing_a_picture_message_edits_its_caption() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path(p("editMessageCaption")))
        .and(body_json(json!({
            "chat_id": 123456789, "message_id": 78,
            "caption": "New &lt;caption&gt;", "parse_mode": "HTML"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_photo.json")))
        .expect(1)
        .mount(&server)
        .await;
    let msg = OutgoingMessage::photo(
        Image::url("https://cdn.example.com/card.png"),
        "New <caption>",
    );
    bot(&server)
        .edit(&MessageRef::new(chat(), 78), &msg)
        .await
        .unwrap();
}

#[test]
fn a_press_on_an_inaccessible_message_still_has_its_chat_and_group_chats_are_groups() {
    let u = messenger_telegram::parse_update(&json!({"update_id": 3, "callback_query": {
        "id": "77", "from": {"id": 5, "is_bot": false, "first_name": "A"},
        "message": {"message_id": 9, "date": 0, "chat": {"id": -100123, "type": "supergroup", "title": "Shop"}},
        "data": "x"}}));
    let UpdateKind::ButtonPress(p) = &u.kind else {
        panic!("{u:?}")
    };
    let chat = u.chat.clone().unwrap();
    assert_eq!(chat.chat_type, messenger_core::ChatType::Group);
    assert_eq!(chat.id.as_i64(), Some(-100123));
    assert_eq!(p.message.as_ref().unwrap().id.as_i64(), Some(9));
    assert_eq!(u.date, None, "date 0 means unknown");
    // A press without a message (inline mode) answers in the presser's private chat.
    let u = messenger_telegram::parse_update(&json!({"update_id": 4, "callback_query": {
        "id": "78", "from": {"id": 5, "is_bot": false, "first_name": "A"}, "data": "y"}}));
    assert_eq!(u.chat, Some(ChatRef::private(MessengerKind::Telegram, 5)));
}
