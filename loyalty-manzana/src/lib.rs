//! # loyalty-manzana
//!
//! A client of the **Manzana Loyalty** office services (`CustomerOfficeService`,
//! `ManagerOfficeService`, `AdministratorOfficeService`, and optionally the POS SOAP endpoint)
//! for a customer-facing bot.
//!
//! - [`ManzanaClient`]: SMS login, self-registration (four steps) and server-side creation, the
//!   contact (read, read-modify-write update), cards, balance, cheques and their lines, bonus
//!   history, coupons, logout; the manager session is obtained and renewed (once) automatically.
//! - The wire conventions of the services: quoted GET parameters (`id='…'`), `{"value": …}`
//!   wrappers, POST body form A (`{"parameter": "<json>"}`, default) or B, `odata.error` mapped to
//!   [`loyalty_core::LoyaltyError`] with the vendor code kept ([`codes`]).
//! - [`ChequeWatcher`]: "purchase made" events by polling, since Manzana has no integrator webhook.
//! - [`LoyaltyProvider`](loyalty_core::LoyaltyProvider) for the client.
//!
//! ## Quick start
//! ```no_run
//! use loyalty_manzana::ManzanaClient;
//! use loyalty_core::{Phone, Region};
//!
//! # async fn run() -> Result<(), loyalty_core::LoyaltyError> {
//! let client = ManzanaClient::builder("https://host/CustomerOfficeService", "partner-guid")
//!     .manager_url("https://host/ManagerOfficeService")
//!     .manager_credentials("bot", "manager-password")
//!     .build()?;
//! let phone = Phone::parse("8 920 000 00 00", Region::RU).expect("a phone");
//! let token = client.request_sms_login(&phone).await?;
//! let session = client.confirm_sms_login(&token, "1234").await?;
//! let contact = client.get_contact(&session).await?;
//! println!("{:?} has {:?} bonuses", contact.first_name, contact.active_balance);
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod client;
#[cfg(test)]
mod decode_props;
mod error;
#[cfg(feature = "mock")]
pub mod mock;
pub mod models;
pub mod pos;
pub mod provider;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod watcher;

pub use client::{BodyForm, CustomEndpoint, ManzanaClient, ManzanaClientBuilder, Service};
pub use error::{SessionRules, codes};
pub use models::{
    BonusBurn, BonusRecord, Card, CardStatus, Cheque, ChequeItem, Contact, Coupon, CustomerSession,
    Registration,
};
pub use pos::{PosBalance, PosConfig};
#[cfg(feature = "sandbox")]
pub use sandbox::ManzanaSandbox;
pub use watcher::{ChequeSource, ChequeWatcher, MemorySeenStore, PurchaseEvent, SeenStore};

/// The provider name (`"manzana"`), also stored in [`loyalty_core::Session::provider`]; the
/// same constant name as every loyalty crate's.
pub const PROVIDER: &str = "manzana";

/// The former name of [`PROVIDER`].
#[deprecated(note = "use PROVIDER, the name every loyalty crate uses")]
pub const PROVIDER_NAME: &str = PROVIDER;
