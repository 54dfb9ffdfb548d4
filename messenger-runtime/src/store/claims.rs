//! Storing received updates and claiming chats for handling (with their delivery lease when it
//! is free), and what a chat task reads and renews.

use chrono::Utc;
use messenger_core::Update;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::sql::{list, merged, placeholders, rows_for, seq_base};
use super::{Backend, PendingRow, Store, StoreError, now_text};

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

impl Store {
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
    pub(super) async fn claim_chat_ids(
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
}
