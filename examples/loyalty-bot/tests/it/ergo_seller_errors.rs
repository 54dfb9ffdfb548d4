//! Every `PostSN`/`PostSNModel` error the ERGO sandbox can produce, end to end: the bot's own
//! words (never ERGO's comment) and the next step seed 004 names (support, a new registration,
//! or the full registration); a registration whose outcome is unknown offers the history. The
//! exact texts of every documented code are checked in `src/engine/ergo_errors.rs`.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::sellers::*;
use common::*;
use loyalty_bot::engine::{Engine, Programme};
use loyalty_bot::runner::Runner;
use loyalty_bot::storage::Storage;
use loyalty_bot::texts::{Lang, Texts};
use loyalty_ergo::ActionsCache;
use messenger_core::InMemoryMessenger;

const SUPPORT_NEW: [&str; 3] = ["🔁 Нова реєстрація", "💬 Підтримка", "⬅️ Назад"];
const SUPPORT_FULL: [&str; 3] = ["📋 Повна реєстрація", "💬 Підтримка", "⬅️ Назад"];

fn rows(labels: [&str; 3]) -> Vec<Vec<String>> {
    labels.iter().map(|l| vec![(*l).to_owned()]).collect()
}

#[tokio::test]
async fn quick_registration_errors_in_the_bots_words_with_the_next_step() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("⚡ Швидка реєстрація").await;
    e.bot.say("LED0001").await;
    let cases: [(&str, &str, [&str; 3]); 5] = [
        // 16, "уже зарегистрирован"
        (
            "LED0001",
            "❌ Серійний номер LED0001 уже зареєстровано. Якщо ви його не реєстрували, напишіть у підтримку; інший товар — нова реєстрація.",
            SUPPORT_NEW,
        ),
        // 16, "не принимает участия в акции"
        (
            "ZZZ9999",
            "❌ Товар із серійним номером ZZZ9999 не бере участі в акції. Перевірте номер і зробіть нову реєстрацію або напишіть у підтримку.",
            SUPPORT_NEW,
        ),
        // 16, "incorrect sn"
        (
            "ab!",
            "❌ Серійний номер ab! некоректний. Перевірте його й зробіть нову реєстрацію або напишіть у підтримку.",
            SUPPORT_NEW,
        ),
        // 13: the only action of the serial is over
        (
            "OLD0001",
            "❌ Товар із серійним номером OLD0001 не бере участі в акції. Перевірте номер і зробіть нову реєстрацію або напишіть у підтримку.",
            SUPPORT_NEW,
        ),
        // 17
        (
            "MULTI001",
            "❌ Товар із серійним номером MULTI001 бере участь у кількох акціях. Пройдіть повну реєстрацію й оберіть акцію або напишіть у підтримку.",
            SUPPORT_FULL,
        ),
    ];
    for (serial, text, kb) in cases {
        e.bot.say(serial).await;
        assert_eq!(e.bot.last(), text, "{serial}");
        assert_eq!(keyboard(&e), rows(kb), "{serial}");
        if kb == SUPPORT_NEW {
            e.bot.press("🔁 Нова реєстрація").await;
            assert_eq!(
                e.bot.last(),
                "Введіть серійний номер товару або надішліть фото штрих-коду:"
            );
        }
    }
    // After "several actions" the full registration is offered.
    e.bot.press("📋 Повна реєстрація").await;
    assert_eq!(e.bot.last(), "Оберіть акцію:");

    switch_to_russian(&e).await;
    e.bot.press("⚡ Быстрая регистрация").await;
    e.bot.say("LED0001").await;
    assert_eq!(
        e.bot.last(),
        "❌ Серийный номер LED0001 уже зарегистрирован. Если вы его не регистрировали, напишите в поддержку; другой товар — новая регистрация."
    );
    assert_eq!(
        keyboard(&e),
        rows(["🔁 Новая регистрация", "💬 Поддержка", "⬅️ Назад"])
    );
}

#[tokio::test]
async fn full_registration_errors_in_the_bots_words_with_the_next_step() {
    let e = ergo_bot().await;
    log_in(&e).await;
    // 12: the action is over.
    e.bot.press("📋 Повна реєстрація").await;
    e.bot.press("Ergo ТВ серпень (завершена)").await;
    e.bot.press("65CU6565MC (+25)").await;
    e.bot.say("OLD0001").await;
    assert_eq!(
        e.bot.last(),
        "❌ Акція, за якою ви реєструєте модель, уже закінчилася. Оберіть іншу акцію або напишіть у підтримку."
    );
    assert_eq!(keyboard(&e), rows(SUPPORT_FULL));

    // 11: an action ERGO does not know (a button of an old message).
    e.bot.press("📋 Повна реєстрація").await;
    e.bot.press("Тестова акція для мобільного застосунку").await;
    e.bot
        .feed(press_with(&e, "LED лампа Ergo (+100)", "mo:999:1511"))
        .await;
    e.bot.say("LED0002").await;
    assert_eq!(
        e.bot.last(),
        "❌ Такої акції немає. Оберіть акцію зі списку ще раз або напишіть у підтримку."
    );
    assert_eq!(keyboard(&e), rows(SUPPORT_FULL));

    // 14 about the trade point: one that is not the seller's.
    e.bot.press("📋 Повна реєстрація").await;
    e.bot.press("Тестова акція для мобільного застосунку").await;
    e.bot.press("LED лампа Ergo Standard (+150)").await;
    e.bot.say("STD0001").await;
    assert_eq!(e.bot.last(), "Оберіть торгову точку:");
    e.bot
        .feed(press_with(&e, "Фокстрот, Київ, вул. Хрещатик 1", "tt:999"))
        .await;
    assert_eq!(
        e.bot.last(),
        "❌ Торгову точку не вказано або вона не належить вам. Зробіть нову реєстрацію й оберіть свою торгову точку; якщо її немає у списку, напишіть у підтримку."
    );
    assert_eq!(keyboard(&e), rows(SUPPORT_NEW));
    // "New registration" asks for the serial of the same model again.
    e.bot.press("🔁 Нова реєстрація").await;
    e.bot.say("STD0001").await;
    e.bot.press("Фокстрот, Київ, вул. Хрещатик 1").await;
    assert_eq!(
        e.bot.last(),
        "✅ Зареєстровано: LED лампа Ergo Standard, +150\u{a0}балів."
    );
}

#[tokio::test]
async fn a_registration_of_unknown_outcome_offers_the_history() {
    use wiremock::matchers::{body_partial_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let answer = |m: &str, body: serde_json::Value| {
        let mut body = body;
        body["methodresponse"] = m.into();
        Mock::given(method("POST"))
            .and(path("/api/mobile/"))
            .and(body_partial_json(serde_json::json!({ "method": m })))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    answer("GetAuthCode", serde_json::json!({"result": 1}))
        .mount(&server)
        .await;
    answer(
        "GetToken",
        serde_json::json!({"session": "s-1", "active": 1, "user_phone": SELLER}),
    )
    .mount(&server)
    .await;
    answer(
        "GetActions",
        serde_json::json!({"active": 1, "actions": []}),
    )
    .mount(&server)
    .await;
    answer(
        "GetRegistrations",
        serde_json::json!({"active": 1, "registrations": []}),
    )
    .mount(&server)
    .await;
    // The registration reaches ERGO, and the answer is lost: a gateway error.
    Mock::given(method("POST"))
        .and(body_partial_json(serde_json::json!({"method": "PostSN"})))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let client = loyalty_ergo::ErgoClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let cache = ActionsCache::new(client.clone(), Duration::from_secs(3600));
    let programme = Programme::Ergo {
        client,
        actions: Arc::new(cache),
    };
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&db_url).await.unwrap();
    let engine = Engine::new(programme, storage.clone(), Texts::built_in(), Lang::Uk);
    let m = Arc::new(InMemoryMessenger::new());
    m.set_phone(USER, &format!("+{SELLER}"));
    let bot = Bot {
        runner: Runner::new(engine, m.clone()),
        m,
        storage,
        db_url,
        dir,
    };
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    bot.say("1234").await;
    assert_eq!(bot.last(), "Головне меню:");
    bot.press("⚡ Швидка реєстрація").await;
    bot.say("LED0009").await;
    assert_eq!(
        bot.last(),
        "Не вдалося дізнатися, чи пройшла реєстрація. Перевірте історію реєстрацій перед повтором."
    );
    bot.press("📜 Історія реєстрацій").await;
    assert_eq!(bot.last(), "Реєстрацій ще немає.");
}

#[tokio::test]
async fn a_seller_blocked_meanwhile_is_sent_to_the_site() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("⚡ Швидка реєстрація").await;
    assert!(e.sandbox.set_seller_active(SELLER, false));
    e.bot.say("LED0001").await;
    assert_eq!(
        e.bot.last(),
        "Ваш обліковий запис заблоковано. Зверніться на сайт програми: https://club.ergo-global.com/"
    );
    assert_eq!(keyboard(&e), [["⬅️ Назад"]]);
}
