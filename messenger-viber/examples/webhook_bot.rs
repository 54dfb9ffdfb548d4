//! A Viber bot on a webhook: a welcome message with a share-phone keyboard on
//! `conversation_started`, button presses through `ActionBody`, pictures served by the bot's own
//! listener through [`InMemoryMediaHost`].
//!
//! ```sh
//! VIBER_AUTH_TOKEN=… VIBER_WEBHOOK_URL=https://bot.example.com/viber \
//!   cargo run -p messenger-viber --example webhook_bot
//! ```
//! Without `VIBER_AUTH_TOKEN` it explains itself and exits. `BOT_LISTEN_ADDR` (default
//! `127.0.0.1:8080`) is where it listens; put an HTTPS reverse proxy with a CA-trusted
//! certificate in front (Viber refuses self-signed ones). `VIBER_API_URL` overrides the API base.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use messenger_core::{
    Button, Keyboard, Messenger, MessengerError, OutgoingMessage, Throttled, UpdateKind,
};
use messenger_viber::types::SetWebhook;
use messenger_viber::{InMemoryMediaHost, SecretString, ViberBot};

struct App {
    bot: Throttled<ViberBot>,
    media: InMemoryMediaHost,
}

fn menu() -> Keyboard {
    Keyboard::inline(vec![
        vec![Button::callback("Balance", "balance")],
        vec![Button::url("Site", "https://example.com")],
    ])
}

async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let events = match app.bot.inner().parse_events(&headers, &body) {
        Ok(e) => e,
        Err(MessengerError::ForgedWebhook { .. }) => return StatusCode::FORBIDDEN.into_response(),
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    for event in events {
        let Some(chat) = event.update.chat.clone() else {
            continue; // the `webhook` ping and receipts: 200 is all Viber wants
        };
        if event.is_share_phone_fallback() {
            // Desktop clients cannot share the phone number.
            let msg = OutgoingMessage::new("Please open Viber on your phone to share the number.");
            if let Err(e) = app.bot.send(&chat, &msg).await {
                tracing::warn!(error = %e, "send failed");
            }
            continue;
        }
        match &event.update.kind {
            UpdateKind::Started { .. } => {
                // The one welcome message Viber accepts goes in the HTTP response.
                let welcome = OutgoingMessage::new("Welcome! Share your phone to log in.")
                    .keyboard(Keyboard::request_contact("📱 Share phone"));
                return match app
                    .bot
                    .inner()
                    .welcome_response(&welcome, Some("auth"))
                    .await
                {
                    Ok(json) => {
                        ([(header::CONTENT_TYPE, "application/json")], json).into_response()
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot render the welcome message");
                        StatusCode::OK.into_response()
                    }
                };
            }
            UpdateKind::Contact(c) => {
                let text = format!("Thanks, your number is {}.", c.phone);
                let msg = OutgoingMessage::new(text.as_str()).keyboard(menu());
                if let Err(e) = app.bot.send(&chat, &msg).await {
                    tracing::warn!(error = %e, "send failed");
                }
            }
            UpdateKind::ButtonPress(p) if p.data == "balance" => {
                let msg = OutgoingMessage::new("Your balance: 120 points").keyboard(menu());
                if let Err(e) = app.bot.send(&chat, &msg).await {
                    tracing::warn!(error = %e, "send failed");
                }
            }
            UpdateKind::Text { text, .. } => {
                let msg =
                    OutgoingMessage::new(format!("You said: {text}").as_str()).keyboard(menu());
                if let Err(e) = app.bot.send(&chat, &msg).await {
                    tracing::warn!(error = %e, "send failed");
                }
            }
            _ => {}
        }
    }
    StatusCode::OK.into_response()
}

async fn media(State(app): State<Arc<App>>, Path(name): Path<String>) -> Response {
    match app.media.get(&name) {
        Some(f) => ([(header::CONTENT_TYPE, f.mime_type)], f.data).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let Ok(token) = std::env::var("VIBER_AUTH_TOKEN") else {
        eprintln!("Set VIBER_AUTH_TOKEN (and VIBER_WEBHOOK_URL) to run this example.");
        return Ok(());
    };
    let webhook_url = std::env::var("VIBER_WEBHOOK_URL").unwrap_or_default();
    let listen = std::env::var("BOT_LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let name = std::env::var("VIBER_SENDER_NAME").unwrap_or_else(|_| "Loyalty".to_owned());
    let media_host =
        InMemoryMediaHost::new(format!("{}/media", webhook_url.trim_end_matches("/viber")));
    let mut builder =
        ViberBot::builder(SecretString::from(token), name).media_host(Arc::new(media_host.clone()));
    if let Ok(url) = std::env::var("VIBER_API_URL") {
        builder = builder.base_url(url);
    }
    let bot = builder.build()?;
    let app = Arc::new(App {
        bot: Throttled::new(bot),
        media: media_host,
    });
    let router = Router::new()
        .route("/viber", post(webhook))
        .route("/media/{name}", get(media))
        .with_state(app.clone());
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    tracing::info!(%listen, "listening");
    if !webhook_url.is_empty() {
        // Viber pings the URL during set_webhook, so register once the listener runs.
        let bot = app.clone();
        tokio::spawn(async move {
            let types = [
                "delivered",
                "failed",
                "subscribed",
                "unsubscribed",
                "conversation_started",
            ];
            match bot
                .bot
                .inner()
                .set_webhook(&SetWebhook::new(webhook_url, &types))
                .await
            {
                Ok(r) => tracing::info!(events = ?r.event_types, "webhook set"),
                Err(e) => tracing::error!(error = %e, "set_webhook failed"),
            }
        });
    }
    axum::serve(listener, router).await?;
    Ok(())
}
