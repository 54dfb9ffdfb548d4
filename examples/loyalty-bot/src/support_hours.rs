//! Support's working hours (`SUPPORT_HOURS`, `SUPPORT_TZ`): whether support works now, and when
//! it opens next, so a question asked out of hours is answered with "we will reply in working
//! hours" (seed 004, online support).
//!
//! `SUPPORT_HOURS` is a comma-separated list of spans `<days> <HH:MM>-<HH:MM>`, days being one day
//! (`Sat`) or a range (`Mon-Fri`) of `Mon Tue Wed Thu Fri Sat Sun`:
//! `Mon-Fri 09:00-18:00, Sat 10:00-14:00`. `SUPPORT_TZ` is the fixed UTC offset the hours are
//! in: `+02:00`, `-05:30`, `UTC+3` or `UTC` (a fixed offset: daylight saving time is not
//! followed; set the summer offset in summer).

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveTime, Offset, Utc, Weekday};

use crate::texts::Lang;

/// One span of working hours: the same hours on each of some weekdays.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    /// First and last day (inclusive, Monday-based: `Sat-Mon` wraps over Sunday).
    days: (Weekday, Weekday),
    /// Opening time.
    open: NaiveTime,
    /// Closing time (after the opening).
    close: NaiveTime,
}

impl Span {
    fn has_day(&self, day: Weekday) -> bool {
        let (from, to) = (
            self.days.0.num_days_from_monday(),
            self.days.1.num_days_from_monday(),
        );
        let d = day.num_days_from_monday();
        if from <= to {
            (from..=to).contains(&d)
        } else {
            d >= from || d <= to
        }
    }
}

/// Support's working hours in a fixed UTC offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportHours {
    spans: Vec<Span>,
    offset: FixedOffset,
}

const DAYS: [(&str, Weekday); 7] = [
    ("mon", Weekday::Mon),
    ("tue", Weekday::Tue),
    ("wed", Weekday::Wed),
    ("thu", Weekday::Thu),
    ("fri", Weekday::Fri),
    ("sat", Weekday::Sat),
    ("sun", Weekday::Sun),
];

fn day(s: &str) -> Result<Weekday, String> {
    let s = s.trim().to_ascii_lowercase();
    DAYS.iter()
        .find(|(name, _)| *name == s)
        .map(|(_, d)| *d)
        .ok_or_else(|| format!("{s:?} is not a day (use Mon, Tue, Wed, Thu, Fri, Sat or Sun)"))
}

fn time(s: &str) -> Result<NaiveTime, String> {
    let s = s.trim();
    if s == "24:00" {
        return Ok(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN));
    }
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("{s:?} is not a time like 09:00"))
}

impl SupportHours {
    /// Reads `SUPPORT_HOURS` (`hours`) in the offset `SUPPORT_TZ` (`tz`).
    ///
    /// # Errors
    /// What is wrong, to be reported with the variable's name.
    fn parse(hours: &str) -> Result<Vec<(Weekday, Weekday, NaiveTime, NaiveTime)>, String> {
        let mut out = Vec::new();
        for part in hours.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (days, times) = part
                .split_once(char::is_whitespace)
                .ok_or_else(|| format!("{part:?} is not like \"Mon-Fri 09:00-18:00\""))?;
            let (d1, d2) = match days.split_once('-') {
                Some((a, b)) => (day(a)?, day(b)?),
                None => (day(days)?, day(days)?),
            };
            let (t1, t2) = times
                .trim()
                .split_once('-')
                .ok_or_else(|| format!("{times:?} is not like 09:00-18:00"))?;
            let (open, close) = (time(t1)?, time(t2)?);
            if close <= open {
                return Err(format!(
                    "{part:?}: the closing time is not after the opening"
                ));
            }
            out.push((d1, d2, open, close));
        }
        if out.is_empty() {
            return Err("no hours given (e.g. \"Mon-Fri 09:00-18:00\")".into());
        }
        Ok(out)
    }

    /// Reads a fixed offset: `+02:00`, `-0530`, `UTC+3`, `UTC`, `Z`.
    ///
    /// # Errors
    /// What is wrong, to be reported with the variable's name.
    pub fn parse_offset(tz: &str) -> Result<FixedOffset, String> {
        let t = tz.trim();
        let rest = t
            .strip_prefix("UTC")
            .or_else(|| t.strip_prefix("GMT"))
            .unwrap_or(t);
        if rest.is_empty() || rest == "Z" {
            return Ok(Utc.fix());
        }
        let bad = || format!("{t:?} is not a UTC offset like +02:00 or UTC+3");
        let (sign, digits) = match rest.as_bytes().first() {
            Some(b'+') => (1, &rest[1..]),
            Some(b'-') => (-1, &rest[1..]),
            _ => return Err(bad()),
        };
        let (h, m) = match digits.split_once(':') {
            Some((h, m)) => (h, m),
            None if digits.len() == 4 => digits.split_at(2),
            None => (digits, "0"),
        };
        let h: i32 = h.parse().map_err(|_| bad())?;
        let m: i32 = m.parse().map_err(|_| bad())?;
        if h > 14 || m > 59 {
            return Err(bad());
        }
        FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(bad)
    }

    /// Working hours from `SUPPORT_HOURS` and `SUPPORT_TZ`.
    ///
    /// # Errors
    /// `(variable, problem)` for the first value that does not read.
    pub fn from_vars(hours: &str, tz: &str) -> Result<Self, (&'static str, String)> {
        let spans = Self::parse(hours)
            .map_err(|e| ("SUPPORT_HOURS", e))?
            .into_iter()
            .map(|(a, b, open, close)| Span {
                days: (a, b),
                open,
                close,
            })
            .collect();
        let offset = Self::parse_offset(tz).map_err(|e| ("SUPPORT_TZ", e))?;
        Ok(Self { spans, offset })
    }

    /// The hours written back as `SUPPORT_HOURS` and `SUPPORT_TZ` read them
    /// (`Mon-Fri 09:00-18:00, Sat 10:00-14:00` and `+02:00`), for an editor.
    pub fn to_spec(&self) -> (String, String) {
        let name = |d: Weekday| DAYS[d.num_days_from_monday() as usize].0;
        let title = |s: &str| {
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        };
        let spans: Vec<String> = self
            .spans
            .iter()
            .map(|s| {
                let days = if s.days.0 == s.days.1 {
                    title(name(s.days.0))
                } else {
                    format!("{}-{}", title(name(s.days.0)), title(name(s.days.1)))
                };
                format!(
                    "{days} {}-{}",
                    s.open.format("%H:%M"),
                    s.close.format("%H:%M")
                )
            })
            .collect();
        (spans.join(", "), self.offset.to_string())
    }

    /// Whether support works at `now`.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        let local = now.with_timezone(&self.offset);
        let t = local.time();
        self.spans
            .iter()
            .any(|s| s.has_day(local.weekday()) && s.open <= t && t < s.close)
    }

    /// When support opens next after `now` (local time of the hours), within a week.
    pub fn next_open(&self, now: DateTime<Utc>) -> Option<DateTime<FixedOffset>> {
        let local = now.with_timezone(&self.offset);
        (0..=7)
            .flat_map(|ahead| {
                let date = local.date_naive() + Duration::days(ahead);
                self.spans
                    .iter()
                    .filter(move |s| s.has_day(date.weekday()))
                    .map(move |s| date.and_time(s.open))
            })
            .filter_map(|naive| naive.and_local_timezone(self.offset).single())
            .filter(|at| *at > local)
            .min()
    }

    /// The hours as users read them: `Пн–Пт 09:00–18:00 (UTC+02:00)`.
    pub fn describe(&self, lang: Lang) -> String {
        let spans: Vec<String> = self
            .spans
            .iter()
            .map(|s| {
                let days = if s.days.0 == s.days.1 {
                    day_name(lang, s.days.0).to_owned()
                } else {
                    format!("{}–{}", day_name(lang, s.days.0), day_name(lang, s.days.1))
                };
                format!(
                    "{days} {}–{}",
                    s.open.format("%H:%M"),
                    s.close.format("%H:%M")
                )
            })
            .collect();
        format!("{} (UTC{})", spans.join(", "), self.offset)
    }

    /// A moment of the hours' local time as users read it: `пн 09:00`.
    pub fn describe_at(lang: Lang, at: DateTime<FixedOffset>) -> String {
        format!(
            "{} {}",
            day_name(lang, at.weekday()).to_lowercase(),
            at.format("%d.%m %H:%M")
        )
    }
}

/// The short name of a weekday in the users' language.
fn day_name(lang: Lang, day: Weekday) -> &'static str {
    let i = day.num_days_from_monday() as usize;
    match lang {
        Lang::Uk => ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Нд"][i],
        Lang::Ru => ["Пн", "Вт", "Ср", "Чт", "Пт", "Сб", "Вс"][i],
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn weekdays_in_the_offset_are_open_and_the_rest_closed() {
        let h = SupportHours::from_vars("Mon-Fri 09:00-18:00, Sat 10:00-14:00", "+02:00").unwrap();
        // Monday 7 December 2026.
        assert!(!h.is_open(at(2026, 12, 7, 6, 59))); // 08:59 local
        assert!(h.is_open(at(2026, 12, 7, 7, 0))); // 09:00 local
        assert!(h.is_open(at(2026, 12, 11, 15, 59))); // Fri 17:59
        assert!(!h.is_open(at(2026, 12, 11, 16, 0))); // Fri 18:00
        assert!(h.is_open(at(2026, 12, 12, 8, 0))); // Sat 10:00
        assert!(!h.is_open(at(2026, 12, 13, 10, 0))); // Sun
        let next = h.next_open(at(2026, 12, 12, 13, 0)).unwrap(); // Sat 15:00
        assert_eq!(next.to_rfc3339(), "2026-12-14T09:00:00+02:00");
        assert_eq!(SupportHours::describe_at(Lang::Uk, next), "пн 14.12 09:00");
        assert_eq!(
            h.describe(Lang::Uk),
            "Пн–Пт 09:00–18:00, Сб 10:00–14:00 (UTC+02:00)"
        );
        let (spec, tz) = h.to_spec();
        assert_eq!(spec, "Mon-Fri 09:00-18:00, Sat 10:00-14:00");
        assert_eq!(tz, "+02:00");
        assert_eq!(SupportHours::from_vars(&spec, &tz).unwrap(), h);
        assert_eq!(
            h.describe(Lang::Ru),
            "Пн–Пт 09:00–18:00, Сб 10:00–14:00 (UTC+02:00)"
        );
    }

    #[test]
    fn offsets_and_bad_values() {
        for (tz, secs) in [
            ("UTC", 0),
            ("+03:00", 10800),
            ("UTC+3", 10800),
            ("-0530", -19800),
        ] {
            assert_eq!(
                SupportHours::parse_offset(tz).unwrap().local_minus_utc(),
                secs,
                "{tz}"
            );
        }
        assert!(SupportHours::parse_offset("Europe/Kyiv").is_err());
        assert!(SupportHours::parse_offset("+25:00").is_err());
        for bad in [
            "",
            "Mon-Fri",
            "Mon-Fry 09:00-18:00",
            "Mon 18:00-09:00",
            "Mon 9-18",
        ] {
            assert!(SupportHours::parse(bad).is_err(), "{bad:?}");
        }
        // A range over the weekend wraps.
        let h = SupportHours::from_vars("Sat-Mon 10:00-12:00", "UTC").unwrap();
        assert!(h.is_open(at(2026, 12, 13, 11, 0))); // Sunday
        assert!(!h.is_open(at(2026, 12, 9, 11, 0))); // Wednesday
    }
}
