//! The HTTP plumbing against real local servers: retries, the state-changing rule, dropped
//! connections, timeouts, bad bodies and secrets.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use loyalty_core::http::{HttpClient, HttpConfig, Idempotency, RetryPolicy, SNIPPET_LIMIT};
use loyalty_core::{ErrorKind, LoyaltyError};
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(base: &str, retry: RetryPolicy) -> HttpClient {
    HttpConfig::new(base)
        .unwrap()
        .timeout(Duration::from_millis(500))
        .retry(retry)
        .build()
        .unwrap()
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy::new()
        .max_attempts(3)
        .base_delay(Duration::from_millis(10))
        .jitter(false)
}

async fn get(
    c: &HttpClient,
    idem: Idempotency,
) -> Result<loyalty_core::http::Response, LoyaltyError> {
    c.send("test_op", idem, Method::POST, "api/op", |b| {
        b.json(&serde_json::json!({"a": 1}))
    })
    .await
}

#[tokio::test]
async fn idempotent_call_retries_503_then_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/op"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/op"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"ok": true})))
        .mount(&server)
        .await;
    let c = client(&server.uri(), fast_retry());
    let resp = get(&c, Idempotency::Idempotent).await.unwrap();
    assert_eq!(resp.status.as_u16(), 200);
    let v: serde_json::Value = resp.json().unwrap();
    assert_eq!(v["ok"], true);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn state_changing_call_is_sent_once_on_503() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let c = client(&server.uri(), fast_retry());
    let resp = get(&c, Idempotency::StateChanging).await.unwrap();
    assert_eq!(resp.status.as_u16(), 503);
    let err = resp.error_for_status().unwrap_err();
    assert!(
        matches!(err, LoyaltyError::OutcomeUnknown { op: "test_op", .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn attempts_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .mount(&server)
        .await;
    let c = client(&server.uri(), fast_retry().max_attempts(4));
    let resp = get(&c, Idempotency::Idempotent).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    let err = resp.error_for_status().unwrap_err();
    match &err {
        LoyaltyError::Server { detail } => {
            assert_eq!(detail.status, Some(502));
            assert_eq!(detail.message, "<html>Bad Gateway</html>");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.is_retryable());
    assert_eq!(err.kind(), ErrorKind::Transient);
}

#[tokio::test]
async fn retry_after_seconds_is_respected() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "2"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    // A base delay of 10 ms would retry at once if Retry-After were ignored.
    let c = client(&server.uri(), fast_retry());
    let started = Instant::now();
    let resp = get(&c, Idempotency::Idempotent).await.unwrap();
    let took = started.elapsed();
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert!(
        took >= Duration::from_millis(1900),
        "retried after {took:?}"
    );
    assert!(took < Duration::from_secs(6), "took {took:?}");
}

#[tokio::test]
async fn retry_after_beyond_max_delay_returns_rate_limited() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "120")
                .set_body_string("slow down"),
        )
        .mount(&server)
        .await;
    let c = client(&server.uri(), fast_retry());
    let err = get(&c, Idempotency::Idempotent)
        .await
        .unwrap()
        .error_for_status()
        .unwrap_err();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    match err {
        LoyaltyError::RateLimited {
            retry_after,
            detail,
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(120)));
            assert_eq!(detail.message, "slow down");
        }
        other => panic!("{other:?}"),
    }
}

/// A server that reads each request and closes the connection without answering; after
/// `drops` connections it answers `200 {}`.
async fn dropping_server(drops: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let mut got = Vec::new();
                // Read the head and the small body.
                loop {
                    let Ok(r) = sock.read(&mut buf).await else {
                        return;
                    };
                    if r == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..r]);
                    if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if got.len() >= end + 4 + len {
                            break;
                        }
                    }
                }
                if n > drops {
                    let _ = sock
                        .write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}",
                        )
                        .await;
                }
                // Dropping the socket closes the connection.
            });
        }
    });
    (format!("http://{addr}"), count)
}

#[tokio::test]
async fn dropped_connection_is_outcome_unknown_for_state_changing_calls() {
    let (base, count) = dropping_server(usize::MAX).await;
    let c = client(&base, fast_retry());
    let err = get(&c, Idempotency::StateChanging).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::OutcomeUnknown { op: "test_op", .. }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(
        count.load(Ordering::SeqCst),
        1,
        "a state-changing call was repeated"
    );
}

#[tokio::test]
async fn dropped_connection_is_retried_for_idempotent_calls() {
    let (base, count) = dropping_server(1).await;
    let c = client(&base, fast_retry());
    let resp = get(&c, Idempotency::Idempotent).await.unwrap();
    assert_eq!(resp.status.as_u16(), 200);
    assert_eq!(count.load(Ordering::SeqCst), 2);

    let (base, count) = dropping_server(usize::MAX).await;
    let c = client(&base, fast_retry());
    let err = get(&c, Idempotency::Idempotent).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Transport { .. }), "{err:?}");
    assert_eq!(count.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn connect_error_is_transport_even_for_state_changing_calls() {
    // Bind and drop to get a port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let c = client(&format!("http://127.0.0.1:{port}"), fast_retry());
    let err = get(&c, Idempotency::StateChanging).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::Transport { op: "test_op", .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn slow_answers_time_out() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let c = client(&server.uri(), fast_retry().max_attempts(2));
    let err = get(&c, Idempotency::Idempotent).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::Timeout { after, .. } if after == Duration::from_millis(500)),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    let err = get(&c, Idempotency::StateChanging).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::OutcomeUnknown { .. }),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

async fn body_case(template: ResponseTemplate) -> LoyaltyError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(template)
        .mount(&server)
        .await;
    let c = client(&server.uri(), RetryPolicy::none());
    let resp = get(&c, Idempotency::Idempotent).await.unwrap();
    resp.json::<serde_json::Value>().unwrap_err()
}

#[tokio::test]
async fn bad_bodies_are_decode_errors_with_bounded_snippets() {
    let err = body_case(ResponseTemplate::new(200).set_body_string("{\"a\": 1,")).await;
    match &err {
        LoyaltyError::Decode {
            op,
            status,
            snippet,
            reason,
        } => {
            assert_eq!((*op, *status), ("test_op", 200));
            assert_eq!(snippet, "{\"a\": 1,");
            assert!(reason.contains("EOF"), "{reason}");
        }
        other => panic!("{other:?}"),
    }

    let html = "<!DOCTYPE html><html><body><h1>Server Error</h1></body></html>";
    let err = body_case(ResponseTemplate::new(200).set_body_string(html)).await;
    assert!(
        matches!(&err, LoyaltyError::Decode { snippet, .. } if snippet == html),
        "{err:?}"
    );

    let err = body_case(ResponseTemplate::new(200)).await;
    assert!(
        matches!(&err, LoyaltyError::Decode { reason, .. } if reason == "empty body"),
        "{err:?}"
    );

    let big = format!("[{}", "1,".repeat(1024 * 1024));
    let err = body_case(ResponseTemplate::new(200).set_body_string(big)).await;
    match &err {
        LoyaltyError::Decode { snippet, .. } => {
            assert!(
                snippet.len() <= SNIPPET_LIMIT + '…'.len_utf8(),
                "{}",
                snippet.len()
            );
            assert!(snippet.starts_with("[1,1,"));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().len() < 1024);
}

#[tokio::test]
async fn bodies_over_the_cap_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(2 * 1024 * 1024)))
        .mount(&server)
        .await;
    let c = HttpConfig::new(&server.uri())
        .unwrap()
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let resp = get(&c, Idempotency::Idempotent).await.unwrap();
    assert!(resp.truncated);
    assert_eq!(resp.body.len(), 64 * 1024);
    let err = resp.json::<serde_json::Value>().unwrap_err();
    assert!(
        matches!(&err, LoyaltyError::Decode { reason, .. } if reason.contains("cap")),
        "{err:?}"
    );
}

#[tokio::test]
async fn snippet_never_splits_a_character() {
    let body = "ї".repeat(400); // 800 bytes, 2 bytes each
    let err = body_case(ResponseTemplate::new(200).set_body_string(body)).await;
    match err {
        LoyaltyError::Decode { snippet, .. } => {
            assert!(!snippet.contains('\u{fffd}'));
            assert!(snippet.ends_with('…'));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn base_url_must_be_http() {
    assert!(matches!(
        HttpConfig::new("ftp://x"),
        Err(LoyaltyError::Config(_))
    ));
    assert!(matches!(
        HttpConfig::new("not a url"),
        Err(LoyaltyError::Config(_))
    ));
    let c = HttpConfig::new("http://h/api").unwrap().build().unwrap();
    assert_eq!(c.url("mobile/").unwrap().as_str(), "http://h/api/mobile/");
}

#[test]
fn retry_after_reads_http_dates_against_the_clock() {
    use loyalty_core::ManualClock;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
    let clock = ManualClock::new(
        chrono::DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
            .unwrap()
            .into(),
    );
    let mut h = HeaderMap::new();
    h.insert(
        RETRY_AFTER,
        HeaderValue::from_static("Mon, 23 Nov 2026 10:00:30 GMT"),
    );
    assert_eq!(
        loyalty_core::http::parse_retry_after(&h, &clock),
        Some(Duration::from_secs(30))
    );
    h.insert(
        RETRY_AFTER,
        HeaderValue::from_static("Mon, 23 Nov 2026 09:00:00 GMT"),
    );
    assert_eq!(
        loyalty_core::http::parse_retry_after(&h, &clock),
        Some(Duration::ZERO)
    );
    h.insert(RETRY_AFTER, HeaderValue::from_static(" 7 "));
    assert_eq!(
        loyalty_core::http::parse_retry_after(&h, &clock),
        Some(Duration::from_secs(7))
    );
    h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
    assert_eq!(loyalty_core::http::parse_retry_after(&h, &clock), None);
}

#[test]
fn sensitive_answers_keep_no_body_in_errors() {
    use loyalty_core::http::{REDACTED_SNIPPET, Response};
    use reqwest::StatusCode;
    const TOKEN: &str = "9fc890ad7f5d078b251e87a0cdea68ef";
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Login {
        id: u64,
    }
    let bodies = [
        format!(r#"{{"session": "{TOKEN}", "id": "#), // cut short
        format!(r#"{{"id": "{TOKEN}"}}"#),            // wrong type: serde quotes it
        format!(r#"<html>{TOKEN}</html>"#),           // not JSON
        format!(r#"{{"id": "a\"b {TOKEN}"}}"#),       // escaped quote inside
        format!("{{\"id\": \"{TOKEN}\", \"x\": `{TOKEN}` }}"), // backticks
    ];
    for body in &bodies {
        for status in [StatusCode::OK, StatusCode::BAD_REQUEST] {
            let plain = Response::from_parts("login", status, body.clone().into_bytes());
            let resp = plain.clone().sensitive();
            assert!(!format!("{resp:?}").contains(TOKEN), "{resp:?}");
            let mut errors = vec![
                resp.json::<Login>().unwrap_err(),
                resp.decode_error(format!("bad: {body:?}")),
            ];
            if !status.is_success() {
                errors.push(resp.status_error());
            }
            for err in errors {
                for shown in [err.to_string(), format!("{err:?}")] {
                    assert!(!shown.contains(TOKEN), "{shown}");
                }
                if let LoyaltyError::Decode {
                    snippet, status: s, ..
                } = &err
                {
                    assert_eq!(snippet, REDACTED_SNIPPET);
                    assert_eq!(*s, status.as_u16());
                }
            }
            // The same answer unmarked keeps its snippet (the redaction is what removed it).
            assert!(
                plain
                    .json::<Login>()
                    .unwrap_err()
                    .to_string()
                    .contains(TOKEN),
                "{body}"
            );
        }
    }
    // The reason still says what went wrong, without the value.
    let resp = Response::from_parts("login", StatusCode::OK, format!(r#"{{"id": "{TOKEN}"}}"#))
        .sensitive();
    match resp.json::<Login>().unwrap_err() {
        LoyaltyError::Decode { reason, .. } => {
            assert!(
                reason.starts_with("invalid type: string \"…\", expected u64"),
                "{reason}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn redact_quoted_handles_every_quote_and_unterminated_ones() {
    use loyalty_core::http::redact_quoted;
    assert_eq!(
        redact_quoted(r#"invalid type: string "a\"b", expected `u64` at 'x' end"#),
        "invalid type: string \"…\", expected \"…\" at \"…\" end"
    );
    assert_eq!(redact_quoted("open \"secret"), "open \"…\"");
    assert_eq!(redact_quoted("plain"), "plain");
    assert!(redact_quoted(&"x".repeat(10_000)).len() <= SNIPPET_LIMIT + 3);
}
