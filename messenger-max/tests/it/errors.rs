//! MAX's 403/404 mean "the recipient is gone" only when MAX itself says so: its JSON error with a
//! user or chat code. A proxy's HTML page or a 404 from a wrong base URL must never deactivate
//! the audience. And the 4000-character limit is on the `text` MAX receives, which holds the
//! HTML markup.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use messenger_core::{
    ChatRef, Messenger, MessengerError, MessengerKind, OutgoingMessage, RichText, ValidationError,
    send_long,
};
use messenger_max::mock::{Fault, MaxMock, Op};
use messenger_max::{MaxBot, SecretString};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "max-test-token_0123";

fn bot(server: &MockServer) -> MaxBot {
    MaxBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

fn chat() -> ChatRef {
    ChatRef::private(MessengerKind::Max, 123_456_789)
}

async fn send_answered(status: u16, body: ResponseTemplate) -> MessengerError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(body)
        .expect(1)
        .mount(&server)
        .await;
    let _ = status;
    bot(&server)
        .send(&chat(), &OutgoingMessage::new("hi"))
        .await
        .unwrap_err()
}

/// Sends one message to a fresh kit whose `POST /messages` answers MAX's error body.
async fn send_answered_error(status: u16, code: &str, message: &str) -> MessengerError {
    let server = MockServer::start().await;
    let kit = MaxMock::start_with_token(&server, TOKEN).await;
    kit.api_error(Op::SendMessage, status, code, message).await;
    kit.bot()
        .send(&chat(), &OutgoingMessage::new("hi"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn max_json_errors_with_a_user_or_chat_code_mean_the_recipient_is_gone() {
    let e = send_answered_error(403, "chat.denied", "Bot is stopped by user").await;
    assert!(matches!(e, MessengerError::Blocked { .. }), "{e:?}");
    assert!(e.is_recipient_gone());
    let e = send_answered_error(404, "chat.not.found", "Chat 1 not found").await;
    assert!(matches!(e, MessengerError::ChatNotFound { .. }), "{e:?}");
    let e = send_answered_error(404, "user.not.found", "User not found").await;
    assert!(e.is_recipient_gone(), "{e:?}");
    // A code about something else is not the recipient.
    let e = send_answered_error(404, "not.found", "Path /v9/messages is not recognized").await;
    assert!(!e.is_recipient_gone(), "{e:?}");
}

#[tokio::test]
async fn proxy_pages_and_wrong_base_urls_are_not_a_gone_recipient() {
    for (status, body) in [
        (403, Fault::HtmlErrorPage(403).response()),
        (
            404,
            ResponseTemplate::new(404)
                .set_body_string("<html><head><title>404 Not Found</title></head></html>"),
        ),
        // A wrong path on an API host: MAX's JSON, but not about a user or chat.
        (
            404,
            ResponseTemplate::new(404).set_body_json(
                json!({"code": "not.found", "message": "Path /v9/messages is not recognized"}),
            ),
        ),
        (
            403,
            ResponseTemplate::new(403).set_body_json(json!({"message": "Forbidden"})),
        ),
        (404, ResponseTemplate::new(404)),
    ] {
        let e = send_answered(status, body).await;
        assert!(!e.is_recipient_gone(), "HTTP {status}: {e:?}");
        assert!(!e.is_retryable(), "HTTP {status}: {e:?}");
        assert_eq!(e.detail().and_then(|d| d.status), Some(status), "{e:?}");
    }
}

/// A text whose plain length fits 4000 while its HTML does not: 900 bold words of 3 letters
/// (`<b>abc</b> ` is 11 characters for 4 visible ones).
fn markup_heavy() -> RichText {
    let mut t = RichText::new();
    for _ in 0..900 {
        t = t.bold("abc").text(" ");
    }
    t
}

#[tokio::test]
async fn the_limit_is_checked_on_the_html_max_receives() {
    let server = MockServer::start().await;
    let text = markup_heavy();
    assert!(text.plain_text().chars().count() <= 4000);
    assert!(text.to_html().chars().count() > 4000);
    let e = bot(&server)
        .send(&chat(), &OutgoingMessage::new(text))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            MessengerError::Invalid(ValidationError::TextTooLong { max: 4000, .. })
        ),
        "{e:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_splitter_uses_the_same_measure() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/messages"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": {
            "recipient": {"chat_id": 1, "chat_type": "dialog", "user_id": 123_456_789},
            "timestamp": 1, "body": {"mid": "mid.1", "seq": 1, "text": "x"}}})))
        .mount(&server)
        .await;
    let text = markup_heavy().append(markup_heavy());
    let sent = send_long(&bot(&server), &chat(), &OutgoingMessage::new(text))
        .await
        .unwrap();
    assert!(sent.len() >= 3, "{} parts", sent.len());
    for req in server.received_requests().await.unwrap() {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let sent_text = body["text"].as_str().unwrap();
        assert!(sent_text.chars().count() <= 4000, "{}", sent_text.len());
        assert_eq!(body["format"], "html");
    }
}
