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

mod broadcasts;
pub(crate) use broadcasts::{BeginCall, ClaimedRecipient, Sent};
pub use broadcasts::{
    BroadcastControl, BroadcastInfo, BroadcastState, JournalEntry, NewBroadcast, RecipientStatus,
    StatusCounts,
};

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

/// The runtime's migrations, applied in order once each (recorded in `rt_schema_version`).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/0001_runtime.sql")),
    (3, include_str!("../migrations/0003_broadcasts.sql")),
    (4, include_str!("../migrations/0004_receipts.sql")),
    (5, include_str!("../migrations/0005_call_times.sql")),
];

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

/// One completion (or quarantine) of an update, committed by the group committer.
#[derive(Debug)]
pub(crate) struct Completion {
    pub messenger: String,
    pub chat_id: String,
    pub update_key: String,
    /// The update's place in its chat's order (its replies are queued at it).
    pub seq: i64,
    pub chat: Option<ChatRef>,
    pub owner: String,
    pub lease_until: i64,
    pub state: Option<String>,
    pub replies: Vec<Reply>,
    pub writes: Vec<Write>,
    /// `Some(reason)`: quarantine instead of marking handled.
    pub quarantine: Option<String>,
    /// Messages of this chat sent since its last commit, marked sent in the same transaction
    /// (before the delivery lease is checked).
    pub sent: Vec<(String, i64)>,
    /// Ask for the chat's delivery lease, to send the replies right after the commit.
    pub direct: Option<Direct>,
    /// The delivery lease the chat task holds (it sent this update's replies before this
    /// commit): extended with the handling lease while it is still this token's.
    pub hold: Option<String>,
    /// The index of the first of `replies` in the update's replies (those before it were sent
    /// before the commit and are not queued).
    pub reply_base: i64,
}

impl Completion {
    /// The fence's delivery-lease request: (token, previous token, until, now), all empty when
    /// this completion asks for none (no [`Completion::direct`], or no reply to send).
    fn delivery_request(&self) -> (Option<&str>, Option<&str>, i64, i64) {
        match &self.direct {
            Some(d) if self.chat.is_some() && !self.replies.is_empty() => {
                (Some(d.token.as_str()), d.prev.as_deref(), d.until, d.now)
            }
            _ => (None, None, 0, 0),
        }
    }

    /// Whether the chat task may send its chat's messages itself after this commit, the chat's
    /// delivery lease being `owner`'s: granted to the request, or still the one it holds.
    fn delivers(&self, owner: Option<&str>) -> bool {
        match (self.delivery_request().0, self.hold.as_deref()) {
            (Some(t), _) | (None, Some(t)) => owner == Some(t),
            (None, None) => false,
        }
    }
}

/// A request for a chat's delivery lease made with a completion: granted when the lease is free
/// (or already held by `prev`, the same chat task) and the chat has no older unsent message.
#[derive(Debug, Clone)]
pub(crate) struct Direct {
    /// The lease owner this completion writes (unique per completion).
    pub token: String,
    /// The token the chat task held before, if any.
    pub prev: Option<String>,
    pub until: i64,
    pub now: i64,
}

/// What became of a completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completed {
    /// Committed; the replies wait for the delivery scheduler.
    Done,
    /// Committed, and the chat's delivery lease was granted to [`Completion::direct`] (or is
    /// still [`Completion::hold`]'s): the committer's caller sends the replies itself.
    Direct,
    /// Another instance holds the chat now (this one's lease expired): nothing was written.
    LeaseLost,
}

/// The end of a chat task's turn: messages it sent that are not marked yet, and the leases it
/// gives up.
#[derive(Debug)]
pub(crate) struct Finish {
    pub messenger: String,
    pub chat_id: String,
    pub owner: String,
    /// Sent (`None`) or dropped (`Some(error)`) messages.
    pub sent: Vec<(String, i64, Option<String>)>,
    /// Writes committed with the marks (the handler's `on_delivered`).
    pub writes: Vec<Write>,
    /// Give up the handling lease.
    pub release_chat: bool,
    /// Give up the delivery lease held under this token.
    pub release_delivery: Option<String>,
    /// Postpone the chat's unsent messages until then (ms; a chat-scoped "too many requests").
    pub postpone: Option<i64>,
}

/// What an [`Store::accept`] stored and claimed.
#[derive(Debug, Default)]
pub(crate) struct Accepted {
    /// Updates that were new (not repeats), as (index in the batch, seq).
    pub fresh: Vec<(usize, i64)>,
    /// Chats claimed in the same transaction.
    pub claimed: Vec<Claimed>,
}

/// A chat claimed while its updates were stored.
#[derive(Debug)]
pub(crate) struct Claimed {
    pub chat_id: String,
    pub state: Option<String>,
    /// The chat's delivery lease came with the claim ([`ClaimArgs::token`]).
    pub delivery: bool,
    /// Its only pending updates are the ones of this batch (none older waits in the inbox).
    pub only_fresh: bool,
}

/// Claim chats while storing a batch: for `owner` until `until` (ms), those whose lease expired
/// before `now`, at most `max`, skipping `busy` ones (already handled in this process).
pub(crate) struct ClaimArgs<'a> {
    pub owner: &'a str,
    /// The delivery-lease token of the claimed chats' tasks (see `delivery_grant!`).
    pub token: &'a str,
    pub now: i64,
    pub until: i64,
    pub max: usize,
    pub busy: &'a (dyn Fn(&str) -> bool + Sync),
}

/// The assignments of a chat claim (`$2` the lease's end, `$4` now, `$5` the token) that also
/// give the chat's delivery lease to the claiming task when nobody holds it and nothing waits
/// unsent in the chat: the task may then send its replies before their completion commits, in
/// order, with nobody else sending to the chat. (Portable: SQL `CASE`; the `SET` expressions see
/// the row as it was on SQLite and PostgreSQL alike.)
macro_rules! delivery_grant {
    () => {
        "dlv_owner = CASE WHEN dlv_until < $4 AND NOT EXISTS (
       SELECT 1 FROM rt_outbox o WHERE o.messenger = rt_chats.messenger
         AND o.chat_id = rt_chats.chat_id AND o.sent_at IS NULL)
     THEN $5 ELSE dlv_owner END,
   dlv_until = CASE WHEN dlv_until < $4 AND NOT EXISTS (
       SELECT 1 FROM rt_outbox o WHERE o.messenger = rt_chats.messenger
         AND o.chat_id = rt_chats.chat_id AND o.sent_at IS NULL)
     THEN $2 ELSE dlv_until END"
    };
}

/// Bound values per merged statement, at most. SQLite looks a `$n` placeholder up by a linear
/// walk of the statement's parameter list, when it prepares the statement and again when sqlx
/// binds each value, so a statement with `n` placeholders costs O(n²); [`merged`] gives SQLite
/// plain `?` placeholders instead (bound in order, no lookup), so merging is linear and each
/// statement saves a round trip to the database thread. Under SQLite's old default limit of
/// 999 variables.
const MAX_BOUND: usize = 960;

/// A merged statement of a size that varies, for `conn`'s backend: on SQLite its `$n`
/// placeholders become `?` when they run 1, 2, 3… through the text ([`positional`]); as written
/// otherwise. Not kept in the connection's statement cache (a statement per row count would
/// fill it, and memory with it).
fn merged<'q>(
    conn: &sqlx::AnyConnection,
    sql: String,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let sql = if conn.backend_name() == "SQLite" {
        positional(&sql).unwrap_or(sql)
    } else {
        sql
    };
    sqlx::query(AssertSqlSafe(sql)).persistent(false)
}

/// `sql` with its `$1, $2, …` placeholders as `?`, when each appears once and in order (quoted
/// text skipped); `None` otherwise.
fn positional(sql: &str) -> Option<String> {
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut next, mut last, mut i, mut quoted) = (1usize, 0usize, 0usize, false);
    while i < b.len() {
        match b[i] {
            b'\'' => quoted = !quoted,
            b'$' if !quoted => {
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                if digits > 0 {
                    let n: usize = sql[i + 1..i + 1 + digits].parse().ok()?;
                    if n != next {
                        return None;
                    }
                    next += 1;
                    out.push_str(&sql[last..i]);
                    out.push('?');
                    i += 1 + digits;
                    last = i;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&sql[last..]);
    Some(out)
}

/// Rows of `per_row` values each in one merged statement (at least one).
fn rows_for(per_row: usize) -> usize {
    (MAX_BOUND / per_row.max(1)).max(1)
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

/// `$from, $from+1, …` (`n` placeholders).
/// `items` in groups of equal `key`, each group in the items' order, groups in order of first
/// appearance.
fn grouped<'a, T, K: PartialEq + Copy>(
    items: &'a [T],
    key: impl Fn(&T) -> K,
) -> Vec<(K, Vec<&'a T>)> {
    let mut out: Vec<(K, Vec<&'a T>)> = Vec::new();
    for item in items {
        let k = key(item);
        match out.iter_mut().find(|(g, _)| *g == k) {
            Some((_, v)) => v.push(item),
            None => out.push((k, vec![item])),
        }
    }
    out
}

/// `($from, $from+1), …`: `n` tuples of `cols` placeholders each.
fn tuples(from: usize, n: usize, cols: usize) -> String {
    (0..n)
        .map(|r| format!("({})", list(from + r * cols, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list(from: usize, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('$');
        s.push_str(&(from + i).to_string());
    }
    s
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
    /// instance still holds the poller lease `fence` (`(lease name, owner)`). With `claim`, the
    /// chats of the new updates are claimed in the same transaction (see [`ClaimArgs`]), so the
    /// caller can hand them to their handlers straight from memory. Returns what was stored, or
    /// `None` when the lease was lost (nothing was stored).
    ///
    /// # Errors
    /// [`StoreError`]: nothing was stored; do not acknowledge the updates to the platform.
    pub(crate) async fn accept(
        &self,
        messenger: &str,
        updates: &[Update],
        cursor: Option<(&str, &str)>,
        fence: Option<(&str, &str, i64)>,
        claim: Option<ClaimArgs<'_>>,
    ) -> Result<Option<Accepted>, StoreError> {
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
        let mut out = Accepted::default();
        let mut fresh_chats: Vec<(String, usize)> = Vec::new();
        for (chunk_no, chunk) in updates.chunks(rows_for(6)).enumerate() {
            let mut chats: Vec<&str> = Vec::with_capacity(chunk.len());
            let mut rows = Vec::with_capacity(chunk.len());
            let mut ids: Vec<String> = Vec::with_capacity(chunk.len());
            for u in chunk {
                ids.push(
                    u.chat
                        .as_ref()
                        .map(|c| c.id.to_string())
                        .unwrap_or_default(),
                );
            }
            for (i, u) in chunk.iter().enumerate() {
                let payload = serde_json::to_string(u).map_err(|e| StoreError::Corrupt {
                    what: "update",
                    reason: e.to_string(),
                })?;
                let chat_id = ids[i].as_str();
                if !chats.contains(&chat_id) {
                    chats.push(chat_id);
                }
                let seq = base.saturating_add((chunk_no * rows_for(6) + i) as i64);
                rows.push((u.dedup_key.as_str(), chat_id, seq, payload));
            }
            let sql = format!(
                "INSERT INTO rt_inbox (messenger, update_key, chat_id, seq, payload, received_at) VALUES {}
                 ON CONFLICT (messenger, update_key) DO NOTHING RETURNING update_key",
                placeholders(rows.len(), 6)
            );
            let mut q = merged(&tx, sql);
            for (key, chat_id, seq, payload) in rows {
                q = q
                    .bind(messenger)
                    .bind(key)
                    .bind(chat_id)
                    .bind(seq)
                    .bind(payload)
                    .bind(now.clone());
            }
            let inserted = q.fetch_all(&mut *tx).await?;
            let mut keys: Vec<String> = Vec::with_capacity(inserted.len());
            for r in &inserted {
                keys.push(r.try_get::<String, _>(0)?);
            }
            for (i, u) in chunk.iter().enumerate() {
                if keys.contains(&u.dedup_key) {
                    let at = chunk_no * rows_for(6) + i;
                    out.fresh.push((at, base.saturating_add(at as i64)));
                    match fresh_chats.iter_mut().find(|(c, _)| *c == ids[i]) {
                        Some((_, n)) => *n += 1,
                        None => fresh_chats.push((ids[i].clone(), 1)),
                    }
                }
            }
            let sql = format!(
                "INSERT INTO rt_chats (messenger, chat_id) VALUES {} ON CONFLICT (messenger, chat_id) DO NOTHING",
                placeholders(chats.len(), 2)
            );
            let mut q = merged(&tx, sql);
            for c in chats {
                q = q.bind(messenger).bind(c);
            }
            q.execute(&mut *tx).await?;
        }
        if let Some(c) = claim {
            let wanted: Vec<&(String, usize)> = fresh_chats
                .iter()
                .filter(|(id, _)| !(c.busy)(id))
                .take(c.max)
                .collect();
            if !wanted.is_empty() {
                let sql = format!(
                    "UPDATE rt_chats SET owner = $1, lease_until = $2, {}
                     WHERE messenger = $3 AND lease_until < $4 AND chat_id IN ({})
                     RETURNING chat_id, state, dlv_owner",
                    delivery_grant!(),
                    list(6, wanted.len())
                );
                let mut q = merged(&tx, sql)
                    .bind(c.owner)
                    .bind(c.until)
                    .bind(messenger)
                    .bind(c.now)
                    .bind(c.token);
                for (id, _) in &wanted {
                    q = q.bind(id.as_str());
                }
                let rows = q.fetch_all(&mut *tx).await?;
                let mut claimed = Vec::with_capacity(rows.len());
                for r in &rows {
                    claimed.push((
                        r.try_get::<String, _>(0)?,
                        r.try_get::<Option<String>, _>(1)?,
                        r.try_get::<Option<String>, _>(2)?.as_deref() == Some(c.token),
                    ));
                }
                if !claimed.is_empty() {
                    // Chats with older pending updates start from the inbox, in order.
                    let sql = format!(
                        "SELECT chat_id, COUNT(*) FROM rt_inbox WHERE messenger = $1 AND chat_id IN ({})
                         AND handled_at IS NULL AND quarantined_at IS NULL GROUP BY chat_id",
                        list(2, claimed.len())
                    );
                    let mut q = merged(&tx, sql).bind(messenger);
                    for (id, _, _) in &claimed {
                        q = q.bind(id.as_str());
                    }
                    let counts = q.fetch_all(&mut *tx).await?;
                    let mut pending: Vec<(String, i64)> = Vec::with_capacity(counts.len());
                    for r in &counts {
                        pending.push((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?));
                    }
                    for (chat_id, state, delivery) in claimed {
                        let fresh = wanted
                            .iter()
                            .find(|(id, _)| *id == chat_id)
                            .map_or(0, |(_, n)| *n as i64);
                        let stored = pending
                            .iter()
                            .find(|(id, _)| *id == chat_id)
                            .map_or(0, |(_, n)| *n);
                        out.claimed.push(Claimed {
                            only_fresh: stored == fresh,
                            chat_id,
                            state,
                            delivery,
                        });
                    }
                }
            }
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
        Ok(Some(out))
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

    /// Claims up to `limit` chats of `messenger` that have pending updates and no live handling
    /// lease, for `owner` until `until`, each with its delivery lease for `token` when that is
    /// free (see `delivery_grant!`). Returns the chats and whether each got its delivery lease.
    pub(crate) async fn claim_chats(
        &self,
        messenger: &str,
        owner: &str,
        now: i64,
        until: i64,
        token: &str,
        limit: i64,
    ) -> Result<Vec<(String, bool)>, StoreError> {
        let sql = match self.backend {
            Backend::Postgres => concat!(
                "UPDATE rt_chats SET owner = $1, lease_until = $2, ",
                delivery_grant!(),
                " WHERE (messenger, chat_id) IN (
                   SELECT c.messenger, c.chat_id FROM rt_chats c
                   WHERE c.messenger = $3 AND c.lease_until < $4 AND EXISTS (
                     SELECT 1 FROM rt_inbox i WHERE i.messenger = c.messenger AND i.chat_id = c.chat_id
                       AND i.handled_at IS NULL AND i.quarantined_at IS NULL)
                   LIMIT $6 FOR UPDATE SKIP LOCKED)
                 RETURNING chat_id, dlv_owner"
            ),
            Backend::Sqlite => concat!(
                "UPDATE rt_chats SET owner = $1, lease_until = $2, ",
                delivery_grant!(),
                " WHERE (messenger, chat_id) IN (
                   SELECT i.messenger, i.chat_id FROM rt_inbox i
                   JOIN rt_chats c ON c.messenger = i.messenger AND c.chat_id = i.chat_id
                   WHERE i.messenger = $3 AND i.handled_at IS NULL AND i.quarantined_at IS NULL
                     AND c.lease_until < $4
                   GROUP BY i.messenger, i.chat_id ORDER BY MIN(i.seq) LIMIT $6)
                 RETURNING chat_id, dlv_owner"
            ),
        };
        self.claim_chat_ids(sql, owner, until, messenger, now, Some(token), limit)
            .await
    }

    /// Runs a claim of chats (`$1` owner, `$2` until, `$3` messenger, `$4` now, then `$5` the
    /// delivery token when there is one, and the limit; the claimed chat ids returned, with
    /// `dlv_owner` after them when there is a token) on the writer. Returns each claimed chat
    /// and whether its delivery lease is now `token`'s.
    #[allow(clippy::too_many_arguments)]
    async fn claim_chat_ids(
        &self,
        sql: &'static str,
        owner: &str,
        until: i64,
        messenger: &str,
        now: i64,
        token: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(String, bool)>, StoreError> {
        let mut q = sqlx::query(sql)
            .bind(owner)
            .bind(until)
            .bind(messenger)
            .bind(now);
        if let Some(t) = token {
            q = q.bind(t);
        }
        let rows = q.bind(limit).fetch_all(&self.writer).await?;
        rows.iter()
            .map(|r| {
                let delivery = match token {
                    Some(t) => r.try_get::<Option<String>, _>(1)?.as_deref() == Some(t),
                    None => false,
                };
                Ok((r.try_get::<String, _>(0)?, delivery))
            })
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
            "SELECT update_key, seq, payload, attempts FROM rt_inbox
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
                    seq: r.try_get(1)?,
                    payload: r.try_get(2)?,
                    attempts: r.try_get(3)?,
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

    /// Commits completions and chat tasks' ends in one transaction. `Err` when the transaction
    /// failed as a whole (nothing of it was written).
    ///
    /// What the group shares is merged into few statements (the "sent" marks, the "handled"
    /// marks, the outbox rows, the lease releases and [`Write::append`] rows), so a group of
    /// completions costs a handful of statements plus one fence (and the writes) per update.
    pub(crate) async fn commit_completions(
        &self,
        jobs: &[Completion],
        finishes: &[Finish],
    ) -> Result<Vec<Completed>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let now = now_text(Utc::now());
        let mut appends: Vec<&Write> = Vec::new();
        // 1. Messages sent since the chats' last commits (before any delivery lease is checked).
        let mut sent: Vec<(&str, &str, i64)> = Vec::new();
        for j in jobs {
            sent.extend(
                j.sent
                    .iter()
                    .map(|(k, i)| (j.messenger.as_str(), k.as_str(), *i)),
            );
        }
        for f in finishes {
            for (k, i, error) in &f.sent {
                match error {
                    None => sent.push((f.messenger.as_str(), k.as_str(), *i)),
                    Some(e) => {
                        Self::mark_sent_in(&mut tx, &f.messenger, k, *i, Some(e), &now).await?
                    }
                }
            }
        }
        // Indexed forms only: SQLite scans the whole table for a row-value `IN` list, so the
        // primary key's leading columns are given as `=` and a plain `IN` list.
        for (m, rows) in grouped(&sent, |r| r.0) {
            for chunk in rows.chunks(rows_for(3)) {
                let n = chunk.len();
                let sql = format!(
                    "UPDATE rt_outbox SET sent_at = $1 WHERE messenger = $2 AND update_key IN ({})
                     AND (update_key, idx) IN ({})",
                    list(3, n),
                    tuples(3 + n, n, 2)
                );
                let mut q = merged(&tx, sql).bind(&now).bind(m);
                for (_, k, _) in chunk {
                    q = q.bind(*k);
                }
                for (_, k, i) in chunk {
                    q = q.bind(*k).bind(*i);
                }
                q.execute(&mut *tx).await?;
            }
        }
        // 2. The fences: one merged statement for the group (one completion per chat), each
        // row checked and updated as its own fence would.
        let fenced = Self::fences_in(&mut tx, jobs, &now).await?;
        let mut out = Vec::with_capacity(jobs.len());
        let mut granted = Vec::with_capacity(jobs.len());
        for f in fenced {
            match f {
                None => {
                    out.push(Completed::LeaseLost);
                    granted.push(false);
                }
                Some(g) => {
                    out.push(Completed::Done);
                    granted.push(g);
                }
            }
        }
        // 3. "Handled" marks, merged; quarantines one by one. A repeat (already completed) writes
        // nothing more.
        let mut marked = vec![false; jobs.len()];
        let handled: Vec<usize> = (0..jobs.len())
            .filter(|&i| out[i] != Completed::LeaseLost && jobs[i].quarantine.is_none())
            .collect();
        for (m, idx) in grouped(&handled, |&i| jobs[i].messenger.as_str()) {
            for chunk in idx.chunks(rows_for(1)) {
                let sql = format!(
                    "UPDATE rt_inbox SET handled_at = $1 WHERE messenger = $2 AND update_key IN ({})
                     AND handled_at IS NULL AND quarantined_at IS NULL RETURNING messenger, update_key",
                    list(3, chunk.len())
                );
                let mut q = merged(&tx, sql).bind(&now).bind(m);
                for &&i in chunk {
                    q = q.bind(&jobs[i].update_key);
                }
                let rows = q.fetch_all(&mut *tx).await?;
                for r in &rows {
                    let m: String = r.try_get(0)?;
                    let k: String = r.try_get(1)?;
                    if let Some(&&i) = chunk
                        .iter()
                        .find(|&&&i| jobs[i].messenger == m && jobs[i].update_key == k)
                    {
                        marked[i] = true;
                    }
                }
            }
        }
        // 4a. The `chat_upsert` writes that lead the handled completions' writes (a user
        // record), merged per statement: rows of different chats never conflict.
        let mut skip = vec![0usize; jobs.len()];
        let mut keyed: Vec<(&'static str, Vec<&Write>)> = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            if !marked[i] || job.quarantine.is_some() {
                continue;
            }
            let n = job.writes.iter().take_while(|w| w.keyed).count();
            skip[i] = n;
            for w in &job.writes[..n] {
                match keyed
                    .iter_mut()
                    .find(|(s, _)| std::ptr::eq(*s, w.sql) || *s == w.sql)
                {
                    Some((_, v)) => v.push(w),
                    None => keyed.push((w.sql, vec![w])),
                }
            }
        }
        for (_, ws) in keyed {
            for chunk in ws.chunks(rows_for(ws[0].args.len())) {
                exec_keyed(&mut tx, chunk).await?;
            }
        }
        for (i, job) in jobs.iter().enumerate() {
            if out[i] == Completed::LeaseLost {
                continue;
            }
            if let Some(reason) = &job.quarantine {
                let r = sqlx::query(
                    "UPDATE rt_inbox SET quarantined_at = $3, last_error = $4 WHERE messenger = $1
                     AND update_key = $2 AND handled_at IS NULL AND quarantined_at IS NULL",
                )
                .bind(&job.messenger)
                .bind(&job.update_key)
                .bind(&now)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
                marked[i] = r.rows_affected() == 1;
            }
            if !marked[i] {
                if granted[i] && job.delivery_request().0.is_none() {
                    // A lease the task held before this completion: still its own.
                    out[i] = Completed::Direct;
                } else if granted[i]
                    && let Some(d) = &job.direct
                {
                    sqlx::query(
                        "UPDATE rt_chats SET dlv_owner = NULL, dlv_until = 0 WHERE messenger = $1 AND chat_id = $2 AND dlv_owner = $3",
                    )
                    .bind(&job.messenger)
                    .bind(&job.chat_id)
                    .bind(&d.token)
                    .execute(&mut *tx)
                    .await?;
                }
                continue;
            }
            // 4. The handler's writes, in order; `append` rows merged at the end.
            for w in &job.writes[skip[i]..] {
                if w.append {
                    appends.push(w);
                } else {
                    exec_write(&mut tx, w).await?;
                }
            }
            if granted[i] {
                out[i] = Completed::Direct;
            }
        }
        // 5. The replies, merged.
        let mut rows: Vec<(&Completion, i64, String)> = Vec::new();
        for (i, job) in jobs.iter().enumerate() {
            if !marked[i] {
                continue;
            }
            if let Some(chat) = &job.chat {
                for (idx, reply) in job.replies.iter().enumerate() {
                    let payload =
                        serde_json::to_string(&QueuedRef { chat, reply }).map_err(|e| {
                            StoreError::Corrupt {
                                what: "reply",
                                reason: e.to_string(),
                            }
                        })?;
                    rows.push((job, job.reply_base + idx as i64, payload));
                }
            }
        }
        for chunk in rows.chunks(rows_for(7)) {
            let sql = format!(
                "INSERT INTO rt_outbox (messenger, update_key, idx, chat_id, seq, payload, created_at) VALUES {}
                 ON CONFLICT (messenger, update_key, idx) DO NOTHING",
                placeholders(chunk.len(), 7)
            );
            let mut q = merged(&tx, sql);
            for (job, idx, payload) in chunk {
                q = q
                    .bind(&job.messenger)
                    .bind(&job.update_key)
                    .bind(*idx)
                    .bind(&job.chat_id)
                    .bind(job.seq)
                    .bind(payload.as_str())
                    .bind(&now);
            }
            q.execute(&mut *tx).await?;
        }
        // 6. The chat tasks' ends: writes, postponements, lease releases (merged).
        let mut releases: Vec<&Finish> = Vec::new();
        let mut tokens: Vec<(&str, &str, &str)> = Vec::new();
        for f in finishes {
            for w in &f.writes {
                if w.append {
                    appends.push(w);
                } else {
                    exec_write(&mut tx, w).await?;
                }
            }
            if let Some(until) = f.postpone {
                sqlx::query(
                    "UPDATE rt_outbox SET not_before = $3 WHERE messenger = $1 AND chat_id = $2 AND sent_at IS NULL",
                )
                .bind(&f.messenger)
                .bind(&f.chat_id)
                .bind(until)
                .execute(&mut *tx)
                .await?;
            }
            if f.release_chat {
                releases.push(f);
            }
            if let Some(t) = &f.release_delivery {
                tokens.push((f.messenger.as_str(), f.chat_id.as_str(), t.as_str()));
            }
        }
        // Primary-key lookups (messenger, then a plain `IN` list of chats), the holder checked
        // per row: a row-value `IN` list alone is a whole-table scan in SQLite.
        let releases: Vec<(&str, &str, &str)> = releases
            .iter()
            .map(|f| (f.messenger.as_str(), f.chat_id.as_str(), f.owner.as_str()))
            .collect();
        for (column, until, rows) in [
            ("owner", "lease_until", &releases),
            ("dlv_owner", "dlv_until", &tokens),
        ] {
            for (m, group) in grouped(rows, |r| r.0) {
                for chunk in group.chunks(rows_for(3)) {
                    let n = chunk.len();
                    let sql = format!(
                        "UPDATE rt_chats SET {column} = NULL, {until} = 0
                         WHERE messenger = $1 AND chat_id IN ({}) AND (chat_id, {column}) IN ({})",
                        list(2, n),
                        tuples(2 + n, n, 2)
                    );
                    let mut q = merged(&tx, sql).bind(m);
                    for (_, c, _) in chunk {
                        q = q.bind(*c);
                    }
                    for (_, c, holder) in chunk {
                        q = q.bind(*c).bind(*holder);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
        }
        // 7. `append` rows: one statement per distinct statement.
        let mut by_sql: Vec<(&'static str, Vec<&Write>)> = Vec::new();
        for w in appends {
            match by_sql
                .iter_mut()
                .find(|(s, _)| std::ptr::eq(*s, w.sql) || *s == w.sql)
            {
                Some((_, v)) => v.push(w),
                None => by_sql.push((w.sql, vec![w])),
            }
        }
        for (_, ws) in by_sql {
            for chunk in ws.chunks(rows_for(ws[0].args.len())) {
                exec_appends(&mut tx, chunk).await?;
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    async fn mark_sent_in(
        tx: &mut Transaction<'_, Any>,
        messenger: &str,
        key: &str,
        idx: i64,
        error: Option<&str>,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE rt_outbox SET sent_at = $4, error = $5 WHERE messenger = $1 AND update_key = $2 AND idx = $3",
        )
        .bind(messenger)
        .bind(key)
        .bind(idx)
        .bind(now)
        .bind(error)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// The fences of a group's completions (see [`Store::fence_in`]) in one
    /// `UPDATE rt_chats … FROM (VALUES …)` (portable: SQLite ≥ 3.33 and PostgreSQL; the VALUES
    /// columns are `column1…` on both). A group with two completions of one chat (never made by
    /// the runtime) or of one job falls back to one statement per completion.
    async fn fences_in(
        tx: &mut Transaction<'_, Any>,
        jobs: &[Completion],
        now: &str,
    ) -> Result<Vec<Option<bool>>, StoreError> {
        let distinct = {
            let mut seen = std::collections::HashSet::with_capacity(jobs.len());
            jobs.iter()
                .all(|j| seen.insert((j.messenger.as_str(), j.chat_id.as_str())))
        };
        if jobs.len() < 2 || !distinct {
            let mut out = Vec::with_capacity(jobs.len());
            for job in jobs {
                out.push(Self::fence_in(tx, job, now).await?);
            }
            return Ok(out);
        }
        let mut out = vec![None; jobs.len()];
        for (c, chunk) in jobs.chunks(rows_for(10)).enumerate() {
            let mut sql = String::from(
                "UPDATE rt_chats SET lease_until = v.column4, owner = v.column3,
                   state = COALESCE(v.column5, rt_chats.state),
                   state_at = CASE WHEN v.column5 IS NULL THEN rt_chats.state_at ELSE $1 END,
                   dlv_owner = CASE WHEN v.column6 IS NOT NULL
                       AND (rt_chats.dlv_until < v.column9 OR rt_chats.dlv_owner = v.column7)
                       AND NOT EXISTS (SELECT 1 FROM rt_outbox o WHERE o.messenger = v.column1
                                       AND o.chat_id = v.column2 AND o.sent_at IS NULL)
                     THEN v.column6 ELSE rt_chats.dlv_owner END,
                   dlv_until = CASE WHEN v.column6 IS NOT NULL
                       AND (rt_chats.dlv_until < v.column9 OR rt_chats.dlv_owner = v.column7)
                       AND NOT EXISTS (SELECT 1 FROM rt_outbox o WHERE o.messenger = v.column1
                                       AND o.chat_id = v.column2 AND o.sent_at IS NULL)
                     THEN v.column8
                     WHEN rt_chats.dlv_owner = v.column10 THEN v.column4
                     ELSE rt_chats.dlv_until END
                 FROM (VALUES ",
            );
            for r in 0..chunk.len() {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&list(2 + r * 10, 10));
                sql.push(')');
            }
            sql.push_str(
                ") AS v
                 WHERE rt_chats.messenger = v.column1 AND rt_chats.chat_id = v.column2
                   AND rt_chats.owner = v.column3
                 RETURNING messenger, chat_id, dlv_owner",
            );
            let mut q = merged(tx, sql).bind(now);
            for job in chunk {
                let (token, prev, dlv_until, dlv_now) = job.delivery_request();
                q = q
                    .bind(&job.messenger)
                    .bind(&job.chat_id)
                    .bind(&job.owner)
                    .bind(job.lease_until)
                    .bind(job.state.as_deref())
                    .bind(token)
                    .bind(prev)
                    .bind(dlv_until)
                    .bind(dlv_now)
                    .bind(job.hold.as_deref());
            }
            let rows = q.fetch_all(&mut **tx).await?;
            let base = c * rows_for(10);
            let at: std::collections::HashMap<(&str, &str), usize> = chunk
                .iter()
                .enumerate()
                .map(|(i, j)| ((j.messenger.as_str(), j.chat_id.as_str()), i))
                .collect();
            for r in &rows {
                let m: String = r.try_get(0)?;
                let chat: String = r.try_get(1)?;
                let owner: Option<String> = r.try_get(2)?;
                let Some(&i) = at.get(&(m.as_str(), chat.as_str())) else {
                    continue;
                };
                out[base + i] = Some(chunk[i].delivers(owner.as_deref()));
            }
        }
        Ok(out)
    }

    /// The fence of one completion: only the lease holder may complete (and this locks the
    /// chat's row); it stores the new state. With `direct`, the delivery lease is taken too when
    /// it is free (or this chat task's) and nothing older waits for delivery in the chat, so the
    /// replies can go out at once in order. `None` when the lease was lost; else whether the
    /// delivery lease was granted.
    async fn fence_in(
        tx: &mut Transaction<'_, Any>,
        job: &Completion,
        now: &str,
    ) -> Result<Option<bool>, StoreError> {
        let (token, prev, dlv_until, dlv_now) = job.delivery_request();
        let row = sqlx::query(
            "UPDATE rt_chats SET lease_until = $4, owner = $3,
               state = COALESCE($5, state), state_at = CASE WHEN $5 IS NULL THEN state_at ELSE $6 END,
               dlv_owner = CASE WHEN $7 IS NOT NULL AND (dlv_until < $10 OR dlv_owner = $8)
                   AND NOT EXISTS (SELECT 1 FROM rt_outbox o WHERE o.messenger = $1
                                   AND o.chat_id = $2 AND o.sent_at IS NULL)
                 THEN $7 ELSE dlv_owner END,
               dlv_until = CASE WHEN $7 IS NOT NULL AND (dlv_until < $10 OR dlv_owner = $8)
                   AND NOT EXISTS (SELECT 1 FROM rt_outbox o WHERE o.messenger = $1
                                   AND o.chat_id = $2 AND o.sent_at IS NULL)
                 THEN $9
                 WHEN dlv_owner = $11 THEN $4
                 ELSE dlv_until END
             WHERE messenger = $1 AND chat_id = $2 AND owner = $3
             RETURNING dlv_owner",
        )
        .bind(&job.messenger)
        .bind(&job.chat_id)
        .bind(&job.owner)
        .bind(job.lease_until)
        .bind(job.state.as_deref())
        .bind(now)
        .bind(token)
        .bind(prev)
        .bind(dlv_until)
        .bind(dlv_now)
        .bind(job.hold.as_deref())
        .fetch_optional(&mut **tx)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(
            job.delivers(row.try_get::<Option<String>, _>(0)?.as_deref()),
        ))
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
        let rows = self
            .claim_chat_ids(sql, owner, until, messenger, now, None, limit)
            .await?;
        Ok(rows.into_iter().map(|(chat, _)| chat).collect())
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
        if !claim_event(&mut tx, event_id, &now).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        let key = format!("event:{event_id}");
        queue_push(&mut tx, &key, chat, replies, &now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Queues one event's pushes to several chats (a purchase of a customer linked to chats in
    /// several messengers): claims `event_id`, queues every chat's messages and runs `writes`
    /// (the caller's own bookkeeping, such as a "seen" cursor), all in one transaction. Returns
    /// `false` (and queues and writes nothing) when the event was queued before.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was claimed, queued or written; the caller may retry.
    pub async fn enqueue_pushes(
        &self,
        event_id: &str,
        pushes: &[(ChatRef, Vec<Reply>)],
        writes: &[Write],
    ) -> Result<bool, StoreError> {
        let now = now_text(Utc::now());
        let mut tx = self.writer.begin().await?;
        if !claim_event(&mut tx, event_id, &now).await? {
            tx.rollback().await?;
            return Ok(false);
        }
        for (chat, replies) in pushes {
            let key = format!("event:{event_id}:{}", chat.id);
            queue_push(&mut tx, &key, chat, replies, &now).await?;
        }
        for w in writes {
            let mut q = sqlx::query(w.sql);
            for v in &w.args {
                q = bind_value(q, v);
            }
            q.execute(&mut *tx).await?;
        }
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

async fn record_version(tx: &mut Transaction<'_, Any>, version: i64) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO rt_schema_version (version, applied_at) VALUES ($1, $2)")
        .bind(version)
        .bind(now_text(Utc::now()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The outbox document, borrowed (the same JSON as [`Queued`]).
#[derive(Serialize)]
struct QueuedRef<'a> {
    chat: &'a ChatRef,
    reply: &'a Reply,
}

async fn exec_write(tx: &mut Transaction<'_, Any>, w: &Write) -> Result<(), StoreError> {
    let mut q = sqlx::query(w.sql);
    for v in &w.args {
        q = bind_value(q, v);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Runs `append` writes of one statement as one multi-row INSERT (`VALUES (…), (…)`, the
/// placeholders renumbered per row); a statement of another shape runs row by row.
async fn exec_appends(tx: &mut Transaction<'_, Any>, ws: &[&Write]) -> Result<(), StoreError> {
    let Some(first) = ws.first() else {
        return Ok(());
    };
    let sql = first.sql;
    let upper = sql.to_ascii_uppercase();
    let tuple = upper
        .rfind("VALUES")
        .map(|at| sql[at + "VALUES".len()..].trim())
        .filter(|t| t.starts_with('(') && t.ends_with(')') && !t.contains(';'));
    let (Some(tuple), true) = (tuple, ws.len() > 1) else {
        for w in ws {
            exec_write(tx, w).await?;
        }
        return Ok(());
    };
    let head = &sql[..sql.len() - tuple.len()];
    let n = first.args.len();
    let mut text = String::from(head);
    for (r, _) in ws.iter().enumerate() {
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&renumber(tuple, r * n));
    }
    let mut q = merged(&*tx, text);
    for w in ws {
        for v in &w.args {
            q = bind_value(q, v);
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Runs `chat_upsert` writes of one statement as one multi-row statement: the `VALUES` tuple
/// repeated per row (placeholders renumbered), the rest (`ON CONFLICT …`) once. A statement of
/// another shape (no tuple, or placeholders after it) runs row by row.
async fn exec_keyed(tx: &mut Transaction<'_, Any>, ws: &[&Write]) -> Result<(), StoreError> {
    let Some(first) = ws.first() else {
        return Ok(());
    };
    let split = values_tuple(first.sql).filter(|(_, _, tail)| !tail.contains('$'));
    let (Some((head, tuple, tail)), true) = (split, ws.len() > 1) else {
        for w in ws {
            exec_write(tx, w).await?;
        }
        return Ok(());
    };
    let n = first.args.len();
    let mut text = String::with_capacity(head.len() + tail.len() + ws.len() * (tuple.len() + 8));
    text.push_str(head);
    for r in 0..ws.len() {
        if r > 0 {
            text.push_str(", ");
        }
        text.push_str(&renumber(tuple, r * n));
    }
    text.push_str(tail);
    let mut q = merged(&*tx, text);
    for w in ws {
        for v in &w.args {
            q = bind_value(q, v);
        }
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// Splits `INSERT … VALUES (…) rest` into the text before the tuple, the tuple (parentheses
/// balanced, quoted text skipped) and the rest.
fn values_tuple(sql: &str) -> Option<(&str, &str, &str)> {
    let upper = sql.to_ascii_uppercase();
    let at = upper.find("VALUES")? + "VALUES".len();
    let open = at + sql[at..].find(|c: char| !c.is_whitespace())?;
    if !sql[open..].starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in sql[open..].char_indices() {
        match c {
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    let end = open + i + 1;
                    return Some((&sql[..open], &sql[open..end], &sql[end..]));
                }
            }
            _ => {}
        }
    }
    None
}

/// `($1, $2)` with `offset` 2 → `($3, $4)`.
fn renumber(tuple: &str, offset: usize) -> String {
    let mut out = String::with_capacity(tuple.len() + 8);
    let mut chars = tuple.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut num = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                num.push(d);
                chars.next();
            }
            let k: usize = num.parse().unwrap_or(0);
            out.push('$');
            out.push_str(&(k + offset).to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Claims a push's event id: `false` when it was claimed before.
async fn claim_event(
    tx: &mut Transaction<'_, Any>,
    event_id: &str,
    now: &str,
) -> Result<bool, StoreError> {
    let claimed = sqlx::query(
        "INSERT INTO rt_events (event_id, received_at) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(event_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

async fn queue_push(
    tx: &mut Transaction<'_, Any>,
    key: &str,
    chat: &ChatRef,
    replies: &[Reply],
    now: &str,
) -> Result<(), StoreError> {
    let messenger = chat.messenger.as_str();
    let chat_id = chat.id.to_string();
    ensure_chat(tx, messenger, &chat_id).await?;
    insert_outbox(tx, messenger, key, &chat_id, chat, seq_base(), replies, now).await
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
        assert_eq!(tuples(4, 2, 2), "($4, $5), ($6, $7)");
    }

    #[test]
    fn placeholders_in_order_become_positional_for_sqlite() {
        assert_eq!(
            positional("UPDATE t SET a = $1 WHERE b IN ($2, $3) AND c = 'x$4'").as_deref(),
            Some("UPDATE t SET a = ? WHERE b IN (?, ?) AND c = 'x$4'")
        );
        assert_eq!(
            positional("VALUES ($1, $2), ($3, $4)").as_deref(),
            Some("VALUES (?, ?), (?, ?)")
        );
        // A placeholder used twice, or out of order, keeps its number.
        assert_eq!(positional("SET a = $1, b = $1"), None);
        assert_eq!(positional("SET a = $2, b = $1"), None);
        assert_eq!(positional("$10").as_deref(), None);
    }

    #[test]
    fn groups_keep_the_order_of_first_appearance() {
        let items = [("a", 1), ("b", 2), ("a", 3)];
        let g = grouped(&items, |i| i.0);
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].0, g[0].1.len(), g[0].1[1].1), ("a", 2, 3));
        assert_eq!((g[1].0, g[1].1[0].1), ("b", 2));
    }

    #[test]
    fn append_rows_renumber_their_placeholders() {
        assert_eq!(renumber("($1, $2, 'a$', 1)", 2), "($3, $4, 'a$', 1)");
        assert_eq!(renumber("($10, $9)", 10), "($20, $19)");
    }

    #[test]
    fn upserts_split_around_their_values_tuple() {
        let (head, tuple, tail) = values_tuple(
            "INSERT INTO t (a, b, c) VALUES ($1, '(x)', $2) ON CONFLICT (a) DO UPDATE SET b = excluded.b",
        )
        .unwrap();
        assert_eq!(head, "INSERT INTO t (a, b, c) VALUES ");
        assert_eq!(tuple, "($1, '(x)', $2)");
        assert_eq!(tail, " ON CONFLICT (a) DO UPDATE SET b = excluded.b");
        assert!(values_tuple("UPDATE t SET a = $1").is_none());
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
