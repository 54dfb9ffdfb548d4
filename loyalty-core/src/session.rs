//! The opaque per-user session a bot stores.

use std::fmt;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A customer's authorization with a provider: a token (a secret) plus what the provider needs
/// beside it. The bot stores it as it is (it is serializable) and hands it back on every call.
///
/// `Debug` never shows the token. Serialization **does** write the token, because persisting the
/// session is the point: store it like a password.
#[derive(Clone)]
pub struct Session {
    provider: String,
    token: SecretString,
    customer_id: Option<String>,
    expires_at: Option<DateTime<Utc>>,
}

impl Session {
    /// A session for `provider` (the provider's name, e.g. `"ergo"`) with a token.
    pub fn new(provider: impl Into<String>, token: SecretString) -> Self {
        Self {
            provider: provider.into(),
            token,
            customer_id: None,
            expires_at: None,
        }
    }

    /// Sets the provider's customer id this session belongs to.
    pub fn with_customer_id(mut self, id: impl Into<String>) -> Self {
        self.customer_id = Some(id.into());
        self
    }

    /// Sets when the session expires, if the provider says.
    pub fn with_expiry(mut self, at: DateTime<Utc>) -> Self {
        self.expires_at = Some(at);
        self
    }

    /// The provider's name.
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The token. Expose it only where the request is built.
    pub fn token(&self) -> &SecretString {
        &self.token
    }

    /// The provider's customer id, if known.
    pub fn customer_id(&self) -> Option<&str> {
        self.customer_id.as_deref()
    }

    /// When the session expires, if known.
    pub fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.expires_at
    }

    /// Whether the session is known to have expired at `now`.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("provider", &self.provider)
            .field("token", &"[REDACTED]")
            .field("customer_id", &self.customer_id)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    provider: std::borrow::Cow<'a, str>,
    token: std::borrow::Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    customer_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<DateTime<Utc>>,
}

impl Serialize for Session {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            provider: self.provider.as_str().into(),
            token: self.token.expose_secret().into(),
            customer_id: self.customer_id.as_deref().map(Into::into),
            expires_at: self.expires_at,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Session {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(d)?;
        Ok(Self {
            provider: w.provider.into_owned(),
            token: SecretString::from(w.token.into_owned()),
            customer_id: w.customer_id.map(std::borrow::Cow::into_owned),
            expires_at: w.expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_token_and_serde_keeps_it() {
        let s = Session::new("ergo", SecretString::from("tok-SECRET-123"))
            .with_customer_id("77")
            .with_expiry(DateTime::from_timestamp(2_000_000_000, 0).unwrap());
        let dbg = format!("{s:?} {s:#?}");
        assert!(!dbg.contains("tok-SECRET-123"), "{dbg}");
        assert!(dbg.contains("[REDACTED]"));
        let json = serde_json::to_string(&s).unwrap();
        let back: Session = serde_json::from_str(&json).unwrap();
        assert_eq!(back.token().expose_secret(), "tok-SECRET-123");
        assert_eq!(back.customer_id(), Some("77"));
        assert_eq!(back.provider(), "ergo");
        assert_eq!(back.expires_at(), s.expires_at());
        assert!(back.is_expired_at(DateTime::from_timestamp(2_000_000_001, 0).unwrap()));
        assert!(!back.is_expired_at(DateTime::from_timestamp(1_000_000_000, 0).unwrap()));
    }
}
