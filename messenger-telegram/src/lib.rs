//! # messenger-telegram
//!
//! The Telegram Bot API adapter of the loyalty-bot SDK: [`TelegramBot`] implements
//! [`messenger_core::Messenger`] over reqwest, and offers the Bot API calls a loyalty bot needs as
//! methods: `getMe`, `getUpdates`, `setWebhook`/`deleteWebhook`/`getWebhookInfo`, `sendMessage`,
//! `sendPhoto` (URL and multipart upload), `editMessageText`, `answerCallbackQuery`, `getFile` +
//! download, `sendChatAction`.
//!
//! - Text is rendered from the core markup to Telegram HTML (`parse_mode: "HTML"`), with every
//!   interpolated value escaped.
//! - The `{ok, result, error_code, description, parameters.retry_after}` envelope maps to
//!   [`MessengerError`]: 429 → `RateLimited` (with `retry_after`), 403 → `Blocked`, 400 "chat not
//!   found" → `ChatNotFound`, other 400 → `InvalidRequest`, 401/404 → `Unauthorized`, 409 →
//!   `Conflict`, 5xx → `Server`.
//! - Webhook requests are authenticated by `X-Telegram-Bot-Api-Secret-Token`, compared in constant
//!   time; unknown updates become [`messenger_core::UpdateKind::Other`].
//! - The token is a `SecretString`. It is part of every URL path, so URLs are never logged and
//!   are stripped from transport errors.
//!
//! Wrap the bot in [`messenger_core::Throttled`] for Telegram's rate limits (30 msg/s overall,
//! 1 msg/s per chat, 20 msg/min per group) and pausing on 429.
//!
//! ## Quick start
//! ```no_run
//! use std::sync::Arc;
//! use futures_util::StreamExt;
//! use messenger_core::{Messenger, OutgoingMessage, PollOptions, Throttled, polling};
//! use messenger_telegram::{SecretString, TelegramBot};
//!
//! # async fn run() -> Result<(), messenger_core::MessengerError> {
//! let bot = TelegramBot::builder(SecretString::from("123456:ABC-DEF")).build()?;
//! let bot = Arc::new(Throttled::new(bot));
//! let mut updates = Box::pin(polling::updates(bot.clone(), PollOptions::default()));
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
    DEFAULT_BASE_URL, MAX_DOWNLOAD_BYTES, SECRET_HEADER, TelegramBot, TelegramBotBuilder,
};
pub use convert::{parse_update, reply_markup};
pub use messenger::is_not_modified;
pub use messenger_core::{MessengerError, SecretString};
