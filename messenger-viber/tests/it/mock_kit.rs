//! The test kit (`messenger_viber::mock`): every helper's answer decodes with this crate's own
//! client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    ChatRef, Keyboard, Messenger, MessengerError, MessengerKind, OutgoingMessage, RateLimitScope,
    SecretString, UpdateKind,
};
use messenger_viber::ViberStatus;
use messenger_viber::mock::{Fault, Incoming, TOKEN, ViberMock, matchers};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "01234567890A=";

fn chat() -> ChatRef {
    ChatRef::private(MessengerKind::Viber, USER)
}

#[tokio::test]
async fn signed_callbacks_decode_as_core_updates() {
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let bot = viber.bot();
    let parse = |i: Incoming| {
        let req = viber.webhook_request(&i);
        bot.parse_webhook(&req.headers, &req.body)
            .unwrap()
            .remove(0)
    };
    let u = parse(Incoming::text(USER, "hello"));
    assert_eq!(u.text(), Some("hello"));
    assert_eq!(u.chat, Some(chat()));
    let u = parse(Incoming::contact(USER, "380501112233"));
    assert!(
        matches!(&u.kind, UpdateKind::Contact(c) if c.phone == "+380501112233" && !c.is_own),
        "{:?}",
        u.kind
    );
    let u = parse(Incoming::photo(
        USER,
        "https://dl-media.viber.com/x/image.jpg",
    ));
    assert!(
        matches!(&u.kind, UpdateKind::Photo(p) if p.file.url.as_deref() == Some("https://dl-media.viber.com/x/image.jpg")),
        "{:?}",
        u.kind
    );
    let u = parse(Incoming::button(USER, "balance"));
    assert!(matches!(&u.kind, UpdateKind::ButtonPress(p) if p.data == "balance"));
    let u = parse(Incoming::conversation_started(USER, Some("ref_42")));
    assert!(
        matches!(&u.kind, UpdateKind::Started { payload } if payload.as_deref() == Some("ref_42")),
        "{:?}",
        u.kind
    );
}

#[tokio::test]
async fn a_request_signed_with_another_key_is_forged() {
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let req = viber.webhook_request_signed_with(
        &Incoming::text(USER, "hi"),
        &SecretString::from("another-token"),
    );
    let e = viber
        .bot()
        .parse_webhook(&req.headers, &req.body)
        .unwrap_err();
    assert!(matches!(e, MessengerError::ForgedWebhook { .. }), "{e:?}");
}

#[tokio::test]
async fn sends_are_recorded_with_typed_accessors() {
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let bot = viber.bot();
    let sent = bot
        .send(
            &chat(),
            &OutgoingMessage::new("Hi <b>").keyboard(Keyboard::request_contact("Share phone")),
        )
        .await
        .unwrap();
    assert_eq!(sent.id, 5_100_000_000_000_000_001_i64.into());
    let messages = viber.sent_messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].receiver, USER);
    assert_eq!(messages[0].message_type, "text");
    assert_eq!(messages[0].text.as_deref(), Some("Hi <b>"));
    assert_eq!(messages[0].button_labels(), ["Share phone"]);
    assert!(messages[0].asks_for_contact());
    assert_eq!(messages[0].min_api_version, Some(3));
    assert_eq!(messages[0].sender.as_ref().unwrap().name, "LoyaltyBot");
}

/// What our bot makes of `fault` on `send_message`; the next send succeeds.
async fn error_for(fault: Fault) -> MessengerError {
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let bot = viber.bot();
    let msg = OutgoingMessage::new("x");
    viber.fail_times("send_message", fault, 1).await;
    let e = bot.send(&chat(), &msg).await.unwrap_err();
    bot.send(&chat(), &msg).await.unwrap();
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
    MessengerError::RateLimited { scope: RateLimitScope::Bot, retry_after: Some(d), .. } if *d == Duration::from_secs(7)
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
async fn api_errors_use_vibers_status_envelope() {
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    viber
        .api_error(
            "send_message",
            ViberStatus::ReceiverNotSubscribed,
            "receiverNotSubscribed",
        )
        .await;
    let e = viber
        .bot()
        .send(&chat(), &OutgoingMessage::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::NotSubscribed { .. }), "{e:?}");
    assert_eq!(
        ViberStatus::of_error(&e),
        Some(ViberStatus::ReceiverNotSubscribed)
    );
}

#[tokio::test]
async fn matchers_check_what_the_client_sends() {
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    Mock::given(matchers::authorized(TOKEN))
        .and(matchers::body_has_keys(&[
            "receiver", "type", "sender", "text",
        ]))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let e = viber
        .bot()
        .send(&chat(), &OutgoingMessage::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::Server { .. }), "{e:?}");
}

#[tokio::test]
async fn a_picture_downloads_from_the_served_file() {
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let url = viber
        .serve_file("image.jpg", b"\xff\xd8jpeg".to_vec())
        .await;
    let bot = viber.bot();
    let req = viber.webhook_request(&Incoming::photo(USER, url));
    let UpdateKind::Photo(photo) = bot
        .parse_webhook(&req.headers, &req.body)
        .unwrap()
        .remove(0)
        .kind
    else {
        panic!("a photo expected")
    };
    let bytes = bot.download(&photo.file).await.unwrap();
    assert_eq!(&bytes[..], b"\xff\xd8jpeg");
}

#[tokio::test]
async fn a_picture_by_url_is_recorded_with_its_media_and_caption() {
    use messenger_core::Image;
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    viber
        .bot()
        .send(
            &chat(),
            &OutgoingMessage::photo(Image::url("https://example.invalid/card.png"), "Card"),
        )
        .await
        .unwrap();
    let sent = viber.sent_messages().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].receiver, USER);
    assert_eq!(sent[0].message_type, "picture");
    assert_eq!(
        sent[0].media.as_deref(),
        Some("https://example.invalid/card.png")
    );
    assert_eq!(sent[0].text.as_deref(), Some("Card"));
}

#[tokio::test]
async fn picture_bytes_go_by_the_media_hosts_url_or_not_at_all() {
    use messenger_core::{Image, ValidationError};
    use messenger_viber::InMemoryMediaHost;
    use std::sync::Arc;
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n-mock-card";
    let msg = OutgoingMessage::photo(Image::bytes(PNG, "card.png", "image/png"), "Card");

    // Viber uploads nothing: bytes go out as the URL the bot's media host publishes them at.
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let host = InMemoryMediaHost::new("https://bot.example.invalid/media");
    let bot = viber
        .bot_builder()
        .media_host(Arc::new(host.clone()))
        .build()
        .unwrap();
    bot.send(&chat(), &msg).await.unwrap();
    let sent = viber.sent_messages().await;
    assert_eq!(sent[0].message_type, "picture");
    let media = sent[0].media.clone().unwrap();
    let name = media
        .strip_prefix("https://bot.example.invalid/media/")
        .unwrap();
    assert_eq!(host.get(name).unwrap().data, PNG);

    // Without a media host nothing is sent.
    let server = MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let e = viber.bot().send(&chat(), &msg).await.unwrap_err();
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::ImageUploadUnsupported)
        ),
        "{e:?}"
    );
    assert!(viber.sent_messages().await.is_empty());
}
