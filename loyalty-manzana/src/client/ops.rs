//! The office-service operations: each one's service, path, method, retry and error class.

use super::*;

/// A GET parameter value.
#[derive(Clone)]
pub(crate) enum Arg {
    /// A string/GUID: sent quoted, `'…'`.
    Str(String),
    /// A secret string (a session id): sent quoted, never logged.
    Secret(SecretString),
    /// A number: unquoted unless configured otherwise.
    Num(i64),
}

/// One operation: name, service, path, method, retry class, error class and whether its answer
/// carries a session or token.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Op {
    /// The shared call description (name, method, path, an explicit retry class).
    pub(crate) endpoint: Endpoint,
    pub(crate) service: Service,
    pub(crate) kind: OpKind,
    /// The answer carries a session or token: its errors keep no body (see
    /// [`Response::sensitive`]).
    pub(crate) sensitive: bool,
}

impl Op {
    /// The same operation, its answers marked as carrying a session or token.
    const fn sensitive(self) -> Self {
        Self {
            sensitive: true,
            ..self
        }
    }
}

/// How long before the end of a manager session's configured lifetime the client logs in
/// again ([`ManzanaClientBuilder::manager_session_ttl`]).
pub(super) const MANAGER_RENEW_MARGIN: Duration = Duration::from_secs(60);

pub(crate) const fn op(
    name: &'static str,
    method: EndpointMethod,
    service: Service,
    path: &'static str,
    idempotency: Idempotency,
    kind: OpKind,
) -> Op {
    Op {
        endpoint: Endpoint::new(name, method, path, idempotency),
        service,
        kind,
        sensitive: false,
    }
}

pub(crate) const MANAGER_LOGIN: Op = op(
    "Identity/Login",
    Post,
    Manager,
    "Identity/Login",
    Idempotent,
    OpKind::Login,
)
.sensitive();
pub(crate) const FIND_BY_PHONE: Op = op(
    "Contact/FilterByPhoneAndEmail",
    Get,
    Manager,
    "Contact/FilterByPhoneAndEmail",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const REQUEST_SMS_LOGIN: Op = op(
    "Identity/AdvancedRequestSMSLogin",
    Post,
    Customer,
    "Identity/AdvancedRequestSMSLogin",
    StateChanging,
    OpKind::Input,
)
.sensitive();
pub(crate) const CONFIRM_SMS_LOGIN: Op = op(
    "Identity/AdvancedConfirmSMSLogin",
    Post,
    Customer,
    "Identity/AdvancedConfirmSMSLogin",
    StateChanging,
    OpKind::CodeCheck,
)
.sensitive();
pub(crate) const REQUEST_REGISTRATION: Op = op(
    "Identity/RequestAdvancedPhoneEmailRegistration",
    Post,
    Customer,
    "Identity/RequestAdvancedPhoneEmailRegistration",
    StateChanging,
    OpKind::Input,
)
.sensitive();
pub(crate) const REQUEST_PHONE_VERIFICATION: Op = op(
    "Identity/RequestMobilePhoneVerification",
    Post,
    Customer,
    "Identity/RequestMobilePhoneVerification",
    StateChanging,
    OpKind::Plain,
);
pub(crate) const CHECK_REGISTRATION_SMS: Op = op(
    "Identity/CheckSmsForRegistration",
    Post,
    Customer,
    "Identity/CheckSmsForRegistration",
    StateChanging,
    OpKind::CodeCheck,
)
.sensitive();
pub(crate) const FINISH_REGISTRATION: Op = op(
    "Identity/AdvancedPhoneEmailRegister",
    Post,
    Customer,
    "Identity/AdvancedPhoneEmailRegister",
    StateChanging,
    OpKind::Input,
)
.sensitive();
pub(crate) const CREATE_CONTACT: Op = op(
    "Contact/Create",
    Post,
    Manager,
    "Contact/Create",
    StateChanging,
    OpKind::Input,
);
pub(crate) const GET_CONTACT: Op = op(
    "Contact/Get",
    Get,
    Customer,
    "Contact/Get",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const UPDATE_CONTACT: Op = op(
    "Contact/Update",
    Post,
    Customer,
    "Contact/Update",
    StateChanging,
    OpKind::WithSession,
);
pub(crate) const CARDS: Op = op(
    "Card/GetAllByContact",
    Get,
    Customer,
    "Card/GetAllByContact",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const CHEQUES: Op = op(
    "Cheque/GetAllByContact",
    Get,
    Customer,
    "Cheque/GetAllByContact",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const MANAGER_CHEQUES: Op = op(
    "Cheque/GetAllByContact",
    Get,
    Manager,
    "Cheque/GetAllByContact",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const CHEQUE_ITEMS: Op = op(
    "ChequeItem/GetAllByCheque",
    Get,
    Customer,
    "ChequeItem/GetAllByCheque",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const BONUSES: Op = op(
    "Bonus/GetAllByContact",
    Get,
    Customer,
    "Bonus/GetAllByContact",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const COUPONS: Op = op(
    "Coupon/GetAllByContact",
    Get,
    Customer,
    "Coupon/GetAllByContact",
    Idempotent,
    OpKind::WithSession,
);
pub(crate) const LOGOUT: Op = op(
    "Identity/Logout",
    Post,
    Customer,
    "Identity/Logout",
    Idempotent,
    OpKind::WithSession,
);
