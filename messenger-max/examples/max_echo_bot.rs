//! A MAX echo bot, throttled to MAX's 30 requests/s: long polling by default, webhook mode when
//! `MAX_WEBHOOK_URL` and `MAX_WEBHOOK_SECRET` are set.
//!
//! ```sh
//! MAX_BOT_TOKEN=… cargo run -p messenger-max --example max_echo_bot
//! MAX_BOT_TOKEN=… MAX_WEBHOOK_URL=https://bot.example/max MAX_WEBHOOK_SECRET=s3cret_1 \
//!   BOT_LISTEN_ADDR=127.0.0.1:8080 cargo run -p messenger-max --example max_echo_bot
//! ```
//! Without `MAX_BOT_TOKEN` it explains itself and exits. `MAX_API_URL` overrides the API host;
//! `MAX_EXTRA_ROOT_PEM` names a PEM file of extra root certificates to trust (the national root
//! CA MAX asks integrators to trust).
#![allow(clippy::print_stderr)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use futures_util::StreamExt;
use messenger_core::{
    Button, ButtonAnswer, Keyboard, Messenger, MessengerError, OutgoingMessage, RichText,
    Throttled, Update, UpdateKind, polling,
};
use messenger_max::types::SubscriptionRequest;
use messenger_max::{DEFAULT_UPDATE_TYPES, MaxBot, SecretString};

type Bot = Arc<Throttled<MaxBot>>;

async fn handle(bot: &Bot, update: Update) -> Result<(), MessengerError> {
    let Some(chat) = update.chat.clone() else {
        return Ok(());
    };
    let name = update.from.as_ref().map(|u| u.name()).unwrap_or_default();
    let reply = match update.kind {
        UpdateKind::Started { .. } => OutgoingMessage::new(
            RichText::template(
                "Hello, *{name}*! Share your phone to continue.",
                &[("name", &name)],
            )
            .map_err(|e| MessengerError::Config(e.to_string()))?,
        )
        .keyboard(Keyboard::inline(vec![vec![Button::request_contact(
            "📱 Share phone",
        )]])),
        UpdateKind::Contact(c) if c.is_own => {
            OutgoingMessage::new(format!("Thanks! Your number: {}", c.phone).as_str())
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
            return Ok(());
        }
        UpdateKind::Unsubscribed => {
            tracing::info!(%chat, "the user stopped the bot");
            return Ok(());
        }
        _ => return Ok(()),
    };
    bot.send(&chat, &reply).await.map(|_| ())
}

async fn webhook(State(bot): State<Bot>, headers: HeaderMap, body: Bytes) -> StatusCode {
    match bot.parse_webhook(&headers, &body) {
        Ok(updates) => {
            for u in updates {
                // Answer MAX within 30 s: handle in the background.
                let bot = bot.clone();
                tokio::spawn(async move {
                    if let Err(e) = handle(&bot, u).await {
                        tracing::warn!(error = %e, "handling failed");
                    }
                });
            }
            StatusCode::OK
        }
        Err(MessengerError::ForgedWebhook { .. }) => StatusCode::UNAUTHORIZED,
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let Ok(token) = std::env::var("MAX_BOT_TOKEN") else {
        eprintln!("Set MAX_BOT_TOKEN to a MAX bot token (business.max.ru) to run this example.");
        return Ok(());
    };
    let mut builder = MaxBot::builder(SecretString::from(token));
    if let Ok(url) = std::env::var("MAX_API_URL") {
        builder = builder.base_url(url);
    }
    if let Ok(file) = std::env::var("MAX_EXTRA_ROOT_PEM") {
        builder = builder.root_certificates_pem(std::fs::read(file)?);
    }
    let hook = match (
        std::env::var("MAX_WEBHOOK_URL"),
        std::env::var("MAX_WEBHOOK_SECRET"),
    ) {
        (Ok(url), Ok(secret)) => Some((url, secret)),
        (Err(_), Err(_)) => None,
        _ => return Err("set both MAX_WEBHOOK_URL and MAX_WEBHOOK_SECRET, or neither".into()),
    };
    if let Some((_, secret)) = &hook {
        builder = builder.webhook_secret(SecretString::from(secret.clone()));
    }
    let max = builder.build()?;
    let me = max.get_me().await?;
    tracing::info!(username = ?me.username, "connected");

    if let Some((url, secret)) = hook {
        let types = DEFAULT_UPDATE_TYPES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        max.subscribe(
            &SubscriptionRequest::new(url)
                .update_types(types)
                .secret(SecretString::from(secret)),
        )
        .await?;
        let bot: Bot = Arc::new(Throttled::new(max));
        let addr = std::env::var("BOT_LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
        let app = axum::Router::new()
            .route("/", axum::routing::post(webhook))
            .route("/max", axum::routing::post(webhook))
            .with_state(bot);
        let listener = tokio::net::TcpListener::bind(&addr).await?;
        tracing::info!(%addr, "webhook mode");
        axum::serve(listener, app).await?;
        return Ok(());
    }

    // Long polling only works without a subscription.
    for s in max.get_subscriptions().await?.subscriptions {
        max.unsubscribe(&s.url).await?;
    }
    let bot: Bot = Arc::new(Throttled::new(max));
    let mut updates = Box::pin(polling::updates(bot.clone(), MaxBot::poll_options()));
    while let Some(update) = updates.next().await {
        match update {
            Ok(u) => {
                if let Err(e) = handle(&bot, u).await {
                    tracing::warn!(error = %e, "handling failed");
                }
            }
            Err(MessengerError::Unauthorized { .. }) => return Err("the token was rejected".into()),
            Err(e) => tracing::warn!(error = %e, "polling error; retrying"),
        }
    }
    Ok(())
}
