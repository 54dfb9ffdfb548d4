//! Serde writers for vendor wire formats (the counterpart of [`crate::de`]).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serializer;

/// Writes a decimal as a JSON number: an integer when it has no fraction (`100`, not `100.0`),
/// otherwise its shortest float text (`218.4`). Decimals beyond `f64` go out as strings.
///
/// # Errors
/// The serializer's errors.
pub fn decimal_number<S: Serializer>(v: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    if v.fract().is_zero()
        && let Some(i) = v.to_i64()
    {
        return s.serialize_i64(i);
    }
    match v.to_f64() {
        Some(f) => s.serialize_f64(f),
        None => s.serialize_str(&v.to_string()),
    }
}

/// [`decimal_number`] for an optional decimal (`None` writes `null`; pair it with
/// `skip_serializing_if = "Option::is_none"` to omit the key).
///
/// # Errors
/// The serializer's errors.
pub fn opt_decimal_number<S: Serializer>(v: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => decimal_number(v, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[derive(serde::Serialize)]
    struct W {
        #[serde(serialize_with = "decimal_number")]
        a: Decimal,
        #[serde(serialize_with = "opt_decimal_number")]
        b: Option<Decimal>,
    }

    #[test]
    fn integers_stay_integers_and_fractions_stay_short() {
        let w = W {
            a: Decimal::from_str("100.00").unwrap(),
            b: Some(Decimal::from_str("218.4").unwrap()),
        };
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"a":100,"b":218.4}"#);
        let w = W {
            a: Decimal::from_str("0.1").unwrap(),
            b: None,
        };
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"a":0.1,"b":null}"#);
    }
}
