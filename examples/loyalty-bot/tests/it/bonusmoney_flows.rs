//! End-to-end BonusMoney customer flows against the BonusMoney sandbox.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_core::{Decimal, Phone, Region};

async fn log_in(b: &BonusMoney) {
    b.bot.say("/start").await;
    b.bot.press("📱 Надіслати номер").await;
    let phone = Phone::parse(CUSTOMER, Region::RU).unwrap();
    let code = b.sandbox.last_code(&phone).unwrap();
    assert!(
        b.bot.last().contains(&code),
        "the sandbox SMS is shown: {}",
        b.bot.last()
    );
    b.bot.say(&code).await;
    assert_eq!(b.bot.last(), "Головне меню:");
}

#[tokio::test]
async fn balance_history_promotions_and_profile() {
    let b = bonusmoney_bot().await;
    log_in(&b).await;

    b.bot.press("💰 Баланс").await;
    assert!(b.bot.last().starts_with("Ваш баланс: "), "{}", b.bot.last());

    b.bot.press("⬅️ Назад").await;
    b.bot.press("📜 Історія бонусів").await;
    let history = b.bot.last();
    assert!(history.contains("+"), "{history}");
    assert!(!history.contains("Історія поки порожня."), "{history}");

    b.bot.press("⬅️ Назад").await;
    b.bot.press("🎁 Акції").await;
    assert!(!b.bot.last().is_empty());
    assert_ne!(b.bot.last(), "Зараз акцій немає.");

    b.bot.press("⬅️ Назад").await;
    b.bot.press("👤 Профіль").await;
    assert!(
        b.bot.last().contains("Телефон: +77777777777"),
        "{}",
        b.bot.last()
    );
    b.bot.press("✏️ E-mail").await;
    b.bot.say("olena@example.com").await;
    let n = b.bot.texts().len();
    assert_eq!(b.bot.texts()[n - 2], "Профіль збережено.");
    b.bot.press("👤 Профіль").await;
    assert!(
        b.bot.last().contains("E-mail: olena@example.com"),
        "{}",
        b.bot.last()
    );
}

#[tokio::test]
async fn a_new_purchase_shows_in_detail_and_takes_one_review() {
    let b = bonusmoney_bot().await;
    log_in(&b).await;
    let phone = Phone::parse(CUSTOMER, Region::RU).unwrap();
    let tx = b
        .sandbox
        .add_purchase(
            &phone,
            &loyalty_bonusmoney::sandbox::SandboxPurchase::new()
                .line("Кава <b>&", Decimal::from(120), Decimal::from(2))
                .line("Круасан", Decimal::from(80), Decimal::from(1)),
        )
        .unwrap();
    b.bot.press("🧾 Покупки").await;
    let list = b.bot.m.last_sent(USER).unwrap();
    let kb = list.content.keyboard.clone().unwrap();
    let first = kb.rows()[0][0].label().to_owned();
    assert!(first.contains("320"), "the newest purchase first: {first}");
    b.bot.press(&first).await;
    let detail = b.bot.last();
    assert!(
        detail.contains("• Кава <b>&: 2 × 120,00\u{a0}₽ = 240,00\u{a0}₽"),
        "{detail}"
    );
    assert!(
        detail.contains("• Круасан: 1 × 80,00\u{a0}₽ = 80,00\u{a0}₽"),
        "{detail}"
    );
    assert!(detail.contains("Сума: 320,00\u{a0}₽"), "{detail}");

    b.bot.press("⭐ Залишити відгук").await;
    b.bot.say("9 too many stars").await;
    assert_eq!(
        b.bot.last(),
        "Оцініть покупку від 1 до 5 і за бажанням напишіть відгук:"
    );
    b.bot.say("5 Дуже смачно").await;
    let n = b.bot.texts().len();
    assert_eq!(b.bot.texts()[n - 2], "Дякуємо за відгук!");

    b.bot.press("🧾 Покупки").await;
    b.bot.press(&first).await;
    b.bot.press("⭐ Залишити відгук").await;
    b.bot.say("4").await;
    let n = b.bot.texts().len();
    assert_eq!(
        b.bot.texts()[n - 2],
        "Ви вже залишили відгук на цю покупку."
    );
    let _ = tx;
}
