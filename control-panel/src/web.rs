//! The HTTP side: the router, sign-in, permissions, CSRF, and the pages with their JSON twins.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use maud::{DOCTYPE, Markup, html};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::json;
use subtle::ConstantTimeEq;

mod broadcast_page;
mod broadcast_test;
mod broadcasts;
mod codes;
mod compose_form;
pub mod preview;
pub mod segment;
mod support;
mod survey_results;
mod surveys;
mod upload;

pub use codes::{CODE_TEMPLATE_MAX, validate_code_settings};
pub use upload::{SUPPORT_PHOTO_MAX, image_mime};

use crate::backend::{
    BackendError, BotInfo, Direction, PanelBackend, TEXT_LANGUAGES, TextEntry, UserKey, UserSort,
    UsersQuery,
};
use crate::i18n::Lang;
use crate::stats::{self, Granularity, Series, StatsReport};
use crate::store::{Account, PanelStore, Role, StoreError, random_hex};

/// The largest users page the panel asks the backend for.
pub const MAX_PAGE_SIZE: u32 = 200;
const DEFAULT_PAGE_SIZE: u32 = 50;

const SESSION_COOKIE: &str = "panel_session";
const LOGIN_CSRF_COOKIE: &str = "panel_login_csrf";
const LANG_COOKIE: &str = "panel_lang";

/// A source of the current time (injected so tests can expire sessions).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// How the panel behaves.
#[derive(Debug, Clone)]
pub struct PanelConfig {
    /// Mark cookies `Secure` (set when the panel is served over HTTPS, e.g. behind a proxy).
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in.
    pub session_ttl: Duration,
    /// Failed sign-ins of one login within [`PanelConfig::failure_window`] before it is refused.
    pub max_failures_per_login: u64,
    /// Failed sign-ins from one IP address within the window before it is refused.
    pub max_failures_per_ip: u64,
    /// The window of the two limits above.
    pub failure_window: Duration,
    /// Take the client address from the last `X-Forwarded-For` entry (only behind a proxy you run).
    pub trust_forwarded_for: bool,
    /// The title in the header.
    pub title: String,
    /// How often the live chat's event stream asks the backend whether dialogues changed
    /// ([`crate::PanelBackend::support_stamp`]), and a broadcast page's whether its figures
    /// did; browsers are told over Server-Sent Events and never poll themselves.
    pub support_check_interval: std::time::Duration,
}

impl Default for PanelConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_ttl: Duration::hours(12),
            max_failures_per_login: 5,
            max_failures_per_ip: 20,
            failure_window: Duration::minutes(15),
            trust_forwarded_for: false,
            title: "Loyalty bots".into(),
            support_check_interval: std::time::Duration::from_secs(2),
        }
    }
}

/// The control panel: build it once, then mount [`Panel::router`] or call [`Panel::serve`].
#[derive(Clone)]
pub struct Panel {
    inner: Arc<Inner>,
}

struct Inner {
    store: PanelStore,
    backend: Arc<dyn PanelBackend>,
    config: PanelConfig,
    clock: Clock,
}

type AppState = Arc<Inner>;

impl std::fmt::Debug for Panel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Panel")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Panel {
    /// A panel over its store and the host's backend.
    pub fn new(store: PanelStore, backend: Arc<dyn PanelBackend>, config: PanelConfig) -> Self {
        Self::with_clock(store, backend, config, Arc::new(Utc::now))
    }

    /// The same with an injected clock.
    pub fn with_clock(
        store: PanelStore,
        backend: Arc<dyn PanelBackend>,
        config: PanelConfig,
        clock: Clock,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                backend,
                config,
                clock,
            }),
        }
    }

    /// The panel's store (accounts, tokens, audit).
    pub fn store(&self) -> &PanelStore {
        &self.inner.store
    }

    /// Every route: HTML pages at `/…` and their JSON at `/api/v1/…`.
    ///
    /// Serve it with connection info so sign-in limits see client addresses:
    /// `axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())`.
    pub fn router(&self) -> Router {
        let mut r = Router::new()
            .route("/", get(|| async { Redirect::to("/bots") }))
            .route("/login", get(login_page).post(login_submit))
            .route("/logout", post(logout))
            .route("/lang/{code}", get(set_lang))
            .route("/static/panel.css", get(css))
            .route("/static/panel.js", get(js));
        let pages: Vec<(&str, axum::routing::MethodRouter<AppState>)> = vec![
            ("/me", get(me)),
            ("/bots", get(bots_page)),
            ("/bots/{bot}/stats", get(stats_page)),
            ("/bots/{bot}/stats.xlsx", get(stats_xlsx)),
            ("/bots/{bot}/users", get(users_page)),
            ("/bots/{bot}/users/{messenger}/{user_id}", get(user_page)),
            ("/bots/{bot}/texts", get(texts_page)),
            ("/bots/{bot}/texts/{key}/{lang}", post(text_set)),
            ("/bots/{bot}/texts/{key}/{lang}/reset", post(text_reset)),
            ("/bots/{bot}/codes", get(codes::codes_page)),
            ("/bots/{bot}/codes/{action}", post(codes::codes_set)),
            ("/bots/{bot}/support", get(support::support_page)),
            ("/bots/{bot}/support/events", get(support::support_events)),
            ("/bots/{bot}/support/hours", post(support::hours_set)),
            ("/bots/{bot}/support/photo/{message}", get(support::photo)),
            ("/bots/{bot}/support/d/{id}", get(support::dialogue_page)),
            ("/bots/{bot}/support/d/{id}/take", post(support::take)),
            ("/bots/{bot}/support/d/{id}/close", post(support::close)),
            ("/bots/{bot}/support/d/{id}/pause", post(support::pause)),
            ("/bots/{bot}/support/d/{id}/seen", post(support::seen)),
            (
                "/bots/{bot}/support/d/{id}/send",
                post(support::send).layer(axum::extract::DefaultBodyLimit::max(
                    SUPPORT_PHOTO_MAX + 64 * 1024,
                )),
            ),
            (
                "/bots/{bot}/surveys",
                get(surveys::list_page).post(surveys::create),
            ),
            ("/bots/{bot}/surveys/{id}", get(surveys::survey_page)),
            ("/bots/{bot}/surveys/{id}/title", post(surveys::set_title)),
            (
                "/bots/{bot}/surveys/{id}/questions",
                post(surveys::questions).layer(axum::extract::DefaultBodyLimit::max(
                    SUPPORT_PHOTO_MAX + 64 * 1024,
                )),
            ),
            ("/bots/{bot}/surveys/{id}/send", post(surveys::send)),
            ("/bots/{bot}/surveys/{id}/delete", post(surveys::delete)),
            (
                "/bots/{bot}/surveys/{id}/results",
                get(survey_results::results_page),
            ),
            (
                "/bots/{bot}/surveys/{id}/answers.xlsx",
                get(survey_results::answers_export),
            ),
            (
                "/bots/{bot}/surveys/{id}/image/{n}",
                get(survey_results::image),
            ),
            ("/bots/{bot}/audience/count", get(segment::audience_count)),
            (
                "/bots/{bot}/broadcasts",
                get(broadcasts::list_page).post(broadcasts::create).layer(
                    axum::extract::DefaultBodyLimit::max(SUPPORT_PHOTO_MAX + 256 * 1024),
                ),
            ),
            ("/bots/{bot}/broadcasts/new", get(broadcasts::compose_page)),
            (
                "/bots/{bot}/broadcasts/preview",
                post(broadcasts::preview).layer(axum::extract::DefaultBodyLimit::max(
                    SUPPORT_PHOTO_MAX + 256 * 1024,
                )),
            ),
            (
                "/bots/{bot}/broadcasts/test",
                post(broadcast_test::test).layer(axum::extract::DefaultBodyLimit::max(
                    SUPPORT_PHOTO_MAX + 256 * 1024,
                )),
            ),
            (
                "/bots/{bot}/broadcasts/test-chat",
                post(broadcast_test::test_chat_set),
            ),
            (
                "/bots/{bot}/broadcasts/b/{id}",
                get(broadcast_page::broadcast_page),
            ),
            (
                "/bots/{bot}/broadcasts/b/{id}/events",
                get(broadcast_page::events),
            ),
            (
                "/bots/{bot}/broadcasts/b/{id}/image",
                get(broadcast_page::image),
            ),
            (
                "/bots/{bot}/broadcasts/b/{id}/{action}",
                post(broadcast_page::control),
            ),
            ("/accounts", get(accounts_page).post(account_create)),
            ("/accounts/{login}", post(account_update)),
            ("/accounts/{login}/delete", post(account_delete)),
            ("/tokens", get(tokens_page).post(token_create)),
            ("/tokens/{id}/revoke", post(token_revoke)),
            ("/audit", get(audit_page)),
        ];
        for (path, route) in pages {
            r = r
                .route(path, route.clone())
                .route(&format!("/api/v1{path}"), route);
        }
        r.layer(axum::middleware::map_response(security_headers))
            .with_state(self.inner.clone())
    }

    /// Serves the panel on a bound listener until the future is dropped.
    ///
    /// # Errors
    /// When the listener fails.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        axum::serve(
            listener,
            self.router()
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
    }
}

async fn security_headers(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

// ---------------------------------------------------------------- errors

/// What went wrong with a request, rendered as HTML or JSON depending on where it came in.
#[derive(Debug)]
struct WebError {
    api: bool,
    lang: Lang,
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl WebError {
    fn new(ctx: (bool, Lang), status: StatusCode, code: &'static str, message: String) -> Self {
        Self {
            api: ctx.0,
            lang: ctx.1,
            status,
            code,
            message,
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if self.api {
            return (
                self.status,
                axum::Json(json!({"error": self.code, "message": self.message})),
            )
                .into_response();
        }
        let l = self.lang;
        let title = match self.status {
            StatusCode::FORBIDDEN => l.t("Доступ заборонено", "Доступ запрещён", "Forbidden"),
            StatusCode::NOT_FOUND => l.t("Не знайдено", "Не найдено", "Not found"),
            StatusCode::TOO_MANY_REQUESTS => l.t(
                "Забагато спроб",
                "Слишком много попыток",
                "Too many attempts",
            ),
            s if s.is_client_error() => l.t("Помилка", "Ошибка", "Error"),
            _ => l.t("Збій сервера", "Сбой сервера", "Server error"),
        };
        let body = html! {
            h1 { (title) }
            p.error { (self.message) }
            p { a href="javascript:history.back()" { (l.t("Назад", "Назад", "Back")) } }
        };
        (self.status, bare_page(l, title, body)).into_response()
    }
}

fn store_err(ctx: (bool, Lang), e: StoreError) -> WebError {
    match e {
        StoreError::LoginTaken(l) => WebError::new(
            ctx,
            StatusCode::CONFLICT,
            "login_taken",
            format!("login {l:?} exists"),
        ),
        StoreError::NotFound(what) => WebError::new(ctx, StatusCode::NOT_FOUND, "not_found", what),
        StoreError::Invalid { field, reason } => WebError::new(
            ctx,
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("{field}: {reason}"),
        ),
        other => {
            tracing::error!(error = %other, "control panel store failed");
            WebError::new(
                ctx,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "storage failure".into(),
            )
        }
    }
}

fn backend_err(ctx: (bool, Lang), e: BackendError) -> WebError {
    match e {
        BackendError::NotFound(what) => {
            WebError::new(ctx, StatusCode::NOT_FOUND, "not_found", what)
        }
        BackendError::Invalid(why) => WebError::new(ctx, StatusCode::BAD_REQUEST, "invalid", why),
        BackendError::Conflict(why) => WebError::new(ctx, StatusCode::CONFLICT, "conflict", why),
        other => {
            tracing::error!(error = %other, "control panel backend failed");
            WebError::new(
                ctx,
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "backend failure".into(),
            )
        }
    }
}

// ---------------------------------------------------------------- request context

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

fn is_api(parts: &Parts) -> bool {
    parts.uri.path().starts_with("/api/")
}

fn client_ip(parts: &Parts, cfg: &PanelConfig) -> String {
    if cfg.trust_forwarded_for
        && let Some(last) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
        && !last.trim().is_empty()
    {
        return last.trim().to_owned();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// How the request was authenticated.
#[derive(Clone)]
enum Via {
    /// A browser session; forms must carry its CSRF token.
    Session {
        token: SecretString,
        csrf: SecretString,
    },
    /// An API token (`Authorization: Bearer`); no cookies, so no CSRF.
    Token,
}

/// A signed-in request: who, how, in which language, HTML or JSON.
#[derive(Clone)]
struct Ctx {
    account: Account,
    via: Via,
    api: bool,
    lang: Lang,
    path: String,
}

impl Ctx {
    fn e(&self) -> (bool, Lang) {
        (self.api, self.lang)
    }

    fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf.expose_secret(),
            Via::Token => "",
        }
    }

    fn forbidden(&self) -> WebError {
        WebError::new(
            self.e(),
            StatusCode::FORBIDDEN,
            "forbidden",
            self.lang
                .t(
                    "У вас немає доступу до цього розділу.",
                    "У вас нет доступа к этому разделу.",
                    "You have no access to this section.",
                )
                .into(),
        )
    }

    fn require_admin(&self) -> Result<(), WebError> {
        if self.account.is_admin() {
            Ok(())
        } else {
            Err(self.forbidden())
        }
    }

    fn require_bot(&self, bot: &str) -> Result<(), WebError> {
        if self.account.can_access(bot) {
            Ok(())
        } else {
            Err(self.forbidden())
        }
    }

    fn bad(&self, message: impl Into<String>) -> WebError {
        WebError::new(self.e(), StatusCode::BAD_REQUEST, "invalid", message.into())
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let api = is_api(parts);
        let lang = lang_of(&parts.headers);
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "/".into());
        let e = (api, lang);
        let unauthorized = |api: bool| -> Response {
            if api {
                WebError::new(
                    e,
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "sign in or send Authorization: Bearer <token>".into(),
                )
                .into_response()
            } else {
                let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
                Redirect::to(&format!("/login?next={next}")).into_response()
            }
        };
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let Some(secret) = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")) else {
                return Err(unauthorized(true));
            };
            return match s.store.token_account(secret.trim()).await {
                Ok(Some(account)) => Ok(Ctx {
                    account,
                    via: Via::Token,
                    api,
                    lang,
                    path,
                }),
                Ok(None) => Err(unauthorized(true)),
                Err(err) => Err(store_err(e, err).into_response()),
            };
        }
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(unauthorized(api));
        };
        match s.store.session(token, (s.clock)()).await {
            Ok(Some(session)) => Ok(Ctx {
                account: session.account,
                via: Via::Session {
                    token: SecretString::from(token.to_owned()),
                    csrf: session.csrf,
                },
                api,
                lang,
                path,
            }),
            Ok(None) => Err(unauthorized(api)),
            Err(err) => Err(store_err(e, err).into_response()),
        }
    }
}

/// Fields of a form post or a JSON body (strings, or lists of strings for repeated fields).
#[derive(Debug, Default)]
struct Fields(BTreeMap<String, Vec<String>>);

impl Fields {
    fn one(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(|v| v.first()).map(String::as_str)
    }

    fn all(&self, k: &str) -> Vec<String> {
        self.0.get(k).cloned().unwrap_or_default()
    }

    fn flag(&self, k: &str) -> bool {
        matches!(self.one(k), Some("1" | "true" | "on" | "yes"))
    }

    fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Self> {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        if json {
            let v: serde_json::Value = serde_json::from_slice(body).ok()?;
            for (k, v) in v.as_object()? {
                let vals = match v {
                    serde_json::Value::Array(items) => {
                        items.iter().filter_map(scalar).collect::<Vec<_>>()
                    }
                    other => scalar(other).into_iter().collect(),
                };
                map.insert(k.clone(), vals);
            }
        } else {
            for (k, v) in url::form_urlencoded::parse(body) {
                map.entry(k.into_owned()).or_default().push(v.into_owned());
            }
        }
        Some(Self(map))
    }
}

fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A state-changing request: signed in, body parsed, CSRF checked for browser sessions.
struct Write {
    ctx: Ctx,
    fields: Fields,
}

const MAX_BODY: usize = 256 * 1024;

impl FromRequest<AppState> for Write {
    type Rejection = Response;

    async fn from_request(req: Request, s: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, s).await?;
        let bytes = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| ctx.bad("body too large").into_response())?;
        let fields = Fields::parse(&parts.headers, &bytes)
            .ok_or_else(|| ctx.bad("unreadable body").into_response())?;
        if matches!(ctx.via, Via::Session { .. }) {
            let sent = fields.one("csrf").or_else(|| {
                parts
                    .headers
                    .get("x-csrf-token")
                    .and_then(|v| v.to_str().ok())
            });
            if !csrf_matches(&ctx, sent) {
                return Err(csrf_refused(&ctx));
            }
        }
        Ok(Write { ctx, fields })
    }
}

/// Whether `sent` is the session's CSRF token, compared in constant time; a missing or empty
/// one never is, nor is any for an API token (it has none).
fn csrf_matches(ctx: &Ctx, sent: Option<&str>) -> bool {
    let sent = sent.unwrap_or("");
    match &ctx.via {
        Via::Session { csrf, .. } => {
            !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(csrf.expose_secret().as_bytes()))
        }
        Via::Token => false,
    }
}

/// 403 `csrf` for a form posted without the session's token (logged with the login and path).
fn csrf_refused(ctx: &Ctx) -> Response {
    tracing::warn!(login = %ctx.account.login, path = %ctx.path, "form post without a valid CSRF token");
    WebError::new(
        ctx.e(),
        StatusCode::FORBIDDEN,
        "csrf",
        ctx.lang
            .t(
                "Форму відхилено: відсутній або хибний CSRF-токен. Оновіть сторінку.",
                "Форма отклонена: нет или неверный CSRF-токен. Обновите страницу.",
                "Form rejected: missing or wrong CSRF token. Reload the page.",
            )
            .into(),
    )
    .into_response()
}

fn now(s: &AppState) -> DateTime<Utc> {
    (s.clock)()
}

async fn audit(s: &AppState, ctx: &Ctx, action: &str, target: &str, detail: &str) {
    if let Err(e) = s
        .store
        .audit(&ctx.account.login, action, target, detail, now(s))
        .await
    {
        tracing::error!(error = %e, action, "audit log write failed");
    }
}

fn json_ok<T: Serialize>(v: T) -> Response {
    axum::Json(v).into_response()
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Only local paths are followed after sign-in or a language switch (no open redirects).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/bots".into(),
    }
}

fn cookie_header(s: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if s.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

// ---------------------------------------------------------------- layout

const CSS: &str = include_str!("panel.css");
const JS: &str = include_str!("panel.js");

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        (DOCTYPE)
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) }
        link rel="stylesheet" href="/static/panel.css";
        script src="/static/panel.js" defer {}
        meta name="panel-lang" content=(lang.code());
    }
}

fn bare_page(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        html lang=(lang.code()) {
            head { (head(lang, title)) }
            body { main { (body) } }
        }
    }
}

fn lang_switch(lang: Lang, path: &str) -> Markup {
    let back: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    html! {
        span.langs {
            @for l in Lang::ALL {
                @if l == lang { b { (l.code()) } } @else {
                    a href={ "/lang/" (l.code()) "?back=" (back) } { (l.code()) }
                }
                " "
            }
        }
    }
}

fn page(s: &AppState, ctx: &Ctx, title: &str, body: Markup) -> Response {
    let l = ctx.lang;
    let markup = html! {
        html lang=(l.code()) {
            head { (head(l, title)) }
            body {
                header {
                    nav {
                        a.brand href="/bots" { (s.config.title) }
                        a href="/bots" { (l.t("Боти", "Боты", "Bots")) }
                        @if ctx.account.is_admin() {
                            a href="/accounts" { (l.t("Облікові записи", "Учётные записи", "Accounts")) }
                            a href="/tokens" { (l.t("API-токени", "API-токены", "API tokens")) }
                            a href="/audit" { (l.t("Журнал", "Журнал", "Audit log")) }
                        }
                    }
                    div.who {
                        (lang_switch(l, &ctx.path))
                        span #whoami { (ctx.account.login) " (" (role_name(l, ctx.account.role)) ")" }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(ctx.csrf());
                            button type="submit" #logout { (l.t("Вийти", "Выйти", "Log out")) }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    markup.into_response()
}

fn role_name(l: Lang, r: Role) -> &'static str {
    match r {
        Role::Admin => l.t("адміністратор", "администратор", "administrator"),
        Role::Operator => l.t("оператор", "оператор", "operator"),
    }
}

fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf()); }
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

// ---------------------------------------------------------------- sign-in

async fn login_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let l = lang_of(&headers);
    login_form(
        &s,
        l,
        q.get("next").map(String::as_str),
        None,
        StatusCode::OK,
    )
}

fn login_form(
    s: &AppState,
    l: Lang,
    next: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    // Double-submit token for the sign-in form (there is no session yet).
    let token = match random_hex(32) {
        Ok(t) => t,
        Err(e) => return store_err((false, l), e).into_response(),
    };
    let title = l.t("Вхід", "Вход", "Sign in");
    let next = safe_next(next);
    let body = html! {
        div.login {
            h1 { (s.config.title) }
            (lang_switch(l, &format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>())))
            @if let Some(e) = error { p.error #login-error { (e) } }
            form method="post" action="/login" #login-form {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(next);
                label { (l.t("Логін", "Логин", "Login")) input type="text" name="login" autocomplete="username" required autofocus; }
                label { (l.t("Пароль", "Пароль", "Password")) input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (title) }
            }
        }
    };
    let mut res = (status, bare_page(l, title, body)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(s, LOGIN_CSRF_COOKIE, &token, 3600),
    );
    res
}

async fn login_submit(State(s): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let l = lang_of(&parts.headers);
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let fields = Fields::parse(&parts.headers, &bytes).unwrap_or_default();
    let next = fields.one("next").map(str::to_owned);
    let sent = fields.one("csrf").unwrap_or("");
    let expected = cookie(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return WebError::new(
            (false, l),
            StatusCode::FORBIDDEN,
            "csrf",
            l.t(
                "Форму відхилено: відсутній або хибний CSRF-токен. Оновіть сторінку.",
                "Форма отклонена: нет или неверный CSRF-токен. Обновите страницу.",
                "Form rejected: missing or wrong CSRF token. Reload the page.",
            )
            .into(),
        )
        .into_response();
    }
    let login = fields.one("login").unwrap_or("").trim().to_owned();
    let password = SecretString::from(fields.one("password").unwrap_or("").to_owned());
    let ip = client_ip(&parts, &s.config);
    let t = now(&s);
    let since = t - s.config.failure_window;
    let login_scope = format!("login:{login}");
    let ip_scope = format!("ip:{ip}");
    let limited = async {
        Ok::<bool, StoreError>(
            s.store.login_failures(&login_scope, since).await? >= s.config.max_failures_per_login
                || s.store.login_failures(&ip_scope, since).await? >= s.config.max_failures_per_ip,
        )
    }
    .await;
    match limited {
        Ok(true) => {
            tracing::warn!(%ip, "sign-in refused: too many failed attempts");
            return login_form(
                &s,
                l,
                next.as_deref(),
                Some(l.t(
                    "Забагато невдалих спроб. Спробуйте пізніше.",
                    "Слишком много неудачных попыток. Попробуйте позже.",
                    "Too many failed attempts. Try again later.",
                )),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Ok(false) => {}
        Err(e) => return store_err((false, l), e).into_response(),
    }
    let account = match s.store.check_password(&login, &password).await {
        Ok(a) => a,
        Err(e) => return store_err((false, l), e).into_response(),
    };
    let Some(account) = account else {
        if let Err(e) = s
            .store
            .record_login_failure(&[login_scope, ip_scope], t)
            .await
        {
            return store_err((false, l), e).into_response();
        }
        tracing::info!(%ip, "failed sign-in");
        return login_form(
            &s,
            l,
            next.as_deref(),
            Some(l.t(
                "Невірний логін або пароль.",
                "Неверный логин или пароль.",
                "Wrong login or password.",
            )),
            StatusCode::UNAUTHORIZED,
        );
    };
    if let Err(e) = s.store.clear_login_failures(&login_scope, since).await {
        return store_err((false, l), e).into_response();
    }
    let token = match s
        .store
        .create_session(&account.login, t, s.config.session_ttl)
        .await
    {
        Ok(t) => t,
        Err(e) => return store_err((false, l), e).into_response(),
    };
    tracing::info!(login = %account.login, "signed in");
    let mut res = see_other(&safe_next(next.as_deref()));
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookie_header(
            &s,
            SESSION_COOKIE,
            token.expose_secret(),
            s.config.session_ttl.num_seconds(),
        ),
    );
    h.append(
        header::SET_COOKIE,
        cookie_header(&s, LOGIN_CSRF_COOKIE, "", 0),
    );
    res
}

async fn logout(State(s): State<AppState>, w: Write) -> Response {
    if let Via::Session { token, .. } = &w.ctx.via
        && let Err(e) = s.store.delete_session(token.expose_secret()).await
    {
        return store_err(w.ctx.e(), e).into_response();
    }
    let mut res = if w.ctx.api {
        json_ok(json!({"ok": true}))
    } else {
        see_other("/login")
    };
    res.headers_mut()
        .append(header::SET_COOKIE, cookie_header(&s, SESSION_COOKIE, "", 0));
    res
}

async fn set_lang(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let l = Lang::parse(&code).unwrap_or_default();
    let mut res = see_other(&safe_next(q.get("back").map(String::as_str)));
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&s, LANG_COOKIE, l.code(), 365 * 24 * 3600),
    );
    res
}

async fn me(ctx: Ctx, State(s): State<AppState>) -> Response {
    if ctx.api {
        return json_ok(&ctx.account);
    }
    let l = ctx.lang;
    let body = html! {
        p { (ctx.account.login) ", " (role_name(l, ctx.account.role)) }
    };
    page(
        &s,
        &ctx,
        l.t("Мій обліковий запис", "Моя учётная запись", "My account"),
        body,
    )
}

// ---------------------------------------------------------------- bots

async fn visible_bots(s: &AppState, ctx: &Ctx) -> Result<Vec<BotInfo>, WebError> {
    let all = s
        .backend
        .bots()
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    Ok(all
        .into_iter()
        .filter(|b| ctx.account.can_access(&b.id))
        .collect())
}

async fn bot_info(s: &AppState, ctx: &Ctx, bot: &str) -> Result<BotInfo, WebError> {
    ctx.require_bot(bot)?;
    visible_bots(s, ctx)
        .await?
        .into_iter()
        .find(|b| b.id == bot)
        .ok_or_else(|| {
            WebError::new(
                ctx.e(),
                StatusCode::NOT_FOUND,
                "not_found",
                format!("bot {bot:?}"),
            )
        })
}

fn bot_tabs(l: Lang, bot: &BotInfo, active: &str) -> Markup {
    let tabs = [
        ("stats", l.t("Статистика", "Статистика", "Statistics")),
        ("users", l.t("Користувачі", "Пользователи", "Users")),
        ("texts", l.t("Тексти", "Тексты", "Texts")),
        ("codes", l.t("Коди", "Коды", "Codes")),
        ("support", l.t("Підтримка", "Поддержка", "Support")),
        ("broadcasts", l.t("Розсилки", "Рассылки", "Broadcasts")),
        ("surveys", l.t("Опитування", "Опросы", "Surveys")),
    ];
    html! {
        nav.tabs {
            @for (k, name) in tabs {
                a.active[k == active] href={ "/bots/" (bot.id) "/" (k) } { (name) }
            }
        }
    }
}

async fn bots_page(ctx: Ctx, State(s): State<AppState>) -> Result<Response, WebError> {
    let bots = visible_bots(&s, &ctx).await?;
    if ctx.api {
        return Ok(json_ok(json!({ "bots": bots })));
    }
    let l = ctx.lang;
    // Live chat: the number of open dialogues of each bot that has it.
    let mut open_dialogues = BTreeMap::new();
    for b in &bots {
        if s.backend.support_enabled(&b.id).await {
            let n = s
                .backend
                .support_dialogues(&b.id)
                .await
                .map_err(|e| backend_err(ctx.e(), e))?
                .len();
            open_dialogues.insert(b.id.clone(), n);
        }
    }
    let body = html! {
        @if bots.is_empty() {
            p { (l.t("Вам ще не призначено жодного бота.", "Вам ещё не назначен ни один бот.", "No bot is assigned to you yet.")) }
        }
        ul.bots #bots {
            @for b in &bots {
                li data-bot=(b.id) {
                    b { (b.name) } " · " (b.programme) " · " (b.messengers.join(", "))
                    div.links {
                        a href={ "/bots/" (b.id) "/stats" } { (l.t("Статистика", "Статистика", "Statistics")) }
                        a href={ "/bots/" (b.id) "/users" } { (l.t("Користувачі", "Пользователи", "Users")) }
                        a href={ "/bots/" (b.id) "/texts" } { (l.t("Тексти", "Тексты", "Texts")) }
                        @if let Some(n) = open_dialogues.get(&b.id) {
                            a.support href={ "/bots/" (b.id) "/support" } {
                                (l.t("Підтримка", "Поддержка", "Support"))
                                @if *n > 0 { " " span.badge { (n) } }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(&s, &ctx, l.t("Боти", "Боты", "Bots"), body))
}

// ---------------------------------------------------------------- statistics

struct StatsParams {
    from: NaiveDate,
    to: NaiveDate,
    granularity: Granularity,
    messenger: Option<String>,
}

fn stats_params(
    ctx: &Ctx,
    today: NaiveDate,
    q: &BTreeMap<String, String>,
) -> Result<StatsParams, WebError> {
    let date = |k: &str, default: NaiveDate| -> Result<NaiveDate, WebError> {
        match q.get(k).map(String::as_str).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| ctx.bad(format!("{k}: expected YYYY-MM-DD"))),
        }
    };
    let to = date("to", today)?;
    let from = date("from", to - Duration::days(29))?;
    if from > to || (to - from).num_days() >= stats::MAX_PERIOD_DAYS {
        return Err(ctx.bad(format!(
            "period: from <= to, at most {} days",
            stats::MAX_PERIOD_DAYS
        )));
    }
    let granularity = match q.get("granularity").map(String::as_str) {
        None | Some("") => Granularity::Day,
        Some(g) => Granularity::parse(g).ok_or_else(|| ctx.bad("granularity: day|week|month"))?,
    };
    let messenger = q
        .get("messenger")
        .filter(|m| !m.is_empty() && m.as_str() != "all")
        .cloned();
    Ok(StatsParams {
        from,
        to,
        granularity,
        messenger,
    })
}

async fn load_report(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    q: &BTreeMap<String, String>,
) -> Result<(BotInfo, StatsReport), WebError> {
    let info = bot_info(s, ctx, bot).await?;
    let p = stats_params(ctx, now(s).date_naive(), q)?;
    let raw = s
        .backend
        .stats(bot, p.from, p.to)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    Ok((
        info,
        stats::aggregate(
            bot,
            &raw,
            p.from,
            p.to,
            p.granularity,
            p.messenger.as_deref(),
        ),
    ))
}

fn report_query(r: &StatsReport) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("from", &r.from.to_string())
        .append_pair("to", &r.to.to_string())
        .append_pair("granularity", r.granularity.as_str());
    if let Some(m) = &r.messenger {
        q.append_pair("messenger", m);
    }
    q.finish()
}

async fn stats_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let (info, report) = load_report(&s, &ctx, &bot, &q).await?;
    if ctx.api {
        return Ok(json_ok(&report));
    }
    let l = ctx.lang;
    let labels: Vec<String> = report
        .series
        .iter()
        .map(|b| stats::bucket_label(report.granularity, b.start))
        .collect();
    let subs_chart = stats::bar_chart(
        l.t("Нові підписники", "Новые подписчики", "New subscribers"),
        &labels,
        &[Series {
            name: l.t("нові", "новые", "new"),
            color: "#2f6fde",
            values: report.series.iter().map(|b| b.new_subscribers).collect(),
        }],
    );
    let msg_chart = stats::bar_chart(
        l.t("Повідомлення", "Сообщения", "Messages"),
        &labels,
        &[
            Series {
                name: l.t("вхідні", "входящие", "in"),
                color: "#1f9d55",
                values: report.series.iter().map(|b| b.messages_in).collect(),
            },
            Series {
                name: l.t("вихідні", "исходящие", "out"),
                color: "#e0a800",
                values: report.series.iter().map(|b| b.messages_out).collect(),
            },
        ],
    );
    let th = stats::totals_headers(l);
    let fh = stats::figure_headers(l);
    let g_name = |g: Granularity| match g {
        Granularity::Day => l.t("день", "день", "day"),
        Granularity::Week => l.t("тиждень", "неделя", "week"),
        Granularity::Month => l.t("місяць", "месяц", "month"),
    };
    let body = html! {
        (bot_tabs(l, &info, "stats"))
        form.filters method="get" #stats-form {
            label { (l.t("З", "С", "From")) input type="date" name="from" value=(report.from); }
            label { (l.t("По", "По", "To")) input type="date" name="to" value=(report.to); }
            label { (l.t("Групувати по", "Группировать по", "Group by"))
                select name="granularity" {
                    @for g in [Granularity::Day, Granularity::Week, Granularity::Month] {
                        option value=(g.as_str()) selected[g == report.granularity] { (g_name(g)) }
                    }
                }
            }
            label { (fh[1])
                select name="messenger" {
                    option value="all" { (l.t("усі", "все", "all")) }
                    @for m in &info.messengers {
                        option value=(m) selected[report.messenger.as_deref() == Some(m.as_str())] { (m) }
                    }
                }
            }
            button type="submit" { (l.t("Показати", "Показать", "Show")) }
            a.button #xlsx href={ "/bots/" (info.id) "/stats.xlsx?" (report_query(&report)) } { "Excel (.xlsx)" }
        }
        table #totals {
            thead { tr { @for h in th { th { (h) } } } }
            tbody {
                @for t in &report.totals {
                    tr data-messenger=(t.messenger) {
                        td { @if t.messenger == "all" { b { (l.t("усього", "всего", "total")) } } @else { (t.messenger) } }
                        td.num { (t.total) } td.num { (t.active) } td.num { (t.blocked) }
                    }
                }
            }
        }
        div.charts { (subs_chart) (msg_chart) }
        details {
            summary { (l.t("Таблиця", "Таблица", "Table")) }
            table #figures {
                thead { tr { @for h in fh { th { (h) } } } }
                tbody {
                    @for b in &report.series {
                        tr {
                            td { (stats::bucket_label(report.granularity, b.start)) }
                            td { (l.t("усі", "все", "all")) }
                            td.num { (b.new_subscribers) } td.num { (b.messages_in) } td.num { (b.messages_out) }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!(
            "{} · {}",
            info.name,
            l.t("Статистика", "Статистика", "Statistics")
        ),
        body,
    ))
}

async fn stats_xlsx(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let (_, report) = load_report(&s, &ctx, &bot, &q).await?;
    let bytes = stats::to_xlsx(&report, ctx.lang).map_err(|e| {
        tracing::error!(error = %e, "xlsx export failed");
        WebError::new(
            ctx.e(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "export failed".into(),
        )
    })?;
    let name: String = bot
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    let disposition = format!(
        "attachment; filename=\"stats-{name}-{}-{}.xlsx\"",
        report.from, report.to
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------- users

async fn users_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let info = bot_info(&s, &ctx, &bot).await?;
    let search = q
        .get("q")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let sort = match q.get("sort").map(String::as_str) {
        None | Some("") => UserSort::default(),
        Some(v) => UserSort::parse(v)
            .ok_or_else(|| ctx.bad("sort: phone|name|first_contact|last_activity"))?,
    };
    let descending = match q.get("dir").map(String::as_str) {
        None | Some("") => sort == UserSort::LastActivity,
        Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(ctx.bad("dir: asc|desc")),
    };
    let num = |k: &str, d: u64| -> Result<u64, WebError> {
        match q.get(k).map(String::as_str).filter(|v| !v.is_empty()) {
            None => Ok(d),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| ctx.bad(format!("{k}: a number"))),
        }
    };
    let per_page =
        num("per_page", u64::from(DEFAULT_PAGE_SIZE))?.clamp(1, u64::from(MAX_PAGE_SIZE));
    let page_no = num("page", 1)?.max(1);
    let query = UsersQuery {
        search: search.clone(),
        sort,
        descending,
        offset: (page_no - 1).saturating_mul(per_page),
        limit: u32::try_from(per_page).unwrap_or(MAX_PAGE_SIZE),
    };
    let result = s
        .backend
        .users(&bot, &query)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let pages = result.total.div_ceil(per_page).max(1);
    if ctx.api {
        return Ok(json_ok(json!({
            "bot": bot,
            "query": query,
            "page": page_no,
            "per_page": per_page,
            "pages": pages,
            "total": result.total,
            "users": result.users,
        })));
    }
    let l = ctx.lang;
    let link = |sort: UserSort, desc: bool, page: u64| -> String {
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        if let Some(sq) = &search {
            u.append_pair("q", sq);
        }
        u.append_pair("sort", sort.as_str())
            .append_pair("dir", if desc { "desc" } else { "asc" })
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &per_page.to_string());
        format!("/bots/{bot}/users?{}", u.finish())
    };
    let col = |c: UserSort, name: &str| -> Markup {
        let desc = if c == sort { !descending } else { false };
        let arrow = if c == sort {
            if descending { " ↓" } else { " ↑" }
        } else {
            ""
        };
        html! { a href=(link(c, desc, 1)) { (name) (arrow) } }
    };
    let body = html! {
        (bot_tabs(l, &info, "users"))
        form.filters method="get" #users-form {
            input type="search" name="q" value=[search.as_deref()] placeholder=(l.t("Телефон або ім'я", "Телефон или имя", "Phone or name"));
            input type="hidden" name="sort" value=(sort.as_str());
            input type="hidden" name="dir" value=(if descending { "desc" } else { "asc" });
            button type="submit" { (l.t("Шукати", "Искать", "Search")) }
        }
        p { (l.t("Знайдено", "Найдено", "Found")) ": " span #users-total { (result.total) } }
        div.scroll {
            table #users {
                thead { tr {
                    th { (l.t("Месенджер", "Мессенджер", "Messenger")) }
                    th { (col(UserSort::Phone, l.t("Телефон", "Телефон", "Phone"))) }
                    th { (col(UserSort::Name, l.t("Ім'я", "Имя", "Name"))) }
                    th { (l.t("Мова", "Язык", "Language")) }
                    th { (col(UserSort::FirstContact, l.t("Перший контакт", "Первый контакт", "First contact"))) }
                    th { (col(UserSort::LastActivity, l.t("Остання активність", "Последняя активность", "Last activity"))) }
                    th { (l.t("Стан", "Статус", "State")) }
                } }
                tbody {
                    @for u in &result.users {
                        tr {
                            td { a href={ "/bots/" (bot) "/users/" (u.key.messenger) "/" (u.key.user_id) } { (u.key.messenger) " " (u.key.user_id) } }
                            td { (u.phone.as_deref().unwrap_or("—")) }
                            td { (u.name.as_deref().unwrap_or("—")) }
                            td { (u.language.as_deref().unwrap_or("—")) }
                            td { (fmt_time(u.first_contact)) }
                            td { (fmt_time(u.last_activity)) }
                            td { @if u.active { (l.t("активний", "активен", "active")) } @else { (l.t("заблокував", "заблокировал", "blocked")) } }
                        }
                    }
                }
            }
        }
        nav.pager {
            @if page_no > 1 { a href=(link(sort, descending, page_no - 1)) { "← " (l.t("Назад", "Назад", "Previous")) } }
            span { (page_no) " / " (pages) }
            @if page_no < pages { a #next-page href=(link(sort, descending, page_no + 1)) { (l.t("Далі", "Далее", "Next")) " →" } }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!(
            "{} · {}",
            info.name,
            l.t("Користувачі", "Пользователи", "Users")
        ),
        body,
    ))
}

async fn user_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, messenger, user_id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let info = bot_info(&s, &ctx, &bot).await?;
    let key = UserKey { messenger, user_id };
    let profile = s
        .backend
        .user(&bot, &key)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| {
            WebError::new(
                ctx.e(),
                StatusCode::NOT_FOUND,
                "not_found",
                format!("user {} {}", key.messenger, key.user_id),
            )
        })?;
    if ctx.api {
        return Ok(json_ok(&profile));
    }
    let l = ctx.lang;
    let u = &profile.summary;
    let kv = |rows: &[(String, String)]| -> Markup {
        html! { @if rows.is_empty() { p { "—" } } @else { dl { @for (k, v) in rows { dt { (k) } dd { (v) } } } } }
    };
    let body = html! {
        (bot_tabs(l, &info, "users"))
        dl #profile {
            dt { (l.t("Месенджер", "Мессенджер", "Messenger")) } dd { (u.key.messenger) }
            dt { (l.t("ID користувача", "ID пользователя", "User id")) } dd { (u.key.user_id) }
            dt { (l.t("Телефон", "Телефон", "Phone")) } dd { (u.phone.as_deref().unwrap_or("—")) }
            @if profile.phones.len() > 1 {
                dt { (l.t("Усі телефони", "Все телефоны", "All phones")) } dd { (profile.phones.join(", ")) }
            }
            dt { (l.t("Ім'я", "Имя", "Name")) } dd { (u.name.as_deref().unwrap_or("—")) }
            @if let Some(n) = &profile.username { dt { "Username" } dd { (n) } }
            dt { (l.t("Мова", "Язык", "Language")) } dd { (u.language.as_deref().unwrap_or("—")) }
            dt { (l.t("Перший контакт", "Первый контакт", "First contact")) } dd { (fmt_time(u.first_contact)) }
            dt { (l.t("Остання активність", "Последняя активность", "Last activity")) } dd { (fmt_time(u.last_activity)) }
            dt { (l.t("Стан", "Статус", "State")) } dd { @if u.active { (l.t("активний", "активен", "active")) } @else { (l.t("заблокував", "заблокировал", "blocked")) } }
        }
        h2 { (l.t("Дані програми", "Данные программы", "Programme data")) }
        (kv(&profile.programme))
        h2 { (l.t("Сегментація", "Сегментация", "Segment attributes")) }
        (kv(&profile.segment))
        h2 { (l.t("Останні повідомлення", "Последние сообщения", "Recent messages")) }
        ul.messages {
            @for m in &profile.recent_messages {
                li.(if m.direction == Direction::In { "in" } else { "out" }) {
                    small { (fmt_time(m.at)) " " (if m.direction == Direction::In { "→" } else { "←" }) } " " (m.text)
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!(
            "{} · {}",
            info.name,
            u.name.as_deref().unwrap_or(&u.key.user_id)
        ),
        body,
    ))
}

// ---------------------------------------------------------------- texts

/// Placeholders (`{name}`) in a text, in order of appearance, without duplicates.
pub fn placeholders_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !out.iter().any(|p| p == name)
                {
                    out.push(name.to_owned());
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// Checks a new text against its catalogue entry: not blank, within the length limit, every
/// required placeholder kept and no unknown one added. Returns the problems found.
pub fn validate_text(entry: &TextEntry, value: &str, lang: Lang) -> Vec<String> {
    let mut problems = Vec::new();
    if value.trim().is_empty() {
        problems.push(
            lang.t("Текст порожній.", "Текст пустой.", "The text is empty.")
                .to_owned(),
        );
    }
    let n = value.chars().count();
    if n > entry.max_len {
        problems.push(format!(
            "{} {n} > {}",
            lang.t("Задовгий текст:", "Слишком длинный текст:", "Too long:"),
            entry.max_len
        ));
    }
    let found = placeholders_in(value);
    for p in &entry.placeholders {
        if !found.contains(p) {
            problems.push(format!(
                "{} {{{p}}}",
                lang.t(
                    "Бракує заповнювача",
                    "Не хватает подстановки",
                    "Missing placeholder"
                )
            ));
        }
    }
    for p in &found {
        if !entry.placeholders.contains(p) {
            problems.push(format!(
                "{} {{{p}}}",
                lang.t(
                    "Невідомий заповнювач",
                    "Неизвестная подстановка",
                    "Unknown placeholder"
                )
            ));
        }
    }
    problems
}

async fn texts_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    let info = bot_info(&s, &ctx, &bot).await?;
    let texts = s
        .backend
        .texts(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(
            json!({ "bot": bot, "languages": TEXT_LANGUAGES, "texts": texts }),
        ));
    }
    let l = ctx.lang;
    let body = html! {
        (bot_tabs(l, &info, "texts"))
        p.hint { (l.t(
            "Зміни діють у боті одразу. Заповнювачі у фігурних дужках треба зберегти.",
            "Изменения действуют в боте сразу. Подстановки в фигурных скобках нужно сохранить.",
            "Changes take effect in the bot at once. Placeholders in braces must be kept."
        )) }
        @for t in &texts {
            section.text id={ "text-" (t.key) } {
                h2 { code { (t.key) } }
                p.hint { (t.description)
                    @if !t.placeholders.is_empty() { " · " @for p in &t.placeholders { code { "{" (p) "}" } " " } }
                    " · ≤ " (t.max_len)
                }
                @for lang in ["uk", "ru"] {
                    @let current = t.overrides.get(lang).or_else(|| t.defaults.get(lang)).cloned().unwrap_or_default();
                    @let overridden = t.overrides.contains_key(lang);
                    form.text-form method="post" action={ "/bots/" (bot) "/texts/" (t.key) "/" (lang) } id={ "form-" (t.key) "-" (lang) } {
                        (csrf_field(&ctx))
                        label { (lang) @if overridden { " " small.badge { (l.t("змінено", "изменено", "edited")) } }
                            textarea name="value" rows="3" maxlength=(t.max_len) data-max=(t.max_len) { (current) }
                        }
                        button type="submit" { (l.t("Зберегти", "Сохранить", "Save")) }
                    }
                    @if overridden {
                        form.inline method="post" action={ "/bots/" (bot) "/texts/" (t.key) "/" (lang) "/reset" } id={ "reset-" (t.key) "-" (lang) } {
                            (csrf_field(&ctx))
                            button type="submit" data-confirm=(l.t("Повернути текст за замовчуванням?", "Вернуть текст по умолчанию?", "Reset to the default text?")) {
                                (l.t("Скинути до типового", "Сбросить к исходному", "Reset to default"))
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, l.t("Тексти", "Тексты", "Texts")),
        body,
    ))
}

async fn text_entry(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    key: &str,
    lang: &str,
) -> Result<TextEntry, WebError> {
    bot_info(s, ctx, bot).await?;
    if !TEXT_LANGUAGES.contains(&lang) {
        return Err(ctx.bad("language: uk|ru|en"));
    }
    s.backend
        .texts(bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .into_iter()
        .find(|t| t.key == key)
        .ok_or_else(|| {
            WebError::new(
                ctx.e(),
                StatusCode::NOT_FOUND,
                "not_found",
                format!("text {key:?}"),
            )
        })
}

async fn text_set(
    State(s): State<AppState>,
    Path((bot, key, lang)): Path<(String, String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    let entry = text_entry(&s, ctx, &bot, &key, &lang).await?;
    // Browsers send textarea line breaks as CRLF; the bot's texts use LF.
    let value = w.fields.one("value").unwrap_or("").replace("\r\n", "\n");
    let problems = validate_text(&entry, &value, ctx.lang);
    if !problems.is_empty() {
        return Err(WebError::new(
            ctx.e(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
            problems.join(" "),
        ));
    }
    s.backend
        .set_text(&bot, &key, &lang, &value)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(&s, ctx, "text.set", &format!("{bot}/{key}/{lang}"), &value).await;
    if ctx.api {
        return Ok(json_ok(
            json!({"ok": true, "key": key, "language": lang, "value": value}),
        ));
    }
    Ok(see_other(&format!("/bots/{bot}/texts#text-{key}")))
}

async fn text_reset(
    State(s): State<AppState>,
    Path((bot, key, lang)): Path<(String, String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    text_entry(&s, ctx, &bot, &key, &lang).await?;
    s.backend
        .reset_text(&bot, &key, &lang)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(&s, ctx, "text.reset", &format!("{bot}/{key}/{lang}"), "").await;
    if ctx.api {
        return Ok(json_ok(json!({"ok": true, "key": key, "language": lang})));
    }
    Ok(see_other(&format!("/bots/{bot}/texts#text-{key}")))
}

// ---------------------------------------------------------------- accounts (administrators)

async fn accounts_page(ctx: Ctx, State(s): State<AppState>) -> Result<Response, WebError> {
    ctx.require_admin()?;
    let accounts = s
        .store
        .accounts()
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "accounts": accounts })));
    }
    let bots = s
        .backend
        .bots()
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let l = ctx.lang;
    let role_select = |current: Role| {
        html! {
            select name="role" {
                option value="operator" selected[current == Role::Operator] { (role_name(l, Role::Operator)) }
                option value="admin" selected[current == Role::Admin] { (role_name(l, Role::Admin)) }
            }
        }
    };
    let bot_boxes = |chosen: &[String]| {
        html! {
            fieldset.bots {
                legend { (l.t("Боти оператора", "Боты оператора", "Operator's bots")) }
                @for b in &bots {
                    label.check { input type="checkbox" name="bots" value=(b.id) checked[chosen.contains(&b.id)]; " " (b.name) }
                }
            }
        }
    };
    let body = html! {
        div.scroll {
            table #accounts {
                thead { tr {
                    th { (l.t("Логін", "Логин", "Login")) }
                    th { (l.t("Роль і боти", "Роль и боты", "Role and bots")) }
                    th {}
                } }
                tbody {
                    @for a in &accounts {
                        tr data-login=(a.login) {
                            td { b { (a.login) } @if a.disabled { " " small.badge { (l.t("вимкнено", "отключён", "disabled")) } } }
                            td {
                                form method="post" action={ "/accounts/" (a.login) } {
                                    (csrf_field(&ctx))
                                    (role_select(a.role))
                                    (bot_boxes(&a.bots))
                                    label.check { input type="checkbox" name="disabled" value="1" checked[a.disabled]; " " (l.t("вимкнено", "отключён", "disabled")) }
                                    input type="password" name="password" autocomplete="new-password" placeholder=(l.t("новий пароль (необов'язково)", "новый пароль (необязательно)", "new password (optional)"));
                                    button type="submit" { (l.t("Зберегти", "Сохранить", "Save")) }
                                }
                            }
                            td {
                                @if a.login != ctx.account.login {
                                    form method="post" action={ "/accounts/" (a.login) "/delete" } {
                                        (csrf_field(&ctx))
                                        button.danger type="submit" data-confirm=(l.t("Видалити обліковий запис?", "Удалить учётную запись?", "Delete the account?")) { (l.t("Видалити", "Удалить", "Delete")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (l.t("Новий обліковий запис", "Новая учётная запись", "New account")) }
        form.stack method="post" action="/accounts" #new-account {
            (csrf_field(&ctx))
            label { (l.t("Логін", "Логин", "Login")) input type="text" name="login" required; }
            label { (l.t("Пароль", "Пароль", "Password")) input type="password" name="password" autocomplete="new-password" required minlength=(crate::store::MIN_PASSWORD_LEN); }
            label { (l.t("Роль", "Роль", "Role")) (role_select(Role::Operator)) }
            (bot_boxes(&[]))
            button type="submit" { (l.t("Створити", "Создать", "Create")) }
        }
    };
    Ok(page(
        &s,
        &ctx,
        l.t("Облікові записи", "Учётные записи", "Accounts"),
        body,
    ))
}

async fn known_bots(s: &AppState, ctx: &Ctx, wanted: Vec<String>) -> Result<Vec<String>, WebError> {
    let bots = s
        .backend
        .bots()
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    for b in &wanted {
        if !bots.iter().any(|k| &k.id == b) {
            return Err(ctx.bad(format!("unknown bot {b:?}")));
        }
    }
    let mut wanted = wanted;
    wanted.sort();
    wanted.dedup();
    Ok(wanted)
}

async fn account_create(State(s): State<AppState>, w: Write) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    let login = w.fields.one("login").unwrap_or("").trim().to_owned();
    let password = SecretString::from(w.fields.one("password").unwrap_or("").to_owned());
    let role = Role::parse(w.fields.one("role").unwrap_or("operator"))
        .ok_or_else(|| ctx.bad("role: admin|operator"))?;
    let bots = known_bots(&s, ctx, w.fields.all("bots")).await?;
    let account = s
        .store
        .create_account(&login, &password, role, &bots, now(&s))
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "account.create",
        &login,
        &format!("role={} bots={}", role.as_str(), bots.join(",")),
    )
    .await;
    if ctx.api {
        return Ok((StatusCode::CREATED, axum::Json(account)).into_response());
    }
    Ok(see_other("/accounts"))
}

async fn account_update(
    State(s): State<AppState>,
    Path(login): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    let role = Role::parse(w.fields.one("role").unwrap_or("operator"))
        .ok_or_else(|| ctx.bad("role: admin|operator"))?;
    let disabled = w.fields.flag("disabled");
    if login == ctx.account.login && (role != Role::Admin || disabled) {
        return Err(ctx.bad(ctx.lang.t(
            "Не можна понизити або вимкнути власний обліковий запис.",
            "Нельзя понизить или отключить собственную учётную запись.",
            "You cannot demote or disable your own account.",
        )));
    }
    let bots = known_bots(&s, ctx, w.fields.all("bots")).await?;
    let account = s
        .store
        .update_account(&login, role, &bots, disabled)
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    let mut detail = format!(
        "role={} bots={} disabled={disabled}",
        role.as_str(),
        bots.join(",")
    );
    if let Some(pw) = w.fields.one("password").filter(|p| !p.is_empty()) {
        s.store
            .set_password(&login, &SecretString::from(pw.to_owned()))
            .await
            .map_err(|e| store_err(ctx.e(), e))?;
        detail.push_str(" password changed");
    }
    audit(&s, ctx, "account.update", &login, &detail).await;
    if ctx.api {
        return Ok(json_ok(account));
    }
    Ok(see_other("/accounts"))
}

async fn account_delete(
    State(s): State<AppState>,
    Path(login): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    if login == ctx.account.login {
        return Err(ctx.bad("you cannot delete your own account"));
    }
    s.store
        .delete_account(&login)
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(&s, ctx, "account.delete", &login, "").await;
    if ctx.api {
        return Ok(json_ok(json!({"ok": true})));
    }
    Ok(see_other("/accounts"))
}

// ---------------------------------------------------------------- API tokens (administrators)

async fn tokens_page(ctx: Ctx, State(s): State<AppState>) -> Result<Response, WebError> {
    ctx.require_admin()?;
    let tokens = s.store.tokens().await.map_err(|e| store_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "tokens": tokens })));
    }
    let accounts = s
        .store
        .accounts()
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    Ok(tokens_html(&s, &ctx, &tokens, &accounts, None))
}

fn tokens_html(
    s: &AppState,
    ctx: &Ctx,
    tokens: &[crate::store::ApiTokenInfo],
    accounts: &[Account],
    new_secret: Option<&str>,
) -> Response {
    let l = ctx.lang;
    let body = html! {
        @if let Some(secret) = new_secret {
            div.notice #new-token {
                p { (l.t("Новий токен (показано один раз, збережіть його):", "Новый токен (показан один раз, сохраните его):", "New token (shown once, keep it):")) }
                code #token-secret { (secret) }
            }
        }
        div.scroll {
            table #tokens {
                thead { tr {
                    th { "ID" } th { (l.t("Обліковий запис", "Учётная запись", "Account")) } th { (l.t("Призначення", "Назначение", "Label")) }
                    th { (l.t("Створено", "Создан", "Created")) } th {}
                } }
                tbody {
                    @for t in tokens {
                        tr {
                            td { code { (t.id) } } td { (t.login) } td { (t.label) }
                            td { (fmt_time(t.created_at)) " · " (t.created_by) }
                            td {
                                @if t.revoked { (l.t("відкликано", "отозван", "revoked")) } @else {
                                    form method="post" action={ "/tokens/" (t.id) "/revoke" } {
                                        (csrf_field(ctx))
                                        button.danger type="submit" { (l.t("Відкликати", "Отозвать", "Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (l.t("Новий токен", "Новый токен", "New token")) }
        form.stack method="post" action="/tokens" {
            (csrf_field(ctx))
            label { (l.t("Діє від імені", "Действует от имени", "Acts as"))
                select name="login" { @for a in accounts { option value=(a.login) { (a.login) " (" (role_name(l, a.role)) ")" } } }
            }
            label { (l.t("Призначення", "Назначение", "Label")) input type="text" name="label" required; }
            button type="submit" { (l.t("Видати", "Выдать", "Issue")) }
        }
    };
    page(s, ctx, l.t("API-токени", "API-токены", "API tokens"), body)
}

async fn token_create(State(s): State<AppState>, w: Write) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    let login = w.fields.one("login").unwrap_or("").to_owned();
    let label = w.fields.one("label").unwrap_or("").trim().to_owned();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ctx.bad("label: 1-100 characters"));
    }
    let (info, secret) = s
        .store
        .create_token(&login, &label, &ctx.account.login, now(&s))
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "token.create",
        &info.id,
        &format!("for={login} label={label}"),
    )
    .await;
    if ctx.api {
        return Ok((
            StatusCode::CREATED,
            axum::Json(json!({"token": secret.expose_secret(), "info": info})),
        )
            .into_response());
    }
    let tokens = s.store.tokens().await.map_err(|e| store_err(ctx.e(), e))?;
    let accounts = s
        .store
        .accounts()
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    Ok(tokens_html(
        &s,
        ctx,
        &tokens,
        &accounts,
        Some(secret.expose_secret()),
    ))
}

async fn token_revoke(
    State(s): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    s.store
        .revoke_token(&id)
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(&s, ctx, "token.revoke", &id, "").await;
    if ctx.api {
        return Ok(json_ok(json!({"ok": true})));
    }
    Ok(see_other("/tokens"))
}

// ---------------------------------------------------------------- audit (administrators)

async fn audit_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    ctx.require_admin()?;
    let page_no: u64 = q
        .get("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let per_page = 100u32;
    let entries = s
        .store
        .audit_log(per_page, (page_no - 1) * u64::from(per_page))
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "page": page_no, "entries": entries })));
    }
    let l = ctx.lang;
    let body = html! {
        div.scroll {
            table #audit {
                thead { tr {
                    th { (l.t("Час", "Время", "Time")) } th { (l.t("Хто", "Кто", "Who")) }
                    th { (l.t("Дія", "Действие", "Action")) } th { (l.t("Об'єкт", "Объект", "Target")) } th { (l.t("Деталі", "Детали", "Details")) }
                } }
                tbody {
                    @for e in &entries {
                        tr { td { (fmt_time(e.at)) } td { (e.actor) } td { code { (e.action) } } td { (e.target) } td { (e.detail) } }
                    }
                }
            }
        }
        nav.pager {
            @if page_no > 1 { a href={ "/audit?page=" (page_no - 1) } { "←" } }
            span { (page_no) }
            @if entries.len() == per_page as usize { a href={ "/audit?page=" (page_no + 1) } { "→" } }
        }
    };
    Ok(page(
        &s,
        &ctx,
        l.t("Журнал змін", "Журнал изменений", "Audit log"),
        body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_found_once_each() {
        assert_eq!(
            placeholders_in("Hi {name}, {points} {name} {} {bad-one} {"),
            ["name", "points"]
        );
    }

    #[test]
    fn texts_keep_placeholders_and_length() {
        let entry = TextEntry {
            key: "k".into(),
            description: String::new(),
            defaults: BTreeMap::new(),
            overrides: BTreeMap::new(),
            placeholders: vec!["name".into()],
            max_len: 10,
        };
        assert!(validate_text(&entry, "Hi {name}", Lang::En).is_empty());
        assert_eq!(validate_text(&entry, "Hi", Lang::En).len(), 1);
        assert_eq!(validate_text(&entry, "Hi {name} {x}", Lang::En).len(), 2);
        assert_eq!(validate_text(&entry, "   ", Lang::En).len(), 2);
    }

    #[test]
    fn only_local_redirects() {
        assert_eq!(safe_next(Some("/bots/x/users?q=1")), "/bots/x/users?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/bots");
        assert_eq!(safe_next(Some("https://evil.example")), "/bots");
        assert_eq!(safe_next(Some("/\\evil.example")), "/bots");
        assert_eq!(safe_next(None), "/bots");
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("xpanel_session=1; panel_session=abc; panel_lang=ru"),
        );
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("abc"));
        assert_eq!(lang_of(&h), Lang::Ru);
    }
}
