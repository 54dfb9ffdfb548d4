//! Request bodies, one struct per operation, serialized exactly as the seed's examples.

use std::fmt;

use chrono::NaiveDate;
use loyalty_core::{FieldError, LoyaltyError, Phone};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::models::{AuthType, OrderId};
use crate::wire;

/// Body of `getOptions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetOptionsRequest {
    /// 2-letter region code (`RU`).
    #[serde(rename = "countryCode")]
    pub country_code: String,
    /// Phone, `+7 (000) 000-00-00`.
    #[serde(rename = "phone")]
    pub phone: String,
    /// Captcha token, when answering a captcha.
    #[serde(
        rename = "captchaToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub captcha_token: Option<String>,
    /// Captcha text, when answering a captcha.
    #[serde(
        rename = "captchaText",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub captcha_text: Option<String>,
    /// The verification type asked for.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<AuthType>,
}

impl GetOptionsRequest {
    /// A first request for a phone (vendor form, see [`Phone::bracketed`]).
    pub fn new(country_code: impl Into<String>, phone: impl Into<String>) -> Self {
        Self {
            country_code: country_code.into(),
            phone: phone.into(),
            captcha_token: None,
            captcha_text: None,
            auth_type: None,
        }
    }

    /// A first request for a parsed phone.
    pub fn for_phone(country_code: impl Into<String>, phone: &Phone) -> Self {
        Self::new(country_code, phone.bracketed())
    }

    /// Asks for a verification type.
    pub fn auth_type(mut self, t: AuthType) -> Self {
        self.auth_type = Some(t);
        self
    }

    /// Answers a captcha.
    pub fn captcha(mut self, token: impl Into<String>, text: impl Into<String>) -> Self {
        self.captcha_token = Some(token.into());
        self.captcha_text = Some(text.into());
        self
    }
}

/// Body of `verifyBySms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyBySmsRequest {
    /// The 4-digit code.
    #[serde(rename = "code")]
    pub code: String,
    /// Phone.
    #[serde(rename = "phone")]
    pub phone: String,
}

impl VerifyBySmsRequest {
    /// A request.
    pub fn new(code: impl Into<String>, phone: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            phone: phone.into(),
        }
    }
}

/// Body of `verifyByCall`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VerifyByCallRequest {
    /// The phone the call was made from.
    #[serde(rename = "phone")]
    pub phone: String,
    /// The number that was called (`callTo`).
    #[serde(rename = "to")]
    pub to: String,
}

impl VerifyByCallRequest {
    /// A request.
    pub fn new(phone: impl Into<String>, to: impl Into<String>) -> Self {
        Self {
            phone: phone.into(),
            to: to.into(),
        }
    }
}

/// Body of `logInWithoutVerification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LogInWithoutVerificationRequest {
    /// Phone.
    #[serde(rename = "phone")]
    pub phone: String,
}

impl LogInWithoutVerificationRequest {
    /// A request.
    pub fn new(phone: impl Into<String>) -> Self {
        Self {
            phone: phone.into(),
        }
    }
}

/// The personal data of `signUp` and `updateCustomer`. The seed marks all six fields required,
/// so every key is always sent: a text left `None` goes as `""`, and a profile without a name,
/// a birth date or a gender is refused before any call (see [`ProfileData::missing_fields`]).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfileData {
    /// Given name.
    #[serde(rename = "name")]
    pub name: String,
    /// Family name.
    #[serde(rename = "surname", default, serialize_with = "empty_if_none")]
    pub surname: Option<String>,
    /// Patronymic.
    #[serde(rename = "patronymic", default, serialize_with = "empty_if_none")]
    pub patronymic: Option<String>,
    /// Birth date, sent as `yyyy-mm-dd`.
    #[serde(
        rename = "bDate",
        default,
        with = "wire::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub b_date: Option<NaiveDate>,
    /// `true` for male.
    #[serde(rename = "male", default, skip_serializing_if = "Option::is_none")]
    pub male: Option<bool>,
    /// E-mail (the seed's table lost this row's name; inferred from the example).
    #[serde(rename = "email", default, serialize_with = "empty_if_none")]
    pub email: Option<String>,
}

fn empty_if_none<S: serde::Serializer>(v: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_deref().unwrap_or(""))
}

impl ProfileData {
    /// The required fields that cannot be sent as an empty text (`name`, `bDate`, `male`, by
    /// their wire names), each with a message; empty when the profile can be sent.
    pub fn missing_fields(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.name.trim().is_empty() {
            out.push(FieldError::new("name", "a first name is required"));
        }
        if self.b_date.is_none() {
            out.push(FieldError::new("bDate", "a birth date is required"));
        }
        if self.male.is_none() {
            out.push(FieldError::new("male", "a gender is required"));
        }
        out
    }

    /// `Ok` when [`ProfileData::missing_fields`] is empty.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] with every missing field.
    pub fn check(&self) -> Result<(), LoyaltyError> {
        let fields = self.missing_fields();
        if fields.is_empty() {
            Ok(())
        } else {
            Err(LoyaltyError::InvalidInput {
                fields,
                detail: None,
            })
        }
    }

    /// Data with a given name.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
    /// Sets the family name.
    pub fn surname(mut self, v: impl Into<String>) -> Self {
        self.surname = Some(v.into());
        self
    }
    /// Sets the patronymic.
    pub fn patronymic(mut self, v: impl Into<String>) -> Self {
        self.patronymic = Some(v.into());
        self
    }
    /// Sets the birth date.
    pub fn b_date(mut self, v: NaiveDate) -> Self {
        self.b_date = Some(v);
        self
    }
    /// Sets the gender (`true` for male).
    pub fn male(mut self, v: bool) -> Self {
        self.male = Some(v);
        self
    }
    /// Sets the e-mail.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.email = Some(v.into());
        self
    }
}

/// Body of `signUp`: the profile plus the `signUpToken` (a secret; `Debug` hides it).
#[derive(Clone, Serialize)]
#[non_exhaustive]
pub struct SignUpRequest {
    /// The personal data.
    #[serde(flatten)]
    pub data: ProfileData,
    /// The token from the verification.
    #[serde(rename = "signUpToken", serialize_with = "wire::write_secret")]
    pub sign_up_token: SecretString,
}

impl SignUpRequest {
    /// A request.
    pub fn new(data: ProfileData, sign_up_token: SecretString) -> Self {
        Self {
            data,
            sign_up_token,
        }
    }
}

impl fmt::Debug for SignUpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUpRequest")
            .field("data", &self.data)
            .field("sign_up_token", &"[REDACTED]")
            .finish()
    }
}

/// Body of the paged calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PageParams {
    /// Items to skip.
    #[serde(rename = "offset", default)]
    pub offset: u32,
    /// Items per page.
    #[serde(rename = "limit", default = "default_limit")]
    pub limit: u32,
}

fn default_limit() -> u32 {
    5
}

impl PageParams {
    /// A page.
    pub fn new(offset: u32, limit: u32) -> Self {
        Self { offset, limit }
    }
}

impl From<loyalty_core::PageRequest> for PageParams {
    fn from(p: loyalty_core::PageRequest) -> Self {
        Self::new(p.offset, p.limit)
    }
}

/// Body of `getTransaction`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GetTransactionRequest {
    /// The transaction id, sent as a number.
    #[serde(rename = "orderId")]
    pub order_id: OrderId,
}

impl GetTransactionRequest {
    /// A request.
    pub fn new(order_id: impl Into<OrderId>) -> Self {
        Self {
            order_id: order_id.into(),
        }
    }
}

/// Body of `setComment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SetCommentRequest {
    /// The transaction id, sent as a number.
    #[serde(rename = "orderId")]
    pub order_id: OrderId,
    /// Comment text.
    #[serde(rename = "text", default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Rating 0..=5.
    #[serde(rename = "star")]
    pub star: u8,
}

impl SetCommentRequest {
    /// A review with a rating.
    pub fn new(order_id: impl Into<OrderId>, star: u8) -> Self {
        Self {
            order_id: order_id.into(),
            text: None,
            star,
        }
    }

    /// Adds a text.
    pub fn text(mut self, t: impl Into<String>) -> Self {
        self.text = Some(t.into());
        self
    }
}
