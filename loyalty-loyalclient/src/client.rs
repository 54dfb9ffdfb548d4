//! [`LoyalClient`]: one async method per call of the integration API.

use std::fmt;
use std::sync::Arc;

use loyalty_core::http::{HttpClient, HttpOptions, Idempotency, Response};
use loyalty_core::{Endpoint, LoyaltyError};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::map_error;
use crate::types::{
    ClientProfile, ClientSearch, Hold, HoldRequest, Recalc, RecalcRequest, ReleaseRequest, Retail,
    RetailRequest,
};

/// The header carrying the integration's API key.
pub const API_KEY_HEADER: &str = "apikey";

/// Path of "find a client", relative to the base URL.
pub const CLIENT_PATH: &str = "integration/general/client";
/// Path of "preview an operation".
pub const RECALC_PATH: &str = "integration/general/recalc";
/// Path of "hold bonuses".
pub const HOLD_PATH: &str = "integration/general/bonuses/hold";
/// Path of "release a hold".
pub const RELEASE_PATH: &str = "integration/general/bonuses/release";
/// Path of "create the operation" (the sale).
pub const RETAIL_PATH: &str = "integration/general/retail";

/// One call: the shared [`Endpoint`] description (name, `POST`, path, retry class); the retry
/// class of each call is chosen here, explicitly.
pub(crate) type Op = Endpoint;

pub(crate) const CLIENT: Op = Endpoint::post("client", CLIENT_PATH, Idempotency::Idempotent);
pub(crate) const RECALC: Op = Endpoint::post("recalc", RECALC_PATH, Idempotency::Idempotent);
/// A hold reserves points: sent once.
pub(crate) const HOLD: Op = Endpoint::post("hold", HOLD_PATH, Idempotency::StateChanging);
/// The server makes release idempotent (an unknown hold succeeds): retried.
pub(crate) const RELEASE: Op = Endpoint::post("release", RELEASE_PATH, Idempotency::Idempotent);
/// The sale moves value: sent once.
pub(crate) const RETAIL: Op = Endpoint::post("retail", RETAIL_PATH, Idempotency::StateChanging);

/// Builds a [`LoyalClient`]. Start with [`LoyalClient::builder`].
pub struct LoyalClientBuilder {
    base_url: String,
    api_key: SecretString,
    point: Option<String>,
    http: HttpOptions,
}

impl fmt::Debug for LoyalClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoyalClientBuilder")
            .field("base_url", &self.base_url)
            .field("api_key", &"[REDACTED]")
            .field("point", &self.point)
            .field("http", &self.http)
            .finish()
    }
}

impl LoyalClientBuilder {
    /// Replaces the base URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The sales point the [`loyalty_core::LoyaltyProvider`] methods search at (the five calls
    /// take their point explicitly).
    pub fn point(mut self, point: impl Into<String>) -> Self {
        self.point = Some(point.into());
        self
    }

    loyalty_core::http_builder_methods!(http);

    /// Builds the client.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] for a base URL that is not http(s), an API key that cannot be a
    /// header value, or a TLS set-up failure.
    pub fn build(self) -> Result<LoyalClient, LoyaltyError> {
        let mut key = HeaderValue::from_str(self.api_key.expose_secret().trim()).map_err(|_| {
            LoyaltyError::Config("the API key contains characters not allowed in a header".into())
        })?;
        key.set_sensitive(true);
        Ok(LoyalClient {
            inner: Arc::new(Inner {
                http: self.http.build(&self.base_url)?,
                api_key: key,
                point: self.point.filter(|p| !p.trim().is_empty()),
            }),
        })
    }
}

struct Inner {
    http: HttpClient,
    /// The API key as a sensitive header value (never printed).
    api_key: HeaderValue,
    point: Option<String>,
}

/// A client of the LoyalClient REST integration API. Cheap to clone; `Debug` never shows the
/// API key.
///
/// Every call is `POST {base}/integration/general/…` with a JSON body and the `apikey` header.
/// `hold` and `retail` are sent once (a lost answer is [`LoyaltyError::OutcomeUnknown`]);
/// `client`, `recalc` and `release` follow the retry policy. For the whole till sequence with
/// the release-on-failure rule built in, use [`LoyalClient::till`].
#[derive(Clone)]
pub struct LoyalClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for LoyalClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoyalClient")
            .field("http", &self.inner.http)
            .field("api_key", &"[REDACTED]")
            .field("point", &self.inner.point)
            .finish()
    }
}

fn encode(body: &impl Serialize) -> Result<Vec<u8>, LoyaltyError> {
    serde_json::to_vec(body)
        .map_err(|e| LoyaltyError::Config(format!("cannot encode the request body: {e}")))
}

/// Whether an answer says `"success": false` (as a boolean, `0`, `"false"`).
fn says_failure(obj: &serde_json::Map<String, Value>) -> bool {
    match obj.get("success") {
        Some(Value::Bool(b)) => !b,
        Some(Value::Number(n)) => n.as_i64() == Some(0),
        Some(Value::String(s)) => loyalty_core::de::parse_flag(s) == Some(false),
        _ => false,
    }
}

/// Reads an answer: a non-2xx status or `"success": false` is mapped to an error; otherwise the
/// answer's JSON object.
pub(crate) fn read_answer(resp: &Response) -> Result<serde_json::Map<String, Value>, LoyaltyError> {
    if !resp.status.is_success() {
        return Err(map_error(resp));
    }
    let obj = match resp.json::<Value>()? {
        Value::Object(o) => o,
        _ => return Err(resp.decode_error("expected a JSON object")),
    };
    if says_failure(&obj) {
        return Err(map_error(resp));
    }
    Ok(obj)
}

/// Decodes the object under `key` (`client`, `recalc`, `held`, `retail`) of an answer.
pub(crate) fn payload<T: DeserializeOwned>(
    resp: &Response,
    mut obj: serde_json::Map<String, Value>,
    key: &str,
) -> Result<T, LoyaltyError> {
    let payload = obj
        .remove(key)
        .filter(|v| !v.is_null())
        .ok_or_else(|| resp.decode_error(format!("no `{key}` in the answer")))?;
    serde_json::from_value(payload).map_err(|e| resp.decode_error(format!("{key}: {e}")))
}

impl LoyalClient {
    /// A builder for the API at `base_url` (the vendor issues it with the key; the spec gives
    /// none) with the API key sent as `apikey`.
    pub fn builder(
        base_url: impl Into<String>,
        api_key: impl Into<SecretString>,
    ) -> LoyalClientBuilder {
        LoyalClientBuilder {
            base_url: base_url.into(),
            api_key: api_key.into(),
            point: None,
            http: HttpOptions::default(),
        }
    }

    /// The base URL in use (ending with `/`).
    pub fn base_url(&self) -> &str {
        self.inner.http.base_url().as_str()
    }

    /// The default sales point, if configured.
    pub fn point(&self) -> Option<&str> {
        self.inner.point.as_deref()
    }

    /// Sends one call; a non-2xx answer or `"success": false` is mapped to an error. Returns the
    /// answer's JSON object.
    async fn send(
        &self,
        op: Op,
        body: &impl Serialize,
    ) -> Result<(Response, serde_json::Map<String, Value>), LoyaltyError> {
        let body = encode(body)?;
        let api_key = self.inner.api_key.clone();
        let resp = self
            .inner
            .http
            .call(&op, |b| {
                b.header(API_KEY_HEADER, api_key.clone())
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone())
            })
            .await?;
        let obj = read_answer(&resp)?;
        Ok((resp, obj))
    }

    /// Sends one call and decodes the object under `key` (`client`, `recalc`, `held`, `retail`).
    async fn call<T: DeserializeOwned>(
        &self,
        op: Op,
        body: &impl Serialize,
        key: &str,
    ) -> Result<T, LoyaltyError> {
        let (resp, obj) = self.send(op, body).await?;
        payload(&resp, obj, key)
    }

    /// `POST /integration/general/client`: finds a client by phone, card number or app code at a
    /// sales point, the balance computed with the given holds. Retried on transient failures.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for `{"client": "Client not found."}`,
    /// [`LoyaltyError::InvalidInput`] for other field errors (`point`) or an empty search,
    /// [`LoyaltyError::Unauthorized`], transport and decode errors.
    pub async fn find_client(&self, req: &ClientSearch) -> Result<ClientProfile, LoyaltyError> {
        req.validate()?;
        self.call(CLIENT, req, "client").await
    }

    /// `POST /integration/general/recalc`: previews a purchase (percent, type, how much may be
    /// spent, how much would be earned). Retried on transient failures.
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown client, [`LoyaltyError::InvalidInput`] for field
    /// errors, transport and decode errors.
    pub async fn recalc(&self, req: &RecalcRequest) -> Result<Recalc, LoyaltyError> {
        req.validate()?;
        self.call(RECALC, req, "recalc").await
    }

    /// `POST /integration/general/bonuses/hold`: reserves points for `duration` minutes (1..=30,
    /// default 10), checked before anything is sent. **Sent once.**
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for a duration outside 1..=30 or a non-positive amount
    /// (nothing sent) and for the API's field errors, [`LoyaltyError::NotFound`] for an unknown
    /// client, [`LoyaltyError::OutcomeUnknown`] when the answer was lost after sending (the hold
    /// may exist: it expires by itself).
    pub async fn hold(&self, req: &HoldRequest) -> Result<Hold, LoyaltyError> {
        req.validate()?;
        self.call(HOLD, req, "held").await
    }

    /// `POST /integration/general/bonuses/release`: drops a hold. Idempotent on the server (an
    /// unknown or expired hold succeeds), so it is retried on transient failures.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] for an empty id, transport and provider errors.
    pub async fn release(&self, hold_id: &str) -> Result<(), LoyaltyError> {
        if hold_id.trim().is_empty() {
            return Err(LoyaltyError::invalid("id", "must not be empty"));
        }
        self.send(RELEASE, &ReleaseRequest::new(hold_id))
            .await
            .map(|_| ())
    }

    /// `POST /integration/general/retail`: the sale, spending `spend` points or, with 0, earning.
    /// **Sent once**: never repeated after the request may have reached the server.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] (e.g. `{"spend": "Spend can't be more 100"}`),
    /// [`LoyaltyError::NotFound`] for an unknown client, [`LoyaltyError::OutcomeUnknown`] when
    /// the connection failed after sending or the server failed (5xx): check before retrying.
    pub async fn retail(&self, req: &RetailRequest) -> Result<Retail, LoyaltyError> {
        req.validate()?;
        self.call(RETAIL, req, "retail").await
    }
}
