//! The values that cross the [`crate::Messenger`] trait besides messages: what a webhook request
//! turned into ([`WebhookOutcome`], with the [`WelcomeSlot`] Viber opens before a user
//! subscribes), the HTTP answer to give the platform ([`WebhookResponse`]), and a raw platform
//! request ([`RawRequest`]) for what the common model does not cover.

use bytes::Bytes;

use crate::model::{ChatRef, Update};

/// What one authenticated webhook request turned into ([`crate::Messenger::receive_webhook`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookOutcome {
    /// The updates, in order (unknown ones as [`crate::UpdateKind::Other`]).
    pub updates: Vec<Update>,
    /// Set when the platform lets the bot answer this request in its HTTP response, and, for a
    /// user who has not subscribed yet, **only** there: Viber's `conversation_started`. Render
    /// the greeting with [`crate::Messenger::welcome_response`] and answer with it.
    pub welcome: Option<WelcomeSlot>,
}

impl WebhookOutcome {
    /// Updates with no welcome slot.
    pub fn new(updates: Vec<Update>) -> Self {
        Self {
            updates,
            welcome: None,
        }
    }

    /// Sets the welcome slot.
    pub fn with_welcome(mut self, slot: WelcomeSlot) -> Self {
        self.welcome = Some(slot);
        self
    }
}

/// The one chance to greet a user in the HTTP answer to a webhook request (Viber's welcome
/// message: before the user subscribes, `send_message` to them fails with status 6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WelcomeSlot {
    /// The chat (user) the welcome goes to.
    pub chat: ChatRef,
    /// The dedup key of the update that opened the slot.
    pub dedup_key: String,
    /// Whether the user is already subscribed (then ordinary sends work as well); `None` when the
    /// platform did not say.
    pub subscribed: Option<bool>,
}

impl WelcomeSlot {
    /// A slot for `chat`, opened by the update with `dedup_key`.
    pub fn new(chat: ChatRef, dedup_key: impl Into<String>, subscribed: Option<bool>) -> Self {
        Self {
            chat,
            dedup_key: dedup_key.into(),
            subscribed,
        }
    }

    /// Whether this is the only way to reach the user now (they have not subscribed, or the
    /// platform did not say they have).
    pub fn is_only_chance(&self) -> bool {
        self.subscribed != Some(true)
    }
}

/// The HTTP answer to give the platform for a webhook request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebhookResponse {
    /// The HTTP status (200).
    pub status: u16,
    /// The `Content-Type` of `body`, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body (empty for a plain acknowledgement).
    pub body: Bytes,
}

impl WebhookResponse {
    /// 200 with an empty body: the usual acknowledgement.
    pub fn ok() -> Self {
        Self {
            status: 200,
            content_type: None,
            body: Bytes::new(),
        }
    }

    /// 200 with a JSON body.
    pub fn json(body: impl Into<Bytes>) -> Self {
        Self {
            status: 200,
            content_type: Some("application/json"),
            body: body.into(),
        }
    }
}

impl Default for WebhookResponse {
    fn default() -> Self {
        Self::ok()
    }
}

/// The HTTP method of a [`RawRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RawMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
    /// `PUT`.
    Put,
    /// `PATCH`.
    Patch,
    /// `DELETE`.
    Delete,
}

impl RawMethod {
    /// The method as an `http::Method`.
    pub fn as_http(&self) -> http::Method {
        match self {
            Self::Get => http::Method::GET,
            Self::Post => http::Method::POST,
            Self::Put => http::Method::PUT,
            Self::Patch => http::Method::PATCH,
            Self::Delete => http::Method::DELETE,
        }
    }
}

/// A platform request the common model does not cover, sent with the adapter's credentials,
/// base URL, timeouts, error mapping and no-redirect policy ([`crate::Messenger::send_raw`]).
///
/// `path` is the platform's own name for the call: a Bot API method on Telegram (`"sendDice"`,
/// always POSTed as JSON), a REST method on Viber (`"get_account_info"`, always POSTed), a path
/// on MAX (`"/chats/123/pin"`, with any method and query). It must be a relative name: no
/// scheme, no host, no `..`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RawRequest {
    /// The HTTP method.
    pub method: RawMethod,
    /// The method name or path.
    pub path: String,
    /// Query parameters.
    pub query: Vec<(String, String)>,
    /// The JSON body, when there is one.
    pub body: Option<serde_json::Value>,
}

impl RawRequest {
    /// A request with `method`, `path` and no query or body.
    pub fn new(method: RawMethod, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    /// A `POST` of `body` to `path`.
    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self::new(RawMethod::Post, path).body(body)
    }

    /// A `GET` of `path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(RawMethod::Get, path)
    }

    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Whether `path` is a safe relative name: not empty, no scheme or host, no `..` segment, no
    /// query or fragment (use [`RawRequest::query`]), no whitespace or control characters.
    pub fn has_safe_path(&self) -> bool {
        let p = self.path.as_str();
        !p.is_empty()
            && !p.contains("://")
            && !p.starts_with("//")
            && !p.split('/').any(|seg| seg == ".." || seg == ".")
            && !p
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '\\'))
    }
}
