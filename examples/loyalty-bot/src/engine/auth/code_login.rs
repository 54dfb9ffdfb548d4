//! Log-in by a code of the bot's own ([`crate::codes`]) for programmes that have no codes
//! (LoyalClient): a typed number (or, on Viber, any number) gets a code over the configured
//! channels; the code typed back logs in.

use loyalty_codes::{Action, CodeError};
use loyalty_core::{LoyaltyError, Phone, Verification};
use messenger_core::RichText;

use super::super::ctx::Ctx;
use super::super::{Conversation, EngineError, Programme, Reply, Step};
use crate::codes::BotCodes;
use crate::texts::TextKey;

impl Ctx<'_> {
    /// The bot's code service, when this programme logs in with it: a provider without phone
    /// verification that logs in by contact, and codes configured.
    pub(in crate::engine) fn own_codes(&self) -> Option<BotCodes> {
        match &self.engine.programme {
            Programme::Generic {
                provider,
                contact_login: Some(_),
                ..
            } if !provider
                .capabilities()
                .supports(loyalty_core::Capability::VerifyPhone) =>
            {
                self.engine.codes.clone()
            }
            _ => None,
        }
    }

    /// Sends a log-in code for `phone` (budgeted with the providers' codes, only to a number
    /// the programme knows) and waits for it.
    pub(in crate::engine) async fn code_login_start(
        &mut self,
        conv: &mut Conversation,
        phone: &Phone,
    ) -> Result<(), EngineError> {
        let Some(codes) = self.own_codes() else {
            self.need_own_contact(conv, TextKey::PhoneContactOnly);
            return Ok(());
        };
        if !self.code_budget_allows(phone).await? {
            return Ok(());
        }
        // No code (no SMS bought) for a number the programme does not know.
        let customer = match self.engine.programme.provider().find_customer(phone).await {
            Ok(Some(c)) => c,
            Ok(None) | Err(LoyaltyError::NotFound { .. }) => {
                conv.step = Step::AwaitPhone;
                self.say(TextKey::PhoneUnknown, &[("phone", phone.e164())]);
                return Ok(());
            }
            Err(e) => {
                self.failed(&e);
                return Ok(());
            }
        };
        let sent = codes
            .send(
                Action::LogIn,
                phone,
                customer.email.clone(),
                Some(self.key),
                self.lang,
            )
            .await;
        match sent {
            Ok(receipt) => {
                conv.step = Step::AwaitCode {
                    phone: phone.e164().to_owned(),
                };
                match receipt.delivered_via.as_str() {
                    "sms" => {
                        self.say(TextKey::CodeSent, &[("phone", phone.e164())]);
                        if let Some(text) = codes.sandbox_sms(phone) {
                            self.replies.push(Reply::new(RichText::plain(format!(
                                "[sandbox SMS to {}: {text}]",
                                phone.e164()
                            ))));
                        }
                    }
                    "email" => self.say(TextKey::CodeSentEmail, &[]),
                    _ => self.say(TextKey::CodeSentChat, &[]),
                }
            }
            Err(CodeError::BudgetExhausted { retry_after, .. }) => {
                let minutes = retry_after.as_secs().div_ceil(60).max(1);
                self.say(
                    TextKey::CodeBudgetSpent,
                    &[("minutes", &minutes.to_string())],
                );
            }
            Err(CodeError::AllChannelsFailed { .. }) => {
                conv.step = Step::AwaitPhone;
                self.say(TextKey::CodeNotDelivered, &[]);
            }
            Err(e) => {
                tracing::warn!(error = %e, "a log-in code was not sent");
                self.say(TextKey::TryLater, &[]);
            }
        }
        Ok(())
    }

    /// Checks a typed log-in code for `phone`; a right one logs in.
    pub(in crate::engine) async fn code_login_check(
        &mut self,
        conv: &mut Conversation,
        phone: &Phone,
        typed: &str,
    ) -> Result<(), EngineError> {
        let Some(codes) = self.own_codes() else {
            conv.step = Step::AwaitPhone;
            self.say(TextKey::TryLater, &[]);
            return Ok(());
        };
        match codes.verify(&Action::LogIn, phone, typed).await {
            Ok(_) => self.code_login_finish(conv, phone).await?,
            Err(CodeError::WrongCode { attempts_left }) => {
                self.say(
                    TextKey::CodeWrongLeft,
                    &[("attempts", &attempts_left.to_string())],
                );
            }
            Err(CodeError::Expired { .. } | CodeError::NoActiveCode) => {
                self.say(TextKey::CodeExpiredNew, &[]);
                Box::pin(self.code_login_start(conv, phone)).await?;
            }
            Err(CodeError::TooManyAttempts | CodeError::AlreadyUsed) => {
                conv.step = Step::AwaitPhone;
                self.say(TextKey::CodeAttemptsSpent, &[]);
            }
            Err(e) => {
                tracing::warn!(error = %e, "a log-in code could not be checked");
                self.say(TextKey::TryLater, &[]);
            }
        }
        Ok(())
    }

    /// The code proved `phone`: find its customer and log in.
    async fn code_login_finish(
        &mut self,
        conv: &mut Conversation,
        phone: &Phone,
    ) -> Result<(), EngineError> {
        let Programme::Generic {
            provider,
            contact_login: Some(login),
            ..
        } = &self.engine.programme
        else {
            return Ok(());
        };
        let (provider, login) = (provider.clone(), login.clone());
        match provider.find_customer(phone).await {
            Ok(Some(customer)) => {
                let session = login(phone, &customer);
                self.verified(conv, phone, Verification::LoggedIn(session))
                    .await
            }
            Ok(None) | Err(LoyaltyError::NotFound { .. }) => {
                conv.step = Step::AwaitPhone;
                self.say(TextKey::PhoneUnknown, &[("phone", phone.e164())]);
                Ok(())
            }
            Err(e) => {
                self.failed(&e);
                Ok(())
            }
        }
    }
}
