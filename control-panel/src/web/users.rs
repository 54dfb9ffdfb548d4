//! The users list (search, sort, pages) and one user's page.

use super::*;

pub(super) async fn users_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path(bot): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Result<Response, WebError> {
    let info = bot_info(&s, &ctx, &bot).await?;
    let search = q
        .get("q")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let sort = match q.get("sort").map(String::as_str) {
        None | Some("") => UserSort::default(),
        Some(v) => UserSort::parse(v)
            .ok_or_else(|| ctx.bad("sort: phone|name|first_contact|last_activity"))?,
    };
    let descending = match q.get("dir").map(String::as_str) {
        None | Some("") => sort == UserSort::LastActivity,
        Some("desc") => true,
        Some("asc") => false,
        Some(_) => return Err(ctx.bad("dir: asc|desc")),
    };
    let num = |k: &str, d: u64| -> Result<u64, WebError> {
        match q.get(k).map(String::as_str).filter(|v| !v.is_empty()) {
            None => Ok(d),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| ctx.bad(format!("{k}: a number"))),
        }
    };
    let per_page =
        num("per_page", u64::from(DEFAULT_PAGE_SIZE))?.clamp(1, u64::from(MAX_PAGE_SIZE));
    let page_no = num("page", 1)?.max(1);
    let query = UsersQuery {
        search: search.clone(),
        sort,
        descending,
        offset: (page_no - 1).saturating_mul(per_page),
        limit: u32::try_from(per_page).unwrap_or(MAX_PAGE_SIZE),
    };
    let result = s
        .backend
        .users(&bot, &query)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?;
    let pages = result.total.div_ceil(per_page).max(1);
    if ctx.api {
        return Ok(json_ok(json!({
            "bot": bot,
            "query": query,
            "page": page_no,
            "per_page": per_page,
            "pages": pages,
            "total": result.total,
            "users": result.users,
        })));
    }
    let l = ctx.lang;
    let link = |sort: UserSort, desc: bool, page: u64| -> String {
        let mut u = url::form_urlencoded::Serializer::new(String::new());
        if let Some(sq) = &search {
            u.append_pair("q", sq);
        }
        u.append_pair("sort", sort.as_str())
            .append_pair("dir", if desc { "desc" } else { "asc" })
            .append_pair("page", &page.to_string())
            .append_pair("per_page", &per_page.to_string());
        format!("/bots/{bot}/users?{}", u.finish())
    };
    let col = |c: UserSort, name: &str| -> Markup {
        let desc = if c == sort { !descending } else { false };
        let arrow = if c == sort {
            if descending { " ↓" } else { " ↑" }
        } else {
            ""
        };
        html! { a href=(link(c, desc, 1)) { (name) (arrow) } }
    };
    let body = html! {
        (bot_tabs(l, &info, "users"))
        form.filters method="get" #users-form {
            input type="search" name="q" value=[search.as_deref()] placeholder=(l.t("Телефон або ім'я", "Телефон или имя", "Phone or name"));
            input type="hidden" name="sort" value=(sort.as_str());
            input type="hidden" name="dir" value=(if descending { "desc" } else { "asc" });
            button type="submit" { (l.t("Шукати", "Искать", "Search")) }
        }
        p { (l.t("Знайдено", "Найдено", "Found")) ": " span #users-total { (result.total) } }
        div.scroll {
            table #users {
                thead { tr {
                    th { (l.t("Месенджер", "Мессенджер", "Messenger")) }
                    th { (col(UserSort::Phone, l.t("Телефон", "Телефон", "Phone"))) }
                    th { (col(UserSort::Name, l.t("Ім'я", "Имя", "Name"))) }
                    th { (l.t("Мова", "Язык", "Language")) }
                    th { (col(UserSort::FirstContact, l.t("Перший контакт", "Первый контакт", "First contact"))) }
                    th { (col(UserSort::LastActivity, l.t("Остання активність", "Последняя активность", "Last activity"))) }
                    th { (l.t("Стан", "Статус", "State")) }
                } }
                tbody {
                    @for u in &result.users {
                        tr {
                            td { a href={ "/bots/" (bot) "/users/" (u.key.messenger) "/" (u.key.user_id) } { (u.key.messenger) " " (u.key.user_id) } }
                            td { (u.phone.as_deref().unwrap_or("—")) }
                            td { (u.name.as_deref().unwrap_or("—")) }
                            td { (u.language.as_deref().unwrap_or("—")) }
                            td { (fmt_time(u.first_contact)) }
                            td { (fmt_time(u.last_activity)) }
                            td { @if u.active { (l.t("активний", "активен", "active")) } @else { (l.t("заблокував", "заблокировал", "blocked")) } }
                        }
                    }
                }
            }
        }
        nav.pager {
            @if page_no > 1 { a href=(link(sort, descending, page_no - 1)) { "← " (l.t("Назад", "Назад", "Previous")) } }
            span { (page_no) " / " (pages) }
            @if page_no < pages { a #next-page href=(link(sort, descending, page_no + 1)) { (l.t("Далі", "Далее", "Next")) " →" } }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!(
            "{} · {}",
            info.name,
            l.t("Користувачі", "Пользователи", "Users")
        ),
        body,
    ))
}

pub(super) async fn user_page(
    ctx: Ctx,
    State(s): State<AppState>,
    Path((bot, messenger, user_id)): Path<(String, String, String)>,
) -> Result<Response, WebError> {
    let info = bot_info(&s, &ctx, &bot).await?;
    let key = UserKey { messenger, user_id };
    let profile = s
        .backend
        .user(&bot, &key)
        .await
        .map_err(|e| backend_err(ctx.e(), e))?
        .ok_or_else(|| {
            WebError::new(
                ctx.e(),
                StatusCode::NOT_FOUND,
                "not_found",
                format!("user {} {}", key.messenger, key.user_id),
            )
        })?;
    if ctx.api {
        return Ok(json_ok(&profile));
    }
    let l = ctx.lang;
    let u = &profile.summary;
    let kv = |rows: &[(String, String)]| -> Markup {
        html! { @if rows.is_empty() { p { "—" } } @else { dl { @for (k, v) in rows { dt { (k) } dd { (v) } } } } }
    };
    let body = html! {
        (bot_tabs(l, &info, "users"))
        dl #profile {
            dt { (l.t("Месенджер", "Мессенджер", "Messenger")) } dd { (u.key.messenger) }
            dt { (l.t("ID користувача", "ID пользователя", "User id")) } dd { (u.key.user_id) }
            dt { (l.t("Телефон", "Телефон", "Phone")) } dd { (u.phone.as_deref().unwrap_or("—")) }
            @if profile.phones.len() > 1 {
                dt { (l.t("Усі телефони", "Все телефоны", "All phones")) } dd { (profile.phones.join(", ")) }
            }
            dt { (l.t("Ім'я", "Имя", "Name")) } dd { (u.name.as_deref().unwrap_or("—")) }
            @if let Some(n) = &profile.username { dt { "Username" } dd { (n) } }
            dt { (l.t("Мова", "Язык", "Language")) } dd { (u.language.as_deref().unwrap_or("—")) }
            dt { (l.t("Перший контакт", "Первый контакт", "First contact")) } dd { (fmt_time(u.first_contact)) }
            dt { (l.t("Остання активність", "Последняя активность", "Last activity")) } dd { (fmt_time(u.last_activity)) }
            dt { (l.t("Стан", "Статус", "State")) } dd { @if u.active { (l.t("активний", "активен", "active")) } @else { (l.t("заблокував", "заблокировал", "blocked")) } }
        }
        h2 { (l.t("Дані програми", "Данные программы", "Programme data")) }
        (kv(&profile.programme))
        h2 { (l.t("Сегментація", "Сегментация", "Segment attributes")) }
        (kv(&profile.segment))
        h2 { (l.t("Останні повідомлення", "Последние сообщения", "Recent messages")) }
        ul.messages {
            @for m in &profile.recent_messages {
                li.(if m.direction == Direction::In { "in" } else { "out" }) {
                    small { (fmt_time(m.at)) " " (if m.direction == Direction::In { "→" } else { "←" }) } " " (m.text)
                }
            }
        }
    };
    Ok(page(
        &s,
        &ctx,
        &format!(
            "{} · {}",
            info.name,
            u.name.as_deref().unwrap_or(&u.key.user_id)
        ),
        body,
    ))
}
