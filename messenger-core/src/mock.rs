//! Shared pieces of the messenger test kits (feature `mock`): the platform-neutral [`Fault`]s
//! every adapter's kit can mount on a [`wiremock::MockServer`].
//!
//! The adapters' own kits (`messenger_telegram::mock`, `messenger_max::mock`,
//! `messenger_viber::mock`) build on this; a test rarely needs it directly.
//!
//! [`Fault`] and the matchers are `http-support`'s, shared with the loyalty kits (the two
//! families may not depend on each other; `http-support` is below both). The multipart parser ([`MultipartBody`]) lets the recorders read
//! uploads (fields, and a file's name, size and content type).

use serde_json::Value;
use wiremock::Request;

pub use http_support::mock::{Fault, body_has_keys, huge_json};

/// One part of a `multipart/form-data` body a client sent (a plain field or an uploaded file).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FormPart {
    /// The field name (`name=` of its `Content-Disposition`).
    pub name: String,
    /// The file name (`filename=`): set for a file part only.
    pub file_name: Option<String>,
    /// The part's own `Content-Type`, if it has one (`image/png` for an upload).
    pub content_type: Option<String>,
    /// The part's bytes.
    pub data: Vec<u8>,
}

impl FormPart {
    /// The size of the part's content in bytes.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    /// Whether it is a file part (it has a file name).
    pub fn is_file(&self) -> bool {
        self.file_name.is_some()
    }

    /// The content as UTF-8 text (a plain field), `None` when it is not UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.data).ok()
    }
}

/// A `multipart/form-data` request body, parsed: what a client sent with a file upload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct MultipartBody {
    /// The parts in the order they were sent.
    pub parts: Vec<FormPart>,
}

impl MultipartBody {
    /// The body of `request` when its `Content-Type` is `multipart/form-data`; `None` for any
    /// other request or a malformed body.
    pub fn from_request(request: &Request) -> Option<Self> {
        let content_type = request
            .headers
            .get(http::header::CONTENT_TYPE)?
            .to_str()
            .ok()?;
        Self::parse(content_type, &request.body)
    }

    /// Parses `body` sent with the header `Content-Type: content_type`
    /// (`multipart/form-data; boundary=…`); `None` when it is not multipart or is malformed.
    pub fn parse(content_type: &str, body: &[u8]) -> Option<Self> {
        let mut params = content_type.split(';').map(str::trim);
        if !params.next()?.eq_ignore_ascii_case("multipart/form-data") {
            return None;
        }
        let boundary = params
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned())?;
        let delimiter = format!("--{boundary}").into_bytes();
        let mut rest = &body[find(body, &delimiter)? + delimiter.len()..];
        let mut parts = Vec::new();
        loop {
            if rest.starts_with(b"--") {
                return Some(Self { parts });
            }
            rest = rest.strip_prefix(b"\r\n")?;
            let head_end = find(rest, b"\r\n\r\n")?;
            let head = std::str::from_utf8(&rest[..head_end]).ok()?;
            let content = &rest[head_end + 4..];
            let mut next = delimiter.clone();
            next.splice(0..0, *b"\r\n");
            let end = find(content, &next)?;
            parts.push(part(head, &content[..end])?);
            rest = &content[end + next.len()..];
        }
    }

    /// The first part named `name`.
    pub fn part(&self, name: &str) -> Option<&FormPart> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The text of the plain (non-file) field `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.part(name)
            .filter(|p| !p.is_file())
            .and_then(FormPart::text)
    }

    /// The file part `name`.
    pub fn file(&self, name: &str) -> Option<&FormPart> {
        self.part(name).filter(|p| p.is_file())
    }

    /// The parts as one JSON object: a plain field as its text, a file part as
    /// `{"file_name", "content_type", "size"}` (so a recorder can read uploads and JSON calls
    /// alike).
    pub fn to_json(&self) -> Value {
        Value::Object(
            self.parts
                .iter()
                .map(|p| {
                    let v = if p.is_file() {
                        serde_json::json!({"file_name": p.file_name, "content_type": p.content_type,
                            "size": p.size()})
                    } else {
                        Value::from(String::from_utf8_lossy(&p.data).into_owned())
                    };
                    (p.name.clone(), v)
                })
                .collect(),
        )
    }
}

/// A file a bot uploaded (the file part of a `multipart/form-data` call), as the adapters'
/// recorders report it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadedFile {
    /// The form field it was sent in (Telegram `photo`, MAX `data`).
    pub field: String,
    /// The file name sent with it.
    pub file_name: String,
    /// Its `Content-Type` (`image/png`).
    pub content_type: Option<String>,
    /// Its size in bytes.
    pub size: usize,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl From<&FormPart> for UploadedFile {
    fn from(part: &FormPart) -> Self {
        Self {
            field: part.name.clone(),
            file_name: part.file_name.clone().unwrap_or_default(),
            content_type: part.content_type.clone(),
            size: part.size(),
            data: part.data.clone(),
        }
    }
}

/// One part from its header block and content.
fn part(head: &str, data: &[u8]) -> Option<FormPart> {
    let mut name = None;
    let mut file_name = None;
    let mut content_type = None;
    for line in head.split("\r\n") {
        let (key, value) = line.split_once(':')?;
        let key = key.trim();
        if key.eq_ignore_ascii_case("content-disposition") {
            for param in value.split(';').skip(1) {
                if let Some((k, v)) = param.split_once('=') {
                    let v = v.trim().trim_matches('"').to_owned();
                    match k.trim() {
                        "name" => name = Some(v),
                        "filename" => file_name = Some(v),
                        _ => {}
                    }
                }
            }
        } else if key.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        }
    }
    Some(FormPart {
        name: name?,
        file_name,
        content_type,
        data: data.to_vec(),
    })
}

/// The first index of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A request's body as JSON: the JSON body itself, or the fields of a `multipart/form-data`
/// body ([`MultipartBody::to_json`]); `None` for anything else.
pub fn request_json(request: &Request) -> Option<Value> {
    serde_json::from_slice(&request.body)
        .ok()
        .or_else(|| MultipartBody::from_request(request).map(|m| m.to_json()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_multipart_body_parses_fields_and_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"card.png\"\r\n\
Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--XyZ--\r\n";
        let m = MultipartBody::parse("multipart/form-data; boundary=XyZ", body).unwrap();
        assert_eq!(m.field("chat_id"), Some("42"));
        let f = m.file("photo").unwrap();
        assert_eq!(f.file_name.as_deref(), Some("card.png"));
        assert_eq!(f.content_type.as_deref(), Some("image/png"));
        assert_eq!(f.data, b"\x89PNG\r\n\x1a\n");
        assert_eq!(f.size(), 8);
        assert!(m.field("photo").is_none() && m.file("chat_id").is_none());
        assert_eq!(
            m.to_json(),
            serde_json::json!({"chat_id": "42",
                "photo": {"file_name": "card.png", "content_type": "image/png", "size": 8}})
        );
        assert!(MultipartBody::parse("application/json", b"{}").is_none());
        assert!(MultipartBody::parse("multipart/form-data; boundary=XyZ", b"junk").is_none());
    }
}
