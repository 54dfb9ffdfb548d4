//! The integration tests of `control-panel` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.

#[path = "../common/mod.rs"]
mod common;

mod broadcasts;
mod browser;
mod http;
mod store;
