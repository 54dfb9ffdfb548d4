//! The audit log, the bots' text overrides, the broadcasts' test chats and the sign-in attempts.

use super::*;

impl PanelStore {
    /// Appends to the audit log.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO panel_audit (id, seq, at, actor, action, target, detail)
             SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3, $4, $5, $6 FROM panel_audit",
        )
        .bind(random_hex(12)?)
        .bind(ts(now))
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Audit entries, newest first (in the order they were written).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn audit_log(&self, limit: u32, offset: u64) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, target, detail FROM panel_audit ORDER BY seq DESC LIMIT $1 OFFSET $2",
        )
        .bind(i64::from(limit))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: parse_ts(&r.try_get::<String, _>("at")?)?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    target: r.try_get("target")?,
                    detail: r.try_get("detail")?,
                })
            })
            .collect()
    }

    // ----- text overrides (a persistence helper for hosts) -----

    /// Text overrides a host saved for `bot` with [`PanelStore::save_text_override`]:
    /// `(language, key, text)`, by language then key. A host loads them at start so edits made in
    /// the panel survive a restart.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn text_overrides(
        &self,
        bot: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT lang, text_key, body FROM panel_text_overrides WHERE bot = $1 ORDER BY lang, text_key",
        )
        .bind(bot)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("lang")?,
                    r.try_get("text_key")?,
                    r.try_get("body")?,
                ))
            })
            .collect()
    }

    /// Saves (or replaces) one text override of `bot`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn save_text_override(
        &self,
        bot: &str,
        lang: &str,
        key: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "DELETE FROM panel_text_overrides WHERE bot = $1 AND lang = $2 AND text_key = $3",
        )
        .bind(bot)
        .bind(lang)
        .bind(key)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO panel_text_overrides (bot, lang, text_key, body, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(bot)
        .bind(lang)
        .bind(key)
        .bind(body)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops one text override of `bot` (back to the default).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn delete_text_override(
        &self,
        bot: &str,
        lang: &str,
        key: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "DELETE FROM panel_text_overrides WHERE bot = $1 AND lang = $2 AND text_key = $3",
        )
        .bind(bot)
        .bind(lang)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ----- test chats -----

    /// The chat `login` picked as their own for test messages of `bot`, if any.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn test_chat(
        &self,
        login: &str,
        bot: &str,
    ) -> Result<Option<crate::backend::UserKey>, StoreError> {
        let row = sqlx::query(
            "SELECT messenger, user_id FROM panel_test_chats WHERE login = $1 AND bot = $2",
        )
        .bind(login)
        .bind(bot)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(crate::backend::UserKey {
                messenger: r.try_get("messenger")?,
                user_id: r.try_get("user_id")?,
            })
        })
        .transpose()
    }

    /// Saves (or replaces) the test chat of `login` for `bot`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn set_test_chat(
        &self,
        login: &str,
        bot: &str,
        chat: &crate::backend::UserKey,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM panel_test_chats WHERE login = $1 AND bot = $2")
            .bind(login)
            .bind(bot)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO panel_test_chats (login, bot, messenger, user_id, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(login)
        .bind(bot)
        .bind(&chat.messenger)
        .bind(&chat.user_id)
        .bind(ts(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ----- login attempts -----

    /// Records a failed login for each scope (e.g. `login:alice` and `ip:10.0.0.1`).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn record_login_failure(
        &self,
        scopes: &[String],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for scope in scopes {
            sqlx::query("INSERT INTO panel_login_failures (scope, at) VALUES ($1, $2)")
                .bind(scope)
                .bind(ts(now))
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Failed logins of a scope since `since`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn login_failures(
        &self,
        scope: &str,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM panel_login_failures WHERE scope = $1 AND at >= $2",
        )
        .bind(scope)
        .bind(ts(since))
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Forgets a scope's failures (after a successful login) and everybody's older than `before`.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub async fn clear_login_failures(
        &self,
        scope: &str,
        before: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM panel_login_failures WHERE scope = $1 OR at < $2")
            .bind(scope)
            .bind(ts(before))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
