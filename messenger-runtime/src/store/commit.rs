//! The group commit: completions (an update handled or quarantined, its state, replies and
//! writes, the fence of its chat) and chat tasks' ends in one transaction.

use chrono::Utc;
use messenger_core::ChatRef;
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use super::sql::{
    exec_appends, exec_keyed, exec_write, grouped, list, merged, placeholders, rows_for, tuples,
};
use super::{Store, StoreError, now_text};
use crate::handler::{Reply, Write};

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
    /// delivery lease being `owner`'s until `until` after the fence: granted to the request, or
    /// the one it holds, extended with the handling lease. A held lease is not extended while
    /// older messages of the chat wait unsent (a push queued meanwhile): the task must then give
    /// it to the scheduler, or its later replies would overtake them.
    fn delivers(&self, owner: Option<&str>, until: i64) -> bool {
        match (self.delivery_request().0, self.hold.as_deref()) {
            (Some(t), _) => owner == Some(t),
            (None, Some(t)) => owner == Some(t) && until == self.lease_until,
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

/// The outbox document, borrowed (the same JSON as [`Queued`]).
#[derive(Serialize)]
pub(super) struct QueuedRef<'a> {
    chat: &'a ChatRef,
    reply: &'a Reply,
}

impl Store {
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

    pub(super) async fn mark_sent_in(
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
    pub(super) async fn fences_in(
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
                     WHEN rt_chats.dlv_owner = v.column10
                       AND NOT EXISTS (SELECT 1 FROM rt_outbox o WHERE o.messenger = v.column1
                                       AND o.chat_id = v.column2 AND o.sent_at IS NULL)
                     THEN v.column4
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
                 RETURNING messenger, chat_id, dlv_owner, dlv_until",
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
                let until: i64 = r.try_get(3)?;
                let Some(&i) = at.get(&(m.as_str(), chat.as_str())) else {
                    continue;
                };
                out[base + i] = Some(chunk[i].delivers(owner.as_deref(), until));
            }
        }
        Ok(out)
    }

    /// The fence of one completion: only the lease holder may complete (and this locks the
    /// chat's row); it stores the new state. With `direct`, the delivery lease is taken too when
    /// it is free (or this chat task's) and nothing older waits for delivery in the chat, so the
    /// replies can go out at once in order. `None` when the lease was lost; else whether the
    /// delivery lease was granted.
    pub(super) async fn fence_in(
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
                 WHEN dlv_owner = $11 AND NOT EXISTS (SELECT 1 FROM rt_outbox o
                     WHERE o.messenger = $1 AND o.chat_id = $2 AND o.sent_at IS NULL)
                 THEN $4
                 ELSE dlv_until END
             WHERE messenger = $1 AND chat_id = $2 AND owner = $3
             RETURNING dlv_owner, dlv_until",
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
        Ok(Some(job.delivers(
            row.try_get::<Option<String>, _>(0)?.as_deref(),
            row.try_get::<i64, _>(1)?,
        )))
    }
}
