//! Reading the bot's rows for the panel: users, times, daily figures.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use control_panel::{BackendError, DailyFigures, UserKey, UserSummary};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::texts::Lang;

pub(super) fn failed(e: impl std::fmt::Display) -> BackendError {
    BackendError::Failed(e.to_string())
}

pub(super) fn parse_time(s: &str) -> Result<DateTime<Utc>, BackendError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| failed(format!("time {s:?}: {e}")))
}

pub(super) fn lang_of(code: &str) -> Result<Lang, BackendError> {
    match code {
        "uk" => Ok(Lang::Uk),
        "ru" => Ok(Lang::Ru),
        other => Err(BackendError::Invalid(format!(
            "the bot speaks uk and ru, not {other:?}"
        ))),
    }
}

pub(super) const USER_COLUMNS: &str = "messenger, chat_id, phone, first_name, last_name, username, language, active, created_at, last_activity";

pub(super) fn summary(r: &AnyRow) -> Result<UserSummary, BackendError> {
    let first: Option<String> = r.try_get("first_name").map_err(failed)?;
    let last: Option<String> = r.try_get("last_name").map_err(failed)?;
    let name = [first, last]
        .into_iter()
        .flatten()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(UserSummary {
        key: UserKey {
            messenger: r.try_get("messenger").map_err(failed)?,
            user_id: r.try_get("chat_id").map_err(failed)?,
        },
        phone: r.try_get("phone").map_err(failed)?,
        name: (!name.is_empty()).then_some(name),
        language: r.try_get("language").map_err(failed)?,
        first_contact: parse_time(&r.try_get::<String, _>("created_at").map_err(failed)?)?,
        last_activity: parse_time(&r.try_get::<String, _>("last_activity").map_err(failed)?)?,
        active: r.try_get::<i64, _>("active").map_err(failed)? != 0,
    })
}

/// The figures of `messenger` on day `d` (`YYYY-MM-DD`), created empty on first use.
pub(super) fn slot(
    days: &mut BTreeMap<(String, String), DailyFigures>,
    messenger: String,
    d: String,
) -> Result<&mut DailyFigures, BackendError> {
    let day = NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(failed)?;
    Ok(days
        .entry((d, messenger.clone()))
        .or_insert_with(|| DailyFigures {
            messenger,
            day,
            new_subscribers: 0,
            messages_in: 0,
            messages_out: 0,
        }))
}
