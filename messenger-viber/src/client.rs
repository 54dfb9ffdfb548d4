//! The Viber REST Bot API client: configuration, the one `execute` choke point and the
//! `{status, status_message}` envelope mapping.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use messenger_core::tls::{read_capped, retry_after_header, with_retry_after};
use messenger_core::{ApiDetail, Limits, MessengerError, RateLimitScope, ValidationError};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;

use crate::media::MediaHost;
use crate::types::{
    AccountInfo, BroadcastMessage, BroadcastResponse, GetAccountInfo, GetOnline, GetUserDetails,
    Method, OnlineResponse, SendMessage, SendMessageResponse, Sender, SetWebhook,
    SetWebhookResponse, UserDetails,
};

/// The public API server (methods are `POST <base>/<method>`).
pub const DEFAULT_BASE_URL: &str = "https://chatapi.viber.com/pa";
/// The header that carries the auth token on every call.
pub const AUTH_HEADER: &str = "X-Viber-Auth-Token";
/// The header that carries the webhook signature.
pub const SIGNATURE_HEADER: &str = "X-Viber-Content-Signature";
/// The largest JSON request Viber accepts (30 KB); bigger ones are refused before sending.
pub const MAX_REQUEST_BYTES: usize = 30 * 1024;
/// The most receivers of one `broadcast_message` call.
pub const BROADCAST_MAX_RECEIVERS: usize = 300;
/// The most ids of one `get_online` call.
pub const ONLINE_MAX_IDS: usize = 100;
/// The longest sender name.
pub const SENDER_NAME_MAX: usize = 28;
/// The biggest file [`crate::ViberBot::download_media`] reads.
pub const MAX_DOWNLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout of one call.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a user hit by status 12 ("too many requests") should be left alone: the cap is 100
/// messages per user per hour without a reply.
pub const TOO_MANY_REQUESTS_WAIT: Duration = Duration::from_secs(3600);
/// How many redirects a media download follows (it carries no credentials).
const MAX_MEDIA_REDIRECTS: usize = 5;
/// Cap on an API answer.
const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A Viber API status code, named. Unknown codes are kept in [`ViberStatus::Other`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViberStatus {
    /// 0 `ok`.
    Ok,
    /// 1 `invalidUrl`.
    InvalidUrl,
    /// 2 `invalidAuthToken`.
    InvalidAuthToken,
    /// 3 `badData`.
    BadData,
    /// 4 `missingData`.
    MissingData,
    /// 5 `receiverNotRegistered`: the user is gone.
    ReceiverNotRegistered,
    /// 6 `receiverNotSubscribed`: the user unsubscribed.
    ReceiverNotSubscribed,
    /// 7 `publicAccountBlocked`.
    PublicAccountBlocked,
    /// 8 `publicAccountNotFound`.
    PublicAccountNotFound,
    /// 9 `publicAccountSuspended`.
    PublicAccountSuspended,
    /// 10 `webhookNotSet`.
    WebhookNotSet,
    /// 11 `receiverNoSuitableDevice`.
    ReceiverNoSuitableDevice,
    /// 12 `tooManyRequests` (100 messages to one user within an hour without a reply).
    TooManyRequests,
    /// 13 `apiVersionNotSupported`.
    ApiVersionNotSupported,
    /// 14 `incompatibleWithVersion`.
    IncompatibleWithVersion,
    /// 15 `publicAccountNotAuthorized`.
    PublicAccountNotAuthorized,
    /// 16 `inchatReplyMessageNotAllowed`.
    InchatReplyMessageNotAllowed,
    /// 17 `publicAccountIsNotInline`.
    PublicAccountIsNotInline,
    /// 18 `noPublicChat`.
    NoPublicChat,
    /// 19 `cannotSendBroadcast`.
    CannotSendBroadcast,
    /// 20 `broadcastNotAllowed`.
    BroadcastNotAllowed,
    /// 21 `unsupportedCountry`.
    UnsupportedCountry,
    /// 22 `paymentUnsupported`.
    PaymentUnsupported,
    /// 23 `freeMessagesExceeded`.
    FreeMessagesExceeded,
    /// 24 `noBalance`.
    NoBalance,
    /// Any other code ("general error").
    Other(i64),
}

const NAMED: [(i64, ViberStatus, &str); 25] = [
    (0, ViberStatus::Ok, "ok"),
    (1, ViberStatus::InvalidUrl, "invalidUrl"),
    (2, ViberStatus::InvalidAuthToken, "invalidAuthToken"),
    (3, ViberStatus::BadData, "badData"),
    (4, ViberStatus::MissingData, "missingData"),
    (
        5,
        ViberStatus::ReceiverNotRegistered,
        "receiverNotRegistered",
    ),
    (
        6,
        ViberStatus::ReceiverNotSubscribed,
        "receiverNotSubscribed",
    ),
    (7, ViberStatus::PublicAccountBlocked, "publicAccountBlocked"),
    (
        8,
        ViberStatus::PublicAccountNotFound,
        "publicAccountNotFound",
    ),
    (
        9,
        ViberStatus::PublicAccountSuspended,
        "publicAccountSuspended",
    ),
    (10, ViberStatus::WebhookNotSet, "webhookNotSet"),
    (
        11,
        ViberStatus::ReceiverNoSuitableDevice,
        "receiverNoSuitableDevice",
    ),
    (12, ViberStatus::TooManyRequests, "tooManyRequests"),
    (
        13,
        ViberStatus::ApiVersionNotSupported,
        "apiVersionNotSupported",
    ),
    (
        14,
        ViberStatus::IncompatibleWithVersion,
        "incompatibleWithVersion",
    ),
    (
        15,
        ViberStatus::PublicAccountNotAuthorized,
        "publicAccountNotAuthorized",
    ),
    (
        16,
        ViberStatus::InchatReplyMessageNotAllowed,
        "inchatReplyMessageNotAllowed",
    ),
    (
        17,
        ViberStatus::PublicAccountIsNotInline,
        "publicAccountIsNotInline",
    ),
    (18, ViberStatus::NoPublicChat, "noPublicChat"),
    (19, ViberStatus::CannotSendBroadcast, "cannotSendBroadcast"),
    (20, ViberStatus::BroadcastNotAllowed, "broadcastNotAllowed"),
    (21, ViberStatus::UnsupportedCountry, "unsupportedCountry"),
    (22, ViberStatus::PaymentUnsupported, "paymentUnsupported"),
    (
        23,
        ViberStatus::FreeMessagesExceeded,
        "freeMessagesExceeded",
    ),
    (24, ViberStatus::NoBalance, "noBalance"),
];

impl ViberStatus {
    /// The status for a code.
    pub fn from_code(code: i64) -> Self {
        NAMED
            .iter()
            .find(|(c, _, _)| *c == code)
            .map_or(Self::Other(code), |(_, s, _)| *s)
    }

    /// The numeric code.
    pub fn code(&self) -> i64 {
        match self {
            Self::Other(c) => *c,
            s => NAMED
                .iter()
                .find(|(_, n, _)| n == s)
                .map_or(-1, |(c, _, _)| *c),
        }
    }

    /// Viber's name for it (`"tooManyRequests"`), or `"generalError"` for unknown codes.
    pub fn as_str(&self) -> &'static str {
        NAMED
            .iter()
            .find(|(_, n, _)| n == self)
            .map_or("generalError", |(_, _, name)| name)
    }

    /// The status of a [`MessengerError`] this adapter produced from a Viber answer.
    pub fn of_error(e: &MessengerError) -> Option<Self> {
        let code = e.detail()?.code.as_deref()?;
        code.parse().ok().map(Self::from_code)
    }

    /// Maps a non-zero status to the common error model: 2, 8, 9, 15 → `Unauthorized`;
    /// 5 → `ChatNotFound`, 7 → `Blocked` (both report [`MessengerError::is_recipient_gone`], so
    /// broadcasts deactivate the user); 6 → `NotSubscribed`, which does not (a user who opened
    /// the chat and has not written yet gets it, see [`MessengerError::NotSubscribed`]); 12 →
    /// `RateLimited` with a one-hour `retry_after` (an hourly per-user cap: [`messenger_core::Throttled`]
    /// hands it back instead of sleeping); other named codes → `InvalidRequest`; unknown codes
    /// ("general error") → `Server`. The code is kept as text in [`ApiDetail::code`], the
    /// status message verbatim.
    pub fn to_error(self, http_status: Option<u16>, message: &str) -> MessengerError {
        let detail = ApiDetail::new(http_status, Some(self.code().to_string()), message);
        match self {
            Self::InvalidAuthToken
            | Self::PublicAccountNotFound
            | Self::PublicAccountSuspended
            | Self::PublicAccountNotAuthorized => MessengerError::Unauthorized { detail },
            Self::ReceiverNotRegistered => MessengerError::ChatNotFound { detail },
            // Not gone: a user who has not subscribed yet gets this too (they opened the chat
            // and have not written). Unsubscribing is reported by the `unsubscribed` callback.
            Self::ReceiverNotSubscribed => MessengerError::NotSubscribed { detail },
            Self::PublicAccountBlocked => MessengerError::Blocked { detail },
            // Viber's send_message documents status 12 for its cap of 100 messages to one user
            // within an hour without a reply: one chat's limit.
            Self::TooManyRequests => MessengerError::RateLimited {
                scope: RateLimitScope::Chat,
                retry_after: Some(TOO_MANY_REQUESTS_WAIT),
                detail,
            },
            Self::Other(_) => MessengerError::Server { detail },
            _ => MessengerError::InvalidRequest { detail },
        }
    }
}

impl fmt::Display for ViberStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.code(), self.as_str())
    }
}

/// Builds a [`ViberBot`].
pub struct ViberBotBuilder {
    token: SecretString,
    sender: Sender,
    base_url: String,
    connect_timeout: Duration,
    timeout: Duration,
    http_client: Option<reqwest::Client>,
    limits: Limits,
    media_host: Option<Arc<dyn MediaHost>>,
    broadcast_api: bool,
}

impl fmt::Debug for ViberBotBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViberBotBuilder")
            .field("token", &"[redacted]")
            .field("sender", &self.sender)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("media_host", &self.media_host.is_some())
            .field("broadcast_api", &self.broadcast_api)
            .finish_non_exhaustive()
    }
}

impl ViberBotBuilder {
    /// Says that Viber approved this bot for `broadcast_message` (off by default: Viber enables
    /// it per account). Then [`messenger_core::Messenger::send_many`] reaches up to
    /// [`BROADCAST_MAX_RECEIVERS`] users per call at 500 calls per 10 s; without it a broadcast
    /// falls back to paced `send_message` calls, one per user.
    pub fn broadcast_api(mut self, approved: bool) -> Self {
        self.broadcast_api = approved;
        self
    }

    /// Sets the API base (default [`DEFAULT_BASE_URL`]); tests point it at a fake.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets the sender's avatar URL.
    pub fn sender_avatar(mut self, url: impl Into<String>) -> Self {
        self.sender.avatar = Some(url.into());
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

    /// Uses the caller's `reqwest::Client`.
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: this adapter answers a 3xx
    /// with [`messenger_core::MessengerError::Redirected`], but only a client that does not follow
    /// redirects keeps the token from reaching another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Overrides the limits (default [`Limits::viber`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Where pictures given as bytes are published to get the public URL Viber needs. Without
    /// one, sending bytes fails with [`ValidationError::ImageUploadUnsupported`].
    pub fn media_host(mut self, host: Arc<dyn MediaHost>) -> Self {
        self.media_host = Some(host);
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`MessengerError::Config`] for an empty token or one with characters that cannot go in a
    /// header (never echoed), a sender name that is empty or over 28 characters, a base URL that
    /// is not http(s), or a TLS set-up failure.
    pub fn build(self) -> Result<ViberBot, MessengerError> {
        let token = self.token.expose_secret();
        if token.is_empty() || !token.chars().all(|c| c.is_ascii_graphic()) {
            return Err(MessengerError::Config(
                "the auth token is empty or has characters that cannot go in a header".to_owned(),
            ));
        }
        let name_len = self.sender.name.chars().count();
        if name_len == 0 || name_len > SENDER_NAME_MAX {
            return Err(MessengerError::Config(format!(
                "the sender name must be 1-{SENDER_NAME_MAX} characters, it is {name_len}"
            )));
        }
        let base = messenger_core::tls::base_url(&self.base_url)?;
        let http = match self.http_client {
            Some(c) => c,
            None => messenger_core::tls::build_client(messenger_core::tls::client_builder(
                self.connect_timeout,
                concat!("messenger-viber/", env!("CARGO_PKG_VERSION")),
            ))?,
        };
        Ok(ViberBot {
            http,
            token: self.token,
            sender: self.sender,
            base_url: base,
            timeout: self.timeout,
            limits: self.limits,
            media_host: self.media_host,
            broadcast_api: self.broadcast_api,
        })
    }
}

/// A Viber bot: the REST Bot API calls as methods, and [`messenger_core::Messenger`].
///
/// `Debug` redacts the token; the token goes only into the `X-Viber-Auth-Token` header and is
/// never logged or put in an error.
#[derive(Clone)]
pub struct ViberBot {
    http: reqwest::Client,
    pub(crate) token: SecretString,
    pub(crate) sender: Sender,
    base_url: String,
    timeout: Duration,
    pub(crate) limits: Limits,
    pub(crate) media_host: Option<Arc<dyn MediaHost>>,
    pub(crate) broadcast_api: bool,
}

impl fmt::Debug for ViberBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViberBot")
            .field("token", &"[redacted]")
            .field("sender", &self.sender)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("media_host", &self.media_host.is_some())
            .finish_non_exhaustive()
    }
}

impl ViberBot {
    /// A builder for `token`, sending as `sender_name` (≤ 28 characters), with the defaults:
    /// [`DEFAULT_BASE_URL`], 5 s connect timeout, 30 s timeout, [`Limits::viber`], no media host.
    pub fn builder(token: SecretString, sender_name: impl Into<String>) -> ViberBotBuilder {
        ViberBotBuilder {
            token,
            sender: Sender {
                name: sender_name.into(),
                avatar: None,
            },
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            http_client: None,
            limits: Limits::viber(),
            media_host: None,
            broadcast_api: false,
        }
    }

    /// The API base this bot talks to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The configured sender.
    pub fn sender(&self) -> &Sender {
        &self.sender
    }

    /// Calls a method: `POST <base>/<NAME>` with the JSON body and the auth header, and decodes
    /// the envelope.
    ///
    /// # Errors
    /// [`MessengerError::Invalid`] with [`ValidationError::RequestTooLarge`] for a body over
    /// [`MAX_REQUEST_BYTES`] (nothing is sent); a non-zero `status` mapped by
    /// [`ViberStatus::to_error`]; a non-2xx HTTP answer as `Unauthorized` (401/403),
    /// `RateLimited` (429), `Server` (5xx) or `InvalidRequest` with the HTTP status kept;
    /// [`MessengerError::Transport`] and [`MessengerError::Decode`].
    pub async fn execute<M: Method>(&self, request: &M) -> Result<M::Output, MessengerError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| MessengerError::Config(format!("cannot encode {}: {e}", M::NAME)))?;
        if body.len() > MAX_REQUEST_BYTES {
            return Err(ValidationError::RequestTooLarge {
                size: body.len(),
                max: MAX_REQUEST_BYTES,
            }
            .into());
        }
        let value = self.call(M::NAME, body).await?;
        serde_json::from_value(value.clone()).map_err(|e| {
            MessengerError::decode(M::NAME, 200, e.to_string(), value.to_string().as_bytes())
        })
    }

    async fn call(
        &self,
        method: &'static str,
        body: Vec<u8>,
    ) -> Result<serde_json::Value, MessengerError> {
        self.call_path(method, method, body).await
    }

    /// `POST <base>/<path>` as the operation `op` (the method name, or `"raw"`).
    pub(crate) async fn call_path(
        &self,
        op: &'static str,
        method: &str,
        body: Vec<u8>,
    ) -> Result<serde_json::Value, MessengerError> {
        let span = tracing::debug_span!(
            "viber",
            method,
            status = tracing::field::Empty,
            viber_status = tracing::field::Empty
        );
        async {
            let mut token = reqwest::header::HeaderValue::from_str(self.token.expose_secret())
                .map_err(|_| {
                    MessengerError::Config("the auth token cannot go in a header".to_owned())
                })?;
            token.set_sensitive(true);
            let resp = self
                .http
                .post(format!("{}/{}", self.base_url, method))
                .timeout(self.timeout)
                .header(AUTH_HEADER, token)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body)
                .send()
                .await
                .map_err(transport)?;
            let status = resp.status().as_u16();
            tracing::Span::current().record("status", status);
            let retry_after = retry_after_header(resp.headers());
            let bytes = read_capped(resp, MAX_RESPONSE_BYTES, op).await?;
            let result =
                map_envelope(op, status, &bytes).map_err(|e| with_retry_after(e, retry_after));
            if let Err(e) = &result {
                if let Some(s) = ViberStatus::of_error(e) {
                    tracing::Span::current().record("viber_status", s.code());
                }
                tracing::debug!(error = %e, "viber call failed");
            }
            result
        }
        .instrument(span)
        .await
    }

    /// `set_webhook`. Viber pings the URL (`event: "webhook"`) while this call runs; the
    /// endpoint must answer 200, which [`messenger_core::Messenger::parse_webhook`] allows.
    ///
    /// # Errors
    /// As [`ViberBot::execute`].
    pub async fn set_webhook(
        &self,
        request: &SetWebhook,
    ) -> Result<SetWebhookResponse, MessengerError> {
        self.execute(request).await
    }

    /// Removes the webhook (`set_webhook` with `"url": ""`).
    ///
    /// # Errors
    /// As [`ViberBot::execute`].
    pub async fn remove_webhook(&self) -> Result<SetWebhookResponse, MessengerError> {
        self.execute(&SetWebhook::remove()).await
    }

    /// `get_account_info`.
    ///
    /// # Errors
    /// As [`ViberBot::execute`].
    pub async fn get_account_info(&self) -> Result<AccountInfo, MessengerError> {
        self.execute(&GetAccountInfo {}).await
    }

    /// `get_user_details` (Viber limits it per user: don't call it in a loop).
    ///
    /// # Errors
    /// As [`ViberBot::execute`].
    pub async fn get_user_details(&self, id: &str) -> Result<UserDetails, MessengerError> {
        Ok(self
            .execute(&GetUserDetails { id: id.to_owned() })
            .await?
            .user)
    }

    /// `get_online` for up to [`ONLINE_MAX_IDS`] users.
    ///
    /// # Errors
    /// [`MessengerError::InvalidRequest`] for more than 100 ids (nothing sent); as
    /// [`ViberBot::execute`].
    pub async fn get_online(&self, ids: &[String]) -> Result<OnlineResponse, MessengerError> {
        if ids.len() > ONLINE_MAX_IDS {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(
                    None,
                    None,
                    format!("get_online takes at most {ONLINE_MAX_IDS} ids"),
                ),
            });
        }
        self.execute(&GetOnline { ids: ids.to_vec() }).await
    }

    /// `send_message`.
    ///
    /// # Errors
    /// As [`ViberBot::execute`].
    pub async fn send_message(
        &self,
        request: &SendMessage,
    ) -> Result<SendMessageResponse, MessengerError> {
        self.execute(request).await
    }

    /// One `broadcast_message` call (≤ [`BROADCAST_MAX_RECEIVERS`] receivers); see
    /// [`ViberBot::broadcast`] for any number of receivers.
    ///
    /// # Errors
    /// [`MessengerError::InvalidRequest`] for more than 300 receivers (nothing sent); as
    /// [`ViberBot::execute`].
    pub async fn broadcast_message(
        &self,
        request: &BroadcastMessage,
    ) -> Result<BroadcastResponse, MessengerError> {
        if request.broadcast_list.len() > BROADCAST_MAX_RECEIVERS {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(
                    None,
                    None,
                    format!("broadcast_list holds at most {BROADCAST_MAX_RECEIVERS} receivers"),
                ),
            });
        }
        self.execute(request).await
    }

    /// Downloads a file a user sent (`message.media`; the URL is self-contained, no auth header
    /// is sent), at most [`MAX_DOWNLOAD_BYTES`].
    ///
    /// # Errors
    /// [`MessengerError::InvalidRequest`] for a URL that is not http(s);
    /// [`MessengerError::Transport`]; a non-2xx status as `Server` (5xx) or `InvalidRequest`;
    /// [`MessengerError::Decode`] over the cap.
    pub async fn download_media(&self, url: &str) -> Result<Bytes, MessengerError> {
        let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "the media URL is not http(s)"),
            });
        }
        let span = tracing::debug_span!("viber", method = "download_media");
        async {
            // No credentials go with a media download, so a redirect (a CDN) is followed here, by
            // hand, at most MAX_MEDIA_REDIRECTS times; the API client itself never follows one.
            let mut target =
                reqwest::Url::parse(url).map_err(|_| MessengerError::InvalidRequest {
                    detail: ApiDetail::new(None, None, "the media URL is not http(s)"),
                })?;
            let mut hops = 0;
            let resp = loop {
                let resp = self
                    .http
                    .get(target.clone())
                    .timeout(self.timeout)
                    .send()
                    .await
                    .map_err(transport)?;
                match messenger_core::redirect_target(&resp) {
                    Some(next) if hops < MAX_MEDIA_REDIRECTS => {
                        hops += 1;
                        target = next;
                    }
                    _ => break resp,
                }
            };
            let status = resp.status().as_u16();
            let bytes = read_capped(resp, MAX_DOWNLOAD_BYTES, "download_media").await?;
            if !(200..300).contains(&status) {
                let detail = ApiDetail::new(Some(status), None, messenger_core::snippet(&bytes));
                return Err(if status >= 500 {
                    MessengerError::Server { detail }
                } else {
                    MessengerError::InvalidRequest { detail }
                });
            }
            Ok(bytes)
        }
        .instrument(span)
        .await
    }
}

/// Maps an answer to its JSON object (status 0) or a [`MessengerError`].
pub(crate) fn map_envelope(
    op: &'static str,
    status: u16,
    body: &[u8],
) -> Result<serde_json::Value, MessengerError> {
    if !(200..300).contains(&status) {
        // Viber answers 200 even for failures; anything else is the transport's (a proxy, an
        // outage). Keep the HTTP status.
        let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let description = parsed
            .as_ref()
            .and_then(|v| v.get("status_message"))
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| messenger_core::snippet(body), str::to_owned);
        let detail = ApiDetail::new(Some(status), None, description);
        return Err(match status {
            401 | 403 => MessengerError::Unauthorized { detail },
            // An HTTP 429 (not documented by Viber; a proxy or a gateway): the whole bot waits.
            429 => MessengerError::RateLimited {
                scope: RateLimitScope::Bot,
                retry_after: None,
                detail,
            },
            500..=599 => MessengerError::Server { detail },
            _ => MessengerError::InvalidRequest { detail },
        });
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| MessengerError::decode(op, status, e.to_string(), body))?;
    let code = value
        .get("status")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| MessengerError::decode(op, status, "no numeric \"status\"", body))?;
    if code == 0 {
        return Ok(value);
    }
    let message = value
        .get("status_message")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default();
    Err(ViberStatus::from_code(code).to_error(Some(status), message))
}

pub(crate) use messenger_core::tls::transport_error as transport;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_code_round_trips() {
        for code in 0..=24 {
            let s = ViberStatus::from_code(code);
            assert_eq!(s.code(), code);
            assert_ne!(s.as_str(), "generalError");
        }
        assert_eq!(ViberStatus::from_code(99), ViberStatus::Other(99));
        assert_eq!(ViberStatus::Other(99).as_str(), "generalError");
        assert_eq!(
            ViberStatus::TooManyRequests.to_string(),
            "12 (tooManyRequests)"
        );
    }

    #[test]
    fn non_json_error_pages_keep_the_http_status() {
        let e = map_envelope("send_message", 502, b"<html>Bad Gateway</html>").unwrap_err();
        assert!(
            matches!(&e, MessengerError::Server { detail } if detail.status == Some(502) && detail.description.contains("Bad Gateway"))
        );
        let e = map_envelope("send_message", 200, b"{oops").unwrap_err();
        assert!(matches!(e, MessengerError::Decode { status: 200, .. }));
        let e = map_envelope("send_message", 200, br#"{"status_message":"ok"}"#).unwrap_err();
        assert!(matches!(e, MessengerError::Decode { .. }));
        let e = map_envelope("send_message", 429, b"slow down").unwrap_err();
        assert!(
            matches!(&e, MessengerError::RateLimited { retry_after: None, detail, scope: RateLimitScope::Bot } if detail.status == Some(429))
        );
        let e = map_envelope(
            "send_message",
            401,
            br#"{"status":2,"status_message":"invalidAuthToken"}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&e, MessengerError::Unauthorized { detail } if detail.description == "invalidAuthToken")
        );
        let e = map_envelope("send_message", 404, b"").unwrap_err();
        assert!(
            matches!(&e, MessengerError::InvalidRequest { detail } if detail.status == Some(404))
        );
        let ok = map_envelope(
            "send_message",
            200,
            br#"{"status":0,"status_message":"ok","message_token":7}"#,
        )
        .unwrap();
        assert_eq!(ok["message_token"], 7);
    }
}
