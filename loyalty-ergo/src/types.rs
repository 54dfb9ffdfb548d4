//! Request and response types of the ERGO CLUB mobile API, following the wire format of the
//! seed's examples (quirks included: `model_pionts`, `Modified_data`, ids and flags as strings
//! or numbers, empty strings for absent dates).
//!
//! Responses are `#[non_exhaustive]`, decode leniently (unknown keys are ignored, missing
//! optional keys are `None` or empty) and keep money and points as exact `Decimal`s.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};
use loyalty_core::de;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::de::Deserializer;
use serde::{Deserialize, Serialize};

/// The date-time format ERGO uses on the wire: `2018-08-22 12:12:12`.
pub const DATETIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S";

// ---------------------------------------------------------------------------------------------
// Lenient helpers this crate needs beyond `loyalty_core::de`.

/// An optional text where `""` (or only spaces) means absent.
fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    de::opt_string_or_number(d)
}

/// The session token, read as text straight into a secret.
fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    de::string_or_number(d).map(SecretString::from)
}

// ---------------------------------------------------------------------------------------------
// Enums with an `Unknown` fallback.

use loyalty_core::wire_enum;

wire_enum! {
    /// The type of registrations `GetRegistrations` lists (`type_registration`).
    RegistrationType {
        /// Confirmed, no test needed, not yet on the balance.
        ToBalance = "registration_to_balance",
        /// Confirmed, but the seller must pass a test.
        ForTest = "registration_for_test",
        /// Not yet confirmed.
        ForConfirmation = "registration_for_confirmation",
        /// Rejected.
        Rejected = "registration_rejected",
        /// All registrations.
        All = "registration_all",
    }
}

impl RegistrationType {
    /// The five types ERGO documents.
    pub const ALL: [RegistrationType; 5] = [
        Self::ToBalance,
        Self::ForTest,
        Self::ForConfirmation,
        Self::Rejected,
        Self::All,
    ];
}

wire_enum! {
    /// A kind of data `GetChanges` reports as modified (`data_type`).
    DataType {
        /// The profile changed: call `GetProfile`.
        Profile = "Profile",
        /// Actions changed: call `GetActions`.
        Actions = "Actions",
        /// Notices changed: call `GetNotices`.
        Notices = "Notices",
    }
}

wire_enum! {
    /// The type of an action (`action_type_id`: 0 accumulative, 1 bonus).
    ActionType {
        /// `0`: "Накопительная" (points accumulate).
        Accumulative = "0",
        /// `1`: "Бонусная" (a bonus per sale).
        Bonus = "1",
    }
}

// ---------------------------------------------------------------------------------------------
// Requests.

/// The body of `PostProfile`: the fields to change. ERGO documents all four as input; fields
/// left `None` are not sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ProfileUpdate {
    /// Given name (`user_name`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// Family name (`user_lastname`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_lastname: Option<String>,
    /// Patronymic (`user_surname`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_surname: Option<String>,
    /// E-mail (`user_email`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_email: Option<String>,
}

impl ProfileUpdate {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the given name.
    pub fn user_name(mut self, v: impl Into<String>) -> Self {
        self.user_name = Some(v.into());
        self
    }
    /// Sets the family name.
    pub fn user_lastname(mut self, v: impl Into<String>) -> Self {
        self.user_lastname = Some(v.into());
        self
    }
    /// Sets the patronymic.
    pub fn user_surname(mut self, v: impl Into<String>) -> Self {
        self.user_surname = Some(v.into());
        self
    }
    /// Sets the e-mail.
    pub fn user_email(mut self, v: impl Into<String>) -> Self {
        self.user_email = Some(v.into());
        self
    }
}

/// A file attached to `PostSNModel` or `PostQuestion` (the `file` part of the form).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Photo {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The file name sent in the part (`serial.jpg`).
    pub file_name: String,
    /// The MIME type sent as the part's content type (`image/jpeg`).
    pub mime: String,
}

impl Photo {
    /// A file with its bytes, name and MIME type.
    pub fn new(bytes: Vec<u8>, file_name: impl Into<String>, mime: impl Into<String>) -> Self {
        Self {
            bytes,
            file_name: file_name.into(),
            mime: mime.into(),
        }
    }

    /// A JPEG photo.
    pub fn jpeg(bytes: Vec<u8>, file_name: impl Into<String>) -> Self {
        Self::new(bytes, file_name, "image/jpeg")
    }
}

impl fmt::Debug for Photo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Photo")
            .field("file_name", &self.file_name)
            .field("mime", &self.mime)
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .finish()
    }
}

/// The input of `PostSNModel`: the full registration of a serial number for an action and model.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnModelRegistration {
    /// The action (`action_id`).
    pub action_id: u64,
    /// The model (`model_id`).
    pub model_id: u64,
    /// The serial number (`sn`).
    pub serial: String,
    /// When the user captured the serial number on their side (`date`, sent as
    /// `YYYY-MM-DD HH:MM:SS`); ERGO accepts it up to 3 days after the action ended.
    pub captured_at: NaiveDateTime,
    /// The trade point (`sn_tt`), for models that require one.
    pub trade_point_id: Option<u64>,
    /// A photo of the serial number (`file`), for models that require one.
    pub photo: Option<Photo>,
}

impl SnModelRegistration {
    /// A registration of `serial` for `model_id` of `action_id`, captured at `captured_at`.
    pub fn new(
        action_id: u64,
        model_id: u64,
        serial: impl Into<String>,
        captured_at: NaiveDateTime,
    ) -> Self {
        Self {
            action_id,
            model_id,
            serial: serial.into(),
            captured_at,
            trade_point_id: None,
            photo: None,
        }
    }

    /// Sets the trade point.
    pub fn trade_point(mut self, id: u64) -> Self {
        self.trade_point_id = Some(id);
        self
    }

    /// Attaches a photo of the serial number.
    pub fn photo(mut self, photo: Photo) -> Self {
        self.photo = Some(photo);
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Responses.

/// The answer of `GetAuthCode` (`result: 1` and a comment).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct AuthCodeSent {
    /// `1` when the code was sent.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub result: Option<i64>,
    /// ERGO's text for the user (`"Код надіслано на вказаний номер телефону"`).
    #[serde(default, deserialize_with = "opt_text")]
    pub comment: Option<String>,
}

/// The answer of `GetToken`: the session and who it belongs to. `Debug` never shows the session.
#[derive(Clone, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Token {
    /// The session token (a secret).
    #[serde(deserialize_with = "secret")]
    pub session: SecretString,
    /// Whether the user is active (`active: 1`).
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// Given name.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_name: Option<String>,
    /// Family name.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_lastname: Option<String>,
    /// Patronymic.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_surname: Option<String>,
    /// Phone, 12 digits.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_phone: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_email: Option<String>,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("session", &"[REDACTED]")
            .field("active", &self.active)
            .field("user_name", &self.user_name)
            .field("user_lastname", &self.user_lastname)
            .field("user_surname", &self.user_surname)
            .field("user_phone", &self.user_phone)
            .field("user_email", &self.user_email)
            .finish()
    }
}

impl Token {
    /// The token as a [`loyalty_core::Session`] of provider `"ergo"`, with the user's phone as
    /// the customer id when ERGO sent it.
    pub fn to_session(&self) -> loyalty_core::Session {
        let s = loyalty_core::Session::new(crate::PROVIDER, self.session.clone());
        match &self.user_phone {
            Some(p) => s.with_customer_id(p.clone()),
            None => s,
        }
    }
}

/// One modified data kind in `GetChanges` (`Modified_data[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ModifiedData {
    /// What changed.
    pub data_type: DataType,
    /// The method to call for the new data (`GetProfile`).
    #[serde(default, deserialize_with = "opt_text")]
    pub data_api: Option<String>,
}

/// The answer of `GetChanges`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Changes {
    /// `0`: nothing changed; `1`: see [`Changes::modified`].
    #[serde(deserialize_with = "de::int")]
    pub code: i64,
    /// What changed (the capitalised `Modified_data` key; `modified_data` is accepted too).
    #[serde(
        default,
        rename = "Modified_data",
        alias = "modified_data",
        deserialize_with = "de::null_as_empty"
    )]
    pub modified: Vec<ModifiedData>,
}

impl Changes {
    /// Whether anything changed.
    pub fn has_changes(&self) -> bool {
        self.code != 0 || !self.modified.is_empty()
    }

    /// Whether `kind` is among the changes.
    pub fn contains(&self, kind: &DataType) -> bool {
        self.modified.iter().any(|m| &m.data_type == kind)
    }
}

/// A trade point of the seller (`trade_points[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct TradePoint {
    /// Its id (`tt_id`).
    #[serde(deserialize_with = "de::int")]
    pub tt_id: u64,
    /// Its name (`tt_name`).
    #[serde(default, deserialize_with = "opt_text")]
    pub tt_name: Option<String>,
}

/// The answer of `GetProfile` and `PostProfile`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Profile {
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// Given name.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_name: Option<String>,
    /// Family name.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_lastname: Option<String>,
    /// Patronymic.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_surname: Option<String>,
    /// Phone, 12 digits.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_phone: Option<String>,
    /// E-mail.
    #[serde(default, deserialize_with = "opt_text")]
    pub user_email: Option<String>,
    /// The seller's trade points.
    #[serde(default, deserialize_with = "de::null_as_empty")]
    pub trade_points: Vec<TradePoint>,
}

/// A planned payoff of bonuses (`to_payoff[]`).
///
/// Read through its map of keys, as the seed writes it: each item carries `to_payoff_bonus`
/// twice, first the number (the sum), then a text (the name and the payout method, which the
/// field table calls `to_payoff_get`). Whichever order they come in, the number is the sum and
/// the text the payout; `to_payoff_get` is read too, and keys are trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Payoff {
    /// Planned date.
    pub to_payoff_date: Option<NaiveDate>,
    /// The sum.
    pub to_payoff_bonus: Decimal,
    /// Who and how it is paid (name and payout method).
    pub to_payoff_get: Option<String>,
}

impl<'de> Deserialize<'de> for Payoff {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Payoff;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a payoff object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Payoff, A::Error> {
                let mut out = Payoff {
                    to_payoff_date: None,
                    to_payoff_bonus: Decimal::ZERO,
                    to_payoff_get: None,
                };
                let mut sum_seen = false;
                while let Some(key) = map.next_key::<String>()? {
                    let value: serde_json::Value = map.next_value()?;
                    let text = match &value {
                        serde_json::Value::String(t) => Some(t.trim().to_owned()),
                        serde_json::Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    }
                    .filter(|t| !t.is_empty());
                    match key.trim() {
                        "to_payoff_date" => {
                            out.to_payoff_date = de::lenient_opt_date(value).unwrap_or(None);
                        }
                        "to_payoff_bonus" | "to_payoff_get" => {
                            let Some(text) = text else { continue };
                            match de::parse_decimal(&text) {
                                Some(sum) if !sum_seen => {
                                    out.to_payoff_bonus = sum;
                                    sum_seen = true;
                                }
                                _ => out.to_payoff_get = Some(text),
                            }
                        }
                        _ => {}
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// The answer of `GetBalanceInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct BalanceInfo {
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// The bonus (money) on the balance.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub bonus: Decimal,
    /// Bonus points.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub points: Decimal,
    /// Confirmed, no test needed, not yet on the balance.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub registration_to_balance: Decimal,
    /// Confirmed, but a test must be passed.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub registration_for_test: Decimal,
    /// Not yet confirmed.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub registration_for_confirmation: Decimal,
    /// Rejected.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub registration_rejected: Decimal,
    /// Earned over all time.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub registration_all: Decimal,
    /// Planned payoffs (the seed writes the key `" to_payoff "`, with spaces: read too).
    #[serde(
        default,
        alias = " to_payoff ",
        alias = " to_payoff",
        alias = "to_payoff ",
        deserialize_with = "de::null_as_empty"
    )]
    pub to_payoff: Vec<Payoff>,
}

/// One registration of a serial number (`registrations[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Registration {
    /// Its id.
    #[serde(deserialize_with = "de::string_or_number")]
    pub registration_id: String,
    /// Status as text (`"Отклонена"`).
    #[serde(default, deserialize_with = "opt_text")]
    pub registration_status: Option<String>,
    /// Comment (why it was rejected).
    #[serde(default, deserialize_with = "opt_text")]
    pub registration_comment: Option<String>,
    /// The serial number.
    #[serde(default, deserialize_with = "opt_text")]
    pub registration_sn: Option<String>,
    /// The action's name.
    #[serde(default, deserialize_with = "opt_text")]
    pub registration_action: Option<String>,
    /// The model's name.
    #[serde(default, deserialize_with = "opt_text")]
    pub registration_model: Option<String>,
    /// Points for it.
    #[serde(default, deserialize_with = "de::decimal_or_zero")]
    pub registration_points: Decimal,
    /// When it was registered.
    #[serde(default, deserialize_with = "de::lenient_opt_datetime")]
    pub registration_date: Option<NaiveDateTime>,
    /// Whether the points were moved to the balance.
    #[serde(default, deserialize_with = "de::lenient_opt_flag")]
    pub registration_to_balance: Option<bool>,
    /// When they were moved (empty string on the wire when not yet).
    #[serde(default, deserialize_with = "de::lenient_opt_datetime")]
    pub registration_to_balance_date: Option<NaiveDateTime>,
}

/// The answer of `GetRegistrations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Registrations {
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// The type asked for, as ERGO echoes it.
    #[serde(default)]
    pub type_registration: Option<RegistrationType>,
    /// The registrations.
    #[serde(default, deserialize_with = "de::null_as_empty")]
    pub registrations: Vec<Registration>,
}

/// One notice (`notices[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ErgoNotice {
    /// Its id.
    #[serde(deserialize_with = "de::string_or_number")]
    pub notice_id: String,
    /// Title.
    #[serde(default, deserialize_with = "opt_text")]
    pub notice_name: Option<String>,
    /// Text.
    #[serde(default, deserialize_with = "opt_text")]
    pub notice_text: Option<String>,
    /// Shown from.
    #[serde(default, deserialize_with = "de::lenient_opt_datetime")]
    pub notice_from: Option<NaiveDateTime>,
    /// Shown until.
    #[serde(default, deserialize_with = "de::lenient_opt_datetime")]
    pub notice_to: Option<NaiveDateTime>,
}

/// The answer of `GetNotices`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Notices {
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// The notices.
    #[serde(default, deserialize_with = "de::null_as_empty")]
    pub notices: Vec<ErgoNotice>,
}

/// The wire form of a model, with both spellings of the points key.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
struct ModelWire {
    #[serde(deserialize_with = "de::int")]
    model_id: u64,
    #[serde(default, deserialize_with = "opt_text")]
    model_name: Option<String>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    model_pionts: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_decimal")]
    model_points: Option<Decimal>,
    #[serde(default, deserialize_with = "de::opt_int")]
    model_brand_id: Option<u64>,
    #[serde(default, deserialize_with = "opt_text")]
    model_brand: Option<String>,
    #[serde(default, deserialize_with = "de::lenient_opt_flag")]
    model_imei: Option<bool>,
    #[serde(default, deserialize_with = "de::lenient_opt_flag")]
    model_photo: Option<bool>,
    #[serde(default, deserialize_with = "de::lenient_opt_flag")]
    model_tt: Option<bool>,
    #[serde(default, deserialize_with = "opt_text")]
    model_hash: Option<String>,
}

/// A model of an action (`models[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "ModelWire")]
#[non_exhaustive]
pub struct Model {
    /// Its id.
    pub model_id: u64,
    /// Its name.
    pub model_name: Option<String>,
    /// Points for registering one (the wire key is the misspelled `model_pionts`;
    /// `model_points` is accepted too, and wins when both are present).
    pub model_points: Decimal,
    /// The brand's id.
    pub model_brand_id: Option<u64>,
    /// The brand's name.
    pub model_brand: Option<String>,
    /// Whether a serial number / IMEI is registered for it (`model_imei`).
    pub model_imei: bool,
    /// Whether a photo of the serial number is required (`model_photo`).
    pub model_photo: bool,
    /// Whether a trade point is required (`model_tt`).
    pub model_tt: bool,
    /// Hash of the model, to spot changes.
    pub model_hash: Option<String>,
}

impl From<ModelWire> for Model {
    fn from(w: ModelWire) -> Self {
        Self {
            model_id: w.model_id,
            model_name: w.model_name,
            model_points: w.model_points.or(w.model_pionts).unwrap_or_default(),
            model_brand_id: w.model_brand_id,
            model_brand: w.model_brand,
            model_imei: w.model_imei.unwrap_or(false),
            model_photo: w.model_photo.unwrap_or(false),
            model_tt: w.model_tt.unwrap_or(false),
            model_hash: w.model_hash,
        }
    }
}

impl Model {
    /// Whether `PostSN` alone cannot register it (it needs a photo or a trade point, which only
    /// `PostSNModel` carries).
    pub fn needs_full_registration(&self) -> bool {
        self.model_photo || self.model_tt
    }
}

/// An action (promotion) with its models (`actions[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Action {
    /// Its id.
    #[serde(deserialize_with = "de::int")]
    pub action_id: u64,
    /// Its name.
    #[serde(default, deserialize_with = "opt_text")]
    pub action_name: Option<String>,
    /// Its type (`action_type_id`: 0 accumulative, 1 bonus).
    #[serde(default)]
    pub action_type_id: Option<ActionType>,
    /// Its type as text (`"Накопительная"`).
    #[serde(default, deserialize_with = "opt_text")]
    pub action_type: Option<String>,
    /// First day.
    #[serde(default, deserialize_with = "de::lenient_opt_date")]
    pub action_date_from: Option<NaiveDate>,
    /// Last day.
    #[serde(default, deserialize_with = "de::lenient_opt_date")]
    pub action_date_to: Option<NaiveDate>,
    /// Conditions (some actions omit it).
    #[serde(default, deserialize_with = "opt_text")]
    pub action_description: Option<String>,
    /// A "hot" notice (some actions omit it).
    #[serde(default, deserialize_with = "opt_text")]
    pub action_hot_notice: Option<String>,
    /// Hash of the action and its models, to spot changes.
    #[serde(default, deserialize_with = "opt_text")]
    pub action_hash: Option<String>,
    /// Its models.
    #[serde(default, deserialize_with = "de::null_as_empty")]
    pub models: Vec<Model>,
}

impl Action {
    /// The model with `model_id`, if the action has it.
    pub fn model(&self, model_id: u64) -> Option<&Model> {
        self.models.iter().find(|m| m.model_id == model_id)
    }
}

/// The answer of `GetActions`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Actions {
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// The actions.
    #[serde(default, deserialize_with = "de::null_as_empty")]
    pub actions: Vec<Action>,
}

impl Actions {
    /// The action with `action_id`.
    pub fn action(&self, action_id: u64) -> Option<&Action> {
        self.actions.iter().find(|a| a.action_id == action_id)
    }

    /// The model `model_id` of action `action_id`.
    pub fn model(&self, action_id: u64, model_id: u64) -> Option<&Model> {
        self.action(action_id)?.model(model_id)
    }
}

/// The answer of `PostSN` and `PostSNModel` as it arrives (`result` 1 or 2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct SnResponse {
    /// `1` registered, `2` the model must be specified (full registration).
    #[serde(deserialize_with = "de::int")]
    pub result: i64,
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// The action.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub action_id: Option<u64>,
    /// The model.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub model_id: Option<u64>,
    /// The serial number.
    #[serde(default, deserialize_with = "opt_text")]
    pub serial: Option<String>,
    /// ERGO's comment (`"model must be specified"`).
    #[serde(default, deserialize_with = "opt_text")]
    pub comment: Option<String>,
}

/// A registered serial number (`result: 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SnRegistered {
    /// The action it was registered for.
    pub action_id: Option<u64>,
    /// The model.
    pub model_id: Option<u64>,
    /// The serial number, as ERGO echoes it.
    pub serial: Option<String>,
}

/// The outcome of `PostSN`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SnOutcome {
    /// `result: 1`: registered.
    Registered(SnRegistered),
    /// `result: 2`: the serial is valid, but the user must do the full registration
    /// (`PostSNModel`) for this model (it needs a photo, a trade point or a choice).
    NeedsClarification {
        /// The action ERGO found.
        action_id: Option<u64>,
        /// The model ERGO found.
        model_id: Option<u64>,
        /// The serial number.
        serial: Option<String>,
        /// ERGO's comment (`"model must be specified"`).
        comment: Option<String>,
    },
    /// Another `result` this SDK does not know, with the whole answer.
    Unknown(SnResponse),
}

impl From<SnResponse> for SnOutcome {
    fn from(r: SnResponse) -> Self {
        match r.result {
            1 => Self::Registered(SnRegistered {
                action_id: r.action_id,
                model_id: r.model_id,
                serial: r.serial,
            }),
            2 => Self::NeedsClarification {
                action_id: r.action_id,
                model_id: r.model_id,
                serial: r.serial,
                comment: r.comment,
            },
            _ => Self::Unknown(r),
        }
    }
}

/// The answer of `PostQuestion`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct QuestionAccepted {
    /// Whether the user is active.
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// `1` when accepted.
    #[serde(default, deserialize_with = "de::opt_int")]
    pub result: Option<i64>,
}

/// One news item (`news[]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct Article {
    /// Its id (use it with `GetArticle`).
    #[serde(deserialize_with = "de::int")]
    pub article_id: u64,
    /// Title.
    #[serde(default, deserialize_with = "opt_text")]
    pub article_name: Option<String>,
    /// Date.
    #[serde(default, deserialize_with = "de::lenient_opt_date")]
    pub article_date: Option<NaiveDate>,
    /// Teaser.
    #[serde(default, deserialize_with = "opt_text")]
    pub article_notice: Option<String>,
    /// Photo URL, passed through as sent (never validated: the seed has `fttps://…`).
    #[serde(default, deserialize_with = "opt_text")]
    pub article_photo: Option<String>,
}

/// The answer of `GetNews`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct News {
    /// Whether the user is active (the seed's example omits it).
    #[serde(default, deserialize_with = "de::opt_flag")]
    pub active: Option<bool>,
    /// The news.
    #[serde(default, deserialize_with = "de::null_as_empty")]
    pub news: Vec<Article>,
}

/// The answer of `GetArticle`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ArticleText {
    /// The text, HTML with absolute links.
    #[serde(default)]
    pub article_text: String,
}
