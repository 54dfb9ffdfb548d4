//! The MAX test kit in action, offline: a fake MAX Bot API on wiremock queues a shared contact,
//! a tiny "service" polls it and replies, and the kit shows what was sent.
//!
//! Run with `cargo run -p messenger-max --example max_mock --features mock`.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use messenger_core::{Messenger, MessengerError, OutgoingMessage, PollCursor, UpdateKind};
use messenger_max::mock::{Incoming, MaxMock};

#[tokio::main]
async fn main() -> Result<(), MessengerError> {
    let server = wiremock::MockServer::start().await;
    let max = MaxMock::start(&server).await;
    max.queue(Incoming::contact(42, "79991234567", true));

    // The service under test: thank the user for their own number.
    let bot = max.bot();
    let batch = bot.poll(PollCursor(None), Duration::from_secs(0)).await?;
    for update in batch.updates {
        if let (UpdateKind::Contact(c), Some(chat)) = (&update.kind, &update.chat) {
            if c.is_own {
                bot.send(chat, &OutgoingMessage::new(format!("Thanks, {}", c.phone)))
                    .await?;
            }
        }
    }

    for sent in max.sent_messages().await {
        println!("sent to user {:?}: {}", sent.user_id, sent.text);
    }
    Ok(())
}
