//! The request context: who signed in and how ([`Ctx`]), the form and JSON bodies of writes
//! ([`Write`]), CSRF, and the small helpers the handlers share (audit, redirects, cookies).

use super::*;

pub(super) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub(super) fn lang_of(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

pub(super) fn is_api(parts: &Parts) -> bool {
    parts.uri.path().starts_with("/api/")
}

pub(super) fn client_ip(parts: &Parts, cfg: &PanelConfig) -> String {
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
pub(super) enum Via {
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
pub(super) struct Ctx {
    pub(super) account: Account,
    pub(super) via: Via,
    pub(super) api: bool,
    pub(super) lang: Lang,
    pub(super) path: String,
}

impl Ctx {
    pub(super) fn e(&self) -> (bool, Lang) {
        (self.api, self.lang)
    }

    pub(super) fn csrf(&self) -> &str {
        match &self.via {
            Via::Session { csrf, .. } => csrf.expose_secret(),
            Via::Token => "",
        }
    }

    pub(super) fn forbidden(&self) -> WebError {
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

    pub(super) fn require_admin(&self) -> Result<(), WebError> {
        if self.account.is_admin() {
            Ok(())
        } else {
            Err(self.forbidden())
        }
    }

    pub(super) fn require_bot(&self, bot: &str) -> Result<(), WebError> {
        if self.account.can_access(bot) {
            Ok(())
        } else {
            Err(self.forbidden())
        }
    }

    pub(super) fn bad(&self, message: impl Into<String>) -> WebError {
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
pub(super) struct Fields(pub(super) BTreeMap<String, Vec<String>>);

impl Fields {
    pub(super) fn one(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(|v| v.first()).map(String::as_str)
    }

    pub(super) fn all(&self, k: &str) -> Vec<String> {
        self.0.get(k).cloned().unwrap_or_default()
    }

    pub(super) fn flag(&self, k: &str) -> bool {
        matches!(self.one(k), Some("1" | "true" | "on" | "yes"))
    }

    pub(super) fn parse(headers: &HeaderMap, body: &[u8]) -> Option<Self> {
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

pub(super) fn scalar(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A state-changing request: signed in, body parsed, CSRF checked for browser sessions.
pub(super) struct Write {
    pub(super) ctx: Ctx,
    pub(super) fields: Fields,
}

pub(super) const MAX_BODY: usize = 256 * 1024;

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
pub(super) fn csrf_matches(ctx: &Ctx, sent: Option<&str>) -> bool {
    let sent = sent.unwrap_or("");
    match &ctx.via {
        Via::Session { csrf, .. } => {
            !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(csrf.expose_secret().as_bytes()))
        }
        Via::Token => false,
    }
}

/// 403 `csrf` for a form posted without the session's token (logged with the login and path).
pub(super) fn csrf_refused(ctx: &Ctx) -> Response {
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

pub(super) fn now(s: &AppState) -> DateTime<Utc> {
    (s.clock)()
}

pub(super) async fn audit(s: &AppState, ctx: &Ctx, action: &str, target: &str, detail: &str) {
    if let Err(e) = s
        .store
        .audit(&ctx.account.login, action, target, detail, now(s))
        .await
    {
        tracing::error!(error = %e, action, "audit log write failed");
    }
}

pub(super) fn json_ok<T: Serialize>(v: T) -> Response {
    axum::Json(v).into_response()
}

pub(super) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Only local paths are followed after sign-in or a language switch (no open redirects).
pub(super) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => "/bots".into(),
    }
}

pub(super) fn cookie_header(s: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
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
