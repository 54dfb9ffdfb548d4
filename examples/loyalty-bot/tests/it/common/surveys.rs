//! Survey helpers shared by `tests/it/surveys.rs` and `tests/it/survey_browser.rs`: delivering the
//! invitation broadcasts, adding questions through the panel's API, reading an export back.

use std::time::Duration;

use calamine::Reader as _;
use messenger_runtime::BroadcastState;

use super::Bot;
use super::live::{Live, OPERATOR_PHOTO};

/// A second user of the bot (not logged in to the programme).
pub const OTHER: i64 = 8;

/// Runs the bot's broadcast sender until every broadcast of `ids` is done.
pub async fn deliver(bot: &Bot, ids: &[String]) {
    let store = bot.runner.runtime().store().clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let runner = bot.runner.clone();
    let sender = tokio::spawn(async move {
        let mut stopped = stopped;
        runner
            .run_broadcasts(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await;
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    for id in ids {
        loop {
            let info = store.broadcast(id).await.unwrap().unwrap();
            if info.state == BroadcastState::Done {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "{info:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    stop.send(true).unwrap();
    sender.await.unwrap();
}

/// Adds a question through the panel's API (multipart, with an optional picture).
pub async fn add_question(
    live: &Live,
    token: &str,
    survey: i64,
    text: &str,
    kind: &str,
    options: &str,
    photo: Option<&[u8]>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("op", "add")
        .text("text", text.to_owned())
        .text("kind", kind.to_owned())
        .text("options", options.to_owned());
    if let Some(p) = photo {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(p.to_vec()).file_name("q.png"),
        );
    }
    live.http
        .post(format!(
            "{}/api/v1/bots/ergo/surveys/{survey}/questions",
            live.base
        ))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Creates the coffee survey (its id): a closed question, an open one, a closed one with a picture.
pub async fn coffee_survey(live: &Live, boss: &str) -> i64 {
    let res = live
        .post(
            boss,
            "/bots/ergo/surveys",
            serde_json::json!({"title": "Кава в ERGO ☕"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    for (text, kind, options, photo) in [
        (
            "☕ Яку каву ви п'єте?",
            "closed",
            "Еспресо\nЛате\nКапучино",
            None,
        ),
        ("Що нам покращити?", "open", "", None),
        (
            "🧁 Як вам наш десерт?",
            "closed",
            "👍 Смачно\n👎 Не дуже",
            Some(OPERATOR_PHOTO),
        ),
    ] {
        let res = add_question(live, boss, id, text, kind, options, photo).await;
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    id
}

pub fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range("Answers").unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| match c {
                    calamine::Data::Empty => String::new(),
                    calamine::Data::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}
