//! [`ActionsCache`]: serves `GetActions` from memory.
//!
//! ERGO's actions change rarely (the seed: once a day), and a bot shows them on every press of
//! "full registration". The cache fetches them once, serves them from memory, and fetches again
//! when they are older than a configurable age or when `GetChanges` reports `Actions`.
//!
//! The cache assumes actions are the same for every seller (the seed describes them as the
//! programme's list); keep one cache per seller if yours differ.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_core::{Clock, LoyaltyError, Session, SystemClock};

use crate::client::ErgoClient;
use crate::types::{Actions, Changes, DataType};

/// The default age after which cached actions are fetched again: 1 hour.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(3600);

struct Entry {
    fetched_at: DateTime<Utc>,
    actions: Arc<Actions>,
    stale: bool,
}

/// A cache of `GetActions` in front of an [`ErgoClient`]. Cheap to share behind an `Arc`.
pub struct ActionsCache {
    client: ErgoClient,
    max_age: Duration,
    clock: Arc<dyn Clock>,
    entry: Mutex<Option<Entry>>,
    // One refresh at a time: callers that find the cache stale wait for it instead of
    // calling `GetActions` too.
    refresh_gate: tokio::sync::Mutex<()>,
}

impl fmt::Debug for ActionsCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cached, fetched_at) = match self.entry.lock() {
            Ok(e) => (
                e.as_ref().map(|e| e.actions.actions.len()),
                e.as_ref().map(|e| e.fetched_at),
            ),
            Err(_) => (None, None),
        };
        f.debug_struct("ActionsCache")
            .field("client", &self.client)
            .field("max_age", &self.max_age)
            .field("cached_actions", &cached)
            .field("fetched_at", &fetched_at)
            .finish()
    }
}

impl ActionsCache {
    /// A cache over `client` that refreshes after `max_age` (see [`DEFAULT_MAX_AGE`]).
    pub fn new(client: ErgoClient, max_age: Duration) -> Self {
        Self {
            client,
            max_age,
            clock: Arc::new(SystemClock),
            entry: Mutex::new(None),
            refresh_gate: tokio::sync::Mutex::new(()),
        }
    }

    /// Uses `clock` to measure the age (tests use a `ManualClock`).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Entry>> {
        self.entry.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn fresh(&self) -> Option<Arc<Actions>> {
        let now = self.clock.now();
        let max_age = chrono::Duration::from_std(self.max_age).unwrap_or(chrono::Duration::MAX);
        self.lock().as_ref().and_then(|e| {
            let young = now.signed_duration_since(e.fetched_at) < max_age;
            (young && !e.stale).then(|| e.actions.clone())
        })
    }

    /// The actions: from memory when fresh, otherwise from `GetActions` (with `session`).
    ///
    /// # Errors
    /// The errors of [`ErgoClient::get_actions`]; the cache keeps its old content on error.
    pub async fn get(&self, session: &Session) -> Result<Arc<Actions>, LoyaltyError> {
        if let Some(a) = self.fresh() {
            return Ok(a);
        }
        let _gate = self.refresh_gate.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(a) = self.fresh() {
            return Ok(a);
        }
        self.fetch(session).await
    }

    /// Fetches the actions now, whatever the cache holds.
    ///
    /// # Errors
    /// The errors of [`ErgoClient::get_actions`].
    pub async fn refresh(&self, session: &Session) -> Result<Arc<Actions>, LoyaltyError> {
        let _gate = self.refresh_gate.lock().await;
        self.fetch(session).await
    }

    async fn fetch(&self, session: &Session) -> Result<Arc<Actions>, LoyaltyError> {
        let actions = Arc::new(self.client.get_actions(session).await?);
        *self.lock() = Some(Entry {
            fetched_at: self.clock.now(),
            actions: actions.clone(),
            stale: false,
        });
        Ok(actions)
    }

    /// Marks the cache stale when `changes` lists `Actions`; returns whether it did.
    pub fn observe(&self, changes: &Changes) -> bool {
        let hit = changes.contains(&DataType::Actions);
        if hit {
            self.invalidate();
        }
        hit
    }

    /// Calls `GetChanges`, marks the cache stale if it reports `Actions`, and returns the
    /// changes (for the bot's own use of `Profile` and `Notices`).
    ///
    /// # Errors
    /// The errors of [`ErgoClient::get_changes`].
    pub async fn check_changes(&self, session: &Session) -> Result<Changes, LoyaltyError> {
        let changes = self.client.get_changes(session).await?;
        self.observe(&changes);
        Ok(changes)
    }

    /// Forgets freshness: the next [`ActionsCache::get`] calls `GetActions`.
    pub fn invalidate(&self) {
        if let Some(e) = self.lock().as_mut() {
            e.stale = true;
        }
    }

    /// What the cache holds, fresh or not, without calling ERGO.
    pub fn cached(&self) -> Option<Arc<Actions>> {
        self.lock().as_ref().map(|e| e.actions.clone())
    }
}
