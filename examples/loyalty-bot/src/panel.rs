//! The control panel's view of this bot: [`BotPanel`] implements
//! [`control_panel::PanelBackend`] over the bot's tables (`bot_users`, `bot_auth_phones`,
//! `bot_message_log`) and its live [`Texts`].
//!
//! Every query is one bounded SQL statement (portable between SQLite and PostgreSQL): the users
//! list is `ORDER BY … LIMIT … OFFSET` plus a `COUNT(*)`, statistics are `GROUP BY` day.
//! Text edits go to [`Texts::set_live`] (the next message uses them) and are saved in the panel's
//! `panel_text_overrides`, re-applied by [`BotPanel::apply_saved_texts`] at start.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{Days, NaiveDate, Utc};
use control_panel::survey::{SurveyEdit, SurveyInfo, SurveyRow, SurveySendInfo};
use control_panel::{
    BackendError, BotInfo, DailyFigures, Direction, MessageEntry, PanelBackend, PanelStore,
    RawStats, SubscriberTotals, TextEntry, UserKey, UserProfile, UserSort, UsersPage, UsersQuery,
};
use sqlx::{AnyPool, Row};

use crate::texts::{Lang, TextKey, Texts};

mod broadcasts;
mod live;
mod people;
mod rows;
mod serve;
mod support;
mod surveys;

use rows::{USER_COLUMNS, failed, lang_of, parse_time, slot, summary};

pub use broadcasts::{BROADCAST_ID_PREFIX, Broadcasts, reply_of, segment_of};
pub use live::PROVIDER_TIMEOUT;
pub use serve::{PANEL_VARIABLES, PanelSettings, start};
pub use support::{CAPTION_MAX, LiveChat};
pub use surveys::SurveyDesk;

/// The longest text the panel lets an editor save: MAX's 4000 characters, the smallest message
/// limit of the three messengers (Telegram 4096, Viber 7000).
pub const MESSAGE_MAX: usize = 4000;
/// The longest button label: long labels are cut by the apps.
pub const BUTTON_MAX: usize = 64;
/// How many recent messages a profile shows.
pub const RECENT_MESSAGES: i64 = 30;

/// This bot as the panel sees it.
#[derive(Clone)]
pub struct BotPanel {
    pool: AnyPool,
    texts: Arc<Texts>,
    store: PanelStore,
    bot: BotInfo,
    /// Asks the loyalty provider for a user's live programme data (balance, level).
    provider: Option<Arc<dyn loyalty_core::LoyaltyProvider>>,
    /// The bot's own verification codes (LoyalClient), for the Codes page.
    codes: Option<crate::codes::BotCodes>,
    /// The live operator chat, for the Support page.
    live: Option<LiveChat>,
    /// Audiences and broadcasts, for the Broadcasts page.
    broadcasts: Option<Broadcasts>,
    /// Surveys, for the Surveys page.
    surveys: Option<SurveyDesk>,
}

impl std::fmt::Debug for BotPanel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BotPanel")
            .field("bot", &self.bot.id)
            .finish_non_exhaustive()
    }
}

impl BotPanel {
    /// The panel's view over the bot's pool, its live texts and the panel's store.
    pub fn new(pool: AnyPool, texts: Arc<Texts>, store: PanelStore, bot: BotInfo) -> Self {
        Self {
            pool,
            texts,
            store,
            bot,
            provider: None,
            codes: None,
            live: None,
            broadcasts: None,
            surveys: None,
        }
    }

    /// Serves audiences and broadcasts on the panel's Broadcasts page.
    pub fn with_broadcasts(mut self, broadcasts: Broadcasts) -> Self {
        self.broadcasts = Some(broadcasts);
        self
    }

    fn broadcasting(&self, bot: &str) -> Result<&Broadcasts, BackendError> {
        self.check_bot(bot)?;
        self.broadcasts
            .as_ref()
            .ok_or_else(|| BackendError::Invalid("this bot sends no broadcasts".into()))
    }

    /// Serves the live operator chat on the panel's Support page.
    pub fn with_live_chat(mut self, live: LiveChat) -> Self {
        self.live = Some(live);
        self
    }

    fn live(&self, bot: &str) -> Result<&LiveChat, BackendError> {
        self.check_bot(bot)?;
        self.live
            .as_ref()
            .ok_or_else(|| BackendError::Invalid("this bot has no live operator chat".into()))
    }

    /// Shows and edits the bot's verification codes on the panel's Codes page.
    pub fn with_codes(mut self, codes: crate::codes::BotCodes) -> Self {
        self.codes = Some(codes);
        self
    }

    /// Re-applies the texts edited in the panel before a restart. Returns how many.
    ///
    /// # Errors
    /// When the panel's store cannot be read. A saved text the bot no longer accepts (a key
    /// removed from the catalogue) is skipped with a warning.
    pub async fn apply_saved_texts(&self) -> Result<usize, control_panel::StoreError> {
        let mut n = 0;
        for (lang, key, body) in self.store.text_overrides(&self.bot.id).await? {
            let applied = lang_of(&lang).map_err(|e| e.to_string()).and_then(|l| {
                self.texts
                    .set_live(l, &key, &body)
                    .map_err(|e| e.to_string())
            });
            match applied {
                Ok(()) => n += 1,
                Err(e) => tracing::warn!(%key, %lang, error = %e, "a saved text no longer applies"),
            }
        }
        Ok(n)
    }

    fn check_bot(&self, bot: &str) -> Result<(), BackendError> {
        if bot == self.bot.id {
            Ok(())
        } else {
            Err(BackendError::NotFound(format!("bot {bot:?}")))
        }
    }
}

#[async_trait]
impl PanelBackend for BotPanel {
    async fn bots(&self) -> Result<Vec<BotInfo>, BackendError> {
        Ok(vec![self.bot.clone()])
    }

    async fn stats(
        &self,
        bot: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RawStats, BackendError> {
        self.read_stats(bot, from, to).await
    }

    async fn users(&self, bot: &str, q: &UsersQuery) -> Result<UsersPage, BackendError> {
        self.read_users(bot, q).await
    }

    async fn user(&self, bot: &str, key: &UserKey) -> Result<Option<UserProfile>, BackendError> {
        self.read_user(bot, key).await
    }

    async fn texts(&self, bot: &str) -> Result<Vec<TextEntry>, BackendError> {
        self.check_bot(bot)?;
        Ok(TextKey::ALL
            .iter()
            .map(|&key| {
                let mut defaults = BTreeMap::new();
                let mut overrides = BTreeMap::new();
                for lang in [Lang::Uk, Lang::Ru] {
                    defaults.insert(
                        lang.code().to_owned(),
                        self.texts.default_text(lang, key).to_owned(),
                    );
                    if let Some(t) = self.texts.live(lang, key) {
                        overrides.insert(lang.code().to_owned(), t.to_owned());
                    }
                }
                let placeholders = defaults
                    .get("uk")
                    .map(|t| control_panel::placeholders_in(t))
                    .unwrap_or_default();
                TextEntry {
                    key: key.as_str().to_owned(),
                    description: if key.as_str().starts_with("button_") {
                        "button label".to_owned()
                    } else {
                        "message".to_owned()
                    },
                    defaults,
                    overrides,
                    placeholders,
                    max_len: if key.as_str().starts_with("button_") {
                        BUTTON_MAX
                    } else {
                        MESSAGE_MAX
                    },
                }
            })
            .collect())
    }

    async fn set_text(
        &self,
        bot: &str,
        key: &str,
        language: &str,
        value: &str,
    ) -> Result<(), BackendError> {
        self.check_bot(bot)?;
        let lang = lang_of(language)?;
        self.texts
            .set_live(lang, key, value)
            .map_err(|e| BackendError::Invalid(e.to_string()))?;
        self.store
            .save_text_override(bot, language, key, value, Utc::now())
            .await
            .map_err(failed)
    }

    async fn reset_text(&self, bot: &str, key: &str, language: &str) -> Result<(), BackendError> {
        self.check_bot(bot)?;
        let lang = lang_of(language)?;
        if TextKey::parse(key).is_none() {
            return Err(BackendError::NotFound(format!("text {key:?}")));
        }
        self.texts.reset_live(lang, key);
        self.store
            .delete_text_override(bot, language, key)
            .await
            .map_err(failed)
    }

    async fn code_settings(
        &self,
        bot: &str,
    ) -> Result<Option<control_panel::CodeSettings>, BackendError> {
        self.check_bot(bot)?;
        Ok(self
            .codes
            .as_ref()
            .map(crate::codes::BotCodes::panel_settings))
    }

    async fn set_code_settings(
        &self,
        bot: &str,
        settings: &control_panel::CodeActionSettings,
    ) -> Result<(), BackendError> {
        self.check_bot(bot)?;
        match &self.codes {
            Some(codes) => codes.apply_panel_settings(settings).await,
            None => Err(BackendError::Invalid(
                "this bot sends no verification codes of its own".to_owned(),
            )),
        }
    }

    async fn support_enabled(&self, bot: &str) -> bool {
        self.live(bot).is_ok()
    }

    async fn support_dialogues(
        &self,
        bot: &str,
    ) -> Result<Vec<control_panel::SupportDialogue>, BackendError> {
        self.live(bot)?.dialogues().await
    }

    async fn support_dialogue(
        &self,
        bot: &str,
        id: &str,
    ) -> Result<Option<control_panel::SupportDetail>, BackendError> {
        let Some((dialogue, messages, earlier)) = self.live(bot)?.detail(id).await? else {
            return Ok(None);
        };
        let profile = self.user(bot, &dialogue.user).await?;
        Ok(Some(control_panel::SupportDetail {
            dialogue,
            messages,
            profile,
            earlier,
        }))
    }

    async fn support_mark_seen(&self, bot: &str, id: &str) -> Result<(), BackendError> {
        self.live(bot)?
            .storage
            .mark_dialogue_seen(id)
            .await
            .map_err(failed)
    }

    async fn support_take(
        &self,
        bot: &str,
        id: &str,
        operator: &str,
        force: bool,
    ) -> Result<bool, BackendError> {
        self.live(bot)?.take(id, operator, force).await
    }

    async fn support_close(
        &self,
        bot: &str,
        id: &str,
        operator: &str,
    ) -> Result<bool, BackendError> {
        self.live(bot)?.close(&self.texts, id, operator).await
    }

    async fn support_send(
        &self,
        bot: &str,
        id: &str,
        operator: &str,
        text: &str,
        photo: Option<control_panel::SupportPhoto>,
    ) -> Result<(), BackendError> {
        self.live(bot)?.send(id, operator, text, photo).await
    }

    async fn support_set_paused(
        &self,
        bot: &str,
        user: &UserKey,
        paused: bool,
    ) -> Result<(), BackendError> {
        self.live(bot)?.set_paused(user, paused).await
    }

    async fn support_photo(
        &self,
        bot: &str,
        message_id: &str,
    ) -> Result<Option<control_panel::SupportPhoto>, BackendError> {
        self.live(bot)?.photo(message_id).await
    }

    async fn support_hours(
        &self,
        bot: &str,
    ) -> Result<Option<control_panel::SupportHoursSettings>, BackendError> {
        match self.live(bot) {
            Ok(live) => live.hours().await.map(Some),
            Err(_) => Ok(None),
        }
    }

    async fn set_support_hours(
        &self,
        bot: &str,
        hours: &control_panel::SupportHoursSettings,
    ) -> Result<(), BackendError> {
        self.live(bot)?.set_hours(hours).await
    }

    async fn support_stamp(&self, bot: &str) -> Result<String, BackendError> {
        self.live(bot)?
            .storage
            .support_stamp()
            .await
            .map_err(failed)
    }

    // ----- audiences and broadcasts (issue 19): panel/broadcasts.rs -----

    async fn audience_options(
        &self,
        bot: &str,
    ) -> Result<control_panel::AudienceOptions, BackendError> {
        self.broadcasting(bot)?.options(&self.bot.messengers).await
    }

    async fn audience_count(
        &self,
        bot: &str,
        filter: &control_panel::AudienceFilter,
    ) -> Result<u64, BackendError> {
        self.broadcasting(bot)?.count(filter).await
    }

    async fn broadcasts_enabled(&self, bot: &str) -> bool {
        self.broadcasting(bot).is_ok()
    }

    async fn broadcast_create(
        &self,
        bot: &str,
        order: &control_panel::BroadcastOrder,
    ) -> Result<String, BackendError> {
        self.broadcasting(bot)?.create(order).await
    }

    async fn broadcast_test(
        &self,
        bot: &str,
        draft: &control_panel::BroadcastDraft,
        to: &UserKey,
    ) -> Result<(), BackendError> {
        self.broadcasting(bot)?.test(draft, to).await
    }

    async fn broadcasts(
        &self,
        bot: &str,
        limit: u32,
    ) -> Result<Vec<control_panel::BroadcastSummary>, BackendError> {
        self.broadcasting(bot)?.list(limit).await
    }

    async fn broadcast(
        &self,
        bot: &str,
        id: &str,
    ) -> Result<Option<control_panel::BroadcastSummary>, BackendError> {
        self.broadcasting(bot)?.get(id).await
    }

    async fn broadcast_image(
        &self,
        bot: &str,
        id: &str,
    ) -> Result<Option<control_panel::SupportPhoto>, BackendError> {
        self.broadcasting(bot)?.image(id).await
    }

    async fn broadcast_control(
        &self,
        bot: &str,
        id: &str,
        action: control_panel::BroadcastAction,
    ) -> Result<bool, BackendError> {
        self.broadcasting(bot)?.control(id, action).await
    }

    async fn broadcast_journal(
        &self,
        bot: &str,
        id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<control_panel::BroadcastJournalLine>, BackendError> {
        self.broadcasting(bot)?.journal(id, limit, offset).await
    }

    // Surveys (`panel/surveys.rs`).
    async fn surveys_enabled(&self, bot: &str) -> bool {
        self.desk(bot).is_ok()
    }

    async fn surveys(&self, bot: &str) -> Result<Vec<SurveyInfo>, BackendError> {
        self.desk(bot)?.list().await
    }

    async fn survey(&self, bot: &str, id: i64) -> Result<Option<SurveyInfo>, BackendError> {
        self.desk(bot)?.get(id).await
    }

    async fn survey_create(&self, bot: &str, title: &str) -> Result<i64, BackendError> {
        self.desk(bot)?.create(title).await
    }

    async fn survey_save(&self, bot: &str, id: i64, edit: &SurveyEdit) -> Result<(), BackendError> {
        self.desk(bot)?.save(id, edit).await
    }

    async fn survey_delete(&self, bot: &str, id: i64) -> Result<bool, BackendError> {
        self.desk(bot)?.delete(id).await
    }

    async fn survey_image(
        &self,
        bot: &str,
        id: i64,
        position: u32,
    ) -> Result<Option<control_panel::SupportPhoto>, BackendError> {
        self.desk(bot)?.image(id, position).await
    }

    async fn survey_send(
        &self,
        bot: &str,
        id: i64,
        audience: &control_panel::AudienceFilter,
        by: &str,
    ) -> Result<SurveySendInfo, BackendError> {
        self.desk(bot)?.send(id, audience, by).await
    }

    async fn survey_rows(&self, bot: &str, id: i64) -> Result<Vec<SurveyRow>, BackendError> {
        self.desk(bot)?.rows(id).await
    }
}

/// The bot as the panel lists it: id and programme from the provider (`ergo`, `bonusmoney`,
/// `loyalclient`, `manzana`), and the messengers it runs on (`telegram`, `viber`, `max`,
/// `console`).
pub fn bot_info(provider: &str, messengers: impl IntoIterator<Item = String>) -> BotInfo {
    let name = match provider {
        "ergo" => "ERGO CLUB",
        "bonusmoney" => "BonusMoney",
        "loyalclient" => "LoyalClient",
        "manzana" => "Manzana",
        other => other,
    };
    BotInfo {
        id: provider.to_owned(),
        name: name.to_owned(),
        programme: provider.to_owned(),
        messengers: messengers.into_iter().collect(),
    }
}
