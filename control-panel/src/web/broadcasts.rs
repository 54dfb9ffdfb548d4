//! The "Broadcasts" pages (seed 004, issue 19): compose, preview, test, send.
//!
//! - `/bots/{bot}/broadcasts`: the latest broadcasts with their figures.
//! - `/bots/{bot}/broadcasts/new`: the compose form: text in the bots' markup (emoji, `*bold*`,
//!   `_italic_`, `[links](https://…)`), an optional picture, an optional URL button, the
//!   audience ([`super::segment`], its size shown live), an optional start time (UTC). The
//!   page's script asks `…/preview` as the form changes and shows what Telegram, Viber and
//!   MAX will show ([`super::preview`]).
//! - `POST /bots/{bot}/broadcasts`: sends (or schedules) it; `…/preview`: the previews (with
//!   `has_image=1` instead of the file when the page already sent it once);
//!   `…/test`: sends it to the operator's own test chat only (durably, not as a broadcast);
//!   `…/test-chat`: picks that chat among the bot's users (stored per account and bot); both
//!   in [`super::broadcast_test`].
//! - One broadcast's page, live figures, pause/resume/cancel: [`super::broadcast_page`].
//!
//! Operators of the bot and administrators may do all of it (seed 004: operators "form
//! broadcasts"); cancelling is for the author or an administrator. Every change is CSRF-checked
//! (browser sessions) and written to the audit log.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::{Markup, html};
use serde_json::json;

pub(super) use super::compose_form::ComposeForm;
use super::preview::{DraftError, RawDraft, check_draft, previews, previews_html};
use super::segment::{audience_form, check_audience, describe_audience, parse_audience};
use super::{
    AppState, Ctx, WebError, audit, backend_err, bot_info, bot_tabs, csrf_field, fmt_time, json_ok,
    page, see_other,
};
use crate::backend::{
    AudienceFilter, AudienceOptions, BotInfo, BroadcastDraft, BroadcastOrder, BroadcastSummary,
};
use crate::i18n::Lang;

/// How many broadcasts the list shows.
pub const BROADCAST_LIST_MAX: u32 = 50;

pub(super) fn not_found(ctx: &Ctx, what: String) -> WebError {
    WebError::new(ctx.e(), StatusCode::NOT_FOUND, "not_found", what)
}

/// The bot, when the operator may see it and its broadcasts is on (404 otherwise).
pub(super) async fn enabled(s: &AppState, ctx: &Ctx, bot: &str) -> Result<BotInfo, WebError> {
    let info = bot_info(s, ctx, bot).await?;
    if s.backend.broadcasts_enabled(bot).await {
        Ok(info)
    } else {
        Err(not_found(
            ctx,
            ctx.lang
                .t(
                    "Цей бот не робить розсилок.",
                    "Этот бот не делает рассылок.",
                    "This bot sends no broadcasts.",
                )
                .into(),
        ))
    }
}

pub(super) fn title(l: Lang) -> &'static str {
    l.t("Розсилки", "Рассылки", "Broadcasts")
}

/// What the operator typed, kept to fill the form again.
#[derive(Debug, Default, Clone)]
pub(super) struct Composed {
    raw: RawDraft,
    start_at: String,
    audience: AudienceFilter,
}

impl ComposeForm {
    /// The typed values (an audience that does not read is kept as "all users") and the
    /// audience's mistake, if any.
    fn composed(&self) -> (Composed, Result<(), String>) {
        let f = &self.fields;
        let audience = parse_audience(
            f.0.iter()
                .flat_map(|(k, vs)| vs.iter().map(move |v| (k.as_str(), v.as_str()))),
            self.ctx.lang,
        );
        let composed = Composed {
            raw: RawDraft {
                text: f.one("text").unwrap_or_default().to_owned(),
                image: self.image.clone(),
                button_label: f.one("button_label").unwrap_or_default().to_owned(),
                button_url: f.one("button_url").unwrap_or_default().to_owned(),
            },
            start_at: f.one("start_at").unwrap_or_default().trim().to_owned(),
            audience: audience.clone().unwrap_or_default(),
        };
        (composed, audience.map(|_| ()))
    }
}

fn draft_err(ctx: &Ctx, e: DraftError) -> WebError {
    match e {
        DraftError::TooLarge(m) => {
            WebError::new(ctx.e(), StatusCode::PAYLOAD_TOO_LARGE, "too_large", m)
        }
        DraftError::NotAnImage(m) => WebError::new(
            ctx.e(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_an_image",
            m,
        ),
        DraftError::Invalid(m) => ctx.bad(m),
    }
}

/// `YYYY-MM-DDTHH:MM` (the page's field, UTC) or RFC 3339; empty is now.
fn parse_start(v: &str, now: DateTime<Utc>, l: Lang) -> Result<Option<DateTime<Utc>>, String> {
    if v.is_empty() {
        return Ok(None);
    }
    let at = DateTime::parse_from_rfc3339(v)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M").map(|t| t.and_utc()))
        .map_err(|_| {
            format!(
                "{} {v:?}",
                l.t(
                    "Час початку має бути РРРР-ММ-ДДTГГ:ХХ (UTC):",
                    "Время начала должно быть ГГГГ-ММ-ДДTЧЧ:ММ (UTC):",
                    "The start must be YYYY-MM-DDTHH:MM (UTC):"
                )
            )
        })?;
    if at < now - chrono::Duration::minutes(1) {
        return Err(l
            .t(
                "Час початку вже минув.",
                "Время начала уже прошло.",
                "The start time has passed.",
            )
            .to_owned());
    }
    Ok(Some(at))
}

async fn options(s: &AppState, ctx: &Ctx, bot: &str) -> Result<AudienceOptions, WebError> {
    s.backend
        .audience_options(bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))
}

fn state_name(l: Lang, state: &str) -> String {
    match state {
        "active" => l.t("надсилається", "отправляется", "sending"),
        "scheduled" => l.t("заплановано", "запланирована", "scheduled"),
        "paused" => l.t("на паузі", "на паузе", "paused"),
        "cancelled" => l.t("скасовано", "отменена", "cancelled"),
        "done" => l.t("завершено", "завершена", "done"),
        other => return other.to_owned(),
    }
    .to_owned()
}

/// The state as the operator reads it: an active broadcast whose start is still ahead is
/// `scheduled`.
pub(super) fn shown_state(b: &BroadcastSummary, now: DateTime<Utc>) -> &str {
    if b.state == "active" && b.start_at > now {
        "scheduled"
    } else {
        &b.state
    }
}

pub(super) fn state_badge(l: Lang, state: &str) -> Markup {
    html! { span class={ "badge state " (state) } data-state=(state) { (state_name(l, state)) } }
}

pub(super) async fn list_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    let info = enabled(&s, &ctx, &bot).await?;
    let list = s
        .backend
        .broadcasts(&bot, BROADCAST_LIST_MAX)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "bot": bot, "broadcasts": list })));
    }
    let l = ctx.lang;
    let now = super::now(&s);
    let body = html! {
        (bot_tabs(l, &info, "broadcasts"))
        p { a.button #bc-new href={ "/bots/" (bot) "/broadcasts/new" } { (l.t("Нова розсилка", "Новая рассылка", "New broadcast")) } }
        @if list.is_empty() {
            p.hint { (l.t("Розсилок ще не було.", "Рассылок ещё не было.", "No broadcasts yet.")) }
        } @else {
            div.scroll { table #bc-list {
                thead { tr {
                    th { (l.t("Створено", "Создана", "Created")) }
                    th { (l.t("Текст", "Текст", "Text")) }
                    th { (l.t("Кому", "Кому", "Audience")) }
                    th { (l.t("Автор", "Автор", "Author")) }
                    th { (l.t("Стан", "Состояние", "State")) }
                    th { (l.t("Надіслано", "Отправлено", "Sent")) }
                } }
                tbody { @for b in &list {
                    @let total: u64 = b.per_messenger.values().map(|c| c.total()).sum();
                    @let sent: u64 = b.per_messenger.values().map(|c| c.sent + c.delivered + c.seen).sum();
                    tr data-id=(b.id) {
                        td { a href={ "/bots/" (bot) "/broadcasts/b/" (b.id) } { (fmt_time(b.created_at)) } }
                        td { (b.text.chars().take(80).collect::<String>()) @if b.image { " 🖼" } }
                        td { (describe_audience(&b.audience, l)) }
                        td { (b.author) }
                        td { (state_badge(l, shown_state(b, now))) }
                        td.num { (sent) " / " (total) }
                    }
                } }
            } }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, title(l)),
        body,
    ))
}

/// A browser cannot be handed its file back: say so when the form had a picture.
fn with_reattach(l: Lang, c: &Composed, message: &str) -> String {
    if c.raw.image.is_some() {
        format!(
            "{message} {}",
            l.t(
                "Додайте зображення ще раз.",
                "Добавьте изображение ещё раз.",
                "Attach the picture again."
            )
        )
    } else {
        message.to_owned()
    }
}

/// The compose page, filled with `c`, with a message (`error` or note) and the previews of a
/// checked draft.
#[allow(clippy::too_many_arguments)]
pub(super) async fn compose(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    c: &Composed,
    draft: Option<&BroadcastDraft>,
    error: Option<&str>,
    note: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let info = bot_info(s, ctx, bot).await?;
    let opts = options(s, ctx, bot).await?;
    let test_chat = s
        .store
        .test_chat(&ctx.account.login, bot)
        .await
        .map_err(|e| super::store_err(ctx.e(), e))?;
    let l = ctx.lang;
    let base = format!("/bots/{bot}/broadcasts");
    let body = html! {
        (bot_tabs(l, &info, "broadcasts"))
        @if let Some(e) = error { p.error #bc-error { (e) } }
        @if let Some(n) = note { p.notice #bc-note { (n) } }
        form.stack #bc-form method="post" action=(base) enctype="multipart/form-data"
            data-preview={ "/api/v1" (base) "/preview" } {
            (csrf_field(ctx))
            label { (l.t("Текст", "Текст", "Text"))
                " " small.hint { (l.t("*жирний*, _курсив_, [посилання](https://…), емодзі", "*жирный*, _курсив_, [ссылка](https://…), эмодзи", "*bold*, _italic_, [link](https://…), emoji")) }
                textarea #bc-text name="text" rows="6" data-max="4096" { (c.raw.text) }
            }
            label { (l.t("Зображення (JPEG, PNG, GIF, WebP, до 5 МБ)", "Изображение (JPEG, PNG, GIF, WebP, до 5 МБ)", "Picture (JPEG, PNG, GIF, WebP, up to 5 MB)"))
                input #bc-image type="file" name="image" accept="image/jpeg,image/png,image/gif,image/webp";
            }
            fieldset {
                legend { (l.t("Кнопка-посилання (необов'язково)", "Кнопка-ссылка (необязательно)", "Link button (optional)")) }
                label { (l.t("Напис", "Надпись", "Label")) input #bc-button-label type="text" name="button_label" value=(c.raw.button_label); }
                label { (l.t("Адреса https://", "Адрес https://", "Address https://")) input #bc-button-url type="url" name="button_url" value=(c.raw.button_url) placeholder="https://"; }
            }
            (audience_form(l, bot, &opts, &c.audience))
            label { (l.t("Почати (UTC; порожньо — зараз)", "Начать (UTC; пусто — сейчас)", "Start (UTC; empty: now)"))
                input #bc-start type="datetime-local" name="start_at" value=(c.start_at);
            }
            h2 { (l.t("Попередній перегляд", "Предпросмотр", "Preview")) }
            div #bc-preview {
                @if let Some(d) = draft { (previews_html(d, l, None)) }
                @else { p.hint { (l.t("Напишіть текст — тут буде видно, що покажуть Telegram, Viber і MAX.", "Напишите текст — здесь будет видно, что покажут Telegram, Viber и MAX.", "Write a text to see what Telegram, Viber and MAX will show.")) } }
            }
            p #bc-test-chat {
                (l.t("Ваш тестовий чат:", "Ваш тестовый чат:", "Your test chat:")) " "
                @match &test_chat {
                    Some(k) => { b { (k.messenger) " " (k.user_id) } }
                    None => { i { (l.t("не вибрано (нижче)", "не выбран (ниже)", "not chosen (below)")) } }
                }
            }
            div.actions {
                button #bc-preview-button type="submit" formaction={ (base) "/preview" } { (l.t("Переглянути", "Просмотреть", "Preview")) }
                " "
                button #bc-test type="submit" formaction={ (base) "/test" } disabled[test_chat.is_none()] { (l.t("Надіслати тест мені", "Отправить тест мне", "Send a test to me")) }
                " "
                button #bc-send type="submit" data-confirm=(l.t("Надіслати розсилку?", "Отправить рассылку?", "Send the broadcast?")) { (l.t("Надіслати", "Отправить", "Send")) }
            }
            p #bc-test-result {}
        }
        h2 { (l.t("Тестовий чат", "Тестовый чат", "Test chat")) }
        form.inline #test-chat-form method="post" action={ (base) "/test-chat" } {
            (csrf_field(ctx))
            label { (l.t("Телефон, ім'я або id користувача бота", "Телефон, имя или id пользователя бота", "Phone, name or id of a user of the bot"))
                " " input #test-chat-search type="text" name="search" required;
            }
            " " button type="submit" { (l.t("Вибрати", "Выбрать", "Choose")) }
        }
    };
    let mut res = page(
        s,
        ctx,
        &format!(
            "{} · {}",
            info.name,
            l.t("Нова розсилка", "Новая рассылка", "New broadcast")
        ),
        body,
    );
    *res.status_mut() = status;
    Ok(res)
}

pub(super) async fn compose_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    enabled(&s, &ctx, &bot).await?;
    if ctx.api {
        let opts = options(&s, &ctx, &bot).await?;
        let test_chat = s
            .store
            .test_chat(&ctx.account.login, &bot)
            .await
            .map_err(|e| super::store_err(ctx.e(), e))?;
        return Ok(json_ok(
            json!({ "audience_options": opts, "test_chat": test_chat }),
        ));
    }
    compose(
        &s,
        &ctx,
        &bot,
        &Composed::default(),
        None,
        None,
        None,
        StatusCode::OK,
    )
    .await
}

/// Reads and checks the form: on a mistake, the error (JSON), or the page again with the
/// operator's values and the message (HTML).
pub(super) async fn checked(
    s: &AppState,
    bot: &str,
    f: &ComposeForm,
) -> Result<(Composed, BroadcastDraft), Response> {
    let ctx = &f.ctx;
    let again = async |c: &Composed, e: WebError| -> Response {
        if ctx.api {
            return e.into_response();
        }
        let message = with_reattach(ctx.lang, c, &e.message);
        compose(s, ctx, bot, c, None, Some(&message), None, e.status)
            .await
            .into_response()
    };
    let (c, audience) = f.composed();
    if let Err(m) = audience {
        return Err(again(&c, ctx.bad(m)).await);
    }
    let opts = match options(s, ctx, bot).await {
        Ok(o) => o,
        Err(e) => return Err(e.into_response()),
    };
    if let Err(m) = check_audience(&c.audience, &opts, ctx.lang) {
        return Err(again(&c, ctx.bad(m)).await);
    }
    match check_draft(&c.raw, ctx.lang) {
        Ok(d) => Ok((c, d)),
        Err(e) => Err(again(&c, draft_err(ctx, e)).await),
    }
}

pub(super) async fn preview(
    State(s): State<AppState>,
    Path(bot): Path<String>,
    mut f: ComposeForm,
) -> Result<Response, WebError> {
    let ctx = &f.ctx;
    enabled(&s, ctx, &bot).await?;
    // The page's script sends the picture once (when chosen) and then only says it has one,
    // so typing does not upload it again; the previews need only to know it is there.
    if f.image.is_none() && f.fields.flag("has_image") {
        f.image = Some(b"\x89PNG\r\n\x1a\n".to_vec());
    }
    let (c, draft) = match checked(&s, &bot, &f).await {
        Ok(x) => x,
        Err(res) => return Ok(res),
    };
    if ctx.api {
        return Ok(json_ok(json!({
            "ok": true,
            "previews": previews(&draft, ctx.lang),
            "html": previews_html(&draft, ctx.lang, None).into_string(),
        })));
    }
    compose(&s, ctx, &bot, &c, Some(&draft), None, None, StatusCode::OK).await
}

pub(super) async fn create(
    State(s): State<AppState>,
    Path(bot): Path<String>,
    f: ComposeForm,
) -> Result<Response, WebError> {
    let ctx = &f.ctx;
    enabled(&s, ctx, &bot).await?;
    let (c, draft) = match checked(&s, &bot, &f).await {
        Ok(x) => x,
        Err(res) => return Ok(res),
    };
    let refuse = async |c: &Composed, e: WebError| -> Result<Response, WebError> {
        if ctx.api {
            return Err(e);
        }
        let message = with_reattach(ctx.lang, c, &e.message);
        compose(&s, ctx, &bot, c, None, Some(&message), None, e.status).await
    };
    let start_at = match parse_start(&c.start_at, super::now(&s), ctx.lang) {
        Ok(t) => t,
        Err(m) => return refuse(&c, ctx.bad(m)).await,
    };
    // A platform the audience is on would refuse the text: say which, before anything is sent.
    let opts = options(&s, ctx, &bot).await?;
    let reached = if c.audience.messengers.is_empty() {
        &opts.messengers
    } else {
        &c.audience.messengers
    };
    if let Some(p) = previews(&draft, ctx.lang)
        .into_iter()
        .find(|p| p.refused && reached.iter().any(|m| m == p.messenger))
    {
        let m = format!("{}: {}", p.messenger, p.notes.join(" "));
        return refuse(&c, ctx.bad(m)).await;
    }
    // Refused here with a clear message; the backend checks again when it lists them.
    let n = s
        .backend
        .audience_count(&bot, &c.audience)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if n == 0 {
        let m = ctx.lang.t(
            "У цій аудиторії нікого немає.",
            "В этой аудитории никого нет.",
            "Nobody is in this audience.",
        );
        return refuse(&c, ctx.bad(m)).await;
    }
    let order = BroadcastOrder {
        draft,
        audience: c.audience.clone(),
        start_at,
        author: ctx.account.login.clone(),
    };
    let id = match s.backend.broadcast_create(&bot, &order).await {
        Ok(id) => id,
        Err(e) => return refuse(&c, backend_err(ctx.e(), e)).await,
    };
    audit(
        &s,
        ctx,
        "broadcast.create",
        &format!("{bot}/{id}"),
        &format!(
            "{n} ({}){}",
            describe_audience(&c.audience, Lang::En),
            start_at.map(|t| format!(", start {t}")).unwrap_or_default()
        ),
    )
    .await;
    if ctx.api {
        return Ok(json_ok(json!({ "ok": true, "id": id, "recipients": n })));
    }
    Ok(see_other(&format!("/bots/{bot}/broadcasts/b/{id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_times_read_as_utc_and_never_in_the_past() {
        let now = DateTime::parse_from_rfc3339("2026-12-07T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_start("", now, Lang::En).unwrap(), None);
        assert_eq!(
            parse_start("2026-12-07T12:30", now, Lang::En).unwrap(),
            Some(now + chrono::Duration::minutes(150))
        );
        assert_eq!(
            parse_start("2026-12-07T14:30:00+02:00", now, Lang::En).unwrap(),
            Some(now + chrono::Duration::minutes(150))
        );
        assert!(
            parse_start("2026-12-07T09:00", now, Lang::En)
                .unwrap_err()
                .contains("passed")
        );
        assert!(parse_start("tomorrow", now, Lang::En).is_err());
    }
}
