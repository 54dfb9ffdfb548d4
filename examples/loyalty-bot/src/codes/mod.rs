//! The bot's verification codes (issue 21, seed 002): loyalty-codes wired to the bot's database
//! ([`SqlCodeStore`]), its messengers ([`ChatCodeChannel`]) and its configuration
//! ([`CodesConfig`]: `CODES_CHANNELS`, `CODES_PEPPER`, `SMSRU_*`, `SMTP_*`).
//!
//! LoyalClient has no codes of its own; with these, a LoyalClient customer logs in with a typed
//! number (and on Viber, where a shared contact proves nothing) by a code sent over the
//! configured channels in order: an SMS first, then a message to a chat of the customer that is
//! already logged in, then e-mail. [`crate::till`] uses the same service to confirm spending
//! bonuses at the till.
//!
//! **One budget.** Code requests are counted by the bot's existing mechanism,
//! [`Storage::take_code_budget`] (per phone *and* per chat, one transaction, row-locked so
//! several instances on one PostgreSQL cannot overshoot), for the providers' own codes and these
//! alike. The code service is therefore built with loyalty-codes' subject budgets off: they
//! would count the same requests a second time, per phone only (loyalty-codes knows no chat),
//! with their own limits and their own "try again" times.

mod chat;
mod panel;
mod settings;
mod store;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use loyalty_codes::channels::{SmsRuChannel, SmtpChannel};
use loyalty_codes::sandbox::SmsRuSandbox;
use loyalty_codes::{
    Action, Budgets, ChannelId, ChatAddress, CodeError, CodeService, Language, Programme,
    Recipient, SendReceipt, SendRequest, StoreError, Subject, Verified,
};
use loyalty_core::{ExposeSecret, Phone, SecretString};

pub use chat::{CHAT_CHANNEL, ChatCodeChannel, MessengerRoutes, linked_chats};
pub use panel::SETTINGS_KEY;
pub use settings::{ChannelKind, CodesConfig, SmsTarget, SmtpSettings};
pub use store::SqlCodeStore;

use crate::storage::{ChatKey, Storage};
use crate::texts::{Lang, Texts};

/// The pepper of the offline demo when `CODES_PEPPER` is unset: public, so codes hashed with it
/// protect nothing; the bot says so loudly at start.
pub const DEMO_PEPPER: &str = "loyalty-bot offline demo pepper: public, never use it for real";

/// The `SMSRU_API_ID` the in-process SMS.ru sandbox accepts.
const SANDBOX_API_ID: &str = "sandbox-api-id";

/// What [`BotCodes::build`] can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CodesSetupError {
    /// The code service or a channel refused its settings.
    #[error("verification codes: {0}")]
    Codes(#[from] CodeError),
    /// The SMS.ru sandbox could not start.
    #[error("verification codes: cannot start the SMS.ru sandbox: {0}")]
    Sandbox(std::io::Error),
    /// The settings saved from the panel could not be read.
    #[error("verification codes: {0}")]
    Storage(#[from] crate::storage::StorageError),
}

/// The programme of the bot's codes: log-in and spending bonuses, each over `channels` in
/// order, with loyalty-codes' subject budgets off (the bot's own budget counts requests; see the
/// module docs).
pub fn programme(channels: &[ChannelKind]) -> Programme {
    let ids: Vec<ChannelId> = channels.iter().map(|c| ChannelId::from(c.id())).collect();
    Programme::new()
        .require(Action::LogIn, ids.clone())
        .require(Action::SpendBonuses, ids)
        .budgets(Budgets::unlimited())
}

struct Inner {
    service: CodeService,
    routes: MessengerRoutes,
    storage: Storage,
    provider: &'static str,
    sandbox: Option<Arc<SmsRuSandbox>>,
}

/// The bot's code service: sends a code for an action to a customer's phone over the configured
/// channels (the chat channel reaching a chat already linked to that phone, never the asking one)
/// and checks what the user typed. Cheap to clone.
#[derive(Clone)]
pub struct BotCodes {
    inner: Arc<Inner>,
}

impl fmt::Debug for BotCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BotCodes")
            .field("service", &self.inner.service)
            .field("provider", &self.inner.provider)
            .finish_non_exhaustive()
    }
}

fn language(lang: Lang) -> Language {
    match lang {
        Lang::Uk => Language::Uk,
        Lang::Ru => Language::Ru,
    }
}

impl BotCodes {
    /// Builds the service of programme `provider` from `config`: codes in `storage`, chat
    /// messages from `texts` through `routes` (register the messengers there once they run).
    /// With the SMS sandbox, it starts in process and lives as long as the service.
    ///
    /// # Errors
    /// [`CodesSetupError`] when a channel cannot be built or the sandbox cannot start.
    pub async fn build(
        config: &CodesConfig,
        storage: &Storage,
        provider: &'static str,
        texts: Arc<Texts>,
        routes: MessengerRoutes,
    ) -> Result<Self, CodesSetupError> {
        let pepper = match &config.pepper {
            Some(p) => p.clone(),
            None => {
                tracing::warn!(
                    "CODES_PEPPER is not set: the offline demo hashes verification codes with a fixed, PUBLIC pepper. Set CODES_PEPPER (32+ random characters) before any real use"
                );
                SecretString::from(DEMO_PEPPER)
            }
        };
        let store = Arc::new(SqlCodeStore::new(storage));
        let mut builder = CodeService::builder(programme(&config.channels), store, pepper);
        let mut sandbox = None;
        for kind in &config.channels {
            builder = match kind {
                ChannelKind::Sms => {
                    let channel = match &config.sms {
                        Some(SmsTarget::SmsRu {
                            api_id,
                            sender,
                            base_url,
                        }) => {
                            let mut b = SmsRuChannel::builder(api_id.clone());
                            if let Some(s) = sender {
                                b = b.sender(s.clone());
                            }
                            if let Some(u) = base_url {
                                b = b.base_url(u.as_str().trim_end_matches('/'));
                            }
                            b.build()?
                        }
                        _ => {
                            let api_id = SecretString::from(SANDBOX_API_ID);
                            let sb = Arc::new(
                                SmsRuSandbox::start(&api_id)
                                    .await
                                    .map_err(CodesSetupError::Sandbox)?,
                            );
                            let channel = SmsRuChannel::builder(api_id)
                                .base_url(sb.base_url())
                                .build()?;
                            sandbox = Some(sb);
                            channel
                        }
                    };
                    builder.channel(Arc::new(channel))
                }
                ChannelKind::Email => {
                    let Some(s) = &config.smtp else {
                        return Err(CodeError::Config("email needs SMTP settings".into()).into());
                    };
                    let mut b =
                        SmtpChannel::builder(s.host.clone(), s.from.clone()).security(s.security);
                    if let Some(port) = s.port {
                        b = b.port(port);
                    }
                    if let Some((user, password)) = &s.credentials {
                        b = b.credentials(user.clone(), password.clone());
                    }
                    builder.channel(Arc::new(b.build()?))
                }
                ChannelKind::Chat => builder.channel_with_timeout(
                    Arc::new(ChatCodeChannel::new(
                        routes.clone(),
                        storage.clone(),
                        provider,
                        texts.clone(),
                    )),
                    Duration::from_secs(10),
                ),
            };
        }
        Ok(Self::from_service(
            builder.build()?,
            storage.clone(),
            provider,
            routes,
            sandbox,
        ))
    }

    /// Wraps a service built by hand (tests with their own clock or channels).
    pub fn from_service(
        service: CodeService,
        storage: Storage,
        provider: &'static str,
        routes: MessengerRoutes,
        sandbox: Option<Arc<SmsRuSandbox>>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                service,
                routes,
                storage,
                provider,
                sandbox,
            }),
        }
    }

    /// The code service.
    pub fn service(&self) -> &CodeService {
        &self.inner.service
    }

    /// The messengers the chat channel sends through.
    pub fn routes(&self) -> &MessengerRoutes {
        &self.inner.routes
    }

    /// The in-process SMS.ru sandbox (offline demo), if SMS go there.
    pub fn sms_sandbox(&self) -> Option<&Arc<SmsRuSandbox>> {
        self.inner.sandbox.as_ref()
    }

    /// Whether the programme protects `action` with a code.
    pub fn requires_code(&self, action: &Action) -> bool {
        self.inner.service.requires_code(action)
    }

    /// Issues a code for `action` to the owner of `phone` and delivers it over the channels in
    /// order: SMS to the phone, a message to the chat most recently active among those linked to
    /// the phone in this programme (never `asking`), e-mail to `email`.
    ///
    /// # Errors
    /// [`CodeError`] as [`CodeService::send`] (`AllChannelsFailed` when none delivered);
    /// [`CodeError::Storage`] when the linked chats cannot be read.
    pub async fn send(
        &self,
        action: Action,
        phone: &Phone,
        email: Option<String>,
        asking: Option<&ChatKey>,
        lang: Lang,
    ) -> Result<SendReceipt, CodeError> {
        self.send_for(Subject::phone(phone), action, phone, email, asking, lang)
            .await
    }

    /// [`BotCodes::send`] for a subject of the caller's (a code bound to more than the phone,
    /// such as one purchase at the till); check it with [`BotCodes::verify_for`].
    ///
    /// # Errors
    /// As [`BotCodes::send`].
    pub async fn send_for(
        &self,
        subject: Subject,
        action: Action,
        phone: &Phone,
        email: Option<String>,
        asking: Option<&ChatKey>,
        lang: Lang,
    ) -> Result<SendReceipt, CodeError> {
        let inner = &*self.inner;
        let mut recipient = Recipient::new().phone(phone.clone());
        if let Some(e) = email {
            recipient = recipient.email(e);
        }
        let linked = linked_chats(&inner.storage, inner.provider, phone, asking)
            .await
            .map_err(|e| CodeError::Storage(StoreError::new(e)))?;
        if let Some(chat) = linked
            .into_iter()
            .find(|k| inner.routes.get(&k.messenger).is_some())
        {
            recipient = recipient.chat(ChatAddress::new(chat.messenger, chat.chat_id));
        }
        let request = SendRequest::new(subject, action, recipient).language(language(lang));
        inner.service.send(&request).await
    }

    /// Checks `typed` against the code for `action` sent to `phone`.
    ///
    /// # Errors
    /// As [`CodeService::verify`].
    pub async fn verify(
        &self,
        action: &Action,
        phone: &Phone,
        typed: &str,
    ) -> Result<Verified, CodeError> {
        self.inner
            .service
            .verify(&Subject::phone(phone), action, typed)
            .await
    }

    /// Checks `typed` against the code for `action` sent to `subject` with
    /// [`BotCodes::send_for`].
    ///
    /// # Errors
    /// As [`CodeService::verify`].
    pub async fn verify_for(
        &self,
        subject: &Subject,
        action: &Action,
        typed: &str,
    ) -> Result<Verified, CodeError> {
        self.inner.service.verify(subject, action, typed).await
    }

    /// The storage the codes live in.
    pub fn storage(&self) -> &Storage {
        &self.inner.storage
    }

    /// The text of the latest SMS the in-process sandbox took for `phone` (the offline demo
    /// shows it as a system line, as it does for the providers' sandbox codes).
    pub fn sandbox_sms(&self, phone: &Phone) -> Option<String> {
        let sb = self.inner.sandbox.as_ref()?;
        sb.messages()
            .into_iter()
            .rev()
            .find(|m| m.to == phone.digits())
            .map(|m| m.text.expose_secret().to_owned())
    }
}

/// The bot's code service for `config`'s programme: `Some` for LoyalClient (the one programme
/// without codes of its own) when codes are enabled, with no messenger routed yet.
///
/// # Errors
/// [`CodesSetupError`] as [`BotCodes::build`].
pub async fn for_config(
    config: &crate::config::Config,
    storage: &Storage,
    texts: &Texts,
) -> Result<Option<BotCodes>, CodesSetupError> {
    if config.provider != crate::config::ProviderKind::LoyalClient || !config.codes.enabled {
        return Ok(None);
    }
    let codes = BotCodes::build(
        &config.codes,
        storage,
        loyalty_loyalclient::PROVIDER,
        Arc::new(texts.clone()),
        MessengerRoutes::default(),
    )
    .await?;
    // The channel order and messages an operator set in the panel win over the configuration.
    if codes.apply_saved_settings().await? {
        tracing::info!("code settings saved from the control panel applied");
    }
    Ok(Some(codes))
}

impl BotCodes {
    /// Every hour, removes codes that expired and send records older than a day (the longest
    /// budget window is an hour). Runs until the task is dropped.
    pub async fn purge_loop(self) {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            if let Err(e) = self
                .inner
                .service
                .purge(Duration::from_secs(24 * 3600))
                .await
            {
                tracing::warn!(error = %e, "cannot purge old verification codes");
            }
        }
    }
}

#[cfg(test)]
mod tests;
