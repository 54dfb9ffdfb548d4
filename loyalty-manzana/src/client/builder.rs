//! The client's builder and the tenant-specific endpoints it takes.

use super::*;

/// A tenant-specific endpoint for an operation no public source shows (delete, burn dates).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CustomEndpoint {
    /// The service it lives on.
    pub service: Service,
    /// Its path relative to the service base (`Contact/Delete`).
    pub path: String,
}

impl CustomEndpoint {
    /// An endpoint at `path` of `service`.
    pub fn new(service: Service, path: impl Into<String>) -> Self {
        Self {
            service,
            path: path.into(),
        }
    }
}

/// Builds a [`ManzanaClient`].
pub struct ManzanaClientBuilder {
    pub(super) customer_url: String,
    pub(super) manager_url: Option<String>,
    pub(super) admin_url: Option<String>,
    pub(super) partner_id: String,
    pub(super) manager_login: Option<(String, SecretString)>,
    pub(super) manager_fixed_session: Option<SecretString>,
    pub(super) manager_session_ttl: Option<Duration>,
    pub(super) admin_session: Option<SecretString>,
    pub(super) body_form: BodyForm,
    pub(super) quote_numbers: bool,
    pub(super) session_rules: SessionRules,
    pub(super) delete_endpoint: Option<CustomEndpoint>,
    pub(super) burns_endpoint: Option<CustomEndpoint>,
    pub(super) cashier_field: String,
    pub(super) registration_app_id: Option<String>,
    pub(super) product_names: Option<ProductNames>,
    pub(super) pos: Option<PosConfig>,
    pub(super) http: HttpOptions,
}

/// A look-up from an article number to a product name (Manzana's cheque lines carry only the
/// article): [`ManzanaClientBuilder::product_names`].
pub type ProductNames = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

impl fmt::Debug for ManzanaClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ManzanaClientBuilder")
            .field("customer_url", &self.customer_url)
            .field("manager_url", &self.manager_url)
            .field("admin_url", &self.admin_url)
            .field("partner_id", &self.partner_id)
            .field(
                "manager_login",
                &self.manager_login.as_ref().map(|(l, _)| (l, "[REDACTED]")),
            )
            .field(
                "manager_session",
                &self.manager_fixed_session.as_ref().map(|_| "[REDACTED]"),
            )
            .field("manager_session_ttl", &self.manager_session_ttl)
            .field(
                "admin_session",
                &self.admin_session.as_ref().map(|_| "[REDACTED]"),
            )
            .field("body_form", &self.body_form)
            .field("registration_app_id", &self.registration_app_id)
            .field("pos", &self.pos)
            .field("http", &self.http)
            .finish_non_exhaustive()
    }
}

impl ManzanaClientBuilder {
    /// The `ManagerOfficeService` base URL (needed for look-ups by phone, server-side creation
    /// and the [`crate::ChequeWatcher`]).
    pub fn manager_url(mut self, url: impl Into<String>) -> Self {
        self.manager_url = Some(url.into());
        self
    }

    /// The `AdministratorOfficeService` base URL.
    pub fn admin_url(mut self, url: impl Into<String>) -> Self {
        self.admin_url = Some(url.into());
        self
    }

    /// The manager login and password for `Identity/Login` (a session is obtained on first use
    /// and renewed once when it expires).
    pub fn manager_credentials(
        mut self,
        login: impl Into<String>,
        password: impl Into<SecretString>,
    ) -> Self {
        self.manager_login = Some((login.into(), password.into()));
        self
    }

    /// A fixed manager session issued by Manzana (many tenants get one instead of a login and
    /// password). It is used as it is and never renewed; with
    /// [`Self::manager_credentials`] too, the client logs in when it is refused.
    pub fn manager_session(mut self, session: impl Into<SecretString>) -> Self {
        self.manager_fixed_session = Some(session.into());
        self
    }

    /// How long a manager session from `Identity/Login` lives (Manzana does not publish it;
    /// none by default). With it, the client logs in again a minute before the session would
    /// expire instead of waiting for a refusal; a refusal that signals an expired session still
    /// leads to one new login and one repeat.
    pub fn manager_session_ttl(mut self, ttl: Duration) -> Self {
        self.manager_session_ttl = Some(ttl);
        self
    }

    /// The `AppId` some tenants require when a registration opens; sent by
    /// [`ManzanaClient::request_registration`] and [`ManzanaClient::create_contact`] unless the
    /// [`Registration`] carries its own.
    pub fn registration_app_id(mut self, app_id: impl Into<String>) -> Self {
        self.registration_app_id = Some(app_id.into());
        self
    }

    /// Names the products of cheque lines from their article numbers (the lines carry no name;
    /// a line without one is named by its article).
    pub fn product_names(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.product_names = Some(Arc::new(lookup));
        self
    }

    /// A fixed, vendor-issued administrator session: with [`Self::admin_url`], cheque lines
    /// are read through the administrator service (after the cheque is checked to belong to
    /// the customer).
    pub fn admin_session(mut self, session: impl Into<SecretString>) -> Self {
        self.admin_session = Some(session.into());
        self
    }

    /// The POST body form (default [`BodyForm::Parameter`], form A).
    pub fn body_form(mut self, form: BodyForm) -> Self {
        self.body_form = form;
        self
    }

    /// Whether numeric GET parameters (`take`, `skip`) are quoted too (default `false`).
    pub fn quote_numbers(mut self, on: bool) -> Self {
        self.quote_numbers = on;
        self
    }

    /// How session errors are recognised (ASSUMED defaults, see [`SessionRules`]).
    pub fn session_rules(mut self, rules: SessionRules) -> Self {
        self.session_rules = rules;
        self
    }

    /// A tenant endpoint that deletes the contact (POST `{SessionId, Id}` with the manager
    /// session). Without it deletion is [`LoyaltyError::Unsupported`].
    pub fn delete_endpoint(mut self, endpoint: CustomEndpoint) -> Self {
        self.delete_endpoint = Some(endpoint);
        self
    }

    /// A tenant endpoint listing burn dates (GET `contactId`, `sessionId` with the customer
    /// session, answering `{"value": [{"Date", "Amount"}]}`). Without it burn dates are
    /// [`LoyaltyError::Unsupported`].
    pub fn burns_endpoint(mut self, endpoint: CustomEndpoint) -> Self {
        self.burns_endpoint = Some(endpoint);
        self
    }

    /// The cheque field holding the cashier's name (default `CashierName`; ASSUMED, no public
    /// source shows one).
    pub fn cashier_field(mut self, key: impl Into<String>) -> Self {
        self.cashier_field = key.into();
        self
    }

    /// The POS SOAP endpoint for `BalanceRequest`.
    pub fn pos(mut self, pos: PosConfig) -> Self {
        self.pos = Some(pos);
        self
    }

    loyalty_core::http_builder_methods!(http);

    /// Builds the client.
    ///
    /// # Errors
    /// [`LoyaltyError::Config`] for a bad base URL, manager credentials without a manager URL,
    /// or a TLS set-up failure.
    pub fn build(self) -> Result<ManzanaClient, LoyaltyError> {
        if (self.manager_login.is_some() || self.manager_fixed_session.is_some())
            && self.manager_url.is_none()
        {
            return Err(LoyaltyError::Config(
                "manager credentials or a manager session need a manager URL".into(),
            ));
        }
        let customer = self.http.clone().build(&self.customer_url)?;
        let manager = match &self.manager_url {
            Some(u) => Some(self.http.clone().build(u)?),
            None => None,
        };
        let admin = match &self.admin_url {
            Some(u) => Some(self.http.clone().build(u)?),
            None => None,
        };
        let pos = match self.pos {
            Some(p) => {
                // The base URL of an `HttpClient` always ends with `/`; the POS endpoint is a
                // file (`…/POSProcessing.asmx`), so the client gets its directory and the file
                // name is the path.
                let (dir, file) = crate::pos::split_endpoint(&p.url);
                let http = self.http.clone().build(dir)?;
                Some((http, file.to_owned(), p))
            }
            None => None,
        };
        Ok(ManzanaClient {
            inner: Arc::new(Inner {
                customer,
                manager,
                admin,
                pos,
                partner_id: self.partner_id,
                manager_login: self.manager_login,
                manager_fixed_session: self.manager_fixed_session,
                manager_session_ttl: self.manager_session_ttl,
                manager_session: Mutex::new(None),
                admin_session: self.admin_session,
                registration_app_id: self.registration_app_id,
                product_names: self.product_names,
                body_form: self.body_form,
                quote_numbers: self.quote_numbers,
                session_rules: self.session_rules,
                delete_endpoint: self.delete_endpoint,
                burns_endpoint: self.burns_endpoint,
                cashier_field: self.cashier_field,
                pending: StdMutex::new(HashMap::new()),
            }),
        })
    }
}
