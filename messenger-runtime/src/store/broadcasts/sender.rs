//! The sender's side of broadcasts in the store: claims of due recipients, the calls under way
//! (`rt_broadcast_calls`), outcomes recorded in the journal, finished broadcasts.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use messenger_core::ChatRef;
use sqlx::{AssertSqlSafe, Row};

use super::super::{Backend, Store, StoreError, now_ms, now_text};
use super::{BroadcastState, RecipientStatus, SENT_CHUNK, UNKNOWN};
use crate::handler::Reply;

/// The status a claimed recipient goes back to: `queued`, or `cancelled` when its broadcast was
/// cancelled meanwhile (a cancel marks only the recipients queued at that moment).
macro_rules! back_to_queue {
    () => {
        "CASE WHEN EXISTS (SELECT 1 FROM rt_broadcasts b
           WHERE b.id = rt_broadcast_recipients.broadcast_id AND b.state = 'cancelled')
         THEN 'cancelled' ELSE 'queued' END"
    };
}

/// A recipient claimed for sending.
#[derive(Debug, Clone)]
pub(crate) struct ClaimedRecipient {
    pub broadcast_id: String,
    pub chat_id: String,
    pub seq: i64,
    pub attempts: i64,
    /// The stored chat, or why it could not be read.
    pub chat: Result<ChatRef, String>,
}

/// A platform call about to be made.
#[derive(Debug)]
pub(crate) struct BeginCall<'a> {
    pub call_id: &'a str,
    pub messenger: &'a str,
    pub broadcast_id: &'a str,
    pub owner: &'a str,
    pub lease_until: i64,
    /// The recipients (chat id, the try their claim counted), in call order.
    pub dues: &'a [(&'a str, i64)],
    /// Check (and extend) their claim first: `false` while it is surely still the caller's
    /// (it was extended less than half a lease ago).
    pub check: bool,
}

/// A send's outcome, recorded in the journal.
#[derive(Debug, Clone)]
pub(crate) struct Sent {
    pub broadcast_id: String,
    pub chat_id: String,
    /// `None`: back to the queue (a "too many requests", a passing fault).
    pub status: Option<RecipientStatus>,
    pub error: Option<String>,
    /// The platform's id of the message sent, kept where receipts name it (Viber).
    pub message_id: Option<String>,
    /// Whether this try counts toward `max_attempts`: not for a recipient put back unsent (its
    /// claim's calls stopped) or refused with "too many requests".
    pub counted: bool,
    /// The try the recipient's claim counted: the line is recorded only while that claim is
    /// still the sender's own (a claim that ran out and was made again has another).
    pub attempts: i64,
}

impl Store {
    /// Claims up to `limit` recipients of `messenger` that are due (their broadcast active and
    /// started; queued, or claimed by an instance whose claim expired), for `owner` until
    /// `until`, in sending order.
    pub(crate) async fn claim_recipients(
        &self,
        messenger: &str,
        owner: &str,
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedRecipient>, StoreError> {
        // A dead sender's calls under way: their outcome is unknown, and they are not repeated.
        self.settle_calls(messenger, None, now).await?;
        let lock = match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // Broadcast by broadcast, in start order; in each, first what an expired claim left,
        // then the queue, each in sending order. One statement with the two statuses OR-ed
        // and ordered by the broadcast's start made SQLite read every recipient of the
        // messenger and sort them (measured: 20–30 ms for a claim of 300 out of 100 000);
        // these use `rt_broadcast_todo` (messenger, status, broadcast_id, seq) in its order.
        let due: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM rt_broadcasts WHERE state = 'active' AND start_at <= $1
             ORDER BY start_at, id",
        )
        .bind(now)
        .fetch_all(&self.writer)
        .await?;
        let mut rows = Vec::new();
        if !due.is_empty() {
            let mut tx = self.writer.begin().await?;
            'broadcasts: for id in &due {
                for (status, expired) in [("sending", "AND lease_until < $5"), ("queued", "")] {
                    let left = limit - rows.len() as i64;
                    if left <= 0 {
                        break 'broadcasts;
                    }
                    let sql = format!(
                        "UPDATE rt_broadcast_recipients SET status = 'sending', owner = $1,
                           lease_until = $2, attempts = attempts + 1
                         WHERE (broadcast_id, messenger, chat_id) IN (
                           SELECT broadcast_id, messenger, chat_id FROM rt_broadcast_recipients
                           WHERE messenger = $3 AND status = '{status}' AND broadcast_id = $4
                             {expired}
                           ORDER BY seq LIMIT $6 {lock})
                         AND status = '{status}' {expired}
                         RETURNING broadcast_id, chat_id, seq, attempts, chat"
                    );
                    let got = sqlx::query(AssertSqlSafe(sql))
                        .bind(owner)
                        .bind(until)
                        .bind(messenger)
                        .bind(id)
                        .bind(now)
                        .bind(left)
                        .fetch_all(&mut *tx)
                        .await?;
                    rows.extend(got);
                }
            }
            tx.commit().await?;
        }
        let mut out = rows
            .iter()
            .map(|r| {
                let chat: String = r.try_get(4)?;
                Ok(ClaimedRecipient {
                    broadcast_id: r.try_get(0)?,
                    chat_id: r.try_get(1)?,
                    seq: r.try_get(2)?,
                    attempts: r.try_get(3)?,
                    chat: serde_json::from_str(&chat).map_err(|e| e.to_string()),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        // Broadcasts in start order (as claimed), each in sending order (RETURNING's order is
        // not the subquery's).
        let rank = |id: &str| due.iter().position(|d| d == id);
        out.sort_by_key(|r| (rank(&r.broadcast_id), r.seq));
        Ok(out)
    }

    /// Puts back into the queue what `owner` had claimed of `messenger` (a restart of the same
    /// instance, a stop); a call that was under way is journalled `unknown`, not repeated.
    /// Returns how many went back, and when the latest of those calls was noted.
    pub(crate) async fn release_recipients(
        &self,
        messenger: &str,
        owner: &str,
    ) -> Result<(u64, Option<i64>), StoreError> {
        let last_call = self.settle_calls(messenger, Some(owner), now_ms()).await?;
        let r = sqlx::query(concat!(
            "UPDATE rt_broadcast_recipients SET status = ",
            back_to_queue!(),
            ", owner = NULL, lease_until = 0
                 WHERE messenger = $1 AND owner = $2 AND status = 'sending'"
        ))
        .bind(messenger)
        .bind(owner)
        .execute(&self.writer)
        .await?;
        Ok((r.rows_affected(), last_call))
    }

    /// Journals `unknown` the recipients of the calls a sender left under way (its own after a
    /// restart when `owner` is given, else those whose lease ran out) and forgets the calls.
    /// Returns when the latest of them was noted (milliseconds since the epoch).
    async fn settle_calls(
        &self,
        messenger: &str,
        owner: Option<&str>,
        now: i64,
    ) -> Result<Option<i64>, StoreError> {
        let rows = sqlx::query(
            "SELECT call_id, broadcast_id, chat_ids, begun_at, owner FROM rt_broadcast_calls
             WHERE messenger = $1 AND (owner = $2 OR lease_until < $3)",
        )
        .bind(messenger)
        .bind(owner.unwrap_or(""))
        // With an owner, its own calls only: another instance's calls under way are its own
        // business until their lease runs out.
        .bind(if owner.is_some() { i64::MIN } else { now })
        .fetch_all(&self.writer)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut last_call: Option<i64> = None;
        for r in &rows {
            let at: i64 = r.try_get(3)?;
            last_call = last_call.max(Some(at).filter(|at| *at > 0));
        }
        let at = now_text(Utc::now());
        let mut tx = self.writer.begin().await?;
        for r in &rows {
            let call: String = r.try_get(0)?;
            let broadcast: String = r.try_get(1)?;
            let call_owner: String = r.try_get(4)?;
            let ids: Vec<String> =
                serde_json::from_str(&r.try_get::<String, _>(2)?).map_err(|e| {
                    StoreError::Corrupt {
                        what: "broadcast call",
                        reason: e.to_string(),
                    }
                })?;
            for chunk in ids.chunks(SENT_CHUNK) {
                let sql = format!(
                    "UPDATE rt_broadcast_recipients SET status = 'unknown', error = $1,
                       updated_at = $2, owner = NULL
                     WHERE broadcast_id = $3 AND messenger = $4 AND status = 'sending'
                       AND owner = $5 AND chat_id IN ({})",
                    super::super::sql::list(6, chunk.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql))
                    .bind(UNKNOWN)
                    .bind(at.clone())
                    .bind(broadcast.clone())
                    .bind(messenger.to_owned())
                    .bind(call_owner.clone());
                for c in chunk {
                    q = q.bind(c.clone());
                }
                q.execute(&mut *tx).await?;
            }
            sqlx::query("DELETE FROM rt_broadcast_calls WHERE call_id = $1")
                .bind(call)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        tracing::warn!(
            calls = rows.len(),
            "broadcast calls left under way by a stopped sender: their recipients are journalled unknown"
        );
        Ok(last_call)
    }

    /// Records sends' outcomes in one transaction: the sent ones in a few statements, each
    /// other one on its own. Only rows still under the claim each line came from change
    /// (`sending`, by `owner`, at the line's try).
    pub(crate) async fn record_sends(
        &self,
        messenger: &str,
        owner: &str,
        results: &[Sent],
        ended_calls: &[String],
    ) -> Result<(), StoreError> {
        if results.is_empty() && ended_calls.is_empty() {
            return Ok(());
        }
        let now = now_text(Utc::now());
        let mut tx = self.writer.begin().await?;
        for chunk in ended_calls.chunks(SENT_CHUNK) {
            let sql = format!(
                "DELETE FROM rt_broadcast_calls WHERE call_id IN ({})",
                super::super::sql::list(1, chunk.len())
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for c in chunk {
                q = q.bind(c.clone());
            }
            q.execute(&mut *tx).await?;
        }
        // Grouped by broadcast and message id: one statement per Viber call (its receivers
        // share one token) or per chunk of sends without ids.
        let mut sent: BTreeMap<(&str, Option<&str>, i64), Vec<&str>> = BTreeMap::new();
        for r in results {
            match &r.status {
                Some(RecipientStatus::Sent) => sent
                    .entry((r.broadcast_id.as_str(), r.message_id.as_deref(), r.attempts))
                    .or_default()
                    .push(r.chat_id.as_str()),
                Some(status) => {
                    sqlx::query(
                        "UPDATE rt_broadcast_recipients SET status = $1, error = $2,
                           updated_at = $3, owner = NULL
                         WHERE broadcast_id = $4 AND messenger = $5 AND chat_id = $6
                           AND status = 'sending' AND owner = $7 AND attempts = $8",
                    )
                    .bind(status.as_str().to_owned())
                    .bind(r.error.clone())
                    .bind(&now)
                    .bind(&r.broadcast_id)
                    .bind(messenger)
                    .bind(&r.chat_id)
                    .bind(owner)
                    .bind(r.attempts)
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    // The claim counted a try; one that was not made is given back.
                    sqlx::query(concat!(
                        "UPDATE rt_broadcast_recipients SET error = $1, owner = NULL,
                               lease_until = 0, attempts = attempts - $5, status = ",
                        back_to_queue!(),
                        " WHERE broadcast_id = $2 AND messenger = $3 AND chat_id = $4
                               AND status = 'sending' AND owner = $6 AND attempts = $7"
                    ))
                    .bind(r.error.clone())
                    .bind(&r.broadcast_id)
                    .bind(messenger)
                    .bind(&r.chat_id)
                    .bind(i64::from(!r.counted))
                    .bind(owner)
                    .bind(r.attempts)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        // The lines recorded as sent with the platform's message id: (message id, chat id).
        let mut recorded: HashSet<(String, String)> = HashSet::new();
        for ((id, message_id, attempts), chats) in sent {
            for chunk in chats.chunks(SENT_CHUNK) {
                let sql = format!(
                    "UPDATE rt_broadcast_recipients SET status = 'sent', updated_at = $1, owner = NULL,
                       message_id = $2
                     WHERE broadcast_id = $3 AND messenger = $4
                       AND status = 'sending' AND owner = $5 AND attempts = $6
                       AND chat_id IN ({})
                     RETURNING chat_id",
                    super::super::sql::list(7, chunk.len())
                );
                let mut q = sqlx::query(AssertSqlSafe(sql))
                    .bind(now.clone())
                    .bind(message_id.map(str::to_owned))
                    .bind(id.to_owned())
                    .bind(messenger.to_owned())
                    .bind(owner.to_owned())
                    .bind(attempts);
                for c in chunk {
                    q = q.bind((*c).to_owned());
                }
                for row in q.fetch_all(&mut *tx).await? {
                    if let Some(m) = message_id {
                        recorded.insert((m.to_owned(), row.try_get::<String, _>(0)?));
                    }
                }
            }
        }
        // Receipts that came before these lines (kept by `record_receipt`), applied now in
        // the order they came; rare, so one read when any line names its message.
        if !recorded.is_empty() {
            let early = sqlx::query(
                "SELECT message_id, chat_id, status, error FROM rt_broadcast_early_receipts
                 WHERE messenger = $1 ORDER BY received_at",
            )
            .bind(messenger)
            .fetch_all(&mut *tx)
            .await?;
            for row in &early {
                let (message_id, chat_id): (String, String) = (row.try_get(0)?, row.try_get(1)?);
                // Only for a line recorded now (one the claim checks dropped keeps it waiting).
                if !recorded.contains(&(message_id.clone(), chat_id.clone())) {
                    continue;
                }
                let status: String = row.try_get(2)?;
                let error: Option<String> = row.try_get(3)?;
                super::apply_receipt(
                    &mut tx,
                    messenger,
                    &chat_id,
                    &message_id,
                    &status,
                    error.as_deref(),
                )
                .await?;
                sqlx::query(
                    "DELETE FROM rt_broadcast_early_receipts
                     WHERE messenger = $1 AND message_id = $2 AND chat_id = $3 AND status = $4",
                )
                .bind(messenger)
                .bind(&message_id)
                .bind(&chat_id)
                .bind(&status)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Extends `owner`'s claims on `dues` (chat id, the try the claim counted) of `broadcast_id`
    /// until `until`, where they are still its own: `sending`, by `owner`, at that try. A claim
    /// held past its lease (a long back-off, a long pause for "too many requests") may have
    /// been made again meanwhile, by this instance or another, with a try more: that one sends,
    /// this one must not. Returns the chat ids still held.
    pub(crate) async fn hold_claims(
        &self,
        messenger: &str,
        owner: &str,
        broadcast_id: &str,
        dues: &[(&str, i64)],
        until: i64,
    ) -> Result<HashSet<String>, StoreError> {
        let mut conn = self.writer.acquire().await?;
        Self::hold_in(&mut conn, messenger, owner, broadcast_id, dues, until).await
    }

    async fn hold_in(
        conn: &mut sqlx::AnyConnection,
        messenger: &str,
        owner: &str,
        broadcast_id: &str,
        dues: &[(&str, i64)],
        until: i64,
    ) -> Result<HashSet<String>, StoreError> {
        let mut held = HashSet::new();
        for chunk in dues.chunks(SENT_CHUNK) {
            // `chat_id IN` for the index; the pairs so that a newer claim of this owner (a try
            // more) is not extended by this one.
            let n = chunk.len();
            let sql = format!(
                "UPDATE rt_broadcast_recipients SET lease_until = $1
                 WHERE broadcast_id = $2 AND messenger = $3 AND owner = $4 AND status = 'sending'
                   AND chat_id IN ({}) AND (chat_id, attempts) IN ({})
                 RETURNING chat_id, attempts",
                super::super::sql::list(5, n),
                super::super::sql::tuples(5 + n, n, 2)
            );
            let mut q = sqlx::query(AssertSqlSafe(sql))
                .bind(until)
                .bind(broadcast_id.to_owned())
                .bind(messenger.to_owned())
                .bind(owner.to_owned());
            for (chat, _) in chunk {
                q = q.bind((*chat).to_owned());
            }
            for (chat, attempts) in chunk {
                q = q.bind((*chat).to_owned()).bind(*attempts);
            }
            for row in q.fetch_all(&mut *conn).await? {
                let chat: String = row.try_get(0)?;
                let attempts: i64 = row.try_get(1)?;
                if chunk.iter().any(|(c, a)| *c == chat && *a == attempts) {
                    held.insert(chat);
                }
            }
        }
        Ok(held)
    }

    /// Notes a platform call before it is made (a kill during it leaves its recipients
    /// `unknown`, not sent again), with the recipients whose claim is still the caller's
    /// ([`Store::hold_claims`], extended to the call's lease, when [`BeginCall::check`] asks),
    /// in one transaction. Returns those recipients; the call is made to them only (none: no
    /// call, nothing noted).
    pub(crate) async fn begin_call(&self, call: &BeginCall<'_>) -> Result<Vec<String>, StoreError> {
        let mut tx = self.writer.begin().await?;
        let ids: Vec<String> = if call.check {
            let held = Self::hold_in(
                &mut tx,
                call.messenger,
                call.owner,
                call.broadcast_id,
                call.dues,
                call.lease_until,
            )
            .await?;
            call.dues
                .iter()
                .filter(|(c, _)| held.contains(*c))
                .map(|(c, _)| (*c).to_owned())
                .collect()
        } else {
            call.dues.iter().map(|(c, _)| (*c).to_owned()).collect()
        };
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(ids);
        }
        let json = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt {
            what: "broadcast call",
            reason: e.to_string(),
        })?;
        sqlx::query(
            "INSERT INTO rt_broadcast_calls
               (call_id, messenger, broadcast_id, owner, lease_until, chat_ids, begun_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(call.call_id)
        .bind(call.messenger)
        .bind(call.broadcast_id)
        .bind(call.owner)
        .bind(call.lease_until)
        .bind(json)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Marks done the active broadcasts that have no recipient left to send to, and drops the
    /// early receipts that waited a day for a line that never came.
    pub(crate) async fn finish_broadcasts(&self) -> Result<u64, StoreError> {
        sqlx::query("DELETE FROM rt_broadcast_early_receipts WHERE received_at < $1")
            .bind(now_ms().saturating_sub(24 * 3_600 * 1_000))
            .execute(&self.writer)
            .await?;
        let r = sqlx::query(
            "UPDATE rt_broadcasts SET state = 'done', finished_at = $1
             WHERE state = 'active' AND start_at <= $2 AND NOT EXISTS (
               SELECT 1 FROM rt_broadcast_recipients r WHERE r.broadcast_id = rt_broadcasts.id
                 AND r.status IN ('queued', 'sending'))",
        )
        .bind(now_text(Utc::now()))
        .bind(now_ms())
        .execute(&self.writer)
        .await?;
        Ok(r.rows_affected())
    }

    /// The message of a broadcast, with its state.
    pub(crate) async fn broadcast_message(
        &self,
        id: &str,
    ) -> Result<Option<(BroadcastState, Reply)>, StoreError> {
        let Some(row) = sqlx::query("SELECT state, payload FROM rt_broadcasts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.reader)
            .await?
        else {
            return Ok(None);
        };
        let payload: String = row.try_get(1)?;
        let message = serde_json::from_str(&payload).map_err(|e| StoreError::Corrupt {
            what: "broadcast message",
            reason: format!("{id}: {e}"),
        })?;
        Ok(Some((
            BroadcastState::parse(&row.try_get::<String, _>(0)?),
            message,
        )))
    }
}

#[cfg(test)]
mod tests;
