//! Live operator chat (issue 20) end to end: an ERGO seller on the in-memory messenger opens a
//! dialogue with "Support", operators work it through the control panel's HTTP API (the bot's
//! real `BotPanel` backend, served by `control_panel::Panel`), messages go both ways through
//! the runtime's durable queues, and a restart loses and repeats nothing. Also: the take race
//! (exactly one of two operators wins) on SQLite and PostgreSQL
//! (`LOYALTY_BOT_TEST_POSTGRES_URL`), role checks over HTTP, pausing the bot, and the working
//! hours with an injected clock.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use common::live::{Live, OPERATOR_PHOTO, USER_PHOTO, live_bot, start};
use common::{Bot, Ergo, SELLER, USER, log_in};
use control_panel::{PanelBackend, SupportHoursSettings};
use loyalty_bot::storage::{ChatKey, NewPhoto, Profile, Storage};
use loyalty_core::{Clock, ManualClock};
use messenger_core::{ButtonPress, MessengerKind, Update, UpdateKind};

/// Feeds an update with a key the restarted in-memory messenger (whose update ids start again
/// at 1) has not used: the inbox would drop a repeated key as a duplicate, like a platform's
/// redelivery.
async fn feed_after_restart(bot: &Bot, n: u32, kind: UpdateKind) {
    let m = &bot.m;
    let u = Update::new(MessengerKind::InMemory, format!("after-restart-{n}"), kind)
        .with_chat(m.chat(USER))
        .with_from(m.user(USER))
        .with_date(Utc::now());
    bot.feed(u).await;
}

fn chat() -> ChatKey {
    ChatKey::new("in_memory", USER.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dialogue_goes_both_ways_through_the_panel_and_survives_a_restart() {
    let live = start(Utc::now()).await;
    let (olena, ivan, stranger) = (
        live.token("olena").await,
        live.token("ivan").await,
        live.token("stranger").await,
    );
    let e = &live.ergo;
    log_in(e).await;
    e.bot.press("💬 Підтримка").await;
    assert!(
        e.bot.last().contains("на зв'язку з оператором"),
        "{}",
        e.bot.last()
    );

    // The user's messages go to the dialogue: no answer from the bot.
    let before = e.bot.texts().len();
    e.bot.say("Де мої бонуси за вчора?").await;
    e.bot.photo(USER_PHOTO.to_vec(), Some("чек")).await;
    assert_eq!(e.bot.texts().len(), before, "{}", e.bot.since(before));

    let list = live.json(&olena, "/bots/ergo/support").await;
    let dialogues = list["dialogues"].as_array().unwrap();
    assert_eq!(dialogues.len(), 1, "{list}");
    let d = &dialogues[0];
    let id = d["id"].as_str().unwrap().to_owned();
    assert_eq!(d["unread"], 2);
    assert!(d["operator"].is_null());
    assert_eq!(d["user"]["messenger"], "in_memory");

    // Another bot's operator sees nothing of it.
    assert_eq!(
        live.get(&stranger, "/bots/ergo/support").await.status(),
        403
    );
    assert_eq!(
        live.get(&stranger, &format!("/bots/ergo/support/d/{id}"))
            .await
            .status(),
        403
    );
    assert_eq!(
        live.post(
            &stranger,
            &format!("/bots/ergo/support/d/{id}/take"),
            serde_json::json!({})
        )
        .await
        .status(),
        403
    );

    // Two operators press "take" at once: exactly one gets it.
    let take = format!("/bots/ergo/support/d/{id}/take");
    let (a, b) = tokio::join!(
        live.post(&olena, &take, serde_json::json!({})),
        live.post(&ivan, &take, serde_json::json!({}))
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let detail = live
        .json(&ivan, &format!("/bots/ergo/support/d/{id}"))
        .await;
    let holder = detail["dialogue"]["operator"].as_str().unwrap().to_owned();
    let (winner, loser) = if holder == "olena" {
        (&olena, &ivan)
    } else {
        assert_eq!(holder, "ivan");
        (&ivan, &olena)
    };
    // The user's data is beside the dialogue.
    assert_eq!(detail["profile"]["summary"]["phone"], format!("+{SELLER}"));
    assert_eq!(detail["profile"]["summary"]["language"], "uk");
    let messages = detail["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["text"], "Де мої бонуси за вчора?");
    assert_eq!(messages[1]["photo"], true);
    assert_eq!(messages[1]["text"], "чек");
    // The user's photo, as the panel shows it inline.
    let photo_id = messages[1]["id"].as_str().unwrap();
    let res = live
        .get(loser, &format!("/bots/ergo/support/photo/{photo_id}"))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.bytes().await.unwrap().as_ref(), USER_PHOTO);

    // Only the operator who has it writes; a non-image upload is refused.
    assert_eq!(live.send(loser, &id, "я теж тут", None).await.status(), 409);
    assert_eq!(
        live.send(winner, &id, "", Some(b"not a picture"))
            .await
            .status(),
        415
    );
    let res = live
        .send(
            winner,
            &id,
            "Бонуси нараховано, деталі: https://club.ergo-global.com/",
            Some(OPERATOR_PHOTO),
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

    // Restart before anything was delivered: the reply goes out once, with its picture.
    let sent_before = e.bot.m.sent(USER).len();
    let Live { ergo, backend, .. } = live;
    let Ergo {
        bot,
        sandbox,
        clock,
    } = ergo;
    let db_url = bot.db_url.clone();
    let dir = bot.dir;
    drop(bot.runner);
    let bot = live_bot(&sandbox, &db_url, clock.clone(), dir).await;
    bot.runner.drain().await.unwrap();
    bot.runner.drain().await.unwrap();
    // The new messenger is a fresh in-memory one: it shows what this process sent.
    let sent = bot.m.sent(USER);
    assert_eq!(sent.len(), 1, "sent before the restart: {sent_before}");
    assert!(sent[0].text().contains("https://club.ergo-global.com/"));
    let image = sent[0].content.image.as_ref().expect("the photo");
    assert!(format!("{image:?}").contains("image/png"), "{image:?}");
    // Another restart sends nothing again.
    let m2 = bot.m.clone();
    let bot = live_bot(&sandbox, &db_url, clock.clone(), bot.dir).await;
    bot.runner.drain().await.unwrap();
    assert!(bot.m.sent(USER).is_empty(), "repeated after a restart");
    assert_eq!(m2.sent(USER).len(), 1);

    // The user answers; it reaches the dialogue, not the bot.
    feed_after_restart(&bot, 1, UpdateKind::from_text("Дякую!", None)).await;
    assert!(bot.m.sent(USER).is_empty(), "the bot answered the user");
    let d = backend
        .support_dialogue("ergo", &id)
        .await
        .unwrap()
        .unwrap();
    let texts: Vec<_> = d.messages.iter().map(|m| m.text.clone()).collect();
    assert_eq!(
        texts,
        vec![
            Some("Де мої бонуси за вчора?".to_owned()),
            Some("чек".to_owned()),
            Some("Бонуси нараховано, деталі: https://club.ergo-global.com/".to_owned()),
            Some("Дякую!".to_owned()),
        ]
    );
    assert_eq!(bot.storage.support_message_count(&chat()).await.unwrap(), 4);

    // Paused: ending the dialogue keeps the bot quiet, the next message opens a new one.
    backend
        .support_set_paused("ergo", &d.dialogue.user, true)
        .await
        .unwrap();
    let end = UpdateKind::ButtonPress(ButtonPress::new("m:support_end"));
    feed_after_restart(&bot, 2, end).await;
    assert!(
        bot.last().contains("Діалог з оператором завершено"),
        "{}",
        bot.last()
    );
    feed_after_restart(&bot, 3, UpdateKind::from_text("/menu", None)).await;
    assert!(
        bot.last().contains("Діалог з оператором завершено"),
        "not the menu"
    );
    let open = backend.support_dialogues("ergo").await.unwrap();
    assert_eq!(open.len(), 1);
    assert_ne!(open[0].id, id);
    assert!(open[0].paused);
    let new_id = open[0].id.clone();
    let detail = backend
        .support_dialogue("ergo", &new_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(detail.messages[0].text.as_deref(), Some("/menu"));
    assert_eq!(detail.earlier.len(), 1);
    assert_eq!(detail.earlier[0].closed_by.as_deref(), Some("user"));

    // An administrator reassigns; an operator may not.
    let b = &backend;
    assert!(
        b.support_take("ergo", &new_id, "ivan", false)
            .await
            .unwrap()
    );
    assert!(
        !b.support_take("ergo", &new_id, "olena", false)
            .await
            .unwrap()
    );
    assert!(b.support_take("ergo", &new_id, "boss", true).await.unwrap());

    // Closing returns the user to the bot, told so once.
    assert!(b.support_close("ergo", &new_id, "boss").await.unwrap());
    assert!(!b.support_close("ergo", &new_id, "boss").await.unwrap());
    bot.runner.drain().await.unwrap();
    assert!(
        bot.last().contains("Оператор завершив діалог"),
        "{}",
        bot.last()
    );
    let note = bot.m.last_sent(USER).unwrap();
    let back = note
        .content
        .keyboard
        .as_ref()
        .unwrap()
        .find("⬅️ Назад")
        .cloned();
    assert!(
        matches!(&back, Some(messenger_core::Button::Callback { data, .. }) if data == "m:menu"),
        "{back:?}"
    );
    let menu = UpdateKind::ButtonPress(ButtonPress::new("m:menu"));
    feed_after_restart(&bot, 4, menu).await;
    assert!(bot.last().contains("Головне меню"), "{}", bot.last());
    assert!(b.support_dialogues("ergo").await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_checks_and_reassignment_over_http() {
    let live = start(Utc::now()).await;
    let (olena, ivan, boss) = (
        live.token("olena").await,
        live.token("ivan").await,
        live.token("boss").await,
    );
    let e = &live.ergo;
    log_in(e).await;
    e.bot.press("💬 Підтримка").await;
    e.bot.say("Допоможіть").await;
    let id = live.backend.support_dialogues("ergo").await.unwrap()[0]
        .id
        .clone();
    let take = format!("/bots/ergo/support/d/{id}/take");
    assert_eq!(
        live.post(&olena, &take, serde_json::json!({}))
            .await
            .status(),
        200
    );
    // Another operator can neither take it over, close it, pause it nor write in it.
    for (path, body) in [
        (take.clone(), serde_json::json!({"force": "1"})),
        (take.clone(), serde_json::json!({"to": "ivan"})),
    ] {
        assert_eq!(live.post(&ivan, &path, body).await.status(), 403);
    }
    for action in ["close", "pause"] {
        let res = live
            .post(
                &ivan,
                &format!("/bots/ergo/support/d/{id}/{action}"),
                serde_json::json!({"paused": "1"}),
            )
            .await;
        assert_eq!(res.status(), 409, "{action}");
    }
    // Working hours: operators read them, administrators change them.
    let hours = "/bots/ergo/support/hours";
    let body = serde_json::json!({"hours": "Mon-Fri 09:00-18:00", "tz": "+02:00"});
    assert_eq!(live.post(&olena, hours, body.clone()).await.status(), 403);
    let bad = serde_json::json!({"hours": "Mon-Fry 09:00-18:00", "tz": "+02:00"});
    assert_eq!(live.post(&boss, hours, bad).await.status(), 400);
    assert_eq!(live.post(&boss, hours, body).await.status(), 200);
    let list = live.json(&olena, "/bots/ergo/support").await;
    assert_eq!(list["hours"]["hours"], "Mon-Fri 09:00-18:00");
    // Reading through the API leaves the message unread until marked.
    assert_eq!(list["dialogues"][0]["unread"], 1);
    let seen = format!("/bots/ergo/support/d/{id}/seen");
    assert_eq!(
        live.post(&ivan, &seen, serde_json::json!({}))
            .await
            .status(),
        200
    );
    let list = live.json(&olena, "/bots/ergo/support").await;
    assert_eq!(list["dialogues"][0]["unread"], 0);
    assert_eq!(list["hours"]["tz"], "+02:00");
    // The administrator hands it to Ivan.
    let res = live
        .post(&boss, &take, serde_json::json!({"to": "ivan"}))
        .await;
    assert_eq!(res.status(), 200);
    let d = live
        .json(&boss, &format!("/bots/ergo/support/d/{id}"))
        .await;
    assert_eq!(d["dialogue"]["operator"], "ivan");
    // Ivan pauses the bot for the user, then closes (which resumes it).
    let pause = format!("/bots/ergo/support/d/{id}/pause");
    assert_eq!(
        live.post(&ivan, &pause, serde_json::json!({"paused": "1"}))
            .await
            .status(),
        200
    );
    assert!(e.bot.storage.support_state(&chat()).await.unwrap().paused);
    let close = format!("/bots/ergo/support/d/{id}/close");
    assert_eq!(
        live.post(&ivan, &close, serde_json::json!({}))
            .await
            .status(),
        200
    );
    let state = e.bot.storage.support_state(&chat()).await.unwrap();
    assert!(!state.paused && state.open_dialogue.is_none(), "{state:?}");
    // Sending to a closed dialogue is refused.
    assert_eq!(live.send(&ivan, &id, "ще", None).await.status(), 409);
    // Who did what is in the audit log.
    let audit = live.json(&boss, "/audit").await.to_string();
    for action in [
        "support.take",
        "support.reassign",
        "support.pause",
        "support.close",
        "support.hours",
    ] {
        assert!(audit.contains(action), "{action} in {audit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_announces_a_new_message() {
    let live = start(Utc::now()).await;
    let olena = live.token("olena").await;
    let e = &live.ergo;
    log_in(e).await;
    e.bot.press("💬 Підтримка").await;
    let mut res = live
        .http
        .get(format!("{}/api/v1/bots/ergo/support/events", live.base))
        .bearer_auth(&olena)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // The first event is the current marker.
    let first = String::from_utf8(res.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(first.contains("event: change"), "{first}");
    e.bot.say("Ви тут?").await;
    let next = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            let chunk = res.chunk().await.unwrap().unwrap();
            let text = String::from_utf8(chunk.to_vec()).unwrap();
            if text.contains("event: change") {
                return text;
            }
        }
    })
    .await
    .expect("a change event after the user's message");
    assert_ne!(first, next);
    // The operator loses the bot: the stream ends.
    live.store
        .update_account(
            "olena",
            control_panel::Role::Operator,
            &["other".into()],
            false,
        )
        .await
        .unwrap();
    let end = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while let Some(_chunk) = res.chunk().await.unwrap() {}
    })
    .await;
    assert!(
        end.is_ok(),
        "the stream went on after the bot was taken away"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_hours_the_user_is_told_when_operators_work() {
    // Sunday 13 December 2026, 12:00 UTC.
    let sunday = Utc.with_ymd_and_hms(2026, 12, 13, 12, 0, 0).unwrap();
    let live = start(sunday).await;
    live.backend
        .set_support_hours(
            "ergo",
            &SupportHoursSettings {
                hours: "Mon-Fri 09:00-18:00".into(),
                tz: "+02:00".into(),
                out_of_hours_text: None,
            },
        )
        .await
        .unwrap();
    let e = &live.ergo;
    log_in(e).await;
    let n = e.bot.texts().len();
    e.bot.press("💬 Підтримка").await;
    let said = e.bot.since(n);
    assert!(said.contains("Зараз оператори не працюють"), "{said}");
    assert!(said.contains("Пн–Пт 09:00–18:00 (UTC+02:00)"), "{said}");
    assert!(said.contains("пн 14.12 09:00"), "{said}");
    // ERGO: the question goes to the programme as before.
    e.bot.say("Коли нарахують бонуси?").await;
    let questions = e.sandbox.questions();
    assert_eq!(questions.len(), 1);
    assert!(format!("{questions:?}").contains("Коли нарахують бонуси?"));
    assert!(
        live.backend
            .support_dialogues("ergo")
            .await
            .unwrap()
            .is_empty()
    );

    // Monday 10:00 local: an operator can be reached.
    e.clock.set(sunday + Duration::hours(20));
    e.bot.press("💬 Підтримка").await;
    assert!(
        e.bot.last().contains("на зв'язку з оператором"),
        "{}",
        e.bot.last()
    );
    assert_eq!(
        live.backend.support_dialogues("ergo").await.unwrap().len(),
        1
    );
}

/// Two operators taking one dialogue at once, many times: exactly one wins each time; then
/// messages both ways through the same writes the bot and the panel commit.
async fn take_race(storage: &Storage, sfx: &str) {
    let key = ChatKey::new("telegram", format!("race-{sfx}"));
    let profile = Profile {
        user_id: Some("1".into()),
        first_name: Some("Olena".into()),
        last_name: None,
        username: None,
    };
    storage
        .touch_user(&key, &profile, "uk", Utc::now())
        .await
        .unwrap();
    for round in 0..5 {
        let id = loyalty_bot::storage::new_support_id();
        let open = Storage::open_dialogue_write(&id, &key, Utc::now());
        // The same transaction of writes the runtime commits with an update.
        storage
            .runtime_store()
            .enqueue_pushes(&format!("race-open:{id}"), &[], &[open])
            .await
            .unwrap();
        assert_eq!(
            storage.support_state(&key).await.unwrap().open_dialogue,
            Some(id.clone())
        );
        let before = storage.support_stamp().await.unwrap();
        let (s1, s2) = (storage.clone(), storage.clone());
        let (i1, i2) = (id.clone(), id.clone());
        let a =
            tokio::spawn(async move { s1.take_dialogue(&i1, "olena", false, Utc::now()).await });
        let b = tokio::spawn(async move { s2.take_dialogue(&i2, "ivan", false, Utc::now()).await });
        let (a, b) = (a.await.unwrap().unwrap(), b.await.unwrap().unwrap());
        assert!(a ^ b, "round {round}: olena {a}, ivan {b}");
        let d = storage.dialogue(&id).await.unwrap().unwrap();
        assert_eq!(
            d.operator.as_deref(),
            Some(if a { "olena" } else { "ivan" })
        );
        // Every change moves the panel's change marker, whatever the clock says.
        let taken = storage.support_stamp().await.unwrap();
        assert_ne!(before, taken);
        // The holder takes it again; a forced take moves it.
        let holder = d.operator.clone().unwrap();
        assert!(
            storage
                .take_dialogue(&id, &holder, false, Utc::now())
                .await
                .unwrap()
        );
        let at = Utc::now();
        assert!(storage.take_dialogue(&id, "boss", true, at).await.unwrap());
        let reassigned = storage.support_stamp().await.unwrap();
        assert!(storage.take_dialogue(&id, "olena", true, at).await.unwrap());
        assert_ne!(storage.support_stamp().await.unwrap(), reassigned);
        let paused = storage.support_stamp().await.unwrap();
        assert!(
            storage
                .set_support_paused(&key, round % 2 == 0)
                .await
                .unwrap()
        );
        assert_ne!(storage.support_stamp().await.unwrap(), paused);
        assert!(
            storage
                .close_dialogue(&id, "boss", Utc::now())
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            !storage
                .take_dialogue(&id, "boss", true, Utc::now())
                .await
                .unwrap()
        );
    }
    assert_eq!(storage.dialogues_of(&key).await.unwrap().len(), 5);

    // Messages both ways, as the bot and the panel write them, read back.
    let id = loyalty_bot::storage::new_support_id();
    let photo = NewPhoto {
        data: USER_PHOTO.to_vec(),
        mime: "image/jpeg".into(),
    };
    let mut writes = vec![Storage::open_dialogue_write(&id, &key, Utc::now())];
    writes.extend(Storage::user_message_writes(
        &loyalty_bot::storage::new_support_id(),
        &key,
        Some("питання"),
        None,
        Utc::now(),
    ));
    let photo_id = loyalty_bot::storage::new_support_id();
    writes.extend(Storage::user_message_writes(
        &photo_id,
        &key,
        None,
        Some(&photo),
        Utc::now(),
    ));
    storage
        .runtime_store()
        .enqueue_pushes(&format!("msgs:{id}"), &[], &writes)
        .await
        .unwrap();
    let reply = Storage::operator_message_writes(
        &loyalty_bot::storage::new_support_id(),
        &id,
        "olena",
        Some("відповідь"),
        None,
        Utc::now(),
    );
    storage
        .runtime_store()
        .enqueue_pushes(&format!("reply:{id}"), &[], &reply)
        .await
        .unwrap();
    let open = storage.open_dialogues().await.unwrap();
    let d = open.iter().find(|d| d.id == id).unwrap();
    assert_eq!(d.unread, 2);
    assert_eq!(d.user_name.as_deref(), Some("Olena"));
    let messages = storage.dialogue_messages(&id).await.unwrap();
    let bodies: Vec<_> = messages.iter().map(|m| m.body.as_deref()).collect();
    assert_eq!(bodies, [Some("питання"), None, Some("відповідь")]);
    assert_eq!(messages[1].photo_mime.as_deref(), Some("image/jpeg"));
    assert_eq!(messages[2].operator.as_deref(), Some("olena"));
    let (mime, bytes) = storage.support_photo(&photo_id).await.unwrap().unwrap();
    assert_eq!(
        (mime.as_str(), bytes.as_slice()),
        ("image/jpeg", USER_PHOTO)
    );
    storage.mark_dialogue_seen(&id).await.unwrap();
    assert_eq!(storage.dialogue(&id).await.unwrap().unwrap().unread, 0);
    // The user ends it.
    storage
        .runtime_store()
        .enqueue_pushes(
            &format!("end:{id}"),
            &[],
            &[Storage::user_close_write(&key, Utc::now())],
        )
        .await
        .unwrap();
    let d = storage.dialogue(&id).await.unwrap().unwrap();
    assert_eq!(d.closed_by.as_deref(), Some("user"));
    assert_eq!(storage.support_message_count(&key).await.unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_of_two_operators_takes_a_dialogue_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&url).await.unwrap();
    take_race(&storage, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_one_of_two_operators_takes_a_dialogue_on_postgres() {
    let Some(url) = common::pg::server("PostgreSQL live chat test") else {
        return;
    };
    let storage = Storage::connect(&url).await.unwrap();
    let sfx = loyalty_bot::storage::new_support_id();
    take_race(&storage, &sfx).await;
}

/// The reply form of a browser session: without the session's CSRF token it is refused, with
/// it the text goes out; a photo over 5 MB is refused with 413 and nothing is sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_need_the_csrf_token_and_are_size_limited() {
    use loyalty_core::ExposeSecret;
    let live = start(Utc::now()).await;
    let e = &live.ergo;
    log_in(e).await;
    e.bot.press("💬 Підтримка").await;
    e.bot.say("Питання").await;
    let id = live.backend.support_dialogues("ergo").await.unwrap()[0]
        .id
        .clone();
    let token = live
        .store
        .create_session("olena", Utc::now(), Duration::hours(1))
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
    let url = format!("{}/bots/ergo/support/d/{id}/send", live.base);
    let post = |form: reqwest::multipart::Form| {
        live.http
            .post(&url)
            .header("cookie", &cookie)
            .multipart(form)
            .send()
    };
    let form = reqwest::multipart::Form::new().text("text", "без токена");
    assert_eq!(post(form).await.unwrap().status(), 403);
    let wrong = reqwest::multipart::Form::new()
        .text("csrf", "0".repeat(64))
        .text("text", "чужий токен");
    assert_eq!(post(wrong).await.unwrap().status(), 403);
    let mut big = OPERATOR_PHOTO.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.clone())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(big).file_name("big.png"),
        );
    assert_eq!(post(form).await.unwrap().status(), 413);
    let ok = reqwest::multipart::Form::new()
        .text("csrf", csrf)
        .text("text", "Відповідь");
    let res = post(ok).await.unwrap();
    assert_eq!(res.status(), 303, "back to the dialogue");
    e.bot.runner.drain().await.unwrap();
    let texts = e.bot.texts();
    assert!(!texts.iter().any(|t| t.contains("токен")), "{texts:?}");
    assert_eq!(texts.last().unwrap(), "Відповідь");
    let d = live
        .backend
        .support_dialogue("ergo", &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.messages.len(), 2, "the question and the one reply");
}

/// A photo with a text longer than a caption may be arrives as the photo, then the text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_text_with_a_photo_follows_the_photo() {
    let live = start(Utc::now()).await;
    let e = &live.ergo;
    log_in(e).await;
    e.bot.press("💬 Підтримка").await;
    e.bot.say("Питання").await;
    let id = live.backend.support_dialogues("ergo").await.unwrap()[0]
        .id
        .clone();
    assert!(
        live.backend
            .support_take("ergo", &id, "olena", false)
            .await
            .unwrap()
    );
    let photo = || control_panel::SupportPhoto {
        data: OPERATOR_PHOTO.to_vec(),
        mime: "image/png".into(),
    };
    let n = e.bot.m.sent(USER).len();
    let long = "б".repeat(loyalty_bot::panel::CAPTION_MAX + 1);
    live.backend
        .support_send("ergo", &id, "olena", &long, Some(photo()))
        .await
        .unwrap();
    live.backend
        .support_send("ergo", &id, "olena", "коротко", Some(photo()))
        .await
        .unwrap();
    e.bot.runner.drain().await.unwrap();
    let sent = &e.bot.m.sent(USER)[n..];
    let shape: Vec<(bool, usize)> = sent
        .iter()
        .map(|r| (r.content.image.is_some(), r.text().chars().count()))
        .collect();
    assert_eq!(
        shape,
        [
            (true, 0),
            (false, loyalty_bot::panel::CAPTION_MAX + 1),
            (true, "коротко".chars().count())
        ]
    );
}

/// A programme without a support question of its own (BonusMoney) gains "Support" in its menu
/// with live chat: within the hours it opens a dialogue, out of them it tells the hours and
/// goes back to the menu.
#[tokio::test]
async fn other_programmes_get_support_in_the_menu() {
    use loyalty_core::{Phone, Region};
    let sandbox = Arc::new(
        loyalty_bonusmoney::BonusMoneySandbox::start()
            .await
            .unwrap(),
    );
    let client = sandbox.client().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let sb = sandbox.clone();
    let peek: loyalty_bot::engine::CodePeek = Arc::new(move |p| sb.last_code(p));
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 12, 13, 12, 0, 0).unwrap(), // a Sunday
    ));
    let hours =
        loyalty_bot::support_hours::SupportHours::from_vars("Mon-Fri 09:00-18:00", "UTC").unwrap();
    let bot = common::bot_custom(
        loyalty_bot::engine::Programme::BonusMoney { client },
        peek,
        &db_url,
        dir,
        "+77777777777",
        |e| {
            e.with_live_chat()
                .with_support_hours(hours)
                .with_clock(clock.clone() as Arc<dyn Clock>)
        },
        |m| m,
    )
    .await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    let phone = Phone::parse(common::CUSTOMER, Region::RU).unwrap();
    bot.say(&sandbox.last_code(&phone).unwrap()).await;
    assert_eq!(bot.last(), "Головне меню:");
    // Out of hours: the hours, then the menu again.
    bot.press("💬 Підтримка").await;
    let texts = bot.texts();
    let n = texts.len();
    assert!(
        texts[n - 2].contains("Пн–Пт 09:00–18:00"),
        "{}",
        texts[n - 2]
    );
    assert_eq!(texts[n - 1], "Головне меню:");
    // Monday 10:00: a dialogue.
    clock.set(Utc.with_ymd_and_hms(2026, 12, 14, 10, 0, 0).unwrap());
    bot.press("💬 Підтримка").await;
    assert!(
        bot.last().contains("на зв'язку з оператором"),
        "{}",
        bot.last()
    );
    bot.say("Де мій кешбек?").await;
    let state = bot.storage.support_state(&chat()).await.unwrap();
    let id = state.open_dialogue.unwrap();
    let messages = bot.storage.dialogue_messages(&id).await.unwrap();
    assert_eq!(messages[0].body.as_deref(), Some("Де мій кешбек?"));
}
