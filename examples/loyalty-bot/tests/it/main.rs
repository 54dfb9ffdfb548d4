//! The example bot's integration tests, in one test binary: one link of the bot and its
//! dependencies instead of one per file, which keeps a clean `cargo test --workspace` within a
//! small CI disk (36 binaries of ~90 MB each before) and saves the links' time.
//!
//! Each module was a test file of its own; `common` holds the shared helpers. Tests that drive
//! Chromium take [`common::browser_turn`] first, so that no two browsers share the two cores.

mod common;

mod barcode;
mod binary;
mod bonusmoney_flows;
mod broadcasts;
mod broadcasts_browser;
mod broadcasts_panel;
mod callback_data;
mod codes_login;
mod codes_store;
mod conversation_state;
mod crash_restart;
mod customer_auth;
mod customer_screens;
mod ergo_flows;
mod ergo_seller_errors;
mod ergo_seller_settings;
mod ergo_sellers;
mod generic_flows;
mod language;
mod listener;
mod live_chat;
mod live_chat_browser;
mod max_viber_flows;
mod notify;
mod packaging;
mod panel;
mod panel_browser;
mod storage;
mod survey_browser;
mod survey_storage;
mod surveys;
mod telegram_flow;
mod till_codes;
mod trust_boundary;
mod viber_welcome;
mod webhook;
