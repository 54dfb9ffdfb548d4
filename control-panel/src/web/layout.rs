//! The page layout: the stylesheet and script, the head, the navigation and the language switch.

use super::*;

pub(super) const CSS: &str = include_str!("../panel.css");
pub(super) const JS: &str = include_str!("../panel.js");

pub(super) async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

pub(super) async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

pub(super) fn head(lang: Lang, title: &str) -> Markup {
    html! {
        (DOCTYPE)
        meta charset="utf-8";
        meta name="viewport" content="width=device-width, initial-scale=1";
        title { (title) }
        link rel="stylesheet" href="/static/panel.css";
        script src="/static/panel.js" defer {}
        meta name="panel-lang" content=(lang.code());
    }
}

pub(super) fn bare_page(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        html lang=(lang.code()) {
            head { (head(lang, title)) }
            body { main { (body) } }
        }
    }
}

pub(super) fn lang_switch(lang: Lang, path: &str) -> Markup {
    let back: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
    html! {
        span.langs {
            @for l in Lang::ALL {
                @if l == lang { b { (l.code()) } } @else {
                    a href={ "/lang/" (l.code()) "?back=" (back) } { (l.code()) }
                }
                " "
            }
        }
    }
}

pub(super) fn page(s: &AppState, ctx: &Ctx, title: &str, body: Markup) -> Response {
    let l = ctx.lang;
    let markup = html! {
        html lang=(l.code()) {
            head { (head(l, title)) }
            body {
                header {
                    nav {
                        a.brand href="/bots" { (s.config.title) }
                        a href="/bots" { (l.t("Боти", "Боты", "Bots")) }
                        @if ctx.account.is_admin() {
                            a href="/accounts" { (l.t("Облікові записи", "Учётные записи", "Accounts")) }
                            a href="/tokens" { (l.t("API-токени", "API-токены", "API tokens")) }
                            a href="/audit" { (l.t("Журнал", "Журнал", "Audit log")) }
                        }
                    }
                    div.who {
                        (lang_switch(l, &ctx.path))
                        span #whoami { (ctx.account.login) " (" (role_name(l, ctx.account.role)) ")" }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(ctx.csrf());
                            button type="submit" #logout { (l.t("Вийти", "Выйти", "Log out")) }
                        }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    markup.into_response()
}

pub(super) fn role_name(l: Lang, r: Role) -> &'static str {
    match r {
        Role::Admin => l.t("адміністратор", "администратор", "administrator"),
        Role::Operator => l.t("оператор", "оператор", "operator"),
    }
}

pub(super) fn csrf_field(ctx: &Ctx) -> Markup {
    html! { input type="hidden" name="csrf" value=(ctx.csrf()); }
}

pub(super) fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
