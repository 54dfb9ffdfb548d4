//! The integration tests of `loyalty-manzana` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.
//!
//! `tests/login_errors.rs`, `tests/secrets.rs` stay a binary of their own: they capture logs, and
//! tracing's per-process callsite cache would race with tests that log without a subscriber.

#[path = "../common/mod.rs"]
mod common;

mod errors;
mod mock_kit;
mod operations;
mod provider;
mod redirects;
mod sandbox;
mod sandbox_cabinet;
mod watcher;
mod wire_fixes;
