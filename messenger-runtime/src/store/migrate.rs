//! Embedded, versioned migrations and the in-place upgrade of the example bot's older tables.

use chrono::Utc;
use messenger_core::Update;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};

use super::delivery::ensure_chat;
use super::sql::split_statements;
use super::{Backend, Store, StoreError, now_text};

/// The runtime's migrations, applied in order once each (recorded in `rt_schema_version`).
pub(super) const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/0001_runtime.sql")),
    (3, include_str!("../../migrations/0003_broadcasts.sql")),
    (4, include_str!("../../migrations/0004_receipts.sql")),
    (5, include_str!("../../migrations/0005_call_times.sql")),
    (6, include_str!("../../migrations/0006_early_receipts.sql")),
];

/// The version of the in-place upgrade of the example bot's own tables.
pub(super) const LEGACY_IMPORT: i64 = 2;

pub(super) async fn record_version(
    tx: &mut Transaction<'_, Any>,
    version: i64,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO rt_schema_version (version, applied_at) VALUES ($1, $2)")
        .bind(version)
        .bind(now_text(Utc::now()))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
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

    pub(super) async fn applied(&self, version: i64) -> Result<bool, StoreError> {
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM rt_schema_version WHERE version = $1")
                .bind(version)
                .fetch_optional(&self.writer)
                .await?;
        Ok(done.is_some())
    }

    pub(super) async fn table_exists(
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
    pub(super) async fn import_legacy(
        &self,
        tx: &mut Transaction<'_, Any>,
    ) -> Result<(), StoreError> {
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
}
