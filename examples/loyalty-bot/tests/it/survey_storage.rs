//! Survey storage against SQLite (always) and PostgreSQL (`LOYALTY_BOT_TEST_POSTGRES_URL`;
//! required in CI): questions in order with pictures kept across a reorder, answers per user
//! and messenger with the first answer winning, the lock once sent, deletion.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common::pg;

use chrono::Utc;
use loyalty_bot::storage::{
    ChatKey, NewPhoto, Profile, QuestionDraft, QuestionImage, QuestionKind, SaveOutcome, Storage,
    SurveySend,
};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nsurvey-picture";

fn closed(text: &str, options: &[&str], image: QuestionImage) -> QuestionDraft {
    QuestionDraft {
        text: text.into(),
        kind: QuestionKind::Closed,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        image,
    }
}

fn open(text: &str) -> QuestionDraft {
    QuestionDraft {
        text: text.into(),
        kind: QuestionKind::Open,
        // Ignored for an open question.
        options: vec!["x".into()],
        image: QuestionImage::None,
    }
}

async fn exercise(storage: &Storage) {
    let t = Utc::now();
    // The same chat id on two messengers: two different users.
    let tg = ChatKey::new("telegram", "100");
    let vb = ChatKey::new("viber", "100");
    for (key, first) in [(&tg, "Олена"), (&vb, "Іван")] {
        let profile = Profile {
            first_name: Some(first.into()),
            last_name: Some("Коваль".into()),
            ..Profile::default()
        };
        storage.touch_user(key, &profile, "uk", t).await.unwrap();
    }
    let id = storage.create_survey("Кава", t).await.unwrap();
    assert_eq!(storage.create_survey("Друге", t).await.unwrap(), id + 1);
    let picture = QuestionImage::New(NewPhoto {
        data: PNG.to_vec(),
        mime: "image/png".into(),
    });
    let first = [
        closed("☕ Яку каву?", &["Еспресо", "Лате"], picture),
        open("Що покращити?"),
    ];
    assert_eq!(
        storage.save_survey(id, "Кава ☕", &first, t).await.unwrap(),
        SaveOutcome::Saved
    );
    assert_eq!(
        storage.save_survey(999, "Нема", &first, t).await.unwrap(),
        SaveOutcome::NotFound
    );
    let s = storage.survey(id).await.unwrap().unwrap();
    assert_eq!(s.title, "Кава ☕");
    assert_eq!(s.questions.len(), 2);
    assert_eq!(s.questions[0].options, ["Еспресо", "Лате"]);
    assert_eq!(s.questions[0].image_mime.as_deref(), Some("image/png"));
    assert!(s.questions[1].options.is_empty());
    assert_eq!(s.sends, 0);
    // Reordered: the picture moves with its question.
    let swapped = [
        open("Що покращити?"),
        closed("☕ Яку каву?", &["Еспресо", "Лате"], QuestionImage::Keep(0)),
    ];
    storage
        .save_survey(id, "Кава ☕", &swapped, t)
        .await
        .unwrap();
    assert_eq!(storage.survey_image(id, 0).await.unwrap(), None);
    assert_eq!(
        storage.survey_image(id, 1).await.unwrap(),
        Some(("image/png".to_owned(), PNG.to_vec()))
    );
    assert_eq!(
        storage
            .surveys()
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        [id + 1, id]
    );

    // Answers, committed as the bot commits them: the first answer to a question wins.
    let w = |key: &ChatKey, q: u32, o: Option<u32>, text: &str| {
        Storage::survey_answer_write(id, key, q, o, text, t)
    };
    let writes = [
        w(&tg, 1, Some(1), "Лате"),
        w(&tg, 1, Some(0), "Еспресо"),
        w(&vb, 1, Some(0), "Еспресо"),
        w(&vb, 0, None, "Тихіше музику"),
    ];
    let store = storage.runtime_store();
    assert!(
        store
            .enqueue_pushes("answers-1", &[], &writes)
            .await
            .unwrap()
    );
    let again = [w(&tg, 1, Some(0), "Еспресо")];
    assert!(
        store
            .enqueue_pushes("answers-2", &[], &again)
            .await
            .unwrap()
    );
    assert_eq!(storage.answered_questions(id, &tg).await.unwrap(), [1]);
    assert_eq!(storage.answered_questions(id, &vb).await.unwrap(), [0, 1]);
    let got: Vec<(String, u32, Option<u32>, String)> = storage
        .survey_answers(id)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.key.messenger, a.position, a.option, a.text))
        .collect();
    assert_eq!(
        got,
        vec![
            ("telegram".into(), 1, Some(1), "Лате".into()),
            ("viber".into(), 0, None, "Тихіше музику".into()),
            ("viber".into(), 1, Some(0), "Еспресо".into()),
        ]
    );
    let people = storage.survey_respondents(id).await.unwrap();
    let names: Vec<(String, Option<String>)> = people
        .into_iter()
        .map(|p| (p.key.messenger, p.name))
        .collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&("telegram".into(), Some("Олена Коваль".into()))));
    assert!(names.contains(&("viber".into(), Some("Іван Коваль".into()))));

    // Sent: locked.
    let send = SurveySend {
        id: "send-1".into(),
        survey_id: id,
        audience: "all users".into(),
        broadcasts: vec!["survey-1-uk".into()],
        recipients: 2,
        sent_at: t,
        sent_by: "boss".into(),
    };
    storage.record_survey_send(&send).await.unwrap();
    let sends = storage.survey_sends(id).await.unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].broadcasts, ["survey-1-uk"]);
    assert_eq!(sends[0].recipients, 2);
    assert_eq!(
        storage.save_survey(id, "Інша", &first, t).await.unwrap(),
        SaveOutcome::Locked
    );
    assert_eq!(storage.survey(id).await.unwrap().unwrap().sends, 1);

    // Deleted with everything of it.
    assert!(storage.delete_survey(id).await.unwrap());
    assert!(!storage.delete_survey(id).await.unwrap());
    assert_eq!(storage.survey(id).await.unwrap(), None);
    assert!(storage.survey_answers(id).await.unwrap().is_empty());
    assert!(storage.survey_sends(id).await.unwrap().is_empty());

    // A deleted survey's id is never given again, not even when it was the newest.
    let newest = storage.create_survey("Третє", t).await.unwrap();
    assert_eq!(newest, id + 2);
    assert!(storage.delete_survey(newest).await.unwrap());
    assert_eq!(storage.create_survey("Четверте", t).await.unwrap(), id + 3);
}

#[tokio::test]
async fn surveys_and_answers_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&url).await.unwrap();
    exercise(&storage).await;
}

#[tokio::test]
async fn surveys_and_answers_on_postgres() {
    let Some(url) = pg::server("PostgreSQL survey storage test") else {
        return;
    };
    let db = pg::FreshDb::create(&url, "bot_surveys").await;
    let storage = Storage::connect(&db.url).await.unwrap();
    exercise(&storage).await;
    drop(storage);
    db.drop_now().await;
}
