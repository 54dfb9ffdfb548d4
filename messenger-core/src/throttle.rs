//! Rate limiting shared by every adapter: [`Throttled`] wraps any [`Messenger`] with a global limit
//! and a per-chat limit (the platform's documented values by default, configurable), backed by
//! `governor`'s GCRA limiters running on tokio's clock ([`TokioClock`], so tests can use paused
//! time). A platform answer "too many requests" with [`crate::RateLimitScope::Bot`] pauses the
//! whole sender for the time the platform asked (or an exponential backoff when it names none);
//! one with [`crate::RateLimitScope::Chat`] delays only that send. Then the same message is sent
//! again instead of failing it.

use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use http::HeaderMap;
use tokio::time::Instant;

use crate::capabilities::Capabilities;
use crate::error::{MessengerError, RateLimitScope};
use crate::exchange::{RawRequest, WebhookOutcome, WebhookResponse, WelcomeSlot};
use crate::limits::{Limits, Rate};
use crate::message::{ButtonAnswer, OutgoingMessage};
use crate::messenger::{Messenger, PollBatch, PollCursor};
use crate::model::{
    CallbackRef, ChatRef, ChatType, FileRef, MessageRef, MessengerKind, PlatformId, Update,
};

/// A `governor` clock over `tokio::time::Instant`, so limiters follow tokio's (possibly
/// paused) time. Instants are durations since the clock was made.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start: Instant,
}

impl TokioClock {
    /// A clock starting now.
    pub fn new() -> Self {
        Self {
            start: Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.start)
    }
}

/// How [`Throttled`] paces and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// The limit over all chats.
    pub global: Rate,
    /// The limit into one private chat.
    pub chat: Rate,
    /// The limit into one group chat (defaults to `chat` when `None`).
    pub group: Option<Rate>,
    /// How many times one message is resent after "too many requests".
    pub max_retries: u32,
    /// The longest pause accepted; a platform asking for more (Viber's hourly cap) gets its error
    /// returned to the caller.
    pub max_wait: Duration,
    /// The first pause when the platform names no wait (MAX); it doubles per retry.
    pub backoff_initial: Duration,
}

impl ThrottleConfig {
    /// The platform's documented rates, 5 retries, at most 60 s per pause, 1 s initial backoff.
    pub fn from_limits(limits: &Limits) -> Self {
        Self {
            global: limits.global_rate,
            chat: limits.chat_rate,
            group: limits.group_rate,
            max_retries: 5,
            max_wait: Duration::from_secs(60),
            backoff_initial: Duration::from_secs(1),
        }
    }

    /// Sets the limit over all chats.
    pub fn with_global(mut self, rate: Rate) -> Self {
        self.global = rate;
        self
    }

    /// Sets the limit into one private chat.
    pub fn with_chat(mut self, rate: Rate) -> Self {
        self.chat = rate;
        self
    }

    /// Sets the limit into one group chat (`None`: as a private chat).
    pub fn with_group(mut self, rate: Option<Rate>) -> Self {
        self.group = rate;
        self
    }

    /// Sets how many times one message is resent after "too many requests".
    pub fn with_max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the longest pause accepted.
    pub fn with_max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Sets the first pause when the platform names no wait.
    pub fn with_backoff_initial(mut self, wait: Duration) -> Self {
        self.backoff_initial = wait;
        self
    }
}

type ChatKey = (MessengerKind, PlatformId);
type Direct = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;
type Keyed = RateLimiter<ChatKey, DashMapStateStore<ChatKey>, TokioClock, NoOpMiddleware<Duration>>;

fn quota(rate: Rate) -> Quota {
    Quota::with_period(rate.interval())
        .unwrap_or_else(|| Quota::per_second(rate.count))
        .allow_burst(rate.burst)
}

/// Any [`Messenger`] with rate limiting and "too many requests" handling on `send` and `edit`.
/// Other calls pass straight through.
pub struct Throttled<M> {
    inner: M,
    config: ThrottleConfig,
    clock: TokioClock,
    global: Direct,
    chats: Keyed,
    groups: Keyed,
    paused_until: Mutex<Option<Instant>>,
}

impl<M: std::fmt::Debug> std::fmt::Debug for Throttled<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttled")
            .field("inner", &self.inner)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<M: Messenger> Throttled<M> {
    /// Wraps `inner` with the rates of its [`Messenger::limits`].
    pub fn new(inner: M) -> Self {
        let config = ThrottleConfig::from_limits(inner.limits());
        Self::with_config(inner, config)
    }

    /// Wraps `inner` with explicit rates.
    pub fn with_config(inner: M, config: ThrottleConfig) -> Self {
        let clock = TokioClock::new();
        Self {
            global: RateLimiter::direct_with_clock(quota(config.global), clock),
            chats: RateLimiter::dashmap_with_clock(quota(config.chat), clock),
            groups: RateLimiter::dashmap_with_clock(
                quota(config.group.unwrap_or(config.chat)),
                clock,
            ),
            inner,
            config,
            clock,
            paused_until: Mutex::new(None),
        }
    }

    /// The wrapped messenger.
    pub fn inner(&self) -> &M {
        &self.inner
    }

    /// The configuration.
    pub fn config(&self) -> &ThrottleConfig {
        &self.config
    }

    /// Pauses every send until `now + wait` (never shortens a pause already set).
    pub fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut p = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if p.is_none_or(|old| old < until) {
            *p = Some(until);
        }
    }

    async fn wait_pause(&self) {
        loop {
            let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
            match until {
                Some(t) if t > Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// Waits for a slot in the chat's limit, then in the global one.
    async fn acquire(&self, chat: &ChatRef) {
        let key = (chat.messenger, chat.id.clone());
        let keyed = if chat.chat_type == ChatType::Private {
            &self.chats
        } else {
            &self.groups
        };
        while let Err(not_until) = keyed.check_key(&key) {
            tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
        }
        // Forget chats whose limit is back to full, so the map does not grow forever.
        if keyed.len() > 10_000 {
            keyed.retain_recent();
        }
        while let Err(not_until) = self.global.check() {
            tokio::time::sleep(not_until.wait_time_from(self.clock.now())).await;
        }
    }

    async fn throttled<T, F, Fut>(
        &self,
        chat: &ChatRef,
        op: &'static str,
        call: F,
    ) -> Result<T, MessengerError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, MessengerError>>,
    {
        let mut retries = 0;
        loop {
            self.wait_pause().await;
            self.acquire(chat).await;
            match call().await {
                Err(e @ MessengerError::RateLimited { .. })
                    if retries < self.config.max_retries =>
                {
                    let wait = e.retry_after().unwrap_or_else(|| {
                        self.config
                            .backoff_initial
                            .saturating_mul(2u32.saturating_pow(retries))
                    });
                    if wait > self.config.max_wait {
                        return Err(e);
                    }
                    retries += 1;
                    if e.rate_limit_scope() == Some(RateLimitScope::Chat) {
                        // Only this chat must wait: other chats go on.
                        tracing::warn!(op, %chat, wait_ms = wait.as_millis() as u64, retries, "rate limited in one chat; pausing that send");
                        tokio::time::sleep(wait).await;
                    } else {
                        tracing::warn!(op, %chat, wait_ms = wait.as_millis() as u64, retries, "rate limited by the platform; pausing the sender");
                        self.pause_for(wait);
                    }
                }
                other => return other,
            }
        }
    }
}

#[async_trait]
impl<M: Messenger> Messenger for Throttled<M> {
    fn kind(&self) -> MessengerKind {
        self.inner.kind()
    }

    fn limits(&self) -> &Limits {
        self.inner.limits()
    }

    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        message.validate(self.inner.limits())?;
        self.throttled(chat, "send", || self.inner.send(chat, message))
            .await
    }

    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        self.throttled(&message.chat, "edit", || self.inner.edit(message, new))
            .await
    }

    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        self.inner.answer_button(callback, answer).await
    }

    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        self.inner.download(file).await
    }

    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        self.inner.parse_webhook(headers, body)
    }

    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        self.inner.poll(cursor, timeout).await
    }

    async fn send_typing(&self, chat: &ChatRef) -> Result<(), MessengerError> {
        self.inner.send_typing(chat).await
    }

    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }

    fn receive_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookOutcome, MessengerError> {
        self.inner.receive_webhook(headers, body)
    }

    async fn welcome_response(
        &self,
        slot: &WelcomeSlot,
        message: &OutgoingMessage,
    ) -> Result<WebhookResponse, MessengerError> {
        self.inner.welcome_response(slot, message).await
    }

    async fn send_raw(&self, request: &RawRequest) -> Result<serde_json::Value, MessengerError> {
        self.inner.send_raw(request).await
    }

    async fn delete(&self, message: &MessageRef) -> Result<(), MessengerError> {
        self.throttled(&message.chat, "delete", || self.inner.delete(message))
            .await
    }
}
