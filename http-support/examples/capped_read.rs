//! Reads a small answer, refuses a large one, and prints a connection error's text.
//!
//! `cargo run -p http-support --example capped_read`
#![allow(clippy::print_stdout)]

use http_support::{CappedError, ensure_crypto_provider, error_text, read_capped};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    ensure_crypto_provider();
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/small"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    wiremock::Mock::given(wiremock::matchers::path("/large"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_bytes(vec![b'x'; 1 << 20]))
        .mount(&server)
        .await;
    let client = reqwest::Client::new();

    let small = client.get(format!("{}/small", server.uri())).send().await?;
    println!(
        "small: {:?}",
        read_capped(small, 1024)
            .await
            .map_err(|e| format!("{e:?}"))?
    );

    let large = client.get(format!("{}/large", server.uri())).send().await?;
    match read_capped(large, 64 * 1024).await {
        Err(CappedError::TooLarge {
            status,
            cap,
            partial,
        }) => {
            println!(
                "large: refused (status {status}, cap {cap}, {} bytes read)",
                partial.len()
            );
        }
        other => println!("large: unexpected {other:?}"),
    }

    // Nothing listens on port 9 of loopback (discard): the error names every cause.
    if let Err(e) = client.get("http://127.0.0.1:9/").send().await {
        println!("connection error: {}", error_text(&e.without_url()));
    }
    Ok(())
}
