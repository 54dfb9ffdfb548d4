//! Configuration from environment variables. Every variable is optional: with none set the bot
//! runs offline (in-process sandbox, console messenger, SQLite file). A wrong value fails at start
//! with one line naming the variable.

use std::fmt;
use std::net::SocketAddr;

use loyalty_core::SecretString;
use url::Url;

use crate::texts::Lang;

/// Which loyalty programme the bot serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// ERGO CLUB (sellers register sales).
    Ergo,
    /// BonusMoney (shop customers).
    BonusMoney,
}

/// Where the loyalty API is.
#[derive(Clone)]
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

/// The whole configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The loyalty programme.
    pub provider: ProviderKind,
    /// Where its API is.
    pub loyalty: LoyaltyTarget,
    /// Telegram, when `TELEGRAM_BOT_TOKEN` is set; otherwise the console messenger.
    pub telegram: Option<TelegramConfig>,
    /// Address of the HTTP listener (webhooks, purchase notifications).
    pub listen_addr: SocketAddr,
    /// Database URL.
    pub database_url: String,
    /// Default interface language.
    pub lang: Lang,
    /// Path of a JSON file overriding texts.
    pub texts_file: Option<String>,
    /// Shared secret of the purchase-notification endpoint (`NOTIFY_SECRET`); the endpoint is off
    /// without it unless the sandbox runs in process (then a random one is made).
    pub notify_secret: Option<SecretString>,
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

fn err(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

/// The variables the bot reads, with what each is for (printed by `--help`).
pub const VARIABLES: &[(&str, &str)] = &[
    ("LOYALTY_PROVIDER", "ergo (default) or bonusmoney"),
    (
        "ERGO_BASE_URL",
        "ERGO API base URL; unset: start the ERGO sandbox in process",
    ),
    (
        "BONUSMONEY_BASE_URL",
        "BonusMoney API base URL; unset: start the BonusMoney sandbox in process",
    ),
    (
        "BONUSMONEY_API_KEY",
        "BonusMoney API key (required with BONUSMONEY_BASE_URL)",
    ),
    (
        "TELEGRAM_BOT_TOKEN",
        "serve Telegram with this token instead of the console",
    ),
    (
        "TELEGRAM_API_URL",
        "Bot API base URL (default https://api.telegram.org)",
    ),
    (
        "TELEGRAM_WEBHOOK_URL",
        "webhook mode: the public URL Telegram posts to (long polling when unset)",
    ),
    (
        "TELEGRAM_WEBHOOK_SECRET",
        "webhook mode: the secret Telegram sends back (required with the URL)",
    ),
    (
        "BOT_LISTEN_ADDR",
        "address of the HTTP listener for webhooks and notifications (default 127.0.0.1:8080)",
    ),
    (
        "DATABASE_URL",
        "sqlite:loyalty-bot.db (default) or postgres://user:pass@host/db",
    ),
    ("BOT_LANG", "uk (default) or ru"),
    (
        "BOT_TEXTS_FILE",
        "JSON file overriding texts: {\"uk\": {\"key\": \"text\"}, \"ru\": {...}}",
    ),
    (
        "NOTIFY_SECRET",
        "shared secret of the purchase-notification endpoint",
    ),
];

fn parse_url(var: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value.trim()).map_err(|e| err(var, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(err(var, "must be an http or https URL"));
    }
    Ok(url)
}

impl Config {
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
            Some(v) => {
                return Err(err(
                    "LOYALTY_PROVIDER",
                    format!("unknown provider {v:?} (use ergo or bonusmoney)"),
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
                        Some((url, SecretString::from(s)))
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
            None => Lang::Uk,
            Some(v) => Lang::parse(&v)
                .ok_or_else(|| err("BOT_LANG", format!("unknown language {v:?} (use uk or ru)")))?,
        };
        Ok(Self {
            provider,
            loyalty,
            telegram,
            listen_addr,
            database_url,
            lang,
            texts_file: get("BOT_TEXTS_FILE"),
            notify_secret: get("NOTIFY_SECRET").map(SecretString::from),
        })
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
    fn nothing_set_means_offline() {
        let c = cfg(&[]).unwrap();
        assert_eq!(c.provider, ProviderKind::Ergo);
        assert!(matches!(c.loyalty, LoyaltyTarget::Sandbox));
        assert!(c.telegram.is_none());
        assert_eq!(c.database_url, "sqlite:loyalty-bot.db");
        assert_eq!(c.lang, Lang::Uk);
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
            ("TELEGRAM_WEBHOOK_SECRET", "hook_SECRET-1"),
            ("BOT_LISTEN_ADDR", "0.0.0.0:9000"),
            ("DATABASE_URL", "postgres://u:p@db/bot"),
            ("BOT_LANG", "ru"),
        ])
        .unwrap();
        assert_eq!(c.provider, ProviderKind::BonusMoney);
        assert!(
            matches!(&c.loyalty, LoyaltyTarget::Remote { base_url, api_key: Some(_) } if base_url.as_str() == "https://bm-app.com/")
        );
        let tg = c.telegram.as_ref().unwrap();
        assert_eq!(tg.api_url.as_str(), "https://api.telegram.org/");
        assert!(tg.webhook.is_some());
        assert_eq!(c.lang, Lang::Ru);
        let dbg = format!("{c:?}");
        for secret in ["key-SECRET", "tok-SECRET", "hook_SECRET"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }

    #[test]
    fn wrong_values_name_the_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (
                &[("LOYALTY_PROVIDER", "acme")],
                "LOYALTY_PROVIDER: unknown provider \"acme\" (use ergo or bonusmoney)",
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
                    ("TELEGRAM_WEBHOOK_SECRET", "s"),
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
        ];
        for (vars, want) in cases {
            assert_eq!(cfg(vars).unwrap_err().to_string(), *want);
        }
    }
}
