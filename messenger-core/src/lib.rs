//! # messenger-core
//!
//! One messenger model for Telegram, Viber and MAX, so a loyalty bot is written once:
//!
//! - [`Update`] / [`UpdateKind`]: what arrives (text, command, button press, shared contact,
//!   photo/document, started, subscribed, unsubscribed, and everything else kept raw).
//! - [`OutgoingMessage`]: [`RichText`] written in one small markup and rendered safely per
//!   platform (every interpolated value escaped), an optional [`Image`], an optional [`Keyboard`].
//! - [`Limits`] and [`ValidationError`]: each platform's limits, checked before sending; long texts
//!   are split at paragraph boundaries by [`send_long`].
//! - [`Messenger`]: the object-safe trait adapters implement (send, edit, delete, answer a button
//!   press, download a file, authenticate and parse a webhook with the answer it may carry
//!   ([`WebhookOutcome`], [`WelcomeSlot`], [`WebhookResponse`]), long-poll, limits,
//!   [`Capabilities`], raw platform requests ([`RawRequest`])).
//! - [`MessengerError`]: one error model (rate limited, blocked, chat not found, invalid request,
//!   unauthorized, transport, decode, forged webhook, …).
//! - [`Traced`]: a span per call, outcome logged (no content, no secrets).
//! - [`Throttled`]: global and per-chat rate limiting over any messenger, pausing on "too many
//!   requests" instead of failing.
//! - [`polling::updates`]: a long-polling stream that never loses or repeats an update.
//! - [`InMemoryMessenger`] for tests and [`ConsoleMessenger`] for the offline demo.
//!
//! ## Quick start
//! ```
//! use messenger_core::{Button, InMemoryMessenger, Keyboard, Messenger, OutgoingMessage, RichText};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let messenger = InMemoryMessenger::new();
//! let chat = messenger.chat(7);
//! let text = RichText::template("Hi, *{name}*! Balance: *{points}* points", &[
//!     ("name", "<Ivan>"),
//!     ("points", "120"),
//! ])?;
//! let msg = OutgoingMessage::new(text)
//!     .keyboard(Keyboard::inline(vec![vec![Button::callback("History", "hist:1")]]));
//! messenger.send(&chat, &msg).await?;
//! assert_eq!(
//!     msg.text.to_html(),
//!     "Hi, <b>&lt;Ivan&gt;</b>! Balance: <b>120</b> points"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! ## Stability
//! The model's structs and enums that will grow are `#[non_exhaustive]`: build them with their
//! constructors and setters ([`Update::new`], [`Limits::telegram`], [`ThrottleConfig::from_limits`],
//! [`UserInfo::with_id`], [`SharedContact::new`], [`FileRef::new`], [`Capabilities::new`], …)
//! and match them with `..`, so a new field is not a breaking change. A struct literal does not
//! compile:
//! ```compile_fail
//! let u = messenger_core::Update {
//!     dedup_key: "1".into(),
//!     messenger: messenger_core::MessengerKind::Telegram,
//!     chat: None,
//!     from: None,
//!     date: None,
//!     kind: messenger_core::UpdateKind::Subscribed,
//! };
//! ```
//! ```compile_fail
//! let c = messenger_core::ThrottleConfig {
//!     max_retries: 1,
//!     ..messenger_core::ThrottleConfig::from_limits(&messenger_core::Limits::telegram())
//! };
//! ```
//! ```compile_fail
//! let l = messenger_core::Limits { text_max: 10, ..messenger_core::Limits::telegram() };
//! ```
//! ```compile_fail
//! let c = messenger_core::SharedContact {
//!     phone: "+1".into(), first_name: None, last_name: None, user_id: None, is_own: true,
//!     vcard: None,
//! };
//! ```
#![deny(missing_docs)]

pub mod capabilities;
pub mod console;
pub mod error;
pub mod exchange;
pub mod keyboard;
pub mod limits;
pub mod memory;
pub mod message;
pub mod messenger;
#[cfg(feature = "mock")]
pub mod mock;
pub mod model;
pub mod polling;
pub mod text;
pub mod throttle;
pub mod tls;
pub mod traced;
pub mod webhook;

pub use capabilities::Capabilities;
pub use console::ConsoleMessenger;
pub use error::{
    ApiDetail, MessengerError, RateLimitScope, redirect_error, redirect_target, snippet,
};
pub use exchange::{RawMethod, RawRequest, WebhookOutcome, WebhookResponse, WelcomeSlot};
pub use keyboard::{Button, Keyboard, ReplyKeyboard, callback_key};
pub use limits::{ContactButtonPlacement, Limits, Rate, ValidationError, validate_keyboard};
pub use memory::{InMemoryMessenger, SentRecord};
pub use message::{ButtonAnswer, Image, OutgoingMessage, same_bytes};
pub use messenger::{Messenger, PollBatch, PollCursor, send_each, send_long};
pub use model::{
    ButtonPress, CallbackRef, ChatRef, ChatType, FileRef, IncomingFile, MessageRef, MessengerKind,
    PlatformId, Receipt, ReceiptStatus, SharedContact, Update, UpdateKind, UserInfo,
    from_unix_millis, from_unix_seconds,
};
pub use polling::PollOptions;
pub use text::{LengthUnit, MarkupError, RichText, Span, Style, TextRendering, escape_html};
pub use throttle::{ThrottleConfig, Throttled, TokioClock};
pub use traced::Traced;
pub use webhook::{
    constant_time_eq, sign_hmac_sha256_hex, verify_hmac_sha256_hex, verify_secret_header,
};

/// Re-exported so adapters and bots name the same types.
pub use secrecy::{ExposeSecret, SecretString};
