//! The bot's texts: the list, an edit checked for its placeholders, a reset to the default.

use super::*;

/// Placeholders (`{name}`) in a text, in order of appearance, without duplicates.
pub fn placeholders_in(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                if !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !out.iter().any(|p| p == name)
                {
                    out.push(name.to_owned());
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// Checks a new text against its catalogue entry: not blank, within the length limit, every
/// required placeholder kept and no unknown one added. Returns the problems found.
pub fn validate_text(entry: &TextEntry, value: &str, lang: Lang) -> Vec<String> {
    let mut problems = Vec::new();
    if value.trim().is_empty() {
        problems.push(
            lang.t("Текст порожній.", "Текст пустой.", "The text is empty.")
                .to_owned(),
        );
    }
    let n = value.chars().count();
    if n > entry.max_len {
        problems.push(format!(
            "{} {n} > {}",
            lang.t("Задовгий текст:", "Слишком длинный текст:", "Too long:"),
            entry.max_len
        ));
    }
    let found = placeholders_in(value);
    for p in &entry.placeholders {
        if !found.contains(p) {
            problems.push(format!(
                "{} {{{p}}}",
                lang.t(
                    "Бракує заповнювача",
                    "Не хватает подстановки",
                    "Missing placeholder"
                )
            ));
        }
    }
    for p in &found {
        if !entry.placeholders.contains(p) {
            problems.push(format!(
                "{} {{{p}}}",
                lang.t(
                    "Невідомий заповнювач",
                    "Неизвестная подстановка",
                    "Unknown placeholder"
                )
            ));
        }
    }
    problems
}

pub(super) async fn texts_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
) -> Result<Response, WebError> {
    let info = bot_info(&s, &ctx, &bot).await?;
    let texts = s
        .backend
        .texts(&bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(
            json!({ "bot": bot, "languages": TEXT_LANGUAGES, "texts": texts }),
        ));
    }
    let l = ctx.lang;
    let body = html! {
        (bot_tabs(l, &info, "texts"))
        p.hint { (l.t(
            "Зміни діють у боті одразу. Заповнювачі у фігурних дужках треба зберегти.",
            "Изменения действуют в боте сразу. Подстановки в фигурных скобках нужно сохранить.",
            "Changes take effect in the bot at once. Placeholders in braces must be kept."
        )) }
        @for t in &texts {
            section.text id={ "text-" (t.key) } {
                h2 { code { (t.key) } }
                p.hint { (t.description)
                    @if !t.placeholders.is_empty() { " · " @for p in &t.placeholders { code { "{" (p) "}" } " " } }
                    " · ≤ " (t.max_len)
                }
                @for lang in ["uk", "ru"] {
                    @let current = t.overrides.get(lang).or_else(|| t.defaults.get(lang)).cloned().unwrap_or_default();
                    @let overridden = t.overrides.contains_key(lang);
                    form.text-form method="post" action={ "/bots/" (bot) "/texts/" (t.key) "/" (lang) } id={ "form-" (t.key) "-" (lang) } {
                        (csrf_field(&ctx))
                        label { (lang) @if overridden { " " small.badge { (l.t("змінено", "изменено", "edited")) } }
                            textarea name="value" rows="3" maxlength=(t.max_len) data-max=(t.max_len) { (current) }
                        }
                        button type="submit" { (l.t("Зберегти", "Сохранить", "Save")) }
                    }
                    @if overridden {
                        form.inline method="post" action={ "/bots/" (bot) "/texts/" (t.key) "/" (lang) "/reset" } id={ "reset-" (t.key) "-" (lang) } {
                            (csrf_field(&ctx))
                            button type="submit" data-confirm=(l.t("Повернути текст за замовчуванням?", "Вернуть текст по умолчанию?", "Reset to the default text?")) {
                                (l.t("Скинути до типового", "Сбросить к исходному", "Reset to default"))
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!("{} · {}", info.name, l.t("Тексти", "Тексты", "Texts")),
        body,
    ))
}

pub(super) async fn text_entry(
    s: &AppState,
    ctx: &Ctx,
    bot: &str,
    key: &str,
    lang: &str,
) -> Result<TextEntry, WebError> {
    bot_info(s, ctx, bot).await?;
    if !TEXT_LANGUAGES.contains(&lang) {
        return Err(ctx.bad("language: uk|ru|en"));
    }
    s.backend
        .texts(bot)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .into_iter()
        .find(|t| t.key == key)
        .ok_or_else(|| {
            WebError::new(
                ctx.e(),
                StatusCode::NOT_FOUND,
                "not_found",
                format!("text {key:?}"),
            )
        })
}

pub(super) async fn text_set(
    State(s): State<AppState>,
    Path((bot, key, lang)): Path<(String, String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    let entry = text_entry(&s, ctx, &bot, &key, &lang).await?;
    // Browsers send textarea line breaks as CRLF; the bot's texts use LF.
    let value = w.fields.one("value").unwrap_or("").replace("\r\n", "\n");
    let problems = validate_text(&entry, &value, ctx.lang);
    if !problems.is_empty() {
        return Err(WebError::new(
            ctx.e(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_text",
            problems.join(" "),
        ));
    }
    s.backend
        .set_text(&bot, &key, &lang, &value)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(&s, ctx, "text.set", &format!("{bot}/{key}/{lang}"), &value).await;
    if ctx.api {
        return Ok(json_ok(
            json!({"ok": true, "key": key, "language": lang, "value": value}),
        ));
    }
    Ok(see_other(&format!("/bots/{bot}/texts#text-{key}")))
}

pub(super) async fn text_reset(
    State(s): State<AppState>,
    Path((bot, key, lang)): Path<(String, String, String)>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    text_entry(&s, ctx, &bot, &key, &lang).await?;
    s.backend
        .reset_text(&bot, &key, &lang)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    audit(&s, ctx, "text.reset", &format!("{bot}/{key}/{lang}"), "").await;
    if ctx.api {
        return Ok(json_ok(json!({"ok": true, "key": key, "language": lang})));
    }
    Ok(see_other(&format!("/bots/{bot}/texts#text-{key}")))
}
