//! The MAX Bot API client: configuration, the one `call` choke point, error mapping, and the API
//! calls as methods.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use messenger_core::tls::{read_capped, retry_after_header, with_retry_after};
use messenger_core::{ApiDetail, Limits, MessengerError, PollOptions, RateLimitScope};
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::types::{
    ApiError, BotInfo, CallbackAnswer, GetUpdates, NewMessageBody, SendMessageResult,
    SimpleQueryResult, SubscriptionRequest, Subscriptions, Target, UploadEndpoint,
};

/// The current API host (`platform-api.max.ru` is deprecated, `botapi.max.ru` is older still).
pub const DEFAULT_BASE_URL: &str = "https://platform-api2.max.ru";
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout of one call (long polls get their polling timeout on top).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The biggest incoming file downloaded (MAX accepts images up to 50 MB).
pub const MAX_DOWNLOAD_BYTES: usize = 50 * 1024 * 1024;
/// How many redirects a file download without the token follows.
const MAX_DOWNLOAD_REDIRECTS: usize = 5;
/// Cap on an API answer.
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// The header MAX puts the webhook secret in.
pub const SECRET_HEADER: &str = "X-Max-Bot-Api-Secret";
/// The error code of a message referencing an upload MAX is still processing.
pub const ATTACHMENT_NOT_READY: &str = "attachment.not.ready";
/// The update types subscribed to and polled by default.
pub const DEFAULT_UPDATE_TYPES: &[&str] = &[
    "message_created",
    "message_callback",
    "bot_started",
    "bot_stopped",
    "dialog_removed",
];

/// Builds a [`MaxBot`].
pub struct MaxBotBuilder {
    token: SecretString,
    base_url: String,
    connect_timeout: Duration,
    timeout: Duration,
    http_client: Option<reqwest::Client>,
    root_certificates: Vec<Vec<u8>>,
    webhook_secret: Option<SecretString>,
    update_types: Option<Vec<String>>,
    poll_limit: Option<u32>,
    not_ready_delays: Vec<Duration>,
    limits: Limits,
}

impl fmt::Debug for MaxBotBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxBotBuilder")
            .field("token", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("root_certificates", &self.root_certificates.len())
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl MaxBotBuilder {
    /// Sets the API server (default [`DEFAULT_BASE_URL`]); tests point it at a fake.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the total timeout of one call.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Uses the caller's `reqwest::Client` (proxies, certificates). Extra root certificates given
    /// with [`MaxBotBuilder::root_certificates_pem`] are then ignored: configure them on that
    /// client.
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: this adapter answers a 3xx
    /// with [`messenger_core::MessengerError::Redirected`], but only a client that does not follow
    /// redirects keeps the token from reaching another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Trusts the root certificates in `pem` (one or several `BEGIN CERTIFICATE` blocks) **in
    /// addition to** the system's. MAX asks integrators to trust the Russian Ministry of Digital
    /// Development root CA; pass its PEM here when the host's trust store lacks it.
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// The secret given to `POST /subscriptions`; webhook requests must carry it in
    /// [`SECRET_HEADER`]. Without it [`messenger_core::Messenger::parse_webhook`] rejects every
    /// request.
    pub fn webhook_secret(mut self, secret: SecretString) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// The update types long polling asks for (default [`DEFAULT_UPDATE_TYPES`]).
    pub fn update_types(mut self, types: Vec<String>) -> Self {
        self.update_types = Some(types);
        self
    }

    /// How many updates one poll fetches (1–1000; MAX's default 100 when unset).
    pub fn poll_limit(mut self, limit: u32) -> Self {
        self.poll_limit = Some(limit.clamp(1, 1000));
        self
    }

    /// The pauses between attempts when MAX answers `attachment.not.ready` (default 1 s then
    /// 2 s: three attempts, as the official Go client). An empty list disables the retry.
    pub fn attachment_retry_delays(mut self, delays: Vec<Duration>) -> Self {
        self.not_ready_delays = delays;
        self
    }

    /// Overrides the limits used for validation and throttling (default [`Limits::max`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`MessengerError::Config`] for an empty token or one that cannot be a header value (the
    /// token itself is never echoed), a base URL that is not http(s), a webhook secret that is
    /// not 5–256 characters of `A-Z a-z 0-9 _ -`, a PEM without a usable certificate, or a TLS
    /// set-up failure.
    pub fn build(self) -> Result<MaxBot, MessengerError> {
        let token = self.token.expose_secret();
        let mut auth = HeaderValue::from_str(token).map_err(|_| {
            MessengerError::Config(
                "the bot token has an unexpected format (it must be printable ASCII)".to_owned(),
            )
        })?;
        if token.trim().is_empty() || token.chars().any(char::is_whitespace) {
            return Err(MessengerError::Config(
                "the bot token is empty or contains whitespace".to_owned(),
            ));
        }
        auth.set_sensitive(true);
        let base = messenger_core::tls::base_url(&self.base_url)?;
        if let Some(secret) = &self.webhook_secret {
            messenger_core::tls::check_webhook_secret(secret, 5)?;
        }
        let http = match self.http_client {
            Some(c) => c,
            None => {
                let mut certs = Vec::new();
                for pem in &self.root_certificates {
                    let found = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                        MessengerError::Config(format!("unreadable root certificate PEM: {e}"))
                    })?;
                    if found.is_empty() {
                        return Err(MessengerError::Config(
                            "the root certificate PEM holds no certificate".to_owned(),
                        ));
                    }
                    certs.extend(found);
                }
                let mut builder = messenger_core::tls::client_builder(
                    self.connect_timeout,
                    concat!("messenger-max/", env!("CARGO_PKG_VERSION")),
                );
                if !certs.is_empty() {
                    builder = builder.tls_certs_merge(certs);
                }
                messenger_core::tls::build_client(builder)?
            }
        };
        let api_host = reqwest::Url::parse(&base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned));
        Ok(MaxBot {
            http,
            auth,
            base_url: base,
            api_host,
            timeout: self.timeout,
            webhook_secret: self.webhook_secret,
            update_types: self.update_types.unwrap_or_else(|| {
                DEFAULT_UPDATE_TYPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect()
            }),
            poll_limit: self.poll_limit,
            not_ready_delays: self.not_ready_delays,
            limits: self.limits,
        })
    }
}

/// A MAX bot: the Bot API calls as methods, and [`messenger_core::Messenger`].
///
/// The token goes only in the `Authorization` header (marked sensitive), never in a URL, log or
/// error; `Debug` redacts it and the webhook secret.
#[derive(Clone)]
pub struct MaxBot {
    http: reqwest::Client,
    auth: HeaderValue,
    base_url: String,
    api_host: Option<String>,
    timeout: Duration,
    pub(crate) webhook_secret: Option<SecretString>,
    pub(crate) update_types: Vec<String>,
    pub(crate) poll_limit: Option<u32>,
    not_ready_delays: Vec<Duration>,
    pub(crate) limits: Limits,
}

impl fmt::Debug for MaxBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxBot")
            .field("token", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("update_types", &self.update_types)
            .finish_non_exhaustive()
    }
}

enum Body {
    None,
    Json(Vec<u8>),
}

impl MaxBot {
    /// A builder for `token` with the defaults: [`DEFAULT_BASE_URL`], 5 s connect timeout, 30 s
    /// timeout, [`Limits::max`], `attachment.not.ready` retried after 1 s and 2 s.
    pub fn builder(token: SecretString) -> MaxBotBuilder {
        MaxBotBuilder {
            token,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            http_client: None,
            root_certificates: Vec::new(),
            webhook_secret: None,
            update_types: None,
            poll_limit: None,
            not_ready_delays: vec![Duration::from_secs(1), Duration::from_secs(2)],
            limits: Limits::max(),
        }
    }

    /// The API server this bot talks to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Polling options matching the official client's backoff: 30 s polls, 5 s after the first
    /// failure (429/5xx), doubling up to 60 s. Use with [`messenger_core::polling::updates`].
    pub fn poll_options() -> PollOptions {
        PollOptions::default().with_backoff(Duration::from_secs(5), Duration::from_secs(60))
    }

    /// Calls `method path?query` with an optional JSON body and decodes the answer.
    async fn call<T: DeserializeOwned>(
        &self,
        op: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Body,
        timeout: Duration,
    ) -> Result<T, MessengerError> {
        let span = tracing::debug_span!("max", op, status = tracing::field::Empty);
        async {
            let mut req = self
                .http
                .request(method, format!("{}{}", self.base_url, path))
                .timeout(timeout)
                .header(AUTHORIZATION, self.auth.clone());
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Body::Json(b) = body {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b);
            }
            let resp = req.send().await.map_err(transport)?;
            let status = resp.status().as_u16();
            tracing::Span::current().record("status", status);
            let retry_after = retry_after_header(resp.headers());
            let bytes = read_capped(resp, MAX_RESPONSE_BYTES, op).await?;
            let result = if (200..300).contains(&status) {
                serde_json::from_slice::<T>(&bytes)
                    .map_err(|e| MessengerError::decode(op, status, e.to_string(), &bytes))
            } else {
                Err(with_retry_after(map_error(status, &bytes), retry_after))
            };
            if let Err(e) = &result {
                tracing::debug!(error = %e, "max call failed");
            }
            result
        }
        .instrument(span)
        .await
    }

    async fn call_json<T: DeserializeOwned, B: serde::Serialize>(
        &self,
        op: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: &B,
    ) -> Result<T, MessengerError> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| MessengerError::Config(format!("cannot encode {op}: {e}")))?;
        self.call(op, method, path, query, Body::Json(bytes), self.timeout)
            .await
    }

    /// Retries `f` while MAX answers `attachment.not.ready`, pausing per the configured delays.
    async fn retry_not_ready<T, F, Fut>(&self, mut f: F) -> Result<T, MessengerError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, MessengerError>>,
    {
        let mut delays = self.not_ready_delays.iter();
        loop {
            match f().await {
                Err(e) if is_not_ready(&e) => match delays.next() {
                    Some(d) => {
                        tracing::debug!(wait_ms = d.as_millis(), "attachment not ready; retrying");
                        tokio::time::sleep(*d).await;
                    }
                    None => return Err(e),
                },
                other => return other,
            }
        }
    }

    fn checked(op: &'static str, r: SimpleQueryResult) -> Result<(), MessengerError> {
        if r.success {
            Ok(())
        } else {
            Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(Some(200), None, r.message.unwrap_or_else(|| op.to_owned())),
            })
        }
    }

    /// `GET /me`: the bot itself.
    ///
    /// # Errors
    /// The mapping of [`crate`]: 401 → [`MessengerError::Unauthorized`], 403 →
    /// [`MessengerError::Blocked`], 404 → [`MessengerError::ChatNotFound`] (both only for MAX's
    /// JSON error with a user/chat code; any other 403/404 → `InvalidRequest`), 429 →
    /// [`MessengerError::RateLimited`], 5xx and `attachment.not.ready` →
    /// [`MessengerError::Server`], other codes → [`MessengerError::InvalidRequest`];
    /// [`MessengerError::Transport`] and [`MessengerError::Decode`].
    pub async fn get_me(&self) -> Result<BotInfo, MessengerError> {
        self.call("get_me", Method::GET, "/me", &[], Body::None, self.timeout)
            .await
    }

    /// `GET /updates`, raw (parse each with [`crate::parse_update`], which never fails). The HTTP
    /// timeout is the polling timeout plus the configured call timeout.
    ///
    /// # Errors
    /// As [`MaxBot::get_me`].
    pub async fn get_updates(
        &self,
        request: &GetUpdates,
    ) -> Result<crate::types::UpdateList, MessengerError> {
        let wait = Duration::from_secs(u64::from(request.timeout.unwrap_or(30)));
        self.call(
            "get_updates",
            Method::GET,
            "/updates",
            &request.query(),
            Body::None,
            self.timeout + wait,
        )
        .await
    }

    /// `POST /subscriptions`: switches the bot to webhook delivery (long polling stops working).
    ///
    /// # Errors
    /// As [`MaxBot::get_me`]; [`MessengerError::InvalidRequest`] on `success: false`.
    pub async fn subscribe(&self, request: &SubscriptionRequest) -> Result<(), MessengerError> {
        let r = self
            .call_json("subscribe", Method::POST, "/subscriptions", &[], request)
            .await?;
        Self::checked("subscribe", r)
    }

    /// `GET /subscriptions`.
    ///
    /// # Errors
    /// As [`MaxBot::get_me`].
    pub async fn get_subscriptions(&self) -> Result<Subscriptions, MessengerError> {
        self.call(
            "get_subscriptions",
            Method::GET,
            "/subscriptions",
            &[],
            Body::None,
            self.timeout,
        )
        .await
    }

    /// `DELETE /subscriptions?url=`: removes the webhook; long polling works again.
    ///
    /// # Errors
    /// As [`MaxBot::subscribe`].
    pub async fn unsubscribe(&self, url: &str) -> Result<(), MessengerError> {
        let r = self
            .call(
                "unsubscribe",
                Method::DELETE,
                "/subscriptions",
                &[("url", url.to_owned())],
                Body::None,
                self.timeout,
            )
            .await?;
        Self::checked("unsubscribe", r)
    }

    /// `POST /messages?user_id=|chat_id=`. Retried on `attachment.not.ready` (the message was
    /// not created, so a retry cannot duplicate it).
    ///
    /// # Errors
    /// As [`MaxBot::get_me`]; 403 → [`MessengerError::Blocked`] when the user stopped the bot.
    pub async fn send_message(
        &self,
        target: Target,
        body: &NewMessageBody,
        disable_link_preview: bool,
    ) -> Result<SendMessageResult, MessengerError> {
        let mut query = vec![target.query()];
        if disable_link_preview {
            query.push(("disable_link_preview", "true".to_owned()));
        }
        self.retry_not_ready(|| {
            self.call_json("send_message", Method::POST, "/messages", &query, body)
        })
        .await
    }

    /// `PUT /messages?message_id=`: replaces text and attachments (`attachments` omitted keeps
    /// them, `[]` removes them). Retried on `attachment.not.ready`.
    ///
    /// # Errors
    /// As [`MaxBot::subscribe`].
    pub async fn edit_message(
        &self,
        mid: &str,
        body: &NewMessageBody,
    ) -> Result<(), MessengerError> {
        let query = [("message_id", mid.to_owned())];
        let r = self
            .retry_not_ready(|| {
                self.call_json("edit_message", Method::PUT, "/messages", &query, body)
            })
            .await?;
        Self::checked("edit_message", r)
    }

    /// `DELETE /messages?message_id=`.
    ///
    /// # Errors
    /// As [`MaxBot::subscribe`].
    pub async fn delete_message(&self, mid: &str) -> Result<(), MessengerError> {
        let r = self
            .call(
                "delete_message",
                Method::DELETE,
                "/messages",
                &[("message_id", mid.to_owned())],
                Body::None,
                self.timeout,
            )
            .await?;
        Self::checked("delete_message", r)
    }

    /// `POST /chats/{chat_id}/actions` with `{"action": …}` (`typing_on`, `sending_photo`,
    /// `sending_file`, `mark_seen`, …): shows the bot's activity in the chat. `chat_id` is the
    /// chat's own id (a dialog's `recipient.chat_id`, not the user id).
    ///
    /// # Errors
    /// As [`MaxBot::subscribe`].
    pub async fn send_action(&self, chat_id: i64, action: &str) -> Result<(), MessengerError> {
        let body = serde_json::to_vec(&serde_json::json!({ "action": action }))
            .map_err(|e| MessengerError::Config(format!("cannot encode the action: {e}")))?;
        let r = self
            .call(
                "send_action",
                Method::POST,
                &format!("/chats/{chat_id}/actions"),
                &[],
                Body::Json(body),
                self.timeout,
            )
            .await?;
        Self::checked("send_action", r)
    }

    /// Any call: `method path?query` with an optional JSON body, answered with any JSON. For
    /// [`messenger_core::Messenger::send_raw`].
    pub(crate) async fn call_raw(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Result<serde_json::Value, MessengerError> {
        let body = body.map_or(Body::None, Body::Json);
        self.call("raw", method, path, query, body, self.timeout)
            .await
    }

    /// `POST /answers?callback_id=`: a toast and/or a replacement for the message.
    ///
    /// # Errors
    /// As [`MaxBot::subscribe`].
    pub async fn answer_callback(
        &self,
        callback_id: &str,
        answer: &CallbackAnswer,
    ) -> Result<(), MessengerError> {
        let query = [("callback_id", callback_id.to_owned())];
        let r = self
            .retry_not_ready(|| {
                self.call_json("answer_callback", Method::POST, "/answers", &query, answer)
            })
            .await?;
        Self::checked("answer_callback", r)
    }

    /// `POST /uploads?type=<kind>` (`image`, `video`, `audio`, `file`): a one-file upload URL.
    ///
    /// # Errors
    /// As [`MaxBot::get_me`].
    pub async fn upload_url(&self, kind: &str) -> Result<UploadEndpoint, MessengerError> {
        self.call(
            "upload_url",
            Method::POST,
            "/uploads",
            &[("type", kind.to_owned())],
            Body::None,
            self.timeout,
        )
        .await
    }

    /// Uploads a picture: `POST /uploads?type=image`, then the bytes as `multipart/form-data`
    /// part `data` to the returned URL (without the bot token: the URL is the credential), and
    /// returns the token to send as `{"type": "image", "payload": {"token": …}}`.
    ///
    /// # Errors
    /// As [`MaxBot::get_me`]; [`MessengerError::Decode`] when the upload answer holds no token.
    pub async fn upload_image(
        &self,
        data: Bytes,
        file_name: &str,
        mime_type: &str,
    ) -> Result<String, MessengerError> {
        let endpoint = self.upload_url("image").await?;
        let part = reqwest::multipart::Part::stream(data)
            .file_name(file_name.to_owned())
            .mime_str(mime_type)
            .map_err(|e| MessengerError::Config(format!("bad MIME type {mime_type:?}: {e}")))?;
        let form = reqwest::multipart::Form::new().part("data", part);
        let span = tracing::debug_span!("max", op = "upload_image", status = tracing::field::Empty);
        async {
            let resp = self
                .http
                .post(&endpoint.url)
                .timeout(self.timeout)
                .multipart(form)
                .send()
                .await
                .map_err(transport)?;
            let status = resp.status().as_u16();
            tracing::Span::current().record("status", status);
            let retry_after = retry_after_header(resp.headers());
            let bytes = read_capped(resp, MAX_RESPONSE_BYTES, "upload_image").await?;
            if !(200..300).contains(&status) {
                return Err(with_retry_after(map_error(status, &bytes), retry_after));
            }
            let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                MessengerError::decode("upload_image", status, e.to_string(), &bytes)
            })?;
            upload_token(&value).ok_or_else(|| {
                MessengerError::decode("upload_image", status, "no token in the answer", &bytes)
            })
        }
        .instrument(span)
        .await
    }

    /// Downloads a file a user sent, by its `payload.url` (at most [`MAX_DOWNLOAD_BYTES`]).
    /// Sent without the token; on 401/403 it is retried once with `Authorization`, but only when
    /// the URL is on the API host or a `max.ru`/`oneme.ru` host (inferred: MAX's file URLs need
    /// no auth).
    ///
    /// # Errors
    /// [`MessengerError::InvalidRequest`] for a URL that is not http(s),
    /// [`MessengerError::Transport`], a non-2xx status mapped like an API error,
    /// [`MessengerError::Decode`] for a file over the cap.
    pub async fn download_url(&self, url: &str) -> Result<Bytes, MessengerError> {
        let parsed = url::Url::parse(url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "the file URL is not http(s)"),
            })?;
        let trusted = parsed.host_str().is_some_and(|h| {
            Some(h) == self.api_host.as_deref()
                || ["max.ru", "oneme.ru"]
                    .iter()
                    .any(|d| h == *d || h.ends_with(&format!(".{d}")))
        });
        let span = tracing::debug_span!("max", op = "download", status = tracing::field::Empty);
        async {
            let mut with_auth = false;
            let mut target = parsed.clone();
            let mut hops = 0;
            loop {
                let mut req = self.http.get(target.clone()).timeout(self.timeout);
                if with_auth {
                    req = req.header(AUTHORIZATION, self.auth.clone());
                }
                let resp = req.send().await.map_err(transport)?;
                let status = resp.status().as_u16();
                tracing::Span::current().record("status", status);
                // Without the token a redirect (a CDN) is followed here, by hand and a few times;
                // with it, never (read_capped turns it into `Redirected`).
                if !with_auth && hops < MAX_DOWNLOAD_REDIRECTS {
                    if let Some(next) = messenger_core::redirect_target(&resp) {
                        hops += 1;
                        target = next;
                        continue;
                    }
                }
                if matches!(status, 401 | 403) && !with_auth && trusted && target == parsed {
                    with_auth = true;
                    continue;
                }
                let bytes = read_capped(resp, MAX_DOWNLOAD_BYTES, "download").await?;
                if !(200..300).contains(&status) {
                    return Err(map_error(status, &bytes));
                }
                return Ok(bytes);
            }
        }
        .instrument(span)
        .await
    }
}

/// The token of an upload answer: `{"photos": {"<key>": {"token": "…"}}}` or `{"token": "…"}`.
fn upload_token(v: &serde_json::Value) -> Option<String> {
    if let Some(t) = v.get("token").and_then(serde_json::Value::as_str) {
        return Some(t.to_owned());
    }
    v.get("photos")?
        .as_object()?
        .values()
        .find_map(|p| p.get("token").and_then(serde_json::Value::as_str))
        .map(str::to_owned)
}

/// Whether `e` is MAX's `attachment.not.ready`.
pub fn is_not_ready(e: &MessengerError) -> bool {
    e.detail()
        .and_then(|d| d.code.as_deref())
        .is_some_and(|c| c == ATTACHMENT_NOT_READY)
}

/// Whether a MAX error code is about the recipient: one of its dot-separated words is `user`,
/// `chat`, `dialog` or `member` (`chat.denied`, `chat.not.found`, `user.not.found`,
/// `dialog.suspended`).
fn names_recipient(code: &str) -> bool {
    code.split(['.', '_', '-'])
        .any(|w| matches!(w, "user" | "chat" | "dialog" | "member"))
}

/// Maps a non-2xx answer (`{code, message}` or anything else) to a [`MessengerError`], keeping
/// the HTTP status and MAX's code string. 403 → `Blocked` and 404 → `ChatNotFound` only for a
/// JSON error whose code names a user or chat (see `names_recipient`); any other 403/404
/// (an HTML page, no body, `not.found` for a path) → `InvalidRequest`.
pub(crate) fn map_error(status: u16, body: &[u8]) -> MessengerError {
    let parsed: Option<ApiError> = serde_json::from_slice(body).ok();
    let (code, description) = match parsed {
        Some(e) => (
            e.code.filter(|c| !c.is_empty()),
            e.message
                .filter(|m| !m.is_empty())
                .or(e.error)
                .unwrap_or_default(),
        ),
        None => (None, messenger_core::snippet(body)),
    };
    let not_ready = code.as_deref() == Some(ATTACHMENT_NOT_READY);
    let about_recipient = code.as_deref().is_some_and(names_recipient);
    let detail = ApiDetail::new(Some(status), code, description);
    match status {
        _ if not_ready => MessengerError::Server { detail },
        // "Gone" only when MAX itself says the user or chat is: its JSON error with a user/chat
        // code. A proxy's HTML page, a bare 404 from a wrong base URL or a code about something
        // else must never deactivate the audience.
        403 | 404 if !about_recipient => MessengerError::InvalidRequest { detail },
        // MAX documents one limit, 30 requests a second per bot: the whole bot waits.
        429 => MessengerError::RateLimited {
            scope: RateLimitScope::Bot,
            retry_after: None,
            detail,
        },
        401 => MessengerError::Unauthorized { detail },
        403 => MessengerError::Blocked { detail },
        404 => MessengerError::ChatNotFound { detail },
        409 => MessengerError::Conflict { detail },
        500..=599 => MessengerError::Server { detail },
        _ => MessengerError::InvalidRequest { detail },
    }
}

pub(crate) use messenger_core::tls::transport_error as transport;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_mapping() {
        let e = map_error(
            401,
            br#"{"code":"verify.token","message":"Invalid access_token"}"#,
        );
        assert!(matches!(&e, MessengerError::Unauthorized { detail }
            if detail.code.as_deref() == Some("verify.token") && detail.status == Some(401)));
        let e = map_error(
            429,
            br#"{"code":"too.many.requests","message":"slow down"}"#,
        );
        assert!(e.is_retryable() && e.retry_after().is_none());
        let e = map_error(400, br#"{"code":"attachment.not.ready","message":""}"#);
        assert!(is_not_ready(&e) && e.is_retryable());
        assert!(
            map_error(403, br#"{"code":"chat.denied","message":"stopped"}"#).is_recipient_gone()
        );
        assert!(matches!(
            map_error(404, br#"{"code":"chat.not.found","message":"x"}"#),
            MessengerError::ChatNotFound { .. }
        ));
        assert!(!map_error(404, br#"{"code":"not.found","message":"x"}"#).is_recipient_gone());
        let e = map_error(502, b"<html>Bad Gateway</html>");
        assert!(matches!(&e, MessengerError::Server { detail }
            if detail.status == Some(502) && detail.description.contains("Bad Gateway")));
        assert!(matches!(
            map_error(400, br#"{"code":"proto.payload","error":"bad"}"#),
            MessengerError::InvalidRequest { detail } if detail.description == "bad"
        ));
    }

    #[test]
    fn upload_tokens() {
        let v = serde_json::json!({"photos": {"abc": {"token": "T1"}}});
        assert_eq!(upload_token(&v).as_deref(), Some("T1"));
        assert_eq!(
            upload_token(&serde_json::json!({"token": "T2"})).as_deref(),
            Some("T2")
        );
        assert_eq!(upload_token(&serde_json::json!({"x": 1})), None);
    }
}
