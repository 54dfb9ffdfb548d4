//! The client: one method per office-service operation a customer bot needs.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex as StdMutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

use loyalty_core::http::{HttpClient, HttpOptions, Idempotency, Response};
use loyalty_core::{Endpoint, EndpointMethod, LoyaltyError, Page, PageRequest, Phone};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use rust_decimal::Decimal;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use crate::error::{OpKind, SessionRules, is_html_error, map_error};
use crate::models::{
    BonusBurn, BonusRecord, Card, Cheque, ChequeItem, Contact, Coupon, CustomerSession,
    LoginResult, Registration,
};
use crate::pos::{PosBalance, PosConfig};

mod builder;
mod decode;
mod ops;

pub use builder::{CustomEndpoint, ManzanaClientBuilder, ProductNames};
pub(crate) use decode::*;
pub(crate) use ops::*;

use EndpointMethod::{Get, Post};
use Idempotency::{Idempotent, StateChanging};
use Service::{Admin, Customer, Manager};

/// Which office service an operation goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Service {
    /// `CustomerOfficeService` (customer session).
    Customer,
    /// `ManagerOfficeService` (manager session).
    Manager,
    /// `AdministratorOfficeService` (admin session).
    Admin,
}

/// How POST bodies are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BodyForm {
    /// Form A (default): `{"parameter": "<the request object as a JSON string>"}`.
    #[default]
    Parameter,
    /// Form B: the request object itself.
    Direct,
}

/// A pending verification of the provider flow (per phone).
pub(crate) enum Pending {
    Login(SecretString),
    Registration(SecretString),
}

struct Inner {
    customer: HttpClient,
    manager: Option<HttpClient>,
    admin: Option<HttpClient>,
    pos: Option<(HttpClient, String, PosConfig)>,
    partner_id: String,
    manager_login: Option<(String, SecretString)>,
    manager_fixed_session: Option<SecretString>,
    manager_session_ttl: Option<Duration>,
    /// The session in use and when it was obtained (`None` for the fixed one).
    manager_session: Mutex<Option<(SecretString, Option<DateTime<Utc>>)>>,
    admin_session: Option<SecretString>,
    registration_app_id: Option<String>,
    product_names: Option<ProductNames>,
    body_form: BodyForm,
    quote_numbers: bool,
    session_rules: SessionRules,
    delete_endpoint: Option<CustomEndpoint>,
    burns_endpoint: Option<CustomEndpoint>,
    cashier_field: String,
    pending: StdMutex<HashMap<String, Pending>>,
}

/// A client of the Manzana Loyalty office services. Cheap to clone; `Debug` never shows the
/// manager password or any session.
#[derive(Clone)]
pub struct ManzanaClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for ManzanaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("ManzanaClient")
            .field("customer", &i.customer)
            .field("manager", &i.manager)
            .field("admin", &i.admin)
            .field("partner_id", &i.partner_id)
            .field(
                "manager_login",
                &i.manager_login.as_ref().map(|(l, _)| (l, "[REDACTED]")),
            )
            .field(
                "manager_session",
                &i.manager_fixed_session.as_ref().map(|_| "[REDACTED]"),
            )
            .field(
                "admin_session",
                &i.admin_session.as_ref().map(|_| "[REDACTED]"),
            )
            .field("body_form", &i.body_form)
            .finish_non_exhaustive()
    }
}

/// A request: GET parameters or a POST object (without the session).
enum Req {
    Get(Vec<(&'static str, Arg)>),
    Post(Map<String, Value>),
}

impl ManzanaClient {
    /// A builder with the `CustomerOfficeService` base URL and the partner id (GUID).
    pub fn builder(
        customer_url: impl Into<String>,
        partner_id: impl Into<String>,
    ) -> ManzanaClientBuilder {
        ManzanaClientBuilder {
            customer_url: customer_url.into(),
            manager_url: None,
            admin_url: None,
            partner_id: partner_id.into(),
            manager_login: None,
            manager_fixed_session: None,
            manager_session_ttl: None,
            admin_session: None,
            registration_app_id: None,
            product_names: None,
            body_form: BodyForm::default(),
            quote_numbers: false,
            session_rules: SessionRules::default(),
            delete_endpoint: None,
            burns_endpoint: None,
            cashier_field: "CashierName".to_owned(),
            pos: None,
            http: HttpOptions::default(),
        }
    }

    /// The partner id.
    pub fn partner_id(&self) -> &str {
        &self.inner.partner_id
    }

    /// Whether a manager service with credentials is configured.
    pub fn has_manager(&self) -> bool {
        self.inner.manager.is_some()
            && (self.inner.manager_login.is_some() || self.inner.manager_fixed_session.is_some())
    }

    /// Whether a delete endpoint is configured.
    pub fn can_delete(&self) -> bool {
        self.inner.delete_endpoint.is_some()
    }

    /// The configured cashier field.
    pub(crate) fn cashier_field(&self) -> &str {
        &self.inner.cashier_field
    }

    pub(crate) fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.inner
            .pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn http(&self, service: Service) -> Result<&HttpClient, LoyaltyError> {
        match service {
            Customer => Ok(&self.inner.customer),
            Manager => self
                .inner
                .manager
                .as_ref()
                .ok_or_else(|| LoyaltyError::Config("no manager URL configured".into())),
            Admin => self
                .inner
                .admin
                .as_ref()
                .ok_or_else(|| LoyaltyError::Config("no administrator URL configured".into())),
        }
    }

    fn arg_text(&self, a: &Arg) -> String {
        match a {
            Arg::Str(s) => format!("'{}'", s.replace('\'', "''")),
            Arg::Secret(s) => format!("'{}'", s.expose_secret().replace('\'', "''")),
            Arg::Num(n) if self.inner.quote_numbers => format!("'{n}'"),
            Arg::Num(n) => n.to_string(),
        }
    }

    /// The POST body in the configured form.
    fn body(&self, obj: &Map<String, Value>) -> Result<Vec<u8>, LoyaltyError> {
        let v = match self.inner.body_form {
            BodyForm::Parameter => {
                let inner = serde_json::to_string(obj)
                    .map_err(|e| LoyaltyError::Config(format!("cannot encode the request: {e}")))?;
                json!({ "parameter": inner })
            }
            BodyForm::Direct => Value::Object(obj.clone()),
        };
        serde_json::to_vec(&v)
            .map_err(|e| LoyaltyError::Config(format!("cannot encode the request: {e}")))
    }

    /// The choke point: sends `op` (with `path` override for custom endpoints), maps errors.
    async fn raw(
        &self,
        op: Op,
        service: Service,
        path: &str,
        req: &Req,
    ) -> Result<Response, LoyaltyError> {
        let http = self.http(service)?;
        let resp = match req {
            Req::Get(args) => {
                let pairs: Vec<(&str, String)> =
                    args.iter().map(|(k, a)| (*k, self.arg_text(a))).collect();
                http.call_at(&op.endpoint, path, |b| b.query(&pairs))
                    .await?
            }
            Req::Post(obj) => {
                let body = self.body(obj)?;
                http.call_at(&op.endpoint, path, |b| {
                    b.header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                        .body(body.clone())
                })
                .await?
            }
        };
        check(op, &self.inner.session_rules, resp)
    }

    async fn call(&self, op: Op, req: Req) -> Result<Response, LoyaltyError> {
        self.raw(op, op.service, op.endpoint.path(), &req).await
    }

    // ---- manager session ----

    async fn login_manager(&self) -> Result<SecretString, LoyaltyError> {
        let Some((login, password)) = &self.inner.manager_login else {
            return Err(LoyaltyError::Config(
                "no manager credentials configured".into(),
            ));
        };
        let mut obj = Map::new();
        obj.insert("Login".into(), Value::from(login.clone()));
        obj.insert(
            "Password".into(),
            Value::from(password.expose_secret().to_owned()),
        );
        let resp = self.call(MANAGER_LOGIN, Req::Post(obj)).await?;
        manager_session_of(&resp)
    }

    /// The current manager session: the fixed one until it is refused, else one from
    /// `Identity/Login`, obtained when there is none, when `stale` is the current one (refused),
    /// or a minute before the configured lifetime ends.
    async fn manager_session(
        &self,
        stale: Option<&SecretString>,
    ) -> Result<SecretString, LoyaltyError> {
        let mut guard = self.inner.manager_session.lock().await;
        let now = self.inner.customer.clock().now();
        if guard.is_none() {
            if let Some(fixed) = &self.inner.manager_fixed_session {
                *guard = Some((fixed.clone(), None));
            }
        }
        if let Some((cur, obtained)) = guard.as_ref() {
            let refused = stale.is_some_and(|s| s.expose_secret() == cur.expose_secret());
            let ageing = match (obtained, self.inner.manager_session_ttl) {
                (Some(at), Some(ttl)) => {
                    let renew_after = ttl.saturating_sub(MANAGER_RENEW_MARGIN.min(ttl / 2));
                    chrono::Duration::from_std(renew_after).is_ok_and(|d| now >= *at + d)
                }
                _ => false,
            };
            if !refused && !ageing {
                return Ok(cur.clone());
            }
            if ageing {
                tracing::info!("the manager session is about to expire; logging in again");
            }
            if obtained.is_none() && self.inner.manager_login.is_none() {
                // A fixed session that was refused: nothing to renew it with.
                return Err(LoyaltyError::SessionExpired {
                    detail: loyalty_core::ProviderDetail::message(
                        "the fixed manager session was refused and no manager credentials are configured",
                    ),
                });
            }
        }
        *guard = None;
        let s = self.login_manager().await?;
        *guard = Some((s.clone(), Some(now)));
        Ok(s)
    }

    fn with_session(req: &Req, key: &'static str, sid: &SecretString) -> Req {
        match req {
            Req::Get(args) => {
                let mut a = args.clone();
                a.push((key, Arg::Secret(sid.clone())));
                Req::Get(a)
            }
            Req::Post(obj) => {
                let mut o = Map::new();
                o.insert(key.to_owned(), Value::from(sid.expose_secret().to_owned()));
                o.extend(obj.clone());
                Req::Post(o)
            }
        }
    }

    /// A manager call: logs in on first use; on a session error logs in again **once** and
    /// repeats; a second failure is returned.
    async fn manager_call(
        &self,
        op: Op,
        path: &str,
        session_key: &'static str,
        req: Req,
    ) -> Result<Response, LoyaltyError> {
        let sid = self.manager_session(None).await?;
        let first = self
            .raw(
                op,
                Manager,
                path,
                &Self::with_session(&req, session_key, &sid),
            )
            .await;
        match first {
            Err(LoyaltyError::SessionExpired { .. }) => {
                tracing::info!(
                    op = op.endpoint.name(),
                    "the manager session expired; logging in again"
                );
                let sid = self.manager_session(Some(&sid)).await?;
                self.raw(
                    op,
                    Manager,
                    path,
                    &Self::with_session(&req, session_key, &sid),
                )
                .await
            }
            other => other,
        }
    }

    fn customer_get(
        s: &CustomerSession,
        contact_key: &'static str,
        session_key: &'static str,
    ) -> Req {
        Req::Get(vec![
            (contact_key, Arg::Str(s.contact_id.clone())),
            (session_key, Arg::Secret(s.session_id.clone())),
        ])
    }

    // ---- operations ----

    /// Finds a contact by phone (spec #1, manager session).
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] without a manager, [`LoyaltyError::Unauthorized`] when the
    /// manager login is refused, transport/provider errors. An unknown phone is `Ok(None)`.
    pub async fn find_contact_by_phone(
        &self,
        phone: &Phone,
    ) -> Result<Option<Contact>, LoyaltyError> {
        let req = Req::Get(vec![
            ("mobilePhone", Arg::Str(phone.e164().to_owned())),
            ("emailAddress", Arg::Str(String::new())),
            ("take", Arg::Num(1)),
            ("skip", Arg::Num(0)),
        ]);
        let resp = self
            .manager_call(
                FIND_BY_PHONE,
                FIND_BY_PHONE.endpoint.path(),
                "sessionId",
                req,
            )
            .await?;
        let list: Vec<Contact> = decode_list(&resp)?;
        Ok(list.into_iter().next())
    }

    /// Sends the SMS of a customer login (step 1, `AdvancedRequestSMSLogin`); returns the token
    /// to confirm with.
    ///
    /// # Errors
    /// Provider errors (an unknown phone is refused by the service); never repeated.
    pub async fn request_sms_login(&self, phone: &Phone) -> Result<SecretString, LoyaltyError> {
        let mut obj = Map::new();
        obj.insert("Phone".into(), Value::from(phone.e164()));
        obj.insert(
            "PartnerId".into(),
            Value::from(self.inner.partner_id.clone()),
        );
        let resp = self.call(REQUEST_SMS_LOGIN, Req::Post(obj)).await?;
        decode_token(&resp)
    }

    /// Confirms the SMS code of a customer login (step 2, `AdvancedConfirmSMSLogin`).
    ///
    /// # Errors
    /// [`LoyaltyError::WrongCode`] for a wrong code.
    pub async fn confirm_sms_login(
        &self,
        token: &SecretString,
        code: &str,
    ) -> Result<CustomerSession, LoyaltyError> {
        let mut obj = Map::new();
        obj.insert("Token".into(), Value::from(token.expose_secret()));
        obj.insert("TemporaryPassword".into(), Value::from(code));
        let resp = self.call(CONFIRM_SMS_LOGIN, Req::Post(obj)).await?;
        session_of(&resp)
    }

    /// Self-registration step 1 (`RequestAdvancedPhoneEmailRegistration`): returns the
    /// registration token.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] when the service refuses (e.g. a known phone).
    pub async fn request_registration(
        &self,
        data: &Registration,
    ) -> Result<SecretString, LoyaltyError> {
        let mut obj = data.to_entity("Firstname", "Lastname");
        self.add_app_id(&mut obj);
        obj.insert(
            "PartnerId".into(),
            Value::from(self.inner.partner_id.clone()),
        );
        let resp = self.call(REQUEST_REGISTRATION, Req::Post(obj)).await?;
        decode_token(&resp)
    }

    /// The configured `AppId` when the registration carries none.
    fn add_app_id(&self, obj: &mut Map<String, Value>) {
        if let Some(a) = &self.inner.registration_app_id {
            obj.entry("AppId").or_insert_with(|| Value::from(a.clone()));
        }
    }

    /// Self-registration step 2 (`RequestMobilePhoneVerification`): sends the SMS.
    ///
    /// # Errors
    /// Provider errors; never repeated.
    pub async fn request_phone_verification(
        &self,
        token: &SecretString,
    ) -> Result<(), LoyaltyError> {
        let mut obj = Map::new();
        obj.insert("Token".into(), Value::from(token.expose_secret()));
        self.call(REQUEST_PHONE_VERIFICATION, Req::Post(obj))
            .await?;
        Ok(())
    }

    /// Self-registration step 3 (`CheckSmsForRegistration`): returns the new token.
    ///
    /// # Errors
    /// [`LoyaltyError::WrongCode`] for a wrong code.
    pub async fn check_registration_sms(
        &self,
        token: &SecretString,
        code: &str,
    ) -> Result<SecretString, LoyaltyError> {
        let mut obj = Map::new();
        obj.insert("Token".into(), Value::from(token.expose_secret()));
        obj.insert("Code".into(), Value::from(code));
        obj.insert(
            "PartnerId".into(),
            Value::from(self.inner.partner_id.clone()),
        );
        let resp = self.call(CHECK_REGISTRATION_SMS, Req::Post(obj)).await?;
        decode_token(&resp)
    }

    /// Self-registration step 4 (`AdvancedPhoneEmailRegister`): the customer is logged in.
    ///
    /// # Errors
    /// Provider errors; never repeated.
    pub async fn finish_registration(
        &self,
        token: &SecretString,
    ) -> Result<CustomerSession, LoyaltyError> {
        let mut obj = Map::new();
        obj.insert("Token".into(), Value::from(token.expose_secret()));
        obj.insert(
            "PartnerId".into(),
            Value::from(self.inner.partner_id.clone()),
        );
        let resp = self.call(FINISH_REGISTRATION, Req::Post(obj)).await?;
        session_of(&resp)
    }

    /// Creates a contact server-side without SMS (spec 2e, manager session); returns its id.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] when refused; never repeated.
    pub async fn create_contact(&self, data: &Registration) -> Result<String, LoyaltyError> {
        let mut entity = data.to_entity("FirstName", "LastName");
        self.add_app_id(&mut entity);
        let mut obj = Map::new();
        obj.insert("Entity".into(), Value::Object(entity));
        let resp = self
            .manager_call(
                CREATE_CONTACT,
                CREATE_CONTACT.endpoint.path(),
                "sessionId",
                Req::Post(obj),
            )
            .await?;
        decode_value::<Value>(&resp).and_then(|v| scalar_text(&v, &resp))
    }

    /// Reads the customer's contact (`Contact/Get`).
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] when the session is not valid any more.
    pub async fn get_contact(&self, s: &CustomerSession) -> Result<Contact, LoyaltyError> {
        let resp = self
            .call(GET_CONTACT, Self::customer_get(s, "id", "sessionid"))
            .await?;
        decode_entity(&resp)
    }

    /// Writes the contact back (`Contact/Update`); returns the contact id. Use with a contact
    /// read by [`Self::get_contact`] (read-modify-write). The entity is a fixed list of the
    /// fields public clients send ([`Contact::update_entity`]: `Id`, phone, e-mail, names,
    /// birth date, gender, consents), never the whole answer echoed back (no `odata.*` keys,
    /// balances or unknown fields).
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`], provider errors; never repeated.
    pub async fn update_contact(
        &self,
        s: &CustomerSession,
        contact: &Contact,
    ) -> Result<String, LoyaltyError> {
        let entity = Value::Object(contact.update_entity());
        let mut obj = Map::new();
        obj.insert(
            "SessionId".into(),
            Value::from(s.session_id.expose_secret()),
        );
        obj.insert("Entity".into(), entity);
        let resp = self.call(UPDATE_CONTACT, Req::Post(obj)).await?;
        decode_value::<Value>(&resp).and_then(|v| scalar_text(&v, &resp))
    }

    /// Reads the contact, lets `edit` change it, and writes the whole entity back; returns the
    /// contact as edited.
    ///
    /// # Errors
    /// As [`Self::get_contact`] and [`Self::update_contact`].
    pub async fn modify_contact(
        &self,
        s: &CustomerSession,
        edit: impl FnOnce(&mut Contact),
    ) -> Result<Contact, LoyaltyError> {
        let mut c = self.get_contact(s).await?;
        edit(&mut c);
        self.update_contact(s, &c).await?;
        Ok(c)
    }

    /// The customer's cards.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    pub async fn cards(&self, s: &CustomerSession) -> Result<Vec<Card>, LoyaltyError> {
        let resp = self
            .call(CARDS, Self::customer_get(s, "contactid", "sessionid"))
            .await?;
        decode_list(&resp)
    }

    /// The active bonus balance (`Contact/Get` → `ActiveBalance`, zero when absent).
    ///
    /// # Errors
    /// As [`Self::get_contact`].
    pub async fn balance(&self, s: &CustomerSession) -> Result<Decimal, LoyaltyError> {
        Ok(self
            .get_contact(s)
            .await?
            .active_balance
            .unwrap_or_default())
    }

    /// The POS `BalanceRequest` detail for a card number or phone.
    ///
    /// # Errors
    /// [`LoyaltyError::Unsupported`] without a POS endpoint; provider errors for a non-zero
    /// `ReturnCode`.
    pub async fn pos_balance(
        &self,
        card_number: Option<&str>,
        phone: Option<&Phone>,
    ) -> Result<PosBalance, LoyaltyError> {
        let Some((http, file, cfg)) = &self.inner.pos else {
            return Err(LoyaltyError::unsupported(crate::PROVIDER, "pos_balance"));
        };
        let now = http.clock().now().naive_utc();
        crate::pos::balance(http, file, cfg, card_number, phone, now).await
    }

    /// Whether a POS endpoint is configured.
    pub fn has_pos(&self) -> bool {
        self.inner.pos.is_some()
    }

    /// All of the customer's cheques (the service does not page them).
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    pub async fn cheques(&self, s: &CustomerSession) -> Result<Vec<Cheque>, LoyaltyError> {
        let resp = self
            .call(CHEQUES, Self::customer_get(s, "contactId", "sessionId"))
            .await?;
        let mut list: Vec<Cheque> = decode_list(&resp)?;
        list.sort_by_key(|c| std::cmp::Reverse(c.date));
        Ok(list)
    }

    /// One page of the customer's cheques, newest first (paged on the client side).
    ///
    /// # Errors
    /// As [`Self::cheques`].
    pub async fn cheques_page(
        &self,
        s: &CustomerSession,
        page: PageRequest,
    ) -> Result<Page<Cheque>, LoyaltyError> {
        Ok(Page::slice(&self.cheques(s).await?, page))
    }

    /// A contact's cheques with the manager session (for the watcher), newest first.
    ///
    /// # Errors
    /// As [`Self::find_contact_by_phone`].
    pub async fn contact_cheques(&self, contact_id: &str) -> Result<Vec<Cheque>, LoyaltyError> {
        let req = Req::Get(vec![("contactId", Arg::Str(contact_id.to_owned()))]);
        let resp = self
            .manager_call(
                MANAGER_CHEQUES,
                MANAGER_CHEQUES.endpoint.path(),
                "sessionId",
                req,
            )
            .await?;
        let mut list: Vec<Cheque> = decode_list(&resp)?;
        list.sort_by_key(|c| std::cmp::Reverse(c.date));
        Ok(list)
    }

    /// The lines of a cheque (`ChequeItem/GetAllByCheque`, customer session), named through the
    /// [`ManzanaClientBuilder::product_names`] hook where the line has no name.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    pub async fn cheque_items(
        &self,
        s: &CustomerSession,
        cheque_id: &str,
    ) -> Result<Vec<ChequeItem>, LoyaltyError> {
        let req = Req::Get(vec![
            ("ChequeId", Arg::Str(cheque_id.to_owned())),
            ("sessionId", Arg::Secret(s.session_id.clone())),
        ]);
        let resp = self.call(CHEQUE_ITEMS, req).await?;
        Ok(self.named(decode_list(&resp)?))
    }

    /// Lines without a product name named through the
    /// [`ManzanaClientBuilder::product_names`] hook.
    fn named(&self, mut items: Vec<ChequeItem>) -> Vec<ChequeItem> {
        for i in &mut items {
            if i.product_name.is_none() {
                i.product_name = i
                    .article_number
                    .as_deref()
                    .and_then(|a| self.product_name(a));
            }
        }
        items
    }

    /// Whether cheque lines can be read with the administrator session (an administrator URL and
    /// session are configured).
    pub fn has_admin(&self) -> bool {
        self.inner.admin.is_some() && self.inner.admin_session.is_some()
    }

    /// The product name of an article from the [`ManzanaClientBuilder::product_names`] hook.
    pub fn product_name(&self, article: &str) -> Option<String> {
        self.inner.product_names.as_ref().and_then(|f| f(article))
    }

    /// The lines of a cheque as an operator: the admin session on the administrator service when
    /// configured, else the manager session on the manager service (ASSUMED path there). Check
    /// first that the cheque is the customer's (as [`crate::provider`]'s `purchase` does).
    ///
    /// # Errors
    /// Provider errors; [`LoyaltyError::Config`] when neither is configured.
    pub async fn cheque_items_as_operator(
        &self,
        cheque_id: &str,
    ) -> Result<Vec<ChequeItem>, LoyaltyError> {
        let args = vec![("ChequeId", Arg::Str(cheque_id.to_owned()))];
        let resp = match (&self.inner.admin, &self.inner.admin_session) {
            (Some(_), Some(sid)) => {
                let req = Self::with_session(&Req::Get(args), "sessionId", sid);
                self.raw(CHEQUE_ITEMS, Admin, CHEQUE_ITEMS.endpoint.path(), &req)
                    .await?
            }
            _ => {
                self.manager_call(
                    CHEQUE_ITEMS,
                    CHEQUE_ITEMS.endpoint.path(),
                    "sessionId",
                    Req::Get(args),
                )
                .await?
            }
        };
        Ok(self.named(decode_list(&resp)?))
    }

    /// One page of bonus records (`Bonus/GetAllByContact` with `Take`/`Skip`).
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    pub async fn bonus_history(
        &self,
        s: &CustomerSession,
        page: PageRequest,
    ) -> Result<Page<BonusRecord>, LoyaltyError> {
        let req = Req::Get(vec![
            ("sessionId", Arg::Secret(s.session_id.clone())),
            ("contactId", Arg::Str(s.contact_id.clone())),
            ("Take", Arg::Num(i64::from(page.limit))),
            ("Skip", Arg::Num(i64::from(page.offset))),
        ]);
        let resp = self.call(BONUSES, req).await?;
        Ok(Page::from_offset(decode_list(&resp)?, page))
    }

    /// The customer's coupons.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] and provider errors.
    pub async fn coupons(&self, s: &CustomerSession) -> Result<Vec<Coupon>, LoyaltyError> {
        let resp = self
            .call(COUPONS, Self::customer_get(s, "contactid", "sessionid"))
            .await?;
        decode_list(&resp)
    }

    /// Ends the customer session (`Identity/Logout`).
    ///
    /// # Errors
    /// Provider errors (an already expired session is [`LoyaltyError::SessionExpired`]).
    pub async fn logout(&self, s: &CustomerSession) -> Result<(), LoyaltyError> {
        let mut obj = Map::new();
        obj.insert("id".into(), Value::from(s.contact_id.clone()));
        obj.insert(
            "sessionid".into(),
            Value::from(s.session_id.expose_secret()),
        );
        self.call(LOGOUT, Req::Post(obj)).await?;
        Ok(())
    }

    /// Deletes a contact through the configured tenant endpoint (spec row 6: no public one).
    ///
    /// # Errors
    /// [`LoyaltyError::Unsupported`] without a configured endpoint; provider errors.
    pub async fn delete_contact(&self, contact_id: &str) -> Result<(), LoyaltyError> {
        let Some(ep) = self.inner.delete_endpoint.clone() else {
            return Err(LoyaltyError::unsupported(crate::PROVIDER, "delete_contact"));
        };
        let op = op(
            "Contact/Delete (configured)",
            Post,
            ep.service,
            "",
            StateChanging,
            OpKind::WithSession,
        );
        let mut obj = Map::new();
        obj.insert("Id".into(), Value::from(contact_id));
        match ep.service {
            Manager => {
                self.manager_call(op, &ep.path, "SessionId", Req::Post(obj))
                    .await?;
            }
            Admin => {
                let sid = self.inner.admin_session.clone().ok_or_else(|| {
                    LoyaltyError::Config("no administrator session configured".into())
                })?;
                let req = Self::with_session(&Req::Post(obj), "SessionId", &sid);
                self.raw(op, Admin, &ep.path, &req).await?;
            }
            Customer => {
                return Err(LoyaltyError::Config(
                    "the delete endpoint must be on the manager or administrator service".into(),
                ));
            }
        }
        Ok(())
    }

    /// Bonus burn dates through the configured tenant endpoint (spec row 7b: not public).
    ///
    /// # Errors
    /// [`LoyaltyError::Unsupported`] without a configured endpoint; provider errors.
    pub async fn burns(&self, s: &CustomerSession) -> Result<Vec<BonusBurn>, LoyaltyError> {
        let Some(ep) = self.inner.burns_endpoint.clone() else {
            return Err(LoyaltyError::unsupported(crate::PROVIDER, "burns"));
        };
        let op = op(
            "burns (configured)",
            Get,
            ep.service,
            "",
            Idempotent,
            OpKind::WithSession,
        );
        let req = Self::customer_get(s, "contactId", "sessionId");
        let resp = self.raw(op, ep.service, &ep.path, &req).await?;
        decode_list(&resp)
    }
}
