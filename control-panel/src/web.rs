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

mod accounts;
mod broadcast_page;
mod broadcast_test;
mod broadcasts;
mod codes;
mod compose_form;
mod layout;
mod login;
pub mod preview;
mod request;
pub mod segment;
mod statistics;
mod support;
mod survey_results;
mod surveys;
mod texts;
mod upload;
mod users;

use accounts::*;
use layout::*;
use login::*;
use request::*;
use statistics::*;
use users::*;

pub use codes::{CODE_TEMPLATE_MAX, validate_code_settings};
use texts::*;
pub use texts::{placeholders_in, validate_text};
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
