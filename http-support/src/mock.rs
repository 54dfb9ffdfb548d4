//! The vendor- and platform-neutral pieces of the workspace's wiremock test kits (feature
//! `mock`): [`Fault`]s every kit can mount, and request matchers. `loyalty_core::mock` and
//! `messenger_core::mock` re-export them, so the loyalty and messenger kits share one copy.

use std::time::Duration;

use serde_json::Value;
use wiremock::{Match, Request, ResponseTemplate};

/// A fault a fake vendor API or messenger platform answers with instead of its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// A well-formed but late answer: the delay should be longer than the client's timeout.
    Delay(Duration),
    /// A 5xx with a short plain-text body.
    ServerError(u16),
    /// HTTP 429 with `Retry-After: <seconds>` (kits add the vendor's or platform's own body shape).
    RateLimited {
        /// Seconds in `Retry-After`.
        retry_after: u64,
    },
    /// HTTP 200 whose JSON body is cut off.
    MalformedJson,
    /// A proxy's HTML error page with this status (502, 503, …).
    HtmlErrorPage(u16),
    /// HTTP 200 with a JSON body of about this many bytes (to test response size caps).
    HugeBody(usize),
}

impl Fault {
    /// The generic wiremock answer for this fault.
    pub fn response(&self) -> ResponseTemplate {
        match self {
            Self::Delay(d) => ResponseTemplate::new(200)
                .set_body_raw("{}", "application/json")
                .set_delay(*d),
            Self::ServerError(status) => {
                ResponseTemplate::new(*status).set_body_string("Internal Server Error")
            }
            Self::RateLimited { retry_after } => ResponseTemplate::new(429)
                .insert_header("Retry-After", retry_after.to_string().as_str())
                .set_body_string("Too Many Requests"),
            Self::MalformedJson => {
                ResponseTemplate::new(200).set_body_raw("{\"ok\": tru", "application/json")
            }
            Self::HtmlErrorPage(status) => {
                let title = format!("{status} {}", reason_phrase(*status));
                ResponseTemplate::new(*status).set_body_raw(
                    format!(
                        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
                    ),
                    "text/html",
                )
            }
            Self::HugeBody(bytes) => {
                ResponseTemplate::new(200).set_body_raw(huge_json(*bytes), "application/json")
            }
        }
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Temporarily Unavailable",
        504 => "Gateway Time-out",
        429 => "Too Many Requests",
        _ => "Error",
    }
}

/// A syntactically valid JSON object of about `bytes` bytes (`{"pad":"xxx…"}`).
pub fn huge_json(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 12);
    s.push_str("{\"pad\":\"");
    s.extend(std::iter::repeat_n('x', bytes.saturating_sub(10)));
    s.push_str("\"}");
    s
}

/// Matches a request whose JSON body has every one of `keys` at its top level (the vendor's
/// spelling: `chat_id`, `receiver`, …).
pub fn body_has_keys(keys: &[&str]) -> impl Match + use<> {
    let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
    move |r: &Request| {
        serde_json::from_slice::<Value>(&r.body)
            .ok()
            .and_then(|v| v.as_object().cloned())
            .is_some_and(|o| keys.iter().all(|k| o.contains_key(k)))
    }
}
