//! Audiences for broadcasts (issue 19): the active users of the bot that match a [`Segment`].
//! One `SELECT` with bound values; the filters are portable SQL (times are stored as RFC 3339
//! text in UTC with a fixed width, so they compare as text).

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
        (sql, args)
    }
}

impl Storage {
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
