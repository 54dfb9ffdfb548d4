//! [`ErgoClient`]: one async method per ERGO CLUB mobile API method.

use loyalty_core::http::{HttpClient, HttpOptions, Response};
use loyalty_core::{LoyaltyError, Phone, Session, de};
use reqwest::multipart::{Form, Part};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{ErgoError, ErgoMethod};
use crate::types::{
    Actions, ArticleText, AuthCodeSent, BalanceInfo, Changes, DATETIME_FORMAT, News, Notices,
    Photo, Profile, ProfileUpdate, QuestionAccepted, RegistrationType, Registrations,
    SnModelRegistration, SnOutcome, SnResponse, Token,
};

/// The production base URL (from the seed: `Host: https://club.ergo-global.com`).
pub const DEFAULT_BASE_URL: &str = "https://club.ergo-global.com/";

/// The path of every call, relative to the base URL.
pub const API_PATH: &str = "api/mobile/";

/// Builds an [`ErgoClient`]. Start with [`ErgoClient::builder`].
#[derive(Debug, Clone)]
pub struct ErgoClientBuilder {
    base_url: String,
    http: HttpOptions,
}

impl Default for ErgoClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: HttpOptions::default(),
        }
    }
}

impl ErgoClientBuilder {
    /// Sets the base URL (default [`DEFAULT_BASE_URL`]); calls go to `{base}/api/mobile/`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    loyalty_core::http_builder_methods!(http);

    /// Builds the client.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] for a base URL that is not an http(s) URL, or when the TLS
    /// backend cannot be set up.
    pub fn build(self) -> Result<ErgoClient, LoyaltyError> {
        Ok(ErgoClient {
            http: self.http.build(&self.base_url)?,
        })
    }
}

/// A client of the ERGO CLUB mobile API. Cheap to clone; holds no secret (the session token
/// travels in the [`Session`] each call takes).
///
/// Every call is `POST {base}/api/mobile/` with a JSON body carrying `"method"` (multipart for
/// `PostSNModel` and `PostQuestion`). ERGO errors (HTTP 200 with an `error` object) become
/// [`LoyaltyError`]s that keep the code and comment; see [`crate::error`].
#[derive(Debug, Clone)]
pub struct ErgoClient {
    http: HttpClient,
}

/// Any JSON value as a comment: text as it is, other values as their JSON (`null` empty).
fn comment_text(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| comment_text(Some(x)))
            .collect::<Vec<_>>()
            .join(" "),
        Some(other) => other.to_string(),
    }
}

/// The error an answer's `error` value carries, if any. `{code, comment}` is the seed's form
/// (a `comment` that is not a string is kept as text); an empty value (`""`, `[]`, `{}`, `0`,
/// `false`) is no error; any other value is an error without a code (code 0) whose comment is
/// that value as text, or the answer's top-level `comment`.
fn read_error(err: &Value, answer: &Map<String, Value>) -> Option<ErgoError> {
    let empty = match err {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_i64() == Some(0),
        Value::Bool(true) => false,
    };
    if empty {
        return None;
    }
    if let Value::Object(o) = err {
        let code = o
            .get("code")
            .and_then(|c| de::int::<_, i64>(c.clone()).ok())
            .unwrap_or(0);
        return Some(ErgoError::new(code, comment_text(o.get("comment"))));
    }
    let text = match err {
        Value::Bool(true) | Value::Number(_) => comment_text(answer.get("comment")),
        other => comment_text(Some(other)),
    };
    let code = match err {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        _ => 0,
    };
    Some(ErgoError::new(code, text))
}

/// `380889993366` → `38088*****66`, for logs.
fn mask_digits(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() <= 6 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..5].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

impl ErgoClient {
    /// A builder with the production base URL and the defaults of
    /// [`loyalty_core::HttpConfig::new`] (5 s connect timeout, 30 s timeout, 3 attempts for reads).
    pub fn builder() -> ErgoClientBuilder {
        ErgoClientBuilder::default()
    }

    /// A client of the production API with the defaults.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] when the TLS backend cannot be set up.
    pub fn new() -> Result<Self, LoyaltyError> {
        Self::builder().build()
    }

    /// The base URL.
    pub fn base_url(&self) -> &str {
        self.http.base_url().as_str()
    }

    /// Reads an answer: an `error` object (whatever the status) becomes the mapped
    /// [`LoyaltyError`]; a non-2xx status without one the generic status error; otherwise the
    /// body decodes as `T`.
    pub(crate) fn decode<T: DeserializeOwned>(
        method: ErgoMethod,
        resp: &Response,
    ) -> Result<T, LoyaltyError> {
        if !resp.truncated {
            if let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(&resp.body) {
                if let Some(err) = obj.get("error").and_then(|e| read_error(e, &obj)) {
                    tracing::debug!(method = %method, code = err.code, "ERGO error");
                    return Err(err.into_loyalty_error(method, Some(resp.status.as_u16())));
                }
            }
        }
        if !resp.status.is_success() {
            return Err(resp.status_error());
        }
        resp.json()
    }

    /// Marks the answers that carry the session (`GetToken`) as sensitive, so their decode and
    /// status errors keep no part of the body (see [`Response::sensitive`]).
    pub(crate) fn guard(method: ErgoMethod, resp: Response) -> Response {
        if matches!(method, ErgoMethod::GetToken) {
            resp.sensitive()
        } else {
            resp
        }
    }

    /// Sends a JSON call: `{"method": ..., "session": ..., ...params}`.
    async fn call_json<T: DeserializeOwned>(
        &self,
        method: ErgoMethod,
        session: Option<&Session>,
        params: Map<String, Value>,
    ) -> Result<T, LoyaltyError> {
        if tracing::enabled!(tracing::Level::TRACE) {
            // Never the session; the phone masked.
            let shown: Map<String, Value> = params
                .iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v.as_str()) {
                        ("phone", Some(p)) => Value::from(mask_digits(p)),
                        ("code", Some(_)) => Value::from("***"),
                        _ => v.clone(),
                    };
                    (k.clone(), v)
                })
                .collect();
            let shown = Value::Object(shown);
            tracing::trace!(method = %method, params = %shown, "ERGO request");
        }
        let mut body = Map::new();
        body.insert("method".into(), Value::from(method.as_str()));
        if let Some(s) = session {
            body.insert(
                "session".into(),
                Value::from(s.token().expose_secret().to_owned()),
            );
        }
        body.extend(params);
        let body = Value::Object(body);
        let resp = self
            .http
            .call(&method.endpoint(), |b| b.json(&body))
            .await?;
        Self::decode(method, &Self::guard(method, resp))
    }

    /// Sends a multipart call; `fields` are text parts after `method` and `session`.
    async fn call_multipart<T: DeserializeOwned>(
        &self,
        method: ErgoMethod,
        session: &Session,
        fields: Vec<(&'static str, String)>,
        file: Option<&Photo>,
    ) -> Result<T, LoyaltyError> {
        if let Some(p) = file {
            Part::bytes(Vec::new()).mime_str(&p.mime).map_err(|_| {
                LoyaltyError::invalid("file", format!("bad MIME type {:?}", p.mime))
            })?;
        }
        let token = session.token();
        let build = |b: reqwest::RequestBuilder| {
            let mut form = Form::new()
                .text("method", method.as_str())
                .text("session", token.expose_secret().to_owned());
            for (k, v) in &fields {
                form = form.text(*k, v.clone());
            }
            if let Some(p) = file {
                let part = Part::bytes(p.bytes.clone()).file_name(p.file_name.clone());
                // The MIME type was checked above; octet-stream is never used in practice.
                let part = match part.mime_str(&p.mime) {
                    Ok(part) => part,
                    Err(_) => Part::bytes(p.bytes.clone()).file_name(p.file_name.clone()),
                };
                form = form.part("file", part);
            }
            b.multipart(form)
        };
        let resp = self.http.call(&method.endpoint(), build).await?;
        Self::decode(method, &Self::guard(method, resp))
    }

    /// `GetAuthCode`: asks ERGO to send a confirmation code by SMS to `phone` (sent as 12 digits,
    /// `380889993366`). State-changing: never repeated once sent.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] (code 1, the phone is not a member),
    /// [`LoyaltyError::CodeAlreadySent`] (code 2), [`LoyaltyError::Blocked`] (code 3),
    /// [`LoyaltyError::OutcomeUnknown`] when the connection failed after sending, and
    /// transport/decode errors.
    pub async fn get_auth_code(&self, phone: &Phone) -> Result<AuthCodeSent, LoyaltyError> {
        let mut p = Map::new();
        p.insert("phone".into(), Value::from(phone.digits()));
        self.call_json(ErgoMethod::GetAuthCode, None, p).await
    }

    /// `GetToken`: exchanges the SMS code for a session. Treated as state-changing (a code is
    /// single-use), so it is never repeated once sent.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] (code 1), [`LoyaltyError::WrongCode`] (code 2),
    /// [`LoyaltyError::Blocked`] (code 3), [`LoyaltyError::InvalidInput`] for an empty code,
    /// [`LoyaltyError::OutcomeUnknown`], transport/decode errors.
    pub async fn get_token(&self, phone: &Phone, code: &str) -> Result<Token, LoyaltyError> {
        let code = code.trim();
        if code.is_empty() {
            return Err(LoyaltyError::invalid("code", "the code is empty"));
        }
        let mut p = Map::new();
        p.insert("phone".into(), Value::from(phone.digits()));
        p.insert("code".into(), Value::from(code));
        self.call_json(ErgoMethod::GetToken, None, p).await
    }

    /// `GetChanges`: which data (profile, actions, notices) changed.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_changes(&self, session: &Session) -> Result<Changes, LoyaltyError> {
        self.call_json(ErgoMethod::GetChanges, Some(session), Map::new())
            .await
    }

    /// `GetProfile`: the seller's profile and trade points.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_profile(&self, session: &Session) -> Result<Profile, LoyaltyError> {
        self.call_json(ErgoMethod::GetProfile, Some(session), Map::new())
            .await
    }

    /// `PostProfile`: changes the name and e-mail; returns the profile as it is now.
    /// State-changing.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// [`LoyaltyError::OutcomeUnknown`], transport/decode errors.
    pub async fn post_profile(
        &self,
        session: &Session,
        update: &ProfileUpdate,
    ) -> Result<Profile, LoyaltyError> {
        let p = match serde_json::to_value(update) {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        self.call_json(ErgoMethod::PostProfile, Some(session), p)
            .await
    }

    /// `GetBalanceInfo`: bonus, points, the registration sums and planned payoffs.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_balance_info(&self, session: &Session) -> Result<BalanceInfo, LoyaltyError> {
        self.call_json(ErgoMethod::GetBalanceInfo, Some(session), Map::new())
            .await
    }

    /// `GetRegistrations`: the registrations of one type.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_registrations(
        &self,
        session: &Session,
        kind: &RegistrationType,
    ) -> Result<Registrations, LoyaltyError> {
        let mut p = Map::new();
        p.insert("type_registration".into(), Value::from(kind.as_str()));
        self.call_json(ErgoMethod::GetRegistrations, Some(session), p)
            .await
    }

    /// `GetNotices`: the seller's notices.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_notices(&self, session: &Session) -> Result<Notices, LoyaltyError> {
        self.call_json(ErgoMethod::GetNotices, Some(session), Map::new())
            .await
    }

    /// `GetActions`: the actions with their models. They change rarely; see
    /// [`crate::ActionsCache`] to avoid calling this on every button press.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_actions(&self, session: &Session) -> Result<Actions, LoyaltyError> {
        self.call_json(ErgoMethod::GetActions, Some(session), Map::new())
            .await
    }

    /// `PostSN`: the quick registration of a serial number. The seed's field table names the key
    /// `sn` while its example sends `serial`; both keys are sent with the same value.
    /// State-changing: never repeated once sent.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] on field `sn` for codes 13 (not in any action), 16
    /// (incorrect or already registered: see [`crate::ErgoErrorKind`]) and 17 (several actions),
    /// [`LoyaltyError::SessionExpired`], [`LoyaltyError::Blocked`],
    /// [`LoyaltyError::OutcomeUnknown`] when the connection failed after sending, and
    /// transport/decode errors.
    pub async fn post_sn(
        &self,
        session: &Session,
        serial: &str,
    ) -> Result<SnOutcome, LoyaltyError> {
        let serial = serial.trim();
        if serial.is_empty() {
            return Err(LoyaltyError::invalid("sn", "the serial number is empty"));
        }
        let mut p = Map::new();
        p.insert("sn".into(), Value::from(serial));
        p.insert("serial".into(), Value::from(serial));
        let r: SnResponse = self.call_json(ErgoMethod::PostSN, Some(session), p).await?;
        Ok(r.into())
    }

    /// `PostSNModel`: the full registration of a serial number for an action and model, as
    /// `multipart/form-data` with fields `method`, `session`, `action_id`, `model_id`, `date`
    /// (`YYYY-MM-DD HH:MM:SS`), `sn`, optional `sn_tt` and an optional `file` part.
    /// State-changing: never repeated once sent. ERGO documents `result: 1` only.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for codes 11/12 (field `action_id`), 13/16 (`sn`),
    /// 14 (`sn_tt` or `file`, told apart by the comment) and 15 (`file`, photo required);
    /// [`LoyaltyError::SessionExpired`], [`LoyaltyError::Blocked`],
    /// [`LoyaltyError::OutcomeUnknown`], transport/decode errors.
    pub async fn post_sn_model(
        &self,
        session: &Session,
        reg: &SnModelRegistration,
    ) -> Result<SnOutcome, LoyaltyError> {
        let serial = reg.serial.trim();
        if serial.is_empty() {
            return Err(LoyaltyError::invalid("sn", "the serial number is empty"));
        }
        let mut fields = vec![
            ("action_id", reg.action_id.to_string()),
            ("model_id", reg.model_id.to_string()),
            ("date", reg.captured_at.format(DATETIME_FORMAT).to_string()),
            ("sn", serial.to_owned()),
        ];
        if let Some(tt) = reg.trade_point_id {
            fields.push(("sn_tt", tt.to_string()));
        }
        let r: SnResponse = self
            .call_multipart(ErgoMethod::PostSNModel, session, fields, reg.photo.as_ref())
            .await?;
        Ok(r.into())
    }

    /// `PostQuestion`: a question to support, as `multipart/form-data` (`method`, `session`,
    /// `question`, optional `file`). State-changing: never repeated once sent.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for an empty question, [`LoyaltyError::SessionExpired`],
    /// [`LoyaltyError::Blocked`], [`LoyaltyError::OutcomeUnknown`], transport/decode errors.
    pub async fn post_question(
        &self,
        session: &Session,
        question: &str,
        photo: Option<&Photo>,
    ) -> Result<QuestionAccepted, LoyaltyError> {
        if question.trim().is_empty() {
            return Err(LoyaltyError::invalid("question", "the question is empty"));
        }
        self.call_multipart(
            ErgoMethod::PostQuestion,
            session,
            vec![("question", question.to_owned())],
            photo,
        )
        .await
    }

    /// `GetNews`: the news list.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_news(&self, session: &Session) -> Result<News, LoyaltyError> {
        self.call_json(ErgoMethod::GetNews, Some(session), Map::new())
            .await
    }

    /// `GetArticle`: the HTML text of one news item (`article_id` is sent as a string, as in the
    /// seed).
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] (codes 1 and 2), [`LoyaltyError::Blocked`] (code 3),
    /// transport/decode errors.
    pub async fn get_article(
        &self,
        session: &Session,
        article_id: u64,
    ) -> Result<ArticleText, LoyaltyError> {
        let mut p = Map::new();
        p.insert("article_id".into(), Value::from(article_id.to_string()));
        self.call_json(ErgoMethod::GetArticle, Some(session), p)
            .await
    }
}
