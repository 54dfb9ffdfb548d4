//! The broadcast compose form as a request: a multipart post from the page (the picture with
//! the fields, the session's CSRF token checked like every form), or a form / JSON body
//! without a picture from API clients.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use secrecy::ExposeSecret;
use subtle::ConstantTimeEq;

use super::{AppState, Ctx, Fields, Via, WebError, Write};

/// The compose form's fields: a multipart post from the page (with the picture), or a form /
/// JSON body without one.
pub(super) struct ComposeForm {
    pub(super) ctx: Ctx,
    pub(super) fields: Fields,
    pub(super) image: Option<Vec<u8>>,
}

impl FromRequest<AppState> for ComposeForm {
    type Rejection = Response;

    async fn from_request(req: Request, s: &AppState) -> Result<Self, Self::Rejection> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        if !multipart {
            let w = Write::from_request(req, s).await?;
            return Ok(Self {
                ctx: w.ctx,
                fields: w.fields,
                image: None,
            });
        }
        let (mut parts, body) = req.into_parts();
        let ctx =
            <Ctx as axum::extract::FromRequestParts<AppState>>::from_request_parts(&mut parts, s)
                .await?;
        let req = Request::from_parts(parts, body);
        let mut form = Multipart::from_request(req, s)
            .await
            .map_err(|e| ctx.bad(format!("unreadable form: {e}")).into_response())?;
        let mut fields = Fields::default();
        let mut image = None;
        loop {
            let field = match form.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(e) => return Err(upload_error(&ctx, e.status(), e.to_string())),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let data = match field.bytes().await {
                Ok(d) => d,
                Err(e) => return Err(upload_error(&ctx, e.status(), e.to_string())),
            };
            if name == "image" {
                if !data.is_empty() {
                    image = Some(data.to_vec());
                }
            } else {
                fields
                    .0
                    .entry(name)
                    .or_default()
                    .push(String::from_utf8_lossy(&data).into_owned());
            }
        }
        if let Via::Session { csrf, .. } = &ctx.via {
            let sent = fields.one("csrf").unwrap_or("");
            let ok = !sent.is_empty()
                && bool::from(sent.as_bytes().ct_eq(csrf.expose_secret().as_bytes()));
            if !ok {
                tracing::warn!(login = %ctx.account.login, path = %ctx.path, "broadcast form without a valid CSRF token");
                return Err(WebError::new(
                    ctx.e(),
                    StatusCode::FORBIDDEN,
                    "csrf",
                    "missing or wrong CSRF token".into(),
                )
                .into_response());
            }
        }
        Ok(Self { ctx, fields, image })
    }
}

fn upload_error(ctx: &Ctx, status: StatusCode, detail: String) -> Response {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        let msg = ctx.lang.t(
            "Зображення більше за 5 МБ.",
            "Изображение больше 5 МБ.",
            "The picture is larger than 5 MB.",
        );
        WebError::new(ctx.e(), status, "too_large", msg.into()).into_response()
    } else {
        ctx.bad(format!("unreadable form: {detail}"))
            .into_response()
    }
}
