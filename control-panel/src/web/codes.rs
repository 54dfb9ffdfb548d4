//! The "Codes" page: which actions need a verification code, the channels tried in order, and
//! the message per language (seed 002). Operators of the bot see it; administrators change it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use serde_json::json;

use super::{
    AppState, Ctx, WebError, Write, audit, backend_err, bot_info, bot_tabs, csrf_field, json_ok,
    page, see_other,
};
use crate::backend::{CODE_PLACEHOLDER, CodeActionSettings, CodeSettings};
use crate::i18n::Lang;

/// The longest code message: two SMS segments in Cyrillic (UCS-2, 70 characters each), so a
/// template never silently costs a third.
pub const CODE_TEMPLATE_MAX: usize = 140;

/// The languages a code message is written in.
const TEMPLATE_LANGUAGES: [&str; 2] = ["uk", "ru"];

fn action_name(l: Lang, action: &str) -> String {
    match action {
        "log_in" => l.t("Вхід", "Вход", "Log-in").into(),
        "spend_bonuses" => l
            .t("Списання бонусів", "Списание бонусов", "Spending bonuses")
            .into(),
        "change_phone" => l
            .t("Зміна телефону", "Смена телефона", "Phone change")
            .into(),
        "delete_account" => l
            .t(
                "Видалення облікового запису",
                "Удаление учётной записи",
                "Account deletion",
            )
            .into(),
        other => other.to_owned(),
    }
}

async fn settings(s: &AppState, ctx: &Ctx, bot: &str) -> Result<CodeSettings, WebError> {
    s.backend
        .code_settings(bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| {
            WebError::new(
                ctx.e(),
                StatusCode::NOT_FOUND,
                "not_found",
                ctx.lang
                    .t(
                        "Цей бот не надсилає власних кодів підтвердження.",
                        "Этот бот не отправляет собственных кодов подтверждения.",
                        "This bot sends no verification codes of its own.",
                    )
                    .into(),
            )
        })
}

/// What is wrong with `wanted` for a bot whose channels are `channels` (empty when nothing).
pub fn validate_code_settings(
    wanted: &CodeActionSettings,
    current: &CodeActionSettings,
    channels: &[String],
    l: Lang,
) -> Vec<String> {
    let mut problems = Vec::new();
    if !wanted.required && !current.optional {
        problems.push(
            l.t(
                "Ця дія завжди потребує коду.",
                "Это действие всегда требует кода.",
                "This action always needs a code.",
            )
            .to_owned(),
        );
    }
    if wanted.required && wanted.channels.is_empty() {
        problems.push(
            l.t(
                "Вкажіть хоча б один канал.",
                "Укажите хотя бы один канал.",
                "Name at least one channel.",
            )
            .to_owned(),
        );
    }
    for (i, c) in wanted.channels.iter().enumerate() {
        if !channels.contains(c) {
            problems.push(format!(
                "{} {c:?} ({})",
                l.t("Невідомий канал", "Неизвестный канал", "Unknown channel"),
                channels.join(", ")
            ));
        } else if wanted.channels[..i].contains(c) {
            problems.push(format!(
                "{} {c:?}",
                l.t(
                    "Канал повторюється:",
                    "Канал повторяется:",
                    "Channel repeated:"
                )
            ));
        }
    }
    for (lang, text) in &wanted.templates {
        if !text.contains(CODE_PLACEHOLDER) {
            problems.push(format!(
                "{lang}: {} {CODE_PLACEHOLDER}",
                l.t(
                    "текст має містити",
                    "текст должен содержать",
                    "the text must contain"
                )
            ));
        }
        let n = text.chars().count();
        if n > CODE_TEMPLATE_MAX {
            problems.push(format!(
                "{lang}: {n} > {CODE_TEMPLATE_MAX} {}",
                l.t("символів", "символов", "characters")
            ));
        }
    }
    problems
}

pub(super) async fn codes_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    let info = bot_info(&s, &ctx, &bot).await?;
    let settings = settings(&s, &ctx, &bot).await?;
    if ctx.api {
        return Ok(json_ok(json!({ "bot": bot, "codes": settings })));
    }
    let l = ctx.lang;
    let admin = ctx.account.is_admin();
    let body = html! {
        (bot_tabs(l, &info, "codes"))
        p.hint { (l.t(
            "Код надсилається першим каналом зі списку; якщо той не спрацював, наступним. Текст має містити {code}.",
            "Код отправляется первым каналом из списка; если тот не сработал, следующим. Текст должен содержать {code}.",
            "The code goes out through the first channel of the list, and through the next when that one fails. The text must contain {code}."
        )) " " (l.t("Канали:", "Каналы:", "Channels:")) " " code { (settings.channels.join(", ")) } }
        @for a in &settings.actions {
            section.code-action id={ "codes-" (a.action) } {
                h2 { (action_name(l, &a.action)) " " small { code { (a.action) } } }
                form.codes-form method="post" action={ "/bots/" (bot) "/codes/" (a.action) } id={ "form-codes-" (a.action) } {
                    (csrf_field(&ctx))
                    label {
                        input type="checkbox" name="required" value="1" checked[a.required] disabled[!a.optional || !admin];
                        " " (l.t("Потрібен код", "Нужен код", "A code is required"))
                        @if !a.optional { " " small.badge { (l.t("завжди", "всегда", "always")) } }
                    }
                    @if !a.optional { input type="hidden" name="required" value="1"; }
                    label { (l.t("Канали по черзі", "Каналы по очереди", "Channels in order"))
                        input type="text" name="channels" value=(a.channels.join(", ")) disabled[!admin];
                    }
                    @for lang in TEMPLATE_LANGUAGES {
                        label { (lang)
                            textarea name={ "template_" (lang) } rows="2" maxlength=(CODE_TEMPLATE_MAX) disabled[!admin] {
                                (a.templates.get(lang).cloned().unwrap_or_default())
                            }
                        }
                    }
                    @if admin {
                        button type="submit" { (l.t("Зберегти", "Сохранить", "Save")) }
                    } @else {
                        p.hint { (l.t("Змінювати може адміністратор.", "Изменять может администратор.", "An administrator can change this.")) }
                    }
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, l.t("Коди", "Коды", "Codes")),
        body,
    ))
}

pub(super) async fn codes_set(
    State(s): State<AppState>,
    Path((bot, action)): Path<(String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    bot_info(&s, ctx, &bot).await?;
    ctx.require_admin()?;
    let all = settings(&s, ctx, &bot).await?;
    let current = all
        .actions
        .iter()
        .find(|a| a.action == action)
        .ok_or_else(|| {
            WebError::new(
                ctx.e(),
                StatusCode::NOT_FOUND,
                "not_found",
                format!("action {action:?}"),
            )
        })?;
    // Channels as "sms, chat" from the form, or a JSON array.
    let channels: Vec<String> = w
        .fields
        .all("channels")
        .iter()
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_lowercase())
        .filter(|c| !c.is_empty())
        .collect();
    let mut templates = current.templates.clone();
    for lang in TEMPLATE_LANGUAGES {
        if let Some(t) = w.fields.one(&format!("template_{lang}")) {
            // Browsers send textarea line breaks as CRLF.
            templates.insert(lang.to_owned(), t.trim().replace("\r\n", "\n"));
        }
    }
    let wanted = CodeActionSettings {
        action: action.clone(),
        required: w.fields.flag("required"),
        optional: current.optional,
        channels,
        templates,
    };
    let problems = validate_code_settings(&wanted, current, &all.channels, ctx.lang);
    if !problems.is_empty() {
        return Err(WebError::new(
            ctx.e(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_codes",
            problems.join(" "),
        ));
    }
    s.backend
        .set_code_settings(&bot, &wanted)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let detail = format!(
        "required={} channels={}",
        wanted.required,
        wanted.channels.join(",")
    );
    audit(&s, ctx, "codes.set", &format!("{bot}/{action}"), &detail).await;
    if ctx.api {
        return Ok(json_ok(json!({ "ok": true, "settings": wanted })));
    }
    Ok(see_other(&format!("/bots/{bot}/codes#codes-{action}")))
}
