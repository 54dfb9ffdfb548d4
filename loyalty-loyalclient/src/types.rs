//! Requests and responses of the five calls, field for field as on the wire.
//!
//! Responses are lenient: numbers may arrive as strings, the phone as a number or a string,
//! absent fields are `None`, unknown fields are ignored and unknown loyalty types are kept as
//! [`LoyaltyType::Unknown`]. Amounts, percents and points are exact `Decimal`s.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use loyalty_core::{LoyaltyError, Phone, Region, de};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::wire;

/// The shortest hold, in minutes.
pub const MIN_HOLD_MINUTES: u32 = 1;
/// The longest hold the API allows, in minutes.
pub const MAX_HOLD_MINUTES: u32 = 30;
/// How long a hold lives when no duration is sent, in minutes.
pub const DEFAULT_HOLD_MINUTES: u32 = 10;

/// The loyalty type of a level or an operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LoyaltyType {
    /// Bonuses are earned on purchases and may be spent (`"cashback"`).
    Cashback,
    /// A percent off every purchase; the bonus balance stays 0 (`"discount"`).
    Discount,
    /// A value this SDK does not know, kept as the API sent it.
    Unknown(String),
}

impl LoyaltyType {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Cashback => "cashback",
            Self::Discount => "discount",
            Self::Unknown(s) => s,
        }
    }

    /// Reads a wire value (unknown values are kept).
    pub fn parse(s: &str) -> Self {
        match s {
            "cashback" => Self::Cashback,
            "discount" => Self::Discount,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for LoyaltyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LoyaltyType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LoyaltyType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&de::string_or_number(d)?))
    }
}

// ---- responses ----

/// The client's loyalty level (`client.level`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Level {
    /// Level id.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub id: Option<String>,
    /// Level name (e.g. "Бонусы").
    #[serde(default)]
    pub title: Option<String>,
    /// The level's percent (cash-back or discount).
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "wire::opt_number"
    )]
    pub percent: Option<Decimal>,
    /// Cash-back or discount; `None` when the answer leaves `type` out (optional: the spec's
    /// table lists it, and a client must not fail on a level without it).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<LoyaltyType>,
    /// The largest share of a receipt payable with bonuses, in percent (cash-back only).
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "wire::opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_spend_percent: Option<Decimal>,
}

impl Level {
    /// A level of `kind` (fill the rest through the public fields).
    pub fn new(kind: LoyaltyType) -> Self {
        Self {
            id: None,
            title: None,
            percent: None,
            kind: Some(kind),
            max_spend_percent: None,
        }
    }
}

/// A client as `POST /integration/general/client` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientProfile {
    /// The client id every later call takes.
    #[serde(deserialize_with = "de::string_or_number")]
    pub id: String,
    /// First name.
    #[serde(default)]
    pub name: Option<String>,
    /// Photo URL.
    #[serde(default)]
    pub photo: Option<String>,
    /// Birth date (`YYYY-MM-DD`).
    #[serde(default, deserialize_with = "de::opt_date")]
    pub birthday: Option<NaiveDate>,
    /// Loyalty level.
    #[serde(default)]
    pub level: Option<Level>,
    /// Phone as sent: the API writes it as a number (`79201234567`); a string is accepted too.
    #[serde(
        default,
        deserialize_with = "de::opt_string_or_number",
        serialize_with = "wire::phone"
    )]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Current bonus balance (always 0 for `discount` levels).
    #[serde(
        default,
        deserialize_with = "de::decimal_or_zero",
        serialize_with = "wire::number"
    )]
    pub balance: Decimal,
}

impl ClientProfile {
    /// A profile with an id and nothing else (for sandboxes and tests).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            photo: None,
            birthday: None,
            level: None,
            phone: None,
            email: None,
            balance: Decimal::ZERO,
        }
    }

    /// The phone parsed: digits with a country code (`79201234567`), else read as Russian.
    pub fn parsed_phone(&self) -> Option<Phone> {
        let p = self.phone.as_deref()?.trim();
        if p.is_empty() {
            return None;
        }
        let international = if p.starts_with('+') {
            p.to_owned()
        } else {
            format!("+{p}")
        };
        Phone::parse_international(&international)
            .or_else(|_| Phone::parse(p, Region::RU))
            .ok()
    }

    /// The loyalty type of the client's level, if the level was sent.
    pub fn loyalty_type(&self) -> Option<&LoyaltyType> {
        self.level.as_ref().and_then(|l| l.kind.as_ref())
    }
}

/// A purchase preview as `POST /integration/general/recalc` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Recalc {
    /// The purchase sum.
    #[serde(deserialize_with = "de::decimal", serialize_with = "wire::number")]
    pub amount: Decimal,
    /// The percent applied (may differ from the level's).
    #[serde(deserialize_with = "de::decimal", serialize_with = "wire::number")]
    pub percent: Decimal,
    /// Cash-back or discount.
    #[serde(rename = "type")]
    pub kind: LoyaltyType,
    /// How many bonuses the client may spend on this purchase.
    #[serde(
        default,
        deserialize_with = "de::decimal_or_zero",
        serialize_with = "wire::number"
    )]
    pub spend: Decimal,
    /// How many bonuses would be credited if nothing is spent.
    #[serde(
        default,
        deserialize_with = "de::decimal_or_zero",
        serialize_with = "wire::number"
    )]
    pub earn: Decimal,
}

/// A bonus hold as `POST /integration/general/bonuses/hold` returns it (`held`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Hold {
    /// Hold id (pass it to `retail`/`recalc`/`client` as `hold`, or to `release`).
    #[serde(deserialize_with = "de::string_or_number")]
    pub id: String,
    /// When the hold expires (sent as unix seconds).
    #[serde(with = "wire::unix_seconds")]
    pub until: DateTime<Utc>,
    /// Points held.
    #[serde(deserialize_with = "de::decimal", serialize_with = "wire::number")]
    pub amount: Decimal,
}

/// A completed sale as `POST /integration/general/retail` returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Retail {
    /// The receipt sum.
    #[serde(deserialize_with = "de::decimal", serialize_with = "wire::number")]
    pub amount: Decimal,
    /// What is paid by card or cash.
    #[serde(deserialize_with = "de::decimal", serialize_with = "wire::number")]
    pub total: Decimal,
    /// The percent applied.
    #[serde(deserialize_with = "de::decimal", serialize_with = "wire::number")]
    pub percent: Decimal,
    /// Cash-back or discount.
    #[serde(rename = "type")]
    pub kind: LoyaltyType,
    /// Bonuses spent (present when the sale spent bonuses).
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "wire::opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub spend: Option<Decimal>,
    /// Bonuses earned (present when the sale spent nothing).
    #[serde(
        default,
        deserialize_with = "de::opt_decimal",
        serialize_with = "wire::opt_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub earn: Option<Decimal>,
}

// ---- requests ----

fn require(field: &str, value: &str) -> Result<(), LoyaltyError> {
    if value.trim().is_empty() {
        Err(LoyaltyError::invalid(field, "must not be empty"))
    } else {
        Ok(())
    }
}

fn non_negative(field: &str, value: Decimal) -> Result<(), LoyaltyError> {
    if value.is_sign_negative() && !value.is_zero() {
        Err(LoyaltyError::invalid(field, "must not be negative"))
    } else {
        Ok(())
    }
}

/// Body of `POST /integration/general/client`: find a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientSearch {
    /// Phone, card number, or the client's code from the mobile app.
    pub search: String,
    /// Sales point id.
    pub point: String,
    /// Holds to take into account when computing the balance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hold: Vec<String>,
}

impl ClientSearch {
    /// A search by phone digits (`79201234567`), card number or app code, at `point`.
    pub fn new(search: impl Into<String>, point: impl Into<String>) -> Self {
        Self {
            search: search.into(),
            point: point.into(),
            hold: Vec::new(),
        }
    }

    /// A search by phone, written as digits with the country code (`79201234567`).
    pub fn by_phone(phone: &Phone, point: impl Into<String>) -> Self {
        Self::new(phone.digits(), point)
    }

    /// Adds a hold to take into account.
    pub fn hold(mut self, id: impl Into<String>) -> Self {
        self.hold.push(id.into());
        self
    }

    /// Checks the fields before sending.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for an empty `search` or `point`.
    pub fn validate(&self) -> Result<(), LoyaltyError> {
        require("search", &self.search)?;
        require("point", &self.point)
    }
}

/// Body of `POST /integration/general/recalc`: preview a purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecalcRequest {
    /// Client id.
    pub client: String,
    /// Sales point id.
    pub point: String,
    /// Purchase sum.
    #[serde(serialize_with = "wire::number", deserialize_with = "de::decimal")]
    pub amount: Decimal,
    /// Holds to take into account.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hold: Vec<String>,
}

impl RecalcRequest {
    /// A preview of a purchase of `amount` by `client` at `point`.
    pub fn new(client: impl Into<String>, point: impl Into<String>, amount: Decimal) -> Self {
        Self {
            client: client.into(),
            point: point.into(),
            amount,
            hold: Vec::new(),
        }
    }

    /// Adds a hold to take into account.
    pub fn hold(mut self, id: impl Into<String>) -> Self {
        self.hold.push(id.into());
        self
    }

    /// Checks the fields before sending.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for an empty id or a negative amount.
    pub fn validate(&self) -> Result<(), LoyaltyError> {
        require("client", &self.client)?;
        require("point", &self.point)?;
        non_negative("amount", self.amount)
    }
}

/// Body of `POST /integration/general/bonuses/hold`: reserve bonuses for a while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct HoldRequest {
    /// Client id.
    pub client: String,
    /// Sales point id.
    pub point: String,
    /// Points to hold.
    #[serde(serialize_with = "wire::number", deserialize_with = "de::decimal")]
    pub amount: Decimal,
    /// Minutes, [`MIN_HOLD_MINUTES`]..=[`MAX_HOLD_MINUTES`]; the API's default
    /// ([`DEFAULT_HOLD_MINUTES`]) when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u32>,
}

impl HoldRequest {
    /// A hold of `amount` points of `client` at `point`, for the default 10 minutes.
    pub fn new(client: impl Into<String>, point: impl Into<String>, amount: Decimal) -> Self {
        Self {
            client: client.into(),
            point: point.into(),
            amount,
            duration: None,
        }
    }

    /// Sets the duration in minutes (checked by [`HoldRequest::validate`]: 1..=30).
    pub fn duration(mut self, minutes: u32) -> Self {
        self.duration = Some(minutes);
        self
    }

    /// The duration the hold will have, in minutes.
    pub fn effective_duration(&self) -> u32 {
        self.duration.unwrap_or(DEFAULT_HOLD_MINUTES)
    }

    /// Checks the fields before sending.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for an empty id, an amount that is not positive, or a
    /// duration outside 1..=30 minutes.
    pub fn validate(&self) -> Result<(), LoyaltyError> {
        require("client", &self.client)?;
        require("point", &self.point)?;
        if self.amount <= Decimal::ZERO {
            return Err(LoyaltyError::invalid("amount", "must be positive"));
        }
        if let Some(d) = self.duration {
            if !(MIN_HOLD_MINUTES..=MAX_HOLD_MINUTES).contains(&d) {
                return Err(LoyaltyError::invalid(
                    "duration",
                    format!("must be {MIN_HOLD_MINUTES}..={MAX_HOLD_MINUTES} minutes, got {d}"),
                ));
            }
        }
        Ok(())
    }
}

/// Body of `POST /integration/general/bonuses/release`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ReleaseRequest {
    /// Hold id.
    pub id: String,
}

impl ReleaseRequest {
    /// A release of hold `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

/// Body of `POST /integration/general/retail`: the sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RetailRequest {
    /// Client id.
    pub client: String,
    /// Sales point id.
    pub point: String,
    /// Receipt sum.
    #[serde(serialize_with = "wire::number", deserialize_with = "de::decimal")]
    pub amount: Decimal,
    /// Points to spend; 0 means earn instead.
    #[serde(serialize_with = "wire::number", deserialize_with = "de::decimal")]
    pub spend: Decimal,
    /// Holds whose points this sale spends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hold: Vec<String>,
}

impl RetailRequest {
    /// A sale of `amount` that earns bonuses (`spend` 0).
    pub fn earn(client: impl Into<String>, point: impl Into<String>, amount: Decimal) -> Self {
        Self {
            client: client.into(),
            point: point.into(),
            amount,
            spend: Decimal::ZERO,
            hold: Vec::new(),
        }
    }

    /// A sale of `amount` paying `spend` points.
    pub fn spend(
        client: impl Into<String>,
        point: impl Into<String>,
        amount: Decimal,
        spend: Decimal,
    ) -> Self {
        Self {
            spend,
            ..Self::earn(client, point, amount)
        }
    }

    /// Adds a hold whose points the sale spends.
    pub fn hold(mut self, id: impl Into<String>) -> Self {
        self.hold.push(id.into());
        self
    }

    /// Checks the fields before sending.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for an empty id or a negative amount or spend.
    pub fn validate(&self) -> Result<(), LoyaltyError> {
        require("client", &self.client)?;
        require("point", &self.point)?;
        non_negative("amount", self.amount)?;
        non_negative("spend", self.spend)
    }
}
