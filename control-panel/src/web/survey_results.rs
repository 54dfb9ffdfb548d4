//! A survey's results (counts per option of each question, the open answers listed), the
//! Excel export of its answers (one row per user: messenger, user id, phone, name, then one
//! column per question) and its questions' pictures. Every account that sees the bot may read
//! them.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde_json::json;

use super::surveys::{load, not_found, surveys_bot};
use super::upload::image_mime;
use super::{AppState, Ctx, WebError, backend_err, bot_tabs, json_ok, page};
use crate::survey::{SurveyQuestionKind, answers_xlsx, results};

pub(super) async fn results_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let info = surveys_bot(&s, &ctx, &bot).await?;
    let sv = load(&s, &ctx, &bot, id).await?;
    let rows = s
        .backend
        .survey_rows(&bot, id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let r = results(&sv, &rows);
    if ctx.api {
        return Ok(json_ok(json!({ "survey": sv, "results": r })));
    }
    let l = ctx.lang;
    let base = format!("/bots/{bot}/surveys/{id}");
    let body = html! {
        (bot_tabs(l, &info, "surveys"))
        p { a href=(base) { "← " (sv.title) }
            " · " a #survey-xlsx href={ (base) "/answers.xlsx" } { "Excel (.xlsx)" } }
        p #survey-respondents { (l.t("Відповіли", "Ответили", "Respondents")) ": " b { (r.respondents) } }
        @for (i, q) in r.questions.iter().enumerate() {
            section.result id={ "result-" (i) } {
                h2 { (i + 1) ". " (q.text) }
                p.hint { (l.t("Відповідей", "Ответов", "Answers")) ": " (q.answered) }
                @if q.kind == SurveyQuestionKind::Closed {
                    table.counts { tbody { @for o in &q.options {
                        tr { td { (o.option) } td.num { (o.count) }
                            td { progress max=(q.answered.max(1)) value=(o.count) {} } }
                    } } }
                } @else {
                    @if q.open_answers.is_empty() { p.hint { "—" } }
                    ul.open-answers { @for a in &q.open_answers {
                        li { (a.text) " " small.hint { "— " (a.name.as_deref().unwrap_or(&a.user.user_id)) " (" (a.user.messenger) ")" } }
                    } }
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, sv.title),
        body,
    ))
}

pub(super) async fn answers_export(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    surveys_bot(&s, &ctx, &bot).await?;
    let sv = load(&s, &ctx, &bot, id).await?;
    let rows = s
        .backend
        .survey_rows(&bot, id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let bytes = answers_xlsx(&sv, &rows, ctx.lang).map_err(|e| {
        tracing::error!(error = %e, "survey export failed");
        WebError::new(
            ctx.e(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "export failed".into(),
        )
    })?;
    let name: String = bot
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect();
    let disposition = format!("attachment; filename=\"survey-{name}-{id}.xlsx\"");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

pub(super) async fn image(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id, n)): Path<(String, i64, u32)>,
) -> Result<Response, WebError> {
    surveys_bot(&s, &ctx, &bot).await?;
    let p = s
        .backend
        .survey_image(&bot, id, n)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| not_found(&ctx, format!("picture {n} of survey {id}")))?;
    // Only pictures are served as what they are (checked again by their first bytes).
    let Some(mime) = image_mime(&p.data) else {
        return Err(not_found(&ctx, format!("picture {n} of survey {id}")));
    };
    let mut res = p.data.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    Ok(res)
}
