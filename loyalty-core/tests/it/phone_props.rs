//! `Phone::parse` on arbitrary input never panics: whatever a user types or a messenger shares
//! is either a phone or a typed [`PhoneError`].
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::str::FromStr;

use loyalty_core::{Phone, Region};
use proptest::prelude::*;

/// Every region `phonenumber` knows, by trying each two-letter code.
fn regions() -> Vec<Region> {
    let mut out = Vec::new();
    for a in b'A'..=b'Z' {
        for b in b'A'..=b'Z' {
            let code = String::from_utf8(vec![a, b]).unwrap();
            if let Ok(r) = Region::from_str(&code) {
                out.push(r);
            }
        }
    }
    assert!(out.len() > 200, "{}", out.len());
    out
}

/// Strings that look like phones more often than random text does.
fn phoneish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[+0-9 ()\\-.]{0,40}",
        "\\+?[0-9]{1,3}[ (]{0,2}[0-9]{0,20}[) ]{0,2}[0-9\\-]{0,20}",
        "(tel:|\\+|00|8|0)[0-9٠-٩０-９]{0,30}[a-z;=]{0,10}",
        "[0-9]{0,400}",
    ]
}

fn check(phone: &Phone) {
    // Every accessor works on whatever parse accepted.
    assert!(phone.e164().starts_with('+'));
    assert_eq!(&phone.e164()[1..], phone.digits());
    let _ = (
        phone.country_code(),
        phone.national_digits(),
        phone.bracketed(),
        phone.masked(),
        phone.is_known_range(),
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_never_panics(input in phoneish(), region in prop::sample::select(regions())) {
        if let Ok(p) = Phone::parse(&input, region) {
            check(&p);
        }
        if let Ok(p) = Phone::parse_international(&input) {
            check(&p);
        }
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let input = String::from_utf8_lossy(&bytes);
        for region in [Region::UA, Region::RU, Region::KZ, Region::BY, Region::US] {
            if let Ok(p) = Phone::parse(&input, region) {
                check(&p);
            }
        }
    }
}
