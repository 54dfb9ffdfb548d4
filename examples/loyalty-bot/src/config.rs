//! Configuration from environment variables. Every variable is optional: with none set the bot
//! runs offline (in-process sandbox, console messenger, SQLite file). A wrong value fails at start
//! with one line naming the variable.

use std::fmt;
use std::net::SocketAddr;

use loyalty_core::SecretString;
use url::Url;

use crate::format::Currency;
use crate::texts::Lang;

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
}

impl fmt::Debug for ViberConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ViberConfig")
            .field("token", &"[REDACTED]")
            .field("api_url", &self.api_url.as_ref().map(Url::as_str))
            .field("webhook_url", &self.webhook_url.as_str())
            .field("sender_name", &self.sender_name)
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
    /// The bot's own verification codes (`CODES_*`, `SMSRU_*`, `SMTP_*`; LoyalClient log-in).
    pub codes: crate::codes::CodesConfig,
    /// The control panel (`PANEL_*`).
    pub panel: crate::panel::PanelSettings,
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

/// The variables the bot reads, with what each is for (printed by `--help`).
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "LOYALTY_PROVIDER",
        "ergo (default), bonusmoney, loyalclient or manzana",
    ),
    (
        "ERGO_BASE_URL",
        "ERGO API base URL; unset: start the ERGO sandbox in process",
    ),
    (
        "BONUSMONEY_BASE_URL",
        "BonusMoney API base URL; unset: start its sandbox in process",
    ),
    (
        "BONUSMONEY_API_KEY",
        "BonusMoney API key (required with BONUSMONEY_BASE_URL)",
    ),
    (
        "LOYALCLIENT_BASE_URL",
        "LoyalClient API base URL; unset: start its sandbox in process",
    ),
    (
        "LOYALCLIENT_API_KEY",
        "LoyalClient API key (required with LOYALCLIENT_BASE_URL)",
    ),
    (
        "LOYALCLIENT_POINT",
        "LoyalClient sales point id (required with LOYALCLIENT_BASE_URL)",
    ),
    (
        "MANZANA_CUSTOMER_URL",
        "Manzana Customer office URL; unset: start its sandbox in process",
    ),
    (
        "MANZANA_MANAGER_URL",
        "Manzana Manager office URL (required with MANZANA_CUSTOMER_URL)",
    ),
    (
        "MANZANA_ADMIN_URL",
        "Manzana Administrator office URL (optional)",
    ),
    (
        "MANZANA_PARTNER_ID",
        "Manzana partner id (required with MANZANA_CUSTOMER_URL)",
    ),
    (
        "MANZANA_MANAGER_LOGIN",
        "Manzana manager login (with MANZANA_CUSTOMER_URL: this and the password, or MANZANA_MANAGER_SESSION)",
    ),
    (
        "MANZANA_MANAGER_PASSWORD",
        "Manzana manager password (required with MANZANA_MANAGER_LOGIN)",
    ),
    (
        "MANZANA_MANAGER_SESSION",
        "a fixed Manzana manager session issued by the vendor (instead of a login and password)",
    ),
    (
        "MANZANA_ADMIN_SESSION",
        "Manzana administrator session (with MANZANA_ADMIN_URL: cheque lines read as administrator)",
    ),
    (
        "TELEGRAM_BOT_TOKEN",
        "serve Telegram (with any messenger set, the console is off)",
    ),
    (
        "TELEGRAM_API_URL",
        "Bot API base URL (default https://api.telegram.org)",
    ),
    (
        "TELEGRAM_WEBHOOK_URL",
        "Telegram webhook mode: the public URL (long polling when unset)",
    ),
    (
        "TELEGRAM_WEBHOOK_SECRET",
        "Telegram webhook mode: the secret it sends back (required with the URL; 32+ characters)",
    ),
    ("MAX_BOT_TOKEN", "serve MAX with this token"),
    (
        "MAX_API_URL",
        "MAX API base URL (default https://platform-api2.max.ru)",
    ),
    (
        "MAX_WEBHOOK_URL",
        "MAX webhook mode: the public URL (long polling when unset)",
    ),
    (
        "MAX_WEBHOOK_SECRET",
        "MAX webhook mode: the secret it sends back (required with the URL; 32+ characters)",
    ),
    (
        "VIBER_AUTH_TOKEN",
        "serve Viber with this token (webhook only: Viber has no polling)",
    ),
    (
        "VIBER_API_URL",
        "Viber API base URL (default https://chatapi.viber.com/pa)",
    ),
    (
        "VIBER_WEBHOOK_URL",
        "the public URL Viber posts to (required with VIBER_AUTH_TOKEN)",
    ),
    (
        "VIBER_SENDER_NAME",
        "sender name of Viber messages (default: the programme's name)",
    ),
    (
        "BOT_LISTEN_ADDR",
        "HTTP listener for webhooks and notifications (default 127.0.0.1:8080)",
    ),
    (
        "TELEGRAM_RATE_LIMIT",
        "Telegram messages per second over all chats, or off (default 30, the platform's limit)",
    ),
    (
        "MAX_RATE_LIMIT",
        "MAX messages per second over all chats, or off (default: the platform's limit)",
    ),
    (
        "VIBER_RATE_LIMIT",
        "Viber messages per second over all chats, or off (default: the platform's limit)",
    ),
    (
        "DATABASE_URL",
        "sqlite:loyalty-bot.db (default) or postgres://user:pass@host/db",
    ),
    (
        "SANDBOX_LATENCY_MS",
        "the in-process ERGO sandbox answers each call after this many milliseconds (load tests; default 0)",
    ),
    (
        "BOT_LANG",
        "uk or ru: every new chat's language; unset: the user's own (uk/ru) where the messenger says, else the programme's market's (ERGO uk; BonusMoney, Manzana, LoyalClient ru)",
    ),
    (
        "BOT_CURRENCY",
        "currency of sums: UAH, RUB or a symbol such as \u{20b8} (default: the programme's, \u{20b4} for ERGO, \u{20bd} for the others)",
    ),
    (
        "BOT_TEXTS_FILE",
        "JSON file overriding texts: {\"uk\": {\"key\": \"text\"}, \"ru\": {...}}",
    ),
    (
        "NOTIFY_SECRET",
        "shared secret of the purchase-notification endpoint (off when unset; 32+ characters)",
    ),
    (
        "CODES_CHANNELS",
        "LoyalClient log-in codes: channels in the order tried, of sms, chat (a chat already logged in with that phone) and email (default sms,chat)",
    ),
    (
        "CODES_PEPPER",
        "secret the codes are hashed with (32+ characters; required with a real LoyalClient server to send codes; the offline demo uses a public one and says so)",
    ),
    (
        "SMSRU_API_ID",
        "SMS.ru api_id for the sms channel (required with CODES_PEPPER and sms; unset offline: an SMS.ru sandbox in process)",
    ),
    ("SMSRU_SENDER", "SMS.ru approved sender name (optional)"),
    ("SMSRU_BASE_URL", "SMS.ru base URL (default https://sms.ru)"),
    (
        "SMTP_HOST",
        "SMTP server of the email channel (required when CODES_CHANNELS has email)",
    ),
    (
        "SMTP_PORT",
        "SMTP port (default 465 with tls, 587 with starttls, 25 with plain)",
    ),
    (
        "SMTP_SECURITY",
        "tls, starttls (default) or plain (a relay on loopback only)",
    ),
    (
        "SMTP_FROM",
        "sender address of code e-mails, e.g. Coffee <codes@coffee.example> (required with SMTP_HOST)",
    ),
    ("SMTP_USER", "SMTP login (optional; with SMTP_PASSWORD)"),
    ("SMTP_PASSWORD", "SMTP password (with SMTP_USER)"),
];

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

    /// Reads variables through `get` (tests pass a map). Empty values count as unset.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let provider = match get("LOYALTY_PROVIDER").as_deref().map(str::trim) {
            None => ProviderKind::Ergo,
            Some(v) if v.eq_ignore_ascii_case("ergo") => ProviderKind::Ergo,
            Some(v) if v.eq_ignore_ascii_case("bonusmoney") => ProviderKind::BonusMoney,
            Some(v) if v.eq_ignore_ascii_case("loyalclient") => ProviderKind::LoyalClient,
            Some(v) if v.eq_ignore_ascii_case("manzana") => ProviderKind::Manzana,
            Some(v) => {
                return Err(err(
                    "LOYALTY_PROVIDER",
                    format!(
                        "unknown provider {v:?} (use ergo, bonusmoney, loyalclient or manzana)"
                    ),
                ));
            }
        };
        let loyalty = match provider {
            ProviderKind::Ergo => match get("ERGO_BASE_URL") {
                None => LoyaltyTarget::Sandbox,
                Some(u) => LoyaltyTarget::Remote {
                    base_url: parse_url("ERGO_BASE_URL", &u)?,
                    api_key: None,
                },
            },
            ProviderKind::BonusMoney => match get("BONUSMONEY_BASE_URL") {
                None => LoyaltyTarget::Sandbox,
                Some(u) => LoyaltyTarget::Remote {
                    base_url: parse_url("BONUSMONEY_BASE_URL", &u)?,
                    api_key: Some(SecretString::from(get("BONUSMONEY_API_KEY").ok_or_else(
                        || {
                            err(
                                "BONUSMONEY_API_KEY",
                                "required when BONUSMONEY_BASE_URL is set",
                            )
                        },
                    )?)),
                },
            },
            ProviderKind::LoyalClient => match get("LOYALCLIENT_BASE_URL") {
                None => LoyaltyTarget::Sandbox,
                Some(u) => LoyaltyTarget::LoyalClient {
                    base_url: parse_url("LOYALCLIENT_BASE_URL", &u)?,
                    api_key: SecretString::from(required(
                        &get,
                        "LOYALCLIENT_API_KEY",
                        "LOYALCLIENT_BASE_URL",
                    )?),
                    point: required(&get, "LOYALCLIENT_POINT", "LOYALCLIENT_BASE_URL")?,
                },
            },
            ProviderKind::Manzana => match get("MANZANA_CUSTOMER_URL") {
                None => LoyaltyTarget::Sandbox,
                Some(u) => LoyaltyTarget::Manzana {
                    customer_url: parse_url("MANZANA_CUSTOMER_URL", &u)?,
                    manager_url: parse_url(
                        "MANZANA_MANAGER_URL",
                        &required(&get, "MANZANA_MANAGER_URL", "MANZANA_CUSTOMER_URL")?,
                    )?,
                    admin_url: get("MANZANA_ADMIN_URL")
                        .map(|u| parse_url("MANZANA_ADMIN_URL", &u))
                        .transpose()?,
                    partner_id: required(&get, "MANZANA_PARTNER_ID", "MANZANA_CUSTOMER_URL")?,
                    login: match get("MANZANA_MANAGER_LOGIN") {
                        Some(l) => Some((
                            l,
                            SecretString::from(required(
                                &get,
                                "MANZANA_MANAGER_PASSWORD",
                                "MANZANA_MANAGER_LOGIN",
                            )?),
                        )),
                        None if get("MANZANA_MANAGER_SESSION").is_some() => None,
                        None => {
                            return Err(err(
                                "MANZANA_MANAGER_LOGIN",
                                "required with MANZANA_CUSTOMER_URL unless MANZANA_MANAGER_SESSION is set",
                            ));
                        }
                    },
                    manager_session: get("MANZANA_MANAGER_SESSION").map(SecretString::from),
                    admin_session: get("MANZANA_ADMIN_SESSION").map(SecretString::from),
                },
            },
        };
        let max = match get("MAX_BOT_TOKEN") {
            None => {
                for var in ["MAX_WEBHOOK_URL", "MAX_WEBHOOK_SECRET", "MAX_API_URL"] {
                    if get(var).is_some() {
                        return Err(err(var, "set, but MAX_BOT_TOKEN is not"));
                    }
                }
                None
            }
            Some(token) => Some(MaxConfig {
                token: SecretString::from(token),
                api_url: get("MAX_API_URL")
                    .map(|u| parse_url("MAX_API_URL", &u))
                    .transpose()?,
                webhook: webhook_pair(&get, "MAX_WEBHOOK_URL", "MAX_WEBHOOK_SECRET")?,
            }),
        };
        let viber = match get("VIBER_AUTH_TOKEN") {
            None => {
                for var in ["VIBER_WEBHOOK_URL", "VIBER_API_URL", "VIBER_SENDER_NAME"] {
                    if get(var).is_some() {
                        return Err(err(var, "set, but VIBER_AUTH_TOKEN is not"));
                    }
                }
                None
            }
            Some(token) => {
                let url = required(&get, "VIBER_WEBHOOK_URL", "VIBER_AUTH_TOKEN")?;
                let webhook_url = parse_url("VIBER_WEBHOOK_URL", &url)?;
                if webhook_url.scheme() != "https" {
                    return Err(err("VIBER_WEBHOOK_URL", "Viber only calls https webhooks"));
                }
                let sender_name = get("VIBER_SENDER_NAME").unwrap_or_else(|| match provider {
                    ProviderKind::Ergo => "ERGO CLUB".to_owned(),
                    ProviderKind::BonusMoney => "BonusMoney".to_owned(),
                    ProviderKind::LoyalClient => "LoyalClient".to_owned(),
                    ProviderKind::Manzana => "Manzana".to_owned(),
                });
                if sender_name.chars().count() > 28 {
                    return Err(err("VIBER_SENDER_NAME", "at most 28 characters"));
                }
                Some(ViberConfig {
                    token: SecretString::from(token),
                    api_url: get("VIBER_API_URL")
                        .map(|u| parse_url("VIBER_API_URL", &u))
                        .transpose()?,
                    webhook_url,
                    sender_name,
                })
            }
        };
        let telegram = match get("TELEGRAM_BOT_TOKEN") {
            None => {
                for var in ["TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET"] {
                    if get(var).is_some() {
                        return Err(err(var, "set, but TELEGRAM_BOT_TOKEN is not"));
                    }
                }
                None
            }
            Some(token) => {
                if !token.contains(':') {
                    return Err(err(
                        "TELEGRAM_BOT_TOKEN",
                        "does not look like a bot token (<id>:<secret>)",
                    ));
                }
                let api_url = match get("TELEGRAM_API_URL") {
                    Some(u) => parse_url("TELEGRAM_API_URL", &u)?,
                    None => parse_url("TELEGRAM_API_URL", "https://api.telegram.org")?,
                };
                let webhook = match (get("TELEGRAM_WEBHOOK_URL"), get("TELEGRAM_WEBHOOK_SECRET")) {
                    (None, None) => None,
                    (Some(u), Some(s)) => {
                        let url = parse_url("TELEGRAM_WEBHOOK_URL", &u)?;
                        if url.scheme() != "https" {
                            return Err(err(
                                "TELEGRAM_WEBHOOK_URL",
                                "Telegram only calls https webhooks",
                            ));
                        }
                        if s.len() > 256
                            || !s
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                        {
                            return Err(err(
                                "TELEGRAM_WEBHOOK_SECRET",
                                "1-256 characters of A-Z, a-z, 0-9, _ and - only",
                            ));
                        }
                        Some((url, strong_secret("TELEGRAM_WEBHOOK_SECRET", s)?))
                    }
                    (Some(_), None) => {
                        return Err(err(
                            "TELEGRAM_WEBHOOK_SECRET",
                            "required with TELEGRAM_WEBHOOK_URL",
                        ));
                    }
                    (None, Some(_)) => {
                        return Err(err(
                            "TELEGRAM_WEBHOOK_URL",
                            "required with TELEGRAM_WEBHOOK_SECRET",
                        ));
                    }
                };
                Some(TelegramConfig {
                    token: SecretString::from(token),
                    api_url,
                    webhook,
                })
            }
        };
        let listen_addr = get("BOT_LISTEN_ADDR")
            .as_deref()
            .unwrap_or("127.0.0.1:8080")
            .trim()
            .parse()
            .map_err(|_| {
                err(
                    "BOT_LISTEN_ADDR",
                    "not a socket address such as 127.0.0.1:8080",
                )
            })?;
        let database_url =
            get("DATABASE_URL").unwrap_or_else(|| "sqlite:loyalty-bot.db".to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("postgresql:"))
        {
            return Err(err("DATABASE_URL", "must start with sqlite: or postgres:"));
        }
        let lang = match get("BOT_LANG") {
            None => None,
            Some(v) => Some(Lang::parse(&v).ok_or_else(|| {
                err("BOT_LANG", format!("unknown language {v:?} (use uk or ru)"))
            })?),
        };
        let currency = match get("BOT_CURRENCY") {
            None => None,
            Some(v) => Some(Currency::parse(&v).ok_or_else(|| {
                err(
                    "BOT_CURRENCY",
                    format!(
                        "unknown currency {v:?} (use UAH, RUB or a symbol of up to 4 characters)"
                    ),
                )
            })?),
        };
        let notify_secret = get("NOTIFY_SECRET")
            .map(|s| strong_secret("NOTIFY_SECRET", s))
            .transpose()?;
        let codes = crate::codes::CodesConfig::from_lookup(
            &get,
            matches!(loyalty, LoyaltyTarget::Sandbox),
        )?;
        let config = Self {
            codes,
            panel: crate::panel::PanelSettings::from_vars(get)?,
            provider,
            loyalty,
            telegram,
            max,
            viber,
            listen_addr,
            database_url,
            lang,
            currency,
            texts_file: get("BOT_TEXTS_FILE"),
            notify_secret,
            telegram_rate: send_limit("TELEGRAM_RATE_LIMIT", get("TELEGRAM_RATE_LIMIT"))?,
            max_rate: send_limit("MAX_RATE_LIMIT", get("MAX_RATE_LIMIT"))?,
            viber_rate: send_limit("VIBER_RATE_LIMIT", get("VIBER_RATE_LIMIT"))?,
            sandbox_latency: match get("SANDBOX_LATENCY_MS") {
                None => std::time::Duration::ZERO,
                Some(v) => std::time::Duration::from_millis(v.trim().parse().map_err(|_| {
                    err(
                        "SANDBOX_LATENCY_MS",
                        format!("not a number of milliseconds: {v:?}"),
                    )
                })?),
            },
        };
        config.check_paths()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn sandbox_latency_is_read_in_milliseconds() {
        assert_eq!(cfg(&[]).unwrap().sandbox_latency, std::time::Duration::ZERO);
        let c = cfg(&[("SANDBOX_LATENCY_MS", "200")]).unwrap();
        assert_eq!(c.sandbox_latency, std::time::Duration::from_millis(200));
        let e = cfg(&[("SANDBOX_LATENCY_MS", "fast")]).unwrap_err();
        assert_eq!(e.var, "SANDBOX_LATENCY_MS");
    }

    #[test]
    fn nothing_set_means_offline() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.provider, ProviderKind::Ergo);
        assert!(matches!(c.loyalty, LoyaltyTarget::Sandbox));
        assert!(c.telegram.is_none());
        assert_eq!(c.database_url, "sqlite:loyalty-bot.db");
        assert_eq!(c.lang, None);
        assert_eq!(c.currency, None);
        assert_eq!(c.listen_addr.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn full_configuration() {
        let c = cfg(&[
            ("LOYALTY_PROVIDER", "BonusMoney"),
            ("BONUSMONEY_BASE_URL", "https://bm-app.com"),
            ("BONUSMONEY_API_KEY", "key-SECRET"),
            ("TELEGRAM_BOT_TOKEN", "123:tok-SECRET"),
            ("TELEGRAM_WEBHOOK_URL", "https://bot.example.com/tg"),
            (
                "TELEGRAM_WEBHOOK_SECRET",
                "hook_SECRET-1-0123456789abcdefghijkl",
            ),
            ("BOT_LISTEN_ADDR", "0.0.0.0:9000"),
            ("DATABASE_URL", "postgres://u:p@db/bot"),
            ("BOT_LANG", "ru"),
            ("BOT_CURRENCY", "KZT"),
        ])
        .unwrap();
        assert_eq!(c.provider, ProviderKind::BonusMoney);
        assert!(
            matches!(&c.loyalty, LoyaltyTarget::Remote { base_url, api_key: Some(_) } if base_url.as_str() == "https://bm-app.com/")
        );
        let tg = c.telegram.as_ref().unwrap();
        assert_eq!(tg.api_url.as_str(), "https://api.telegram.org/");
        assert!(tg.webhook.is_some());
        assert_eq!(c.lang, Some(Lang::Ru));
        assert_eq!(c.currency.as_ref().map(Currency::symbol), Some("KZT"));
        let dbg = format!("{c:?}");
        for secret in ["key-SECRET", "tok-SECRET", "hook_SECRET"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn several_messengers_and_other_providers() {
        let c = cfg(&[
            ("LOYALTY_PROVIDER", "manzana"),
            (
                "MANZANA_CUSTOMER_URL",
                "https://m.example/CustomerOfficeService",
            ),
            (
                "MANZANA_MANAGER_URL",
                "https://m.example/ManagerOfficeService",
            ),
            ("MANZANA_PARTNER_ID", "p-1"),
            ("MANZANA_MANAGER_LOGIN", "bot"),
            ("MANZANA_MANAGER_PASSWORD", "pw-SECRET"),
            ("TELEGRAM_BOT_TOKEN", "1:tg-SECRET"),
            ("MAX_BOT_TOKEN", "max-SECRET"),
            ("MAX_WEBHOOK_URL", "https://bot.example/max"),
            ("MAX_WEBHOOK_SECRET", "mx-SECRET-0123456789abcdefghijklmnop"),
            ("VIBER_AUTH_TOKEN", "vb-SECRET"),
            ("VIBER_WEBHOOK_URL", "https://bot.example/viber"),
        ])
        .unwrap();
        assert_eq!(c.provider, ProviderKind::Manzana);
        assert!(
            matches!(&c.loyalty, LoyaltyTarget::Manzana { partner_id, .. } if partner_id == "p-1")
        );
        assert!(c.has_messenger());
        assert!(c.telegram.is_some());
        assert_eq!(
            c.max.as_ref().unwrap().webhook.as_ref().unwrap().0.path(),
            "/max"
        );
        assert_eq!(c.viber.as_ref().unwrap().sender_name, "Manzana");
        let dbg = format!("{c:?}");
        for secret in [
            "pw-SECRET",
            "tg-SECRET",
            "max-SECRET",
            "mx-SECRET",
            "vb-SECRET",
        ] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
        let c = cfg(&[("LOYALTY_PROVIDER", "loyalclient")]).unwrap();
        assert!(matches!(c.loyalty, LoyaltyTarget::Sandbox));
        assert!(!c.has_messenger());
    }

    #[test]
    fn wrong_values_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("LOYALTY_PROVIDER", "acme")],
                "LOYALTY_PROVIDER: unknown provider \"acme\" (use ergo, bonusmoney, loyalclient or manzana)",
            ),
            (
                &[("ERGO_BASE_URL", "not a url")],
                "ERGO_BASE_URL: not a URL (relative URL without a base)",
            ),
            (
                &[
                    ("LOYALTY_PROVIDER", "bonusmoney"),
                    ("BONUSMONEY_BASE_URL", "https://x"),
                ],
                "BONUSMONEY_API_KEY: required when BONUSMONEY_BASE_URL is set",
            ),
            (
                &[("TELEGRAM_BOT_TOKEN", "nocolon")],
                "TELEGRAM_BOT_TOKEN: does not look like a bot token (<id>:<secret>)",
            ),
            (
                &[
                    ("TELEGRAM_BOT_TOKEN", "1:a"),
                    ("TELEGRAM_WEBHOOK_URL", "https://x/"),
                ],
                "TELEGRAM_WEBHOOK_SECRET: required with TELEGRAM_WEBHOOK_URL",
            ),
            (
                &[
                    ("TELEGRAM_BOT_TOKEN", "1:a"),
                    ("TELEGRAM_WEBHOOK_URL", "http://x/"),
                    ("TELEGRAM_WEBHOOK_SECRET", LONG_SECRET),
                ],
                "TELEGRAM_WEBHOOK_URL: Telegram only calls https webhooks",
            ),
            (
                &[("TELEGRAM_WEBHOOK_URL", "https://x/")],
                "TELEGRAM_WEBHOOK_URL: set, but TELEGRAM_BOT_TOKEN is not",
            ),
            (
                &[("BOT_LISTEN_ADDR", "localhost")],
                "BOT_LISTEN_ADDR: not a socket address such as 127.0.0.1:8080",
            ),
            (
                &[("DATABASE_URL", "mysql://x")],
                "DATABASE_URL: must start with sqlite: or postgres:",
            ),
            (
                &[("BOT_LANG", "en")],
                "BOT_LANG: unknown language \"en\" (use uk or ru)",
            ),
            (
                &[("BOT_CURRENCY", "dollars")],
                "BOT_CURRENCY: unknown currency \"dollars\" (use UAH, RUB or a symbol of up to 4 characters)",
            ),
            (
                &[("MAX_WEBHOOK_URL", "https://x/")],
                "MAX_WEBHOOK_URL: set, but MAX_BOT_TOKEN is not",
            ),
            (
                &[("MAX_BOT_TOKEN", "t"), ("MAX_WEBHOOK_URL", "https://x/")],
                "MAX_WEBHOOK_SECRET: required with MAX_WEBHOOK_URL",
            ),
            (
                &[("VIBER_AUTH_TOKEN", "t")],
                "VIBER_WEBHOOK_URL: required when VIBER_AUTH_TOKEN is set",
            ),
            (
                &[
                    ("LOYALTY_PROVIDER", "loyalclient"),
                    ("LOYALCLIENT_BASE_URL", "https://x/"),
                ],
                "LOYALCLIENT_API_KEY: required when LOYALCLIENT_BASE_URL is set",
            ),
        ];
        for (vars, want) in cases {
            assert_eq!(cfg(vars).unwrap_err().to_string(), *want);
        }
    }

    const LONG_SECRET: &str = "0123456789abcdefghijklmnopqrstuv";

    #[test]
    fn short_secrets_are_refused() {
        let short = &LONG_SECRET[..31];
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[
                    ("TELEGRAM_BOT_TOKEN", "1:a"),
                    ("TELEGRAM_WEBHOOK_URL", "https://x/tg"),
                    ("TELEGRAM_WEBHOOK_SECRET", short),
                ],
                "TELEGRAM_WEBHOOK_SECRET: too short: use at least 32 random characters",
            ),
            (
                &[
                    ("MAX_BOT_TOKEN", "t"),
                    ("MAX_WEBHOOK_URL", "https://x/max"),
                    ("MAX_WEBHOOK_SECRET", short),
                ],
                "MAX_WEBHOOK_SECRET: too short: use at least 32 random characters",
            ),
            (
                &[("NOTIFY_SECRET", short)],
                "NOTIFY_SECRET: too short: use at least 32 random characters",
            ),
        ];
        for (vars, want) in cases {
            assert_eq!(cfg(vars).unwrap_err().to_string(), *want);
        }
        // 32 characters are enough.
        let c = cfg(&[("NOTIFY_SECRET", LONG_SECRET)]).unwrap();
        assert!(c.notify_secret.is_some());
    }

    #[test]
    fn two_webhooks_on_one_path_are_refused() {
        let err = cfg(&[
            ("TELEGRAM_BOT_TOKEN", "1:a"),
            ("TELEGRAM_WEBHOOK_URL", "https://bot.example/hook"),
            ("TELEGRAM_WEBHOOK_SECRET", LONG_SECRET),
            ("VIBER_AUTH_TOKEN", "vb"),
            ("VIBER_WEBHOOK_URL", "https://bot.example/hook"),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "VIBER_WEBHOOK_URL: its path /hook is already used by TELEGRAM_WEBHOOK_URL: give each webhook its own path"
        );
        // Two bare hosts get distinct default paths.
        let c = cfg(&[
            ("MAX_BOT_TOKEN", "t"),
            ("MAX_WEBHOOK_URL", "https://bot.example/"),
            ("MAX_WEBHOOK_SECRET", LONG_SECRET),
            ("VIBER_AUTH_TOKEN", "vb"),
            ("VIBER_WEBHOOK_URL", "https://bot.example"),
        ])
        .unwrap();
        assert_eq!(
            c.webhook_paths(),
            vec![
                ("MAX_WEBHOOK_URL", "/webhook/max".to_owned()),
                ("VIBER_WEBHOOK_URL", "/webhook/viber".to_owned()),
            ]
        );
        // The notification endpoint's path is taken too.
        let err = cfg(&[
            ("NOTIFY_SECRET", LONG_SECRET),
            ("VIBER_AUTH_TOKEN", "vb"),
            ("VIBER_WEBHOOK_URL", "https://bot.example/notify/purchase"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("already used by NOTIFY_SECRET"),
            "{err}"
        );
    }

    #[test]
    fn rate_limits_per_messenger() {
        let c = cfg(&[("TELEGRAM_RATE_LIMIT", "off"), ("MAX_RATE_LIMIT", "5")]).unwrap();
        assert_eq!(c.telegram_rate, SendLimit::Off);
        assert_eq!(
            c.max_rate,
            SendLimit::PerSecond(std::num::NonZeroU32::new(5).unwrap())
        );
        assert_eq!(c.viber_rate, SendLimit::Platform);
        let e = cfg(&[("VIBER_RATE_LIMIT", "fast")]).unwrap_err();
        assert_eq!(e.var, "VIBER_RATE_LIMIT");
        assert!(cfg(&[("TELEGRAM_RATE_LIMIT", "0")]).is_err());
    }
}
