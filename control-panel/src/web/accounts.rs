//! The administrators' pages: panel accounts, API tokens and the audit log.

use super::*;

pub(super) async fn accounts_page(
    ctx: Ctx,
    State(s): State<AppState>,
) -> Result<Response, WebError> {
    ctx.require_admin()?;
    let accounts = s
        .store
        .accounts()
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "accounts": accounts })));
    }
    let bots = s
        .backend
        .bots()
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let l = ctx.lang;
    let role_select = |current: Role| {
        html! {
            select name="role" {
                option value="operator" selected[current == Role::Operator] { (role_name(l, Role::Operator)) }
                option value="admin" selected[current == Role::Admin] { (role_name(l, Role::Admin)) }
            }
        }
    };
    let bot_boxes = |chosen: &[String]| {
        html! {
            fieldset.bots {
                legend { (l.t("Боти оператора", "Боты оператора", "Operator's bots")) }
                @for b in &bots {
                    label.check { input type="checkbox" name="bots" value=(b.id) checked[chosen.contains(&b.id)]; " " (b.name) }
                }
            }
        }
    };
    let body = html! {
        div.scroll {
            table #accounts {
                thead { tr {
                    th { (l.t("Логін", "Логин", "Login")) }
                    th { (l.t("Роль і боти", "Роль и боты", "Role and bots")) }
                    th {}
                } }
                tbody {
                    @for a in &accounts {
                        tr data-login=(a.login) {
                            td { b { (a.login) } @if a.disabled { " " small.badge { (l.t("вимкнено", "отключён", "disabled")) } } }
                            td {
                                form method="post" action={ "/accounts/" (a.login) } {
                                    (csrf_field(&ctx))
                                    (role_select(a.role))
                                    (bot_boxes(&a.bots))
                                    label.check { input type="checkbox" name="disabled" value="1" checked[a.disabled]; " " (l.t("вимкнено", "отключён", "disabled")) }
                                    input type="password" name="password" autocomplete="new-password" placeholder=(l.t("новий пароль (необов'язково)", "новый пароль (необязательно)", "new password (optional)"));
                                    button type="submit" { (l.t("Зберегти", "Сохранить", "Save")) }
                                }
                            }
                            td {
                                @if a.login != ctx.account.login {
                                    form method="post" action={ "/accounts/" (a.login) "/delete" } {
                                        (csrf_field(&ctx))
                                        button.danger type="submit" data-confirm=(l.t("Видалити обліковий запис?", "Удалить учётную запись?", "Delete the account?")) { (l.t("Видалити", "Удалить", "Delete")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (l.t("Новий обліковий запис", "Новая учётная запись", "New account")) }
        form.stack method="post" action="/accounts" #new-account {
            (csrf_field(&ctx))
            label { (l.t("Логін", "Логин", "Login")) input type="text" name="login" required; }
            label { (l.t("Пароль", "Пароль", "Password")) input type="password" name="password" autocomplete="new-password" required minlength=(crate::store::MIN_PASSWORD_LEN); }
            label { (l.t("Роль", "Роль", "Role")) (role_select(Role::Operator)) }
            (bot_boxes(&[]))
            button type="submit" { (l.t("Створити", "Создать", "Create")) }
        }
    };
    Ok(page(
        &s,
        &ctx,
        l.t("Облікові записи", "Учётные записи", "Accounts"),
        body,
    ))
}

pub(super) async fn known_bots(
    s: &AppState,
    ctx: &Ctx,
    wanted: Vec<String>,
) -> Result<Vec<String>, WebError> {
    let bots = s
        .backend
        .bots()
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    for b in &wanted {
        if !bots.iter().any(|k| &k.id == b) {
            return Err(ctx.bad(format!("unknown bot {b:?}")));
        }
    }
    let mut wanted = wanted;
    wanted.sort();
    wanted.dedup();
    Ok(wanted)
}

pub(super) async fn account_create(
    State(s): State<AppState>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    let login = w.fields.one("login").unwrap_or("").trim().to_owned();
    let password = SecretString::from(w.fields.one("password").unwrap_or("").to_owned());
    let role = Role::parse(w.fields.one("role").unwrap_or("operator"))
        .ok_or_else(|| ctx.bad("role: admin|operator"))?;
    let bots = known_bots(&s, ctx, w.fields.all("bots")).await?;
    let account = s
        .store
        .create_account(&login, &password, role, &bots, now(&s))
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "account.create",
        &login,
        &format!("role={} bots={}", role.as_str(), bots.join(",")),
    )
    .await;
    if ctx.api {
        return Ok((StatusCode::CREATED, axum::Json(account)).into_response());
    }
    Ok(see_other("/accounts"))
}

pub(super) async fn account_update(
    State(s): State<AppState>,
    Path(login): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    let role = Role::parse(w.fields.one("role").unwrap_or("operator"))
        .ok_or_else(|| ctx.bad("role: admin|operator"))?;
    let disabled = w.fields.flag("disabled");
    if login == ctx.account.login && (role != Role::Admin || disabled) {
        return Err(ctx.bad(ctx.lang.t(
            "Не можна понизити або вимкнути власний обліковий запис.",
            "Нельзя понизить или отключить собственную учётную запись.",
            "You cannot demote or disable your own account.",
        )));
    }
    let bots = known_bots(&s, ctx, w.fields.all("bots")).await?;
    let account = s
        .store
        .update_account(&login, role, &bots, disabled)
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    let mut detail = format!(
        "role={} bots={} disabled={disabled}",
        role.as_str(),
        bots.join(",")
    );
    if let Some(pw) = w.fields.one("password").filter(|p| !p.is_empty()) {
        s.store
            .set_password(&login, &SecretString::from(pw.to_owned()))
            .await
            .map_err(|e| store_err(ctx.e(), e))?;
        detail.push_str(" password changed");
    }
    audit(&s, ctx, "account.update", &login, &detail).await;
    if ctx.api {
        return Ok(json_ok(account));
    }
    Ok(see_other("/accounts"))
}

pub(super) async fn account_delete(
    State(s): State<AppState>,
    Path(login): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    if login == ctx.account.login {
        return Err(ctx.bad("you cannot delete your own account"));
    }
    s.store
        .delete_account(&login)
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(&s, ctx, "account.delete", &login, "").await;
    if ctx.api {
        return Ok(json_ok(json!({"ok": true})));
    }
    Ok(see_other("/accounts"))
}

pub(super) async fn tokens_page(ctx: Ctx, State(s): State<AppState>) -> Result<Response, WebError> {
    ctx.require_admin()?;
    let tokens = s.store.tokens().await.map_err(|e| store_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "tokens": tokens })));
    }
    let accounts = s
        .store
        .accounts()
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    Ok(tokens_html(&s, &ctx, &tokens, &accounts, None))
}

pub(super) fn tokens_html(
    s: &AppState,
    ctx: &Ctx,
    tokens: &[crate::store::ApiTokenInfo],
    accounts: &[Account],
    new_secret: Option<&str>,
) -> Response {
    let l = ctx.lang;
    let body = html! {
        @if let Some(secret) = new_secret {
            div.notice #new-token {
                p { (l.t("Новий токен (показано один раз, збережіть його):", "Новый токен (показан один раз, сохраните его):", "New token (shown once, keep it):")) }
                code #token-secret { (secret) }
            }
        }
        div.scroll {
            table #tokens {
                thead { tr {
                    th { "ID" } th { (l.t("Обліковий запис", "Учётная запись", "Account")) } th { (l.t("Призначення", "Назначение", "Label")) }
                    th { (l.t("Створено", "Создан", "Created")) } th {}
                } }
                tbody {
                    @for t in tokens {
                        tr {
                            td { code { (t.id) } } td { (t.login) } td { (t.label) }
                            td { (fmt_time(t.created_at)) " · " (t.created_by) }
                            td {
                                @if t.revoked { (l.t("відкликано", "отозван", "revoked")) } @else {
                                    form method="post" action={ "/tokens/" (t.id) "/revoke" } {
                                        (csrf_field(ctx))
                                        button.danger type="submit" { (l.t("Відкликати", "Отозвать", "Revoke")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { (l.t("Новий токен", "Новый токен", "New token")) }
        form.stack method="post" action="/tokens" {
            (csrf_field(ctx))
            label { (l.t("Діє від імені", "Действует от имени", "Acts as"))
                select name="login" { @for a in accounts { option value=(a.login) { (a.login) " (" (role_name(l, a.role)) ")" } } }
            }
            label { (l.t("Призначення", "Назначение", "Label")) input type="text" name="label" required; }
            button type="submit" { (l.t("Видати", "Выдать", "Issue")) }
        }
    };
    page(s, ctx, l.t("API-токени", "API-токены", "API tokens"), body)
}

pub(super) async fn token_create(
    State(s): State<AppState>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    let login = w.fields.one("login").unwrap_or("").to_owned();
    let label = w.fields.one("label").unwrap_or("").trim().to_owned();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(ctx.bad("label: 1-100 characters"));
    }
    let (info, secret) = s
        .store
        .create_token(&login, &label, &ctx.account.login, now(&s))
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(
        &s,
        ctx,
        "token.create",
        &info.id,
        &format!("for={login} label={label}"),
    )
    .await;
    if ctx.api {
        return Ok((
            StatusCode::CREATED,
            axum::Json(json!({"token": secret.expose_secret(), "info": info})),
        )
            .into_response());
    }
    let tokens = s.store.tokens().await.map_err(|e| store_err(ctx.e(), e))?;
    let accounts = s
        .store
        .accounts()
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    Ok(tokens_html(
        &s,
        ctx,
        &tokens,
        &accounts,
        Some(secret.expose_secret()),
    ))
}

pub(super) async fn token_revoke(
    State(s): State<AppState>,
    Path(id): Path<String>,
    w: Write,
) -> Result<Response, WebError> {
    let ctx = &w.ctx;
    ctx.require_admin()?;
    s.store
        .revoke_token(&id)
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    audit(&s, ctx, "token.revoke", &id, "").await;
    if ctx.api {
        return Ok(json_ok(json!({"ok": true})));
    }
    Ok(see_other("/tokens"))
}

pub(super) async fn audit_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    ctx.require_admin()?;
    let page_no: u64 = q
        .get("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let per_page = 100u32;
    let entries = s
        .store
        .audit_log(per_page, (page_no - 1) * u64::from(per_page))
        .await
        .map_err(|e| store_err(ctx.e(), e))?;
    if ctx.api {
        return Ok(json_ok(json!({ "page": page_no, "entries": entries })));
    }
    let l = ctx.lang;
    let body = html! {
        div.scroll {
            table #audit {
                thead { tr {
                    th { (l.t("Час", "Время", "Time")) } th { (l.t("Хто", "Кто", "Who")) }
                    th { (l.t("Дія", "Действие", "Action")) } th { (l.t("Об'єкт", "Объект", "Target")) } th { (l.t("Деталі", "Детали", "Details")) }
                } }
                tbody {
                    @for e in &entries {
                        tr { td { (fmt_time(e.at)) } td { (e.actor) } td { code { (e.action) } } td { (e.target) } td { (e.detail) } }
                    }
                }
            }
        }
        nav.pager {
            @if page_no > 1 { a href={ "/audit?page=" (page_no - 1) } { "←" } }
            span { (page_no) }
            @if entries.len() == per_page as usize { a href={ "/audit?page=" (page_no + 1) } { "→" } }
        }
    };
    Ok(page(
        &s,
        &ctx,
        l.t("Журнал змін", "Журнал изменений", "Audit log"),
        body,
    ))
}
