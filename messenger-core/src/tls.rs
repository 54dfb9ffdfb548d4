//! TLS set-up and `reqwest` error mapping shared by the HTTP adapters.

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
