//! Serde helpers for the BMCard wire format: lenient readers (from `loyalty_core::de`) paired with
//! writers that produce what the vendor sends (numbers for points, `2024-01-23 14:01:09.0` for
//! times), so the sandbox speaks exactly the client's wire format.
#![allow(clippy::missing_errors_doc)]

use chrono::{NaiveDate, NaiveDateTime, Timelike};
use loyalty_core::de as lenient;
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serializer};

/// Text from a string or a number.
pub(crate) fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lenient::string_or_number(d)
}

/// Writes a decimal as a JSON number, as the vendor does.
pub(crate) use loyalty_core::ser::decimal_number as write_decimal;

/// Formats a time the way the vendor does (Java `Timestamp`): `2024-01-23 14:01:09.0`,
/// `2024-03-08 12:58:17.000001`.
pub fn format_time(t: &NaiveDateTime) -> String {
    let base = t.format("%Y-%m-%d %H:%M:%S").to_string();
    let nanos = t.nanosecond() % 1_000_000_000;
    if nanos == 0 {
        format!("{base}.0")
    } else {
        let frac = format!("{nanos:09}");
        format!("{base}.{}", frac.trim_end_matches('0'))
    }
}

/// Required decimal: number or string in, number out.
pub(crate) mod dec {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        lenient::decimal(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        write_decimal(v, s)
    }
}

/// Optional decimal (`null`/`""` → `None`). Use with `default`.
pub(crate) mod opt_dec {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        lenient::opt_decimal(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        loyalty_core::ser::opt_decimal_number(v, s)
    }
}

/// Required integer: number or string in, number out.
pub(crate) mod int {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
        lenient::int(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(*v)
    }
}

/// Optional integer. Use with `default`.
pub(crate) mod opt_int {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        lenient::opt_int(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_i64(*v),
            None => s.serialize_none(),
        }
    }
}

/// Identifier sent as a number or a string; written back as a number when it is all digits.
pub(crate) mod id {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        lenient::string_or_number(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        match v.parse::<i64>() {
            Ok(n) if n.to_string() == v => s.serialize_i64(n),
            _ => s.serialize_str(v),
        }
    }
}

/// Optional identifier sent as a number or a string; written back as a number when numeric.
pub(crate) mod opt_id {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        lenient::opt_string_or_number(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => id::serialize(v, s),
            None => s.serialize_none(),
        }
    }
}

/// Text that may arrive as a number; written back as a string.
pub(crate) mod text {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        lenient::string_or_number(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(v)
    }
}

/// Optional text that may arrive as a number.
pub(crate) mod opt_text {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        lenient::opt_string_or_number(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(v),
            None => s.serialize_none(),
        }
    }
}

/// Required date-time in the vendor's forms.
pub(crate) mod time {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
        lenient::opt_datetime(d)?
            .ok_or_else(|| serde::de::Error::custom("expected a date-time, found null"))
    }
    pub(crate) fn serialize<S: Serializer>(v: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format_time(v))
    }
}

/// Optional date-time (`null`/`""` → `None`). Use with `default`.
pub(crate) mod opt_time {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDateTime>, D::Error> {
        lenient::opt_datetime(d)
    }
    pub(crate) fn serialize<S: Serializer>(
        v: &Option<NaiveDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&format_time(v)),
            None => s.serialize_none(),
        }
    }
}

/// Optional date `yyyy-mm-dd`.
pub(crate) mod opt_date {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<NaiveDate>, D::Error> {
        lenient::opt_date(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &Option<NaiveDate>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(&v.format("%Y-%m-%d").to_string()),
            None => s.serialize_none(),
        }
    }
}

/// Optional flag (`true`/`1`/`"1"`); `null` → `None`.
pub(crate) mod opt_flag {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let v = Option::<serde_json::Value>::deserialize(d)?;
        Ok(match v {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Bool(b)) => Some(b),
            Some(serde_json::Value::Number(n)) => Some(n.as_f64().is_some_and(|f| f != 0.0)),
            Some(serde_json::Value::String(s)) => lenient::parse_flag(&s),
            Some(_) => None,
        })
    }
    pub(crate) fn serialize<S: Serializer>(v: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_bool(*b),
            None => s.serialize_none(),
        }
    }
}

/// Required flag; `null`/missing → `false`. Use with `default`.
pub(crate) mod flag {
    use super::*;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        lenient::flag(d)
    }
    pub(crate) fn serialize<S: Serializer>(v: &bool, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bool(*v)
    }
}

/// A list that may arrive as `null`. Use with `default`.
pub(crate) fn null_list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    lenient::null_as_empty(d)
}

/// A list of strings that may arrive as one string, a list, or `null`.
pub(crate) fn string_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Option::<serde_json::Value>::deserialize(d)?;
    Ok(match v {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Vec::new(),
        Some(serde_json::Value::String(s)) => vec![s],
        Some(serde_json::Value::Array(items)) => items
            .into_iter()
            .filter_map(|i| match i {
                serde_json::Value::String(s) => Some(s),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            })
            .collect(),
        Some(other) => vec![other.to_string()],
    })
}

/// An optional secret (token) as a string.
pub(crate) mod opt_secret {
    use super::*;
    use crate::models::SecretStringEq;
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<SecretStringEq>, D::Error> {
        Ok(lenient::opt_string_or_number(d)?.map(|s| SecretStringEq(SecretString::from(s))))
    }
    pub(crate) fn serialize<S: Serializer>(
        v: &Option<SecretStringEq>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.serialize_str(v.0.expose_secret()),
            None => s.serialize_none(),
        }
    }
}

/// A required secret written as a string (request bodies).
pub(crate) fn write_secret<S: Serializer>(v: &SecretString, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.expose_secret())
}

/// A decimal that serializes as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg(feature = "sandbox")]
pub(crate) struct DecimalNumber(pub(crate) Decimal);

#[cfg(feature = "sandbox")]
impl serde::Serialize for DecimalNumber {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_decimal(&self.0, s)
    }
}
