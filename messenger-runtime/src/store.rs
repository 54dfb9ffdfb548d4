//! The runtime's database: SQLite (an embedded file; WAL, `synchronous=NORMAL`, a busy timeout,
//! one writer connection and a reader pool) or PostgreSQL (one pool), through sqlx's `Any` driver
//! with portable SQL and embedded, versioned migrations.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use messenger_core::{ChatRef, Update};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, AssertSqlSafe, Row, Transaction};

use crate::handler::{Reply, Value, Write};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is not `sqlite:` or `postgres:`.
    #[error("the database URL must start with sqlite: or postgres: (got {0:?})")]
    UnsupportedUrl(String),
    /// The database refused or failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored document could not be read back.
    #[error("stored {what} is corrupt: {reason}")]
    Corrupt {
        /// What was being read.
        what: &'static str,
        /// Why it failed.
        reason: String,
    },
}

impl StoreError {
    /// Whether the failure is likely to pass (a lost connection, a locked SQLite file, a
    /// serialization conflict): such work is retried, never dropped.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Database(e) => is_transient(e),
            _ => false,
        }
    }
}

pub(crate) fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code().map(|c| c.into_owned()).unwrap_or_default();
            // SQLite: BUSY, LOCKED and their extended codes. PostgreSQL: serialization failure,
            // deadlock, connection and shutdown classes.
            matches!(
                code.as_str(),
                "5" | "6" | "261" | "262" | "517" | "40001" | "40P01"
            ) || code.starts_with("08")
                || code.starts_with("57P")
                || d.message().contains("locked")
        }
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_)
        | sqlx::Error::Tls(_) => true,
        _ => false,
    }
}

/// Which database is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (or `sqlite::memory:`).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// How to open a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreOptions {
    /// SQLite: connections that only read (default 4). PostgreSQL: the pool size is
    /// `readers + 1`.
    pub readers: u32,
    /// SQLite: how long a statement waits for a lock before failing (default 5 s).
    pub busy_timeout: Duration,
    /// How long to wait for a free connection (default 10 s).
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            readers: 4,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The runtime's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    writer: AnyPool,
    reader: AnyPool,
    backend: Backend,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may carry a password: never shown.
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// The runtime's migrations, applied in order once each (recorded in `rt_schema_version`).
const MIGRATIONS: &[(i64, &str)] = &[(1, include_str!("../migrations/0001_runtime.sql"))];

/// The version of the in-place upgrade of the example bot's own tables.
const LEGACY_IMPORT: i64 = 2;

pub(crate) fn now_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// An update waiting to be handled.
#[derive(Debug, Clone)]
pub(crate) struct PendingRow {
    pub update_key: String,
    pub payload: String,
    pub attempts: i64,
}

/// A reply waiting to be delivered.
#[derive(Debug, Clone)]
pub(crate) struct OutboxRow {
    pub update_key: String,
    pub idx: i64,
    pub payload: String,
    pub not_before: i64,
    pub attempts: i64,
}

/// What the outbox stores per message: the chat and the reply. (The example bot stored exactly
/// this shape before the runtime existed, so its queued replies survive the upgrade.)
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Queued {
    pub chat: ChatRef,
    pub reply: Reply,
}

/// A quarantined update, for operators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    /// The messenger.
    pub messenger: String,
    /// The update's deduplication key.
    pub update_key: String,
    /// The chat.
    pub chat_id: String,
    /// Why it was quarantined.
    pub reason: Option<String>,
}

/// Counts for monitoring and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Updates stored and not yet handled (nor quarantined).
    pub pending: i64,
    /// Updates handled.
    pub handled: i64,
    /// Updates quarantined.
    pub quarantined: i64,
    /// Messages waiting for delivery.
    pub unsent: i64,
    /// Messages delivered (or dropped as undeliverable).
    pub sent: i64,
}

/// One completion (or quarantine) of an update, committed by the group committer.
#[derive(Debug)]
pub(crate) struct Completion {
    pub messenger: String,
    pub chat_id: String,
    pub update_key: String,
    pub chat: Option<ChatRef>,
    pub owner: String,
    pub lease_until: i64,
    pub release: bool,
    pub state: Option<String>,
    pub replies: Vec<Reply>,
    pub writes: Vec<Write>,
    /// `Some(reason)`: quarantine instead of marking handled.
    pub quarantine: Option<String>,
}

/// What became of a completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completed {
    /// Committed.
    Done,
    /// Another instance holds the chat now (this one's lease expired): nothing was written.
    LeaseLost,
}

fn seq_base() -> i64 {
    Utc::now().timestamp_micros().saturating_mul(1000)
}

fn bind_value<'q>(
    q: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    v: &Value,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    match v {
        Value::Text(t) => q.bind(t.clone()),
        Value::Int(i) => q.bind(*i),
    }
}

/// `($1, $2, …), ($k, …)` for `rows` rows of `cols` placeholders.
fn placeholders(rows: usize, cols: usize) -> String {
    let mut s = String::new();
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(r * cols + c + 1).to_string());
        }
        s.push(')');
    }
    s
}

impl Store {
    /// Connects (creating an SQLite file if needed) and applies the runtime's migrations,
    /// including the in-place upgrade of a database made by the example bot before the runtime
    /// (its `bot_inbox`, `bot_outbox`, `bot_conversations` and `bot_cursors` move into the
    /// runtime's tables: pending updates stay pending, queued replies stay queued).
    ///
    /// `sqlite:path/to/file.db`, `sqlite::memory:` or `postgres://user:pass@host/db`.
    ///
    /// # Errors
    /// [`StoreError::UnsupportedUrl`] for another scheme, [`StoreError::Database`] when the
    /// database cannot be reached or migrated.
    pub async fn connect(url: &str, options: StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let store = if let Some(rest) = url.strip_prefix("sqlite:") {
            let memory = rest.contains(":memory:");
            let mut u = format!("sqlite:{rest}");
            if !memory && !rest.contains("mode=") {
                u.push_str(if rest.contains('?') {
                    "&mode=rwc"
                } else {
                    "?mode=rwc"
                });
            }
            let busy = options.busy_timeout.as_millis().min(i64::MAX as u128) as i64;
            let wal = !memory;
            let writer = AnyPoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .acquire_timeout(options.acquire_timeout)
                .idle_timeout(None)
                .max_lifetime(None)
                .after_connect(move |conn, _| sqlite_pragmas(conn, busy, wal))
                .connect(&u)
                .await?;
            // An in-memory database exists once per connection: reads go to the writer.
            let reader = if memory {
                writer.clone()
            } else {
                AnyPoolOptions::new()
                    .max_connections(options.readers.max(1))
                    .acquire_timeout(options.acquire_timeout)
                    .after_connect(move |conn, _| sqlite_pragmas(conn, busy, false))
                    .connect(&u)
                    .await?
            };
            Self {
                writer,
                reader,
                backend: Backend::Sqlite,
            }
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(options.readers.max(1) + 1)
                .acquire_timeout(options.acquire_timeout)
                .connect(url)
                .await?;
            Self {
                writer: pool.clone(),
                reader: pool,
                backend: Backend::Postgres,
            }
        } else {
            return Err(StoreError::UnsupportedUrl(
                url.split(':').next().unwrap_or_default().to_owned(),
            ));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The database behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool for writes (SQLite: the single writer connection). A bot keeps its own tables in
    /// the same database through it, so SQLite has one writer.
    pub fn writer(&self) -> &AnyPool {
        &self.writer
    }

    /// The pool for reads (SQLite: several connections reading the WAL concurrently).
    pub fn reader(&self) -> &AnyPool {
        &self.reader
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS rt_schema_version (version BIGINT NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL)",
        )
        .execute(&self.writer)
        .await?;
        for (version, sql) in MIGRATIONS {
            if self.applied(*version).await? {
                continue;
            }
            let mut tx = self.writer.begin().await?;
            for stmt in split_statements(sql) {
                // Embedded migration text of our own, not user input.
                sqlx::query(AssertSqlSafe(stmt)).execute(&mut *tx).await?;
            }
            record_version(&mut tx, *version).await?;
            tx.commit().await?;
            tracing::info!(version, "applied a runtime migration");
        }
        if !self.applied(LEGACY_IMPORT).await? {
            let mut tx = self.writer.begin().await?;
            self.import_legacy(&mut tx).await?;
            record_version(&mut tx, LEGACY_IMPORT).await?;
            tx.commit().await?;
        }
        Ok(())
    }

    async fn applied(&self, version: i64) -> Result<bool, StoreError> {
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM rt_schema_version WHERE version = $1")
                .bind(version)
                .fetch_optional(&self.writer)
                .await?;
        Ok(done.is_some())
    }

    async fn table_exists(
        &self,
        tx: &mut Transaction<'_, Any>,
        name: &str,
    ) -> Result<bool, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1"
            }
        };
        let n: i64 = sqlx::query_scalar(sql)
            .bind(name)
            .fetch_one(&mut **tx)
            .await?;
        Ok(n > 0)
    }

    /// Migration 2: moves the example bot's pre-runtime tables into the runtime's.
    async fn import_legacy(&self, tx: &mut Transaction<'_, Any>) -> Result<(), StoreError> {
        if self.table_exists(tx, "bot_inbox").await? {
            // Handled updates: kept for deduplication; their chat no longer matters.
            sqlx::query(
                "INSERT INTO rt_inbox (messenger, update_key, chat_id, seq, payload, received_at, handled_at)
                 SELECT messenger, update_key, '', seq, payload, received_at, handled_at FROM bot_inbox
                 WHERE handled_at IS NOT NULL
                 ON CONFLICT (messenger, update_key) DO NOTHING",
            )
            .execute(&mut **tx)
            .await?;
            // Pending ones: the chat comes from the stored update.
            let rows = sqlx::query(
                "SELECT messenger, update_key, seq, payload, received_at FROM bot_inbox WHERE handled_at IS NULL",
            )
            .fetch_all(&mut **tx)
            .await?;
            for r in &rows {
                let messenger: String = r.try_get(0)?;
                let payload: String = r.try_get(3)?;
                let chat_id = serde_json::from_str::<Update>(&payload)
                    .ok()
                    .and_then(|u| u.chat)
                    .map(|c| c.id.to_string())
                    .unwrap_or_default();
                sqlx::query(
                    "INSERT INTO rt_inbox (messenger, update_key, chat_id, seq, payload, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (messenger, update_key) DO NOTHING",
                )
                .bind(&messenger)
                .bind(r.try_get::<String, _>(1)?)
                .bind(&chat_id)
                .bind(r.try_get::<i64, _>(2)?)
                .bind(&payload)
                .bind(r.try_get::<String, _>(4)?)
                .execute(&mut **tx)
                .await?;
                ensure_chat(tx, &messenger, &chat_id).await?;
            }
        }
        if self.table_exists(tx, "bot_conversations").await? {
            sqlx::query(
                "INSERT INTO rt_chats (messenger, chat_id, state, state_at)
                 SELECT messenger, chat_id, state, updated_at FROM bot_conversations WHERE true
                 ON CONFLICT (messenger, chat_id) DO UPDATE SET state = excluded.state, state_at = excluded.state_at",
            )
            .execute(&mut **tx)
            .await?;
        }
        if self.table_exists(tx, "bot_outbox").await? {
            sqlx::query(
                "INSERT INTO rt_outbox (messenger, update_key, idx, chat_id, seq, payload, created_at, sent_at)
                 SELECT o.messenger, o.update_key, o.idx, o.chat_id,
                        COALESCE((SELECT i.seq FROM bot_inbox i WHERE i.messenger = o.messenger AND i.update_key = o.update_key), 0),
                        o.payload, o.created_at, o.sent_at
                 FROM bot_outbox o WHERE true
                 ON CONFLICT (messenger, update_key, idx) DO NOTHING",
            )
            .execute(&mut **tx)
            .await?;
            sqlx::query(
                "INSERT INTO rt_chats (messenger, chat_id)
                 SELECT DISTINCT messenger, chat_id FROM bot_outbox WHERE sent_at IS NULL
                 ON CONFLICT (messenger, chat_id) DO NOTHING",
            )
            .execute(&mut **tx)
            .await?;
        }
        if self.table_exists(tx, "bot_cursors").await? {
            sqlx::query(
                "INSERT INTO rt_cursors (name, value) SELECT name, value FROM bot_cursors WHERE true
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .execute(&mut **tx)
            .await?;
        }
        if self.table_exists(tx, "bot_events").await? {
            sqlx::query(
                "INSERT INTO rt_events (event_id, received_at) SELECT event_id, received_at FROM bot_events WHERE true
                 ON CONFLICT (event_id) DO NOTHING",
            )
            .execute(&mut **tx)
            .await?;
        }
        for t in [
            "bot_outbox",
            "bot_inbox",
            "bot_conversations",
            "bot_cursors",
        ] {
            if self.table_exists(tx, t).await? {
                let sql = format!("DROP TABLE {t}");
                sqlx::query(AssertSqlSafe(sql)).execute(&mut **tx).await?;
                tracing::info!(table = t, "moved into the runtime's tables");
            }
        }
        Ok(())
    }

    /// Stores received updates in one transaction (a repeat of a stored update is dropped) and,
    /// when `cursor` is given, saves the polling cursor in the same transaction, provided this
    /// instance still holds the poller lease `fence` (`(lease name, owner)`). Returns how many
    /// updates were new, or `None` when the lease was lost (nothing was stored).
    ///
    /// # Errors
    /// [`StoreError`]: nothing was stored; do not acknowledge the updates to the platform.
    pub(crate) async fn accept(
        &self,
        messenger: &str,
        updates: &[Update],
        cursor: Option<(&str, &str)>,
        fence: Option<(&str, &str, i64)>,
    ) -> Result<Option<u64>, StoreError> {
        let mut tx = self.writer.begin().await?;
        if let Some((name, owner, until)) = fence {
            let r =
                sqlx::query("UPDATE rt_leases SET until_ms = $3 WHERE name = $1 AND owner = $2")
                    .bind(name)
                    .bind(owner)
                    .bind(until)
                    .execute(&mut *tx)
                    .await?;
            if r.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        let base = seq_base();
        let now = now_text(Utc::now());
        let mut new = 0;
        for (chunk_no, chunk) in updates.chunks(100).enumerate() {
            let mut chats: Vec<String> = Vec::with_capacity(chunk.len());
            let mut rows = Vec::with_capacity(chunk.len());
            for (i, u) in chunk.iter().enumerate() {
                let payload = serde_json::to_string(u).map_err(|e| StoreError::Corrupt {
                    what: "update",
                    reason: e.to_string(),
                })?;
                let chat_id = u
                    .chat
                    .as_ref()
                    .map(|c| c.id.to_string())
                    .unwrap_or_default();
                if !chats.contains(&chat_id) {
                    chats.push(chat_id.clone());
                }
                let seq = base.saturating_add((chunk_no * 100 + i) as i64);
                rows.push((u.dedup_key.as_str(), chat_id, seq, payload));
            }
            let sql = format!(
                "INSERT INTO rt_inbox (messenger, update_key, chat_id, seq, payload, received_at) VALUES {}
                 ON CONFLICT (messenger, update_key) DO NOTHING",
                placeholders(rows.len(), 6)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (key, chat_id, seq, payload) in rows {
                q = q
                    .bind(messenger)
                    .bind(key)
                    .bind(chat_id)
                    .bind(seq)
                    .bind(payload)
                    .bind(now.clone());
            }
            new += q.execute(&mut *tx).await?.rows_affected();
            let sql = format!(
                "INSERT INTO rt_chats (messenger, chat_id) VALUES {} ON CONFLICT (messenger, chat_id) DO NOTHING",
                placeholders(chats.len(), 2)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for c in chats {
                q = q.bind(messenger).bind(c);
            }
            q.execute(&mut *tx).await?;
        }
        if let Some((name, value)) = cursor {
            sqlx::query(
                "INSERT INTO rt_cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Some(new))
    }

    /// Reads a named cursor (a polling offset).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn cursor(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM rt_cursors WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.writer)
                .await?,
        )
    }

    /// SQLite serves one process: whatever leases an earlier (killed) process left are void, so
    /// a restart takes its chats and the poller over at once instead of after the leases expire.
    /// Does nothing on PostgreSQL, where other live instances may hold them.
    pub(crate) async fn reset_stale_leases(&self, messenger: &str) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let mut tx = self.writer.begin().await?;
        sqlx::query("DELETE FROM rt_leases WHERE name = $1")
            .bind(format!("poller.{messenger}"))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE rt_chats SET owner = NULL, lease_until = 0, dlv_owner = NULL, dlv_until = 0
             WHERE messenger = $1 AND (lease_until > 0 OR dlv_until > 0)",
        )
        .bind(messenger)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes a named cursor (a bot's own bookmarks too, such as the last cheque seen).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn set_cursor(&self, name: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO rt_cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(name)
        .bind(value)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Takes or renews the named lease for `owner` until `until` (ms) when it is free, expired
    /// or already `owner`'s. Returns whether `owner` holds it now.
    pub(crate) async fn try_lease(
        &self,
        name: &str,
        owner: &str,
        now: i64,
        until: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "INSERT INTO rt_leases (name, owner, until_ms) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
             WHERE rt_leases.owner = excluded.owner OR rt_leases.until_ms < $4",
        )
        .bind(name)
        .bind(owner)
        .bind(until)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives up a named lease held by `owner`.
    pub(crate) async fn release_lease(&self, name: &str, owner: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM rt_leases WHERE name = $1 AND owner = $2")
            .bind(name)
            .bind(owner)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Claims up to `limit` chats of `messenger` that have pending updates and no live handling
    /// lease, for `owner` until `until`.
    pub(crate) async fn claim_chats(
        &self,
        messenger: &str,
        owner: &str,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => {
                "UPDATE rt_chats SET owner = $1, lease_until = $2
                 WHERE (messenger, chat_id) IN (
                   SELECT c.messenger, c.chat_id FROM rt_chats c
                   WHERE c.messenger = $3 AND c.lease_until < $4 AND EXISTS (
                     SELECT 1 FROM rt_inbox i WHERE i.messenger = c.messenger AND i.chat_id = c.chat_id
                       AND i.handled_at IS NULL AND i.quarantined_at IS NULL)
                   LIMIT $5 FOR UPDATE SKIP LOCKED)
                 RETURNING chat_id"
            }
            Backend::Sqlite => {
                "UPDATE rt_chats SET owner = $1, lease_until = $2
                 WHERE (messenger, chat_id) IN (
                   SELECT i.messenger, i.chat_id FROM rt_inbox i
                   JOIN rt_chats c ON c.messenger = i.messenger AND c.chat_id = i.chat_id
                   WHERE i.messenger = $3 AND i.handled_at IS NULL AND i.quarantined_at IS NULL
                     AND c.lease_until < $4
                   GROUP BY i.messenger, i.chat_id ORDER BY MIN(i.seq) LIMIT $5)
                 RETURNING chat_id"
            }
        };
        let rows = sqlx::query(sql)
            .bind(owner)
            .bind(until)
            .bind(messenger)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.writer)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// Extends `owner`'s handling lease of a chat. Returns whether it still held it.
    pub(crate) async fn renew_chat(
        &self,
        messenger: &str,
        chat_id: &str,
        owner: &str,
        until: i64,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE rt_chats SET lease_until = $4 WHERE messenger = $1 AND chat_id = $2 AND owner = $3",
        )
        .bind(messenger)
        .bind(chat_id)
        .bind(owner)
        .bind(until)
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Gives up `owner`'s handling lease of a chat.
    pub(crate) async fn release_chat(
        &self,
        messenger: &str,
        chat_id: &str,
        owner: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE rt_chats SET owner = NULL, lease_until = 0 WHERE messenger = $1 AND chat_id = $2 AND owner = $3",
        )
        .bind(messenger)
        .bind(chat_id)
        .bind(owner)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// The chat's stored state and its first `limit` pending updates, oldest first.
    pub(crate) async fn load_chat(
        &self,
        messenger: &str,
        chat_id: &str,
        limit: i64,
    ) -> Result<(Option<String>, Vec<PendingRow>), StoreError> {
        let state: Option<Option<String>> =
            sqlx::query_scalar("SELECT state FROM rt_chats WHERE messenger = $1 AND chat_id = $2")
                .bind(messenger)
                .bind(chat_id)
                .fetch_optional(&self.reader)
                .await?;
        let rows = sqlx::query(
            "SELECT update_key, payload, attempts FROM rt_inbox
             WHERE messenger = $1 AND chat_id = $2 AND handled_at IS NULL AND quarantined_at IS NULL
             ORDER BY seq LIMIT $3",
        )
        .bind(messenger)
        .bind(chat_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        let pending = rows
            .iter()
            .map(|r: &AnyRow| {
                Ok(PendingRow {
                    update_key: r.try_get(0)?,
                    payload: r.try_get(1)?,
                    attempts: r.try_get(2)?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        Ok((state.flatten(), pending))
    }

    /// Counts one failed attempt at an update. Returns the attempts so far.
    pub(crate) async fn count_attempt(
        &self,
        messenger: &str,
        update_key: &str,
        error: &str,
    ) -> Result<i64, StoreError> {
        sqlx::query(
            "UPDATE rt_inbox SET attempts = attempts + 1, last_error = $3 WHERE messenger = $1 AND update_key = $2",
        )
        .bind(messenger)
        .bind(update_key)
        .bind(error)
        .execute(&self.writer)
        .await?;
        Ok(sqlx::query_scalar(
            "SELECT attempts FROM rt_inbox WHERE messenger = $1 AND update_key = $2",
        )
        .bind(messenger)
        .bind(update_key)
        .fetch_optional(&self.writer)
        .await?
        .unwrap_or(0))
    }

    /// Commits completions in one transaction. `Err` when the transaction failed as a whole
    /// (nothing of it was written).
    pub(crate) async fn commit_completions(
        &self,
        jobs: &[Completion],
    ) -> Result<Vec<Completed>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let mut out = Vec::with_capacity(jobs.len());
        let now = now_text(Utc::now());
        for job in jobs {
            out.push(Self::complete_in(&mut tx, job, &now).await?);
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn complete_in(
        tx: &mut Transaction<'_, Any>,
        job: &Completion,
        now: &str,
    ) -> Result<Completed, StoreError> {
        // The fence: only the lease holder may complete (and this locks the chat's row).
        let lease_until = if job.release { 0 } else { job.lease_until };
        let owner = if job.release {
            None
        } else {
            Some(job.owner.as_str())
        };
        let fenced = sqlx::query(
            "UPDATE rt_chats SET lease_until = $4, owner = $5,
               state = COALESCE($6, state), state_at = CASE WHEN $6 IS NULL THEN state_at ELSE $7 END
             WHERE messenger = $1 AND chat_id = $2 AND owner = $3",
        )
        .bind(&job.messenger)
        .bind(&job.chat_id)
        .bind(&job.owner)
        .bind(lease_until)
        .bind(owner)
        .bind(job.state.as_deref())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        if fenced.rows_affected() != 1 {
            return Ok(Completed::LeaseLost);
        }
        let marked =
            match &job.quarantine {
                None => sqlx::query(
                    "UPDATE rt_inbox SET handled_at = $3 WHERE messenger = $1 AND update_key = $2
                 AND handled_at IS NULL AND quarantined_at IS NULL",
                )
                .bind(&job.messenger)
                .bind(&job.update_key)
                .bind(now)
                .execute(&mut **tx)
                .await?,
                Some(reason) => sqlx::query(
                    "UPDATE rt_inbox SET quarantined_at = $3, last_error = $4 WHERE messenger = $1
                 AND update_key = $2 AND handled_at IS NULL AND quarantined_at IS NULL",
                )
                .bind(&job.messenger)
                .bind(&job.update_key)
                .bind(now)
                .bind(reason)
                .execute(&mut **tx)
                .await?,
            };
        if marked.rows_affected() != 1 {
            // Already completed (a repeat): nothing more to write.
            return Ok(Completed::Done);
        }
        for w in &job.writes {
            let mut q = sqlx::query(w.sql);
            for v in &w.args {
                q = bind_value(q, v);
            }
            q.execute(&mut **tx).await?;
        }
        if let Some(chat) = &job.chat
            && !job.replies.is_empty()
        {
            let seq: i64 = sqlx::query_scalar(
                "SELECT seq FROM rt_inbox WHERE messenger = $1 AND update_key = $2",
            )
            .bind(&job.messenger)
            .bind(&job.update_key)
            .fetch_one(&mut **tx)
            .await?;
            insert_outbox(
                tx,
                &job.messenger,
                &job.update_key,
                &job.chat_id,
                chat,
                seq,
                &job.replies,
                now,
            )
            .await?;
        }
        Ok(Completed::Done)
    }

    /// Claims up to `limit` chats of `messenger` with due, unsent messages and no live delivery
    /// lease.
    pub(crate) async fn claim_delivery(
        &self,
        messenger: &str,
        owner: &str,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => {
                "UPDATE rt_chats SET dlv_owner = $1, dlv_until = $2
                 WHERE (messenger, chat_id) IN (
                   SELECT c.messenger, c.chat_id FROM rt_chats c
                   WHERE c.messenger = $3 AND c.dlv_until < $4 AND EXISTS (
                     SELECT 1 FROM rt_outbox o WHERE o.messenger = c.messenger AND o.chat_id = c.chat_id
                       AND o.sent_at IS NULL AND o.not_before <= $4)
                   LIMIT $5 FOR UPDATE SKIP LOCKED)
                 RETURNING chat_id"
            }
            Backend::Sqlite => {
                "UPDATE rt_chats SET dlv_owner = $1, dlv_until = $2
                 WHERE (messenger, chat_id) IN (
                   SELECT o.messenger, o.chat_id FROM rt_outbox o
                   JOIN rt_chats c ON c.messenger = o.messenger AND c.chat_id = o.chat_id
                   WHERE o.messenger = $3 AND o.sent_at IS NULL AND o.not_before <= $4
                     AND c.dlv_until < $4
                   GROUP BY o.messenger, o.chat_id ORDER BY MIN(o.seq) LIMIT $5)
                 RETURNING chat_id"
            }
        };
        let rows = sqlx::query(sql)
            .bind(owner)
            .bind(until)
            .bind(messenger)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.writer)
            .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// The first `limit` unsent messages of a chat, in order.
    pub(crate) async fn load_outbox(
        &self,
        messenger: &str,
        chat_id: &str,
        limit: i64,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT update_key, idx, payload, not_before, attempts FROM rt_outbox
             WHERE messenger = $1 AND chat_id = $2 AND sent_at IS NULL
             ORDER BY seq, update_key, idx LIMIT $3",
        )
        .bind(messenger)
        .bind(chat_id)
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxRow {
                    update_key: r.try_get(0)?,
                    idx: r.try_get(1)?,
                    payload: r.try_get(2)?,
                    not_before: r.try_get(3)?,
                    attempts: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Marks messages sent (or dropped, with an error) in one transaction.
    pub(crate) async fn commit_sent(
        &self,
        messenger: &str,
        marks: &[(String, i64, Option<String>)],
    ) -> Result<(), StoreError> {
        let now = now_text(Utc::now());
        let mut tx = self.writer.begin().await?;
        for (key, idx, error) in marks {
            sqlx::query(
                "UPDATE rt_outbox SET sent_at = $4, error = $5 WHERE messenger = $1 AND update_key = $2 AND idx = $3",
            )
            .bind(messenger)
            .bind(key)
            .bind(*idx)
            .bind(&now)
            .bind(error.as_deref())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Postpones every unsent message of a chat until `not_before` (ms) and gives up the
    /// delivery lease, counting one attempt on the first message.
    pub(crate) async fn postpone_chat(
        &self,
        messenger: &str,
        chat_id: &str,
        owner: &str,
        first: Option<(&str, i64)>,
        not_before: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "UPDATE rt_outbox SET not_before = $3 WHERE messenger = $1 AND chat_id = $2 AND sent_at IS NULL",
        )
        .bind(messenger)
        .bind(chat_id)
        .bind(not_before)
        .execute(&mut *tx)
        .await?;
        if let Some((key, idx)) = first {
            sqlx::query(
                "UPDATE rt_outbox SET attempts = attempts + 1 WHERE messenger = $1 AND update_key = $2 AND idx = $3",
            )
            .bind(messenger)
            .bind(key)
            .bind(idx)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE rt_chats SET dlv_owner = NULL, dlv_until = 0 WHERE messenger = $1 AND chat_id = $2 AND dlv_owner = $3",
        )
        .bind(messenger)
        .bind(chat_id)
        .bind(owner)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Extends or gives up (`until` = 0) `owner`'s delivery lease of a chat.
    pub(crate) async fn set_delivery_lease(
        &self,
        messenger: &str,
        chat_id: &str,
        owner: &str,
        until: i64,
    ) -> Result<bool, StoreError> {
        let new_owner = if until == 0 { None } else { Some(owner) };
        let r = sqlx::query(
            "UPDATE rt_chats SET dlv_owner = $4, dlv_until = $5 WHERE messenger = $1 AND chat_id = $2 AND dlv_owner = $3",
        )
        .bind(messenger)
        .bind(chat_id)
        .bind(owner)
        .bind(new_owner)
        .bind(until)
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Queues a push that no update caused (a purchase notification): claims `event_id` and
    /// queues the messages in one transaction. Returns `false` (and queues nothing) when the
    /// event was queued before.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was claimed or queued; the caller may retry.
    pub async fn enqueue_push(
        &self,
        event_id: &str,
        chat: &ChatRef,
        replies: &[Reply],
    ) -> Result<bool, StoreError> {
        let now = now_text(Utc::now());
        let mut tx = self.writer.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO rt_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
        )
        .bind(event_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        let messenger = chat.messenger.as_str();
        let chat_id = chat.id.to_string();
        ensure_chat(&mut tx, messenger, &chat_id).await?;
        let key = format!("event:{event_id}");
        insert_outbox(
            &mut tx,
            messenger,
            &key,
            &chat_id,
            chat,
            seq_base(),
            replies,
            &now,
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Deletes handled updates, delivered messages and push ids older than `before`.
    /// Quarantined updates and anything pending stay. Returns how many rows went.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let cut = now_text(before);
        let mut tx = self.writer.begin().await?;
        let mut n = sqlx::query("DELETE FROM rt_outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
            .bind(&cut)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        n += sqlx::query(
            "DELETE FROM rt_inbox WHERE handled_at IS NOT NULL AND handled_at < $1
             AND NOT EXISTS (SELECT 1 FROM rt_outbox o WHERE o.messenger = rt_inbox.messenger
                             AND o.update_key = rt_inbox.update_key AND o.sent_at IS NULL)",
        )
        .bind(&cut)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        n += sqlx::query("DELETE FROM rt_events WHERE received_at < $1")
            .bind(&cut)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    /// Counts of updates and messages of `messenger`.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn counts(&self, messenger: &str) -> Result<Counts, StoreError> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM rt_inbox WHERE messenger = $1 AND handled_at IS NULL AND quarantined_at IS NULL),
               (SELECT COUNT(*) FROM rt_inbox WHERE messenger = $1 AND handled_at IS NOT NULL),
               (SELECT COUNT(*) FROM rt_inbox WHERE messenger = $1 AND quarantined_at IS NOT NULL),
               (SELECT COUNT(*) FROM rt_outbox WHERE messenger = $1 AND sent_at IS NULL),
               (SELECT COUNT(*) FROM rt_outbox WHERE messenger = $1 AND sent_at IS NOT NULL)",
        )
        .bind(messenger)
        .fetch_one(&self.writer)
        .await?;
        Ok(Counts {
            pending: row.try_get(0)?,
            handled: row.try_get(1)?,
            quarantined: row.try_get(2)?,
            unsent: row.try_get(3)?,
            sent: row.try_get(4)?,
        })
    }

    /// Whether `messenger` has pending updates, messages due for delivery, or chats still leased
    /// for delivery (a send in progress or waiting a short time).
    pub(crate) async fn busy(&self, messenger: &str, now: i64) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT
               (SELECT COUNT(*) FROM rt_inbox WHERE messenger = $1 AND handled_at IS NULL AND quarantined_at IS NULL)
             + (SELECT COUNT(*) FROM rt_outbox WHERE messenger = $1 AND sent_at IS NULL AND not_before <= $2)
             + (SELECT COUNT(*) FROM rt_chats WHERE messenger = $1 AND (lease_until >= $2 OR dlv_until >= $2))",
        )
        .bind(messenger)
        .bind(now)
        .fetch_one(&self.writer)
        .await?;
        Ok(n > 0)
    }

    /// Pending updates of `messenger` (handling backpressure).
    pub(crate) async fn pending_count(&self, messenger: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM rt_inbox WHERE messenger = $1 AND handled_at IS NULL AND quarantined_at IS NULL",
        )
        .bind(messenger)
        .fetch_one(&self.reader)
        .await?)
    }

    /// Keys of the stored, unhandled updates of `messenger`, oldest first.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn pending(&self, messenger: &str) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT update_key FROM rt_inbox WHERE messenger = $1 AND handled_at IS NULL
             AND quarantined_at IS NULL ORDER BY seq",
        )
        .bind(messenger)
        .fetch_all(&self.writer)
        .await?)
    }

    /// Keys (`update key`, index) of the messages of `messenger` not yet delivered, in order.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn unsent(&self, messenger: &str) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT update_key, idx FROM rt_outbox WHERE messenger = $1 AND sent_at IS NULL
             ORDER BY seq, update_key, idx",
        )
        .bind(messenger)
        .fetch_all(&self.writer)
        .await?)
    }

    /// Quarantined updates of `messenger`.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn quarantined(&self, messenger: &str) -> Result<Vec<Quarantined>, StoreError> {
        let rows = sqlx::query(
            "SELECT messenger, update_key, chat_id, last_error FROM rt_inbox
             WHERE messenger = $1 AND quarantined_at IS NOT NULL ORDER BY seq",
        )
        .bind(messenger)
        .fetch_all(&self.writer)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Quarantined {
                    messenger: r.try_get(0)?,
                    update_key: r.try_get(1)?,
                    chat_id: r.try_get(2)?,
                    reason: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// The stored conversation state of a chat (JSON), if any.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn state(
        &self,
        messenger: &str,
        chat_id: &str,
    ) -> Result<Option<String>, StoreError> {
        let s: Option<Option<String>> =
            sqlx::query_scalar("SELECT state FROM rt_chats WHERE messenger = $1 AND chat_id = $2")
                .bind(messenger)
                .bind(chat_id)
                .fetch_optional(&self.writer)
                .await?;
        Ok(s.flatten())
    }
}

/// Sets up one SQLite connection: the busy timeout, WAL (once, on the writer; it is a property
/// of the file) and `synchronous = NORMAL` (safe in WAL: a power cut may lose the last commits,
/// never corrupt the file).
fn sqlite_pragmas(
    conn: &mut sqlx::AnyConnection,
    busy_ms: i64,
    wal: bool,
) -> futures_util::future::BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        let busy_sql = format!("PRAGMA busy_timeout = {busy_ms}");
        sqlx::query(AssertSqlSafe(busy_sql))
            .execute(&mut *conn)
            .await?;
        if wal {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await?;
        Ok(())
    })
}

async fn record_version(tx: &mut Transaction<'_, Any>, version: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO rt_schema_version (version, applied_at) VALUES ($1, $2)")
        .bind(version)
        .bind(now_text(Utc::now()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn ensure_chat(
    tx: &mut Transaction<'_, Any>,
    messenger: &str,
    chat_id: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rt_chats (messenger, chat_id) VALUES ($1, $2) ON CONFLICT (messenger, chat_id) DO NOTHING",
    )
    .bind(messenger)
    .bind(chat_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_outbox(
    tx: &mut Transaction<'_, Any>,
    messenger: &str,
    update_key: &str,
    chat_id: &str,
    chat: &ChatRef,
    seq: i64,
    replies: &[Reply],
    now: &str,
) -> Result<(), StoreError> {
    if replies.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO rt_outbox (messenger, update_key, idx, chat_id, seq, payload, created_at) VALUES {}
         ON CONFLICT (messenger, update_key, idx) DO NOTHING",
        placeholders(replies.len(), 7)
    );
    let mut q = sqlx::query(AssertSqlSafe(sql));
    for (idx, reply) in replies.iter().enumerate() {
        let payload = serde_json::to_string(&Queued {
            chat: chat.clone(),
            reply: reply.clone(),
        })
        .map_err(|e| StoreError::Corrupt {
            what: "reply",
            reason: e.to_string(),
        })?;
        q = q
            .bind(messenger)
            .bind(update_key)
            .bind(idx as i64)
            .bind(chat_id)
            .bind(seq)
            .bind(payload)
            .bind(now);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Splits a migration file into statements at `;` line ends, dropping `--` comments.
fn split_statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in sql.lines() {
        let line = line.split("--").next().unwrap_or_default();
        if line.trim().is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if line.trim_end().ends_with(';') {
            out.push(cur.trim().trim_end_matches(';').to_owned());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(1, 1), "($1)");
    }

    #[test]
    fn statements_split_at_semicolons() {
        let s = split_statements("-- c\nCREATE TABLE a (x TEXT);\nCREATE INDEX i\n ON a (x);\n");
        assert_eq!(
            s,
            vec!["CREATE TABLE a (x TEXT)", "CREATE INDEX i\n ON a (x)"]
        );
    }
}
