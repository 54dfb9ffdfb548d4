//! Helpers shared by the integration tests.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::time::Duration;

use loyalty_core::{RetryPolicy, SecretString, Session};
use loyalty_ergo::ErgoClient;

/// The session token of the seed's examples.
pub const TOKEN: &str = "9fc890ad7f5d078b251e87a0cdea68ef";

/// A fixture from `tests/fixtures/`.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A client of `base` with fast retries and a short timeout.
pub fn client(base: &str) -> ErgoClient {
    ErgoClient::builder()
        .base_url(base)
        .timeout(Duration::from_secs(2))
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .base_delay(Duration::from_millis(10))
                .jitter(false),
        )
        .build()
        .unwrap()
}

/// The seed's session.
pub fn session() -> Session {
    Session::new("ergo", SecretString::from(TOKEN))
}

/// One part of a multipart body.
#[derive(Debug)]
pub struct FormPart {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

impl FormPart {
    pub fn text(&self) -> String {
        String::from_utf8(self.data.clone()).unwrap()
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn param(header: &str, key: &str) -> Option<String> {
    let pat = format!("; {key}=\"");
    let start = header.find(&pat)? + pat.len();
    let end = header[start..].find('"')? + start;
    Some(header[start..end].to_owned())
}

/// Parses a `multipart/form-data` body (enough for reqwest's output).
pub fn parse_multipart(content_type: &str, body: &[u8]) -> Vec<FormPart> {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .expect("a boundary")
        .trim_matches('"')
        .to_owned();
    let delim = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let mut pos = find(body, &delim, 0).expect("first boundary") + delim.len();
    loop {
        if body[pos..].starts_with(b"--") {
            break;
        }
        pos += 2; // CRLF after the boundary
        let head_end = find(body, b"\r\n\r\n", pos).expect("part headers");
        let head = String::from_utf8_lossy(&body[pos..head_end]).into_owned();
        let next = find(body, &delim, head_end).expect("next boundary");
        let data = body[head_end + 4..next - 2].to_vec();
        let mut name = String::new();
        let mut file_name = None;
        let mut ctype = None;
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                name = param(line, "name").unwrap_or_default();
                file_name = param(line, "filename");
            } else if lower.starts_with("content-type:") {
                ctype = Some(line["content-type:".len()..].trim().to_owned());
            }
        }
        parts.push(FormPart {
            name,
            file_name,
            content_type: ctype,
            data,
        });
        pos = next + delim.len();
    }
    parts
}
