//! # loyalty-bonusmoney
//!
//! A typed client of the BonusMoney **BMCard API** (the customer-facing API behind BonusMoney's
//! mobile app and Telegram card), and behind the feature `sandbox` a stateful in-memory fake of
//! the same API for tests and offline demos.
//!
//! - [`BonusMoneyClient`]: all 18 operations, typed requests and responses
//!   ([`models`], [`requests`]), `BM-API-KEY` on every call and the customer's `TOKEN` on card
//!   calls, both kept as `secrecy::SecretString`s.
//! - [`auth`]: the verification flow as a typed state machine (captcha, SMS, call-pass, no
//!   verification, sign-up).
//! - [`LoyaltyProvider`](loyalty_core::LoyaltyProvider) for the client, so a bot can talk to it
//!   through the provider-neutral trait.
//! - Streams over the paged calls (`transactions_stream`, `marks_history_stream`, …).
//!
//! ## Quick start
//! ```no_run
//! use loyalty_bonusmoney::{BonusMoneyClient, auth::{AuthStep, AuthOutcome}};
//! use loyalty_core::{Phone, Region};
//!
//! # async fn run() -> Result<(), loyalty_core::LoyaltyError> {
//! let client = BonusMoneyClient::builder("my-api-key").build()?;
//! let phone = Phone::parse("8 920 000 00 00", Region::RU).expect("a phone");
//! if let AuthStep::SmsCode(sms) = client.start_auth(&phone).await? {
//!     match sms.submit_code(&client, "1234").await? {
//!         AuthOutcome::LoggedIn(me) => {
//!             let dashboard = client.get_dashboard(me.token()).await?;
//!             println!("{} points", dashboard.mark_parameters.marks);
//!         }
//!         AuthOutcome::NeedsSignUp(ticket) => {
//!             let data = ticket.prefill_data();
//!             ticket.sign_up(&client, data).await?;
//!         }
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod wire;

pub mod auth;
mod client;
#[cfg(test)]
mod decode_props;
mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod models;
pub mod provider;
pub mod requests;
#[cfg(feature = "sandbox")]
pub mod sandbox;

pub use auth::PROVIDER;
pub use client::{
    API_KEY_HEADER, BonusMoneyClient, BonusMoneyClientBuilder, DEFAULT_BASE_URL, TOKEN_HEADER,
};
pub use wire::format_time;

#[cfg(feature = "sandbox")]
pub use sandbox::BonusMoneySandbox;
