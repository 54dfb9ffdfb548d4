//! Serde helpers for the wire format: decimals written as JSON numbers, phones written as numbers
//! (as the vendor does), unix-seconds times.
//!
//! loyalty-core's `de` module reads lenient values; these write them back the vendor's way.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserializer, Serializer};

/// A decimal as a JSON number (`100`, `12.5`); a value no `f64` can hold falls back to a string.
pub(crate) fn number<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    if v.fract().is_zero() {
        if let Some(i) = v.to_i64() {
            return s.serialize_i64(i);
        }
    }
    match v.to_f64() {
        Some(f) => s.serialize_f64(f),
        None => s.serialize_str(&v.to_string()),
    }
}

/// An optional decimal as a JSON number (only called when `Some`, with `skip_serializing_if`).
pub(crate) fn opt_number<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => number(v, s),
        None => s.serialize_none(),
    }
}

/// A phone as the vendor writes it: a JSON number when it is all digits, else a string.
pub(crate) fn phone<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => match p.parse::<u64>()
        {
            Ok(n) => s.serialize_u64(n),
            Err(_) => s.serialize_str(p),
        },
        Some(p) => s.serialize_str(p),
        None => s.serialize_none(),
    }
}

/// A time sent as unix seconds (number or numeric string; fractions are dropped).
pub(crate) mod unix_seconds {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let secs: Decimal = loyalty_core::de::decimal(d)?;
        secs.trunc()
            .to_i64()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| serde::de::Error::custom(format!("not a unix time: {secs}")))
    }

    pub(crate) fn serialize<S: Serializer>(v: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(v.timestamp())
    }
}
