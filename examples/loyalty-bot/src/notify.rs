//! The purchase-notification endpoint: a loyalty backend (or its sandbox admin) posts "a purchase
//! was made for this customer"; the bot pushes a summary to every active chat linked to the
//! customer.
//!
//! `POST /notify/purchase` with `Authorization: Bearer <NOTIFY_SECRET>` (compared in constant time)
//! and a JSON body of at most [`MAX_BODY_BYTES`]:
//!
//! ```json
//! {"event_id": "ev-1", "customer_id": "c-1", "purchase": {"id": "p-9", "store": "Shop 1",
//!  "sum": "120.50", "bonuses_earned": "6", "bonuses_spent": "0", "at": "2026-11-23 10:00:00"}}
//! ```
//!
//! Answers: `202 {"delivered_to": n}` once the push to each of the `n` linked chats is queued
//! durably, `200 {"duplicate": true}` for an event id seen before, `401` for a missing or wrong
//! secret, `400` for a malformed body, `413` for an oversized one, `503` when the database
//! failed (nothing was recorded: send the event again).
//!
//! Exactly once: the event id is claimed and every chat's message queued in one transaction of
//! the runtime's store ([`Pusher`]), so a failure before the answer records nothing (the sender's
//! retry pushes once), and a crash after the 202 loses nothing (the runtime of whichever instance
//! runs next delivers the queued messages).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use loyalty_core::{Decimal, ExposeSecret, SecretString};
use messenger_core::{ChatRef, MessengerKind, PlatformId};
use messenger_runtime::{Reply, Write};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::engine::Engine;
use crate::storage::{ChatKey, Storage, StorageError};
use crate::texts::Lang;

/// The largest body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A purchase event as posted.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PurchaseEvent {
    /// Unique id of the event (repeats are ignored).
    pub event_id: String,
    /// The provider's customer id.
    pub customer_id: String,
    /// The purchase.
    pub purchase: PurchaseSummary,
}

/// What the notification says about the purchase.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PurchaseSummary {
    /// The provider's purchase id.
    pub id: String,
    /// Store name.
    #[serde(default)]
    pub store: Option<String>,
    /// Sum paid.
    #[serde(deserialize_with = "loyalty_core::de::decimal")]
    pub sum: Decimal,
    /// Bonuses earned.
    #[serde(default, deserialize_with = "loyalty_core::de::decimal_or_zero")]
    pub bonuses_earned: Decimal,
    /// Bonuses spent.
    #[serde(default, deserialize_with = "loyalty_core::de::decimal_or_zero")]
    pub bonuses_spent: Decimal,
    /// When, as the provider wrote it.
    #[serde(default)]
    pub at: Option<String>,
}

/// Queues purchase notifications in the runtime's store, each chat's message in the chat's own
/// language; the runtime of the chat's messenger delivers it (paced, retried, on any instance).
#[derive(Clone)]
pub struct Pusher {
    engine: Engine,
}

/// The chat of a stored [`ChatKey`] on its messenger (numeric ids stay numbers).
pub(crate) fn chat_ref(key: &ChatKey) -> Option<ChatRef> {
    let kind = [
        MessengerKind::Telegram,
        MessengerKind::Viber,
        MessengerKind::Max,
        MessengerKind::Console,
        MessengerKind::InMemory,
    ]
    .into_iter()
    .find(|k| k.as_str() == key.messenger)?;
    let id = key
        .chat_id
        .parse::<i64>()
        .map_or_else(|_| PlatformId::from(key.chat_id.clone()), PlatformId::from);
    Some(ChatRef::private(kind, id))
}

impl Pusher {
    /// Pushes with `engine`'s texts, money format and storage.
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    /// The bot's storage (the runtime's store is in it).
    pub fn storage(&self) -> &Storage {
        self.engine.storage()
    }

    /// The message about `purchase` for `chat`, in its language (the bot's default for a chat
    /// it has not stored).
    ///
    /// # Errors
    /// [`StorageError`] when the chat's language cannot be read.
    pub async fn message(
        &self,
        chat: &ChatKey,
        purchase: &PurchaseSummary,
    ) -> Result<Reply, StorageError> {
        let lang = self
            .engine
            .storage()
            .user(chat)
            .await?
            .and_then(|u| Lang::parse(&u.language))
            .unwrap_or_else(|| self.engine.default_lang());
        let text = self.engine.text(
            lang,
            crate::texts::TextKey::PurchaseNotification,
            &[
                ("sum", &self.engine.money(lang, purchase.sum)),
                ("store", purchase.store.as_deref().unwrap_or("")),
                (
                    "earned",
                    &crate::format::number(lang, purchase.bonuses_earned),
                ),
            ],
        );
        Ok(Reply::new(text))
    }

    /// Claims `event` and queues its message to each of `chats`, with `writes` (the caller's
    /// bookkeeping, such as a "seen" cursor), in one transaction. Returns how many chats the
    /// message was queued for, or `None` when the event was claimed before (nothing queued or
    /// written). A chat of a messenger this bot does not know is skipped with a warning.
    ///
    /// # Errors
    /// [`StorageError`]: nothing was claimed, queued or written; pushing again is safe.
    pub async fn push(
        &self,
        event: &PurchaseEvent,
        chats: &[ChatKey],
        writes: &[Write],
    ) -> Result<Option<usize>, StorageError> {
        let mut pushes = Vec::with_capacity(chats.len());
        for key in chats {
            let Some(chat) = chat_ref(key) else {
                tracing::warn!(messenger = %key.messenger, "a notification for an unknown messenger");
                continue;
            };
            pushes.push((chat, vec![self.message(key, &event.purchase).await?]));
        }
        let queued = self
            .engine
            .storage()
            .runtime_store()
            .enqueue_pushes(&event.event_id, &pushes, writes)
            .await?;
        Ok(queued.then_some(pushes.len()))
    }
}

/// Shared state of the endpoint.
#[derive(Clone)]
pub struct NotifyState {
    storage: Storage,
    provider: String,
    secret: Arc<SecretString>,
    pusher: Pusher,
}

impl NotifyState {
    /// State for `provider`'s customers; notifications are queued by `pusher`.
    pub fn new(
        storage: Storage,
        provider: impl Into<String>,
        secret: SecretString,
        pusher: Pusher,
    ) -> Self {
        Self {
            storage,
            provider: provider.into(),
            secret: Arc::new(secret),
            pusher,
        }
    }
}

/// The endpoint's routes.
pub fn router(state: NotifyState) -> Router {
    Router::new()
        .route(crate::config::NOTIFY_PATH, post(purchase))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

fn problem(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

fn authorized(headers: &HeaderMap, secret: &SecretString) -> bool {
    let Some(given) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    bool::from(given.as_bytes().ct_eq(secret.expose_secret().as_bytes()))
}

async fn purchase(
    State(state): State<NotifyState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !authorized(&headers, &state.secret) {
        return problem(StatusCode::UNAUTHORIZED, "missing or wrong secret");
    }
    let event: PurchaseEvent = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => return problem(StatusCode::BAD_REQUEST, &format!("malformed event: {e}")),
    };
    if event.event_id.trim().is_empty() || event.customer_id.trim().is_empty() {
        return problem(
            StatusCode::BAD_REQUEST,
            "event_id and customer_id must not be empty",
        );
    }
    let chats = match state
        .storage
        .chats_of_customer(&state.provider, &event.customer_id)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot look up the customer's chats");
            return problem(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable");
        }
    };
    match state.pusher.push(&event, &chats, &[]).await {
        Ok(Some(n)) => (
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "delivered_to": n })),
        )
            .into_response(),
        Ok(None) => (
            StatusCode::OK,
            Json(serde_json::json!({ "duplicate": true })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot queue a notification; the sender may retry");
            problem(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable")
        }
    }
}
