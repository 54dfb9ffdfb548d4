//! The auth flow as a small typed state machine a bot can drive, one message at a time.
//!
//! ```text
//! start_auth(phone) ──► AuthStep::Captcha ──answer(text)──► AuthStep::…
//!                   ├─► AuthStep::SmsCode ──submit_code(code)──┐
//!                   ├─► AuthStep::CallPass ──confirm()─────────┤──► AuthOutcome::LoggedIn
//!                   └─► AuthStep::NoVerification ──log_in()────┘    AuthOutcome::NeedsSignUp ──sign_up(data)──► LoggedIn
//! ```
//! Every pending step can `switch_to` another type listed in `availableTypes`.

use std::fmt;
use std::time::Duration;

use loyalty_core::{LoyaltyError, Phone, ProviderDetail, Session};
use secrecy::SecretString;

use crate::client::BonusMoneyClient;
use crate::models::{AuthOption, AuthOptions, AuthSet, AuthType, Customer};
use crate::requests::{
    GetOptionsRequest, LogInWithoutVerificationRequest, ProfileData, SignUpRequest,
    VerifyByCallRequest, VerifyBySmsRequest,
};

/// The provider name stored in sessions (`"bonusmoney"`); the same constant name as every
/// loyalty crate's.
pub const PROVIDER: &str = "bonusmoney";

/// The former name of [`PROVIDER`].
#[deprecated(note = "use PROVIDER, the name every loyalty crate uses")]
pub const PROVIDER_NAME: &str = PROVIDER;

/// Where the flow stands after `getOptions`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthStep {
    /// Show the captcha image, then [`PendingCaptcha::answer`].
    Captcha(PendingCaptcha),
    /// An SMS code was sent: ask for it, then [`PendingSms::submit_code`].
    SmsCode(PendingSms),
    /// The user must call [`PendingCall::call_to`], then [`PendingCall::confirm`].
    CallPass(PendingCall),
    /// The company does not verify numbers: [`PendingNoVerification::log_in`].
    NoVerification(PendingNoVerification),
}

impl AuthStep {
    /// The options the server returned with this step.
    pub fn options(&self) -> &AuthOptions {
        match self {
            Self::Captcha(s) => &s.options,
            Self::SmsCode(s) => &s.options,
            Self::CallPass(s) => &s.options,
            Self::NoVerification(s) => &s.options,
        }
    }
}

/// A captcha to solve.
#[derive(Clone)]
pub struct PendingCaptcha {
    phone: Phone,
    /// The call-pass number seen so far (answers list only the other types).
    known_call_to: Option<String>,
    auth_type: AuthType,
    token: String,
    png: Vec<u8>,
    options: AuthOptions,
}

impl fmt::Debug for PendingCaptcha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingCaptcha")
            .field("phone", &self.phone)
            .field("auth_type", &self.auth_type)
            .field("token", &self.token)
            .field("png", &format_args!("{} bytes", self.png.len()))
            .field("options", &self.options)
            .finish()
    }
}

impl PendingCaptcha {
    /// The PNG image, decoded from base64, ready to send to the user.
    pub fn png(&self) -> &[u8] {
        &self.png
    }

    /// The captcha token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The verification type the answer will ask for.
    pub fn auth_type(&self) -> &AuthType {
        &self.auth_type
    }

    /// Sends the answer with the token and the type; the server then sends the code (or shows a
    /// new captcha when the answer was wrong).
    ///
    /// # Errors
    /// As [`BonusMoneyClient::get_options`].
    pub async fn answer(
        &self,
        client: &BonusMoneyClient,
        text: &str,
    ) -> Result<AuthStep, LoyaltyError> {
        let req = GetOptionsRequest::for_phone(client.country_code(), &self.phone)
            .captcha(self.token.clone(), text)
            .auth_type(self.auth_type.clone());
        let opts = client.get_options(&req).await?;
        step_from(self.phone.clone(), opts, self.known_call_to.clone())
    }
}

/// An SMS code is on its way.
#[derive(Debug, Clone)]
pub struct PendingSms {
    phone: Phone,
    known_call_to: Option<String>,
    resend_after: Option<Duration>,
    options: AuthOptions,
}

impl PendingSms {
    /// When a new code may be requested.
    pub fn resend_after(&self) -> Option<Duration> {
        self.resend_after
    }

    /// The other options the user may switch to.
    pub fn alternatives(&self) -> &[AuthOption] {
        &self.options.available_types
    }

    /// Checks the code (the step stays usable after a wrong code).
    ///
    /// # Errors
    /// [`LoyaltyError::WrongCode`] for a refused code, and transport/provider errors.
    pub async fn submit_code(
        &self,
        client: &BonusMoneyClient,
        code: &str,
    ) -> Result<AuthOutcome, LoyaltyError> {
        let set = client
            .verify_by_sms(&VerifyBySmsRequest::new(
                code.trim(),
                self.phone.bracketed(),
            ))
            .await?;
        outcome_from(self.phone.clone(), set)
    }

    /// Asks for another verification type (or a new SMS with [`AuthType::Sms`]).
    ///
    /// # Errors
    /// As [`BonusMoneyClient::get_options`].
    pub async fn switch_to(
        &self,
        client: &BonusMoneyClient,
        t: AuthType,
    ) -> Result<AuthStep, LoyaltyError> {
        client
            .start_auth_from(&self.phone, Some(t), self.known_call_to.clone())
            .await
    }
}

/// The user must call a number from their phone.
#[derive(Debug, Clone)]
pub struct PendingCall {
    phone: Phone,
    known_call_to: Option<String>,
    call_to: String,
    resend_after: Option<Duration>,
    options: AuthOptions,
}

impl PendingCall {
    /// The number to call.
    pub fn call_to(&self) -> &str {
        &self.call_to
    }

    /// The cool-down (`nextSendIn`) before a new call-pass may be requested.
    pub fn resend_after(&self) -> Option<Duration> {
        self.resend_after
    }

    /// Checks that the call was made.
    ///
    /// # Errors
    /// [`LoyaltyError::WrongCode`] when the server saw no call, and transport/provider errors.
    pub async fn confirm(&self, client: &BonusMoneyClient) -> Result<AuthOutcome, LoyaltyError> {
        let set = client
            .verify_by_call(&VerifyByCallRequest::new(
                self.phone.bracketed(),
                self.call_to.clone(),
            ))
            .await?;
        outcome_from(self.phone.clone(), set)
    }

    /// Asks for another verification type.
    ///
    /// # Errors
    /// As [`BonusMoneyClient::get_options`].
    pub async fn switch_to(
        &self,
        client: &BonusMoneyClient,
        t: AuthType,
    ) -> Result<AuthStep, LoyaltyError> {
        client
            .start_auth_from(&self.phone, Some(t), self.known_call_to.clone())
            .await
    }
}

/// The company logs numbers in without verification.
#[derive(Debug, Clone)]
pub struct PendingNoVerification {
    phone: Phone,
    options: AuthOptions,
}

impl PendingNoVerification {
    /// Logs in.
    ///
    /// # Errors
    /// Transport/provider errors.
    pub async fn log_in(&self, client: &BonusMoneyClient) -> Result<AuthOutcome, LoyaltyError> {
        let set = client
            .log_in_without_verification(&LogInWithoutVerificationRequest::new(
                self.phone.bracketed(),
            ))
            .await?;
        outcome_from(self.phone.clone(), set)
    }
}

/// The end of a verification.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AuthOutcome {
    /// A known customer.
    LoggedIn(LoggedIn),
    /// A verified phone that is not a member yet.
    NeedsSignUp(PendingSignUp),
}

/// A logged-in customer with their token.
#[derive(Clone)]
pub struct LoggedIn {
    customer: Customer,
    token: SecretString,
}

impl LoggedIn {
    /// The customer.
    pub fn customer(&self) -> &Customer {
        &self.customer
    }

    /// The customer's `bmtoken`, for card calls.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// A persistable [`Session`] (provider `bonusmoney`, customer id = the QR code when known).
    pub fn session(&self) -> Session {
        session_for(&self.customer, self.token.clone())
    }
}

pub(crate) fn session_for(customer: &Customer, token: SecretString) -> Session {
    let s = Session::new(PROVIDER, token);
    match &customer.qr_code {
        Some(qr) => s.with_customer_id(qr.clone()),
        None => s,
    }
}

impl fmt::Debug for LoggedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoggedIn")
            .field("customer", &self.customer)
            .field("token", &"[REDACTED]")
            .finish()
    }
}

/// A verified phone to sign up, with the company's prefill.
#[derive(Clone)]
pub struct PendingSignUp {
    phone: Phone,
    token: SecretString,
    prefill: Option<Customer>,
}

impl fmt::Debug for PendingSignUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignUp")
            .field("phone", &self.phone)
            .field("token", &"[REDACTED]")
            .field("prefill", &self.prefill)
            .finish()
    }
}

impl PendingSignUp {
    /// The verified phone.
    pub fn phone(&self) -> &Phone {
        &self.phone
    }

    /// The `signUpToken`.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// What the company already knows (`inCompanyProfile`).
    pub fn prefill(&self) -> Option<&Customer> {
        self.prefill.as_ref()
    }

    /// The prefill as sign-up data (empty name when there is none).
    pub fn prefill_data(&self) -> ProfileData {
        self.prefill
            .as_ref()
            .map(profile_from_customer)
            .unwrap_or_default()
    }

    /// Signs up with `data`. When the 2xx answer carries no `bmtoken`, logs in with
    /// `logInWithoutVerification` instead: a sign-up the server accepted is never reported as a
    /// failure.
    ///
    /// # Errors
    /// As [`BonusMoneyClient::sign_up`]; [`LoyaltyError::SessionExpired`] when the server
    /// accepted the sign-up but gave no token and would not log the phone in (the user is
    /// registered and logs in again).
    pub async fn sign_up(
        &self,
        client: &BonusMoneyClient,
        data: ProfileData,
    ) -> Result<LoggedIn, LoyaltyError> {
        let customer = client
            .sign_up(&SignUpRequest::new(data, self.token.clone()))
            .await?;
        after_sign_up(client, &self.phone, customer).await
    }
}

/// The profile of a customer as sign-up/update data.
pub fn profile_from_customer(c: &Customer) -> ProfileData {
    ProfileData {
        name: c.name.clone().unwrap_or_default(),
        surname: c.surname.clone(),
        patronymic: c.patronymic.clone(),
        b_date: c.b_date,
        male: c.male,
        email: c.email.clone(),
    }
}

/// The session after a 2xx `signUp`: the answer's customer when it has a `bmtoken`, otherwise
/// `logInWithoutVerification`; when that gives no token either, [`LoyaltyError::SessionExpired`]
/// (registered: log in again), never a sign-up failure.
pub(crate) async fn after_sign_up(
    client: &BonusMoneyClient,
    phone: &Phone,
    customer: Customer,
) -> Result<LoggedIn, LoyaltyError> {
    if customer.token().is_some() {
        return logged_in(customer);
    }
    let again = || LoyaltyError::SessionExpired {
        detail: ProviderDetail::message(
            "signed up, but the answer had no bmtoken and the phone could not be logged in: log in again",
        ),
    };
    match client
        .log_in_without_verification(&LogInWithoutVerificationRequest::new(phone.bracketed()))
        .await
    {
        Ok(set) => match outcome_from(phone.clone(), set) {
            Ok(AuthOutcome::LoggedIn(l)) => Ok(l),
            _ => Err(again()),
        },
        Err(e) => {
            tracing::warn!(error = %e, "logging in after a sign-up without a token failed");
            Err(again())
        }
    }
}

fn logged_in(customer: Customer) -> Result<LoggedIn, LoyaltyError> {
    match customer.token().cloned() {
        Some(token) => Ok(LoggedIn { customer, token }),
        None => Err(LoyaltyError::Provider {
            detail: ProviderDetail::message("the customer came without a bmtoken"),
        }),
    }
}

pub(crate) fn outcome_from(phone: Phone, set: AuthSet) -> Result<AuthOutcome, LoyaltyError> {
    if let Some(c) = set.customer.clone() {
        if c.token().is_some() {
            return logged_in(c).map(AuthOutcome::LoggedIn);
        }
    }
    match set.sign_up_token() {
        Some(token) => Ok(AuthOutcome::NeedsSignUp(PendingSignUp {
            phone,
            token: token.clone(),
            prefill: set.in_company_profile,
        })),
        None => Err(LoyaltyError::Provider {
            detail: ProviderDetail::message(
                "the verification answer has neither a customer with a bmtoken nor a signUpToken",
            ),
        }),
    }
}

/// The call-pass number in an answer: the `CALL_PASS` option's `callTo`, else any option that
/// lists one.
pub(crate) fn call_to_in(opts: &AuthOptions) -> Option<String> {
    let listed = |o: &AuthOption| o.call_to.clone().filter(|t| !t.trim().is_empty());
    opts.option(&AuthType::CallPass)
        .and_then(listed)
        .or_else(|| opts.available_types.iter().find_map(listed))
}

/// The step an answer leads to; `known_call_to` is the call-pass number of earlier answers
/// (an answer lists only the types other than the current one, so a `CALL_PASS` answer may not
/// repeat it).
pub(crate) fn step_from(
    phone: Phone,
    opts: AuthOptions,
    known_call_to: Option<String>,
) -> Result<AuthStep, LoyaltyError> {
    let known_call_to = call_to_in(&opts).or(known_call_to);
    if let Some(c) = &opts.captcha {
        return Ok(AuthStep::Captcha(PendingCaptcha {
            known_call_to,
            png: c.png()?,
            token: c.token.clone(),
            auth_type: opts.auth_type.clone(),
            phone,
            options: opts,
        }));
    }
    let resend_after = opts
        .option(&opts.auth_type)
        .and_then(AuthOption::next_send_in);
    match &opts.auth_type {
        AuthType::Sms => Ok(AuthStep::SmsCode(PendingSms {
            phone,
            known_call_to,
            resend_after,
            options: opts,
        })),
        AuthType::CallPass => {
            let call_to = known_call_to
                .clone()
                .ok_or_else(|| LoyaltyError::Provider {
                    detail: ProviderDetail::message(
                        "CALL_PASS was chosen but no answer so far listed a callTo",
                    ),
                })?;
            Ok(AuthStep::CallPass(PendingCall {
                phone,
                known_call_to,
                call_to,
                resend_after,
                options: opts,
            }))
        }
        AuthType::No => Ok(AuthStep::NoVerification(PendingNoVerification {
            phone,
            options: opts,
        })),
        AuthType::Unknown(t) => Err(LoyaltyError::Provider {
            detail: ProviderDetail::message(format!("unknown verification type {t:?}")),
        }),
    }
}

impl BonusMoneyClient {
    /// Starts the auth flow for a phone with the server's default verification type.
    ///
    /// # Errors
    /// As [`BonusMoneyClient::get_options`]; a captcha that is not base64 is
    /// [`LoyaltyError::Decode`].
    pub async fn start_auth(&self, phone: &Phone) -> Result<AuthStep, LoyaltyError> {
        self.start_auth_from(phone, None, None).await
    }

    /// Starts (or switches) the auth flow asking for a verification type.
    ///
    /// # Errors
    /// As [`BonusMoneyClient::start_auth`].
    pub async fn start_auth_with(
        &self,
        phone: &Phone,
        t: AuthType,
    ) -> Result<AuthStep, LoyaltyError> {
        self.start_auth_from(phone, Some(t), None).await
    }

    /// `getOptions` for `phone` (asking for `t`), with the call-pass number of earlier steps.
    async fn start_auth_from(
        &self,
        phone: &Phone,
        t: Option<AuthType>,
        known_call_to: Option<String>,
    ) -> Result<AuthStep, LoyaltyError> {
        let mut req = GetOptionsRequest::for_phone(self.country_code(), phone);
        if let Some(t) = t {
            req = req.auth_type(t);
        }
        let opts = self.get_options(&req).await?;
        step_from(phone.clone(), opts, known_call_to)
    }
}
