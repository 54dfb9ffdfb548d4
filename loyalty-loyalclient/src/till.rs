//! The till sequence as types: search → recalc → optional hold → retail → release on failure.
//!
//! Each step consumes the previous one, so a sale can be attempted once per quote or hold, and
//! the rules of the API cannot be got wrong:
//!
//! - [`Till::find`] and [`Visit::quote`] are reads: call them as often as needed.
//! - [`Quote::hold`] reserves points (sent once) and gives a [`Held`].
//! - [`Held::complete`] makes the sale with the held points. When it **fails with a definite
//!   error** (the server refused the sale) the hold is released at once so the points are free
//!   again. When the **outcome is unknown** (connection lost after sending, a 5xx) the hold is
//!   **left to expire** at [`Hold::until`]: the sale may have been applied, and releasing the
//!   hold while a sale could still be spending it might let the same points be spent twice. The
//!   [`SaleFailure`] says which happened ([`HoldOutcome`]).
//! - [`Held::cancel`] releases the hold when the customer walks away.
//! - [`Quote::earn`] and [`Quote::spend`] make the sale without a hold.
//!
//! A [`SaleFailure`] with [`LoyaltyError::OutcomeUnknown`] gives nothing back to retry with: check
//! the sale on the vendor's side before ringing it up again.

use std::fmt;

use chrono::{DateTime, Utc};
use loyalty_core::LoyaltyError;
use rust_decimal::Decimal;

use crate::client::LoyalClient;
use crate::types::{
    ClientProfile, ClientSearch, Hold, HoldRequest, Recalc, RecalcRequest, Retail, RetailRequest,
};

/// A till at one sales point. Get it with [`LoyalClient::till`].
#[derive(Debug, Clone)]
pub struct Till {
    client: LoyalClient,
    point: String,
}

impl LoyalClient {
    /// The till sequence at sales point `point`.
    pub fn till(&self, point: impl Into<String>) -> Till {
        Till {
            client: self.clone(),
            point: point.into(),
        }
    }
}

impl Till {
    /// The sales point.
    pub fn point(&self) -> &str {
        &self.point
    }

    /// Step 1: finds the client by phone digits, card number or app code.
    ///
    /// # Errors
    /// As [`LoyalClient::find_client`] ([`LoyaltyError::NotFound`] for an unknown client).
    pub async fn find(&self, search: &str) -> Result<Visit, LoyaltyError> {
        let profile = self
            .client
            .find_client(&ClientSearch::new(search, self.point.clone()))
            .await?;
        Ok(Visit {
            till: self.clone(),
            client: profile,
        })
    }
}

/// A client found at the till.
#[derive(Debug, Clone)]
pub struct Visit {
    till: Till,
    client: ClientProfile,
}

impl Visit {
    /// The client.
    pub fn client(&self) -> &ClientProfile {
        &self.client
    }

    /// Step 2: previews a purchase of `amount`. May be called again for another amount.
    ///
    /// # Errors
    /// As [`LoyalClient::recalc`].
    pub async fn quote(&self, amount: Decimal) -> Result<Quote, LoyaltyError> {
        let recalc = self
            .till
            .client
            .recalc(&RecalcRequest::new(
                self.client.id.clone(),
                self.till.point.clone(),
                amount,
            ))
            .await?;
        Ok(Quote {
            visit: self.clone(),
            amount,
            recalc,
        })
    }
}

/// A previewed purchase: what may be spent and what would be earned.
#[derive(Debug, Clone)]
pub struct Quote {
    visit: Visit,
    amount: Decimal,
    recalc: Recalc,
}

fn over_allowed(points: Decimal, allowed: Decimal) -> LoyaltyError {
    LoyaltyError::invalid(
        "spend",
        format!("{points} is more than the {allowed} this purchase allows"),
    )
}

impl Quote {
    /// The client.
    pub fn client(&self) -> &ClientProfile {
        &self.visit.client
    }

    /// The purchase sum.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The API's preview.
    pub fn recalc(&self) -> &Recalc {
        &self.recalc
    }

    /// Step 3 (optional): holds `points` (at most [`Recalc::spend`], checked before sending) for
    /// `minutes` (1..=30; the API's 10 when `None`). Sent once.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for more points than allowed or a bad duration (nothing
    /// sent), and the errors of [`LoyalClient::hold`]; with [`LoyaltyError::OutcomeUnknown`] a
    /// hold may exist and expires by itself.
    pub async fn hold(self, points: Decimal, minutes: Option<u32>) -> Result<Held, LoyaltyError> {
        if points > self.recalc.spend {
            return Err(over_allowed(points, self.recalc.spend));
        }
        let mut req = HoldRequest::new(
            self.visit.client.id.clone(),
            self.visit.till.point.clone(),
            points,
        );
        if let Some(m) = minutes {
            req = req.duration(m);
        }
        let hold = self.visit.till.client.hold(&req).await?;
        Ok(Held { quote: self, hold })
    }

    /// Step 4 without a hold: the sale earning bonuses (`spend` 0). Sent once.
    ///
    /// # Errors
    /// A [`SaleFailure`] with [`HoldOutcome::NoHold`].
    pub async fn earn(self) -> Result<Sale, SaleFailure> {
        self.sell(Decimal::ZERO, None).await
    }

    /// Step 4 without a hold: the sale spending `points` (at most [`Recalc::spend`], checked
    /// before sending). Sent once.
    ///
    /// # Errors
    /// A [`SaleFailure`] with [`HoldOutcome::NoHold`].
    pub async fn spend(self, points: Decimal) -> Result<Sale, SaleFailure> {
        if points > self.recalc.spend {
            return Err(SaleFailure {
                error: over_allowed(points, self.recalc.spend),
                hold: HoldOutcome::NoHold,
            });
        }
        self.sell(points, None).await
    }

    async fn sell(self, spend: Decimal, hold: Option<&Hold>) -> Result<Sale, SaleFailure> {
        let mut req = RetailRequest::spend(
            self.visit.client.id.clone(),
            self.visit.till.point.clone(),
            self.amount,
            spend,
        );
        if let Some(h) = hold {
            req = req.hold(h.id.clone());
        }
        match self.visit.till.client.retail(&req).await {
            Ok(retail) => Ok(Sale {
                client: self.visit.client,
                recalc: self.recalc,
                hold: hold.cloned(),
                retail,
            }),
            Err(error) => Err(SaleFailure {
                error,
                hold: HoldOutcome::NoHold,
            }),
        }
    }
}

/// Points held for a quoted purchase. Finish with [`Held::complete`] or [`Held::cancel`];
/// dropping it leaves the hold to expire.
#[derive(Debug, Clone)]
#[must_use = "a hold keeps the points reserved until it is completed, cancelled or expires"]
pub struct Held {
    quote: Quote,
    hold: Hold,
}

impl Held {
    /// The hold.
    pub fn hold(&self) -> &Hold {
        &self.hold
    }

    /// The quote it was made for.
    pub fn quote(&self) -> &Quote {
        &self.quote
    }

    /// Step 4: the sale spending the held points. Sent once.
    ///
    /// # Errors
    /// A [`SaleFailure`]: after a definite refusal the hold was released
    /// ([`HoldOutcome::Released`], or [`HoldOutcome::ReleaseFailed`] if that failed too); when
    /// the outcome is unknown it was left to expire ([`HoldOutcome::LeftToExpire`]).
    pub async fn complete(self) -> Result<Sale, SaleFailure> {
        let Held { quote, hold } = self;
        let client = quote.visit.till.client.clone();
        match quote.sell(hold.amount, Some(&hold)).await {
            Ok(sale) => Ok(sale),
            Err(SaleFailure { error, .. }) => {
                let outcome = if matches!(error, LoyaltyError::OutcomeUnknown { .. }) {
                    tracing::warn!(
                        hold = %hold.id,
                        until = %hold.until,
                        "sale outcome unknown: the hold is left to expire"
                    );
                    HoldOutcome::LeftToExpire {
                        id: hold.id,
                        until: hold.until,
                    }
                } else {
                    match client.release(&hold.id).await {
                        Ok(()) => HoldOutcome::Released { id: hold.id },
                        Err(release_error) => HoldOutcome::ReleaseFailed {
                            id: hold.id,
                            until: hold.until,
                            error: Box::new(release_error),
                        },
                    }
                };
                Err(SaleFailure {
                    error,
                    hold: outcome,
                })
            }
        }
    }

    /// Releases the hold (the customer walked away). Idempotent on the server.
    ///
    /// # Errors
    /// As [`LoyalClient::release`]; the hold then expires at [`Hold::until`].
    pub async fn cancel(self) -> Result<(), LoyaltyError> {
        self.quote.visit.till.client.release(&self.hold.id).await
    }
}

/// A completed sale.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Sale {
    /// The client as found.
    pub client: ClientProfile,
    /// The preview it followed.
    pub recalc: Recalc,
    /// The hold it spent, if any.
    pub hold: Option<Hold>,
    /// The API's answer.
    pub retail: Retail,
}

/// What became of the hold after a failed sale.
#[derive(Debug)]
#[non_exhaustive]
pub enum HoldOutcome {
    /// The sale had no hold.
    NoHold,
    /// The sale was refused, and the hold released: the points are free.
    Released {
        /// Hold id.
        id: String,
    },
    /// The sale was refused, and releasing the hold failed too: it expires at `until`.
    ReleaseFailed {
        /// Hold id.
        id: String,
        /// When it expires.
        until: DateTime<Utc>,
        /// Why the release failed.
        error: Box<LoyaltyError>,
    },
    /// The sale's outcome is unknown: the hold was deliberately kept and expires at `until`.
    LeftToExpire {
        /// Hold id.
        id: String,
        /// When it expires.
        until: DateTime<Utc>,
    },
}

impl fmt::Display for HoldOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoHold => f.write_str("no hold"),
            Self::Released { id } => write!(f, "hold {id} released"),
            Self::ReleaseFailed { id, until, error } => write!(
                f,
                "hold {id} could not be released ({error}); it expires at {until}"
            ),
            Self::LeftToExpire { id, until } => write!(
                f,
                "hold {id} left to expire at {until} because the sale may have been applied"
            ),
        }
    }
}

/// A sale that did not complete, and what became of its hold.
#[derive(Debug)]
#[non_exhaustive]
pub struct SaleFailure {
    /// Why the sale failed. [`LoyaltyError::OutcomeUnknown`]: it may have been applied.
    pub error: LoyaltyError,
    /// The hold's fate.
    pub hold: HoldOutcome,
}

impl SaleFailure {
    /// Whether the sale may have been applied (check before ringing it up again).
    pub fn outcome_unknown(&self) -> bool {
        matches!(self.error, LoyaltyError::OutcomeUnknown { .. })
    }
}

impl fmt::Display for SaleFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.error, self.hold)
    }
}

impl std::error::Error for SaleFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<SaleFailure> for LoyaltyError {
    fn from(f: SaleFailure) -> Self {
        f.error
    }
}
