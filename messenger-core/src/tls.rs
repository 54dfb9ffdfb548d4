//! TLS set-up and `reqwest` error mapping shared by the HTTP adapters.

/// Installs rustls' ring provider as the process default unless the host application installed
/// one already. The workspace builds reqwest without a provider of its own (to keep aws-lc out of
/// the build), so adapters call this before building a `reqwest::Client`.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another thread installing one is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

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

/// A `reqwest` error as text with its causes. Strip the URL first (`without_url`) when the
/// error may carry one: Telegram's URLs contain the token.
pub fn error_text(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        s.push_str(": ");
        s.push_str(&cause.to_string());
        source = cause.source();
    }
    s
}
