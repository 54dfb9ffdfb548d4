//! [`LoyaltyProvider`] for [`ErgoClient`].
//!
//! | trait operation | ERGO method |
//! |---|---|
//! | `request_code` | `GetAuthCode` (SMS) |
//! | `confirm_code` | `GetToken` → [`Session`] (provider `"ergo"`, customer id = the phone's 12 digits) |
//! | `profile` | `GetProfile` |
//! | `update_profile` | `GetProfile` then `PostProfile` with all four fields (read-modify-write) |
//! | `balance` | `GetBalanceInfo`: `available` = bonus, `pending` = to balance + for test + for confirmation, every sum and planned payoff in `extra` |
//! | `bonus_history` | `GetRegistrations` of type `registration_all`, paged in memory |
//! | `promotions` | `GetActions` |
//! | `notices` | `GetNotices`, paged in memory |
//! | `news` | `GetNews`, paged in memory |
//!
//! Serial-number registration, questions and articles are ERGO-only: use the client's own
//! methods.

use async_trait::async_trait;
use loyalty_core::model::{Amount, Balance, BonusEvent, Customer, Notice, NoticeKind, Promotion};
use loyalty_core::{
    Capabilities, Capability, CodeChannel, CodeOutcome, CodeRequest, FieldError, LoyaltyError,
    LoyaltyProvider, Page, PageRequest, Phone, ProfilePatch, Session, Verification,
};

use crate::client::ErgoClient;
use crate::types::{Action, BalanceInfo, Profile, ProfileUpdate, RegistrationType};

/// The provider name, also stored in [`Session::provider`].
pub const PROVIDER: &str = "ergo";

/// What [`ErgoClient`] supports of [`LoyaltyProvider`].
pub const CAPABILITIES: Capabilities = Capabilities::of(&[
    Capability::VerifyPhone,
    Capability::Profile,
    Capability::UpdateProfile,
    Capability::Balance,
    Capability::BonusHistory,
    Capability::Promotions,
    Capability::Notices,
    Capability::News,
]);

/// The provider-neutral customer of an ERGO profile.
pub fn customer_of(p: &Profile) -> Customer {
    let mut c = Customer::default();
    c.id = p.user_phone.clone();
    c.first_name = p.user_name.clone();
    c.last_name = p.user_lastname.clone();
    c.patronymic = p.user_surname.clone();
    c.email = p.user_email.clone();
    c.phone = p
        .user_phone
        .as_deref()
        .and_then(|t| Phone::parse_international(&format!("+{}", t.trim_start_matches('+'))).ok());
    c
}

/// The provider-neutral balance of an ERGO balance.
pub fn balance_of(b: &BalanceInfo) -> Balance {
    let mut out = Balance::new(b.bonus);
    out.pending =
        b.registration_to_balance + b.registration_for_test + b.registration_for_confirmation;
    let sums = [
        ("points", "Бали", b.points),
        (
            "registration_to_balance",
            "Підтверджено, ще не на балансі",
            b.registration_to_balance,
        ),
        (
            "registration_for_test",
            "Підтверджено, потрібен тест",
            b.registration_for_test,
        ),
        (
            "registration_for_confirmation",
            "На підтвердженні",
            b.registration_for_confirmation,
        ),
        (
            "registration_rejected",
            "Відхилено",
            b.registration_rejected,
        ),
        (
            "registration_all",
            "Зароблено за весь час",
            b.registration_all,
        ),
    ];
    for (key, label, value) in sums {
        let mut a = Amount::new(key, value);
        a.label = Some(label.to_owned());
        out.extra.push(a);
    }
    for p in &b.to_payoff {
        let mut a = Amount::new("to_payoff", p.to_payoff_bonus);
        let date = p
            .to_payoff_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let label = match &p.to_payoff_get {
            Some(how) if !date.is_empty() => format!("{date}: {how}"),
            Some(how) => how.clone(),
            None => date,
        };
        a.label = (!label.is_empty()).then_some(label);
        out.extra.push(a);
    }
    out
}

/// The provider-neutral promotion of an ERGO action.
pub fn promotion_of(a: &Action) -> Promotion {
    let mut p = Promotion::default();
    p.id = a.action_id.to_string();
    p.title = a.action_name.clone().unwrap_or_default();
    p.description = match (&a.action_description, &a.action_hot_notice) {
        (Some(d), Some(h)) => Some(format!("{d}\n{h}")),
        (Some(d), None) => Some(d.clone()),
        (None, h) => h.clone(),
    };
    p.starts_at = a.action_date_from.and_then(|d| d.and_hms_opt(0, 0, 0));
    p.ends_at = a.action_date_to.and_then(|d| d.and_hms_opt(23, 59, 59));
    p
}

#[async_trait]
impl LoyaltyProvider for ErgoClient {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    async fn request_code(&self, req: &CodeRequest) -> Result<CodeOutcome, LoyaltyError> {
        self.get_auth_code(&req.phone).await?;
        Ok(CodeOutcome::Sent {
            channel: CodeChannel::Sms,
            resend_after: None,
        })
    }

    async fn confirm_code(&self, phone: &Phone, code: &str) -> Result<Verification, LoyaltyError> {
        let token = self.get_token(phone, code).await?;
        let session = Session::new(PROVIDER, token.session.clone()).with_customer_id(
            token
                .user_phone
                .clone()
                .unwrap_or_else(|| phone.digits().to_owned()),
        );
        Ok(Verification::LoggedIn(session))
    }

    async fn profile(&self, session: &Session) -> Result<Customer, LoyaltyError> {
        Ok(customer_of(&self.get_profile(session).await?))
    }

    async fn update_profile(
        &self,
        session: &Session,
        patch: &ProfilePatch,
    ) -> Result<Customer, LoyaltyError> {
        let mut unsupported = Vec::new();
        if patch.birth_date.is_some() {
            unsupported.push(FieldError::new(
                "birth_date",
                "ERGO profiles have no birth date",
            ));
        }
        if patch.gender.is_some() {
            unsupported.push(FieldError::new("gender", "ERGO profiles have no gender"));
        }
        if patch.city.is_some() {
            unsupported.push(FieldError::new("city", "ERGO profiles have no city"));
        }
        if !unsupported.is_empty() {
            return Err(LoyaltyError::InvalidInput {
                fields: unsupported,
                detail: None,
            });
        }
        // ERGO's example sends all four fields: send the current values of those not changed.
        let now = self.get_profile(session).await?;
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        let mut update = ProfileUpdate::new();
        update.user_name = pick(&patch.first_name, &now.user_name);
        update.user_lastname = pick(&patch.last_name, &now.user_lastname);
        update.user_surname = pick(&patch.patronymic, &now.user_surname);
        update.user_email = pick(&patch.email, &now.user_email);
        Ok(customer_of(&self.post_profile(session, &update).await?))
    }

    async fn balance(&self, session: &Session) -> Result<Balance, LoyaltyError> {
        Ok(balance_of(&self.get_balance_info(session).await?))
    }

    async fn bonus_history(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<BonusEvent>, LoyaltyError> {
        let regs = self
            .get_registrations(session, &RegistrationType::All)
            .await?;
        let events: Vec<BonusEvent> = regs
            .registrations
            .iter()
            .map(|r| {
                let mut e = BonusEvent::default();
                e.id = Some(r.registration_id.clone());
                e.at = r.registration_date;
                e.earned = r.registration_points;
                let what = [&r.registration_action, &r.registration_model]
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" / ");
                let mut reason = String::new();
                if let Some(s) = &r.registration_status {
                    reason.push_str(s);
                    reason.push_str(": ");
                }
                reason.push_str(&what);
                if let Some(sn) = &r.registration_sn {
                    reason.push_str(&format!(" (SN {sn})"));
                }
                if let Some(c) = &r.registration_comment {
                    reason.push_str(&format!(" — {c}"));
                }
                e.reason = Some(reason);
                e
            })
            .collect();
        Ok(Page::slice(&events, page))
    }

    async fn promotions(&self, session: &Session) -> Result<Vec<Promotion>, LoyaltyError> {
        Ok(self
            .get_actions(session)
            .await?
            .actions
            .iter()
            .map(promotion_of)
            .collect())
    }

    async fn notices(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Notice>, LoyaltyError> {
        let all: Vec<Notice> = self
            .get_notices(session)
            .await?
            .notices
            .into_iter()
            .map(|n| {
                let mut out = Notice::new(
                    n.notice_id,
                    NoticeKind::Notice,
                    n.notice_text.unwrap_or_default(),
                );
                out.title = n.notice_name;
                out.at = n.notice_from;
                out
            })
            .collect();
        Ok(Page::slice(&all, page))
    }

    async fn news(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Notice>, LoyaltyError> {
        let all: Vec<Notice> = self
            .get_news(session)
            .await?
            .news
            .into_iter()
            .map(|a| {
                let mut out = Notice::new(
                    a.article_id.to_string(),
                    NoticeKind::News,
                    a.article_notice.unwrap_or_default(),
                );
                out.title = a.article_name;
                out.at = a.article_date.and_then(|d| d.and_hms_opt(0, 0, 0));
                out.image_url = a.article_photo;
                out
            })
            .collect();
        Ok(Page::slice(&all, page))
    }
}
