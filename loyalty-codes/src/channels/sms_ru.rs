//! SMS.ru (Russia): `POST https://sms.ru/sms/send` with `api_id`, `to`, `msg`, `json=1`.
//!
//! The request and answer shapes follow SMS.ru's public documentation of "sms/send" (its
//! `json=1` answer: a top-level `status`/`status_code`, then one entry per number under `sms`
//! with its own `status`, `status_code`, `sms_id` or `status_text`) and its table of answer codes.
//! See the crate README for what was confirmed and what was assumed.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use loyalty_core::http::{HttpClient, HttpOptions, Idempotency};
use loyalty_core::reqwest::Method;
use loyalty_core::reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::channel::{
    ChannelError, ChannelId, CodeChannel, Delivery, DeliveryReceipt, ProviderErrorKind,
};
use crate::channels::scrub;
use crate::error::CodeError;
use crate::recipient::Recipient;

/// The production base URL.
pub const SMS_RU_BASE_URL: &str = "https://sms.ru/";

/// One documented SMS.ru answer code of `sms/send`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmsRuStatus {
    /// The code.
    pub code: i64,
    /// What it means for a code channel.
    pub kind: ProviderErrorKind,
    /// The documented meaning, in English.
    pub meaning: &'static str,
}

/// The documented error codes of `sms/send` this channel maps (100 is success).
const STATUSES: &[(i64, ProviderErrorKind, &str)] = {
    use ProviderErrorKind::{Account, Configuration, Recipient, Unavailable};
    &[
        (200, Configuration, "wrong api_id"),
        (201, Account, "not enough funds on the account"),
        (202, Recipient, "wrong recipient number, or no route to it"),
        (203, Configuration, "no message text"),
        (204, Configuration, "sender name not approved by SMS.ru"),
        (205, Configuration, "message too long (over 8 SMS)"),
        (
            206,
            Account,
            "the daily sending limit is or would be exceeded",
        ),
        (207, Recipient, "no delivery route to this number"),
        (208, Configuration, "wrong `time` parameter"),
        (209, Recipient, "the number is on the account's stop list"),
        (210, Configuration, "GET used where POST is required"),
        (211, Configuration, "method not found"),
        (212, Configuration, "the text must be sent in UTF-8"),
        (
            213,
            Configuration,
            "more than 100 numbers in the recipient list",
        ),
        (
            220,
            Unavailable,
            "service temporarily unavailable, try a bit later",
        ),
        (
            230,
            Recipient,
            "daily limit of messages to this number exceeded",
        ),
        (
            231,
            Recipient,
            "limit of identical messages to this number per minute exceeded",
        ),
        (
            232,
            Recipient,
            "limit of identical messages to this number per day exceeded",
        ),
        (
            233,
            Recipient,
            "limit of repeated code messages to this number in a short time exceeded (fraud protection)",
        ),
        (
            300,
            Configuration,
            "wrong token (expired, or the IP changed)",
        ),
        (301, Configuration, "wrong api_id, or login/password"),
        (302, Configuration, "the account is not confirmed"),
        (500, Unavailable, "server error, repeat the request"),
    ]
};

/// The documented meaning of an SMS.ru answer code; `None` for codes this channel does not know
/// (they map to [`ProviderErrorKind::Unknown`], code kept verbatim).
pub fn sms_ru_status(code: i64) -> Option<SmsRuStatus> {
    STATUSES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|&(code, kind, meaning)| SmsRuStatus {
            code,
            kind,
            meaning,
        })
}

/// Builds an [`SmsRuChannel`].
#[derive(Debug)]
pub struct SmsRuChannelBuilder {
    api_id: SecretString,
    id: ChannelId,
    base_url: String,
    sender: Option<String>,
    test: bool,
    http: HttpOptions,
}

impl SmsRuChannelBuilder {
    /// Sets the channel id (default `sms`).
    pub fn id(mut self, id: impl Into<ChannelId>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the base URL (default `https://sms.ru/`; tests point it at a local fake).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sends `from`: a sender name approved by SMS.ru.
    pub fn sender(mut self, name: impl Into<String>) -> Self {
        self.sender = Some(name.into());
        self
    }

    /// Sends `test=1`: SMS.ru answers as for a real send but sends nothing and charges nothing.
    pub fn test_mode(mut self, on: bool) -> Self {
        self.test = on;
        self
    }

    loyalty_core::http_builder_methods!(http);

    /// Builds the channel.
    ///
    /// # Errors
    /// [`CodeError::Config`] for a bad base URL or TLS set-up failure.
    pub fn build(self) -> Result<SmsRuChannel, CodeError> {
        let http = self
            .http
            .build(&self.base_url)
            .map_err(|e| CodeError::Config(e.to_string()))?;
        Ok(SmsRuChannel {
            id: self.id,
            api_id: self.api_id,
            sender: self.sender,
            test: self.test,
            http,
        })
    }
}

/// The SMS.ru channel: reaches recipients with a phone. `Debug` hides the `api_id`.
pub struct SmsRuChannel {
    id: ChannelId,
    api_id: SecretString,
    sender: Option<String>,
    test: bool,
    http: HttpClient,
}

impl fmt::Debug for SmsRuChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsRuChannel")
            .field("id", &self.id)
            .field("api_id", &"[redacted]")
            .field("sender", &self.sender)
            .field("test", &self.test)
            .field("http", &self.http)
            .finish()
    }
}

impl SmsRuChannel {
    /// A builder with the account's `api_id`.
    pub fn builder(api_id: SecretString) -> SmsRuChannelBuilder {
        SmsRuChannelBuilder {
            api_id,
            id: ChannelId::from("sms"),
            base_url: SMS_RU_BASE_URL.to_owned(),
            sender: None,
            test: false,
            // Sending an SMS is not idempotent: no retry after the request may have left.
            http: HttpOptions::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
struct SendAnswer {
    status: String,
    #[serde(default, deserialize_with = "loyalty_core::de::opt_int")]
    status_code: Option<i64>,
    #[serde(default)]
    status_text: Option<String>,
    #[serde(default)]
    sms: BTreeMap<String, NumberAnswer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
struct NumberAnswer {
    status: String,
    #[serde(default, deserialize_with = "loyalty_core::de::opt_int")]
    status_code: Option<i64>,
    #[serde(default, deserialize_with = "loyalty_core::de::opt_string_or_number")]
    sms_id: Option<String>,
    #[serde(default)]
    status_text: Option<String>,
}

fn refusal(code: Option<i64>, text: Option<&str>, delivery: &Delivery<'_>) -> ChannelError {
    let known = code.and_then(sms_ru_status);
    let message = match (text, known) {
        (Some(t), _) if !t.trim().is_empty() => scrub(t, delivery),
        (_, Some(s)) => s.meaning.to_owned(),
        _ => "SMS.ru refused the message without a text".to_owned(),
    };
    ChannelError::Provider {
        kind: known.map_or(ProviderErrorKind::Unknown, |s| s.kind),
        code: code.map(|c| c.to_string()),
        message,
    }
}

#[async_trait]
impl CodeChannel for SmsRuChannel {
    fn id(&self) -> ChannelId {
        self.id.clone()
    }

    fn can_reach(&self, recipient: &Recipient) -> bool {
        recipient.phone.is_some()
    }

    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<DeliveryReceipt, ChannelError> {
        let phone = delivery
            .recipient
            .phone
            .as_ref()
            .ok_or(ChannelError::NoAddress)?;
        let to = phone.digits();
        let body = {
            let mut form = url::form_urlencoded::Serializer::new(String::new());
            form.append_pair("api_id", self.api_id.expose_secret())
                .append_pair("to", to)
                .append_pair("msg", delivery.expose_text())
                .append_pair("json", "1");
            if let Some(from) = &self.sender {
                form.append_pair("from", from);
            }
            if self.test {
                form.append_pair("test", "1");
            }
            SecretString::from(form.finish())
        };
        let resp = self
            .http
            .send(
                "sms_ru_send",
                Idempotency::StateChanging,
                Method::POST,
                "sms/send",
                |b| {
                    b.header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                        .body(body.expose_secret().to_owned())
                },
            )
            .await?;
        if !resp.status.is_success() {
            return Err(match resp.status_error() {
                loyalty_core::LoyaltyError::OutcomeUnknown { reason, .. } => {
                    ChannelError::OutcomeUnknown { message: reason }
                }
                other => {
                    let mut e = ChannelError::from(other);
                    if let ChannelError::Provider { message, .. } = &mut e {
                        *message = scrub(message, delivery);
                    }
                    e
                }
            });
        }
        let answer: SendAnswer = serde_json::from_slice(&resp.body).map_err(|e| {
            // The request was taken; whether the SMS left is unknown.
            ChannelError::OutcomeUnknown {
                message: format!(
                    "cannot read the SMS.ru answer (HTTP {}): {}",
                    resp.status.as_u16(),
                    loyalty_core::http::redact_quoted(&e.to_string())
                ),
            }
        })?;
        if answer.status != "OK" {
            return Err(refusal(
                answer.status_code,
                answer.status_text.as_deref(),
                delivery,
            ));
        }
        let entry = answer.sms.get(to).or(if answer.sms.len() == 1 {
            answer.sms.values().next()
        } else {
            None
        });
        let Some(entry) = entry else {
            return Err(ChannelError::OutcomeUnknown {
                message: "the SMS.ru answer has no entry for the number".to_owned(),
            });
        };
        if entry.status == "OK" {
            Ok(DeliveryReceipt {
                provider_id: entry.sms_id.clone(),
            })
        } else {
            Err(refusal(
                entry.status_code,
                entry.status_text.as_deref(),
                delivery,
            ))
        }
    }
}
