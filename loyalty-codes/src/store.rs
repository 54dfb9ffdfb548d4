//! Where issued codes (as hashes) and send events live: a small async trait, and an in-memory
//! implementation for tests and single-process demos. The bot stores them in SQL.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::channel::ChannelId;
use crate::code::{CodeHash, CodeId};
use crate::error::StoreError;
use crate::recipient::Subject;

/// One issued code. Holds its hash, never the code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeRecord {
    /// Its id (also the hash's salt).
    pub id: CodeId,
    /// Whom it was issued to.
    pub subject: Subject,
    /// What it confirms.
    pub action: Action,
    /// HMAC of the code.
    pub hash: CodeHash,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops being valid.
    pub expires_at: DateTime<Utc>,
    /// Checks made so far (the right one included).
    pub attempts: u32,
    /// Checks allowed.
    pub max_attempts: u32,
    /// When it was used, if it was.
    pub used_at: Option<DateTime<Utc>>,
}

impl CodeRecord {
    /// A fresh, unused record with no attempts (for storage back-ends reading rows, use the
    /// public fields).
    pub fn new(
        id: CodeId,
        subject: Subject,
        action: Action,
        hash: CodeHash,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
        max_attempts: u32,
    ) -> Self {
        Self {
            id,
            subject,
            action,
            hash,
            created_at,
            expires_at,
            attempts: 0,
            max_attempts,
            used_at: None,
        }
    }
}

/// A send to count against the budgets: a request (no channel) or one channel call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendEvent {
    /// The subject.
    pub subject: Subject,
    /// The action.
    pub action: Action,
    /// `None` for the request itself, the channel for a channel call.
    pub channel: Option<ChannelId>,
    /// When.
    pub at: DateTime<Utc>,
}

impl SendEvent {
    /// A send event.
    pub fn new(
        subject: Subject,
        action: Action,
        channel: Option<ChannelId>,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            subject,
            action,
            channel,
            at,
        }
    }
}

/// Which send events to count.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendQuery {
    /// Requests (events without a channel) of this subject for this action.
    SubjectAction(Subject, Action),
    /// Requests of this subject, all actions.
    Subject(Subject),
    /// Calls of this channel, everyone.
    Channel(ChannelId),
}

impl SendQuery {
    /// Whether `e` is counted by this query.
    pub fn matches(&self, e: &SendEvent) -> bool {
        match self {
            Self::SubjectAction(s, a) => e.channel.is_none() && &e.subject == s && &e.action == a,
            Self::Subject(s) => e.channel.is_none() && &e.subject == s,
            Self::Channel(c) => e.channel.as_ref() == Some(c),
        }
    }
}

/// How many events matched since a time, and the oldest of them (to compute a retry-after).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SendStats {
    /// Matching events.
    pub count: u32,
    /// The oldest matching event, if any.
    pub oldest: Option<DateTime<Utc>>,
}

impl SendStats {
    /// Stats of `count` events, the oldest at `oldest`.
    pub fn new(count: u32, oldest: Option<DateTime<Utc>>) -> Self {
        Self { count, oldest }
    }
}

/// Storage of codes and send events. Implementations must make [`CodeStore::add_attempt`] and
/// [`CodeStore::mark_used`] atomic (an `UPDATE … RETURNING` in SQL), so parallel checks can
/// neither exceed the attempt limit nor use a code twice.
#[async_trait]
pub trait CodeStore: Send + Sync + std::fmt::Debug {
    /// Stores `record` as the only code of its (subject, action): any earlier one is removed, so
    /// it can no longer be used.
    async fn replace_active(&self, record: CodeRecord) -> Result<(), StoreError>;

    /// The code of (subject, action), used or not, if there is one.
    async fn active(
        &self,
        subject: &Subject,
        action: &Action,
    ) -> Result<Option<CodeRecord>, StoreError>;

    /// Counts one check of code `id` and returns the new count; `None` when the code is gone
    /// (replaced meanwhile).
    async fn add_attempt(&self, id: &CodeId) -> Result<Option<u32>, StoreError>;

    /// Marks code `id` used at `at` if it is still unused: `true` when this call used it.
    async fn mark_used(&self, id: &CodeId, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Records a send for the budgets.
    async fn record_send(&self, event: SendEvent) -> Result<(), StoreError>;

    /// Counts the events matching `query` strictly after `since` (a sliding window: an event
    /// exactly one window old no longer counts).
    async fn send_stats(
        &self,
        query: &SendQuery,
        since: DateTime<Utc>,
    ) -> Result<SendStats, StoreError>;

    /// Removes codes that expired before `before` and send events older than it; returns how many
    /// rows went.
    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

#[derive(Debug, Default)]
struct Inner {
    codes: HashMap<(Subject, Action), CodeRecord>,
    events: Vec<SendEvent>,
}

/// An in-memory [`CodeStore`]: for tests and single-process demos (nothing survives a restart).
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every stored code record (for tests: they hold hashes only).
    pub fn records(&self) -> Vec<CodeRecord> {
        self.lock().codes.values().cloned().collect()
    }

    /// Every recorded send event.
    pub fn events(&self) -> Vec<SendEvent> {
        self.lock().events.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl CodeStore for MemoryStore {
    async fn replace_active(&self, record: CodeRecord) -> Result<(), StoreError> {
        let key = (record.subject.clone(), record.action.clone());
        self.lock().codes.insert(key, record);
        Ok(())
    }

    async fn active(
        &self,
        subject: &Subject,
        action: &Action,
    ) -> Result<Option<CodeRecord>, StoreError> {
        Ok(self
            .lock()
            .codes
            .get(&(subject.clone(), action.clone()))
            .cloned())
    }

    async fn add_attempt(&self, id: &CodeId) -> Result<Option<u32>, StoreError> {
        let mut inner = self.lock();
        Ok(inner.codes.values_mut().find(|r| &r.id == id).map(|r| {
            r.attempts = r.attempts.saturating_add(1);
            r.attempts
        }))
    }

    async fn mark_used(&self, id: &CodeId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        match inner.codes.values_mut().find(|r| &r.id == id) {
            Some(r) if r.used_at.is_none() => {
                r.used_at = Some(at);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn record_send(&self, event: SendEvent) -> Result<(), StoreError> {
        self.lock().events.push(event);
        Ok(())
    }

    async fn send_stats(
        &self,
        query: &SendQuery,
        since: DateTime<Utc>,
    ) -> Result<SendStats, StoreError> {
        let inner = self.lock();
        let mut stats = SendStats::default();
        for e in inner
            .events
            .iter()
            .filter(|e| e.at > since && query.matches(e))
        {
            stats.count += 1;
            stats.oldest = Some(stats.oldest.map_or(e.at, |o| o.min(e.at)));
        }
        Ok(stats)
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let (codes, events) = (inner.codes.len(), inner.events.len());
        inner.codes.retain(|_, r| r.expires_at >= before);
        inner.events.retain(|e| e.at >= before);
        Ok((codes - inner.codes.len() + events - inner.events.len()) as u64)
    }
}
