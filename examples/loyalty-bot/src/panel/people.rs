//! The panel's statistics, users list and user profile over the bot's tables (`bot_users`,
//! `bot_auth_phones`, `bot_message_log`): each one or two bounded SQL statements.

use super::*;

impl BotPanel {
    /// Runs one of the statistics' per-day counts over `[lo, hi)` (`$1`, `$2`: dates).
    async fn day_counts(
        &self,
        sql: &'static str,
        lo: &str,
        hi: &str,
    ) -> Result<Vec<sqlx::any::AnyRow>, BackendError> {
        sqlx::query(sql)
            .bind(lo)
            .bind(hi)
            .fetch_all(&self.pool)
            .await
            .map_err(failed)
    }

    /// [`PanelBackend::stats`]: the figures per messenger and per day, one `GROUP BY` each.
    pub(super) async fn read_stats(
        &self,
        bot: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<RawStats, BackendError> {
        self.check_bot(bot)?;
        let lo = from.format("%Y-%m-%d").to_string();
        let hi = to
            .checked_add_days(Days::new(1))
            .unwrap_or(to)
            .format("%Y-%m-%d")
            .to_string();
        let mut totals: BTreeMap<String, SubscriberTotals> = self
            .bot
            .messengers
            .iter()
            .map(|m| (m.clone(), SubscriberTotals::default()))
            .collect();
        let rows = sqlx::query(
            "SELECT messenger, COUNT(*) AS total, SUM(CASE WHEN active = 1 THEN 1 ELSE 0 END) AS active
             FROM bot_users GROUP BY messenger",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        for r in rows {
            let total: i64 = r.try_get("total").map_err(failed)?;
            let active: i64 = r.try_get("active").map_err(failed)?;
            let (total, active) = (
                u64::try_from(total).unwrap_or(0),
                u64::try_from(active).unwrap_or(0),
            );
            totals.insert(
                r.try_get("messenger").map_err(failed)?,
                SubscriberTotals {
                    total,
                    active,
                    blocked: total.saturating_sub(active),
                },
            );
        }
        let mut days: BTreeMap<(String, String), DailyFigures> = BTreeMap::new();
        let rows = self
            .day_counts(
                "SELECT messenger, SUBSTR(created_at, 1, 10) AS day, COUNT(*) AS n FROM bot_users
             WHERE created_at >= $1 AND created_at < $2 GROUP BY messenger, SUBSTR(created_at, 1, 10)",
                &lo,
                &hi,
            )
            .await?;
        for r in rows {
            let n: i64 = r.try_get("n").map_err(failed)?;
            slot(
                &mut days,
                r.try_get("messenger").map_err(failed)?,
                r.try_get("day").map_err(failed)?,
            )?
            .new_subscribers = u64::try_from(n).unwrap_or(0);
        }
        let rows = self
            .day_counts(
                "SELECT messenger, SUBSTR(at, 1, 10) AS day, direction, COUNT(*) AS n FROM bot_message_log
             WHERE at >= $1 AND at < $2 GROUP BY messenger, SUBSTR(at, 1, 10), direction",
                &lo,
                &hi,
            )
            .await?;
        for r in rows {
            let n = u64::try_from(r.try_get::<i64, _>("n").map_err(failed)?).unwrap_or(0);
            let direction: String = r.try_get("direction").map_err(failed)?;
            let d = slot(
                &mut days,
                r.try_get("messenger").map_err(failed)?,
                r.try_get("day").map_err(failed)?,
            )?;
            if direction == "in" {
                d.messages_in += n;
            } else {
                d.messages_out += n;
            }
        }
        Ok(RawStats {
            totals,
            days: days.into_values().collect(),
        })
    }

    /// [`PanelBackend::users`]: one page of users and the count, two bounded statements.
    pub(super) async fn read_users(
        &self,
        bot: &str,
        q: &UsersQuery,
    ) -> Result<UsersPage, BackendError> {
        self.check_bot(bot)?;
        // `search_name` is lowercased by the bot with Unicode rules (see `storage::search_name`);
        // the needle is lowercased the same way, and LIKE's wildcards in it are escaped.
        let (filter, name_like, digits_like) = match q.search.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => {
                let digits: String = s.chars().filter(char::is_ascii_digit).collect();
                let f = if digits.is_empty() {
                    "WHERE search_name LIKE $1 ESCAPE '\\'".to_owned()
                } else {
                    "WHERE (search_name LIKE $1 ESCAPE '\\' OR phone LIKE $2)".to_owned()
                };
                let needle = s
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_");
                (f, format!("%{needle}%"), format!("%{digits}%"))
            }
            _ => (String::new(), String::new(), String::new()),
        };
        let has_digits = !filter.is_empty() && filter.contains("$2");
        let dir = if q.descending { "DESC" } else { "ASC" };
        let order = match q.sort {
            UserSort::Phone => format!("CASE WHEN phone IS NULL THEN 1 ELSE 0 END, phone {dir}"),
            UserSort::Name => format!("search_name {dir}"),
            UserSort::FirstContact => format!("created_at {dir}"),
            UserSort::LastActivity => format!("last_activity {dir}"),
        };
        let (lim, off) = if filter.is_empty() {
            ("$1", "$2")
        } else if has_digits {
            ("$3", "$4")
        } else {
            ("$2", "$3")
        };
        // Fixed fragments of our own; the search text only ever travels as a bound value.
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM bot_users {filter} ORDER BY {order}, messenger, chat_id LIMIT {lim} OFFSET {off}"
        );
        let count_sql = format!("SELECT COUNT(*) FROM bot_users {filter}");
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
        if !filter.is_empty() {
            query = query.bind(name_like.clone());
            count = count.bind(name_like);
            if has_digits {
                query = query.bind(digits_like.clone());
                count = count.bind(digits_like);
            }
        }
        let rows = query
            .bind(i64::from(q.limit))
            .bind(i64::try_from(q.offset).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(failed)?;
        let total = count.fetch_one(&self.pool).await.map_err(failed)?;
        Ok(UsersPage {
            users: rows.iter().map(summary).collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    /// [`PanelBackend::user`]: one user's profile with recent messages.
    pub(super) async fn read_user(
        &self,
        bot: &str,
        key: &UserKey,
    ) -> Result<Option<UserProfile>, BackendError> {
        self.check_bot(bot)?;
        let sql = format!(
            "SELECT {USER_COLUMNS}, provider, customer_id, segment, session FROM bot_users WHERE messenger = $1 AND chat_id = $2"
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&key.messenger)
            .bind(&key.user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(failed)?
        else {
            return Ok(None);
        };
        let summary = summary(&row)?;
        let mut programme = Vec::new();
        if let Some(p) = row
            .try_get::<Option<String>, _>("provider")
            .map_err(failed)?
        {
            programme.push(("provider".to_owned(), p));
        }
        if let Some(c) = row
            .try_get::<Option<String>, _>("customer_id")
            .map_err(failed)?
        {
            programme.push(("customer_id".to_owned(), c));
        }
        let session: Option<String> = row.try_get("session").map_err(failed)?;
        programme.extend(self.live_programme(session).await);
        let segment_doc: String = row.try_get("segment").map_err(failed)?;
        let segment = match serde_json::from_str::<serde_json::Value>(&segment_doc) {
            Ok(serde_json::Value::Object(m)) => m
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
            _ => Vec::new(),
        };
        let phones: Vec<String> = sqlx::query_scalar(
            "SELECT phone FROM bot_auth_phones WHERE messenger = $1 AND chat_id = $2 ORDER BY used_at DESC",
        )
        .bind(&key.messenger)
        .bind(&key.user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        let rows = sqlx::query(
            "SELECT direction, kind, body, at FROM bot_message_log WHERE messenger = $1 AND chat_id = $2
             ORDER BY at DESC LIMIT $3",
        )
        .bind(&key.messenger)
        .bind(&key.user_id)
        .bind(RECENT_MESSAGES)
        .fetch_all(&self.pool)
        .await
        .map_err(failed)?;
        let mut recent_messages = Vec::with_capacity(rows.len());
        for r in rows {
            let direction: String = r.try_get("direction").map_err(failed)?;
            let kind: String = r.try_get("kind").map_err(failed)?;
            let body: Option<String> = r.try_get("body").map_err(failed)?;
            recent_messages.push(MessageEntry {
                at: parse_time(&r.try_get::<String, _>("at").map_err(failed)?)?,
                direction: if direction == "in" {
                    Direction::In
                } else {
                    Direction::Out
                },
                text: body.unwrap_or_else(|| format!("[{kind}]")),
            });
        }
        Ok(Some(UserProfile {
            username: row.try_get("username").map_err(failed)?,
            phones,
            programme,
            segment,
            recent_messages,
            summary,
        }))
    }
}
