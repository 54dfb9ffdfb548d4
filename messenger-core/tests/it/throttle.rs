//! Rate limiting on tokio's paused clock: the global and per-chat limits pace sends, and "too many
//! requests" pauses the sender and then delivers.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, ChatRef, FileRef, InMemoryMessenger, Limits, MessageRef,
    Messenger, MessengerError, MessengerKind, OutgoingMessage, Rate, RateLimitScope,
    ThrottleConfig, Throttled, Update,
};
use tokio::time::Instant;

fn config(global: Rate, chat: Rate) -> ThrottleConfig {
    ThrottleConfig::from_limits(&Limits::local())
        .with_global(global)
        .with_chat(chat)
        .with_group(None)
}

#[tokio::test(start_paused = true)]
async fn hundred_sends_under_twenty_per_second_take_at_least_four_and_a_half_seconds() {
    let inner = InMemoryMessenger::new();
    let m = Throttled::with_config(
        inner,
        config(
            Rate::per_second(20).unwrap(),
            Rate::per_second(1000).unwrap(),
        ),
    );
    let start = Instant::now();
    for i in 0..100 {
        // Spread over many chats so only the global limit applies.
        m.send(
            &m.inner().chat(i % 10),
            &OutgoingMessage::new(format!("#{i}").as_str()),
        )
        .await
        .unwrap();
    }
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(4500), "took {took:?}");
    assert!(took < Duration::from_millis(5500), "took {took:?}");
    assert_eq!(m.inner().all_sent().len(), 100);
}

#[tokio::test(start_paused = true)]
async fn the_per_chat_limit_paces_one_chat_but_not_others() {
    let m = Throttled::with_config(
        InMemoryMessenger::new(),
        config(
            Rate::per_second(1000).unwrap(),
            Rate::per_second(1).unwrap(),
        ),
    );
    let start = Instant::now();
    for _ in 0..3 {
        m.send(&m.inner().chat(1), &OutgoingMessage::new("x"))
            .await
            .unwrap();
    }
    let one_chat = start.elapsed();
    assert!(one_chat >= Duration::from_secs(2), "{one_chat:?}");
    let start = Instant::now();
    for i in 10..13 {
        m.send(&m.inner().chat(i), &OutgoingMessage::new("x"))
            .await
            .unwrap();
    }
    assert!(
        start.elapsed() < Duration::from_millis(100),
        "{:?}",
        start.elapsed()
    );
}

/// A messenger that answers "too many requests" a set number of times, then succeeds.
struct Flooded {
    failures: AtomicU32,
    retry_after: Option<Duration>,
    scope: RateLimitScope,
    attempts: Mutex<Vec<Instant>>,
    limits: Limits,
}

impl Flooded {
    fn new(failures: u32, retry_after: Option<Duration>) -> Self {
        Self {
            failures: AtomicU32::new(failures),
            retry_after,
            scope: RateLimitScope::Bot,
            attempts: Mutex::new(Vec::new()),
            limits: Limits::local(),
        }
    }
}

#[async_trait]
impl Messenger for Flooded {
    fn kind(&self) -> MessengerKind {
        MessengerKind::InMemory
    }
    fn limits(&self) -> &Limits {
        &self.limits
    }
    async fn send(
        &self,
        chat: &ChatRef,
        _m: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        self.attempts.lock().unwrap().push(Instant::now());
        if self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(MessengerError::RateLimited {
                scope: self.scope,
                retry_after: self.retry_after,
                detail: ApiDetail::new(Some(429), Some("429".into()), "Too Many Requests"),
            });
        }
        Ok(MessageRef::new(chat.clone(), 1))
    }
    async fn edit(&self, _m: &MessageRef, _n: &OutgoingMessage) -> Result<(), MessengerError> {
        Ok(())
    }
    async fn answer_button(
        &self,
        _c: &CallbackRef,
        _a: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        Ok(())
    }
    async fn download(&self, _f: &FileRef) -> Result<Bytes, MessengerError> {
        Ok(Bytes::new())
    }
    fn parse_webhook(&self, _h: &HeaderMap, _b: &[u8]) -> Result<Vec<Update>, MessengerError> {
        Ok(Vec::new())
    }
}

fn chat() -> ChatRef {
    ChatRef::private(MessengerKind::InMemory, 1)
}

#[tokio::test(start_paused = true)]
async fn retry_after_pauses_the_sender_then_delivers() {
    let m = Throttled::new(Flooded::new(1, Some(Duration::from_secs(3))));
    let start = Instant::now();
    let sent = m.send(&chat(), &OutgoingMessage::new("hi")).await.unwrap();
    assert_eq!(sent.id.as_i64(), Some(1));
    let attempts = m.inner().attempts.lock().unwrap().clone();
    assert_eq!(attempts.len(), 2);
    assert!(attempts[1] - attempts[0] >= Duration::from_secs(3));
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[tokio::test(start_paused = true)]
async fn a_chat_scoped_429_delays_only_that_chat() {
    let mut flooded = Flooded::new(1, Some(Duration::from_secs(10)));
    flooded.scope = RateLimitScope::Chat;
    let m = std::sync::Arc::new(Throttled::new(flooded));
    let start = Instant::now();
    let first = {
        let m = m.clone();
        tokio::spawn(async move {
            m.send(&chat(), &OutgoingMessage::new("a")).await.unwrap();
            Instant::now()
        })
    };
    // Let the first send hit its 429 before the other chat sends.
    tokio::time::sleep(Duration::from_millis(10)).await;
    m.send(
        &ChatRef::private(MessengerKind::InMemory, 99),
        &OutgoingMessage::new("b"),
    )
    .await
    .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "the other chat waited {:?}",
        start.elapsed()
    );
    let first_done = first.await.unwrap();
    assert!(first_done - start >= Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_pause_holds_back_other_chats_too() {
    let m = Throttled::new(Flooded::new(0, None));
    m.pause_for(Duration::from_secs(5));
    let start = Instant::now();
    m.send(
        &ChatRef::private(MessengerKind::InMemory, 99),
        &OutgoingMessage::new("x"),
    )
    .await
    .unwrap();
    assert!(start.elapsed() >= Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn without_a_hint_the_backoff_doubles() {
    let m = Throttled::new(Flooded::new(2, None));
    m.send(&chat(), &OutgoingMessage::new("hi")).await.unwrap();
    let a = m.inner().attempts.lock().unwrap().clone();
    assert_eq!(a.len(), 3);
    assert!(a[1] - a[0] >= Duration::from_secs(1));
    assert!(a[2] - a[1] >= Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn a_wait_longer_than_max_wait_or_too_many_retries_returns_the_error() {
    // Viber's hourly per-user cap maps to a one-hour retry_after: not worth holding the sender.
    let m = Throttled::new(Flooded::new(1, Some(Duration::from_secs(3600))));
    let start = Instant::now();
    let e = m
        .send(&chat(), &OutgoingMessage::new("hi"))
        .await
        .unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert!(start.elapsed() < Duration::from_secs(1));

    let m = Throttled::new(Flooded::new(100, Some(Duration::from_secs(1))));
    let e = m
        .send(&chat(), &OutgoingMessage::new("hi"))
        .await
        .unwrap_err();
    assert!(matches!(e, MessengerError::RateLimited { .. }));
    assert_eq!(
        m.inner().attempts.lock().unwrap().len(),
        6,
        "1 try + 5 retries"
    );
}

#[tokio::test(start_paused = true)]
async fn group_chats_get_the_group_rate() {
    let mut cfg = config(
        Rate::per_second(1000).unwrap(),
        Rate::per_second(1000).unwrap(),
    );
    cfg.group = Rate::per_minute(20);
    let m = Throttled::with_config(InMemoryMessenger::new(), cfg);
    let group = ChatRef::new(
        MessengerKind::InMemory,
        -100,
        messenger_core::ChatType::Group,
    );
    let start = Instant::now();
    for _ in 0..3 {
        m.send(&group, &OutgoingMessage::new("x")).await.unwrap();
    }
    // 20 a minute: one every 3 s.
    assert!(
        start.elapsed() >= Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
    assert!(
        start.elapsed() < Duration::from_secs(7),
        "{:?}",
        start.elapsed()
    );
}
