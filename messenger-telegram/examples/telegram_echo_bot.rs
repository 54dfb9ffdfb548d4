//! A Telegram echo bot over long polling, throttled to Telegram's limits.
//!
//! ```sh
//! TELEGRAM_BOT_TOKEN=123456:ABC… cargo run -p messenger-telegram --example telegram_echo_bot
//! ```
//! Without `TELEGRAM_BOT_TOKEN` it explains itself and exits. `TELEGRAM_API_URL` overrides the
//! API server (e.g. a local Bot API server).

use std::sync::Arc;

use futures_util::StreamExt;
use messenger_core::{
    Button, ButtonAnswer, Keyboard, Messenger, MessengerError, OutgoingMessage, PollOptions,
    RichText, Throttled, UpdateKind, polling,
};
use messenger_telegram::{SecretString, TelegramBot};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let Ok(token) = std::env::var("TELEGRAM_BOT_TOKEN") else {
        eprintln!("Set TELEGRAM_BOT_TOKEN to a bot token from @BotFather to run this example.");
        return Ok(());
    };
    let mut builder = TelegramBot::builder(SecretString::from(token));
    if let Ok(url) = std::env::var("TELEGRAM_API_URL") {
        builder = builder.base_url(url);
    }
    let bot = builder.build()?;
    let me = bot.get_me().await?;
    tracing::info!(username = ?me.username, "connected");
    // Polling does not work while a webhook is set.
    bot.delete_webhook(false).await?;

    let bot = Arc::new(Throttled::new(bot));
    let mut updates = Box::pin(polling::updates(bot.clone(), PollOptions::default()));
    while let Some(update) = updates.next().await {
        let update = match update {
            Ok(u) => u,
            Err(MessengerError::Unauthorized { .. }) => return Err("the token was rejected".into()),
            Err(e) => {
                tracing::warn!(error = %e, "polling error; retrying");
                continue;
            }
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
            UpdateKind::Contact(c) if c.is_own => {
                OutgoingMessage::new(format!("Thanks! Your number: {}", c.phone).as_str())
                    .keyboard(Keyboard::Remove)
            }
            UpdateKind::Contact(_) => OutgoingMessage::new("Please share your own number."),
            UpdateKind::Text { text, .. } => OutgoingMessage::new(RichText::new().bold(&text))
                .keyboard(Keyboard::inline(vec![vec![Button::callback(
                    "Twice", "twice",
                )]])),
            UpdateKind::ButtonPress(p) => {
                if let Some(cb) = &p.callback {
                    bot.answer_button(cb, &ButtonAnswer::toast("Done")).await?;
                }
                continue;
            }
            UpdateKind::Unsubscribed => {
                tracing::info!(%chat, "the user blocked the bot");
                continue;
            }
            _ => continue,
        };
        if let Err(e) = bot.send(&chat, &reply).await {
            tracing::warn!(error = %e, %chat, "send failed");
        }
    }
    Ok(())
}
