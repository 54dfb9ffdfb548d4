//! The ERGO seller dialogues of issue 17, end to end through the in-memory messenger, the runner,
//! SQLite and the ERGO sandbox: registration history, the seller's profile, news with articles
//! and group details, in Ukrainian and Russian.
#![allow(clippy::unwrap_used)]

use crate::common;

use chrono::Days;
use common::sellers::*;
use common::*;
use loyalty_core::Clock;
use loyalty_ergo::sandbox::RegistrationDecision;

#[tokio::test]
async fn registration_history_pages_with_statuses_in_words() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("⚡ Швидка реєстрація").await;
    for sn in ["LED0001", "LED0002", "LED0003"] {
        e.bot.say(sn).await;
        assert!(
            e.bot.last().starts_with("✅ Зареєстровано"),
            "{}",
            e.bot.last()
        );
    }
    // ERGO's operator decides two of them (the sandbox numbers registrations from 1001).
    assert!(
        e.sandbox
            .decide_registration(1002, RegistrationDecision::SendToTest)
    );
    assert!(
        e.sandbox
            .decide_registration(1003, RegistrationDecision::Confirm)
    );

    e.bot.press("⬅️ Назад").await;
    e.bot.press("📜 Історія реєстрацій").await;
    let now = e
        .clock
        .now()
        .naive_utc()
        .format("%d.%m.%Y %H:%M")
        .to_string();
    let t = today(&e);
    let paid = format!("{} 09:00", day(t - Days::new(10)));
    let page = e.bot.last();
    let expected = [
        "📜 Ваші реєстрації (1–5 з 5):".to_owned(),
        format!("LED лампа Ergo, SN LED0001\n{now} · 100\u{a0}балів\nСтатус: на перевірці"),
        format!(
            "LED лампа Ergo, SN LED0002\n{now} · 100\u{a0}балів\nСтатус: підтверджена, для зарахування потрібно пройти тест"
        ),
        format!(
            "LED лампа Ergo, SN LED0003\n{now} · 100\u{a0}балів\nСтатус: підтверджена, бали ще не на балансі"
        ),
        format!(
            "LED лампа Ergo, SN LED0000\n{} 11:00 · 100\u{a0}балів\nСтатус: бали зараховано на баланс {paid}",
            day(t - Days::new(20))
        ),
        format!(
            "65CU6565MC, SN 1234123534\n{} 15:00 · 25\u{a0}балів\nСтатус: відхилена\nПричина: Вы не являетесь участником партнерской программы",
            day(t - Days::new(70))
        ),
    ];
    assert_eq!(page, expected.join("\n\n"));
    assert_eq!(keyboard(&e), [["⬅️ Назад"]]);

    // A sixth registration makes a second page.
    e.bot.press("⬅️ Назад").await;
    e.bot.press("📋 Повна реєстрація").await;
    e.bot.press("Тестова акція для мобільного застосунку").await;
    e.bot.press("LED лампа Ergo Standard (+150)").await;
    e.bot.say("STD0001").await;
    e.bot.press("Фокстрот, Київ, вул. Хрещатик 1").await;
    e.bot.press("⬅️ Назад").await;
    e.bot.press("📜 Історія реєстрацій").await;
    assert!(
        e.bot
            .last()
            .starts_with("📜 Ваші реєстрації (1–5 з 6):\n\nLED лампа Ergo, SN LED0001"),
        "{}",
        e.bot.last()
    );
    assert_eq!(keyboard(&e), [vec!["Ще ➡️"], vec!["⬅️ Назад"]]);
    e.bot.press("Ще ➡️").await;
    assert_eq!(
        e.bot.last(),
        format!("📜 Ваші реєстрації (6–6 з 6):\n\n{}", expected[5])
    );
    assert_eq!(keyboard(&e), [vec!["⬅️ Попередні"], vec!["⬅️ Назад"]]);
    e.bot.press("⬅️ Попередні").await;
    assert!(e.bot.last().starts_with("📜 Ваші реєстрації (1–5 з 6):"));

    // In Russian.
    switch_to_russian(&e).await;
    e.bot.press("📜 История регистраций").await;
    let ru = e.bot.last();
    assert!(ru.starts_with("📜 Ваши регистрации (1–5 из 6):"), "{ru}");
    assert!(
        ru.contains(&format!(
            "SN LED0001\n{now} · 100\u{a0}баллов\nСтатус: на проверке"
        )),
        "{ru}"
    );
    assert!(
        ru.contains("Статус: подтверждена, для зачисления нужно пройти тест"),
        "{ru}"
    );
}

#[tokio::test]
async fn the_seller_edits_the_profile_with_every_answer_checked() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("👤 Профіль").await;
    let points = "Фокстрот, Київ, вул. Хрещатик 1; Епіцентр, Львів, вул. Городоцька 10";
    assert_eq!(
        e.bot.last(),
        format!(
            "👤 Ваш профіль\nІм'я: Test\nПрізвище: Testuvalniy\nПо батькові: Testovich\nТелефон: +380889993366\nE-mail: test@email.net\nТоргові точки: {points}"
        )
    );
    assert_eq!(
        keyboard(&e),
        [
            vec!["✏️ Ім'я", "✏️ Прізвище"],
            vec!["✏️ По батькові", "✏️ E-mail"],
            vec!["⬅️ Назад"]
        ]
    );

    e.bot.press("✏️ Ім'я").await;
    assert_eq!(e.bot.last(), "Введіть ім'я:");
    for bad in ["Іван2", "І", "<b>"] {
        e.bot.say(bad).await;
        assert_eq!(
            e.bot.last(),
            "Потрібно від 2 до 50 літер (можна дефіс, апостроф і пробіл), без цифр. Введіть ще раз:"
        );
    }
    e.bot.say("  Анна-Марія ").await;
    let n = e.bot.texts().len();
    assert_eq!(e.bot.texts()[n - 2], "✅ Профіль оновлено.");
    // The profile as ERGO now has it: the name changed, every other field kept.
    assert_eq!(
        e.bot.last(),
        format!(
            "👤 Ваш профіль\nІм'я: Анна-Марія\nПрізвище: Testuvalniy\nПо батькові: Testovich\nТелефон: +380889993366\nE-mail: test@email.net\nТоргові точки: {points}"
        )
    );

    e.bot.press("✏️ E-mail").await;
    assert_eq!(
        e.bot.last(),
        "Введіть e-mail (наприклад, name@example.com):"
    );
    e.bot.say("anna at shop").await;
    assert_eq!(
        e.bot.last(),
        "Це не схоже на e-mail. Введіть адресу у вигляді name@example.com:"
    );
    e.bot.say("anna@shop.ua").await;
    assert!(
        e.bot.last().contains("\nE-mail: anna@shop.ua\n"),
        "{}",
        e.bot.last()
    );
    assert!(
        e.bot.last().contains("Ім'я: Анна-Марія\n"),
        "{}",
        e.bot.last()
    );

    switch_to_russian(&e).await;
    e.bot.press("👤 Профиль").await;
    assert!(
        e.bot.last().starts_with(
            "👤 Ваш профиль\nИмя: Анна-Марія\nФамилия: Testuvalniy\nОтчество: Testovich"
        ),
        "{}",
        e.bot.last()
    );
    e.bot.press("✏️ Отчество").await;
    assert_eq!(e.bot.last(), "Введите отчество:");
    e.bot.say("123").await;
    assert_eq!(
        e.bot.last(),
        "Нужно от 2 до 50 букв (можно дефис, апостроф и пробел), без цифр. Введите ещё раз:"
    );
    e.bot.say("Петрович").await;
    assert!(
        e.bot.last().contains("Отчество: Петрович\n"),
        "{}",
        e.bot.last()
    );
}

#[tokio::test]
async fn news_pages_and_articles() {
    let e = ergo_bot().await;
    let http = reqwest::Client::new();
    for i in 1..=4 {
        let r = http
            .post(format!("{}news", e.sandbox.admin_url()))
            .json(&serde_json::json!({
                "article_name": format!("Новина {i}"),
                "article_notice": format!("Коротко {i}"),
                "article_text": format!("<p>Текст {i}</p>"),
            }))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }
    log_in(&e).await;
    e.bot.press("📰 Новини").await;
    let t = today(&e);
    let page = e.bot.last();
    assert!(
        page.starts_with(
            "📣 Оповіщення\n\nНова акція на телевізори\nРеєструйте продажі телевізорів ERGO з фото серійного номера.\n\nТехнічні роботи\n"
        ),
        "{page}"
    );
    assert!(
        page.contains(&format!(
            "📰 Новини (1–5 з 6). Оберіть новину, щоб прочитати її повністю:\n\nНовина 4 ({})\nКоротко 4",
            day(t)
        )),
        "{page}"
    );
    assert!(
        page.ends_with(&format!(
            "Старт осіннього сезону ERGO CLUB ({})\nНові акції на телевізори та лампи",
            day(t - Days::new(3))
        )),
        "{page}"
    );
    assert_eq!(
        keyboard(&e),
        [
            vec!["📖 Новина 4"],
            vec!["📖 Новина 3"],
            vec!["📖 Новина 2"],
            vec!["📖 Новина 1"],
            vec!["📖 Старт осіннього сезону ERGO CLUB"],
            vec!["Ще ➡️"],
            vec!["⬅️ Назад"],
        ]
    );

    e.bot.press("📖 Старт осіннього сезону ERGO CLUB").await;
    let article = e.bot.m.last_sent(USER).unwrap().content.text;
    assert_eq!(
        article.to_plain(),
        format!(
            "Старт осіннього сезону ERGO CLUB ({})\n\nНові акції на телевізори та лампи ERGO. Деталі на сайті (https://club.ergo-global.com/).",
            day(t - Days::new(3))
        )
    );
    assert!(
        article
            .to_html()
            .contains("<b>телевізори</b> та лампи ERGO. Деталі на <a href=\"https://club.ergo-global.com/\">сайті</a>."),
        "{}",
        article.to_html()
    );
    assert_eq!(keyboard(&e), [["📰 До новин"], ["⬅️ Назад"]]);

    e.bot.press("📰 До новин").await;
    e.bot.press("Ще ➡️").await;
    assert_eq!(
        e.bot.last(),
        format!(
            "📰 Новини (6–6 з 6). Оберіть новину, щоб прочитати її повністю:\n\nПереможці літнього конкурсу ({})\nВітаємо кращих продавців літа",
            day(t - Days::new(9))
        )
    );
    assert_eq!(
        keyboard(&e),
        [
            vec!["📖 Переможці літнього конкурсу"],
            vec!["⬅️ Попередні"],
            vec!["⬅️ Назад"]
        ]
    );

    switch_to_russian(&e).await;
    e.bot.press("📰 Новости").await;
    assert!(
        e.bot.last().starts_with("📣 Оповещения\n\n"),
        "{}",
        e.bot.last()
    );
    assert!(
        e.bot
            .last()
            .contains("📰 Новости (1–5 из 6). Выберите новость, чтобы прочитать её полностью:"),
        "{}",
        e.bot.last()
    );
}

#[tokio::test]
async fn a_group_shows_its_type_period_and_conditions() {
    let e = ergo_bot().await;
    log_in(&e).await;
    let t = today(&e);
    e.bot.press("📋 Повна реєстрація").await;
    e.bot.press("Телевізори ERGO: фото серійного номера").await;
    assert_eq!(
        e.bot.last(),
        format!(
            "Телевізори ERGO: фото серійного номера\nТип акції: накопичувальна\nПеріод дії: {} – {}\nУмови: За кожен проданий телевізор ERGO — бали. Потрібне фото наклейки з серійним номером.\n🔥 Важливо додати фото\n\nОберіть модель:",
            day(t - Days::new(30)),
            day(t + Days::new(60))
        )
    );
    e.bot.press("⬅️ Назад").await;
    e.bot.press("Тестова акція для мобільного застосунку").await;
    assert_eq!(
        e.bot.last(),
        format!(
            "Тестова акція для мобільного застосунку\nТип акції: бонусна\nПеріод дії: {} – {}\n\nОберіть модель:",
            day(t - Days::new(30)),
            day(t + Days::new(90))
        )
    );
    switch_to_russian(&e).await;
    e.bot.press("📋 Полная регистрация").await;
    e.bot.press("Тестова акція для мобільного застосунку").await;
    assert!(
        e.bot
            .last()
            .contains("\nТип акции: бонусная\nПериод действия: "),
        "{}",
        e.bot.last()
    );
}
