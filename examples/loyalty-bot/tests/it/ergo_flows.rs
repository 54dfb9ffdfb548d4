//! End-to-end ERGO seller flows: the in-memory messenger, the runner, SQLite and the ERGO sandbox.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;

#[tokio::test]
async fn authorization_balance_and_quick_registration() {
    let e = ergo_bot().await;
    e.bot.say("/start").await;
    assert!(
        e.bot.last().contains("Вітаємо, User 7!"),
        "{}",
        e.bot.last()
    );
    e.bot.press("📱 Надіслати номер").await;
    let texts = e.bot.texts();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("Ми надіслали SMS з кодом на +380889993366")),
        "{texts:?}"
    );
    let code = code(&e.sandbox, SELLER);
    assert!(
        texts
            .last()
            .unwrap()
            .contains(&format!("[sandbox SMS to +380889993366: {code}]"))
    );

    // A wrong code, then the right one.
    let wrong = if code == "0000" { "1111" } else { "0000" };
    e.bot.say(wrong).await;
    assert_eq!(e.bot.last(), "Код невірний. Спробуйте ще раз:");
    e.bot.say(&code).await;
    let n = e.bot.texts().len();
    assert_eq!(e.bot.texts()[n - 2], "Готово, ви увійшли.");
    assert_eq!(e.bot.last(), "Головне меню:");
    let user = e
        .bot
        .storage
        .user(&loyalty_bot::storage::ChatKey::new(
            "in_memory",
            USER.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.phone.as_deref(), Some("+380889993366"));
    assert!(user.session.is_some());

    // Balance.
    e.bot.press("💰 Баланс").await;
    assert!(
        e.bot
            .last()
            .starts_with("Ваш баланс: 1\u{a0}250\u{a0}балів."),
        "{}",
        e.bot.last()
    );

    // Quick registration, typed: registered, then the same serial again is refused.
    e.bot.press("⬅️ Назад").await;
    e.bot.press("⚡ Швидка реєстрація").await;
    assert_eq!(
        e.bot.last(),
        "Введіть серійний номер товару або надішліть фото штрих-коду:"
    );
    e.bot.say("LED0001").await;
    assert_eq!(
        e.bot.last(),
        "✅ Зареєстровано: LED лампа Ergo, +100\u{a0}балів."
    );
    e.bot.say("LED0001").await;
    // The bot's own words, never ERGO's Russian comment.
    assert_eq!(
        e.bot.last(),
        "❌ Серійний номер LED0001 уже зареєстровано. Якщо ви його не реєстрували, напишіть у підтримку; інший товар — нова реєстрація."
    );

    // A serial that needs the full registration.
    e.bot.say("TV0001").await;
    assert!(
        e.bot
            .last()
            .contains("Пройдіть повну реєстрацію для моделі ERGO 43DUS6000"),
        "{}",
        e.bot.last()
    );
}

#[tokio::test]
async fn a_foreign_contact_an_unknown_phone_and_a_blocked_seller() {
    let e = ergo_bot().await;
    e.bot.say("/start").await;
    let mut foreign = e.bot.m.share_contact(USER, "+380501112233");
    if let messenger_core::UpdateKind::Contact(c) = &mut foreign.kind {
        c.is_own = false;
    }
    e.bot.feed(foreign).await;
    assert_eq!(
        e.bot.last(),
        "Будь ласка, надішліть власний номер телефону, а не чужий контакт."
    );

    e.bot.say("+380 99 000 00 00").await;
    assert_eq!(
        e.bot.last(),
        "Номер +380990000000 не зареєстровано в програмі. Введіть інший номер:"
    );

    e.bot.say("067 123 45 67").await;
    assert_eq!(
        e.bot.last(),
        "Ваш обліковий запис заблоковано. Зверніться на сайт програми: https://club.ergo-global.com/"
    );

    e.bot.say("0889 99 33 ab").await;
    assert!(
        e.bot.last().starts_with("Не вдалося розпізнати номер:"),
        "{}",
        e.bot.last()
    );

    // A greeting instead of a number gets the greeting and the contact button back.
    e.bot.say("Привіт").await;
    assert!(
        e.bot.last().starts_with("Вітаємо, User 7!"),
        "{}",
        e.bot.last()
    );
}

#[tokio::test]
async fn code_already_sent_says_when() {
    let e = ergo_bot().await;
    e.bot.say("/start").await;
    e.bot.press("📱 Надіслати номер").await;
    e.bot.say("/start").await;
    e.bot.press("📱 Надіслати номер").await;
    let all = e.bot.texts();
    assert!(
        all.iter()
            .any(|t| t.starts_with("Код уже надіслано. Новий можна запросити через")),
        "{all:?}"
    );
    // The user can still type the code that is on its way.
    let code = code(&e.sandbox, SELLER);
    e.bot.say(&code).await;
    assert_eq!(e.bot.last(), "Головне меню:");
}

#[tokio::test]
async fn an_expired_session_logs_in_again_and_resumes() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.sandbox.expire_sessions(None);
    e.bot.press("💰 Баланс").await;
    assert_eq!(e.bot.last(), "Сесія закінчилася, потрібно увійти знову.");
    // Past the code cool-down, the seller logs in again and gets the balance asked for.
    e.clock.advance(chrono::Duration::minutes(10));
    e.bot.press("📱 Надіслати номер").await;
    let code = code(&e.sandbox, SELLER);
    let n = e.bot.texts().len();
    e.bot.say(&code).await;
    let after = e.bot.since(n);
    assert!(after.contains("Готово, ви увійшли."), "{after}");
    assert!(
        e.bot
            .last()
            .starts_with("Ваш баланс: 1\u{a0}250\u{a0}балів."),
        "{after}"
    );
}

#[tokio::test]
async fn full_registration_with_a_product_photo() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("📋 Повна реєстрація").await;
    assert_eq!(e.bot.last(), "Оберіть акцію:");
    e.bot.press("Телевізори ERGO: фото серійного номера").await;
    e.bot.press("ERGO 43DUS6000 (+25)").await;
    e.bot.say("TV0002").await;
    assert_eq!(e.bot.last(), "Надішліть фото товару:");
    e.bot
        .photo(vec![0xff, 0xd8, 0xff, 0xe0, 1, 2, 3], None)
        .await;
    assert_eq!(
        e.bot.last(),
        "✅ Зареєстровано: ERGO 43DUS6000, +25\u{a0}балів."
    );
}

#[tokio::test]
async fn a_barcode_photo_registers_and_a_photo_without_one_is_explained() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("⚡ Швидка реєстрація").await;
    e.bot.photo(barcode_png("LED0002"), None).await;
    let all = e.bot.texts();
    assert!(all.iter().any(|t| t == "Розпізнано: LED0002"), "{all:?}");
    assert_eq!(
        e.bot.last(),
        "✅ Зареєстровано: LED лампа Ergo, +100\u{a0}балів."
    );

    let blank = {
        let img = image::GrayImage::from_pixel(200, 100, image::Luma([255]));
        let mut bytes = Vec::new();
        image::DynamicImage::ImageLuma8(img)
            .write_to(
                &mut std::io::Cursor::new(&mut bytes),
                image::ImageFormat::Png,
            )
            .unwrap();
        bytes
    };
    e.bot.photo(blank, None).await;
    assert_eq!(
        e.bot.last(),
        "На фото не знайдено штрих-коду. Спробуйте ще раз або введіть номер вручну."
    );
}

#[tokio::test]
async fn support_question_with_a_photo_reaches_ergo() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("💬 Підтримка").await;
    e.bot
        .photo(vec![1, 2, 3], Some("Не реєструється <b>&"))
        .await;
    assert_eq!(
        e.bot.texts()[e.bot.texts().len() - 2],
        "Питання надіслано, відповімо найближчим робочим часом."
    );
    let q = e.sandbox.questions();
    assert_eq!(q.len(), 1);
    assert_eq!(q[0].question, "Не реєструється <b>&");
}

#[tokio::test]
async fn state_survives_a_restart() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("⚡ Швидка реєстрація").await;
    // A new process on the same database: the dialogue continues at the serial step.
    let db = e.bot.db_url.clone();
    let dir = tempfile::tempdir().unwrap();
    let bot2 = ergo_bot_on(&e.sandbox, &db, e.clock.clone(), dir).await;
    let mut u = bot2.m.user_says(USER, "LED0003");
    // The new in-memory messenger numbers its updates from 1 again; real platforms do not.
    u.dedup_key = format!("after-restart-{}", u.dedup_key);
    bot2.feed(u).await;
    assert_eq!(
        bot2.last(),
        "✅ Зареєстровано: LED лампа Ergo, +100\u{a0}балів."
    );
}

#[tokio::test]
async fn a_repeated_update_is_handled_once() {
    let e = ergo_bot().await;
    let u = e.bot.m.user_says(USER, "/start");
    e.bot.feed(u.clone()).await;
    e.bot.feed(u).await;
    assert_eq!(e.bot.texts().len(), 1);
}

fn barcode_png(text: &str) -> Vec<u8> {
    use rxing::Writer;
    let matrix = rxing::MultiFormatWriter
        .encode(text, &rxing::BarcodeFormat::CODE_128, 600, 200)
        .unwrap();
    let mut img = image::GrayImage::from_pixel(
        matrix.getWidth() + 80,
        matrix.getHeight() + 80,
        image::Luma([255]),
    );
    for y in 0..matrix.getHeight() {
        for x in 0..matrix.getWidth() {
            if matrix.get(x, y) {
                img.put_pixel(x + 40, y + 40, image::Luma([0]));
            }
        }
    }
    let mut bytes = Vec::new();
    image::DynamicImage::ImageLuma8(img)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

#[tokio::test]
async fn a_purchase_notification_reaches_the_linked_chat() {
    use loyalty_bot::notify::{PurchaseEvent, Pusher};
    use loyalty_bot::storage::ChatKey;
    let e = ergo_bot().await;
    log_in(&e).await;
    let pusher = Pusher::new(e.bot.runner.engine().clone());
    let event: PurchaseEvent = serde_json::from_value(serde_json::json!({
        "event_id": "ev-1", "customer_id": SELLER,
        "purchase": {"id": "p-1", "store": "Магазин <b>&", "sum": "120.50", "bonuses_earned": 6}
    }))
    .unwrap();
    let chat = ChatKey::new("in_memory", USER.to_string());
    assert_eq!(
        pusher
            .push(&event, std::slice::from_ref(&chat), &[])
            .await
            .unwrap(),
        Some(1)
    );
    assert_eq!(pusher.push(&event, &[chat], &[]).await.unwrap(), None);
    e.bot.runner.drain().await.unwrap();
    assert_eq!(
        e.bot.last(),
        "🛍 Нова покупка: 120,50\u{a0}₴ у Магазин <b>&. Нараховано бонусів: 6."
    );
}

#[tokio::test]
async fn russian_texts_with_bot_lang_ru() {
    let e = ergo_bot().await;
    e.bot
        .storage
        .touch_user(
            &loyalty_bot::storage::ChatKey::new("in_memory", USER.to_string()),
            &loyalty_bot::storage::Profile::default(),
            "ru",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    e.bot.say("/start").await;
    assert!(
        e.bot
            .last()
            .starts_with("Здравствуйте, User 7! Это бот программы лояльности ERGO CLUB."),
        "{}",
        e.bot.last()
    );
}

#[tokio::test]
async fn full_registration_asks_for_the_trade_point_and_offers_another() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.press("📋 Повна реєстрація").await;
    e.bot.press("Тестова акція для мобільного застосунку").await;
    e.bot.press("LED лампа Ergo Standard (+150)").await;
    e.bot.say("STD0001").await;
    assert_eq!(e.bot.last(), "Оберіть торгову точку:");
    let kb = e.bot.m.last_sent(USER).unwrap().content.keyboard.unwrap();
    let labels: Vec<&str> = kb.buttons().map(|b| b.label()).collect();
    assert_eq!(
        labels,
        [
            "Фокстрот, Київ, вул. Хрещатик 1",
            "Епіцентр, Львів, вул. Городоцька 10"
        ]
    );
    e.bot.press("Епіцентр, Львів, вул. Городоцька 10").await;
    assert_eq!(
        e.bot.last(),
        "✅ Зареєстровано: LED лампа Ergo Standard, +150\u{a0}балів."
    );
    // "Another one for this model" goes back to the serial step.
    e.bot.press("➕ Ще одна").await;
    assert_eq!(
        e.bot.last(),
        "Введіть серійний номер товару або надішліть фото штрих-коду:"
    );
}
