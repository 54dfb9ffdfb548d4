//! Forms with a file and the pictures in them, read and checked one way for every page.
//!
//! - [`read`]: a multipart post with one file field (the page's forms, API clients), or a form /
//!   JSON body without a file; the session's CSRF token is checked like every form's.
//! - [`check_picture`]: a picture of at most [`SUPPORT_PHOTO_MAX`], JPEG, PNG, GIF or WebP by
//!   its first bytes ([`image_mime`]), whatever the browser claimed.

use axum::extract::{FromRequest, FromRequestParts, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{AppState, Ctx, Fields, Via, WebError, Write, csrf_matches, csrf_refused};
use crate::backend::SupportPhoto;
use crate::i18n::Lang;

/// The largest picture an operator may upload (5 MiB: every messenger accepts it).
pub const SUPPORT_PHOTO_MAX: usize = 5 * 1024 * 1024;

/// The image type of `data` by its first bytes (JPEG, PNG, GIF or WebP), whatever the browser
/// claimed; `None` for anything else.
pub fn image_mime(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Why an uploaded file is not a picture the bots can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(super) enum PictureError {
    /// Larger than [`SUPPORT_PHOTO_MAX`].
    #[error("the picture is larger than 5 MB")]
    TooLarge,
    /// Not a JPEG, PNG, GIF or WebP image by its first bytes.
    #[error("not a JPEG, PNG, GIF or WebP image")]
    NotAnImage,
}

impl PictureError {
    /// What the operator reads, in `l`.
    pub(super) fn message(self, l: Lang) -> &'static str {
        match self {
            Self::TooLarge => l.t(
                "Зображення більше за 5 МБ.",
                "Изображение больше 5 МБ.",
                "The picture is larger than 5 MB.",
            ),
            Self::NotAnImage => l.t(
                "Це не зображення JPEG, PNG, GIF чи WebP.",
                "Это не изображение JPEG, PNG, GIF или WebP.",
                "This is not a JPEG, PNG, GIF or WebP image.",
            ),
        }
    }

    /// The answer for `ctx`: 413 `too_large` or 415 `not_an_image`, with the message in its
    /// language.
    pub(super) fn to_web(self, ctx: &Ctx) -> WebError {
        let (status, code) = match self {
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            Self::NotAnImage => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_an_image"),
        };
        WebError::new(ctx.e(), status, code, self.message(ctx.lang).into())
    }
}

/// `data` as a picture to send: at most [`SUPPORT_PHOTO_MAX`] bytes, JPEG, PNG, GIF or WebP by
/// its first bytes (the type recorded is the one found there).
///
/// # Errors
/// [`PictureError::TooLarge`] or [`PictureError::NotAnImage`].
pub(super) fn check_picture(data: Vec<u8>) -> Result<SupportPhoto, PictureError> {
    if data.len() > SUPPORT_PHOTO_MAX {
        return Err(PictureError::TooLarge);
    }
    let mime = image_mime(&data).ok_or(PictureError::NotAnImage)?;
    Ok(SupportPhoto {
        data,
        mime: mime.to_owned(),
    })
}

/// A form that may carry one file: its caller, its other fields, and the file's bytes.
pub(super) struct FileForm {
    /// Who sent it.
    pub(super) ctx: Ctx,
    /// Every field but the file.
    pub(super) fields: Fields,
    /// The file field's bytes; `None` when it is absent or empty.
    pub(super) file: Option<Vec<u8>>,
}

/// Reads a form whose file field is `file_field`: a `multipart/form-data` post, or (any other
/// type) a form / JSON body without a file, read as [`Write`] reads it. A session's post must
/// carry its CSRF token in the `csrf` field.
///
/// # Errors
/// The response to send: the caller's own rejection (sign-in), 400 `invalid` for an unreadable
/// form, 413 `too_large` when the body is over the route's limit, 403 `csrf`.
pub(super) async fn read(
    req: Request,
    s: &AppState,
    file_field: &str,
) -> Result<FileForm, Response> {
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let w = Write::from_request(req, s).await?;
        return Ok(FileForm {
            ctx: w.ctx,
            fields: w.fields,
            file: None,
        });
    }
    let (mut parts, body) = req.into_parts();
    let ctx = Ctx::from_request_parts(&mut parts, s).await?;
    let req = Request::from_parts(parts, body);
    let mut form = Multipart::from_request(req, s)
        .await
        .map_err(|e| ctx.bad(format!("unreadable form: {e}")).into_response())?;
    let mut fields = Fields::default();
    let mut file = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(multipart_error(&ctx, &e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(|e| multipart_error(&ctx, &e))?;
        if name == file_field {
            if !data.is_empty() {
                file = Some(data.to_vec());
            }
        } else {
            fields
                .0
                .entry(name)
                .or_default()
                .push(String::from_utf8_lossy(&data).into_owned());
        }
    }
    if matches!(ctx.via, Via::Session { .. }) && !csrf_matches(&ctx, fields.one("csrf")) {
        return Err(csrf_refused(&ctx));
    }
    Ok(FileForm { ctx, fields, file })
}

/// A multipart stream that broke: 413 `too_large` when the body is over the route's limit,
/// otherwise 400 `invalid`.
fn multipart_error(ctx: &Ctx, e: &axum::extract::multipart::MultipartError) -> Response {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        PictureError::TooLarge.to_web(ctx).into_response()
    } else {
        ctx.bad(format!("unreadable form: {e}")).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_recognised_by_their_first_bytes() {
        assert_eq!(image_mime(&[0xFF, 0xD8, 0xFF, 0xE1, 0]), Some("image/jpeg"));
        assert_eq!(image_mime(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(image_mime(b"GIF89a...."), Some("image/gif"));
        assert_eq!(image_mime(b"RIFF\x10\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_mime(b"RIFF\x10\0\0\0WAVEfmt "), None);
        assert_eq!(image_mime(b"<svg xmlns=..."), None);
        assert_eq!(image_mime(b"%PDF-1.7"), None);
        assert_eq!(image_mime(b""), None);
    }

    #[test]
    fn a_picture_is_checked_by_its_size_and_first_bytes() {
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(SUPPORT_PHOTO_MAX + 1, 0);
        assert_eq!(check_picture(big).unwrap_err(), PictureError::TooLarge);
        let mut largest = b"GIF89a".to_vec();
        largest.resize(SUPPORT_PHOTO_MAX, 0);
        assert_eq!(check_picture(largest).unwrap().mime, "image/gif");
        assert_eq!(
            check_picture(b"<svg/>".to_vec()).unwrap_err(),
            PictureError::NotAnImage
        );
        assert_eq!(
            check_picture(Vec::new()).unwrap_err(),
            PictureError::NotAnImage
        );
        let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
        let p = check_picture(png.clone()).unwrap();
        assert_eq!((p.mime.as_str(), p.data), ("image/png", png));
    }

    #[test]
    fn picture_errors_speak_the_operators_language() {
        assert_eq!(
            PictureError::TooLarge.message(Lang::Uk),
            "Зображення більше за 5 МБ."
        );
        assert_eq!(
            PictureError::TooLarge.message(Lang::Ru),
            "Изображение больше 5 МБ."
        );
        assert_eq!(
            PictureError::NotAnImage.message(Lang::En),
            "This is not a JPEG, PNG, GIF or WebP image."
        );
    }
}
