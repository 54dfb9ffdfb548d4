//! `retail` and `hold` are sent once: a connection dropped after the request was sent gives
//! `OutcomeUnknown`, exactly one request reaches the server. Reads and `release` are retried.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::*;
use loyalty_core::{ErrorKind, LoyaltyError};
use loyalty_loyalclient::{ClientSearch, HoldRequest, RetailRequest};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

/// A server that reads each request (until the client pauses) and closes the socket without
/// answering. Returns its base URL and the number of connections it accepted.
async fn dropping_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(Ok(n)) =
                    tokio::time::timeout(Duration::from_millis(100), sock.read(&mut buf)).await
                {
                    if n == 0 {
                        break;
                    }
                }
                drop(sock);
            });
        }
    });
    (format!("http://{addr}/"), accepted)
}

fn assert_outcome_unknown(err: &LoyaltyError, op: &str) {
    match err {
        LoyaltyError::OutcomeUnknown { op: got, .. } => assert_eq!(*got, op),
        other => panic!("expected OutcomeUnknown for {op}, got {other:?}"),
    }
    assert!(!err.is_retryable());
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
}

#[tokio::test]
async fn retail_on_a_dropped_connection_is_outcome_unknown_with_exactly_one_request() {
    let (url, accepted) = dropping_server().await;
    let err = retrying_client(&url)
        .retail(&RetailRequest::spend("1001", "1", dec("1000"), dec("100")).hold("h-1"))
        .await
        .unwrap_err();
    assert_outcome_unknown(&err, "retail");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn hold_on_a_dropped_connection_is_outcome_unknown_with_exactly_one_request() {
    let (url, accepted) = dropping_server().await;
    let err = retrying_client(&url)
        .hold(&HoldRequest::new("1001", "1", dec("100")).duration(5))
        .await
        .unwrap_err();
    assert_outcome_unknown(&err, "hold");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn release_and_client_are_retried_on_a_dropped_connection() {
    let (url, accepted) = dropping_server().await;
    let c = retrying_client(&url);
    let err = c.release("h-1").await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::Transport { op: "release", .. }),
        "{err:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 3, "3 attempts");
    let err = c
        .find_client(&ClientSearch::new("79201234567", "1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::Transport { op: "client", .. }),
        "{err:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 6);
}
