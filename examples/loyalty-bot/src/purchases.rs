//! Purchase notifications for Manzana, which has no push: `loyalty_manzana::ChequeWatcher`
//! polls the cheques of every customer linked to a chat, and each new cheque becomes a push to
//! every linked chat through the same durable queue as a notification posted to the HTTP
//! endpoint ([`Pusher`]).
//!
//! Exactly once across restarts: the cheque's event id (`manzana:<cheque id>`) is claimed, the
//! pushes queued and the customer's "seen cheques" cursor advanced in one transaction. A crash
//! before it commits leaves the cheque unseen (the next round pushes it); after, it is seen and
//! queued (the runtime delivers it).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use loyalty_core::LoyaltyError;
use loyalty_manzana::{ChequeWatcher, ManzanaClient, SeenStore};

use crate::notify::{PurchaseEvent, PurchaseSummary, Pusher};
use crate::storage::{ChatKey, Storage};

/// The provider name the bot stores for Manzana customers.
const PROVIDER: &str = "manzana";

/// [`SeenStore`] over the bot's storage (a cursor per contact holding the seen cheque ids).
/// Marks are held back in `pending` until the round commits them with the pushes.
struct StoredSeen {
    storage: Storage,
    pending: Mutex<HashMap<String, BTreeSet<String>>>,
}

fn cursor(contact_id: &str) -> String {
    format!("manzana.seen.{contact_id}")
}

fn storage_error(e: impl std::fmt::Display) -> LoyaltyError {
    LoyaltyError::Config(format!("bot storage: {e}"))
}

impl StoredSeen {
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, BTreeSet<String>>> {
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The committed set of `contact_id`, `None` before its first round.
    async fn stored(&self, contact_id: &str) -> Result<Option<BTreeSet<String>>, LoyaltyError> {
        let Some(text) = self
            .storage
            .cursor(&cursor(contact_id))
            .await
            .map_err(storage_error)?
        else {
            return Ok(None);
        };
        serde_json::from_str(&text).map(Some).map_err(storage_error)
    }
}

#[async_trait]
impl SeenStore for StoredSeen {
    async fn seen(
        &self,
        contact_id: &str,
    ) -> Result<Option<std::collections::HashSet<String>>, LoyaltyError> {
        let stored = self.stored(contact_id).await?;
        let pending = self.pending().get(contact_id).cloned();
        Ok(match (stored, pending) {
            (None, None) => None,
            (a, b) => Some(a.into_iter().chain(b).flatten().collect()),
        })
    }

    async fn mark_seen(&self, contact_id: &str, cheque_ids: &[String]) -> Result<(), LoyaltyError> {
        self.pending()
            .entry(contact_id.to_owned())
            .or_default()
            .extend(cheque_ids.iter().cloned());
        Ok(())
    }
}

/// A cheque pushed by [`ManzanaPurchases::poll_once`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The event, as the HTTP endpoint would have received it.
    pub event: PurchaseEvent,
    /// The chats its message was queued for.
    pub chats: Vec<ChatKey>,
}

/// Watches Manzana cheques of the bot's customers.
pub struct ManzanaPurchases {
    watcher: ChequeWatcher,
    seen: Arc<StoredSeen>,
    pusher: Pusher,
    interval: Duration,
}

impl ManzanaPurchases {
    /// A watcher polling through `client` every `interval`, pushing through `pusher` (on the
    /// storage of its engine).
    pub fn new(client: ManzanaClient, pusher: Pusher, interval: Duration) -> Self {
        let seen = Arc::new(StoredSeen {
            storage: pusher.storage().clone(),
            pending: Mutex::default(),
        });
        let watcher = ChequeWatcher::new(Arc::new(client)).store(seen.clone());
        Self {
            watcher,
            seen,
            pusher,
            interval,
        }
    }

    /// One round: follows every linked customer, polls, and queues a push per new cheque to its
    /// linked chats (a customer's first round only records the cheques already there). A
    /// customer whose push cannot be queued keeps the rest of its new cheques unseen for the
    /// next round.
    ///
    /// # Errors
    /// The watcher's or the storage's errors before anything was queued.
    pub async fn poll_once(&self) -> Result<Vec<Queued>, LoyaltyError> {
        let storage = self.pusher.storage();
        for id in storage
            .customers_of_provider(PROVIDER)
            .await
            .map_err(storage_error)?
        {
            self.watcher.subscribe(id);
        }
        let events = self.watcher.poll_once().await;
        let pending = std::mem::take(&mut *self.seen.pending());
        let mut by_contact: HashMap<String, Vec<loyalty_manzana::PurchaseEvent>> = HashMap::new();
        for e in events? {
            by_contact.entry(e.contact_id.clone()).or_default().push(e);
        }
        let mut out = Vec::new();
        for (contact, newly) in pending {
            let mut seen = self.seen.stored(&contact).await?.unwrap_or_default();
            let Some(cheques) = by_contact.remove(&contact) else {
                // The first round of a customer: what is there now is the baseline.
                seen.extend(newly);
                let text = serde_json::to_string(&seen).map_err(storage_error)?;
                storage
                    .set_cursor(&cursor(&contact), &text)
                    .await
                    .map_err(storage_error)?;
                continue;
            };
            let chats = storage
                .chats_of_customer(PROVIDER, &contact)
                .await
                .map_err(storage_error)?;
            for e in cheques {
                let event = event_of(&e);
                seen.insert(e.cheque.id.clone());
                let text = serde_json::to_string(&seen).map_err(storage_error)?;
                let mark = messenger_runtime::Store::cursor_write(&cursor(&contact), &text);
                match self.pusher.push(&event, &chats, &[mark]).await {
                    Ok(Some(_)) => out.push(Queued {
                        event,
                        chats: chats.clone(),
                    }),
                    // Queued before (its mark was lost with an older cursor format): mark it.
                    Ok(None) => storage
                        .set_cursor(&cursor(&contact), &text)
                        .await
                        .map_err(storage_error)?,
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot queue a Manzana purchase; retried next round");
                        break;
                    }
                }
            }
        }
        Ok(out)
    }

    /// Polls every interval until the task is dropped; a failed round is logged and retried at
    /// the next interval.
    pub async fn run(self) {
        loop {
            if let Err(e) = self.poll_once().await {
                tracing::warn!(error = %e, "polling Manzana cheques failed");
            }
            tokio::time::sleep(self.interval).await;
        }
    }
}

fn event_of(e: &loyalty_manzana::PurchaseEvent) -> PurchaseEvent {
    let c = &e.cheque;
    PurchaseEvent {
        event_id: format!("manzana:{}", c.id),
        customer_id: e.contact_id.clone(),
        purchase: PurchaseSummary {
            id: c.id.clone(),
            store: c.store_label(),
            sum: c.summ_discounted.or(c.summ).unwrap_or_default(),
            bonuses_earned: c.bonus.unwrap_or_default(),
            bonuses_spent: c.paid_by_bonus.unwrap_or_default(),
            at: c.date.map(|d| d.to_string()),
        },
    }
}
