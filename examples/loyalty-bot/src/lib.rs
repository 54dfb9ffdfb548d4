//! # loyalty-bot
//!
//! The example bot of the loyalty-bot SDK: it composes a loyalty client (ERGO or BonusMoney) and
//! messenger adapters, and runs fully offline by default. This library half holds the pieces the
//! binary wires together, so that tests can drive them directly.
#![deny(missing_docs)]

pub mod admin;
pub mod app;
pub mod barcode;
pub mod codes;
pub mod config;
pub mod engine;
pub mod format;
pub mod listener;
pub mod notify;
pub mod panel;
pub mod purchases;
pub mod runner;
pub mod storage;
pub mod support_hours;
pub mod texts;
pub mod till;
