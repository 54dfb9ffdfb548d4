//! [`LoyaltyProvider`] for [`ManzanaClient`].
//!
//! Verification: `request_code` looks the phone up with the manager session (when configured);
//! a member gets the SMS login (`AdvancedRequestSMSLogin`), an unknown phone starts the
//! self-registration (steps 1–2 with the phone only) and `confirm_code` then answers
//! [`Verification::NeedsSignUp`]; `sign_up` finishes the registration (step 4) and writes the
//! person's data with a read-modify-write `Contact/Update`. The pending token is kept per phone in
//! the client.

use async_trait::async_trait;
use loyalty_core::model::{
    Balance, BonusEvent, Burn, Customer, Gender, NewCustomer, ProfilePatch, Purchase,
    PurchaseDetail, PurchaseLine,
};
use loyalty_core::{
    Capabilities, Capability, CodeChannel, CodeOutcome, CodeRequest, LoyaltyError, LoyaltyProvider,
    Page, PageRequest, Phone, ProviderDetail, Region, Session, SignUpTicket, Verification,
};
use secrecy::ExposeSecret;

use crate::PROVIDER;
use crate::client::{ManzanaClient, Pending};
use crate::models::{
    BonusRecord, Cheque, ChequeItem, Contact, CustomerSession, Registration, midnight,
};

/// The provider-neutral view of a contact.
pub fn to_customer(c: &Contact) -> Customer {
    let mut out = Customer::new(c.id.clone());
    let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    out.first_name = nonempty(&c.first_name);
    out.last_name = nonempty(&c.last_name);
    out.patronymic = nonempty(&c.middle_name);
    out.birth_date = c.birth_date.map(|d| d.date());
    out.gender = c.gender_code.and_then(|g| match g {
        1 => Some(Gender::Male),
        2 => Some(Gender::Female),
        0 => None,
        other => Some(Gender::Unknown(other.to_string())),
    });
    out.phone = c
        .mobile_phone
        .as_deref()
        .and_then(|p| Phone::parse(p, Region::RU).ok());
    out.email = nonempty(&c.email_address);
    out
}

fn gender_code(g: &Gender) -> Option<i32> {
    match g {
        Gender::Male => Some(1),
        Gender::Female => Some(2),
        _ => None,
    }
}

/// Applies a provider-neutral patch to a contact (city is not a contact field: ignored).
pub fn apply_patch(c: &mut Contact, p: &ProfilePatch) {
    if let Some(v) = &p.first_name {
        c.first_name = Some(v.clone());
    }
    if let Some(v) = &p.last_name {
        c.last_name = Some(v.clone());
    }
    if let Some(v) = &p.patronymic {
        c.middle_name = Some(v.clone());
    }
    if let Some(v) = p.birth_date {
        c.birth_date = Some(midnight(v));
    }
    if let Some(g) = p.gender.as_ref().and_then(gender_code) {
        c.gender_code = Some(g);
    }
    if let Some(v) = &p.email {
        c.email_address = Some(v.clone());
    }
}

/// A cheque as a provider-neutral purchase.
pub fn to_purchase(c: &Cheque) -> Purchase {
    let mut p = Purchase::default();
    p.id = c.id.clone();
    p.at = c.date;
    p.store_name = c
        .org_unit_name
        .clone()
        .or_else(|| c.org_unit_full_name.clone());
    p.store_address = c.store_label();
    p.sum = c.summ_discounted.or(c.summ).unwrap_or_default();
    p.bonuses_spent = c.paid_by_bonus.unwrap_or_default();
    p.bonuses_earned = c.bonus.unwrap_or_default();
    p
}

/// A cheque line as a provider-neutral purchase line.
pub fn to_line(i: &ChequeItem) -> PurchaseLine {
    let mut l = PurchaseLine::default();
    l.name = i
        .product_name
        .clone()
        .or_else(|| i.article_number.clone())
        .unwrap_or_default();
    l.quantity = i.quantity.unwrap_or_default();
    l.unit_price = i.unit_price();
    l.total = i.summ_discounted.or(i.summ).unwrap_or_default();
    l.discount = i.discount();
    l
}

/// A bonus record as a provider-neutral bonus event.
pub fn to_bonus_event(r: &BonusRecord) -> BonusEvent {
    let mut b = BonusEvent::default();
    b.id = r.id.clone();
    b.at = r.created_date;
    b.earned = r.earned();
    b.spent = r.spent();
    b.reason = r.rule_name.clone().or_else(|| r.parent_name.clone());
    b
}

/// The core session of a customer session.
pub fn to_session(s: &CustomerSession) -> Session {
    Session::new(PROVIDER, s.session_id.clone()).with_customer_id(s.contact_id.clone())
}

/// The customer session of a core session.
///
/// # Errors
/// [`LoyaltyError::SessionExpired`] for a session of another provider or without a contact id.
pub fn from_session(s: &Session) -> Result<CustomerSession, LoyaltyError> {
    match s.customer_id() {
        Some(id) if s.provider() == PROVIDER => Ok(CustomerSession::new(id, s.token().clone())),
        _ => Err(LoyaltyError::SessionExpired {
            detail: ProviderDetail::message("not a Manzana session with a contact id"),
        }),
    }
}

fn no_pending() -> LoyaltyError {
    LoyaltyError::invalid("phone", "request a code for this phone first")
}

#[async_trait]
impl LoyaltyProvider for ManzanaClient {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        let mut c = Capabilities::of(&[
            Capability::VerifyPhone,
            Capability::SignUp,
            Capability::Profile,
            Capability::UpdateProfile,
            Capability::Balance,
            Capability::BonusHistory,
            Capability::Purchases,
            Capability::PurchaseDetail,
        ]);
        if self.has_manager() {
            c = c.with(Capability::FindCustomer);
        }
        if self.can_delete() {
            c = c.with(Capability::DeleteCustomer);
        }
        c
    }

    async fn request_code(&self, req: &CodeRequest) -> Result<CodeOutcome, LoyaltyError> {
        let known = if self.has_manager() {
            self.find_contact_by_phone(&req.phone).await?.is_some()
        } else {
            true
        };
        let pending = if known {
            Pending::Login(self.request_sms_login(&req.phone).await?)
        } else {
            let token = self
                .request_registration(&Registration::new(&req.phone))
                .await?;
            self.request_phone_verification(&token).await?;
            Pending::Registration(token)
        };
        self.pending().insert(req.phone.e164().to_owned(), pending);
        Ok(CodeOutcome::Sent {
            channel: CodeChannel::Sms,
            resend_after: None,
        })
    }

    async fn confirm_code(&self, phone: &Phone, code: &str) -> Result<Verification, LoyaltyError> {
        let pending = match self.pending().get(phone.e164()) {
            Some(Pending::Login(t)) => Pending::Login(t.clone()),
            Some(Pending::Registration(t)) => Pending::Registration(t.clone()),
            None => return Err(no_pending()),
        };
        let out = match pending {
            Pending::Login(t) => {
                Verification::LoggedIn(to_session(&self.confirm_sms_login(&t, code).await?))
            }
            Pending::Registration(t) => {
                let token = self.check_registration_sms(&t, code).await?;
                Verification::NeedsSignUp(SignUpTicket::new(
                    token,
                    phone.clone(),
                    NewCustomer::with_phone(phone.clone()),
                ))
            }
        };
        self.pending().remove(phone.e164());
        Ok(out)
    }

    async fn find_customer(&self, phone: &Phone) -> Result<Option<Customer>, LoyaltyError> {
        Ok(self
            .find_contact_by_phone(phone)
            .await?
            .as_ref()
            .map(to_customer))
    }

    async fn sign_up(
        &self,
        ticket: &SignUpTicket,
        data: &NewCustomer,
    ) -> Result<Session, LoyaltyError> {
        if ticket.token.expose_secret().is_empty() {
            return Err(LoyaltyError::invalid("token", "empty sign-up token"));
        }
        let s = self.finish_registration(&ticket.token).await?;
        let mut patch = ProfilePatch::new();
        patch.first_name = data.first_name.clone();
        patch.last_name = data.last_name.clone();
        patch.patronymic = data.patronymic.clone();
        patch.birth_date = data.birth_date;
        patch.gender = data.gender.clone();
        patch.email = data.email.clone();
        if !patch.is_empty() {
            self.modify_contact(&s, |c| apply_patch(c, &patch)).await?;
        }
        Ok(to_session(&s))
    }

    async fn profile(&self, session: &Session) -> Result<Customer, LoyaltyError> {
        let s = from_session(session)?;
        Ok(to_customer(&self.get_contact(&s).await?))
    }

    async fn update_profile(
        &self,
        session: &Session,
        patch: &ProfilePatch,
    ) -> Result<Customer, LoyaltyError> {
        let s = from_session(session)?;
        let c = self.modify_contact(&s, |c| apply_patch(c, patch)).await?;
        Ok(to_customer(&c))
    }

    async fn delete_customer(&self, session: &Session) -> Result<(), LoyaltyError> {
        let s = from_session(session)?;
        self.delete_contact(&s.contact_id).await
    }

    async fn balance(&self, session: &Session) -> Result<Balance, LoyaltyError> {
        let s = from_session(session)?;
        let mut b = Balance::new(ManzanaClient::balance(self, &s).await?);
        match self.burns(&s).await {
            Ok(list) => {
                b.burns = list
                    .into_iter()
                    .map(|x| Burn::new(x.amount, x.date))
                    .collect()
            }
            Err(LoyaltyError::Unsupported { .. }) => {}
            Err(e) => return Err(e),
        }
        Ok(b)
    }

    async fn bonus_history(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<BonusEvent>, LoyaltyError> {
        let s = from_session(session)?;
        let p = ManzanaClient::bonus_history(self, &s, page).await?;
        let items = p.items.iter().map(to_bonus_event).collect();
        let mut out = Page::from_offset(items, page);
        out.next = p.next;
        Ok(out)
    }

    async fn purchases(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Purchase>, LoyaltyError> {
        let s = from_session(session)?;
        let all: Vec<Purchase> = self.cheques(&s).await?.iter().map(to_purchase).collect();
        Ok(Page::slice(&all, page))
    }

    async fn purchase(&self, session: &Session, id: &str) -> Result<PurchaseDetail, LoyaltyError> {
        let s = from_session(session)?;
        let cheque = self
            .cheques(&s)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| LoyaltyError::NotFound {
                detail: ProviderDetail::message(format!("no cheque {id} for this contact")),
            })?;
        // The cheque is the customer's (checked above): its lines may be read with the
        // administrator session when one is configured.
        let lines = if self.has_admin() {
            self.cheque_items_as_operator(id).await?
        } else {
            self.cheque_items(&s, id).await?
        };
        let mut d = PurchaseDetail::default();
        d.discount = cheque.discount();
        d.cashier = cheque.extra_text(self.cashier_field());
        // Named through the client's product-name hook already.
        d.lines = lines.iter().map(to_line).collect();
        d.purchase = to_purchase(&cheque);
        Ok(d)
    }
}
