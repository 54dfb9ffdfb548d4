//! The segment form: who a broadcast (or a survey) reaches, shared by every page that sends to
//! users.
//!
//! - [`audience_form`] renders the fields (all users, or a segment: messengers, languages,
//!   first-contact and last-activity days, with/without phone, programme level, custom
//!   attributes `key = value`, one per line) inside the caller's form, with the live audience
//!   size beside them.
//! - [`parse_audience`] reads the same fields back into an [`AudienceFilter`] (form posts,
//!   JSON bodies and query strings alike), with messages in the operator's language;
//!   [`check_audience`] refuses messengers and languages the bot does not have.
//! - `GET /bots/{bot}/audience/count?aud_…` (and its `/api/v1` twin) answers
//!   `{"count": n, "audience": {…}}`: the page's script asks it as the form changes.
//!
//! Every field name starts with `aud_`, so the form sits in any other form without clashes.

use axum::extract::{Path, RawQuery, State};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde_json::json;

use super::{AppState, Ctx, WebError, backend_err, bot_info, json_ok};
use crate::backend::{AttributeFilter, AudienceFilter, AudienceOptions};
use crate::i18n::Lang;

/// The most programme levels one audience names (each is a bound value of the audience query).
pub const MAX_LEVELS: usize = 50;

/// The most custom attribute pairs one segment may require.
pub const MAX_ATTRIBUTES: usize = 20;
/// The longest attribute key, value or level name.
pub const MAX_VALUE_LEN: usize = 200;

/// Reads the `aud_…` fields (see the module docs) into a filter. `aud_scope=all` (or no
/// `aud_scope`) is everyone and ignores the rest.
///
/// # Errors
/// A message in `l` for a malformed day, a range that ends before it starts, a bad
/// `aud_phone`, or an attribute line without `=` (or too many, or too long).
pub fn parse_audience<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    l: Lang,
) -> Result<AudienceFilter, String> {
    let pairs: Vec<(&str, &str)> = pairs.into_iter().collect();
    let all = |k: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(name, _)| *name == k)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let one = |k: &str| all(k).first().copied();
    if one("aud_scope") != Some("segment") {
        return Ok(AudienceFilter::default());
    }
    let list = |k: &str| -> Vec<String> {
        // A set beside the list: a form of 256 KiB of short values must not cost O(n²).
        let mut seen = std::collections::HashSet::new();
        let mut out: Vec<String> = Vec::new();
        for v in all(k) {
            for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                if seen.insert(part) {
                    out.push(part.to_owned());
                }
            }
        }
        out
    };
    let day = |k: &str| -> Result<Option<NaiveDate>, String> {
        one(k)
            .map(|v| {
                NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                    format!(
                        "{} {v:?}",
                        l.t(
                            "Дата має бути РРРР-ММ-ДД:",
                            "Дата должна быть ГГГГ-ММ-ДД:",
                            "A date must be YYYY-MM-DD:"
                        )
                    )
                })
            })
            .transpose()
    };
    let range = |from: &str, to: &str| -> Result<(Option<NaiveDate>, Option<NaiveDate>), String> {
        let (a, b) = (day(from)?, day(to)?);
        if let (Some(a), Some(b)) = (a, b)
            && b < a
        {
            return Err(l
                .t(
                    "Кінець проміжку раніше за його початок.",
                    "Конец промежутка раньше его начала.",
                    "A range ends before it starts.",
                )
                .to_owned());
        }
        Ok((a, b))
    };
    let (first_contact_from, first_contact_to) = range("aud_first_from", "aud_first_to")?;
    let (active_from, active_to) = range("aud_active_from", "aud_active_to")?;
    let with_phone = match one("aud_phone") {
        None | Some("any") => None,
        Some("yes") => Some(true),
        Some("no") => Some(false),
        Some(other) => return Err(format!("aud_phone: {other:?}")),
    };
    let mut attributes: Vec<AttributeFilter> = Vec::new();
    for text in all("aud_attrs") {
        for line in text.lines().map(str::trim).filter(|x| !x.is_empty()) {
            let Some((key, value)) = line.split_once('=') else {
                return Err(format!(
                    "{} {line:?}",
                    l.t(
                        "Атрибут пишіть як «ключ = значення»:",
                        "Атрибут пишите как «ключ = значение»:",
                        "Write an attribute as \"key = value\":"
                    )
                ));
            };
            let (key, value) = (key.trim(), value.trim());
            if key.is_empty() {
                return Err(format!(
                    "{} {line:?}",
                    l.t("Без ключа:", "Без ключа:", "No key:")
                ));
            }
            attributes.push(AttributeFilter {
                key: key.to_owned(),
                value: value.to_owned(),
            });
        }
    }
    let levels = list("aud_level");
    if levels.len() > MAX_LEVELS {
        return Err(format!(
            "{} {MAX_LEVELS}",
            l.t(
                "Рівнів не більше",
                "Уровней не больше",
                "At most this many levels:"
            )
        ));
    }
    if attributes.len() > MAX_ATTRIBUTES {
        return Err(format!(
            "{} {MAX_ATTRIBUTES}",
            l.t(
                "Атрибутів не більше",
                "Атрибутов не больше",
                "At most this many attributes:"
            )
        ));
    }
    let too_long = attributes
        .iter()
        .flat_map(|a| [&a.key, &a.value])
        .chain(levels.iter())
        .any(|v| v.chars().count() > MAX_VALUE_LEN);
    if too_long {
        return Err(format!(
            "{} {MAX_VALUE_LEN}",
            l.t(
                "Значення довше за",
                "Значение длиннее чем",
                "A value is longer than"
            )
        ));
    }
    Ok(AudienceFilter {
        messengers: list("aud_messenger"),
        languages: list("aud_language"),
        first_contact_from,
        first_contact_to,
        active_from,
        active_to,
        with_phone,
        levels,
        attributes,
    })
}

/// Refuses messengers and languages the bot does not have (a typo would silently reach
/// nobody).
///
/// # Errors
/// A message in `l` naming the value.
pub fn check_audience(
    filter: &AudienceFilter,
    options: &AudienceOptions,
    l: Lang,
) -> Result<(), String> {
    for m in &filter.messengers {
        if !options.messengers.contains(m) {
            return Err(format!(
                "{} {m:?}",
                l.t(
                    "Бот не працює в месенджері",
                    "Бот не работает в мессенджере",
                    "The bot is not on the messenger"
                )
            ));
        }
    }
    for lang in &filter.languages {
        if !options.languages.contains(lang) {
            return Err(format!(
                "{} {lang:?}",
                l.t("Невідома мова", "Неизвестный язык", "Unknown language")
            ));
        }
    }
    Ok(())
}

/// A one-line description of the audience for lists and the audit log.
pub fn describe_audience(filter: &AudienceFilter, l: Lang) -> String {
    if filter.is_everyone() {
        return l
            .t("усі користувачі", "все пользователи", "all users")
            .to_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    if !filter.messengers.is_empty() {
        parts.push(filter.messengers.join(", "));
    }
    if !filter.languages.is_empty() {
        parts.push(filter.languages.join(", "));
    }
    let span = |name: &str, a: Option<NaiveDate>, b: Option<NaiveDate>| -> Option<String> {
        (a.is_some() || b.is_some()).then(|| {
            format!(
                "{name} {}…{}",
                a.map(|d| d.to_string()).unwrap_or_default(),
                b.map(|d| d.to_string()).unwrap_or_default()
            )
        })
    };
    parts.extend(span(
        l.t("перший контакт", "первый контакт", "first contact"),
        filter.first_contact_from,
        filter.first_contact_to,
    ));
    parts.extend(span(
        l.t("активність", "активность", "activity"),
        filter.active_from,
        filter.active_to,
    ));
    match filter.with_phone {
        Some(true) => parts.push(l.t("з телефоном", "с телефоном", "with phone").to_owned()),
        Some(false) => parts.push(
            l.t("без телефону", "без телефона", "without phone")
                .to_owned(),
        ),
        None => {}
    }
    if !filter.levels.is_empty() {
        parts.push(format!(
            "{} {}",
            l.t("рівень", "уровень", "level"),
            filter.levels.join(" / ")
        ));
    }
    for a in &filter.attributes {
        parts.push(format!("{} = {}", a.key, a.value));
    }
    parts.join("; ")
}

/// The segment fields for `bot`, filled from `current`, with the live audience size beside
/// them (asked from `/api/v1/bots/{bot}/audience/count` by the page's script as they change).
pub fn audience_form(
    l: Lang,
    bot: &str,
    options: &AudienceOptions,
    current: &AudienceFilter,
) -> Markup {
    let segment = !current.is_everyone();
    let attrs: String = current
        .attributes
        .iter()
        .map(|a| format!("{} = {}\n", a.key, a.value))
        .collect();
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let phone = match current.with_phone {
        None => "any",
        Some(true) => "yes",
        Some(false) => "no",
    };
    html! {
        fieldset.audience #audience data-count={ "/api/v1/bots/" (bot) "/audience/count" } {
            legend { (l.t("Кому", "Кому", "Audience")) }
            label.inline { input type="radio" name="aud_scope" value="all" checked[!segment]; " " (l.t("Усім користувачам", "Всем пользователям", "All users")) }
            label.inline { input type="radio" name="aud_scope" value="segment" checked[segment] #aud-segment; " " (l.t("Сегменту", "Сегменту", "A segment")) }
            div.segment {
                p { (l.t("Месенджери", "Мессенджеры", "Messengers")) ": "
                    @for m in &options.messengers {
                        label.inline { input type="checkbox" name="aud_messenger" value=(m) checked[current.messengers.contains(m)]; " " (m) } " "
                    }
                }
                p { (l.t("Мови", "Языки", "Languages")) ": "
                    @for lang in &options.languages {
                        label.inline { input type="checkbox" name="aud_language" value=(lang) checked[current.languages.contains(lang)]; " " (lang) } " "
                    }
                }
                p { (l.t("Перший контакт з", "Первый контакт с", "First contact from")) " "
                    input type="date" name="aud_first_from" value=(day(current.first_contact_from));
                    " " (l.t("по", "по", "to")) " "
                    input type="date" name="aud_first_to" value=(day(current.first_contact_to));
                }
                p { (l.t("Остання активність з", "Последняя активность с", "Last activity from")) " "
                    input type="date" name="aud_active_from" value=(day(current.active_from));
                    " " (l.t("по", "по", "to")) " "
                    input type="date" name="aud_active_to" value=(day(current.active_to));
                }
                p { label { (l.t("Телефон", "Телефон", "Phone")) " "
                    select name="aud_phone" {
                        option value="any" selected[phone == "any"] { (l.t("неважливо", "неважно", "any")) }
                        option value="yes" selected[phone == "yes"] { (l.t("є телефон", "есть телефон", "with phone")) }
                        option value="no" selected[phone == "no"] { (l.t("немає телефону", "нет телефона", "without phone")) }
                    }
                } }
                p { (l.t("Рівень у програмі", "Уровень в программе", "Programme level")) ": "
                    @if options.levels.is_empty() {
                        input type="text" name="aud_level" value=(current.levels.join(", "))
                            placeholder=(l.t("напр. Gold, Silver", "напр. Gold, Silver", "e.g. Gold, Silver"));
                    } @else {
                        @for lv in &options.levels {
                            label.inline { input type="checkbox" name="aud_level" value=(lv) checked[current.levels.contains(lv)]; " " (lv) } " "
                        }
                    }
                }
                label { (l.t("Атрибути (ключ = значення, по одному в рядку)", "Атрибуты (ключ = значение, по одному в строке)", "Attributes (key = value, one per line)"))
                    @if !options.attribute_keys.is_empty() {
                        " " small.hint { "(" (options.attribute_keys.join(", ")) ")" }
                    }
                    textarea name="aud_attrs" rows="2" { (attrs) }
                }
            }
            p.count { (l.t("Отримувачів зараз:", "Получателей сейчас:", "Recipients now:")) " " output #audience-count { "…" } }
        }
    }
}

/// `GET /bots/{bot}/audience/count?aud_…`: the audience size for the segment fields.
pub(super) async fn audience_count(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<axum::response::Response, WebError> {
    bot_info(&s, &ctx, &bot).await?;
    let q = q.unwrap_or_default();
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let filter = parse_audience(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        ctx.lang,
    )
    .map_err(|m| ctx.bad(m))?;
    let options = s
        .backend
        .audience_options(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    check_audience(&filter, &options, ctx.lang).map_err(|m| ctx.bad(m))?;
    let count = s
        .backend
        .audience_count(&bot, &filter)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    Ok(json_ok(json!({ "count": count, "audience": filter })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<AudienceFilter, String> {
        parse_audience(pairs.iter().copied(), Lang::En)
    }

    #[test]
    fn all_users_ignores_the_segment_fields() {
        assert!(
            parse(&[("aud_scope", "all"), ("aud_messenger", "viber")])
                .unwrap()
                .is_everyone()
        );
        assert!(parse(&[("aud_messenger", "viber")]).unwrap().is_everyone());
    }

    #[test]
    fn a_segment_reads_every_field() {
        let f = parse(&[
            ("aud_scope", "segment"),
            ("aud_messenger", "viber"),
            ("aud_messenger", "max"),
            ("aud_language", "uk"),
            ("aud_first_from", "2026-01-01"),
            ("aud_first_to", "2026-01-31"),
            ("aud_active_from", ""),
            ("aud_phone", "yes"),
            ("aud_level", "Gold, Silver"),
            ("aud_level", "Gold"),
            ("aud_attrs", "city = Київ\r\n\r\nseller=true\n"),
        ])
        .unwrap();
        assert_eq!(f.messengers, ["viber", "max"]);
        assert_eq!(f.languages, ["uk"]);
        assert_eq!(f.first_contact_from, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(f.first_contact_to, NaiveDate::from_ymd_opt(2026, 1, 31));
        assert_eq!(f.active_from, None);
        assert_eq!(f.with_phone, Some(true));
        assert_eq!(f.levels, ["Gold", "Silver"]);
        assert_eq!(
            f.attributes,
            [
                AttributeFilter {
                    key: "city".into(),
                    value: "Київ".into()
                },
                AttributeFilter {
                    key: "seller".into(),
                    value: "true".into()
                }
            ]
        );
        assert_eq!(
            describe_audience(&f, Lang::En),
            "viber, max; uk; first contact 2026-01-01…2026-01-31; with phone; level Gold / Silver; city = Київ; seller = true"
        );
    }

    #[test]
    fn mistakes_are_explained() {
        let seg = ("aud_scope", "segment");
        assert!(
            parse(&[seg, ("aud_first_from", "01.02.2026")])
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(
            parse(&[
                seg,
                ("aud_active_from", "2026-02-02"),
                ("aud_active_to", "2026-02-01")
            ])
            .unwrap_err()
            .contains("ends before")
        );
        assert!(
            parse(&[seg, ("aud_attrs", "city Kyiv")])
                .unwrap_err()
                .contains("key = value")
        );
        assert!(parse(&[seg, ("aud_attrs", "= Kyiv")]).is_err());
        assert!(parse(&[seg, ("aud_phone", "maybe")]).is_err());
        let many = (0..=MAX_ATTRIBUTES)
            .map(|i| format!("k{i} = v\n"))
            .collect::<String>();
        assert!(parse(&[seg, ("aud_attrs", &many)]).is_err());
        let levels = (0..=MAX_LEVELS)
            .map(|i| format!("L{i},"))
            .collect::<String>();
        assert!(
            parse(&[seg, ("aud_level", &levels)])
                .unwrap_err()
                .contains("levels")
        );
        let ok = (0..MAX_LEVELS)
            .map(|i| format!("L{i}, L{i},"))
            .collect::<String>();
        assert_eq!(
            parse(&[seg, ("aud_level", &ok)]).unwrap().levels.len(),
            MAX_LEVELS
        );
        let options = AudienceOptions {
            messengers: vec!["telegram".into()],
            languages: vec!["uk".into(), "ru".into()],
            ..AudienceOptions::default()
        };
        let f = parse(&[seg, ("aud_messenger", "viber")]).unwrap();
        assert!(check_audience(&f, &options, Lang::En).is_err());
        let f = parse(&[seg, ("aud_language", "de")]).unwrap();
        assert!(check_audience(&f, &options, Lang::En).is_err());
        let f = parse(&[seg, ("aud_messenger", "telegram"), ("aud_language", "ru")]).unwrap();
        assert!(check_audience(&f, &options, Lang::En).is_ok());
    }
}
