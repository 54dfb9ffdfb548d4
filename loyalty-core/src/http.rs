//! HTTP plumbing shared by every loyalty client: configuration, the retry policy and one `send`
//! that knows whether a call may be repeated.
//!
//! ## The retry rule
//! - [`Idempotency::Idempotent`] calls (reads, releasing a hold) are retried on connect errors,
//!   timeouts, dropped connections, 5xx and 429, with exponential backoff and jitter, honouring
//!   `Retry-After` (seconds or an HTTP date), bounded by [`RetryPolicy::max_attempts`] and
//!   [`RetryPolicy::max_elapsed`].
//! - [`Idempotency::StateChanging`] calls (a sale, a registration, a hold) are **sent once**. A
//!   connect error (nothing was sent) may be retried; any failure after the request may have been
//!   written (a reset, a timeout, a 5xx) becomes [`LoyaltyError::OutcomeUnknown`].
//!
//! ## Redirects are never followed
//! The vendors take credentials in custom headers (`BM-API-KEY`, `apikey`, `TOKEN`) and in
//! bodies (ERGO's and Manzana's sessions, passwords). reqwest strips only `Authorization` and
//! cookies when a redirect leads to another host, and re-sends the body on 307/308, so the client
//! built here does not follow redirects at all: a 3xx answer becomes
//! [`LoyaltyError::Redirected`] with its status. A `reqwest::Client` passed with
//! [`HttpConfig::http_client`] must be built with `redirect(reqwest::redirect::Policy::none())`
//! for the same guarantee.
//!
//! ## Authentication answers are sensitive
//! An answer that carries a session or token (a login) is marked with [`Response::sensitive`]:
//! its decode and status errors then carry no body snippet and no quoted values, so a malformed
//! login answer never puts the token into an error message or a log line.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use tracing::Instrument;
use url::Url;

use crate::clock::{Clock, SystemClock};
use crate::endpoint::Endpoint;
use crate::error::{LoyaltyError, ProviderDetail};

/// The most bytes of a body kept in an error ([`LoyaltyError::Decode`], server errors).
pub const SNIPPET_LIMIT: usize = 512;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default cap on a response body.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// Whether a call may be repeated without changing the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Reads and calls the server makes idempotent: retried on transient failures.
    Idempotent,
    /// Calls that change state (sale, registration, hold, sign-up): sent once.
    StateChanging,
}

/// When and how often to retry idempotent calls.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub base_delay: Duration,
    /// The longest delay between two attempts. A `Retry-After` longer than this ends the retries
    /// and returns [`LoyaltyError::RateLimited`] to the caller.
    pub max_delay: Duration,
    /// The longest time from the first attempt to the start of the last one.
    pub max_elapsed: Duration,
    /// Whether to randomize delays (between half and all of the computed delay).
    pub jitter: bool,
}

impl RetryPolicy {
    /// 3 attempts, 200 ms base delay, 10 s max delay, 30 s in all, with jitter.
    pub fn new() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_elapsed: Duration::from_secs(30),
            jitter: true,
        }
    }

    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::new()
        }
    }

    /// Sets the number of attempts (at least 1).
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = n.max(1);
        self
    }

    /// Sets the base delay.
    pub fn base_delay(mut self, d: Duration) -> Self {
        self.base_delay = d;
        self
    }

    /// Sets the longest delay.
    pub fn max_delay(mut self, d: Duration) -> Self {
        self.max_delay = d;
        self
    }

    /// Sets the total time budget.
    pub fn max_elapsed(mut self, d: Duration) -> Self {
        self.max_elapsed = d;
        self
    }

    /// Turns jitter on or off.
    pub fn jitter(mut self, on: bool) -> Self {
        self.jitter = on;
        self
    }

    /// The backoff before retry number `retry` (1 for the first retry), without `Retry-After`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        let d = self.base_delay.saturating_mul(factor).min(self.max_delay);
        if self.jitter && !d.is_zero() {
            let half = d / 2;
            half + Duration::from_nanos(fastrand::u64(
                0..=u64::try_from(half.as_nanos()).unwrap_or(u64::MAX),
            ))
        } else {
            d
        }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::new()
    }
}

/// Configuration of a client's HTTP side. Vendor builders wrap it.
#[derive(Clone)]
pub struct HttpConfig {
    base_url: Url,
    connect_timeout: Duration,
    timeout: Duration,
    user_agent: String,
    retry: RetryPolicy,
    max_response_bytes: usize,
    http_client: Option<reqwest::Client>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for HttpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpConfig")
            .field("base_url", &self.base_url.as_str())
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("custom_http_client", &self.http_client.is_some())
            .finish()
    }
}

impl HttpConfig {
    /// A configuration for `base_url` with the defaults: 5 s connect timeout, 30 s timeout,
    /// [`RetryPolicy::new`], 8 MiB response cap, the system clock.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] when the URL cannot be parsed or is not http(s).
    pub fn new(base_url: &str) -> Result<Self, LoyaltyError> {
        Ok(Self {
            base_url: parse_base_url(base_url)?,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            user_agent: concat!("loyalty-bot-sdk/", env!("CARGO_PKG_VERSION")).to_owned(),
            retry: RetryPolicy::new(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http_client: None,
            clock: Arc::new(SystemClock),
        })
    }

    /// Replaces the base URL.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] when the URL cannot be parsed or is not http(s).
    pub fn set_base_url(&mut self, base_url: &str) -> Result<(), LoyaltyError> {
        self.base_url = parse_base_url(base_url)?;
        Ok(())
    }

    /// The base URL.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the total timeout of one attempt.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Sets the user agent.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Caps the size of a response body (bigger bodies give [`LoyaltyError::Decode`]).
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = n;
        self
    }

    /// Uses a `reqwest::Client` of the caller's (proxies, certificates). Its own timeouts then
    /// apply; ours still bound each attempt. Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: a client that follows redirects would carry
    /// the vendor credentials to the host a redirect names (see the module docs).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sets the clock used to read `Retry-After` HTTP dates.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] when the TLS backend cannot be set up.
    pub fn build(self) -> Result<HttpClient, LoyaltyError> {
        let inner = match self.http_client {
            Some(c) => c,
            None => {
                ensure_crypto_provider();
                reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    // Credentials travel in custom headers and bodies: never follow a redirect.
                    .redirect(reqwest::redirect::Policy::none())
                    .user_agent(self.user_agent.clone())
                    .build()
                    .map_err(|e| LoyaltyError::Config(http_support::error_text(&e.without_url())))?
            }
        };
        Ok(HttpClient {
            inner,
            base_url: self.base_url,
            timeout: self.timeout,
            retry: self.retry,
            max_response_bytes: self.max_response_bytes,
            clock: self.clock,
        })
    }
}

/// Every HTTP knob but the base URL, with infallible setters: what a vendor client's builder
/// holds and forwards (see [`crate::http_builder_methods!`]), validated together with the base
/// URL in [`HttpOptions::build`].
#[derive(Clone, Default)]
pub struct HttpOptions {
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    user_agent: Option<String>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<usize>,
    http_client: Option<reqwest::Client>,
    clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for HttpOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpOptions")
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("custom_http_client", &self.http_client.is_some())
            .finish_non_exhaustive()
    }
}

impl HttpOptions {
    /// See [`HttpConfig::connect_timeout`].
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = Some(d);
        self
    }
    /// See [`HttpConfig::timeout`].
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = Some(d);
        self
    }
    /// See [`HttpConfig::user_agent`].
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }
    /// See [`HttpConfig::retry`].
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
    /// See [`HttpConfig::max_response_bytes`].
    pub fn max_response_bytes(mut self, n: usize) -> Self {
        self.max_response_bytes = Some(n);
        self
    }
    /// See [`HttpConfig::http_client`].
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }
    /// See [`HttpConfig::clock`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The configuration for `base_url` with these options applied.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] for a base URL that is not http(s).
    pub fn config(self, base_url: &str) -> Result<HttpConfig, LoyaltyError> {
        let mut c = HttpConfig::new(base_url)?;
        if let Some(d) = self.connect_timeout {
            c = c.connect_timeout(d);
        }
        if let Some(d) = self.timeout {
            c = c.timeout(d);
        }
        if let Some(ua) = self.user_agent {
            c = c.user_agent(ua);
        }
        if let Some(p) = self.retry {
            c = c.retry(p);
        }
        if let Some(n) = self.max_response_bytes {
            c = c.max_response_bytes(n);
        }
        if let Some(h) = self.http_client {
            c = c.http_client(h);
        }
        if let Some(k) = self.clock {
            c = c.clock(k);
        }
        Ok(c)
    }

    /// Builds the client for `base_url`.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] for a base URL that is not http(s) or a TLS set-up failure.
    pub fn build(self, base_url: &str) -> Result<HttpClient, LoyaltyError> {
        self.config(base_url)?.build()
    }
}

/// Generates the standard HTTP setters on a vendor client builder that keeps an
/// [`HttpOptions`] in the field named by the argument, so every client offers the same
/// `.timeout(d).connect_timeout(d).retry(p).http_client(c).user_agent(ua).clock(c)
/// .max_response_bytes(n)` without repeating them.
///
/// ```
/// use loyalty_core::http::HttpOptions;
///
/// /// Builds an example client.
/// #[derive(Debug, Default)]
/// pub struct ExampleBuilder {
///     http: HttpOptions,
/// }
///
/// impl ExampleBuilder {
///     loyalty_core::http_builder_methods!(http);
/// }
///
/// let b = ExampleBuilder::default().timeout(std::time::Duration::from_secs(3));
/// assert!(format!("{b:?}").contains("3s"));
/// ```
#[macro_export]
macro_rules! http_builder_methods {
    ($field:ident) => {
        /// Sets the total timeout of one attempt (default 30 s).
        pub fn timeout(mut self, d: ::std::time::Duration) -> Self {
            self.$field = self.$field.timeout(d);
            self
        }
        /// Sets the connect timeout (default 5 s).
        pub fn connect_timeout(mut self, d: ::std::time::Duration) -> Self {
            self.$field = self.$field.connect_timeout(d);
            self
        }
        /// Sets the retry policy of idempotent calls (state-changing calls are never repeated).
        pub fn retry(mut self, policy: $crate::http::RetryPolicy) -> Self {
            self.$field = self.$field.retry(policy);
            self
        }
        /// Uses a `reqwest::Client` of the caller's (proxies, extra root certificates).
        pub fn http_client(mut self, client: $crate::reqwest::Client) -> Self {
            self.$field = self.$field.http_client(client);
            self
        }
        /// Sets the user agent.
        pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
            self.$field = self.$field.user_agent(ua);
            self
        }
        /// Sets the clock (used to read `Retry-After` dates).
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::Clock>) -> Self {
            self.$field = self.$field.clock(clock);
            self
        }
        /// Caps the size of a response body (default 8 MiB).
        pub fn max_response_bytes(mut self, n: usize) -> Self {
            self.$field = self.$field.max_response_bytes(n);
            self
        }
    };
}

fn parse_base_url(s: &str) -> Result<Url, LoyaltyError> {
    let mut url = Url::parse(s.trim())
        .map_err(|e| LoyaltyError::Config(format!("invalid base URL {s:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(LoyaltyError::Config(format!(
            "base URL {s:?} must be http or https"
        )));
    }
    // `join` replaces the last segment unless the path ends with a slash.
    if !url.path().ends_with('/') {
        let p = format!("{}/", url.path());
        url.set_path(&p);
    }
    Ok(url)
}

/// Makes sure rustls has a process-default crypto provider before a `reqwest::Client` is built
/// (shared with the messenger adapters; see [`http_support::ensure_crypto_provider`]).
pub use http_support::ensure_crypto_provider;

/// An HTTP client with the retry rule. Cheap to clone. Holds no secrets.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    base_url: Url,
    timeout: Duration,
    retry: RetryPolicy,
    max_response_bytes: usize,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("base_url", &self.base_url.as_str())
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// A received answer: status, headers and the whole body. `Debug` shows the body only when the
/// answer is not [sensitive](Response::sensitive).
#[derive(Clone)]
pub struct Response {
    /// The operation it answers.
    pub op: &'static str,
    /// Whether the call was idempotent.
    pub idempotency: Idempotency,
    /// HTTP status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (cut at the configured cap when [`Response::truncated`]).
    pub body: Bytes,
    /// Whether the body was longer than the configured cap and was cut.
    pub truncated: bool,
    /// The `Retry-After` delay, read when the answer arrived against the client's [`Clock`].
    pub retry_after: Option<Duration>,
    /// Whether the answer may carry a secret (a session, a token): errors made from it then keep
    /// no body snippet and no quoted values. Set it with [`Response::sensitive`].
    pub sensitive: bool,
}

/// What replaces the body snippet of a [sensitive](Response::sensitive) answer.
pub const REDACTED_SNIPPET: &str = "[redacted: authentication answer]";

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Response");
        d.field("op", &self.op)
            .field("idempotency", &self.idempotency)
            .field("status", &self.status)
            .field("headers", &self.headers);
        if self.sensitive {
            d.field(
                "body",
                &format_args!("[redacted: {} bytes]", self.body.len()),
            );
        } else {
            d.field("body", &self.body);
        }
        d.field("truncated", &self.truncated)
            .field("retry_after", &self.retry_after)
            .field("sensitive", &self.sensitive)
            .finish()
    }
}

impl Response {
    /// An answer built by hand (no headers, an idempotent call, not truncated): for tests and
    /// fuzzing of the vendor crates' decoders, which take a [`Response`].
    pub fn from_parts(op: &'static str, status: StatusCode, body: impl Into<Bytes>) -> Self {
        Self {
            op,
            idempotency: Idempotency::Idempotent,
            status,
            headers: HeaderMap::new(),
            body: body.into(),
            truncated: false,
            retry_after: None,
            sensitive: false,
        }
    }

    /// Marks the answer as carrying a secret (the answer to a login, or any answer with a
    /// session or token in it): [`Response::decode_error`], [`Response::snippet`] and
    /// [`Response::status_error`] then keep no part of the body, and serde's reasons lose
    /// their quoted values.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Decodes the body as JSON.
    ///
    /// # Errors
    /// [`LoyaltyError::Decode`] with the status, serde's reason and a bounded snippet.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, LoyaltyError> {
        if self.truncated {
            return Err(self.decode_error(format!(
                "the body is larger than the {}-byte cap",
                self.body.len()
            )));
        }
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(self.decode_error("empty body"));
        }
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(e.to_string()))
    }

    /// A [`LoyaltyError::Decode`] for this response. For a [sensitive](Response::sensitive)
    /// answer the snippet is [`REDACTED_SNIPPET`] and the quoted parts of `reason` (serde quotes
    /// the values it could not read) are replaced by `"…"`.
    pub fn decode_error(&self, reason: impl Into<String>) -> LoyaltyError {
        let reason = reason.into();
        LoyaltyError::Decode {
            op: self.op,
            status: self.status.as_u16(),
            reason: if self.sensitive {
                redact_quoted(&reason)
            } else {
                reason
            },
            snippet: self.snippet(),
        }
    }

    /// The first [`SNIPPET_LIMIT`] bytes of the body as text; [`REDACTED_SNIPPET`] for a
    /// [sensitive](Response::sensitive) answer.
    pub fn snippet(&self) -> String {
        if self.sensitive {
            REDACTED_SNIPPET.to_owned()
        } else {
            snippet(&self.body)
        }
    }

    /// `Ok(self)` for 2xx; otherwise the generic status mapping of [`Response::status_error`].
    ///
    /// # Errors
    /// The error of [`Response::status_error`].
    pub fn error_for_status(self) -> Result<Self, LoyaltyError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(self.status_error())
        }
    }

    /// The generic mapping of a non-2xx status, for when the vendor's body says nothing more:
    /// 401/403 → [`LoyaltyError::Unauthorized`], 404 → [`LoyaltyError::NotFound`],
    /// 429 → [`LoyaltyError::RateLimited`], 5xx → [`LoyaltyError::Server`] for idempotent calls
    /// and [`LoyaltyError::OutcomeUnknown`] for state-changing ones, anything else →
    /// [`LoyaltyError::Provider`]. The message is a bounded snippet of the body.
    pub fn status_error(&self) -> LoyaltyError {
        let detail = ProviderDetail {
            status: Some(self.status.as_u16()),
            code: None,
            message: self.snippet(),
        };
        match self.status.as_u16() {
            401 | 403 => LoyaltyError::Unauthorized { detail },
            404 => LoyaltyError::NotFound { detail },
            429 => LoyaltyError::RateLimited {
                retry_after: self.retry_after,
                detail,
            },
            500..=599 if self.idempotency == Idempotency::StateChanging => {
                LoyaltyError::OutcomeUnknown {
                    op: self.op,
                    reason: format!("the server answered HTTP {}", self.status.as_u16()),
                }
            }
            500..=599 => LoyaltyError::Server { detail },
            _ => LoyaltyError::Provider { detail },
        }
    }
}

/// `reason` with every quoted part (`"…"` with backslash escapes, `` `…` `` and `'…'`) replaced
/// by `"…"`, cut to [`SNIPPET_LIMIT`] bytes: serde's messages quote the values they could not
/// read (`invalid type: string "9fc8…", expected u64`), and such a value may be a token.
pub fn redact_quoted(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len().min(SNIPPET_LIMIT));
    let mut chars = reason.chars();
    while let Some(c) = chars.next() {
        if matches!(c, '"' | '`' | '\'') {
            let mut escaped = false;
            for inner in chars.by_ref() {
                if c == '"' && !escaped && inner == '\\' {
                    escaped = true;
                    continue;
                }
                if inner == c && !escaped {
                    break;
                }
                escaped = false;
            }
            out.push_str("\"…\"");
        } else {
            out.push(c);
        }
        if out.len() >= SNIPPET_LIMIT {
            out.push('…');
            break;
        }
    }
    out
}

/// `text` cut to [`SNIPPET_LIMIT`] bytes at a character boundary, with `…` when it was cut: for
/// messages read out of vendor error bodies.
pub fn bounded(mut text: String) -> String {
    if text.len() > SNIPPET_LIMIT {
        let mut cut = SNIPPET_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// The first [`SNIPPET_LIMIT`] bytes of `body`, lossily decoded, cut at a character boundary.
pub fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SNIPPET_LIMIT)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > SNIPPET_LIMIT {
        // A multi-byte character cut in half shows as U+FFFD at the end; drop it.
        if s.ends_with('\u{fffd}') {
            s.pop();
        }
        s.push('…');
    }
    s
}

/// The origin (`scheme://host[:port]`) of a `Location` header, resolved against `base`.
fn redirect_origin(headers: &HeaderMap, base: &Url) -> Option<String> {
    let v = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let target = base.join(v.trim()).ok()?;
    match target.origin() {
        o @ url::Origin::Tuple(..) => Some(o.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// Reads `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(headers: &HeaderMap, clock: &dyn Clock) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let now: std::time::SystemTime = clock.now().into();
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

enum Failure {
    /// Nothing was sent (connect, DNS, TLS handshake).
    NotSent(String),
    /// No answer in time; the request may have been applied.
    TimedOut,
    /// The request may have been written, and the answer was lost.
    Lost(String),
}

impl HttpClient {
    /// The base URL, always ending with `/`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The clock this client reads.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// `base_url` joined with a relative `path` (`"api/mobile/"`).
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] for a path that cannot be joined.
    pub fn url(&self, path: &str) -> Result<Url, LoyaltyError> {
        self.base_url
            .join(path.trim_start_matches('/'))
            .map_err(|e| LoyaltyError::Config(format!("cannot join {path:?} to the base URL: {e}")))
    }

    /// Sends `endpoint` (its method, path and retry class), letting `build` add headers and a
    /// body; see [`Self::send`].
    ///
    /// # Errors
    /// As [`Self::send`].
    pub async fn call<F>(&self, endpoint: &Endpoint, build: F) -> Result<Response, LoyaltyError>
    where
        F: Fn(RequestBuilder) -> RequestBuilder,
    {
        self.call_at(endpoint, endpoint.path(), build).await
    }

    /// Sends `endpoint` to another `path` than its own (a vendor path configured at run time,
    /// the same operation's retry class); see [`Self::send`].
    ///
    /// # Errors
    /// As [`Self::send`].
    pub async fn call_at<F>(
        &self,
        endpoint: &Endpoint,
        path: &str,
        build: F,
    ) -> Result<Response, LoyaltyError>
    where
        F: Fn(RequestBuilder) -> RequestBuilder,
    {
        self.send(
            endpoint.name(),
            endpoint.idempotency(),
            endpoint.method(),
            path,
            build,
        )
        .await
    }

    /// Sends `method path`, letting `build` add headers and a body (it is called once per attempt,
    /// so multipart bodies can be rebuilt), and applies the retry rule of the module docs.
    ///
    /// Returns the response of whatever status; vendor crates map statuses and bodies to errors
    /// (falling back to [`Response::status_error`]).
    ///
    /// # Errors
    /// [`LoyaltyError::Transport`] or [`LoyaltyError::Timeout`] when no answer came (after the
    /// retries allowed), [`LoyaltyError::OutcomeUnknown`] for a state-changing call that may have
    /// been applied, [`LoyaltyError::Decode`] for a body over the size cap,
    /// [`LoyaltyError::Config`] when the request cannot be built.
    pub async fn send<F>(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        method: Method,
        path: &str,
        build: F,
    ) -> Result<Response, LoyaltyError>
    where
        F: Fn(RequestBuilder) -> RequestBuilder,
    {
        let url = self.url(path)?;
        let span = tracing::info_span!(
            "loyalty_http",
            op,
            method = %method,
            path = url.path(),
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        self.send_inner(op, idempotency, method, url, build)
            .instrument(span)
            .await
    }

    async fn send_inner<F>(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        method: Method,
        url: Url,
        build: F,
    ) -> Result<Response, LoyaltyError>
    where
        F: Fn(RequestBuilder) -> RequestBuilder,
    {
        let started = tokio::time::Instant::now();
        let span = tracing::Span::current();
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let request = build(
                self.inner
                    .request(method.clone(), url.clone())
                    .timeout(self.timeout),
            )
            .build()
            .map_err(|e| LoyaltyError::Config(http_support::error_text(&e.without_url())))?;
            let outcome = self.attempt(op, idempotency, request).await;
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            let can_retry_more = attempt < self.retry.max_attempts;
            match outcome {
                Ok(resp) => {
                    span.record("status", resp.status.as_u16());
                    let status = resp.status.as_u16();
                    if resp.status.is_redirection() {
                        // Never followed (module docs); the request was not applied.
                        let location = redirect_origin(&resp.headers, &url);
                        tracing::warn!(status, location = ?location, "the provider answered with a redirect");
                        return Err(LoyaltyError::Redirected {
                            op,
                            status,
                            location,
                        });
                    }
                    let retryable_status = status == 429 || (500..=599).contains(&status);
                    if retryable_status && idempotency == Idempotency::Idempotent && can_retry_more
                    {
                        let hinted = resp.retry_after;
                        if let Some(delay) = self.next_delay(attempt, hinted, started) {
                            tracing::info!(status, ?delay, "retrying after a retryable status");
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Ok(resp);
                }
                Err(Failure::NotSent(message)) => {
                    // Nothing reached the server: safe to retry whatever the call.
                    if can_retry_more {
                        if let Some(delay) = self.next_delay(attempt, None, started) {
                            tracing::info!(%message, ?delay, "retrying after a connect error");
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(LoyaltyError::Transport { op, message });
                }
                Err(failure) => {
                    if idempotency == Idempotency::StateChanging {
                        let reason = match failure {
                            Failure::TimedOut => format!("no answer within {:?}", self.timeout),
                            Failure::Lost(m) | Failure::NotSent(m) => m,
                        };
                        tracing::warn!(%reason, "state-changing call failed after it may have been sent");
                        return Err(LoyaltyError::OutcomeUnknown { op, reason });
                    }
                    if can_retry_more {
                        if let Some(delay) = self.next_delay(attempt, None, started) {
                            tracing::info!(
                                ?delay,
                                "retrying an idempotent call after a lost answer"
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    return Err(match failure {
                        Failure::TimedOut => LoyaltyError::Timeout {
                            op,
                            after: self.timeout,
                        },
                        Failure::Lost(message) | Failure::NotSent(message) => {
                            LoyaltyError::Transport { op, message }
                        }
                    });
                }
            }
        }
    }

    /// The delay before the next attempt, or `None` when the budget does not allow one.
    fn next_delay(
        &self,
        attempt: u32,
        hinted: Option<Duration>,
        started: tokio::time::Instant,
    ) -> Option<Duration> {
        let delay = match hinted {
            Some(d) if d > self.retry.max_delay => return None,
            Some(d) => d,
            None => self.retry.backoff(attempt),
        };
        (started.elapsed() + delay <= self.retry.max_elapsed).then_some(delay)
    }

    async fn attempt(
        &self,
        op: &'static str,
        idempotency: Idempotency,
        request: reqwest::Request,
    ) -> Result<Response, Failure> {
        let classify = |e: reqwest::Error| {
            let (connect, timeout) = (e.is_connect(), e.is_timeout());
            let message = http_support::error_text(&e.without_url());
            if connect {
                Failure::NotSent(message)
            } else if timeout {
                Failure::TimedOut
            } else {
                Failure::Lost(message)
            }
        };
        let mut resp = self.inner.execute(request).await.map_err(classify)?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        let mut too_big = false;
        while let Some(chunk) = resp.chunk().await.map_err(|e| {
            // The status line arrived, so the request was received; the body was lost.
            let f = classify(e);
            match f {
                Failure::NotSent(m) => Failure::Lost(m),
                other => other,
            }
        })? {
            if body.len() + chunk.len() > self.max_response_bytes {
                let room = self.max_response_bytes - body.len();
                body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                too_big = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            op,
            idempotency,
            status,
            retry_after: parse_retry_after(&headers, self.clock.as_ref()),
            headers,
            body: Bytes::from(body),
            truncated: too_big,
            sensitive: false,
        })
    }
}
