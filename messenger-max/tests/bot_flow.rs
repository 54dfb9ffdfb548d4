//! A loyalty bot's flows over MAX, end to end through wiremock: the user starts the bot, shares
//! their phone with the inline `request_contact` button (authorization), asks for the balance
//! with a callback button and gets a toast and an edited message. The handler is written against
//! `dyn Messenger` only, as the example bot's flows are, so the same code serves Telegram.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use messenger_core::{
    Button, ButtonAnswer, Keyboard, Messenger, MessengerError, OutgoingMessage, RichText,
    Throttled, Update, UpdateKind,
};
use messenger_max::{MaxBot, SECRET_HEADER, SecretString};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

fn sent(mid: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({"message": {
        "sender": {"user_id": 229229229, "is_bot": true},
        "recipient": {"chat_id": 182182182, "chat_type": "dialog", "user_id": 123456789},
        "timestamp": 1775026671403_i64, "body": {"mid": mid, "text": "…"}}}))
}

#[tokio::test]
async fn authorization_with_the_inline_contact_button_then_the_balance() {
    let server = MockServer::start().await;
    let api = |m: &str, p: &str| {
        Mock::given(method(m))
            .and(path(p))
            .and(header("authorization", TOKEN))
    };
    api("POST", "/messages")
        .and(query_param("user_id", "123456789"))
        .and(body_json(json!({
            "text": "Hello, <b>John &lt;Doe&gt;</b>! Share your phone to join the programme.",
            "format": "html",
            "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                [{"type": "request_contact", "text": "📱 Share phone"}]]}}]
        })))
        .respond_with(sent("mid.greet"))
        .expect(1)
        .mount(&server)
        .await;
    api("POST", "/messages")
        .and(query_param("user_id", "123456789"))
        .and(body_json(json!({
            "text": "Card linked to <b>79991234567</b>.",
            "format": "html",
            "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                [{"type": "callback", "text": "Balance", "payload": "balance"}]]}}]
        })))
        .respond_with(sent("mid.linked"))
        .expect(1)
        .mount(&server)
        .await;
    api("POST", "/answers")
        .and(query_param("callback_id", "cb-77"))
        .and(body_json(json!({"notification": "Balance updated"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    api("PUT", "/messages")
        .and(query_param("message_id", "mid.linked"))
        .and(body_json(json!({
            "text": "Balance: <b>120</b> points",
            "format": "html",
            "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                [{"type": "callback", "text": "Balance", "payload": "balance"}]]}}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;

    let max = MaxBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .webhook_secret(SecretString::from(HOOK))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let messenger: Arc<dyn Messenger> = Arc::new(Throttled::new(max));
    let bot = LoyaltyBot::default();
    let mut headers = HeaderMap::new();
    headers.insert(SECRET_HEADER, HeaderValue::from_static(HOOK));

    let deliveries = [
        json!({"update_type": "bot_started", "timestamp": 1775025604499_i64, "chat_id": 182182182,
            "user_locale": "ru", "user": {"user_id": 123456789, "first_name": "John", "last_name": "<Doe>", "is_bot": false}}),
        json!({"update_type": "message_created", "timestamp": 1775025700000_i64,
            "message": {"sender": {"user_id": 123456789, "first_name": "John", "is_bot": false},
            "recipient": {"chat_id": 182182182, "chat_type": "dialog"}, "timestamp": 1775025700000_i64,
            "body": {"mid": "mid.aaaa", "seq": 1, "text": null, "attachments": [{"type": "contact", "payload": {
                "vcf_info": "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:John Doe\r\nTEL;TYPE=cell:79991234567\r\nEND:VCARD\r\n",
                "hash": "h", "max_info": {"user_id": 123456789, "first_name": "John", "is_bot": false}}}]}}}),
        json!({"update_type": "message_callback", "timestamp": 1775026702210_i64,
            "callback": {"timestamp": 1775026702210_i64, "callback_id": "cb-77", "payload": "balance",
                "user": {"user_id": 123456789, "first_name": "John", "is_bot": false}},
            "message": {"sender": {"user_id": 229229229, "is_bot": true},
                "recipient": {"chat_id": 182182182, "chat_type": "dialog", "user_id": 123456789},
                "timestamp": 1775026671403_i64, "body": {"mid": "mid.linked", "text": "Card linked"}}}),
    ];
    for d in deliveries {
        let body = serde_json::to_vec(&d).unwrap();
        for u in messenger.parse_webhook(&headers, &body).unwrap() {
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
}
