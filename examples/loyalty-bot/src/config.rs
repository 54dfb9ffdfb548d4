//! Configuration from environment variables. Every variable is optional: with none set the bot
//! runs offline (in-process sandbox, console messenger, SQLite file). A wrong value fails at start
//! with one line naming the variable.

use std::fmt;
use std::net::SocketAddr;

use loyalty_core::SecretString;
use url::Url;

use crate::format::Currency;
use crate::texts::Lang;

mod dialogue;
mod read;
mod variables;

pub use dialogue::DialogueSettings;

/// Which loyalty programme the bot serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// ERGO CLUB (sellers register sales).
    Ergo,
    /// BonusMoney (shop customers).
    BonusMoney,
    /// LoyalClient (the customer's card, level and balance at a sales point).
    LoyalClient,
    /// Manzana (a pharmacy chain's customers).
    Manzana,
}

/// Where the loyalty API is.
#[derive(Clone)]
#[allow(
    clippy::large_enum_variant,
    reason = "read once at start and kept in one Config: boxing the Manzana variant buys nothing"
)]
pub enum LoyaltyTarget {
    /// Start the provider's sandbox in process (no `*_BASE_URL` set).
    Sandbox,
    /// A real server.
    Remote {
        /// Its base URL.
        base_url: Url,
        /// The API key, for providers that need one.
        api_key: Option<SecretString>,
    },
    /// A real LoyalClient server at a sales point.
    LoyalClient {
        /// Base URL.
        base_url: Url,
        /// The API key.
        api_key: SecretString,
        /// The sales point id.
        point: String,
    },
    /// Real Manzana office services.
    Manzana {
        /// Customer office service URL.
        customer_url: Url,
        /// Manager office service URL.
        manager_url: Url,
        /// Administrator office service URL, if configured.
        admin_url: Option<Url>,
        /// Partner id.
        partner_id: String,
        /// Manager login and password, when the tenant logs in with them.
        login: Option<(String, SecretString)>,
        /// A fixed manager session issued by Manzana (instead of, or besides, a login).
        manager_session: Option<SecretString>,
        /// The administrator session, for reading cheque lines through the admin service.
        admin_session: Option<SecretString>,
        /// The tenant's contact-deletion endpoint (Manzana publishes none): customers may then
        /// delete their account from the bot.
        delete_endpoint: Option<loyalty_manzana::CustomEndpoint>,
    },
}

impl fmt::Debug for LoyaltyTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sandbox => f.write_str("Sandbox"),
            Self::Remote { base_url, api_key } => f
                .debug_struct("Remote")
                .field("base_url", &base_url.as_str())
                .field("api_key", &api_key.as_ref().map(|_| "[REDACTED]"))
                .finish(),
            Self::LoyalClient {
                base_url, point, ..
            } => f
                .debug_struct("LoyalClient")
                .field("base_url", &base_url.as_str())
                .field("api_key", &"[REDACTED]")
                .field("point", point)
                .finish(),
            Self::Manzana {
                customer_url,
                partner_id,
                login,
                manager_session,
                admin_session,
                ..
            } => f
                .debug_struct("Manzana")
                .field("customer_url", &customer_url.as_str())
                .field("partner_id", partner_id)
                .field("login", &login.as_ref().map(|(l, _)| l))
                .field("password", &login.as_ref().map(|_| "[REDACTED]"))
                .field(
                    "manager_session",
                    &manager_session.as_ref().map(|_| "[REDACTED]"),
                )
                .field(
                    "admin_session",
                    &admin_session.as_ref().map(|_| "[REDACTED]"),
                )
                .finish_non_exhaustive(),
        }
    }
}

/// How the bot talks to Telegram.
#[derive(Clone)]
pub struct TelegramConfig {
    /// The bot token (a secret).
    pub token: SecretString,
    /// The Bot API base URL.
    pub api_url: Url,
    /// Webhook mode when set: the public URL Telegram calls, and its secret header value.
    pub webhook: Option<(Url, SecretString)>,
}

impl fmt::Debug for TelegramConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramConfig")
            .field("token", &"[REDACTED]")
            .field("api_url", &self.api_url.as_str())
            .field("webhook", &self.webhook.as_ref().map(|(u, _)| u.as_str()))
            .finish()
    }
}

/// How the bot talks to MAX.
#[derive(Clone)]
pub struct MaxConfig {
    /// The bot token (a secret).
    pub token: SecretString,
    /// The API base URL, when not the default host.
    pub api_url: Option<Url>,
    /// Webhook mode when set: the public URL MAX calls, and its secret header value.
    pub webhook: Option<(Url, SecretString)>,
}

impl fmt::Debug for MaxConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaxConfig")
            .field("token", &"[REDACTED]")
            .field("api_url", &self.api_url.as_ref().map(Url::as_str))
            .field("webhook", &self.webhook.as_ref().map(|(u, _)| u.as_str()))
            .finish()
    }
}

/// How the bot talks to Viber (webhook only: Viber has no long polling).
#[derive(Clone)]
pub struct ViberConfig {
    /// The auth token (a secret; it also signs the webhook).
    pub token: SecretString,
    /// The API base URL, when not the default host.
    pub api_url: Option<Url>,
    /// The public URL Viber calls.
    pub webhook_url: Url,
    /// The sender name shown with messages.
    pub sender_name: String,
    /// Broadcasts by `broadcast_message`, 300 users a call (`VIBER_BROADCAST_API=on`; the bot
    /// must be approved by Viber for it), instead of one `send_message` per user.
    pub broadcast_api: bool,
}

impl fmt::Debug for ViberConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViberConfig")
            .field("token", &"[REDACTED]")
            .field("api_url", &self.api_url.as_ref().map(Url::as_str))
            .field("webhook_url", &self.webhook_url.as_str())
            .field("sender_name", &self.sender_name)
            .field("broadcast_api", &self.broadcast_api)
            .finish()
    }
}

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The loyalty programme.
    pub provider: ProviderKind,
    /// Where its API is.
    pub loyalty: LoyaltyTarget,
    /// Telegram, when `TELEGRAM_BOT_TOKEN` is set.
    pub telegram: Option<TelegramConfig>,
    /// MAX, when `MAX_BOT_TOKEN` is set.
    pub max: Option<MaxConfig>,
    /// Viber, when `VIBER_AUTH_TOKEN` is set.
    pub viber: Option<ViberConfig>,
    /// Address of the HTTP listener (webhooks, purchase notifications).
    pub listen_addr: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// `BOT_LANG`: the language of every new chat when set; unset, a new chat speaks the user's
    /// own language (uk/ru) as the messenger reports it, else the programme's market's (see
    /// [`Lang::initial`]).
    pub lang: Option<Lang>,
    /// `BOT_CURRENCY`: the currency money is shown in; unset, the programme's (see
    /// [`Currency::of_market`]).
    pub currency: Option<Currency>,
    /// Path of a JSON file overriding texts.
    pub texts_file: Option<String>,
    /// Shared secret of the purchase-notification endpoint (`NOTIFY_SECRET`); the endpoint is off
    /// without it unless the sandbox runs in process (then a random one is made).
    pub notify_secret: Option<SecretString>,
    /// Telegram's global send limit (`TELEGRAM_RATE_LIMIT`).
    pub telegram_rate: SendLimit,
    /// MAX's global send limit (`MAX_RATE_LIMIT`).
    pub max_rate: SendLimit,
    /// Viber's global send limit (`VIBER_RATE_LIMIT`).
    pub viber_rate: SendLimit,
    /// `SANDBOX_LATENCY_MS`: how long the in-process ERGO sandbox waits before it answers each
    /// call (a slow vendor, for load tests; default none).
    pub sandbox_latency: std::time::Duration,
    /// `CODE_BUDGET`: confirmation codes allowed per phone and per chat in an hour (default
    /// [`crate::engine::CodeBudget::default`]: 5 and 10).
    pub code_budget: crate::engine::CodeBudget,
    /// The bot's own verification codes (`CODES_*`, `SMSRU_*`, `SMTP_*`; LoyalClient log-in).
    pub codes: crate::codes::CodesConfig,
    /// The control panel (`PANEL_*`).
    pub panel: crate::panel::PanelSettings,
    /// Support hours and the web cabinet button (`SUPPORT_*`, `WEB_CABINET_URL`).
    pub dialogue: DialogueSettings,
}

/// A messenger's global send limit, from `<MESSENGER>_RATE_LIMIT`: messages per second, or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SendLimit {
    /// The platform's documented limit (Telegram: 30 messages per second).
    #[default]
    Platform,
    /// No limit of the bot's own (the platform's 429s are still honoured).
    Off,
    /// This many messages per second.
    PerSecond(std::num::NonZeroU32),
}

fn send_limit(var: &'static str, value: Option<String>) -> Result<SendLimit, ConfigError> {
    match value.as_deref().map(str::trim) {
        None => Ok(SendLimit::Platform),
        Some(v) if v.eq_ignore_ascii_case("off") => Ok(SendLimit::Off),
        Some(v) => v
            .parse::<std::num::NonZeroU32>()
            .map(SendLimit::PerSecond)
            .map_err(|_| {
                err(
                    var,
                    format!("{v:?} is not a number of messages per second or off"),
                )
            }),
    }
}

/// A configuration error: names the variable and says what is wrong.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{var}: {problem}")]
pub struct ConfigError {
    /// The variable.
    pub var: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

pub(crate) fn err(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

pub use variables::VARIABLES;

fn parse_url(var: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| err(var, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(var, "must be an http or https URL"));
    }
    Ok(url)
}

fn required(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    with: &str,
) -> Result<String, ConfigError> {
    get(var).ok_or_else(|| err(var, format!("required when {with} is set")))
}

/// The fewest characters a secret the bot checks (webhook secrets, `NOTIFY_SECRET`) may have:
/// a shorter one can be guessed, so it is a configuration error rather than a warning.
pub const MIN_SECRET_LEN: usize = 32;

/// Accepts `value` as the secret of `var` only when it is at least [`MIN_SECRET_LEN`] long.
fn strong_secret(var: &'static str, value: String) -> Result<SecretString, ConfigError> {
    if value.chars().count() < MIN_SECRET_LEN {
        return Err(err(
            var,
            format!("too short: use at least {MIN_SECRET_LEN} random characters"),
        ));
    }
    Ok(SecretString::from(value))
}

/// The path a webhook is served on: the URL's path, or `/webhook/<kind>` when it has none.
pub fn webhook_path(url: &Url, kind: &str) -> String {
    match url.path() {
        "" | "/" => format!("/webhook/{kind}"),
        p => p.to_owned(),
    }
}

/// The path of the purchase-notification endpoint.
pub const NOTIFY_PATH: &str = "/notify/purchase";

/// Reads a webhook URL + secret pair: both or neither.
fn webhook_pair(
    get: &impl Fn(&str) -> Option<String>,
    url_var: &'static str,
    secret_var: &'static str,
) -> Result<Option<(Url, SecretString)>, ConfigError> {
    match (get(url_var), get(secret_var)) {
        (None, None) => Ok(None),
        (Some(u), Some(s)) => {
            let url = parse_url(url_var, &u)?;
            if url.scheme() != "https" {
                return Err(err(url_var, "the platform only calls https webhooks"));
            }
            Ok(Some((url, strong_secret(secret_var, s)?)))
        }
        (Some(_), None) => Err(err(secret_var, format!("required with {url_var}"))),
        (None, Some(_)) => Err(err(url_var, format!("required with {secret_var}"))),
    }
}

impl Config {
    /// The webhook path of each messenger in webhook mode, by the variable that sets its URL.
    pub fn webhook_paths(&self) -> Vec<(&'static str, String)> {
        let mut paths = Vec::new();
        if let Some((url, _)) = self.telegram.as_ref().and_then(|t| t.webhook.as_ref()) {
            paths.push(("TELEGRAM_WEBHOOK_URL", webhook_path(url, "telegram")));
        }
        if let Some((url, _)) = self.max.as_ref().and_then(|m| m.webhook.as_ref()) {
            paths.push(("MAX_WEBHOOK_URL", webhook_path(url, "max")));
        }
        if let Some(v) = &self.viber {
            paths.push(("VIBER_WEBHOOK_URL", webhook_path(&v.webhook_url, "viber")));
        }
        paths
    }

    /// Two routes on one path would make the listener panic at start (and one platform's
    /// updates reach the other's parser): refuse it as a configuration error.
    fn check_paths(&self) -> Result<(), ConfigError> {
        let mut taken: Vec<(&'static str, String)> = Vec::new();
        if self.notify_secret.is_some() {
            taken.push(("NOTIFY_SECRET", NOTIFY_PATH.to_owned()));
        }
        for (var, path) in self.webhook_paths() {
            if let Some((other, _)) = taken.iter().find(|(_, p)| *p == path) {
                return Err(err(
                    var,
                    format!(
                        "its path {path} is already used by {other}: give each webhook its own path"
                    ),
                ));
            }
            taken.push((var, path));
        }
        Ok(())
    }

    /// Whether any real messenger is configured (otherwise the console runs).
    pub fn has_messenger(&self) -> bool {
        self.telegram.is_some() || self.max.is_some() || self.viber.is_some()
    }

    /// Reads the process environment.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }
}

#[cfg(test)]
mod tests;
