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

mod options;
mod response;

pub use options::*;
pub use response::*;

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
