//! The integration tests of `messenger-max` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.
//!
//! `tests/secrets.rs` stays a binary of its own: it captures logs, and
//! tracing's per-process callsite cache would race with tests that log without a subscriber.

mod api;
mod bot_flow;
mod capabilities;
mod errors;
mod mock_kit;
mod polling;
mod props;
mod redirects;
mod updates;
mod webhook;
