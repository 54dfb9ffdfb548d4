//! Lenient serde helpers for vendor wire quirks.
//!
//! Loyalty APIs send ids as `"1511"` next to `1512`, flags as `"0"`/`1`/`true`, points as `218.4` or
//! `"218,40"`, and absent dates as `""`. These helpers accept every such spelling and are used with
//! `#[serde(deserialize_with = "…")]` (or `with = "…"` where a serializer is provided too).
//!
//! Decimals that arrive as JSON numbers are read through their shortest decimal text (`218.4` stays
//! exactly `218.4`), which is exact for every literal of up to 15 significant digits.
//!
//! Every `deserialize_with` helper fails with a serde error that quotes the value it could not read.
#![allow(clippy::missing_errors_doc)]

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A JSON scalar read as text: strings as they are, numbers and booleans in their canonical form.
/// `None` for `null`.
struct ScalarText;

impl<'de> Visitor<'de> for ScalarText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string, a number, a boolean or null")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        if v.is_finite() {
            Ok(Some(v.to_string()))
        } else {
            Err(E::custom("non-finite number"))
        }
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ScalarText)
    }
}

fn scalar_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(ScalarText)
}

/// Parses a decimal the way vendors write them: `218.4`, `"218.40"`, `"218,4"`, `" 5 "`, `"1e3"`.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    let t = t.replace(',', ".");
    Decimal::from_str(&t)
        .ok()
        .or_else(|| Decimal::from_scientific(&t).ok())
}

/// Parses a vendor date-time written without a zone: `2024-01-23 14:01:09`, `…09.0`,
/// `…17.000001`, ISO `2024-01-23T14:01:09(.fff)`, `23.01.2024 14:01(:09)` or a bare date (midnight).
pub fn parse_naive_datetime(text: &str) -> Option<NaiveDateTime> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    const FORMATS: &[&str] = &[
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
    ];
    for f in FORMATS {
        if let Ok(v) = NaiveDateTime::parse_from_str(t, f) {
            return Some(v);
        }
    }
    // Zoned ISO forms: keep the wall-clock time the vendor wrote.
    if let Ok(v) = chrono::DateTime::parse_from_rfc3339(t) {
        return Some(v.naive_local());
    }
    parse_naive_date(t).map(|d| d.and_time(NaiveTime::MIN))
}

/// Parses a vendor date: `2024-01-23`, `23.01.2024`, or the date part of a date-time.
pub fn parse_naive_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    for f in ["%Y-%m-%d", "%d.%m.%Y"] {
        if let Ok(v) = NaiveDate::parse_from_str(t, f) {
            return Some(v);
        }
    }
    // A date-time where a date is expected: keep the date.
    let head = t.get(..10)?;
    NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()
}

/// Parses a flag: `1`/`0`, `"1"`/`"0"`, `true`/`false`, `"Y"`/`"N"`, `"yes"`/`"no"`.
pub fn parse_flag(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "y" | "yes" => Some(true),
        "0" | "false" | "n" | "no" | "" => Some(false),
        _ => None,
    }
}

/// A required decimal: number or string.
pub fn decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    match scalar_text(d)? {
        Some(t) => {
            parse_decimal(&t).ok_or_else(|| de::Error::custom(format!("not a decimal: {t:?}")))
        }
        None => Err(de::Error::custom("expected a decimal, found null")),
    }
}

/// A decimal that may be absent: `null` and `""` read as `None`. Use with `#[serde(default)]`.
pub fn opt_decimal<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    match scalar_text(d)? {
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => parse_decimal(&t)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("not a decimal: {t:?}"))),
        None => Ok(None),
    }
}

/// A decimal where `null`/`""` mean zero (vendors that omit zero sums). Use with `#[serde(default)]`.
pub fn decimal_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    opt_decimal(d).map(Option::unwrap_or_default)
}

/// An identifier sent as a number or a string, kept as text (`1512` → `"1512"`).
pub fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    scalar_text(d)?.ok_or_else(|| de::Error::custom("expected a string or a number, found null"))
}

/// Like [`string_or_number`], with `null` and `""` read as `None`. Use with `#[serde(default)]`.
pub fn opt_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(d)?.filter(|t| !t.trim().is_empty()))
}

/// An integer sent as a number or a string (`"2"` → `2`).
pub fn int<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<T, D::Error> {
    let t = scalar_text(d)?.ok_or_else(|| de::Error::custom("expected an integer, found null"))?;
    t.trim()
        .parse()
        .map_err(|_| de::Error::custom(format!("not an integer: {t:?}")))
}

/// An optional integer sent as a number or a string; `null` and `""` read as `None`.
pub fn opt_int<'de, D: Deserializer<'de>, T: FromStr>(d: D) -> Result<Option<T>, D::Error> {
    match scalar_text(d)? {
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("not an integer: {t:?}"))),
        None => Ok(None),
    }
}

/// A flag sent as `0`/`1`, `"0"`/`"1"` or a boolean; `null` reads as `false`.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match scalar_text(d)? {
        Some(t) => parse_flag(&t).ok_or_else(|| de::Error::custom(format!("not a flag: {t:?}"))),
        None => Ok(false),
    }
}

/// An optional flag: `0`/`1`, `"0"`/`"1"`, booleans; `null` and `""` read as `None`. Use with
/// `#[serde(default)]`.
pub fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    match scalar_text(d)? {
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => parse_flag(&t)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("not a flag: {t:?}"))),
        None => Ok(None),
    }
}

/// A date-time without zone in any of the forms of [`parse_naive_datetime`]; `null` and `""` read
/// as `None`. Use with `#[serde(default)]`.
pub fn opt_datetime<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDateTime>, D::Error> {
    match scalar_text(d)? {
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => parse_naive_datetime(&t)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("not a date-time: {t:?}"))),
        None => Ok(None),
    }
}

/// A date in any of the forms of [`parse_naive_date`]; `null` and `""` read as `None`.
pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    match scalar_text(d)? {
        Some(t) if t.trim().is_empty() => Ok(None),
        Some(t) => parse_naive_date(&t)
            .map(Some)
            .ok_or_else(|| de::Error::custom(format!("not a date: {t:?}"))),
        None => Ok(None),
    }
}

/// A value read for a lenient field: its text (`None` for `null`/`""`), or the JSON of a value
/// that is no scalar.
fn lenient_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
    .filter(|t| !t.trim().is_empty()))
}

/// Logs a value a lenient field could not read (cut to 64 characters).
fn dropped(what: &str, text: &str) {
    let shown: String = text.chars().take(64).collect();
    tracing::warn!(value = %shown, "not {what}: the field is read as absent");
}

/// Like [`opt_datetime`], but a value that is no date-time (`"0000-00-00 00:00:00"`, an
/// object) reads as `None` with a `tracing` warning instead of failing the whole answer: for
/// fields of list items, where one odd item must not lose the list. Use with `#[serde(default)]`.
pub fn lenient_opt_datetime<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<NaiveDateTime>, D::Error> {
    Ok(lenient_text(d)?.and_then(|t| {
        let v = parse_naive_datetime(&t);
        if v.is_none() {
            dropped("a date-time", &t);
        }
        v
    }))
}

/// Like [`opt_date`], but an unreadable value is `None` with a `tracing` warning (see
/// [`lenient_opt_datetime`]).
pub fn lenient_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Ok(lenient_text(d)?.and_then(|t| {
        let v = parse_naive_date(&t);
        if v.is_none() {
            dropped("a date", &t);
        }
        v
    }))
}

/// Like [`opt_flag`], but an unreadable value (`"maybe"`, `2`) is `None` with a `tracing`
/// warning (see [`lenient_opt_datetime`]).
pub fn lenient_opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    Ok(lenient_text(d)?.and_then(|t| {
        let v = parse_flag(&t);
        if v.is_none() {
            dropped("a flag", &t);
        }
        v
    }))
}

/// A list that may arrive as `null`: read as empty. Use with `#[serde(default)]`.
pub fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    struct Sample {
        #[serde(deserialize_with = "decimal")]
        points: Decimal,
        #[serde(default, deserialize_with = "opt_decimal")]
        maybe: Option<Decimal>,
        #[serde(deserialize_with = "string_or_number")]
        id: String,
        #[serde(deserialize_with = "flag")]
        active: bool,
        #[serde(default, deserialize_with = "opt_datetime")]
        at: Option<NaiveDateTime>,
        #[serde(deserialize_with = "int")]
        count: u32,
    }

    fn sample(json: &str) -> Sample {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn accepts_numbers_and_strings() {
        let a = sample(
            r#"{"points":218.4,"maybe":"","id":1512,"active":"1","at":"2024-01-23 14:01:09.0","count":"3"}"#,
        );
        assert_eq!(a.points, Decimal::from_str("218.4").unwrap());
        assert_eq!(a.points.to_string(), "218.4");
        assert_eq!(a.maybe, None);
        assert_eq!(a.id, "1512");
        assert!(a.active);
        assert_eq!(a.at.unwrap().to_string(), "2024-01-23 14:01:09");
        assert_eq!(a.count, 3);

        let b = sample(
            r#"{"points":"218,40","maybe":0.1,"id":"1511","active":0,"at":"2024-03-08 12:58:17.000001","count":3}"#,
        );
        assert_eq!(b.points, Decimal::from_str("218.40").unwrap());
        assert_eq!(b.maybe, Some(Decimal::from_str("0.1").unwrap()));
        assert_eq!(b.id, "1511");
        assert!(!b.active);
        assert_eq!(b.at.unwrap().and_utc().timestamp_subsec_micros(), 1);
    }

    #[test]
    fn rejects_garbage_with_a_message() {
        let err = serde_json::from_str::<Sample>(r#"{"points":"abc","id":1,"active":1,"count":1}"#)
            .unwrap_err();
        assert!(err.to_string().contains("not a decimal"), "{err}");
        let err =
            serde_json::from_str::<Sample>(r#"{"points":1,"id":1,"active":"maybe","count":1}"#)
                .unwrap_err();
        assert!(err.to_string().contains("not a flag"), "{err}");
    }

    #[test]
    fn optional_flags() {
        #[derive(Deserialize)]
        struct F {
            #[serde(default, deserialize_with = "opt_flag")]
            f: Option<bool>,
        }
        let read = |j: &str| serde_json::from_str::<F>(j).map(|f| f.f);
        assert_eq!(read(r#"{"f": "1"}"#).unwrap(), Some(true));
        assert_eq!(read(r#"{"f": 0}"#).unwrap(), Some(false));
        assert_eq!(read(r#"{"f": true}"#).unwrap(), Some(true));
        assert_eq!(read(r#"{"f": ""}"#).unwrap(), None);
        assert_eq!(read(r#"{"f": null}"#).unwrap(), None);
        assert_eq!(read(r#"{}"#).unwrap(), None);
        assert!(read(r#"{"f": "maybe"}"#).is_err());
    }

    #[test]
    fn date_forms() {
        for (text, want) in [
            ("2023-05-01 10:00:00", "2023-05-01 10:00:00"),
            ("2023-05-01T10:00:00", "2023-05-01 10:00:00"),
            ("2023-05-01T10:00:00.123", "2023-05-01 10:00:00.123"),
            ("2023-05-01T10:00:00+03:00", "2023-05-01 10:00:00"),
            ("01.05.2023 10:00", "2023-05-01 10:00:00"),
            ("2023-05-01", "2023-05-01 00:00:00"),
        ] {
            assert_eq!(
                parse_naive_datetime(text).unwrap().to_string(),
                want,
                "{text}"
            );
        }
        assert_eq!(parse_naive_datetime(""), None);
        assert_eq!(parse_naive_datetime("soon"), None);
        assert_eq!(
            parse_naive_date("1990-02-03").unwrap().to_string(),
            "1990-02-03"
        );
        assert_eq!(
            parse_naive_date("03.02.1990").unwrap().to_string(),
            "1990-02-03"
        );
        assert_eq!(
            parse_naive_date("1990-02-03 00:00:00").unwrap().to_string(),
            "1990-02-03"
        );
    }
}
