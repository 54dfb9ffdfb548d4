//! A test kit (feature `mock`): one-line answers of the LoyalClient integration API on a
//! [`wiremock::MockServer`], serialised from this crate's own [`crate::types`] (the ones the
//! sandbox answers with): `{"success": true, "<key>": {…}}` on success, HTTP 422 with a
//! `{field: message}` map on errors.
//!
//! ```no_run
//! # async fn demo() {
//! use loyalty_loyalclient::ClientProfile;
//! use loyalty_loyalclient::mock::{LcOp, LoyalClientMock};
//!
//! let server = wiremock::MockServer::start().await;
//! let lc = LoyalClientMock::new(&server);
//! lc.client_found(&ClientProfile::new("1001")).await;
//! lc.field_errors(LcOp::Hold, &[("spend", "Spend can't be more 100")]).await;
//! let client = lc.client();
//! # let _ = client; }
//! ```
//!
//! Every answer is checked against this crate's own client in `tests/it/mock_kit.rs`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_core::{RetryPolicy, SecretString};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Map, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Match, Mock, MockServer, ResponseTemplate};

pub use loyalty_core::mock::{Fault, body_has_keys};

use crate::{
    API_KEY_HEADER, CLIENT_PATH, ClientProfile, HOLD_PATH, Hold, LoyalClient, LoyalClientBuilder,
    LoyaltyType, RECALC_PATH, RELEASE_PATH, RETAIL_PATH, Recalc, Retail,
};

/// The API key the kit's client sends.
pub const API_KEY: &str = "mock-lc-api-key";
/// The point (store) id the kit's client sends.
pub const POINT: &str = "1";

/// A LoyalClient operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LcOp {
    /// `integration/general/client`.
    Client,
    /// `integration/general/recalc`.
    Recalc,
    /// `integration/general/bonuses/hold`.
    Hold,
    /// `integration/general/bonuses/release`.
    Release,
    /// `integration/general/retail`.
    Retail,
}

impl LcOp {
    /// The request path.
    pub fn path(self) -> String {
        let p = match self {
            Self::Client => CLIENT_PATH,
            Self::Recalc => RECALC_PATH,
            Self::Hold => HOLD_PATH,
            Self::Release => RELEASE_PATH,
            Self::Retail => RETAIL_PATH,
        };
        format!("/{p}")
    }
}

/// Matches a request carrying `key` in the `apikey` header.
pub fn api_key(key: &str) -> impl Match + use<> {
    wiremock::matchers::header(API_KEY_HEADER, key)
}

/// A fake LoyalClient API on a [`MockServer`]: each helper mounts one answer.
pub struct LoyalClientMock<'a> {
    server: &'a MockServer,
}

impl<'a> LoyalClientMock<'a> {
    /// A kit on `server` (mounts nothing yet).
    pub fn new(server: &'a MockServer) -> Self {
        Self { server }
    }

    /// A client builder for [`API_KEY`] and [`POINT`] pointed at the fake: 1 s timeout, one
    /// attempt.
    pub fn client_builder(&self) -> LoyalClientBuilder {
        LoyalClient::builder(self.server.uri(), SecretString::from(API_KEY))
            .point(POINT)
            .timeout(Duration::from_secs(1))
            .retry(RetryPolicy::none())
    }

    /// A client pointed at the fake.
    ///
    /// # Panics
    /// Never: the mock server's URL is a valid base URL.
    pub fn client(&self) -> LoyalClient {
        #[allow(clippy::expect_used)]
        self.client_builder()
            .build()
            .expect("the mock server URL is valid")
    }

    /// Answers `op` with `{"success": true, key: payload}` (or `{"success": true}` without a
    /// payload).
    pub async fn success(&self, op: LcOp, key: &str, payload: Option<&impl Serialize>) {
        let mut body = Map::new();
        body.insert("success".into(), Value::Bool(true));
        if let Some(p) = payload {
            body.insert(key.into(), serde_json::to_value(p).unwrap_or(Value::Null));
        }
        self.mount(
            op,
            ResponseTemplate::new(200).set_body_json(Value::Object(body)),
        )
        .await;
    }

    async fn mount(&self, op: LcOp, template: ResponseTemplate) {
        Mock::given(method("POST"))
            .and(path(op.path()))
            .respond_with(template)
            .mount(self.server)
            .await;
    }

    /// `client` finds `profile`.
    pub async fn client_found(&self, profile: &ClientProfile) {
        self.success(LcOp::Client, "client", Some(profile)).await;
    }

    /// `client` answers 422 `{"client": "Client not found."}`.
    pub async fn client_not_found(&self) {
        self.field_errors(LcOp::Client, &[("client", "Client not found.")])
            .await;
    }

    /// `recalc` answers a cash-back quote.
    pub async fn recalc(&self, amount: Decimal, percent: Decimal, spend: Decimal, earn: Decimal) {
        let r = Recalc {
            amount,
            percent,
            kind: LoyaltyType::Cashback,
            spend,
            earn,
        };
        self.success(LcOp::Recalc, "recalc", Some(&r)).await;
    }

    /// `bonuses/hold` holds `amount` as `id` until `until`.
    pub async fn hold_ok(&self, id: &str, amount: Decimal, until: DateTime<Utc>) {
        let h = Hold {
            id: id.to_owned(),
            until,
            amount,
        };
        self.success(LcOp::Hold, "held", Some(&h)).await;
    }

    /// `bonuses/release` succeeds.
    pub async fn release_ok(&self) {
        self.success(LcOp::Release, "", None::<&Value>).await;
    }

    /// `retail` records a cash-back purchase of `amount`, spending and earning as given.
    pub async fn retail_ok(
        &self,
        amount: Decimal,
        percent: Decimal,
        spend: Option<Decimal>,
        earn: Option<Decimal>,
    ) {
        let r = Retail {
            amount,
            total: amount - spend.unwrap_or_default(),
            percent,
            kind: LoyaltyType::Cashback,
            spend,
            earn,
        };
        self.success(LcOp::Retail, "retail", Some(&r)).await;
    }

    /// `op` answers HTTP 422 with these `(field, message)` pairs as a top-level map, as the
    /// vendor writes them (`{"spend": "Spend can't be more 100"}`).
    pub async fn field_errors(&self, op: LcOp, errors: &[(&str, &str)]) {
        // Written by hand so the fields keep the caller's order (a JSON map would sort them).
        let pairs: Vec<String> = errors
            .iter()
            .map(|(f, m)| format!("{}: {}", json!(f), json!(m)))
            .collect();
        self.mount(
            op,
            ResponseTemplate::new(422)
                .set_body_raw(format!("{{{}}}", pairs.join(", ")), "application/json"),
        )
        .await;
    }

    /// `op` answers with `fault`.
    pub async fn fault(&self, op: LcOp, fault: Fault) {
        Mock::given(method("POST"))
            .and(path(op.path()))
            .respond_with(fault.response())
            .with_priority(1)
            .mount(self.server)
            .await;
    }

    /// The JSON bodies the client sent to `op`, in order.
    pub async fn requests(&self, op: LcOp) -> Vec<Value> {
        let p = op.path();
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path() == p)
            .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
            .collect()
    }
}
