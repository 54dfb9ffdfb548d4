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
//! Answers: `202 {"delivered_to": n}`, `200 {"duplicate": true}` for an event id seen before,
//! `401` for a missing or wrong secret, `400` for a malformed body, `413` for an oversized one.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use chrono::Utc;
use loyalty_core::{Decimal, ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::mpsc;

use crate::storage::{ChatKey, Storage};

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

/// A notification to deliver to one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The chat.
    pub chat: ChatKey,
    /// The event.
    pub event: PurchaseEvent,
}

/// Shared state of the endpoint.
#[derive(Clone)]
pub struct NotifyState {
    storage: Storage,
    provider: String,
    secret: Arc<SecretString>,
    deliveries: mpsc::Sender<Delivery>,
}

impl NotifyState {
    /// State for `provider`'s customers; deliveries go to `deliveries`.
    pub fn new(
        storage: Storage,
        provider: impl Into<String>,
        secret: SecretString,
        deliveries: mpsc::Sender<Delivery>,
    ) -> Self {
        Self {
            storage,
            provider: provider.into(),
            secret: Arc::new(secret),
            deliveries,
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
    match state.storage.claim_event(&event.event_id, Utc::now()).await {
        Ok(true) => {}
        Ok(false) => {
            return (
                StatusCode::OK,
                Json(serde_json::json!({ "duplicate": true })),
            )
                .into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot record a notification event");
            return problem(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable");
        }
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
    let mut delivered = 0usize;
    for chat in chats {
        if state
            .deliveries
            .send(Delivery {
                chat,
                event: event.clone(),
            })
            .await
            .is_ok()
        {
            delivered += 1;
        }
    }
    (
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "delivered_to": delivered })),
    )
        .into_response()
}
