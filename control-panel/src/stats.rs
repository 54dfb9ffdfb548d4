//! Statistics: daily figures grouped by day, week or month, SVG charts and the Excel export.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, Days, Months, NaiveDate};
use maud::{Markup, PreEscaped};
use serde::{Deserialize, Serialize};

use crate::backend::RawStats;
use crate::i18n::Lang;

/// The longest period one report covers (days), so a request cannot ask for a million buckets.
pub const MAX_PERIOD_DAYS: i64 = 1096;

/// How figures are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One bucket per day.
    #[default]
    Day,
    /// One bucket per ISO week (Monday to Sunday).
    Week,
    /// One bucket per calendar month.
    Month,
}

impl Granularity {
    /// `day`, `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }

    /// Parses `day`/`week`/`month`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "day" => Some(Self::Day),
            "week" => Some(Self::Week),
            "month" => Some(Self::Month),
            _ => None,
        }
    }

    /// The first day of the bucket `day` falls in.
    pub fn bucket_start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => day,
            Self::Week => day - Days::new(u64::from(day.weekday().num_days_from_monday())),
            Self::Month => day.with_day(1).unwrap_or(day),
        }
    }

    fn next(self, start: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::Day => start.checked_add_days(Days::new(1)),
            Self::Week => start.checked_add_days(Days::new(7)),
            Self::Month => start.checked_add_months(Months::new(1)),
        }
    }
}

/// Subscriber totals of one messenger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct MessengerTotals {
    /// The messenger.
    pub messenger: String,
    /// Everyone who ever wrote.
    pub total: u64,
    /// Reachable now.
    pub active: u64,
    /// Blocked the bot.
    pub blocked: u64,
}

/// The figures of one bucket (one messenger, or all of them summed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct Bucket {
    /// First day of the bucket.
    pub start: NaiveDate,
    /// The messenger, or `None` for the sum of all shown messengers.
    pub messenger: Option<String>,
    /// New subscribers.
    pub new_subscribers: u64,
    /// Messages from users.
    pub messages_in: u64,
    /// Messages from the bot.
    pub messages_out: u64,
}

/// A statistics report: what the statistics page, its JSON and its Excel file show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct StatsReport {
    /// The bot.
    pub bot: String,
    /// First day (inclusive).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Grouping.
    pub granularity: Granularity,
    /// Only this messenger, or all.
    pub messenger: Option<String>,
    /// Subscriber totals per shown messenger, with a last row summing them (`messenger` = `all`).
    pub totals: Vec<MessengerTotals>,
    /// Every bucket of the period summed over the shown messengers (empty buckets included).
    pub series: Vec<Bucket>,
    /// The same per messenger (only buckets with figures).
    pub by_messenger: Vec<Bucket>,
}

/// Groups raw daily figures into a report. Days outside `from..=to` and other messengers than
/// `messenger` (when given) are ignored.
pub fn aggregate(
    bot: &str,
    raw: &RawStats,
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
    messenger: Option<&str>,
) -> StatsReport {
    let shown = |m: &str| messenger.is_none_or(|want| want == m);
    let mut totals: Vec<MessengerTotals> = raw
        .totals
        .iter()
        .filter(|(m, _)| shown(m))
        .map(|(m, t)| MessengerTotals {
            messenger: m.clone(),
            total: t.total,
            active: t.active,
            blocked: t.blocked,
        })
        .collect();
    let sum = totals.iter().fold(
        MessengerTotals {
            messenger: "all".into(),
            total: 0,
            active: 0,
            blocked: 0,
        },
        |mut acc, t| {
            acc.total += t.total;
            acc.active += t.active;
            acc.blocked += t.blocked;
            acc
        },
    );
    totals.push(sum);

    let mut series: BTreeMap<NaiveDate, Bucket> = BTreeMap::new();
    let mut start = granularity.bucket_start(from);
    while start <= to {
        series.insert(
            start,
            Bucket {
                start,
                messenger: None,
                new_subscribers: 0,
                messages_in: 0,
                messages_out: 0,
            },
        );
        match granularity.next(start) {
            Some(n) => start = n,
            None => break,
        }
    }
    let mut by_messenger: BTreeMap<(NaiveDate, String), Bucket> = BTreeMap::new();
    for d in &raw.days {
        if d.day < from || d.day > to || !shown(&d.messenger) {
            continue;
        }
        let start = granularity.bucket_start(d.day);
        if let Some(b) = series.get_mut(&start) {
            b.new_subscribers += d.new_subscribers;
            b.messages_in += d.messages_in;
            b.messages_out += d.messages_out;
        }
        let b = by_messenger
            .entry((start, d.messenger.clone()))
            .or_insert_with(|| Bucket {
                start,
                messenger: Some(d.messenger.clone()),
                new_subscribers: 0,
                messages_in: 0,
                messages_out: 0,
            });
        b.new_subscribers += d.new_subscribers;
        b.messages_in += d.messages_in;
        b.messages_out += d.messages_out;
    }
    StatsReport {
        bot: bot.to_owned(),
        from,
        to,
        granularity,
        messenger: messenger.map(str::to_owned),
        totals,
        series: series.into_values().collect(),
        by_messenger: by_messenger.into_values().collect(),
    }
}

/// A label for a bucket: `2026-12-07` by day and week, `2026-12` by month.
pub fn bucket_label(g: Granularity, start: NaiveDate) -> String {
    match g {
        Granularity::Day | Granularity::Week => start.format("%Y-%m-%d").to_string(),
        Granularity::Month => start.format("%Y-%m").to_string(),
    }
}

/// One series of a bar chart.
pub struct Series<'a> {
    /// Legend text.
    pub name: &'a str,
    /// CSS colour.
    pub color: &'a str,
    /// One value per label.
    pub values: Vec<u64>,
}

/// Renders a grouped bar chart as inline SVG (scales with its container; every bar has a
/// tooltip with its value).
pub fn bar_chart(title: &str, labels: &[String], series: &[Series<'_>]) -> Markup {
    let (w, h, left, bottom, top) = (720.0_f64, 260.0_f64, 44.0_f64, 40.0_f64, 24.0_f64);
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_w = w - left - 8.0;
    let plot_h = h - top - bottom;
    let n = labels.len().max(1) as f64;
    let group = plot_w / n;
    let bar = (group * 0.8 / series.len().max(1) as f64).max(1.0);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        maud::html!((title)).into_string()
    );
    // Axis with 0, half and max.
    for frac in [0.0, 0.5, 1.0] {
        let y = top + plot_h * (1.0 - frac);
        let v = (max as f64 * frac).round() as u64;
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" font-size="13" text-anchor="end">{v}</text>"##,
            w - 8.0,
            left - 4.0,
            y + 4.0
        );
    }
    let step = (labels.len() / 8).max(1);
    for (i, label) in labels.iter().enumerate() {
        let gx = left + group * i as f64 + group * 0.1;
        for (k, s) in series.iter().enumerate() {
            let v = s.values.get(i).copied().unwrap_or(0);
            let bh = plot_h * v as f64 / max as f64;
            let _ = write!(
                svg,
                r#"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{bh:.1}" fill="{}"><title>{} {}: {v}</title></rect>"#,
                gx + bar * k as f64,
                top + plot_h - bh,
                s.color,
                maud::html!((label)).into_string(),
                maud::html!((s.name)).into_string(),
            );
        }
        if i % step == 0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">{}</text>"#,
                gx + group * 0.4,
                h - bottom + 14.0,
                maud::html!((label)).into_string()
            );
        }
    }
    let mut lx = left;
    for s in series {
        let _ = write!(
            svg,
            r#"<rect x="{lx:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="13">{}</text>"#,
            h - 14.0,
            s.color,
            lx + 14.0,
            h - 5.0,
            maud::html!((s.name)).into_string()
        );
        lx += 14.0 + 8.0 * s.name.chars().count() as f64 + 16.0;
    }
    svg.push_str("</svg>");
    PreEscaped(svg)
}

/// Column headers of the Excel figures sheet.
pub fn figure_headers(lang: Lang) -> [&'static str; 5] {
    [
        lang.t("Період", "Период", "Period"),
        lang.t("Месенджер", "Мессенджер", "Messenger"),
        lang.t("Нові підписники", "Новые подписчики", "New subscribers"),
        lang.t("Вхідні повідомлення", "Входящие сообщения", "Messages in"),
        lang.t(
            "Вихідні повідомлення",
            "Исходящие сообщения",
            "Messages out",
        ),
    ]
}

/// Column headers of the Excel subscribers sheet.
pub fn totals_headers(lang: Lang) -> [&'static str; 4] {
    [
        lang.t("Месенджер", "Мессенджер", "Messenger"),
        lang.t(
            "Усього підписників",
            "Всего подписчиков",
            "Subscribers total",
        ),
        lang.t("Активні", "Активные", "Active"),
        lang.t("Заблокували", "Заблокировали", "Blocked"),
    ]
}

/// The report as an `.xlsx` file: sheet 1 `Figures` (one row per bucket and messenger, then one
/// row per bucket for all messengers with messenger `all`), sheet 2 `Subscribers` (the totals).
///
/// # Errors
/// When the workbook cannot be written (never expected for these small sheets).
pub fn to_xlsx(report: &StatsReport, lang: Lang) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    {
        let ws = wb.add_worksheet();
        ws.set_name("Figures")?;
        for (c, h) in figure_headers(lang).iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        ws.set_column_width(0, 12)?;
        ws.set_column_width(1, 12)?;
        for c in 2..5 {
            ws.set_column_width(c, 20)?;
        }
        let rows = report.by_messenger.iter().chain(report.series.iter());
        for (row, b) in (1u32..).zip(rows) {
            ws.write_string(row, 0, bucket_label(report.granularity, b.start))?;
            ws.write_string(row, 1, b.messenger.as_deref().unwrap_or("all"))?;
            ws.write_number(row, 2, b.new_subscribers as f64)?;
            ws.write_number(row, 3, b.messages_in as f64)?;
            ws.write_number(row, 4, b.messages_out as f64)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Subscribers")?;
        for (c, h) in totals_headers(lang).iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
        }
        ws.set_column_width(0, 12)?;
        for (i, t) in report.totals.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, &t.messenger)?;
            ws.write_number(row, 1, t.total as f64)?;
            ws.write_number(row, 2, t.active as f64)?;
            ws.write_number(row, 3, t.blocked as f64)?;
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{DailyFigures, SubscriberTotals};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn raw() -> RawStats {
        let day = |m: &str, day: &str, n, i, o| DailyFigures {
            messenger: m.into(),
            day: d(day),
            new_subscribers: n,
            messages_in: i,
            messages_out: o,
        };
        RawStats {
            totals: [
                (
                    "telegram".to_string(),
                    SubscriberTotals {
                        total: 10,
                        active: 8,
                        blocked: 2,
                    },
                ),
                (
                    "viber".to_string(),
                    SubscriberTotals {
                        total: 5,
                        active: 5,
                        blocked: 0,
                    },
                ),
            ]
            .into(),
            days: vec![
                day("telegram", "2026-11-30", 1, 2, 3), // Monday
                day("telegram", "2026-12-06", 2, 4, 6), // Sunday, same week
                day("viber", "2026-12-07", 3, 1, 1),    // next Monday
                day("viber", "2026-10-01", 9, 9, 9),    // outside the period
            ],
        }
    }

    #[test]
    fn weeks_start_on_monday_and_empty_weeks_are_kept() {
        let r = aggregate(
            "b",
            &raw(),
            d("2026-11-25"),
            d("2026-12-20"),
            Granularity::Week,
            None,
        );
        let starts: Vec<_> = r.series.iter().map(|b| b.start.to_string()).collect();
        assert_eq!(
            starts,
            ["2026-11-23", "2026-11-30", "2026-12-07", "2026-12-14"]
        );
        let figs: Vec<_> = r
            .series
            .iter()
            .map(|b| (b.new_subscribers, b.messages_in, b.messages_out))
            .collect();
        assert_eq!(figs, [(0, 0, 0), (3, 6, 9), (3, 1, 1), (0, 0, 0)]);
        assert_eq!(r.totals.last().unwrap().total, 15);
        assert_eq!(r.totals.last().unwrap().blocked, 2);
    }

    #[test]
    fn months_and_messenger_filter() {
        let r = aggregate(
            "b",
            &raw(),
            d("2026-10-01"),
            d("2026-12-31"),
            Granularity::Month,
            Some("telegram"),
        );
        let figs: Vec<_> = r
            .series
            .iter()
            .map(|b| (bucket_label(r.granularity, b.start), b.new_subscribers))
            .collect();
        assert_eq!(
            figs,
            [
                ("2026-10".to_string(), 0),
                ("2026-11".to_string(), 1),
                ("2026-12".to_string(), 2)
            ]
        );
        assert_eq!(r.totals.len(), 2);
        assert_eq!(r.totals[0].messenger, "telegram");
    }

    #[test]
    fn chart_escapes_labels() {
        let svg = bar_chart(
            "<t>",
            &["<x>".to_string()],
            &[Series {
                name: "a&b",
                color: "#123",
                values: vec![5],
            }],
        )
        .into_string();
        assert!(svg.contains("&lt;x&gt;"));
        assert!(svg.contains("a&amp;b"));
        assert!(!svg.contains("<x>"));
    }
}
