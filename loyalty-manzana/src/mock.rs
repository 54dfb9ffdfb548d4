//! A test kit (feature `mock`): one-line answers of the Manzana Loyalty customer service on a
//! [`wiremock::MockServer`], in Manzana's wire shape (`{base}/CustomerOfficeService/<Controller>/
//! <Action>`, PascalCase entities, `{"value": …}` lists, errors as
//! `{"odata.error": {"code", "message": {"lang", "value"}}}`), built from this crate's own
//! [`crate::models`].
//!
//! ```no_run
//! # async fn demo() {
//! use loyalty_manzana::mock::{ManzanaMock, MzOp};
//!
//! let server = wiremock::MockServer::start().await;
//! let mz = ManzanaMock::new(&server);
//! mz.sms_login_ok("sms-token", "contact-1", "session-1").await;
//! mz.odata_error(MzOp::GetContact, 400, "100961", "Неверный код карты").await;
//! let client = mz.client();
//! # let _ = client; }
//! ```
//!
//! Every answer is checked against this crate's own client in `tests/mock_kit.rs`.

use std::time::Duration;

use loyalty_core::RetryPolicy;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub use loyalty_core::mock::{Fault, body_has_keys};
use wiremock::{Match, Request};

use crate::{Contact, ManzanaClient, ManzanaClientBuilder};

/// The partner id the kit's client sends.
pub const PARTNER_ID: &str = "partner-0000-4000-8000-00000000mock";
/// The customer service's path on the mock server.
pub const CUSTOMER_SERVICE: &str = "/CustomerOfficeService";
/// The manager service's path on the mock server.
pub const MANAGER_SERVICE: &str = "/ManagerOfficeService";
/// The manager login the kit's client uses.
pub const MANAGER_LOGIN: &str = "bot";
/// The manager password the kit's client uses.
pub const MANAGER_PASSWORD: &str = "mock-manager-password";

/// A customer-service operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MzOp {
    /// `POST Identity/AdvancedRequestSMSLogin`.
    RequestSmsLogin,
    /// `POST Identity/AdvancedConfirmSMSLogin`.
    ConfirmSmsLogin,
    /// `GET Contact/Get`.
    GetContact,
    /// `GET Card/GetAllByContact`.
    Cards,
    /// `GET Bonus/GetAllByContact`.
    Bonuses,
    /// `GET Cheque/GetAllByContact`.
    Cheques,
    /// `GET Coupon/GetAllByContact`.
    Coupons,
    /// `POST Identity/Logout`.
    Logout,
    /// Manager service: `POST Identity/Login`.
    ManagerLogin,
    /// Manager service: `GET Contact/FilterByPhoneAndEmail`.
    FindByPhone,
}

impl MzOp {
    /// The HTTP method and the path on the mock server.
    pub fn route(self) -> (&'static str, String) {
        let (m, p) = match self {
            Self::RequestSmsLogin => ("POST", "Identity/AdvancedRequestSMSLogin"),
            Self::ConfirmSmsLogin => ("POST", "Identity/AdvancedConfirmSMSLogin"),
            Self::GetContact => ("GET", "Contact/Get"),
            Self::Cards => ("GET", "Card/GetAllByContact"),
            Self::Bonuses => ("GET", "Bonus/GetAllByContact"),
            Self::Cheques => ("GET", "Cheque/GetAllByContact"),
            Self::Coupons => ("GET", "Coupon/GetAllByContact"),
            Self::Logout => ("POST", "Identity/Logout"),
            Self::ManagerLogin => return ("POST", format!("{MANAGER_SERVICE}/Identity/Login")),
            Self::FindByPhone => {
                return (
                    "GET",
                    format!("{MANAGER_SERVICE}/Contact/FilterByPhoneAndEmail"),
                );
            }
        };
        (m, format!("{CUSTOMER_SERVICE}/{p}"))
    }
}

/// A fake Manzana customer service on a [`MockServer`]: each helper mounts one answer.
pub struct ManzanaMock<'a> {
    server: &'a MockServer,
}

impl<'a> ManzanaMock<'a> {
    /// A kit on `server` (mounts nothing yet).
    pub fn new(server: &'a MockServer) -> Self {
        Self { server }
    }

    /// A client builder for [`PARTNER_ID`] with the customer service at
    /// `{server}/CustomerOfficeService` and the manager service at
    /// `{server}/ManagerOfficeService` ([`MANAGER_LOGIN`], [`MANAGER_PASSWORD`]): 1 s timeout,
    /// one attempt.
    pub fn client_builder(&self) -> ManzanaClientBuilder {
        let base = self.server.uri();
        ManzanaClient::builder(format!("{base}{CUSTOMER_SERVICE}"), PARTNER_ID)
            .manager_url(format!("{base}{MANAGER_SERVICE}"))
            .manager_credentials(MANAGER_LOGIN, MANAGER_PASSWORD)
            .timeout(Duration::from_secs(1))
            .retry(RetryPolicy::none())
    }

    /// A client pointed at the fake.
    ///
    /// # Panics
    /// Never: the mock server's URL is a valid base URL.
    pub fn client(&self) -> ManzanaClient {
        #[allow(clippy::expect_used)]
        self.client_builder()
            .build()
            .expect("the mock server URL is valid")
    }

    /// Answers `op` with `body` serialised (HTTP 200, JSON).
    pub async fn answer(&self, op: MzOp, body: &impl Serialize) {
        self.mount(op, ResponseTemplate::new(200).set_body_json(body), 5)
            .await;
    }

    async fn mount(&self, op: MzOp, template: ResponseTemplate, priority: u8) {
        let (m, p) = op.route();
        Mock::given(method(m))
            .and(path(p))
            .respond_with(template)
            .with_priority(priority)
            .mount(self.server)
            .await;
    }

    /// The SMS log-in succeeds: step 1 answers `{"value": token}`, step 2
    /// `{"Id": contact_id, "SessionId": session_id}`.
    pub async fn sms_login_ok(&self, token: &str, contact_id: &str, session_id: &str) {
        self.answer(MzOp::RequestSmsLogin, &json!({"value": token}))
            .await;
        self.answer(
            MzOp::ConfirmSmsLogin,
            &json!({"Id": contact_id, "SessionId": session_id}),
        )
        .await;
    }

    /// `Contact/Get` answers `contact`, with the read-only `ActiveBalance` and `Summ` the
    /// service adds (our `Contact` never writes them back).
    pub async fn contact(&self, contact: &Contact) {
        let mut body = serde_json::to_value(contact).unwrap_or_else(|_| json!({}));
        if let Some(obj) = body.as_object_mut() {
            if let Some(b) = contact.active_balance {
                obj.insert("ActiveBalance".into(), number(b));
            }
            if let Some(s) = contact.summ {
                obj.insert("Summ".into(), Value::from(s.to_string()));
            }
        }
        self.answer(MzOp::GetContact, &body).await;
    }

    /// The balance: `Contact/Get` answers contact `contact_id` with `ActiveBalance`.
    pub async fn balance(&self, contact_id: &str, active_balance: Decimal) {
        let mut c = Contact::new(contact_id);
        c.active_balance = Some(active_balance);
        self.contact(&c).await;
    }

    /// The manager login succeeds with `session` (`{"Id", "SessionId"}`).
    pub async fn manager_login_ok(&self, session: &str) {
        self.answer(
            MzOp::ManagerLogin,
            &json!({"Id": "manager-1", "SessionId": session}),
        )
        .await;
    }

    /// `Contact/FilterByPhoneAndEmail` (manager service) finds `contact` (`{"value": [..]}`), or
    /// nobody with `None`; mounts the manager login too.
    pub async fn found_by_phone(&self, contact: Option<&Contact>) {
        self.manager_login_ok("mock-manager-session").await;
        let list: Vec<&Contact> = contact.into_iter().collect();
        self.answer(MzOp::FindByPhone, &json!({ "value": list }))
            .await;
    }

    /// `op` fails with HTTP `status` and `{"odata.error": {"code", "message": {"lang":
    /// "ru-RU", "value": message}}}`.
    pub async fn odata_error(&self, op: MzOp, status: u16, code: &str, message: &str) {
        let body = json!({"odata.error": {"code": code,
            "message": {"lang": "ru-RU", "value": message}}});
        self.mount(op, ResponseTemplate::new(status).set_body_json(body), 1)
            .await;
    }

    /// `op` answers with `fault`.
    pub async fn fault(&self, op: MzOp, fault: Fault) {
        self.mount(op, fault.response(), 1).await;
    }

    /// What the client sent to `op`: JSON bodies for POSTs (a form-A `{"parameter": "<json>"}`
    /// unwrapped), the query as an object for GETs.
    pub async fn requests(&self, op: MzOp) -> Vec<Value> {
        let (m, p) = op.route();
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == m && r.url.path() == p)
            .map(|r| {
                serde_json::from_slice::<Value>(&r.body)
                    .map(unwrap_form_a)
                    .unwrap_or_else(|_| {
                        Value::Object(
                            r.url
                                .query_pairs()
                                .map(|(k, v)| (k.into_owned(), Value::from(v.into_owned())))
                                .collect(),
                        )
                    })
            })
            .collect()
    }
}

/// A decimal as a JSON number (as Manzana writes balances).
fn number(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or_else(|_| Value::from(d.to_string()))
}

/// A form-A body (`{"parameter": "<json>"}`) as its inner object; any other body as it is.
fn unwrap_form_a(v: Value) -> Value {
    match v
        .as_object()
        .and_then(|o| o.get("parameter"))
        .and_then(Value::as_str)
    {
        Some(inner) if v.as_object().map(serde_json::Map::len) == Some(1) => {
            serde_json::from_str(inner).unwrap_or(v)
        }
        _ => v,
    }
}

/// Matches a POST whose entity has every one of `keys`, in either body form (form A:
/// `{"parameter": "<json>"}`; form B: the entity itself), e.g. `["Phone", "PartnerId"]`.
pub fn entity_has_keys(keys: &[&str]) -> impl Match + use<> {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    move |r: &Request| {
        serde_json::from_slice::<Value>(&r.body)
            .ok()
            .map(unwrap_form_a)
            .and_then(|v| v.as_object().cloned())
            .is_some_and(|o| keys.iter().all(|k| o.contains_key(k)))
    }
}
