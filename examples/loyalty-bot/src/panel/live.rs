//! The provider's live figures on a user's profile page.

use std::sync::Arc;

use loyalty_core::{LoyaltyError, LoyaltyProvider};

use super::BotPanel;

/// How long a profile page waits for the provider's live figures.
pub const PROVIDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl BotPanel {
    /// Shows each user's live programme data on the profile page: with the session the user
    /// logged in with, the provider's balance (available, pending), level and next burn. A user
    /// without a session, a provider error or a timeout ([`PROVIDER_TIMEOUT`]) is shown as such,
    /// never as an error of the page.
    pub fn with_provider(mut self, provider: Arc<dyn LoyaltyProvider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// The provider's live figures for a user with stored `session` (the `session` column), as
    /// label-value pairs for the profile page.
    pub(super) async fn live_programme(&self, session: Option<String>) -> Vec<(String, String)> {
        let Some(provider) = &self.provider else {
            return Vec::new();
        };
        let Some(session) = session
            .map(|json| crate::storage::SessionJson::from_stored(json).decode())
            .transpose()
            .ok()
            .flatten()
        else {
            return vec![("balance".to_owned(), "not logged in".to_owned())];
        };
        match tokio::time::timeout(PROVIDER_TIMEOUT, provider.balance(&session)).await {
            Ok(Ok(b)) => {
                let mut out = vec![
                    ("balance".to_owned(), b.available.normalize().to_string()),
                    ("pending".to_owned(), b.pending.normalize().to_string()),
                ];
                if let Some(level) = b.level {
                    out.push(("level".to_owned(), level.name));
                }
                if let Some(burn) = b.burns.first() {
                    out.push((
                        "next_burn".to_owned(),
                        format!("{} on {}", burn.amount.normalize(), burn.at.date()),
                    ));
                }
                out
            }
            Ok(Err(LoyaltyError::SessionExpired { .. })) => {
                vec![("balance".to_owned(), "session expired".to_owned())]
            }
            Ok(Err(e)) => {
                // The provider's code when it gave one, else the kind: never its message,
                // which may quote the request.
                let why = e
                    .provider_code()
                    .map_or_else(|| format!("{:?}", e.kind()), |c| format!("code {c}"));
                vec![("balance".to_owned(), format!("unavailable ({why})"))]
            }
            Err(_) => vec![("balance".to_owned(), "unavailable (timeout)".to_owned())],
        }
    }
}
