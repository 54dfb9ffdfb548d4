//! Serde helpers for the wire format: decimals written as JSON numbers, phones written as numbers
//! (as the vendor does), unix-seconds times.
//!
//! loyalty-core's `de` module reads lenient values; these write them back the vendor's way.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserializer, Serializer};

pub(crate) use loyalty_core::ser::{decimal_number as number, opt_decimal_number as opt_number};

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
