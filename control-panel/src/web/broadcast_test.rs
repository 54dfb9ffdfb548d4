//! "Send a test to me" on the compose page: each account picks one of the bot's users as its
//! own test chat (kept per account and bot in the panel's store), and the composed message goes
//! to that chat only, through the host's `broadcast_test` (the example bot queues it in the
//! runtime's outbox: durable, and not a broadcast).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::broadcasts::{ComposeForm, checked, compose, enabled, not_found};
use super::{AppState, WebError, Write, audit, backend_err, json_ok, see_other};
use crate::backend::{UserKey, UsersQuery};
use serde_json::json;

pub(super) async fn test(
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
    let Some(to) = s
        .store
        .test_chat(&ctx.account.login, &bot)
        .await
        .map_err(|e| super::store_err(ctx.e(), e))?
    else {
        return Err(ctx.bad(ctx.lang.t(
            "Спершу виберіть свій тестовий чат.",
            "Сначала выберите свой тестовый чат.",
            "Choose your test chat first.",
        )));
    };
    s.backend
        .broadcast_test(&bot, &draft, &to)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "broadcast.test",
        &format!("{bot}/{}/{}", to.messenger, to.user_id),
        "",
    )
    .await;
    if ctx.api {
        return Ok(json_ok(json!({ "ok": true, "to": to })));
    }
    let note = format!(
        "{} {} {}",
        ctx.lang
            .t("Тест надіслано в", "Тест отправлен в", "The test went to"),
        to.messenger,
        to.user_id
    );
    compose(
        &s,
        ctx,
        &bot,
        &c,
        Some(&draft),
        None,
        Some(&note),
        StatusCode::OK,
    )
    .await
}

/// Picks the operator's test chat: `search` (a phone, a name or an id that matches one user),
/// or `messenger` + `user_id`.
pub(super) async fn test_chat_set(
    State(s): State<AppState>,
    Path(bot): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    enabled(&s, ctx, &bot).await?;
    let l = ctx.lang;
    let chosen = match (w.fields.one("messenger"), w.fields.one("user_id")) {
        (Some(m), Some(u)) if !m.trim().is_empty() && !u.trim().is_empty() => UserKey {
            messenger: m.trim().to_owned(),
            user_id: u.trim().to_owned(),
        },
        _ => {
            let search = w.fields.one("search").unwrap_or_default().trim().to_owned();
            if search.is_empty() {
                return Err(ctx.bad(l.t(
                    "Вкажіть телефон, ім'я або id.",
                    "Укажите телефон, имя или id.",
                    "Give a phone, a name or an id.",
                )));
            }
            let page = s
                .backend
                .users(
                    &bot,
                    &UsersQuery {
                        search: Some(search.clone()),
                        sort: crate::backend::UserSort::LastActivity,
                        descending: true,
                        offset: 0,
                        limit: 6,
                    },
                )
                .await
                .map_err(|e| backend_err(ctx.e(), e))?;
            // An exact id wins over partial matches of names and phones.
            let exact: Vec<_> = page
                .users
                .iter()
                .filter(|u| u.key.user_id == search)
                .cloned()
                .collect();
            match (exact.as_slice(), page.users.as_slice()) {
                ([one], _) | ([], [one]) => one.key.clone(),
                ([], []) => {
                    return Err(not_found(
                        ctx,
                        format!(
                            "{} {search:?}",
                            l.t("Немає користувача", "Нет пользователя", "No user matches")
                        ),
                    ));
                }
                _ => {
                    let names: Vec<String> = page
                        .users
                        .iter()
                        .take(5)
                        .map(|u| {
                            format!(
                                "{} {} {}",
                                u.key.messenger,
                                u.key.user_id,
                                u.name.clone().unwrap_or_default()
                            )
                        })
                        .collect();
                    return Err(ctx.bad(format!(
                        "{} {}",
                        l.t(
                            "Знайдено кількох, уточніть:",
                            "Найдено несколько, уточните:",
                            "Several match, be more specific:"
                        ),
                        names.join("; ")
                    )));
                }
            }
        }
    };
    if s.backend
        .user(&bot, &chosen)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .is_none()
    {
        return Err(not_found(
            ctx,
            format!(
                "{} {}/{}",
                l.t("Немає користувача", "Нет пользователя", "No user"),
                chosen.messenger,
                chosen.user_id
            ),
        ));
    }
    s.store
        .set_test_chat(&ctx.account.login, &bot, &chosen, super::now(&s))
        .await
        .map_err(|e| super::store_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "broadcast.test_chat",
        &format!("{bot}/{}/{}", chosen.messenger, chosen.user_id),
        "",
    )
    .await;
    if ctx.api {
        return Ok(json_ok(json!({ "ok": true, "test_chat": chosen })));
    }
    Ok(see_other(&format!("/bots/{bot}/broadcasts/new")))
}
