//! Purchase notifications for Manzana, which has no push: `loyalty_manzana::ChequeWatcher`
//! polls the cheques of every customer linked to a chat, remembers what it has seen in the bot's
//! storage (so a restart emits nothing twice), and each new cheque becomes a [`Delivery`] per
//! linked chat, the same as a notification posted to the HTTP endpoint.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use loyalty_core::LoyaltyError;
use loyalty_manzana::{ChequeWatcher, ManzanaClient, SeenStore};
use tokio::sync::mpsc;

use crate::notify::{Delivery, PurchaseEvent, PurchaseSummary};
use crate::storage::Storage;

/// The provider name the bot stores for Manzana customers.
const PROVIDER: &str = "manzana";

/// [`SeenStore`] over the bot's storage (a cursor per contact holding the seen cheque ids).
struct StoredSeen(Storage);

fn cursor(contact_id: &str) -> String {
    format!("manzana.seen.{contact_id}")
}

fn storage_error(e: impl std::fmt::Display) -> LoyaltyError {
    LoyaltyError::Config(format!("bot storage: {e}"))
}

#[async_trait]
impl SeenStore for StoredSeen {
    async fn seen(&self, contact_id: &str) -> Result<Option<HashSet<String>>, LoyaltyError> {
        let Some(text) = self
            .0
            .cursor(&cursor(contact_id))
            .await
            .map_err(storage_error)?
        else {
            return Ok(None);
        };
        serde_json::from_str(&text).map(Some).map_err(storage_error)
    }

    async fn mark_seen(&self, contact_id: &str, cheque_ids: &[String]) -> Result<(), LoyaltyError> {
        let mut all = self.seen(contact_id).await?.unwrap_or_default();
        all.extend(cheque_ids.iter().cloned());
        let mut list: Vec<_> = all.into_iter().collect();
        list.sort();
        let text = serde_json::to_string(&list).map_err(storage_error)?;
        self.0
            .set_cursor(&cursor(contact_id), &text)
            .await
            .map_err(storage_error)
    }
}

/// Watches Manzana cheques of the bot's customers.
pub struct ManzanaPurchases {
    watcher: ChequeWatcher,
    storage: Storage,
    interval: Duration,
}

impl ManzanaPurchases {
    /// A watcher polling through `client` every `interval`.
    pub fn new(client: ManzanaClient, storage: Storage, interval: Duration) -> Self {
        let watcher =
            ChequeWatcher::new(Arc::new(client)).store(Arc::new(StoredSeen(storage.clone())));
        Self {
            watcher,
            storage,
            interval,
        }
    }

    /// One round: follows every linked customer, polls, and returns a delivery per new cheque
    /// and linked chat (a customer's first round only records the cheques already there).
    ///
    /// # Errors
    /// The watcher's or the storage's errors.
    pub async fn poll_once(&self) -> Result<Vec<Delivery>, LoyaltyError> {
        for id in self
            .storage
            .customers_of_provider(PROVIDER)
            .await
            .map_err(storage_error)?
        {
            self.watcher.subscribe(id);
        }
        let mut out = Vec::new();
        for e in self.watcher.poll_once().await? {
            let c = &e.cheque;
            let event = PurchaseEvent {
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
            };
            if !self
                .storage
                .claim_event(&event.event_id, Utc::now())
                .await
                .map_err(storage_error)?
            {
                continue;
            }
            for chat in self
                .storage
                .chats_of_customer(PROVIDER, &e.contact_id)
                .await
                .map_err(storage_error)?
            {
                out.push(Delivery {
                    chat,
                    event: event.clone(),
                });
            }
        }
        Ok(out)
    }

    /// Polls until `tx` closes; a failed round is logged and retried at the next interval.
    pub async fn run(self, tx: mpsc::Sender<Delivery>) {
        loop {
            match self.poll_once().await {
                Ok(deliveries) => {
                    for d in deliveries {
                        if tx.send(d).await.is_err() {
                            return;
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "polling Manzana cheques failed"),
            }
            tokio::select! {
                () = tokio::time::sleep(self.interval) => {}
                () = tx.closed() => return,
            }
        }
    }
}
