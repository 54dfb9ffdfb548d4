//! The delivery scheduler's side of the outbox (claims, queued messages, postponements) and
//! pushes no update caused.

use chrono::Utc;
use messenger_core::ChatRef;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::sql::{bind_value, placeholders, seq_base};
use super::{Backend, OutboxRow, Queued, Store, StoreError, now_text};
use crate::handler::{Reply, Write};

/// Claims a push's event id: `false` when it was claimed before.
pub(super) async fn claim_event(
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

pub(super) async fn queue_push(
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

pub(super) async fn ensure_chat(
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
pub(super) async fn insert_outbox(
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

impl Store {
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
}
