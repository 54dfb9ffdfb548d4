//! E-mail over SMTP (lettre on tokio, rustls with the workspace's *ring* provider).

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::action::Language;
use crate::channel::{
    ChannelError, ChannelId, CodeChannel, Delivery, DeliveryReceipt, ProviderErrorKind,
};
use crate::channels::scrub;
use crate::error::CodeError;
use crate::recipient::Recipient;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmtpSecurity {
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// Plain connection upgraded with STARTTLS, which is required (port 587 by default).
    StartTls,
    /// No TLS at all (port 25 by default): only for a relay on the same host or a test server on
    /// loopback. Credentials would travel in clear text.
    PlainDangerous,
}

/// Builds an [`SmtpChannel`].
pub struct SmtpChannelBuilder {
    id: ChannelId,
    host: String,
    port: Option<u16>,
    security: SmtpSecurity,
    credentials: Option<(String, SecretString)>,
    from: String,
    subjects: BTreeMap<Language, String>,
    timeout: Duration,
    hello_name: Option<String>,
}

impl fmt::Debug for SmtpChannelBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpChannelBuilder")
            .field("id", &self.id)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

impl SmtpChannelBuilder {
    /// Sets the channel id (default `email`).
    pub fn id(mut self, id: impl Into<ChannelId>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the port (default by security: 465, 587 or 25).
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }

    /// Sets the security (default [`SmtpSecurity::StartTls`]).
    pub fn security(mut self, security: SmtpSecurity) -> Self {
        self.security = security;
        self
    }

    /// Logs in with `user` and `password`.
    pub fn credentials(mut self, user: impl Into<String>, password: SecretString) -> Self {
        self.credentials = Some((user.into(), password));
        self
    }

    /// Sets the subject for `language` (defaults: "Код підтвердження", "Код подтверждения",
    /// "Your confirmation code").
    pub fn subject(mut self, language: Language, subject: impl Into<String>) -> Self {
        self.subjects.insert(language, subject.into());
        self
    }

    /// Sets the timeout of the SMTP conversation (default 20 s).
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Sets the name sent in EHLO (default `localhost`).
    pub fn hello_name(mut self, name: impl Into<String>) -> Self {
        self.hello_name = Some(name.into());
        self
    }

    /// Builds the channel.
    ///
    /// # Errors
    /// [`CodeError::Config`] for an invalid sender address or host.
    pub fn build(self) -> Result<SmtpChannel, CodeError> {
        let from: Mailbox = self
            .from
            .parse()
            .map_err(|e| CodeError::Config(format!("invalid sender address: {e}")))?;
        // lettre is built without a crypto provider of its own: use the process default
        // (ring, from the workspace's rustls features).
        loyalty_core::http::ensure_crypto_provider();
        let builder = match self.security {
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&self.host),
            SmtpSecurity::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&self.host)
            }
            SmtpSecurity::PlainDangerous => Ok(
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host),
            ),
        }
        .map_err(|e| CodeError::Config(format!("SMTP set-up failed: {e}")))?;
        let port = self.port.unwrap_or(match self.security {
            SmtpSecurity::Tls => 465,
            SmtpSecurity::StartTls => 587,
            SmtpSecurity::PlainDangerous => 25,
        });
        let mut builder =
            builder
                .port(port)
                .timeout(Some(self.timeout))
                .hello_name(ClientId::Domain(
                    self.hello_name.unwrap_or_else(|| "localhost".to_owned()),
                ));
        if let Some((user, password)) = &self.credentials {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(SmtpChannel {
            id: self.id,
            host: self.host,
            port,
            security: self.security,
            from,
            subjects: self.subjects,
            transport: builder.build(),
        })
    }
}

/// The e-mail channel: reaches recipients with an e-mail address. `Debug` shows no credentials.
pub struct SmtpChannel {
    id: ChannelId,
    host: String,
    port: u16,
    security: SmtpSecurity,
    from: Mailbox,
    subjects: BTreeMap<Language, String>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl fmt::Debug for SmtpChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpChannel")
            .field("id", &self.id)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("from", &self.from.email.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpChannel {
    /// A builder for the server `host`, sending from `from` (`Shop <noreply@shop.example>`).
    pub fn builder(host: impl Into<String>, from: impl Into<String>) -> SmtpChannelBuilder {
        SmtpChannelBuilder {
            id: ChannelId::from("email"),
            host: host.into(),
            port: None,
            security: SmtpSecurity::StartTls,
            credentials: None,
            from: from.into(),
            subjects: BTreeMap::new(),
            timeout: Duration::from_secs(20),
            hello_name: None,
        }
    }

    fn subject(&self, language: Language) -> &str {
        if let Some(s) = self.subjects.get(&language) {
            return s;
        }
        match language {
            Language::Uk => "Код підтвердження",
            Language::Ru => "Код подтверждения",
            Language::En => "Your confirmation code",
        }
    }
}

#[async_trait]
impl CodeChannel for SmtpChannel {
    fn id(&self) -> ChannelId {
        self.id.clone()
    }

    fn can_reach(&self, recipient: &Recipient) -> bool {
        recipient.email.is_some()
    }

    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<DeliveryReceipt, ChannelError> {
        let email = delivery
            .recipient
            .email
            .as_deref()
            .ok_or(ChannelError::NoAddress)?;
        let to: Mailbox = email.parse().map_err(|e| ChannelError::Provider {
            kind: ProviderErrorKind::Recipient,
            code: None,
            message: format!("invalid e-mail address: {e}"),
        })?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(self.subject(delivery.language))
            .header(ContentType::TEXT_PLAIN)
            .body(delivery.expose_text().to_owned())
            .map_err(|e| ChannelError::Config(format!("cannot build the e-mail: {e}")))?;
        match self.transport.send(message).await {
            Ok(resp) => Ok(DeliveryReceipt {
                provider_id: resp.first_line().map(|l| scrub(l, delivery)),
            }),
            Err(e) => {
                let text = scrub(&e.to_string(), delivery);
                let code = e.status().map(|c| c.to_string());
                Err(if e.is_permanent() {
                    ChannelError::Provider {
                        kind: ProviderErrorKind::Recipient,
                        code,
                        message: text,
                    }
                } else if e.is_transient() {
                    ChannelError::Provider {
                        kind: ProviderErrorKind::Unavailable,
                        code,
                        message: text,
                    }
                } else if e.is_timeout() {
                    ChannelError::OutcomeUnknown { message: text }
                } else {
                    ChannelError::NotSent { message: text }
                })
            }
        }
    }
}
