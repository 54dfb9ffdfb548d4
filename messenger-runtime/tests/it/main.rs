//! The integration tests of `messenger-runtime` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.

#[path = "../common/mod.rs"]
mod common;

mod broadcasts;
mod images;
mod postgres;
mod reply_first;
mod runtime;
