//! Authorization: a phone number (the sender's own shared contact, or typed), the programme's
//! confirmation code (or the bot's own, [`code_login`]), and the login that resumes the action
//! the user was after.

use chrono::Utc;
use loyalty_core::{CodeOutcome, CodeRequest, LoyaltyError, Phone, Verification};
use messenger_core::{Keyboard, RichText};

use super::ctx::Ctx;
use super::{Conversation, ERGO_SITE, EngineError, Programme, Reply, Step};
use crate::storage::Storage;
use crate::texts::TextKey;

mod code_login;

/// The text key that explains, in the user's language, why a typed number was not read (the
/// parser's own messages are English and technical).
fn phone_reason(e: &loyalty_core::PhoneError) -> TextKey {
    use loyalty_core::PhoneError as P;
    match e {
        P::TooShort { .. } | P::TooLong { .. } | P::InvalidLength { .. } => {
            TextKey::ReasonPhoneLength
        }
        P::MissingCountryCode | P::UnknownCountryCode(_) => TextKey::ReasonPhoneCountry,
        _ => TextKey::ReasonPhoneFormat,
    }
}

impl Ctx<'_> {
    /// Whether this messenger ties a shared contact to its sender (Telegram and MAX do; Viber's
    /// contact message carries nothing that ties it to the sender).
    pub(super) fn vouches_for_contacts(&self) -> bool {
        self.messenger.capabilities().verified_contacts
    }

    /// Refuses to log `phone` in on a number that was only typed: the programme does not prove
    /// the number with a code, so only the sender's own shared contact may log in. `key` explains
    /// why; where the messenger cannot vouch for contacts at all, the user is told to use one
    /// that can.
    pub(super) fn need_own_contact(&mut self, conv: &mut Conversation, key: TextKey) {
        conv.step = Step::AwaitPhone;
        if self.vouches_for_contacts() {
            let button = self.label(TextKey::ButtonSharePhone).to_owned();
            self.say_with(key, &[], Keyboard::request_contact(button));
        } else {
            self.say(TextKey::ContactLoginUnavailable, &[]);
        }
    }

    /// Counts a confirmation-code request against the budgets of the phone and the chat; `false`
    /// (and a "try again in N minutes" reply) when either is spent.
    pub(super) async fn code_budget_allows(&mut self, phone: &Phone) -> Result<bool, EngineError> {
        let budget = self.engine.code_budget;
        let by_phone = format!("phone:{}", phone.e164());
        let by_chat = format!("chat:{}:{}", self.key.messenger, self.key.chat_id);
        let wait = self
            .engine
            .storage
            .take_code_budget(
                &[(&by_phone, budget.per_phone), (&by_chat, budget.per_chat)],
                budget.window,
                Utc::now(),
            )
            .await?;
        match wait {
            None => Ok(true),
            Some(wait) => {
                tracing::warn!(chat = %self.key.chat_id, "confirmation-code budget spent");
                let minutes = (wait.num_seconds() + 59) / 60;
                self.say(
                    TextKey::CodeBudgetSpent,
                    &[("minutes", &minutes.max(1).to_string())],
                );
                Ok(false)
            }
        }
    }

    /// A phone typed or shared (`from_contact`: the messenger vouches it is the sender's own).
    pub(super) async fn phone_given(
        &mut self,
        conv: &mut Conversation,
        input: &str,
        from_contact: bool,
    ) -> Result<(), EngineError> {
        let phone = match Phone::parse(input, self.engine.programme.region()) {
            Ok(p) => p,
            Err(e) => {
                conv.step = Step::AwaitPhone;
                let reason = self.label(phone_reason(&e)).to_owned();
                self.say(TextKey::PhoneInvalid, &[("reason", &reason)]);
                return Ok(());
            }
        };
        if let Programme::Generic {
            provider,
            contact_login: Some(login),
            ..
        } = &self.engine.programme
            && !provider
                .capabilities()
                .supports(loyalty_core::Capability::VerifyPhone)
        {
            // No codes of the provider's: only a number the messenger vouches for logs in
            // directly; any other gets a code of the bot's own, when configured.
            if !from_contact {
                if self.own_codes().is_some() {
                    return self.code_login_start(conv, &phone).await;
                }
                self.need_own_contact(conv, TextKey::PhoneContactOnly);
                return Ok(());
            }
            let (provider, login) = (provider.clone(), login.clone());
            match provider.find_customer(&phone).await {
                Ok(Some(customer)) => {
                    let session = login(&phone, &customer);
                    return self
                        .verified(conv, &phone, Verification::LoggedIn(session))
                        .await;
                }
                Ok(None) | Err(LoyaltyError::NotFound { .. }) => {
                    conv.step = Step::AwaitPhone;
                    self.say(TextKey::PhoneUnknown, &[("phone", phone.e164())]);
                }
                Err(e) => self.failed(&e),
            }
            return Ok(());
        }
        if !self.code_budget_allows(&phone).await? {
            return Ok(());
        }
        let outcome = self
            .engine
            .programme
            .provider()
            .request_code(&CodeRequest::new(phone.clone()))
            .await;
        self.code_requested(conv, &phone, from_contact, outcome, false)
            .await
    }

    /// Tells the user what a code request for `phone` did; `after_captcha`: the request carried
    /// the answer to a captcha (another captcha means the answer was wrong).
    pub(super) async fn code_requested(
        &mut self,
        conv: &mut Conversation,
        phone: &Phone,
        from_contact: bool,
        outcome: Result<CodeOutcome, LoyaltyError>,
        after_captcha: bool,
    ) -> Result<(), EngineError> {
        let phone = phone.clone();
        match outcome {
            Ok(CodeOutcome::Sent { channel, .. }) => {
                conv.step = Step::AwaitCode {
                    phone: phone.e164().to_owned(),
                };
                match channel {
                    loyalty_core::CodeChannel::Call { call_to: Some(to) } => {
                        self.call_pass(conv, &phone, &to);
                    }
                    _ => self.say(TextKey::CodeSent, &[("phone", phone.e164())]),
                }
                self.peek_code(&phone);
            }
            // The programme proves nothing about this number: a typed one would let anyone
            // into the account of whoever owns it.
            Ok(CodeOutcome::NoCodeNeeded(v)) if from_contact => {
                self.verified(conv, &phone, *v).await?;
            }
            Ok(CodeOutcome::NoCodeNeeded(_)) => {
                self.need_own_contact(conv, TextKey::NoCodeNeedsContact)
            }
            Ok(CodeOutcome::CaptchaRequired(c)) => {
                self.captcha(conv, &phone, c, after_captcha).await;
            }
            Ok(_) => self.say(TextKey::TryLater, &[]),
            Err(LoyaltyError::CodeAlreadySent { retry_after, .. }) => {
                conv.step = Step::AwaitCode {
                    phone: phone.e164().to_owned(),
                };
                let secs = retry_after.map_or(60, |d| d.as_secs()).to_string();
                self.say(TextKey::CodeAlreadySent, &[("seconds", &secs)]);
                self.peek_code(&phone);
            }
            Err(LoyaltyError::NotFound { .. }) => {
                conv.step = Step::AwaitPhone;
                self.say(TextKey::PhoneUnknown, &[("phone", phone.e164())]);
            }
            Err(LoyaltyError::Blocked { .. }) => {
                conv.step = Step::AwaitPhone;
                self.say(TextKey::UserBlocked, &[("link", ERGO_SITE)]);
            }
            Err(e) => self.failed(&e),
        }
        Ok(())
    }

    fn peek_code(&mut self, phone: &Phone) {
        if let Some(code) = self.engine.code_peek.as_ref().and_then(|p| p(phone)) {
            self.replies.push(Reply::new(RichText::plain(format!(
                "[sandbox SMS to {}: {code}]",
                phone.e164()
            ))));
        }
    }

    pub(super) async fn code_given(
        &mut self,
        conv: &mut Conversation,
        phone: &str,
        code: &str,
    ) -> Result<(), EngineError> {
        let Ok(phone) = Phone::parse_international(phone) else {
            conv.step = Step::AwaitPhone;
            self.say(TextKey::PhoneInvalid, &[("reason", "?")]);
            return Ok(());
        };
        // A new number typed while waiting for a code starts over with that number.
        if code.chars().filter(char::is_ascii_digit).count() >= 9 {
            return self.phone_given(conv, code, false).await;
        }
        if self.own_codes().is_some() {
            return self.code_login_check(conv, &phone, code).await;
        }
        match self
            .engine
            .programme
            .provider()
            .confirm_code(&phone, code)
            .await
        {
            Ok(v) => self.verified(conv, &phone, v).await?,
            Err(LoyaltyError::WrongCode { .. }) => self.say(TextKey::CodeWrong, &[]),
            Err(e) => self.failed(&e),
        }
        Ok(())
    }

    pub(super) async fn verified(
        &mut self,
        conv: &mut Conversation,
        phone: &Phone,
        v: Verification,
    ) -> Result<(), EngineError> {
        match v {
            Verification::LoggedIn(session) => {
                // Committed with the update's completion (after the user's record is made).
                self.writes.extend(Storage::authorized_writes(
                    self.key,
                    phone.e164(),
                    self.engine.programme.name(),
                    &session,
                    Utc::now(),
                )?);
                self.session = Some(session);
                self.say(TextKey::AuthOk, &[]);
                self.menu(conv);
                if let Some(action) = conv.resume.take() {
                    self.act(conv, action).await?;
                }
            }
            Verification::NeedsSignUp(ticket) => {
                // Not a member yet: the programme's questions first (`signup`).
                Box::pin(self.sign_up_start(conv, &ticket)).await?;
            }
            _ => self.say(TextKey::TryLater, &[]),
        }
        Ok(())
    }
}
