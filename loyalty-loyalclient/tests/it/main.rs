//! The integration tests of `loyalty-loyalclient` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.

#[path = "../common/mod.rs"]
mod common;

mod calls;
mod errors;
mod mock_kit;
mod models;
mod outcome_unknown;
mod provider;
mod redirects;
mod sandbox;
mod secrets;
mod till;
mod wire_fixes;
