//! The integration tests of `messenger-core` in one test binary: one link of the crate and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` small on
//! disk and saves the links' time. Each module was a test file of its own.

mod console;
mod memory_echo;
mod model;
mod polling;
mod props;
mod throttle;
