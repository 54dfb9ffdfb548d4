//! Every MAX call against wiremock, asserting method, path, query ids, the `Authorization`
//! header and the exact JSON bodies, and decoding real-shaped responses.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    Button, ButtonAnswer, CallbackRef, ChatRef, ChatType, FileRef, Image, Keyboard, MessageRef,
    Messenger, MessengerError, MessengerKind, OutgoingMessage, PollCursor, RichText,
    ThrottleConfig, Throttled, UpdateKind, ValidationError,
};
use messenger_max::types::{
    CallbackAnswer, GetUpdates, NewMessageBody, SubscriptionRequest, Target,
};
use messenger_max::{MaxBot, SecretString};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "max-test-token_0123";

fn bot(server: &MockServer) -> MaxBot {
    MaxBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .attachment_retry_delays(vec![Duration::from_millis(10), Duration::from_millis(20)])
        .build()
        .unwrap()
}

fn user_chat() -> ChatRef {
    ChatRef::private(MessengerKind::Max, 123456789)
}

fn fixture(name: &str) -> Value {
    let s = std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    serde_json::from_str(&s).unwrap()
}

fn success() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"success": true}))
}

/// `method path` with the bot's `Authorization` header (the raw token, no `Bearer`).
fn call(m: &str, p: &str) -> wiremock::MockBuilder {
    Mock::given(method(m))
        .and(path(p))
        .and(header("authorization", TOKEN))
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
async fn get_me_sends_the_raw_token_and_decodes_the_bot() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("GET", "/me")
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "user_id": 229229229, "first_name": "UniBot", "username": "unit_bot", "is_bot": true,
            "last_activity_time": 1775026693000_i64, "name": "UniBot", "something_new": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let me = bot(&server).get_me().await.unwrap();
    assert_eq!(me.user_id, 229229229);
    assert_eq!(me.username.as_deref(), Some("unit_bot"));
    let req = &server.received_requests().await.unwrap()[0];
    let auth = req.headers.get("authorization").unwrap().to_str().unwrap();
    assert_eq!(auth, TOKEN, "no Bearer prefix");
}

#[tokio::test]
async fn send_renders_html_escapes_values_and_sends_the_inline_keyboard() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/messages")
        .and(query_param("user_id", "123456789"))
        .and(query_param("disable_link_preview", "true"))
        .and(query_param_is_missing("chat_id"))
        .and(body_json(json!({
            "text": "Hello, <b>&lt;b&gt;&amp;&quot;</b>! Your balance: <b>120</b>",
            "format": "html",
            "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                [{"type": "callback", "text": "History", "payload": "hist:1"},
                 {"type": "link", "text": "Site", "url": "https://example.com"}],
                [{"type": "request_contact", "text": "📱 Share phone"}]
            ]}}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let text = RichText::template(
        "Hello, *{name}*! Your balance: *{points}*",
        &[("name", "<b>&\""), ("points", "120")],
    )
    .unwrap();
    let kb = Keyboard::inline(vec![
        vec![
            Button::callback("History", "hist:1"),
            Button::url("Site", "https://example.com"),
        ],
        vec![Button::request_contact("📱 Share phone")],
    ]);
    let sent = bot(&server)
        .send(&user_chat(), &OutgoingMessage::new(text).keyboard(kb))
        .await
        .unwrap();
    assert_eq!(sent, MessageRef::new(user_chat(), "mid.sent0001"));
}

#[tokio::test]
async fn send_to_a_group_uses_chat_id_silently_with_link_preview() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/messages")
        .and(query_param("chat_id", "-5550001"))
        .and(query_param_is_missing("user_id"))
        .and(query_param_is_missing("disable_link_preview"))
        .and(body_json(
            json!({"text": "Hi all", "format": "html", "notify": false}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let chat = ChatRef::new(MessengerKind::Max, -5550001, ChatType::Group);
    bot(&server)
        .send(
            &chat,
            &OutgoingMessage::new("Hi all").silent().with_link_preview(),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn a_reply_keyboard_is_shown_inline_with_message_and_contact_buttons() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/messages")
        .and(body_json(json!({
            "text": "Share your phone", "format": "html",
            "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                [{"type": "request_contact", "text": "Share"}],
                [{"type": "message", "text": "Help"}]
            ]}}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let kb = Keyboard::reply(vec![
        vec![Button::request_contact("Share")],
        vec![Button::text("Help")],
    ]);
    bot(&server)
        .send(
            &user_chat(),
            &OutgoingMessage::new("Share your phone").keyboard(kb),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn image_by_url_is_an_image_attachment() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/messages")
        .and(body_json(json!({
            "text": "Your card", "format": "html",
            "attachments": [{"type": "image", "payload": {"url": "https://cdn.example/card.png"}}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    let msg = OutgoingMessage::photo(Image::url("https://cdn.example/card.png"), "Your card");
    bot(&server).send(&user_chat(), &msg).await.unwrap();
}

#[tokio::test]
async fn image_upload_takes_three_steps_and_retries_attachment_not_ready_twice() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/uploads")
        .and(query_param("type", "image"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"url": format!("{}/upload/one?sig=abc", server.uri())})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // The upload URL is the credential: no bot token goes to it.
    Mock::given(method("POST"))
        .and(path("/upload/one"))
        .and(query_param("sig", "abc"))
        .and(|r: &Request| {
            let body = String::from_utf8_lossy(&r.body);
            !r.headers.contains_key("authorization")
                && r.headers
                    .get("content-type")
                    .is_some_and(|v| v.to_str().unwrap().starts_with("multipart/form-data"))
                && body.contains("name=\"data\"; filename=\"card.png\"")
                && body.contains("Content-Type: image/png")
                && r.body.windows(10).any(|w| w == b"\x89PNG-bytes")
        })
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"photos": {"k1": {"token": "uploaded-token"}}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let expected = json!({
        "text": "Card", "format": "html",
        "attachments": [{"type": "image", "payload": {"token": "uploaded-token"}}]
    });
    call("POST", "/messages")
        .and(body_json(expected.clone()))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"code": "attachment.not.ready", "message": "Key: errors.process.attachment.file.not.processed"})),
        )
        .up_to_n_times(2)
        .expect(2)
        .with_priority(1)
        .mount(&server)
        .await;
    call("POST", "/messages")
        .and(body_json(expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .with_priority(2)
        .mount(&server)
        .await;
    let msg = OutgoingMessage::photo(
        Image::bytes(&b"\x89PNG-bytes"[..], "card.png", "image/png"),
        "Card",
    );
    let sent = bot(&server).send(&user_chat(), &msg).await.unwrap();
    assert_eq!(sent.id.as_str(), Some("mid.sent0001"));
}

#[tokio::test]
async fn attachment_not_ready_past_the_retries_is_a_retryable_error() {
    let server = MockServer::start().await;
    call("POST", "/messages")
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"code": "attachment.not.ready", "message": ""})),
        )
        .expect(3)
        .mount(&server)
        .await;
    let body = NewMessageBody::html("x");
    let e = bot(&server)
        .send_message(Target::User(1), &body, true)
        .await
        .unwrap_err();
    assert!(messenger_max::is_not_ready(&e) && e.is_retryable(), "{e:?}");
}

#[tokio::test]
async fn edit_replaces_text_and_attachments_and_delete_removes() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("PUT", "/messages")
        .and(query_param("message_id", "mid.sent0001"))
        .and(body_json(json!({
            "text": "Balance: <b>130</b>", "format": "html",
            "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                [{"type": "callback", "text": "Back", "payload": "menu"}]]}}]
        })))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    call("PUT", "/messages")
        .and(query_param("message_id", "mid.sent0002"))
        .and(body_json(
            json!({"text": "Done", "format": "html", "attachments": []}),
        ))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    call("DELETE", "/messages")
        .and(query_param("message_id", "mid.sent0001"))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server);
    let new = OutgoingMessage::new(RichText::markup("Balance: *130*").unwrap()).keyboard(
        Keyboard::inline(vec![vec![Button::callback("Back", "menu")]]),
    );
    b.edit(&MessageRef::new(user_chat(), "mid.sent0001"), &new)
        .await
        .unwrap();
    b.edit(
        &MessageRef::new(user_chat(), "mid.sent0002"),
        &OutgoingMessage::new("Done"),
    )
    .await
    .unwrap();
    b.delete_message("mid.sent0001").await.unwrap();
    // A numeric id cannot be a MAX message.
    let e = b
        .edit(&MessageRef::new(user_chat(), 5), &OutgoingMessage::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::InvalidRequest { .. }));
}

#[tokio::test]
async fn answers_show_a_toast_or_replace_the_message() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/answers")
        .and(query_param("callback_id", "cb-1"))
        .and(body_json(json!({"notification": "Done"})))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    call("POST", "/answers")
        .and(query_param("callback_id", "cb-2"))
        .and(body_json(json!({
            "message": {"text": "Balance: <b>5</b>", "format": "html"},
            "notification": "Updated"
        })))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server);
    let cb = CallbackRef::new(MessengerKind::Max, "cb-1");
    b.answer_button(&cb, &ButtonAnswer::toast("Done"))
        .await
        .unwrap();
    // A bare acknowledgement needs no request.
    b.answer_button(&cb, &ButtonAnswer::ack()).await.unwrap();
    b.answer_callback(
        "cb-2",
        &CallbackAnswer::replace(NewMessageBody::html("Balance: <b>5</b>")).with_toast("Updated"),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn subscriptions_are_created_listed_and_deleted() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/subscriptions")
        .and(body_json(json!({
            "url": "https://bot.example/max",
            "update_types": ["message_created", "message_callback"],
            "secret": "hook_Secret-123"
        })))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/subscriptions")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"subscriptions": [
            {"url": "https://bot.example/max", "time": 1775025604499_i64,
             "update_types": ["message_created"], "version": "0.0.32"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    call("DELETE", "/subscriptions")
        .and(query_param("url", "https://bot.example/max"))
        .respond_with(success())
        .expect(1)
        .mount(&server)
        .await;
    let b = bot(&server);
    let req = SubscriptionRequest::new("https://bot.example/max")
        .update_types(vec!["message_created".into(), "message_callback".into()])
        .secret(SecretString::from("hook_Secret-123"));
    assert!(!format!("{req:?}").contains("hook_Secret"));
    b.subscribe(&req).await.unwrap();
    let subs = b.get_subscriptions().await.unwrap();
    assert_eq!(subs.subscriptions[0].url, "https://bot.example/max");
    b.unsubscribe("https://bot.example/max").await.unwrap();
}

#[tokio::test]
async fn success_false_is_an_error() {
    let server = MockServer::start().await;
    call("DELETE", "/messages")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": false, "message": "message not found"})),
        )
        .mount(&server)
        .await;
    let e = bot(&server).delete_message("mid.x").await.unwrap_err();
    assert!(e.to_string().contains("message not found"), "{e}");
}

#[tokio::test]
async fn get_updates_sends_marker_timeout_limit_and_types() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("GET", "/updates")
        .and(query_param("marker", "77"))
        .and(query_param("timeout", "1"))
        .and(query_param("limit", "50"))
        .and(query_param("types", "message_created,bot_started"))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("updates.json")))
        .expect(1)
        .mount(&server)
        .await;
    let list = bot(&server)
        .get_updates(
            &GetUpdates::new()
                .marker(Some(77))
                .timeout(1)
                .limit(50)
                .types(vec!["message_created".into(), "bot_started".into()]),
        )
        .await
        .unwrap();
    assert_eq!(list.updates.len(), 6);
    assert_eq!(list.marker, Some(1775025800001));
}

#[tokio::test]
async fn poll_maps_the_batch_and_advances_the_marker() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("GET", "/updates")
        .and(query_param_is_missing("marker"))
        .and(query_param("timeout", "2"))
        .and(query_param(
            "types",
            "message_created,message_callback,bot_started,bot_stopped,dialog_removed",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("updates.json")))
        .expect(1)
        .mount(&server)
        .await;
    let batch = bot(&server)
        .poll(PollCursor(None), Duration::from_secs(2))
        .await
        .unwrap();
    assert_eq!(batch.next, PollCursor(Some(1775025800001)));
    let kinds: Vec<&str> = batch
        .updates
        .iter()
        .map(|u| match &u.kind {
            UpdateKind::Started { .. } => "started",
            UpdateKind::ButtonPress(_) => "press",
            UpdateKind::Unsubscribed => "unsubscribed",
            UpdateKind::Contact(_) => "contact",
            UpdateKind::Photo(_) => "photo",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "started",
            "press",
            "started",
            "unsubscribed",
            "contact",
            "photo"
        ]
    );
}

#[tokio::test]
async fn downloads_the_incoming_image_without_the_token() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("GET"))
        .and(path("/i"))
        .and(query_param("r", "abc"))
        .and(|r: &Request| !r.headers.contains_key("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(&b"JPEGDATA"[..]))
        .expect(1)
        .mount(&server)
        .await;
    let file = FileRef::from_url(format!("{}/i?r=abc", server.uri()));
    let bytes = bot(&server).download(&file).await.unwrap();
    assert_eq!(&bytes[..], b"JPEGDATA");
    let e = bot(&server)
        .download(&FileRef::default())
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::InvalidRequest { .. }));
}

#[tokio::test]
async fn a_download_refused_without_auth_is_retried_with_it_on_the_api_host() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("GET"))
        .and(path("/files/1"))
        .and(|r: &Request| !r.headers.contains_key("authorization"))
        .respond_with(ResponseTemplate::new(403))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/files/1")
        .respond_with(ResponseTemplate::new(200).set_body_bytes(&b"OK"[..]))
        .expect(1)
        .mount(&server)
        .await;
    let file = FileRef::from_url(format!("{}/files/1", server.uri()));
    assert_eq!(&bot(&server).download(&file).await.unwrap()[..], b"OK");
}

#[tokio::test]
async fn errors_map_to_the_common_model() {
    let server = MockServer::start().await;
    let cases: [(i64, u16, Value); 5] = [
        (
            1,
            401,
            json!({"code": "verify.token", "message": "Invalid access_token"}),
        ),
        (
            2,
            403,
            json!({"code": "chat.denied", "message": "bot was stopped by user"}),
        ),
        (
            3,
            404,
            json!({"code": "chat.not.found", "message": "Chat 3 not found"}),
        ),
        (
            4,
            400,
            json!({"code": "proto.payload", "message": "text: size must be between 0 and 4000"}),
        ),
        (
            5,
            503,
            json!({"code": "internal", "message": "Service unavailable"}),
        ),
    ];
    for (id, status, body) in &cases {
        call("POST", "/messages")
            .and(query_param("user_id", id.to_string()))
            .respond_with(ResponseTemplate::new(*status).set_body_json(body))
            .mount(&server)
            .await;
    }
    let b = bot(&server);
    let mut errors = Vec::new();
    for (id, _, _) in &cases {
        let chat = ChatRef::private(MessengerKind::Max, *id);
        errors.push(b.send(&chat, &OutgoingMessage::new("x")).await.unwrap_err());
    }
    assert!(
        matches!(&errors[0], MessengerError::Unauthorized { detail } if detail.code.as_deref() == Some("verify.token"))
    );
    assert!(matches!(&errors[1], MessengerError::Blocked { .. }) && errors[1].is_recipient_gone());
    assert!(matches!(&errors[2], MessengerError::ChatNotFound { .. }));
    assert!(
        matches!(&errors[3], MessengerError::InvalidRequest { detail } if detail.status == Some(400) && detail.description.contains("4000"))
    );
    assert!(matches!(&errors[4], MessengerError::Server { .. }) && errors[4].is_retryable());
}

#[tokio::test]
async fn html_error_pages_and_malformed_json_keep_the_status() {
    let server = MockServer::start().await;
    call("GET", "/me")
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    call("GET", "/me")
        .respond_with(ResponseTemplate::new(200).set_body_string("{not json"))
        .mount(&server)
        .await;
    let b = bot(&server);
    let e = b.get_me().await.unwrap_err();
    assert!(matches!(&e, MessengerError::Server { detail } if detail.status == Some(502)));
    let e = b.get_me().await.unwrap_err();
    assert!(
        matches!(e, MessengerError::Decode { status: 200, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_times_out() {
    let server = MockServer::start().await;
    call("GET", "/me")
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let b = MaxBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let e = b.get_me().await.unwrap_err();
    assert!(
        matches!(&e, MessengerError::Transport { reason, .. } if reason.contains("timed out")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_429_is_backed_off_and_retried_by_throttled() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/messages")
        .respond_with(
            ResponseTemplate::new(429).set_body_json(
                json!({"code": "too.many.requests", "message": "Too many requests"}),
            ),
        )
        .up_to_n_times(1)
        .expect(1)
        .with_priority(1)
        .mount(&server)
        .await;
    call("POST", "/messages")
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .with_priority(2)
        .mount(&server)
        .await;
    let b = bot(&server);
    // The bare error first: rate limited, with no delay hint from MAX.
    let config =
        ThrottleConfig::from_limits(b.limits()).with_backoff_initial(Duration::from_millis(20));
    // 30 requests/s per bot by default.
    assert_eq!(config.global.count.get(), 30);
    assert_eq!(config.global.per, Duration::from_secs(1));
    let throttled = Throttled::with_config(b, config);
    let sent = throttled
        .send(&user_chat(), &OutgoingMessage::new("hi"))
        .await
        .unwrap();
    assert_eq!(sent.id.as_str(), Some("mid.sent0001"));
}

#[tokio::test]
async fn a_429_without_throttling_is_rate_limited_without_a_hint() {
    let server = MockServer::start().await;
    call("POST", "/messages")
        .respond_with(
            ResponseTemplate::new(429).set_body_json(
                json!({"code": "too.many.requests", "message": "Too many requests"}),
            ),
        )
        .mount(&server)
        .await;
    let e = bot(&server)
        .send(&user_chat(), &OutgoingMessage::new("hi"))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        MessengerError::RateLimited {
            retry_after: None,
            scope: messenger_core::RateLimitScope::Bot,
            ..
        }
    ));
}

#[tokio::test]
async fn keyboard_limits_are_checked_before_sending() {
    let server = MockServer::start().await;
    strict(&server).await;
    let b = bot(&server);
    let cb = |i: usize| Button::callback(format!("b{i}"), format!("d{i}"));
    let send = |kb: Keyboard| {
        let b = b.clone();
        async move {
            b.send(&user_chat(), &OutgoingMessage::new("x").keyboard(kb))
                .await
                .unwrap_err()
        }
    };
    // 31 rows.
    let e = send(Keyboard::inline((0..31).map(|i| vec![cb(i)]).collect())).await;
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::TooManyRows { count: 31, max: 30 })
        ),
        "{e:?}"
    );
    // 8 in a row.
    let e = send(Keyboard::inline(vec![(0..8).map(cb).collect()])).await;
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::RowTooWide {
                count: 8,
                max: 7,
                ..
            })
        ),
        "{e:?}"
    );
    // 4 links in a row; 4 contact/link buttons in a row.
    let e = send(Keyboard::inline(vec![
        (0..4)
            .map(|i| Button::url(format!("l{i}"), "https://e.com"))
            .collect(),
    ]))
    .await;
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::TooManyLinkButtonsInRow {
                count: 4,
                max: 3,
                ..
            })
        ),
        "{e:?}"
    );
    let e = send(Keyboard::inline(vec![vec![
        Button::url("a", "https://e.com"),
        Button::url("b", "https://e.com"),
        Button::request_contact("c"),
        Button::request_contact("d"),
    ]]))
    .await;
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::TooManyLinkButtonsInRow { .. })
        ),
        "{e:?}"
    );
    // Payload of 1025 characters (multi-byte: counted in characters).
    let e = send(Keyboard::inline(vec![vec![Button::callback(
        "x",
        "я".repeat(1025),
    )]]))
    .await;
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::CallbackData {
                len: 1025,
                max: 1024,
                ..
            })
        ),
        "{e:?}"
    );
    // Text over 4000 characters.
    let e = b
        .send(
            &user_chat(),
            &OutgoingMessage::new("я".repeat(4001).as_str()),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::TextTooLong { max: 4000, .. })
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn the_largest_allowed_keyboard_is_sent() {
    let server = MockServer::start().await;
    strict(&server).await;
    call("POST", "/messages")
        .and(|r: &Request| {
            let v: Value = serde_json::from_slice(&r.body).unwrap();
            let rows = v["attachments"][0]["payload"]["buttons"]
                .as_array()
                .unwrap()
                .clone();
            rows.len() == 30 && rows.iter().all(|r| r.as_array().unwrap().len() == 7)
        })
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("sent_message.json")))
        .expect(1)
        .mount(&server)
        .await;
    // 210 buttons: 30 rows of 7, payloads of exactly 1024 characters.
    let rows = (0..30)
        .map(|r| {
            (0..7)
                .map(|c| Button::callback(format!("{r}.{c}"), "p".repeat(1024)))
                .collect()
        })
        .collect();
    bot(&server)
        .send(
            &user_chat(),
            &OutgoingMessage::new("big").keyboard(Keyboard::inline(rows)),
        )
        .await
        .unwrap();
}

#[test]
fn extra_root_certificates_are_accepted_and_bad_pem_is_refused() {
    let pem = std::fs::read(format!(
        "{}/tests/fixtures/extra_root.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    MaxBot::builder(SecretString::from(TOKEN))
        .root_certificates_pem(pem)
        .build()
        .unwrap();
    let e = MaxBot::builder(SecretString::from(TOKEN))
        .root_certificates_pem(
            &b"-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"[..],
        )
        .build()
        .unwrap_err();
    assert!(matches!(e, MessengerError::Config(_)), "{e:?}");
    let e = MaxBot::builder(SecretString::from(TOKEN))
        .root_certificates_pem(&b"nothing here"[..])
        .build()
        .unwrap_err();
    assert!(matches!(e, MessengerError::Config(_)), "{e:?}");
}

#[test]
fn the_builder_checks_its_settings() {
    let b = MaxBot::builder(SecretString::from(TOKEN)).build().unwrap();
    assert_eq!(b.base_url(), "https://platform-api2.max.ru");
    assert_eq!(b.limits().text_max, 4000);
    for bad in ["", "has space", "new\nline"] {
        assert!(
            MaxBot::builder(SecretString::from(bad)).build().is_err(),
            "{bad:?}"
        );
    }
    assert!(
        MaxBot::builder(SecretString::from(TOKEN))
            .base_url("ftp://x")
            .build()
            .is_err()
    );
    for bad in ["abc", "has space!", &"x".repeat(257)] {
        assert!(
            MaxBot::builder(SecretString::from(TOKEN))
                .webhook_secret(SecretString::from(bad))
                .build()
                .is_err(),
            "{bad:?}"
        );
    }
}
