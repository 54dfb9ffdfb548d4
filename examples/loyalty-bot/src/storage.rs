//! Durable state of the bot: users per messenger chat, conversation state, the inbox of updates
//! (for exactly-once handling across crashes), cursors, delivered notification ids and a message
//! log. One code path for SQLite (default, an embedded file) and PostgreSQL, through sqlx's `Any`
//! driver with portable SQL (`$n` placeholders, `ON CONFLICT`, text times).

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use loyalty_core::Session;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

mod audience;
mod batch;
mod ledger;
mod settings;
mod support;
mod surveys;
mod users;

pub use audience::Segment;
pub use support::{Dialogue, DialogueMessage, NewPhoto, Sender, SupportState, new_support_id};
pub use surveys::{
    Question, QuestionDraft, QuestionImage, QuestionKind, Respondent, SaveOutcome, Survey,
    SurveyAnswer, SurveySend,
};

/// Migrations, applied in order once each; kept in `migrations/`.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_init.sql")),
    (2, include_str!("../migrations/0002_outbox.sql")),
    (3, include_str!("../migrations/0003_code_budget.sql")),
    (4, include_str!("../migrations/0004_runtime.sql")),
    (5, include_str!("../migrations/0005_codes.sql")),
    (6, include_str!("../migrations/0006_panel_search.sql")),
    (7, include_str!("../migrations/0007_settings.sql")),
    (8, include_str!("../migrations/0008_support.sql")),
    (9, include_str!("../migrations/0009_surveys.sql")),
    (10, include_str!("../migrations/0010_segments.sql")),
    (11, include_str!("../migrations/0011_survey_ids.sql")),
];

/// The version whose migration adds `bot_users.search_name`, filled in by
/// [`backfill_search_names`] in the same transaction.
const SEARCH_NAME_VERSION: i64 = 6;
/// The version whose migration adds `bot_user_attributes`, filled in from the `segment`
/// documents by [`audience::backfill_attributes`] in the same transaction.
const ATTRIBUTES_VERSION: i64 = 10;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database URL is not `sqlite:` or `postgres:`.
    #[error("DATABASE_URL must start with sqlite: or postgres: (got {0:?})")]
    UnsupportedUrl(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The runtime's store failed.
    #[error(transparent)]
    Runtime(#[from] messenger_runtime::StoreError),
    /// A stored document could not be read back.
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
}

/// Which messenger chat a record belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChatKey {
    /// The messenger's name (`telegram`, `viber`, `max`, `console`).
    pub messenger: String,
    /// The chat id as text (numbers on Telegram and MAX, strings on Viber).
    pub chat_id: String,
}

impl ChatKey {
    /// A chat key.
    pub fn new(messenger: impl Into<String>, chat_id: impl Into<String>) -> Self {
        Self {
            messenger: messenger.into(),
            chat_id: chat_id.into(),
        }
    }
}

/// What the messenger tells us about a user.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The platform's user id.
    pub user_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Username.
    pub username: Option<String>,
}

/// A user of the bot in one chat.
#[derive(Clone, PartialEq)]
pub struct BotUser {
    /// The chat.
    pub key: ChatKey,
    /// Messenger profile data.
    pub profile: Profile,
    /// Interface language (`uk`, `ru`).
    pub language: String,
    /// The phone the user authorized with, E.164.
    pub phone: Option<String>,
    /// The loyalty provider's name.
    pub provider: Option<String>,
    /// The provider's customer id.
    pub customer_id: Option<String>,
    /// The loyalty session (holds a secret token).
    pub session: Option<SessionJson>,
    /// Segment attributes (JSON object) for targeting.
    pub segment: serde_json::Value,
    /// False once the user blocked the bot or unsubscribed.
    pub active: bool,
    /// When the user first wrote.
    pub created_at: DateTime<Utc>,
    /// When the user last did anything.
    pub last_activity: DateTime<Utc>,
    /// The live chat: the open dialogue and whether an operator paused the bot.
    pub support: SupportState,
}

impl fmt::Debug for BotUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotUser")
            .field("key", &self.key)
            .field("profile", &self.profile)
            .field("language", &self.language)
            .field("has_phone", &self.phone.is_some())
            .field("provider", &self.provider)
            .field("customer_id", &self.customer_id)
            .field("session", &self.session.as_ref().map(|_| "[REDACTED]"))
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// A stored session, kept as the JSON the database holds; decoded on demand.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionJson(String);

impl SessionJson {
    /// Encodes a session.
    ///
    /// # Errors
    /// [`StorageError::Corrupt`] if it cannot be serialized (it always can).
    pub fn encode(session: &Session) -> Result<Self, StorageError> {
        serde_json::to_string(session)
            .map(Self)
            .map_err(|e| StorageError::Corrupt {
                what: "session",
                reason: e.to_string(),
            })
    }

    /// The JSON as read from the `session` column (decoded by [`SessionJson::decode`]).
    pub fn from_stored(json: String) -> Self {
        Self(json)
    }

    /// Decodes the session.
    ///
    /// # Errors
    /// [`StorageError::Corrupt`] when the stored text is not a session.
    pub fn decode(&self) -> Result<Session, StorageError> {
        serde_json::from_str(&self.0).map_err(|e| StorageError::Corrupt {
            what: "session",
            reason: e.to_string(),
        })
    }
}

impl fmt::Debug for SessionJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionJson([REDACTED])")
    }
}

/// Direction of a logged message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the user.
    Incoming,
    /// From the bot.
    Outgoing,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::Incoming => "in",
            Self::Outgoing => "out",
        }
    }
}

/// The bot's database.
#[derive(Clone)]
pub struct Storage {
    /// Writes (SQLite: the runtime's single writer connection).
    pool: AnyPool,
    /// Reads (SQLite: a pool reading the WAL concurrently).
    reader: AnyPool,
    backend: Backend,
    store: messenger_runtime::Store,
    /// Groups the user reads of chats handled at the same time (see [`Storage::user_batched`]).
    users: std::sync::Arc<users::UserLoader>,
    /// Groups the code-budget requests made at the same time (see
    /// [`Storage::take_code_budget`]).
    budgets: std::sync::Arc<ledger::BudgetTaker>,
}

/// Which database is behind the storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: never shown.
        f.debug_struct("Storage")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

fn now_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, StorageError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StorageError::Corrupt {
            what: "time",
            reason: format!("{s:?}: {e}"),
        })
}

impl Storage {
    /// Connects (creating an SQLite file if needed) and applies the migrations: the runtime's
    /// first (which moves a pre-runtime database's inbox, outbox, states and cursors into the
    /// runtime's tables), then the bot's own. The bot's tables share the runtime's pools.
    ///
    /// `sqlite:path/to/file.db` or `sqlite::memory:`; `postgres://user:pass@host/db`.
    ///
    /// # Errors
    /// [`StorageError::UnsupportedUrl`] for another scheme, [`StorageError::Database`] when the
    /// database cannot be reached or migrated.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres:")
            || url.starts_with("postgresql:"))
        {
            return Err(StorageError::UnsupportedUrl(
                url.split(':').next().unwrap_or_default().to_owned(),
            ));
        }
        let store =
            messenger_runtime::Store::connect(url, messenger_runtime::StoreOptions::default())
                .await?;
        let backend = match store.backend() {
            messenger_runtime::Backend::Postgres => Backend::Postgres,
            _ => Backend::Sqlite,
        };
        let storage = Self {
            pool: store.writer().clone(),
            reader: store.reader().clone(),
            backend,
            store,
            users: std::sync::Arc::default(),
            budgets: std::sync::Arc::default(),
        };
        storage.migrate().await?;
        Ok(storage)
    }

    /// The runtime's store on the same database (inbox, outbox, conversation states, cursors).
    pub fn runtime_store(&self) -> &messenger_runtime::Store {
        &self.store
    }

    /// Keys of the updates of `messenger` stored and not yet handled (in the runtime's inbox).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn inbox_pending(&self, messenger: &str) -> Result<Vec<String>, StorageError> {
        Ok(self.store.pending(messenger).await?)
    }

    /// Replies of `messenger` queued and not yet delivered (update key, index), in order.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn outbox_pending(
        &self,
        messenger: &str,
    ) -> Result<Vec<(String, i64)>, StorageError> {
        Ok(self.store.unsent(messenger).await?)
    }

    /// Reads a named cursor (a polling offset, the last cheque seen).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn cursor(&self, name: &str) -> Result<Option<String>, StorageError> {
        Ok(self.store.cursor(name).await?)
    }

    /// Writes a named cursor.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn set_cursor(&self, name: &str, value: &str) -> Result<(), StorageError> {
        Ok(self.store.set_cursor(name, value).await?)
    }

    /// The write that sets the interface language, for the runtime to commit with the update
    /// that chose it.
    pub fn language_write(key: &ChatKey, language: &str) -> messenger_runtime::Write {
        messenger_runtime::Write::new(
            "UPDATE bot_users SET language = $1 WHERE messenger = $2 AND chat_id = $3",
        )
        .bind(language)
        .bind(key.messenger.clone())
        .bind(key.chat_id.clone())
    }

    /// The database behind this storage.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The connection pool, shared with the control panel (its own `panel_*` tables and its
    /// read-only view of `bot_users` and `bot_message_log`), so SQLite keeps one writer.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    async fn migrate(&self) -> Result<(), StorageError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS bot_schema_version (version BIGINT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        for (version, sql) in MIGRATIONS {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM bot_schema_version WHERE version = $1")
                    .bind(*version)
                    .fetch_optional(&self.pool)
                    .await?;
            if done.is_some() {
                continue;
            }
            let mut tx = self.pool.begin().await?;
            for stmt in messenger_runtime::store::split_statements(sql) {
                // Embedded migration text of our own, not user input.
                sqlx::query(sqlx::AssertSqlSafe(stmt))
                    .execute(&mut *tx)
                    .await?;
            }
            if *version == SEARCH_NAME_VERSION {
                backfill_search_names(&mut tx).await?;
            }
            if *version == ATTRIBUTES_VERSION {
                audience::backfill_attributes(&mut tx, &now_text(Utc::now())).await?;
            }
            sqlx::query("INSERT INTO bot_schema_version (version, applied_at) VALUES ($1, $2)")
                .bind(*version)
                .bind(now_text(Utc::now()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version, "applied a storage migration");
        }
        Ok(())
    }
}

// `search_name` ($9) is the profile's names lowercased in Rust ([`search_name`]); a profile
// without any name keeps the stored one.
const TOUCH_USER: &str = "INSERT INTO bot_users (messenger, chat_id, user_id, first_name, last_name, username, language, segment, active, created_at, last_activity, search_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, '{}', 1, $8, $8, $9)
     ON CONFLICT (messenger, chat_id) DO UPDATE SET
       user_id = COALESCE(excluded.user_id, bot_users.user_id),
       first_name = COALESCE(excluded.first_name, bot_users.first_name),
       last_name = COALESCE(excluded.last_name, bot_users.last_name),
       username = COALESCE(excluded.username, bot_users.username),
       search_name = CASE WHEN excluded.search_name = '' THEN bot_users.search_name ELSE excluded.search_name END,
       active = 1,
       last_activity = excluded.last_activity";

const LOG_MESSAGE: &str = "INSERT INTO bot_message_log (messenger, chat_id, direction, kind, body, at) VALUES ($1, $2, $3, $4, $5, $6)";

/// The columns [`user_from_row`] reads, the support state included (read with the user, so
/// the live chat costs no query of its own per update).
macro_rules! user_select {
    () => {
        "SELECT messenger, chat_id, user_id, first_name, last_name, username, language, phone,
        provider, customer_id, session, segment, active, created_at, last_activity,
        support_paused,
        (SELECT d.id FROM support_dialogues d WHERE d.messenger = bot_users.messenger
            AND d.chat_id = bot_users.chat_id AND d.closed_at IS NULL) AS open_dialogue
        FROM bot_users WHERE "
    };
}

/// [`USER_SELECT_BY_KEY`] for several chats of one messenger (`$1`): a list of chat ids
/// appended.
const USER_SELECT_BY_KEYS: &str = concat!(user_select!(), "messenger = $1 AND chat_id IN");

const USER_SELECT_BY_KEY: &str = concat!(user_select!(), "messenger = $1 AND chat_id = $2");

fn user_from_row(r: &AnyRow) -> Result<BotUser, StorageError> {
    let segment: String = r.try_get(11)?;
    let created: String = r.try_get(13)?;
    let last: String = r.try_get(14)?;
    Ok(BotUser {
        key: ChatKey::new(r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?),
        profile: Profile {
            user_id: r.try_get(2)?,
            first_name: r.try_get(3)?,
            last_name: r.try_get(4)?,
            username: r.try_get(5)?,
        },
        language: r.try_get(6)?,
        phone: r.try_get(7)?,
        provider: r.try_get(8)?,
        customer_id: r.try_get(9)?,
        session: r.try_get::<Option<String>, _>(10)?.map(SessionJson),
        segment: serde_json::from_str(&segment).map_err(|e| StorageError::Corrupt {
            what: "segment",
            reason: e.to_string(),
        })?,
        active: r.try_get::<i64, _>(12)? != 0,
        created_at: parse_time(&created)?,
        last_activity: parse_time(&last)?,
        support: SupportState {
            paused: r.try_get::<i64, _>(15)? != 0,
            open_dialogue: r.try_get(16)?,
        },
    })
}

/// Splits a migration file into statements at `;` line ends, dropping `--` comments.
/// The key the control panel searches users by: first name, last name and user name, joined
/// by spaces and lowercased with Unicode rules (Cyrillic included), which SQLite's `LOWER()`
/// does not do.
pub fn search_name(
    first_name: Option<&str>,
    last_name: Option<&str>,
    username: Option<&str>,
) -> String {
    [first_name, last_name, username]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Fills `search_name` of every stored user (once, with the migration that adds it).
async fn backfill_search_names(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(), StorageError> {
    let rows =
        sqlx::query("SELECT messenger, chat_id, first_name, last_name, username FROM bot_users")
            .fetch_all(&mut **tx)
            .await?;
    for r in rows {
        let first: Option<String> = r.try_get(2)?;
        let last: Option<String> = r.try_get(3)?;
        let user: Option<String> = r.try_get(4)?;
        sqlx::query("UPDATE bot_users SET search_name = $1 WHERE messenger = $2 AND chat_id = $3")
            .bind(search_name(
                first.as_deref(),
                last.as_deref(),
                user.as_deref(),
            ))
            .bind(r.try_get::<String, _>(0)?)
            .bind(r.try_get::<String, _>(1)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
