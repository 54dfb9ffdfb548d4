//! Spending bonuses at a LoyalClient till, confirmed by a code sent to the customer (seed 002:
//! the programme chooses the actions that need a confirmation code; issue 21: "spending bonuses
//! at the till can require a code").
//!
//! A library helper over `loyalty_loyalclient::till` (find → quote → **code** → hold → sale),
//! not an HTTP service of the bot: the till (1C at the cash desk) talks to LoyalClient with its
//! own integration token; the bot only owns the code, which it can send to the customer's phone
//! and to a chat where the customer is logged in. A system that wants the step over HTTP wraps
//! these two calls in its own authenticated endpoint.
//!
//! The code is bound to the purchase: its subject names the client, the sum and the points, so a code the customer read out for 50 points cannot confirm 500, nor another
//! purchase. Requests are counted against the bot's one code budget (per phone).

use chrono::Utc;
use loyalty_codes::{Action, CodeError, SendReceipt, Subject};
use loyalty_core::{Decimal, LoyaltyError, Phone, Region};
use loyalty_loyalclient::till::{Held, Quote};

use crate::codes::BotCodes;
use crate::engine::CodeBudget;
use crate::storage::StorageError;
use crate::texts::Lang;

/// Why a confirmed spend did not go ahead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TillCodeError {
    /// The client has no phone the code could go to.
    #[error("the client has no usable phone number for a confirmation code")]
    NoPhone,
    /// The code was not sent, or the one typed is not right (see its variants: wrong with tries
    /// left, expired, spent, no channel delivered, budget).
    #[error(transparent)]
    Code(#[from] CodeError),
    /// Too many codes were requested for this phone: wait this long.
    #[error("too many codes for this phone: retry in {} s", .0.num_seconds())]
    Budget(chrono::Duration),
    /// The bot's database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The hold was refused (or its outcome is unknown); nothing to undo on the bot's side.
    #[error(transparent)]
    Loyalty(#[from] LoyaltyError),
}

/// Confirms spending at the till with a code (see the module docs).
#[derive(Debug, Clone)]
pub struct CodeConfirmedSpend {
    codes: BotCodes,
    budget: CodeBudget,
}

impl CodeConfirmedSpend {
    /// A helper sending codes with `codes`, counted against `budget` per phone.
    pub fn new(codes: BotCodes, budget: CodeBudget) -> Self {
        Self { codes, budget }
    }

    /// Whether the programme asks for a code before spending.
    pub fn required(&self) -> bool {
        self.codes.requires_code(&Action::SpendBonuses)
    }

    /// Sends the customer of `quote` a code to confirm spending `points` on it (to the phone,
    /// then a chat where the customer is logged in), in `lang`.
    ///
    /// # Errors
    /// [`TillCodeError::NoPhone`], [`TillCodeError::Budget`], [`TillCodeError::Code`]
    /// (`AllChannelsFailed` when no channel delivered), [`TillCodeError::Storage`].
    pub async fn send_code(
        &self,
        quote: &Quote,
        points: Decimal,
        lang: Lang,
    ) -> Result<SendReceipt, TillCodeError> {
        let phone = phone_of(quote)?;
        let key = format!("phone:{}", phone.e164());
        if let Some(wait) = self
            .codes
            .storage()
            .take_code_budget(
                &[(key.as_str(), self.budget.per_phone)],
                self.budget.window,
                Utc::now(),
            )
            .await?
        {
            return Err(TillCodeError::Budget(wait));
        }
        let email = quote.client().email.clone();
        Ok(self
            .codes
            .send_for(
                subject(quote, points),
                Action::SpendBonuses,
                &phone,
                email,
                None,
                lang,
            )
            .await?)
    }

    /// Checks the code the customer read out for spending `points` on `quote`, then holds the
    /// points (`minutes`: as [`Quote::hold`]). A wrong code holds nothing and may be typed again
    /// while tries are left; a right one is used up, even when the hold then fails.
    ///
    /// # Errors
    /// [`TillCodeError::Code`] for a wrong, expired or spent code; [`TillCodeError::Loyalty`]
    /// as [`Quote::hold`].
    pub async fn hold(
        &self,
        quote: &Quote,
        points: Decimal,
        minutes: Option<u32>,
        code: &str,
    ) -> Result<Held, TillCodeError> {
        if self.required() {
            self.codes
                .verify_for(&subject(quote, points), &Action::SpendBonuses, code)
                .await?;
        }
        Ok(quote.clone().hold(points, minutes).await?)
    }
}

fn phone_of(quote: &Quote) -> Result<Phone, TillCodeError> {
    let raw = quote
        .client()
        .phone
        .as_deref()
        .ok_or(TillCodeError::NoPhone)?;
    let raw = raw.trim();
    let parsed = if raw.starts_with('+') {
        Phone::parse_international(raw)
    } else {
        Phone::parse_international(&format!("+{raw}")).or_else(|_| Phone::parse(raw, Region::RU))
    };
    parsed.map_err(|_| TillCodeError::NoPhone)
}

/// The code's subject: this client, this sum, these points.
fn subject(quote: &Quote, points: Decimal) -> Subject {
    Subject::new(format!(
        "till:{}:{}:{}",
        quote.client().id,
        quote.amount().normalize(),
        points.normalize()
    ))
}
