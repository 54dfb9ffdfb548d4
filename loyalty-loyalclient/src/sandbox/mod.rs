//! A stateful in-memory fake of the LoyalClient integration API (feature `sandbox`).
//!
//! [`LoyalClientSandbox::start`] serves the five calls with the same wire format and the same
//! 422 `{field: message}` errors on a random free port of `127.0.0.1`, seeded with:
//!
//! - points [`DEMO_POINT`] and [`OTHER_POINT`];
//! - [`CASHBACK_CLIENT_ID`] "Анна": cash-back level "Бонусы" 5 %, up to 30 % of a receipt payable
//!   with bonuses, 500 bonuses, phone [`CASHBACK_PHONE`], card [`CASHBACK_CARD`], app code
//!   [`CASHBACK_APP_CODE`];
//! - [`DISCOUNT_CLIENT_ID`] "Борис": discount level "Скидка" 10 %, phone [`DISCOUNT_PHONE`].
//!
//! Behaviour: search by phone digits (an `8…` prefix reads as `7…`), card or app code; holds that
//! expire after their duration on the injected [`Clock`]; the balance shown and spendable is the
//! balance minus active holds, except the holds the request lists; a new hold or sale at a point
//! drops the holds made there before; `retail` spends (capped by the level's share and the
//! balance: `{"spend": "Spend can't be more N"}`) or earns and changes the balance; `release` of
//! an unknown hold succeeds. A wrong `apikey` gets 422 `{"apikey": "…"}`, the spec's one documented error
//! form (ASSUMED: the spec documents no answer for a bad key). Bad bodies give 422, never a panic.
//!
//! The admin surface lives under `/__admin/` and only answers loopback peers:
//! `POST /__admin/clients` (a [`SandboxClient`]), `POST /__admin/balance {client, balance}`,
//! `GET /__admin/operations`, `GET /__admin/holds`. The same operations are methods of the handle.

mod state;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State as AxState};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use loyalty_core::server::{LocalServer, key_matches};
use loyalty_core::{Clock, LoyaltyError, ProviderDetail, SystemClock};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::client::{
    API_KEY_HEADER, CLIENT_PATH, HOLD_PATH, LoyalClient, RECALC_PATH, RELEASE_PATH, RETAIL_PATH,
};
use crate::types::{ClientProfile, Hold};

use state::{ApiError, State};
pub use state::{
    CASHBACK_APP_CODE, CASHBACK_CARD, CASHBACK_CLIENT_ID, CASHBACK_PHONE, DEMO_POINT,
    DISCOUNT_CLIENT_ID, DISCOUNT_PHONE, OTHER_POINT, SandboxClient, SandboxOperation,
};

/// The API key a sandbox accepts unless told otherwise.
pub const DEFAULT_API_KEY: &str = "sandbox-api-key";

/// Configures a sandbox before it starts.
pub struct SandboxBuilder {
    api_key: String,
    clock: Arc<dyn Clock>,
    seed: bool,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("api_key", &"[REDACTED]")
            .field("clock", &self.clock)
            .field("seed", &self.seed)
            .finish()
    }
}

impl SandboxBuilder {
    /// The API key the sandbox accepts (default [`DEFAULT_API_KEY`]).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = key.into();
        self
    }

    /// The clock holds expire on (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Whether to load the demo clients (default `true`; the points exist either way).
    pub fn demo_data(mut self, on: bool) -> Self {
        self.seed = on;
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] when the port cannot be bound.
    pub async fn start(self) -> Result<LoyalClientSandbox, LoyaltyError> {
        let shared = Arc::new(Shared {
            api_key: self.api_key.clone(),
            state: Mutex::new(State::new(self.clock, self.seed)),
        });
        let server = LocalServer::start(router(shared.clone()), "LoyalClient sandbox")
            .await
            .map_err(|e| LoyaltyError::Config(format!("cannot bind the sandbox port: {e}")))?;
        Ok(LoyalClientSandbox {
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

/// A running sandbox. Shuts down when dropped or on [`LoyalClientSandbox::shutdown`].
pub struct LoyalClientSandbox {
    base_url: String,
    api_key: SecretString,
    shared: Arc<Shared>,
    server: LocalServer,
}

impl fmt::Debug for LoyalClientSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoyalClientSandbox")
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}

fn to_error(e: &ApiError) -> LoyaltyError {
    let fields = e.fields();
    if let Some(f) = fields.iter().find(|f| f.field == "client") {
        return LoyaltyError::NotFound {
            detail: ProviderDetail::new("client", f.message.clone()).with_status(e.status),
        };
    }
    LoyaltyError::InvalidInput {
        fields,
        detail: Some(ProviderDetail::message(e.body.to_string()).with_status(e.status)),
    }
}

impl LoyalClientSandbox {
    /// A sandbox with the defaults ([`DEFAULT_API_KEY`], system clock, demo data).
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
            seed: true,
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

    /// A client pointed at this sandbox, with [`DEMO_POINT`] as its default point.
    ///
    /// # Errors
    /// As [`crate::LoyalClientBuilder::build`].
    pub fn client(&self) -> Result<LoyalClient, LoyaltyError> {
        LoyalClient::builder(self.base_url.clone(), self.api_key.clone())
            .point(DEMO_POINT)
            .build()
    }

    /// Adds a client; returns it as `client` would show it.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for a taken id or a negative balance.
    pub fn add_client(&self, client: SandboxClient) -> Result<ClientProfile, LoyaltyError> {
        self.shared
            .lock()
            .add_client(client)
            .map_err(|e| to_error(&e))
    }

    /// Sets a cash-back client's bonus balance.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown client, [`LoyaltyError::InvalidInput`] for a
    /// negative balance or a discount client.
    pub fn set_balance(&self, client_id: &str, balance: Decimal) -> Result<(), LoyaltyError> {
        self.shared
            .lock()
            .set_balance(client_id, balance)
            .map(|_| ())
            .map_err(|e| to_error(&e))
    }

    /// A client's stored balance (active holds not subtracted), if the client exists.
    pub fn balance(&self, client_id: &str) -> Option<Decimal> {
        self.shared.lock().balance(client_id)
    }

    /// Adds a sales point.
    pub fn add_point(&self, point: &str) {
        self.shared.lock().add_point(point);
    }

    /// The sales made so far, oldest first.
    pub fn operations(&self) -> Vec<SandboxOperation> {
        self.shared.lock().operations()
    }

    /// The holds alive now (expired ones dropped).
    pub fn holds(&self) -> Vec<Hold> {
        self.shared.lock().active_holds()
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
        .route(&format!("/{CLIENT_PATH}"), post(find))
        .route(&format!("/{RECALC_PATH}"), post(recalc))
        .route(&format!("/{HOLD_PATH}"), post(hold))
        .route(&format!("/{RELEASE_PATH}"), post(release))
        .route(&format!("/{RETAIL_PATH}"), post(retail))
        .route("/__admin/clients", post(admin_add_client))
        .route("/__admin/balance", post(admin_balance))
        .route("/__admin/operations", get(admin_operations))
        .route("/__admin/holds", get(admin_holds))
        .fallback(not_found)
        .with_state(app)
}

async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"success": false, "message": "Not found."}),
    )
}

fn json_response<T: Serialize>(status: StatusCode, value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn error(e: &ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(status, &e.body)
}

/// `{"success": true, key: value}`, or the error.
fn reply<T: Serialize>(key: Option<&str>, r: Result<T, ApiError>) -> Response {
    match r {
        Ok(v) => {
            let mut body = serde_json::Map::new();
            body.insert("success".into(), json!(true));
            if let Some(key) = key {
                match serde_json::to_value(&v) {
                    Ok(v) => {
                        body.insert(key.into(), v);
                    }
                    Err(e) => {
                        return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response();
                    }
                }
            }
            json_response(StatusCode::OK, &body)
        }
        Err(e) => error(&e),
    }
}

fn authorized(app: &App, headers: &HeaderMap) -> Option<Response> {
    let given = headers.get(API_KEY_HEADER).and_then(|v| v.to_str().ok());
    (!key_matches(given, &app.api_key)).then(|| {
        // The spec's only error form: 422 with `{field: message}`.
        json_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"apikey": "Invalid api key."}),
        )
    })
}

async fn find(AxState(app): AxState<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = authorized(&app, &headers) {
        return r;
    }
    let r = app.lock().find(&body);
    reply(Some("client"), r)
}

async fn recalc(AxState(app): AxState<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = authorized(&app, &headers) {
        return r;
    }
    let r = app.lock().recalc(&body);
    reply(Some("recalc"), r)
}

async fn hold(AxState(app): AxState<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = authorized(&app, &headers) {
        return r;
    }
    let r = app.lock().hold(&body);
    reply(Some("held"), r)
}

async fn release(AxState(app): AxState<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = authorized(&app, &headers) {
        return r;
    }
    let r = app.lock().release(&body);
    reply(None, r)
}

async fn retail(AxState(app): AxState<App>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = authorized(&app, &headers) {
        return r;
    }
    let r = app.lock().retail(&body);
    reply(Some("retail"), r)
}

fn loopback_only(peer: SocketAddr) -> Option<Response> {
    (!peer.ip().is_loopback()).then(|| {
        json_response(
            StatusCode::FORBIDDEN,
            &json!({"success": false, "message": "the admin surface answers loopback only"}),
        )
    })
}

fn parse_admin<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::field("body", &format!("The request body is not valid: {e}")))
}

async fn admin_add_client(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    let r = parse_admin::<SandboxClient>(&body).and_then(|c| app.lock().add_client(c));
    reply(Some("client"), r)
}

async fn admin_balance(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Body {
        client: String,
        #[serde(deserialize_with = "loyalty_core::de::decimal")]
        balance: Decimal,
    }
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    let r = parse_admin::<Body>(&body)
        .and_then(|b| app.lock().set_balance(&b.client, b.balance))
        .map(|b| json!({ "balance": b }));
    reply(Some("data"), r)
}

async fn admin_operations(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    reply(Some("operations"), Ok(app.lock().operations()))
}

async fn admin_holds(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    reply(Some("holds"), Ok(app.lock().active_holds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_admin_surface_refuses_other_peers() {
        let remote: SocketAddr = ([10, 0, 0, 7], 4000).into();
        assert_eq!(
            loopback_only(remote).map(|r| r.status()),
            Some(StatusCode::FORBIDDEN)
        );
        assert!(loopback_only(([127, 0, 0, 1], 4000).into()).is_none());
    }

    #[test]
    fn the_api_key_compare_is_exact() {
        assert!(key_matches(Some("abc"), "abc"));
        assert!(!key_matches(Some("abd"), "abc"));
        assert!(!key_matches(Some("ab"), "abc"));
        assert!(!key_matches(None, "abc"));
    }
}
