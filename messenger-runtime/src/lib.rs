//! # messenger-runtime
//!
//! Durable update handling and delivery over any [`messenger_core::Messenger`]. A bot writes a
//! [`Handler`] (its dialogues); the [`Runtime`] owns everything else:
//!
//! - **Inbox**: every update is stored (one transaction per poll batch or webhook call) before
//!   the platform is told it was received; a redelivered update is dropped as a repeat.
//! - **Handling**: updates of one chat strictly in order, different chats concurrently (up to
//!   [`RuntimeConfig::max_in_flight`]); a slow handler call holds only its own chat. The
//!   handler's [`Outcome`] (replies, new conversation state, typed [`Write`]s) is committed in
//!   one transaction with the update's completion; completions of many chats are committed in
//!   groups.
//! - **Leases**: chats are claimed with leases (`FOR UPDATE SKIP LOCKED` on PostgreSQL) that
//!   expire, so several instances share one database and a killed instance's chats are taken
//!   over. One instance at a time is the elected poller.
//! - **Delivery**: per-chat queues with per-chat "not before" times, a global rate limit per
//!   messenger, a chat-scoped "too many requests" delays only that chat.
//! - **Faults**: polling errors are retried with the same cursor, storage errors are retried,
//!   a panicking handler is caught and its update quarantined after a few tries.
//! - **Retention** runs periodically; **pushes** no update caused go through a durable queue
//!   ([`Runtime::enqueue_push`]).
//!
//! See the README for the guarantees (handled exactly once, delivered at least once).
//!
//! ## Quick start
//! ```no_run
//! use std::sync::Arc;
//! use async_trait::async_trait;
//! use messenger_core::{InMemoryMessenger, Update};
//! use messenger_runtime::{Context, Handler, HandlerError, Outcome, Reply, Runtime, RuntimeConfig, Store, StoreOptions};
//!
//! struct Echo;
//!
//! #[async_trait]
//! impl Handler for Echo {
//!     type State = u32; // messages seen in the chat
//!     async fn handle(&self, _cx: &Context, update: &Update, seen: Option<u32>)
//!         -> Result<Outcome<u32>, HandlerError> {
//!         let seen = seen.unwrap_or(0) + 1;
//!         let text = format!("#{seen}: {}", update.text().unwrap_or(""));
//!         Ok(Outcome::none().reply(Reply::new(text.as_str())).state(seen))
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store = Store::connect("sqlite:bot.db", StoreOptions::default()).await?;
//! let messenger = Arc::new(InMemoryMessenger::new());
//! let runtime = Runtime::new(store, messenger, Echo, RuntimeConfig::default());
//! runtime.run_polling(std::future::pending()).await?; // or a Ctrl-C future
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod handler;
pub mod runtime;
pub mod store;

pub use handler::{Context, Handler, HandlerError, Outcome, Reply, ReplyImage, Value, Write};
pub use runtime::broadcast::BroadcastConfig;
pub use runtime::{RateLimit, RunError, Runtime, RuntimeConfig};
pub use store::{
    Backend, BroadcastControl, BroadcastInfo, BroadcastState, BroadcastStatus, Counts,
    JournalEntry, NewBroadcast, Quarantined, RecipientStatus, StatusCounts, Store, StoreError,
    StoreOptions,
};
