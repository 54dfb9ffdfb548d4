//! ERGO's error codes and their mapping to [`LoyaltyError`].
//!
//! ERGO answers errors with HTTP 200 and a body
//! `{"methodresponse": "PostSN", "error": {"code": 16, "comment": "..."}}`. The same code means
//! different things in different methods (code 1 is "unknown phone" in `GetAuthCode` and
//! "session expired" everywhere else; code 14 of `PostSNModel` is about the trade point or about
//! the photo, told apart only by the comment), so the mapping is per method.
//!
//! Every mapped [`LoyaltyError`] keeps the ERGO code (as text) and the comment verbatim in its
//! [`ProviderDetail`]; [`ErgoError::from_error`] gives them back typed, and
//! [`ErgoError::kind`] classifies them for a method.

use std::fmt;

use loyalty_core::{Endpoint, FieldError, Idempotency, LoyaltyError, ProviderDetail};
use serde::{Deserialize, Serialize};

/// The 14 methods of the ERGO CLUB mobile API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErgoMethod {
    /// `GetAuthCode`: send a confirmation code by SMS.
    GetAuthCode,
    /// `GetToken`: exchange the code for a session.
    GetToken,
    /// `GetChanges`: which data changed since the last look.
    GetChanges,
    /// `GetProfile`: the seller's profile and trade points.
    GetProfile,
    /// `PostProfile`: change the seller's name and e-mail.
    PostProfile,
    /// `GetBalanceInfo`: bonus, points and registration sums.
    GetBalanceInfo,
    /// `GetRegistrations`: registrations of one type.
    GetRegistrations,
    /// `GetNotices`: notices for the seller.
    GetNotices,
    /// `GetActions`: actions (promotions) with their models.
    GetActions,
    /// `PostSN`: quick registration of a serial number.
    PostSN,
    /// `PostSNModel`: full registration of a serial number for an action and model.
    PostSNModel,
    /// `PostQuestion`: a question to support, optionally with a photo.
    PostQuestion,
    /// `GetNews`: the news list.
    GetNews,
    /// `GetArticle`: the text of one news item.
    GetArticle,
}

impl ErgoMethod {
    /// Every method.
    pub const ALL: [ErgoMethod; 14] = [
        Self::GetAuthCode,
        Self::GetToken,
        Self::GetChanges,
        Self::GetProfile,
        Self::PostProfile,
        Self::GetBalanceInfo,
        Self::GetRegistrations,
        Self::GetNotices,
        Self::GetActions,
        Self::PostSN,
        Self::PostSNModel,
        Self::PostQuestion,
        Self::GetNews,
        Self::GetArticle,
    ];

    /// The method's name as sent in the `"method"` field.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::GetAuthCode => "GetAuthCode",
            Self::GetToken => "GetToken",
            Self::GetChanges => "GetChanges",
            Self::GetProfile => "GetProfile",
            Self::PostProfile => "PostProfile",
            Self::GetBalanceInfo => "GetBalanceInfo",
            Self::GetRegistrations => "GetRegistrations",
            Self::GetNotices => "GetNotices",
            Self::GetActions => "GetActions",
            Self::PostSN => "PostSN",
            Self::PostSNModel => "PostSNModel",
            Self::PostQuestion => "PostQuestion",
            Self::GetNews => "GetNews",
            Self::GetArticle => "GetArticle",
        }
    }

    /// The method for a name (surrounding spaces ignored), if it is one of the 14.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL.into_iter().find(|m| m.as_str() == name)
    }

    /// The call of this method: `POST {base}/api/mobile/` and its retry class, chosen per
    /// method by an exhaustive match (a new method does not compile until it is decided).
    /// Everything that sends a code, registers, writes the profile or sends a question is sent
    /// once; `GetToken` too (a code is single-use).
    pub const fn endpoint(self) -> Endpoint {
        use Idempotency::{Idempotent, StateChanging};
        let idempotency = match self {
            Self::GetAuthCode
            | Self::GetToken
            | Self::PostProfile
            | Self::PostSN
            | Self::PostSNModel
            | Self::PostQuestion => StateChanging,
            Self::GetChanges
            | Self::GetProfile
            | Self::GetBalanceInfo
            | Self::GetRegistrations
            | Self::GetNotices
            | Self::GetActions
            | Self::GetNews
            | Self::GetArticle => Idempotent,
        };
        Endpoint::post(self.as_str(), crate::client::API_PATH, idempotency)
    }

    /// Whether the method takes a `session` (all but `GetAuthCode` and `GetToken`).
    pub const fn needs_session(self) -> bool {
        !matches!(self, Self::GetAuthCode | Self::GetToken)
    }
}

impl fmt::Display for ErgoMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an ERGO error code means for the method that returned it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErgoErrorKind {
    /// Code 1 of the session methods: the session expired; authorize again.
    SessionExpired,
    /// Code 2 of the session methods: the session is unknown to ERGO; authorize again.
    SessionIncorrect,
    /// Code 3: the user is not active (blocked); send them to the website.
    UserNotActive,
    /// `GetAuthCode`/`GetToken` code 1: the phone is not in ERGO's user base.
    PhoneUnknown,
    /// `GetAuthCode` code 2: a code was already sent to this phone.
    CodeAlreadySent,
    /// `GetToken` code 2: the confirmation code is wrong.
    WrongCode,
    /// `PostSNModel` code 11: no action with that id.
    ActionUnknown,
    /// `PostSNModel` code 12: the action is over.
    ActionEnded,
    /// Code 13, or code 16 whose comment says so: the serial number takes no part in an action.
    SerialNotInAction,
    /// `PostSNModel` code 14 about the trade point (`sn_tt`): missing or not the user's.
    TradePointInvalid,
    /// `PostSNModel` code 14 about the photo (`sn_photo`): missing or unusable.
    PhotoInvalid,
    /// `PostSNModel` code 14 whose comment names neither the trade point nor the photo.
    ActionDataInvalid,
    /// `PostSNModel` code 15: a photo of the serial number is required.
    PhotoRequired,
    /// Code 16 whose comment says the serial number is already registered.
    SerialAlreadyRegistered,
    /// Code 16 otherwise: the serial number is not valid.
    SerialInvalid,
    /// `PostSN` code 17: the serial number belongs to several actions; use the full registration.
    SeveralActions,
    /// A code this SDK does not know for the method.
    Other(i64),
}

/// An ERGO error as the API sent it: its code and comment, verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct ErgoError {
    /// ERGO's error code (`16`).
    pub code: i64,
    /// ERGO's comment, verbatim (`"Серийный номер 123123 уже зарегистрирован"`).
    pub comment: String,
}

impl ErgoError {
    /// An error with a code and comment.
    pub fn new(code: i64, comment: impl Into<String>) -> Self {
        Self {
            code,
            comment: comment.into(),
        }
    }

    /// The ERGO error kept inside a [`LoyaltyError`] returned by this crate, if it carries one
    /// (its [`ProviderDetail`] has a numeric code).
    pub fn from_error(err: &LoyaltyError) -> Option<Self> {
        let detail = err.provider_detail()?;
        let code = detail.code.as_deref()?.trim().parse().ok()?;
        Some(Self::new(code, detail.message.clone()))
    }

    /// What this error means when `method` returned it. Codes shared by two meanings (14 and
    /// 16) are told apart by the comment.
    pub fn kind(&self, method: ErgoMethod) -> ErgoErrorKind {
        let comment = self.comment.to_lowercase();
        match method {
            ErgoMethod::GetAuthCode => match self.code {
                1 => ErgoErrorKind::PhoneUnknown,
                2 => ErgoErrorKind::CodeAlreadySent,
                3 => ErgoErrorKind::UserNotActive,
                c => ErgoErrorKind::Other(c),
            },
            ErgoMethod::GetToken => match self.code {
                1 => ErgoErrorKind::PhoneUnknown,
                2 => ErgoErrorKind::WrongCode,
                3 => ErgoErrorKind::UserNotActive,
                c => ErgoErrorKind::Other(c),
            },
            _ => match self.code {
                1 => ErgoErrorKind::SessionExpired,
                2 => ErgoErrorKind::SessionIncorrect,
                3 => ErgoErrorKind::UserNotActive,
                11 if method == ErgoMethod::PostSNModel => ErgoErrorKind::ActionUnknown,
                12 if method == ErgoMethod::PostSNModel => ErgoErrorKind::ActionEnded,
                13 if is_registration(method) => ErgoErrorKind::SerialNotInAction,
                14 if method == ErgoMethod::PostSNModel => {
                    if comment.contains("tt") || comment.contains("торгов") {
                        ErgoErrorKind::TradePointInvalid
                    } else if comment.contains("photo") || comment.contains("фото") {
                        ErgoErrorKind::PhotoInvalid
                    } else {
                        ErgoErrorKind::ActionDataInvalid
                    }
                }
                15 if method == ErgoMethod::PostSNModel => ErgoErrorKind::PhotoRequired,
                16 if is_registration(method) => classify_sn_comment(&comment),
                17 if method == ErgoMethod::PostSN => ErgoErrorKind::SeveralActions,
                c => ErgoErrorKind::Other(c),
            },
        }
    }

    /// The [`LoyaltyError`] for this error returned by `method`, keeping the code and comment
    /// in its [`ProviderDetail`] (with the HTTP `status` when known).
    pub fn into_loyalty_error(self, method: ErgoMethod, status: Option<u16>) -> LoyaltyError {
        let kind = self.kind(method);
        let mut detail = ProviderDetail::new(self.code.to_string(), self.comment.clone());
        detail.status = status;
        let field = |name: &str| LoyaltyError::InvalidInput {
            fields: vec![FieldError::new(name, self.comment.clone())],
            detail: Some(detail.clone()),
        };
        match kind {
            ErgoErrorKind::SessionExpired | ErgoErrorKind::SessionIncorrect => {
                LoyaltyError::SessionExpired { detail }
            }
            ErgoErrorKind::UserNotActive => LoyaltyError::Blocked { detail },
            ErgoErrorKind::PhoneUnknown => LoyaltyError::NotFound { detail },
            ErgoErrorKind::CodeAlreadySent => LoyaltyError::CodeAlreadySent {
                retry_after: None,
                detail,
            },
            ErgoErrorKind::WrongCode => LoyaltyError::WrongCode { detail },
            ErgoErrorKind::ActionUnknown | ErgoErrorKind::ActionEnded => field("action_id"),
            ErgoErrorKind::SerialNotInAction
            | ErgoErrorKind::SerialAlreadyRegistered
            | ErgoErrorKind::SerialInvalid
            | ErgoErrorKind::SeveralActions => field("sn"),
            ErgoErrorKind::TradePointInvalid => field("sn_tt"),
            ErgoErrorKind::PhotoInvalid | ErgoErrorKind::PhotoRequired => field("file"),
            ErgoErrorKind::ActionDataInvalid => field("model_id"),
            ErgoErrorKind::Other(_) => LoyaltyError::Provider { detail },
        }
    }
}

impl fmt::Display for ErgoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ERGO error {}: {}", self.code, self.comment)
    }
}

impl std::error::Error for ErgoError {}

fn is_registration(method: ErgoMethod) -> bool {
    matches!(method, ErgoMethod::PostSN | ErgoMethod::PostSNModel)
}

/// Code 16 is shared by "already registered", "not in the action" and "incorrect sn".
fn classify_sn_comment(comment: &str) -> ErgoErrorKind {
    if comment.contains("зарегистр")
        || comment.contains("зареєстр")
        || comment.contains("already registered")
    {
        ErgoErrorKind::SerialAlreadyRegistered
    } else if comment.contains("не принимает участ")
        || comment.contains("не бере участ")
        || comment.contains("not take part")
        || comment.contains("not in action")
    {
        ErgoErrorKind::SerialNotInAction
    } else {
        ErgoErrorKind::SerialInvalid
    }
}

/// An extension to read the ERGO error out of a [`LoyaltyError`].
pub trait ErgoErrorExt {
    /// The ERGO code and comment, if this error came from an ERGO error body.
    fn ergo(&self) -> Option<ErgoError>;
}

impl ErgoErrorExt for LoyaltyError {
    fn ergo(&self) -> Option<ErgoError> {
        ErgoError::from_error(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_14_and_16_are_told_apart_by_comment() {
        let m = ErgoMethod::PostSNModel;
        assert_eq!(
            ErgoError::new(14, "incorrect sn_tt data").kind(m),
            ErgoErrorKind::TradePointInvalid
        );
        assert_eq!(
            ErgoError::new(14, "incorrect sn_photo data").kind(m),
            ErgoErrorKind::PhotoInvalid
        );
        assert_eq!(
            ErgoError::new(16, "Серийный номер 123123 уже зарегистрирован")
                .kind(ErgoMethod::PostSN),
            ErgoErrorKind::SerialAlreadyRegistered
        );
        assert_eq!(
            ErgoError::new(16, " Серийный номер 123123 не принимает участия в акции ").kind(m),
            ErgoErrorKind::SerialNotInAction
        );
        assert_eq!(
            ErgoError::new(16, "incorrect sn").kind(m),
            ErgoErrorKind::SerialInvalid
        );
    }

    #[test]
    fn method_names_round_trip() {
        for m in ErgoMethod::ALL {
            assert_eq!(ErgoMethod::from_name(m.as_str()), Some(m));
        }
        assert_eq!(
            ErgoMethod::from_name(" GetBalanceInfo "),
            Some(ErgoMethod::GetBalanceInfo)
        );
        assert_eq!(ErgoMethod::from_name("GetCanges"), None);
    }
}
