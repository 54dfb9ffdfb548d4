//! A configurable channel for any SMS gateway that takes a form (or a query string): URL, method,
//! the field names for the phone and the text, static parameters, and a secret header.

use std::fmt;

use async_trait::async_trait;
use loyalty_core::http::{HttpClient, HttpOptions, Idempotency};
use loyalty_core::reqwest::Method;
use loyalty_core::reqwest::header::{CONTENT_TYPE, HeaderName};
use secrecy::{ExposeSecret, SecretString};

use crate::channel::{
    ChannelError, ChannelId, CodeChannel, Delivery, DeliveryReceipt, ProviderErrorKind,
};
use crate::channels::scrub;
use crate::error::CodeError;
use crate::recipient::Recipient;

/// How the gateway takes the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FormMethod {
    /// `POST` with an `application/x-www-form-urlencoded` body.
    PostForm,
    /// `GET` with the fields in the query string (avoid: URLs end up in proxy logs).
    GetQuery,
}

/// How the phone number is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhoneFormat {
    /// `+380889993366`.
    E164,
    /// `380889993366`.
    Digits,
}

/// Builds an [`HttpFormChannel`].
pub struct HttpFormChannelBuilder {
    id: ChannelId,
    url: String,
    method: FormMethod,
    phone_field: String,
    text_field: String,
    phone_format: PhoneFormat,
    params: Vec<(String, String)>,
    secret_params: Vec<(String, SecretString)>,
    secret_header: Option<(String, SecretString)>,
    success_contains: Option<String>,
    http: HttpOptions,
}

impl fmt::Debug for HttpFormChannelBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpFormChannelBuilder")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl HttpFormChannelBuilder {
    /// Sets the channel id (default `sms`).
    pub fn id(mut self, id: impl Into<ChannelId>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the method (default [`FormMethod::PostForm`]).
    pub fn method(mut self, method: FormMethod) -> Self {
        self.method = method;
        self
    }

    /// Names the phone field (default `phone`).
    pub fn phone_field(mut self, name: impl Into<String>) -> Self {
        self.phone_field = name.into();
        self
    }

    /// Names the text field (default `text`).
    pub fn text_field(mut self, name: impl Into<String>) -> Self {
        self.text_field = name.into();
        self
    }

    /// Sets how the phone is written (default [`PhoneFormat::Digits`]).
    pub fn phone_format(mut self, format: PhoneFormat) -> Self {
        self.phone_format = format;
        self
    }

    /// Adds a static field (`sender=Shop`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.params.push((name.into(), value.into()));
        self
    }

    /// Adds a secret field (an API key the gateway wants in the form); never in `Debug`.
    pub fn secret_param(mut self, name: impl Into<String>, value: SecretString) -> Self {
        self.secret_params.push((name.into(), value));
        self
    }

    /// Sends a secret header (`Authorization: Bearer …`, `X-Api-Key: …`); never in `Debug`.
    pub fn secret_header(mut self, name: impl Into<String>, value: SecretString) -> Self {
        self.secret_header = Some((name.into(), value));
        self
    }

    /// A 2xx answer counts as delivered only when its body contains `marker` (for gateways that
    /// answer 200 to errors).
    pub fn success_body_contains(mut self, marker: impl Into<String>) -> Self {
        self.success_contains = Some(marker.into());
        self
    }

    loyalty_core::http_builder_methods!(http);

    /// Builds the channel.
    ///
    /// # Errors
    /// [`CodeError::Config`] for a URL that is not http(s), an invalid header name, or a TLS
    /// set-up failure.
    pub fn build(self) -> Result<HttpFormChannel, CodeError> {
        let parsed = url::Url::parse(self.url.trim())
            .map_err(|e| CodeError::Config(format!("invalid gateway URL: {e}")))?;
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(CodeError::Config(
                "give the gateway URL without a query; add fields with param()".into(),
            ));
        }
        // The last path segment is the endpoint, the rest the base.
        let path = parsed.path();
        let cut = path.rfind('/').map_or(0, |i| i + 1);
        let (dir, endpoint) = path.split_at(cut);
        let mut base = parsed.clone();
        base.set_path(dir);
        let http = self
            .http
            .build(base.as_str())
            .map_err(|e| CodeError::Config(e.to_string()))?;
        if let Some((name, _)) = &self.secret_header {
            HeaderName::try_from(name.as_str())
                .map_err(|e| CodeError::Config(format!("invalid header name {name:?}: {e}")))?;
        }
        Ok(HttpFormChannel {
            id: self.id,
            endpoint: endpoint.to_owned(),
            method: self.method,
            phone_field: self.phone_field,
            text_field: self.text_field,
            phone_format: self.phone_format,
            params: self.params,
            secret_params: self.secret_params,
            secret_header: self.secret_header,
            success_contains: self.success_contains,
            http,
        })
    }
}

/// A generic form-based SMS gateway. `Debug` hides the secret header and secret fields.
pub struct HttpFormChannel {
    id: ChannelId,
    endpoint: String,
    method: FormMethod,
    phone_field: String,
    text_field: String,
    phone_format: PhoneFormat,
    params: Vec<(String, String)>,
    secret_params: Vec<(String, SecretString)>,
    secret_header: Option<(String, SecretString)>,
    success_contains: Option<String>,
    http: HttpClient,
}

impl fmt::Debug for HttpFormChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secret_names: Vec<&str> = self.secret_params.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpFormChannel")
            .field("id", &self.id)
            .field("endpoint", &self.endpoint)
            .field("method", &self.method)
            .field("phone_field", &self.phone_field)
            .field("text_field", &self.text_field)
            .field("params", &self.params)
            .field("secret_params", &secret_names)
            .field(
                "secret_header",
                &self.secret_header.as_ref().map(|(n, _)| (n, "[redacted]")),
            )
            .field("http", &self.http)
            .finish()
    }
}

impl HttpFormChannel {
    /// A builder for the gateway at `url` (the full endpoint, without a query).
    pub fn builder(url: impl Into<String>) -> HttpFormChannelBuilder {
        HttpFormChannelBuilder {
            id: ChannelId::from("sms"),
            url: url.into(),
            method: FormMethod::PostForm,
            phone_field: "phone".to_owned(),
            text_field: "text".to_owned(),
            phone_format: PhoneFormat::Digits,
            params: Vec::new(),
            secret_params: Vec::new(),
            secret_header: None,
            success_contains: None,
            http: HttpOptions::default(),
        }
    }
}

#[async_trait]
impl CodeChannel for HttpFormChannel {
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
        let phone = match self.phone_format {
            PhoneFormat::E164 => phone.e164(),
            PhoneFormat::Digits => phone.digits(),
        };
        let mut fields: Vec<(&str, &str)> = vec![
            (&self.phone_field, phone),
            (&self.text_field, delivery.expose_text()),
        ];
        fields.extend(self.params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        fields.extend(
            self.secret_params
                .iter()
                .map(|(k, v)| (k.as_str(), v.expose_secret())),
        );
        let method = match self.method {
            FormMethod::PostForm => Method::POST,
            FormMethod::GetQuery => Method::GET,
        };
        let body = SecretString::from(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(fields.iter())
                .finish(),
        );
        let resp = self
            .http
            .send(
                "http_form_send",
                Idempotency::StateChanging,
                method,
                &self.endpoint,
                |b| {
                    let b = match &self.secret_header {
                        Some((name, value)) => b.header(name.as_str(), value.expose_secret()),
                        None => b,
                    };
                    match self.method {
                        FormMethod::PostForm => b
                            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .body(body.expose_secret().to_owned()),
                        FormMethod::GetQuery => b.query(&fields),
                    }
                },
            )
            .await
            .map_err(|e| match ChannelError::from(e) {
                ChannelError::NotSent { message } => ChannelError::NotSent {
                    message: scrub(&message, delivery),
                },
                other => other,
            })?;
        let body_text = String::from_utf8_lossy(&resp.body);
        let snippet = scrub(&loyalty_core::http::snippet(body_text.as_bytes()), delivery);
        if !resp.status.is_success() {
            let status = resp.status.as_u16();
            return Err(match status {
                500..=599 => ChannelError::OutcomeUnknown {
                    message: format!("HTTP {status}: {snippet}"),
                },
                401 | 403 => ChannelError::Provider {
                    kind: ProviderErrorKind::Configuration,
                    code: Some(status.to_string()),
                    message: snippet,
                },
                429 => ChannelError::Provider {
                    kind: ProviderErrorKind::Unavailable,
                    code: Some(status.to_string()),
                    message: snippet,
                },
                _ => ChannelError::Provider {
                    kind: ProviderErrorKind::Unknown,
                    code: Some(status.to_string()),
                    message: snippet,
                },
            });
        }
        if let Some(marker) = &self.success_contains {
            if !body_text.contains(marker.as_str()) {
                return Err(ChannelError::Provider {
                    kind: ProviderErrorKind::Unknown,
                    code: None,
                    message: snippet,
                });
            }
        }
        Ok(DeliveryReceipt::default())
    }
}
