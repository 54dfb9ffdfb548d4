//! How a client is set up: the retry policy, the configuration and the builder's options.

use super::*;

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

pub(super) fn parse_base_url(s: &str) -> Result<Url, LoyaltyError> {
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
