//! The stored conversation state across releases: a state written before states had a version
//! continues its dialogue; one that no longer decodes starts the chat afresh (and is logged,
//! see the engine's unit tests) instead of failing the update.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_bot::engine::{Action, CONVERSATION_VERSION, Conversation, Step};

/// Overwrites the stored state of the test user's chat, as an older release left it.
async fn store_state(e: &Ergo, json: &str) {
    let n = sqlx::query("UPDATE rt_chats SET state = $1 WHERE messenger = $2 AND chat_id = $3")
        .bind(json)
        .bind("in_memory")
        .bind(USER.to_string())
        .execute(e.bot.storage.pool())
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 1);
}

async fn stored(e: &Ergo) -> serde_json::Value {
    let s = e
        .bot
        .storage
        .runtime_store()
        .state("in_memory", &USER.to_string())
        .await
        .unwrap()
        .unwrap();
    serde_json::from_str(&s).unwrap()
}

#[tokio::test]
async fn a_state_stored_before_versions_continues_its_dialogue() {
    let e = ergo_bot().await;
    log_in(&e).await;
    assert_eq!(stored(&e).await["version"], CONVERSATION_VERSION);

    // Waiting for a serial, in the format written before versions.
    store_state(&e, r#"{"step":{"step":"await_serial"},"resume":null}"#).await;
    e.bot.say("LED0001").await;
    assert_eq!(
        e.bot.last(),
        "✅ Зареєстровано: LED лампа Ergo, +100\u{a0}балів."
    );
    let now = stored(&e).await;
    assert_eq!(now["version"], CONVERSATION_VERSION);
    let state: Conversation = serde_json::from_value(now).unwrap();
    assert_eq!(state.step, Step::AwaitSerial);

    // An action to resume kept as its callback string reads as the typed action.
    store_state(&e, r#"{"step":{"step":"menu"},"resume":"m:full"}"#).await;
    let state: Conversation = serde_json::from_value(stored(&e).await).unwrap();
    assert_eq!(state.resume, Some(Action::FullRegistration));
}

#[tokio::test]
async fn a_state_that_no_longer_decodes_starts_the_chat_afresh() {
    let e = ergo_bot().await;
    log_in(&e).await;
    // A step a later release renamed: the chat starts over (waiting for the phone), it does
    // not fail the update.
    store_state(&e, r#"{"version":1,"step":{"step":"await_serial_v2"}}"#).await;
    e.bot.say("LED0001").await;
    assert!(
        e.bot.last().contains("Вітаємо, User 7!"),
        "{}",
        e.bot.last()
    );
    let state: Conversation = serde_json::from_value(stored(&e).await).unwrap();
    assert_eq!(state.step, Step::AwaitPhone);
    let counts = e
        .bot
        .storage
        .runtime_store()
        .counts("in_memory")
        .await
        .unwrap();
    assert_eq!(counts.quarantined, 0, "{counts:?}");
}
