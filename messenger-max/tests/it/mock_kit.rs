//! The test kit (`messenger_max::mock`): every helper's answer decodes with this crate's own
//! client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    ButtonAnswer, ChatRef, Keyboard, Messenger, MessengerError, MessengerKind, OutgoingMessage,
    PollCursor, RateLimitScope, UpdateKind,
};
use messenger_max::mock::{Fault, Incoming, MaxMock, Op, TOKEN, matchers};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn chat(user_id: i64) -> ChatRef {
    ChatRef::private(MessengerKind::Max, user_id)
}

#[tokio::test]
async fn queued_text_contact_photo_and_button_decode_as_core_updates() {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    let bot = max.bot();
    max.queue(Incoming::text(42, "hello"));
    max.queue(Incoming::contact(42, "79991234567", true));
    max.queue(Incoming::contact(42, "79991234568", false));
    max.queue(Incoming::photo(42, "img-token"));
    max.queue(Incoming::button(42, "balance"));
    let batch = bot
        .poll(PollCursor(None), Duration::from_secs(0))
        .await
        .unwrap();
    let u = &batch.updates;
    assert_eq!(u.len(), 5);
    assert_eq!(u[0].text(), Some("hello"));
    assert_eq!(u[0].chat.as_ref().unwrap().id, 42.into());
    assert!(matches!(&u[1].kind, UpdateKind::Contact(c) if c.phone == "79991234567" && c.is_own));
    assert!(matches!(&u[2].kind, UpdateKind::Contact(c) if c.phone == "79991234568" && !c.is_own));
    assert!(matches!(&u[3].kind, UpdateKind::Photo(p) if p.file.id == "img-token"));
    assert!(matches!(&u[4].kind, UpdateKind::ButtonPress(p) if p.data == "balance"));
    // The marker acknowledges them; later updates come after it.
    let next = bot.poll(batch.next, Duration::from_secs(0)).await.unwrap();
    assert!(next.updates.is_empty());
    max.queue(Incoming::text(42, "again"));
    let next = bot.poll(next.next, Duration::from_secs(0)).await.unwrap();
    assert_eq!(next.updates[0].text(), Some("again"));
}

#[tokio::test]
async fn a_webhook_request_passes_the_bots_secret_check() {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    let bot = max
        .bot_builder()
        .webhook_secret("hook_secret".into())
        .build()
        .unwrap();
    let req = max.webhook_request(&Incoming::contact(7, "79991234567", true), "hook_secret");
    let updates = bot.parse_webhook(&req.headers, &req.body).unwrap();
    assert!(
        matches!(&updates[0].kind, UpdateKind::Contact(c) if c.phone == "79991234567" && c.is_own)
    );
    let forged = max.webhook_request(&Incoming::text(7, "hi"), "other_secret");
    let e = bot
        .parse_webhook(&forged.headers, &forged.body)
        .unwrap_err();
    assert!(matches!(e, MessengerError::ForgedWebhook { .. }), "{e:?}");
}

#[tokio::test]
async fn sends_edits_and_answers_are_recorded_with_typed_accessors() {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    let bot = max.bot();
    let kb = Keyboard::request_contact("Share phone");
    let sent = bot
        .send(&chat(42), &OutgoingMessage::new("Hi <b>").keyboard(kb))
        .await
        .unwrap();
    assert_eq!(sent.id, "mid.sent00000001".into());
    bot.edit(&sent, &OutgoingMessage::new("Edited"))
        .await
        .unwrap();
    max.queue(Incoming::button(42, "x"));
    let press = match bot
        .poll(PollCursor(None), Duration::from_secs(0))
        .await
        .unwrap()
        .updates
        .remove(0)
        .kind
    {
        UpdateKind::ButtonPress(p) => p.callback.unwrap(),
        other => panic!("{other:?}"),
    };
    bot.answer_button(&press, &ButtonAnswer::toast("Done"))
        .await
        .unwrap();

    let messages = max.sent_messages().await;
    assert_eq!(messages.len(), 1);
    assert_eq!((messages[0].user_id, messages[0].chat_id), (Some(42), None));
    assert_eq!(messages[0].text, "Hi &lt;b&gt;");
    assert_eq!(messages[0].button_labels(), ["Share phone"]);
    assert!(messages[0].asks_for_contact());
    assert_eq!(
        max.edited_messages().await,
        [("mid.sent00000001".to_owned(), "Edited".to_owned())]
    );
    let answers = max.answered_callbacks().await;
    assert_eq!(answers[0].notification.as_deref(), Some("Done"));
    assert_eq!(answers[0].callback_id, press.id);
}

/// What our bot makes of `fault` on `POST /messages`; the next send succeeds.
async fn error_for(fault: Fault) -> MessengerError {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    let bot = max.bot();
    let msg = OutgoingMessage::new("x");
    max.fail_times(Op::SendMessage, fault, 1).await;
    let e = bot.send(&chat(42), &msg).await.unwrap_err();
    bot.send(&chat(42), &msg).await.unwrap();
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
async fn api_errors_use_maxs_error_body() {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    max.api_error(Op::SendMessage, 403, "chat.denied", "user blocked the bot")
        .await;
    let e = max
        .bot()
        .send(&chat(42), &OutgoingMessage::new("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, MessengerError::Blocked { detail } if detail.code.as_deref() == Some("chat.denied")),
        "{e:?}"
    );
}

#[tokio::test]
async fn matchers_check_what_the_client_sends() {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    Mock::given(matchers::authorized(TOKEN))
        .and(matchers::body_has_keys(&["text", "format"]))
        .and(wiremock::matchers::query_param("user_id", "42"))
        .respond_with(ResponseTemplate::new(500))
        .expect(1)
        .mount(&server)
        .await;
    let e = max
        .bot()
        .send(&chat(42), &OutgoingMessage::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::Server { .. }), "{e:?}");
}

#[tokio::test]
async fn a_queued_photo_downloads_from_the_served_file() {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    let url = max.serve_file("img-token", b"\xff\xd8jpeg".to_vec()).await;
    max.queue(Incoming::photo_at(42, "img-token", url));
    let bot = max.bot();
    let mut batch = bot
        .poll(PollCursor(None), Duration::from_secs(0))
        .await
        .unwrap();
    let UpdateKind::Photo(photo) = batch.updates.remove(0).kind else {
        panic!("a photo expected")
    };
    let bytes = bot.download(&photo.file).await.unwrap();
    assert_eq!(&bytes[..], b"\xff\xd8jpeg");
}

/// A PNG's first bytes (the recorder reads the file part as raw bytes, CR LF included).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-mock-card";

#[tokio::test]
async fn an_uploaded_picture_is_recorded_and_sent_by_its_token() {
    use messenger_core::Image;
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    let bot = max.bot();
    bot.send(
        &chat(42),
        &OutgoingMessage::photo(Image::bytes(PNG, "card.png", "image/png"), "Your card"),
    )
    .await
    .unwrap();
    assert_eq!(max.upload_url_requests().await, ["image"]);
    let uploads = max.uploads().await;
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].field, "data");
    assert_eq!(uploads[0].file_name, "card.png");
    assert_eq!(uploads[0].content_type.as_deref(), Some("image/png"));
    assert_eq!(uploads[0].size, PNG.len());
    assert_eq!(uploads[0].data, PNG);
    let sent = max.sent_messages().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].user_id, Some(42));
    assert_eq!(sent[0].text, "Your card");
    assert_eq!(sent[0].image_tokens(), ["upload-token-1"]);
    assert!(sent[0].image_urls().is_empty());
    // The upload URL is the credential: the bytes go there without the bot token.
    let upload = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == messenger_max::mock::UPLOAD_TARGET)
        .unwrap();
    assert!(!upload.headers.contains_key("authorization"));
}

#[tokio::test]
async fn a_picture_by_url_is_sent_without_an_upload() {
    use messenger_core::Image;
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    max.bot()
        .send(
            &chat(42),
            &OutgoingMessage::photo(Image::url("https://example.invalid/card.png"), "Card"),
        )
        .await
        .unwrap();
    let sent = max.sent_messages().await;
    assert_eq!(sent[0].image_urls(), ["https://example.invalid/card.png"]);
    assert!(sent[0].image_tokens().is_empty());
    assert!(max.uploads().await.is_empty());
}

#[tokio::test]
async fn a_failed_upload_maps_to_the_clients_error() {
    use messenger_core::Image;
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    max.fail_times(Op::Upload, Fault::ServerError(503), 1).await;
    let e = max
        .bot()
        .send(
            &chat(42),
            &OutgoingMessage::photo(Image::bytes(PNG, "card.png", "image/png"), "Card"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, MessengerError::Server { detail } if detail.status == Some(503)),
        "{e:?}"
    );
    assert!(max.sent_messages().await.is_empty());
}

#[tokio::test]
async fn a_started_bot_decodes_with_and_without_a_deep_link() {
    let server = MockServer::start().await;
    let max = MaxMock::start(&server).await;
    let bot = max.bot();
    max.queue(Incoming::started(42));
    max.queue(Incoming::started_with(43, "promo-7"));
    let batch = bot
        .poll(PollCursor(None), Duration::from_secs(0))
        .await
        .unwrap();
    let u = &batch.updates;
    assert!(matches!(&u[0].kind, UpdateKind::Started { payload: None }));
    assert_eq!(u[0].chat.as_ref().unwrap().id, 42.into());
    assert_eq!(u[0].from.as_ref().unwrap().name(), "Ivan");
    assert!(
        matches!(&u[1].kind, UpdateKind::Started { payload: Some(p) } if p == "promo-7"),
        "{:?}",
        u[1].kind
    );
}
