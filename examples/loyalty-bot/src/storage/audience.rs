//! Audiences for broadcasts (issue 19): the active users of the bot that match a [`Segment`].
//! One `SELECT` with bound values; the filters are portable SQL (times are stored as RFC 3339
//! text in UTC with a fixed width, so they compare as text).
//!
//! Programme data: the customer's level, cached in `bot_users.level` whenever the bot reads the
//! balance from the provider ([`Storage::level_write`]). Custom attributes: one row per key in
//! `bot_user_attributes`, written with the `segment` document by
//! [`Storage::set_segment_attr`]; values compare as text (a JSON string as itself, anything
//! else as its JSON form: `true`, `42`).

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};

use super::{ChatKey, Storage, StorageError, now_text};

/// Which users a broadcast reaches. Every filter that is set narrows the audience; a segment
/// with none set is every active user. Users who blocked the bot (inactive) are never in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Segment {
    /// Only these messengers (`telegram`, `viber`, `max`); empty: all.
    pub messengers: Vec<String>,
    /// Only these languages (`uk`, `ru`); empty: all.
    pub languages: Vec<String>,
    /// First contact at or after this moment.
    pub first_contact_from: Option<DateTime<Utc>>,
    /// First contact before this moment.
    pub first_contact_before: Option<DateTime<Utc>>,
    /// Last activity at or after this moment.
    pub active_from: Option<DateTime<Utc>>,
    /// Last activity before this moment.
    pub active_before: Option<DateTime<Utc>>,
    /// `Some(true)`: only users who gave their phone (logged in to the programme);
    /// `Some(false)`: only those who did not.
    pub with_phone: Option<bool>,
    /// Only customers whose cached level is one of these (exact names); empty: any.
    pub levels: Vec<String>,
    /// Only users with every one of these custom attributes (`key`, `value`), compared exactly.
    pub attributes: Vec<(String, String)>,
}

impl Segment {
    /// Every active user.
    pub fn everyone() -> Self {
        Self::default()
    }

    /// Only users of `messenger`.
    pub fn messenger(mut self, messenger: impl Into<String>) -> Self {
        self.messengers.push(messenger.into());
        self
    }

    /// Only users whose language is `lang`.
    pub fn language(mut self, lang: impl Into<String>) -> Self {
        self.languages.push(lang.into());
        self
    }

    /// First contact in `[from, before)` (either end open with `None`).
    pub fn first_contact(
        mut self,
        from: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
    ) -> Self {
        self.first_contact_from = from;
        self.first_contact_before = before;
        self
    }

    /// Last activity in `[from, before)` (either end open with `None`).
    pub fn last_activity(
        mut self,
        from: Option<DateTime<Utc>>,
        before: Option<DateTime<Utc>>,
    ) -> Self {
        self.active_from = from;
        self.active_before = before;
        self
    }

    /// Only users with (`true`) or without (`false`) a phone.
    pub fn with_phone(mut self, yes: bool) -> Self {
        self.with_phone = Some(yes);
        self
    }

    /// Only customers at level `level` (more than one: any of them).
    pub fn level(mut self, level: impl Into<String>) -> Self {
        self.levels.push(level.into());
        self
    }

    /// Only users whose custom attribute `key` is `value` (several: all of them).
    pub fn attribute(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((key.into(), value.into()));
        self
    }

    /// The `WHERE` clause and its bound values, placeholders from `$1`.
    fn clause(&self) -> (String, Vec<String>) {
        let mut sql = String::from("WHERE active = 1");
        let mut args: Vec<String> = Vec::new();
        let mut list = |sql: &mut String, column: &str, values: &[String]| {
            if values.is_empty() {
                return;
            }
            let marks: Vec<String> = values
                .iter()
                .map(|v| {
                    args.push(v.clone());
                    format!("${}", args.len())
                })
                .collect();
            sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
        };
        list(&mut sql, "messenger", &self.messengers);
        list(&mut sql, "language", &self.languages);
        list(&mut sql, "level", &self.levels);
        for (column, op, at) in [
            ("created_at", ">=", self.first_contact_from),
            ("created_at", "<", self.first_contact_before),
            ("last_activity", ">=", self.active_from),
            ("last_activity", "<", self.active_before),
        ] {
            if let Some(at) = at {
                args.push(now_text(at));
                sql.push_str(&format!(" AND {column} {op} ${}", args.len()));
            }
        }
        match self.with_phone {
            Some(true) => sql.push_str(" AND phone IS NOT NULL"),
            Some(false) => sql.push_str(" AND phone IS NULL"),
            None => {}
        }
        for (key, value) in &self.attributes {
            args.push(key.clone());
            args.push(value.clone());
            sql.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM bot_user_attributes a WHERE a.messenger = bot_users.messenger \
                 AND a.chat_id = bot_users.chat_id AND a.name = ${} AND a.value = ${})",
                args.len() - 1,
                args.len()
            ));
        }
        (sql, args)
    }
}

impl Storage {
    /// A [`messenger_runtime::Write`] that caches the customer's level as the provider reported
    /// it (`None`: no level), committed with the update that read it.
    pub fn level_write(key: &ChatKey, level: Option<&str>) -> messenger_runtime::Write {
        messenger_runtime::Write::new(
            "UPDATE bot_users SET level = $1 WHERE messenger = $2 AND chat_id = $3",
        )
        .bind(level.map(str::to_owned))
        .bind(key.messenger.clone())
        .bind(key.chat_id.clone())
    }

    /// The levels cached for active users and the custom attribute keys in use, each sorted
    /// and at most `limit` long (the panel offers them in the segment form).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn audience_options(
        &self,
        limit: i64,
    ) -> Result<(Vec<String>, Vec<String>), StorageError> {
        let levels: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT level FROM bot_users WHERE active = 1 AND level IS NOT NULL ORDER BY level LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        let keys: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT name FROM bot_user_attributes ORDER BY name LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.reader)
        .await?;
        Ok((levels, keys))
    }

    /// How many users `segment` reaches (the panel shows it before sending).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn audience_count(&self, segment: &Segment) -> Result<u64, StorageError> {
        let (clause, args) = segment.clause();
        let sql = format!("SELECT COUNT(*) FROM bot_users {clause}");
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in args {
            q = q.bind(a);
        }
        let n: i64 = q.fetch_one(&self.reader).await?.try_get(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The chats `segment` reaches, oldest users first (the order a broadcast sends in).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn audience(&self, segment: &Segment) -> Result<Vec<ChatKey>, StorageError> {
        let (clause, args) = segment.clause();
        let sql = format!(
            "SELECT messenger, chat_id FROM bot_users {clause} ORDER BY created_at, messenger, chat_id"
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for a in args {
            q = q.bind(a);
        }
        let rows = q.fetch_all(&self.reader).await?;
        rows.iter()
            .map(|r| {
                Ok(ChatKey::new(
                    r.try_get::<String, _>(0)?,
                    r.try_get::<String, _>(1)?,
                ))
            })
            .collect()
    }
}

/// An attribute's value as `bot_user_attributes` keeps it: a JSON string as itself, `null` as
/// nothing (the attribute is removed), anything else as its JSON text.
pub(super) fn attribute_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Copies every user's `segment` document into `bot_user_attributes` (run once, with the
/// migration that creates the table).
pub(super) async fn backfill_attributes(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    now: &str,
) -> Result<(), StorageError> {
    let rows = sqlx::query("SELECT messenger, chat_id, segment FROM bot_users")
        .fetch_all(&mut **tx)
        .await?;
    for r in rows {
        let doc: String = r.try_get(2)?;
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&doc) else {
            continue;
        };
        let messenger: String = r.try_get(0)?;
        let chat_id: String = r.try_get(1)?;
        for (name, value) in &map {
            let Some(value) = attribute_text(value) else {
                continue;
            };
            sqlx::query(
                "INSERT INTO bot_user_attributes (messenger, chat_id, name, value, updated_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (messenger, chat_id, name) DO NOTHING",
            )
            .bind(&messenger)
            .bind(&chat_id)
            .bind(name)
            .bind(value)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
