//! # control-panel
//!
//! The web panel for the people who run loyalty bots (seed 004's administrators and operators):
//! statistics per bot and messenger with charts and an Excel export, the users list and profiles,
//! the bots' editable texts, the live chat between operators and users (the Support page, live
//! over Server-Sent Events; the host stores and delivers through the `support_*` methods of
//! [`PanelBackend`], which default to "no live chat"), broadcasts to all users or a segment
//! (compose with a preview per messenger, a test to oneself, live delivery figures; the segment
//! form in [`web::segment`] serves surveys too; the `audience_*` and `broadcast*` methods default
//! to "no broadcasts"), surveys with their results and an Excel export of the answers (the
//! `survey_*` methods and the [`survey`] module), accounts with roles, API tokens and an audit
//! log.
//!
//! - HTML rendered on the server with [maud] (templates checked at compile time), one small
//!   stylesheet, a few lines of plain JavaScript, no build step. Interface in Ukrainian, Russian
//!   and English.
//! - Every page's data is also JSON under `/api/v1/…`: the same handler, the same permissions,
//!   authenticated by an API token (`Authorization: Bearer cp_…`) an administrator issues.
//! - The panel knows nothing about the bot: the host implements [`PanelBackend`]. Its own data
//!   (accounts, sessions, tokens, audit) lives in `panel_*` tables of the same database
//!   ([`PanelStore`], SQLite or PostgreSQL through sqlx).
//!
//! ## Quick start
//! ```no_run
//! use std::sync::Arc;
//! use control_panel::{Panel, PanelConfig, PanelStore, PanelBackend};
//! # async fn run(backend: Arc<dyn PanelBackend>) -> Result<(), Box<dyn std::error::Error>> {
//! let store = PanelStore::connect("sqlite:bot.db").await?;
//! let password = secrecy::SecretString::from("a long password".to_owned());
//! store.bootstrap_admin("admin", &password, chrono::Utc::now()).await?;
//! let panel = Panel::new(store, backend, PanelConfig::default());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8090").await?;
//! panel.serve(listener).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod backend;
pub mod demo;
pub mod i18n;
pub mod stats;
pub mod store;
pub mod survey;
pub mod web;
#[cfg(feature = "webdriver")]
pub mod webdriver;

pub use backend::{
    AttributeFilter, AudienceFilter, AudienceOptions, BackendError, BotInfo, BroadcastAction,
    BroadcastDraft, BroadcastFigures, BroadcastJournalLine, BroadcastOrder, BroadcastSummary,
    CODE_PLACEHOLDER, CodeActionSettings, CodeSettings, DailyFigures, Direction, MessageEntry,
    PanelBackend, RawStats, SubscriberTotals, SupportDetail, SupportDialogue, SupportHoursSettings,
    SupportMessage, SupportPhoto, SupportSender, TEXT_LANGUAGES, TextEntry, UrlButton, UserKey,
    UserProfile, UserSort, UserSummary, UsersPage, UsersQuery,
};
pub use i18n::Lang;
pub use stats::{Granularity, StatsReport};
pub use store::{Account, ApiTokenInfo, AuditEntry, PanelStore, Role, StoreError};
pub use web::{
    CODE_TEMPLATE_MAX, Clock, MAX_PAGE_SIZE, Panel, PanelConfig, SUPPORT_PHOTO_MAX, image_mime,
    placeholders_in, validate_code_settings, validate_text,
};
