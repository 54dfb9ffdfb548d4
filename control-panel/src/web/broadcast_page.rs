//! One broadcast's page: its message, audience and state, live figures per messenger
//! (queued, sending, sent, failed, blocked, cancelled, unknown, and Viber's delivered and seen),
//! pause/resume/cancel, and the per-recipient journal with the failure reasons, paged.
//!
//! The figures update live: `…/events` sends Server-Sent Events when they change (the server
//! reads the store every [`crate::PanelConfig::support_check_interval`]); the page's script
//! then fetches the page once and swaps its live parts, like the Support page.

use std::convert::Infallible;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::json;

use super::broadcasts::{enabled, not_found, shown_state, state_badge, title};
use super::preview::previews_html;
use super::segment::describe_audience;
use super::{
    AppState, Ctx, WebError, Write, audit, backend_err, bot_tabs, csrf_field, fmt_time, json_ok,
    page, see_other,
};
use crate::backend::{BroadcastAction, BroadcastDraft, BroadcastFigures, BroadcastSummary};
use crate::i18n::Lang;

/// Journal lines per page.
pub const JOURNAL_PAGE: u32 = 50;

async fn summary(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    id: &str,
) -> Result<BroadcastSummary, WebError> {
    s.backend
        .broadcast(bot, id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| not_found(ctx, format!("broadcast {id:?}")))
}

/// A marker that changes whenever the state or a figure does.
fn stamp(b: &BroadcastSummary) -> String {
    let mut out = b.state.clone();
    for (m, c) in &b.per_messenger {
        out.push_str(&format!(
            "|{m}:{}:{}:{}:{}:{}:{}:{}:{}:{}",
            c.queued,
            c.sending,
            c.sent,
            c.failed,
            c.blocked,
            c.cancelled,
            c.unknown,
            c.delivered,
            c.seen
        ));
    }
    out
}

const COLUMNS: [&str; 9] = [
    "queued",
    "sending",
    "sent",
    "failed",
    "blocked",
    "cancelled",
    "unknown",
    "delivered",
    "seen",
];

fn column_name(l: Lang, c: &str) -> &'static str {
    match c {
        "queued" => l.t("у черзі", "в очереди", "queued"),
        "sending" => l.t("надсилається", "отправляется", "sending"),
        "sent" => l.t("надіслано", "отправлено", "sent"),
        "failed" => l.t("помилка", "ошибка", "failed"),
        "blocked" => l.t("заблокували", "заблокировали", "blocked"),
        "cancelled" => l.t("скасовано", "отменено", "cancelled"),
        "unknown" => l.t("невідомо", "неизвестно", "unknown"),
        "delivered" => l.t("доставлено", "доставлено", "delivered"),
        _ => l.t("переглянуто", "просмотрено", "seen"),
    }
}

fn value(c: &BroadcastFigures, col: &str) -> u64 {
    match col {
        "queued" => c.queued,
        "sending" => c.sending,
        "sent" => c.sent,
        "failed" => c.failed,
        "blocked" => c.blocked,
        "cancelled" => c.cancelled,
        "unknown" => c.unknown,
        "delivered" => c.delivered,
        _ => c.seen,
    }
}

fn figures_html(l: Lang, b: &BroadcastSummary, now: chrono::DateTime<chrono::Utc>) -> Markup {
    let mut total = BroadcastFigures::default();
    for c in b.per_messenger.values() {
        total.add(c);
    }
    html! {
        p { (l.t("Стан:", "Состояние:", "State:")) " " (state_badge(l, shown_state(b, now))) }
        div.scroll { table #bc-figures-table {
            thead { tr {
                th {}
                @for m in b.per_messenger.keys() { th.num { (m) } }
                th.num { (l.t("Разом", "Итого", "Total")) }
            } }
            tbody {
                @for col in COLUMNS {
                    tr data-status=(col) {
                        td { (column_name(l, col)) }
                        @for (m, c) in &b.per_messenger { td.num data-messenger=(m) { (value(c, col)) } }
                        td.num data-messenger="total" { b { (value(&total, col)) } }
                    }
                }
            }
        } }
    }
}

fn controls_html(ctx: &Ctx, bot: &str, b: &BroadcastSummary) -> Markup {
    let l = ctx.lang;
    let base = format!("/bots/{bot}/broadcasts/b/{}", b.id);
    let may_cancel = ctx.account.is_admin() || ctx.account.login == b.author;
    let button = |action: &str, label: &str, confirm: Option<&str>| {
        html! {
            form.inline method="post" action={ (base) "/" (action) } {
                (csrf_field(ctx))
                button type="submit" id={ "bc-" (action) } data-confirm=[confirm] { (label) }
            }
            " "
        }
    };
    html! {
        div.actions {
            @if b.state == "active" { (button("pause", l.t("Пауза", "Пауза", "Pause"), None)) }
            @if b.state == "paused" { (button("resume", l.t("Продовжити", "Продолжить", "Resume"), None)) }
            @if (b.state == "active" || b.state == "paused") && may_cancel {
                (button("cancel", l.t("Скасувати", "Отменить", "Cancel"), Some(l.t("Скасувати розсилку назавжди?", "Отменить рассылку навсегда?", "Cancel the broadcast for good?"))))
            }
        }
    }
}

/// The journal page to show.
#[derive(Debug, Deserialize)]
pub(super) struct JournalQuery {
    #[serde(default)]
    offset: u64,
    #[serde(default)]
    limit: Option<u32>,
}

pub(super) async fn broadcast_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
    Query(q): Query<JournalQuery>,
) -> Result<Response, WebError> {
    let info = enabled(&s, &ctx, &bot).await?;
    let b = summary(&s, &ctx, &bot, &id).await?;
    let limit = q
        .limit
        .unwrap_or(JOURNAL_PAGE)
        .clamp(1, crate::web::MAX_PAGE_SIZE);
    let journal = s
        .backend
        .broadcast_journal(&bot, &id, limit, q.offset)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(
            json!({ "broadcast": b, "journal": journal, "offset": q.offset, "limit": limit }),
        ));
    }
    let l = ctx.lang;
    let base = format!("/bots/{bot}/broadcasts/b/{id}");
    let draft = BroadcastDraft {
        text: b.text.clone(),
        image: None,
        button: b.button.clone(),
    };
    let image_src = format!("{base}/image");
    let total: u64 = b.per_messenger.values().map(BroadcastFigures::total).sum();
    let body = html! {
        (bot_tabs(l, &info, "broadcasts"))
        p.hint {
            (l.t("Створено", "Создана", "Created")) " " (fmt_time(b.created_at)) " · " (b.author)
            " · " (l.t("початок", "начало", "start")) " " (fmt_time(b.start_at)) " UTC"
            " · " (describe_audience(&b.audience, l)) " · " (total) " " (l.t("отримувачів", "получателей", "recipients"))
        }
        div #bc-live data-sse={ (base) "/events" } data-stamp=(stamp(&b)) {
            div #bc-figures data-live="1" { (figures_html(l, &b, super::now(&s))) }
            div #bc-controls data-live="1" { (controls_html(&ctx, &bot, &b)) }
        }
        details {
            summary { (l.t("Повідомлення", "Сообщение", "Message")) }
            @if b.image { img.photo src=(image_src) alt="image"; }
            (previews_html(&draft, l, None))
        }
        h2 { (l.t("Журнал", "Журнал", "Journal")) }
        div #bc-journal data-live="1" {
            div.scroll { table {
                thead { tr {
                    th { (l.t("Месенджер", "Мессенджер", "Messenger")) }
                    th { (l.t("Користувач", "Пользователь", "User")) }
                    th { (l.t("Стан", "Состояние", "Status")) }
                    th { (l.t("Причина", "Причина", "Reason")) }
                    th { (l.t("Спроб", "Попыток", "Attempts")) }
                    th { (l.t("Змінено", "Изменено", "Updated")) }
                } }
                tbody { @for j in &journal {
                    tr data-status=(j.status) {
                        td { (j.user.messenger) }
                        td { a href={ "/bots/" (bot) "/users/" (j.user.messenger) "/" (j.user.user_id) } { (j.user.user_id) } }
                        td { (column_name(l, &j.status)) }
                        td.reason { (j.error.clone().unwrap_or_default()) }
                        td.num { (j.attempts) }
                        td { (j.updated_at.clone().unwrap_or_default().chars().take(19).collect::<String>().replace('T', " ")) }
                    }
                } }
            } }
            p.pager {
                @if q.offset > 0 {
                    a href={ (base) "?offset=" (q.offset.saturating_sub(u64::from(limit))) } { "← " (l.t("Попередні", "Предыдущие", "Previous")) }
                    " "
                }
                @if journal.len() as u64 == u64::from(limit) {
                    a #bc-journal-next href={ (base) "?offset=" (q.offset.saturating_add(u64::from(limit))) } { (l.t("Наступні", "Следующие", "Next")) " →" }
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, title(l)),
        body,
    ))
}

pub(super) async fn events(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    enabled(&s, &ctx, &bot).await?;
    let first = stamp(&summary(&s, &ctx, &bot, &id).await?);
    let every = s.config.support_check_interval;
    let hello = Event::default().event("change").data(first.clone());
    let who = (ctx.via.clone(), ctx.account.login.clone());
    let changes = futures_util::stream::unfold(
        (s, bot, id, first, who),
        move |(s, bot, id, last, who)| async move {
            loop {
                tokio::time::sleep(every).await;
                if !super::support::still_allowed(&s, &who.0, &who.1, &bot).await {
                    return None;
                }
                let now = match s.backend.broadcast(&bot, &id).await {
                    Ok(Some(b)) => stamp(&b),
                    Ok(None) => return None,
                    Err(e) => {
                        tracing::warn!(error = %e, "broadcast figures unavailable");
                        continue;
                    }
                };
                if now != last {
                    let ev = Event::default().event("change").data(now.clone());
                    return Some((Ok::<_, Infallible>(ev), (s, bot, id, now, who)));
                }
            }
        },
    );
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter([Ok(hello)]), changes);
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

pub(super) async fn image(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    enabled(&s, &ctx, &bot).await?;
    let p = s
        .backend
        .broadcast_image(&bot, &id)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| not_found(&ctx, format!("image of {id:?}")))?;
    let Some(mime) = super::image_mime(&p.data) else {
        return Err(not_found(&ctx, format!("image of {id:?}")));
    };
    let mut res = p.data.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    Ok(res)
}

pub(super) async fn control(
    State(s): State<AppState>,
    Path((bot, id, action)): Path<(String, String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    enabled(&s, ctx, &bot).await?;
    let Some(action) = BroadcastAction::parse(&action) else {
        return Err(not_found(ctx, format!("action {action:?}")));
    };
    let b = summary(&s, ctx, &bot, &id).await?;
    // Cancelling is for good: the author or an administrator.
    if action == BroadcastAction::Cancel && !ctx.account.is_admin() && ctx.account.login != b.author
    {
        return Err(ctx.forbidden());
    }
    let done = s
        .backend
        .broadcast_control(&bot, &id, action)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if !done {
        return Err(super::WebError::new(
            ctx.e(),
            axum::http::StatusCode::CONFLICT,
            "conflict",
            format!(
                "{} {}",
                ctx.lang.t(
                    "Зараз це неможливо, стан розсилки:",
                    "Сейчас это невозможно, состояние рассылки:",
                    "Not possible now; the broadcast is"
                ),
                b.state
            ),
        ));
    }
    audit(
        &s,
        ctx,
        &format!("broadcast.{}", action.as_str()),
        &format!("{bot}/{id}"),
        "",
    )
    .await;
    if ctx.api {
        return Ok(json_ok(json!({ "ok": true, "action": action })));
    }
    Ok(see_other(&format!("/bots/{bot}/broadcasts/b/{id}")))
}
