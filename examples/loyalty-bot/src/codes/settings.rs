//! The verification-code settings read from the configuration.

use std::fmt;

use loyalty_codes::channels::SmtpSecurity;
use loyalty_core::SecretString;
use url::Url;

use super::CHAT_CHANNEL;
use crate::config::{ConfigError, MIN_SECRET_LEN};

/// A channel a programme may list in `CODES_CHANNELS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// SMS through SMS.ru (`sms`).
    Sms,
    /// E-mail over SMTP (`email`).
    Email,
    /// A message to a chat of the customer already logged in (`chat`).
    Chat,
}

impl ChannelKind {
    /// The id in `CODES_CHANNELS` and in loyalty-codes' channel order.
    pub fn id(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Email => "email",
            Self::Chat => CHAT_CHANNEL,
        }
    }
}

/// Where SMS go.
#[derive(Clone)]
pub enum SmsTarget {
    /// The SMS.ru sandbox in process (offline demo): nothing leaves the machine.
    Sandbox,
    /// SMS.ru.
    SmsRu {
        /// `SMSRU_API_ID`.
        api_id: SecretString,
        /// `SMSRU_SENDER`: an approved sender name.
        sender: Option<String>,
        /// `SMSRU_BASE_URL` (default `https://sms.ru`).
        base_url: Option<Url>,
    },
}

/// The SMTP settings of the e-mail channel.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `SMTP_HOST`.
    pub host: String,
    /// `SMTP_PORT` (default by security: 465, 587, 25).
    pub port: Option<u16>,
    /// `SMTP_FROM`: `Coffee <codes@coffee.example>`.
    pub from: String,
    /// `SMTP_USER` and `SMTP_PASSWORD`.
    pub credentials: Option<(String, SecretString)>,
    /// `SMTP_SECURITY`: `tls`, `starttls` (default) or `plain` (loopback relays only).
    pub security: SmtpSecurity,
}

/// The verification-code settings (`CODES_*`, `SMSRU_*`, `SMTP_*`).
#[derive(Clone)]
pub struct CodesConfig {
    /// Whether the bot sends codes of its own (LoyalClient log-in, spending at the till): always
    /// in the offline demo; with a real server once `CODES_PEPPER` or `CODES_CHANNELS` is set.
    pub enabled: bool,
    /// `CODES_CHANNELS`: the order channels are tried in (default `sms,chat`).
    pub channels: Vec<ChannelKind>,
    /// `CODES_PEPPER`: the server-side secret codes are hashed with (32+ characters); `None`
    /// only in the offline demo, which then uses [`DEMO_PEPPER`](super::DEMO_PEPPER).
    pub pepper: Option<SecretString>,
    /// Where SMS go, when `sms` is a channel.
    pub sms: Option<SmsTarget>,
    /// SMTP, when `email` is a channel.
    pub smtp: Option<SmtpSettings>,
}

impl fmt::Debug for CodesConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CodesConfig")
            .field("enabled", &self.enabled)
            .field("channels", &self.channels)
            .field("pepper", &self.pepper.as_ref().map(|_| "[REDACTED]"))
            .field(
                "sms",
                &self.sms.as_ref().map(|s| match s {
                    SmsTarget::Sandbox => "sandbox".to_owned(),
                    SmsTarget::SmsRu { sender, .. } => {
                        format!("sms.ru (api_id [REDACTED], sender {sender:?})")
                    }
                }),
            )
            .field(
                "smtp",
                &self
                    .smtp
                    .as_ref()
                    .map(|s| format!("{}:{:?} from {}", s.host, s.port, s.from)),
            )
            .finish()
    }
}

fn cerr(var: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var,
        problem: problem.into(),
    }
}

impl CodesConfig {
    /// Reads the code settings through `get` (empty values already count as unset). `offline`:
    /// the loyalty programme is an in-process sandbox.
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        offline: bool,
    ) -> Result<Self, ConfigError> {
        let channels = match get("CODES_CHANNELS") {
            None => vec![ChannelKind::Sms, ChannelKind::Chat],
            Some(list) => {
                let mut out = Vec::new();
                for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    let kind = match name.to_ascii_lowercase().as_str() {
                        "sms" => ChannelKind::Sms,
                        "email" => ChannelKind::Email,
                        "chat" => ChannelKind::Chat,
                        other => {
                            return Err(cerr(
                                "CODES_CHANNELS",
                                format!("unknown channel {other:?} (use sms, email and chat)"),
                            ));
                        }
                    };
                    if out.contains(&kind) {
                        return Err(cerr("CODES_CHANNELS", format!("{name} is listed twice")));
                    }
                    out.push(kind);
                }
                if out.is_empty() {
                    return Err(cerr("CODES_CHANNELS", "lists no channel"));
                }
                out
            }
        };
        let pepper = match get("CODES_PEPPER") {
            None => None,
            Some(p) if p.chars().count() < MIN_SECRET_LEN => {
                return Err(cerr(
                    "CODES_PEPPER",
                    format!("too short: use at least {MIN_SECRET_LEN} random characters"),
                ));
            }
            Some(p) => Some(SecretString::from(p)),
        };
        let enabled = offline || pepper.is_some() || get("CODES_CHANNELS").is_some();
        if enabled && !offline && pepper.is_none() {
            return Err(cerr(
                "CODES_PEPPER",
                format!(
                    "required to send verification codes ({MIN_SECRET_LEN}+ random characters, kept out of the database)"
                ),
            ));
        }
        let sms = if channels.contains(&ChannelKind::Sms) {
            match get("SMSRU_API_ID") {
                Some(api_id) => Some(SmsTarget::SmsRu {
                    api_id: SecretString::from(api_id),
                    sender: get("SMSRU_SENDER"),
                    base_url: get("SMSRU_BASE_URL")
                        .map(|u| {
                            Url::parse(u.trim())
                                .map_err(|e| cerr("SMSRU_BASE_URL", format!("not a URL ({e})")))
                        })
                        .transpose()?,
                }),
                None if offline || !enabled => Some(SmsTarget::Sandbox),
                None => {
                    return Err(cerr("SMSRU_API_ID", "required when CODES_CHANNELS has sms"));
                }
            }
        } else {
            None
        };
        let smtp = match (channels.contains(&ChannelKind::Email), get("SMTP_HOST")) {
            (true, Some(host)) => Some(SmtpSettings {
                host,
                port: get("SMTP_PORT")
                    .map(|p| {
                        p.trim()
                            .parse::<u16>()
                            .map_err(|_| cerr("SMTP_PORT", format!("not a port number: {p:?}")))
                    })
                    .transpose()?,
                from: get("SMTP_FROM")
                    .ok_or_else(|| cerr("SMTP_FROM", "required when SMTP_HOST is set"))?,
                credentials: match (get("SMTP_USER"), get("SMTP_PASSWORD")) {
                    (Some(u), Some(p)) => Some((u, SecretString::from(p))),
                    (None, None) => None,
                    (Some(_), None) => {
                        return Err(cerr("SMTP_PASSWORD", "required with SMTP_USER"));
                    }
                    (None, Some(_)) => {
                        return Err(cerr("SMTP_USER", "required with SMTP_PASSWORD"));
                    }
                },
                security: match get("SMTP_SECURITY").as_deref().map(str::trim) {
                    None | Some("starttls") => SmtpSecurity::StartTls,
                    Some("tls") => SmtpSecurity::Tls,
                    Some("plain") => SmtpSecurity::PlainDangerous,
                    Some(other) => {
                        return Err(cerr(
                            "SMTP_SECURITY",
                            format!("unknown value {other:?} (use tls, starttls or plain)"),
                        ));
                    }
                },
            }),
            (true, None) => {
                return Err(cerr("SMTP_HOST", "required when CODES_CHANNELS has email"));
            }
            (false, Some(_)) => {
                return Err(cerr("SMTP_HOST", "set, but CODES_CHANNELS has no email"));
            }
            (false, None) => None,
        };
        Ok(Self {
            enabled,
            channels,
            pepper,
            sms,
            smtp,
        })
    }
}
