//! State-changing calls are sent once: a connection dropped after the request was sent gives
//! `OutcomeUnknown`, never a retry. Reads on the same server are retried.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDateTime;
use common::{client, session};
use loyalty_core::{ErrorKind, LoyaltyError};
use loyalty_ergo::{Photo, SnModelRegistration};
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
                // Read the whole request: stop once nothing more arrives for 100 ms.
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
async fn post_sn_dropped_connection_is_outcome_unknown_sent_once() {
    let (url, accepted) = dropping_server().await;
    let err = client(&url)
        .post_sn(&session(), "123123")
        .await
        .unwrap_err();
    assert_outcome_unknown(&err, "PostSN");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn post_sn_model_dropped_connection_is_outcome_unknown_sent_once() {
    let (url, accepted) = dropping_server().await;
    let when = NaiveDateTime::parse_from_str("2018-08-22 12:12:12", "%Y-%m-%d %H:%M:%S").unwrap();
    let reg = SnModelRegistration::new(147, 1511, "123123", when)
        .photo(Photo::jpeg(vec![7; 2048], "sn.jpg"));
    let err = client(&url)
        .post_sn_model(&session(), &reg)
        .await
        .unwrap_err();
    assert_outcome_unknown(&err, "PostSNModel");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn post_question_dropped_connection_is_outcome_unknown_sent_once() {
    let (url, accepted) = dropping_server().await;
    let err = client(&url)
        .post_question(&session(), "Де мої бали?", None)
        .await
        .unwrap_err();
    assert_outcome_unknown(&err, "PostQuestion");
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn other_state_changing_calls_are_sent_once_too() {
    let (url, accepted) = dropping_server().await;
    let c = client(&url);
    let phone = loyalty_core::Phone::parse("380889993366", loyalty_core::Region::UA).unwrap();
    assert_outcome_unknown(&c.get_auth_code(&phone).await.unwrap_err(), "GetAuthCode");
    assert_outcome_unknown(&c.get_token(&phone, "1").await.unwrap_err(), "GetToken");
    assert_outcome_unknown(
        &c.post_profile(
            &session(),
            &loyalty_ergo::ProfileUpdate::new().user_name("A"),
        )
        .await
        .unwrap_err(),
        "PostProfile",
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_read_on_a_dropping_server_is_retried() {
    let (url, accepted) = dropping_server().await;
    let err = client(&url).get_profile(&session()).await.unwrap_err();
    assert!(
        matches!(
            err,
            LoyaltyError::Transport {
                op: "GetProfile",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 3, "3 attempts");
}
