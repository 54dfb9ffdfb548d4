//! [`SqlCodeStore`]: loyalty-codes' [`CodeStore`] on the bot's database (SQLite or PostgreSQL
//! through sqlx's `Any` driver, portable SQL, migration `0005_codes.sql`).

use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use loyalty_codes::{
    Action, CodeHash, CodeId, CodeRecord, CodeStore, SendEvent, SendQuery, SendStats, StoreError,
    Subject,
};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::storage::Storage;

/// Codes (as hashes) and send events in the bot's tables `bot_codes` and `bot_code_sends`,
/// sharing the runtime's writer pool (on SQLite the single writer connection).
///
/// [`CodeStore::add_attempt`] and [`CodeStore::mark_used`] are single atomic statements
/// (`UPDATE … RETURNING`, `UPDATE … WHERE used_at IS NULL`), so bot instances sharing one
/// PostgreSQL can neither exceed a code's attempt limit nor use a code twice.
///
/// Budgets: the bot counts code requests with its one budget mechanism,
/// [`Storage::take_code_budget`] (per phone and per chat, checked and recorded in one
/// transaction under a row lock), and builds its code service with loyalty-codes' subject budgets
/// off (see [`crate::codes::programme`]); the send events here are the audit trail.
#[derive(Clone)]
pub struct SqlCodeStore {
    pool: AnyPool,
}

impl fmt::Debug for SqlCodeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlCodeStore").finish_non_exhaustive()
    }
}

fn at_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_at(s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::new(format!("a stored time does not parse ({e})")))
}

fn db(e: sqlx::Error) -> StoreError {
    StoreError::new(format!("database: {e}"))
}

fn record_from_row(r: &AnyRow) -> Result<CodeRecord, StoreError> {
    let get_s = |i: usize| r.try_get::<String, _>(i).map_err(db);
    let hash = CodeHash::from_hex(&get_s(3)?)
        .map_err(|e| StoreError::new(format!("a stored hash does not parse ({e})")))?;
    let attempts: i64 = r.try_get(6).map_err(db)?;
    let max_attempts: i64 = r.try_get(7).map_err(db)?;
    let used_at: Option<String> = r.try_get(8).map_err(db)?;
    let mut rec = CodeRecord::new(
        CodeId::from_stored(get_s(2)?),
        Subject::new(get_s(0)?),
        Action::parse(&get_s(1)?),
        hash,
        parse_at(&get_s(4)?)?,
        parse_at(&get_s(5)?)?,
        u32::try_from(max_attempts).unwrap_or(0),
    );
    rec.attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    rec.used_at = used_at.as_deref().map(parse_at).transpose()?;
    Ok(rec)
}

impl SqlCodeStore {
    /// A store on the bot's database (its migrations made the tables).
    pub fn new(storage: &Storage) -> Self {
        Self {
            pool: storage.pool().clone(),
        }
    }
}

#[async_trait]
impl CodeStore for SqlCodeStore {
    async fn replace_active(&self, record: CodeRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO bot_codes (subject, action, code_id, hash, created_at, expires_at, attempts, max_attempts, used_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, NULL)
             ON CONFLICT (subject, action) DO UPDATE SET
               code_id = excluded.code_id, hash = excluded.hash, created_at = excluded.created_at,
               expires_at = excluded.expires_at, attempts = 0, max_attempts = excluded.max_attempts,
               used_at = NULL",
        )
        .bind(record.subject.as_str().to_owned())
        .bind(record.action.as_str().to_owned())
        .bind(record.id.as_str().to_owned())
        .bind(record.hash.to_hex())
        .bind(at_text(record.created_at))
        .bind(at_text(record.expires_at))
        .bind(i64::from(record.max_attempts))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn active(
        &self,
        subject: &Subject,
        action: &Action,
    ) -> Result<Option<CodeRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT subject, action, code_id, hash, created_at, expires_at, attempts, max_attempts, used_at
             FROM bot_codes WHERE subject = $1 AND action = $2",
        )
        .bind(subject.as_str().to_owned())
        .bind(action.as_str().to_owned())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.as_ref().map(record_from_row).transpose()
    }

    async fn add_attempt(&self, id: &CodeId) -> Result<Option<u32>, StoreError> {
        let n: Option<i64> = sqlx::query_scalar(
            "UPDATE bot_codes SET attempts = attempts + 1 WHERE code_id = $1 RETURNING attempts",
        )
        .bind(id.as_str().to_owned())
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        Ok(n.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
    }

    async fn mark_used(&self, id: &CodeId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let r =
            sqlx::query("UPDATE bot_codes SET used_at = $2 WHERE code_id = $1 AND used_at IS NULL")
                .bind(id.as_str().to_owned())
                .bind(at_text(at))
                .execute(&self.pool)
                .await
                .map_err(db)?;
        Ok(r.rows_affected() == 1)
    }

    async fn record_send(&self, event: SendEvent) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO bot_code_sends (subject, action, channel, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(event.subject.as_str().to_owned())
        .bind(event.action.as_str().to_owned())
        .bind(event.channel.as_ref().map(|c| c.as_str().to_owned()))
        .bind(at_text(event.at))
        .execute(&self.pool)
        .await
        .map_err(db)?;
        Ok(())
    }

    async fn send_stats(
        &self,
        query: &SendQuery,
        since: DateTime<Utc>,
    ) -> Result<SendStats, StoreError> {
        let since = at_text(since);
        let q = match query {
            SendQuery::SubjectAction(s, a) => sqlx::query(
                "SELECT COUNT(*), MIN(at) FROM bot_code_sends
                 WHERE channel IS NULL AND subject = $1 AND action = $2 AND at > $3",
            )
            .bind(s.as_str().to_owned())
            .bind(a.as_str().to_owned())
            .bind(since),
            SendQuery::Subject(s) => sqlx::query(
                "SELECT COUNT(*), MIN(at) FROM bot_code_sends
                 WHERE channel IS NULL AND subject = $1 AND at > $2",
            )
            .bind(s.as_str().to_owned())
            .bind(since),
            SendQuery::Channel(c) => sqlx::query(
                "SELECT COUNT(*), MIN(at) FROM bot_code_sends WHERE channel = $1 AND at > $2",
            )
            .bind(c.as_str().to_owned())
            .bind(since),
            other => {
                return Err(StoreError::new(format!(
                    "a send query this store does not know: {other:?}"
                )));
            }
        };
        let row = q.fetch_one(&self.pool).await.map_err(db)?;
        let count: i64 = row.try_get(0).map_err(db)?;
        let oldest: Option<String> = row.try_get(1).map_err(db)?;
        Ok(SendStats::new(
            u32::try_from(count).unwrap_or(u32::MAX),
            oldest.as_deref().map(parse_at).transpose()?,
        ))
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let before = at_text(before);
        let mut tx = self.pool.begin().await.map_err(db)?;
        let mut n = 0;
        for sql in [
            "DELETE FROM bot_codes WHERE expires_at < $1",
            "DELETE FROM bot_code_sends WHERE at < $1",
            "DELETE FROM bot_code_budget_locks WHERE touched_at < $1",
        ] {
            n += sqlx::query(sql)
                .bind(before.clone())
                .execute(&mut *tx)
                .await
                .map_err(db)?
                .rows_affected();
        }
        tx.commit().await.map_err(db)?;
        Ok(n)
    }
}
