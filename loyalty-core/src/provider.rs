//! The provider-neutral trait a bot talks to.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use secrecy::SecretString;

use crate::error::LoyaltyError;
use crate::model::{
    Balance, BonusEvent, Customer, NewCustomer, Notice, ProfilePatch, Promotion, Purchase,
    PurchaseDetail,
};
use crate::pagination::{Page, PageRequest};
use crate::phone::Phone;
use crate::session::Session;

/// One operation of [`LoyaltyProvider`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Capability {
    /// [`LoyaltyProvider::request_code`] and [`LoyaltyProvider::confirm_code`].
    VerifyPhone,
    /// [`LoyaltyProvider::find_customer`].
    FindCustomer,
    /// [`LoyaltyProvider::sign_up`].
    SignUp,
    /// [`LoyaltyProvider::profile`].
    Profile,
    /// [`LoyaltyProvider::update_profile`].
    UpdateProfile,
    /// [`LoyaltyProvider::delete_customer`].
    DeleteCustomer,
    /// [`LoyaltyProvider::balance`].
    Balance,
    /// [`LoyaltyProvider::bonus_history`].
    BonusHistory,
    /// [`LoyaltyProvider::purchases`].
    Purchases,
    /// [`LoyaltyProvider::purchase`].
    PurchaseDetail,
    /// [`LoyaltyProvider::promotions`].
    Promotions,
    /// [`LoyaltyProvider::notices`].
    Notices,
    /// [`LoyaltyProvider::news`].
    News,
}

impl Capability {
    /// Every capability.
    pub const ALL: [Capability; 13] = [
        Self::VerifyPhone,
        Self::FindCustomer,
        Self::SignUp,
        Self::Profile,
        Self::UpdateProfile,
        Self::DeleteCustomer,
        Self::Balance,
        Self::BonusHistory,
        Self::Purchases,
        Self::PurchaseDetail,
        Self::Promotions,
        Self::Notices,
        Self::News,
    ];

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// The set of operations a provider supports.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Capabilities(u32);

impl Capabilities {
    /// No operation.
    pub const fn none() -> Self {
        Self(0)
    }

    /// The set of the given operations.
    pub const fn of(list: &[Capability]) -> Self {
        let mut bits = 0;
        let mut i = 0;
        while i < list.len() {
            bits |= list[i].bit();
            i += 1;
        }
        Self(bits)
    }

    /// Adds an operation.
    pub const fn with(self, c: Capability) -> Self {
        Self(self.0 | c.bit())
    }

    /// Whether the operation is supported.
    pub const fn supports(self, c: Capability) -> bool {
        self.0 & c.bit() != 0
    }

    /// The supported operations.
    pub fn iter(self) -> impl Iterator<Item = Capability> {
        Capability::ALL
            .into_iter()
            .filter(move |c| self.supports(*c))
    }
}

impl fmt::Debug for Capabilities {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// A request for a confirmation code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeRequest {
    /// The phone to verify.
    pub phone: Phone,
    /// The answer to a captcha the provider showed, with its token.
    pub captcha: Option<CaptchaAnswer>,
    /// The channel the user prefers (where the provider offers a choice, as BonusMoney does).
    pub channel: Option<CodeChannel>,
}

impl CodeRequest {
    /// A code request for `phone`.
    pub fn new(phone: Phone) -> Self {
        Self {
            phone,
            captcha: None,
            channel: None,
        }
    }

    /// Asks for a particular channel (SMS or call) where the provider offers a choice.
    pub fn prefer(mut self, channel: CodeChannel) -> Self {
        self.channel = Some(channel);
        self
    }

    /// Answers a captcha returned by a previous [`CodeOutcome::CaptchaRequired`].
    pub fn with_captcha(mut self, token: impl Into<String>, text: impl Into<String>) -> Self {
        self.captcha = Some(CaptchaAnswer {
            token: token.into(),
            text: text.into(),
        });
        self
    }
}

/// What the user read off a captcha image.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CaptchaAnswer {
    /// The captcha's token, from [`CodeOutcome::CaptchaRequired`].
    pub token: String,
    /// The text the user typed.
    pub text: String,
}

/// How the confirmation code reaches the user.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CodeChannel {
    /// An SMS with a code.
    Sms,
    /// A call: the user must call `call_to` from their phone (BonusMoney call-pass), or receives a
    /// call whose last digits are the code when `call_to` is `None`.
    Call {
        /// The number to call, if the user must call.
        call_to: Option<String>,
    },
    /// Another channel (messenger, e-mail), as the provider named it.
    Other(String),
}

/// A captcha the user must solve before a code is sent.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Captcha {
    /// Token to send back with the answer.
    pub token: String,
    /// The image (PNG bytes as the provider sent them).
    pub image: Vec<u8>,
}

impl Captcha {
    /// A captcha with its token and image bytes.
    pub fn new(token: impl Into<String>, image: Vec<u8>) -> Self {
        Self {
            token: token.into(),
            image,
        }
    }
}

impl fmt::Debug for Captcha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Captcha")
            .field("token", &self.token)
            .field("image", &format_args!("{} bytes", self.image.len()))
            .finish()
    }
}

/// The outcome of [`LoyaltyProvider::request_code`].
#[derive(Debug)]
#[non_exhaustive]
pub enum CodeOutcome {
    /// A code is on its way.
    Sent {
        /// How it travels.
        channel: CodeChannel,
        /// When a new code may be requested, if the provider says.
        resend_after: Option<Duration>,
    },
    /// The user must solve a captcha first; call again with [`CodeRequest::with_captcha`].
    CaptchaRequired(Captcha),
    /// The provider logs the phone in without a code.
    NoCodeNeeded(Box<Verification>),
}

/// A ticket to sign up a phone that verified but is not yet a member, with what the provider
/// already knows about the person.
#[derive(Clone)]
#[non_exhaustive]
pub struct SignUpTicket {
    /// The provider's sign-up token (a secret).
    pub token: SecretString,
    /// The verified phone.
    pub phone: Phone,
    /// Data the provider pre-fills (from another programme of the same vendor, say).
    pub prefill: NewCustomer,
}

impl SignUpTicket {
    /// A ticket.
    pub fn new(token: SecretString, phone: Phone, prefill: NewCustomer) -> Self {
        Self {
            token,
            phone,
            prefill,
        }
    }
}

impl fmt::Debug for SignUpTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUpTicket")
            .field("token", &"[REDACTED]")
            .field("phone", &self.phone)
            .field("prefill", &self.prefill)
            .finish()
    }
}

/// The outcome of a verified phone.
#[derive(Debug)]
#[non_exhaustive]
pub enum Verification {
    /// A known member: here is their session.
    LoggedIn(Session),
    /// The phone is verified but not a member yet: sign up with [`LoyaltyProvider::sign_up`].
    NeedsSignUp(SignUpTicket),
}

/// A loyalty programme as a bot sees it. Object-safe: use it as `Arc<dyn LoyaltyProvider>`.
///
/// Every operation has a default that returns [`LoyaltyError::Unsupported`]; a client overrides
/// what its API offers and lists it in [`LoyaltyProvider::capabilities`]. Operations specific to
/// one vendor (ERGO serial registration, LoyalClient holds, BonusMoney reviews) live on the
/// concrete clients.
#[async_trait]
pub trait LoyaltyProvider: Send + Sync {
    /// A short stable name (`"ergo"`, `"bonusmoney"`), also stored in [`Session::provider`].
    fn name(&self) -> &'static str;

    /// The operations this provider supports.
    fn capabilities(&self) -> Capabilities;

    /// Asks the provider to send a confirmation code to the phone.
    ///
    /// # Errors
    /// Typically [`LoyaltyError::NotFound`] (unknown phone, where the programme needs a member),
    /// [`LoyaltyError::CodeAlreadySent`], [`LoyaltyError::Blocked`].
    async fn request_code(&self, req: &CodeRequest) -> Result<CodeOutcome, LoyaltyError> {
        let _ = req;
        Err(LoyaltyError::unsupported(self.name(), "request_code"))
    }

    /// Confirms the code the user received. For a call the user makes (BonusMoney call-pass) the
    /// `code` is ignored by providers that verify the call itself; pass an empty string.
    ///
    /// # Errors
    /// [`LoyaltyError::WrongCode`] for a wrong code, and transport/provider errors.
    async fn confirm_code(&self, phone: &Phone, code: &str) -> Result<Verification, LoyaltyError> {
        let _ = (phone, code);
        Err(LoyaltyError::unsupported(self.name(), "confirm_code"))
    }

    /// Finds a member by phone without their session (an integration-level look-up).
    ///
    /// # Errors
    /// Transport/provider errors; an unknown phone is `Ok(None)`.
    async fn find_customer(&self, phone: &Phone) -> Result<Option<Customer>, LoyaltyError> {
        let _ = phone;
        Err(LoyaltyError::unsupported(self.name(), "find_customer"))
    }

    /// Signs a verified phone up as a new member.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] with every field the provider rejected.
    async fn sign_up(
        &self,
        ticket: &SignUpTicket,
        data: &NewCustomer,
    ) -> Result<Session, LoyaltyError> {
        let _ = (ticket, data);
        Err(LoyaltyError::unsupported(self.name(), "sign_up"))
    }

    /// Reads the member's profile.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] when the session must be renewed.
    async fn profile(&self, session: &Session) -> Result<Customer, LoyaltyError> {
        let _ = session;
        Err(LoyaltyError::unsupported(self.name(), "profile"))
    }

    /// Changes the member's profile and returns it as it is now.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`], [`LoyaltyError::SessionExpired`].
    async fn update_profile(
        &self,
        session: &Session,
        patch: &ProfilePatch,
    ) -> Result<Customer, LoyaltyError> {
        let _ = (session, patch);
        Err(LoyaltyError::unsupported(self.name(), "update_profile"))
    }

    /// Deletes the member (where the programme allows it).
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    async fn delete_customer(&self, session: &Session) -> Result<(), LoyaltyError> {
        let _ = session;
        Err(LoyaltyError::unsupported(self.name(), "delete_customer"))
    }

    /// The bonus balance with upcoming burns.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    async fn balance(&self, session: &Session) -> Result<Balance, LoyaltyError> {
        let _ = session;
        Err(LoyaltyError::unsupported(self.name(), "balance"))
    }

    /// One page of bonus history, newest first where the provider orders it.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    async fn bonus_history(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<BonusEvent>, LoyaltyError> {
        let _ = (session, page);
        Err(LoyaltyError::unsupported(self.name(), "bonus_history"))
    }

    /// One page of purchases.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    async fn purchases(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Purchase>, LoyaltyError> {
        let _ = (session, page);
        Err(LoyaltyError::unsupported(self.name(), "purchases"))
    }

    /// One purchase with its lines.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown id, [`LoyaltyError::SessionExpired`].
    async fn purchase(&self, session: &Session, id: &str) -> Result<PurchaseDetail, LoyaltyError> {
        let _ = (session, id);
        Err(LoyaltyError::unsupported(self.name(), "purchase"))
    }

    /// Current promotions.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    async fn promotions(&self, session: &Session) -> Result<Vec<Promotion>, LoyaltyError> {
        let _ = session;
        Err(LoyaltyError::unsupported(self.name(), "promotions"))
    }

    /// One page of personal notifications.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    async fn notices(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Notice>, LoyaltyError> {
        let _ = (session, page);
        Err(LoyaltyError::unsupported(self.name(), "notices"))
    }

    /// One page of the programme's news.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    async fn news(
        &self,
        session: &Session,
        page: PageRequest,
    ) -> Result<Page<Notice>, LoyaltyError> {
        let _ = (session, page);
        Err(LoyaltyError::unsupported(self.name(), "news"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct OnlyBalance;

    #[async_trait]
    impl LoyaltyProvider for OnlyBalance {
        fn name(&self) -> &'static str {
            "only-balance"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::of(&[Capability::Balance])
        }
        async fn balance(&self, _: &Session) -> Result<Balance, LoyaltyError> {
            Ok(Balance::new(rust_decimal::Decimal::from(7)))
        }
    }

    #[tokio::test]
    async fn object_safe_with_unsupported_defaults() {
        let p: Arc<dyn LoyaltyProvider> = Arc::new(OnlyBalance);
        let s = Session::new("only-balance", SecretString::from("t"));
        assert_eq!(
            p.balance(&s).await.unwrap().available,
            rust_decimal::Decimal::from(7)
        );
        let err = p.profile(&s).await.unwrap_err();
        assert!(matches!(
            err,
            LoyaltyError::Unsupported {
                provider: "only-balance",
                operation: "profile"
            }
        ));
        assert!(p.capabilities().supports(Capability::Balance));
        assert!(!p.capabilities().supports(Capability::Profile));
        assert_eq!(format!("{:?}", p.capabilities()), "{Balance}");
    }

    #[test]
    fn sign_up_ticket_debug_hides_token() {
        let t = SignUpTicket::new(
            SecretString::from("signup-SECRET"),
            Phone::parse("+380889993366", crate::Region::UA).unwrap(),
            NewCustomer::default(),
        );
        let s = format!("{t:?}");
        assert!(!s.contains("signup-SECRET"), "{s}");
    }
}
