//! A counting bot on the runtime, offline: each chat's messages are counted in its stored
//! conversation state, replies are delivered in order per chat, and a "restart" on the same
//! SQLite file continues every count.
//!
//! `cargo run -p messenger-runtime --example counter_bot`
#![allow(clippy::print_stdout)]

use std::sync::Arc;

use async_trait::async_trait;
use messenger_core::{InMemoryMessenger, Messenger, Update};
use messenger_runtime::{
    Context, Handler, HandlerError, Outcome, Reply, Runtime, RuntimeConfig, Store, StoreOptions,
};

/// Counts each chat's messages.
struct Counter;

#[async_trait]
impl Handler for Counter {
    /// How many messages the chat sent so far.
    type State = u64;

    async fn handle(
        &self,
        _cx: &Context,
        update: &Update,
        state: Option<u64>,
    ) -> Result<Outcome<u64>, HandlerError> {
        let n = state.unwrap_or(0) + 1;
        let text = update.text().unwrap_or("(no text)");
        Ok(Outcome::none()
            .reply(Reply::new(format!("#{n}: {text}")))
            .state(n))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:{}", dir.path().join("counter.db").display());
    let messenger = Arc::new(InMemoryMessenger::new());

    for run in 1..=2 {
        // A fresh store and runtime each run, on the same file: a restart.
        let store = Store::connect(&url, StoreOptions::default()).await?;
        let rt = Runtime::new(
            store,
            messenger.clone() as Arc<dyn Messenger>,
            Counter,
            RuntimeConfig::default(),
        );
        let updates = [
            messenger.user_says(1, "hello"),
            messenger.user_says(2, "hi"),
            messenger.user_says(1, "again"),
        ];
        rt.accept(&updates).await?;
        rt.drain().await;
        println!("after run {run}:");
        for chat in [1, 2] {
            println!("  chat {chat}: {:?}", messenger.sent_texts(chat));
        }
    }
    Ok(())
}
