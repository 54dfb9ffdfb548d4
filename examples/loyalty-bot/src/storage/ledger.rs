//! Budgets of confirmation codes and the message log.

use chrono::{DateTime, Utc};

use super::{ChatKey, Direction, LOG_MESSAGE, Storage, StorageError, now_text, parse_time};

impl Storage {
    /// Takes one confirmation-code request from the budget of every subject in `subjects`
    /// (each at most `limit` requests per `window`), all or nothing, in one transaction.
    ///
    /// Returns `None` when the request is within every budget (it is then counted), or the wait
    /// until the most constrained subject has room again.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn take_code_budget(
        &self,
        subjects: &[(&str, u32)],
        window: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<chrono::Duration>, StorageError> {
        let since = now_text(now - window);
        let mut tx = self.pool.begin().await?;
        // Lock each subject's row first (sorted: two requests never wait on each other in a
        // cycle): concurrent requests for one subject (instances sharing a PostgreSQL) then count
        // and record one after the other instead of both seeing room for one more.
        let mut locks: Vec<&str> = subjects.iter().map(|(s, _)| *s).collect();
        locks.sort_unstable();
        locks.dedup();
        for subject in locks {
            sqlx::query(
                "INSERT INTO bot_code_budget_locks (subject, touched_at) VALUES ($1, $2)
                 ON CONFLICT (subject) DO UPDATE SET touched_at = excluded.touched_at",
            )
            .bind(subject)
            .bind(now_text(now))
            .execute(&mut *tx)
            .await?;
        }
        let mut wait: Option<chrono::Duration> = None;
        for (subject, limit) in subjects {
            sqlx::query("DELETE FROM bot_code_requests WHERE subject = $1 AND requested_at <= $2")
                .bind(*subject)
                .bind(&since)
                .execute(&mut *tx)
                .await?;
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM bot_code_requests WHERE subject = $1")
                    .bind(*subject)
                    .fetch_one(&mut *tx)
                    .await?;
            if count >= i64::from(*limit) {
                // Room comes back when the oldest request that keeps it full leaves the window
                // (read alone: a busy subject's requests are not all fetched).
                let oldest: String = sqlx::query_scalar(
                    "SELECT requested_at FROM bot_code_requests WHERE subject = $1
                     ORDER BY requested_at LIMIT 1 OFFSET $2",
                )
                .bind(*subject)
                .bind(count - i64::from(*limit))
                .fetch_one(&mut *tx)
                .await?;
                let w = (parse_time(&oldest)? + window - now).max(chrono::Duration::zero());
                wait = Some(wait.map_or(w, |x| x.max(w)));
            }
        }
        if wait.is_some() {
            tx.rollback().await?;
            return Ok(wait);
        }
        for (subject, _) in subjects {
            sqlx::query("INSERT INTO bot_code_requests (subject, requested_at) VALUES ($1, $2)")
                .bind(*subject)
                .bind(now_text(now))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(None)
    }

    /// Logs a message for statistics.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn log_message(
        &self,
        key: &ChatKey,
        direction: Direction,
        kind: &str,
        body: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        sqlx::query(LOG_MESSAGE)
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .bind(direction.as_str())
            .bind(kind)
            .bind(body)
            .bind(now_text(at))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Counts logged messages per direction for a messenger: `(incoming, outgoing)`.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn message_counts(&self, messenger: &str) -> Result<(i64, i64), StorageError> {
        let count = |dir: &'static str| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM bot_message_log WHERE messenger = $1 AND direction = $2",
            )
            .bind(messenger.to_owned())
            .bind(dir)
            .fetch_one(&self.pool)
        };
        Ok((count("in").await?, count("out").await?))
    }
}
