//! The Telegram test kit in action, offline: a fake Bot API on wiremock queues a shared contact,
//! a tiny "service" polls it and replies, and the kit shows what was sent.
//!
//! Run with `cargo run -p messenger-telegram --example telegram_mock --features mock`.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use messenger_core::{Messenger, MessengerError, OutgoingMessage, PollCursor, UpdateKind};
use messenger_telegram::mock::{Incoming, TelegramMock};

#[tokio::main]
async fn main() -> Result<(), MessengerError> {
    let server = wiremock::MockServer::start().await;
    let tg = TelegramMock::start(&server).await;
    tg.queue(Incoming::contact(42, "+380501112233", true));

    // The service under test: thank the user for their own number.
    let bot = tg.bot();
    let batch = bot.poll(PollCursor(None), Duration::from_secs(0)).await?;
    for update in batch.updates {
        if let (UpdateKind::Contact(c), Some(chat)) = (&update.kind, &update.chat) {
            if c.is_own {
                bot.send(chat, &OutgoingMessage::new(format!("Thanks, {}", c.phone)))
                    .await?;
            }
        }
    }

    for sent in tg.sent_messages().await {
        println!("sent to {}: {}", sent.chat_id, sent.text);
    }
    Ok(())
}
