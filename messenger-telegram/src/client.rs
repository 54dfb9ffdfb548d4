//! The Telegram Bot API client: configuration, the one `execute` choke point and the envelope
//! mapping.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use messenger_core::tls::read_capped;
use messenger_core::{ApiDetail, Limits, MessengerError, PlatformId, RateLimitScope};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tracing::Instrument;

use crate::types::{
    AnswerCallbackQuery, DeleteMessage, DeleteWebhook, File, GetFile, GetMe, GetUpdates,
    GetWebhookInfo, Message, Method, ReplyMarkup, SendChatAction, SetWebhook, User, WebhookInfo,
};

/// The public Bot API server.
pub const DEFAULT_BASE_URL: &str = "https://api.telegram.org";
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default total timeout of one call (long polls get their polling timeout on top).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The biggest file bots can download (20 MB).
pub const MAX_DOWNLOAD_BYTES: usize = 20 * 1024 * 1024;
/// Cap on an API answer.
const MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;
/// The header Telegram puts the webhook secret in.
pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// Builds a [`TelegramBot`].
pub struct TelegramBotBuilder {
    token: SecretString,
    base_url: String,
    connect_timeout: Duration,
    timeout: Duration,
    http_client: Option<reqwest::Client>,
    webhook_secret: Option<SecretString>,
    allowed_updates: Option<Vec<String>>,
    limits: Limits,
}

impl fmt::Debug for TelegramBotBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramBotBuilder")
            .field("token", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

impl TelegramBotBuilder {
    /// Sets the API server (default [`DEFAULT_BASE_URL`]); tests point it at a fake.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Sets the connect timeout.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Sets the total timeout of one call.
    pub fn timeout(mut self, d: Duration) -> Self {
        self.timeout = d;
        self
    }

    /// Uses the caller's `reqwest::Client` (proxies, certificates).
    ///
    /// Build it with `redirect(reqwest::redirect::Policy::none())`: this adapter answers a 3xx
    /// with [`messenger_core::MessengerError::Redirected`], but only a client that does not follow
    /// redirects keeps the token from reaching another host.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The secret given to `setWebhook`; webhook requests must carry it in
    /// [`SECRET_HEADER`]. Without it [`messenger_core::Messenger::parse_webhook`] rejects
    /// every request.
    pub fn webhook_secret(mut self, secret: SecretString) -> Self {
        self.webhook_secret = Some(secret);
        self
    }

    /// The update types long polling asks for (`allowed_updates`). Default: `message`,
    /// `callback_query`, `my_chat_member`.
    pub fn allowed_updates(mut self, types: Vec<String>) -> Self {
        self.allowed_updates = Some(types);
        self
    }

    /// Overrides the limits used for validation and throttling (default [`Limits::telegram`]).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`MessengerError::Config`] for a token that is not of Telegram's shape
    /// (`<digits>:<letters, digits, _ and ->`; the token itself is never echoed), a base URL that
    /// is not http(s), a webhook secret that is not 1–256 characters of `A-Z a-z 0-9 _ -`, or a
    /// TLS set-up failure.
    pub fn build(self) -> Result<TelegramBot, MessengerError> {
        let token = self.token.expose_secret();
        let token_ok = !token.is_empty()
            && token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-'));
        if !token_ok {
            return Err(MessengerError::Config(
                "the bot token has an unexpected format (expected <digits>:<letters, digits, _ and ->)"
                    .to_owned(),
            ));
        }
        let base = messenger_core::tls::base_url(&self.base_url)?;
        if let Some(secret) = &self.webhook_secret {
            messenger_core::tls::check_webhook_secret(secret, 1)?;
        }
        let http = match self.http_client {
            Some(c) => c,
            None => messenger_core::tls::build_client(messenger_core::tls::client_builder(
                self.connect_timeout,
                concat!("messenger-telegram/", env!("CARGO_PKG_VERSION")),
            ))?,
        };
        Ok(TelegramBot {
            http,
            token: self.token,
            base_url: base,
            timeout: self.timeout,
            webhook_secret: self.webhook_secret,
            allowed_updates: self.allowed_updates.unwrap_or_else(|| {
                ["message", "callback_query", "my_chat_member"]
                    .map(str::to_owned)
                    .to_vec()
            }),
            limits: self.limits,
            uploaded: std::sync::Arc::default(),
        })
    }
}

/// A Telegram bot: the Bot API calls as methods, and [`messenger_core::Messenger`].
///
/// The token is part of every URL path, so URLs are never logged and are stripped from transport
/// errors; `Debug` redacts the token and the webhook secret.
#[derive(Clone)]
pub struct TelegramBot {
    http: reqwest::Client,
    token: SecretString,
    base_url: String,
    timeout: Duration,
    pub(crate) webhook_secret: Option<SecretString>,
    pub(crate) allowed_updates: Vec<String>,
    pub(crate) limits: Limits,
    /// The `file_id`s of the latest pictures uploaded as bytes ([`crate::messenger`]): the same
    /// picture again (a broadcast's, to each recipient) goes by its id, not uploaded again.
    pub(crate) uploaded:
        std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<(Bytes, String)>>>,
}

impl fmt::Debug for TelegramBot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TelegramBot")
            .field("token", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field(
                "webhook_secret",
                &self.webhook_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("allowed_updates", &self.allowed_updates)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<serde_json::Value>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<ResponseParameters>,
}

#[derive(Deserialize)]
struct ResponseParameters {
    retry_after: Option<u64>,
    migrate_to_chat_id: Option<i64>,
}

enum Body {
    Json(Vec<u8>),
    Multipart(reqwest::multipart::Form),
}

impl TelegramBot {
    /// A builder for `token` with the defaults: [`DEFAULT_BASE_URL`], 5 s connect timeout, 30 s
    /// timeout, [`Limits::telegram`].
    pub fn builder(token: SecretString) -> TelegramBotBuilder {
        TelegramBotBuilder {
            token,
            base_url: DEFAULT_BASE_URL.to_owned(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            http_client: None,
            webhook_secret: None,
            allowed_updates: None,
            limits: Limits::telegram(),
        }
    }

    /// The API server this bot talks to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn method_url(&self, method: &str) -> String {
        format!(
            "{}/bot{}/{}",
            self.base_url,
            self.token.expose_secret(),
            method
        )
    }

    /// Calls a Bot API method with a JSON body and decodes its `result`.
    ///
    /// # Errors
    /// The mapping of the module docs: 429 → [`MessengerError::RateLimited`] with
    /// `parameters.retry_after`, 403 → [`MessengerError::Blocked`], 400 "chat not found" →
    /// [`MessengerError::ChatNotFound`], other 400 → [`MessengerError::InvalidRequest`],
    /// 401/404 → [`MessengerError::Unauthorized`], 409 → [`MessengerError::Conflict`], 5xx →
    /// [`MessengerError::Server`]; [`MessengerError::Transport`] and [`MessengerError::Decode`].
    pub async fn execute<M: Method>(&self, request: &M) -> Result<M::Output, MessengerError> {
        self.execute_with_timeout(request, self.timeout).await
    }

    async fn execute_with_timeout<M: Method>(
        &self,
        request: &M,
        timeout: Duration,
    ) -> Result<M::Output, MessengerError> {
        let body = serde_json::to_vec(request)
            .map_err(|e| MessengerError::Config(format!("cannot encode {}: {e}", M::NAME)))?;
        let value = self.call(M::NAME, Body::Json(body), timeout).await?;
        serde_json::from_value(value.clone()).map_err(|e| {
            MessengerError::decode(M::NAME, 200, e.to_string(), value.to_string().as_bytes())
        })
    }

    /// `POST /bot<token>/<method>` with a JSON body of the caller's making; returns `result`.
    /// Used by [`messenger_core::Messenger::send_raw`]; `method` must be a Bot API method name.
    pub(crate) async fn call_raw(
        &self,
        method: &str,
        body: Vec<u8>,
    ) -> Result<serde_json::Value, MessengerError> {
        self.call_named("raw", method, Body::Json(body), self.timeout)
            .await
    }

    async fn call(
        &self,
        method: &'static str,
        body: Body,
        timeout: Duration,
    ) -> Result<serde_json::Value, MessengerError> {
        self.call_named(method, method, body, timeout).await
    }

    /// Calls `method`, reporting it as `op` (the method name, or `"raw"`).
    async fn call_named(
        &self,
        op: &'static str,
        method: &str,
        body: Body,
        timeout: Duration,
    ) -> Result<serde_json::Value, MessengerError> {
        let span = tracing::debug_span!("telegram", method, status = tracing::field::Empty);
        async {
            let req = self.http.post(self.method_url(method)).timeout(timeout);
            let req = match body {
                Body::Json(b) => req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(b),
                Body::Multipart(form) => req.multipart(form),
            };
            let resp = req.send().await.map_err(transport)?;
            let status = resp.status().as_u16();
            tracing::Span::current().record("status", status);
            let bytes = read_capped(resp, MAX_RESPONSE_BYTES, op).await?;
            // A raw call is scoped by its real method name.
            let result = map_envelope(op, status, &bytes).map_err(|e| rescope(e, method));
            if let Err(e) = &result {
                tracing::debug!(error = %e, "telegram call failed");
            }
            result
        }
        .instrument(span)
        .await
    }

    /// `getMe`: the bot's own user.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn get_me(&self) -> Result<User, MessengerError> {
        self.execute(&GetMe {}).await
    }

    /// `getUpdates`, raw (parse each with [`crate::parse_update`], which never fails). The HTTP
    /// timeout is the polling timeout plus the configured call timeout.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`]; [`MessengerError::Conflict`] while a webhook is set.
    pub async fn get_updates(
        &self,
        request: &GetUpdates,
    ) -> Result<Vec<serde_json::Value>, MessengerError> {
        let wait = Duration::from_secs(request.timeout.unwrap_or(0));
        self.execute_with_timeout(request, self.timeout + wait)
            .await
    }

    /// `setWebhook`.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn set_webhook(&self, request: &SetWebhook) -> Result<bool, MessengerError> {
        self.execute(request).await
    }

    /// `deleteWebhook` (needed before switching to long polling).
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn delete_webhook(&self, drop_pending_updates: bool) -> Result<bool, MessengerError> {
        self.execute(&DeleteWebhook {
            drop_pending_updates,
        })
        .await
    }

    /// `getWebhookInfo`.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn get_webhook_info(&self) -> Result<WebhookInfo, MessengerError> {
        self.execute(&GetWebhookInfo {}).await
    }

    /// `sendPhoto` as a multipart upload of `data`.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    #[allow(clippy::too_many_arguments)]
    pub async fn send_photo_upload(
        &self,
        chat_id: &PlatformId,
        data: Bytes,
        file_name: &str,
        mime_type: &str,
        caption_html: Option<&str>,
        reply_markup: Option<&ReplyMarkup>,
        disable_notification: bool,
    ) -> Result<Message, MessengerError> {
        let part = reqwest::multipart::Part::stream(data)
            .file_name(file_name.to_owned())
            .mime_str(mime_type)
            .map_err(|e| MessengerError::Config(format!("bad MIME type {mime_type:?}: {e}")))?;
        let mut form = reqwest::multipart::Form::new()
            .text("chat_id", chat_id.to_string())
            .part("photo", part);
        if let Some(c) = caption_html.filter(|c| !c.is_empty()) {
            form = form
                .text("caption", c.to_owned())
                .text("parse_mode", "HTML");
        }
        if disable_notification {
            form = form.text("disable_notification", "true");
        }
        if let Some(m) = reply_markup {
            let json = serde_json::to_string(m)
                .map_err(|e| MessengerError::Config(format!("cannot encode reply_markup: {e}")))?;
            form = form.text("reply_markup", json);
        }
        let value = self
            .call("sendPhoto", Body::Multipart(form), self.timeout)
            .await?;
        serde_json::from_value(value.clone()).map_err(|e| {
            MessengerError::decode(
                "sendPhoto",
                200,
                e.to_string(),
                value.to_string().as_bytes(),
            )
        })
    }

    /// `answerCallbackQuery`.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn answer_callback_query(
        &self,
        request: &AnswerCallbackQuery,
    ) -> Result<bool, MessengerError> {
        self.execute(request).await
    }

    /// `getFile`.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn get_file(&self, file_id: &str) -> Result<File, MessengerError> {
        self.execute(&GetFile {
            file_id: file_id.to_owned(),
        })
        .await
    }

    /// Downloads `/file/bot<token>/<file_path>` (at most [`MAX_DOWNLOAD_BYTES`]).
    ///
    /// # Errors
    /// [`MessengerError::Transport`]; a non-2xx status mapped like an API error;
    /// [`MessengerError::Decode`] for a file over the cap.
    pub async fn download_file(&self, file_path: &str) -> Result<Bytes, MessengerError> {
        let path = file_path.trim_start_matches('/');
        if path.split('/').any(|seg| seg == "..") {
            return Err(MessengerError::InvalidRequest {
                detail: ApiDetail::new(None, None, "file path with '..'"),
            });
        }
        let url = format!(
            "{}/file/bot{}/{}",
            self.base_url,
            self.token.expose_secret(),
            path
        );
        let span = tracing::debug_span!("telegram", method = "downloadFile");
        async {
            let resp = self
                .http
                .get(url)
                .timeout(self.timeout)
                .send()
                .await
                .map_err(transport)?;
            let status = resp.status().as_u16();
            let bytes = read_capped(resp, MAX_DOWNLOAD_BYTES, "downloadFile").await?;
            if !(200..300).contains(&status) {
                return Err(map_envelope("downloadFile", status, &bytes)
                    .err()
                    .unwrap_or_else(|| MessengerError::Server {
                        detail: ApiDetail::new(Some(status), None, messenger_core::snippet(&bytes)),
                    }));
            }
            Ok(bytes)
        }
        .instrument(span)
        .await
    }

    /// `deleteMessage`.
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn delete_message(
        &self,
        chat_id: &PlatformId,
        message_id: i64,
    ) -> Result<bool, MessengerError> {
        self.execute(&DeleteMessage {
            chat_id: chat_id.clone(),
            message_id,
        })
        .await
    }

    /// `sendChatAction` (`typing`, `upload_photo`, …).
    ///
    /// # Errors
    /// As [`TelegramBot::execute`].
    pub async fn send_chat_action(
        &self,
        chat_id: &PlatformId,
        action: &str,
    ) -> Result<bool, MessengerError> {
        self.execute(&SendChatAction {
            chat_id: chat_id.clone(),
            action: action.to_owned(),
        })
        .await
    }
}

/// The scope of a 429 answer to `method`. Telegram's answer does not say which limit was hit
/// (one chat's or the bot's overall 30 messages a second); a 429 to a method that targets one
/// chat (`send*`, `edit*`, `copy*`, `forward*`, `deleteMessage`) is taken as that chat's limit,
/// as Telegram's per-chat limits (1 a second, 20 a minute in groups) are the ones a well-paced
/// bot hits. Any other method (`getUpdates`, `getMe`, `setWebhook`, `answerCallbackQuery`,
/// downloads) is the bot's.
pub(crate) fn rate_limit_scope(method: &str) -> RateLimitScope {
    let chat_method = ["send", "edit", "copy", "forward", "deleteMessage"]
        .iter()
        .any(|p| method.starts_with(p));
    if chat_method {
        RateLimitScope::Chat
    } else {
        RateLimitScope::Bot
    }
}

/// Sets the scope of a 429 from the real method name (raw calls are mapped as `"raw"`).
fn rescope(e: MessengerError, method: &str) -> MessengerError {
    match e {
        MessengerError::RateLimited {
            retry_after,
            detail,
            ..
        } => MessengerError::RateLimited {
            scope: rate_limit_scope(method),
            retry_after,
            detail,
        },
        other => other,
    }
}

/// Maps `{ok, result, error_code, description, parameters}` (or a body that is not one) to the
/// result or a [`MessengerError`].
fn map_envelope(
    op: &'static str,
    status: u16,
    body: &[u8],
) -> Result<serde_json::Value, MessengerError> {
    let env: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) => {
            // Not an envelope: keep the HTTP status (proxies answer 502 with HTML).
            let detail = ApiDetail::new(Some(status), None, messenger_core::snippet(body));
            return Err(match status {
                429 => MessengerError::RateLimited {
                    scope: rate_limit_scope(op),
                    retry_after: None,
                    detail,
                },
                500..=599 => MessengerError::Server { detail },
                401 => MessengerError::Unauthorized { detail },
                _ => MessengerError::decode(op, status, e.to_string(), body),
            });
        }
    };
    if env.ok {
        return env
            .result
            .ok_or_else(|| MessengerError::decode(op, status, "ok without result", body));
    }
    let code = env.error_code.unwrap_or(status);
    let description = env.description.unwrap_or_default();
    let params = env.parameters;
    let migrate = params.as_ref().and_then(|p| p.migrate_to_chat_id);
    let retry_after = params
        .as_ref()
        .and_then(|p| p.retry_after)
        .map(Duration::from_secs);
    let detail = ApiDetail::new(Some(status), Some(code.to_string()), description);
    if let Some(new_id) = migrate {
        return Err(MessengerError::ChatMigrated {
            new_chat_id: PlatformId::Int(new_id),
            detail,
        });
    }
    let lower = detail.description.to_lowercase();
    Err(match code {
        429 => MessengerError::RateLimited {
            scope: rate_limit_scope(op),
            retry_after,
            detail,
        },
        403 => MessengerError::Blocked { detail },
        400 if lower.contains("chat not found") || lower.contains("user not found") => {
            MessengerError::ChatNotFound { detail }
        }
        401 | 404 => MessengerError::Unauthorized { detail },
        409 => MessengerError::Conflict { detail },
        500..=599 => MessengerError::Server { detail },
        _ => MessengerError::InvalidRequest { detail },
    })
}

pub(crate) use messenger_core::tls::transport_error as transport;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_mapping() {
        let e = map_envelope(
            "sendMessage",
            429,
            br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#,
        )
        .unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = map_envelope(
            "sendMessage",
            400,
            br#"{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}"#,
        )
        .unwrap_err();
        assert!(matches!(e, MessengerError::ChatNotFound { .. }), "{e:?}");
        let e = map_envelope(
            "sendMessage",
            400,
            br#"{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001}}"#,
        )
        .unwrap_err();
        // A typed field, not a string in the code.
        assert_eq!(e.migrated_to(), Some(&PlatformId::Int(-1001)));
        assert!(matches!(&e, MessengerError::ChatMigrated { detail, .. }
            if detail.code.as_deref() == Some("400") && detail.description.contains("upgraded")));
        assert!(!e.is_recipient_gone() && !e.is_retryable());
        let e = map_envelope("getMe", 502, b"<html>Bad Gateway</html>").unwrap_err();
        assert!(
            matches!(&e, MessengerError::Server { detail } if detail.status == Some(502) && detail.description.contains("Bad Gateway"))
        );
        let e = map_envelope("getMe", 200, b"{not json").unwrap_err();
        assert!(matches!(e, MessengerError::Decode { status: 200, .. }));
        let e = map_envelope("getMe", 409, br#"{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}"#).unwrap_err();
        assert!(matches!(e, MessengerError::Conflict { .. }));
    }
}
