//! The auth token never appears in Debug or Display output, in error text, or in anything logged
//! through `tracing` — at every level, including the HTTP stack's own trace events (the token
//! travels in a header marked sensitive).
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use http::HeaderMap;
use messenger_core::{ChatRef, Messenger, MessengerKind, OutgoingMessage};
use messenger_viber::{SecretString, ViberBot};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "SuperSecretViberToken-4f1a9c";

fn assert_clean(what: &str, text: &str) {
    assert!(!text.contains(TOKEN), "{what} leaks the token: {text}");
    assert!(
        !text.contains("SuperSecretViber"),
        "{what} leaks part of the token: {text}"
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
            .and(path("/pa/send_message"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    json!({"status": 0, "status_message": "ok", "message_token": 1}),
                ),
            )
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/pa/send_message"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"status": 2, "status_message": "invalidAuthToken"})),
            )
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/pa/get_account_info"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
            .mount(&server)
            .await;

        let bot = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
            .base_url(format!("{}/pa", server.uri()))
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        texts.push(("Debug of the bot".into(), format!("{bot:?}")));
        texts.push((
            "Debug of the builder".into(),
            format!(
                "{:?}",
                ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
            ),
        ));

        let chat = ChatRef::private(MessengerKind::Viber, "01234567890A=");
        bot.send(&chat, &OutgoingMessage::new("hi")).await.unwrap();
        let unauthorized = messenger_core::Traced::new(bot.clone())
            .send(&chat, &OutgoingMessage::new("hi"))
            .await
            .unwrap_err();
        let timeout = bot.get_account_info().await.unwrap_err();
        let refused = ViberBot::builder(SecretString::from(TOKEN), "Loyalty")
            .base_url("http://127.0.0.1:9/pa")
            .build()
            .unwrap()
            .get_account_info()
            .await
            .unwrap_err();
        let forged = bot.parse_webhook(&HeaderMap::new(), b"{}").unwrap_err();
        let mut wrong = HeaderMap::new();
        wrong.insert(
            "x-viber-content-signature",
            "00".repeat(32).parse().unwrap(),
        );
        let forged_sig = bot.parse_webhook(&wrong, b"{}").unwrap_err();
        let bad_token = ViberBot::builder(SecretString::from("Super Secret\nViber"), "Loyalty")
            .build()
            .unwrap_err();
        for (name, e) in [
            ("unauthorized", unauthorized),
            ("timeout", timeout),
            ("connection refused", refused),
            ("forged webhook", forged),
            ("forged signature", forged_sig),
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
    assert!(logs.contains("send_message"), "{logs}");
    assert!(logs.contains("viber call failed"), "{logs}");
    assert!(
        logs.contains("messenger.send"),
        "the Traced adaptor's span: {logs}"
    );
    assert!(logs.lines().count() > 5, "{logs}");
    assert_clean("tracing output", &logs);
}
