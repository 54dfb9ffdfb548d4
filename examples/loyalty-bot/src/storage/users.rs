//! The bot's users: one record per messenger chat, its session and its language.

use chrono::{DateTime, Utc};
use loyalty_core::Session;
use sqlx::Row;

use super::{
    BotUser, ChatKey, Direction, LOG_MESSAGE, Profile, SessionJson, Storage, StorageError,
    TOUCH_USER, USER_SELECT_BY_KEY, USER_SELECT_BY_KEYS, now_text, user_from_row,
};

/// Users read at once, at most (two bound values each).
const USER_BATCH: usize = 50;

/// The reads of [`Storage::user_batched`] grouped.
pub(super) type UserLoader = super::batch::Batcher<ChatKey, Option<BotUser>>;

impl Storage {
    /// Reads a user like [`Storage::user`], grouped with the reads of other chats made at the
    /// same time: while one batch is being read, the next requests wait and are then read in
    /// one statement (no added delay for a lone read). Under load this turns one reader round
    /// trip per update into one per batch. The row is as fresh as with [`Storage::user`]: it is
    /// read after the request was made.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn user_batched(&self, key: &ChatKey) -> Result<Option<BotUser>, StorageError> {
        let this = self.clone();
        let read = self
            .users
            .submit(key.clone(), USER_BATCH, move |keys| {
                let this = this.clone();
                let keys: Vec<ChatKey> = keys.into_iter().cloned().collect();
                async move {
                    let found = this.users_by_keys(keys.iter()).await.ok()?;
                    Some(
                        keys.iter()
                            .map(|k| found.iter().find(|u| &u.key == k).cloned())
                            .collect(),
                    )
                }
            })
            .await;
        match read {
            Some(user) => Ok(user),
            // The batch failed (or its task is gone): read alone, with the error typed.
            None => self.user(key).await,
        }
    }

    /// The users of `keys`, one statement per messenger among them: `messenger = ?` and a plain
    /// `IN` list of chats, a primary-key lookup each (SQLite scans the whole table for a
    /// row-value `IN` list).
    async fn users_by_keys(
        &self,
        keys: impl Iterator<Item = &ChatKey>,
    ) -> Result<Vec<BotUser>, StorageError> {
        let mut by_messenger: Vec<(&str, Vec<&str>)> = Vec::new();
        for k in keys {
            match by_messenger.iter_mut().find(|(m, _)| *m == k.messenger) {
                Some((_, chats)) => chats.push(&k.chat_id),
                None => by_messenger.push((&k.messenger, vec![&k.chat_id])),
            }
        }
        let mut users = Vec::new();
        for (messenger, chats) in by_messenger {
            let list = (0..chats.len())
                .map(|i| format!("${}", i + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!("{USER_SELECT_BY_KEYS} ({list})");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(messenger);
            for c in chats {
                q = q.bind(c);
            }
            for row in q.fetch_all(&self.reader).await? {
                users.push(user_from_row(&row)?);
            }
        }
        Ok(users)
    }

    /// Records that a user wrote: creates the user on first contact, refreshes the profile and
    /// the last activity, and marks them active again. Returns the user.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn touch_user(
        &self,
        key: &ChatKey,
        profile: &Profile,
        default_language: &str,
        at: DateTime<Utc>,
    ) -> Result<BotUser, StorageError> {
        let now = now_text(at);
        sqlx::query(TOUCH_USER)
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .bind(profile.user_id.as_deref())
            .bind(profile.first_name.as_deref())
            .bind(profile.last_name.as_deref())
            .bind(profile.username.as_deref())
            .bind(default_language)
            .bind(&now)
            .bind(super::search_name(
                profile.first_name.as_deref(),
                profile.last_name.as_deref(),
                profile.username.as_deref(),
            ))
            .execute(&self.pool)
            .await?;
        self.user(key).await?.ok_or_else(|| StorageError::Corrupt {
            what: "user",
            reason: "not found right after upsert".into(),
        })
    }

    /// The write of [`Storage::touch_user`] (creates the user on first contact, refreshes the
    /// profile and the last activity, marks them active again), for the runtime to commit with
    /// the update's completion.
    pub fn touch_write(
        key: &ChatKey,
        profile: &Profile,
        default_language: &str,
        at: DateTime<Utc>,
    ) -> messenger_runtime::Write {
        // Keyed by the chat: the runtime merges the touches of a commit group into one upsert.
        messenger_runtime::Write::chat_upsert(TOUCH_USER)
            .bind(key.messenger.clone())
            .bind(key.chat_id.clone())
            .bind(profile.user_id.clone())
            .bind(profile.first_name.clone())
            .bind(profile.last_name.clone())
            .bind(profile.username.clone())
            .bind(default_language)
            .bind(now_text(at))
            .bind(super::search_name(
                profile.first_name.as_deref(),
                profile.last_name.as_deref(),
                profile.username.as_deref(),
            ))
    }

    /// The write of [`Storage::log_message`], for the runtime to commit with the update's
    /// completion (incoming) or the message's "sent" mark (outgoing).
    pub fn log_write(
        key: &ChatKey,
        direction: Direction,
        kind: &str,
        body: Option<&str>,
        at: DateTime<Utc>,
    ) -> messenger_runtime::Write {
        messenger_runtime::Write::append(LOG_MESSAGE)
            .bind(key.messenger.clone())
            .bind(key.chat_id.clone())
            .bind(direction.as_str())
            .bind(kind)
            .bind(body.map(str::to_owned))
            .bind(now_text(at))
    }

    /// Reads a user.
    ///
    /// # Errors
    /// [`StorageError`] on database failure or a corrupt row.
    pub async fn user(&self, key: &ChatKey) -> Result<Option<BotUser>, StorageError> {
        let row = sqlx::query(USER_SELECT_BY_KEY)
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| user_from_row(&r)).transpose()
    }

    /// Stores a successful authorization: the phone (also remembered in the list of phones used),
    /// the provider, its customer id and the session.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn set_authorized(
        &self,
        key: &ChatKey,
        phone: &str,
        provider: &str,
        session: &Session,
        at: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let session_json = SessionJson::encode(session)?;
        let now = now_text(at);
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "UPDATE bot_users SET phone = $3, provider = $4, customer_id = $5, session = $6, last_activity = $7
             WHERE messenger = $1 AND chat_id = $2",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .bind(phone)
        .bind(provider)
        .bind(session.customer_id())
        .bind(&session_json.0)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO bot_auth_phones (messenger, chat_id, phone, used_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (messenger, chat_id, phone) DO UPDATE SET used_at = excluded.used_at",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .bind(phone)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The writes of [`Storage::set_authorized`], for the runtime to commit with the update's
    /// completion (after the write of [`Storage::touch_write`], which makes a new user's record).
    ///
    /// # Errors
    /// [`StorageError::Corrupt`] if the session cannot be serialized (it always can).
    pub fn authorized_writes(
        key: &ChatKey,
        phone: &str,
        provider: &str,
        session: &Session,
        at: DateTime<Utc>,
    ) -> Result<Vec<messenger_runtime::Write>, StorageError> {
        let session_json = SessionJson::encode(session)?;
        let now = now_text(at);
        Ok(vec![
            messenger_runtime::Write::new(
                "UPDATE bot_users SET phone = $3, provider = $4, customer_id = $5, session = $6, last_activity = $7
                 WHERE messenger = $1 AND chat_id = $2",
            )
            .bind(key.messenger.clone())
            .bind(key.chat_id.clone())
            .bind(phone)
            .bind(provider)
            .bind(session.customer_id().map(str::to_owned))
            .bind(session_json.0)
            .bind(now.clone()),
            messenger_runtime::Write::new(
                "INSERT INTO bot_auth_phones (messenger, chat_id, phone, used_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (messenger, chat_id, phone) DO UPDATE SET used_at = excluded.used_at",
            )
            .bind(key.messenger.clone())
            .bind(key.chat_id.clone())
            .bind(phone)
            .bind(now),
        ])
    }

    /// Forgets the session (expired or logged out); the phone stays.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn clear_session(&self, key: &ChatKey) -> Result<(), StorageError> {
        sqlx::query("UPDATE bot_users SET session = NULL WHERE messenger = $1 AND chat_id = $2")
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Phones this chat has authorized with, most recent first.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn auth_phones(&self, key: &ChatKey) -> Result<Vec<String>, StorageError> {
        let rows = sqlx::query(
            "SELECT phone FROM bot_auth_phones WHERE messenger = $1 AND chat_id = $2 ORDER BY used_at DESC",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }

    /// Sets the interface language.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn set_language(&self, key: &ChatKey, language: &str) -> Result<(), StorageError> {
        sqlx::query("UPDATE bot_users SET language = $3 WHERE messenger = $1 AND chat_id = $2")
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .bind(language)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Merges an attribute into the user's segment document and sets it in
    /// `bot_user_attributes` (where broadcast segments filter on it); `null` removes it there.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn set_segment_attr(
        &self,
        key: &ChatKey,
        name: &str,
        value: serde_json::Value,
    ) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await?;
        let current: Option<String> = sqlx::query_scalar(
            "SELECT segment FROM bot_users WHERE messenger = $1 AND chat_id = $2",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .fetch_optional(&mut *tx)
        .await?;
        let mut doc: serde_json::Map<String, serde_json::Value> = current
            .as_deref()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        let text = super::audience::attribute_text(&value);
        doc.insert(name.to_owned(), value);
        sqlx::query("UPDATE bot_users SET segment = $3 WHERE messenger = $1 AND chat_id = $2")
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .bind(serde_json::Value::Object(doc).to_string())
            .execute(&mut *tx)
            .await?;
        // The same attribute where broadcast segments filter on it.
        sqlx::query(
            "DELETE FROM bot_user_attributes WHERE messenger = $1 AND chat_id = $2 AND name = $3",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .bind(name)
        .execute(&mut *tx)
        .await?;
        if let Some(text) = text
            && current.is_some()
        {
            sqlx::query(
                "INSERT INTO bot_user_attributes (messenger, chat_id, name, value, updated_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .bind(name)
            .bind(text)
            .bind(super::now_text(Utc::now()))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Marks the user inactive (blocked the bot, unsubscribed): broadcasts skip them.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn set_inactive(&self, key: &ChatKey) -> Result<(), StorageError> {
        sqlx::query("UPDATE bot_users SET active = 0 WHERE messenger = $1 AND chat_id = $2")
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Active chats linked to a provider's customer (for purchase notifications).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn chats_of_customer(
        &self,
        provider: &str,
        customer_id: &str,
    ) -> Result<Vec<ChatKey>, StorageError> {
        let rows = sqlx::query(
            "SELECT messenger, chat_id FROM bot_users WHERE provider = $1 AND customer_id = $2 AND active = 1
             ORDER BY messenger, chat_id",
        )
        .bind(provider)
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ChatKey::new(
                    r.try_get::<String, _>(0)?,
                    r.try_get::<String, _>(1)?,
                ))
            })
            .collect()
    }

    /// Customer ids of `provider` linked to an active chat.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn customers_of_provider(&self, provider: &str) -> Result<Vec<String>, StorageError> {
        let rows = sqlx::query(
            "SELECT DISTINCT customer_id FROM bot_users
             WHERE provider = $1 AND customer_id IS NOT NULL AND active = 1 ORDER BY customer_id",
        )
        .bind(provider)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(r.try_get::<String, _>(0)?))
            .collect()
    }
}
