//! Budgets of confirmation codes and the message log.

use chrono::{DateTime, Utc};

use super::{ChatKey, Direction, LOG_MESSAGE, Storage, StorageError, now_text, parse_time};

/// One code-budget request: its subjects with their limits, the window and the time.
#[derive(Clone)]
pub(super) struct BudgetRequest {
    subjects: Vec<(String, u32)>,
    window: chrono::Duration,
    now: DateTime<Utc>,
}

/// The code-budget requests of [`Storage::take_code_budget`] grouped.
pub(super) type BudgetTaker = super::batch::Batcher<BudgetRequest, Option<chrono::Duration>>;

/// Budget requests decided in one transaction, at most.
const BUDGET_BATCH: usize = 64;

impl Storage {
    /// Takes one confirmation-code request from the budget of every subject in `subjects`
    /// (each at most `limit` requests per `window`), all or nothing.
    ///
    /// Returns `None` when the request is within every budget (it is then counted), or the wait
    /// until the most constrained subject has room again.
    ///
    /// Requests made at the same time are decided together, in one transaction of a few
    /// statements, one after the other in the order they came: exactly as if each had its own
    /// transaction, without one writer transaction per request.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn take_code_budget(
        &self,
        subjects: &[(&str, u32)],
        window: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Result<Option<chrono::Duration>, StorageError> {
        let request = BudgetRequest {
            subjects: subjects
                .iter()
                .map(|(s, n)| ((*s).to_owned(), *n))
                .collect(),
            window,
            now,
        };
        let this = self.clone();
        let decided = self
            .budgets
            .submit(request.clone(), BUDGET_BATCH, move |group| {
                let this = this.clone();
                let group: Vec<BudgetRequest> = group.into_iter().cloned().collect();
                async move {
                    match this.take_code_budgets(&group).await {
                        Ok(v) => Some(v),
                        Err(e) => {
                            tracing::warn!(error = %e, "a group of code-budget requests failed; deciding each alone");
                            None
                        }
                    }
                }
            })
            .await;
        match decided {
            Some(wait) => Ok(wait),
            None => Ok(self
                .take_code_budgets(std::slice::from_ref(&request))
                .await?[0]),
        }
    }

    /// Decides `requests` in order, in one transaction: the subjects' rows are locked first
    /// (sorted, one statement: requests of other instances for the same subjects wait, never in
    /// a cycle), expired requests deleted, the rest read (at most a limit's worth per subject),
    /// each request decided against what is on record plus the requests granted before it, and
    /// the granted ones recorded in one statement.
    async fn take_code_budgets(
        &self,
        requests: &[BudgetRequest],
    ) -> Result<Vec<Option<chrono::Duration>>, StorageError> {
        use std::collections::BTreeMap;
        let mut subjects: Vec<&str> = requests
            .iter()
            .flat_map(|r| r.subjects.iter().map(|(s, _)| s.as_str()))
            .collect();
        subjects.sort_unstable();
        subjects.dedup();
        let (Some(first), Some(latest)) = (
            requests.iter().map(|r| r.now - r.window).min(),
            requests.iter().map(|r| r.now).max(),
        ) else {
            return Ok(Vec::new());
        };
        let list = |from: usize, n: usize| {
            (from..from + n)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "INSERT INTO bot_code_budget_locks (subject, touched_at) VALUES {}
             ON CONFLICT (subject) DO UPDATE SET touched_at = excluded.touched_at",
            (0..subjects.len())
                .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in &subjects {
            q = q.bind(*s).bind(now_text(latest));
        }
        q.execute(&mut *tx).await?;
        // Gone from every request's window.
        let sql = format!(
            "DELETE FROM bot_code_requests WHERE requested_at <= $1 AND subject IN ({})",
            list(2, subjects.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now_text(first));
        for s in &subjects {
            q = q.bind(*s);
        }
        q.execute(&mut *tx).await?;
        let sql = format!(
            "SELECT subject, requested_at FROM bot_code_requests WHERE subject IN ({})
             ORDER BY subject, requested_at",
            list(1, subjects.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for s in &subjects {
            q = q.bind(*s);
        }
        let mut on_record: BTreeMap<String, Vec<DateTime<Utc>>> = BTreeMap::new();
        for row in q.fetch_all(&mut *tx).await? {
            let subject: String = sqlx::Row::try_get(&row, 0)?;
            let at: String = sqlx::Row::try_get(&row, 1)?;
            on_record.entry(subject).or_default().push(parse_time(&at)?);
        }
        let mut out = Vec::with_capacity(requests.len());
        let mut granted: Vec<(&str, DateTime<Utc>)> = Vec::new();
        for r in requests {
            let since = r.now - r.window;
            let mut wait: Option<chrono::Duration> = None;
            for (subject, limit) in &r.subjects {
                let times = on_record
                    .get(subject.as_str())
                    .map_or(&[][..], Vec::as_slice);
                let live = &times[times.partition_point(|t| *t <= since)..];
                let limit = *limit as usize;
                if live.len() >= limit {
                    // Room comes back when the oldest request that keeps it full leaves.
                    let oldest = live[live.len() - limit];
                    let w = (oldest + r.window - r.now).max(chrono::Duration::zero());
                    wait = Some(wait.map_or(w, |x| x.max(w)));
                }
            }
            if wait.is_none() {
                for (subject, _) in &r.subjects {
                    let times = on_record.entry(subject.clone()).or_default();
                    let at = times.partition_point(|t| *t <= r.now);
                    times.insert(at, r.now);
                    granted.push((subject.as_str(), r.now));
                }
            }
            out.push(wait);
        }
        if !granted.is_empty() {
            let sql = format!(
                "INSERT INTO bot_code_requests (subject, requested_at) VALUES {}",
                (0..granted.len())
                    .map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (subject, at) in &granted {
                q = q.bind(*subject).bind(now_text(*at));
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(out)
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
