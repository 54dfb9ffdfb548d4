//! A stateful in-memory fake of the ERGO CLUB mobile API (feature `sandbox`).
//!
//! [`ErgoSandbox::start`] binds a random free port on `127.0.0.1` and serves
//! `POST /api/mobile/` in exactly the client's wire format (JSON with `"method"`, multipart for
//! `PostSNModel`/`PostQuestion`, errors as HTTP 200 with `{"methodresponse", "error": {"code",
//! "comment"}}`). It stops when dropped or on [`ErgoSandbox::shutdown`].
//!
//! ## Seed data
//! | what | values |
//! |---|---|
//! | sellers | `380889993366` Test Testuvalniy (trade points 1771, 45765; bonus 1250), `380501112233` Олена Коваль (trade point 2001), `380671234567` **blocked** |
//! | actions | 17 TV (model 17 needs a **photo**), 147 LED lamps (model 1511 plain, model 1512 needs a **trade point**), 160 finished |
//! | serials | `123123`, `LED0001`–`LED0003` register with `PostSN`; `STD0001`, `TV0001`, `TV0002` answer result 2 (full registration); `MULTI001` is in two actions (error 17); `OLD0001` only in the finished action (error 13); any other well-formed serial is "not in the action" (error 16) for `PostSN` and accepted by `PostSNModel` |
//! | news, notices | two of each |
//!
//! ## Behaviour
//! Codes are issued per phone with a cool-down (error 2 while one is pending), sessions expire
//! after a configurable time (error 1), a serial registers only once (error 16), registrations
//! add to the balance sums (`registration_for_confirmation`, `registration_all`), questions are
//! stored. Time comes from the configured [`Clock`].
//!
//! ## Admin surface (`/__admin/`, JSON)
//! | request | effect |
//! |---|---|
//! | `GET /__admin/codes/{phone}` | `{"phone", "code"}`: the last code sent to the phone (404 if none) |
//! | `POST /__admin/sellers/{phone}/block`, `…/unblock` | blocks/unblocks a seller |
//! | `POST /__admin/sessions/expire[?phone=…]` | expires sessions (all or one phone's): `{"expired": n}` |
//! | `POST /__admin/actions` | adds an action, body in the shape of one `GetActions` action (with `models`) |
//! | `POST /__admin/serials` | `{"serial", "action_id", "model_id"}`: adds a serial to the catalogue |
//! | `POST /__admin/news` | `{"article_name", "article_notice", "article_text", "article_photo"?}` |
//! | `POST /__admin/notices` | `{"notice_name", "notice_text"}` |
//! | `GET /__admin/questions` | the stored questions |

mod state;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use loyalty_core::server::LocalServer;
use loyalty_core::{Clock, LoyaltyError, SystemClock};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::client::ErgoClient;
use crate::error::ErgoMethod;
use crate::types::Action;
use state::{FilePart, Input, Settings, World};
pub use state::{RegistrationDecision, StoredQuestion};

/// The largest request body the sandbox reads (photos included).
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Settings of an [`ErgoSandbox`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// How long a session lives (default 24 h).
    pub session_ttl: Duration,
    /// How long after a code is sent a new one is refused with error 2 (default 60 s).
    pub code_cooldown: Duration,
    /// The clock (default the system clock; tests use a `ManualClock`).
    pub clock: Arc<dyn Clock>,
    /// Always send this code instead of a random 4-digit one (for demos).
    pub fixed_code: Option<String>,
    /// How long each API call waits before it is answered (default none): a slow vendor, for
    /// load tests of a bot's concurrency. The admin surface is never delayed.
    pub latency: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(24 * 3600),
            code_cooldown: Duration::from_secs(60),
            clock: Arc::new(SystemClock),
            fixed_code: None,
            latency: Duration::ZERO,
        }
    }
}

impl SandboxConfig {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the session lifetime.
    pub fn session_ttl(mut self, d: Duration) -> Self {
        self.session_ttl = d;
        self
    }
    /// Sets the code cool-down.
    pub fn code_cooldown(mut self, d: Duration) -> Self {
        self.code_cooldown = d;
        self
    }
    /// Sets the clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
    /// Sends this code every time.
    pub fn fixed_code(mut self, code: impl Into<String>) -> Self {
        self.fixed_code = Some(code.into());
        self
    }
    /// Answers every API call after `latency` (a slow vendor; the admin surface is not delayed).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }
}

struct Shared {
    world: Mutex<World>,
    clock: Arc<dyn Clock>,
    latency: Duration,
}

impl Shared {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running sandbox. Stops when dropped.
pub struct ErgoSandbox {
    shared: Arc<Shared>,
    server: LocalServer,
}

impl fmt::Debug for ErgoSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErgoSandbox")
            .field("addr", &self.server.addr())
            .finish_non_exhaustive()
    }
}

impl ErgoSandbox {
    /// Starts a sandbox with the defaults on a random free port of `127.0.0.1`.
    /// Must be called inside a Tokio runtime.
    ///
    /// # Errors
    /// The I/O error when no port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(SandboxConfig::default()).await
    }

    /// Starts a sandbox with `config`.
    ///
    /// # Errors
    /// The I/O error when no port can be bound.
    pub async fn start_with(config: SandboxConfig) -> std::io::Result<Self> {
        let settings = Settings {
            session_ttl: config.session_ttl,
            code_cooldown: config.code_cooldown,
            fixed_code: config.fixed_code,
        };
        let shared = Arc::new(Shared {
            world: Mutex::new(World::seeded(settings, config.clock.now())),
            clock: config.clock,
            latency: config.latency,
        });
        let server = LocalServer::start(router(shared.clone()), "ERGO sandbox").await?;
        tracing::info!(addr = %server.addr(), "ERGO sandbox listening");
        Ok(Self { shared, server })
    }

    /// The base URL to give [`ErgoClient::builder`] (`http://127.0.0.1:PORT/`).
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.server.addr())
    }

    /// The admin surface's URL (`http://127.0.0.1:PORT/__admin/`).
    pub fn admin_url(&self) -> String {
        format!("http://{}/__admin/", self.server.addr())
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// A client pointed at this sandbox.
    ///
    /// # Errors
    /// The errors of [`crate::ErgoClientBuilder::build`].
    pub fn client(&self) -> Result<ErgoClient, LoyaltyError> {
        ErgoClient::builder().base_url(self.base_url()).build()
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }

    /// The last code sent to `phone` (a [`loyalty_core::Phone`], or its 12 digits), as the
    /// admin surface gives it.
    pub fn last_code<'a>(&self, phone: impl Into<loyalty_core::PhoneArg<'a>>) -> Option<String> {
        let key = phone.into().key(|p| p.digits().to_owned());
        self.shared.world().last_codes.get(&key).cloned()
    }

    /// Blocks (`active = false`) or unblocks a seller; `false` for an unknown phone.
    pub fn set_seller_active(&self, phone: &str, active: bool) -> bool {
        self.shared.world().set_active(phone, active)
    }

    /// Expires every session (or those of `phone`); returns how many.
    pub fn expire_sessions(&self, phone: Option<&str>) -> usize {
        let now = self.shared.clock.now();
        self.shared.world().expire_sessions(phone, now)
    }

    /// Adds an action (marks `Actions` changed for every seller); returns its id.
    pub fn add_action(&self, action: &Action) -> u64 {
        let now = self.shared.clock.now();
        self.shared.world().add_action(action, now)
    }

    /// Adds a serial number to the catalogue.
    pub fn add_serial(&self, serial: &str, action_id: u64, model_id: u64) {
        self.shared.world().add_serial(serial, action_id, model_id);
    }

    /// The questions received so far.
    pub fn questions(&self) -> Vec<StoredQuestion> {
        self.shared.world().questions.clone()
    }

    /// Confirms, sends to test, rejects or pays registration `id` (an operator's decision), so
    /// every `registration_*` state can be exercised; `false` for an unknown id or a
    /// registration already paid.
    pub fn decide_registration(&self, id: u64, decision: RegistrationDecision) -> bool {
        let now = self.shared.clock.now();
        self.shared.world().decide_registration(id, decision, now)
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/mobile/", post(api))
        .route("/api/mobile", post(api))
        .route("/__admin/codes/{phone}", get(admin_code))
        .route("/__admin/sellers/{phone}/block", post(admin_block))
        .route("/__admin/sellers/{phone}/unblock", post(admin_unblock))
        .route("/__admin/sessions/expire", post(admin_expire))
        .route("/__admin/actions", post(admin_add_action))
        .route("/__admin/serials", post(admin_add_serial))
        .route("/__admin/news", post(admin_add_news))
        .route("/__admin/notices", post(admin_add_notice))
        .route("/__admin/questions", get(admin_questions))
        .route(
            "/__admin/registrations/{id}",
            post(admin_decide_registration),
        )
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(shared)
}

async fn not_found() -> Response {
    // The seed documents no code for this: the answer carries none.
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"comment": "not found"})),
    )
        .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
struct Decision {
    /// `confirm`, `test`, `reject` or `pay`.
    decision: String,
    #[serde(default)]
    comment: Option<String>,
}

async fn admin_decide_registration(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<u64>,
    body: Bytes,
) -> Response {
    let d: Decision = match parse_admin(&body) {
        Ok(d) => d,
        Err(r) => return *r,
    };
    let decision = match d.decision.trim() {
        "confirm" => RegistrationDecision::Confirm,
        "test" => RegistrationDecision::SendToTest,
        "reject" => RegistrationDecision::Reject(d.comment.unwrap_or_default()),
        "pay" => RegistrationDecision::Pay,
        other => {
            return admin_json(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("unknown decision {other:?}: confirm, test, reject or pay")}),
            );
        }
    };
    let now = shared.clock.now();
    if shared.world().decide_registration(id, decision, now) {
        admin_json(StatusCode::OK, json!({"registration_id": id}))
    } else {
        admin_json(
            StatusCode::NOT_FOUND,
            json!({"error": "no such registration, or it is paid already"}),
        )
    }
}

/// A request the API cannot read or serve, for which the seed documents no error code: HTTP
/// 400 with only a `comment` (the sandbox invents no codes).
fn bad_request(method: Option<&str>, comment: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({
            "methodresponse": method,
            "comment": comment.into(),
        })),
    )
        .into_response()
}

/// Reads a JSON or multipart request; the error is the reason for a 400.
async fn read_input(req: Request) -> Result<Input, String> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        });
    let mut input = Input::default();
    if is_multipart {
        let mut mp = Multipart::from_request(req, &())
            .await
            .map_err(|e| format!("malformed multipart body: {e}"))?;
        loop {
            let field = match mp.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(format!("malformed multipart body: {e}")),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(str::to_owned);
            let data = field
                .bytes()
                .await
                .map_err(|e| format!("malformed multipart body: {e}"))?;
            if name == "file" || file_name.is_some() {
                input.file = Some(FilePart {
                    name: file_name,
                    content_type,
                    size: data.len(),
                });
            } else {
                let text = String::from_utf8_lossy(&data).into_owned();
                input.fields.insert(name, Value::from(text));
            }
        }
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), BODY_LIMIT)
            .await
            .map_err(|e| format!("cannot read the body: {e}"))?;
        let v: Value =
            serde_json::from_slice(&bytes).map_err(|e| format!("malformed JSON: {e}"))?;
        let Value::Object(map) = v else {
            return Err("the body must be a JSON object".to_owned());
        };
        input.fields = map.into_iter().collect::<HashMap<_, _>>();
    }
    Ok(input)
}

async fn api(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    if !shared.latency.is_zero() {
        tokio::time::sleep(shared.latency).await;
    }
    let input = match read_input(req).await {
        Ok(i) => i,
        Err(reason) => return bad_request(None, reason),
    };
    let Some(name) = input.text("method") else {
        return bad_request(None, "no method");
    };
    let Some(method) = ErgoMethod::from_name(&name) else {
        return bad_request(Some(&name), format!("unknown method {name:?}"));
    };
    let now = shared.clock.now();
    let outcome = shared.world().handle(method, &input, now);
    let body = match outcome {
        Ok(Value::Object(fields)) => {
            let mut m = serde_json::Map::new();
            m.insert("methodresponse".into(), Value::from(method.as_str()));
            m.extend(fields);
            Value::Object(m)
        }
        Ok(other) => json!({"methodresponse": method.as_str(), "result": other}),
        Err((state::NO_CODE, comment)) => return bad_request(Some(method.as_str()), comment),
        Err((code, comment)) => json!({
            "methodresponse": method.as_str(),
            "error": {"code": code, "comment": comment},
        }),
    };
    axum::Json(body).into_response()
}

fn admin_json(status: StatusCode, v: Value) -> Response {
    (status, axum::Json(v)).into_response()
}

/// Reads an admin body; the error is the 400 answer.
fn parse_admin<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(admin_json(
            StatusCode::BAD_REQUEST,
            json!({"error": format!("malformed JSON: {e}")}),
        ))
    })
}

async fn admin_code(State(shared): State<Arc<Shared>>, Path(phone): Path<String>) -> Response {
    match shared.world().last_codes.get(&phone) {
        Some(code) => admin_json(StatusCode::OK, json!({"phone": phone, "code": code})),
        None => admin_json(
            StatusCode::NOT_FOUND,
            json!({"error": "no code was sent to this phone"}),
        ),
    }
}

fn set_active(shared: &Shared, phone: String, active: bool) -> Response {
    if shared.world().set_active(&phone, active) {
        admin_json(StatusCode::OK, json!({"phone": phone, "active": active}))
    } else {
        admin_json(StatusCode::NOT_FOUND, json!({"error": "unknown seller"}))
    }
}

async fn admin_block(State(shared): State<Arc<Shared>>, Path(phone): Path<String>) -> Response {
    set_active(&shared, phone, false)
}

async fn admin_unblock(State(shared): State<Arc<Shared>>, Path(phone): Path<String>) -> Response {
    set_active(&shared, phone, true)
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
struct PhoneQuery {
    phone: Option<String>,
}

async fn admin_expire(State(shared): State<Arc<Shared>>, Query(q): Query<PhoneQuery>) -> Response {
    let now = shared.clock.now();
    let n = shared.world().expire_sessions(q.phone.as_deref(), now);
    admin_json(StatusCode::OK, json!({"expired": n}))
}

async fn admin_add_action(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let action: Action = match parse_admin(&body) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let now = shared.clock.now();
    let id = shared.world().add_action(&action, now);
    admin_json(StatusCode::CREATED, json!({"action_id": id}))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
struct NewSerial {
    serial: String,
    #[serde(deserialize_with = "loyalty_core::de::int")]
    action_id: u64,
    #[serde(deserialize_with = "loyalty_core::de::int")]
    model_id: u64,
}

async fn admin_add_serial(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let s: NewSerial = match parse_admin(&body) {
        Ok(s) => s,
        Err(r) => return *r,
    };
    shared
        .world()
        .add_serial(s.serial.trim(), s.action_id, s.model_id);
    admin_json(StatusCode::CREATED, json!({"serial": s.serial.trim()}))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
struct NewArticle {
    article_name: String,
    #[serde(default)]
    article_notice: String,
    #[serde(default)]
    article_text: String,
    #[serde(default)]
    article_photo: String,
}

async fn admin_add_news(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let a: NewArticle = match parse_admin(&body) {
        Ok(a) => a,
        Err(r) => return *r,
    };
    let now = shared.clock.now();
    let id = shared.world().add_news(
        a.article_name,
        a.article_notice,
        a.article_text,
        a.article_photo,
        now,
    );
    admin_json(StatusCode::CREATED, json!({"article_id": id}))
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
struct NewNotice {
    notice_name: String,
    #[serde(default)]
    notice_text: String,
}

async fn admin_add_notice(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let n: NewNotice = match parse_admin(&body) {
        Ok(n) => n,
        Err(r) => return *r,
    };
    let now = shared.clock.now();
    let id = shared.world().add_notice(n.notice_name, n.notice_text, now);
    admin_json(StatusCode::CREATED, json!({"notice_id": id}))
}

async fn admin_questions(State(shared): State<Arc<Shared>>) -> Response {
    let qs = shared.world().questions.clone();
    admin_json(StatusCode::OK, json!({"questions": qs}))
}
