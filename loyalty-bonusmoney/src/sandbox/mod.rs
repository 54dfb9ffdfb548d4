//! A stateful in-memory fake of the BMCard API (feature `sandbox`).
//!
//! [`BonusMoneySandbox::start`] serves the same wire format as the real API on a random free port
//! of `127.0.0.1`, seeded with demo data from the seed's examples:
//!
//! - the company of the seed's dashboard (about, styles, levels First/Silver/Gold), promotions of
//!   every message type (N-th purchase, simple, image, multiple images, coupon);
//! - [`DEMO_PHONE`] (token [`DEMO_TOKEN`]): a member with 2037 points, two purchases (one reviewed
//!   with a reply), points events, two upcoming burns and three notifications;
//! - [`PREFILL_PHONE`]: known from the cash desk but without a card, so verification returns a
//!   `signUpToken` with an `inCompanyProfile` prefill; any other phone signs up blank.
//!
//! Behaviour: SMS codes and call-passes per phone with a cool-down (`nextSendIn`), read from an
//! injected [`Clock`]; a captcha after repeated `getOptions` (answer [`CAPTCHA_ANSWER`]); sign-up
//! of new phones; `BM-API-KEY` and `TOKEN` checks (401); `setComment` once per transaction;
//! paging newest first, consistent between calls. Errors are `{"code", "message", "errors"?}`
//! with 400/401/403/404/409. Bad input never panics the server.
//!
//! The admin surface lives under `/__admin/` and only answers loopback peers:
//! `GET /__admin/last-code?phone=…`, `POST /__admin/marks {phone, amount, reason?}`,
//! `POST /__admin/purchase {phone, positions:[{name, price, quantity}], spend?, store?}`,
//! `POST /__admin/delete-customer {phone}`. The same operations are methods of the handle.

mod state;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use loyalty_core::server::{LocalServer, key_matches};
use loyalty_core::{Clock, LoyaltyError, Phone, ProviderDetail, SystemClock};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::{API_KEY_HEADER, BonusMoneyClient, TOKEN_HEADER};
use crate::models::Transaction;

use state::{ApiError, Settings, State};
pub use state::{CAPTCHA_ANSWER, DEMO_PHONE, DEMO_TOKEN, PREFILL_PHONE, PendingCodes};

/// The API key a sandbox accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "sandbox-api-key";

/// A line of a purchase added through the admin surface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SandboxLine {
    /// Product name.
    pub name: String,
    /// Price of one unit.
    pub price: Decimal,
    /// Quantity.
    pub quantity: Decimal,
}

/// A purchase to add through the admin surface: it earns points by the customer's level, may
/// spend points, and creates a `TRANSACTION` points event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SandboxPurchase {
    /// Lines.
    #[serde(default)]
    pub positions: Vec<SandboxLine>,
    /// Points to spend (capped by the balance and the level's share).
    #[serde(default)]
    pub spend: Decimal,
    /// Store id.
    #[serde(default)]
    pub store: Option<String>,
}

impl SandboxPurchase {
    /// An empty purchase.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line.
    pub fn line(mut self, name: impl Into<String>, price: Decimal, quantity: Decimal) -> Self {
        self.positions.push(SandboxLine {
            name: name.into(),
            price,
            quantity,
        });
        self
    }

    /// Spends points.
    pub fn spend(mut self, points: Decimal) -> Self {
        self.spend = points;
        self
    }
}

/// Configures a sandbox before it starts.
pub struct SandboxBuilder {
    api_key: String,
    clock: Arc<dyn Clock>,
    settings: Settings,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("api_key", &"[REDACTED]")
            .field("clock", &self.clock)
            .field("settings", &self.settings)
            .finish()
    }
}

impl SandboxBuilder {
    /// The API key the sandbox accepts (default [`DEFAULT_API_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// The clock for cool-downs, code expiry and new records (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The cool-down between two codes of one type for a phone (default 60 s).
    pub fn code_cooldown(mut self, d: std::time::Duration) -> Self {
        self.settings.cooldown = chrono::Duration::from_std(d).unwrap_or(self.settings.cooldown);
        self
    }

    /// How long a code stays valid (default 5 min).
    pub fn code_ttl(mut self, d: std::time::Duration) -> Self {
        self.settings.code_ttl = chrono::Duration::from_std(d).unwrap_or(self.settings.code_ttl);
        self
    }

    /// How many `getOptions` a phone may make before a captcha (default 3; 0 = never).
    pub fn captcha_after(mut self, n: u32) -> Self {
        self.settings.captcha_after = n;
        self
    }

    /// Points a review earns (default 12).
    pub fn review_bonus(mut self, points: Decimal) -> Self {
        self.settings.review_bonus = points;
        self
    }

    /// Points a new member gets (default 100).
    pub fn welcome_bonus(mut self, points: Decimal) -> Self {
        self.settings.welcome_bonus = points;
        self
    }

    /// Whether the company offers `NO` verification (default `true`).
    pub fn allow_no_verification(mut self, on: bool) -> Self {
        self.settings.allow_no_verification = on;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] when the port cannot be bound or the seed data does not load.
    pub async fn start(self) -> Result<BonusMoneySandbox, LoyaltyError> {
        let state = State::new(self.clock, self.settings).map_err(LoyaltyError::Config)?;
        let shared = Arc::new(Shared {
            api_key: self.api_key.clone(),
            state: Mutex::new(state),
        });
        let server = LocalServer::start(router(shared.clone()), "BonusMoney sandbox")
            .await
            .map_err(|e| LoyaltyError::Config(format!("cannot bind the sandbox port: {e}")))?;
        Ok(BonusMoneySandbox {
            base_url: server.base_url(),
            api_key: SecretString::from(self.api_key),
            shared,
            server,
        })
    }
}

struct Shared {
    api_key: String,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running sandbox. Shuts down when dropped or on [`BonusMoneySandbox::shutdown`].
pub struct BonusMoneySandbox {
    base_url: String,
    api_key: SecretString,
    shared: Arc<Shared>,
    server: LocalServer,
}

impl fmt::Debug for BonusMoneySandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BonusMoneySandbox")
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

fn to_error(e: ApiError) -> LoyaltyError {
    let mut detail = ProviderDetail::message(e.message()).with_status(e.status);
    detail.code = e
        .body
        .get("code")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned);
    match e.status {
        404 => LoyaltyError::NotFound { detail },
        _ => LoyaltyError::InvalidInput {
            fields: vec![loyalty_core::FieldError::new("", e.message())],
            detail: Some(detail),
        },
    }
}

impl BonusMoneySandbox {
    /// A sandbox with the defaults ([`DEFAULT_API_KEY`], system clock, 60 s cool-down).
    ///
    /// # Errors
    /// As [`SandboxBuilder::start`].
    pub async fn start() -> Result<Self, LoyaltyError> {
        Self::builder().start().await
    }

    /// A builder.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            api_key: DEFAULT_API_KEY.to_owned(),
            clock: Arc::new(SystemClock),
            settings: Settings {
                cooldown: chrono::Duration::seconds(60),
                code_ttl: chrono::Duration::minutes(5),
                captcha_after: 3,
                review_bonus: Decimal::from(12),
                welcome_bonus: Decimal::from(100),
                allow_no_verification: true,
            },
        }
    }

    /// The base URL (`http://127.0.0.1:PORT/`) to give the client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The admin surface's base URL.
    pub fn admin_url(&self) -> String {
        format!("{}__admin/", self.base_url)
    }

    /// The API key the sandbox accepts.
    pub fn api_key(&self) -> &SecretString {
        &self.api_key
    }

    /// A client pointed at this sandbox.
    ///
    /// # Errors
    /// As [`crate::BonusMoneyClientBuilder::build`].
    pub fn client(&self) -> Result<BonusMoneyClient, LoyaltyError> {
        BonusMoneyClient::builder(self.api_key.clone())
            .base_url(self.base_url.clone())
            .build()
    }

    /// The pending SMS code, call-pass number and captcha answer of a phone.
    pub fn pending_codes(&self, phone: &Phone) -> Option<PendingCodes> {
        self.shared.lock().pending_codes(phone.e164()).ok()
    }

    /// The last SMS code sent to a phone (a [`Phone`], or text in any form the API accepts).
    pub fn last_code<'a>(&self, phone: impl Into<loyalty_core::PhoneArg<'a>>) -> Option<String> {
        let key = phone.into().key(|p| p.e164().to_owned());
        self.shared
            .lock()
            .pending_codes(&key)
            .ok()
            .and_then(|p| p.code)
    }

    /// Adds (or, negative, removes) points with an `EVENT` points event; returns the balance.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown customer, [`LoyaltyError::InvalidInput`] for an
    /// amount out of range.
    pub fn add_marks(
        &self,
        phone: &Phone,
        amount: Decimal,
        reason: &str,
    ) -> Result<Decimal, LoyaltyError> {
        self.shared
            .lock()
            .add_marks(phone.e164(), amount, reason)
            .map_err(to_error)
    }

    /// Adds a purchase (and its `TRANSACTION` points event); returns the transaction.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown customer, [`LoyaltyError::InvalidInput`] for
    /// bad lines.
    pub fn add_purchase(
        &self,
        phone: &Phone,
        purchase: &SandboxPurchase,
    ) -> Result<Transaction, LoyaltyError> {
        self.shared
            .lock()
            .add_purchase(phone.e164(), purchase)
            .map_err(to_error)
    }

    /// Deletes a customer (their token stops working). `false` when there was none.
    pub fn delete_customer(&self, phone: &Phone) -> bool {
        self.shared
            .lock()
            .delete_customer(phone.e164())
            .unwrap_or(false)
    }

    /// Stops serving and waits for the server task.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

// ---- HTTP ----

type App = Arc<Shared>;

fn router(app: App) -> Router {
    Router::new()
        .route("/mobileapp/{group}/{op}", post(api))
        .route("/__admin/last-code", get(admin_last_code))
        .route("/__admin/marks", post(admin_marks))
        .route("/__admin/purchase", post(admin_purchase))
        .route("/__admin/delete-customer", post(admin_delete))
        .fallback(not_found)
        .with_state(app)
}

async fn not_found() -> Response {
    error(ApiError::new(404, "Нет такого метода"))
}

/// The seed's spellings where its examples use them: a review (the object with `isShown`)
/// writes its rating as `start` and its text as `comment`; `dashboard` writes the transaction of
/// a `transactions[]` item and of `comment` as `transactionEvent`.
fn seed_spellings(v: &mut serde_json::Value, dashboard: bool) {
    use serde_json::Value;
    match v {
        Value::Object(m) => {
            if m.contains_key("isShown") {
                for (ours, seed) in [("star", "start"), ("text", "comment")] {
                    if let Some(x) = m.remove(ours) {
                        m.insert(seed.to_owned(), x);
                    }
                }
            }
            if dashboard {
                let rename = |item: &mut Value| {
                    if let Value::Object(t) = item {
                        if let Some(x) = t.remove("transaction") {
                            t.insert("transactionEvent".to_owned(), x);
                        }
                    }
                };
                if let Some(Value::Array(a)) = m.get_mut("transactions") {
                    a.iter_mut().for_each(rename);
                }
                if let Some(c) = m.get_mut("comment") {
                    rename(c);
                }
            }
            for x in m.values_mut() {
                seed_spellings(x, false);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| seed_spellings(x, false)),
        _ => {}
    }
}

/// [`reply`] written with the seed's spellings ([`seed_spellings`]).
fn reply_seed<T: Serialize>(r: Result<T, ApiError>, dashboard: bool) -> Response {
    match r.map(|v| serde_json::to_value(&v)) {
        Ok(Ok(mut v)) => {
            seed_spellings(&mut v, dashboard);
            ok(&v)
        }
        Ok(Err(e)) => error(ApiError::new(500, &e.to_string())),
        Err(e) => error(e),
    }
}

fn ok<T: Serialize>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => error(ApiError::new(500, &e.to_string())),
    }
}

fn error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&e.body).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn reply<T: Serialize>(r: Result<T, ApiError>) -> Response {
    match r {
        Ok(v) => ok(&v),
        Err(e) => error(e),
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn api(
    AxState(app): AxState<App>,
    Path((group, op)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !key_matches(header_str(&headers, API_KEY_HEADER), &app.api_key) {
        return error(ApiError::new(401, "Неверный BM-API-KEY"));
    }
    let mut st = app.lock();
    match group.as_str() {
        "auth" => match op.as_str() {
            "getOptions" => reply(st.get_options(&body)),
            "verifyBySms" => reply(st.verify_by_sms(&body)),
            "verifyByCall" => reply(st.verify_by_call(&body)),
            "logInWithoutVerification" => reply(st.log_in_without_verification(&body)),
            "signUp" => reply(st.sign_up(&body)),
            _ => error(ApiError::new(404, "Нет такого метода")),
        },
        "card_v2" => {
            let key = match st.account_key(header_str(&headers, TOKEN_HEADER)) {
                Ok(k) => k,
                Err(e) => return error(e),
            };
            match op.as_str() {
                "getDashboard" => reply_seed(st.dashboard(&key), true),
                "getAbout" => reply(st.about(&key)),
                "getCustomer" => reply(st.customer(&key)),
                "updateCustomer" => reply(st.update_customer(&key, &body)),
                "getLevels" => reply(st.levels(&key)),
                "getMarksHistory" => reply_seed(st.marks_history(&key, &body), false),
                "getMarksToBeDecrease" => reply(st.marks_to_be_decrease(&key, &body)),
                "getTransactions" => reply_seed(st.transactions(&key, &body), false),
                "getTransaction" => reply_seed(st.transaction(&key, &body), false),
                "getComments" => reply_seed(st.comments(&key, &body), false),
                "setComment" => reply_seed(st.set_comment(&key, &body), false),
                "getStocks" => reply(st.stocks(&key)),
                "getNotifications" => reply(st.notifications(&key, &body)),
                _ => error(ApiError::new(404, "Нет такого метода")),
            }
        }
        _ => error(ApiError::new(404, "Нет такого метода")),
    }
}

fn loopback_only(peer: SocketAddr) -> Option<Response> {
    (!peer.ip().is_loopback()).then(|| {
        error(ApiError::new(
            403,
            "the admin surface answers loopback only",
        ))
    })
}

#[derive(Deserialize)]
struct PhoneQuery {
    #[serde(default)]
    phone: String,
}

async fn admin_last_code(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<PhoneQuery>,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    reply(app.lock().pending_codes(&query.phone))
}

fn parse_admin<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(400, &format!("the request body is not valid: {e}")))
}

async fn admin_marks(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Body {
        phone: String,
        #[serde(deserialize_with = "loyalty_core::de::decimal")]
        amount: Decimal,
        #[serde(default)]
        reason: Option<String>,
    }
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    let r = parse_admin::<Body>(&body).and_then(|b| {
        app.lock()
            .add_marks(
                &b.phone,
                b.amount,
                b.reason.as_deref().unwrap_or("Начисление"),
            )
            .map(|m| json!({ "marks": crate::wire::DecimalNumber(m) }))
    });
    reply(r)
}

async fn admin_purchase(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Body {
        phone: String,
        #[serde(flatten)]
        purchase: SandboxPurchase,
    }
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    let r = parse_admin::<Body>(&body).and_then(|b| app.lock().add_purchase(&b.phone, &b.purchase));
    reply(r)
}

async fn admin_delete(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Body {
        phone: String,
    }
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    let r = parse_admin::<Body>(&body)
        .and_then(|b| app.lock().delete_customer(&b.phone))
        .map(|deleted| json!({ "deleted": deleted }));
    reply(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_surface_refuses_other_peers() {
        let remote: SocketAddr = ([10, 0, 0, 7], 4000).into();
        let r = loopback_only(remote).map(|r| r.status());
        assert_eq!(r, Some(StatusCode::FORBIDDEN));
        assert!(loopback_only(([127, 0, 0, 1], 4000).into()).is_none());
        assert!(loopback_only(SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 1))).is_none());
    }

    #[test]
    fn the_api_key_compare_is_exact() {
        assert!(key_matches(Some("abc"), "abc"));
        assert!(key_matches(Some(" abc "), "abc"));
        assert!(!key_matches(Some("abd"), "abc"));
        assert!(!key_matches(Some("ab"), "abc"));
        assert!(!key_matches(None, "abc"));
    }
}
