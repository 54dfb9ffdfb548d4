//! The small HTTP pieces that both `loyalty-core` (the loyalty clients) and `messenger-core`
//! (the messenger adapters) need, written once: the two cores may not depend on each other, so
//! what they share lives here, below both.
//!
//! - [`ensure_crypto_provider`]: a rustls process-default crypto provider before any
//!   `reqwest::Client` is built (reqwest is built without one of its own).
//! - [`error_text`]: a `reqwest` error with every cause, for error messages; strip the URL
//!   first (`without_url`), as URLs may carry tokens (Telegram's do).
//! - [`read_capped`]: a response body read chunk by chunk up to a cap, so a huge or endless
//!   answer cannot exhaust memory.
//! - `mock` (feature `mock`): the faults and matchers every wiremock test kit shares.
//!
//! ```
//! http_support::ensure_crypto_provider();
//! let client = reqwest::Client::builder().build().unwrap();
//! # drop(client);
//! ```
#![deny(missing_docs)]

#[cfg(feature = "mock")]
pub mod mock;

use bytes::{Bytes, BytesMut};

/// Makes sure rustls has a process-default crypto provider. The workspace builds reqwest without a
/// provider of its own (to keep aws-lc out of the build), so clients call this before building a
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

/// A `reqwest` error as text with its causes (`error sending request: connection refused`).
/// Call it on `e.without_url()` when the error may carry a URL with a secret in it.
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

/// Why [`read_capped`] stopped.
#[derive(Debug)]
pub enum CappedError {
    /// The body is longer than the cap; `partial` is what was read before the chunk that
    /// crossed it.
    TooLarge {
        /// The response's status.
        status: u16,
        /// The cap, in bytes.
        cap: usize,
        /// The body read so far (at most `cap` bytes).
        partial: Bytes,
    },
    /// Reading the body failed (connection lost, timeout).
    Transport(reqwest::Error),
}

/// Reads `resp`'s body chunk by chunk and stops as soon as it would exceed `cap` bytes, so a
/// huge or endless answer costs at most `cap` bytes of memory.
///
/// # Errors
/// [`CappedError::TooLarge`] past the cap, [`CappedError::Transport`] when reading fails.
pub async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Bytes, CappedError> {
    let status = resp.status().as_u16();
    let mut buf = BytesMut::new();
    while let Some(chunk) = resp.chunk().await.map_err(CappedError::Transport)? {
        if buf.len() + chunk.len() > cap {
            return Err(CappedError::TooLarge {
                status,
                cap,
                partial: buf.freeze(),
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
