//! What the panel asks of the bot that hosts it: [`PanelBackend`] and its data types.
//!
//! The panel never reads the bot's tables itself. The host (the example bot, or any service that
//! embeds the panel) implements [`PanelBackend`] over its own storage, so the panel depends on no
//! loyalty crate and no bot code. Every call names the bot it is about; the panel has already
//! checked that the signed-in account may see that bot.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::survey::{SurveyEdit, SurveyInfo, SurveyRow, SurveySendInfo};

/// Languages of bot texts and of the panel's own interface.
pub const TEXT_LANGUAGES: [&str; 3] = ["uk", "ru", "en"];

/// One bot: a loyalty programme with its messenger connections (e.g. ERGO on Telegram and Viber).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BotInfo {
    /// Stable identifier used in URLs and in operator assignments (`[a-z0-9_-]`, e.g. `ergo`).
    pub id: String,
    /// Human-readable name (e.g. `ERGO CLUB`).
    pub name: String,
    /// The loyalty programme behind it (e.g. `ergo`).
    pub programme: String,
    /// The messengers it is connected to (`telegram`, `viber`, `max`, `console`, …).
    pub messengers: Vec<String>,
}

/// Subscriber figures of one messenger of a bot at the time of the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SubscriberTotals {
    /// Every user who ever wrote to the bot on this messenger.
    pub total: u64,
    /// Users the bot can still reach.
    pub active: u64,
    /// Users who blocked the bot or unsubscribed.
    pub blocked: u64,
}

/// The figures of one messenger of a bot on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct DailyFigures {
    /// The messenger (`telegram`, `viber`, …).
    pub messenger: String,
    /// The day.
    pub day: NaiveDate,
    /// Users whose first contact was on that day.
    pub new_subscribers: u64,
    /// Messages users sent to the bot that day.
    pub messages_in: u64,
    /// Messages the bot sent that day.
    pub messages_out: u64,
}

/// Raw statistics of one bot, as the backend gives them; the panel groups them by week or month.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct RawStats {
    /// Current totals per messenger.
    pub totals: BTreeMap<String, SubscriberTotals>,
    /// Daily figures within the asked period; days with nothing may be left out.
    pub days: Vec<DailyFigures>,
}

/// How the users list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserSort {
    /// By phone number (users without one last).
    Phone,
    /// By name.
    Name,
    /// By the first contact with the bot.
    FirstContact,
    /// By the last activity (the default: most recent first).
    #[default]
    LastActivity,
}

impl UserSort {
    /// The wire name (`phone`, `name`, `first_contact`, `last_activity`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Name => "name",
            Self::FirstContact => "first_contact",
            Self::LastActivity => "last_activity",
        }
    }

    /// Parses a wire name; anything unknown is `None`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "phone" => Self::Phone,
            "name" => Self::Name,
            "first_contact" => Self::FirstContact,
            "last_activity" => Self::LastActivity,
            _ => return None,
        })
    }
}

/// A page of the users list to fetch.
///
/// Offset paging with a bounded `limit`: the backend runs one `ORDER BY … LIMIT … OFFSET …`
/// query and one `COUNT(*)`, never loading the whole table (100 000 users are fine).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UsersQuery {
    /// Part of a phone number (digits compared) or of a name, case-insensitive; empty = everyone.
    pub search: Option<String>,
    /// The order.
    pub sort: UserSort,
    /// Descending instead of ascending.
    pub descending: bool,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return (the panel caps it at [`crate::MAX_PAGE_SIZE`]).
    pub limit: u32,
}

/// Identifies one user of one bot: the messenger and the user's id there.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UserKey {
    /// The messenger (`telegram`, `viber`, …).
    pub messenger: String,
    /// The user's (chat) id on that messenger.
    pub user_id: String,
}

/// One row of the users list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UserSummary {
    /// Who it is.
    pub key: UserKey,
    /// The phone the user authorized with, if any (E.164 or as stored).
    pub phone: Option<String>,
    /// The name from the messenger profile.
    pub name: Option<String>,
    /// The user's language (`uk`, `ru`, …).
    pub language: Option<String>,
    /// First contact with the bot.
    pub first_contact: DateTime<Utc>,
    /// Last message or button press.
    pub last_activity: DateTime<Utc>,
    /// `false` once the user blocked the bot.
    pub active: bool,
}

/// One page of users.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UsersPage {
    /// The rows, in the asked order.
    pub users: Vec<UserSummary>,
    /// How many users match the search in total.
    pub total: u64,
}

/// Direction of a logged message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// From the user to the bot.
    In,
    /// From the bot to the user.
    Out,
}

/// One message of a user's recent history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MessageEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// Which way.
    pub direction: Direction,
    /// What (text, or a short description such as `[photo]`).
    pub text: String,
}

/// Everything the panel shows about one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UserProfile {
    /// The list row (messenger, id, phone, name, language, dates, active).
    pub summary: UserSummary,
    /// The messenger user name (`@login`), if any.
    pub username: Option<String>,
    /// Every phone the user authorized with.
    pub phones: Vec<String>,
    /// Programme data the loyalty provider gives (balance, level, …), in display order.
    pub programme: Vec<(String, String)>,
    /// Segment attributes (for broadcasts to segments).
    pub segment: Vec<(String, String)>,
    /// The most recent messages, newest first.
    pub recent_messages: Vec<MessageEntry>,
}

/// One editable bot text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct TextEntry {
    /// The key (e.g. `welcome`).
    pub key: String,
    /// What the text is for, shown to the editor.
    pub description: String,
    /// Built-in text per language (`uk`, `ru`, `en`).
    pub defaults: BTreeMap<String, String>,
    /// Current overrides per language (absent = the default is used).
    pub overrides: BTreeMap<String, String>,
    /// Placeholders the text must keep, without braces (e.g. `name` for `{name}`).
    pub placeholders: Vec<String>,
    /// The longest text (in characters) the bot's messengers accept for it.
    pub max_len: usize,
}

/// A bot's verification-code settings (seed 002): which actions need a code, and for each the
/// channels tried in order and the message per language. The panel's "Codes" page edits them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CodeSettings {
    /// The channels the bot can send codes through (`sms`, `chat`, `email`), for the editor.
    pub channels: Vec<String>,
    /// Every action the bot can protect with a code.
    pub actions: Vec<CodeActionSettings>,
}

/// One action's code settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct CodeActionSettings {
    /// The action's stable name (`log_in`, `spend_bonuses`, …).
    pub action: String,
    /// Whether the action needs a code.
    pub required: bool,
    /// Whether an operator may turn the code off (log-in without a code would let anyone in
    /// with a typed number: the host says no).
    pub optional: bool,
    /// Channel ids in the order tried.
    pub channels: Vec<String>,
    /// The message per language (`uk`, `ru`, `en`); each contains [`CODE_PLACEHOLDER`].
    pub templates: BTreeMap<String, String>,
}

/// The placeholder every code template must contain.
pub const CODE_PLACEHOLDER: &str = "{code}";

/// Who wrote a live-chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportSender {
    /// The bot's user.
    User,
    /// An operator of the panel.
    Operator,
}

/// One live-chat dialogue between a user and the operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SupportDialogue {
    /// The dialogue's id.
    pub id: String,
    /// The user.
    pub user: UserKey,
    /// The user's name from the messenger profile.
    pub user_name: Option<String>,
    /// When the user opened it.
    pub opened_at: DateTime<Utc>,
    /// The last message's time (the list is ordered by it, newest first).
    pub updated_at: DateTime<Utc>,
    /// The login of the operator who has it (`None`: nobody took it yet).
    pub operator: Option<String>,
    /// When it was closed (`None`: open).
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it: an operator's login, or `user`.
    pub closed_by: Option<String>,
    /// User messages no operator has seen.
    pub unread: u64,
    /// The bot is paused for this user (every message goes to the operators).
    pub paused: bool,
}

/// One message of a dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SupportMessage {
    /// The message's id (its photo is `/bots/{bot}/support/photo/{id}`).
    pub id: String,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub sender: SupportSender,
    /// The operator's login for operator messages.
    pub operator: Option<String>,
    /// The text or the photo's caption.
    pub text: Option<String>,
    /// The message carries a photo.
    pub photo: bool,
}

/// A dialogue with its messages and the user's data, for the dialogue view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SupportDetail {
    /// The dialogue.
    pub dialogue: SupportDialogue,
    /// Its messages, oldest first.
    pub messages: Vec<SupportMessage>,
    /// The user's profile (name, phone, messenger, language, programme data), if known.
    pub profile: Option<UserProfile>,
    /// The user's earlier dialogues, newest first.
    pub earlier: Vec<SupportDialogue>,
}

/// A picture of a live-chat message (an operator's upload, or a user's photo). `Debug` shows
/// its size, never its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct SupportPhoto {
    /// The file's bytes.
    pub data: Vec<u8>,
    /// Its MIME type (`image/jpeg`, `image/png`, `image/gif` or `image/webp` for uploads).
    pub mime: String,
}

impl std::fmt::Debug for SupportPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupportPhoto")
            .field("mime", &self.mime)
            .field("len", &self.data.len())
            .finish()
    }
}

/// A bot's live-chat working hours, in the bot's time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SupportHoursSettings {
    /// Spans like `Mon-Fri 09:00-18:00, Sat 10:00-14:00`; empty: always open.
    pub hours: String,
    /// The UTC offset of the hours (`+02:00`, `UTC+3`, `UTC`).
    pub tz: String,
    /// The bot text key of the out-of-hours answer (editable on the Texts page), if any.
    pub out_of_hours_text: Option<String>,
}

mod broadcasts;
pub use broadcasts::{
    AttributeFilter, AudienceFilter, AudienceOptions, BroadcastAction, BroadcastDraft,
    BroadcastFigures, BroadcastJournalLine, BroadcastOrder, BroadcastSummary, UrlButton,
};

/// An error of the host's backend.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The bot, user or text does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The backend refused the value.
    #[error("invalid: {0}")]
    Invalid(String),
    /// The change conflicts with the current state (a dialogue another operator has taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Anything else (storage down, …); the message is logged, not shown to users.
    #[error("backend failure: {0}")]
    Failed(String),
}

/// The bot side of the panel, implemented by the host.
///
/// Every method gets the bot id; the panel calls it only for bots the account may see.
/// Implementations must be cheap to call concurrently (`Send + Sync`, usually over a pool).
#[async_trait]
pub trait PanelBackend: Send + Sync + 'static {
    /// Every bot this host runs.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when they cannot be listed.
    async fn bots(&self) -> Result<Vec<BotInfo>, BackendError>;

    /// Subscriber totals now, and daily figures for `from..=to` (UTC days).
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown bot; [`BackendError::Failed`] otherwise.
    async fn stats(
        &self,
        bot: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RawStats, BackendError>;

    /// One page of the bot's users.
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown bot; [`BackendError::Failed`] otherwise.
    async fn users(&self, bot: &str, query: &UsersQuery) -> Result<UsersPage, BackendError>;

    /// One user's profile; `Ok(None)` when there is no such user.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn user(&self, bot: &str, key: &UserKey) -> Result<Option<UserProfile>, BackendError>;

    /// The bot's editable texts, in display order.
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown bot; [`BackendError::Failed`] otherwise.
    async fn texts(&self, bot: &str) -> Result<Vec<TextEntry>, BackendError>;

    /// Overrides one text in one language; the running bot uses it from its next message on.
    /// The panel has already checked placeholders and length against [`TextEntry`].
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown key; [`BackendError::Invalid`] when refused.
    async fn set_text(
        &self,
        bot: &str,
        key: &str,
        language: &str,
        value: &str,
    ) -> Result<(), BackendError>;

    /// Drops the override of one text in one language (back to the default).
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown key.
    async fn reset_text(&self, bot: &str, key: &str, language: &str) -> Result<(), BackendError>;

    /// The bot's verification-code settings; `Ok(None)` (the default) when the bot sends no
    /// codes of its own.
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown bot; [`BackendError::Failed`] otherwise.
    async fn code_settings(&self, bot: &str) -> Result<Option<CodeSettings>, BackendError> {
        let _ = bot;
        Ok(None)
    }

    /// Replaces one action's code settings; the running bot uses them for its next code. The
    /// panel has already checked that the channels are known, not repeated, at least one when
    /// required, and that each template keeps [`CODE_PLACEHOLDER`].
    ///
    /// # Errors
    /// [`BackendError::Invalid`] when refused (the default: the bot sends no codes).
    async fn set_code_settings(
        &self,
        bot: &str,
        settings: &CodeActionSettings,
    ) -> Result<(), BackendError> {
        let _ = (bot, settings);
        Err(BackendError::Invalid(
            "this bot sends no verification codes of its own".to_owned(),
        ))
    }

    /// Whether the bot has live operator chat (the Support page); `false` by default.
    async fn support_enabled(&self, bot: &str) -> bool {
        let _ = bot;
        false
    }

    /// The bot's open dialogues, newest message first.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when they cannot be read.
    async fn support_dialogues(&self, bot: &str) -> Result<Vec<SupportDialogue>, BackendError> {
        let _ = bot;
        Ok(Vec::new())
    }

    /// One dialogue with its messages and the user's data; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn support_dialogue(
        &self,
        bot: &str,
        id: &str,
    ) -> Result<Option<SupportDetail>, BackendError> {
        let _ = (bot, id);
        Ok(None)
    }

    /// Marks the user's messages of a dialogue seen (an operator opened it).
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be written.
    async fn support_mark_seen(&self, bot: &str, id: &str) -> Result<(), BackendError> {
        let _ = (bot, id);
        Ok(())
    }

    /// Takes an open dialogue for `operator`, atomically: `Ok(false)` when another operator has
    /// it (unless `force`, an administrator reassigning) or it is closed.
    ///
    /// # Errors
    /// [`BackendError::Invalid`] without live chat (the default).
    async fn support_take(
        &self,
        bot: &str,
        id: &str,
        operator: &str,
        force: bool,
    ) -> Result<bool, BackendError> {
        let _ = (bot, id, operator, force);
        Err(no_live_chat())
    }

    /// Closes an open dialogue and returns the user to the bot; `Ok(false)` when it was closed.
    ///
    /// # Errors
    /// [`BackendError::Invalid`] without live chat (the default).
    async fn support_close(
        &self,
        bot: &str,
        id: &str,
        operator: &str,
    ) -> Result<bool, BackendError> {
        let _ = (bot, id, operator);
        Err(no_live_chat())
    }

    /// Sends an operator's text and/or photo to the dialogue's user (durably: delivered once,
    /// even across a restart).
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for a dialogue that is not open; [`BackendError::Invalid`]
    /// without live chat (the default).
    async fn support_send(
        &self,
        bot: &str,
        id: &str,
        operator: &str,
        text: &str,
        photo: Option<SupportPhoto>,
    ) -> Result<(), BackendError> {
        let _ = (bot, id, operator, text, photo);
        Err(no_live_chat())
    }

    /// Pauses (`true`) or resumes the bot for a user.
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown user; [`BackendError::Invalid`] without live
    /// chat (the default).
    async fn support_set_paused(
        &self,
        bot: &str,
        user: &UserKey,
        paused: bool,
    ) -> Result<(), BackendError> {
        let _ = (bot, user, paused);
        Err(no_live_chat())
    }

    /// The photo of a message; `Ok(None)` when it has none.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn support_photo(
        &self,
        bot: &str,
        message_id: &str,
    ) -> Result<Option<SupportPhoto>, BackendError> {
        let _ = (bot, message_id);
        Ok(None)
    }

    /// The live chat's working hours; `Ok(None)` without live chat.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when they cannot be read.
    async fn support_hours(&self, bot: &str) -> Result<Option<SupportHoursSettings>, BackendError> {
        let _ = bot;
        Ok(None)
    }

    /// Saves the live chat's working hours (the bot uses them from its next "Support").
    ///
    /// # Errors
    /// [`BackendError::Invalid`] when the hours or the offset do not read, or without live chat.
    async fn set_support_hours(
        &self,
        bot: &str,
        hours: &SupportHoursSettings,
    ) -> Result<(), BackendError> {
        let _ = (bot, hours);
        Err(no_live_chat())
    }

    /// A marker that changes whenever the bot's dialogues change (a message, a take, a close):
    /// the panel's live updates compare it at a modest interval and tell browsers over
    /// Server-Sent Events. Keep it one cheap query.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn support_stamp(&self, bot: &str) -> Result<String, BackendError> {
        let _ = bot;
        Ok(String::new())
    }

    // ----- audiences and broadcasts (issue 19) -----

    /// What the segment form offers (messengers, languages, levels, attribute keys).
    ///
    /// # Errors
    /// [`BackendError::Invalid`] when the bot has no audiences (the default).
    async fn audience_options(&self, bot: &str) -> Result<AudienceOptions, BackendError> {
        let _ = bot;
        Err(no_broadcasts())
    }

    /// How many users `filter` reaches now (one `COUNT`).
    ///
    /// # Errors
    /// [`BackendError::Invalid`] when the bot has no audiences (the default).
    async fn audience_count(
        &self,
        bot: &str,
        filter: &AudienceFilter,
    ) -> Result<u64, BackendError> {
        let _ = (bot, filter);
        Err(no_broadcasts())
    }

    /// Whether the bot sends broadcasts (the Broadcasts page); `false` by default.
    async fn broadcasts_enabled(&self, bot: &str) -> bool {
        let _ = bot;
        false
    }

    /// Creates a broadcast to the users `order.audience` reaches now and returns its id; the
    /// bot's senders deliver it from `start_at` on.
    ///
    /// # Errors
    /// [`BackendError::Invalid`] for an empty audience or a message the bot refuses, or without
    /// broadcasts (the default).
    async fn broadcast_create(
        &self,
        bot: &str,
        order: &BroadcastOrder,
    ) -> Result<String, BackendError> {
        let _ = (bot, order);
        Err(no_broadcasts())
    }

    /// Sends `draft` to one chat only, as an ordinary durable message (not a broadcast).
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown user; [`BackendError::Invalid`] without
    /// broadcasts (the default).
    async fn broadcast_test(
        &self,
        bot: &str,
        draft: &BroadcastDraft,
        to: &UserKey,
    ) -> Result<(), BackendError> {
        let _ = (bot, draft, to);
        Err(no_broadcasts())
    }

    /// The latest `limit` broadcasts, newest first.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when they cannot be read.
    async fn broadcasts(
        &self,
        bot: &str,
        limit: u32,
    ) -> Result<Vec<BroadcastSummary>, BackendError> {
        let _ = (bot, limit);
        Ok(Vec::new())
    }

    /// One broadcast with its figures; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn broadcast(
        &self,
        bot: &str,
        id: &str,
    ) -> Result<Option<BroadcastSummary>, BackendError> {
        let _ = (bot, id);
        Ok(None)
    }

    /// The picture of a broadcast; `Ok(None)` when it has none.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn broadcast_image(
        &self,
        bot: &str,
        id: &str,
    ) -> Result<Option<SupportPhoto>, BackendError> {
        let _ = (bot, id);
        Ok(None)
    }

    /// Pauses, resumes or cancels a broadcast; `Ok(false)` when its state does not allow it.
    ///
    /// # Errors
    /// [`BackendError::Invalid`] without broadcasts (the default).
    async fn broadcast_control(
        &self,
        bot: &str,
        id: &str,
        action: BroadcastAction,
    ) -> Result<bool, BackendError> {
        let _ = (bot, id, action);
        Err(no_broadcasts())
    }

    /// A page of a broadcast's journal in sending order.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn broadcast_journal(
        &self,
        bot: &str,
        id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<BroadcastJournalLine>, BackendError> {
        let _ = (bot, id, limit, offset);
        Ok(Vec::new())
    }

    // ----- surveys (issue 19; types in `crate::survey`) -----

    /// Whether the bot has surveys (the Surveys page); `false` by default. Their audiences use
    /// [`PanelBackend::audience_options`] and [`PanelBackend::audience_count`].
    async fn surveys_enabled(&self, bot: &str) -> bool {
        let _ = bot;
        false
    }

    /// The bot's surveys, newest first.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when they cannot be read.
    async fn surveys(&self, bot: &str) -> Result<Vec<SurveyInfo>, BackendError> {
        let _ = bot;
        Ok(Vec::new())
    }

    /// One survey; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn survey(&self, bot: &str, id: i64) -> Result<Option<SurveyInfo>, BackendError> {
        let _ = (bot, id);
        Ok(None)
    }

    /// Creates an empty survey; returns its id.
    ///
    /// # Errors
    /// [`BackendError::Invalid`] without surveys (the default).
    async fn survey_create(&self, bot: &str, title: &str) -> Result<i64, BackendError> {
        let _ = (bot, title);
        Err(no_surveys())
    }

    /// Replaces a survey's title and questions (checked by the panel).
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown survey; [`BackendError::Conflict`] once it
    /// was sent (its questions are locked); [`BackendError::Invalid`] without surveys.
    async fn survey_save(&self, bot: &str, id: i64, edit: &SurveyEdit) -> Result<(), BackendError> {
        let _ = (bot, id, edit);
        Err(no_surveys())
    }

    /// Deletes a survey with its answers; `Ok(false)` when there was none.
    ///
    /// # Errors
    /// [`BackendError::Invalid`] without surveys (the default).
    async fn survey_delete(&self, bot: &str, id: i64) -> Result<bool, BackendError> {
        let _ = (bot, id);
        Err(no_surveys())
    }

    /// The picture of question `position` (from 0); `Ok(None)` when it has none.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when it cannot be read.
    async fn survey_image(
        &self,
        bot: &str,
        id: i64,
        position: u32,
    ) -> Result<Option<SupportPhoto>, BackendError> {
        let _ = (bot, id, position);
        Ok(None)
    }

    /// Sends a survey's invitation to the users `audience` reaches now (durably, at each
    /// platform's limit) on behalf of the panel login `by`.
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an unknown survey; [`BackendError::Invalid`] for a survey
    /// without questions, an empty audience, or without surveys (the default).
    async fn survey_send(
        &self,
        bot: &str,
        id: i64,
        audience: &AudienceFilter,
        by: &str,
    ) -> Result<SurveySendInfo, BackendError> {
        let _ = (bot, id, audience, by);
        Err(no_surveys())
    }

    /// Every user's answers to a survey, one row per user who answered at least one question.
    ///
    /// # Errors
    /// [`BackendError::Failed`] when they cannot be read.
    async fn survey_rows(&self, bot: &str, id: i64) -> Result<Vec<SurveyRow>, BackendError> {
        let _ = (bot, id);
        Ok(Vec::new())
    }
}

fn no_surveys() -> BackendError {
    BackendError::Invalid("this bot has no surveys".to_owned())
}

fn no_live_chat() -> BackendError {
    BackendError::Invalid("this bot has no live operator chat".to_owned())
}

fn no_broadcasts() -> BackendError {
    BackendError::Invalid("this bot sends no broadcasts".to_owned())
}
