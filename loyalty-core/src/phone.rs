//! Phone numbers: parsed once from what people type or share, stored as E.164, formatted per
//! provider.
//!
//! Parsing and country metadata come from `phonenumber`, a port of Google's libphonenumber: it
//! knows every country's calling code, trunk prefix (`0` in Ukraine, `8` in Russia) and possible
//! national lengths, which hand-written rules get wrong at the edges.
//!
//! We check the country code and the **length** of the national number, not operator prefixes:
//! vendors' test numbers (`+380 88 …`, `+7 (000) …`) and freshly issued ranges must still work.
//! [`Phone::is_known_range`] runs libphonenumber's full prefix validation when a caller wants it.

use std::fmt;
use std::str::FromStr;

use phonenumber::metadata::DATABASE;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A country (ISO 3166-1 alpha-2), used as the default region when a number is typed without
/// its country code, e.g. `Region::UA` for `0889993366`.
pub use phonenumber::country::Id as Region;

/// Why a phone number could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    /// Nothing but blanks and separators.
    #[error("the phone number is empty")]
    Empty,
    /// A character that has no place in a phone number.
    #[error(
        "the phone number contains {0:?}: only digits, spaces, dashes, dots, brackets and a leading + are allowed"
    )]
    InvalidCharacter(char),
    /// A `+` somewhere other than at the start.
    #[error("a + may only stand at the start of a phone number")]
    MisplacedPlus,
    /// No country code and no default region to assume one.
    #[error("the phone number has no country code (start it with +)")]
    MissingCountryCode,
    /// The country calling code is not assigned.
    #[error("+{0} is not a country calling code")]
    UnknownCountryCode(String),
    /// Too few digits for the country.
    #[error(
        "too short for +{country_code}: {digits} digits after the country code, at least {min} expected"
    )]
    TooShort {
        /// The country calling code.
        country_code: u16,
        /// Digits found after the country code.
        digits: usize,
        /// The fewest digits a number of that country has.
        min: u16,
    },
    /// Too many digits for the country.
    #[error(
        "too long for +{country_code}: {digits} digits after the country code, at most {max} expected"
    )]
    TooLong {
        /// The country calling code.
        country_code: u16,
        /// Digits found after the country code.
        digits: usize,
        /// The most digits a number of that country has.
        max: u16,
    },
    /// A length no number of that country has.
    #[error(
        "wrong length for +{country_code}: {digits} digits after the country code, expected one of {expected:?}"
    )]
    InvalidLength {
        /// The country calling code.
        country_code: u16,
        /// Digits found after the country code.
        digits: usize,
        /// The lengths numbers of that country have.
        expected: Vec<u16>,
    },
    /// libphonenumber could not read it at all.
    #[error("not a phone number: {0}")]
    Unreadable(String),
}

/// The national lengths a person's number can have in a country: the union over fixed-line,
/// mobile, personal and VoIP numbers (toll-free and premium numbers never identify a customer;
/// the general descriptor of the metadata leaves its own list empty).
fn possible_lengths(meta: &phonenumber::Metadata) -> Vec<u16> {
    let d = meta.descriptors();
    let mut all: Vec<u16> = [d.fixed_line(), d.mobile(), d.personal_number(), d.voip()]
        .into_iter()
        .flatten()
        .chain(std::iter::once(d.general()))
        .flat_map(|desc| desc.possible_length().iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// A phone number, valid by country code and length, stored in E.164 (`+380889993366`).
///
/// `Debug` masks the middle digits (phones are personal data); `Display` and [`Phone::e164`]
/// give the full number. Serializes as the E.164 string.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone {
    e164: String,
    country_code: u16,
    /// Digits after the country code (leading zeros kept, as in Italian numbers).
    national: String,
}

impl Phone {
    /// Parses a number typed or shared by a person. Accepts `+380 88 999 33 66`, `380889993366`,
    /// `0889993366` (with `default_region` UA), `+7 (920) 000-00-00`, `8 920 000 00 00` (with RU),
    /// with or without spaces, dashes, dots and brackets.
    ///
    /// # Errors
    /// A [`PhoneError`] saying why: letters, a misplaced `+`, an unknown country code, or a
    /// national number too short, too long or of a length the country does not use.
    pub fn parse(input: &str, default_region: Region) -> Result<Self, PhoneError> {
        Self::parse_inner(input, Some(default_region))
    }

    /// Parses a number that must carry its country code (`+…`, or the digits with the country code
    /// in front, as ERGO sends `380889993366`). Used for stored and provider-sent numbers.
    ///
    /// # Errors
    /// As [`Phone::parse`], and [`PhoneError::MissingCountryCode`] when no country code can be
    /// read.
    pub fn parse_international(input: &str) -> Result<Self, PhoneError> {
        Self::parse_inner(input, None)
    }

    fn parse_inner(input: &str, region: Option<Region>) -> Result<Self, PhoneError> {
        let mut digits = String::with_capacity(input.len());
        let mut plus = false;
        for (i, ch) in input.trim().chars().enumerate() {
            match ch {
                '0'..='9' => digits.push(ch),
                '+' if i == 0 => plus = true,
                '+' => return Err(PhoneError::MisplacedPlus),
                ' ' | '-' | '(' | ')' | '.' | '\u{a0}' | '\t' => {}
                other => return Err(PhoneError::InvalidCharacter(other)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        // Digits that already start with a country code ("380889993366", "79200000000").
        let international =
            plus || region.is_none() || Self::starts_with_region_code(&digits, region);
        let parsed = if international {
            phonenumber::parse(None, format!("+{digits}"))
        } else {
            phonenumber::parse(region, &digits)
        };
        // libphonenumber's port cannot read a national number of zeros only, which vendors use
        // as a placeholder (`+7 (000) 000-00-00`): split off the country code ourselves.
        let parsed = match parsed {
            Err(phonenumber::ParseError::MalformedInteger(_)) if international => {
                if let Some(phone) = Self::split_country_code(&digits) {
                    return phone;
                }
                parsed
            }
            other => other,
        };
        let number = parsed.map_err(|e| match e {
            phonenumber::ParseError::InvalidCountryCode => {
                if international {
                    PhoneError::UnknownCountryCode(digits.chars().take(3).collect())
                } else {
                    PhoneError::MissingCountryCode
                }
            }
            phonenumber::ParseError::TooShortNsn | phonenumber::ParseError::TooShortAfterIdd => {
                let meta = region.and_then(|r| DATABASE.by_id(r.as_ref()));
                PhoneError::TooShort {
                    country_code: meta.map_or(0, |m| m.country_code()),
                    digits: digits.len(),
                    min: meta
                        .and_then(|m| possible_lengths(m).first().copied())
                        .unwrap_or(0),
                }
            }
            other => PhoneError::Unreadable(other.to_string()),
        })?;
        let country_code = number.code().value();
        let national = format!(
            "{}{}",
            "0".repeat(usize::from(number.national().zeros())),
            number.national().value()
        );
        Self::check_length(country_code, &national)?;
        Ok(Self {
            e164: format!("+{country_code}{national}"),
            country_code,
            national,
        })
    }

    /// Reads `digits` (no `+`) as a country code of 1-3 digits followed by a national number.
    fn split_country_code(digits: &str) -> Option<Result<Self, PhoneError>> {
        (1..=3).filter(|n| *n < digits.len()).find_map(|n| {
            let country_code: u16 = digits[..n].parse().ok()?;
            DATABASE.by_code(&country_code)?;
            let national = digits[n..].to_owned();
            Some(Self::check_length(country_code, &national).map(|()| Self {
                e164: format!("+{digits}"),
                country_code,
                national,
            }))
        })
    }

    /// Whether `digits` (no `+`) begin with the default region's calling code and have exactly the
    /// length of a full international number of that country.
    fn starts_with_region_code(digits: &str, region: Option<Region>) -> bool {
        let Some(meta) = region.and_then(|r| DATABASE.by_id(r.as_ref())) else {
            return false;
        };
        let code = meta.country_code().to_string();
        let Some(rest) = digits.strip_prefix(code.as_str()) else {
            return false;
        };
        let lengths = possible_lengths(meta);
        let rest_len = u16::try_from(rest.len()).unwrap_or(u16::MAX);
        // A number that starts with the national trunk prefix ("0889993366" in UA, "8920…" in RU)
        // is national; otherwise the code in front plus a national length of digits after it
        // ("380889993366", "79200000000") is read as international.
        lengths.contains(&rest_len)
            && meta
                .national_prefix()
                .is_none_or(|p| !digits.starts_with(p))
    }

    fn check_length(country_code: u16, national: &str) -> Result<(), PhoneError> {
        let metas = DATABASE.by_code(&country_code).unwrap_or_default();
        let Some(meta) = metas.first() else {
            return Err(PhoneError::UnknownCountryCode(country_code.to_string()));
        };
        let lengths = possible_lengths(meta);
        let (Some(&min), Some(&max)) = (lengths.iter().min(), lengths.iter().max()) else {
            return Ok(());
        };
        let n = national.len();
        let n16 = u16::try_from(n).unwrap_or(u16::MAX);
        if n16 < min {
            Err(PhoneError::TooShort {
                country_code,
                digits: n,
                min,
            })
        } else if n16 > max {
            Err(PhoneError::TooLong {
                country_code,
                digits: n,
                max,
            })
        } else if !lengths.contains(&n16) {
            Err(PhoneError::InvalidLength {
                country_code,
                digits: n,
                expected: lengths.clone(),
            })
        } else {
            Ok(())
        }
    }

    /// E.164: `+380889993366`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// Digits only, with the country code: `380889993366` (what ERGO wants).
    pub fn digits(&self) -> &str {
        &self.e164[1..]
    }

    /// The country calling code: `380`, `7`.
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The digits after the country code: `889993366`.
    pub fn national_digits(&self) -> &str {
        &self.national
    }

    /// The bracketed form `+7 (920) 000-00-00` (what BonusMoney wants); 9-digit national numbers
    /// read `+380 (88) 999-33-66`. Other lengths fall back to groups of the E.164 digits.
    pub fn bracketed(&self) -> String {
        let n = &self.national;
        let cc = self.country_code;
        match n.len() {
            10 => format!("+{cc} ({}) {}-{}-{}", &n[..3], &n[3..6], &n[6..8], &n[8..]),
            9 => format!("+{cc} ({}) {}-{}-{}", &n[..2], &n[2..5], &n[5..7], &n[7..]),
            _ => format!("+{cc} {n}"),
        }
    }

    /// A form safe for logs: country code, two digits, stars and the last two digits
    /// (`+38088*****66`).
    pub fn masked(&self) -> String {
        let n = &self.national;
        if n.len() <= 4 {
            return format!("+{} {}", self.country_code, "*".repeat(n.len()));
        }
        format!(
            "+{}{}{}{}",
            self.country_code,
            &n[..2],
            "*".repeat(n.len() - 4),
            &n[n.len() - 2..]
        )
    }

    /// Whether libphonenumber knows the number's operator range (full validation, stricter
    /// than parsing: vendors' test numbers fail it).
    pub fn is_known_range(&self) -> bool {
        phonenumber::parse(None, &self.e164)
            .map(|n| phonenumber::is_valid(&n))
            .unwrap_or(false)
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl FromStr for Phone {
    type Err = PhoneError;

    /// Same as [`Phone::parse_international`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_international(s)
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.e164)
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = crate::de::string_or_number(d)?;
        Self::parse_international(&text).map_err(serde::de::Error::custom)
    }
}

/// A phone as the sandboxes' admin look-ups take it (`last_code`, …): a parsed [`Phone`], which
/// each sandbox formats its own way, or text already in the sandbox's form. Every sandbox's
/// `last_code` takes `impl Into<PhoneArg>`, so the same `&Phone` works with all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneArg<'a> {
    /// A parsed phone.
    Parsed(&'a Phone),
    /// Text in the sandbox's own form (ERGO: 12 digits; Manzana: E.164).
    Text(&'a str),
}

impl PhoneArg<'_> {
    /// The phone as `format` writes it, or the text as it is (trimmed).
    pub fn key(&self, format: impl Fn(&Phone) -> String) -> String {
        match self {
            Self::Parsed(p) => format(p),
            Self::Text(t) => t.trim().to_owned(),
        }
    }
}

impl<'a> From<&'a Phone> for PhoneArg<'a> {
    fn from(p: &'a Phone) -> Self {
        Self::Parsed(p)
    }
}

impl<'a> From<&'a str> for PhoneArg<'a> {
    fn from(t: &'a str) -> Self {
        Self::Text(t)
    }
}

impl<'a> From<&'a String> for PhoneArg<'a> {
    fn from(t: &'a String) -> Self {
        Self::Text(t)
    }
}
