//! Reading the configuration from variables.

use loyalty_core::SecretString;

use super::{
    Config, ConfigError, LoyaltyTarget, MaxConfig, ProviderKind, TelegramConfig, ViberConfig, err,
    parse_url, required, send_limit, strong_secret, webhook_pair,
};
use crate::format::Currency;
use crate::texts::Lang;

impl Config {
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
                    delete_endpoint: get("MANZANA_DELETE_ENDPOINT")
                        .map(|v| manzana_endpoint("MANZANA_DELETE_ENDPOINT", &v))
                        .transpose()?,
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
                for var in [
                    "VIBER_WEBHOOK_URL",
                    "VIBER_API_URL",
                    "VIBER_SENDER_NAME",
                    "VIBER_BROADCAST_API",
                ] {
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
                    broadcast_api: match get("VIBER_BROADCAST_API").as_deref() {
                        None => false,
                        Some(v) if v.eq_ignore_ascii_case("on") => true,
                        Some(v) if v.eq_ignore_ascii_case("off") => false,
                        Some(_) => return Err(err("VIBER_BROADCAST_API", "on or off")),
                    },
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
        let dialogue = super::DialogueSettings::from_vars(&get)?;
        let config = Self {
            codes,
            dialogue,
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
            code_budget: match get("CODE_BUDGET") {
                None => crate::engine::CodeBudget::default(),
                Some(v) => code_budget(&v)?,
            },
        };
        config.check_paths()?;
        Ok(config)
    }
}

/// `CODE_BUDGET`: `<per phone>/<per chat>`, codes in an hour, each at least 1.
fn code_budget(value: &str) -> Result<crate::engine::CodeBudget, ConfigError> {
    let bad = || {
        err(
            "CODE_BUDGET",
            format!("{value:?} is not <codes per phone>/<codes per chat> (such as 5/10)"),
        )
    };
    let (phone, chat) = value.trim().split_once('/').ok_or_else(bad)?;
    let count = |s: &str| {
        s.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(bad)
    };
    Ok(crate::engine::CodeBudget {
        per_phone: count(phone)?,
        per_chat: count(chat)?,
        ..crate::engine::CodeBudget::default()
    })
}

/// A tenant endpoint of Manzana: `manager:<path>` or `admin:<path>` (`manager:Contact/Delete`).
fn manzana_endpoint(
    var: &'static str,
    value: &str,
) -> Result<loyalty_manzana::CustomEndpoint, ConfigError> {
    use loyalty_manzana::{CustomEndpoint, Service};
    let (service, path) = value.split_once(':').unwrap_or(("", ""));
    let path = path.trim().trim_start_matches('/');
    let service = match service.trim() {
        "manager" => Service::Manager,
        "admin" => Service::Admin,
        _ => return Err(err(var, "must be manager:<path> or admin:<path>")),
    };
    if path.is_empty() || path.contains(char::is_whitespace) {
        return Err(err(var, "must be manager:<path> or admin:<path>"));
    }
    Ok(CustomEndpoint::new(service, path))
}
