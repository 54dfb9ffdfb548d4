//! The typed client: one method per BMCard operation.

use std::fmt;
use std::sync::Arc;

use futures_util::Stream;
use loyalty_core::http::{HttpClient, HttpOptions, Idempotency, Response};
use loyalty_core::{Endpoint, LoyaltyError, Page, PageRequest, paginate};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::map_error;
use crate::models::{
    AuthOptions, AuthSet, CompanyAbout, Customer, Dashboard, Levels, MarkEvent, Marks,
    Notification, Stock, Transaction, TransactionWithReview,
};
use crate::requests::{
    GetOptionsRequest, GetTransactionRequest, LogInWithoutVerificationRequest, PageParams,
    ProfileData, SetCommentRequest, SignUpRequest, VerifyByCallRequest, VerifyBySmsRequest,
};

/// The vendor's base URL, from the seed.
pub const DEFAULT_BASE_URL: &str = "https://bm-app.com/";

/// The header carrying the integration's API key.
pub const API_KEY_HEADER: &str = "BM-API-KEY";
/// The header carrying the customer's `bmtoken`.
pub const TOKEN_HEADER: &str = "TOKEN";

/// One BMCard operation: its name, path, retry class, whether it needs the customer token and
/// whether its answer carries a token (`bmtoken`, `signUpToken`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Op {
    /// The shared call description (name, `POST`, path, an explicit retry class).
    pub(crate) endpoint: Endpoint,
    pub(crate) card: bool,
    /// The answer may carry a token: its errors keep no body (see
    /// [`loyalty_core::http::Response::sensitive`]).
    pub(crate) sensitive: bool,
}

impl Op {
    /// The same operation, its answers marked as carrying a token.
    const fn sensitive(self) -> Self {
        Self {
            sensitive: true,
            ..self
        }
    }
}

const fn auth(name: &'static str, path: &'static str, idempotency: Idempotency) -> Op {
    Op {
        endpoint: Endpoint::post(name, path, idempotency),
        card: false,
        sensitive: false,
    }
}

const fn card(name: &'static str, path: &'static str, idempotency: Idempotency) -> Op {
    Op {
        endpoint: Endpoint::post(name, path, idempotency),
        card: true,
        sensitive: false,
    }
}

use Idempotency::{Idempotent, StateChanging};

/// `getOptions` sends an SMS or starts a call-pass: never repeated.
pub(crate) const GET_OPTIONS: Op = auth("getOptions", "mobileapp/auth/getOptions", StateChanging);
// The answers of the verification calls, sign-up and everything that holds a `Customer` carry
// the `bmtoken` or the `signUpToken`: they are sensitive.
// A code (and a registered call) is single-use: a retry after a lost answer would be refused
// as a wrong code, so the checks are sent once and a lost answer is `OutcomeUnknown`.
pub(crate) const VERIFY_BY_SMS: Op =
    auth("verifyBySms", "mobileapp/auth/verifyBySms", StateChanging).sensitive();
pub(crate) const VERIFY_BY_CALL: Op =
    auth("verifyByCall", "mobileapp/auth/verifyByCall", StateChanging).sensitive();
pub(crate) const LOG_IN_WITHOUT_VERIFICATION: Op = auth(
    "logInWithoutVerification",
    "mobileapp/auth/logInWithoutVerification",
    Idempotent,
)
.sensitive();
pub(crate) const SIGN_UP: Op = auth("signUp", "mobileapp/auth/signUp", StateChanging).sensitive();
pub(crate) const GET_DASHBOARD: Op =
    card("getDashboard", "mobileapp/card_v2/getDashboard", Idempotent).sensitive();
pub(crate) const GET_ABOUT: Op = card("getAbout", "mobileapp/card_v2/getAbout", Idempotent);
pub(crate) const GET_CUSTOMER: Op =
    card("getCustomer", "mobileapp/card_v2/getCustomer", Idempotent).sensitive();
pub(crate) const UPDATE_CUSTOMER: Op = card(
    "updateCustomer",
    "mobileapp/card_v2/updateCustomer",
    StateChanging,
)
.sensitive();
pub(crate) const GET_LEVELS: Op = card("getLevels", "mobileapp/card_v2/getLevels", Idempotent);
pub(crate) const GET_MARKS_HISTORY: Op = card(
    "getMarksHistory",
    "mobileapp/card_v2/getMarksHistory",
    Idempotent,
);
pub(crate) const GET_MARKS_TO_BE_DECREASE: Op = card(
    "getMarksToBeDecrease",
    "mobileapp/card_v2/getMarksToBeDecrease",
    Idempotent,
);
pub(crate) const GET_TRANSACTIONS: Op = card(
    "getTransactions",
    "mobileapp/card_v2/getTransactions",
    Idempotent,
);
pub(crate) const GET_TRANSACTION: Op = card(
    "getTransaction",
    "mobileapp/card_v2/getTransaction",
    Idempotent,
);
pub(crate) const GET_COMMENTS: Op =
    card("getComments", "mobileapp/card_v2/getComments", Idempotent);
pub(crate) const SET_COMMENT: Op =
    card("setComment", "mobileapp/card_v2/setComment", StateChanging);
pub(crate) const GET_STOCKS: Op = card("getStocks", "mobileapp/card_v2/getStocks", Idempotent);
pub(crate) const GET_NOTIFICATIONS: Op = card(
    "getNotifications",
    "mobileapp/card_v2/getNotifications",
    Idempotent,
);

/// Builds a [`BonusMoneyClient`].
pub struct BonusMoneyClientBuilder {
    api_key: SecretString,
    base_url: String,
    http: HttpOptions,
    country_code: String,
}

impl fmt::Debug for BonusMoneyClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BonusMoneyClientBuilder")
            .field("api_key", &"[REDACTED]")
            .field("base_url", &self.base_url)
            .field("http", &self.http)
            .field("country_code", &self.country_code)
            .finish()
    }
}

impl BonusMoneyClientBuilder {
    /// Sets the base URL (default [`DEFAULT_BASE_URL`]); tests point it at a fake.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    loyalty_core::http_builder_methods!(http);

    /// Sets the `countryCode` sent to `getOptions` by the auth flow (default `RU`).
    pub fn country_code(mut self, code: impl Into<String>) -> Self {
        self.country_code = code.into();
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] for a bad base URL, an API key that cannot be a header value, or
    /// a TLS set-up failure.
    pub fn build(self) -> Result<BonusMoneyClient, LoyaltyError> {
        let mut key = HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| {
            LoyaltyError::Config("the API key contains characters not allowed in a header".into())
        })?;
        key.set_sensitive(true);
        Ok(BonusMoneyClient {
            inner: Arc::new(Inner {
                http: self.http.build(&self.base_url)?,
                api_key: key,
                country_code: self.country_code,
            }),
        })
    }
}

struct Inner {
    http: HttpClient,
    /// The API key as a sensitive header value (never printed).
    api_key: HeaderValue,
    country_code: String,
}

/// A client of the BonusMoney BMCard API. Cheap to clone; `Debug` never shows the API key.
///
/// Card calls take the customer's `bmtoken` (from [`Customer::token`] after the auth flow, or a
/// stored [`loyalty_core::Session`]).
#[derive(Clone)]
pub struct BonusMoneyClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for BonusMoneyClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BonusMoneyClient")
            .field("http", &self.inner.http)
            .field("api_key", &"[REDACTED]")
            .field("country_code", &self.inner.country_code)
            .finish()
    }
}

impl BonusMoneyClient {
    /// A builder with the API key (`BM-API-KEY`).
    pub fn builder(api_key: impl Into<SecretString>) -> BonusMoneyClientBuilder {
        BonusMoneyClientBuilder {
            api_key: api_key.into(),
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: HttpOptions::default(),
            country_code: "RU".to_owned(),
        }
    }

    /// The base URL in use.
    pub fn base_url(&self) -> &str {
        self.inner.http.base_url().as_str()
    }

    /// The `countryCode` the auth flow sends.
    pub fn country_code(&self) -> &str {
        &self.inner.country_code
    }

    /// Sends one operation and returns the raw response, errors already mapped.
    async fn send(
        &self,
        op: Op,
        token: Option<&SecretString>,
        body: Option<Vec<u8>>,
    ) -> Result<Response, LoyaltyError> {
        let token = match (op.card, token) {
            (true, Some(t)) => {
                let mut v = HeaderValue::from_str(t.expose_secret()).map_err(|_| {
                    LoyaltyError::Config(
                        "the customer token contains characters not allowed in a header".into(),
                    )
                })?;
                v.set_sensitive(true);
                Some(v)
            }
            _ => None,
        };
        let api_key = self.inner.api_key.clone();
        let resp = self
            .inner
            .http
            .call(&op.endpoint, |b| {
                let mut b = b.header(API_KEY_HEADER, api_key.clone());
                if let Some(t) = &token {
                    b = b.header(TOKEN_HEADER, t.clone());
                }
                if let Some(body) = &body {
                    b = b
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone());
                }
                b
            })
            .await?;
        check(op, resp)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        op: Op,
        token: Option<&SecretString>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, LoyaltyError> {
        let body = body.map(encode).transpose()?;
        self.send(op, token, body).await?.json()
    }

    async fn call_list<T: DeserializeOwned>(
        &self,
        op: Op,
        token: &SecretString,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<Vec<T>, LoyaltyError> {
        let body = body.map(encode).transpose()?;
        let resp = self.send(op, Some(token), body).await?;
        decode_list(&resp)
    }

    async fn page<T: DeserializeOwned>(
        &self,
        op: Op,
        token: &SecretString,
        page: PageRequest,
    ) -> Result<Page<T>, LoyaltyError> {
        let items = self
            .call_list(op, token, Some(&PageParams::from(page)))
            .await?;
        Ok(Page::from_offset(items, page))
    }

    // ---- auth ----

    /// `getOptions`: the current verification type and the options; sends the SMS or starts
    /// the call-pass, or answers with a `captcha` to solve first. Sent once (never retried).
    ///
    /// # Errors
    /// [`LoyaltyError::Unauthorized`] (API key), [`LoyaltyError::InvalidInput`],
    /// [`LoyaltyError::RateLimited`], [`LoyaltyError::OutcomeUnknown`] when the answer was lost.
    pub async fn get_options(&self, req: &GetOptionsRequest) -> Result<AuthOptions, LoyaltyError> {
        self.call(GET_OPTIONS, None, Some(req)).await
    }

    /// `verifyBySms`: checks the SMS code. Sent once: the code is single-use.
    ///
    /// # Errors
    /// [`LoyaltyError::WrongCode`] for a refused code, [`LoyaltyError::OutcomeUnknown`] when
    /// the answer was lost (ask for a new code), and transport/provider errors.
    pub async fn verify_by_sms(&self, req: &VerifyBySmsRequest) -> Result<AuthSet, LoyaltyError> {
        self.call(VERIFY_BY_SMS, None, Some(req)).await
    }

    /// `verifyByCall`: checks that the user called `to` from `phone`. Sent once.
    ///
    /// # Errors
    /// [`LoyaltyError::WrongCode`] when the call was not registered,
    /// [`LoyaltyError::OutcomeUnknown`] when the answer was lost, and transport/provider errors.
    pub async fn verify_by_call(&self, req: &VerifyByCallRequest) -> Result<AuthSet, LoyaltyError> {
        self.call(VERIFY_BY_CALL, None, Some(req)).await
    }

    /// `logInWithoutVerification`: for companies that do not verify numbers.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] and transport/provider errors.
    pub async fn log_in_without_verification(
        &self,
        req: &LogInWithoutVerificationRequest,
    ) -> Result<AuthSet, LoyaltyError> {
        self.call(LOG_IN_WITHOUT_VERIFICATION, None, Some(req))
            .await
    }

    /// `signUp`: registers a verified phone; returns the new customer (with its `bmtoken` when
    /// the answer carries one). Sent once, with every profile field.
    ///
    /// The answer is read as a bare customer (the seed's description) or wrapped like a
    /// verification answer (`customer`, `inCompanyProfile`, `signUpToken`). A 2xx is never an
    /// error: an answer that holds no customer gives an empty one (no token), and the caller logs
    /// in (as [`crate::auth::PendingSignUp::sign_up`] does).
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] before any call when `name`, `bDate` or `male` is missing
    /// ([`ProfileData::missing_fields`]), or with the fields the server rejected;
    /// [`LoyaltyError::OutcomeUnknown`] when the answer was lost.
    pub async fn sign_up(&self, req: &SignUpRequest) -> Result<Customer, LoyaltyError> {
        req.data.check()?;
        let resp = self.send(SIGN_UP, None, Some(encode(req)?)).await?;
        Ok(sign_up_customer(&resp))
    }

    // ---- card ----

    /// `getDashboard`: the company card, styling and the customer's latest events.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_dashboard(&self, token: &SecretString) -> Result<Dashboard, LoyaltyError> {
        self.call(GET_DASHBOARD, Some(token), None::<&()>).await
    }

    /// `getAbout`: contacts, name, logo and description of the company.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_about(&self, token: &SecretString) -> Result<CompanyAbout, LoyaltyError> {
        self.call(GET_ABOUT, Some(token), None::<&()>).await
    }

    /// `getCustomer`: the customer's profile.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_customer(&self, token: &SecretString) -> Result<Customer, LoyaltyError> {
        self.call(GET_CUSTOMER, Some(token), None::<&()>).await
    }

    /// `updateCustomer`: changes the profile. Sent once, with the whole profile (for an edit:
    /// the current profile with the changed field). The answer is undocumented: when it is a
    /// customer it is returned, anything else in a 2xx is `Ok(None)`.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] (before any call when `name`, `bDate` or `male` is
    /// missing), [`LoyaltyError::SessionExpired`],
    /// [`LoyaltyError::OutcomeUnknown`] when the answer was lost.
    pub async fn update_customer(
        &self,
        token: &SecretString,
        data: &ProfileData,
    ) -> Result<Option<Customer>, LoyaltyError> {
        data.check()?;
        let resp = self
            .send(UPDATE_CUSTOMER, Some(token), Some(encode(data)?))
            .await?;
        Ok(resp.json::<Customer>().ok().filter(|c| !c.phone.is_empty()))
    }

    /// `getLevels`: the levels and the customer's progress.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_levels(&self, token: &SecretString) -> Result<Levels, LoyaltyError> {
        self.call(GET_LEVELS, Some(token), None::<&()>).await
    }

    /// `getMarksHistory`: one page of points events.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_marks_history(
        &self,
        token: &SecretString,
        page: PageRequest,
    ) -> Result<Page<MarkEvent>, LoyaltyError> {
        self.page(GET_MARKS_HISTORY, token, page).await
    }

    /// `getMarksToBeDecrease`: one page of upcoming burns.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_marks_to_be_decrease(
        &self,
        token: &SecretString,
        page: PageRequest,
    ) -> Result<Page<Marks>, LoyaltyError> {
        self.page(GET_MARKS_TO_BE_DECREASE, token, page).await
    }

    /// `getTransactions`: one page of transactions with their reviews.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_transactions(
        &self,
        token: &SecretString,
        page: PageRequest,
    ) -> Result<Page<TransactionWithReview>, LoyaltyError> {
        self.page(GET_TRANSACTIONS, token, page).await
    }

    /// `getTransaction`: one transaction by id (a bare transaction is accepted too).
    ///
    /// # Errors
    /// [`LoyaltyError::NotFound`] for an unknown id, [`LoyaltyError::SessionExpired`].
    pub async fn get_transaction(
        &self,
        token: &SecretString,
        req: &GetTransactionRequest,
    ) -> Result<TransactionWithReview, LoyaltyError> {
        let resp = self
            .send(GET_TRANSACTION, Some(token), Some(encode(req)?))
            .await?;
        match resp.json::<TransactionWithReview>() {
            Ok(t) => Ok(t),
            Err(first) => match resp.json::<Transaction>() {
                Ok(t) => Ok(TransactionWithReview::new(t)),
                Err(_) => Err(first),
            },
        }
    }

    /// `getComments`: one page of reviewed transactions.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_comments(
        &self,
        token: &SecretString,
        page: PageRequest,
    ) -> Result<Page<TransactionWithReview>, LoyaltyError> {
        self.page(GET_COMMENTS, token, page).await
    }

    /// `setComment`: reviews a purchase. Sent once; any 2xx body is success.
    ///
    /// # Errors
    /// [`LoyaltyError::InvalidInput`] (e.g. already reviewed), [`LoyaltyError::NotFound`],
    /// [`LoyaltyError::OutcomeUnknown`] when the answer was lost.
    pub async fn set_comment(
        &self,
        token: &SecretString,
        req: &SetCommentRequest,
    ) -> Result<(), LoyaltyError> {
        if req.star > 5 {
            return Err(LoyaltyError::invalid("star", "the rating must be 0..=5"));
        }
        self.send(SET_COMMENT, Some(token), Some(encode(req)?))
            .await
            .map(|_| ())
    }

    /// `getStocks`: the active promotions.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_stocks(&self, token: &SecretString) -> Result<Vec<Stock>, LoyaltyError> {
        self.call_list(GET_STOCKS, token, None::<&()>).await
    }

    /// `getNotifications`: one page of notifications.
    ///
    /// # Errors
    /// [`LoyaltyError::SessionExpired`] for a refused token, and transport/provider errors.
    pub async fn get_notifications(
        &self,
        token: &SecretString,
        page: PageRequest,
    ) -> Result<Page<Notification>, LoyaltyError> {
        self.page(GET_NOTIFICATIONS, token, page).await
    }

    // ---- streams ----

    /// Every points event, walking pages of `page_size`.
    pub fn marks_history_stream<'a>(
        &'a self,
        token: &'a SecretString,
        page_size: u32,
    ) -> impl Stream<Item = Result<MarkEvent, LoyaltyError>> + 'a {
        paginate(PageRequest::first(page_size), move |p| {
            self.get_marks_history(token, p)
        })
    }

    /// Every upcoming burn, walking pages of `page_size`.
    pub fn marks_to_be_decrease_stream<'a>(
        &'a self,
        token: &'a SecretString,
        page_size: u32,
    ) -> impl Stream<Item = Result<Marks, LoyaltyError>> + 'a {
        paginate(PageRequest::first(page_size), move |p| {
            self.get_marks_to_be_decrease(token, p)
        })
    }

    /// Every transaction, walking pages of `page_size`.
    pub fn transactions_stream<'a>(
        &'a self,
        token: &'a SecretString,
        page_size: u32,
    ) -> impl Stream<Item = Result<TransactionWithReview, LoyaltyError>> + 'a {
        paginate(PageRequest::first(page_size), move |p| {
            self.get_transactions(token, p)
        })
    }

    /// Every review, walking pages of `page_size`.
    pub fn comments_stream<'a>(
        &'a self,
        token: &'a SecretString,
        page_size: u32,
    ) -> impl Stream<Item = Result<TransactionWithReview, LoyaltyError>> + 'a {
        paginate(PageRequest::first(page_size), move |p| {
            self.get_comments(token, p)
        })
    }

    /// Every notification, walking pages of `page_size`.
    pub fn notifications_stream<'a>(
        &'a self,
        token: &'a SecretString,
        page_size: u32,
    ) -> impl Stream<Item = Result<Notification, LoyaltyError>> + 'a {
        paginate(PageRequest::first(page_size), move |p| {
            self.get_notifications(token, p)
        })
    }
}

fn encode(body: &(impl Serialize + ?Sized)) -> Result<Vec<u8>, LoyaltyError> {
    serde_json::to_vec(body)
        .map_err(|e| LoyaltyError::Config(format!("cannot encode the request body: {e}")))
}

/// Marks the answer of a sensitive `op`, and maps a non-2xx answer to its error.
pub(crate) fn check(op: Op, resp: Response) -> Result<Response, LoyaltyError> {
    let resp = if op.sensitive { resp.sensitive() } else { resp };
    if resp.status.is_success() {
        Ok(resp)
    } else {
        Err(map_error(op, &resp))
    }
}

/// Keys under which a list may be wrapped (none documented: ASSUMED).
const LIST_KEYS: &[&str] = &["items", "content", "data", "list", "result", "rows", "page"];

/// A list answer: a bare JSON array (the reading of the seed) or an object wrapping one.
pub(crate) fn decode_list<T: DeserializeOwned>(resp: &Response) -> Result<Vec<T>, LoyaltyError> {
    let value: serde_json::Value = resp.json()?;
    let array = match value {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Object(mut m) => {
            let key = LIST_KEYS
                .iter()
                .find(|k| m.get(**k).is_some_and(serde_json::Value::is_array))
                .map(|k| (*k).to_owned())
                .or_else(|| m.iter().find(|(_, v)| v.is_array()).map(|(k, _)| k.clone()));
            match key.and_then(|k| m.remove(&k)) {
                Some(serde_json::Value::Array(a)) => a,
                _ => return Err(resp.decode_error("expected a JSON array (or an object with one)")),
            }
        }
        _ => return Err(resp.decode_error("expected a JSON array")),
    };
    array
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| resp.decode_error(format!("item {i}: {e}")))
        })
        .collect()
}

/// The customer in a 2xx `signUp` answer: bare, or under `customer` (a verification-style
/// answer); an empty customer (no token) when the answer holds none.
fn sign_up_customer(resp: &Response) -> Customer {
    if let Ok(set) = resp.json::<AuthSet>() {
        if let Some(c) = set.customer.filter(|c| c.token().is_some()) {
            return c;
        }
    }
    match resp.json::<Customer>() {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "the signUp answer holds no customer; logging in instead");
            Customer::new(String::new())
        }
    }
}
