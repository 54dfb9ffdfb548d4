//! The provider-neutral domain model.
//!
//! Times are [`NaiveDateTime`]: every supported vendor sends wall-clock times without a zone
//! (the programme's local time), and we keep what they said rather than guess a zone.
//! Money and points are exact [`Decimal`]s.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::phone::Phone;

/// A person's gender as loyalty programmes record it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Gender {
    /// Male.
    Male,
    /// Female.
    Female,
    /// A value this SDK does not know, kept as the provider sent it.
    Unknown(String),
}

impl Gender {
    /// The value as text (`"male"`, `"female"`, or the unknown value).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
            Self::Unknown(s) => s,
        }
    }
}

/// A loyalty programme member.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Customer {
    /// The provider's id of the customer (contact id, client id), as text.
    pub id: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Patronymic (по батькові / отчество).
    pub patronymic: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Phone number.
    pub phone: Option<Phone>,
    /// E-mail address.
    pub email: Option<String>,
    /// Loyalty card number, if the programme issues one.
    pub card_number: Option<String>,
    /// City, when the programme records one.
    pub city: Option<String>,
}

impl Customer {
    /// A customer with just an id; fill the rest with struct update syntax inside the SDK or
    /// with the setters.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            ..Self::default()
        }
    }

    /// "First Last" (or whichever parts are known); empty when no name is known.
    pub fn display_name(&self) -> String {
        [&self.first_name, &self.patronymic, &self.last_name]
            .into_iter()
            .flatten()
            .filter(|s| !s.trim().is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The data for signing a new customer up.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct NewCustomer {
    /// Phone number (required by most programmes).
    pub phone: Option<Phone>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Patronymic.
    pub patronymic: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Gender.
    pub gender: Option<Gender>,
    /// E-mail address.
    pub email: Option<String>,
}

impl NewCustomer {
    /// A new customer with a phone number.
    pub fn with_phone(phone: Phone) -> Self {
        Self {
            phone: Some(phone),
            ..Self::default()
        }
    }

    /// Sets the given name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }
    /// Sets the family name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }
    /// Sets the patronymic.
    pub fn patronymic(mut self, v: impl Into<String>) -> Self {
        self.patronymic = Some(v.into());
        self
    }
    /// Sets the birth date.
    pub fn birth_date(mut self, v: NaiveDate) -> Self {
        self.birth_date = Some(v);
        self
    }
    /// Sets the gender.
    pub fn gender(mut self, v: Gender) -> Self {
        self.gender = Some(v);
        self
    }
    /// Sets the e-mail.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }
}

/// A change to a customer's profile: only the fields that are `Some` change.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ProfilePatch {
    /// New given name.
    pub first_name: Option<String>,
    /// New family name.
    pub last_name: Option<String>,
    /// New patronymic.
    pub patronymic: Option<String>,
    /// New birth date.
    pub birth_date: Option<NaiveDate>,
    /// New gender.
    pub gender: Option<Gender>,
    /// New e-mail.
    pub email: Option<String>,
    /// New city.
    pub city: Option<String>,
}

impl ProfilePatch {
    /// An empty patch.
    pub fn new() -> Self {
        Self::default()
    }
    /// Changes the given name.
    pub fn first_name(mut self, v: impl Into<String>) -> Self {
        self.first_name = Some(v.into());
        self
    }
    /// Changes the family name.
    pub fn last_name(mut self, v: impl Into<String>) -> Self {
        self.last_name = Some(v.into());
        self
    }
    /// Changes the patronymic.
    pub fn patronymic(mut self, v: impl Into<String>) -> Self {
        self.patronymic = Some(v.into());
        self
    }
    /// Changes the birth date.
    pub fn birth_date(mut self, v: NaiveDate) -> Self {
        self.birth_date = Some(v);
        self
    }
    /// Changes the gender.
    pub fn gender(mut self, v: Gender) -> Self {
        self.gender = Some(v);
        self
    }
    /// Changes the e-mail.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }
    /// Changes the city.
    pub fn city(mut self, v: impl Into<String>) -> Self {
        self.city = Some(v.into());
        self
    }
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
    /// Applies the patch to a customer (for read-modify-write providers and sandboxes).
    pub fn apply_to(&self, c: &mut Customer) {
        fn set<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
            if let Some(v) = src {
                *dst = Some(v.clone());
            }
        }
        set(&mut c.first_name, &self.first_name);
        set(&mut c.last_name, &self.last_name);
        set(&mut c.patronymic, &self.patronymic);
        set(&mut c.birth_date, &self.birth_date);
        set(&mut c.gender, &self.gender);
        set(&mut c.email, &self.email);
        set(&mut c.city, &self.city);
    }
}

/// Bonuses that will burn (expire) at a given time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Burn {
    /// How many bonuses burn.
    pub amount: Decimal,
    /// When they burn.
    pub at: NaiveDateTime,
}

impl Burn {
    /// A burn of `amount` at `at`.
    pub fn new(amount: Decimal, at: NaiveDateTime) -> Self {
        Self { amount, at }
    }
}

/// A loyalty level (tier) of a customer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Level {
    /// The level's name as the programme shows it.
    pub name: String,
    /// Cash-back or discount percent of the level, if known.
    pub percent: Option<Decimal>,
}

impl Level {
    /// A level with a name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            percent: None,
        }
    }
}

/// A named amount a provider reports beside the balance (ERGO's registration sums, for instance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Amount {
    /// A stable key (`"registered"`, `"to_payoff"`).
    pub key: String,
    /// A human label, if the provider gives one.
    pub label: Option<String>,
    /// The amount.
    pub value: Decimal,
}

impl Amount {
    /// A keyed amount.
    pub fn new(key: impl Into<String>, value: Decimal) -> Self {
        Self {
            key: key.into(),
            label: None,
            value,
        }
    }
}

/// A customer's bonus balance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Balance {
    /// Bonuses that can be spent now.
    pub available: Decimal,
    /// Bonuses earned but not yet confirmed/active.
    pub pending: Decimal,
    /// The customer's level, if the programme has levels.
    pub level: Option<Level>,
    /// Upcoming burns, soonest first.
    pub burns: Vec<Burn>,
    /// Other amounts the provider reports (kept so bots can show them).
    pub extra: Vec<Amount>,
}

impl Balance {
    /// A balance with `available` bonuses and nothing else.
    pub fn new(available: Decimal) -> Self {
        Self {
            available,
            ..Self::default()
        }
    }
}

/// One change of the bonus balance.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct BonusEvent {
    /// The provider's id of the event, if it has one.
    pub id: Option<String>,
    /// When it happened.
    pub at: Option<NaiveDateTime>,
    /// Bonuses earned.
    pub earned: Decimal,
    /// Bonuses spent (or burned).
    pub spent: Decimal,
    /// Balance after the event, if reported.
    pub balance_after: Option<Decimal>,
    /// Why (purchase, registration of a serial number, burn, manual accrual...).
    pub reason: Option<String>,
}

/// A purchase (receipt) in a list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Purchase {
    /// The provider's id of the purchase, used to fetch its detail.
    pub id: String,
    /// When it was made.
    pub at: Option<NaiveDateTime>,
    /// Store name.
    pub store_name: Option<String>,
    /// Store address.
    pub store_address: Option<String>,
    /// Total sum paid.
    pub sum: Decimal,
    /// Bonuses spent on it.
    pub bonuses_spent: Decimal,
    /// Bonuses earned by it.
    pub bonuses_earned: Decimal,
}

/// One line of a purchase.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct PurchaseLine {
    /// Product name.
    pub name: String,
    /// Quantity (may be fractional for goods sold by weight).
    pub quantity: Decimal,
    /// Price of one unit, if known or derivable.
    pub unit_price: Option<Decimal>,
    /// Total of the line after discounts.
    pub total: Decimal,
    /// Discount on the line, if known.
    pub discount: Option<Decimal>,
}

/// A purchase with its detail.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct PurchaseDetail {
    /// The purchase summary.
    pub purchase: Purchase,
    /// Discount sum of the purchase.
    pub discount: Option<Decimal>,
    /// Cashier's name.
    pub cashier: Option<String>,
    /// The lines.
    pub lines: Vec<PurchaseLine>,
}

/// A promotion (action, stock) of the programme.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Promotion {
    /// The provider's id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description (plain text as the provider sent it).
    pub description: Option<String>,
    /// Start of the promotion.
    pub starts_at: Option<NaiveDateTime>,
    /// End of the promotion.
    pub ends_at: Option<NaiveDateTime>,
    /// Image URL, passed through as the provider sent it.
    pub image_url: Option<String>,
    /// Link, passed through as the provider sent it.
    pub link: Option<String>,
}

/// What kind of message a [`Notice`] is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoticeKind {
    /// A personal notification.
    Notice,
    /// News of the programme.
    News,
    /// Another kind, kept as the provider named it.
    Unknown(String),
}

/// A notification or a news item for the customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Notice {
    /// The provider's id.
    pub id: String,
    /// Kind.
    pub kind: NoticeKind,
    /// Title, if any.
    pub title: Option<String>,
    /// Text.
    pub text: String,
    /// When it was published.
    pub at: Option<NaiveDateTime>,
    /// Link, passed through as the provider sent it.
    pub link: Option<String>,
    /// Image URL.
    pub image_url: Option<String>,
    /// Whether the customer has read it, when the provider tracks that.
    pub read: Option<bool>,
}

impl Notice {
    /// A notice with an id, kind and text.
    pub fn new(id: impl Into<String>, kind: NoticeKind, text: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            kind,
            title: None,
            text: text.into(),
            at: None,
            link: None,
            image_url: None,
            read: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Region;
    use std::str::FromStr;

    #[test]
    fn serde_round_trips() {
        let mut c = Customer::new("42");
        c.first_name = Some("Олена".into());
        c.patronymic = Some("Петрівна".into());
        c.last_name = Some("Коваль".into());
        c.gender = Some(Gender::Unknown("x".into()));
        c.phone = Some(Phone::parse("0889993366", Region::UA).unwrap());
        c.birth_date = NaiveDate::from_ymd_opt(1990, 2, 3);
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains("\"phone\":\"+380889993366\""), "{json}");
        assert_eq!(serde_json::from_str::<Customer>(&json).unwrap(), c);
        assert_eq!(c.display_name(), "Олена Петрівна Коваль");

        let b = Balance {
            available: Decimal::from_str("218.4").unwrap(),
            burns: vec![Burn::new(
                Decimal::from(5),
                NaiveDate::from_ymd_opt(2026, 12, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            )],
            ..Balance::default()
        };
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.contains("\"available\":\"218.4\""), "{json}");
        assert_eq!(serde_json::from_str::<Balance>(&json).unwrap(), b);
    }

    #[test]
    fn patch_changes_only_given_fields() {
        let mut c = Customer::new("1");
        c.first_name = Some("A".into());
        c.email = Some("a@x".into());
        let p = ProfilePatch::new().email("b@x");
        assert!(!p.is_empty());
        p.apply_to(&mut c);
        assert_eq!(c.first_name.as_deref(), Some("A"));
        assert_eq!(c.email.as_deref(), Some("b@x"));
        assert!(ProfilePatch::new().is_empty());
    }
}
