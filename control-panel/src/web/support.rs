//! The "Support" page: live chat between operators and the bots' users (seed 004, issue 20).
//!
//! - `/bots/{bot}/support`: the open dialogues, newest message first, with unread counters and
//!   who has each; the working hours (administrators change them).
//! - `/bots/{bot}/support/d/{id}`: one dialogue with the user's data beside it; take (locks it
//!   to the operator; an administrator can take it over), close (returns the user to the bot),
//!   pause or resume the bot for the user, send text and a photo; `…/seen` marks the user's
//!   messages read for API clients (the page does it when shown).
//! - `/bots/{bot}/support/events`: Server-Sent Events. The server asks the backend for a change
//!   marker ([`crate::PanelBackend::support_stamp`]) every
//!   [`crate::PanelConfig::support_check_interval`] and sends `change` when it moved; the page's
//!   script then reloads the live parts of the page once. Browsers never poll.
//!
//! Every route checks the bot like the other pages (an operator sees only assigned bots).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde_json::json;

use super::upload::{FileForm, check_picture, image_mime, read};
use super::{
    AppState, Ctx, Fields, Via, WebError, Write, audit, backend_err, bot_info, bot_tabs,
    csrf_field, fmt_time, json_ok, page, see_other,
};
use crate::backend::{
    BotInfo, SupportDetail, SupportDialogue, SupportHoursSettings, SupportSender, UserKey,
};
use crate::i18n::Lang;
use secrecy::ExposeSecret;

fn not_found(ctx: &Ctx, what: String) -> WebError {
    WebError::new(ctx.e(), StatusCode::NOT_FOUND, "not_found", what)
}

fn conflict(ctx: &Ctx, message: String) -> WebError {
    WebError::new(ctx.e(), StatusCode::CONFLICT, "conflict", message)
}

fn closed_already(ctx: &Ctx) -> WebError {
    conflict(
        ctx,
        ctx.lang
            .t(
                "Діалог уже закрито.",
                "Диалог уже закрыт.",
                "The dialogue is closed.",
            )
            .into(),
    )
}

/// The bot, when the operator may see it and its live chat is on (404 otherwise).
async fn enabled(s: &AppState, ctx: &Ctx, bot: &str) -> Result<BotInfo, WebError> {
    let info = bot_info(s, ctx, bot).await?;
    if s.backend.support_enabled(bot).await {
        Ok(info)
    } else {
        Err(not_found(
            ctx,
            ctx.lang
                .t(
                    "У цього бота немає живого чату.",
                    "У этого бота нет живого чата.",
                    "This bot has no live chat.",
                )
                .into(),
        ))
    }
}

async fn stamp(s: &AppState, bot: &str) -> String {
    s.backend.support_stamp(bot).await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "live chat change marker unavailable");
        String::new()
    })
}

async fn detail(s: &AppState, ctx: &Ctx, bot: &str, id: &str) -> Result<SupportDetail, WebError> {
    s.backend
        .support_dialogue(bot, id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| not_found(ctx, format!("dialogue {id:?}")))
}

fn user_label(d: &SupportDialogue) -> String {
    d.user_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| d.user.user_id.clone())
}

fn holder(l: Lang, d: &SupportDialogue) -> String {
    match &d.operator {
        Some(op) => format!("{} {op}", l.t("веде", "ведёт", "taken by")),
        None => l.t("вільний", "свободен", "free").to_owned(),
    }
}

fn list_html(l: Lang, bot: &str, dialogues: &[SupportDialogue]) -> Markup {
    html! {
        @if dialogues.is_empty() {
            p.hint { (l.t("Відкритих діалогів немає.", "Открытых диалогов нет.", "No open dialogues.")) }
        } @else {
            div.scroll { table {
                thead { tr {
                    th { (l.t("Користувач", "Пользователь", "User")) }
                    th { (l.t("Месенджер", "Мессенджер", "Messenger")) }
                    th { (l.t("Останнє повідомлення", "Последнее сообщение", "Last message")) }
                    th { (l.t("Оператор", "Оператор", "Operator")) }
                    th { (l.t("Нових", "Новых", "Unread")) }
                } }
                tbody {
                    @for d in dialogues {
                        tr.dialogue data-id=(d.id) {
                            td { a href={ "/bots/" (bot) "/support/d/" (d.id) } { (user_label(d)) }
                                @if d.paused { " " small.badge { (l.t("бот на паузі", "бот на паузе", "bot paused")) } } }
                            td { (d.user.messenger) }
                            td { (fmt_time(d.updated_at)) }
                            td.operator { (holder(l, d)) }
                            td.num { @if d.unread > 0 { span.badge.unread { (d.unread) } } @else { "0" } }
                        }
                    }
                }
            } }
        }
    }
}

pub(super) async fn support_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    let info = enabled(&s, &ctx, &bot).await?;
    let dialogues = s
        .backend
        .support_dialogues(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let hours = s
        .backend
        .support_hours(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(
            json!({ "bot": bot, "dialogues": dialogues, "hours": hours }),
        ));
    }
    let l = ctx.lang;
    let admin = ctx.account.is_admin();
    let stamp = stamp(&s, &bot).await;
    let body = html! {
        (bot_tabs(l, &info, "support"))
        div #support-live data-sse={ "/bots/" (bot) "/support/events" } data-stamp=(stamp) {
            div #support-list data-live="1" { (list_html(l, &bot, &dialogues)) }
        }
        @if let Some(h) = hours {
            h2 { (l.t("Робочий час", "Рабочее время", "Working hours")) }
            form.stack method="post" action={ "/bots/" (bot) "/support/hours" } #support-hours {
                (csrf_field(&ctx))
                label { (l.t("Дні й години (напр. Mon-Fri 09:00-18:00, Sat 10:00-14:00; порожньо — завжди)",
                             "Дни и часы (напр. Mon-Fri 09:00-18:00, Sat 10:00-14:00; пусто — всегда)",
                             "Days and hours (e.g. Mon-Fri 09:00-18:00, Sat 10:00-14:00; empty: always)"))
                    input type="text" name="hours" value=(h.hours) disabled[!admin];
                }
                label { (l.t("Часовий пояс (зсув від UTC)", "Часовой пояс (сдвиг от UTC)", "Time zone (UTC offset)"))
                    input type="text" name="tz" value=(h.tz) disabled[!admin];
                }
                @if admin { button type="submit" { (l.t("Зберегти", "Сохранить", "Save")) } }
            }
            @if let Some(key) = &h.out_of_hours_text {
                p.hint { (l.t("Текст поза робочим часом:", "Текст вне рабочего времени:", "Out-of-hours text:"))
                    " " a href={ "/bots/" (bot) "/texts#text-" (key) } { code { (key) } } }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!(
            "{} · {}",
            info.name,
            l.t("Підтримка", "Поддержка", "Support")
        ),
        body,
    ))
}

/// Whether the account behind an open event stream may still see `bot`: its session is alive
/// (browsers), or its account is (API tokens).
pub(super) async fn still_allowed(s: &AppState, via: &Via, login: &str, bot: &str) -> bool {
    let account = match via {
        Via::Session { token, .. } => s
            .store
            .session(token.expose_secret(), super::now(s))
            .await
            .ok()
            .flatten()
            .map(|x| x.account),
        Via::Token => s.store.account(login).await.ok().flatten(),
    };
    account.is_some_and(|a| a.can_access(bot))
}

pub(super) async fn support_events(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    enabled(&s, &ctx, &bot).await?;
    let every: Duration = s.config.support_check_interval;
    let first = stamp(&s, &bot).await;
    // The current marker first (the page compares it with the one it was rendered with), then
    // one event per change. The stream ends when the session ends (expiry, sign-out) or the
    // account loses the bot, checked at every tick.
    let hello = Event::default().event("change").data(first.clone());
    let who = (ctx.via.clone(), ctx.account.login.clone());
    let changes = futures_util::stream::unfold(
        (s, bot, first, who),
        move |(s, bot, last, who)| async move {
            loop {
                tokio::time::sleep(every).await;
                if !still_allowed(&s, &who.0, &who.1, &bot).await {
                    return None;
                }
                let now = stamp(&s, &bot).await;
                if !now.is_empty() && now != last {
                    let ev = Event::default().event("change").data(now.clone());
                    return Some((Ok::<_, Infallible>(ev), (s, bot, now, who)));
                }
            }
        },
    );
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter([Ok(hello)]), changes);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

/// Text with its `http(s)://` addresses as links (opened in a new tab, no referrer).
fn linkify(text: &str) -> Markup {
    let mut parts: Vec<(bool, &str)> = Vec::new();
    let mut rest = text;
    while let Some(i) = ["https://", "http://"]
        .iter()
        .filter_map(|p| rest.find(p))
        .min()
    {
        let end = rest[i..]
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .map_or(rest.len(), |n| i + n);
        // A sentence's full stop or comma after the address is not part of it.
        let url = rest[i..end].trim_end_matches(['.', ',', ')', '!', '?', ';', ':']);
        parts.push((false, &rest[..i]));
        parts.push((true, url));
        rest = &rest[i + url.len()..];
    }
    parts.push((false, rest));
    html! {
        @for (link, part) in parts {
            @if link { a href=(part) target="_blank" rel="noopener noreferrer" { (part) } } @else { (part) }
        }
    }
}

fn message_html(l: Lang, bot: &str, m: &crate::backend::SupportMessage) -> Markup {
    let who = match m.sender {
        SupportSender::User => l.t("Користувач", "Пользователь", "User").to_owned(),
        SupportSender::Operator => m.operator.clone().unwrap_or_default(),
    };
    let class = match m.sender {
        SupportSender::User => "msg user",
        SupportSender::Operator => "msg operator",
    };
    html! {
        li class=(class) data-id=(m.id) {
            small.hint { (fmt_time(m.at)) " · " (who) }
            @if let Some(t) = &m.text { div.text { (linkify(t)) } }
            @if m.photo {
                a href={ "/bots/" (bot) "/support/photo/" (m.id) } target="_blank" {
                    img.photo src={ "/bots/" (bot) "/support/photo/" (m.id) } alt="photo";
                }
            }
        }
    }
}

pub(super) async fn dialogue_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let info = enabled(&s, &ctx, &bot).await?;
    let d = detail(&s, &ctx, &bot, &id).await?;
    // An operator looking at it has seen the user's messages (the JSON API reads without it).
    if !ctx.api && d.dialogue.unread > 0 {
        s.backend
            .support_mark_seen(&bot, &id)
            .await
            .map_err(|e| backend_err(ctx.e(), e))?;
    }
    if ctx.api {
        return Ok(json_ok(&d));
    }
    let l = ctx.lang;
    let me = &ctx.account.login;
    let dl = &d.dialogue;
    let open = dl.closed_at.is_none();
    let mine = dl.operator.as_deref() == Some(me.as_str());
    let free = dl.operator.is_none();
    let admin = ctx.account.is_admin();
    let base = format!("/bots/{bot}/support/d/{id}");
    let stamp = stamp(&s, &bot).await;
    // Who an administrator can hand the dialogue to: accounts that see this bot.
    let candidates: Vec<String> = if admin && open {
        s.store
            .accounts()
            .await
            .map_err(|e| super::store_err(ctx.e(), e))?
            .into_iter()
            .filter(|a| a.can_access(&bot) && dl.operator.as_deref() != Some(a.login.as_str()))
            .map(|a| a.login)
            .collect()
    } else {
        Vec::new()
    };
    let status = html! {
        p #support-holder {
            @if !open {
                (l.t("Закрито", "Закрыт", "Closed")) " " (dl.closed_at.map(fmt_time).unwrap_or_default())
                @if let Some(by) = &dl.closed_by { " (" (by) ")" }
            } @else if mine {
                b { (l.t("Діалог ведете ви.", "Диалог ведёте вы.", "You have this dialogue.")) }
            } @else if let Some(op) = &dl.operator {
                span.locked { "🔒 " (l.t("Діалог веде", "Диалог ведёт", "Taken by")) " " b.operator { (op) } }
            } @else {
                (l.t("Діалог ще ніхто не взяв.", "Диалог ещё никто не взял.", "Nobody has taken this dialogue yet."))
            }
            @if dl.paused { " " span.badge { (l.t("бот на паузі", "бот на паузе", "bot paused")) } }
        }
        @if open {
            div.actions {
                @if free || (admin && !mine) {
                    form.inline method="post" action={ (base) "/take" } {
                        (csrf_field(&ctx))
                        @if !free { input type="hidden" name="force" value="1"; }
                        button type="submit" #take {
                            @if free { (l.t("Взяти", "Взять", "Take")) } @else { (l.t("Перехопити", "Перехватить", "Take over")) }
                        }
                    }
                    " "
                }
                @if !candidates.is_empty() {
                    form.inline method="post" action={ (base) "/take" } #reassign-form {
                        (csrf_field(&ctx))
                        select name="to" #reassign-to {
                            @for c in &candidates { option value=(c) { (c) } }
                        }
                        " "
                        button type="submit" #reassign { (l.t("Передати", "Передать", "Hand over")) }
                    }
                    " "
                }
                @if free || mine || admin {
                    form.inline method="post" action={ (base) "/pause" } {
                        (csrf_field(&ctx))
                        input type="hidden" name="paused" value=(if dl.paused { "0" } else { "1" });
                        button type="submit" #pause {
                            @if dl.paused { (l.t("Відновити бота", "Возобновить бота", "Resume the bot")) }
                            @else { (l.t("Призупинити бота", "Приостановить бота", "Pause the bot")) }
                        }
                    }
                    " "
                    form.inline method="post" action={ (base) "/close" } {
                        (csrf_field(&ctx))
                        button.danger type="submit" #close data-confirm=(l.t("Закрити діалог?", "Закрыть диалог?", "Close the dialogue?")) {
                            (l.t("Закрити", "Закрыть", "Close"))
                        }
                    }
                }
            }
        }
    };
    let p = d.profile.as_ref();
    let user = html! {
        h2 { (l.t("Користувач", "Пользователь", "User")) }
        dl #support-profile {
            dt { (l.t("Ім'я", "Имя", "Name")) } dd { (p.and_then(|p| p.summary.name.clone()).or_else(|| dl.user_name.clone()).unwrap_or_else(|| "—".into())) }
            dt { (l.t("Телефон", "Телефон", "Phone")) } dd { (p.and_then(|p| p.summary.phone.clone()).unwrap_or_else(|| "—".into())) }
            dt { (l.t("Месенджер", "Мессенджер", "Messenger")) } dd { (dl.user.messenger) " " small { (dl.user.user_id) } }
            dt { (l.t("Мова", "Язык", "Language")) } dd { (p.and_then(|p| p.summary.language.clone()).unwrap_or_else(|| "—".into())) }
            @if let Some(p) = p {
                @for (k, v) in &p.programme { dt { (k) } dd { (v) } }
            }
        }
        p { a href={ "/bots/" (bot) "/users/" (dl.user.messenger) "/" (dl.user.user_id) } { (l.t("Профіль", "Профиль", "Profile")) } }
        h2 { (l.t("Попередні діалоги", "Предыдущие диалоги", "Earlier dialogues")) }
        @if d.earlier.is_empty() { p.hint { "—" } } @else {
            ul #support-earlier {
                @for e in &d.earlier {
                    li { a href={ "/bots/" (bot) "/support/d/" (e.id) } { (fmt_time(e.opened_at)) }
                        " · " (e.operator.as_deref().unwrap_or("—")) }
                }
            }
        }
    };
    let can_send = open && (free || mine);
    let body = html! {
        (bot_tabs(l, &info, "support"))
        p { a href={ "/bots/" (bot) "/support" } { "← " (l.t("Усі діалоги", "Все диалоги", "All dialogues")) } }
        div.support #support-live data-sse={ "/bots/" (bot) "/support/events" } data-stamp=(stamp) {
            section.chat {
                div #support-status data-live="1" { (status) }
                ul.chat #support-messages data-live="1" {
                    @for m in &d.messages { (message_html(l, &bot, m)) }
                }
                @if can_send {
                    form.stack.send method="post" action={ (base) "/send" } enctype="multipart/form-data" #support-send {
                        (csrf_field(&ctx))
                        textarea name="text" rows="3" maxlength="4000" #support-text {}
                        label { (l.t("Фото (JPEG, PNG, GIF, WebP, до 5 МБ)", "Фото (JPEG, PNG, GIF, WebP, до 5 МБ)", "Photo (JPEG, PNG, GIF, WebP, up to 5 MB)"))
                            input type="file" name="photo" accept="image/jpeg,image/png,image/gif,image/webp" #support-photo;
                        }
                        button type="submit" #send { (l.t("Надіслати", "Отправить", "Send")) }
                    }
                } @else if open {
                    p.hint #support-locked { (l.t("Писати може оператор, який веде діалог.", "Писать может оператор, который ведёт диалог.", "Only the operator who has the dialogue can write.")) }
                }
            }
            aside.user #support-user data-live="1" { (user) }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, user_label(dl)),
        body,
    ))
}

/// May `ctx` act on (close, pause) a dialogue held by `operator`?
fn may_act(ctx: &Ctx, operator: Option<&str>) -> bool {
    ctx.account.is_admin() || operator.is_none_or(|o| o == ctx.account.login)
}

fn locked(ctx: &Ctx, operator: Option<&str>) -> WebError {
    conflict(
        ctx,
        format!(
            "{} {}",
            ctx.lang.t(
                "Діалог веде інший оператор:",
                "Диалог ведёт другой оператор:",
                "Another operator has this dialogue:"
            ),
            operator.unwrap_or("?")
        ),
    )
}

fn done(ctx: &Ctx, to: &str, v: serde_json::Value) -> Response {
    if ctx.api { json_ok(v) } else { see_other(to) }
}

pub(super) async fn take(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    enabled(&s, ctx, &bot).await?;
    let force = w.fields.flag("force");
    // An administrator may hand the dialogue to another operator ("to").
    let to = w.fields.one("to").map(str::trim).filter(|t| !t.is_empty());
    if (force || to.is_some()) && !ctx.account.is_admin() {
        return Err(ctx.forbidden());
    }
    if let Some(to) = to {
        let target = s
            .store
            .account(to)
            .await
            .map_err(|e| super::store_err(ctx.e(), e))?;
        if !target.is_some_and(|a| a.can_access(&bot)) {
            return Err(ctx.bad(format!(
                "{} {to:?}",
                ctx.lang.t(
                    "Немає оператора цього бота з логіном",
                    "Нет оператора этого бота с логином",
                    "No operator of this bot with the login"
                )
            )));
        }
    }
    let operator = to.unwrap_or(&ctx.account.login).to_owned();
    let won = s
        .backend
        .support_take(&bot, &id, &operator, force || to.is_some())
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if !won {
        let d = detail(&s, ctx, &bot, &id).await?;
        return Err(locked(ctx, d.dialogue.operator.as_deref()));
    }
    let action = if force || to.is_some() {
        "support.reassign"
    } else {
        "support.take"
    };
    audit(&s, ctx, action, &format!("{bot}/{id}"), &operator).await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/support/d/{id}"),
        json!({ "ok": true, "operator": operator }),
    ))
}

pub(super) async fn close(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    enabled(&s, ctx, &bot).await?;
    let d = detail(&s, ctx, &bot, &id).await?;
    if !may_act(ctx, d.dialogue.operator.as_deref()) {
        return Err(locked(ctx, d.dialogue.operator.as_deref()));
    }
    let closed = s
        .backend
        .support_close(&bot, &id, &ctx.account.login)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if !closed {
        return Err(closed_already(ctx));
    }
    audit(&s, ctx, "support.close", &format!("{bot}/{id}"), "").await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/support"),
        json!({ "ok": true }),
    ))
}

pub(super) async fn pause(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    enabled(&s, ctx, &bot).await?;
    let d = detail(&s, ctx, &bot, &id).await?;
    if !may_act(ctx, d.dialogue.operator.as_deref()) {
        return Err(locked(ctx, d.dialogue.operator.as_deref()));
    }
    let paused = w.fields.flag("paused");
    s.backend
        .support_set_paused(&bot, &d.dialogue.user, paused)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let action = if paused {
        "support.pause"
    } else {
        "support.resume"
    };
    let UserKey { messenger, user_id } = &d.dialogue.user;
    audit(&s, ctx, action, &format!("{bot}/{messenger}/{user_id}"), "").await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/support/d/{id}"),
        json!({ "ok": true, "paused": paused }),
    ))
}

pub(super) async fn seen(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    enabled(&s, ctx, &bot).await?;
    detail(&s, ctx, &bot, &id).await?;
    s.backend
        .support_mark_seen(&bot, &id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/support/d/{id}"),
        json!({ "ok": true }),
    ))
}

/// An operator's message: a multipart form (text, photo, csrf) from the page or an API
/// client, or a plain form / JSON body with text only. Read by [`super::upload::read`].
pub(super) struct Upload {
    /// Who sent it.
    pub(super) ctx: Ctx,
    /// The `text` field (empty when absent).
    pub(super) text: String,
    /// The file sent as `photo`, if any.
    pub(super) photo: Option<Vec<u8>>,
    /// Every other field (the surveys' question form uses them).
    pub(super) fields: Fields,
}

impl FromRequest<AppState> for Upload {
    type Rejection = Response;

    async fn from_request(req: Request, s: &AppState) -> Result<Self, Self::Rejection> {
        let FileForm { ctx, fields, file } = read(req, s, "photo").await?;
        let text = fields.one("text").unwrap_or_default().to_owned();
        Ok(Self {
            ctx,
            text,
            photo: file,
            fields,
        })
    }
}

pub(super) async fn send(
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
    up: Upload,
) -> Result<Response, WebError> {
    let ctx = &up.ctx;
    enabled(&s, ctx, &bot).await?;
    let text = up.text.trim().replace("\r\n", "\n");
    let photo = up
        .photo
        .map(check_picture)
        .transpose()
        .map_err(|e| e.to_web(ctx))?;
    if text.is_empty() && photo.is_none() {
        return Err(ctx.bad(ctx.lang.t(
            "Напишіть текст або додайте фото.",
            "Напишите текст или добавьте фото.",
            "Write a text or attach a photo.",
        )));
    }
    if text.chars().count() > 4000 {
        return Err(ctx.bad("text longer than 4000 characters"));
    }
    // Writing to a dialogue nobody has takes it; one another operator has is refused.
    let won = s
        .backend
        .support_take(&bot, &id, &ctx.account.login, false)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if !won {
        let d = detail(&s, ctx, &bot, &id).await?;
        if d.dialogue.closed_at.is_some() {
            return Err(closed_already(ctx));
        }
        return Err(locked(ctx, d.dialogue.operator.as_deref()));
    }
    let has_photo = photo.is_some();
    s.backend
        .support_send(&bot, &id, &ctx.account.login, &text, photo)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/support/d/{id}"),
        json!({ "ok": true, "photo": has_photo }),
    ))
}

pub(super) async fn photo(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, message)): Path<(String, String)>,
) -> Result<Response, WebError> {
    enabled(&s, &ctx, &bot).await?;
    let p = s
        .backend
        .support_photo(&bot, &message)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| not_found(&ctx, format!("photo {message:?}")))?;
    // Only pictures are served as what they are; anything else is a download.
    let mime = image_mime(&p.data).unwrap_or("application/octet-stream");
    let mut res = p.data.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    if mime == "application/octet-stream" {
        h.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("attachment"),
        );
    }
    Ok(res)
}

pub(super) async fn hours_set(
    State(s): State<AppState>,
    Path(bot): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    enabled(&s, ctx, &bot).await?;
    ctx.require_admin()?;
    let current = s
        .backend
        .support_hours(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let wanted = SupportHoursSettings {
        hours: w.fields.one("hours").unwrap_or_default().trim().to_owned(),
        tz: w.fields.one("tz").unwrap_or("UTC").trim().to_owned(),
        out_of_hours_text: current.and_then(|c| c.out_of_hours_text),
    };
    s.backend
        .set_support_hours(&bot, &wanted)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "support.hours",
        &bot,
        &format!("{} {}", wanted.hours, wanted.tz),
    )
    .await;
    Ok(done(
        ctx,
        &format!("/bots/{bot}/support"),
        json!({ "ok": true, "hours": wanted }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_messages_become_links_and_nothing_else_does() {
        let html =
            linkify("Дивіться https://club.ergo-global.com/a?b=1. І <b>це</b>").into_string();
        assert_eq!(
            html,
            "Дивіться <a href=\"https://club.ergo-global.com/a?b=1\" target=\"_blank\" rel=\"noopener noreferrer\">https://club.ergo-global.com/a?b=1</a>. І &lt;b&gt;це&lt;/b&gt;"
        );
        assert_eq!(
            linkify("javascript:alert(1)").into_string(),
            "javascript:alert(1)"
        );
        assert_eq!(linkify("http://").into_string().matches("<a").count(), 1);
    }
}
