//! One error model for every messenger adapter.

use std::fmt;
use std::time::Duration;

use crate::limits::ValidationError;
use crate::model::{MessengerKind, PlatformId};

/// The most bytes of a body kept in [`MessengerError::Decode`].
pub const SNIPPET_LIMIT: usize = 512;

/// What the platform said about an error, kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ApiDetail {
    /// HTTP status, when there was one.
    pub status: Option<u16>,
    /// The platform's error code as text (Telegram `error_code`, Viber `status`, MAX `code`).
    pub code: Option<String>,
    /// The platform's description, verbatim (treat it as opaque).
    pub description: String,
}

impl ApiDetail {
    /// A detail with a status, a code and a description.
    pub fn new(status: Option<u16>, code: Option<String>, description: impl Into<String>) -> Self {
        Self {
            status,
            code,
            description: description.into(),
        }
    }
}

impl fmt::Display for ApiDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(s) = self.status {
            write!(f, "HTTP {s}")?;
            sep = ", ";
        }
        if let Some(c) = &self.code {
            write!(f, "{sep}code {c}")?;
            sep = ", ";
        }
        if !self.description.is_empty() {
            write!(f, "{sep}{:?}", self.description)?;
        } else if sep.is_empty() {
            f.write_str("no details")?;
        }
        Ok(())
    }
}

/// What a "too many requests" answer applies to, so a scheduler pauses only what must wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RateLimitScope {
    /// The whole bot (its token): every chat must wait.
    Bot,
    /// Only the chat the request went to: other chats may go on.
    Chat,
}

impl RateLimitScope {
    /// `"bot"` or `"chat"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Bot => "bot",
            Self::Chat => "chat",
        }
    }
}

impl fmt::Display for RateLimitScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error a messenger adapter returns. No variant ever carries a token, a webhook secret or
/// a URL that contains one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessengerError {
    /// The platform asks to slow down (Telegram 429 with `retry_after`, Viber status 12, MAX 429).
    #[error("rate limited by the platform ({scope} scope){} ({detail})", fmt_retry(*.retry_after))]
    RateLimited {
        /// Whether the whole bot or only the chat must wait (see each adapter's README for how
        /// it decides).
        scope: RateLimitScope,
        /// How long to wait, when the platform says.
        retry_after: Option<Duration>,
        /// What the platform said.
        detail: ApiDetail,
    },
    /// The user blocked or stopped the bot, or deleted their account: mark them inactive.
    #[error("the user blocked the bot or is gone ({detail})")]
    Blocked {
        /// What the platform said.
        detail: ApiDetail,
    },
    /// The user has not subscribed to the bot yet (Viber status 6, `receiverNotSubscribed`):
    /// ordinary messages cannot reach them, but they are **not** gone. Before subscribing, a
    /// Viber user can only be answered with the welcome message in the HTTP answer to
    /// `conversation_started` ([`crate::Messenger::welcome_response`]); their first message
    /// subscribes them. A user who unsubscribes later is reported by Viber's `unsubscribed`
    /// callback ([`crate::UpdateKind::Unsubscribed`]), which is the signal to deactivate.
    #[error("the user has not subscribed to the bot ({detail})")]
    NotSubscribed {
        /// What the platform said.
        detail: ApiDetail,
    },
    /// The chat does not exist (or the bot was never in it): mark it inactive.
    #[error("chat not found ({detail})")]
    ChatNotFound {
        /// What the platform said.
        detail: ApiDetail,
    },
    /// The group moved to a new chat id (Telegram: a group upgraded to a supergroup answers 400
    /// with `parameters.migrate_to_chat_id`). Send again to `new_chat_id` and store it.
    #[error("the chat moved to {new_chat_id} ({detail})")]
    ChatMigrated {
        /// The chat's new id.
        new_chat_id: PlatformId,
        /// What the platform said.
        detail: ApiDetail,
    },
    /// The platform refused the request (bad parameters, …).
    #[error("invalid request ({detail})")]
    InvalidRequest {
        /// What the platform said.
        detail: ApiDetail,
    },
    /// The bot token is wrong or revoked.
    #[error("unauthorized: the bot token was rejected ({detail})")]
    Unauthorized {
        /// What the platform said.
        detail: ApiDetail,
    },
    /// Another consumer is polling, or a webhook is set while polling (Telegram 409).
    #[error("conflict ({detail})")]
    Conflict {
        /// What the platform said.
        detail: ApiDetail,
    },
    /// The platform failed (5xx).
    #[error("platform error ({detail})")]
    Server {
        /// What the platform said.
        detail: ApiDetail,
    },
    /// No usable answer came. `maybe_sent` tells whether the request may have reached the platform
    /// (then a resend may duplicate the message).
    #[error("transport error: {reason}")]
    Transport {
        /// What went wrong, with URLs removed.
        reason: String,
        /// Whether the request may have been delivered.
        maybe_sent: bool,
    },
    /// The server answered with a redirect (3xx). Adapters never follow redirects: their
    /// credentials travel in headers (`X-Viber-Auth-Token`, MAX `Authorization`) or in the URL
    /// path (Telegram), and a redirect to another host would hand them over. A redirect means a
    /// wrong base URL or a proxy in the way; nothing was done.
    #[error("the {op} request was redirected (HTTP {status}) to {}; redirects are not followed", .target.as_deref().unwrap_or("an unknown place"))]
    Redirected {
        /// The operation.
        op: &'static str,
        /// The HTTP status (301, 302, 303, 307, 308, …).
        status: u16,
        /// Where it pointed: only the scheme, host and port of `Location` (its path and query may
        /// hold a token), or `None` when there was no usable `Location`.
        target: Option<String>,
    },
    /// The answer could not be read.
    #[error("cannot decode the answer to {op} (HTTP {status}): {reason}; body starts: {snippet:?}")]
    Decode {
        /// The operation.
        op: &'static str,
        /// HTTP status (0 when not from HTTP, e.g. a webhook body).
        status: u16,
        /// Why.
        reason: String,
        /// The first [`SNIPPET_LIMIT`] bytes of the body.
        snippet: String,
    },
    /// A webhook request failed authentication (missing or wrong secret, bad signature).
    #[error("forged webhook request: {reason}")]
    ForgedWebhook {
        /// Why it was rejected (never the secret itself).
        reason: &'static str,
    },
    /// The message does not fit the platform; nothing was sent.
    #[error("invalid message: {0}")]
    Invalid(#[from] ValidationError),
    /// The platform has no such operation (long polling on Viber, downloads in the console).
    #[error("{operation} is not supported by {messenger}")]
    Unsupported {
        /// The operation.
        operation: &'static str,
        /// The messenger.
        messenger: MessengerKind,
    },
    /// The client cannot be built or configured.
    #[error("configuration error: {0}")]
    Config(String),
    /// The input ended (console EOF, in-memory messenger closed).
    #[error("the messenger's input is closed")]
    Closed,
}

fn fmt_retry(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!(", retry after {} s", d.as_secs_f64()),
        None => String::new(),
    }
}

impl MessengerError {
    /// Whether the recipient is gone for good (blocked the bot, chat not found): a broadcast should
    /// mark them inactive instead of retrying.
    pub fn is_recipient_gone(&self) -> bool {
        matches!(self, Self::Blocked { .. } | Self::ChatNotFound { .. })
    }

    /// Whether trying the same request again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Server { .. } => true,
            Self::Transport { maybe_sent, .. } => !maybe_sent,
            _ => false,
        }
    }

    /// A [`MessengerError::RateLimited`].
    pub fn rate_limited(
        scope: RateLimitScope,
        retry_after: Option<Duration>,
        detail: ApiDetail,
    ) -> Self {
        Self::RateLimited {
            scope,
            retry_after,
            detail,
        }
    }

    /// The scope of a [`MessengerError::RateLimited`]; `None` for every other error.
    pub fn rate_limit_scope(&self) -> Option<RateLimitScope> {
        match self {
            Self::RateLimited { scope, .. } => Some(*scope),
            _ => None,
        }
    }

    /// The chat's new id, for [`MessengerError::ChatMigrated`].
    pub fn migrated_to(&self) -> Option<&PlatformId> {
        match self {
            Self::ChatMigrated { new_chat_id, .. } => Some(new_chat_id),
            _ => None,
        }
    }

    /// The wait the platform asked for, for [`MessengerError::RateLimited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The platform's detail, for errors that come from the platform.
    pub fn detail(&self) -> Option<&ApiDetail> {
        match self {
            Self::RateLimited { detail, .. }
            | Self::Blocked { detail }
            | Self::NotSubscribed { detail }
            | Self::ChatNotFound { detail }
            | Self::ChatMigrated { detail, .. }
            | Self::InvalidRequest { detail }
            | Self::Unauthorized { detail }
            | Self::Conflict { detail }
            | Self::Server { detail } => Some(detail),
            _ => None,
        }
    }

    /// A [`MessengerError::Decode`] with a bounded snippet of `body`.
    pub fn decode(op: &'static str, status: u16, reason: impl Into<String>, body: &[u8]) -> Self {
        Self::Decode {
            op,
            status,
            reason: reason.into(),
            snippet: snippet(body),
        }
    }
}

/// A [`MessengerError::Redirected`] for a 3xx answer, `None` for any other status. Call it on
/// every answer before reading the body; pair it with a `reqwest::Client` built with
/// `redirect(reqwest::redirect::Policy::none())`.
pub fn redirect_error(op: &'static str, response: &reqwest::Response) -> Option<MessengerError> {
    let status = response.status();
    if !status.is_redirection() {
        return None;
    }
    let target = response
        .headers()
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|loc| response.url().join(loc).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null");
    Some(MessengerError::Redirected {
        op,
        status: status.as_u16(),
        target,
    })
}

/// For a request that carries **no credentials** (a media download by URL): the absolute http(s)
/// URL a 3xx answer points to, so the caller may follow it itself (at most a few hops). `None`
/// for any other status, or a `Location` that is missing, unparsable or not http(s).
pub fn redirect_target(response: &reqwest::Response) -> Option<reqwest::Url> {
    if !response.status().is_redirection() {
        return None;
    }
    let location = response
        .headers()
        .get(http::header::LOCATION)?
        .to_str()
        .ok()?;
    let next = response.url().join(location).ok()?;
    matches!(next.scheme(), "http" | "https").then_some(next)
}

/// The first [`SNIPPET_LIMIT`] bytes of `body`, lossily decoded, cut at a character boundary.
pub fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SNIPPET_LIMIT)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > SNIPPET_LIMIT {
        if s.ends_with('\u{fffd}') {
            s.pop();
        }
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_classification() {
        let e = MessengerError::RateLimited {
            scope: RateLimitScope::Chat,
            retry_after: Some(Duration::from_secs(3)),
            detail: ApiDetail::new(Some(429), Some("429".into()), "Too Many Requests"),
        };
        assert_eq!(
            e.to_string(),
            "rate limited by the platform (chat scope), retry after 3 s (HTTP 429, code 429, \"Too Many Requests\")"
        );
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(e.rate_limit_scope(), Some(RateLimitScope::Chat));
        let b = MessengerError::Blocked {
            detail: ApiDetail::default(),
        };
        assert!(b.is_recipient_gone() && !b.is_retryable());
        assert!(b.to_string().contains("no details"));
    }

    #[test]
    fn snippet_is_bounded() {
        let body = "я".repeat(1000);
        let s = snippet(body.as_bytes());
        assert!(s.len() <= SNIPPET_LIMIT + 3);
        assert!(s.ends_with('…'));
        assert!(!s.contains('\u{fffd}'));
    }
}
