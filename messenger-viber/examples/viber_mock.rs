//! The Viber test kit in action, offline: a signed callback with a shared contact reaches a tiny
//! "service", which replies; the kit shows what was sent.
//!
//! Run with `cargo run -p messenger-viber --example viber_mock --features mock`.
#![allow(clippy::print_stdout)]

use messenger_core::{Messenger, MessengerError, OutgoingMessage, UpdateKind};
use messenger_viber::mock::{Incoming, ViberMock};

#[tokio::main]
async fn main() -> Result<(), MessengerError> {
    let server = wiremock::MockServer::start().await;
    let viber = ViberMock::start(&server).await;
    let bot = viber.bot();

    // Viber calls the bot's webhook; the service authenticates and handles it.
    let request = viber.webhook_request(&Incoming::contact("01234567890A=", "380501112233"));
    for update in bot.parse_webhook(&request.headers, &request.body)? {
        if let (UpdateKind::Contact(c), Some(chat)) = (&update.kind, &update.chat) {
            bot.send(chat, &OutgoingMessage::new(format!("Got {}", c.phone)))
                .await?;
        }
    }

    for sent in viber.sent_messages().await {
        println!(
            "sent to {}: {}",
            sent.receiver,
            sent.text.unwrap_or_default()
        );
    }
    Ok(())
}
