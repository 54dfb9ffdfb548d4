//! The panel through HTTP: sign-in, sessions, CSRF, every role against every route in HTML and
//! JSON, statistics against known data, the Excel file read back, users, texts, accounts, tokens.

#![allow(clippy::unwrap_used, clippy::type_complexity)]

use crate::common;

use chrono::Duration;
use common::{ADMIN, Api, Harness, OPERATOR, csrf_in, read_xlsx};
use control_panel::PanelConfig;
use serde_json::{Value, json};

async fn issue_token(h: &Harness, admin: &mut common::Client, login: &str) -> String {
    let res = admin
        .submit("/tokens", &[("login", login), ("label", "tests")])
        .await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let i = html.find("id=\"token-secret\">").unwrap() + "id=\"token-secret\">".len();
    let token = html[i..].split('<').next().unwrap().to_owned();
    assert!(token.starts_with("cp_"), "{token}");
    let _ = h;
    token
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_and_logout_ends_the_session() {
    let h = Harness::start().await;
    let mut c = h.anon();
    let res = c.try_login(ADMIN.0, ADMIN.1).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/bots");
    let set: Vec<_> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set
        .iter()
        .find(|v| v.starts_with("panel_session="))
        .unwrap();
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Strict"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain HTTP by default: {session}"
    );
    let before = c.session_cookie().unwrap();
    c.refresh_csrf().await;
    assert_eq!(c.get("/bots").await.status(), 200);
    let res = c.submit("/logout", &[]).await;
    assert_eq!(res.status(), 303);
    // The old cookie no longer works even if a browser kept it.
    c.cookies.push(("panel_session".into(), before));
    let res = c.get("/bots").await;
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn secure_cookies_when_configured_behind_https() {
    let h = Harness::start_with(PanelConfig {
        secure_cookies: true,
        ..PanelConfig::default()
    })
    .await;
    let mut c = h.anon();
    let res = c.try_login(ADMIN.0, ADMIN.1).await;
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|v| v.starts_with("panel_session="))
        .unwrap();
    assert!(session.contains("; Secure"), "{session}");
}

#[tokio::test]
async fn sign_in_form_without_csrf_is_rejected() {
    let h = Harness::start().await;
    let mut c = h.anon();
    let res = c
        .post_form("/login", &[("login", ADMIN.0), ("password", ADMIN.1)])
        .await;
    assert_eq!(res.status(), 403);
    assert!(c.session_cookie().is_none());
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited_per_login_and_per_ip() {
    let h = Harness::start_with(PanelConfig {
        max_failures_per_login: 3,
        max_failures_per_ip: 5,
        ..PanelConfig::default()
    })
    .await;
    let mut c = h.anon();
    for _ in 0..3 {
        assert_eq!(
            c.try_login(OPERATOR.0, "wrong-password").await.status(),
            401
        );
    }
    // The right password is refused now too, for this login only.
    assert_eq!(c.try_login(OPERATOR.0, OPERATOR.1).await.status(), 429);
    assert!(c.session_cookie().is_none());
    // Two more failures on another login exhaust the per-IP budget.
    for _ in 0..2 {
        assert_eq!(c.try_login("nobody", "wrong-password").await.status(), 401);
    }
    assert_eq!(c.try_login(ADMIN.0, ADMIN.1).await.status(), 429);
    // After the window, sign-in works again.
    h.advance(Duration::minutes(16));
    assert_eq!(c.try_login(OPERATOR.0, OPERATOR.1).await.status(), 303);
}

#[tokio::test]
async fn sessions_expire() {
    let h = Harness::start().await;
    let mut c = h.login(OPERATOR).await;
    assert_eq!(c.get("/api/v1/bots").await.status(), 200);
    h.advance(Duration::hours(12) + Duration::seconds(1));
    assert_eq!(c.get("/api/v1/bots").await.status(), 401);
    assert_eq!(c.get("/bots").await.status(), 303);
}

#[tokio::test]
async fn form_posts_without_the_session_csrf_token_change_nothing() {
    let h = Harness::start().await;
    let mut c = h.login(ADMIN).await;
    let path = "/bots/ergo/texts/welcome/uk";
    let res = c.post_form(path, &[("value", "Hacked {name}")]).await;
    assert_eq!(res.status(), 403);
    let res = c
        .post_form(path, &[("csrf", "0000"), ("value", "Hacked {name}")])
        .await;
    assert_eq!(res.status(), 403);
    // A JSON post on the session cookie needs the token in X-CSRF-Token.
    let res = c
        .http
        .post(format!("{}/api/v1{path}", h.base))
        .header(
            "cookie",
            format!("panel_session={}", c.session_cookie().unwrap()),
        )
        .json(&json!({"value": "Hacked {name}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = c
        .post_form(
            "/accounts",
            &[
                ("login", "evil"),
                ("password", "evil-password-1"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);
    assert!(h.backend.changes().is_empty());
    assert!(h.store.account("evil").await.unwrap().is_none());
    // With the token it works.
    let res = c.submit(path, &[("value", "Привіт, {name}!")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        h.backend.effective_text("ergo", "welcome", "uk").unwrap(),
        "Привіт, {name}!"
    );
    let res = c
        .http
        .post(format!("{}/api/v1{path}", h.base))
        .header(
            "cookie",
            format!("panel_session={}", c.session_cookie().unwrap()),
        )
        .header("x-csrf-token", c.csrf.clone().unwrap())
        .json(&json!({"value": "Вітаю, {name}!"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        h.backend.effective_text("ergo", "welcome", "uk").unwrap(),
        "Вітаю, {name}!"
    );
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Scope {
    /// A page of bot `ergo` (the operator's).
    Own,
    /// A page of bot `pharmacy` (not the operator's).
    Other,
    /// Administrators only.
    Admin,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Who {
    Anonymous,
    Operator,
    Admin,
}

/// Every route that reads or writes, with a body for writes. `{n}` becomes a unique number.
fn routes() -> Vec<(
    &'static str,
    &'static str,
    Scope,
    Vec<(&'static str, &'static str)>,
)> {
    let own = Scope::Own;
    let other = Scope::Other;
    let adm = Scope::Admin;
    vec![
        ("GET", "/bots", own, vec![]),
        ("GET", "/me", own, vec![]),
        (
            "GET",
            "/bots/ergo/stats?from=2026-11-01&to=2026-12-07",
            own,
            vec![],
        ),
        ("GET", "/bots/ergo/stats.xlsx", own, vec![]),
        ("GET", "/bots/ergo/users?q=380", own, vec![]),
        ("GET", "/bots/ergo/users/telegram/101", own, vec![]),
        ("GET", "/bots/ergo/texts", own, vec![]),
        (
            "POST",
            "/bots/ergo/texts/balance/ru",
            own,
            vec![("value", "Баланс: {points} бонусов")],
        ),
        ("POST", "/bots/ergo/texts/balance/ru/reset", own, vec![]),
        ("GET", "/bots/ergo/codes", own, vec![]),
        (
            "POST",
            "/bots/ergo/codes/spend_bonuses",
            adm,
            vec![
                ("required", "1"),
                ("channels", "chat, sms"),
                ("template_uk", "Код {code}"),
            ],
        ),
        ("GET", "/bots/pharmacy/codes", other, vec![]),
        (
            "POST",
            "/bots/pharmacy/codes/spend_bonuses",
            adm,
            vec![("required", "1"), ("channels", "sms")],
        ),
        ("GET", "/bots/pharmacy/stats", other, vec![]),
        ("GET", "/bots/pharmacy/stats.xlsx", other, vec![]),
        ("GET", "/bots/pharmacy/users", other, vec![]),
        ("GET", "/bots/pharmacy/users/max/9001", other, vec![]),
        ("GET", "/bots/pharmacy/texts", other, vec![]),
        (
            "POST",
            "/bots/pharmacy/texts/balance/uk",
            other,
            vec![("value", "Зламано {points}")],
        ),
        (
            "POST",
            "/bots/pharmacy/texts/balance/uk/reset",
            other,
            vec![],
        ),
        ("GET", "/accounts", adm, vec![]),
        (
            "POST",
            "/accounts",
            adm,
            vec![
                ("login", "new{n}"),
                ("password", "new-password-1"),
                ("role", "operator"),
                ("bots", "pharmacy"),
            ],
        ),
        (
            "POST",
            "/accounts/victim",
            adm,
            vec![("role", "operator"), ("bots", "ergo")],
        ),
        ("POST", "/accounts/doomed{n}/delete", adm, vec![]),
        ("GET", "/tokens", adm, vec![]),
        (
            "POST",
            "/tokens",
            adm,
            vec![("login", "victim"), ("label", "t{n}")],
        ),
        ("POST", "/tokens/{token}/revoke", adm, vec![]),
        ("GET", "/audit", adm, vec![]),
    ]
}

fn expected(who: Who, scope: Scope, api: bool, write: bool) -> u16 {
    match (who, scope) {
        (Who::Anonymous, _) if api => 401,
        (Who::Anonymous, _) => 303,
        (Who::Operator, Scope::Other | Scope::Admin) => 403,
        // 200 or 201 in JSON; 303, or 200 for the page showing a new token, in HTML.
        _ if write && scope == Scope::Admin => 0,
        _ if api => 200,
        _ if write => 303,
        _ => 200,
    }
}

#[tokio::test]
async fn every_role_against_every_route_in_html_and_json() {
    let h = Harness::start().await;
    let mut admin = h.login(ADMIN).await;
    let mut operator = h.login(OPERATOR).await;
    let mut anon = h.anon();
    let admin_token = issue_token(&h, &mut admin, ADMIN.0).await;
    let operator_token = issue_token(&h, &mut admin, OPERATOR.0).await;
    assert_eq!(
        admin
            .submit(
                "/accounts",
                &[
                    ("login", "victim"),
                    ("password", "victim-password"),
                    ("role", "operator")
                ]
            )
            .await
            .status(),
        303
    );
    let mut n = 0u32;
    let mut checked = 0u32;
    for (method, path, scope, fields) in routes() {
        for who in [Who::Anonymous, Who::Operator, Who::Admin] {
            for api in [false, true] {
                n += 1;
                let ns = n.to_string();
                // Fresh objects for destructive routes.
                if path.contains("doomed") {
                    h.store
                        .create_account(
                            &format!("doomed{n}"),
                            &secrecy::SecretString::from("doomed-password".to_owned()),
                            control_panel::Role::Operator,
                            &[],
                            common::base_now(),
                        )
                        .await
                        .unwrap();
                }
                let mut path = path.replace("{n}", &ns);
                if path.contains("{token}") {
                    let (info, _) = h
                        .store
                        .create_token("victim", "x", "root", common::base_now())
                        .await
                        .unwrap();
                    path = path.replace("{token}", &info.id);
                }
                let fields: Vec<(&str, String)> = fields
                    .iter()
                    .map(|(k, v)| (*k, v.replace("{n}", &ns)))
                    .collect();
                let status = if api {
                    let url = format!("/api/v1{path}");
                    match who {
                        Who::Anonymous => {
                            let api = Api::new(&h.base, "cp_not_a_token");
                            if method == "GET" {
                                api.get(&url).await.status()
                            } else {
                                api.post(&url, json!({})).await.status()
                            }
                        }
                        _ => {
                            let token = if who == Who::Admin {
                                &admin_token
                            } else {
                                &operator_token
                            };
                            let api = Api::new(&h.base, token);
                            if method == "GET" {
                                api.get(&url).await.status()
                            } else {
                                let mut body = serde_json::Map::new();
                                for (k, v) in &fields {
                                    body.insert((*k).to_owned(), Value::String(v.clone()));
                                }
                                api.post(&url, Value::Object(body)).await.status()
                            }
                        }
                    }
                } else {
                    let c = match who {
                        Who::Anonymous => &mut anon,
                        Who::Operator => &mut operator,
                        Who::Admin => &mut admin,
                    };
                    let f: Vec<(&str, &str)> =
                        fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    if method == "GET" {
                        c.get(&path).await.status()
                    } else if who == Who::Anonymous {
                        c.post_form(&path, &f).await.status()
                    } else {
                        c.submit(&path, &f).await.status()
                    }
                };
                let want = expected(who, scope, api, method == "POST");
                if want == 0 {
                    assert!(
                        [200, 201, 303].contains(&status.as_u16()),
                        "{who:?} {method} {path} api={api}: {status}"
                    );
                } else {
                    assert_eq!(status.as_u16(), want, "{who:?} {method} {path} api={api}");
                }
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 28 * 3 * 2);
    // Nothing of bot `pharmacy` was changed by the operator; the admin's changes are there.
    let changes = h.backend.changes();
    assert!(
        changes.iter().filter(|c| c.bot == "pharmacy").count() == 4,
        "only the administrator's 2 sets and 2 resets (HTML + JSON): {changes:?}"
    );
}

#[tokio::test]
async fn an_operator_never_sees_another_bot_through_html_or_json() {
    let h = Harness::start().await;
    let mut op = h.login(OPERATOR).await;
    let html = op.get("/bots").await.text().await.unwrap();
    assert!(html.contains("ERGO CLUB"));
    assert!(!html.contains("Pharmacy"));
    let json: Value = op.get("/api/v1/bots").await.json().await.unwrap();
    let ids: Vec<_> = json["bots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["ergo"]);
    for path in [
        "/bots/pharmacy/users?q=Secret",
        "/bots/pharmacy/users/max/9001",
        "/bots/pharmacy/stats",
        "/bots/pharmacy/texts",
    ] {
        for p in [path.to_owned(), format!("/api/v1{path}")] {
            let res = op.get(&p).await;
            assert_eq!(res.status(), 403, "{p}");
            let body = res.text().await.unwrap();
            assert!(
                !body.contains("Secret Pharmacy User") && !body.contains("79990001122"),
                "{p}: {body}"
            );
        }
    }
    // The same through an API token issued for the operator.
    let mut admin = h.login(ADMIN).await;
    let token = issue_token(&h, &mut admin, OPERATOR.0).await;
    let api = Api::new(&h.base, &token);
    assert_eq!(api.get("/api/v1/bots/pharmacy/users").await.status(), 403);
    assert_eq!(api.get("/api/v1/bots/ergo/users").await.status(), 200);
    // A user key of the other bot under the operator's bot is simply not found.
    assert_eq!(
        api.get("/api/v1/bots/ergo/users/max/9001").await.status(),
        404
    );
}

#[tokio::test]
async fn statistics_figures_match_the_known_data_and_the_excel_file() {
    let h = Harness::start().await;
    let mut c = h.login(OPERATOR).await;
    let q = "from=2026-11-30&to=2026-12-07&granularity=week";
    let r: Value = c
        .get(&format!("/api/v1/bots/ergo/stats?{q}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r["granularity"], "week");
    let series: Vec<(String, u64, u64, u64)> = r["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["start"].as_str().unwrap().to_owned(),
                b["new_subscribers"].as_u64().unwrap(),
                b["messages_in"].as_u64().unwrap(),
                b["messages_out"].as_u64().unwrap(),
            )
        })
        .collect();
    // Week of 30 Nov: telegram 1+1+1 new, 4+2+6 in, 5+3+7 out, viber 1 new, 3 in, 3 out (6 Dec).
    // Week of 7 Dec: viber 1 new 1 in 2 out, telegram 0 new 10 in 12 out.
    assert_eq!(
        series,
        [
            ("2026-11-30".to_string(), 4, 15, 18),
            ("2026-12-07".to_string(), 1, 11, 14)
        ]
    );
    let totals: Vec<(String, u64, u64, u64)> = r["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["messenger"].as_str().unwrap().to_owned(),
                t["total"].as_u64().unwrap(),
                t["active"].as_u64().unwrap(),
                t["blocked"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        totals,
        [
            ("telegram".to_string(), 3, 2, 1),
            ("viber".to_string(), 2, 2, 0),
            ("all".to_string(), 5, 4, 1)
        ]
    );
    // Only viber, by month.
    let r: Value = c
        .get("/api/v1/bots/ergo/stats?from=2026-11-01&to=2026-12-31&granularity=month&messenger=viber")
        .await
        .json()
        .await
        .unwrap();
    let months: Vec<_> = r["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["messages_in"].as_u64().unwrap())
        .collect();
    assert_eq!(months, [0, 4]);

    // The Excel file of the weekly report holds the same figures.
    let res = c.get(&format!("/bots/ergo/stats.xlsx?{q}")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("stats-ergo-2026-11-30-2026-12-07.xlsx")
    );
    let bytes = res.bytes().await.unwrap();
    let (figures, subscribers) = read_xlsx(&bytes);
    let all: Vec<_> = figures
        .iter()
        .filter(|r| r[1] == "all")
        .map(|r| (r[0].clone(), r[2].clone(), r[3].clone(), r[4].clone()))
        .collect();
    assert_eq!(
        all,
        [
            ("2026-11-30".into(), "4".into(), "15".into(), "18".into()),
            ("2026-12-07".into(), "1".into(), "11".into(), "14".into())
        ]
    );
    let tg: Vec<_> = figures
        .iter()
        .filter(|r| r[1] == "telegram")
        .map(|r| r[2..].join(","))
        .collect();
    assert_eq!(tg, ["3,12,15", "0,10,12"]);
    assert_eq!(subscribers[2], ["all", "5", "4", "1"]);
    assert_eq!(
        figures.len(),
        2 + 2 + 2,
        "2 telegram + 2 viber + 2 'all' rows"
    );

    // The HTML page has the charts and the figures.
    let html = c
        .get(&format!("/bots/ergo/stats?{q}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 2);
    assert!(html.contains("<title>2026-11-30 "));
}

#[tokio::test]
async fn bad_statistics_parameters_are_refused() {
    let h = Harness::start().await;
    let mut c = h.login(ADMIN).await;
    for q in [
        "from=2026-12-08&to=2026-12-01",
        "from=2020-01-01&to=2026-12-01",
        "granularity=year",
        "from=yesterday",
    ] {
        assert_eq!(
            c.get(&format!("/api/v1/bots/ergo/stats?{q}"))
                .await
                .status(),
            400,
            "{q}"
        );
    }
    assert_eq!(c.get("/api/v1/bots/nope/stats").await.status(), 404);
}

#[tokio::test]
async fn users_search_sort_page_and_profile() {
    let h = Harness::start().await;
    let mut c = h.login(OPERATOR).await;
    let ids = |v: &Value| -> Vec<String> {
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["key"]["user_id"].as_str().unwrap().to_owned())
            .collect()
    };
    let v: Value = c.get("/api/v1/bots/ergo/users").await.json().await.unwrap();
    assert_eq!(v["total"], 5);
    // Default: last activity, newest first (ties by key).
    assert_eq!(ids(&v), ["103", "v-202", "101", "v-201", "102"]);
    let v: Value = c
        .get("/api/v1/bots/ergo/users?sort=phone&dir=asc")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&v), ["102", "101", "v-202", "v-201", "103"]);
    let v: Value = c
        .get("/api/v1/bots/ergo/users?sort=name&dir=desc&per_page=2&page=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&v), ["v-201", "102"]);
    assert_eq!(v["pages"], 3);
    // Phone search ignores formatting; name search ignores case.
    let v: Value = c
        .get("/api/v1/bots/ergo/users?q=067%20111")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&v), ["v-202", "101"]);
    let v: Value = c
        .get("/api/v1/bots/ergo/users?q=petrenko")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&v), ["102"]);
    assert_eq!(
        c.get("/api/v1/bots/ergo/users?sort=age").await.status(),
        400
    );
    // A page size beyond the cap is capped.
    let v: Value = c
        .get("/api/v1/bots/ergo/users?per_page=100000")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["per_page"], 200);
    // The profile in JSON and HTML.
    let p: Value = c
        .get("/api/v1/bots/ergo/users/telegram/101")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(p["summary"]["phone"], "+380671112233");
    assert_eq!(p["programme"][0], json!(["balance", "120 bonus"]));
    assert_eq!(p["segment"][0], json!(["city", "Kyiv"]));
    let html = c
        .get("/bots/ergo/users/telegram/101")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Olena Koval") && html.contains("120 bonus") && html.contains("Kyiv"));
    assert_eq!(c.get("/bots/ergo/users/telegram/999").await.status(), 404);
    // The HTML list escapes and links to profiles.
    let html = c.get("/bots/ergo/users?q=380").await.text().await.unwrap();
    assert!(html.contains("href=\"/bots/ergo/users/telegram/101\""));
}

#[tokio::test]
async fn texts_are_validated_set_reset_and_audited() {
    let h = Harness::start().await;
    let mut c = h.login(OPERATOR).await;
    let html = c.get("/bots/ergo/texts").await.text().await.unwrap();
    assert!(html.contains("Вітаємо, {name}!"));
    // Missing placeholder, unknown placeholder, too long, empty: refused, nothing changes.
    for bad in [
        "Вітаємо!",
        "Вітаємо, {name} {phone}!",
        &format!("{{name}}{}", "x".repeat(100)),
        "  ",
    ] {
        let res = c
            .submit("/bots/ergo/texts/welcome/uk", &[("value", bad)])
            .await;
        assert_eq!(res.status(), 422, "{bad}");
    }
    assert!(h.backend.changes().is_empty());
    assert_eq!(
        c.submit("/bots/ergo/texts/welcome/xx", &[("value", "{name}")])
            .await
            .status(),
        400
    );
    assert_eq!(
        c.submit("/bots/ergo/texts/nope/uk", &[("value", "{name}")])
            .await
            .status(),
        404
    );
    // Set (CRLF from a textarea becomes LF), then reset.
    let res = c
        .submit(
            "/bots/ergo/texts/welcome/ru",
            &[("value", "Привет,\r\n{name}!")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        h.backend.effective_text("ergo", "welcome", "ru").unwrap(),
        "Привет,\n{name}!"
    );
    let json: Value = c.get("/api/v1/bots/ergo/texts").await.json().await.unwrap();
    assert_eq!(json["texts"][0]["overrides"]["ru"], "Привет,\n{name}!");
    assert_eq!(
        c.submit("/bots/ergo/texts/welcome/ru/reset", &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        h.backend.effective_text("ergo", "welcome", "ru").unwrap(),
        "Здравствуйте, {name}!"
    );
    let audit = h.store.audit_log(10, 0).await.unwrap();
    let actions: Vec<_> = audit
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.target.as_str()))
        .collect();
    assert_eq!(actions[0], ("op1", "text.reset", "ergo/welcome/ru"));
    assert_eq!(actions[1], ("op1", "text.set", "ergo/welcome/ru"));
}

#[tokio::test]
async fn administrators_manage_accounts_and_tokens_and_it_is_audited() {
    let h = Harness::start().await;
    let mut admin = h.login(ADMIN).await;
    let res = admin
        .submit(
            "/accounts",
            &[
                ("login", "op2"),
                ("password", "op2-password-1"),
                ("role", "operator"),
                ("bots", "pharmacy"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    // Short password, taken login, unknown bot.
    assert_eq!(
        admin
            .submit(
                "/accounts",
                &[
                    ("login", "op3"),
                    ("password", "short"),
                    ("role", "operator")
                ]
            )
            .await
            .status(),
        400
    );
    assert_eq!(
        admin
            .submit(
                "/accounts",
                &[
                    ("login", "op2"),
                    ("password", "op2-password-1"),
                    ("role", "operator")
                ]
            )
            .await
            .status(),
        409
    );
    assert_eq!(
        admin
            .submit(
                "/accounts",
                &[
                    ("login", "op4"),
                    ("password", "op4-password-1"),
                    ("bots", "nope")
                ]
            )
            .await
            .status(),
        400
    );
    let mut op2 = h.login(("op2", "op2-password-1")).await;
    let v: Value = op2.get("/api/v1/bots").await.json().await.unwrap();
    assert_eq!(v["bots"][0]["id"], "pharmacy");
    assert_eq!(v["bots"].as_array().unwrap().len(), 1);
    // Reassign to ergo: takes effect on the next request.
    assert_eq!(
        admin
            .submit("/accounts/op2", &[("role", "operator"), ("bots", "ergo")])
            .await
            .status(),
        303
    );
    assert_eq!(op2.get("/api/v1/bots/pharmacy/users").await.status(), 403);
    assert_eq!(op2.get("/api/v1/bots/ergo/users").await.status(), 200);
    // Disabling ends the session and sign-in.
    assert_eq!(
        admin
            .submit("/accounts/op2", &[("role", "operator"), ("disabled", "1")])
            .await
            .status(),
        303
    );
    assert_eq!(op2.get("/api/v1/bots").await.status(), 401);
    assert_eq!(
        h.anon().try_login("op2", "op2-password-1").await.status(),
        401
    );
    // An administrator cannot lock themselves out.
    assert_eq!(
        admin
            .submit("/accounts/root", &[("role", "operator")])
            .await
            .status(),
        400
    );
    assert_eq!(
        admin.submit("/accounts/root/delete", &[]).await.status(),
        400
    );
    // Tokens: issued, used, revoked.
    let token = issue_token(&h, &mut admin, OPERATOR.0).await;
    let api = Api::new(&h.base, &token);
    assert_eq!(
        api.get("/api/v1/me").await.json::<Value>().await.unwrap()["login"],
        "op1"
    );
    assert_eq!(api.get("/api/v1/accounts").await.status(), 403);
    let list: Value = admin.get("/api/v1/tokens").await.json().await.unwrap();
    assert!(
        !list.to_string().contains(&token),
        "secrets are never listed"
    );
    let id = list["tokens"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        admin
            .submit(&format!("/tokens/{id}/revoke"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(api.get("/api/v1/me").await.status(), 401);
    assert_eq!(
        admin.submit("/accounts/op2/delete", &[]).await.status(),
        303
    );
    let audit: Value = admin.get("/api/v1/audit").await.json().await.unwrap();
    let actions: Vec<_> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "account.bootstrap",
            "account.create",
            "account.update",
            "account.update",
            "token.create",
            "token.revoke",
            "account.delete"
        ]
    );
    let detail = audit.to_string();
    assert!(
        !detail.contains("op2-password-1"),
        "no password in the audit log"
    );
}

#[tokio::test]
async fn pages_speak_three_languages_and_fit_a_phone() {
    let h = Harness::start().await;
    let mut c = h.login(OPERATOR).await;
    let html = c.get("/bots").await.text().await.unwrap();
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("Боти") && html.contains("Вийти"));
    let res = c.get("/lang/ru?back=/bots").await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/bots");
    let html = c.get("/bots").await.text().await.unwrap();
    assert!(html.contains("Боты") && html.contains("Выйти"));
    c.get("/lang/en?back=//evil.example").await;
    let html = c.get("/bots").await.text().await.unwrap();
    assert!(html.contains("Log out"));
    // Security headers on every page.
    let res = c.get("/bots").await;
    assert!(
        res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
    assert_eq!(res.headers()["x-frame-options"], "DENY");
    assert!(csrf_in(&res.text().await.unwrap()).is_some());
}

/// The "Codes" page: operators of the bot read it, administrators change it; a change is
/// validated (known channels, no repeats, `{code}` kept, log-in never without a code), reaches
/// the bot, and is audited.
#[tokio::test]
async fn code_settings_are_validated_set_and_audited() {
    let h = Harness::start().await;
    let mut op = h.login(OPERATOR).await;
    let html = op.get("/bots/ergo/codes").await.text().await.unwrap();
    assert!(html.contains("Код для входу: {code}."), "{html}");
    assert_eq!(
        op.submit(
            "/bots/ergo/codes/spend_bonuses",
            &[("required", "1"), ("channels", "sms")]
        )
        .await
        .status(),
        403,
        "operators only read"
    );
    let mut admin = h.login(ADMIN).await;
    for (fields, why) in [
        (
            vec![("required", "1"), ("channels", "sms, pigeon")],
            "unknown channel",
        ),
        (
            vec![("required", "1"), ("channels", "sms, sms")],
            "repeated",
        ),
        (vec![("required", "1"), ("channels", "")], "no channel"),
        (
            vec![
                ("required", "1"),
                ("channels", "sms"),
                ("template_uk", "Код: 1234"),
            ],
            "no {code}",
        ),
        (
            vec![
                ("required", "1"),
                ("channels", "sms"),
                ("template_ru", &*"{code} ".repeat(30)),
            ],
            "too long",
        ),
    ] {
        let res = admin
            .submit("/bots/ergo/codes/spend_bonuses", &fields)
            .await;
        assert_eq!(res.status(), 422, "{why}");
    }
    let log_in_off = admin
        .submit("/bots/ergo/codes/log_in", &[("channels", "sms")])
        .await;
    assert_eq!(log_in_off.status(), 422, "log-in always needs a code");
    assert_eq!(
        h.backend.code_action("ergo", "spend_bonuses").unwrap(),
        control_panel::demo::code_settings().actions[1],
        "nothing changed"
    );
    let res = admin
        .submit(
            "/bots/ergo/codes/spend_bonuses",
            &[
                ("required", "1"),
                ("channels", "chat, SMS"),
                ("template_uk", "Код\r\n{code}"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let now = h.backend.code_action("ergo", "spend_bonuses").unwrap();
    assert!(now.required);
    assert_eq!(now.channels, ["chat", "sms"]);
    assert_eq!(now.templates["uk"], "Код\n{code}");
    assert_eq!(
        now.templates["ru"], "Код для списания бонусов: {code}.",
        "a language not sent keeps its text"
    );
    let json: Value = admin
        .get("/api/v1/bots/ergo/codes")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        json["codes"]["actions"][1]["channels"],
        json!(["chat", "sms"])
    );
    let audit: Value = admin.get("/api/v1/audit").await.json().await.unwrap();
    assert!(
        audit.to_string().contains("codes.set"),
        "the change is audited: {audit}"
    );
}

/// A backend that does not implement live chat (the trait's default methods) has no Support
/// page: its routes answer 404, and taking or sending is refused, never half done.
#[tokio::test]
async fn a_backend_without_live_chat_has_no_support_page() {
    let h = Harness::start().await;
    let mut admin = h.login(ADMIN).await;
    for path in [
        "/bots/ergo/support",
        "/api/v1/bots/ergo/support",
        "/api/v1/bots/ergo/support/d/x",
        "/bots/ergo/support/photo/x",
    ] {
        assert_eq!(admin.get(path).await.status(), 404, "{path}");
    }
    let res = admin.submit("/bots/ergo/support/d/x/take", &[]).await;
    assert_eq!(res.status(), 404);
    // An operator of another bot is refused before that.
    let mut op = h.login(OPERATOR).await;
    assert_eq!(op.get("/bots/pharmacy/support").await.status(), 403);
}
