//! # loyalty-loyalclient
//!
//! A typed client of the **LoyalClient REST integration API** (the cash-desk side of a
//! LoyalClient loyalty programme: find a client, preview a purchase, hold bonuses, make the
//! sale), and behind the feature `sandbox` a stateful in-memory fake of the same API.
//!
//! - [`LoyalClient`]: the five calls ([`LoyalClient::find_client`], [`LoyalClient::recalc`],
//!   [`LoyalClient::hold`], [`LoyalClient::release`], [`LoyalClient::retail`]), every one a
//!   `POST` with a JSON body and the `apikey` header (a `secrecy::SecretString`).
//! - Errors: HTTP 422 with `{field: message}` (top-level or nested under `errors`) become
//!   [`loyalty_core::LoyaltyError::InvalidInput`] with every pair, "client not found" becomes
//!   [`loyalty_core::LoyaltyError::NotFound`] (see [`error`]).
//! - `retail` and `hold` move value: they are sent once, and a connection lost after sending is
//!   [`loyalty_core::LoyaltyError::OutcomeUnknown`]. `client`, `recalc` and `release` are retried.
//! - [`till`]: the whole till sequence (search → recalc → optional hold → retail → release on
//!   failure) as types that make the idempotency rules impossible to get wrong.
//! - [`loyalty_core::LoyaltyProvider`] for the client (see [`provider`]).
//!
//! ## Quick start
//! ```no_run
//! use loyalty_core::Decimal;
//! use loyalty_loyalclient::LoyalClient;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = LoyalClient::builder("https://loyalclient.example/", "API-KEY")
//!     .point("1")
//!     .build()?;
//! let till = client.till("1");
//! let visit = till.find("79201234567").await?;
//! let quote = visit.quote(Decimal::from(1000)).await?;
//! let spend = quote.recalc().spend;
//! let held = quote.hold(spend, None).await?;
//! match held.complete().await {
//!     Ok(sale) => println!("paid {} by card", sale.retail.total),
//!     Err(failure) => println!("sale failed: {failure}"), // says what happened to the hold
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
#[cfg(test)]
mod decode_props;
pub mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod provider;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod till;
pub mod types;
mod wire;

pub use client::{
    API_KEY_HEADER, CLIENT_PATH, HOLD_PATH, LoyalClient, LoyalClientBuilder, RECALC_PATH,
    RELEASE_PATH, RETAIL_PATH,
};
pub use provider::PROVIDER;
#[cfg(feature = "sandbox")]
pub use sandbox::LoyalClientSandbox;
pub use types::*;
