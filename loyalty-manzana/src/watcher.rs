//! [`ChequeWatcher`]: "purchase made" events by polling cheques (spec §7).
//!
//! Manzana delivers cheque events only through channels its staff configure (SMS, PUSH, e-mail);
//! no integrator webhook is documented. The watcher polls the cheques of subscribed contacts,
//! remembers the ids it has seen in a [`SeenStore`], and emits each new cheque once with its lines.
//! The first poll of a contact the store has never seen records its existing cheques without
//! emitting them (unless [`ChequeWatcher::emit_existing`]), so subscribing does not replay history.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use loyalty_core::LoyaltyError;

use crate::client::ManzanaClient;
use crate::models::{Cheque, ChequeItem};

/// Where the watcher reads cheques. [`ManzanaClient`] implements it with the manager session.
#[async_trait]
pub trait ChequeSource: Send + Sync {
    /// The cheques of a contact.
    ///
    /// # Errors
    /// Transport/provider errors.
    async fn contact_cheques(&self, contact_id: &str) -> Result<Vec<Cheque>, LoyaltyError>;

    /// The lines of a cheque.
    ///
    /// # Errors
    /// Transport/provider errors.
    async fn cheque_lines(&self, cheque_id: &str) -> Result<Vec<ChequeItem>, LoyaltyError>;
}

#[async_trait]
impl ChequeSource for ManzanaClient {
    async fn contact_cheques(&self, contact_id: &str) -> Result<Vec<Cheque>, LoyaltyError> {
        ManzanaClient::contact_cheques(self, contact_id).await
    }

    async fn cheque_lines(&self, cheque_id: &str) -> Result<Vec<ChequeItem>, LoyaltyError> {
        self.cheque_items_as_operator(cheque_id).await
    }
}

/// What the watcher remembers. Implement it over a database so a restart emits nothing twice.
#[async_trait]
pub trait SeenStore: Send + Sync {
    /// The cheque ids seen for a contact, or `None` when the contact was never polled.
    ///
    /// # Errors
    /// Storage errors (as [`LoyaltyError::Config`] or any variant the store picks).
    async fn seen(&self, contact_id: &str) -> Result<Option<HashSet<String>>, LoyaltyError>;

    /// Records cheque ids as seen (an empty list records that the contact was polled).
    ///
    /// # Errors
    /// Storage errors.
    async fn mark_seen(&self, contact_id: &str, cheque_ids: &[String]) -> Result<(), LoyaltyError>;
}

/// The in-memory [`SeenStore`] (the default). Clone it to share one store between watchers.
#[derive(Debug, Clone, Default)]
pub struct MemorySeenStore {
    inner: Arc<Mutex<HashMap<String, HashSet<String>>>>,
}

impl MemorySeenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SeenStore for MemorySeenStore {
    async fn seen(&self, contact_id: &str) -> Result<Option<HashSet<String>>, LoyaltyError> {
        let g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(g.get(contact_id).cloned())
    }

    async fn mark_seen(&self, contact_id: &str, cheque_ids: &[String]) -> Result<(), LoyaltyError> {
        let mut g = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        g.entry(contact_id.to_owned())
            .or_default()
            .extend(cheque_ids.iter().cloned());
        Ok(())
    }
}

/// A new purchase of a subscribed contact.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PurchaseEvent {
    /// The contact.
    pub contact_id: String,
    /// The cheque.
    pub cheque: Cheque,
    /// Its lines (empty when they could not be read; the event is still emitted).
    pub lines: Vec<ChequeItem>,
}

/// Polls cheques of subscribed contacts and emits each new one once.
pub struct ChequeWatcher {
    source: Arc<dyn ChequeSource>,
    store: Arc<dyn SeenStore>,
    contacts: Mutex<BTreeSet<String>>,
    interval: Duration,
    emit_existing: bool,
}

impl std::fmt::Debug for ChequeWatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChequeWatcher")
            .field("contacts", &self.contacts().len())
            .field("interval", &self.interval)
            .field("emit_existing", &self.emit_existing)
            .finish_non_exhaustive()
    }
}

impl ChequeWatcher {
    /// A watcher over `source` with an in-memory store and a 60 s interval.
    pub fn new(source: Arc<dyn ChequeSource>) -> Self {
        Self {
            source,
            store: Arc::new(MemorySeenStore::new()),
            contacts: Mutex::new(BTreeSet::new()),
            interval: Duration::from_secs(60),
            emit_existing: false,
        }
    }

    /// Uses `store` to remember seen cheques.
    pub fn store(mut self, store: Arc<dyn SeenStore>) -> Self {
        self.store = store;
        self
    }

    /// The polling interval of [`Self::run`].
    pub fn interval(mut self, d: Duration) -> Self {
        self.interval = d;
        self
    }

    /// Whether the first poll of a never-seen contact emits its existing cheques (default no).
    pub fn emit_existing(mut self, on: bool) -> Self {
        self.emit_existing = on;
        self
    }

    fn contacts(&self) -> std::sync::MutexGuard<'_, BTreeSet<String>> {
        self.contacts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Watches a contact.
    pub fn subscribe(&self, contact_id: impl Into<String>) {
        self.contacts().insert(contact_id.into());
    }

    /// Stops watching a contact.
    pub fn unsubscribe(&self, contact_id: &str) {
        self.contacts().remove(contact_id);
    }

    /// The watched contacts.
    pub fn subscribed(&self) -> Vec<String> {
        self.contacts().iter().cloned().collect()
    }

    /// Polls every subscribed contact once and returns the new purchases, oldest first. A
    /// contact whose poll fails is skipped (logged) and tried again next time.
    ///
    /// # Errors
    /// Only store errors; source errors are logged per contact.
    pub async fn poll_once(&self) -> Result<Vec<PurchaseEvent>, LoyaltyError> {
        let mut events = Vec::new();
        for contact in self.subscribed() {
            let cheques = match self.source.contact_cheques(&contact).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the cheques of a watched contact");
                    continue;
                }
            };
            let seen = self.store.seen(&contact).await?;
            let baseline = seen.is_none() && !self.emit_existing;
            let seen = seen.unwrap_or_default();
            let mut new: Vec<Cheque> = cheques
                .into_iter()
                .filter(|c| !seen.contains(&c.id))
                .collect();
            if baseline {
                let ids: Vec<String> = new.iter().map(|c| c.id.clone()).collect();
                self.store.mark_seen(&contact, &ids).await?;
                continue;
            }
            new.sort_by_key(|c| c.date);
            for cheque in new {
                let lines = match self.source.cheque_lines(&cheque.id).await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot read the lines of a new cheque");
                        Vec::new()
                    }
                };
                self.store
                    .mark_seen(&contact, std::slice::from_ref(&cheque.id))
                    .await?;
                events.push(PurchaseEvent {
                    contact_id: contact.clone(),
                    cheque,
                    lines,
                });
            }
        }
        Ok(events)
    }

    /// Polls at the configured interval and sends events until the receiver is dropped.
    ///
    /// # Errors
    /// A store error stops the loop and is returned.
    pub async fn run(
        &self,
        events: tokio::sync::mpsc::Sender<PurchaseEvent>,
    ) -> Result<(), LoyaltyError> {
        loop {
            for e in self.poll_once().await? {
                if events.send(e).await.is_err() {
                    return Ok(());
                }
            }
            tokio::select! {
                () = tokio::time::sleep(self.interval) => {}
                () = events.closed() => return Ok(()),
            }
        }
    }
}
