//! The panel's Broadcasts pages over the bot's real backend (issue 19), by HTTP: the audience
//! size of a segment, previews, checks of bad input (markup, button, picture type and size,
//! empty audience, a start in the past), "send a test to me" through the outbox, sending,
//! pause / resume / cancel with their roles, CSRF for browser sessions, the audit log, and the
//! broadcast's page with its figures and journal once the bot's senders have sent it.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use chrono::Utc;
use common::live::{Live, OPERATOR_PHOTO, start};
use messenger_core::{Button, Image};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

/// Three users who pressed /start (1, 2 and 3).
async fn users(live: &Live) {
    let b = &live.ergo.bot;
    for u in 1..=3 {
        b.feed(b.m.user_says(u, "/start")).await;
    }
}

fn form(text: &str) -> Form {
    Form::new().text("text", text.to_owned())
}

async fn post_form(live: &Live, token: &str, path: &str, form: Form) -> (u16, Value) {
    let res = live
        .http
        .post(format!("{}/api/v1{path}", live.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn png() -> Vec<u8> {
    OPERATOR_PHOTO.to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audiences_are_counted_from_the_segment_form() {
    let live = start(Utc::now()).await;
    users(&live).await;
    let olena = live.token("olena").await;
    let stranger = live.token("stranger").await;
    let count = async |q: &str| -> (u16, Value) {
        let res = live
            .get(&olena, &format!("/bots/ergo/audience/count?{q}"))
            .await;
        (res.status().as_u16(), res.json().await.unwrap())
    };
    assert_eq!(count("aud_scope=all").await.1["count"], 3);
    assert_eq!(
        count("aud_scope=segment&aud_messenger=in_memory&aud_phone=no")
            .await
            .1["count"],
        3
    );
    assert_eq!(count("aud_scope=segment&aud_phone=yes").await.1["count"], 0);
    assert_eq!(
        count("aud_scope=segment&aud_attrs=city+%3D+Kyiv").await.1["count"],
        0
    );
    live.ergo
        .bot
        .storage
        .set_segment_attr(
            &loyalty_bot::storage::ChatKey::new("in_memory", "2"),
            "city",
            serde_json::json!("Kyiv"),
        )
        .await
        .unwrap();
    let (_, j) = count("aud_scope=segment&aud_attrs=city+%3D+Kyiv").await;
    assert_eq!(j["count"], 1);
    assert_eq!(j["audience"]["attributes"][0]["value"], "Kyiv");
    // A messenger the bot is not on, a malformed day: refused with a reason.
    let (status, j) = count("aud_scope=segment&aud_messenger=viber").await;
    assert_eq!(status, 400, "{j}");
    assert!(j["message"].as_str().unwrap().contains("viber"));
    assert_eq!(
        count("aud_scope=segment&aud_first_from=07.12.2026").await.0,
        400
    );
    let res = live
        .get(&stranger, "/bots/ergo/audience/count?aud_scope=all")
        .await;
    assert_eq!(res.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_drafts_are_refused_with_a_reason() {
    let live = start(Utc::now()).await;
    users(&live).await;
    let t = live.token("olena").await;
    let preview = "/bots/ergo/broadcasts/preview";
    let (s, j) = post_form(&live, &t, preview, form("*не закрито")).await;
    assert_eq!(s, 400, "{j}");
    assert!(j["message"].as_str().unwrap().contains("розмітки"), "{j}");
    let (s, j) = post_form(
        &live,
        &t,
        preview,
        form("Привіт")
            .text("button_label", "Каталог")
            .text("button_url", "http://shop.example/"),
    )
    .await;
    assert_eq!(s, 400);
    assert!(j["message"].as_str().unwrap().contains("https://"), "{j}");
    let (s, j) = post_form(
        &live,
        &t,
        preview,
        form("Привіт").part(
            "image",
            Part::bytes(b"%PDF-1.7".to_vec()).file_name("a.png"),
        ),
    )
    .await;
    assert_eq!((s, j["error"].as_str()), (415, Some("not_an_image")));
    let mut big = png();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let (s, _) = post_form(
        &live,
        &t,
        preview,
        form("Привіт").part("image", Part::bytes(big).file_name("big.png")),
    )
    .await;
    assert_eq!(s, 413);
    // A good draft: three previews, each counted its own way.
    let (s, j) = post_form(
        &live,
        &t,
        preview,
        form("🎁 *Знижки* до [неділі](https://shop.example/sale)")
            .text("button_label", "Каталог")
            .text("button_url", "https://shop.example/"),
    )
    .await;
    assert_eq!(s, 200, "{j}");
    let p = j["previews"].as_array().unwrap();
    assert_eq!(p.len(), 3);
    assert_eq!(p[1]["messenger"], "viber");
    assert_eq!(
        p[1]["rendered"],
        "🎁 Знижки до неділі (https://shop.example/sale)"
    );
    assert!(j["html"].as_str().unwrap().contains("<b>Знижки</b>"));
    // Sending: an empty audience and a start in the past are refused; nothing was created.
    let create = "/bots/ergo/broadcasts";
    let (s, j) = post_form(
        &live,
        &t,
        create,
        form("Привіт")
            .text("aud_scope", "segment")
            .text("aud_language", "ru"),
    )
    .await;
    assert_eq!(s, 400);
    assert!(j["message"].as_str().unwrap().contains("нікого"), "{j}");
    let (s, _) = post_form(
        &live,
        &t,
        create,
        form("Привіт").text("start_at", "2020-01-01T10:00"),
    )
    .await;
    assert_eq!(s, 400);
    let list = live.json(&t, "/bots/ergo/broadcasts").await;
    assert_eq!(list["broadcasts"].as_array().unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_goes_to_the_operators_own_chat_only() {
    let live = start(Utc::now()).await;
    users(&live).await;
    let b = &live.ergo.bot;
    let t = live.token("olena").await;
    let before: Vec<usize> = (1..=3).map(|u| b.m.sent(u).len()).collect();
    let (s, j) = post_form(&live, &t, "/bots/ergo/broadcasts/test", form("Тест")).await;
    assert_eq!(s, 400, "no test chat chosen yet: {j}");
    // A search that matches several users is refused; an exact id picks one.
    let res = live
        .post(
            &t,
            "/bots/ergo/broadcasts/test-chat",
            serde_json::json!({"search": "User"}),
        )
        .await;
    assert_eq!(res.status(), 400);
    let res = live
        .post(
            &t,
            "/bots/ergo/broadcasts/test-chat",
            serde_json::json!({"messenger": "in_memory", "user_id": "99"}),
        )
        .await;
    assert_eq!(res.status(), 404, "not a user of the bot");
    let res = live
        .post(
            &t,
            "/bots/ergo/broadcasts/test-chat",
            serde_json::json!({"search": "2"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let new = live.json(&t, "/bots/ergo/broadcasts/new").await;
    assert_eq!(new["test_chat"]["user_id"], "2");
    assert_eq!(new["audience_options"]["messengers"][0], "in_memory");
    let (s, j) = post_form(
        &live,
        &t,
        "/bots/ergo/broadcasts/test",
        form("*Тест* розсилки")
            .text("button_label", "Відкрити")
            .text("button_url", "https://shop.example/")
            .part("image", Part::bytes(png()).file_name("p.png")),
    )
    .await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["to"]["user_id"], "2");
    b.runner.drain().await.unwrap();
    let got = b.m.last_sent(2).unwrap();
    assert_eq!(got.text(), "Тест розсилки");
    assert!(matches!(got.content.image, Some(Image::Bytes { .. })));
    let kb = got.content.keyboard.unwrap();
    assert!(matches!(
        kb.buttons().next(),
        Some(Button::Url { url, .. }) if url == "https://shop.example/"
    ));
    assert_eq!(b.m.sent(1).len(), before[0], "nobody else got it");
    assert_eq!(b.m.sent(3).len(), before[2]);
    assert_eq!(b.m.sent(2).len(), before[1] + 1);
    // Each account has its own test chat.
    let ivan = live.token("ivan").await;
    let new = live.json(&ivan, "/bots/ergo/broadcasts/new").await;
    assert!(new["test_chat"].is_null());
    let log = live.store.audit_log(20, 0).await.unwrap();
    assert!(
        log.iter()
            .any(|a| a.action == "broadcast.test" && a.actor == "olena")
    );
}

/// Waits until the broadcast is done.
async fn until_done(live: &Live, token: &str, id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let j = live
            .json(token, &format!("/bots/ergo/broadcasts/b/{id}"))
            .await;
        if j["broadcast"]["state"] == "done" {
            return j;
        }
        assert!(tokio::time::Instant::now() < deadline, "{j}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcasts_are_sent_controlled_by_role_and_journalled() {
    let live = start(Utc::now()).await;
    users(&live).await;
    let b = &live.ergo.bot;
    let olena = live.token("olena").await;
    let ivan = live.token("ivan").await;
    let boss = live.token("boss").await;
    let stranger = live.token("stranger").await;
    assert_eq!(
        live.get(&stranger, "/bots/ergo/broadcasts").await.status(),
        403
    );
    // Scheduled in an hour: created, nothing sent yet.
    let later = (Utc::now() + chrono::Duration::hours(1))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let (s, j) = post_form(
        &live,
        &olena,
        "/bots/ergo/broadcasts",
        form("🎁 *Подвійні* бонуси")
            .text("button_label", "Умови")
            .text("button_url", "https://shop.example/x2")
            .text("start_at", later)
            .part("image", Part::bytes(png()).file_name("p.png")),
    )
    .await;
    assert_eq!(s, 200, "{j}");
    assert_eq!(j["recipients"], 3);
    let id = j["id"].as_str().unwrap().to_owned();
    let page = live
        .json(&olena, &format!("/bots/ergo/broadcasts/b/{id}"))
        .await;
    assert_eq!(page["broadcast"]["state"], "active");
    assert_eq!(page["broadcast"]["author"], "olena");
    assert_eq!(page["broadcast"]["per_messenger"]["in_memory"]["queued"], 3);
    assert_eq!(
        page["broadcast"]["button"]["url"],
        "https://shop.example/x2"
    );
    assert_eq!(page["journal"].as_array().unwrap().len(), 3);
    let img = live
        .get(&olena, &format!("/bots/ergo/broadcasts/b/{id}/image"))
        .await;
    assert_eq!(img.status(), 200);
    assert_eq!(img.headers()["content-type"], "image/png");
    // Pause and resume: any operator of the bot; cancel: the author or an administrator.
    let act = async |token: &str, action: &str| {
        live.post(
            token,
            &format!("/bots/ergo/broadcasts/b/{id}/{action}"),
            serde_json::json!({}),
        )
        .await
        .status()
        .as_u16()
    };
    assert_eq!(act(&stranger, "pause").await, 403);
    assert_eq!(act(&ivan, "pause").await, 200);
    assert_eq!(act(&ivan, "pause").await, 409, "paused already");
    assert_eq!(act(&olena, "resume").await, 200);
    assert_eq!(act(&ivan, "cancel").await, 403, "not his broadcast");
    assert_eq!(act(&olena, "explode").await, 404);
    assert_eq!(act(&boss, "cancel").await, 200);
    assert_eq!(act(&olena, "cancel").await, 409);
    let page = live
        .json(&olena, &format!("/bots/ergo/broadcasts/b/{id}"))
        .await;
    assert_eq!(page["broadcast"]["state"], "cancelled");
    assert_eq!(
        page["broadcast"]["per_messenger"]["in_memory"]["cancelled"],
        3
    );

    // Now at once, to everyone; the bot's senders deliver it.
    let (s, j) = post_form(&live, &olena, "/bots/ergo/broadcasts", form("Вітаємо!")).await;
    assert_eq!(s, 200, "{j}");
    let id2 = j["id"].as_str().unwrap().to_owned();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = b.runner.clone();
    let sender = tokio::spawn(async move {
        let mut stopped = stopped;
        runner
            .run_broadcasts(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
    });
    let done = until_done(&live, &olena, &id2).await;
    stop.send(true).unwrap();
    sender.await.unwrap();
    assert_eq!(done["broadcast"]["per_messenger"]["in_memory"]["sent"], 3);
    let journal = done["journal"].as_array().unwrap();
    assert!(journal.iter().all(|l| l["status"] == "sent"), "{journal:?}");
    for u in 1..=3 {
        assert_eq!(b.m.last_sent(u).unwrap().text(), "Вітаємо!");
    }
    // The page's live stream starts with the current figures' marker.
    let mut events = live
        .get(&olena, &format!("/bots/ergo/broadcasts/b/{id2}/events"))
        .await;
    assert_eq!(events.status(), 200);
    assert!(
        events.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let first = events.chunk().await.unwrap().unwrap();
    let first = String::from_utf8_lossy(&first);
    assert!(first.contains("event: change"), "{first}");
    assert!(first.contains("done|in_memory:0:0:3:"), "{first}");
    drop(events);
    let res = live
        .get(&stranger, &format!("/bots/ergo/broadcasts/b/{id2}/events"))
        .await;
    assert_eq!(res.status(), 403);
    // Paged journal.
    let page2 = live
        .json(
            &olena,
            &format!("/bots/ergo/broadcasts/b/{id2}?offset=2&limit=2"),
        )
        .await;
    assert_eq!(page2["journal"].as_array().unwrap().len(), 1);
    // The list, newest first, and the HTML page with its figures and live stream.
    let list = live.json(&olena, "/bots/ergo/broadcasts").await;
    let ids: Vec<&str> = list["broadcasts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id2.as_str(), id.as_str()]);
    let log = live.store.audit_log(50, 0).await.unwrap();
    for action in [
        "broadcast.create",
        "broadcast.pause",
        "broadcast.resume",
        "broadcast.cancel",
    ] {
        assert!(log.iter().any(|a| a.action == action), "{action}: {log:?}");
    }
}

/// Browser sessions must carry the CSRF token on every broadcast form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_forms_need_the_csrf_token() {
    use loyalty_core::ExposeSecret;
    let live = start(Utc::now()).await;
    users(&live).await;
    let token = live
        .store
        .create_session("olena", Utc::now(), chrono::Duration::hours(1))
        .await
        .unwrap();
    let session = live
        .store
        .session(token.expose_secret(), Utc::now())
        .await
        .unwrap()
        .unwrap();
    let csrf = session.csrf.expose_secret().to_owned();
    let cookie = format!("panel_session={}", token.expose_secret());
    let post = async |path: &str, form: Form| {
        live.http
            .post(format!("{}{path}", live.base))
            .header("cookie", &cookie)
            .multipart(form)
            .send()
            .await
            .unwrap()
    };
    assert_eq!(
        post("/bots/ergo/broadcasts", form("Без токена"))
            .await
            .status(),
        403
    );
    // Refused like any form without the token: in the operator's language.
    let refused = post(
        "/bots/ergo/broadcasts",
        form("Чужий").text("csrf", "0".repeat(64)),
    )
    .await;
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(page.contains("CSRF-токен"), "{page}");
    let res = live
        .http
        .post(format!("{}/bots/ergo/broadcasts/test-chat", live.base))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("search=2")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // With the token: created, and the browser goes to its page.
    let res = post(
        "/bots/ergo/broadcasts",
        form("З токеном").text("csrf", csrf.clone()),
    )
    .await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/bots/ergo/broadcasts/b/bc-"), "{to}");
    let html = live
        .http
        .get(format!("{}{to}", live.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"bc-figures\""), "{html}");
    assert!(html.contains("data-sse"), "{html}");
    // A markup mistake in the HTML form: the page again, with the reason and the text kept.
    let res = post(
        "/bots/ergo/broadcasts",
        form("_не закрито").text("csrf", csrf),
    )
    .await;
    assert_eq!(res.status(), 400);
    let html = res.text().await.unwrap();
    assert!(html.contains("id=\"bc-error\""), "{html}");
    assert!(html.contains("_не закрито"), "{html}");
}

/// The bot's side of the panel's broadcasts on PostgreSQL: the segment with a level and an
/// attribute, a broadcast created, listed, read with its journal and cancelled, and a test
/// queued (`LOYALTY_BOT_TEST_POSTGRES_URL`; required in CI).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_panels_broadcasts_work_on_postgres() {
    use control_panel::{
        AttributeFilter, AudienceFilter, BroadcastAction, BroadcastDraft, BroadcastOrder,
        PanelBackend, PanelStore, UrlButton, UserKey,
    };
    use loyalty_bot::panel::{BotPanel, Broadcasts};
    let Some(url) = common::pg::server("PostgreSQL panel broadcasts") else {
        return;
    };
    let db = common::pg::FreshDb::create(&url, "bot_bc").await;
    let storage = loyalty_bot::storage::Storage::connect(&db.url)
        .await
        .unwrap();
    for (chat, level) in [("1", Some("Gold")), ("2", Some("Silver")), ("3", None)] {
        sqlx::query(
            "INSERT INTO bot_users (messenger, chat_id, language, segment, active, created_at, last_activity, level)
             VALUES ('telegram', $1, 'uk', '{}', 1, '2026-12-01T09:00:00.000000Z', '2026-12-05T09:00:00.000000Z', $2)",
        )
        .bind(chat)
        .bind(level)
        .execute(storage.pool())
        .await
        .unwrap();
    }
    storage
        .set_segment_attr(
            &loyalty_bot::storage::ChatKey::new("telegram", "1"),
            "city",
            serde_json::json!("Kyiv"),
        )
        .await
        .unwrap();
    let store = PanelStore::from_pool(storage.pool().clone()).await.unwrap();
    let panel = BotPanel::new(
        storage.pool().clone(),
        std::sync::Arc::new(loyalty_bot::texts::Texts::built_in()),
        store,
        loyalty_bot::panel::bot_info("ergo", ["telegram".to_owned()]),
    )
    .with_broadcasts(Broadcasts::new(storage.clone(), vec!["uk".into()]));
    let options = panel.audience_options("ergo").await.unwrap();
    assert_eq!(options.levels, ["Gold", "Silver"]);
    assert_eq!(options.attribute_keys, ["city"]);
    let gold_kyiv = AudienceFilter {
        levels: vec!["Gold".into()],
        attributes: vec![AttributeFilter {
            key: "city".into(),
            value: "Kyiv".into(),
        }],
        active_to: chrono::NaiveDate::from_ymd_opt(2026, 12, 5),
        ..AudienceFilter::default()
    };
    assert_eq!(panel.audience_count("ergo", &gold_kyiv).await.unwrap(), 1);
    let before_day = AudienceFilter {
        active_to: chrono::NaiveDate::from_ymd_opt(2026, 12, 4),
        ..AudienceFilter::default()
    };
    assert_eq!(panel.audience_count("ergo", &before_day).await.unwrap(), 0);
    let draft = BroadcastDraft {
        text: "*Знижки* для вас".into(),
        image: None,
        button: Some(UrlButton {
            label: "Каталог".into(),
            url: "https://shop.example/".into(),
        }),
    };
    let order = BroadcastOrder {
        draft: draft.clone(),
        audience: AudienceFilter::default(),
        start_at: Some(Utc::now() + chrono::Duration::hours(1)),
        author: "olena".into(),
    };
    let id = panel.broadcast_create("ergo", &order).await.unwrap();
    assert!(id.starts_with("bc-"), "{id}");
    let list = panel.broadcasts("ergo", 10).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].text, "*Знижки* для вас");
    assert_eq!(list[0].author, "olena");
    assert_eq!(list[0].button.as_ref().unwrap().label, "Каталог");
    assert_eq!(list[0].per_messenger["telegram"].queued, 3);
    assert_eq!(
        panel
            .broadcast_journal("ergo", &id, 2, 1)
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        panel
            .broadcast_control("ergo", &id, BroadcastAction::Cancel)
            .await
            .unwrap()
    );
    let b = panel.broadcast("ergo", &id).await.unwrap().unwrap();
    assert_eq!(b.state, "cancelled");
    assert_eq!(b.per_messenger["telegram"].cancelled, 3);
    // Nobody in the audience: refused.
    let nobody = BroadcastOrder {
        audience: AudienceFilter {
            levels: vec!["Platinum".into()],
            ..AudienceFilter::default()
        },
        ..order.clone()
    };
    assert!(panel.broadcast_create("ergo", &nobody).await.is_err());
    // A test goes through the outbox.
    let to = UserKey {
        messenger: "telegram".into(),
        user_id: "2".into(),
    };
    panel.broadcast_test("ergo", &draft, &to).await.unwrap();
    let unknown = UserKey {
        messenger: "telegram".into(),
        user_id: "99".into(),
    };
    assert!(
        panel
            .broadcast_test("ergo", &draft, &unknown)
            .await
            .is_err()
    );
    drop(panel);
    drop(storage);
    db.drop_now().await;
}
