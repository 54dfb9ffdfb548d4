//! The integration tests of `loyalty-bonusmoney` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.
//!
//! `tests/login_errors.rs` stays a binary of its own: it captures logs, and
//! tracing's per-process callsite cache would race with tests that log without a subscriber.

#[path = "../common/mod.rs"]
mod common;

mod auth;
mod endpoints;
mod errors;
mod mock_kit;
mod models;
mod provider;
mod redirects;
mod sandbox;
mod sandbox_fidelity;
mod secrets;
mod wire_fixes;
