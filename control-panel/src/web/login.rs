//! Sign-in and sign-out, the interface language, and `/me`.

use super::*;

pub(super) async fn login_page(
    State(s): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let l = lang_of(&headers);
    login_form(
        &s,
        l,
        q.get("next").map(String::as_str),
        None,
        StatusCode::OK,
    )
}

pub(super) fn login_form(
    s: &AppState,
    l: Lang,
    next: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    // Double-submit token for the sign-in form (there is no session yet).
    let token = match random_hex(32) {
        Ok(t) => t,
        Err(e) => return store_err((false, l), e).into_response(),
    };
    let title = l.t("Вхід", "Вход", "Sign in");
    let next = safe_next(next);
    let body = html! {
        div.login {
            h1 { (s.config.title) }
            (lang_switch(l, &format!("/login?next={}", url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>())))
            @if let Some(e) = error { p.error #login-error { (e) } }
            form method="post" action="/login" #login-form {
                input type="hidden" name="csrf" value=(token);
                input type="hidden" name="next" value=(next);
                label { (l.t("Логін", "Логин", "Login")) input type="text" name="login" autocomplete="username" required autofocus; }
                label { (l.t("Пароль", "Пароль", "Password")) input type="password" name="password" autocomplete="current-password" required; }
                button type="submit" { (title) }
            }
        }
    };
    let mut res = (status, bare_page(l, title, body)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(s, LOGIN_CSRF_COOKIE, &token, 3600),
    );
    res
}

pub(super) async fn login_submit(State(s): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let l = lang_of(&parts.headers);
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let fields = Fields::parse(&parts.headers, &bytes).unwrap_or_default();
    let next = fields.one("next").map(str::to_owned);
    let sent = fields.one("csrf").unwrap_or("");
    let expected = cookie(&parts.headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return WebError::new(
            (false, l),
            StatusCode::FORBIDDEN,
            "csrf",
            l.t(
                "Форму відхилено: відсутній або хибний CSRF-токен. Оновіть сторінку.",
                "Форма отклонена: нет или неверный CSRF-токен. Обновите страницу.",
                "Form rejected: missing or wrong CSRF token. Reload the page.",
            )
            .into(),
        )
        .into_response();
    }
    let login = fields.one("login").unwrap_or("").trim().to_owned();
    let password = SecretString::from(fields.one("password").unwrap_or("").to_owned());
    let ip = client_ip(&parts, &s.config);
    let t = now(&s);
    let since = t - s.config.failure_window;
    let login_scope = format!("login:{login}");
    let ip_scope = format!("ip:{ip}");
    let limited = async {
        Ok::<bool, StoreError>(
            s.store.login_failures(&login_scope, since).await? >= s.config.max_failures_per_login
                || s.store.login_failures(&ip_scope, since).await? >= s.config.max_failures_per_ip,
        )
    }
    .await;
    match limited {
        Ok(true) => {
            tracing::warn!(%ip, "sign-in refused: too many failed attempts");
            return login_form(
                &s,
                l,
                next.as_deref(),
                Some(l.t(
                    "Забагато невдалих спроб. Спробуйте пізніше.",
                    "Слишком много неудачных попыток. Попробуйте позже.",
                    "Too many failed attempts. Try again later.",
                )),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Ok(false) => {}
        Err(e) => return store_err((false, l), e).into_response(),
    }
    let account = match s.store.check_password(&login, &password).await {
        Ok(a) => a,
        Err(e) => return store_err((false, l), e).into_response(),
    };
    let Some(account) = account else {
        if let Err(e) = s
            .store
            .record_login_failure(&[login_scope, ip_scope], t)
            .await
        {
            return store_err((false, l), e).into_response();
        }
        tracing::info!(%ip, "failed sign-in");
        return login_form(
            &s,
            l,
            next.as_deref(),
            Some(l.t(
                "Невірний логін або пароль.",
                "Неверный логин или пароль.",
                "Wrong login or password.",
            )),
            StatusCode::UNAUTHORIZED,
        );
    };
    if let Err(e) = s.store.clear_login_failures(&login_scope, since).await {
        return store_err((false, l), e).into_response();
    }
    let token = match s
        .store
        .create_session(&account.login, t, s.config.session_ttl)
        .await
    {
        Ok(t) => t,
        Err(e) => return store_err((false, l), e).into_response(),
    };
    tracing::info!(login = %account.login, "signed in");
    let mut res = see_other(&safe_next(next.as_deref()));
    let h = res.headers_mut();
    h.append(
        header::SET_COOKIE,
        cookie_header(
            &s,
            SESSION_COOKIE,
            token.expose_secret(),
            s.config.session_ttl.num_seconds(),
        ),
    );
    h.append(
        header::SET_COOKIE,
        cookie_header(&s, LOGIN_CSRF_COOKIE, "", 0),
    );
    res
}

pub(super) async fn logout(State(s): State<AppState>, w: Write) -> Response {
    if let Via::Session { token, .. } = &w.ctx.via
        && let Err(e) = s.store.delete_session(token.expose_secret()).await
    {
        return store_err(w.ctx.e(), e).into_response();
    }
    let mut res = if w.ctx.api {
        json_ok(json!({"ok": true}))
    } else {
        see_other("/login")
    };
    res.headers_mut()
        .append(header::SET_COOKIE, cookie_header(&s, SESSION_COOKIE, "", 0));
    res
}

pub(super) async fn set_lang(
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let l = Lang::parse(&code).unwrap_or_default();
    let mut res = see_other(&safe_next(q.get("back").map(String::as_str)));
    res.headers_mut().append(
        header::SET_COOKIE,
        cookie_header(&s, LANG_COOKIE, l.code(), 365 * 24 * 3600),
    );
    res
}

pub(super) async fn me(ctx: Ctx, State(s): State<AppState>) -> Response {
    if ctx.api {
        return json_ok(&ctx.account);
    }
    let l = ctx.lang;
    let body = html! {
        p { (ctx.account.login) ", " (role_name(l, ctx.account.role)) }
    };
    page(
        &s,
        &ctx,
        l.t("Мій обліковий запис", "Моя учётная запись", "My account"),
        body,
    )
}
