//! Wire models of the office services (spec §6), read leniently.
//!
//! Every model keeps the fields it does not name in `extra`, so nothing the tenant sends is lost
//! (and [`Contact`] can be sent back whole by a read-modify-write update).

use std::fmt;

use chrono::{NaiveDateTime, NaiveTime};
use loyalty_core::de;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// A flag sent as a boolean, `0`/`1` or a string; `null`/absent read as `None`.
pub(crate) fn opt_flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    Ok(match v {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(b),
        Some(Value::Number(n)) => Some(n.as_f64().is_some_and(|f| f != 0.0)),
        Some(Value::String(s)) => de::parse_flag(&s),
        Some(_) => None,
    })
}

/// Writes a date-time as the services read it: ISO-8601 without zone.
pub fn format_datetime(at: &NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Writes a birth date as `YYYY-MM-DD` (what `Contact/Update` accepts).
fn ser_birth_date<S: Serializer>(v: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(at) => s.serialize_str(&at.date().format("%Y-%m-%d").to_string()),
        None => s.serialize_none(),
    }
}

fn ser_datetime<S: Serializer>(v: &Option<NaiveDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(at) => s.serialize_str(&format_datetime(at)),
        None => s.serialize_none(),
    }
}

/// A contact (client) of the programme (`Contact/Get`, `Contact/FilterByPhoneAndEmail`).
///
/// Serialising it gives the entity `Contact/Update` takes: every field read, the birth date as
/// `YYYY-MM-DD`, the computed `ActiveBalance`/`Summ` left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Contact {
    /// Contact id (GUID).
    #[serde(deserialize_with = "de::string_or_number")]
    pub id: String,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Middle name (patronymic).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// 1 male, 2 female, 0/absent unknown.
    #[serde(
        default,
        deserialize_with = "de::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub gender_code: Option<i32>,
    /// Birth date (ISO date-time without zone on the wire).
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "ser_birth_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub birth_date: Option<NaiveDateTime>,
    /// Mobile phone, `+7…`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Consent to notifications.
    #[serde(
        default,
        deserialize_with = "opt_flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_notification: Option<bool>,
    /// Consent to e-mail.
    #[serde(
        default,
        deserialize_with = "opt_flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_email: Option<bool>,
    /// Consent to SMS.
    #[serde(
        default,
        deserialize_with = "opt_flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_sms: Option<bool>,
    /// Consent to calls.
    #[serde(
        default,
        deserialize_with = "opt_flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub allow_phone: Option<bool>,
    /// Registration date.
    #[serde(
        default,
        deserialize_with = "de::opt_datetime",
        serialize_with = "ser_datetime",
        skip_serializing_if = "Option::is_none"
    )]
    pub registration_date: Option<NaiveDateTime>,
    /// Active bonus balance (from `Contact/Get`).
    #[serde(default, deserialize_with = "de::opt_decimal", skip_serializing)]
    pub active_balance: Option<Decimal>,
    /// Level id (GUID).
    #[serde(
        default,
        deserialize_with = "de::opt_string_or_number",
        skip_serializing_if = "Option::is_none"
    )]
    pub level_id: Option<String>,
    /// Level progress / purchase total.
    #[serde(default, deserialize_with = "de::opt_decimal", skip_serializing)]
    pub summ: Option<Decimal>,
    /// Every other field as sent (`FamilyStatusCode`, `AllowPush`, …), resent by updates.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Contact {
    /// A contact with only an id.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// The entity `Contact/Update` takes: `Id` plus the fields of the spec's update row that
    /// this contact has (`MobilePhone`, `EmailAddress`, `FirstName`, `LastName`, `MiddleName`,
    /// `BirthDate` as `YYYY-MM-DD`, `GenderCode`, `AllowEmail`, `AllowSms`, `AllowPhone`,
    /// `AllowNotification`). Nothing else: no `odata.*` key, balance, level or unknown field
    /// read from the answer is echoed back.
    pub fn update_entity(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("Id".into(), Value::from(self.id.clone()));
        let mut text = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::from(v.clone()));
            }
        };
        text("MobilePhone", &self.mobile_phone);
        text("EmailAddress", &self.email_address);
        text("FirstName", &self.first_name);
        text("LastName", &self.last_name);
        text("MiddleName", &self.middle_name);
        if let Some(d) = self.birth_date {
            m.insert(
                "BirthDate".into(),
                Value::from(d.date().format("%Y-%m-%d").to_string()),
            );
        }
        if let Some(g) = self.gender_code {
            m.insert("GenderCode".into(), Value::from(g));
        }
        for (k, v) in [
            ("AllowEmail", self.allow_email),
            ("AllowSms", self.allow_sms),
            ("AllowPhone", self.allow_phone),
            ("AllowNotification", self.allow_notification),
        ] {
            if let Some(v) = v {
                m.insert(k.into(), Value::from(v));
            }
        }
        m
    }
}

/// A purchase (`Cheque/GetAllByContact`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Cheque {
    /// Cheque id (GUID).
    #[serde(deserialize_with = "de::string_or_number")]
    pub id: String,
    /// Cheque number (online orders may end with `_PAY` / `_RET`).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub number: Option<String>,
    /// When (local time, no zone).
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub date: Option<NaiveDateTime>,
    /// Store short name.
    #[serde(default)]
    pub org_unit_name: Option<String>,
    /// Store full name.
    #[serde(default)]
    pub org_unit_full_name: Option<String>,
    /// Store address (may be empty).
    #[serde(default)]
    pub org_unit_address: Option<String>,
    /// Sum before discount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub summ: Option<Decimal>,
    /// Sum after discount (what was paid).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub summ_discounted: Option<Decimal>,
    /// Bonuses spent.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub paid_by_bonus: Option<Decimal>,
    /// Bonuses earned.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub bonus: Option<Decimal>,
    /// Partner name.
    #[serde(default)]
    pub partner_name: Option<String>,
    /// Number of lines.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub cheque_item_count: Option<u32>,
    /// Sale/return flag (ASSUMED field name).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub operation_type: Option<String>,
    /// Every other field as sent (the cashier's name, if the tenant sends it, is read from here
    /// under the configured key).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Cheque {
    /// The store as a person would name it: address, else full name, else name, else number.
    pub fn store_label(&self) -> Option<String> {
        [
            &self.org_unit_address,
            &self.org_unit_full_name,
            &self.org_unit_name,
        ]
        .into_iter()
        .flatten()
        .find(|s| !s.trim().is_empty())
        .cloned()
    }

    /// The discount `Summ − SummDiscounted` when both are known.
    pub fn discount(&self) -> Option<Decimal> {
        Some(self.summ? - self.summ_discounted?)
    }

    /// A text field of `extra` (e.g. the cashier's name under a tenant-specific key).
    pub fn extra_text(&self, key: &str) -> Option<String> {
        match self.extra.get(key)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        }
    }
}

/// A purchase line (`ChequeItem/GetAllByCheque`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ChequeItem {
    /// Line id, if sent.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub id: Option<String>,
    /// Article (SKU).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub article_number: Option<String>,
    /// Product name (ASSUMED field names `ProductName`/`ArticleName`/`Name`).
    #[serde(default, alias = "ArticleName", alias = "Name")]
    pub product_name: Option<String>,
    /// Quantity.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub quantity: Option<Decimal>,
    /// Unit price (ASSUMED field name; derived as `Summ / Quantity` when absent).
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub price: Option<Decimal>,
    /// Sum before discount.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub summ: Option<Decimal>,
    /// Sum after discount (`SummDiscounted`, also read from `DiscountedSumm`).
    #[serde(
        default,
        alias = "DiscountedSumm",
        deserialize_with = "de::opt_decimal"
    )]
    pub summ_discounted: Option<Decimal>,
    /// Bonuses spent on this line.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub paid_by_bonus: Option<Decimal>,
    /// Every other field as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ChequeItem {
    /// The discount `Summ − SummDiscounted` when both are known.
    pub fn discount(&self) -> Option<Decimal> {
        Some(self.summ? - self.summ_discounted?)
    }

    /// The unit price as sent, else `Summ / Quantity` (rounded to kopecks).
    pub fn unit_price(&self) -> Option<Decimal> {
        if let Some(p) = self.price {
            return Some(p);
        }
        let (summ, qty) = (self.summ?, self.quantity?);
        if qty.is_zero() {
            return None;
        }
        summ.checked_div(qty).map(|p| p.round_dp(2))
    }
}

/// A bonus accrual or write-off (`Bonus/GetAllByContact`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct BonusRecord {
    /// Record id, if sent.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub id: Option<String>,
    /// Contact id.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub contact_id: Option<String>,
    /// When.
    #[serde(default, deserialize_with = "de::opt_datetime")]
    pub created_date: Option<NaiveDateTime>,
    /// Operation type code.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub operation_type: Option<i32>,
    /// The rule/campaign that caused it.
    #[serde(default)]
    pub rule_name: Option<String>,
    /// Accrued.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub debet: Option<Decimal>,
    /// Written off.
    #[serde(default, deserialize_with = "de::opt_decimal")]
    pub credit: Option<Decimal>,
    /// Parent object (a cheque number, say).
    #[serde(default)]
    pub parent_name: Option<String>,
    /// Parent type code.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub parent_type: Option<i32>,
    /// Origin type code.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub origin_type: Option<i32>,
    /// Every other field as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BonusRecord {
    /// Accrued amount (`Debet`, zero when absent or negative).
    pub fn earned(&self) -> Decimal {
        self.debet
            .filter(|d| *d > Decimal::ZERO)
            .unwrap_or_default()
    }

    /// Written-off amount (`Credit` as a positive number).
    pub fn spent(&self) -> Decimal {
        self.credit.map(|c| c.abs()).unwrap_or_default()
    }
}

/// The status of a card.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CardStatus {
    /// 1: issued, not activated.
    New,
    /// 2: active.
    Active,
    /// Any other code, as sent.
    Unknown(String),
}

impl CardStatus {
    /// The code as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::New => "1",
            Self::Active => "2",
            Self::Unknown(s) => s,
        }
    }

    fn from_code(code: &str) -> Self {
        match code {
            "1" => Self::New,
            "2" => Self::Active,
            other => Self::Unknown(other.to_owned()),
        }
    }
}

/// A loyalty card (`Card/GetAllByContact`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Card {
    /// Card id (GUID).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub id: Option<String>,
    /// Card number.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub number: Option<String>,
    /// Status code (1 new, 2 active).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub status_code: Option<String>,
    /// Every other field as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Card {
    /// The status, if sent.
    pub fn status(&self) -> Option<CardStatus> {
        self.status_code.as_deref().map(CardStatus::from_code)
    }
}

/// A coupon (`Coupon/GetAllByContact`); its fields are not public, so most stay in `extra`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Coupon {
    /// Coupon id.
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub id: Option<String>,
    /// Coupon number/code (ASSUMED field name).
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub number: Option<String>,
    /// Name (ASSUMED field name).
    #[serde(default)]
    pub name: Option<String>,
    /// Every other field as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A bonus amount that burns on a date (from the configured burn endpoint; ASSUMED shape
/// `{"value": [{"Date", "Amount"}]}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct BonusBurn {
    /// When.
    #[serde(deserialize_with = "datetime")]
    pub date: NaiveDateTime,
    /// How much.
    #[serde(deserialize_with = "de::decimal")]
    pub amount: Decimal,
}

fn datetime<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDateTime, D::Error> {
    de::opt_datetime(d)?.ok_or_else(|| serde::de::Error::custom("a date is required"))
}

/// A logged-in customer: contact id and customer session. `Debug` hides the session.
#[derive(Clone)]
pub struct CustomerSession {
    /// The contact id.
    pub contact_id: String,
    /// The customer session id (a secret).
    pub session_id: SecretString,
}

impl CustomerSession {
    /// A session for `contact_id`.
    pub fn new(contact_id: impl Into<String>, session_id: impl Into<SecretString>) -> Self {
        Self {
            contact_id: contact_id.into(),
            session_id: session_id.into(),
        }
    }
}

impl fmt::Debug for CustomerSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomerSession")
            .field("contact_id", &self.contact_id)
            .field("session_id", &"[REDACTED]")
            .finish()
    }
}

/// `{Id, SessionId}` of the login calls.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LoginResult {
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub(crate) id: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string_or_number")]
    pub(crate) session_id: Option<String>,
}

/// Self-registration data (step 1, `RequestAdvancedPhoneEmailRegistration`). `Debug` never
/// shows the password.
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct Registration {
    /// Phone, E.164.
    pub mobile_phone: String,
    /// E-mail.
    pub email: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Middle name.
    pub middle_name: Option<String>,
    /// Birth date.
    pub birth_date: Option<chrono::NaiveDate>,
    /// 1 male, 2 female.
    pub gender_code: Option<i32>,
    /// Consent to notifications, e-mail and SMS.
    pub allow_notifications: bool,
    /// Acceptance of the programme's terms.
    pub agree_to_terms: bool,
    /// `AppId` for tenants that require it (else the client's
    /// [`crate::ManzanaClientBuilder::registration_app_id`]).
    pub app_id: Option<String>,
    /// The password of the personal account, for tenants that require one at registration.
    pub password: Option<SecretString>,
    /// A plastic card number to register with, for tenants that require one.
    pub card_number: Option<String>,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("mobile_phone", &self.mobile_phone)
            .field("email", &self.email)
            .field("first_name", &self.first_name)
            .field("last_name", &self.last_name)
            .field("middle_name", &self.middle_name)
            .field("birth_date", &self.birth_date)
            .field("gender_code", &self.gender_code)
            .field("allow_notifications", &self.allow_notifications)
            .field("agree_to_terms", &self.agree_to_terms)
            .field("app_id", &self.app_id)
            .field("password", &self.password.as_ref().map(|_| "[REDACTED]"))
            .field("card_number", &self.card_number)
            .finish()
    }
}

impl Registration {
    /// Registration of a phone.
    pub fn new(phone: &loyalty_core::Phone) -> Self {
        Self {
            mobile_phone: phone.e164().to_owned(),
            agree_to_terms: true,
            ..Self::default()
        }
    }

    /// The request object with the given casing of the name keys.
    pub(crate) fn to_entity(&self, first: &str, last: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("MobilePhone".into(), Value::from(self.mobile_phone.clone()));
        // An empty e-mail is left out: tenants validate the address when the key is present.
        if let Some(e) = self.email.as_ref().filter(|e| !e.trim().is_empty()) {
            m.insert("EmailAddress".into(), Value::from(e.clone()));
        }
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                m.insert(k.to_owned(), Value::from(v.clone()));
            }
        };
        put(first, &self.first_name);
        put(last, &self.last_name);
        put("MiddleName", &self.middle_name);
        if let Some(d) = self.birth_date {
            m.insert(
                "BirthDate".into(),
                Value::from(d.format("%Y-%m-%d").to_string()),
            );
        }
        if let Some(g) = self.gender_code {
            m.insert("GenderCode".into(), Value::from(g));
        }
        for k in ["AllowNotification", "AllowEmail", "AllowSms"] {
            m.insert(k.into(), Value::from(self.allow_notifications));
        }
        m.insert("AgreeToTerms".into(), Value::from(self.agree_to_terms));
        if let Some(a) = &self.app_id {
            m.insert("AppId".into(), Value::from(a.clone()));
        }
        if let Some(p) = &self.password {
            use secrecy::ExposeSecret;
            m.insert("Password".into(), Value::from(p.expose_secret()));
        }
        if let Some(c) = self.card_number.as_ref().filter(|c| !c.trim().is_empty()) {
            m.insert("CardNumber".into(), Value::from(c.clone()));
        }
        m
    }
}

/// A midnight date-time for a date.
pub(crate) fn midnight(d: chrono::NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}
