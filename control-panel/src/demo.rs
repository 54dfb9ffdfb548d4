//! An in-memory [`PanelBackend`] with demo data, for the example, tests and trying the panel
//! without a bot. It records every text change so a test can see it reach "the bot".

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, Days, Duration, NaiveDate, Utc};

use crate::backend::{
    BackendError, BotInfo, CodeActionSettings, CodeSettings, DailyFigures, Direction, MessageEntry,
    PanelBackend, RawStats, SubscriberTotals, TextEntry, UserKey, UserProfile, UserSort,
    UserSummary, UsersPage, UsersQuery,
};

/// A text change the panel made through [`PanelBackend::set_text`] or
/// [`PanelBackend::reset_text`] (`value: None` for a reset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextChange {
    /// The bot.
    pub bot: String,
    /// The text key.
    pub key: String,
    /// The language.
    pub language: String,
    /// The new text, or `None` for "back to the default".
    pub value: Option<String>,
}

#[derive(Default)]
struct State {
    bots: Vec<BotInfo>,
    users: BTreeMap<String, Vec<UserProfile>>,
    days: BTreeMap<String, Vec<DailyFigures>>,
    texts: BTreeMap<String, Vec<TextEntry>>,
    changes: Vec<TextChange>,
    codes: BTreeMap<String, CodeSettings>,
}

/// The in-memory backend.
#[derive(Default)]
pub struct MemoryBackend {
    state: Mutex<State>,
}

impl std::fmt::Debug for MemoryBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryBackend").finish_non_exhaustive()
    }
}

/// A user for [`MemoryBackend::add_user`] with the usual fields filled.
pub fn user(
    messenger: &str,
    user_id: &str,
    phone: Option<&str>,
    name: &str,
    first_contact: DateTime<Utc>,
    last_activity: DateTime<Utc>,
    active: bool,
) -> UserProfile {
    UserProfile {
        summary: UserSummary {
            key: UserKey {
                messenger: messenger.into(),
                user_id: user_id.into(),
            },
            phone: phone.map(str::to_owned),
            name: Some(name.to_owned()),
            language: Some("uk".into()),
            first_contact,
            last_activity,
            active,
        },
        username: None,
        phones: phone.map(str::to_owned).into_iter().collect(),
        programme: Vec::new(),
        segment: Vec::new(),
        recent_messages: Vec::new(),
    }
}

/// Code settings of a demo bot: log-in always needs a code (SMS, then the chat), spending
/// bonuses optionally (SMS); channels `sms`, `chat`, `email`.
pub fn code_settings() -> CodeSettings {
    let template = |uk: &str, ru: &str| -> BTreeMap<String, String> {
        [("uk", uk), ("ru", ru)]
            .into_iter()
            .map(|(l, t)| (l.to_owned(), t.to_owned()))
            .collect()
    };
    CodeSettings {
        channels: vec!["sms".into(), "chat".into(), "email".into()],
        actions: vec![
            CodeActionSettings {
                action: "log_in".into(),
                required: true,
                optional: false,
                channels: vec!["sms".into(), "chat".into()],
                templates: template("Код для входу: {code}.", "Код для входа: {code}."),
            },
            CodeActionSettings {
                action: "spend_bonuses".into(),
                required: false,
                optional: true,
                channels: vec!["sms".into()],
                templates: template(
                    "Код для списання бонусів: {code}.",
                    "Код для списания бонусов: {code}.",
                ),
            },
        ],
    }
}

/// A text entry with Ukrainian, Russian and English defaults.
pub fn text(
    key: &str,
    description: &str,
    uk: &str,
    ru: &str,
    en: &str,
    placeholders: &[&str],
    max_len: usize,
) -> TextEntry {
    TextEntry {
        key: key.into(),
        description: description.into(),
        defaults: [("uk", uk), ("ru", ru), ("en", en)]
            .into_iter()
            .map(|(l, t)| (l.to_owned(), t.to_owned()))
            .collect(),
        overrides: BTreeMap::new(),
        placeholders: placeholders.iter().map(|p| (*p).to_owned()).collect(),
        max_len,
    }
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another test thread must not hide this one's result.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Adds a bot.
    pub fn add_bot(&self, id: &str, name: &str, programme: &str, messengers: &[&str]) {
        self.lock().bots.push(BotInfo {
            id: id.into(),
            name: name.into(),
            programme: programme.into(),
            messengers: messengers.iter().map(|m| (*m).to_owned()).collect(),
        });
    }

    /// Adds a user to a bot.
    pub fn add_user(&self, bot: &str, profile: UserProfile) {
        self.lock()
            .users
            .entry(bot.to_owned())
            .or_default()
            .push(profile);
    }

    /// Adds daily figures to a bot.
    pub fn add_day(&self, bot: &str, figures: DailyFigures) {
        self.lock()
            .days
            .entry(bot.to_owned())
            .or_default()
            .push(figures);
    }

    /// Adds an editable text to a bot.
    pub fn add_text(&self, bot: &str, entry: TextEntry) {
        self.lock()
            .texts
            .entry(bot.to_owned())
            .or_default()
            .push(entry);
    }

    /// Gives a bot verification-code settings (the "Codes" page shows them).
    pub fn set_codes(&self, bot: &str, settings: CodeSettings) {
        self.lock().codes.insert(bot.to_owned(), settings);
    }

    /// One action's code settings as the bot holds them now.
    pub fn code_action(&self, bot: &str, action: &str) -> Option<CodeActionSettings> {
        self.lock()
            .codes
            .get(bot)?
            .actions
            .iter()
            .find(|a| a.action == action)
            .cloned()
    }

    /// Every text change so far, in order.
    pub fn changes(&self) -> Vec<TextChange> {
        self.lock().changes.clone()
    }

    /// The text the bot would send now (override, else default); `None` for an unknown key.
    pub fn effective_text(&self, bot: &str, key: &str, language: &str) -> Option<String> {
        let st = self.lock();
        let t = st.texts.get(bot)?.iter().find(|t| t.key == key)?;
        t.overrides
            .get(language)
            .or_else(|| t.defaults.get(language))
            .cloned()
    }

    /// Two bots with a few hundred users, 90 days of figures and a handful of texts, ending on
    /// `today`. Deterministic.
    pub fn demo(today: NaiveDate) -> Self {
        let b = Self::new();
        b.add_bot("ergo", "ERGO CLUB", "ergo", &["telegram", "viber"]);
        let codes = code_settings();
        b.set_codes("ergo", codes.clone());
        b.set_codes("pharmacy", codes);
        b.add_bot("pharmacy", "Pharmacy Plus", "manzana", &["telegram", "max"]);
        let names = [
            "Олена Коваль",
            "Іван Петренко",
            "Марія Шевченко",
            "Андрій Бондар",
            "Наталія Ткаченко",
            "Сергей Иванов",
            "Ольга Мельник",
            "Дмитро Кравченко",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let midnight = today
            .and_hms_opt(12, 0, 0)
            .map(|t| t.and_utc())
            .unwrap_or_default();
        for (bot, messengers) in [
            ("ergo", ["telegram", "viber"]),
            ("pharmacy", ["telegram", "max"]),
        ] {
            for i in 0..240u64 {
                let m = messengers[(next() % 2) as usize];
                let first = midnight - Duration::days((next() % 90) as i64);
                let last = first + Duration::hours((next() % 500) as i64);
                let last = last.min(midnight);
                let phone = (next() % 5 != 0).then(|| format!("+38067{:07}", next() % 10_000_000));
                let mut p = user(
                    m,
                    &format!("{}", 100_000 + i * 7),
                    phone.as_deref(),
                    names[(next() % names.len() as u64) as usize],
                    first,
                    last,
                    next() % 10 != 0,
                );
                p.programme = vec![
                    ("balance".into(), format!("{} bonus", next() % 2000)),
                    (
                        "level".into(),
                        ["Silver", "Gold", "Base"][(next() % 3) as usize].into(),
                    ),
                ];
                p.segment = vec![(
                    "city".into(),
                    ["Київ", "Львів", "Одеса"][(next() % 3) as usize].into(),
                )];
                p.recent_messages = vec![
                    MessageEntry {
                        at: last,
                        direction: Direction::Out,
                        text: "Ваш баланс: 120 бонусів".into(),
                    },
                    MessageEntry {
                        at: last,
                        direction: Direction::In,
                        text: "Баланс".into(),
                    },
                ];
                b.add_user(bot, p);
            }
            for d in 0..90u64 {
                let day = today.checked_sub_days(Days::new(d)).unwrap_or(today);
                for m in messengers {
                    b.add_day(
                        bot,
                        DailyFigures {
                            messenger: m.into(),
                            day,
                            new_subscribers: next() % 6,
                            messages_in: next() % 60,
                            messages_out: next() % 80,
                        },
                    );
                }
            }
            b.add_text(
                bot,
                text(
                    "welcome",
                    "Greeting after /start",
                    "Вітаємо, {name}! Оберіть дію в меню.",
                    "Здравствуйте, {name}! Выберите действие в меню.",
                    "Welcome, {name}! Choose an action.",
                    &["name"],
                    4096,
                ),
            );
            b.add_text(
                bot,
                text(
                    "balance",
                    "Balance answer",
                    "Ваш баланс: {points} бонусів.",
                    "Ваш баланс: {points} бонусов.",
                    "Your balance: {points} points.",
                    &["points"],
                    1000,
                ),
            );
            b.add_text(
                bot,
                text(
                    "support_offline",
                    "Support outside working hours",
                    "Оператори працюють з 9:00 до 18:00. Ми відповімо в робочий час.",
                    "Операторы работают с 9:00 до 18:00. Мы ответим в рабочее время.",
                    "Operators work 9:00-18:00. We will answer during working hours.",
                    &[],
                    1000,
                ),
            );
        }
        b
    }
}

fn unknown_bot(bot: &str) -> BackendError {
    BackendError::NotFound(format!("bot {bot:?}"))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

#[async_trait]
impl PanelBackend for MemoryBackend {
    async fn bots(&self) -> Result<Vec<BotInfo>, BackendError> {
        Ok(self.lock().bots.clone())
    }

    async fn stats(
        &self,
        bot: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RawStats, BackendError> {
        let st = self.lock();
        let info = st
            .bots
            .iter()
            .find(|b| b.id == bot)
            .ok_or_else(|| unknown_bot(bot))?;
        let mut totals: BTreeMap<String, SubscriberTotals> = info
            .messengers
            .iter()
            .map(|m| (m.clone(), SubscriberTotals::default()))
            .collect();
        for u in st.users.get(bot).into_iter().flatten() {
            let t = totals.entry(u.summary.key.messenger.clone()).or_default();
            t.total += 1;
            if u.summary.active {
                t.active += 1;
            } else {
                t.blocked += 1;
            }
        }
        let days = st
            .days
            .get(bot)
            .into_iter()
            .flatten()
            .filter(|d| d.day >= from && d.day <= to)
            .cloned()
            .collect();
        Ok(RawStats { totals, days })
    }

    async fn users(&self, bot: &str, q: &UsersQuery) -> Result<UsersPage, BackendError> {
        let st = self.lock();
        if !st.bots.iter().any(|b| b.id == bot) {
            return Err(unknown_bot(bot));
        }
        let needle = q.search.as_deref().map(str::to_lowercase);
        let mut rows: Vec<UserSummary> = st
            .users
            .get(bot)
            .into_iter()
            .flatten()
            .map(|u| u.summary.clone())
            .filter(|u| match &needle {
                None => true,
                Some(n) => {
                    let d = digits(n);
                    u.name
                        .as_deref()
                        .is_some_and(|x| x.to_lowercase().contains(n.as_str()))
                        || (!d.is_empty()
                            && u.phone.as_deref().is_some_and(|p| digits(p).contains(&d)))
                }
            })
            .collect();
        rows.sort_by(|a, b| {
            let o = match q.sort {
                UserSort::Phone => {
                    (a.phone.is_none(), &a.phone).cmp(&(b.phone.is_none(), &b.phone))
                }
                UserSort::Name => a.name.cmp(&b.name),
                UserSort::FirstContact => a.first_contact.cmp(&b.first_contact),
                UserSort::LastActivity => a.last_activity.cmp(&b.last_activity),
            };
            let o = if q.descending { o.reverse() } else { o };
            o.then_with(|| a.key.cmp(&b.key))
        });
        let total = rows.len() as u64;
        let users = rows
            .into_iter()
            .skip(usize::try_from(q.offset).unwrap_or(usize::MAX))
            .take(q.limit as usize)
            .collect();
        Ok(UsersPage { users, total })
    }

    async fn user(&self, bot: &str, key: &UserKey) -> Result<Option<UserProfile>, BackendError> {
        Ok(self
            .lock()
            .users
            .get(bot)
            .into_iter()
            .flatten()
            .find(|u| &u.summary.key == key)
            .cloned())
    }

    async fn texts(&self, bot: &str) -> Result<Vec<TextEntry>, BackendError> {
        let st = self.lock();
        if !st.bots.iter().any(|b| b.id == bot) {
            return Err(unknown_bot(bot));
        }
        Ok(st.texts.get(bot).cloned().unwrap_or_default())
    }

    async fn set_text(
        &self,
        bot: &str,
        key: &str,
        language: &str,
        value: &str,
    ) -> Result<(), BackendError> {
        let mut st = self.lock();
        let t = st
            .texts
            .get_mut(bot)
            .and_then(|ts| ts.iter_mut().find(|t| t.key == key))
            .ok_or_else(|| BackendError::NotFound(format!("text {key:?}")))?;
        t.overrides.insert(language.to_owned(), value.to_owned());
        st.changes.push(TextChange {
            bot: bot.into(),
            key: key.into(),
            language: language.into(),
            value: Some(value.into()),
        });
        Ok(())
    }

    async fn reset_text(&self, bot: &str, key: &str, language: &str) -> Result<(), BackendError> {
        let mut st = self.lock();
        let t = st
            .texts
            .get_mut(bot)
            .and_then(|ts| ts.iter_mut().find(|t| t.key == key))
            .ok_or_else(|| BackendError::NotFound(format!("text {key:?}")))?;
        t.overrides.remove(language);
        st.changes.push(TextChange {
            bot: bot.into(),
            key: key.into(),
            language: language.into(),
            value: None,
        });
        Ok(())
    }

    async fn code_settings(&self, bot: &str) -> Result<Option<CodeSettings>, BackendError> {
        Ok(self.lock().codes.get(bot).cloned())
    }

    async fn set_code_settings(
        &self,
        bot: &str,
        settings: &CodeActionSettings,
    ) -> Result<(), BackendError> {
        let mut st = self.lock();
        let codes = st
            .codes
            .get_mut(bot)
            .ok_or_else(|| BackendError::Invalid("this bot sends no codes".into()))?;
        let a = codes
            .actions
            .iter_mut()
            .find(|a| a.action == settings.action)
            .ok_or_else(|| BackendError::NotFound(format!("action {:?}", settings.action)))?;
        if !a.optional && !settings.required {
            return Err(BackendError::Invalid(format!(
                "{} always needs a code",
                settings.action
            )));
        }
        *a = CodeActionSettings {
            optional: a.optional,
            ..settings.clone()
        };
        Ok(())
    }
}
