//! A loyalty bot's flows over MAX, end to end through the crate's test kit (`MaxMock`): the user starts the bot, shares
//! their phone with the inline `request_contact` button (authorization), asks for the balance
//! with a callback button and gets a toast and an edited message. The handler is written against
//! `dyn Messenger` only, as the example bot's flows are, so the same code serves Telegram.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use messenger_core::{
    Button, ButtonAnswer, Keyboard, Messenger, MessengerError, OutgoingMessage, RichText,
    Throttled, Update, UpdateKind,
};
use messenger_max::SecretString;
use messenger_max::mock::{Incoming, MaxMock};
use serde_json::{Value, json};
use wiremock::MockServer;

const TOKEN: &str = "flow-token";
const HOOK: &str = "flow_secret";

/// A minimal loyalty bot: phone-number authorization, then the balance.
#[derive(Default)]
struct LoyaltyBot {
    phones: Mutex<HashMap<String, String>>,
}

impl LoyaltyBot {
    async fn handle(&self, m: &dyn Messenger, u: Update) -> Result<(), MessengerError> {
        let Some(chat) = u.chat.clone() else {
            return Ok(());
        };
        let name = u.from.as_ref().map(|f| f.name()).unwrap_or_default();
        match u.kind {
            UpdateKind::Started { .. } => {
                let text = RichText::template(
                    "Hello, *{name}*! Share your phone to join the programme.",
                    &[("name", &name)],
                )
                .unwrap();
                let kb = Keyboard::inline(vec![vec![Button::request_contact("📱 Share phone")]]);
                m.send(&chat, &OutgoingMessage::new(text).keyboard(kb))
                    .await?;
            }
            UpdateKind::Contact(c) if c.is_own => {
                self.phones
                    .lock()
                    .unwrap()
                    .insert(chat.id.to_string(), c.phone.clone());
                let kb = Keyboard::inline(vec![vec![Button::callback("Balance", "balance")]]);
                let text = RichText::template("Card linked to *{phone}*.", &[("phone", &c.phone)])
                    .unwrap();
                m.send(&chat, &OutgoingMessage::new(text).keyboard(kb))
                    .await?;
            }
            UpdateKind::Contact(_) => {
                m.send(
                    &chat,
                    &OutgoingMessage::new("Please share your own number."),
                )
                .await?;
            }
            UpdateKind::ButtonPress(p) if p.data == "balance" => {
                let known = self
                    .phones
                    .lock()
                    .unwrap()
                    .contains_key(&chat.id.to_string());
                if let Some(cb) = &p.callback {
                    m.answer_button(cb, &ButtonAnswer::toast("Balance updated"))
                        .await?;
                }
                let text = if known {
                    RichText::template("Balance: *{points}* points", &[("points", "120")]).unwrap()
                } else {
                    RichText::plain("Share your phone first.")
                };
                let msg = OutgoingMessage::new(text).keyboard(Keyboard::inline(vec![vec![
                    Button::callback("Balance", "balance"),
                ]]));
                match &p.message {
                    Some(r) => m.edit(r, &msg).await?,
                    None => {
                        m.send(&chat, &msg).await?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[tokio::test]
async fn authorization_with_the_inline_contact_button_then_the_balance() {
    // The MAX side is the crate's test kit: its updates and answers are MAX's wire shape, so this
    // test writes only what the bot must send.
    let server = MockServer::start().await;
    let kit = MaxMock::start_with_token(&server, TOKEN).await;
    let max = kit
        .bot_builder()
        .webhook_secret(SecretString::from(HOOK))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let messenger: Arc<dyn Messenger> = Arc::new(Throttled::new(max));
    let bot = LoyaltyBot::default();

    for incoming in [
        Incoming::started(123_456_789),
        Incoming::contact(123_456_789, "79991234567", true),
        Incoming::button(123_456_789, "balance"),
    ] {
        let req = kit.webhook_request(&incoming, HOOK);
        for u in messenger.parse_webhook(&req.headers, &req.body).unwrap() {
            bot.handle(messenger.as_ref(), u).await.unwrap();
        }
    }
    assert_eq!(
        bot.phones
            .lock()
            .unwrap()
            .get("123456789")
            .map(String::as_str),
        Some("79991234567")
    );

    // Exactly what went out, in order, each with the bot's token.
    let calls: Vec<_> = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() != "/me")
        .collect();
    assert!(
        calls
            .iter()
            .all(|r| r.headers.get("authorization").unwrap() == TOKEN)
    );
    let summary: Vec<(String, String, Option<String>, Value)> = calls
        .iter()
        .map(|r| {
            (
                r.method.to_string(),
                r.url.path().to_owned(),
                r.url.query().map(str::to_owned),
                serde_json::from_slice(&r.body).unwrap(),
            )
        })
        .collect();
    let callback_kb = json!([{"type": "inline_keyboard", "payload": {"buttons": [
        [{"type": "callback", "text": "Balance", "payload": "balance"}]]}}]);
    assert_eq!(
        summary,
        [
            (
                "POST".to_owned(),
                "/messages".to_owned(),
                Some("user_id=123456789&disable_link_preview=true".to_owned()),
                json!({
                    "text": "Hello, <b>Ivan</b>! Share your phone to join the programme.",
                    "format": "html",
                    "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                        [{"type": "request_contact", "text": "📱 Share phone"}]]}}]
                }),
            ),
            (
                "POST".to_owned(),
                "/messages".to_owned(),
                Some("user_id=123456789&disable_link_preview=true".to_owned()),
                json!({"text": "Card linked to <b>79991234567</b>.", "format": "html",
                    "attachments": callback_kb}),
            ),
            (
                "POST".to_owned(),
                "/answers".to_owned(),
                Some("callback_id=cb-3".to_owned()),
                json!({"notification": "Balance updated"}),
            ),
            (
                "PUT".to_owned(),
                "/messages".to_owned(),
                // The kit's button press comes from its menu message `mid.menu`.
                Some("message_id=mid.menu".to_owned()),
                json!({"text": "Balance: <b>120</b> points", "format": "html",
                    "attachments": callback_kb}),
            ),
        ]
    );
    // The typed views agree.
    let sent = kit.sent_messages().await;
    assert!(sent[0].asks_for_contact());
    assert_eq!(sent[1].button_labels(), ["Balance"]);
    assert_eq!(
        kit.answered_callbacks().await[0].notification.as_deref(),
        Some("Balance updated")
    );
    assert_eq!(
        kit.edited_messages().await,
        [(
            "mid.menu".to_owned(),
            "Balance: <b>120</b> points".to_owned()
        )]
    );
}
