//! A test kit (feature `mock`): one-line answers of the BonusMoney BMCard API on a
//! [`wiremock::MockServer`], serialised from this crate's own [`crate::models`] (the same types
//! the sandbox answers with), so they are in BonusMoney's wire shape (`POST /mobileapp/auth/…`
//! and `POST /mobileapp/card_v2/…`, camelCase keys, `BM-API-KEY` and `TOKEN` headers).
//!
//! ```no_run
//! # async fn demo() {
//! use loyalty_bonusmoney::mock::BonusMoneyMock;
//! use loyalty_bonusmoney::models::AuthType;
//!
//! let server = wiremock::MockServer::start().await;
//! let bm = BonusMoneyMock::new(&server);
//! bm.asks_for_captcha(AuthType::Sms).await; // getOptions answers with a captcha first
//! let client = bm.client();
//! # let _ = client; }
//! ```
//!
//! Every answer is checked against this crate's own client in `tests/it/mock_kit.rs`.

use std::time::Duration;

use loyalty_core::{Balance, RetryPolicy, SecretString};
use serde::Serialize;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

pub use loyalty_core::mock::{Fault, body_has_keys};

use crate::models::{
    AuthOption, AuthOptions, AuthSet, AuthType, CaptchaChallenge, Customer, Dashboard,
};
use crate::{API_KEY_HEADER, BonusMoneyClient, BonusMoneyClientBuilder, TOKEN_HEADER};

/// The API key the kit's client sends.
pub const API_KEY: &str = "mock-api-key";
/// The captcha token of [`BonusMoneyMock::asks_for_captcha`].
pub const CAPTCHA_TOKEN: &str = "78abfff1-671b-42e2-acbb-50175dfa94ab";
/// A 1×1 PNG, base64: the captcha image of [`BonusMoneyMock::asks_for_captcha`].
pub const CAPTCHA_PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// A BonusMoney operation (its name is the last path segment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BmOp {
    /// `mobileapp/auth/getOptions`.
    GetOptions,
    /// `mobileapp/auth/verifyBySms`.
    VerifyBySms,
    /// `mobileapp/auth/verifyByCall`.
    VerifyByCall,
    /// `mobileapp/auth/logInWithoutVerification`.
    LogInWithoutVerification,
    /// `mobileapp/auth/signUp`.
    SignUp,
    /// `mobileapp/card_v2/getDashboard`.
    GetDashboard,
    /// `mobileapp/card_v2/getCustomer`.
    GetCustomer,
    /// `mobileapp/card_v2/getMarksToBeDecrease`.
    GetMarksToBeDecrease,
    /// `mobileapp/card_v2/getMarksHistory`.
    GetMarksHistory,
    /// `mobileapp/card_v2/getTransactions`.
    GetTransactions,
    /// `mobileapp/card_v2/getLevels`.
    GetLevels,
}

impl BmOp {
    /// The request path.
    pub fn path(self) -> &'static str {
        match self {
            Self::GetOptions => "/mobileapp/auth/getOptions",
            Self::VerifyBySms => "/mobileapp/auth/verifyBySms",
            Self::VerifyByCall => "/mobileapp/auth/verifyByCall",
            Self::LogInWithoutVerification => "/mobileapp/auth/logInWithoutVerification",
            Self::SignUp => "/mobileapp/auth/signUp",
            Self::GetDashboard => "/mobileapp/card_v2/getDashboard",
            Self::GetCustomer => "/mobileapp/card_v2/getCustomer",
            Self::GetMarksToBeDecrease => "/mobileapp/card_v2/getMarksToBeDecrease",
            Self::GetMarksHistory => "/mobileapp/card_v2/getMarksHistory",
            Self::GetTransactions => "/mobileapp/card_v2/getTransactions",
            Self::GetLevels => "/mobileapp/card_v2/getLevels",
        }
    }
}

/// The options BonusMoney lists with every `getOptions` answer (SMS, a call-pass, none).
fn available_types() -> Vec<AuthOption> {
    vec![
        AuthOption::new(AuthType::Sms, None, Some(60_000)),
        AuthOption::new(
            AuthType::CallPass,
            Some("+7 (800) 100-22-33".into()),
            Some(30_000),
        ),
        AuthOption::new(AuthType::No, None, Some(0)),
    ]
}

/// The seed's dashboard (the sandbox's template).
///
/// # Panics
/// Never: the file is part of the crate and decodes (the sandbox tests prove it).
fn seed_dashboard() -> Dashboard {
    #[allow(clippy::expect_used)]
    serde_json::from_str(include_str!("sandbox/seed_dashboard.json"))
        .expect("the seed dashboard decodes")
}

/// Matches a request carrying the customer `token` in `TOKEN`.
pub fn customer_token(token: &str) -> impl Match + use<> {
    wiremock::matchers::header(TOKEN_HEADER, token)
}

/// Matches a request carrying `key` in `BM-API-KEY`.
pub fn api_key(key: &str) -> impl Match + use<> {
    wiremock::matchers::header(API_KEY_HEADER, key)
}

/// A fake BonusMoney API on a [`MockServer`]: each helper mounts one answer.
pub struct BonusMoneyMock<'a> {
    server: &'a MockServer,
}

impl<'a> BonusMoneyMock<'a> {
    /// A kit on `server` (mounts nothing yet).
    pub fn new(server: &'a MockServer) -> Self {
        Self { server }
    }

    /// A client builder for [`API_KEY`] pointed at the fake: 1 s timeout, one attempt.
    pub fn client_builder(&self) -> BonusMoneyClientBuilder {
        BonusMoneyClient::builder(SecretString::from(API_KEY))
            .base_url(self.server.uri())
            .timeout(Duration::from_secs(1))
            .retry(RetryPolicy::none())
    }

    /// A client pointed at the fake.
    ///
    /// # Panics
    /// Never: the mock server's URL is a valid base URL.
    pub fn client(&self) -> BonusMoneyClient {
        #[allow(clippy::expect_used)]
        self.client_builder()
            .build()
            .expect("the mock server URL is valid")
    }

    /// Answers `op` with `body` serialised (HTTP 200, JSON).
    pub async fn answer(&self, op: BmOp, body: &impl Serialize) {
        self.mount(op, ResponseTemplate::new(200).set_body_json(body))
            .await;
    }

    async fn mount(&self, op: BmOp, template: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path(op.path()))
            .respond_with(template)
            .mount(self.server)
            .await;
    }

    /// `getOptions` answers `auth_type` as the current verification (an SMS was sent, a
    /// call-pass started, or none needed) with the usual options.
    pub async fn options(&self, auth_type: AuthType) {
        self.answer(
            BmOp::GetOptions,
            &AuthOptions::new(auth_type, available_types()),
        )
        .await;
    }

    /// The first `getOptions` asks for a captcha ([`CAPTCHA_TOKEN`], a PNG); the next ones
    /// answer `auth_type` without one.
    pub async fn asks_for_captcha(&self, auth_type: AuthType) {
        let mut first = AuthOptions::new(auth_type.clone(), available_types());
        first.captcha = Some(CaptchaChallenge::new(
            CAPTCHA_TOKEN,
            format!("data:image/png;base64,{CAPTCHA_PNG_BASE64}"),
        ));
        Mock::given(method("POST"))
            .and(path(BmOp::GetOptions.path()))
            .and(|r: &Request| {
                serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .is_some_and(|v| v.get("captchaToken").is_none())
            })
            .respond_with(ResponseTemplate::new(200).set_body_json(&first))
            .with_priority(1)
            .mount(self.server)
            .await;
        self.options(auth_type).await;
    }

    /// A `getOptions` that asks for `auth_type` (the user switched: its body has `"type"`)
    /// answers `auth_type` as the current verification; other `getOptions` calls keep what
    /// [`Self::options`] mounted.
    pub async fn switches_to(&self, auth_type: AuthType) {
        let wanted = serde_json::to_value(&auth_type).unwrap_or(Value::Null);
        let answer = AuthOptions::new(auth_type, available_types());
        Mock::given(method("POST"))
            .and(path(BmOp::GetOptions.path()))
            .and(move |r: &Request| {
                serde_json::from_slice::<Value>(&r.body)
                    .ok()
                    .is_some_and(|v| v.get("type") == Some(&wanted))
            })
            .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
            .with_priority(2)
            .mount(self.server)
            .await;
    }

    /// `verifyBySms` (and `verifyByCall`, `logInWithoutVerification`) log in an existing
    /// customer: `customer` with `token` as its `bmtoken`.
    pub async fn logs_in(&self, customer: &Customer, token: &str) {
        let mut customer = customer.clone();
        customer.bmtoken = Some(SecretString::from(token).into());
        customer.is_phone_verified = true;
        let set = AuthSet {
            sign_up_token: None,
            customer: Some(customer),
            in_company_profile: None,
        };
        for op in [
            BmOp::VerifyBySms,
            BmOp::VerifyByCall,
            BmOp::LogInWithoutVerification,
        ] {
            self.answer(op, &set).await;
        }
    }

    /// The verification calls find no customer: a new one signs up with `sign_up_token`.
    pub async fn needs_sign_up(&self, sign_up_token: &str) {
        let set = AuthSet {
            sign_up_token: Some(SecretString::from(sign_up_token).into()),
            customer: None,
            in_company_profile: None,
        };
        for op in [
            BmOp::VerifyBySms,
            BmOp::VerifyByCall,
            BmOp::LogInWithoutVerification,
        ] {
            self.answer(op, &set).await;
        }
    }

    /// `getCustomer` answers `customer`.
    pub async fn customer(&self, customer: &Customer) {
        self.answer(BmOp::GetCustomer, customer).await;
    }

    /// The balance: `getDashboard` (the seed's dashboard with `markParameters.marks` =
    /// `balance.available`) and `getMarksToBeDecrease` (nothing burns).
    pub async fn balance(&self, balance: &Balance) {
        let mut dash = seed_dashboard();
        dash.mark_parameters.marks = balance.available;
        dash.mark_parameters.marks_decrease = None;
        dash.mark_parameters.time_decay = None;
        self.dashboard(&dash).await;
        self.answer(BmOp::GetMarksToBeDecrease, &json!([])).await;
    }

    /// `getDashboard` answers `dashboard`.
    pub async fn dashboard(&self, dashboard: &Dashboard) {
        self.answer(BmOp::GetDashboard, dashboard).await;
    }

    /// `op` fails with `status` and a body `{"message": …}` (BonusMoney documents no error
    /// body; this is the shape the client reads first).
    pub async fn error(&self, op: BmOp, status: u16, message: &str) {
        self.mount(
            op,
            ResponseTemplate::new(status).set_body_json(json!({"message": message})),
        )
        .await;
    }

    /// `op` answers with `fault`.
    pub async fn fault(&self, op: BmOp, fault: Fault) {
        Mock::given(method("POST"))
            .and(path(op.path()))
            .respond_with(fault.response())
            .with_priority(1)
            .mount(self.server)
            .await;
    }

    /// The JSON bodies the client sent to `op`, in order.
    pub async fn requests(&self, op: BmOp) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == op.path())
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }
}
