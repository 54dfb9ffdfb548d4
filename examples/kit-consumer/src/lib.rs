//! # kit-consumer
//!
//! A tiny downstream service, as an integrator would write it on top of the SDK: customers of an
//! ERGO CLUB programme talk to it over Telegram. It exists to show (and prove, in `tests/`) that
//! such a service is tested with the SDK's test kits (`loyalty_ergo::mock`,
//! `messenger_telegram::mock`) and no hand-written vendor JSON.
//!
//! - A shared contact asks ERGO for a confirmation code and tells the user so.
//! - A reply with the code logs the user in ([`LoyaltyDesk::log_in`]).
//! - [`LoyaltyDesk::balance_text`] reads the balance; vendor errors and timeouts become friendly
//!   texts ([`DeskError`]).

use std::time::Duration;

use loyalty_core::{LoyaltyError, LoyaltyProvider, Phone, Session};
use loyalty_ergo::ErgoClient;
use messenger_core::{Messenger, MessengerError, OutgoingMessage, PollCursor, UpdateKind};

/// What went wrong, in the service's own terms.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeskError {
    /// The code the user typed is wrong.
    #[error("the code is wrong, try again")]
    WrongCode,
    /// The programme did not answer in time.
    #[error("the loyalty programme is slow right now, try again later")]
    Unavailable,
    /// The stored session is no longer valid: log in again.
    #[error("please log in again")]
    LoggedOut,
    /// Any other loyalty error.
    #[error("loyalty programme error: {0}")]
    Loyalty(LoyaltyError),
    /// A messenger error.
    #[error("messenger error: {0}")]
    Messenger(#[from] MessengerError),
}

impl From<LoyaltyError> for DeskError {
    fn from(e: LoyaltyError) -> Self {
        match e {
            LoyaltyError::WrongCode { .. } => Self::WrongCode,
            LoyaltyError::SessionExpired { .. } => Self::LoggedOut,
            e if e.is_retryable() || matches!(e, LoyaltyError::OutcomeUnknown { .. }) => {
                Self::Unavailable
            }
            e => Self::Loyalty(e),
        }
    }
}

/// The service: one ERGO client and one messenger.
pub struct LoyaltyDesk<M> {
    ergo: ErgoClient,
    messenger: M,
}

impl<M: Messenger> LoyaltyDesk<M> {
    /// A desk over `ergo` and `messenger`.
    pub fn new(ergo: ErgoClient, messenger: M) -> Self {
        Self { ergo, messenger }
    }

    /// Logs a customer in with the code ERGO sent to `phone`.
    ///
    /// # Errors
    /// [`DeskError::WrongCode`], [`DeskError::Unavailable`] (timeouts, 5xx, an answer that may
    /// have been lost) or [`DeskError::Loyalty`].
    pub async fn log_in(&self, phone: &Phone, code: &str) -> Result<Session, DeskError> {
        Ok(self.ergo.get_token(phone, code).await?.to_session())
    }

    /// The balance as the bot shows it: `"Balance: 1250 (300 pending)"`.
    ///
    /// # Errors
    /// [`DeskError::LoggedOut`], [`DeskError::Unavailable`] or [`DeskError::Loyalty`].
    pub async fn balance_text(&self, session: &Session) -> Result<String, DeskError> {
        let b = self.ergo.balance(session).await?;
        Ok(format!("Balance: {} ({} pending)", b.available, b.pending))
    }

    /// Polls once and handles what arrived: a shared own contact asks ERGO for a code and
    /// replies; someone else's number is refused. Returns how many updates were handled.
    ///
    /// # Errors
    /// A messenger error while polling or replying; a loyalty error is told to the user.
    pub async fn poll_once(&self) -> Result<usize, DeskError> {
        let batch = self
            .messenger
            .poll(PollCursor(None), Duration::from_secs(0))
            .await?;
        for update in &batch.updates {
            let (UpdateKind::Contact(contact), Some(chat)) = (&update.kind, &update.chat) else {
                continue;
            };
            let reply = if !contact.is_own {
                "Please share your own number with the button.".to_owned()
            } else {
                match Phone::parse_international(&contact.phone) {
                    Err(_) => "This number does not look right.".to_owned(),
                    Ok(phone) => match self.ergo.get_auth_code(&phone).await {
                        Ok(_) => format!("We sent a code to {}. Type it here.", phone.masked()),
                        Err(e) => DeskError::from(e).to_string(),
                    },
                }
            };
            self.messenger
                .send(chat, &OutgoingMessage::new(reply))
                .await?;
        }
        Ok(batch.updates.len())
    }
}
