//! The bot's HTTP listener: a header read timeout, a connection limit, 413 for a large body.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::post as route_post;
use loyalty_bot::listener::{Limits, WEBHOOK_BODY_LIMIT, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn start(limits: Limits) -> std::net::SocketAddr {
    let app = Router::new()
        .route(
            "/hook",
            route_post(|body: axum::body::Bytes| async move { body.len().to_string() }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(WEBHOOK_BODY_LIMIT));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(listener, app, limits));
    addr
}

/// Reads until the server closes the connection (or `limit` passes); returns what was read and
/// whether it closed.
async fn read_to_close(s: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
        }
    }
}

async fn post(addr: std::net::SocketAddr, body: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    read_to_close(&mut s, Duration::from_secs(5)).await.0
}

#[tokio::test]
async fn headers_not_finished_in_time_close_the_connection() {
    let addr = start(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST /hook HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let (_, closed) = read_to_close(&mut slow, Duration::from_secs(5)).await;
    assert!(
        closed,
        "a connection that never finished its headers stayed open"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    // A prompt request is still served.
    assert!(post(addr, "hi").await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn connections_beyond_the_limit_are_refused_and_slots_come_back() {
    let addr = start(Limits {
        max_connections: 2,
        header_read_timeout: Duration::from_secs(30),
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..2 {
        let s = TcpStream::connect(addr).await.unwrap();
        idle.push(s);
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(addr).await.unwrap();
    let (_, closed) = read_to_close(&mut third, Duration::from_secs(2)).await;
    assert!(
        closed,
        "a third connection was served beyond the limit of 2"
    );
    drop(idle);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let answer = post(addr, "hello").await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n5"), "{answer}");
}

#[tokio::test]
async fn an_oversized_body_gets_413() {
    let addr = start(Limits::default()).await;
    let big = "x".repeat(WEBHOOK_BODY_LIMIT + 1);
    let answer = post(addr, &big).await;
    assert!(
        answer.starts_with("HTTP/1.1 413"),
        "{}",
        &answer[..answer.len().min(200)]
    );
    let ok = "x".repeat(1000);
    assert!(post(addr, &ok).await.starts_with("HTTP/1.1 200"));
}
