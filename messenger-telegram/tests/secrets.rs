//! The bot token (part of every URL path) and the webhook secret never appear in Debug or Display
//! output, in error text, or in anything logged through `tracing` — at every level, including the
//! HTTP stack's own trace events.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use http::HeaderMap;
use messenger_core::{ChatRef, Messenger, MessengerKind, OutgoingMessage};
use messenger_telegram::{SecretString, TelegramBot};
use serde_json::json;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "987654:SuperSecretToken_xyz";
const HOOK: &str = "WebhookSecret_abc";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} leaks the token: {text}");
    assert!(
        !text.contains("SuperSecretToken"),
        "{what} leaks part of the token: {text}"
    );
    assert!(
        !text.contains(HOOK),
        "{what} leaks the webhook secret: {text}"
    );
}

#[test]
fn the_token_never_appears_in_debug_display_errors_or_logs() {
    let (capture, _guard) = test_support::logs::capture(tracing::Level::TRACE);

    // One thread, so every event (ours, reqwest's, hyper's) reaches the thread-local subscriber.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut texts: Vec<(String, String)> = Vec::new();
    rt.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path_regex("/sendMessage$"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"ok": true, "result": {
                "message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "hi"}})),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path_regex("/sendMessage$"))
            .respond_with(ResponseTemplate::new(401).set_body_json(
                json!({"ok": false, "error_code": 401, "description": "Unauthorized"}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path_regex("/getMe$"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
            .mount(&server)
            .await;

        let bot = TelegramBot::builder(SecretString::from(TOKEN))
            .base_url(server.uri())
            .webhook_secret(SecretString::from(HOOK))
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        texts.push(("Debug of the bot".into(), format!("{bot:?}")));
        texts.push((
            "Debug of the builder".into(),
            format!(
                "{:?}",
                TelegramBot::builder(SecretString::from(TOKEN))
                    .webhook_secret(SecretString::from(HOOK))
            ),
        ));

        let chat = ChatRef::private(MessengerKind::Telegram, 1);
        bot.send(&chat, &OutgoingMessage::new("hi")).await.unwrap();
        let unauthorized = messenger_core::Traced::new(bot.clone())
            .send(&chat, &OutgoingMessage::new("hi"))
            .await
            .unwrap_err();
        let timeout = bot.get_me().await.unwrap_err();
        // Nothing listens on port 9: a connect error, whose reqwest text would carry the URL.
        let refused = TelegramBot::builder(SecretString::from(TOKEN))
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap()
            .get_me()
            .await
            .unwrap_err();
        let forged = bot.parse_webhook(&HeaderMap::new(), b"{}").unwrap_err();
        let bad_token = TelegramBot::builder(SecretString::from("123:abc/../x y"))
            .build()
            .unwrap_err();
        for (name, e) in [
            ("unauthorized", unauthorized),
            ("timeout", timeout),
            ("connection refused", refused),
            ("forged webhook", forged),
            ("bad token", bad_token),
        ] {
            texts.extend(test_support::secrets::error_chain_texts(name, &e));
        }
        assert!(texts.iter().any(|(_, t)| t.contains("timed out")));
        assert!(
            texts
                .iter()
                .any(|(n, t)| n.contains("refused") && t.contains("transport error"))
        );
    });
    drop(rt);

    for (what, text) in &texts {
        assert_clean(what, text);
    }
    let logs = capture.text();
    // The capture works: our spans and the HTTP stack's events are in it.
    assert!(logs.contains("sendMessage"), "{logs}");
    assert!(logs.contains("telegram call failed"), "{logs}");
    assert!(
        logs.contains("messenger.send"),
        "the Traced adaptor's span: {logs}"
    );
    assert!(logs.lines().count() > 5, "{logs}");
    assert_clean("tracing output", &logs);
}
