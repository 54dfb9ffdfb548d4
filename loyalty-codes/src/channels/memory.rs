//! Channels for tests and demos: one that keeps messages in memory (and can be told to fail or
//! stall), one that prints them to the terminal.

use std::fmt;
use std::io::Write;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};

use crate::action::{Action, Language};
use crate::channel::{ChannelError, ChannelId, CodeChannel, Delivery, DeliveryReceipt};
use crate::recipient::Recipient;

/// A message a [`MemoryChannel`] received. `Debug` hides the text and the code.
#[derive(Clone)]
#[non_exhaustive]
pub struct SentMessage {
    /// The action.
    pub action: Action,
    /// The language.
    pub language: Language,
    /// The recipient.
    pub recipient: Recipient,
    /// The text.
    pub text: SecretString,
    /// The bare code.
    pub code: SecretString,
}

impl fmt::Debug for SentMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SentMessage")
            .field("action", &self.action)
            .field("language", &self.language)
            .field("recipient", &self.recipient)
            .finish_non_exhaustive()
    }
}

type FailWith = Box<dyn Fn() -> ChannelError + Send + Sync>;

/// A channel that keeps what it is given, for tests and offline demos. It can be told to fail
/// (every call, or only the next ones) or to take a while (to exercise timeouts).
pub struct MemoryChannel {
    id: ChannelId,
    needs: fn(&Recipient) -> bool,
    fail: Mutex<Option<FailWith>>,
    delay: Mutex<Option<Duration>>,
    sent: Mutex<Vec<SentMessage>>,
    calls: Mutex<u32>,
}

impl fmt::Debug for MemoryChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryChannel")
            .field("id", &self.id)
            .field("sent", &self.sent.lock().map(|s| s.len()).unwrap_or(0))
            .finish_non_exhaustive()
    }
}

impl MemoryChannel {
    /// A channel `id` that reaches every recipient and delivers every message.
    pub fn new(id: impl Into<ChannelId>) -> Self {
        Self {
            id: id.into(),
            needs: |_| true,
            fail: Mutex::new(None),
            delay: Mutex::new(None),
            sent: Mutex::new(Vec::new()),
            calls: Mutex::new(0),
        }
    }

    /// Reaches only recipients for which `reach` is true (`|r| r.phone.is_some()`).
    pub fn reaching(mut self, reach: fn(&Recipient) -> bool) -> Self {
        self.needs = reach;
        self
    }

    /// Every call fails with what `error` makes.
    pub fn failing(self, error: impl Fn() -> ChannelError + Send + Sync + 'static) -> Self {
        self.set_failing(Some(Box::new(error)));
        self
    }

    /// Changes whether calls fail.
    pub fn set_failing(&self, error: Option<FailWith>) {
        *self.fail.lock().unwrap_or_else(|e| e.into_inner()) = error;
    }

    /// Every call takes `d` before it answers.
    pub fn delayed(self, d: Duration) -> Self {
        *self.delay.lock().unwrap_or_else(|e| e.into_inner()) = Some(d);
        self
    }

    /// How many times the channel was called.
    pub fn calls(&self) -> u32 {
        *self.calls.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Messages delivered so far.
    pub fn sent(&self) -> Vec<SentMessage> {
        self.sent.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The code of the last message delivered (what a test "reads off the phone").
    pub fn last_code(&self) -> Option<String> {
        self.sent()
            .last()
            .map(|m| m.code.expose_secret().to_owned())
    }
}

#[async_trait]
impl CodeChannel for MemoryChannel {
    fn id(&self) -> ChannelId {
        self.id.clone()
    }

    fn can_reach(&self, recipient: &Recipient) -> bool {
        (self.needs)(recipient)
    }

    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<DeliveryReceipt, ChannelError> {
        *self.calls.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        let delay = *self.delay.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        if let Some(make) = self.fail.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            return Err(make());
        }
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        sent.push(SentMessage {
            action: delivery.action.clone(),
            language: delivery.language,
            recipient: delivery.recipient.clone(),
            text: SecretString::from(delivery.expose_text().to_owned()),
            code: SecretString::from(delivery.expose_code().to_owned()),
        });
        Ok(DeliveryReceipt::with_id(format!("memory-{}", sent.len())))
    }
}

/// A channel that prints the message to standard output: the offline demo's "phone". It is a
/// delivery, not a log: use it only where the terminal is the user's.
#[derive(Debug)]
pub struct ConsoleChannel {
    id: ChannelId,
}

impl ConsoleChannel {
    /// A console channel `id`.
    pub fn new(id: impl Into<ChannelId>) -> Self {
        Self { id: id.into() }
    }
}

#[async_trait]
impl CodeChannel for ConsoleChannel {
    fn id(&self) -> ChannelId {
        self.id.clone()
    }

    fn can_reach(&self, _recipient: &Recipient) -> bool {
        true
    }

    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<DeliveryReceipt, ChannelError> {
        let to = delivery
            .recipient
            .phone
            .as_ref()
            .map(loyalty_core::Phone::masked)
            .unwrap_or_else(|| "the user".to_owned());
        let line = format!("[{} → {to}] {}\n", self.id, delivery.expose_text());
        let mut out = std::io::stdout().lock();
        out.write_all(line.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| ChannelError::NotSent {
                message: format!("cannot write to standard output: {e}"),
            })?;
        Ok(DeliveryReceipt::default())
    }
}
