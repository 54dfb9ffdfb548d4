//! # loyalty-codes
//!
//! Verification codes for loyalty programmes (seed 002): a programme chooses the actions that need
//! a confirmation code (log-in, spending bonuses, changing the phone, deleting the account, its own
//! actions) and the channels that deliver it, in priority order. The code goes to the first
//! channel; when sending fails or times out, to the next.
//!
//! - [`CodeService`]: sends a code for a (subject, action) and checks what the user typed.
//! - Codes come from the OS CSPRNG ([`CodePolicy`]: length, alphabet, lifetime, attempts), are
//!   stored only as an HMAC-SHA256 under a server-side pepper ([`CodeHasher`]), compared in
//!   constant time, used once; one active code per (subject, action).
//! - [`CodeChannel`]: the object-safe trait every channel implements. This crate ships
//!   [`channels::SmsRuChannel`] (SMS.ru), [`channels::HttpFormChannel`] (any form-based SMS
//!   gateway), [`channels::SmtpChannel`] (e-mail, feature `smtp`), and
//!   [`channels::MemoryChannel`] / [`channels::ConsoleChannel`] for tests and demos. The
//!   messenger-chat channel lives in the bot, where messenger crates are available.
//! - [`Budgets`] against SMS pumping: per subject and action, per subject, and a ceiling per
//!   channel, each within a window.
//! - [`CodeStore`]: a small async storage trait; [`MemoryStore`] for tests, SQL in the bot.
//! - Time comes from loyalty-core's [`Clock`](loyalty_core::Clock).
//!
//! ## Quick start
//! ```
//! use std::sync::Arc;
//! use loyalty_codes::channels::MemoryChannel;
//! use loyalty_codes::{Action, CodeService, MemoryStore, Programme, Recipient, SendRequest, Subject};
//! use loyalty_core::{Phone, Region, SecretString};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let sms = Arc::new(MemoryChannel::new("sms"));
//! let programme = Programme::new().require(Action::LogIn, ["sms"]);
//! let service = CodeService::builder(
//!     programme,
//!     Arc::new(MemoryStore::new()),
//!     SecretString::from("a-long-random-server-side-pepper"),
//! )
//! .channel(sms.clone())
//! .build()?;
//!
//! let phone = Phone::parse("088 999 33 66", Region::UA)?;
//! let subject = Subject::phone(&phone);
//! let request = SendRequest::new(subject.clone(), Action::LogIn, Recipient::new().phone(phone));
//! let receipt = service.send(&request).await?;
//! assert_eq!(receipt.delivered_via.as_str(), "sms");
//!
//! let typed = sms.last_code().expect("delivered"); // what the user reads and types
//! service.verify(&subject, &Action::LogIn, &typed).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod action;
mod budget;
mod channel;
pub mod channels;
mod code;
mod error;
mod recipient;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod service;
mod store;

/// Serde for durations as whole seconds (configuration files say `ttl_secs: 300`).
mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

pub use action::{Action, ActionPolicy, CODE_PLACEHOLDER, Language, Programme, Templates};
pub use budget::{BudgetScope, Budgets, Limit};
pub use channel::{
    Attempt, AttemptOutcome, ChannelError, ChannelId, CodeChannel, Delivery, DeliveryReceipt,
    ProviderErrorKind, SkipReason,
};
pub use code::{Alphabet, CodeHash, CodeHasher, CodeId, CodePolicy};
pub use error::{CodeError, StoreError};
pub use recipient::{ChatAddress, Recipient, Subject};
pub use service::{
    CodeService, CodeServiceBuilder, DEFAULT_CHANNEL_TIMEOUT, SendReceipt, SendRequest, Verified,
};
pub use store::{CodeRecord, CodeStore, MemoryStore, SendEvent, SendQuery, SendStats};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
