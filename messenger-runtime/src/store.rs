//! The runtime's database: SQLite (an embedded file; WAL, `synchronous=NORMAL`, a busy timeout,
//! one writer connection and a reader pool) or PostgreSQL (one pool), through sqlx's `Any` driver
//! with portable SQL and embedded, versioned migrations.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use messenger_core::ChatRef;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, AssertSqlSafe, Row};

use crate::handler::{Reply, Write};

mod broadcasts;
mod claims;
mod commit;
mod delivery;
mod migrate;
mod sql;
pub(crate) use broadcasts::{BeginCall, ClaimedRecipient, Sent};
pub use broadcasts::{
    BroadcastControl, BroadcastInfo, BroadcastState, BroadcastStatus, JournalEntry, NewBroadcast,
    RecipientStatus, StatusCounts,
};
pub(crate) use claims::{Accepted, ClaimArgs};
pub(crate) use commit::{Completed, Completion, Direct, Finish};
pub use sql::split_statements;

const SET_CURSOR: &str = "INSERT INTO rt_cursors (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value";

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
    /// SQLite: connections that only read (default 2: each is a thread, and reads are short
    /// point lookups). PostgreSQL: the pool size is `readers + 3` (the committer, the poller and
    /// the claim loops write concurrently).
    pub readers: u32,
    /// SQLite: how long a statement waits for a lock before failing (default 5 s).
    pub busy_timeout: Duration,
    /// How long to wait for a free connection (default 10 s).
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            readers: 2,
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
    pub seq: i64,
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
                .after_connect(move |conn, _| sqlite_pragmas(conn, busy, wal, None))
                .connect(&u)
                .await?;
            // An in-memory database exists once per connection: reads go to the writer.
            let reader = if memory {
                writer.clone()
            } else {
                AnyPoolOptions::new()
                    .max_connections(options.readers.max(1))
                    .acquire_timeout(options.acquire_timeout)
                    .after_connect(move |conn, _| {
                        sqlite_pragmas(conn, busy, false, READER_CACHE_KIB)
                    })
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
                .max_connections(options.readers.max(1) + 3)
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
        sqlx::query(SET_CURSOR)
            .bind(name)
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The write of [`Store::set_cursor`], to commit a cursor with other work in one
    /// transaction (the "seen" mark of an event with its pushes, [`Store::enqueue_pushes`]).
    pub fn cursor_write(name: &str, value: &str) -> Write {
        Write::new(SET_CURSOR)
            .bind(name.to_owned())
            .bind(value.to_owned())
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

/// The page cache of an SQLite reader connection (KiB; SQLite's default is 2 000). A reader's
/// cache is emptied whenever another connection commits, which the writer does every few
/// milliseconds under load, so a large one only holds memory.
const READER_CACHE_KIB: Option<i64> = Some(256);

/// Sets up one SQLite connection: the busy timeout, WAL (once, on the writer; it is a property
/// of the file) and `synchronous = NORMAL` (safe in WAL: a power cut may lose the last commits,
/// never corrupt the file).
fn sqlite_pragmas(
    conn: &mut sqlx::AnyConnection,
    busy_ms: i64,
    wal: bool,
    cache_kib: Option<i64>,
) -> futures_util::future::BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        if let Some(kib) = cache_kib {
            let sql = format!("PRAGMA cache_size = -{kib}");
            sqlx::query(AssertSqlSafe(sql)).execute(&mut *conn).await?;
        }
        let busy_sql = format!("PRAGMA busy_timeout = {busy_ms}");
        sqlx::query(AssertSqlSafe(busy_sql))
            .execute(&mut *conn)
            .await?;
        if wal {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&mut *conn)
                .await?;
            // Checkpoint every 4 000 pages (16 MB of WAL) instead of 1 000: the index pages
            // rewritten by every commit are copied back to the file 4 times less often, and
            // the writer waits for the checkpoint's two fsyncs 4 times less often.
            sqlx::query("PRAGMA wal_autocheckpoint = 4000")
                .execute(&mut *conn)
                .await?;
        }
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut *conn)
            .await?;
        // Statement journals and sorts in memory, not in temporary files (a multi-row statement
        // inside a group's transaction otherwise writes a statement journal file).
        sqlx::query("PRAGMA temp_store = MEMORY")
            .execute(&mut *conn)
            .await?;
        Ok(())
    })
}
