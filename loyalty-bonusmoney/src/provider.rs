//! [`LoyaltyProvider`] for [`BonusMoneyClient`].

use async_trait::async_trait;
use loyalty_core::model::{
    Balance, BonusEvent, Burn, Customer as CoreCustomer, Gender, Level as CoreLevel, NewCustomer,
    Notice, NoticeKind, ProfilePatch, Promotion, Purchase, PurchaseDetail, PurchaseLine,
};
use loyalty_core::{
    Capabilities, Capability, Captcha, CodeChannel, CodeOutcome, CodeRequest, LoyaltyError,
    LoyaltyProvider, Page, PageRequest, Phone, Session, SignUpTicket, Verification,
};
use rust_decimal::Decimal;

use crate::auth::AuthOutcome;
use crate::auth::{PROVIDER, after_sign_up, call_to_in, outcome_from, profile_from_customer};
use crate::client::BonusMoneyClient;
use crate::models::{AuthType, Customer, MarkEvent, Notification, Stock, TransactionWithReview};
use crate::requests::{
    GetOptionsRequest, GetTransactionRequest, LogInWithoutVerificationRequest, ProfileData,
    SignUpRequest, VerifyByCallRequest, VerifyBySmsRequest,
};

/// The provider-neutral view of a BonusMoney customer.
pub fn to_core_customer(c: &Customer) -> CoreCustomer {
    let mut out = CoreCustomer::new(c.qr_code.clone().unwrap_or_else(|| c.phone.clone()));
    out.first_name = c.name.clone().filter(|s| !s.is_empty());
    out.last_name = c.surname.clone().filter(|s| !s.is_empty());
    out.patronymic = c.patronymic.clone().filter(|s| !s.is_empty());
    out.birth_date = c.b_date;
    out.gender = c
        .male
        .map(|m| if m { Gender::Male } else { Gender::Female });
    out.phone = c.parsed_phone();
    out.email = c.email.clone().filter(|s| !s.is_empty());
    out.card_number = c.qr_code.clone();
    out
}

fn prefill_from(c: Option<&Customer>, phone: &Phone) -> NewCustomer {
    let mut n = NewCustomer::with_phone(phone.clone());
    if let Some(c) = c {
        n.first_name = c.name.clone().filter(|s| !s.is_empty());
        n.last_name = c.surname.clone().filter(|s| !s.is_empty());
        n.patronymic = c.patronymic.clone().filter(|s| !s.is_empty());
        n.birth_date = c.b_date;
        n.gender = c
            .male
            .map(|m| if m { Gender::Male } else { Gender::Female });
        n.email = c.email.clone().filter(|s| !s.is_empty());
    }
    n
}

fn male_of(g: &Gender) -> Option<bool> {
    match g {
        Gender::Male => Some(true),
        Gender::Female => Some(false),
        _ => None,
    }
}

fn verification(outcome: AuthOutcome) -> Verification {
    match outcome {
        AuthOutcome::LoggedIn(l) => Verification::LoggedIn(l.session()),
        AuthOutcome::NeedsSignUp(p) => Verification::NeedsSignUp(SignUpTicket::new(
            p.token().clone(),
            p.phone().clone(),
            prefill_from(p.prefill(), p.phone()),
        )),
    }
}

/// A points event as a provider-neutral bonus event.
pub fn to_bonus_event(e: &MarkEvent) -> BonusEvent {
    let mut b = BonusEvent::default();
    b.id = Some(e.id.clone());
    b.at = Some(e.time);
    b.earned = e.mark_increase;
    b.spent = e.mark_decrease;
    b.balance_after = Some(e.mark_current);
    b.reason = e.name.clone().or_else(|| Some(e.event_type.to_string()));
    b
}

/// A transaction as a provider-neutral purchase summary.
pub fn to_purchase(t: &TransactionWithReview) -> Purchase {
    let tx = &t.transaction;
    let mut p = Purchase::default();
    p.id = tx.order_id.clone();
    p.at = Some(tx.time);
    p.store_name = tx.store.as_ref().and_then(|s| s.name.clone());
    p.sum = tx.final_cash;
    p.bonuses_spent = tx.mark_decrease;
    p.bonuses_earned = tx.mark_increase;
    p
}

/// A transaction as a provider-neutral purchase with its lines.
pub fn to_purchase_detail(t: &TransactionWithReview) -> PurchaseDetail {
    let tx = &t.transaction;
    let mut d = PurchaseDetail::default();
    d.purchase = to_purchase(t);
    d.discount = Some(tx.total_discount());
    d.lines = tx
        .positions
        .iter()
        .map(|p| {
            let qty = p.quantity.unwrap_or(Decimal::ONE);
            let unit = p.price_with_discount.unwrap_or(p.price);
            let mut l = PurchaseLine::default();
            l.name = p.name.clone();
            l.quantity = qty;
            l.unit_price = Some(p.price);
            l.total = unit * qty;
            let disc = p.total_discount();
            l.discount = Some(if disc.is_zero() {
                (p.price - unit) * qty
            } else {
                disc
            });
            l
        })
        .collect();
    d
}

/// A promotion as a provider-neutral one (`index` is used as the id when `messageId` is absent).
pub fn to_promotion(s: &Stock, index: usize) -> Promotion {
    let mut p = Promotion::default();
    p.id = s
        .message_id
        .map_or_else(|| format!("stock-{index}"), |id| id.to_string());
    p.title = s.header.clone();
    p.description = Some(s.message.clone()).filter(|m| !m.is_empty());
    p.starts_at = s.start;
    p.ends_at = s.end;
    p.image_url = s
        .image_url
        .clone()
        .or_else(|| s.images_url.first().cloned());
    p
}

/// A notification as a provider-neutral notice.
pub fn to_notice(n: &Notification) -> Notice {
    let mut out = Notice::new(n.id.clone(), NoticeKind::Notice, n.message.clone());
    out.title = n.header.clone();
    out.at = n.time;
    out
}

fn looks_like_phone(code: &str) -> bool {
    code.contains('+') || code.chars().filter(char::is_ascii_digit).count() >= 10
}

#[async_trait]
impl LoyaltyProvider for BonusMoneyClient {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::of(&[
            Capability::VerifyPhone,
            Capability::SignUp,
            Capability::Profile,
            Capability::UpdateProfile,
            Capability::Balance,
            Capability::BonusHistory,
            Capability::Purchases,
            Capability::PurchaseDetail,
            Capability::Promotions,
            Capability::Notices,
        ])
    }

    /// `getOptions`: SMS → `Sent { Sms }`, call-pass → `Sent { Call { call_to } }`, no
    /// verification → `NoCodeNeeded` (after `logInWithoutVerification`), a captcha →
    /// `CaptchaRequired` with the decoded PNG (answer it with `CodeRequest::with_captcha`).
    /// `CodeRequest::prefer` picks SMS or call-pass where the company offers both.
    async fn request_code(&self, req: &CodeRequest) -> Result<CodeOutcome, LoyaltyError> {
        let mut body = GetOptionsRequest::for_phone(self.country_code(), &req.phone);
        if let Some(c) = &req.captcha {
            body = body.captcha(c.token.clone(), c.text.clone());
        }
        match &req.channel {
            Some(CodeChannel::Sms) => body = body.auth_type(AuthType::Sms),
            Some(CodeChannel::Call { .. }) => body = body.auth_type(AuthType::CallPass),
            _ => {}
        }
        let opts = self.get_options(&body).await?;
        if let Some(c) = &opts.captcha {
            return Ok(CodeOutcome::CaptchaRequired(Captcha::new(
                c.token.clone(),
                c.png()?,
            )));
        }
        let resend_after = opts
            .option(&opts.auth_type)
            .and_then(crate::models::AuthOption::next_send_in);
        match &opts.auth_type {
            AuthType::Sms => Ok(CodeOutcome::Sent {
                channel: CodeChannel::Sms,
                resend_after,
            }),
            AuthType::CallPass => Ok(CodeOutcome::Sent {
                channel: CodeChannel::Call {
                    call_to: call_to_in(&opts),
                },
                resend_after,
            }),
            AuthType::No => {
                let set = self
                    .log_in_without_verification(&LogInWithoutVerificationRequest::new(
                        req.phone.bracketed(),
                    ))
                    .await?;
                let outcome = outcome_from(req.phone.clone(), set)?;
                Ok(CodeOutcome::NoCodeNeeded(Box::new(verification(outcome))))
            }
            AuthType::Unknown(t) => Ok(CodeOutcome::Sent {
                channel: CodeChannel::Other(t.clone()),
                resend_after,
            }),
        }
    }

    /// `verifyBySms` with the code; for a call-pass pass the `call_to` number from
    /// `CodeChannel::Call` as the code and `verifyByCall` is used.
    async fn confirm_code(&self, phone: &Phone, code: &str) -> Result<Verification, LoyaltyError> {
        let set = if looks_like_phone(code) {
            self.verify_by_call(&VerifyByCallRequest::new(phone.bracketed(), code.trim()))
                .await?
        } else {
            self.verify_by_sms(&VerifyBySmsRequest::new(code.trim(), phone.bracketed()))
                .await?
        };
        outcome_from(phone.clone(), set).map(verification)
    }

    async fn sign_up(
        &self,
        ticket: &SignUpTicket,
        data: &NewCustomer,
    ) -> Result<Session, LoyaltyError> {
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        let p = &ticket.prefill;
        let name = pick(&data.first_name, &p.first_name)
            .filter(|n| !n.trim().is_empty())
            .ok_or_else(|| LoyaltyError::invalid("name", "a first name is required"))?;
        let profile = ProfileData {
            name,
            surname: pick(&data.last_name, &p.last_name),
            patronymic: pick(&data.patronymic, &p.patronymic),
            b_date: data.birth_date.or(p.birth_date),
            male: data.gender.as_ref().or(p.gender.as_ref()).and_then(male_of),
            email: pick(&data.email, &p.email),
        };
        let customer =
            BonusMoneyClient::sign_up(self, &SignUpRequest::new(profile, ticket.token.clone()))
                .await?;
        Ok(after_sign_up(self, &ticket.phone, customer)
            .await?
            .session())
    }

    async fn profile(&self, session: &Session) -> Result<CoreCustomer, LoyaltyError> {
        Ok(to_core_customer(&self.get_customer(session.token()).await?))
    }

    /// Read-modify-write: `getCustomer`, the patch applied, `updateCustomer` with every field.
    async fn update_profile(
        &self,
        session: &Session,
        patch: &ProfilePatch,
    ) -> Result<CoreCustomer, LoyaltyError> {
        if patch.city.is_some() {
            return Err(LoyaltyError::invalid(
                "city",
                "BonusMoney profiles have no city",
            ));
        }
        let current = self.get_customer(session.token()).await?;
        let mut data = profile_from_customer(&current);
        if let Some(v) = &patch.first_name {
            data.name = v.clone();
        }
        if let Some(v) = &patch.last_name {
            data.surname = Some(v.clone());
        }
        if let Some(v) = &patch.patronymic {
            data.patronymic = Some(v.clone());
        }
        if let Some(v) = patch.birth_date {
            data.b_date = Some(v);
        }
        if let Some(g) = &patch.gender {
            data.male = male_of(g);
        }
        if let Some(v) = &patch.email {
            data.email = Some(v.clone());
        }
        let updated = match self.update_customer(session.token(), &data).await? {
            Some(c) => c,
            None => self.get_customer(session.token()).await?,
        };
        Ok(to_core_customer(&updated))
    }

    /// Points from `getDashboard` (`markParameters`, `levelParameters`) and upcoming burns from
    /// `getMarksToBeDecrease` (first 50), falling back to the dashboard's next burn.
    async fn balance(&self, session: &Session) -> Result<Balance, LoyaltyError> {
        let token = session.token();
        let dash = self.get_dashboard(token).await?;
        let mut b = Balance::new(dash.mark_parameters.marks);
        let levels = &dash.level_parameters;
        b.level = levels.current().map(|l| {
            let mut lvl = CoreLevel::new(l.name.clone());
            lvl.percent = Some(l.cash_to_mark);
            lvl
        });
        let burns = self
            .get_marks_to_be_decrease(token, PageRequest::first(50))
            .await?;
        let mut list: Vec<Burn> = burns
            .items
            .iter()
            .filter_map(|m| {
                let amount = m.marks_decrease.unwrap_or(m.marks);
                m.time_decay
                    .filter(|_| !amount.is_zero())
                    .map(|at| Burn::new(amount, at))
            })
            .collect();
        if list.is_empty() {
            let m = &dash.mark_parameters;
            if let (Some(at), Some(amount)) = (m.time_decay, m.marks_decrease) {
                if !amount.is_zero() {
                    list.push(Burn::new(amount, at));
                }
            }
        }
        list.sort_by_key(|x| x.at);
        b.burns = list;
        Ok(b)
    }

    async fn bonus_history(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<BonusEvent>, LoyaltyError> {
        Ok(self
            .get_marks_history(session.token(), page)
            .await?
            .map(|e| to_bonus_event(&e)))
    }

    async fn purchases(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Purchase>, LoyaltyError> {
        Ok(self
            .get_transactions(session.token(), page)
            .await?
            .map(|t| to_purchase(&t)))
    }

    async fn purchase(&self, session: &Session, id: &str) -> Result<PurchaseDetail, LoyaltyError> {
        let t = self
            .get_transaction(session.token(), &GetTransactionRequest::new(id))
            .await?;
        Ok(to_purchase_detail(&t))
    }

    async fn promotions(&self, session: &Session) -> Result<Vec<Promotion>, LoyaltyError> {
        Ok(self
            .get_stocks(session.token())
            .await?
            .iter()
            .enumerate()
            .map(|(i, s)| to_promotion(s, i))
            .collect())
    }

    async fn notices(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Notice>, LoyaltyError> {
        Ok(self
            .get_notifications(session.token(), page)
            .await?
            .map(|n| to_notice(&n)))
    }
}
