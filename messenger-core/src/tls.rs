//! TLS set-up and `reqwest` error mapping shared by the HTTP adapters.

/// Makes sure rustls has a process-default crypto provider. The workspace builds reqwest without a
/// provider of its own (to keep aws-lc out of the build), so adapters call this before building a
/// `reqwest::Client`.
///
/// A provider the host application installed is kept. Otherwise this takes the path rustls
/// documents for libraries: `rustls::ClientConfig::builder()` installs the provider that rustls'
/// crate features name, *ring* in this workspace, as the process default. No deprecated
/// provider constructor is called (rustls 0.23.48 deprecates the *ring* `default_provider`).
///
/// # Panics
/// When no provider is installed and the final build enables more than one rustls provider (for
/// example *ring* and aws-lc-rs), rustls cannot choose and panics: such an application installs
/// one with `rustls::crypto::CryptoProvider::install_default` at start-up.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Installs the crate-features provider; losing a race to another thread is fine.
        drop(rustls::ClientConfig::builder());
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
