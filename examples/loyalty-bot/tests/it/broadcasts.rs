//! Broadcasts stored in the bot's database go out through the bot's runner (what `app::run`
//! starts beside the dialogues), with the bot's own replies untouched.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use common::*;
use messenger_runtime::{BroadcastState, NewBroadcast, Reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_broadcast_reaches_every_chat_through_the_runner() {
    let e = ergo_bot().await;
    let b = &e.bot;
    for user in 1..=3 {
        b.feed(b.m.user_says(user, "/start")).await;
    }
    let before: Vec<usize> = (1..=3).map(|u| b.m.sent_texts(u).len()).collect();
    let store = b.runner.runtime().store().clone();
    let chats = (1..=3).map(|u| b.m.chat(u)).collect();
    let text = "🎁 Подвійні бонуси цього тижня";
    assert!(
        store
            .create_broadcast(&NewBroadcast::new("week-1", Reply::new(text), chats))
            .await
            .unwrap()
    );
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = b.runner.clone();
    let sender = tokio::spawn(async move {
        let mut stopped = stopped;
        runner
            .run_broadcasts(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let info = store.broadcast("week-1").await.unwrap().unwrap();
        if info.state == BroadcastState::Done {
            assert_eq!(info.totals().sent, 3);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{info:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    sender.await.unwrap();
    for (i, user) in (1..=3).enumerate() {
        let texts = b.m.sent_texts(user);
        assert_eq!(texts.len(), before[i] + 1, "{texts:?}");
        assert_eq!(texts.last().unwrap(), text);
    }
}
