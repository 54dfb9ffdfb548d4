//! Shared pieces of the loyalty test kits (feature `mock`): the vendor-neutral [`Fault`]s
//! every vendor crate's kit can mount on a [`wiremock::MockServer`].
//!
//! The vendor crates' own kits (`loyalty_ergo::mock`, `loyalty_bonusmoney::mock`,
//! `loyalty_loyalclient::mock`, `loyalty_manzana::mock`) build on this.
//!
//! They live in `http-support` (below both `loyalty-core` and `messenger-core`, which may not
//! depend on each other), so the messenger kits use the very same [`Fault`].

pub use http_support::mock::{Fault, body_has_keys, huge_json};
