//! `read_capped` against a local server: under, at and over the cap; and `error_text`.
#![allow(clippy::unwrap_used)]

use http_support::{CappedError, error_text, read_capped};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn body_of(len: usize) -> (MockServer, reqwest::Response) {
    http_support::ensure_crypto_provider();
    let server = MockServer::start().await;
    Mock::given(path("/b"))
        .respond_with(ResponseTemplate::new(201).set_body_bytes(vec![b'a'; len]))
        .mount(&server)
        .await;
    let resp = reqwest::get(format!("{}/b", server.uri())).await.unwrap();
    (server, resp)
}

#[tokio::test]
async fn a_body_up_to_the_cap_is_read_whole() {
    let (_s, resp) = body_of(1000).await;
    assert_eq!(read_capped(resp, 1000).await.unwrap().len(), 1000);
    let (_s, resp) = body_of(0).await;
    assert!(read_capped(resp, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_longer_body_is_refused_without_reading_past_the_cap() {
    let (_s, resp) = body_of(300_000).await;
    match read_capped(resp, 100_000).await {
        Err(CappedError::TooLarge {
            status,
            cap,
            partial,
        }) => {
            assert_eq!((status, cap), (201, 100_000));
            assert!(partial.len() <= 100_000, "{}", partial.len());
            assert!(partial.iter().all(|b| *b == b'a'));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn error_text_names_every_cause_and_no_url() {
    http_support::ensure_crypto_provider();
    // A port nothing listens on: the connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = reqwest::get(format!("http://127.0.0.1:{port}/bot123:SECRET/getMe"))
        .await
        .unwrap_err();
    let text = error_text(&e.without_url());
    assert!(text.contains("error sending request"), "{text}");
    assert!(text.to_lowercase().contains("refused"), "{text}");
    assert!(!text.contains("SECRET"), "{text}");
}
