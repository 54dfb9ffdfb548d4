//! The "Surveys" pages (seed 004 "Керування опитуваннями", issue 19): the list, a survey's
//! page (title, questions: add, edit, remove, reorder, closed with options or open, an optional
//! picture), sending it to an audience, and deleting it. Results and the Excel export are in
//! `survey_results`.
//!
//! - `/bots/{bot}/surveys`: the list; `POST` creates a survey (`title`).
//! - `/bots/{bot}/surveys/{id}`: the survey; `…/title`, `…/questions` (`op` = `add`, `update`,
//!   `remove`, `up`, `down`, with `n` the question's number from 0; `text`, `kind`, `options`
//!   one per line or repeated, a `photo` file, `remove_image`), `…/send` (the segment form's
//!   `aud_…` fields, [`super::segment`]: all users or a segment), `…/delete`.
//!
//! Every account that sees the bot (its operators, administrators) reads, creates, changes and
//! sends surveys, as with broadcasts (seed 004 gives operators both); only administrators delete
//! one, with its answers. Every change is audit-logged. A sent survey's questions are locked, so
//! every answer keeps meaning the question it was given to.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde_json::json;

use super::segment::{audience_form, check_audience, describe_audience, parse_audience};
use super::support::Upload;
use super::upload::check_picture;
use super::{
    AppState, Ctx, Fields, WebError, Write, audit, backend_err, bot_info, bot_tabs, csrf_field,
    fmt_time, json_ok, page, see_other,
};
use crate::backend::{AudienceFilter, BotInfo};
use crate::i18n::Lang;
use crate::survey::{
    SURVEY_QUESTION_MAX, SURVEY_QUESTIONS_MAX, SURVEY_TITLE_MAX, SurveyEdit, SurveyImageEdit,
    SurveyInfo, SurveyQuestionEdit, SurveyQuestionKind, validate_question,
};

pub(super) fn not_found(ctx: &Ctx, what: String) -> WebError {
    WebError::new(ctx.e(), StatusCode::NOT_FOUND, "not_found", what)
}

/// The bot, checked for the account and for having surveys.
pub(super) async fn surveys_bot(s: &AppState, ctx: &Ctx, bot: &str) -> Result<BotInfo, WebError> {
    let info = bot_info(s, ctx, bot).await?;
    if s.backend.surveys_enabled(bot).await {
        Ok(info)
    } else {
        Err(not_found(
            ctx,
            ctx.lang
                .t(
                    "У цього бота немає опитувань.",
                    "У этого бота нет опросов.",
                    "This bot has no surveys.",
                )
                .into(),
        ))
    }
}

/// The survey, or 404.
pub(super) async fn load(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    id: i64,
) -> Result<SurveyInfo, WebError> {
    s.backend
        .survey(bot, id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| not_found(ctx, format!("survey {id}")))
}

fn done(ctx: &Ctx, to: &str, v: serde_json::Value) -> Response {
    if ctx.api { json_ok(v) } else { see_other(to) }
}

fn locked_err(ctx: &Ctx) -> WebError {
    WebError::new(
        ctx.e(),
        StatusCode::CONFLICT,
        "conflict",
        ctx.lang
            .t(
                "Опитування вже надіслано: запитання змінювати не можна.",
                "Опрос уже отправлен: вопросы менять нельзя.",
                "The survey was sent: its questions no longer change.",
            )
            .into(),
    )
}

fn kind_name(l: Lang, k: SurveyQuestionKind) -> &'static str {
    match k {
        SurveyQuestionKind::Closed => l.t("закрите", "закрытый", "closed"),
        SurveyQuestionKind::Open => l.t("відкрите", "открытый", "open"),
    }
}

pub(super) async fn list_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    let info = surveys_bot(&s, &ctx, &bot).await?;
    let surveys = s
        .backend
        .surveys(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "bot": bot, "surveys": surveys })));
    }
    let l = ctx.lang;
    let body = html! {
        (bot_tabs(l, &info, "surveys"))
        @if surveys.is_empty() {
            p.hint { (l.t("Опитувань ще немає.", "Опросов ещё нет.", "No surveys yet.")) }
        } @else {
            div.scroll { table #surveys {
                thead { tr {
                    th { (l.t("Назва", "Название", "Title")) }
                    th { (l.t("Запитань", "Вопросов", "Questions")) }
                    th { (l.t("Стан", "Состояние", "State")) }
                    th { (l.t("Змінено", "Изменён", "Changed")) }
                    th {}
                } }
                tbody { @for sv in &surveys {
                    tr.survey data-id=(sv.id) {
                        td { a href={ "/bots/" (bot) "/surveys/" (sv.id) } { (sv.title) } }
                        td.num { (sv.questions.len()) }
                        td { @if sv.locked() {
                            (l.t("надіслано", "отправлен", "sent")) " ×" (sv.sends.len())
                        } @else { (l.t("чернетка", "черновик", "draft")) } }
                        td { (fmt_time(sv.updated_at)) }
                        td { a href={ "/bots/" (bot) "/surveys/" (sv.id) "/results" } { (l.t("Результати", "Результаты", "Results")) } }
                    }
                } }
            } }
        }
        h2 { (l.t("Нове опитування", "Новый опрос", "New survey")) }
        form.stack method="post" action={ "/bots/" (bot) "/surveys" } #survey-create {
            (csrf_field(&ctx))
            label { (l.t("Назва", "Название", "Title"))
                input type="text" name="title" required maxlength=(SURVEY_TITLE_MAX) #survey-title; }
            button type="submit" #survey-create-submit { (l.t("Створити", "Создать", "Create")) }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, l.t("Опитування", "Опросы", "Surveys")),
        body,
    ))
}

fn title_of(ctx: &Ctx, fields: &Fields) -> Result<String, WebError> {
    let title = fields.one("title").unwrap_or_default().trim().to_owned();
    if title.is_empty() || title.chars().count() > SURVEY_TITLE_MAX {
        return Err(ctx.bad(format!(
            "{} 1–{SURVEY_TITLE_MAX}",
            ctx.lang.t(
                "Довжина назви має бути",
                "Длина названия должна быть",
                "The title's length must be"
            )
        )));
    }
    Ok(title)
}

pub(super) async fn create(
    State(s): State<AppState>,
    Path(bot): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    surveys_bot(&s, ctx, &bot).await?;
    let title = title_of(ctx, &w.fields)?;
    let id = s
        .backend
        .survey_create(&bot, &title)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(&s, ctx, "survey.create", &format!("{bot}/{id}"), &title).await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/surveys/{id}"),
        json!({ "ok": true, "id": id }),
    ))
}

/// The survey as it is, as an edit that keeps every question and picture.
fn as_edit(sv: &SurveyInfo) -> SurveyEdit {
    SurveyEdit {
        title: sv.title.clone(),
        questions: sv
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| SurveyQuestionEdit {
                text: q.text.clone(),
                kind: q.kind,
                options: q.options.clone(),
                image: if q.has_image {
                    SurveyImageEdit::Keep(i)
                } else {
                    SurveyImageEdit::None
                },
            })
            .collect(),
    }
}

async fn save(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    id: i64,
    edit: &SurveyEdit,
) -> Result<(), WebError> {
    s.backend
        .survey_save(bot, id, edit)
        .await
        .map_err(|e| backend_err(ctx.e(), e))
}

/// The survey for a change: found and not sent yet.
async fn editable(s: &AppState, ctx: &Ctx, bot: &str, id: i64) -> Result<SurveyInfo, WebError> {
    surveys_bot(s, ctx, bot).await?;
    let sv = load(s, ctx, bot, id).await?;
    if sv.locked() {
        return Err(locked_err(ctx));
    }
    Ok(sv)
}

pub(super) async fn set_title(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, i64)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    let sv = editable(&s, ctx, &bot, id).await?;
    let mut edit = as_edit(&sv);
    edit.title = title_of(ctx, &w.fields)?;
    save(&s, ctx, &bot, id, &edit).await?;
    audit(&s, ctx, "survey.title", &format!("{bot}/{id}"), &edit.title).await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/surveys/{id}"),
        json!({ "ok": true }),
    ))
}

/// The question of a form: `text`, `kind`, `options` (one per line, or repeated).
fn question_of(ctx: &Ctx, up: &Upload) -> Result<SurveyQuestionEdit, WebError> {
    let f = &up.fields;
    let k = f.one("kind").unwrap_or("closed");
    let kind = SurveyQuestionKind::parse(k)
        .ok_or_else(|| ctx.bad(format!("kind {k:?}: closed or open")))?;
    let options = f
        .all("options")
        .iter()
        .flat_map(|v| {
            v.lines()
                .map(str::trim)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|o| !o.is_empty())
        .collect();
    Ok(SurveyQuestionEdit {
        text: up.text.trim().replace("\r\n", "\n"),
        kind,
        options,
        image: SurveyImageEdit::None,
    })
}

pub(super) async fn questions(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, i64)>,
    up: Upload,
) -> Result<Response, WebError> {
    let ctx = &up.ctx;
    let sv = editable(&s, ctx, &bot, id).await?;
    let mut edit = as_edit(&sv);
    let op = up.fields.one("op").unwrap_or_default().to_owned();
    let n = up
        .fields
        .one("n")
        .and_then(|n| n.trim().parse::<usize>().ok());
    let len = edit.questions.len();
    let at = |ctx: &Ctx| {
        n.filter(|n| *n < len)
            .ok_or_else(|| ctx.bad(format!("n: a question number from 0 to {len}")))
    };
    let photo = up
        .photo
        .clone()
        .map(check_picture)
        .transpose()
        .map_err(|e| e.to_web(ctx))?;
    let focus = match op.as_str() {
        "add" | "update" => {
            let mut q = question_of(ctx, &up)?;
            let problems = validate_question(&q, ctx.lang);
            if !problems.is_empty() {
                return Err(WebError::new(
                    ctx.e(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_question",
                    problems.join(" "),
                ));
            }
            if op == "add" {
                if len >= SURVEY_QUESTIONS_MAX {
                    return Err(ctx.bad(format!("at most {SURVEY_QUESTIONS_MAX} questions")));
                }
                q.image = photo.map_or(SurveyImageEdit::None, SurveyImageEdit::New);
                edit.questions.push(q);
                len
            } else {
                let i = at(ctx)?;
                q.image = match photo {
                    Some(p) => SurveyImageEdit::New(p),
                    None if up.fields.flag("remove_image") => SurveyImageEdit::None,
                    None => edit.questions[i].image.clone(),
                };
                edit.questions[i] = q;
                i
            }
        }
        "remove" => {
            let i = at(ctx)?;
            edit.questions.remove(i);
            i.saturating_sub(1)
        }
        "up" | "down" => {
            let i = at(ctx)?;
            let j = if op == "up" {
                i.checked_sub(1)
            } else {
                Some(i + 1)
            };
            match j.filter(|j| *j < len) {
                Some(j) => {
                    edit.questions.swap(i, j);
                    j
                }
                None => i,
            }
        }
        other => return Err(ctx.bad(format!("op {other:?}: add, update, remove, up or down"))),
    };
    save(&s, ctx, &bot, id, &edit).await?;
    audit(
        &s,
        ctx,
        "survey.questions",
        &format!("{bot}/{id}"),
        &format!(
            "{op} {}",
            n.map_or_else(|| "new".to_owned(), |n| n.to_string())
        ),
    )
    .await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/surveys/{id}#q-{focus}"),
        json!({ "ok": true, "questions": edit.questions.len() }),
    ))
}

pub(super) async fn delete(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, i64)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    surveys_bot(&s, ctx, &bot).await?;
    ctx.require_admin()?;
    let gone = s
        .backend
        .survey_delete(&bot, id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if !gone {
        return Err(not_found(ctx, format!("survey {id}")));
    }
    audit(&s, ctx, "survey.delete", &format!("{bot}/{id}"), "").await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/surveys"),
        json!({ "ok": true }),
    ))
}

/// The audience of a send form: the segment form's `aud_…` fields, checked against what the
/// bot has.
async fn audience_of(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    fields: &Fields,
) -> Result<AudienceFilter, WebError> {
    let filter = parse_audience(
        fields
            .0
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.as_str()))),
        ctx.lang,
    )
    .map_err(|m| ctx.bad(m))?;
    let options = s
        .backend
        .audience_options(bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    check_audience(&filter, &options, ctx.lang).map_err(|m| ctx.bad(m))?;
    Ok(filter)
}

pub(super) async fn send(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, i64)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    surveys_bot(&s, ctx, &bot).await?;
    let sv = load(&s, ctx, &bot, id).await?;
    if sv.questions.is_empty() {
        return Err(ctx.bad(ctx.lang.t(
            "Додайте хоча б одне запитання.",
            "Добавьте хотя бы один вопрос.",
            "Add at least one question.",
        )));
    }
    let audience = audience_of(&s, ctx, &bot, &w.fields).await?;
    let sent = s
        .backend
        .survey_send(&bot, id, &audience, &ctx.account.login)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "survey.send",
        &format!("{bot}/{id}"),
        &format!(
            "{} ({})",
            describe_audience(&sent.audience, ctx.lang),
            sent.recipients
        ),
    )
    .await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/surveys/{id}#sends"),
        json!({ "ok": true, "send": sent }),
    ))
}

fn question_form(
    l: Lang,
    ctx: &Ctx,
    action: &str,
    q: Option<(usize, &crate::survey::SurveyQuestion)>,
) -> Markup {
    let (op, n) = match q {
        Some((i, _)) => ("update", Some(i)),
        None => ("add", None),
    };
    let kind = q.map_or(SurveyQuestionKind::Closed, |(_, q)| q.kind);
    let id = n.map_or_else(
        || "question-add".to_owned(),
        |n| format!("question-edit-{n}"),
    );
    html! {
        form.stack method="post" action=(action) enctype="multipart/form-data" id=(id) {
            (csrf_field(ctx))
            input type="hidden" name="op" value=(op);
            @if let Some(n) = n { input type="hidden" name="n" value=(n); }
            label { (l.t("Текст запитання (можна емодзі)", "Текст вопроса (можно эмодзи)", "Question (emoji welcome)"))
                textarea name="text" rows="3" required data-max=(SURVEY_QUESTION_MAX) maxlength=(SURVEY_QUESTION_MAX) {
                    (q.map(|(_, q)| q.text.as_str()).unwrap_or_default())
                }
            }
            label { (l.t("Тип", "Тип", "Kind"))
                select name="kind" {
                    option value="closed" selected[kind == SurveyQuestionKind::Closed] { (l.t("закрите — варіанти кнопками", "закрытый — варианты кнопками", "closed: options as buttons")) }
                    option value="open" selected[kind == SurveyQuestionKind::Open] { (l.t("відкрите — відповідь текстом", "открытый — ответ текстом", "open: a typed answer")) }
                }
            }
            label { (l.t("Варіанти (по одному в рядку, для закритого)", "Варианты (по одному в строке, для закрытого)", "Options (one per line, closed questions)"))
                textarea name="options" rows="4" {
                    (q.map(|(_, q)| q.options.join("\n")).unwrap_or_default())
                }
            }
            label { (l.t("Картинка (JPEG, PNG, GIF, WebP, до 5 МБ)", "Картинка (JPEG, PNG, GIF, WebP, до 5 МБ)", "Picture (JPEG, PNG, GIF, WebP, up to 5 MB)"))
                input type="file" name="photo" accept="image/jpeg,image/png,image/gif,image/webp";
            }
            @if q.is_some_and(|(_, q)| q.has_image) {
                label.check { input type="checkbox" name="remove_image" value="1"; " " (l.t("прибрати картинку", "убрать картинку", "remove the picture")) }
            }
            button type="submit" {
                @if n.is_some() { (l.t("Зберегти", "Сохранить", "Save")) } @else { (l.t("Додати запитання", "Добавить вопрос", "Add the question")) }
            }
        }
    }
}

pub(super) async fn survey_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    let info = surveys_bot(&s, &ctx, &bot).await?;
    let sv = load(&s, &ctx, &bot, id).await?;
    let options = s
        .backend
        .audience_options(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(
            json!({ "survey": sv, "audience_options": options }),
        ));
    }
    let l = ctx.lang;
    let admin = ctx.account.is_admin();
    let edit = !sv.locked();
    let base = format!("/bots/{bot}/surveys/{id}");
    let qaction = format!("{base}/questions");
    let body = html! {
        (bot_tabs(l, &info, "surveys"))
        p { a href={ "/bots/" (bot) "/surveys" } { "← " (l.t("Усі опитування", "Все опросы", "All surveys")) }
            " · " a #survey-results href={ (base) "/results" } { (l.t("Результати", "Результаты", "Results")) }
            " · " a #survey-xlsx href={ (base) "/answers.xlsx" } { "Excel (.xlsx)" } }
        @if sv.locked() {
            p.hint #survey-locked { (l.t("Опитування надіслано: запитання змінювати не можна.", "Опрос отправлен: вопросы менять нельзя.", "The survey was sent: its questions no longer change.")) }
        }
        @if edit {
            form.inline method="post" action={ (base) "/title" } #survey-title-form {
                (csrf_field(&ctx))
                input type="text" name="title" value=(sv.title) required maxlength=(SURVEY_TITLE_MAX);
                " " button type="submit" { (l.t("Перейменувати", "Переименовать", "Rename")) }
            }
        }
        h2 { (l.t("Запитання", "Вопросы", "Questions")) }
        @if sv.questions.is_empty() { p.hint { (l.t("Запитань ще немає.", "Вопросов ещё нет.", "No questions yet.")) } }
        ol #survey-questions {
            @for (i, q) in sv.questions.iter().enumerate() {
                li.question id={ "q-" (i) } data-kind=(q.kind.as_str()) {
                    b.text { (q.text) } " " small.hint { "(" (kind_name(l, q.kind)) ")" }
                    @if !q.options.is_empty() { ul.options { @for o in &q.options { li { (o) } } } }
                    @if q.has_image { img.photo src={ (base) "/image/" (i) } alt="picture"; }
                    @if edit {
                        div.actions {
                            @for (op, label) in [("up", "↑"), ("down", "↓"), ("remove", "✕")] {
                                form.inline method="post" action=(qaction) {
                                    (csrf_field(&ctx))
                                    input type="hidden" name="op" value=(op);
                                    input type="hidden" name="n" value=(i);
                                    button type="submit" class={ "q-" (op) } { (label) }
                                }
                                " "
                            }
                        }
                        details { summary { (l.t("Змінити", "Изменить", "Edit")) }
                            (question_form(l, &ctx, &qaction, Some((i, q)))) }
                    }
                }
            }
        }
        @if edit {
            h3 { (l.t("Нове запитання", "Новый вопрос", "New question")) }
            (question_form(l, &ctx, &qaction, None))
        }
        @if !sv.questions.is_empty() {
            h2 { (l.t("Надіслати", "Отправить", "Send")) }
            form.stack method="post" action={ (base) "/send" } #survey-send {
                (csrf_field(&ctx))
                (audience_form(l, &bot, &options, &AudienceFilter::default()))
                button type="submit" #survey-send-submit data-confirm=(l.t("Надіслати опитування?", "Отправить опрос?", "Send the survey?")) {
                    (l.t("Надіслати", "Отправить", "Send"))
                }
            }
        }
        @if !sv.sends.is_empty() {
            h2 #sends { (l.t("Розсилки", "Рассылки", "Sends")) }
            table #survey-sends {
                thead { tr { th { (l.t("Коли", "Когда", "When")) } th { (l.t("Кому", "Кому", "Audience")) }
                    th { (l.t("Отримувачів", "Получателей", "Recipients")) } th { (l.t("Хто", "Кто", "By")) } } }
                tbody { @for x in &sv.sends {
                    tr { td { (fmt_time(x.sent_at)) } td { (describe_audience(&x.audience, l)) } td.num { (x.recipients) } td { (x.sent_by) } }
                } }
            }
        }
        @if admin {
            form.inline method="post" action={ (base) "/delete" } {
                (csrf_field(&ctx))
                button.danger type="submit" #survey-delete data-confirm=(l.t("Видалити опитування з відповідями?", "Удалить опрос с ответами?", "Delete the survey and its answers?")) {
                    (l.t("Видалити", "Удалить", "Delete"))
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
