//! Every model of the BMCard API, with every field of the seed.
//!
//! Field names follow the wire exactly (explicit `rename`s). Fields the seed marks required and
//! shows in every example are plain values; everything else is an `Option`, lists default to
//! empty. Points and money are `Decimal`s, times [`NaiveDateTime`]s (the vendor sends local
//! times without a zone, as `2024-01-23 14:01:09.0` or `2024-03-08 12:58:17.000001`).
//!
//! Where the seed contradicts itself, both spellings decode (see the crate README, "Wire format
//! confirmed/assumed"): `transaction`/`transactionEvent`, `star`/`start`, `text`/`comment`,
//! a review reply as an object or as a string, `orderId` as a number or a string.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use chrono::{NaiveDate, NaiveDateTime};
use loyalty_core::{LoyaltyError, Phone, Region};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::wire;
use loyalty_core::wire_enum;

wire_enum! {
    /// How a phone is verified ("Тип аутентификации").
    AuthType {
        /// The user calls the number in `callTo`.
        CallPass = "CALL_PASS",
        /// A 4-digit code by SMS.
        Sms = "SMS",
        /// No verification of the number.
        No = "NO",
    }
}

wire_enum! {
    /// A module of the app or the Telegram bot ("Тип модуля").
    ModuleType {
        /// Main screen.
        Main = "MAIN",
        /// QR code (the card).
        MyCard = "MY_CARD",
        /// Profile.
        Profile = "PROFILE",
        /// Promotions.
        Stock = "STOCK",
        /// Stores.
        Stores = "STORES",
        /// Points.
        Marks = "MARKS",
        /// Purchase history.
        TransactionsHistory = "TRANSACTIONS_HISTORY",
        /// Level.
        Level = "LEVEL",
        /// Reviews.
        Comments = "COMMENTS",
        /// About the company.
        AboutCompany = "ABOUT_COMPANY",
        /// "More".
        More = "MORE",
        /// Settings.
        Settings = "SETTINGS",
    }
}

wire_enum! {
    /// A transaction's type ("Тип транзакции").
    TransactionType {
        /// A sale.
        Sell = "SELL",
        /// A return.
        Payback = "PAYBACK",
    }
}

wire_enum! {
    /// The kind of cash register a store uses ("Тип магазина").
    StoreType {
        /// Evotor.
        Evotor = "EVOTOR_STORE",
        /// MoySklad.
        MoySklad = "MOY_SKLAD_STORE",
        /// 1C.
        OneC = "ONE_C_STORE",
        /// API.
        Api = "API_STORE",
        /// ModulKassa.
        ModulKassa = "MODUL_KASSA_STORE",
        /// iiko.
        Iiko = "IIKO_STORE",
        /// Frontol.
        Frontol = "FRONTOL_STORE",
        /// Set Retail.
        SetRetail = "SET_RETAIL_STORE",
        /// BonusMoney itself.
        Bm = "BM_STORE",
    }
}

wire_enum! {
    /// The kind of a promotion or message ("Тип сообщения").
    MessageType {
        /// A "buy N, get one" promotion with a visits counter.
        StockNVisit = "AppStockNVisitStylization",
        /// A header and a text.
        Simple = "AppSimpleMessage",
        /// With an image.
        Image = "AppImageMessage",
        /// With several images.
        MultipleImage = "AppMultipleImageMessage",
        /// With a coupon (promo code).
        Coupon = "AppCouponMessage",
    }
}

wire_enum! {
    /// Why the points changed ("Тип события с баллами").
    MarkEventType {
        /// Spent/earned on a purchase.
        Transaction = "TRANSACTION",
        /// Earned for a review.
        Comment = "COMMENT",
        /// Earned for a promotion or with a message.
        Message = "MESSAGE",
        /// Another event with points.
        Event = "EVENT",
        /// Anything else.
        Other = "OTHER",
    }
}

/// A colour as the vendor writes it, `#AARRGGBB` (kept verbatim).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Color(pub String);

impl Color {
    /// The colour as sent (`#FF2688EB`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Alpha, red, green, blue, when the text is `#AARRGGBB` (or `#RRGGBB`, read as opaque).
    pub fn argb(&self) -> Option<(u8, u8, u8, u8)> {
        let hex = self.0.trim().strip_prefix('#')?;
        let hex = match hex.len() {
            8 => hex.to_owned(),
            6 => format!("FF{hex}"),
            _ => return None,
        };
        let v = u32::from_str_radix(&hex, 16).ok()?;
        let [a, r, g, b] = v.to_be_bytes();
        Some((a, r, g, b))
    }

    /// CSS-style `#RRGGBB` (alpha dropped).
    pub fn rgb_hex(&self) -> Option<String> {
        self.argb()
            .map(|(_, r, g, b)| format!("#{r:02X}{g:02X}{b:02X}"))
    }
}

/// One verification option ("Опция аутентификации").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthOption {
    /// The verification type.
    #[serde(rename = "type")]
    pub auth_type: AuthType,
    /// The number the user must call, for `CALL_PASS`.
    #[serde(rename = "callTo", default, skip_serializing_if = "Option::is_none")]
    pub call_to: Option<String>,
    /// Milliseconds until this option may be requested again.
    #[serde(rename = "nextSendIn", default, with = "wire::opt_int")]
    pub next_send_in: Option<i64>,
}

impl AuthOption {
    /// An option.
    pub fn new(auth_type: AuthType, call_to: Option<String>, next_send_in: Option<i64>) -> Self {
        Self {
            auth_type,
            call_to,
            next_send_in,
        }
    }

    /// The cool-down as a duration (negative values read as zero).
    pub fn next_send_in(&self) -> Option<std::time::Duration> {
        self.next_send_in
            .map(|ms| std::time::Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
    }
}

/// A captcha to solve before a code is sent ("Капча").
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CaptchaChallenge {
    /// Token to send back as `captchaToken`.
    #[serde(rename = "token")]
    pub token: String,
    /// The PNG image, base64.
    #[serde(rename = "bytes")]
    pub bytes: String,
}

impl CaptchaChallenge {
    /// A challenge.
    pub fn new(token: impl Into<String>, bytes: impl Into<String>) -> Self {
        Self {
            token: token.into(),
            bytes: bytes.into(),
        }
    }

    /// The PNG image decoded from base64 (whitespace and a `data:` prefix tolerated).
    ///
    /// # Errors
    /// [`LoyaltyError::Decode`] when the text is not base64.
    pub fn png(&self) -> Result<Vec<u8>, LoyaltyError> {
        let text = self
            .bytes
            .split_once("base64,")
            .map_or(self.bytes.as_str(), |(_, b)| b);
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        base64::engine::general_purpose::STANDARD
            .decode(clean.as_bytes())
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(clean.as_bytes()))
            .map_err(|e| LoyaltyError::Decode {
                op: "getOptions",
                status: 200,
                reason: format!("captcha bytes are not base64: {e}"),
                snippet: loyalty_core::http::snippet(self.bytes.as_bytes()),
            })
    }
}

impl fmt::Debug for CaptchaChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaptchaChallenge")
            .field("token", &self.token)
            .field("bytes", &format_args!("{} base64 chars", self.bytes.len()))
            .finish()
    }
}

/// The answer of `getOptions` ("Опции аутентификации").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthOptions {
    /// The current verification type.
    #[serde(rename = "type")]
    pub auth_type: AuthType,
    /// A captcha to solve first, when present.
    #[serde(rename = "captcha", default, skip_serializing_if = "Option::is_none")]
    pub captcha: Option<CaptchaChallenge>,
    /// The options the user may switch to.
    #[serde(
        rename = "availableTypes",
        default,
        deserialize_with = "wire::null_list"
    )]
    pub available_types: Vec<AuthOption>,
}

impl AuthOptions {
    /// Options of the current type.
    pub fn new(auth_type: AuthType, available_types: Vec<AuthOption>) -> Self {
        Self {
            auth_type,
            captcha: None,
            available_types,
        }
    }

    /// The entry of `availableTypes` for `t`, if listed.
    pub fn option(&self, t: &AuthType) -> Option<&AuthOption> {
        self.available_types.iter().find(|o| &o.auth_type == t)
    }
}

/// A customer ("Клиент"). `Debug` hides the `bmtoken`.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// Phone as the vendor writes it, `+7 (000) 000-00-00`.
    #[serde(rename = "phone", default, with = "wire::text")]
    pub phone: String,
    /// The customer's token for `TOKEN` (a secret).
    #[serde(
        rename = "bmtoken",
        alias = "bmToken",
        default,
        with = "wire::opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub bmtoken: Option<SecretStringEq>,
    /// Given name.
    #[serde(rename = "name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Family name.
    #[serde(rename = "surname", default, skip_serializing_if = "Option::is_none")]
    pub surname: Option<String>,
    /// Patronymic.
    #[serde(
        rename = "patronymic",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub patronymic: Option<String>,
    /// Birth date (`yyyy-mm-dd`).
    #[serde(
        rename = "bDate",
        default,
        with = "wire::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub b_date: Option<NaiveDate>,
    /// Gender: `true` for male.
    #[serde(
        rename = "male",
        default,
        with = "wire::opt_flag",
        skip_serializing_if = "Option::is_none"
    )]
    pub male: Option<bool>,
    /// E-mail.
    #[serde(rename = "email", default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the phone is verified.
    #[serde(rename = "isPhoneVerified", default, with = "wire::flag")]
    pub is_phone_verified: bool,
    /// The card's QR code text (`29_511858543181681967`).
    #[serde(rename = "QRCode", default, skip_serializing_if = "Option::is_none")]
    pub qr_code: Option<String>,
}

/// A `SecretString` newtype that compares equal by content (for `PartialEq` on models) and
/// never shows it in `Debug`.
#[derive(Clone)]
pub struct SecretStringEq(pub SecretString);

impl SecretStringEq {
    /// The secret.
    pub fn secret(&self) -> &SecretString {
        &self.0
    }
}

impl From<SecretString> for SecretStringEq {
    fn from(s: SecretString) -> Self {
        Self(s)
    }
}

impl From<String> for SecretStringEq {
    fn from(s: String) -> Self {
        Self(SecretString::from(s))
    }
}

impl PartialEq for SecretStringEq {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret;
        self.0.expose_secret() == other.0.expose_secret()
    }
}
impl Eq for SecretStringEq {}

impl fmt::Debug for SecretStringEq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl Customer {
    /// A customer with a phone (vendor form).
    pub fn new(phone: impl Into<String>) -> Self {
        Self {
            phone: phone.into(),
            ..Self::default()
        }
    }

    /// The phone parsed (Russian numbers assumed when there is no `+`).
    pub fn parsed_phone(&self) -> Option<Phone> {
        Phone::parse(&self.phone, Region::RU).ok()
    }

    /// The customer's token, if the answer carried one.
    pub fn token(&self) -> Option<&SecretString> {
        self.bmtoken.as_ref().map(SecretStringEq::secret)
    }
}

impl fmt::Debug for Customer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Customer")
            .field("phone", &self.parsed_phone().map(|p| p.masked()))
            .field("bmtoken", &self.bmtoken.as_ref().map(|_| "[REDACTED]"))
            .field("name", &self.name)
            .field("surname", &self.surname)
            .field("patronymic", &self.patronymic)
            .field("b_date", &self.b_date)
            .field("male", &self.male)
            .field("email", &self.email)
            .field("is_phone_verified", &self.is_phone_verified)
            .field("qr_code", &self.qr_code)
            .finish()
    }
}

/// The answer of the verification calls ("Аутентификационный набор"). `Debug` hides the tokens.
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthSet {
    /// The token for `signUp` (a secret), when the phone is not a member yet.
    #[serde(rename = "signUpToken", default, with = "wire::opt_secret")]
    pub sign_up_token: Option<SecretStringEq>,
    /// The member, when the phone is registered.
    #[serde(rename = "customer", default)]
    pub customer: Option<Customer>,
    /// What the company already knows about the person (from the cash desk), for sign-up.
    #[serde(rename = "inCompanyProfile", default)]
    pub in_company_profile: Option<Customer>,
}

impl AuthSet {
    /// The sign-up token, if any.
    pub fn sign_up_token(&self) -> Option<&SecretString> {
        self.sign_up_token.as_ref().map(SecretStringEq::secret)
    }
}

impl fmt::Debug for AuthSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSet")
            .field(
                "sign_up_token",
                &self.sign_up_token.as_ref().map(|_| "[REDACTED]"),
            )
            .field("customer", &self.customer)
            .field("in_company_profile", &self.in_company_profile)
            .finish()
    }
}

/// About the company ("Описание компании").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompanyAbout {
    /// Name.
    #[serde(rename = "name")]
    pub name: String,
    /// Logo URL.
    #[serde(rename = "logoUrl", default)]
    pub logo_url: Option<String>,
    /// Kind of company.
    #[serde(rename = "type", default)]
    pub company_type: Option<String>,
    /// Description.
    #[serde(rename = "description", default)]
    pub description: Option<String>,
    /// Phones, label → number.
    #[serde(rename = "phones", default, deserialize_with = "null_map")]
    pub phones: BTreeMap<String, String>,
    /// Links, label → URL.
    #[serde(rename = "urlLinks", default, deserialize_with = "null_map")]
    pub url_links: BTreeMap<String, String>,
}

fn null_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let v = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    Ok(v.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// Basic colours of the card ("Базовая стилизация"), all `#AARRGGBB`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(missing_docs)]
pub struct BasicStyle {
    /// Main background.
    #[serde(rename = "backgroundColor")]
    pub background_color: Color,
    /// Active elements.
    #[serde(rename = "mainColor")]
    pub main_color: Color,
    /// Inactive elements.
    #[serde(rename = "mainPassiveColor")]
    pub main_passive_color: Color,
    /// Block background.
    #[serde(rename = "cardBackgroundColor")]
    pub card_background_color: Color,
    /// Text.
    #[serde(rename = "textColor")]
    pub text_color: Color,
    /// Secondary text.
    #[serde(rename = "highlightTextColor")]
    pub highlight_text_color: Color,
    /// Warnings.
    #[serde(rename = "accentColor")]
    pub accent_color: Color,
    /// Links.
    #[serde(rename = "linkColor")]
    pub link_color: Color,
    /// Titles.
    #[serde(rename = "titleColor")]
    pub title_color: Color,
    /// Icons.
    #[serde(rename = "iconTextColor")]
    pub icon_text_color: Color,
    /// Secondary buttons.
    #[serde(rename = "buttonBackgroundColor")]
    pub button_background_color: Color,
    /// Secondary button text.
    #[serde(rename = "buttonTextColor")]
    pub button_text_color: Color,
    /// Active border.
    #[serde(rename = "borderActiveColor")]
    pub border_active_color: Color,
    /// Inactive border.
    #[serde(rename = "borderPassiveColor")]
    pub border_passive_color: Color,
    /// Dividers.
    #[serde(rename = "dividerColor")]
    pub divider_color: Color,
    /// Main buttons.
    #[serde(rename = "mainButtonColor")]
    pub main_button_color: Color,
    /// Main button text.
    #[serde(rename = "mainButtonTextColor")]
    pub main_button_text_color: Color,
    /// Links inside blocks.
    #[serde(rename = "cardLinkColor")]
    pub card_link_color: Color,
}

/// Style of one module ("Стиль модуля").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModuleStyle {
    /// The module.
    #[serde(rename = "tag")]
    pub tag: ModuleType,
    /// Icon URL.
    #[serde(rename = "image", default)]
    pub image: Option<String>,
    /// Label.
    #[serde(rename = "name", default)]
    pub name: Option<String>,
}

/// Mobile app layout ("Стилизация мобильного приложения").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MobileAppStyle {
    /// Modules on the main screen.
    #[serde(
        rename = "dashboardItems",
        default,
        deserialize_with = "wire::null_list"
    )]
    pub dashboard_items: Vec<ModuleType>,
    /// Modules in the menu.
    #[serde(rename = "menuItems", default, deserialize_with = "wire::null_list")]
    pub menu_items: Vec<ModuleType>,
    /// Modules under "more".
    #[serde(rename = "moreItems", default, deserialize_with = "wire::null_list")]
    pub more_items: Vec<ModuleType>,
    /// Module styles.
    #[serde(rename = "itemsStyle", default, deserialize_with = "wire::null_list")]
    pub items_style: Vec<ModuleStyle>,
}

/// Telegram layout ("Стилизация Telegram").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TelegramStyle {
    /// Modules in the header.
    #[serde(rename = "headerItems", default, deserialize_with = "wire::null_list")]
    pub header_items: Vec<ModuleType>,
    /// Module styles.
    #[serde(rename = "itemsStyle", default, deserialize_with = "wire::null_list")]
    pub items_style: Vec<ModuleStyle>,
}

/// A level of the programme ("Уровень").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Level {
    /// Number (1, 2, …).
    #[serde(rename = "number", with = "wire::int")]
    pub number: i64,
    /// Name (the table says a number, the example `"First"`: read as text).
    #[serde(rename = "name", with = "wire::text")]
    pub name: String,
    /// Purchase sum needed to reach it.
    #[serde(rename = "requiredSum", with = "wire::dec")]
    pub required_sum: Decimal,
    /// Maximum percent of a purchase payable by points.
    #[serde(rename = "markToCash", with = "wire::dec")]
    pub mark_to_cash: Decimal,
    /// Maximum cash-back in points (percent).
    #[serde(rename = "cashToMark", with = "wire::dec")]
    pub cash_to_mark: Decimal,
    /// Image URL.
    #[serde(rename = "imageLvl", default)]
    pub image_lvl: Option<String>,
}

impl Level {
    /// A level.
    pub fn new(number: i64, name: impl Into<String>, required_sum: Decimal) -> Self {
        Self {
            number,
            name: name.into(),
            required_sum,
            mark_to_cash: Decimal::ZERO,
            cash_to_mark: Decimal::ZERO,
            image_lvl: None,
        }
    }
}

/// Levels and the customer's progress ("Уровни").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Levels {
    /// The company's levels.
    #[serde(rename = "levels", default, deserialize_with = "wire::null_list")]
    pub levels: Vec<Level>,
    /// The customer's current level number.
    #[serde(rename = "lvlNumber", with = "wire::int")]
    pub lvl_number: i64,
    /// The customer's cash-back in points (percent).
    #[serde(rename = "cashToMark", with = "wire::dec")]
    pub cash_to_mark: Decimal,
    /// The customer's maximum percent payable by points.
    #[serde(rename = "markToCash", with = "wire::dec")]
    pub mark_to_cash: Decimal,
    /// The customer's purchase sum so far.
    #[serde(rename = "sum", with = "wire::dec")]
    pub sum: Decimal,
    /// When the level decays.
    #[serde(
        rename = "timeDecay",
        default,
        with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_decay: Option<NaiveDateTime>,
    /// Purchase sum still needed to keep the level.
    #[serde(
        rename = "avoidDecreaseSum",
        default,
        with = "wire::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub avoid_decrease_sum: Option<Decimal>,
    /// Visits still needed to keep the level.
    #[serde(
        rename = "avoidDecreaseVisits",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub avoid_decrease_visits: Option<i64>,
}

impl Levels {
    /// The customer's current level, if listed.
    pub fn current(&self) -> Option<&Level> {
        self.levels.iter().find(|l| l.number == self.lvl_number)
    }
}

/// Points with the next burn ("Баллы"); also one upcoming burn of `getMarksToBeDecrease`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Marks {
    /// Points.
    #[serde(rename = "marks", with = "wire::dec")]
    pub marks: Decimal,
    /// When `marks_decrease` points burn.
    #[serde(rename = "timeDecay", default, with = "wire::opt_time")]
    pub time_decay: Option<NaiveDateTime>,
    /// Points that burn then.
    #[serde(rename = "marksDecrease", default, with = "wire::opt_dec")]
    pub marks_decrease: Option<Decimal>,
}

impl Marks {
    /// Points with a burn.
    pub fn new(
        marks: Decimal,
        time_decay: Option<NaiveDateTime>,
        marks_decrease: Option<Decimal>,
    ) -> Self {
        Self {
            marks,
            time_decay,
            marks_decrease,
        }
    }
}

/// A combo applied to a position ("Комбо").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Combo {
    /// Id (a number in the examples, a string in the table).
    #[serde(rename = "comboId", with = "wire::id")]
    pub combo_id: String,
    /// Name.
    #[serde(rename = "name", default)]
    pub name: Option<String>,
}

/// A line of a transaction ("Позиция").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Position {
    /// Quantity (in every example, not in the table).
    #[serde(
        rename = "quantity",
        default,
        with = "wire::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity: Option<Decimal>,
    /// Product id.
    #[serde(rename = "unitId", with = "wire::id")]
    pub unit_id: String,
    /// Product name.
    #[serde(rename = "name")]
    pub name: String,
    /// Product id in the external system.
    #[serde(rename = "externalUnitId", default, with = "wire::opt_text")]
    pub external_unit_id: Option<String>,
    /// Price of one unit.
    #[serde(rename = "price", with = "wire::dec")]
    pub price: Decimal,
    /// Price of one unit after discounts (in every example, not in the table).
    #[serde(
        rename = "priceWithDiscount",
        default,
        with = "wire::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub price_with_discount: Option<Decimal>,
    /// External discount.
    #[serde(rename = "externalDiscount", default, with = "wire::opt_dec")]
    pub external_discount: Option<Decimal>,
    /// Minimum price.
    #[serde(rename = "minimumPrice", default, with = "wire::opt_dec")]
    pub minimum_price: Option<Decimal>,
    /// Whether it may be paid with points.
    #[serde(rename = "canPayByMark", default, with = "wire::flag")]
    pub can_pay_by_mark: bool,
    /// Whether it earns points.
    #[serde(rename = "canMarkIncrease", default, with = "wire::flag")]
    pub can_mark_increase: bool,
    /// Discount for the loyalty level.
    #[serde(rename = "cashLoyaltyDiscount", default, with = "wire::opt_dec")]
    pub cash_loyalty_discount: Option<Decimal>,
    /// Discount by promotions.
    #[serde(rename = "cashDiscount", default, with = "wire::opt_dec")]
    pub cash_discount: Option<Decimal>,
    /// Discount paid with points.
    #[serde(rename = "markSpendDiscount", default, with = "wire::opt_dec")]
    pub mark_spend_discount: Option<Decimal>,
    /// Combos applied.
    #[serde(rename = "combos", default, deserialize_with = "wire::null_list")]
    pub combos: Vec<Combo>,
}

impl Position {
    /// A position of `quantity` × `price` with no discount.
    pub fn new(
        unit_id: impl Into<String>,
        name: impl Into<String>,
        price: Decimal,
        quantity: Decimal,
    ) -> Self {
        Self {
            quantity: Some(quantity),
            unit_id: unit_id.into(),
            name: name.into(),
            external_unit_id: None,
            price,
            price_with_discount: Some(price),
            external_discount: Some(Decimal::ZERO),
            minimum_price: Some(Decimal::ZERO),
            can_pay_by_mark: true,
            can_mark_increase: true,
            cash_loyalty_discount: Some(Decimal::ZERO),
            cash_discount: Some(Decimal::ZERO),
            mark_spend_discount: Some(Decimal::ZERO),
            combos: Vec::new(),
        }
    }

    /// Every discount on the line added up.
    pub fn total_discount(&self) -> Decimal {
        [
            self.external_discount,
            self.cash_loyalty_discount,
            self.cash_discount,
            self.mark_spend_discount,
        ]
        .into_iter()
        .flatten()
        .sum()
    }
}

/// A store ("Магазин").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Store {
    /// Id.
    #[serde(rename = "storeId", with = "wire::id")]
    pub store_id: String,
    /// Name.
    #[serde(rename = "name", default)]
    pub name: Option<String>,
    /// Cash register kind.
    #[serde(rename = "type", default)]
    pub store_type: Option<StoreType>,
}

impl Store {
    /// A store.
    pub fn new(store_id: impl Into<String>, name: impl Into<String>, t: StoreType) -> Self {
        Self {
            store_id: store_id.into(),
            name: Some(name.into()),
            store_type: Some(t),
        }
    }
}

/// An id of a transaction, sent as a number (or a string when it is not numeric).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrderId(#[serde(with = "wire::id")] pub String);

impl OrderId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<u64> for OrderId {
    fn from(v: u64) -> Self {
        Self(v.to_string())
    }
}

impl From<&str> for OrderId {
    fn from(v: &str) -> Self {
        Self(v.to_owned())
    }
}

impl From<String> for OrderId {
    fn from(v: String) -> Self {
        Self(v)
    }
}

/// A purchase or a return ("Транзакция").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// Id (a number in the examples, a string in the table).
    #[serde(rename = "orderId", with = "wire::id")]
    pub order_id: String,
    /// When it happened.
    #[serde(rename = "time", with = "wire::time")]
    pub time: NaiveDateTime,
    /// Receipt number.
    #[serde(rename = "receiptNumber", default, with = "wire::opt_text")]
    pub receipt_number: Option<String>,
    /// Sale or return (missing on the dashboard's unreviewed transaction).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<TransactionType>,
    /// Lines.
    #[serde(rename = "positions", default, deserialize_with = "wire::null_list")]
    pub positions: Vec<Position>,
    /// Sum before discounts.
    #[serde(rename = "cash", with = "wire::dec")]
    pub cash: Decimal,
    /// External discount.
    #[serde(rename = "externalCashDiscount", default, with = "wire::opt_dec")]
    pub external_cash_discount: Option<Decimal>,
    /// Discount by promotions.
    #[serde(rename = "cashStockDiscount", default, with = "wire::opt_dec")]
    pub cash_stock_discount: Option<Decimal>,
    /// Discount paid with points.
    #[serde(rename = "cashDiscount", default, with = "wire::opt_dec")]
    pub cash_discount: Option<Decimal>,
    /// Sum paid.
    #[serde(rename = "finalCash", with = "wire::dec")]
    pub final_cash: Decimal,
    /// Points before.
    #[serde(rename = "markBefore", with = "wire::dec")]
    pub mark_before: Decimal,
    /// Points earned.
    #[serde(rename = "markIncrease", with = "wire::dec")]
    pub mark_increase: Decimal,
    /// Points spent.
    #[serde(rename = "markDecrease", with = "wire::dec")]
    pub mark_decrease: Decimal,
    /// Points after.
    #[serde(rename = "markCurrent", with = "wire::dec")]
    pub mark_current: Decimal,
    /// Store.
    #[serde(rename = "store", default)]
    pub store: Option<Store>,
}

impl Transaction {
    /// Discounts of the whole transaction added up.
    pub fn total_discount(&self) -> Decimal {
        [
            self.external_cash_discount,
            self.cash_stock_discount,
            self.cash_discount,
        ]
        .into_iter()
        .flatten()
        .sum()
    }
}

/// A review of a transaction ("Отзыв").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Review {
    /// Rating 0..=5 (`star` in the table, `start` in the examples: both read).
    #[serde(rename = "star", alias = "start", default, with = "wire::opt_int")]
    pub star: Option<i64>,
    /// Text (`text` in the table, `comment` in the examples: both read).
    #[serde(
        rename = "text",
        alias = "comment",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub text: Option<String>,
    /// Whether it was shown before.
    #[serde(rename = "isShown", default, with = "wire::flag")]
    pub is_shown: bool,
    /// The company's reply text, when the review carries it inline (mark events: `"df"`; an
    /// object's `text` is taken too).
    #[serde(
        rename = "response",
        default,
        deserialize_with = "reply_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub response: Option<String>,
}

impl Review {
    /// A review.
    pub fn new(star: i64, text: Option<String>) -> Self {
        Self {
            star: Some(star),
            text,
            is_shown: false,
            response: None,
        }
    }
}

fn reply_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Object(m)) => {
            m.get("text").and_then(|t| t.as_str()).map(str::to_owned)
        }
        Some(other) => Some(other.to_string()),
    })
}

/// The company's reply to a review, with the points it gave ("Ответ на отзыв").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReviewReply {
    /// Reply text.
    #[serde(rename = "text", default)]
    pub text: Option<String>,
    /// Points before.
    #[serde(rename = "markBefore", with = "wire::dec")]
    pub mark_before: Decimal,
    /// Points earned.
    #[serde(rename = "markIncrease", with = "wire::dec")]
    pub mark_increase: Decimal,
    /// Points spent.
    #[serde(rename = "markDecrease", with = "wire::dec")]
    pub mark_decrease: Decimal,
    /// Points after.
    #[serde(rename = "markCurrent", with = "wire::dec")]
    pub mark_current: Decimal,
    /// When it was made.
    #[serde(rename = "time", default, with = "wire::opt_time")]
    pub time: Option<NaiveDateTime>,
}

/// A transaction with its review ("Транзакция с отзывом"). Decodes both spellings of the seed:
/// `transaction` and `transactionEvent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionWithReview {
    /// The transaction.
    #[serde(rename = "transaction", alias = "transactionEvent")]
    pub transaction: Transaction,
    /// The review, if any.
    #[serde(rename = "comment", default)]
    pub comment: Option<Review>,
    /// The company's reply, if any (an object at this level).
    #[serde(rename = "response", default, deserialize_with = "reply_object")]
    pub response: Option<ReviewReply>,
}

impl TransactionWithReview {
    /// A transaction without a review.
    pub fn new(transaction: Transaction) -> Self {
        Self {
            transaction,
            comment: None,
            response: None,
        }
    }
}

/// A reply object, or `null`, or a bare string (kept as the text).
fn reply_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ReviewReply>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(ReviewReply {
            text: Some(s),
            mark_before: Decimal::ZERO,
            mark_increase: Decimal::ZERO,
            mark_decrease: Decimal::ZERO,
            mark_current: Decimal::ZERO,
            time: None,
        })),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// A visits counter of an N-th purchase promotion ("Визиты").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VisitsCounter {
    /// Visits so far.
    #[serde(rename = "visits", with = "wire::int")]
    pub visits: i64,
    /// Visits needed for the bonus.
    #[serde(rename = "targetVisits", with = "wire::int")]
    pub target_visits: i64,
    /// Bonuses received.
    #[serde(rename = "bonuses", with = "wire::dec")]
    pub bonuses: Decimal,
}

/// A coupon ("Купон").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Coupon {
    /// Whether the code is unique.
    #[serde(rename = "isUnique", default, with = "wire::flag")]
    pub is_unique: bool,
    /// Combo id.
    #[serde(rename = "comboId", default, with = "wire::opt_id")]
    pub combo_id: Option<String>,
    /// Whether it is blocked.
    #[serde(rename = "isBlocked", default, with = "wire::flag")]
    pub is_blocked: bool,
    /// The promo code.
    #[serde(rename = "number")]
    pub number: String,
    /// Whether it was activated.
    #[serde(rename = "isActivated", default, with = "wire::flag")]
    pub is_activated: bool,
    /// When it was created.
    #[serde(rename = "timeCreate", default, with = "wire::opt_time")]
    pub time_create: Option<NaiveDateTime>,
    /// When it was activated.
    #[serde(rename = "timeActivate", default, with = "wire::opt_time")]
    pub time_activate: Option<NaiveDateTime>,
    /// Valid until.
    #[serde(rename = "validTo", default, with = "wire::opt_time")]
    pub valid_to: Option<NaiveDateTime>,
}

/// A promotion ("Акция").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stock {
    /// Display priority.
    #[serde(
        rename = "priorityOfShow",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub priority_of_show: Option<i64>,
    /// Kind.
    #[serde(rename = "messageType")]
    pub message_type: MessageType,
    /// Id.
    #[serde(
        rename = "messageId",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_id: Option<i64>,
    /// Header.
    #[serde(rename = "header", default)]
    pub header: String,
    /// Text.
    #[serde(rename = "message", default)]
    pub message: String,
    /// Image URL.
    #[serde(rename = "imageURL", default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Image URLs (a string or a list on the wire).
    #[serde(
        rename = "imagesURL",
        default,
        deserialize_with = "wire::string_or_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images_url: Vec<String>,
    /// Icon of an expiring promo code.
    #[serde(
        rename = "iconExpirationPromoCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub icon_expiration_promo_code: Option<String>,
    /// Icon of "no promo code".
    #[serde(
        rename = "iconNoPromoCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub icon_no_promo_code: Option<String>,
    /// Period text (`""` or `" "` in the examples).
    #[serde(rename = "period", default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Shown from.
    #[serde(
        rename = "start",
        default,
        with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<NaiveDateTime>,
    /// Shown until.
    #[serde(
        rename = "end",
        default,
        with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub end: Option<NaiveDateTime>,
    /// Visits counter (N-th purchase promotions).
    #[serde(rename = "visitsCounter", default)]
    pub visits_counter: Option<VisitsCounter>,
    /// Coupon (coupon promotions); `null` otherwise.
    #[serde(rename = "coupon", default)]
    pub coupon: Option<Coupon>,
}

impl Stock {
    /// A promotion of a kind with a header and text.
    pub fn new(
        message_type: MessageType,
        header: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            priority_of_show: None,
            message_type,
            message_id: None,
            header: header.into(),
            message: message.into(),
            image_url: None,
            images_url: Vec::new(),
            icon_expiration_promo_code: None,
            icon_no_promo_code: None,
            period: None,
            start: None,
            end: None,
            visits_counter: None,
            coupon: None,
        }
    }
}

/// A message attached to a points event ("Сообщение").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Kind.
    #[serde(rename = "messageType")]
    pub message_type: MessageType,
    /// Id.
    #[serde(
        rename = "messageId",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_id: Option<i64>,
    /// Header.
    #[serde(rename = "header")]
    pub header: String,
    /// Text.
    #[serde(rename = "message")]
    pub message: String,
    /// Image URL.
    #[serde(rename = "imageURL", default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Image URLs.
    #[serde(
        rename = "imagesURL",
        default,
        deserialize_with = "wire::string_or_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images_url: Vec<String>,
}

/// What a points event is about ("Контент события с баллами"). The variant is chosen by shape:
/// a transaction with its review (types `TRANSACTION`, `COMMENT`), a message (`MESSAGE`), a
/// nested event (`EVENT`), or anything else kept as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MarkEventContent {
    /// A transaction and its review.
    Transaction(Box<TransactionWithReview>),
    /// A message.
    Message(Message),
    /// A nested points event.
    Event(Box<MarkEvent>),
    /// A shape this SDK does not know, kept verbatim.
    Unknown(serde_json::Value),
}

/// A change of the points ("Событие с баллами").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MarkEvent {
    /// Id (a string, `"13905322"`).
    #[serde(rename = "id", with = "wire::text")]
    pub id: String,
    /// Name ("Ответ на отзыв").
    #[serde(rename = "name", default)]
    pub name: Option<String>,
    /// When.
    #[serde(rename = "time", with = "wire::time")]
    pub time: NaiveDateTime,
    /// Points before.
    #[serde(rename = "markBefore", with = "wire::dec")]
    pub mark_before: Decimal,
    /// Points earned.
    #[serde(rename = "markIncrease", with = "wire::dec")]
    pub mark_increase: Decimal,
    /// Points spent.
    #[serde(rename = "markDecrease", with = "wire::dec")]
    pub mark_decrease: Decimal,
    /// Points after.
    #[serde(rename = "markCurrent", with = "wire::dec")]
    pub mark_current: Decimal,
    /// Kind.
    #[serde(rename = "type")]
    pub event_type: MarkEventType,
    /// What it is about.
    #[serde(rename = "content", default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MarkEventContent>,
}

/// Review styling ("Стилизация отзывов").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommentStyle {
    /// Image of an inactive rating unit.
    #[serde(rename = "imageRateNone", default)]
    pub image_rate_none: Option<String>,
    /// Image of an active rating unit.
    #[serde(rename = "imageRateOk", default)]
    pub image_rate_ok: Option<String>,
    /// Images by rating.
    #[serde(rename = "imagesFunny", default, deserialize_with = "wire::null_list")]
    pub images_funny: Vec<String>,
}

/// Level styling ("Стилизация уровней").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LevelStyle {
    /// Icon of paying by points.
    #[serde(rename = "imageMarkToCash", default)]
    pub image_mark_to_cash: Option<String>,
    /// Icon of the sum to the next level.
    #[serde(rename = "imageSumToLvl", default)]
    pub image_sum_to_lvl: Option<String>,
    /// Icon of delayed points.
    #[serde(rename = "imageDelayedMarkActivation", default)]
    pub image_delayed_mark_activation: Option<String>,
    /// Icon of a burn (on the dashboard, not in the model table).
    #[serde(
        rename = "imageDecrease",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub image_decrease: Option<String>,
}

/// Points styling ("Стилизация баллов").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MarkStyle {
    /// Icon of a burn.
    #[serde(rename = "imageDecrease", default)]
    pub image_decrease: Option<String>,
}

/// Store styling ("Стилизация магазинов").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PointStyle {
    /// Phone icon.
    #[serde(rename = "iconPhone", default)]
    pub icon_phone: Option<String>,
    /// Address icon.
    #[serde(rename = "iconAddress", default)]
    pub icon_address: Option<String>,
    /// Metro icon.
    #[serde(rename = "iconMetro", default)]
    pub icon_metro: Option<String>,
}

/// Profile styling ("Стилизация профиля").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfileStyle {
    /// Name icon.
    #[serde(rename = "iconName", default)]
    pub icon_name: Option<String>,
    /// Surname icon.
    #[serde(rename = "iconSurname", default)]
    pub icon_surname: Option<String>,
    /// Patronymic icon.
    #[serde(rename = "iconPatronymic", default)]
    pub icon_patronymic: Option<String>,
    /// Birthday icon (in the example, not in the table).
    #[serde(rename = "iconBDay", default, skip_serializing_if = "Option::is_none")]
    pub icon_b_day: Option<String>,
    /// Gender icon.
    #[serde(rename = "iconMale", default)]
    pub icon_male: Option<String>,
    /// E-mail icon.
    #[serde(rename = "iconEmail", default)]
    pub icon_email: Option<String>,
    /// Phone icon.
    #[serde(rename = "iconPhone", default)]
    pub icon_phone: Option<String>,
    /// "Phone verified" icon.
    #[serde(rename = "iconPhoneVerified", default)]
    pub icon_phone_verified: Option<String>,
}

/// QR code styling ("Стилизация QR кода").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QrStyle {
    /// Button colour.
    #[serde(rename = "buttonColor")]
    pub button_color: Color,
    /// Button content colour.
    #[serde(rename = "buttonTextColor")]
    pub button_text_color: Color,
}

/// A notification ("Уведомление").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// Id.
    #[serde(rename = "id", with = "wire::text")]
    pub id: String,
    /// Header.
    #[serde(rename = "header", default)]
    pub header: Option<String>,
    /// Text.
    #[serde(rename = "message", default)]
    pub message: String,
    /// When it was sent.
    #[serde(rename = "time", default, with = "wire::opt_time")]
    pub time: Option<NaiveDateTime>,
}

impl Notification {
    /// A notification.
    pub fn new(
        id: impl Into<String>,
        header: impl Into<String>,
        message: impl Into<String>,
        time: NaiveDateTime,
    ) -> Self {
        Self {
            id: id.into(),
            header: Some(header.into()),
            message: message.into(),
            time: Some(time),
        }
    }
}

/// The company card with its styling and the customer's latest events ("Карточка компании").
///
/// Cosmetic blocks (styles) are `Option`s so that a missing or `null` block never keeps a bot
/// from showing the balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Dashboard {
    /// Company id.
    #[serde(rename = "companyId", with = "wire::int")]
    pub company_id: i64,
    /// Whether the customer deleted the card.
    #[serde(rename = "isDeleted", default, with = "wire::flag")]
    pub is_deleted: bool,
    /// About the company.
    #[serde(rename = "about")]
    pub about: CompanyAbout,
    /// The customer.
    #[serde(rename = "customer")]
    pub customer: Customer,
    /// Basic colours.
    #[serde(rename = "basicStyle", default)]
    pub basic_style: Option<BasicStyle>,
    /// Mobile app layout.
    #[serde(rename = "mobileApp", default)]
    pub mobile_app: Option<MobileAppStyle>,
    /// Telegram layout.
    #[serde(rename = "telegram", default)]
    pub telegram: Option<TelegramStyle>,
    /// Levels and progress.
    #[serde(rename = "levelParameters")]
    pub level_parameters: Levels,
    /// Points and the next burn.
    #[serde(rename = "markParameters")]
    pub mark_parameters: Marks,
    /// The last 5 transactions with reviews.
    #[serde(rename = "transactions", default, deserialize_with = "wire::null_list")]
    pub transactions: Vec<TransactionWithReview>,
    /// The last transaction without a review, if any.
    #[serde(rename = "comment", default)]
    pub comment: Option<TransactionWithReview>,
    /// The 5 most important promotions.
    #[serde(rename = "stocks", default, deserialize_with = "wire::null_list")]
    pub stocks: Vec<Stock>,
    /// The last 5 points events.
    #[serde(rename = "markEvents", default, deserialize_with = "wire::null_list")]
    pub mark_events: Vec<MarkEvent>,
    /// Review styling.
    #[serde(rename = "commentStyle", default)]
    pub comment_style: Option<CommentStyle>,
    /// Level styling.
    #[serde(rename = "levelStyle", default)]
    pub level_style: Option<LevelStyle>,
    /// Points styling.
    #[serde(rename = "markStyle", default)]
    pub mark_style: Option<MarkStyle>,
    /// Store styling.
    #[serde(rename = "pointStyle", default)]
    pub point_style: Option<PointStyle>,
    /// Profile styling.
    #[serde(rename = "profileStyle", default)]
    pub profile_style: Option<ProfileStyle>,
    /// QR code styling.
    #[serde(rename = "qrStyle", default)]
    pub qr_style: Option<QrStyle>,
    /// Currency sign or code (`₸`).
    #[serde(rename = "currencyCode", default)]
    pub currency_code: Option<String>,
}

/// Serializes nothing but `{}` (answers with no documented body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}
