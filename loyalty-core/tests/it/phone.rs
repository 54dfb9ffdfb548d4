//! Phone parsing: what people type or share, in Ukrainian and Russian formats.

use loyalty_core::{Phone, PhoneError, Region};

#[test]
fn valid_numbers_parse_to_e164() {
    let cases: &[(&str, Region, &str)] = &[
        ("+380 88 999 33 66", Region::UA, "+380889993366"),
        ("+380889993366", Region::UA, "+380889993366"),
        ("380889993366", Region::UA, "+380889993366"),
        ("0889993366", Region::UA, "+380889993366"),
        ("088 999 33 66", Region::UA, "+380889993366"),
        ("(088) 999-33-66", Region::UA, "+380889993366"),
        ("+38 (067) 123-45-67", Region::UA, "+380671234567"),
        ("067.123.45.67", Region::UA, "+380671234567"),
        ("  +380 50 000 00 00  ", Region::UA, "+380500000000"),
        ("+7 (920) 000-00-00", Region::RU, "+79200000000"),
        ("8 920 000 00 00", Region::RU, "+79200000000"),
        ("89200000000", Region::RU, "+79200000000"),
        ("79200000000", Region::RU, "+79200000000"),
        ("9200000000", Region::RU, "+79200000000"),
        ("+7 (100) 000-00-00", Region::RU, "+71000000000"),
        ("+7 (000) 000-00-00", Region::RU, "+70000000000"),
        ("+7-920-000-00-00", Region::UA, "+79200000000"),
        ("+380889993366", Region::RU, "+380889993366"),
        ("+7 701 000 00 00", Region::KZ, "+77010000000"),
    ];
    for (input, region, want) in cases {
        let p = Phone::parse(input, *region).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(p.e164(), *want, "{input:?}");
    }
}

/// Input, default region, the expected error, and why the input is wrong.
type InvalidCase = (&'static str, Region, fn(&PhoneError) -> bool, &'static str);

#[test]
fn invalid_numbers_say_why() {
    let cases: &[InvalidCase] = &[
        ("", Region::UA, |e| matches!(e, PhoneError::Empty), "empty"),
        (
            "  - ( ) ",
            Region::UA,
            |e| matches!(e, PhoneError::Empty),
            "only separators",
        ),
        (
            "+380 88 999 33 6",
            Region::UA,
            |e| {
                matches!(
                    e,
                    PhoneError::TooShort {
                        country_code: 380,
                        digits: 8,
                        ..
                    }
                )
            },
            "one digit short",
        ),
        (
            "+380 88 999 33 666",
            Region::UA,
            |e| {
                matches!(
                    e,
                    PhoneError::TooLong {
                        country_code: 380,
                        digits: 10,
                        ..
                    }
                )
            },
            "one digit long",
        ),
        (
            "+7 920 000 00 0",
            Region::RU,
            |e| {
                matches!(
                    e,
                    PhoneError::TooShort {
                        country_code: 7,
                        ..
                    }
                )
            },
            "RU short",
        ),
        (
            "+7 920 000 00 000",
            Region::RU,
            |e| {
                matches!(
                    e,
                    PhoneError::TooLong {
                        country_code: 7,
                        ..
                    }
                )
            },
            "RU long",
        ),
        (
            "0889 99 33 ab",
            Region::UA,
            |e| matches!(e, PhoneError::InvalidCharacter('a')),
            "letters",
        ),
        (
            "phone: 0889993366",
            Region::UA,
            |e| matches!(e, PhoneError::InvalidCharacter('p')),
            "text before",
        ),
        (
            "38088+9993366",
            Region::UA,
            |e| matches!(e, PhoneError::MisplacedPlus),
            "plus inside",
        ),
        (
            "+999 123456789",
            Region::UA,
            |e| matches!(e, PhoneError::UnknownCountryCode(_)),
            "unassigned code",
        ),
        (
            "12",
            Region::UA,
            |e| {
                matches!(
                    e,
                    PhoneError::TooShort {
                        country_code: 380,
                        digits: 2,
                        min: 9
                    }
                )
            },
            "two digits",
        ),
    ];
    for (input, region, check, why) in cases {
        match Phone::parse(input, *region) {
            Ok(p) => panic!("{why}: {input:?} parsed as {}", p.e164()),
            Err(e) => {
                assert!(check(&e), "{why}: {input:?} gave {e:?}");
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

#[test]
fn error_messages_name_the_problem() {
    let e = Phone::parse("+380 88 999 33 6", Region::UA).unwrap_err();
    assert_eq!(
        e.to_string(),
        "too short for +380: 8 digits after the country code, at least 9 expected"
    );
    let e = Phone::parse("0889 99 33 ab", Region::UA).unwrap_err();
    assert!(e.to_string().contains("'a'"), "{e}");
}

#[test]
fn international_parsing_needs_a_country_code() {
    assert_eq!(
        Phone::parse_international("380889993366").unwrap().e164(),
        "+380889993366"
    );
    assert_eq!(
        "+79200000000".parse::<Phone>().unwrap().e164(),
        "+79200000000"
    );
    assert!(Phone::parse_international("0889993366").is_err());
}

#[test]
fn provider_formats() {
    let ua = Phone::parse("0889993366", Region::UA).unwrap();
    assert_eq!(ua.digits(), "380889993366");
    assert_eq!(ua.e164(), "+380889993366");
    assert_eq!(ua.country_code(), 380);
    assert_eq!(ua.national_digits(), "889993366");
    assert_eq!(ua.bracketed(), "+380 (88) 999-33-66");
    assert_eq!(ua.to_string(), "+380889993366");

    let ru = Phone::parse("8 920 123 45 67", Region::RU).unwrap();
    assert_eq!(ru.bracketed(), "+7 (920) 123-45-67");
    assert_eq!(ru.digits(), "79201234567");
}

#[test]
fn debug_masks_and_serde_uses_e164() {
    let p = Phone::parse("0889993366", Region::UA).unwrap();
    let dbg = format!("{p:?}");
    assert!(!dbg.contains("889993366"), "{dbg}");
    assert_eq!(dbg, "Phone(+38088*****66)");
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(json, "\"+380889993366\"");
    assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), p);
    // Providers send phones as numbers too.
    assert_eq!(serde_json::from_str::<Phone>("380889993366").unwrap(), p);
}

#[test]
fn known_range_is_stricter_than_parsing() {
    assert!(
        Phone::parse("+380 67 123 45 67", Region::UA)
            .unwrap()
            .is_known_range()
    );
    assert!(
        !Phone::parse("+7 (100) 000-00-00", Region::RU)
            .unwrap()
            .is_known_range()
    );
}
