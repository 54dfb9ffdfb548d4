//! The customer: the verification options, the profile and the session's tokens.

use super::*;

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
