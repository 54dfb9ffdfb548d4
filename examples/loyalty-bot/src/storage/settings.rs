//! Settings changed while the bot runs (the control panel's Codes page), kept across restarts.

use chrono::{DateTime, Utc};

use super::{Storage, StorageError, now_text};

impl Storage {
    /// The setting `name`, if saved.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn setting(&self, name: &str) -> Result<Option<String>, StorageError> {
        Ok(
            sqlx::query_scalar("SELECT value FROM bot_settings WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Saves the setting `name`.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn set_setting(
        &self,
        name: &str,
        value: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO bot_settings (name, value, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(name)
        .bind(value)
        .bind(now_text(at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
