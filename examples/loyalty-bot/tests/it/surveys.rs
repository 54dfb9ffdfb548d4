//! Surveys (issue 19) end to end: an administrator builds a survey through the control panel's
//! API (the bot's real `BotPanel`), sends it (the invitation goes out as runtime broadcasts,
//! delivered by the bot's broadcast sender), two users of the in-memory messenger answer it
//! (closed and open questions, a picture, skip, a typed answer to a closed question, a stale
//! button, a second "Start"), the bot restarts in the middle of the survey and goes on at the
//! same question; then the results and the Excel export read back cell by cell. Also: the
//! panel's roles, CSRF and bad input.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common;

use chrono::Utc;
use common::live::{Live, live_bot, start};
use common::surveys::{OTHER, add_question, cells, coffee_survey, deliver};
use common::{Bot, Ergo, USER, log_in};
use loyalty_bot::storage::SurveySend;
use messenger_core::{ButtonPress, MessengerKind, Update, UpdateKind};
use messenger_runtime::{BroadcastState, NewBroadcast, Reply};

/// Feeds `user`'s update with a key the restarted in-memory messenger has not used.
async fn feed_as(bot: &Bot, user: i64, key: &str, kind: UpdateKind) {
    let m = &bot.m;
    let u = Update::new(MessengerKind::InMemory, key.to_owned(), kind)
        .with_chat(m.chat(user))
        .with_from(m.user(user))
        .with_date(Utc::now());
    bot.feed(u).await;
}

async fn press_as(bot: &Bot, user: i64, label: &str) {
    let u = bot.m.press(user, label).unwrap();
    bot.feed(u).await;
}

async fn say_as(bot: &Bot, user: i64, text: &str) {
    let u = bot.m.user_says(user, text);
    bot.feed(u).await;
}

fn last_of(bot: &Bot, user: i64) -> String {
    bot.m.last_sent(user).map(|r| r.text()).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_is_sent_answered_resumed_after_a_restart_counted_and_exported() {
    let live = start(Utc::now()).await;
    let boss = live.token("boss").await;
    let e = &live.ergo;
    log_in(e).await;
    say_as(&e.bot, OTHER, "/start").await;
    let id = coffee_survey(&live, &boss).await;

    // Sent to every user: one broadcast (both speak Ukrainian), two recipients.
    let res = live
        .post(
            &boss,
            &format!("/bots/ergo/surveys/{id}/send"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let sent: serde_json::Value = res.json().await.unwrap();
    assert_eq!(sent["send"]["recipients"], 2, "{sent}");
    assert_eq!(
        sent["send"]["audience"]["messengers"],
        serde_json::json!([])
    );
    let broadcasts: Vec<String> =
        serde_json::from_value(sent["send"]["broadcasts"].clone()).unwrap();
    assert_eq!(broadcasts.len(), 1, "{broadcasts:?}");
    deliver(&e.bot, &broadcasts).await;
    for user in [USER, OTHER] {
        let invite = last_of(&e.bot, user);
        assert!(invite.contains("Кава в ERGO ☕"), "{invite}");
        assert!(invite.contains("запитань — 3"), "{invite}");
    }

    // The seller: a closed answer, an open one, then the picture question.
    press_as(&e.bot, USER, "▶️ Почати").await;
    assert!(last_of(&e.bot, USER).starts_with("Запитання 1 з 3\n☕ Яку каву"));
    press_as(&e.bot, USER, "Лате").await;
    assert!(last_of(&e.bot, USER).contains("Що нам покращити?"));
    assert!(last_of(&e.bot, USER).contains("Напишіть відповідь"));
    say_as(&e.bot, USER, "Більше десертів 🍰").await;
    let q3 = e.bot.m.last_sent(USER).unwrap();
    assert!(q3.text().starts_with("Запитання 3 з 3"), "{}", q3.text());
    let image = q3.content.image.as_ref().expect("the question's picture");
    assert!(format!("{image:?}").contains("image/png"), "{image:?}");

    // The other user: text to a closed question asks for a button; skip; start again.
    press_as(&e.bot, OTHER, "▶️ Почати").await;
    say_as(&e.bot, OTHER, "не знаю").await;
    let texts = e.bot.m.sent_texts(OTHER);
    assert!(
        texts[texts.len() - 2].contains("Оберіть, будь ласка"),
        "{texts:?}"
    );
    assert!(texts[texts.len() - 1].starts_with("Запитання 1 з 3"));
    press_as(&e.bot, OTHER, "Еспресо").await;
    press_as(&e.bot, OTHER, "⏭ Пропустити опитування").await;
    let texts = e.bot.m.sent_texts(OTHER);
    assert!(
        texts[texts.len() - 2].contains("опитування пропущено"),
        "{texts:?}"
    );
    // Not logged in: back to the phone request.
    assert!(e.bot.m.last_sent(OTHER).unwrap().content.keyboard.is_some());
    say_as(&e.bot, OTHER, "привіт").await;
    assert!(
        !last_of(&e.bot, OTHER).contains("Запитання"),
        "the survey is over"
    );
    // "Start" again goes on at the first unanswered question.
    press_as(&e.bot, OTHER, "▶️ Почати").await;
    assert!(last_of(&e.bot, OTHER).starts_with("Запитання 2 з 3"));
    say_as(&e.bot, OTHER, "Швидше обслуговування").await;
    assert!(last_of(&e.bot, OTHER).starts_with("Запитання 3 з 3"));

    // A restart while the seller is at question 3: the survey goes on there.
    let Live {
        ergo,
        backend,
        base,
        http,
        store,
    } = live;
    let Ergo {
        bot,
        sandbox,
        clock,
    } = ergo;
    let db_url = bot.db_url.clone();
    let dir = bot.dir;
    drop(bot.runner);
    let bot = live_bot(&sandbox, &db_url, clock.clone(), dir).await;
    let live = Live {
        ergo: Ergo {
            bot,
            sandbox,
            clock,
        },
        backend,
        base,
        http,
        store,
    };
    let bot = &live.ergo.bot;
    let press = |data: &str| UpdateKind::ButtonPress(ButtonPress::new(data));
    // A typed text is read as the answer to question 3 (a closed one): asked again.
    feed_as(bot, USER, "r1", UpdateKind::from_text("а?", None)).await;
    assert!(
        last_of(bot, USER).starts_with("Запитання 3 з 3"),
        "{}",
        last_of(bot, USER)
    );
    feed_as(bot, USER, "r2", press(&format!("sa:{id}:2:0"))).await;
    let texts = bot.m.sent_texts(USER);
    assert!(
        texts.iter().any(|t| t.contains("Дякуємо за відповіді")),
        "{texts:?}"
    );
    assert!(
        last_of(bot, USER).contains("Головне меню"),
        "{}",
        last_of(bot, USER)
    );
    // A second "Start" and a stale button change nothing.
    feed_as(bot, USER, "r3", press(&format!("sv:{id}"))).await;
    assert!(
        last_of(bot, USER).contains("Ви вже відповіли"),
        "{}",
        last_of(bot, USER)
    );
    feed_as(bot, USER, "r4", press(&format!("sa:{id}:0:0"))).await;
    assert!(
        last_of(bot, USER).contains("вже неактуальне"),
        "{}",
        last_of(bot, USER)
    );
    feed_as(bot, USER, "r5", press(&format!("sa:{id}:2:1"))).await;
    // The other user skips question 3 (after the restart, by the button's data).
    feed_as(bot, OTHER, "r6", press(&format!("sx:{id}"))).await;
    assert!(
        bot.m
            .sent_texts(OTHER)
            .iter()
            .any(|t| t.contains("опитування пропущено"))
    );

    // Answers per user and messenger: the first answer stands.
    let answers = bot.storage.survey_answers(id).await.unwrap();
    let got: Vec<(String, u32, Option<u32>, String)> = answers
        .iter()
        .map(|a| (a.key.chat_id.clone(), a.position, a.option, a.text.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("7".into(), 0, Some(1), "Лате".into()),
            ("7".into(), 1, None, "Більше десертів 🍰".into()),
            ("7".into(), 2, Some(0), "👍 Смачно".into()),
            ("8".into(), 0, Some(0), "Еспресо".into()),
            ("8".into(), 1, None, "Швидше обслуговування".into()),
        ]
    );
    assert!(answers.iter().all(|a| a.key.messenger == "in_memory"));

    // The results: counts per option, the open answers.
    let r = live
        .json(&boss, &format!("/bots/ergo/surveys/{id}/results"))
        .await;
    let r = &r["results"];
    assert_eq!(r["respondents"], 2);
    let counts = |q: usize| -> Vec<u64> {
        r["questions"][q]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["count"].as_u64().unwrap())
            .collect()
    };
    assert_eq!(counts(0), [1, 1, 0]);
    assert_eq!(counts(2), [1, 0]);
    assert_eq!(r["questions"][1]["answered"], 2);
    let open: Vec<&str> = r["questions"][1]["open_answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["text"].as_str().unwrap())
        .collect();
    assert_eq!(open, ["Більше десертів 🍰", "Швидше обслуговування"]);

    // The Excel export, cell by cell: the seller answered first.
    let res = live
        .get(&boss, &format!("/bots/ergo/surveys/{id}/answers.xlsx"))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("survey-ergo-{id}.xlsx"))
    );
    let rows = cells(&res.bytes().await.unwrap());
    assert_eq!(
        rows,
        vec![
            vec![
                "Месенджер",
                "ID користувача",
                "Телефон",
                "Ім'я",
                "1. ☕ Яку каву ви п'єте?",
                "2. Що нам покращити?",
                "3. 🧁 Як вам наш десерт?",
            ],
            vec![
                "in_memory",
                "7",
                "+380889993366",
                "User 7",
                "Лате",
                "Більше десертів 🍰",
                "👍 Смачно",
            ],
            vec![
                "in_memory",
                "8",
                "",
                "User 8",
                "Еспресо",
                "Швидше обслуговування",
                ""
            ],
        ]
    );

    // Sent, the survey is locked.
    let res = add_question(&live, &boss, id, "Ще?", "open", "", None).await;
    assert_eq!(res.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panel_routes_check_roles_csrf_and_input() {
    use loyalty_core::ExposeSecret;
    let live = start(Utc::now()).await;
    let (boss, olena, stranger) = (
        live.token("boss").await,
        live.token("olena").await,
        live.token("stranger").await,
    );
    say_as(&live.ergo.bot, USER, "/start").await;
    let list = "/bots/ergo/surveys";
    // The bot's operators and administrators read and write; another bot's operator sees
    // nothing; only administrators delete.
    assert_eq!(live.get(&olena, list).await.status(), 200);
    assert_eq!(live.get(&stranger, list).await.status(), 403);
    let title = serde_json::json!({"title": "Опитування"});
    assert_eq!(
        live.post(&stranger, list, title.clone()).await.status(),
        403
    );
    assert_eq!(
        live.post(&olena, list, serde_json::json!({"title": "  "}))
            .await
            .status(),
        400
    );
    let res = live.post(&olena, list, title).await;
    assert_eq!(res.status(), 200);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        live.get(&olena, &format!("{list}/{id}")).await.status(),
        200
    );
    assert_eq!(
        live.get(&stranger, &format!("{list}/{id}")).await.status(),
        403
    );
    assert_eq!(live.get(&olena, &format!("{list}/999")).await.status(), 404);
    let q = format!("{list}/{id}/questions");
    assert_eq!(
        add_question(&live, &stranger, id, "Так?", "closed", "Так\nНі", None)
            .await
            .status(),
        403
    );
    // Bad questions: one option, repeated options, an unknown kind, no text, not a picture.
    for (text, kind, options, status) in [
        ("Так?", "closed", "Так", 422),
        ("Так?", "closed", "Так\nТак", 422),
        ("Так?", "multi", "Так\nНі", 400),
        (" ", "open", "", 422),
    ] {
        let res = add_question(&live, &boss, id, text, kind, options, None).await;
        assert_eq!(res.status(), status, "{text} {kind} {options}");
    }
    let res = add_question(&live, &boss, id, "Так?", "open", "", Some(b"GIF-not")).await;
    assert_eq!(res.status(), 415);
    for text in ["Перше?", "Друге?", "Третє?"] {
        let res = add_question(&live, &boss, id, text, "open", "", None).await;
        assert_eq!(res.status(), 200);
    }
    // Reorder and remove, as JSON; a bad op or number is refused.
    let op = |op: &str, n: i64| serde_json::json!({"op": op, "n": n});
    assert_eq!(live.post(&boss, &q, op("down", 0)).await.status(), 200);
    assert_eq!(live.post(&boss, &q, op("remove", 2)).await.status(), 200);
    assert_eq!(live.post(&boss, &q, op("up", 1)).await.status(), 200);
    assert_eq!(live.post(&boss, &q, op("remove", 7)).await.status(), 400);
    assert_eq!(live.post(&boss, &q, op("shuffle", 0)).await.status(), 400);
    let sv = live.json(&olena, &format!("{list}/{id}")).await;
    let texts: Vec<&str> = sv["survey"]["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Перше?", "Друге?"]);
    // An edit keeps the question's place.
    let edit = serde_json::json!({"op": "update", "n": 1, "text": "Друге, змінене?", "kind": "closed", "options": ["А", "Б"]});
    assert_eq!(live.post(&boss, &q, edit).await.status(), 200);
    let sv = live.json(&olena, &format!("{list}/{id}")).await;
    assert_eq!(
        sv["survey"]["questions"][1]["options"],
        serde_json::json!(["А", "Б"])
    );
    // Sending: not by another bot's operator.
    let send = format!("{list}/{id}/send");
    assert_eq!(
        live.post(&stranger, &send, serde_json::json!({}))
            .await
            .status(),
        403
    );
    // The segment form's fields: a messenger the bot lacks, a malformed day, and a segment
    // that reaches nobody (every user speaks Ukrainian) are refused.
    let segment = |extra: serde_json::Value| {
        let mut body = serde_json::json!({"aud_scope": "segment"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    for bad in [
        segment(serde_json::json!({"aud_messenger": ["telegram"]})),
        segment(serde_json::json!({"aud_first_from": "31.12.2026"})),
        segment(serde_json::json!({"aud_language": ["ru"]})),
    ] {
        assert_eq!(
            live.post(&boss, &send, bad.clone()).await.status(),
            400,
            "{bad}"
        );
    }
    assert_eq!(
        live.json(&boss, &format!("{list}/{id}")).await["survey"]["sends"],
        serde_json::json!([]),
        "nothing was sent"
    );
    let ok = segment(serde_json::json!({"aud_messenger": ["in_memory"], "aud_language": ["uk"]}));
    let res = live.post(&olena, &send, ok).await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        body["send"]["audience"]["messengers"],
        serde_json::json!(["in_memory"])
    );
    assert_eq!(
        body["send"]["audience"]["languages"],
        serde_json::json!(["uk"])
    );
    assert_eq!(body["send"]["recipients"], 1);
    // Sent: questions and title are locked.
    assert_eq!(live.post(&boss, &q, op("remove", 0)).await.status(), 409);
    let rename = serde_json::json!({"title": "Нова назва"});
    assert_eq!(
        live.post(&boss, &format!("{list}/{id}/title"), rename)
            .await
            .status(),
        409
    );

    // A browser session must send the CSRF token, with a form or an upload.
    let token = live
        .store
        .create_session("boss", Utc::now(), chrono::Duration::hours(1))
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
    let url = format!("{}{list}", live.base);
    let post = |form: Vec<(&'static str, String)>| {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        live.http
            .post(&url)
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    assert_eq!(
        post(vec![("title", "Без токена".into())])
            .await
            .unwrap()
            .status(),
        403
    );
    let res = post(vec![("title", "З токеном".into()), ("csrf", csrf.clone())])
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let created = res.headers()["location"].to_str().unwrap().to_owned();
    let upload = reqwest::multipart::Form::new()
        .text("op", "add")
        .text("text", "Без токена?")
        .text("kind", "open");
    let res = live
        .http
        .post(format!("{}{created}/questions", live.base))
        .header("cookie", &cookie)
        .multipart(upload)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The HTML pages render for the session.
    for path in [
        list.to_owned(),
        created.clone(),
        format!("{created}/results"),
    ] {
        let res = live
            .http
            .get(format!("{}{path}", live.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
    }
    // Deleting, then it is gone, and its invitations still going out are cancelled; who did
    // what is in the audit log.
    let storage = &live.ergo.bot.storage;
    let invitations: Vec<String> = storage
        .survey_sends(id)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|s| s.broadcasts)
        .collect();
    assert_eq!(invitations.len(), 1, "{invitations:?}");
    let state = async |b: &str| {
        let info = storage.runtime_store().broadcast(b).await.unwrap().unwrap();
        info.state
    };
    assert_eq!(state(&invitations[0]).await, BroadcastState::Active);
    let del = format!("{list}/{id}/delete");
    assert_eq!(
        live.post(&olena, &del, serde_json::json!({}))
            .await
            .status(),
        403
    );
    assert_eq!(
        live.post(&boss, &del, serde_json::json!({})).await.status(),
        200
    );
    assert_eq!(live.get(&boss, &format!("{list}/{id}")).await.status(), 404);
    assert_eq!(state(&invitations[0]).await, BroadcastState::Cancelled);
    let audit = live.json(&boss, "/audit").await.to_string();
    for action in [
        "survey.create",
        "survey.questions",
        "survey.send",
        "survey.delete",
    ] {
        assert!(audit.contains(action), "{action} in {audit}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_user_is_invited_and_asked_in_their_own_language() {
    let live = start(Utc::now()).await;
    let boss = live.token("boss").await;
    let bot = &live.ergo.bot;
    say_as(bot, USER, "/start").await;
    say_as(bot, OTHER, "/start").await;
    // The other user switches to Russian.
    say_as(bot, OTHER, "/lang").await;
    let id = coffee_survey(&live, &boss).await;
    let res = live
        .post(
            &boss,
            &format!("/bots/ergo/surveys/{id}/send"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let sent: serde_json::Value = res.json().await.unwrap();
    let broadcasts: Vec<String> =
        serde_json::from_value(sent["send"]["broadcasts"].clone()).unwrap();
    assert_eq!(broadcasts.len(), 2, "one per language: {broadcasts:?}");
    assert!(broadcasts[0].ends_with("-uk") && broadcasts[1].ends_with("-ru"));
    deliver(bot, &broadcasts).await;
    assert!(
        last_of(bot, USER).contains("запитань — 3"),
        "{}",
        last_of(bot, USER)
    );
    assert!(
        last_of(bot, OTHER).contains("вопросов — 3"),
        "{}",
        last_of(bot, OTHER)
    );
    press_as(bot, OTHER, "▶️ Начать").await;
    assert!(
        last_of(bot, OTHER).starts_with("Вопрос 1 из 3"),
        "{}",
        last_of(bot, OTHER)
    );
    press_as(bot, OTHER, "⏭ Пропустить опрос").await;
    assert!(
        bot.m
            .sent_texts(OTHER)
            .iter()
            .any(|t| t.contains("опрос пропущен"))
    );
    // Nobody answered: the results are empty, the export has its header only.
    let r = live
        .json(&boss, &format!("/bots/ergo/surveys/{id}/results"))
        .await;
    assert_eq!(r["results"]["respondents"], 0);
    let res = live
        .get(&boss, &format!("/bots/ergo/surveys/{id}/answers.xlsx"))
        .await;
    assert_eq!(cells(&res.bytes().await.unwrap()).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_send_is_finished_by_the_next_send_and_invites_nobody_twice() {
    let live = start(Utc::now()).await;
    let boss = live.token("boss").await;
    let bot = &live.ergo.bot;
    say_as(bot, USER, "/start").await;
    say_as(bot, OTHER, "/start").await;
    say_as(bot, OTHER, "/lang").await;
    let id = coffee_survey(&live, &boss).await;
    // A send recorded whose Ukrainian invitation was queued and whose Russian one was not (the
    // database failed between the two).
    let (uk, ru) = (format!("survey-{id}-cut-uk"), format!("survey-{id}-cut-ru"));
    let store = bot.storage.runtime_store();
    store
        .create_broadcast(&NewBroadcast::new(
            uk.clone(),
            Reply::new("invitation"),
            vec![bot.m.chat(USER)],
        ))
        .await
        .unwrap();
    bot.storage
        .record_survey_send(&SurveySend {
            id: "cut".into(),
            survey_id: id,
            audience: "{}".into(),
            broadcasts: vec![uk.clone(), ru.clone()],
            recipients: 2,
            sent_at: Utc::now(),
            sent_by: "boss".into(),
        })
        .await
        .unwrap();
    // "Send" again: the interrupted send is finished, not a second one started.
    let res = live
        .post(
            &boss,
            &format!("/bots/ergo/surveys/{id}/send"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let sent: serde_json::Value = res.json().await.unwrap();
    assert_eq!(sent["send"]["id"], "cut");
    let sends = bot.storage.survey_sends(id).await.unwrap();
    assert_eq!(sends.len(), 1, "{sends:?}");
    let ru_info = store.broadcast(&ru).await.unwrap().expect("queued now");
    assert_eq!(ru_info.totals().total(), 1);
    assert_eq!(
        store
            .broadcast(&uk)
            .await
            .unwrap()
            .unwrap()
            .totals()
            .total(),
        1
    );
    deliver(bot, &[uk, ru]).await;
    assert!(
        last_of(bot, OTHER).contains("вопросов — 3"),
        "{}",
        last_of(bot, OTHER)
    );
    assert_eq!(
        bot.m
            .sent_texts(USER)
            .iter()
            .filter(|t| *t == "invitation")
            .count(),
        1
    );
    // Nothing is left unfinished: the next send is a new one.
    let res = live
        .post(
            &boss,
            &format!("/bots/ergo/surveys/{id}/send"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(bot.storage.survey_sends(id).await.unwrap().len(), 2);
}
