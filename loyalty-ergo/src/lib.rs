//! # loyalty-ergo
//!
//! A typed client of the ERGO CLUB mobile API (the retail-seller loyalty programme of the ERGO
//! brand), plus, behind the feature `sandbox`, a stateful in-memory fake of the same API.
//!
//! - [`ErgoClient`]: the 14 methods (`GetAuthCode` … `GetArticle`), each a typed async method.
//!   Every call is `POST {base}/api/mobile/` with `"method"` in a JSON body (`PostSNModel` and
//!   `PostQuestion`: `multipart/form-data` with an optional `file`).
//! - ERGO errors (HTTP 200 with `{"error": {"code", "comment"}}`) become
//!   [`loyalty_core::LoyaltyError`]s per method, keeping code and comment; [`ErgoError`] and
//!   [`ErgoErrorKind`] give them back typed (telling code 14 "trade point" from 14 "photo").
//! - State-changing calls (`GetAuthCode`, `GetToken`, `PostProfile`, `PostSN`, `PostSNModel`,
//!   `PostQuestion`) are sent once; a connection lost after sending gives
//!   [`loyalty_core::LoyaltyError::OutcomeUnknown`].
//! - [`ActionsCache`] serves `GetActions` from memory until `GetChanges` reports `Actions` or
//!   the cache is older than its maximum age.
//! - [`loyalty_core::LoyaltyProvider`] is implemented for [`ErgoClient`] (see [`provider`]).
//!
//! ## Quick start
//! ```no_run
//! use loyalty_core::{Phone, Region};
//! use loyalty_ergo::{ErgoClient, SnOutcome};
//!
//! # async fn run() -> Result<(), loyalty_core::LoyaltyError> {
//! let client = ErgoClient::builder().build()?; // production: https://club.ergo-global.com
//! let phone = Phone::parse("0889993366", Region::UA).map_err(|e| loyalty_core::LoyaltyError::invalid("phone", e.to_string()))?;
//! client.get_auth_code(&phone).await?;
//! let token = client.get_token(&phone, "1234").await?;
//! let session = token.to_session();
//! match client.post_sn(&session, "123123").await? {
//!     SnOutcome::Registered(r) => println!("registered for action {:?}", r.action_id),
//!     SnOutcome::NeedsClarification { model_id, .. } => println!("full registration of model {model_id:?}"),
//!     other => println!("{other:?}"),
//! }
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod cache;
pub mod client;
#[cfg(test)]
mod decode_props;
pub mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod provider;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod types;

pub use cache::ActionsCache;
pub use client::{API_PATH, DEFAULT_BASE_URL, ErgoClient, ErgoClientBuilder};
pub use error::{ErgoError, ErgoErrorExt, ErgoErrorKind, ErgoMethod};
pub use provider::{CAPABILITIES, PROVIDER};
#[cfg(feature = "sandbox")]
pub use sandbox::{ErgoSandbox, SandboxConfig};
pub use types::*;
