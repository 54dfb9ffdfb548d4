//! A test kit (feature `mock`): one-line answers of the Manzana Loyalty customer, manager and
//! administrator office services on a [`wiremock::MockServer`], in Manzana's wire shape (`{base}/CustomerOfficeService/<Controller>/
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
//! Every answer is checked against this crate's own client in `tests/it/mock_kit.rs`.

use std::time::Duration;

use loyalty_core::RetryPolicy;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub use loyalty_core::mock::{Fault, body_has_keys};
use wiremock::{Match, Request};

use crate::{
    Cheque, ChequeItem, Contact, CustomEndpoint, ManzanaClient, ManzanaClientBuilder, Service,
};

/// The partner id the kit's client sends.
pub const PARTNER_ID: &str = "partner-0000-4000-8000-00000000mock";
/// The customer service's path on the mock server.
pub const CUSTOMER_SERVICE: &str = "/CustomerOfficeService";
/// The manager service's path on the mock server.
pub const MANAGER_SERVICE: &str = "/ManagerOfficeService";
/// The administrator service's path on the mock server.
pub const ADMIN_SERVICE: &str = "/AdministratorOfficeService";
/// The fixed administrator session the kit's [`ManzanaMock::admin_client`] sends (Manzana issues
/// administrator sessions to a tenant; there is no login).
pub const ADMIN_SESSION: &str = "mock-admin-session";
/// Where the kit's [`ManzanaMock::admin_client`] deletes contacts, relative to the administrator
/// service (Manzana publishes no delete endpoint; a tenant configures one with
/// [`ManzanaClientBuilder::delete_endpoint`]).
pub const ADMIN_DELETE_PATH: &str = "Contact/Delete";
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
    /// `GET ChequeItem/GetAllByCheque` (customer session).
    ChequeItems,
    /// Manager service: `GET Cheque/GetAllByContact` (the watcher's read).
    ManagerCheques,
    /// Administrator service: `GET ChequeItem/GetAllByCheque` (cheque lines read as
    /// administrator: [`ManzanaClient::cheque_items_as_operator`]).
    AdminChequeItems,
    /// Administrator service: `POST` [`ADMIN_DELETE_PATH`] (the tenant's delete endpoint of
    /// the kit's admin client: [`ManzanaClient::delete_contact`]).
    AdminDeleteContact,
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
            Self::ChequeItems => ("GET", "ChequeItem/GetAllByCheque"),
            Self::ManagerCheques => {
                return ("GET", format!("{MANAGER_SERVICE}/Cheque/GetAllByContact"));
            }
            Self::AdminChequeItems => {
                return ("GET", format!("{ADMIN_SERVICE}/ChequeItem/GetAllByCheque"));
            }
            Self::AdminDeleteContact => {
                return ("POST", format!("{ADMIN_SERVICE}/{ADMIN_DELETE_PATH}"));
            }
        };
        (m, format!("{CUSTOMER_SERVICE}/{p}"))
    }
}

/// A fake of the Manzana office services on a [`MockServer`]: each helper mounts one answer.
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

    /// [`Self::client_builder`] plus the administrator service at
    /// `{server}/AdministratorOfficeService` with the fixed session [`ADMIN_SESSION`] and the
    /// delete endpoint [`ADMIN_DELETE_PATH`] there. With it, cheque lines read as an operator go
    /// to the administrator service ([`MzOp::AdminChequeItems`]).
    pub fn admin_client_builder(&self) -> ManzanaClientBuilder {
        self.client_builder()
            .admin_url(format!("{}{ADMIN_SERVICE}", self.server.uri()))
            .admin_session(ADMIN_SESSION)
            .delete_endpoint(CustomEndpoint::new(Service::Admin, ADMIN_DELETE_PATH))
    }

    /// A client pointed at the fake, with the administrator service configured
    /// ([`Self::admin_client_builder`]).
    ///
    /// # Panics
    /// Never: the mock server's URL is a valid base URL.
    pub fn admin_client(&self) -> ManzanaClient {
        #[allow(clippy::expect_used)]
        self.admin_client_builder()
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

    /// `Cheque/GetAllByContact` (customer session) answers `cheques` as `{"value": [..]}` in
    /// Manzana's shape (PascalCase keys, `Date` as `YYYY-MM-DDThh:mm:ss`, sums as numbers,
    /// `extra` fields as they are).
    pub async fn cheques(&self, cheques: &[Cheque]) {
        self.answer(MzOp::Cheques, &cheque_list(cheques)).await;
    }

    /// `Cheque/GetAllByContact` on the manager service answers `cheques` (as
    /// [`Self::cheques`]); mounts the manager login too.
    pub async fn manager_cheques(&self, cheques: &[Cheque]) {
        self.manager_login_ok("mock-manager-session").await;
        self.answer(MzOp::ManagerCheques, &cheque_list(cheques))
            .await;
    }

    /// `ChequeItem/GetAllByCheque` (customer session) answers `items` as `{"value": [..]}`
    /// (PascalCase keys, amounts as numbers, `extra` fields as they are).
    pub async fn cheque_items(&self, items: &[ChequeItem]) {
        self.answer(MzOp::ChequeItems, &item_list(items)).await;
    }

    /// `ChequeItem/GetAllByCheque` on the administrator service answers `items` (as
    /// [`Self::cheque_items`]): the lines [`ManzanaClient::cheque_items_as_operator`] reads with
    /// the kit's [`Self::admin_client`].
    pub async fn admin_cheque_items(&self, items: &[ChequeItem]) {
        self.answer(MzOp::AdminChequeItems, &item_list(items)).await;
    }

    /// The administrator service refuses [`ADMIN_SESSION`] on `op` (HTTP 401 with an
    /// `odata.error` about the session), as when a tenant's administrator session was revoked.
    pub async fn admin_session_refused(&self, op: MzOp) {
        self.odata_error(op, 401, "100001", "Сессия администратора недействительна")
            .await;
    }

    /// The tenant's delete endpoint on the administrator service ([`ADMIN_DELETE_PATH`])
    /// accepts the deletion (HTTP 200, empty body).
    pub async fn admin_contact_deleted(&self) {
        self.mount(MzOp::AdminDeleteContact, ResponseTemplate::new(200), 5)
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

/// `{"value": [..]}` of cheques in the wire shape.
fn cheque_list(cheques: &[Cheque]) -> Value {
    json!({ "value": cheques.iter().map(cheque_wire).collect::<Vec<_>>() })
}

/// `{"value": [..]}` of cheque lines in the wire shape.
fn item_list(items: &[ChequeItem]) -> Value {
    json!({ "value": items.iter().map(item_wire).collect::<Vec<_>>() })
}

/// Inserts `key` when `v` is set.
fn put(obj: &mut serde_json::Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        obj.insert(key.to_owned(), v);
    }
}

/// One cheque as Manzana writes it.
fn cheque_wire(c: &Cheque) -> Value {
    let mut o = c.extra.clone();
    o.insert("Id".into(), Value::from(c.id.clone()));
    put(&mut o, "Number", c.number.clone().map(Value::from));
    put(
        &mut o,
        "Date",
        c.date
            .map(|d| Value::from(d.format("%Y-%m-%dT%H:%M:%S").to_string())),
    );
    put(
        &mut o,
        "OrgUnitName",
        c.org_unit_name.clone().map(Value::from),
    );
    put(
        &mut o,
        "OrgUnitFullName",
        c.org_unit_full_name.clone().map(Value::from),
    );
    put(
        &mut o,
        "OrgUnitAddress",
        c.org_unit_address.clone().map(Value::from),
    );
    put(&mut o, "Summ", c.summ.map(number));
    put(&mut o, "SummDiscounted", c.summ_discounted.map(number));
    put(&mut o, "PaidByBonus", c.paid_by_bonus.map(number));
    put(&mut o, "Bonus", c.bonus.map(number));
    put(
        &mut o,
        "PartnerName",
        c.partner_name.clone().map(Value::from),
    );
    put(
        &mut o,
        "ChequeItemCount",
        c.cheque_item_count.map(Value::from),
    );
    put(
        &mut o,
        "OperationType",
        c.operation_type.clone().map(Value::from),
    );
    Value::Object(o)
}

/// One cheque line as Manzana writes it.
fn item_wire(i: &ChequeItem) -> Value {
    let mut o = i.extra.clone();
    put(&mut o, "Id", i.id.clone().map(Value::from));
    put(
        &mut o,
        "ArticleNumber",
        i.article_number.clone().map(Value::from),
    );
    put(
        &mut o,
        "ProductName",
        i.product_name.clone().map(Value::from),
    );
    put(&mut o, "Quantity", i.quantity.map(number));
    put(&mut o, "Price", i.price.map(number));
    put(&mut o, "Summ", i.summ.map(number));
    put(&mut o, "SummDiscounted", i.summ_discounted.map(number));
    put(&mut o, "PaidByBonus", i.paid_by_bonus.map(number));
    Value::Object(o)
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
