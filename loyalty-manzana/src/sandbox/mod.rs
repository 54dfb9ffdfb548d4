//! The "test cabinet": a stateful in-memory fake of the three office services (feature `sandbox`).
//!
//! [`ManzanaSandbox::start`] serves `/CustomerOfficeService/…`, `/ManagerOfficeService/…` and
//! `/AdministratorOfficeService/…` on one random port of `127.0.0.1`, with the wire conventions of
//! the real services: quoted GET parameters, POST bodies in form A or B, `{"value": …}` wrappers,
//! bare entities, and `odata.error` bodies for errors.
//!
//! Seed: the partner [`PARTNER_ID`]; [`DEMO_PHONE`] (Анна Иванова) with two cards, a coupon,
//! three cheques with lines and bonus records; [`NO_CARDS_PHONE`] without cards or cheques; the
//! manager [`MANAGER_LOGIN`]/[`MANAGER_PASSWORD`] and the admin session [`ADMIN_SESSION`].
//!
//! Behaviour: SMS codes per phone (read them with [`ManzanaSandbox::last_code`]), sessions that
//! expire after a TTL on an injected [`Clock`] (401 with an `odata.error`), registration that
//! rejects a known phone, profile updates that persist, a balance that is the sum of the bonus
//! records.
//!
//! The admin surface lives under `/__admin/` and only answers loopback peers:
//! `GET /__admin/last-code?phone=+7…`, `POST /__admin/cheque {contactId, lines:[{name, price,
//! quantity, discount?}], bonus_spent?, store?}`, `POST /__admin/bonus {contactId, amount, rule?}`
//! (negative removes), `POST /__admin/delete-contact {contactId}`, `POST /__admin/expire-sessions`,
//! `GET /__admin/contacts` and `GET /__admin/registrations` (the pending ones).
//! The same operations are methods of the handle.

mod state;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Query, State as AxState};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use loyalty_core::server::LocalServer;
use loyalty_core::{Clock, LoyaltyError, ProviderDetail, SystemClock};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::client::ManzanaClient;
pub use state::{
    ADMIN_SESSION, DEMO_PHONE, MANAGER_LOGIN, MANAGER_PASSWORD, NO_CARDS_PHONE, PARTNER_ID,
    PendingRegistration, SandboxCheque, SandboxLine,
};
use state::{ApiError, Params, State};

/// Configures a sandbox before it starts.
pub struct SandboxBuilder {
    clock: Arc<dyn Clock>,
    session_ttl: chrono::Duration,
}

impl fmt::Debug for SandboxBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxBuilder")
            .field("session_ttl", &self.session_ttl)
            .finish_non_exhaustive()
    }
}

impl SandboxBuilder {
    /// The clock for session expiry and new records (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long sessions live (default 30 min).
    pub fn session_ttl(mut self, d: std::time::Duration) -> Self {
        self.session_ttl = chrono::Duration::from_std(d).unwrap_or(self.session_ttl);
        self
    }

    /// Binds `127.0.0.1:0` and starts serving.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] when the port cannot be bound.
    pub async fn start(self) -> Result<ManzanaSandbox, LoyaltyError> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(self.clock, self.session_ttl)),
        });
        let server = LocalServer::start(router(shared.clone()), "Manzana sandbox")
            .await
            .map_err(|e| LoyaltyError::Config(format!("cannot bind the sandbox port: {e}")))?;
        Ok(ManzanaSandbox {
            base_url: server.base_url(),
            shared,
            server,
        })
    }
}

struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running sandbox. Shuts down when dropped or on [`ManzanaSandbox::shutdown`].
pub struct ManzanaSandbox {
    base_url: String,
    shared: Arc<Shared>,
    server: LocalServer,
}

impl fmt::Debug for ManzanaSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManzanaSandbox")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

fn to_error(e: ApiError) -> LoyaltyError {
    let mut detail = ProviderDetail::message(e.message).with_status(e.status);
    detail.code = Some(e.code);
    match e.status {
        404 => LoyaltyError::NotFound { detail },
        _ => LoyaltyError::Provider { detail },
    }
}

impl ManzanaSandbox {
    /// A sandbox with the defaults (system clock, 30 min sessions).
    ///
    /// # Errors
    /// As [`SandboxBuilder::start`].
    pub async fn start() -> Result<Self, LoyaltyError> {
        Self::builder().start().await
    }

    /// A builder.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            clock: Arc::new(SystemClock),
            session_ttl: chrono::Duration::minutes(30),
        }
    }

    /// The server root (`http://127.0.0.1:PORT/`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// `…/CustomerOfficeService`.
    pub fn customer_url(&self) -> String {
        format!("{}CustomerOfficeService", self.base_url)
    }

    /// `…/ManagerOfficeService`.
    pub fn manager_url(&self) -> String {
        format!("{}ManagerOfficeService", self.base_url)
    }

    /// `…/AdministratorOfficeService`.
    pub fn admin_url(&self) -> String {
        format!("{}AdministratorOfficeService", self.base_url)
    }

    /// The admin surface's base URL.
    pub fn admin_surface_url(&self) -> String {
        format!("{}__admin/", self.base_url)
    }

    /// A client builder pointed at this sandbox with the seeded partner, manager and admin
    /// session.
    /// Cheque lines are named from the sandbox's product catalogue (the
    /// [`crate::ManzanaClientBuilder::product_names`] hook), as a tenant wires its own.
    pub fn client_builder(&self) -> crate::ManzanaClientBuilder {
        let shared = self.shared.clone();
        ManzanaClient::builder(self.customer_url(), PARTNER_ID)
            .manager_url(self.manager_url())
            .admin_url(self.admin_url())
            .manager_credentials(MANAGER_LOGIN, MANAGER_PASSWORD)
            .admin_session(ADMIN_SESSION)
            .product_names(move |article| shared.lock().product_name(article))
    }

    /// A client pointed at this sandbox.
    ///
    /// # Errors
    /// As [`crate::ManzanaClientBuilder::build`].
    pub fn client(&self) -> Result<ManzanaClient, LoyaltyError> {
        self.client_builder().build()
    }

    /// The last SMS code sent to a phone (a [`loyalty_core::Phone`], or its E.164 text).
    pub fn last_code<'a>(&self, phone: impl Into<loyalty_core::PhoneArg<'a>>) -> Option<String> {
        let key = phone.into().key(|p| p.e164().to_owned());
        self.shared.lock().last_code(&key)
    }

    /// The contact id of a phone (E.164).
    pub fn contact_id(&self, phone: &str) -> Option<String> {
        self.shared.lock().contact_id_of(phone)
    }

    /// The balance of a contact (the sum of its bonus records).
    pub fn balance(&self, contact_id: &str) -> Decimal {
        self.shared.lock().balance(contact_id)
    }

    /// Adds a cheque now (with its bonus records); returns the cheque as the API shows it.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown contact, [`LoyaltyError::Provider`] for a cheque
    /// without lines.
    pub fn add_cheque(
        &self,
        contact_id: &str,
        cheque: &SandboxCheque,
    ) -> Result<Value, LoyaltyError> {
        self.shared
            .lock()
            .add_cheque(contact_id, cheque)
            .map_err(to_error)
    }

    /// Adds (or, negative, removes) bonuses; returns the balance.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown contact.
    pub fn add_bonus(
        &self,
        contact_id: &str,
        amount: Decimal,
        rule: &str,
    ) -> Result<Decimal, LoyaltyError> {
        self.shared
            .lock()
            .add_bonus(contact_id, amount, rule)
            .map_err(to_error)
    }

    /// Deletes a contact (its sessions end). `false` when there was none.
    pub fn delete_contact(&self, contact_id: &str) -> bool {
        self.shared.lock().delete_contact(contact_id)
    }

    /// Every contact as the API shows it (the test cabinet's list).
    pub fn contacts(&self) -> Vec<Map<String, Value>> {
        self.shared.lock().contacts()
    }

    /// The registrations opened and not finished yet, by phone.
    pub fn pending_registrations(&self) -> Vec<PendingRegistration> {
        self.shared.lock().pending_registrations()
    }

    /// The product name of a catalogue article (`ART-0001`), as the client's hook reads it.
    pub fn product_name(&self, article: &str) -> Option<String> {
        self.shared.lock().product_name(article)
    }

    /// Expires every session; returns how many there were.
    pub fn expire_sessions(&self) -> usize {
        self.shared.lock().expire_sessions()
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
        .route("/{service}/{controller}/{action}", get(api).post(api))
        .route("/__admin/last-code", get(admin_last_code))
        .route("/__admin/cheque", post(admin_cheque))
        .route("/__admin/bonus", post(admin_bonus))
        .route("/__admin/delete-contact", post(admin_delete))
        .route("/__admin/expire-sessions", post(admin_expire))
        .route("/__admin/contacts", get(admin_contacts))
        .route("/__admin/registrations", get(admin_registrations))
        .fallback(not_found)
        .with_state(app)
}

async fn not_found() -> Response {
    error(ApiError::new(404, "0", "Метод не найден"))
}

fn ok(value: Value) -> Response {
    match serde_json::to_vec(&value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(e) => error(ApiError::new(500, "0", &e.to_string())),
    }
}

fn error(e: ApiError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body =
        json!({"odata.error": {"code": e.code, "message": {"lang": "ru-RU", "value": e.message}}});
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn reply(r: Result<Value, ApiError>) -> Response {
    match r {
        Ok(v) => ok(v),
        Err(e) => error(e),
    }
}

/// `'abc'` → `abc` (with `''` → `'`).
fn unquote(v: &str) -> String {
    let t = v.trim();
    if t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'') {
        t[1..t.len() - 1].replace("''", "'")
    } else {
        t.to_owned()
    }
}

/// Query values unquoted, plus the body in form A (`{"parameter": "<json>"}`) or B.
fn params(query: &HashMap<String, String>, body: &[u8]) -> Result<Params, ApiError> {
    let mut m = Map::new();
    for (k, v) in query {
        m.insert(k.clone(), Value::from(unquote(v)));
    }
    if !body.iter().all(u8::is_ascii_whitespace) {
        let v: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::new(400, "0", &format!("the body is not JSON: {e}")))?;
        let obj = match v {
            Value::Object(o)
                if o.len() == 1 && o.get("parameter").is_some_and(Value::is_string) =>
            {
                let inner = o.get("parameter").and_then(Value::as_str).unwrap_or("{}");
                serde_json::from_str::<Value>(inner)
                    .map_err(|e| ApiError::new(400, "0", &format!("parameter is not JSON: {e}")))?
            }
            other => other,
        };
        match obj {
            Value::Object(o) => m.extend(o),
            _ => return Err(ApiError::new(400, "0", "the body must be an object")),
        }
    }
    Ok(Params(m))
}

async fn api(
    AxState(app): AxState<App>,
    Path((service, controller, action)): Path<(String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    let p = match params(&query, &body) {
        Ok(p) => p,
        Err(e) => return error(e),
    };
    let op = format!("{controller}/{action}").to_ascii_lowercase();
    let mut st = app.lock();
    match service.as_str() {
        "CustomerOfficeService" => reply(st.customer_api(&op, &p)),
        "ManagerOfficeService" => reply(st.manager_api(&op, &p)),
        "AdministratorOfficeService" => reply(st.admin_api(&op, &p)),
        _ => error(ApiError::new(404, "0", "Сервис не найден")),
    }
}

fn loopback_only(peer: SocketAddr) -> Option<Response> {
    (!peer.ip().is_loopback()).then(|| {
        error(ApiError::new(
            403,
            "0",
            "the admin surface answers loopback only",
        ))
    })
}

fn parse_admin<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(400, "0", &format!("the request body is not valid: {e}")))
}

#[derive(Deserialize)]
struct PhoneQuery {
    #[serde(default)]
    phone: String,
}

async fn admin_last_code(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(q): Query<PhoneQuery>,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    match app.lock().last_code(q.phone.trim()) {
        Some(code) => ok(json!({ "code": code })),
        None => error(ApiError::new(404, "0", "no code for this phone")),
    }
}

async fn admin_contacts(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    ok(json!({ "value": app.lock().contacts() }))
}

async fn admin_registrations(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    ok(json!({ "value": app.lock().pending_registrations() }))
}

async fn admin_cheque(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Body {
        #[serde(rename = "contactId")]
        contact_id: String,
        #[serde(flatten)]
        cheque: SandboxCheque,
    }
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    reply(parse_admin::<Body>(&body).and_then(|b| app.lock().add_cheque(&b.contact_id, &b.cheque)))
}

async fn admin_bonus(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Body {
        #[serde(rename = "contactId")]
        contact_id: String,
        #[serde(deserialize_with = "loyalty_core::de::decimal")]
        amount: Decimal,
        #[serde(default)]
        rule: Option<String>,
    }
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    reply(parse_admin::<Body>(&body).and_then(|b| {
        app.lock()
            .add_bonus(
                &b.contact_id,
                b.amount,
                b.rule.as_deref().unwrap_or("Ручное начисление"),
            )
            .map(|bal| json!({ "balance": state::num(bal) }))
    }))
}

async fn admin_delete(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    #[derive(Deserialize)]
    struct Body {
        #[serde(rename = "contactId")]
        contact_id: String,
    }
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    reply(
        parse_admin::<Body>(&body)
            .map(|b| json!({ "deleted": app.lock().delete_contact(&b.contact_id) })),
    )
}

async fn admin_expire(
    AxState(app): AxState<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    if let Some(r) = loopback_only(peer) {
        return r;
    }
    ok(json!({ "expired": app.lock().expire_sessions() }))
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
    fn params_read_quoted_query_and_both_body_forms() {
        let mut q = HashMap::new();
        q.insert("id".to_owned(), "'a''b'".to_owned());
        q.insert("take".to_owned(), "5".to_owned());
        let p = params(&q, br#"{"parameter": "{\"Token\": \"t\"}"}"#).unwrap_or_default();
        assert_eq!(p.str("ID").as_deref(), Some("a'b"));
        assert_eq!(p.str("take").as_deref(), Some("5"));
        assert_eq!(p.str("token").as_deref(), Some("t"));
        let p = params(&HashMap::new(), br#"{"Token": "u"}"#).unwrap_or_default();
        assert_eq!(p.str("Token").as_deref(), Some("u"));
    }
}
