//! What the HTTP adapters share when they build and use their client: TLS set-up, the base URL
//! and webhook secret checks, a `reqwest` client that never follows redirects, error mapping and
//! capped reads.

/// Makes sure rustls has a process-default crypto provider before a `reqwest::Client` is built
/// (shared with the loyalty clients; see [`http_support::ensure_crypto_provider`]).
pub use http_support::ensure_crypto_provider;

/// A `reqwest` error as text with its causes (shared with the loyalty clients; see
/// [`http_support::error_text`]). Strip the URL first (`without_url`) when the error may carry
/// one: Telegram's URLs contain the token.
pub use http_support::error_text;

/// A `reqwest` error as a [`crate::MessengerError::Transport`]: the URL removed (Telegram's
/// carries the token), every cause appended, and whether the request may have been sent (only a
/// connect or build failure proves it was not). Every adapter maps transport failures through it.
pub fn transport_error(e: reqwest::Error) -> crate::MessengerError {
    let maybe_sent = !e.is_connect() && !e.is_builder();
    let e = e.without_url();
    let chain = error_text(&e);
    let reason = if e.is_timeout() {
        format!("timed out: {chain}")
    } else {
        chain
    };
    crate::MessengerError::Transport { reason, maybe_sent }
}

/// Reads an answer's body up to `cap` bytes for operation `op`: a redirect is refused
/// ([`crate::redirect_error`]: credentials must not follow it to another host), a longer body is
/// a [`crate::MessengerError::Decode`] with the start of it, a failed read a transport error.
/// Every adapter reads its answers through it.
///
/// # Errors
/// As above.
pub async fn read_capped(
    resp: reqwest::Response,
    cap: usize,
    op: &'static str,
) -> Result<bytes::Bytes, crate::MessengerError> {
    if let Some(e) = crate::redirect_error(op, &resp) {
        return Err(e);
    }
    http_support::read_capped(resp, cap)
        .await
        .map_err(|e| match e {
            http_support::CappedError::TooLarge {
                status,
                cap,
                partial,
            } => crate::MessengerError::decode(
                op,
                status,
                format!("the body is larger than the {cap}-byte cap"),
                &partial,
            ),
            http_support::CappedError::Transport(e) => transport_error(e),
        })
}

/// The adapter's API base URL, trimmed and without a trailing `/`.
///
/// # Errors
/// [`crate::MessengerError::Config`] when it is not an http(s) URL.
pub fn base_url(raw: &str) -> Result<String, crate::MessengerError> {
    let base = raw.trim().trim_end_matches('/').to_owned();
    let parsed = reqwest::Url::parse(&base)
        .map_err(|e| crate::MessengerError::Config(format!("invalid base URL {base:?}: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(crate::MessengerError::Config(format!(
            "base URL {base:?} must be http or https"
        )));
    }
    Ok(base)
}

/// Checks a webhook secret: `min..=256` characters of `A-Z a-z 0-9 _ -` (Telegram asks 1, MAX
/// 5). The secret is never echoed.
///
/// # Errors
/// [`crate::MessengerError::Config`] naming the rule.
pub fn check_webhook_secret(
    secret: &secrecy::SecretString,
    min: usize,
) -> Result<(), crate::MessengerError> {
    use secrecy::ExposeSecret;
    let s = secret.expose_secret();
    let ok = (min..=256).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(crate::MessengerError::Config(format!(
            "the webhook secret must be {min}-256 characters of A-Z a-z 0-9 _ -"
        )))
    }
}

/// A `reqwest` client builder as every adapter needs it: a crypto provider installed, redirects
/// never followed (one could carry the token to another host), the connect timeout and the
/// adapter's user agent. Finish it with [`build_client`].
pub fn client_builder(
    connect_timeout: std::time::Duration,
    user_agent: &'static str,
) -> reqwest::ClientBuilder {
    ensure_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .user_agent(user_agent)
}

/// Builds the client of [`client_builder`].
///
/// # Errors
/// [`crate::MessengerError::Config`] with the TLS or builder failure.
pub fn build_client(
    builder: reqwest::ClientBuilder,
) -> Result<reqwest::Client, crate::MessengerError> {
    builder
        .build()
        .map_err(|e| crate::MessengerError::Config(error_text(&e.without_url())))
}

/// The `Retry-After` of an answer, in seconds. MAX and Viber document none, but a proxy or
/// gateway in front of them may send one; an HTTP-date form is ignored.
pub fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<std::time::Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(std::time::Duration::from_secs)
}

/// `e` with `after` when it is a rate limit that carries no wait of its own.
pub fn with_retry_after(
    e: crate::MessengerError,
    after: Option<std::time::Duration>,
) -> crate::MessengerError {
    match e {
        crate::MessengerError::RateLimited {
            scope,
            retry_after: None,
            detail,
        } => crate::MessengerError::RateLimited {
            scope,
            retry_after: after,
            detail,
        },
        other => other,
    }
}
