//! An echo bot on the console messenger: runs offline, no tokens.
//!
//! ```sh
//! cargo run -p messenger-core --example console_echo
//! ```
//! Type `/start`, any text, or a button's number or label. Ctrl-D ends it.

use std::sync::Arc;

use futures_util::StreamExt;
use messenger_core::{
    Button, ButtonAnswer, ConsoleMessenger, Keyboard, Messenger, MessengerError, OutgoingMessage,
    PollOptions, RichText, UpdateKind, polling,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let console = Arc::new(ConsoleMessenger::stdio());
    let chat = console.chat();
    console
        .send(
            &chat,
            &OutgoingMessage::new(RichText::markup(
                "*Echo bot* on the console.\nType /start, any text, or pick a button by number or label.",
            )?),
        )
        .await?;
    let mut updates = Box::pin(polling::updates(console.clone(), PollOptions::default()));
    while let Some(update) = updates.next().await {
        let update = match update {
            Ok(u) => u,
            Err(e) => return Err(e.into()),
        };
        let Some(chat) = update.chat.clone() else {
            continue;
        };
        let name = update.from.as_ref().map(|u| u.name()).unwrap_or_default();
        let reply = match update.kind {
            UpdateKind::Started { .. } => OutgoingMessage::new(RichText::template(
                "Hello, *{name}*! Share your phone to continue.",
                &[("name", &name)],
            )?)
            .keyboard(Keyboard::request_contact("📱 Share phone")),
            UpdateKind::Contact(c) => {
                OutgoingMessage::new(format!("Thanks! Your number: {}", c.phone).as_str())
                    .keyboard(Keyboard::Remove)
            }
            UpdateKind::Text { text, .. } => OutgoingMessage::new(RichText::new().bold(&text))
                .keyboard(Keyboard::inline(vec![vec![
                    Button::callback("Twice", format!("twice:{text}")),
                    Button::url("Docs", "https://core.telegram.org/bots/api"),
                ]])),
            UpdateKind::ButtonPress(p) => {
                if let Some(cb) = &p.callback {
                    console
                        .answer_button(cb, &ButtonAnswer::toast("Done"))
                        .await?;
                }
                let text = p.data.strip_prefix("twice:").unwrap_or(&p.data);
                OutgoingMessage::new(format!("{text} {text}").as_str())
            }
            UpdateKind::Command { name, .. } => {
                OutgoingMessage::new(format!("Unknown command /{name}").as_str())
            }
            _ => continue,
        };
        match console.send(&chat, &reply).await {
            Ok(_) => {}
            Err(MessengerError::Invalid(e)) => {
                console
                    .send(&chat, &OutgoingMessage::new(format!("({e})").as_str()))
                    .await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
