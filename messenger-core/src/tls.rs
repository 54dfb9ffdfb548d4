//! TLS set-up shared by the HTTP adapters.

/// Installs rustls' ring provider as the process default unless the host application installed
/// one already. The workspace builds reqwest without a provider of its own (to keep aws-lc out of
/// the build), so adapters call this before building a `reqwest::Client`.
pub fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another thread installing one is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
