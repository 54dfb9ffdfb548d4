//! A test kit (feature `mock`): one-line answers of the ERGO CLUB mobile API on a
//! [`wiremock::MockServer`], in ERGO's exact wire shape (seed 004: every call is
//! `POST /api/mobile/` with `"method"` in the JSON body or the multipart form; errors are HTTP 200
//! with `{"methodresponse", "error": {"code", "comment"}}`).
//!
//! ```no_run
//! # async fn demo() -> Result<(), loyalty_core::LoyaltyError> {
//! use loyalty_core::{Balance, Decimal, Phone};
//! use loyalty_ergo::mock::{ErgoCode, ErgoMock};
//!
//! let server = wiremock::MockServer::start().await;
//! let ergo = ErgoMock::new(&server);
//! ergo.get_token_ok("0ce330a1b1a02fa4592532b2aa12e5de").await;
//! ergo.balance(&Balance::new(Decimal::from(1250))).await;
//! ergo.post_sn_fails(ErgoCode::AlreadyRegistered).await;
//! let client = ergo.client(); // an ErgoClient pointed at the fake
//! # let _ = client; Ok(()) }
//! ```
//!
//! Every answer is checked against this crate's own client in `tests/it/mock_kit.rs`.

use std::time::Duration;

use chrono::NaiveDate;
use loyalty_core::{Balance, Customer, RetryPolicy};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

pub use loyalty_core::mock::Fault;

use crate::{API_PATH, ErgoClient, ErgoClientBuilder, ErgoMethod};

/// An ERGO error as the seed writes it: the code and its usual comment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErgoCode {
    /// Code 1 outside the log-in: `"the session was expired"`.
    SessionExpired,
    /// Code 2 outside the log-in: `"the session is incorrect"`.
    SessionIncorrect,
    /// Code 3: `"user is not active"`.
    UserNotActive,
    /// Code 1 of `GetAuthCode`/`GetToken`: `"incorrect phone"`.
    PhoneUnknown,
    /// Code 2 of `GetAuthCode`: the code was already sent.
    CodeAlreadySent,
    /// Code 2 of `GetToken`: `"incorrect code"`.
    WrongCode,
    /// Code 16 of `PostSN`/`PostSNModel`: `"Серийный номер 123123 уже зарегистрирован"`.
    AlreadyRegistered,
    /// Code 16 with `"… не принимает участия в акции"`.
    NotInAction,
    /// Code 15 of `PostSNModel`: `"Необходимо приложить фото"`.
    PhotoRequired,
    /// Any code and comment.
    Other(i64, String),
}

impl ErgoCode {
    /// The `code` and `comment` ERGO sends.
    pub fn code_and_comment(&self) -> (i64, String) {
        let (code, comment) = match self {
            Self::SessionExpired => (1, "the session was expired"),
            Self::SessionIncorrect => (2, "the session is incorrect"),
            Self::UserNotActive => (3, "user is not active"),
            Self::PhoneUnknown => (1, "incorrect phone"),
            Self::CodeAlreadySent => (2, "the code has already been sent"),
            Self::WrongCode => (2, "incorrect code"),
            Self::AlreadyRegistered => (16, "Серийный номер 123123 уже зарегистрирован"),
            Self::NotInAction => (16, "Серийный номер 123123 не принимает участия в акции"),
            Self::PhotoRequired => (15, "Необходимо приложить фото"),
            Self::Other(code, comment) => return (*code, comment.clone()),
        };
        (code, comment.to_owned())
    }
}

/// `GetBalanceInfo` in ERGO's own terms (every sum of the answer). `Default` is all zeros.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BalanceAnswer {
    /// `bonus`: the money on the balance.
    pub bonus: Decimal,
    /// `points`.
    pub points: Decimal,
    /// `registration_to_balance`.
    pub registration_to_balance: Decimal,
    /// `registration_for_test`.
    pub registration_for_test: Decimal,
    /// `registration_for_confirmation`.
    pub registration_for_confirmation: Decimal,
    /// `registration_rejected`.
    pub registration_rejected: Decimal,
    /// `registration_all`.
    pub registration_all: Decimal,
    /// `to_payoff[]`: date, sum, who and how.
    pub payoffs: Vec<(NaiveDate, Decimal, String)>,
}

impl From<&Balance> for BalanceAnswer {
    /// `available` → `bonus`, `pending` → `registration_for_confirmation` (the provider adds
    /// the three not-yet-on-balance sums into `pending`).
    fn from(b: &Balance) -> Self {
        Self {
            bonus: b.available,
            registration_for_confirmation: b.pending,
            registration_all: b.available + b.pending,
            ..Self::default()
        }
    }
}

/// A number as ERGO writes it: an integer when whole, else a decimal number.
fn num(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0 {
        if let Ok(i) = i64::try_from(d.mantissa()) {
            return Value::from(i);
        }
    }
    serde_json::from_str(&d.to_string()).unwrap_or_else(|_| Value::from(d.to_string()))
}

/// Matches a call of `method` (`"method"` in the JSON body or the multipart form).
pub fn ergo_method(m: ErgoMethod) -> impl Match + use<> {
    let name = m.as_str();
    move |r: &Request| {
        r.method.as_str() == "POST"
            && r.url.path().ends_with(API_PATH)
            && (serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v.get("method").and_then(Value::as_str).map(str::to_owned))
                .is_some_and(|n| n.trim() == name)
                || multipart_field(&r.body, "method").is_some_and(|n| n.trim() == name))
    }
}

/// Matches a call carrying `session` (JSON `"session"` or the multipart field).
pub fn with_session(session: &str) -> impl Match + use<> {
    let session = session.to_owned();
    move |r: &Request| {
        serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| v.get("session").and_then(Value::as_str).map(str::to_owned))
            .or_else(|| multipart_field(&r.body, "session"))
            .is_some_and(|s| s == session)
    }
}

pub use loyalty_core::mock::body_has_keys;

/// The text of a multipart form field `name` in `body`, if any.
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let marker = format!("name=\"{name}\"");
    let start = text.find(&marker)? + marker.len();
    let rest = &text[start..];
    let value_start = rest.find("\r\n\r\n")? + 4;
    let value = &rest[value_start..];
    let end = value.find("\r\n--")?;
    Some(value[..end].to_owned())
}

/// A fake ERGO CLUB API on a [`MockServer`]: each helper mounts one answer.
pub struct ErgoMock<'a> {
    server: &'a MockServer,
}

impl<'a> ErgoMock<'a> {
    /// A kit on `server` (mounts nothing yet).
    pub fn new(server: &'a MockServer) -> Self {
        Self { server }
    }

    /// A client builder pointed at the fake: 1 s timeout, one attempt (so fault tests are quick
    /// and count requests exactly).
    pub fn client_builder(&self) -> ErgoClientBuilder {
        ErgoClient::builder()
            .base_url(self.server.uri())
            .timeout(Duration::from_secs(1))
            .retry(RetryPolicy::none())
    }

    /// A client pointed at the fake (see [`ErgoMock::client_builder`]).
    ///
    /// # Panics
    /// Never: the mock server's URL is a valid base URL.
    pub fn client(&self) -> ErgoClient {
        #[allow(clippy::expect_used)]
        self.client_builder()
            .build()
            .expect("the mock server URL is valid")
    }

    /// Mounts `body` (plus `"methodresponse"`) as the answer to `m`.
    pub async fn answer(&self, m: ErgoMethod, body: Value) {
        let mut obj = Map::new();
        obj.insert("methodresponse".into(), m.as_str().into());
        if let Value::Object(rest) = body {
            obj.extend(rest);
        }
        self.mount(
            m,
            ResponseTemplate::new(200).set_body_json(Value::Object(obj)),
        )
        .await;
    }

    async fn mount(&self, m: ErgoMethod, template: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path(format!("/{API_PATH}")))
            .and(ergo_method(m))
            .respond_with(template)
            .mount(self.server)
            .await;
    }

    /// `GetAuthCode` succeeds (`result: 1`, "the code was sent").
    pub async fn get_auth_code_ok(&self) {
        self.answer(
            ErgoMethod::GetAuthCode,
            json!({"result": 1, "comment": "Код надіслано на вказаний номер телефону"}),
        )
        .await;
    }

    /// `GetToken` succeeds with this session, for the seed's user (phone `380889993366`).
    pub async fn get_token_ok(&self, session: &str) {
        self.answer(
            ErgoMethod::GetToken,
            json!({"session": session, "active": 1, "user_name": "Test",
                "user_lastname": "Testuvalniy", "user_surname": "Testovich",
                "user_phone": "380889993366", "user_email": "test@email.net"}),
        )
        .await;
    }

    /// `GetProfile` answers `customer` (names, phone as 12 digits, e-mail), no trade points.
    pub async fn profile(&self, customer: &Customer) {
        let phone = customer.phone.as_ref().map(|p| p.digits().to_owned());
        self.answer(
            ErgoMethod::GetProfile,
            json!({"active": 1, "user_name": customer.first_name.clone().unwrap_or_default(),
                "user_lastname": customer.last_name.clone().unwrap_or_default(),
                "user_surname": customer.patronymic.clone().unwrap_or_default(),
                "user_phone": phone.unwrap_or_default(),
                "user_email": customer.email.clone().unwrap_or_default(),
                "trade_points": []}),
        )
        .await;
    }

    /// `GetBalanceInfo` answers `balance` (see [`BalanceAnswer`]'s `From<&Balance>`).
    pub async fn balance(&self, balance: &Balance) {
        self.balance_info(&BalanceAnswer::from(balance)).await;
    }

    /// `GetBalanceInfo` answers every ERGO sum and payoff as given.
    pub async fn balance_info(&self, b: &BalanceAnswer) {
        let payoffs: Vec<Value> = b
            .payoffs
            .iter()
            .map(|(date, sum, get)| {
                json!({"to_payoff_date": date.format("%Y-%m-%d").to_string(),
                    "to_payoff_bonus": num(*sum), "to_payoff_get": get})
            })
            .collect();
        self.answer(
            ErgoMethod::GetBalanceInfo,
            json!({"active": 1, "bonus": num(b.bonus), "points": num(b.points),
                "registration_to_balance": num(b.registration_to_balance),
                "registration_for_test": num(b.registration_for_test),
                "registration_for_confirmation": num(b.registration_for_confirmation),
                "registration_rejected": num(b.registration_rejected),
                "registration_all": num(b.registration_all),
                "to_payoff": payoffs}),
        )
        .await;
    }

    /// `PostSN` registers the serial (`result: 1`).
    pub async fn post_sn_ok(&self, action_id: u64, model_id: u64, serial: &str) {
        self.answer(
            ErgoMethod::PostSN,
            json!({"result": 1, "active": 1, "action_id": action_id, "model_id": model_id,
                "serial": serial}),
        )
        .await;
    }

    /// `PostSN` asks for the full registration (`result: 2`, "model must be specified").
    pub async fn post_sn_needs_model(&self, action_id: u64, model_id: u64, serial: &str) {
        self.answer(
            ErgoMethod::PostSN,
            json!({"result": 2, "active": 1, "action_id": action_id, "model_id": model_id,
                "serial": serial, "comment": "model must be specified"}),
        )
        .await;
    }

    /// `PostSN` fails with `code`.
    pub async fn post_sn_fails(&self, code: ErgoCode) {
        self.fails(ErgoMethod::PostSN, code).await;
    }

    /// `m` fails with `code`: HTTP 200, `{"methodresponse", "error": {"code", "comment"}}`.
    pub async fn fails(&self, m: ErgoMethod, code: ErgoCode) {
        let (code, comment) = code.code_and_comment();
        self.answer(m, json!({"error": {"code": code, "comment": comment}}))
            .await;
    }

    /// `m` answers with `fault`. A [`Fault::Delay`] answers ERGO's own success-less body late.
    pub async fn fault(&self, m: ErgoMethod, fault: Fault) {
        self.mount(m, fault.response()).await;
    }

    /// Every request the client made for `m`, as JSON bodies (multipart calls: their text
    /// fields as an object).
    pub async fn requests(&self, m: ErgoMethod) -> Vec<Value> {
        let matcher = ergo_method(m);
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| matcher.matches(r))
            .map(|r| {
                serde_json::from_slice(&r.body).unwrap_or_else(|_| {
                    let mut obj = Map::new();
                    for key in ["method", "session", "action_id", "model_id", "date", "sn"] {
                        if let Some(v) = multipart_field(&r.body, key) {
                            obj.insert(key.into(), v.into());
                        }
                    }
                    Value::Object(obj)
                })
            })
            .collect()
    }
}
