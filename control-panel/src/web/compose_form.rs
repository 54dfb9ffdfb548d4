//! The broadcast compose form as a request: a multipart post from the page (the picture with
//! the fields, the session's CSRF token checked like every form), or a form / JSON body
//! without a picture from API clients. Read by [`super::upload::read`].

use axum::extract::{FromRequest, Request};
use axum::response::Response;

use super::upload::{FileForm, read};
use super::{AppState, Ctx, Fields};

/// The compose form's fields: a multipart post from the page (with the picture as `image`), or
/// a form / JSON body without one.
pub(super) struct ComposeForm {
    /// Who sent it.
    pub(super) ctx: Ctx,
    /// Every field but the picture.
    pub(super) fields: Fields,
    /// The file sent as `image`, if any.
    pub(super) image: Option<Vec<u8>>,
}

impl FromRequest<AppState> for ComposeForm {
    type Rejection = Response;

    async fn from_request(req: Request, s: &AppState) -> Result<Self, Self::Rejection> {
        let FileForm { ctx, fields, file } = read(req, s, "image").await?;
        Ok(Self {
            ctx,
            fields,
            image: file,
        })
    }
}
