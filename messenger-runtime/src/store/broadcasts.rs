//! Broadcasts in the store: one row per broadcast (`rt_broadcasts`) and one per recipient
//! (`rt_broadcast_recipients`, the journal). This module is the public side for a panel:
//! create, pause, resume, cancel, figures per messenger, the journal; `sender` is the side
//! [`crate::Runtime::run_broadcasts`] uses (claims, calls under way, outcomes).

mod sender;
pub(crate) use sender::{BeginCall, ClaimedRecipient, Sent};

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, TimeZone, Utc};
use messenger_core::ChatRef;
use sqlx::{AssertSqlSafe, Row};

use super::sql::placeholders;
use super::{Backend, Store, StoreError, now_ms, now_text};
use crate::handler::Reply;

/// Recipients inserted per statement (6 values each: far under SQLite's and PostgreSQL's
/// parameter limits).
const INSERT_CHUNK: usize = 100;
/// Recipients marked sent per statement.
const SENT_CHUNK: usize = 500;
/// The journal's reason for a call under way when its sender stopped.
const UNKNOWN: &str =
    "outcome unknown: the sender stopped during the platform call; not sent again";

/// A broadcast to create: one message to many chats (of any messengers).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewBroadcast {
    /// The caller's id for it (unique; creating the same id again does nothing).
    pub id: String,
    /// The message: text, optional picture and keyboard (a URL button).
    pub message: Reply,
    /// Who gets it, in the order they are sent to; a chat listed twice gets it once.
    pub recipients: Vec<ChatRef>,
    /// When sending starts (`None`: now).
    pub start_at: Option<DateTime<Utc>>,
}

impl NewBroadcast {
    /// A broadcast of `message` to `recipients`, starting now.
    pub fn new(id: impl Into<String>, message: Reply, recipients: Vec<ChatRef>) -> Self {
        Self {
            id: id.into(),
            message,
            recipients,
            start_at: None,
        }
    }

    /// Starts sending at `at` instead of now.
    pub fn start_at(mut self, at: DateTime<Utc>) -> Self {
        self.start_at = Some(at);
        self
    }
}

/// Where a broadcast is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BroadcastState {
    /// Sending, or waiting for its start time.
    Active,
    /// Paused: nothing more is sent until it is resumed.
    Paused,
    /// Cancelled: the recipients not reached yet are marked cancelled.
    Cancelled,
    /// Every recipient has an outcome.
    Done,
    /// A state this version does not know (written by a newer one).
    Other(String),
}

impl BroadcastState {
    /// The stored name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Cancelled => "cancelled",
            Self::Done => "done",
            Self::Other(s) => s,
        }
    }

    /// Reads a stored name (an unknown one becomes [`BroadcastState::Other`]).
    pub fn parse(s: &str) -> Self {
        match s {
            "active" => Self::Active,
            "paused" => Self::Paused,
            "cancelled" => Self::Cancelled,
            "done" => Self::Done,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for BroadcastState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A recipient's place in the journal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RecipientStatus {
    /// Waiting to be sent.
    Queued,
    /// Claimed by the sending instance, or its platform call under way.
    Sending,
    /// The platform accepted the message.
    Sent,
    /// The platform reports it reached the user's device (Viber's `delivered`).
    Delivered,
    /// The platform reports the user opened it (Viber's `seen`).
    Seen,
    /// It could not be sent, or the platform reports it could not be delivered; the journal
    /// keeps why.
    Failed,
    /// The user blocked the bot or is gone (the bot marks them inactive).
    Blocked,
    /// The broadcast was cancelled before this recipient was reached.
    Cancelled,
    /// The sender stopped (a kill, a lost network) while the platform call was under way: the
    /// platform may or may not have it, and it is not sent again (no second copy).
    Unknown,
    /// A status this version does not know.
    Other(String),
}

impl RecipientStatus {
    /// The stored name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Seen => "seen",
            Self::Failed => "failed",
            Self::Blocked => "blocked",
            Self::Cancelled => "cancelled",
            Self::Unknown => "unknown",
            Self::Other(s) => s,
        }
    }

    /// Reads a stored name (an unknown one becomes [`RecipientStatus::Other`]).
    pub fn parse(s: &str) -> Self {
        match s {
            "queued" => Self::Queued,
            "sending" => Self::Sending,
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "seen" => Self::Seen,
            "failed" => Self::Failed,
            "blocked" => Self::Blocked,
            "cancelled" => Self::Cancelled,
            "unknown" => Self::Unknown,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for RecipientStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many recipients of one messenger are in each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StatusCounts {
    /// Waiting.
    pub queued: u64,
    /// Being sent.
    pub sending: u64,
    /// Accepted by the platform (and no receipt yet).
    pub sent: u64,
    /// Reached the user's device, by the platform's receipt (Viber).
    pub delivered: u64,
    /// Opened by the user, by the platform's receipt (Viber).
    pub seen: u64,
    /// Failed.
    pub failed: u64,
    /// Gone (blocked the bot).
    pub blocked: u64,
    /// Not reached because the broadcast was cancelled.
    pub cancelled: u64,
    /// Outcome unknown (the sender stopped during the platform call; not repeated).
    pub unknown: u64,
}

impl StatusCounts {
    /// Every recipient counted.
    pub fn total(&self) -> u64 {
        self.queued + self.sending + self.finished()
    }

    /// Recipients with an outcome (sent, delivered, seen, failed, blocked, cancelled, unknown).
    pub fn finished(&self) -> u64 {
        self.reached() + self.failed + self.blocked + self.cancelled + self.unknown
    }

    /// Recipients the platform accepted the message for: sent, delivered or seen.
    pub fn reached(&self) -> u64 {
        self.sent + self.delivered + self.seen
    }

    fn add(&mut self, status: &RecipientStatus, n: u64) {
        match status {
            RecipientStatus::Queued => self.queued += n,
            RecipientStatus::Sending => self.sending += n,
            RecipientStatus::Sent => self.sent += n,
            RecipientStatus::Delivered => self.delivered += n,
            RecipientStatus::Seen => self.seen += n,
            RecipientStatus::Failed | RecipientStatus::Other(_) => self.failed += n,
            RecipientStatus::Blocked => self.blocked += n,
            RecipientStatus::Cancelled => self.cancelled += n,
            RecipientStatus::Unknown => self.unknown += n,
        }
    }
}

/// A broadcast as stored, with its figures per messenger.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BroadcastInfo {
    /// Its id.
    pub id: String,
    /// Its state.
    pub state: BroadcastState,
    /// The message.
    pub message: Reply,
    /// When sending starts (or started).
    pub start_at: DateTime<Utc>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was done or cancelled (RFC 3339).
    pub finished_at: Option<String>,
    /// Recipients per status, per messenger (`telegram`, `viber`, `max`, …).
    pub per_messenger: BTreeMap<String, StatusCounts>,
}

impl BroadcastInfo {
    /// The figures of every messenger added up.
    pub fn totals(&self) -> StatusCounts {
        sum_counts(&self.per_messenger)
    }
}

/// A broadcast's state and figures without its message ([`Store::broadcast_status`]): what a
/// page polling a broadcast's progress needs, without reading and decoding the message (a
/// picture in it is megabytes).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BroadcastStatus {
    /// Its id.
    pub id: String,
    /// Its state.
    pub state: BroadcastState,
    /// When sending starts (or started).
    pub start_at: DateTime<Utc>,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was done or cancelled (RFC 3339).
    pub finished_at: Option<String>,
    /// Recipients per status, per messenger.
    pub per_messenger: BTreeMap<String, StatusCounts>,
}

impl BroadcastStatus {
    /// The figures of every messenger added up.
    pub fn totals(&self) -> StatusCounts {
        sum_counts(&self.per_messenger)
    }
}

fn sum_counts(per_messenger: &BTreeMap<String, StatusCounts>) -> StatusCounts {
    let mut t = StatusCounts::default();
    for c in per_messenger.values() {
        t.queued += c.queued;
        t.sending += c.sending;
        t.sent += c.sent;
        t.delivered += c.delivered;
        t.seen += c.seen;
        t.failed += c.failed;
        t.blocked += c.blocked;
        t.cancelled += c.cancelled;
        t.unknown += c.unknown;
    }
    t
}

/// One recipient's line in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// The messenger.
    pub messenger: String,
    /// The chat id.
    pub chat_id: String,
    /// Where it is.
    pub status: RecipientStatus,
    /// Why it failed (the platform's error).
    pub error: Option<String>,
    /// How many times it was claimed for sending.
    pub attempts: i64,
    /// When its status last changed (RFC 3339).
    pub updated_at: Option<String>,
}

/// What to do with a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BroadcastControl {
    /// Stop sending (an active broadcast); the messages in hand (about a second's worth) still go.
    Pause,
    /// Go on sending (a paused broadcast).
    Resume,
    /// Stop for good (an active or paused broadcast); recipients not reached are marked cancelled.
    Cancel,
}

fn ms_to_time(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

impl Store {
    /// Creates a broadcast and queues its recipients in one transaction. Returns `false` (and
    /// changes nothing) when a broadcast with this id exists.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was created; the caller may retry.
    pub async fn create_broadcast(&self, b: &NewBroadcast) -> Result<bool, StoreError> {
        let now = Utc::now();
        let payload = serde_json::to_string(&b.message).map_err(|e| StoreError::Corrupt {
            what: "broadcast message",
            reason: e.to_string(),
        })?;
        let start = b.start_at.unwrap_or(now).timestamp_millis();
        let mut tx = self.writer.begin().await?;
        let r = sqlx::query(
            "INSERT INTO rt_broadcasts (id, state, payload, start_at, created_at)
             VALUES ($1, 'active', $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&b.id)
        .bind(payload)
        .bind(start)
        .bind(now_text(now))
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() == 0 {
            tx.rollback().await?;
            return Ok(false);
        }
        let mut seq = 0i64;
        for chunk in b.recipients.chunks(INSERT_CHUNK) {
            let sql = format!(
                "INSERT INTO rt_broadcast_recipients
                   (broadcast_id, messenger, chat_id, chat, seq, status) VALUES {}
                 ON CONFLICT (broadcast_id, messenger, chat_id) DO NOTHING",
                placeholders(chunk.len(), 6)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for chat in chunk {
                let json = serde_json::to_string(chat).map_err(|e| StoreError::Corrupt {
                    what: "broadcast recipient",
                    reason: e.to_string(),
                })?;
                q = q
                    .bind(b.id.clone())
                    .bind(chat.messenger.as_str().to_owned())
                    .bind(chat.id.to_string())
                    .bind(json)
                    .bind(seq)
                    .bind("queued");
                seq += 1;
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Pauses, resumes or cancels a broadcast. Returns `false` when its state does not allow it
    /// (pausing one that is done, resuming one that is not paused, an unknown id).
    ///
    /// # Errors
    /// [`StoreError`] on database failure (nothing changed).
    pub async fn control_broadcast(
        &self,
        id: &str,
        action: BroadcastControl,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await?;
        let r =
            match action {
                BroadcastControl::Pause => sqlx::query(
                    "UPDATE rt_broadcasts SET state = 'paused' WHERE id = $1 AND state = 'active'",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?,
                BroadcastControl::Resume => sqlx::query(
                    "UPDATE rt_broadcasts SET state = 'active' WHERE id = $1 AND state = 'paused'",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?,
                BroadcastControl::Cancel => {
                    let now = now_text(Utc::now());
                    let r = sqlx::query(
                        "UPDATE rt_broadcasts SET state = 'cancelled', finished_at = $2
                     WHERE id = $1 AND state IN ('active', 'paused')",
                    )
                    .bind(id)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                    if r.rows_affected() == 1 {
                        sqlx::query(
                        "UPDATE rt_broadcast_recipients SET status = 'cancelled', updated_at = $2
                         WHERE broadcast_id = $1 AND status = 'queued'",
                    )
                    .bind(id)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                    }
                    r
                }
            };
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    /// A broadcast with its figures per messenger, or `None` for an unknown id.
    ///
    /// # Errors
    /// [`StoreError`] on database failure or a message that cannot be read.
    pub async fn broadcast(&self, id: &str) -> Result<Option<BroadcastInfo>, StoreError> {
        let Some(payload) =
            sqlx::query_scalar::<_, String>("SELECT payload FROM rt_broadcasts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.reader)
                .await?
        else {
            return Ok(None);
        };
        let message: Reply = serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt {
            what: "broadcast message",
            reason: format!("{id}: {e}"),
        })?;
        let Some(status) = self.broadcast_status(id).await? else {
            return Ok(None);
        };
        Ok(Some(BroadcastInfo {
            id: status.id,
            state: status.state,
            message,
            start_at: status.start_at,
            created_at: status.created_at,
            finished_at: status.finished_at,
            per_messenger: status.per_messenger,
        }))
    }

    /// A broadcast's state and figures per messenger, without its message; `None` for an
    /// unknown id.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn broadcast_status(&self, id: &str) -> Result<Option<BroadcastStatus>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT state, start_at, created_at, finished_at FROM rt_broadcasts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?
        else {
            return Ok(None);
        };
        let counts = sqlx::query(
            "SELECT messenger, status, COUNT(*) FROM rt_broadcast_recipients
             WHERE broadcast_id = $1 GROUP BY messenger, status",
        )
        .bind(id)
        .fetch_all(&self.reader)
        .await?;
        let mut per_messenger: BTreeMap<String, StatusCounts> = BTreeMap::new();
        for c in &counts {
            let messenger: String = c.try_get(0)?;
            let status: String = c.try_get(1)?;
            let n: i64 = c.try_get(2)?;
            per_messenger.entry(messenger).or_default().add(
                &RecipientStatus::parse(&status),
                u64::try_from(n).unwrap_or(0),
            );
        }
        Ok(Some(BroadcastStatus {
            id: id.to_owned(),
            state: BroadcastState::parse(&row.try_get::<String, _>(0)?),
            start_at: ms_to_time(row.try_get(1)?),
            created_at: row.try_get(2)?,
            finished_at: row.try_get(3)?,
            per_messenger,
        }))
    }

    /// The ids of the latest `limit` broadcasts, newest first.
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn broadcast_ids(&self, limit: i64) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT id FROM rt_broadcasts ORDER BY created_at DESC, id LIMIT $1")
                .bind(limit)
                .fetch_all(&self.reader)
                .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// A page of a broadcast's journal in sending order (`limit` lines from `offset`).
    ///
    /// # Errors
    /// [`StoreError`] on database failure.
    pub async fn broadcast_journal(
        &self,
        id: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<JournalEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT messenger, chat_id, status, error, attempts, updated_at
             FROM rt_broadcast_recipients WHERE broadcast_id = $1
             ORDER BY seq, messenger LIMIT $2 OFFSET $3",
        )
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(JournalEntry {
                    messenger: r.try_get(0)?,
                    chat_id: r.try_get(1)?,
                    status: RecipientStatus::parse(&r.try_get::<String, _>(2)?),
                    error: r.try_get(3)?,
                    attempts: r.try_get(4)?,
                    updated_at: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// Records a platform's receipt for a message sent to the chat `chat_id` of `messenger` in
    /// the journal of the broadcast that sent it (found by the message's id): `sent` becomes
    /// `delivered` or `seen`, `delivered` becomes `seen`, and `sent` becomes `failed` with the
    /// platform's reason. Never backwards (a late `delivered` after `seen` changes nothing), and a
    /// receipt for a message no broadcast sent (a dialogue's reply) changes nothing. A receipt
    /// that comes before its send is journalled (the chat has a broadcast send under way) is
    /// kept and applied when that line is recorded. Returns whether a journal line changed now.
    ///
    /// # Errors
    /// [`StoreError`]: nothing was recorded; the caller may retry (receipts are idempotent).
    pub async fn record_receipt(
        &self,
        messenger: &str,
        chat_id: &str,
        receipt: &messenger_core::Receipt,
    ) -> Result<bool, StoreError> {
        use messenger_core::ReceiptStatus;
        let (status, error) = match &receipt.status {
            ReceiptStatus::Delivered => ("delivered", None),
            ReceiptStatus::Seen => ("seen", None),
            ReceiptStatus::Failed { reason } => {
                ("failed", Some(format!("not delivered: {reason}")))
            }
            _ => return Ok(false),
        };
        let message_id = receipt.message.to_string();
        let mut tx = self.writer.begin().await?;
        if self.backend == Backend::Postgres {
            // The chat's sends under way, locked: a sender recording one right now is waited
            // for (its line is then seen below), and one recording after this commits sees the
            // receipt kept below. SQLite's one writer orders the two by itself.
            sqlx::query(
                "SELECT 1 FROM rt_broadcast_recipients
                 WHERE messenger = $1 AND chat_id = $2 AND status = 'sending' FOR UPDATE",
            )
            .bind(messenger)
            .bind(chat_id)
            .fetch_all(&mut *tx)
            .await?;
        }
        let changed = apply_receipt(
            &mut tx,
            messenger,
            chat_id,
            &message_id,
            status,
            error.as_deref(),
        )
        .await?;
        if !changed {
            // Early: a send to this chat is under way and not journalled yet. Kept, and applied
            // when its line is recorded (`record_sends`).
            sqlx::query(
                "INSERT INTO rt_broadcast_early_receipts
                   (messenger, message_id, chat_id, status, error, received_at)
                 SELECT $1, $2, $3, $4, $5, $6
                 WHERE EXISTS (SELECT 1 FROM rt_broadcast_recipients
                   WHERE messenger = $1 AND chat_id = $3 AND status = 'sending')
                 ON CONFLICT DO NOTHING",
            )
            .bind(messenger)
            .bind(&message_id)
            .bind(chat_id)
            .bind(status)
            .bind(error)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(changed)
    }
}

/// Moves a journal line forward by a receipt for its message: `status` (`delivered`, `seen` or
/// `failed`), never backwards. Returns whether a line changed.
pub(super) async fn apply_receipt(
    conn: &mut sqlx::AnyConnection,
    messenger: &str,
    chat_id: &str,
    message_id: &str,
    status: &str,
    error: Option<&str>,
) -> Result<bool, StoreError> {
    let from = match status {
        "seen" => "('sent', 'delivered')",
        _ => "('sent')",
    };
    let sql = format!(
        "UPDATE rt_broadcast_recipients SET status = $1, error = COALESCE($2, error),
           updated_at = $3
         WHERE messenger = $4 AND message_id = $5 AND chat_id = $6 AND status IN {from}"
    );
    let r = sqlx::query(AssertSqlSafe(sql))
        .bind(status.to_owned())
        .bind(error.map(str::to_owned))
        .bind(now_text(Utc::now()))
        .bind(messenger.to_owned())
        .bind(message_id.to_owned())
        .bind(chat_id.to_owned())
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() > 0)
}
