//! An answer as the client keeps it (status, headers, a bounded body), and the helpers that
//! quote it in errors without secrets: snippets, redaction, `Retry-After`.

use super::*;

/// A received answer: status, headers and the whole body. `Debug` shows the body only when the
/// answer is not [sensitive](Response::sensitive).
#[derive(Clone)]
pub struct Response {
    /// The operation it answers.
    pub op: &'static str,
    /// Whether the call was idempotent.
    pub idempotency: Idempotency,
    /// HTTP status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body (cut at the configured cap when [`Response::truncated`]).
    pub body: Bytes,
    /// Whether the body was longer than the configured cap and was cut.
    pub truncated: bool,
    /// The `Retry-After` delay, read when the answer arrived against the client's [`Clock`].
    pub retry_after: Option<Duration>,
    /// Whether the answer may carry a secret (a session, a token): errors made from it then keep
    /// no body snippet and no quoted values. Set it with [`Response::sensitive`].
    pub sensitive: bool,
}

/// What replaces the body snippet of a [sensitive](Response::sensitive) answer.
pub const REDACTED_SNIPPET: &str = "[redacted: authentication answer]";

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Response");
        d.field("op", &self.op)
            .field("idempotency", &self.idempotency)
            .field("status", &self.status)
            .field("headers", &self.headers);
        if self.sensitive {
            d.field(
                "body",
                &format_args!("[redacted: {} bytes]", self.body.len()),
            );
        } else {
            d.field("body", &self.body);
        }
        d.field("truncated", &self.truncated)
            .field("retry_after", &self.retry_after)
            .field("sensitive", &self.sensitive)
            .finish()
    }
}

impl Response {
    /// An answer built by hand (no headers, an idempotent call, not truncated): for tests and
    /// fuzzing of the vendor crates' decoders, which take a [`Response`].
    pub fn from_parts(op: &'static str, status: StatusCode, body: impl Into<Bytes>) -> Self {
        Self {
            op,
            idempotency: Idempotency::Idempotent,
            status,
            headers: HeaderMap::new(),
            body: body.into(),
            truncated: false,
            retry_after: None,
            sensitive: false,
        }
    }

    /// Marks the answer as carrying a secret (the answer to a login, or any answer with a
    /// session or token in it): [`Response::decode_error`], [`Response::snippet`] and
    /// [`Response::status_error`] then keep no part of the body, and serde's reasons lose
    /// their quoted values.
    #[must_use]
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Decodes the body as JSON.
    ///
    /// # Errors
    /// [`LoyaltyError::Decode`] with the status, serde's reason and a bounded snippet.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, LoyaltyError> {
        if self.truncated {
            return Err(self.decode_error(format!(
                "the body is larger than the {}-byte cap",
                self.body.len()
            )));
        }
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(self.decode_error("empty body"));
        }
        serde_json::from_slice(&self.body).map_err(|e| self.decode_error(e.to_string()))
    }

    /// A [`LoyaltyError::Decode`] for this response. For a [sensitive](Response::sensitive)
    /// answer the snippet is [`REDACTED_SNIPPET`] and the quoted parts of `reason` (serde quotes
    /// the values it could not read) are replaced by `"…"`.
    pub fn decode_error(&self, reason: impl Into<String>) -> LoyaltyError {
        let reason = reason.into();
        LoyaltyError::Decode {
            op: self.op,
            status: self.status.as_u16(),
            reason: if self.sensitive {
                redact_quoted(&reason)
            } else {
                reason
            },
            snippet: self.snippet(),
        }
    }

    /// The first [`SNIPPET_LIMIT`] bytes of the body as text; [`REDACTED_SNIPPET`] for a
    /// [sensitive](Response::sensitive) answer.
    pub fn snippet(&self) -> String {
        if self.sensitive {
            REDACTED_SNIPPET.to_owned()
        } else {
            snippet(&self.body)
        }
    }

    /// `Ok(self)` for 2xx; otherwise the generic status mapping of [`Response::status_error`].
    ///
    /// # Errors
    /// The error of [`Response::status_error`].
    pub fn error_for_status(self) -> Result<Self, LoyaltyError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(self.status_error())
        }
    }

    /// The generic mapping of a non-2xx status, for when the vendor's body says nothing more:
    /// 401/403 → [`LoyaltyError::Unauthorized`], 404 → [`LoyaltyError::NotFound`],
    /// 429 → [`LoyaltyError::RateLimited`], 5xx → [`LoyaltyError::Server`] for idempotent calls
    /// and [`LoyaltyError::OutcomeUnknown`] for state-changing ones, anything else →
    /// [`LoyaltyError::Provider`]. The message is a bounded snippet of the body.
    pub fn status_error(&self) -> LoyaltyError {
        let detail = ProviderDetail {
            status: Some(self.status.as_u16()),
            code: None,
            message: self.snippet(),
        };
        match self.status.as_u16() {
            401 | 403 => LoyaltyError::Unauthorized { detail },
            404 => LoyaltyError::NotFound { detail },
            429 => LoyaltyError::RateLimited {
                retry_after: self.retry_after,
                detail,
            },
            500..=599 if self.idempotency == Idempotency::StateChanging => {
                LoyaltyError::OutcomeUnknown {
                    op: self.op,
                    reason: format!("the server answered HTTP {}", self.status.as_u16()),
                }
            }
            500..=599 => LoyaltyError::Server { detail },
            _ => LoyaltyError::Provider { detail },
        }
    }
}

/// `reason` with every quoted part (`"…"` with backslash escapes, `` `…` `` and `'…'`) replaced
/// by `"…"`, cut to [`SNIPPET_LIMIT`] bytes: serde's messages quote the values they could not
/// read (`invalid type: string "9fc8…", expected u64`), and such a value may be a token.
pub fn redact_quoted(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len().min(SNIPPET_LIMIT));
    let mut chars = reason.chars();
    while let Some(c) = chars.next() {
        if matches!(c, '"' | '`' | '\'') {
            let mut escaped = false;
            for inner in chars.by_ref() {
                if c == '"' && !escaped && inner == '\\' {
                    escaped = true;
                    continue;
                }
                if inner == c && !escaped {
                    break;
                }
                escaped = false;
            }
            out.push_str("\"…\"");
        } else {
            out.push(c);
        }
        if out.len() >= SNIPPET_LIMIT {
            out.push('…');
            break;
        }
    }
    out
}

/// `text` cut to [`SNIPPET_LIMIT`] bytes at a character boundary, with `…` when it was cut: for
/// messages read out of vendor error bodies.
pub fn bounded(mut text: String) -> String {
    if text.len() > SNIPPET_LIMIT {
        let mut cut = SNIPPET_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// The first [`SNIPPET_LIMIT`] bytes of `body`, lossily decoded, cut at a character boundary.
pub fn snippet(body: &[u8]) -> String {
    let cut = &body[..body.len().min(SNIPPET_LIMIT)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > SNIPPET_LIMIT {
        // A multi-byte character cut in half shows as U+FFFD at the end; drop it.
        if s.ends_with('\u{fffd}') {
            s.pop();
        }
        s.push('…');
    }
    s
}

/// The origin (`scheme://host[:port]`) of a `Location` header, resolved against `base`.
pub(super) fn redirect_origin(headers: &HeaderMap, base: &Url) -> Option<String> {
    let v = headers.get(reqwest::header::LOCATION)?.to_str().ok()?;
    let target = base.join(v.trim()).ok()?;
    match target.origin() {
        o @ url::Origin::Tuple(..) => Some(o.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

/// Reads `Retry-After` as delta-seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(headers: &HeaderMap, clock: &dyn Clock) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    let now: std::time::SystemTime = clock.now().into();
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}
