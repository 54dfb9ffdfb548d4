//! The long-polling stream over MAX never loses or repeats an update across errors (429, 5xx),
//! and acknowledges updates it could not parse.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use messenger_core::{MessengerError, UpdateKind, polling};
use messenger_max::{MaxBot, SecretString};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "max-poll-token";

fn text(mid: &str, t: &str) -> Value {
    json!({"update_type": "message_created", "timestamp": 1775025604499_i64,
        "message": {"sender": {"user_id": 42, "first_name": "Ivan", "is_bot": false},
        "recipient": {"chat_id": 4242, "chat_type": "dialog"}, "timestamp": 1775025604499_i64,
        "body": {"mid": mid, "seq": 1, "text": t}}})
}

#[tokio::test]
async fn the_stream_neither_loses_nor_repeats_updates_across_errors() {
    let server = MockServer::start().await;
    let updates = || {
        Mock::given(method("GET"))
            .and(path("/updates"))
            .and(header("authorization", TOKEN))
    };
    // 1st poll (no marker): a, b and an unparsable update; marker 100.
    updates()
        .and(query_param_is_missing("marker"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "updates": [text("mid.a", "a"), text("mid.b", "b"), {"update_type": "message_created", "message": 5}],
            "marker": 100})))
        .expect(1)
        .mount(&server)
        .await;
    // marker 100: first 429, then 503, then c with marker 101.
    updates()
        .and(query_param("marker", "100"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_json(json!({"code": "too.many.requests", "message": "slow"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    updates()
        .and(query_param("marker", "100"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>unavailable</html>"))
        .up_to_n_times(1)
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    updates()
        .and(query_param("marker", "100"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"updates": [text("mid.c", "c")], "marker": 101})),
        )
        .with_priority(3)
        .expect(1)
        .mount(&server)
        .await;
    // marker 101: an empty answer without a marker keeps the cursor; then a 401 ends the stream.
    updates()
        .and(query_param("marker", "101"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"updates": []})))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    updates()
        .and(query_param("marker", "101"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": "verify.token", "message": "Invalid access_token"})),
        )
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;

    let bot = MaxBot::builder(SecretString::from(TOKEN))
        .base_url(server.uri())
        .build()
        .unwrap();
    let options = MaxBot::poll_options()
        .with_timeout(Duration::from_secs(1))
        .with_backoff(Duration::from_millis(10), Duration::from_millis(40));
    let items: Vec<_> = polling::updates(Arc::new(bot), options).collect().await;
    let mut seen = Vec::new();
    let mut errors = Vec::new();
    for item in items {
        match item {
            Ok(u) => seen.push(match u.kind {
                UpdateKind::Text { text, .. } => text,
                UpdateKind::Other { .. } => "other".to_owned(),
                k => format!("{k:?}"),
            }),
            Err(e) => errors.push(e),
        }
    }
    assert_eq!(seen, ["a", "b", "other", "c"]);
    assert!(
        matches!(errors[0], MessengerError::RateLimited { .. }),
        "{errors:?}"
    );
    assert!(
        matches!(errors[1], MessengerError::Server { .. }),
        "{errors:?}"
    );
    assert!(
        matches!(errors[2], MessengerError::Unauthorized { .. }),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 3);
}

#[test]
fn the_recommended_backoff_follows_the_official_client() {
    let o = MaxBot::poll_options();
    assert_eq!(o.initial_backoff, Duration::from_secs(5));
    assert_eq!(o.max_backoff, Duration::from_secs(60));
    assert_eq!(o.timeout, Duration::from_secs(30));
}
