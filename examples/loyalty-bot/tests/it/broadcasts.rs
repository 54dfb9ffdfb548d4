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

/// The bot's own send limit paces its broadcasts too where each call is one message; the
/// platform's documented broadcast rate otherwise (and with `off`).
#[test]
fn broadcasts_keep_to_the_bots_own_limit_where_one_is_set() {
    use loyalty_bot::app::broadcast_config;
    use loyalty_bot::config::SendLimit;
    use messenger_runtime::RateLimit;
    use std::num::NonZeroU32;
    let per_second = |n| NonZeroU32::new(n).unwrap();
    let m = messenger_core::InMemoryMessenger::new();
    assert_eq!(
        broadcast_config(SendLimit::PerSecond(per_second(100)), &m).rate,
        Some(RateLimit::per_second(per_second(100)))
    );
    assert_eq!(broadcast_config(SendLimit::Platform, &m).rate, None);
    assert_eq!(broadcast_config(SendLimit::Off, &m).rate, None);
    // Viber's broadcast_message reaches 300 users a call: its call rate stays Viber's.
    let viber =
        messenger_viber::ViberBot::builder(loyalty_core::SecretString::from("token"), "Bot")
            .broadcast_api(true)
            .build()
            .unwrap();
    assert_eq!(
        broadcast_config(SendLimit::PerSecond(per_second(5)), &viber).rate,
        None
    );
}
