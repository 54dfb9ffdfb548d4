//! The channel trait and what a delivery attempt leaves behind.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::LoyaltyError;
use secrecy::{ExposeSecret, SecretString};

use crate::action::{Action, Language};
use crate::recipient::Recipient;

/// The name a programme uses for a channel in its channel order (`sms`, `email`, `chat`).
/// Serializes as the bare string.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct ChannelId(Cow<'static, str>);

impl ChannelId {
    /// A channel id.
    pub fn new(id: impl Into<Cow<'static, str>>) -> Self {
        Self(id.into())
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&'static str> for ChannelId {
    fn from(s: &'static str) -> Self {
        Self(Cow::Borrowed(s))
    }
}

impl From<String> for ChannelId {
    fn from(s: String) -> Self {
        Self(Cow::Owned(s))
    }
}

impl From<&ChannelId> for ChannelId {
    fn from(c: &ChannelId) -> Self {
        c.clone()
    }
}

/// One message to deliver: the rendered text (and the bare code, for channels that lay out their
/// own message) plus where and why. `Debug` never shows the text or the code.
pub struct Delivery<'a> {
    /// The action the code confirms.
    pub action: &'a Action,
    /// The language of the text.
    pub language: Language,
    /// Where to send it.
    pub recipient: &'a Recipient,
    /// When the code stops being valid.
    pub expires_at: DateTime<Utc>,
    pub(crate) text: &'a SecretString,
    pub(crate) code: &'a SecretString,
}

impl<'a> Delivery<'a> {
    /// A delivery, for channel tests and for callers that drive a channel directly.
    pub fn new(
        action: &'a Action,
        language: Language,
        recipient: &'a Recipient,
        expires_at: DateTime<Utc>,
        text: &'a SecretString,
        code: &'a SecretString,
    ) -> Self {
        Self {
            action,
            language,
            recipient,
            expires_at,
            text,
            code,
        }
    }

    /// The message text with the code in it. Put it only into the outgoing message: never into a
    /// log line, an error or a `Debug` output.
    pub fn expose_text(&self) -> &str {
        self.text.expose_secret()
    }

    /// The bare code, for a channel that lays out its own message (a chat with a copy button).
    /// Same rules as [`Delivery::expose_text`].
    pub fn expose_code(&self) -> &str {
        self.code.expose_secret()
    }
}

impl fmt::Debug for Delivery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("action", self.action)
            .field("language", &self.language)
            .field("recipient", self.recipient)
            .field("expires_at", &self.expires_at)
            .field("text", &"[redacted]")
            .finish()
    }
}

/// What a channel reports after the provider accepted the message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DeliveryReceipt {
    /// The provider's message id, when it gives one.
    pub provider_id: Option<String>,
}

impl DeliveryReceipt {
    /// A receipt with the provider's message id.
    pub fn with_id(id: impl Into<String>) -> Self {
        Self {
            provider_id: Some(id.into()),
        }
    }
}

/// A way to deliver codes: SMS, e-mail, a messenger chat. Object-safe; the dispatcher holds
/// `Arc<dyn CodeChannel>`.
///
/// An implementation must not log or return the text or the code (errors and `Debug` included),
/// and should return quickly: the dispatcher gives it a per-channel timeout and then moves on.
#[async_trait]
pub trait CodeChannel: Send + Sync + fmt::Debug {
    /// The id programmes use in their channel order.
    fn id(&self) -> ChannelId;

    /// Whether the recipient has the address this channel needs (a phone for SMS). When it does
    /// not, the dispatcher skips the channel without calling it or counting it.
    fn can_reach(&self, recipient: &Recipient) -> bool;

    /// Sends the message.
    ///
    /// # Errors
    /// A [`ChannelError`] saying why it was not (or may not have been) delivered.
    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<DeliveryReceipt, ChannelError>;
}

/// What a provider's refusal means for the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProviderErrorKind {
    /// This recipient cannot get the message here (bad number, no route, stop list, the
    /// provider's per-number limits): another channel may work.
    Recipient,
    /// The integration is misconfigured (API key, sender name, request shape): fix the settings.
    Configuration,
    /// The provider account cannot send now (no funds, daily limit): alert the operator.
    Account,
    /// The provider is temporarily unavailable: try later or another channel.
    Unavailable,
    /// A code the provider documents nowhere (kept verbatim).
    Unknown,
}

/// Why a channel did not deliver. Never contains the code or the text.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ChannelError {
    /// The recipient has no address for this channel.
    #[error("the recipient has no address for this channel")]
    NoAddress,
    /// The provider answered and refused, with its own code and message verbatim.
    #[error("the provider refused ({kind:?}){}: {message}", fmt_code(code.as_deref()))]
    Provider {
        /// What the refusal means.
        kind: ProviderErrorKind,
        /// The provider's code, if it sent one.
        code: Option<String>,
        /// The provider's message (bounded; never the sent text).
        message: String,
    },
    /// The message certainly was not sent (connect error, bad address).
    #[error("not sent: {message}")]
    NotSent {
        /// What went wrong.
        message: String,
    },
    /// The request may have reached the provider and its answer was lost; the user may still get
    /// the message (the same code, so a second channel does no harm).
    #[error("outcome unknown: {message}")]
    OutcomeUnknown {
        /// What went wrong.
        message: String,
    },
    /// The channel did not finish within its timeout (set by the dispatcher).
    #[error("no answer within {after:?}")]
    Timeout {
        /// The timeout that elapsed.
        after: Duration,
    },
    /// The channel is misconfigured (bad URL, bad sender address).
    #[error("configuration: {0}")]
    Config(String),
}

fn fmt_code(code: Option<&str>) -> String {
    code.map(|c| format!(" code {c}")).unwrap_or_default()
}

impl From<LoyaltyError> for ChannelError {
    fn from(e: LoyaltyError) -> Self {
        match e {
            LoyaltyError::Transport { message, .. } => Self::NotSent { message },
            LoyaltyError::Timeout { after, .. } => Self::Timeout { after },
            LoyaltyError::OutcomeUnknown { reason, .. } => Self::OutcomeUnknown { message: reason },
            LoyaltyError::Config(m) => Self::Config(m),
            LoyaltyError::Unauthorized { detail } => Self::Provider {
                kind: ProviderErrorKind::Configuration,
                code: detail.status.map(|s| s.to_string()),
                message: detail.message,
            },
            LoyaltyError::RateLimited { detail, .. } | LoyaltyError::Server { detail } => {
                Self::Provider {
                    kind: ProviderErrorKind::Unavailable,
                    code: detail.status.map(|s| s.to_string()),
                    message: detail.message,
                }
            }
            other => Self::Provider {
                kind: ProviderErrorKind::Unknown,
                code: other.provider_code().map(str::to_owned),
                message: other.to_string(),
            },
        }
    }
}

/// Why the dispatcher did not call a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkipReason {
    /// The recipient has no address for it.
    NoAddress,
    /// Its global ceiling is spent.
    CeilingReached {
        /// When the ceiling allows the next send.
        retry_after: Duration,
    },
}

/// What came of one channel in one send.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The provider accepted the message.
    Delivered(DeliveryReceipt),
    /// The channel was called and failed (a timeout included).
    Failed(ChannelError),
    /// The channel was not called.
    Skipped(SkipReason),
}

/// One channel's part in one send: which, when, how long, and what came of it. Holds no code.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Attempt {
    /// The channel.
    pub channel: ChannelId,
    /// When the attempt started (the service's clock).
    pub at: DateTime<Utc>,
    /// How long it took.
    pub elapsed: Duration,
    /// What came of it.
    pub outcome: AttemptOutcome,
}

impl Attempt {
    /// Whether this attempt delivered the code.
    pub fn delivered(&self) -> bool {
        matches!(self.outcome, AttemptOutcome::Delivered(_))
    }

    /// The provider's message id, when this attempt delivered and the provider gave one.
    pub fn outcome_provider_id(&self) -> Option<String> {
        match &self.outcome {
            AttemptOutcome::Delivered(r) => r.provider_id.clone(),
            _ => None,
        }
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            AttemptOutcome::Delivered(_) => write!(f, "{}: delivered", self.channel),
            AttemptOutcome::Failed(e) => write!(f, "{}: {e}", self.channel),
            AttemptOutcome::Skipped(SkipReason::NoAddress) => {
                write!(f, "{}: skipped, no address", self.channel)
            }
            AttemptOutcome::Skipped(SkipReason::CeilingReached { retry_after }) => write!(
                f,
                "{}: skipped, ceiling reached (retry after {}s)",
                self.channel,
                retry_after.as_secs()
            ),
        }
    }
}
