//! The loyalty programme from the configuration: a client of the configured server, or its
//! sandbox in process.

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_bonusmoney::sandbox::BonusMoneySandbox;
use loyalty_core::{LoyaltyError, LoyaltyProvider, Region, SecretString, Session};
use loyalty_ergo::sandbox::ErgoSandbox;
use loyalty_ergo::{ActionsCache, ErgoClient};
use loyalty_loyalclient::{LoyalClient, LoyalClientSandbox};
use loyalty_manzana::{ManzanaClient, ManzanaSandbox};

use super::AppError;
use crate::config::{Config, LoyaltyTarget, ProviderKind};
use crate::engine::{CodePeek, ContactLogin, Programme};

/// A sandbox kept alive (it stops when dropped) while the bot runs.
pub type SandboxGuard = Option<Box<dyn Any + Send + Sync>>;

fn guard<T: Any + Send + Sync>(t: Arc<T>) -> SandboxGuard {
    Some(Box::new(t))
}

/// What [`programme`] builds.
pub struct Built {
    /// The programme for the engine.
    pub programme: Programme,
    /// Shows an in-process sandbox's codes (offline demo).
    pub peek: Option<CodePeek>,
    /// Keeps an in-process sandbox running.
    pub sandbox: SandboxGuard,
    /// The Manzana client, for the cheque watcher (Manzana has no purchase push).
    pub manzana: Option<ManzanaClient>,
}

fn built(programme: Programme, peek: Option<CodePeek>, sandbox: SandboxGuard) -> Built {
    Built {
        programme,
        peek,
        sandbox,
        manzana: None,
    }
}

fn lerr(e: LoyaltyError) -> AppError {
    AppError::Loyalty(e.to_string())
}

/// Builds the programme: the configured server, or its sandbox in process (then with a hook
/// that shows its codes, and a guard that keeps it running).
///
/// # Errors
/// [`AppError::Loyalty`] when a client cannot be built or a sandbox cannot start.
pub async fn programme(config: &Config) -> Result<Built, AppError> {
    match (config.provider, &config.loyalty) {
        (ProviderKind::Ergo, target) => {
            let (client, peek, g) = if let LoyaltyTarget::Remote { base_url, .. } = target {
                (
                    ErgoClient::builder()
                        .base_url(base_url.as_str())
                        .build()
                        .map_err(lerr)?,
                    None,
                    None,
                )
            } else {
                let sandbox_config =
                    loyalty_ergo::sandbox::SandboxConfig::new().latency(config.sandbox_latency);
                let sb = Arc::new(ErgoSandbox::start_with(sandbox_config).await.map_err(|e| {
                    AppError::Loyalty(format!("cannot start the ERGO sandbox: {e}"))
                })?);
                let s2 = sb.clone();
                let peek: CodePeek = Arc::new(move |p| s2.last_code(p.digits()));
                (sb.client().map_err(lerr)?, Some(peek), guard(sb))
            };
            let actions = Arc::new(ActionsCache::new(
                client.clone(),
                Duration::from_secs(24 * 3600),
            ));
            Ok(built(Programme::Ergo { client, actions }, peek, g))
        }
        (ProviderKind::BonusMoney, target) => {
            let (client, peek, g) = if let LoyaltyTarget::Remote { base_url, api_key } = target {
                let key = api_key.clone().unwrap_or_else(|| SecretString::from(""));
                (
                    BonusMoneyClient::builder(key)
                        .base_url(base_url.as_str())
                        .build()
                        .map_err(lerr)?,
                    None,
                    None,
                )
            } else {
                let sb = Arc::new(BonusMoneySandbox::start().await.map_err(lerr)?);
                let s2 = sb.clone();
                let peek: CodePeek = Arc::new(move |p| s2.last_code(p));
                (sb.client().map_err(lerr)?, Some(peek), guard(sb))
            };
            Ok(built(Programme::BonusMoney { client }, peek, g))
        }
        (ProviderKind::LoyalClient, target) => {
            let (client, g) = if let LoyaltyTarget::LoyalClient {
                base_url,
                api_key,
                point,
            } = target
            {
                (
                    LoyalClient::builder(base_url.as_str(), api_key.clone())
                        .point(point.clone())
                        .build()
                        .map_err(lerr)?,
                    None,
                )
            } else {
                let sb = Arc::new(LoyalClientSandbox::start().await.map_err(lerr)?);
                (sb.client().map_err(lerr)?, guard(sb))
            };
            // LoyalClient has no verification codes: a phone the messenger vouches for finds the
            // customer, and the search key is the session (see loyalty-loyalclient's README).
            let login: ContactLogin = Arc::new(|phone, customer| {
                let s = Session::new(
                    loyalty_loyalclient::PROVIDER,
                    SecretString::from(phone.digits().to_owned()),
                );
                match &customer.id {
                    Some(id) => s.with_customer_id(id.clone()),
                    None => s,
                }
            });
            Ok(built(
                Programme::Generic {
                    provider: Arc::new(client) as Arc<dyn LoyaltyProvider>,
                    display: "LoyalClient",
                    region: Region::RU,
                    contact_login: Some(login),
                },
                None,
                g,
            ))
        }
        (ProviderKind::Manzana, target) => {
            let (client, peek, g) = if let LoyaltyTarget::Manzana {
                customer_url,
                manager_url,
                admin_url,
                partner_id,
                login,
                manager_session,
                admin_session,
                delete_endpoint,
            } = target
            {
                let mut b = ManzanaClient::builder(customer_url.as_str(), partner_id.clone())
                    .manager_url(manager_url.as_str());
                if let Some((login, password)) = login {
                    b = b.manager_credentials(login.clone(), password.clone());
                }
                if let Some(s) = manager_session {
                    b = b.manager_session(s.clone());
                }
                if let Some(a) = admin_url {
                    b = b.admin_url(a.as_str());
                }
                if let Some(s) = admin_session {
                    b = b.admin_session(s.clone());
                }
                if let Some(ep) = delete_endpoint {
                    b = b.delete_endpoint(ep.clone());
                }
                (b.build().map_err(lerr)?, None, None)
            } else {
                let sb = Arc::new(ManzanaSandbox::start().await.map_err(lerr)?);
                let s2 = sb.clone();
                let peek: CodePeek = Arc::new(move |p| s2.last_code(p.e164()));
                (sb.client().map_err(lerr)?, Some(peek), guard(sb))
            };
            let mut b = built(
                Programme::Generic {
                    provider: Arc::new(client.clone()) as Arc<dyn LoyaltyProvider>,
                    display: "Manzana",
                    region: Region::RU,
                    contact_login: None,
                },
                peek,
                g,
            );
            b.manzana = Some(client);
            Ok(b)
        }
    }
}
