//! Errors of the code service: each variant says what the caller can do next.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::budget::BudgetScope;
use crate::channel::{Attempt, AttemptOutcome, SkipReason};

/// A storage failure, with the backend's message (never a code).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    /// What the backend said.
    pub message: String,
}

impl StoreError {
    /// A storage error with a message.
    pub fn new(message: impl std::fmt::Display) -> Self {
        Self {
            message: message.to_string(),
        }
    }
}

/// Every error of [`crate::CodeService`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// The programme does not protect this action with a code: go ahead without one.
    #[error("action {action} does not need a code in this programme")]
    NotRequired {
        /// The action.
        action: Action,
    },
    /// No code was sent for this subject and action (or it was purged): ask for a new one.
    #[error("no code was sent for this action: request a new one")]
    NoActiveCode,
    /// The code expired: ask for a new one.
    #[error("the code expired at {expired_at}: request a new one")]
    Expired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The code typed is wrong; the user may try again.
    #[error("wrong code: {attempts_left} attempt(s) left")]
    WrongCode {
        /// How many more tries the code allows (at least 1).
        attempts_left: u32,
    },
    /// The code allowed no more tries and is dead: ask for a new one.
    #[error("too many attempts: request a new code")]
    TooManyAttempts,
    /// The code was already used once: ask for a new one.
    #[error("the code was already used: request a new one")]
    AlreadyUsed,
    /// A budget against SMS pumping is spent: wait `retry_after`.
    #[error("the sending budget for {scope} is spent: retry after {}s", retry_after.as_secs())]
    BudgetExhausted {
        /// Which budget.
        scope: BudgetScope,
        /// How long until a send is allowed again.
        retry_after: Duration,
    },
    /// No channel delivered the code; every attempt says why.
    #[error("no channel delivered the code: {}", summary(attempts))]
    AllChannelsFailed {
        /// Each channel in order, with its outcome.
        attempts: Vec<Attempt>,
    },
    /// The code store failed.
    #[error("code storage: {0}")]
    Storage(#[from] StoreError),
    /// The service or programme is misconfigured.
    #[error("configuration: {0}")]
    Config(String),
    /// The OS random generator failed.
    #[error("the OS random generator failed: {0}")]
    Random(String),
}

fn summary(attempts: &[Attempt]) -> String {
    if attempts.is_empty() {
        return "no channel configured".to_owned();
    }
    attempts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

impl CodeError {
    /// How long to wait before asking again, when a budget or channel ceiling says so.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::BudgetExhausted { retry_after, .. } => Some(*retry_after),
            Self::AllChannelsFailed { attempts } => attempts
                .iter()
                .filter_map(|a| match &a.outcome {
                    AttemptOutcome::Skipped(SkipReason::CeilingReached { retry_after }) => {
                        Some(*retry_after)
                    }
                    _ => None,
                })
                .min(),
            _ => None,
        }
    }

    /// Tries left after a wrong code.
    pub fn attempts_left(&self) -> Option<u32> {
        match self {
            Self::WrongCode { attempts_left } => Some(*attempts_left),
            _ => None,
        }
    }

    /// Whether the user should ask for a new code (the current one can no longer succeed).
    pub fn needs_new_code(&self) -> bool {
        matches!(
            self,
            Self::NoActiveCode | Self::Expired { .. } | Self::TooManyAttempts | Self::AlreadyUsed
        )
    }
}
