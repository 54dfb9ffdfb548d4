//! Every Viber call against wiremock, matched on method, path, the auth header and the exact JSON
//! body; every status code of the spec mapped (table-driven); broadcasts batched.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use messenger_core::{
    Button, ButtonAnswer, CallbackRef, ChatRef, FileRef, Image, Keyboard, MessageRef, Messenger,
    MessengerError, MessengerKind, OutgoingMessage, PlatformId, RichText, Throttled,
    ValidationError,
};
use messenger_viber::mock::{Fault, ViberMock};
use messenger_viber::types::{SendMessage, SetWebhook};
use messenger_viber::{
    InMemoryMediaHost, SecretString, TOO_MANY_REQUESTS_WAIT, ViberBot, ViberStatus,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "4a7f2b-test-token-secret";
const USER: &str = "01234567890A=";

fn bot(server: &MockServer) -> ViberBot {
    ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(format!("{}/pa", server.uri()))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn chat() -> ChatRef {
    ChatRef::private(MessengerKind::Viber, USER)
}

fn ok(extra: Value) -> ResponseTemplate {
    let mut body = json!({"status": 0, "status_message": "ok"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    ResponseTemplate::new(200).set_body_json(body)
}

fn sent() -> ResponseTemplate {
    ok(
        json!({"message_token": 5098034272017990000_i64, "chat_hostname": "SN-CHAT-05_", "billing_status": 1}),
    )
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

async fn expect_call(server: &MockServer, name: &str, body: Value, resp: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(format!("/pa/{name}")))
        .and(header("X-Viber-Auth-Token", TOKEN))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(resp)
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn set_webhook_with_event_types_and_removal() {
    let server = MockServer::start().await;
    strict(&server).await;
    let types = [
        "delivered",
        "seen",
        "failed",
        "subscribed",
        "unsubscribed",
        "conversation_started",
    ];
    expect_call(
        &server,
        "set_webhook",
        json!({"url": "https://bot.example.com/viber", "event_types": types,
               "send_name": true, "send_photo": true}),
        ok(json!({"event_types": types})),
    )
    .await;
    expect_call(&server, "set_webhook", json!({"url": ""}), ok(json!({}))).await;
    let bot = bot(&server);
    let r = bot
        .set_webhook(&SetWebhook::new("https://bot.example.com/viber", &types))
        .await
        .unwrap();
    assert_eq!(r.event_types.len(), 6);
    assert!(bot.remove_webhook().await.unwrap().event_types.is_empty());
}

#[tokio::test]
async fn get_account_info_user_details_and_online() {
    let server = MockServer::start().await;
    strict(&server).await;
    expect_call(
        &server,
        "get_account_info",
        json!({}),
        ok(
            json!({"id": "pa:75346594275468546724", "name": "Loyalty", "uri": "loyalty",
            "icon": "https://e/i.png", "category": "Shopping", "country": "UA",
            "webhook": "https://bot.example.com/viber", "event_types": ["delivered"],
            "subscribers_count": 35, "members": [{"id": "x", "role": "admin"}]}),
        ),
    )
    .await;
    expect_call(
        &server,
        "get_user_details",
        json!({"id": USER}),
        ok(
            json!({"message_token": 1, "user": {"id": USER, "name": "Ivan", "language": "uk",
            "country": "UA", "primary_device_os": "Android 13", "api_version": 10,
            "viber_version": "21.0", "mcc": 1, "mnc": 1, "device_type": "SM"}}),
        ),
    )
    .await;
    expect_call(
        &server,
        "get_online",
        json!({"ids": [USER, "other="]}),
        ok(json!({"users": [
            {"id": USER, "online_status": 0, "online_status_message": "online"},
            {"id": "other=", "online_status": 1, "online_status_message": "offline", "last_online": 1457764197627_i64}]})),
    )
    .await;
    let bot = bot(&server);
    let info = bot.get_account_info().await.unwrap();
    assert_eq!(info.subscribers_count, Some(35));
    assert_eq!(info.uri.as_deref(), Some("loyalty"));
    let user = bot.get_user_details(USER).await.unwrap();
    assert_eq!(user.api_version, Some(10));
    let online = bot
        .get_online(&[USER.to_owned(), "other=".to_owned()])
        .await
        .unwrap();
    assert_eq!(online.users[1].last_online, Some(1_457_764_197_627));
    let too_many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
    assert!(matches!(
        bot.get_online(&too_many).await,
        Err(MessengerError::InvalidRequest { .. })
    ));
}

#[tokio::test]
async fn send_text_with_sender_and_plain_rendering() {
    let server = MockServer::start().await;
    strict(&server).await;
    expect_call(
        &server,
        "send_message",
        json!({"receiver": USER, "type": "text", "sender": {"name": "Loyalty", "avatar": "https://e/a.png"},
               "text": "Hi, <Ivan>! Balance: 120 points. Rules (https://e.com/r?a=1&b=2)"}),
        sent(),
    )
    .await;
    let bot = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(format!("{}/pa", server.uri()))
        .sender_avatar("https://e/a.png")
        .build()
        .unwrap();
    let text = RichText::template(
        "Hi, *{name}*! Balance: *{points}* points. [Rules](https://e.com/r?a=1&b=2)",
        &[("name", "<Ivan>"), ("points", "120")],
    )
    .unwrap();
    let r = bot
        .send(&chat(), &OutgoingMessage::new(text))
        .await
        .unwrap();
    assert_eq!(r.id, PlatformId::Int(5_098_034_272_017_990_000));
    assert_eq!(r.chat, chat());
}

#[tokio::test]
async fn send_keyboard_with_share_phone_sets_min_api_version_and_tracking_data() {
    let server = MockServer::start().await;
    strict(&server).await;
    expect_call(
        &server,
        "send_message",
        json!({"receiver": USER, "min_api_version": 3, "sender": {"name": "Loyalty"},
            "type": "text", "text": "Share your phone to log in", "tracking_data": "state:auth",
            "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                {"Columns": 6, "Rows": 1, "ActionType": "share-phone", "ActionBody": "share_phone", "Text": "📱 Share phone"},
                {"Columns": 3, "Rows": 1, "ActionType": "reply", "ActionBody": "cb:balance", "Text": "Balance &amp; history", "Silent": true},
                {"Columns": 3, "Rows": 1, "ActionType": "open-url", "ActionBody": "https://example.com", "Text": "Site"}]}}),
        sent(),
    )
    .await;
    let kb = Keyboard::inline(vec![
        vec![Button::request_contact("📱 Share phone")],
        vec![
            Button::callback("Balance & history", "balance"),
            Button::url("Site", "https://example.com"),
        ],
    ]);
    let msg = OutgoingMessage::new("Share your phone to log in").keyboard(kb);
    bot(&server)
        .send_with_tracking(&chat(), &msg, Some("state:auth"))
        .await
        .unwrap();
}

#[tokio::test]
async fn reply_keyboard_text_buttons_send_their_label() {
    let server = MockServer::start().await;
    strict(&server).await;
    expect_call(
        &server,
        "send_message",
        json!({"receiver": USER, "sender": {"name": "Loyalty"}, "type": "text", "text": "Menu",
            "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                {"Columns": 3, "Rows": 1, "ActionType": "reply", "ActionBody": "Balance", "Text": "Balance"},
                {"Columns": 3, "Rows": 1, "ActionType": "reply", "ActionBody": "Help", "Text": "Help"}]}}),
        sent(),
    )
    .await;
    let kb = Keyboard::reply(vec![vec![Button::text("Balance"), Button::text("Help")]]);
    bot(&server)
        .send(&chat(), &OutgoingMessage::new("Menu").keyboard(kb))
        .await
        .unwrap();
}

#[tokio::test]
async fn picture_by_url_with_caption() {
    let server = MockServer::start().await;
    strict(&server).await;
    expect_call(
        &server,
        "send_message",
        json!({"receiver": USER, "sender": {"name": "Loyalty"}, "type": "picture",
            "text": "Your card", "media": "https://cdn.example/card.png"}),
        sent(),
    )
    .await;
    let msg = OutgoingMessage::photo(Image::url("https://cdn.example/card.png"), "Your card");
    bot(&server).send(&chat(), &msg).await.unwrap();
}

#[tokio::test]
async fn picture_bytes_go_through_the_media_host_or_fail_typed() {
    let server = MockServer::start().await;
    strict(&server).await;
    let msg = OutgoingMessage::photo(
        Image::bytes(Bytes::from_static(b"\x89PNG..."), "card.png", "image/png"),
        "Your card",
    );
    // Without a media host: a typed error, nothing sent.
    let e = bot(&server).send(&chat(), &msg).await.unwrap_err();
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::ImageUploadUnsupported)
        ),
        "{e:?}"
    );
    // With one: the picture is published and sent by its URL.
    let host = InMemoryMediaHost::new("https://bot.example.com/media/");
    let seen = Arc::new(std::sync::Mutex::new(None::<Value>));
    struct Capture(Arc<std::sync::Mutex<Option<Value>>>);
    impl Respond for Capture {
        fn respond(&self, req: &Request) -> ResponseTemplate {
            *self.0.lock().unwrap() = Some(serde_json::from_slice(&req.body).unwrap());
            sent()
        }
    }
    Mock::given(method("POST"))
        .and(path("/pa/send_message"))
        .and(header("X-Viber-Auth-Token", TOKEN))
        .respond_with(Capture(seen.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let with_host = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(format!("{}/pa", server.uri()))
        .media_host(Arc::new(host.clone()))
        .build()
        .unwrap();
    with_host.send(&chat(), &msg).await.unwrap();
    let body = seen.lock().unwrap().clone().unwrap();
    assert_eq!(body["type"], "picture");
    assert_eq!(body["text"], "Your card");
    let media = body["media"].as_str().unwrap();
    let name = media
        .strip_prefix("https://bot.example.com/media/")
        .unwrap();
    assert!(name.ends_with(".png"));
    let file = host.get(name).unwrap();
    assert_eq!(&file.data[..], b"\x89PNG...");
    assert_eq!(file.mime_type, "image/png");
}

#[tokio::test]
async fn limits_are_checked_before_sending() {
    let server = MockServer::start().await;
    strict(&server).await;
    let bot = bot(&server);
    // Text over 7000 characters.
    let e = bot
        .send(&chat(), &OutgoingMessage::new("я".repeat(7001)))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        MessengerError::Invalid(ValidationError::TextTooLong { max: 7000, .. })
    ));
    // 13 rows.
    let rows = (0..13)
        .map(|i| vec![Button::callback(format!("B{i}"), format!("d{i}"))])
        .collect();
    let e = bot
        .send(
            &chat(),
            &OutgoingMessage::new("x").keyboard(Keyboard::inline(rows)),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        MessengerError::Invalid(ValidationError::TooManyRows { count: 13, max: 12 })
    ));
    // 7 buttons in a row (6 columns).
    let row = (0..7)
        .map(|i| Button::callback(format!("B{i}"), format!("d{i}")))
        .collect();
    let e = bot
        .send(
            &chat(),
            &OutgoingMessage::new("x").keyboard(Keyboard::inline(vec![row])),
        )
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        MessengerError::Invalid(ValidationError::RowTooWide {
            count: 7,
            max: 6,
            ..
        })
    ));
    // tracking_data over 4000.
    let e = bot
        .send_with_tracking(&chat(), &OutgoingMessage::new("x"), Some(&"t".repeat(4001)))
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        MessengerError::Invalid(ValidationError::TextTooLong { max: 4000, .. })
    ));
}

#[tokio::test]
async fn requests_over_30_kb_are_refused_before_sending() {
    let server = MockServer::start().await;
    strict(&server).await;
    // 6000 three-byte characters and 24 buttons with 1000-character data each fit every
    // per-field limit, but not 30 KB of JSON.
    let rows = (0..4)
        .map(|r| {
            (0..6)
                .map(|i| Button::callback(format!("B{r}{i}"), "d".repeat(1000)))
                .collect()
        })
        .collect();
    let msg = OutgoingMessage::new("€".repeat(6000)).keyboard(Keyboard::inline(rows));
    let e = bot(&server).send(&chat(), &msg).await.unwrap_err();
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::RequestTooLarge { max: 30_720, size }) if size > 30_720
        ),
        "{e:?}"
    );
}

/// Every status code of the spec (and an unknown one), table-driven.
#[tokio::test]
async fn every_status_code_maps_to_a_typed_error() {
    #[derive(Debug, PartialEq)]
    enum K {
        Unauthorized,
        Invalid,
        NotFound,
        Blocked,
        NotSubscribed,
        Limited,
        Server,
    }
    let table: Vec<(i64, &str, K)> = vec![
        (1, "invalidUrl", K::Invalid),
        (2, "invalidAuthToken", K::Unauthorized),
        (3, "badData", K::Invalid),
        (4, "missingData", K::Invalid),
        (5, "receiverNotRegistered", K::NotFound),
        (6, "receiverNotSubscribed", K::NotSubscribed),
        (7, "publicAccountBlocked", K::Blocked),
        (8, "publicAccountNotFound", K::Unauthorized),
        (9, "publicAccountSuspended", K::Unauthorized),
        (10, "webhookNotSet", K::Invalid),
        (11, "receiverNoSuitableDevice", K::Invalid),
        (12, "tooManyRequests", K::Limited),
        (13, "apiVersionNotSupported", K::Invalid),
        (14, "incompatibleWithVersion", K::Invalid),
        (15, "publicAccountNotAuthorized", K::Unauthorized),
        (16, "inchatReplyMessageNotAllowed", K::Invalid),
        (17, "publicAccountIsNotInline", K::Invalid),
        (18, "noPublicChat", K::Invalid),
        (19, "cannotSendBroadcast", K::Invalid),
        (20, "broadcastNotAllowed", K::Invalid),
        (21, "unsupportedCountry", K::Invalid),
        (22, "paymentUnsupported", K::Invalid),
        (23, "freeMessagesExceeded", K::Invalid),
        (24, "noBalance", K::Invalid),
        (99, "generalError", K::Server),
    ];
    for (code, name, expected) in table {
        // A fresh server per code, so no earlier answer can be served.
        let server = MockServer::start().await;
        strict(&server).await;
        let bot = bot(&server);
        Mock::given(method("POST"))
            .and(path("/pa/send_message"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                json!({"status": code, "status_message": format!("message {code}"),
                       "message_token": 1, "chat_hostname": "SN-CHAT-0x_"}),
            ))
            .expect(1)
            .mount(&server)
            .await;
        let e = bot
            .send(&chat(), &OutgoingMessage::new("hi"))
            .await
            .unwrap_err();
        let got = match &e {
            MessengerError::Unauthorized { .. } => K::Unauthorized,
            MessengerError::InvalidRequest { .. } => K::Invalid,
            MessengerError::ChatNotFound { .. } => K::NotFound,
            MessengerError::Blocked { .. } => K::Blocked,
            MessengerError::NotSubscribed { .. } => K::NotSubscribed,
            MessengerError::RateLimited { .. } => K::Limited,
            MessengerError::Server { .. } => K::Server,
            other => panic!("{code}: {other:?}"),
        };
        assert_eq!(got, expected, "status {code}");
        let status = ViberStatus::of_error(&e).unwrap();
        assert_eq!(status.code(), code);
        assert_eq!(status.as_str(), name);
        let detail = e.detail().unwrap();
        assert_eq!(detail.description, format!("message {code}"));
        assert_eq!(detail.code.as_deref(), Some(code.to_string().as_str()));
        // 6 (not subscribed) is not "gone": a user who opened the chat and has not written yet
        // gets it, and must not be deactivated.
        assert_eq!(
            e.is_recipient_gone(),
            code == 5 || code == 7,
            "status {code}"
        );
        if code == 6 {
            assert!(matches!(e, MessengerError::NotSubscribed { .. }), "{e:?}");
        }
        if code == 12 {
            assert_eq!(e.retry_after(), Some(TOO_MANY_REQUESTS_WAIT));
            // The documented per-user hourly cap: only that chat waits.
            assert_eq!(
                e.rate_limit_scope(),
                Some(messenger_core::RateLimitScope::Chat)
            );
        }
    }
}

#[tokio::test]
async fn status_12_is_handed_back_by_throttled_instead_of_sleeping() {
    let server = MockServer::start().await;
    let kit = ViberMock::start(&server).await;
    kit.api_error(
        "send_message",
        ViberStatus::TooManyRequests,
        "Too many requests",
    )
    .await;
    let throttled = Throttled::new(kit.bot());
    let e = tokio::time::timeout(
        Duration::from_secs(5),
        throttled.send(&chat(), &OutgoingMessage::new("hi")),
    )
    .await
    .expect("not paused for an hour")
    .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn transport_failures_keep_the_http_status() {
    let server = MockServer::start().await;
    let kit = ViberMock::start(&server).await;
    kit.fail_times("get_account_info", Fault::HtmlErrorPage(502), 1)
        .await;
    kit.fail_times("get_account_info", Fault::MalformedJson, 1)
        .await;
    kit.fail("get_account_info", Fault::Delay(Duration::from_secs(2)))
        .await;
    let bot = kit
        .bot_builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = bot.get_account_info().await.unwrap_err();
    assert!(matches!(&e, MessengerError::Server { detail } if detail.status == Some(502)));
    let e = bot.get_account_info().await.unwrap_err();
    assert!(matches!(e, MessengerError::Decode { status: 200, .. }));
    let e = bot.get_account_info().await.unwrap_err();
    assert!(
        matches!(&e, MessengerError::Transport { reason, .. } if reason.contains("timed out")),
        "{e:?}"
    );
}

/// 650 receivers → 3 calls of ≤ 300, and every failed receiver reported on its own.
#[tokio::test]
async fn broadcast_of_650_receivers_makes_three_calls_and_reports_failures() {
    let server = MockServer::start().await;
    strict(&server).await;
    let receivers: Vec<String> = (0..650).map(|i| format!("user{i:03}=")).collect();
    let message = json!({"sender": {"name": "Loyalty"}, "type": "text", "text": "Sale!"});
    let batch = |range: std::ops::Range<usize>| {
        let mut b = message.clone();
        b["broadcast_list"] = json!(receivers[range].to_vec());
        b
    };
    expect_call(
        &server,
        "broadcast_message",
        batch(0..300),
        ok(json!({"message_token": 1, "failed_list": [
            {"receiver": "user007=", "status": 6, "status_message": "Not subscribed"},
            {"receiver": "user123=", "status": 5, "status_message": "Not registered"}]})),
    )
    .await;
    expect_call(
        &server,
        "broadcast_message",
        batch(300..600),
        ok(json!({"message_token": 2, "failed_list": [
            {"receiver": "user450=", "status": 12, "status_message": "Too many requests"}]})),
    )
    .await;
    expect_call(
        &server,
        "broadcast_message",
        batch(600..650),
        ok(json!({"message_token": 3, "failed_list": []})),
    )
    .await;
    let report = bot(&server)
        .broadcast(&receivers, &OutgoingMessage::new("Sale!"), None)
        .await
        .unwrap();
    assert_eq!(report.calls, 3);
    assert_eq!(report.sent.len(), 647);
    // Each receiver keeps its call's token: what `delivered`/`seen` callbacks name.
    let token_of = |r: &str| {
        report
            .sent
            .iter()
            .find(|s| s.receiver == r)
            .and_then(|s| s.message_token.clone())
    };
    assert_eq!(token_of("user000="), Some(PlatformId::from(1)));
    assert_eq!(token_of("user451="), Some(PlatformId::from(2)));
    assert_eq!(token_of("user649="), Some(PlatformId::from(3)));
    let failed: Vec<(&str, Option<i64>)> = report
        .failed
        .iter()
        .map(|f| {
            (
                f.receiver.as_str(),
                ViberStatus::of_error(&f.error).map(|s| s.code()),
            )
        })
        .collect();
    assert_eq!(
        failed,
        vec![
            ("user007=", Some(6)),
            ("user123=", Some(5)),
            ("user450=", Some(12))
        ]
    );
    let gone: Vec<&str> = report.gone().collect();
    // user007= has not subscribed (status 6): not gone, not deactivated.
    assert_eq!(gone, vec!["user123="]);
    assert!(report.failed[2].error.retry_after().is_some());
}

#[tokio::test]
async fn a_failed_broadcast_call_reports_each_of_its_receivers() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("POST"))
        .and(path("/pa/broadcast_message"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"status": 20, "status_message": "broadcast not allowed"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let receivers = vec!["a=".to_owned(), "b=".to_owned()];
    let report = bot(&server)
        .broadcast(&receivers, &OutgoingMessage::new("x"), None)
        .await
        .unwrap();
    assert_eq!(report.failed.len(), 2);
    assert!(report.sent.is_empty());
    assert_eq!(
        ViberStatus::of_error(&report.failed[1].error),
        Some(ViberStatus::BroadcastNotAllowed)
    );
}

/// Through the `Messenger` trait (what a broadcaster uses): an approved bot reaches 300 users per
/// `broadcast_message` call at Viber's 500 calls per 10 s, each user's outcome in order; a bot
/// without approval falls back to one `send_message` per user at the global rate.
#[tokio::test]
async fn send_many_batches_only_when_the_bot_is_approved_for_broadcasts() {
    let server = MockServer::start().await;
    strict(&server).await;
    let chats: Vec<ChatRef> = (0..3)
        .map(|i| ChatRef::private(MessengerKind::Viber, format!("u{i}=")))
        .collect();
    expect_call(
        &server,
        "broadcast_message",
        json!({"sender": {"name": "Loyalty"}, "type": "text", "text": "Sale!",
               "broadcast_list": ["u0=", "u1=", "u2="]}),
        ok(json!({"message_token": 9, "failed_list": [
            {"receiver": "u1=", "status": 7, "status_message": "blocked"}]})),
    )
    .await;
    let approved = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(format!("{}/pa", server.uri()))
        .broadcast_api(true)
        .build()
        .unwrap();
    assert_eq!(approved.broadcast_batch(), 300);
    // Viber reports delivered/seen/failed: the runtime keeps the tokens for its journal.
    assert!(approved.capabilities().delivery_receipts);
    let rate = approved.broadcast_rate();
    assert_eq!((rate.count.get(), rate.per), (500, Duration::from_secs(10)));
    let out = approved
        .send_many(&chats, &OutgoingMessage::new("Sale!"))
        .await
        .unwrap();
    assert_eq!(
        out[0].as_ref().unwrap(),
        &Some(PlatformId::from(9)),
        "{out:?}"
    );
    assert_eq!(
        out[2].as_ref().unwrap(),
        &Some(PlatformId::from(9)),
        "{out:?}"
    );
    assert!(out[1].as_ref().unwrap_err().is_recipient_gone(), "{out:?}");

    // Not approved: one send_message per user (the strict catch-all fails a broadcast call).
    let plain = bot(&server);
    assert_eq!(plain.broadcast_batch(), 1);
    assert_eq!(plain.broadcast_rate(), plain.limits().global_rate);
    Mock::given(method("POST"))
        .and(path("/pa/send_message"))
        .respond_with(sent())
        .expect(3)
        .mount(&server)
        .await;
    let out = plain
        .send_many(&chats, &OutgoingMessage::new("Sale!"))
        .await
        .unwrap();
    assert_eq!(out.iter().filter(|r| r.is_ok()).count(), 3);
}

#[tokio::test]
async fn welcome_response_is_a_message_without_receiver() {
    let server = MockServer::start().await;
    strict(&server).await;
    let bot = bot(&server);
    let msg = OutgoingMessage::new("Welcome! Tap to log in")
        .keyboard(Keyboard::request_contact("Share phone"));
    let body = bot
        .welcome_response(&msg, Some("state:welcome"))
        .await
        .unwrap();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v,
        json!({"type": "text", "sender": {"name": "Loyalty"}, "text": "Welcome! Tap to log in",
            "tracking_data": "state:welcome", "min_api_version": 3,
            "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                {"Columns": 6, "Rows": 1, "ActionType": "share-phone", "ActionBody": "share_phone", "Text": "Share phone"}]}})
    );
}

#[tokio::test]
async fn download_edit_and_answer() {
    let server = MockServer::start().await;
    strict(&server).await;
    Mock::given(method("GET"))
        .and(path("/media/image.jpg"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"JPEGDATA".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let bot = bot(&server);
    let file = FileRef::from_url(format!("{}/media/image.jpg", server.uri()));
    assert_eq!(&bot.download(&file).await.unwrap()[..], b"JPEGDATA");
    assert!(matches!(
        bot.download(&FileRef::default()).await,
        Err(MessengerError::InvalidRequest { .. })
    ));
    let m = MessageRef::new(chat(), 1);
    assert!(matches!(
        bot.edit(&m, &OutgoingMessage::new("x")).await,
        Err(MessengerError::Unsupported { .. })
    ));
    bot.answer_button(
        &CallbackRef::new(MessengerKind::Viber, ""),
        &ButtonAnswer::ack(),
    )
    .await
    .unwrap();
    assert!(matches!(
        bot.poll(
            messenger_core::PollCursor::default(),
            Duration::from_secs(1)
        )
        .await,
        Err(MessengerError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn send_message_request_struct_serialises_exactly() {
    let server = MockServer::start().await;
    strict(&server).await;
    expect_call(
        &server,
        "send_message",
        json!({"receiver": USER, "type": "url", "sender": {"name": "Loyalty"},
               "media": "https://example.com/offer", "tracking_data": "t"}),
        sent(),
    )
    .await;
    let bot = bot(&server);
    let body =
        messenger_viber::types::MessageBody::url(bot.sender().clone(), "https://example.com/offer")
            .tracking_data("t");
    let r = bot
        .send_message(&SendMessage {
            receiver: USER.to_owned(),
            message: body,
        })
        .await
        .unwrap();
    assert_eq!(r.chat_hostname.as_deref(), Some("SN-CHAT-05_"));
}

#[tokio::test]
async fn message_tokens_beyond_i64_or_as_strings_are_read_without_overflow() {
    for (token, expected) in [
        (
            json!(18_446_744_073_709_551_615_u64),
            PlatformId::Str("18446744073709551615".into()),
        ),
        (json!("1234567890"), PlatformId::Str("1234567890".into())),
        (
            json!(5_098_034_272_017_990_000_i64),
            PlatformId::Int(5_098_034_272_017_990_000),
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/pa/send_message"))
            .respond_with(ok(json!({"message_token": token})))
            .expect(1)
            .mount(&server)
            .await;
        let sent = bot(&server)
            .send(&chat(), &OutgoingMessage::new("hi"))
            .await
            .unwrap();
        assert_eq!(sent.id, expected, "token {token}");
    }
}

/// A broadcast's picture as bytes goes out in Viber's batches by the media host's URL: it is
/// published first and checked after (checked before, bytes never fit Viber's limits and the
/// whole batch failed), and published once for the whole broadcast.
#[tokio::test]
async fn a_batched_broadcast_with_picture_bytes_sends_the_media_hosts_url() {
    let server = MockServer::start().await;
    strict(&server).await;
    let host = InMemoryMediaHost::new("https://bot.example.com/viber-media");
    let approved = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
        .base_url(format!("{}/pa", server.uri()))
        .broadcast_api(true)
        .media_host(Arc::new(host.clone()))
        .build()
        .unwrap();
    let calls = Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let seen = calls.clone();
    Mock::given(method("POST"))
        .and(path("/pa/broadcast_message"))
        .respond_with(move |req: &Request| {
            seen.lock()
                .unwrap()
                .push(serde_json::from_slice(&req.body).unwrap());
            ok(json!({"message_token": 5, "failed_list": []}))
        })
        .expect(2)
        .mount(&server)
        .await;
    let msg = OutgoingMessage::photo(
        Image::bytes(b"\x89PNG-sale".as_slice(), "sale.png", "image/png"),
        "Sale!",
    );
    let chats: Vec<ChatRef> = (0..2)
        .map(|i| ChatRef::private(MessengerKind::Viber, format!("u{i}=")))
        .collect();
    for _ in 0..2 {
        let out = approved.send_many(&chats, &msg).await.unwrap();
        assert!(out.iter().all(Result::is_ok), "{out:?}");
    }
    let calls = calls.lock().unwrap();
    let media: Vec<&str> = calls.iter().map(|c| c["media"].as_str().unwrap()).collect();
    assert!(
        media[0].starts_with("https://bot.example.com/viber-media/"),
        "{media:?}"
    );
    assert_eq!(media[0], media[1], "published once");
    assert_eq!(calls[0]["type"], "picture");
    assert_eq!(calls[0]["text"], "Sale!");
    assert_eq!(host.len(), 1);
    let name = media[0].rsplit('/').next().unwrap();
    assert_eq!(host.get(name).unwrap().data.as_ref(), b"\x89PNG-sale");
}

/// The in-memory host keeps each distinct picture once and, past its limit, drops the oldest.
#[tokio::test]
async fn the_in_memory_media_host_dedupes_and_keeps_to_its_limit() {
    use messenger_viber::MediaHost;
    let host = InMemoryMediaHost::new("https://b.example/m").with_limit(25);
    let a = host
        .publish(Bytes::from_static(b"0123456789"), "a.png", "image/png")
        .await
        .unwrap();
    // The same bytes (another buffer) and type: the same URL.
    let again = host
        .publish(Bytes::from(b"0123456789".to_vec()), "a2.png", "image/png")
        .await
        .unwrap();
    assert_eq!(a, again);
    // The same bytes as another type: a file of its own.
    let jpeg = host
        .publish(Bytes::from_static(b"0123456789"), "a.jpg", "image/jpeg")
        .await
        .unwrap();
    assert_ne!(a, jpeg);
    assert_eq!(host.len(), 2);
    // A third file passes 25 bytes: the oldest goes.
    let c = host
        .publish(Bytes::from_static(b"abcdefghij"), "c.png", "image/png")
        .await
        .unwrap();
    assert_eq!(host.len(), 2);
    let name = |u: &str| u.rsplit('/').next().unwrap().to_owned();
    assert!(host.get(&name(&a)).is_none());
    assert!(host.get(&name(&jpeg)).is_some() && host.get(&name(&c)).is_some());
    assert!(host.remove(&name(&c)).is_some());
    assert_eq!(host.len(), 1);
    // 128 random bits as the name.
    assert_eq!(name(&jpeg).len(), 32 + ".jpg".len());

    // A file is held for its lifetime only, and the same picture then gets a new URL.
    let host = InMemoryMediaHost::new("https://b.example/m").with_ttl(Duration::from_millis(100));
    let first = host
        .publish(Bytes::from_static(b"short-lived"), "s.png", "image/png")
        .await
        .unwrap();
    assert!(host.get(&name(&first)).is_some());
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert!(host.get(&name(&first)).is_none(), "expired");
    let again = host
        .publish(Bytes::from_static(b"short-lived"), "s.png", "image/png")
        .await
        .unwrap();
    assert_ne!(first, again);
    assert_eq!(host.len(), 1);
}
