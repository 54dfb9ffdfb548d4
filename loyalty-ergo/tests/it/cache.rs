//! `ActionsCache`: GetActions is served from memory until it is too old or GetChanges reports
//! `Actions`.
// Test helpers may unwrap: a panic there is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{client, fixture, session};
use loyalty_core::ManualClock;
use loyalty_ergo::ActionsCache;
use serde_json::json;
use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "GetActions"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_actions.json")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(body_partial_json(json!({"method": "GetChanges"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "methodresponse": "GetChanges", "code": 1,
            "Modified_data": [{"data_type": "Actions", "data_api": "GetActions"}]
        })))
        .mount(&server)
        .await;
    server
}

async fn calls(server: &MockServer, name: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap()["method"] == name)
        .count()
}

#[tokio::test]
async fn serves_from_memory_until_too_old() {
    let server = server().await;
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ));
    let cache = ActionsCache::new(client(&server.uri()), Duration::from_secs(3600))
        .with_clock(clock.clone());
    let s = session();
    assert!(cache.cached().is_none());
    let a = cache.get(&s).await.unwrap();
    assert_eq!(a.actions.len(), 2);
    for _ in 0..5 {
        let again = cache.get(&s).await.unwrap();
        assert!(Arc::ptr_eq(&a, &again));
    }
    assert_eq!(calls(&server, "GetActions").await, 1);
    clock.advance(chrono::Duration::minutes(59));
    cache.get(&s).await.unwrap();
    assert_eq!(calls(&server, "GetActions").await, 1);
    clock.advance(chrono::Duration::minutes(2));
    let b = cache.get(&s).await.unwrap();
    assert!(!Arc::ptr_eq(&a, &b));
    assert_eq!(calls(&server, "GetActions").await, 2);
}

#[tokio::test]
async fn refreshes_when_get_changes_reports_actions() {
    let server = server().await;
    let cache = ActionsCache::new(client(&server.uri()), Duration::from_secs(86_400));
    let s = session();
    cache.get(&s).await.unwrap();
    cache.get(&s).await.unwrap();
    assert_eq!(calls(&server, "GetActions").await, 1);
    let changes = cache.check_changes(&s).await.unwrap();
    assert!(changes.contains(&loyalty_ergo::DataType::Actions));
    // Still served (stale) without a call until asked for.
    assert!(cache.cached().is_some());
    assert_eq!(calls(&server, "GetActions").await, 1);
    cache.get(&s).await.unwrap();
    cache.get(&s).await.unwrap();
    assert_eq!(calls(&server, "GetActions").await, 2);
    // Changes without Actions do not invalidate.
    let c: loyalty_ergo::Changes = serde_json::from_value(fixture("get_changes.json")).unwrap();
    assert!(!cache.observe(&c));
    cache.get(&s).await.unwrap();
    assert_eq!(calls(&server, "GetActions").await, 2);
    cache.invalidate();
    cache.get(&s).await.unwrap();
    assert_eq!(calls(&server, "GetActions").await, 3);
}

#[tokio::test]
async fn concurrent_gets_make_one_call_and_errors_keep_the_old_content() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("get_actions.json"))
                .set_delay(Duration::from_millis(100)),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let cache = Arc::new(ActionsCache::new(
        client(&server.uri()),
        Duration::from_secs(60),
    ));
    let s = session();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (cache, s) = (cache.clone(), s.clone());
        tasks.push(tokio::spawn(async move {
            cache.get(&s).await.map(|a| a.actions.len())
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), 2);
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // Now the server answers a session error: the refresh fails, the content stays.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "methodresponse": "GetActions", "error": {"code": 1, "comment": "the session was expired"}
        })))
        .mount(&server)
        .await;
    let err = cache.refresh(&s).await.unwrap_err();
    assert!(matches!(
        err,
        loyalty_core::LoyaltyError::SessionExpired { .. }
    ));
    assert_eq!(cache.cached().unwrap().actions.len(), 2);
}
