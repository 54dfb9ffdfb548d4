//! # messenger-max
//!
//! The MAX Bot API adapter of the loyalty-bot SDK: [`MaxBot`] implements
//! [`messenger_core::Messenger`] over reqwest, and offers the API calls a loyalty bot needs as
//! methods: `GET /me`, `GET /updates`, `POST/GET/DELETE /subscriptions`, `POST/PUT/DELETE
//! /messages`, `POST /answers`, `POST /uploads` + the upload itself, and downloading an incoming
//! file.
//!
//! - Base URL `https://platform-api2.max.ru` by default, configurable; the token goes in
//!   `Authorization: <token>` (no `Bearer`), is a `SecretString` and never shows in `Debug`,
//!   errors or logs.
//! - Extra root certificates (PEM) can be trusted on top of the system's
//!   ([`MaxBotBuilder::root_certificates_pem`]), for the Russian national root CA MAX asks
//!   integrators to trust.
//! - Text is rendered from the core markup to HTML (`format: "html"`), every interpolated value
//!   escaped; keyboards become an `inline_keyboard` attachment (`callback`, `link`,
//!   `request_contact`, `message` buttons), checked against MAX's limits before sending.
//! - Errors `{code, message}` + HTTP status map to [`MessengerError`]: 401 → `Unauthorized`,
//!   403 → `Blocked`, 404 → `ChatNotFound`, 429 → `RateLimited` (no delay hint: back off),
//!   5xx → `Server`, `attachment.not.ready` → `Server` (retryable; sends retry it themselves),
//!   other → `InvalidRequest`; the HTTP status and MAX's code string are kept.
//! - Webhook requests are authenticated by `X-Max-Bot-Api-Secret`, compared in constant time;
//!   unknown updates become [`messenger_core::UpdateKind::Other`].
//!
//! Wrap the bot in [`messenger_core::Throttled`] for MAX's 30 requests/s and backing off on 429.
//!
//! ## Quick start
//! ```no_run
//! use std::sync::Arc;
//! use futures_util::StreamExt;
//! use messenger_core::{Messenger, OutgoingMessage, Throttled, polling};
//! use messenger_max::{MaxBot, SecretString};
//!
//! # async fn run() -> Result<(), messenger_core::MessengerError> {
//! let bot = MaxBot::builder(SecretString::from("max-bot-token")).build()?;
//! let bot = Arc::new(Throttled::new(bot));
//! let mut updates = Box::pin(polling::updates(bot.clone(), MaxBot::poll_options()));
//! while let Some(update) = updates.next().await {
//!     let Ok(update) = update else { continue };
//!     if let (Some(chat), Some(text)) = (&update.chat, update.text()) {
//!         bot.send(chat, &OutgoingMessage::new(text)).await?;
//!     }
//! }
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod client;
pub mod convert;
mod messenger;
#[cfg(feature = "mock")]
pub mod mock;
pub mod types;

pub use client::{
    ATTACHMENT_NOT_READY, DEFAULT_BASE_URL, DEFAULT_UPDATE_TYPES, MAX_DOWNLOAD_BYTES, MaxBot,
    MaxBotBuilder, SECRET_HEADER, is_not_ready,
};
pub use convert::{keyboard_attachment, parse_update, vcard_phone};
pub use messenger::target;
pub use messenger_core::{MessengerError, SecretString};
