//! The integration tests of `loyalty-codes` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.
//!
//! `tests/logs.rs` stays a binary of its own: it captures logs, and
//! tracing's per-process callsite cache would race with tests that log without a subscriber.

mod http_form;
mod props;
mod sandbox;
mod service;
mod sms_ru;
mod smtp;
