//! The integration tests of `loyalty-ergo` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.
//!
//! `tests/lenient_logs.rs`, `tests/login_errors.rs`, `tests/logs.rs` stay a binary of their own: they capture logs, and
//! tracing's per-process callsite cache would race with tests that log without a subscriber.

#[path = "../common/mod.rs"]
mod common;

mod cache;
mod decode;
mod errors;
mod methods;
mod mock_kit;
mod outcome_unknown;
mod provider;
mod redirects;
mod sandbox;
mod sandbox_flow;
mod sandbox_registrations;
mod secrets;
mod wire_fixes;
