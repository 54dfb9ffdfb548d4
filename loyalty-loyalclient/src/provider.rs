//! [`LoyaltyProvider`] for [`LoyalClient`].
//!
//! The integration API has no customer authorization, history or purchases: it offers
//! [`Capability::FindCustomer`], [`Capability::Profile`] and [`Capability::Balance`] (with the
//! level); every other operation (verification codes, sign-up, history, purchases, promotions,
//! notices) returns [`LoyaltyError::Unsupported`].
//!
//! A [`Session`] for this provider carries the client's **search key** (phone digits, card
//! number or app code) as its token and the client id; make one with [`session_for`]. Every call
//! searches at the point set with [`crate::LoyalClientBuilder::point`].

use async_trait::async_trait;
use loyalty_core::model::{Amount, Balance, Customer, Level as CoreLevel};
use loyalty_core::{
    Capabilities, Capability, LoyaltyError, LoyaltyProvider, Phone, SecretString, Session,
};
use secrecy::ExposeSecret;

use crate::client::LoyalClient;
use crate::types::{ClientProfile, ClientSearch};

/// The provider's name (also in [`Session::provider`]).
pub const PROVIDER: &str = "loyalclient";

/// What this provider supports.
pub const CAPABILITIES: Capabilities = Capabilities::of(&[
    Capability::FindCustomer,
    Capability::Profile,
    Capability::Balance,
]);

/// A session for the client found with `search` (phone digits, card number or app code).
pub fn session_for(search: impl Into<String>, client: &ClientProfile) -> Session {
    Session::new(PROVIDER, SecretString::from(search.into())).with_customer_id(client.id.clone())
}

/// The provider-neutral view of a client.
pub fn to_core_customer(c: &ClientProfile) -> Customer {
    let mut out = Customer::new(c.id.clone());
    out.first_name = c.name.clone().filter(|s| !s.trim().is_empty());
    out.birth_date = c.birthday;
    out.phone = c.parsed_phone();
    out.email = c.email.clone().filter(|s| !s.trim().is_empty());
    out
}

/// The provider-neutral balance of a client, with the level (name and percent) and, for
/// cash-back levels, the largest share payable with bonuses as the extra amount
/// `max_spend_percent`.
pub fn to_balance(c: &ClientProfile) -> Balance {
    let mut b = Balance::new(c.balance);
    if let Some(l) = &c.level {
        let mut level = CoreLevel::new(
            l.title
                .clone()
                .or_else(|| l.kind.as_ref().map(|k| k.as_str().to_owned()))
                .unwrap_or_default(),
        );
        level.percent = l.percent;
        b.level = Some(level);
        if let Some(p) = l.max_spend_percent {
            b.extra.push(Amount::new("max_spend_percent", p));
        }
    }
    b
}

impl LoyalClient {
    fn provider_point(&self) -> Result<&str, LoyaltyError> {
        self.point().ok_or_else(|| {
            LoyaltyError::Config(
                "no sales point: set LoyalClientBuilder::point to use the LoyaltyProvider".into(),
            )
        })
    }

    async fn by_session(&self, session: &Session) -> Result<ClientProfile, LoyaltyError> {
        let point = self.provider_point()?;
        self.find_client(&ClientSearch::new(session.token().expose_secret(), point))
            .await
    }
}

#[async_trait]
impl LoyaltyProvider for LoyalClient {
    fn name(&self) -> &'static str {
        PROVIDER
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    /// Searches by the phone's digits with the country code (`79201234567`).
    async fn find_customer(&self, phone: &Phone) -> Result<Option<Customer>, LoyaltyError> {
        let point = self.provider_point()?;
        match self
            .find_client(&ClientSearch::by_phone(phone, point))
            .await
        {
            Ok(c) => Ok(Some(to_core_customer(&c))),
            Err(LoyaltyError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn profile(&self, session: &Session) -> Result<Customer, LoyaltyError> {
        Ok(to_core_customer(&self.by_session(session).await?))
    }

    async fn balance(&self, session: &Session) -> Result<Balance, LoyaltyError> {
        Ok(to_balance(&self.by_session(session).await?))
    }
}
