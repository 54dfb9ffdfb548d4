//! Budgets against SMS pumping: how many codes may be sent per subject and action, per subject,
//! and through each channel, within a sliding window.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use crate::channel::ChannelId;
use crate::error::CodeError;

/// At most `max` sends within any `window` (serialized as `{"max": 3, "window_secs": 600}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[non_exhaustive]
pub struct Limit {
    /// Sends allowed within the window.
    pub max: u32,
    /// The sliding window.
    #[serde(rename = "window_secs", with = "crate::secs")]
    pub window: Duration,
}

impl Limit {
    /// `max` sends per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        Self { max, window }
    }
}

/// Which budget was spent.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BudgetScope {
    /// Codes for this subject and this action.
    SubjectAction,
    /// Codes for this subject, all actions together.
    Subject,
    /// Everything sent through this channel (the global ceiling).
    Channel(ChannelId),
}

impl fmt::Display for BudgetScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SubjectAction => f.write_str("this subject and action"),
            Self::Subject => f.write_str("this subject"),
            Self::Channel(c) => write!(f, "channel {c}"),
        }
    }
}

/// The budgets of a programme. Requests count toward the subject budgets whether or not a
/// channel delivers; every call of a channel counts toward that channel's ceiling (a failed or
/// timed-out SMS may still have been sent and billed).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct Budgets {
    /// Per subject and action (default 3 per 10 minutes).
    pub per_subject_action: Option<Limit>,
    /// Per subject over all actions (default 10 per hour).
    pub per_subject: Option<Limit>,
    /// A global ceiling per channel (none by default).
    pub per_channel: BTreeMap<ChannelId, Limit>,
}

impl Default for Budgets {
    fn default() -> Self {
        Self {
            per_subject_action: Some(Limit::new(3, Duration::from_secs(600))),
            per_subject: Some(Limit::new(10, Duration::from_secs(3600))),
            per_channel: BTreeMap::new(),
        }
    }
}

impl Budgets {
    /// No limit at all (tests only: a public bot needs budgets).
    pub fn unlimited() -> Self {
        Self {
            per_subject_action: None,
            per_subject: None,
            per_channel: BTreeMap::new(),
        }
    }

    /// Sets the per subject and action limit.
    pub fn per_subject_action(mut self, limit: Option<Limit>) -> Self {
        self.per_subject_action = limit;
        self
    }

    /// Sets the per subject limit.
    pub fn per_subject(mut self, limit: Option<Limit>) -> Self {
        self.per_subject = limit;
        self
    }

    /// Sets a global ceiling for `channel`.
    pub fn channel_ceiling(mut self, channel: impl Into<ChannelId>, limit: Limit) -> Self {
        self.per_channel.insert(channel.into(), limit);
        self
    }

    pub(crate) fn validate(&self) -> Result<(), CodeError> {
        let limits = self
            .per_subject_action
            .iter()
            .chain(self.per_subject.iter())
            .chain(self.per_channel.values());
        for l in limits {
            if l.max == 0 || l.window.is_zero() {
                return Err(CodeError::Config(
                    "a budget allows at least one send in a non-empty window".into(),
                ));
            }
        }
        Ok(())
    }
}
