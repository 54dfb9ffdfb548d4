//! # messenger-viber
//!
//! The Viber REST Bot API adapter of the loyalty-bot SDK: [`ViberBot`] implements
//! [`messenger_core::Messenger`] over reqwest and offers the calls a loyalty bot needs as methods:
//! `set_webhook` (and removal), `get_account_info`, `get_user_details`, `get_online`,
//! `send_message`, `broadcast_message` (batched by [`ViberBot::broadcast`]).
//!
//! - Every call is a JSON `POST <base>/<method>` with the token in `X-Viber-Auth-Token`. The
//!   `{status, status_message}` envelope maps to [`MessengerError`] through [`ViberStatus`]:
//!   5 → `ChatNotFound`, 7 → `Blocked` (both "recipient gone"), 6 → `NotSubscribed` (not
//!   gone: a user who has not subscribed yet), 12 → `RateLimited` (chat scope) with a
//!   one-hour `retry_after` (an hourly per-user cap, so [`messenger_core::Throttled`] hands it
//!   back instead of sleeping), 2/8/9/15 → `Unauthorized`, unknown codes → `Server` with the code
//!   kept. Requests over 30 KB are refused before sending
//!   ([`messenger_core::ValidationError::RequestTooLarge`]).
//! - Webhooks: [`ViberBot::parse_events`] / `parse_webhook` check `X-Viber-Content-Signature`
//!   (hex HMAC-SHA256 of the raw body keyed with the token) in constant time before parsing.
//!   `conversation_started` → `Started`, and [`ViberBot::welcome_response`] renders the one
//!   welcome message Viber accepts in the HTTP response.
//! - Viber has no inline callbacks: a [`messenger_core::Button::Callback`] becomes a `reply`
//!   button whose `ActionBody` is [`CALLBACK_PREFIX`] + data, and the text message it produces
//!   comes back as [`messenger_core::UpdateKind::ButtonPress`], so bot code is the same on every
//!   platform.
//! - Pictures go by URL only; bytes are published through a [`MediaHost`] (e.g.
//!   [`InMemoryMediaHost`] served by the bot's own listener), without one sending bytes fails with
//!   [`messenger_core::ValidationError::ImageUploadUnsupported`].
//! - `tracking_data`: [`ViberBot::send_with_tracking`] sets it, [`ViberEvent::tracking_data`]
//!   returns it.
//!
//! ## Quick start
//! ```no_run
//! use messenger_core::{ChatRef, Messenger, MessengerKind, OutgoingMessage, Throttled};
//! use messenger_viber::{SecretString, ViberBot};
//!
//! # async fn run() -> Result<(), messenger_core::MessengerError> {
//! let bot = ViberBot::builder(SecretString::from("445da6az1s345z78-dazcczb2542zv51a"), "Loyalty")
//!     .build()?;
//! let bot = Throttled::new(bot);
//! let chat = ChatRef::private(MessengerKind::Viber, "01234567890A=");
//! bot.send(&chat, &OutgoingMessage::new("Hello")).await?;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

pub mod client;
pub mod convert;
pub mod media;
mod messenger;
#[cfg(feature = "mock")]
pub mod mock;
pub mod types;

pub use client::{
    AUTH_HEADER, BROADCAST_MAX_RECEIVERS, DEFAULT_BASE_URL, MAX_REQUEST_BYTES, SIGNATURE_HEADER,
    TOO_MANY_REQUESTS_WAIT, ViberBot, ViberBotBuilder, ViberStatus,
};
pub use convert::{
    CALLBACK_PREFIX, SHARE_PHONE_ACTION_BODY, ViberEvent, normalize_phone, parse_event,
    parse_update, viber_keyboard,
};
pub use media::{HostedFile, InMemoryMediaHost, MediaHost};
pub use messenger::{BroadcastFailure, BroadcastReport, BroadcastSent, TRACKING_DATA_MAX};
pub use messenger_core::{MessengerError, SecretString};
