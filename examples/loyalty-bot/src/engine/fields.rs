//! The customer's personal data as the bot asks for it: the fields of a profile, which of them
//! each programme needs at sign-up, and the checks of a typed answer.

use chrono::{Datelike, NaiveDate};
use loyalty_core::{Customer, Gender, NewCustomer, ProfilePatch};
use serde::{Deserialize, Serialize};

use super::Programme;
use crate::texts::TextKey;

/// One field of a customer's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileField {
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// Patronymic.
    Patronymic,
    /// Birth date.
    BirthDate,
    /// Gender (asked with two buttons).
    Gender,
    /// E-mail address.
    Email,
}

impl ProfileField {
    /// Every field, in the order the bot asks for them.
    pub const ALL: [ProfileField; 6] = [
        Self::FirstName,
        Self::LastName,
        Self::Patronymic,
        Self::BirthDate,
        Self::Gender,
        Self::Email,
    ];

    /// The field's name in callback data (`pf:<name>`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FirstName => "first_name",
            Self::LastName => "last_name",
            Self::Patronymic => "patronymic",
            Self::BirthDate => "birth_date",
            Self::Gender => "gender",
            Self::Email => "email",
        }
    }

    /// Reads [`ProfileField::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The question that asks for the field.
    pub(super) fn question(self) -> TextKey {
        match self {
            Self::FirstName => TextKey::AskFirstName,
            Self::LastName => TextKey::AskLastName,
            Self::Patronymic => TextKey::AskPatronymic,
            Self::BirthDate => TextKey::AskBirthDate,
            Self::Gender => TextKey::AskGender,
            Self::Email => TextKey::AskEmail,
        }
    }

    /// The label of the field's edit button.
    pub(super) fn button(self) -> TextKey {
        match self {
            Self::FirstName => TextKey::ButtonEditFirstName,
            Self::LastName => TextKey::ButtonEditLastName,
            Self::Patronymic => TextKey::ButtonEditPatronymic,
            Self::BirthDate => TextKey::ButtonEditBirthDate,
            Self::Gender => TextKey::ButtonEditGender,
            Self::Email => TextKey::ButtonEditEmail,
        }
    }
}

/// A checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A name part, an e-mail.
    Text(String),
    /// A birth date.
    Date(NaiveDate),
    /// A gender.
    Gender(Gender),
}

/// Checks a typed answer for `field`; the error is the re-ask that says what was wrong.
pub(super) fn check(field: ProfileField, input: &str, today: NaiveDate) -> Result<Answer, TextKey> {
    let input = input.trim();
    match field {
        ProfileField::FirstName | ProfileField::LastName | ProfileField::Patronymic => {
            check_name(input).map(Answer::Text)
        }
        ProfileField::BirthDate => check_birth_date(input, today).map(Answer::Date),
        ProfileField::Gender => check_gender(input).map(Answer::Gender),
        ProfileField::Email => check_email(input).map(Answer::Text),
    }
}

/// A name part (customers' and ERGO sellers' alike): 2 to 50 letters of any alphabet, with
/// spaces, hyphens or apostrophes between them (`Анна-Марія`, `Д'Артаньян`); runs of spaces
/// become one.
pub(super) fn check_name(s: &str) -> Result<String, TextKey> {
    let count = s.chars().count();
    let allowed = |c: char| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’' | 'ʼ');
    let starts_with_letter = s.chars().next().is_some_and(char::is_alphabetic);
    let ends_with_letter = s.chars().last().is_some_and(char::is_alphabetic);
    if !(2..=50).contains(&count)
        || !starts_with_letter
        || !ends_with_letter
        || !s.chars().all(allowed)
    {
        return Err(TextKey::InvalidName);
    }
    Ok(s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// A birth date `DD.MM.YYYY` (also `-` or `/` between the parts, or ISO `YYYY-MM-DD`) of a
/// person aged 14 to 120 on `today`.
fn check_birth_date(s: &str, today: NaiveDate) -> Result<NaiveDate, TextKey> {
    let date = ["%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
        .ok_or(TextKey::InvalidBirthDate)?;
    let age = today.year()
        - date.year()
        - i32::from((today.month(), today.day()) < (date.month(), date.day()));
    if !(14..=120).contains(&age) {
        return Err(TextKey::InvalidBirthDateAge);
    }
    Ok(date)
}

/// A gender typed instead of pressed: the first letter of the word in Ukrainian, Russian or
/// English.
fn check_gender(s: &str) -> Result<Gender, TextKey> {
    let lower = s.to_lowercase();
    match lower.chars().next() {
        Some('ч' | 'м' | 'm') => Ok(Gender::Male),
        Some('ж' | 'f' | 'w') => Ok(Gender::Female),
        _ => Err(TextKey::AskGender),
    }
}

/// An e-mail address (customers' and ERGO sellers' alike): one `@`, a local part, a domain of
/// at least two non-empty labels, no spaces, at most 254 characters.
pub(super) fn check_email(s: &str) -> Result<String, TextKey> {
    let ok = s.len() <= 254
        && !s.chars().any(char::is_whitespace)
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|label| !label.is_empty())
        });
    if ok {
        Ok(s.to_owned())
    } else {
        Err(TextKey::EmailInvalid)
    }
}

/// The fields a programme's sign-up asks for, each with whether its API requires it.
///
/// BonusMoney's `signUp` marks all six required (seed 003: name, surname, patronymic, bDate,
/// male, e-mail: "Да"); Manzana's registration takes the same data and requires none of it
/// (specs/manzana.md: callable with the phone alone), so every field there may be skipped.
pub(super) fn sign_up_fields(programme: &Programme) -> &'static [(ProfileField, bool)] {
    use ProfileField as F;
    match programme {
        Programme::BonusMoney { .. } => &[
            (F::FirstName, true),
            (F::LastName, true),
            (F::Patronymic, true),
            (F::BirthDate, true),
            (F::Gender, true),
            (F::Email, true),
        ],
        Programme::Ergo { .. } | Programme::Generic { .. } => &[
            (F::FirstName, false),
            (F::LastName, false),
            (F::Patronymic, false),
            (F::BirthDate, false),
            (F::Gender, false),
            (F::Email, false),
        ],
    }
}

/// Whether `data` has a value for `field`.
pub(super) fn has(data: &NewCustomer, field: ProfileField) -> bool {
    match field {
        ProfileField::FirstName => data.first_name.is_some(),
        ProfileField::LastName => data.last_name.is_some(),
        ProfileField::Patronymic => data.patronymic.is_some(),
        ProfileField::BirthDate => data.birth_date.is_some(),
        ProfileField::Gender => data.gender.is_some(),
        ProfileField::Email => data.email.is_some(),
    }
}

/// Sets `field` of `data` to a checked answer.
pub(super) fn set(data: &mut NewCustomer, field: ProfileField, answer: Answer) {
    match (field, answer) {
        (ProfileField::FirstName, Answer::Text(v)) => data.first_name = Some(v),
        (ProfileField::LastName, Answer::Text(v)) => data.last_name = Some(v),
        (ProfileField::Patronymic, Answer::Text(v)) => data.patronymic = Some(v),
        (ProfileField::Email, Answer::Text(v)) => data.email = Some(v),
        (_, Answer::Date(d)) => data.birth_date = Some(d),
        (_, Answer::Gender(g)) => data.gender = Some(g),
        _ => {}
    }
}

/// A patch that changes `field` to a checked answer.
pub(super) fn patch(field: ProfileField, answer: Answer) -> ProfilePatch {
    let p = ProfilePatch::new();
    match (field, answer) {
        (ProfileField::FirstName, Answer::Text(v)) => p.first_name(v),
        (ProfileField::LastName, Answer::Text(v)) => p.last_name(v),
        (ProfileField::Patronymic, Answer::Text(v)) => p.patronymic(v),
        (ProfileField::Email, Answer::Text(v)) => p.email(v),
        (_, Answer::Date(d)) => p.birth_date(d),
        (_, Answer::Gender(g)) => {
            let mut p = p;
            p.gender = Some(g);
            p
        }
        _ => p,
    }
}

/// The value of `field` of a customer as the profile shows it (empty when unknown).
pub(super) fn shown(c: &Customer, field: ProfileField, gender_words: (&str, &str)) -> String {
    match field {
        ProfileField::FirstName => c.first_name.clone().unwrap_or_default(),
        ProfileField::LastName => c.last_name.clone().unwrap_or_default(),
        ProfileField::Patronymic => c.patronymic.clone().unwrap_or_default(),
        ProfileField::BirthDate => c
            .birth_date
            .map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_default(),
        ProfileField::Gender => match &c.gender {
            Some(Gender::Male) => gender_words.0.to_owned(),
            Some(Gender::Female) => gender_words.1.to_owned(),
            _ => String::new(),
        },
        ProfileField::Email => c.email.clone().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    #[test]
    fn names_are_letters_with_single_separators() {
        assert_eq!(check_name("Олена"), Ok("Олена".into()));
        assert_eq!(check_name("Анна-Марія"), Ok("Анна-Марія".into()));
        assert_eq!(check_name("д'Артаньян"), Ok("д'Артаньян".into()));
        assert_eq!(check_name("Ван  Гог"), Ok("Ван Гог".into()));
        for bad in ["", "1234", "Ol3na", "-Olena", "a@b", &"я".repeat(51)] {
            assert_eq!(check_name(bad), Err(TextKey::InvalidName), "{bad}");
        }
    }

    #[test]
    fn birth_dates_read_in_the_usual_forms_and_ages() {
        let d = NaiveDate::from_ymd_opt(1990, 5, 30).unwrap();
        for ok in ["30.05.1990", "30-05-1990", "30/05/1990", "1990-05-30"] {
            assert_eq!(check_birth_date(ok, today()), Ok(d), "{ok}");
        }
        assert_eq!(
            check_birth_date("31.02.1990", today()),
            Err(TextKey::InvalidBirthDate)
        );
        assert_eq!(
            check_birth_date("вчора", today()),
            Err(TextKey::InvalidBirthDate)
        );
        // 14 tomorrow: too young today; 14 today: fine.
        assert_eq!(
            check_birth_date("08.12.2012", today()),
            Err(TextKey::InvalidBirthDateAge)
        );
        assert!(check_birth_date("07.12.2012", today()).is_ok());
        assert_eq!(
            check_birth_date("01.01.1900", today()),
            Err(TextKey::InvalidBirthDateAge)
        );
    }

    #[test]
    fn e_mails_and_genders() {
        assert_eq!(
            check_email("olena@example.com"),
            Ok("olena@example.com".into())
        );
        for bad in [
            "olena",
            "olena@",
            "@example.com",
            "a@b",
            "a b@c.d",
            "a@@b.c",
            "a@b.",
        ] {
            assert_eq!(check_email(bad), Err(TextKey::EmailInvalid), "{bad}");
        }
        assert_eq!(check_gender("Жіноча"), Ok(Gender::Female));
        assert_eq!(check_gender("мужской"), Ok(Gender::Male));
        assert_eq!(check_gender("чоловіча"), Ok(Gender::Male));
        assert_eq!(check_gender("?"), Err(TextKey::AskGender));
    }

    #[test]
    fn field_names_read_back() {
        for f in ProfileField::ALL {
            assert_eq!(ProfileField::parse(f.as_str()), Some(f));
        }
        assert_eq!(ProfileField::parse("city"), None);
    }

    #[test]
    fn the_sellers_names_and_emails_pass_the_same_checks() {
        for ok in ["Іван", "Анна-Марія", "Д'Артаньян", "Ли", "Олександр Петро"]
        {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["І", "Іван2", "-Іван", "Іван-", "", "<b>", &"я".repeat(51)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        for ok in ["a@b.ua", "seller.one+x@shop.example.com"] {
            assert!(check_email(ok).is_ok(), "{ok}");
        }
        for bad in ["a@b", "@b.ua", "a b@c.ua", "a@@b.ua", "a@b..ua", "ab.ua"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
