//! The crypto provider set-up uses no deprecated rustls API and leaves a usable default behind.
//! One test per file: the process default is global, and this file checks it starts unset.

use http_support::ensure_crypto_provider;
use rustls::crypto::CryptoProvider;

#[test]
fn ensure_crypto_provider_installs_a_usable_process_default() {
    assert!(CryptoProvider::get_default().is_none(), "fresh process");
    ensure_crypto_provider();
    let provider = CryptoProvider::get_default().expect("a provider is installed");
    assert!(!provider.cipher_suites.is_empty());
    assert!(!provider.kx_groups.is_empty());
    // Calling it again keeps the installed provider.
    ensure_crypto_provider();
    let again = CryptoProvider::get_default().expect("still installed");
    assert!(std::sync::Arc::ptr_eq(provider, again));
    // reqwest built without a provider of its own can now build an HTTPS-capable client.
    reqwest::Client::builder()
        .build()
        .expect("a reqwest client builds");
}

#[test]
fn no_deprecated_ring_provider_constructor_in_the_source() {
    let src = include_str!("../src/lib.rs");
    assert!(
        !src.contains(concat!("ring::", "default_provider")),
        "rustls 0.23.48 deprecates it"
    );
}
