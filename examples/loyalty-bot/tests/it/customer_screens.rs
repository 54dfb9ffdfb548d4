//! The customers' screens end to end against the sandboxes: BonusMoney's card as a QR code,
//! levels, about the company, notifications, reviews and promotions with their pictures and
//! coupons; Manzana's purchases with the address and bonuses, and its card.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_bot::app;
use loyalty_bot::config::Config;
use loyalty_core::{Phone, Region};
use messenger_core::Image;

async fn log_in(b: &BonusMoney) {
    b.bot.say("/start").await;
    b.bot.press("📱 Надіслати номер").await;
    let phone = Phone::parse(CUSTOMER, Region::RU).unwrap();
    b.bot.say(&b.sandbox.last_code(&phone).unwrap()).await;
    assert_eq!(b.bot.last(), "Головне меню:");
}

fn menu_labels(bot: &Bot) -> Vec<String> {
    bot.m
        .last_sent(USER)
        .unwrap()
        .content
        .keyboard
        .unwrap()
        .buttons()
        .map(|b| b.label().to_owned())
        .collect()
}

#[tokio::test]
async fn the_bonusmoney_card_is_a_qr_code_of_the_customer_s_number() {
    let b = bonusmoney_bot().await;
    log_in(&b).await;
    assert_eq!(
        menu_labels(&b.bot),
        [
            "💰 Баланс",
            "📜 Історія бонусів",
            "🧾 Покупки",
            "🎁 Акції",
            "💳 Моя картка",
            "🏆 Рівні",
            "🔔 Сповіщення",
            "⭐ Мої відгуки",
            "🏪 Про компанію",
            "👤 Профіль"
        ]
    );
    b.bot.press("💳 Моя картка").await;
    let card = b.bot.m.last_sent(USER).unwrap();
    assert_eq!(
        card.text(),
        "Ваша картка: 29_511858543181681967\nПокажіть QR-код на касі."
    );
    let Some(Image::Bytes {
        data, mime_type, ..
    }) = card.content.image.clone()
    else {
        panic!("a picture is sent: {:?}", card.content.image);
    };
    assert_eq!(mime_type, "image/png");
    let scanned = loyalty_bot::barcode::scan(&data).unwrap().unwrap();
    assert_eq!(scanned.text, "29_511858543181681967");
    // The back button rides on the picture.
    b.bot.press("⬅️ Назад").await;
    assert_eq!(b.bot.last(), "Головне меню:");
}

#[tokio::test]
async fn levels_company_notifications_and_reviews() {
    let b = bonusmoney_bot().await;
    log_in(&b).await;
    b.bot.press("🏆 Рівні").await;
    assert_eq!(
        b.bot.last().replace('\u{a0}', " "),
        "✅ First: від 0,00 ₽, кешбек 10%\n▫️ Silver: від 10 000,00 ₽, кешбек 15%\n▫️ Gold: від 30 000,00 ₽, кешбек 20%\n\nВаші покупки: 1 264,00 ₽. До рівня «Silver» залишилось 8 736,00 ₽."
    );

    b.bot.press("⬅️ Назад").await;
    b.bot.press("🏪 Про компанію").await;
    assert_eq!(
        b.bot.last(),
        "МЯСО - И ТОЧКА\nТип компании\n\nОписание компании\n\nТелефон 1: +7 (000) 000-00-00\nСсылка 1: https://bonusmoney.pro/"
    );

    b.bot.press("⬅️ Назад").await;
    b.bot.press("🔔 Сповіщення").await;
    let notices = b.bot.last();
    assert!(
        notices.contains("Поздравляем Вас с днем рождения!"),
        "{notices}"
    );
    assert!(notices.contains("Баллы скоро сгорят"), "{notices}");

    b.bot.press("⬅️ Назад").await;
    b.bot.press("⭐ Мої відгуки").await;
    assert_eq!(
        b.bot.last().replace('\u{a0}', " "),
        "23.01.2024 14:01 · 1 092,00 ₽ · ⭐⭐⭐⭐⭐ ккк\n↪️ Відповідь: df"
    );
}

#[tokio::test]
async fn promotions_come_with_their_pictures() {
    let b = bonusmoney_bot().await;
    log_in(&b).await;
    let before = b.bot.m.sent(USER).len();
    b.bot.press("🎁 Акції").await;
    let sent = b.bot.m.sent(USER);
    let pictures: Vec<_> = sent[before..]
        .iter()
        .filter(|s| matches!(s.content.image, Some(Image::Url(_))))
        .collect();
    let urls: Vec<String> = pictures
        .iter()
        .map(|p| match &p.content.image {
            Some(Image::Url(u)) => u.clone(),
            _ => String::new(),
        })
        .collect();
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert!(
        urls.contains(&"https://bmappmobileapp.s3.us-west-1.amazonaws.com/bm_logo.png".to_owned())
    );
    // A promotion with several pictures shows its first.
    assert!(
        urls.contains(&"https://bmappmobileapp.s3.us-west-1.amazonaws.com/face_1.png".to_owned())
    );
    let marble = pictures
        .iter()
        .find(|p| p.text().starts_with("Новинка: мраморная говядина"))
        .unwrap();
    assert!(
        marble
            .text()
            .starts_with("Новинка: мраморная говядина\nПопробуйте со скидкой 15%\nДіє до "),
        "{}",
        marble.text()
    );
    // The ones without a picture come as text, a coupon with its code.
    let rest = b.bot.last();
    assert!(rest.contains("Двойные баллы по средам"), "{rest}");
    assert!(
        rest.contains("Промокод на кофе\nНазовите промокод на кассе\n🎟 Купон: promoKOT\nДіє до "),
        "{rest}"
    );
}

async fn manzana_bot() -> (Bot, app::SandboxGuard) {
    let config =
        Config::from_lookup(|k| (k == "LOYALTY_PROVIDER").then(|| "manzana".to_owned())).unwrap();
    let app::Built {
        programme,
        peek,
        sandbox,
        manzana,
    } = app::programme(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let client = manzana.unwrap();
    let bot = bot_custom(
        programme,
        peek.unwrap(),
        &db,
        dir,
        "+79200000001",
        |e| e.with_manzana(client),
        |m| m,
    )
    .await;
    (bot, sandbox)
}

#[tokio::test]
async fn manzana_purchases_show_where_and_the_bonuses_and_the_card_is_a_qr_code() {
    let (bot, _sandbox) = manzana_bot().await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    let code = bot
        .last()
        .trim_end_matches(']')
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    bot.say(&code).await;
    assert!(menu_labels(&bot).contains(&"💳 Моя картка".to_owned()));
    bot.press("🧾 Покупки").await;
    let list = bot.last().replace('\u{a0}', " ");
    assert!(
        list.contains(
            "05.03.2024 18:40 · Аптека №7, ул. Мира, 7\n120,50 ₽ · списано 0, нараховано 6,02"
        ),
        "{list}"
    );
    assert!(
        list.contains(
            "01.02.2024 10:15 · Аптека №5, ул. Ленина, 5\n850,00 ₽ · списано 50, нараховано 40"
        ),
        "{list}"
    );
    // One purchase: where, the bonuses, and its lines.
    let first = bot
        .m
        .last_sent(USER)
        .unwrap()
        .content
        .keyboard
        .unwrap()
        .rows()[0][0]
        .label()
        .to_owned();
    bot.press(&first).await;
    let detail = bot.last().replace('\u{a0}', " ");
    assert!(detail.contains("Бонусів списано: "), "{detail}");
    assert!(detail.contains("\n• "), "the lines: {detail}");
    bot.press("⬅️ Назад").await;
    bot.press("💳 Моя картка").await;
    let card = bot.m.last_sent(USER).unwrap();
    assert!(card.text().starts_with("Ваша картка: "), "{}", card.text());
    if let Some(Image::Bytes { data, .. }) = card.content.image.clone() {
        let number = card.text()["Ваша картка: ".len()..]
            .lines()
            .next()
            .unwrap()
            .to_owned();
        let scanned = loyalty_bot::barcode::scan(&data).unwrap().unwrap();
        assert_eq!(scanned.text, number);
    } else {
        panic!("the card's QR code is sent");
    }
}

#[tokio::test]
async fn a_manzana_customer_deletes_the_account_through_the_configured_endpoint() {
    use loyalty_manzana::{CustomEndpoint, ManzanaSandbox, Service};
    use std::sync::Arc;

    let sandbox = Arc::new(ManzanaSandbox::start().await.unwrap());
    // The tenant's deletion endpoint lives on the administrator service (a fake here).
    let admin = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::path("/Contact/Delete"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&admin)
        .await;
    let client = sandbox
        .client_builder()
        .admin_url(admin.uri())
        .admin_session("admin-session")
        .delete_endpoint(CustomEndpoint::new(Service::Admin, "Contact/Delete"))
        .build()
        .unwrap();
    let programme = loyalty_bot::engine::Programme::Generic {
        provider: Arc::new(client),
        display: "Manzana",
        region: Region::RU,
        contact_login: None,
    };
    let sb = sandbox.clone();
    let peek: loyalty_bot::engine::CodePeek = Arc::new(move |p| sb.last_code(p.e164()));
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let bot = bot_with(programme, peek, &db, dir, "+79200000001").await;
    bot.say("/lang").await;
    bot.say("/start").await;
    bot.press("📱 Отправить номер").await;
    bot.say(&sandbox.last_code("+79200000001").unwrap()).await;
    bot.press("👤 Профиль").await;
    bot.press("🗑 Удалить аккаунт").await;
    assert_eq!(
        bot.last(),
        "Удалить ваш аккаунт в программе Manzana? Бонусы и история покупок будут потеряны навсегда."
    );
    bot.press("🗑 Да, удалить").await;
    assert_eq!(
        bot.last(),
        "Аккаунт удалён. Чтобы снова присоединиться к программе, отправьте номер телефона."
    );
    let deleted: Vec<serde_json::Value> = admin
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            // Manzana's default body form: the JSON as a string under `parameter`.
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            serde_json::from_str(body["parameter"].as_str().unwrap()).unwrap()
        })
        .collect();
    let contact = sandbox.contact_id("+79200000001").unwrap();
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["Id"], contact.as_str());
    assert_eq!(deleted[0]["SessionId"], "admin-session");
    // Logged out: the bot asks for the phone again.
    bot.say("/start").await;
    assert!(bot.last().starts_with("Здравствуйте"), "{}", bot.last());
}

#[tokio::test]
async fn a_manzana_purchase_detail_names_the_cashier() {
    use loyalty_manzana::Contact;
    use loyalty_manzana::mock::{CUSTOMER_SERVICE, ManzanaMock, MzOp};
    use serde_json::json;
    use std::sync::Arc;

    let server = wiremock::MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    let mut contact = Contact::new("c-1");
    contact.mobile_phone = Some("+79200000001".into());
    mz.manager_login_ok("mgr-1").await;
    mz.found_by_phone(Some(&contact)).await;
    mz.sms_login_ok("t-1", "c-1", "s-1").await;
    mz.answer(
        MzOp::Cheques,
        &json!({"value": [{
            "Id": "ch-1", "Number": "1001", "Date": "2024-03-05T18:40:00",
            "OrgUnitName": "Аптека №7", "OrgUnitAddress": "ул. Мира, 7",
            "Summ": 130, "SummDiscounted": 120.5, "PaidByBonus": 10, "Bonus": 6.02,
            "CashierName": "Иванова А."
        }]}),
    )
    .await;
    wiremock::Mock::given(wiremock::matchers::path(format!(
        "{CUSTOMER_SERVICE}/ChequeItem/GetAllByCheque"
    )))
    .respond_with(
        wiremock::ResponseTemplate::new(200).set_body_json(json!({"value": [
            {"ArticleNumber": "A-1", "Quantity": 1, "Summ": 130, "SummDiscounted": 120.5}
        ]})),
    )
    .mount(&server)
    .await;
    let programme = loyalty_bot::engine::Programme::Generic {
        provider: Arc::new(mz.client()),
        display: "Manzana",
        region: Region::RU,
        contact_login: None,
    };
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let bot = bot_with(programme, Arc::new(|_| None), &db, dir, "+79200000001").await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    bot.say("1234").await;
    assert_eq!(bot.last(), "Головне меню:");
    bot.press("🧾 Покупки").await;
    assert_eq!(
        bot.last().replace('\u{a0}', " "),
        "🧾 Покупки\n\n05.03.2024 18:40 · Аптека №7, ул. Мира, 7\n120,50 ₽ · списано 10, нараховано 6,02"
    );
    bot.press("05.03.2024 18:40 · Аптека №7 · 120,50\u{a0}₽")
        .await;
    let detail = bot.last().replace('\u{a0}', " ");
    assert!(
        detail.starts_with("Покупка 05.03.2024 18:40\nАптека №7, ул. Мира, 7\n"),
        "{detail}"
    );
    assert!(
        detail.contains("Бонусів списано: 10, нараховано: 6,02"),
        "{detail}"
    );
    assert!(detail.contains("\n• A-1: 1 × "), "{detail}");
    assert!(detail.ends_with("\nКасир: Иванова А."), "{detail}");
}

#[tokio::test]
async fn a_loyalclient_profile_is_read_only_and_says_whom_to_ask() {
    let config =
        Config::from_lookup(|k| (k == "LOYALTY_PROVIDER").then(|| "loyalclient".to_owned()))
            .unwrap();
    let built = app::programme(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let bot = bot_with(
        built.programme,
        std::sync::Arc::new(|_| None),
        &db,
        dir,
        "+79201234567",
    )
    .await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    bot.press("👤 Профіль").await;
    let profile = bot.last();
    assert!(
        profile.ends_with("\n\nЗмінити ці дані в боті не можна: зверніться до адміністратора програми LoyalClient (на касі або в службі підтримки магазину)."),
        "{profile}"
    );
    assert_eq!(
        menu_labels(&bot),
        ["🗑 Видалити акаунт", "⬅️ Назад"],
        "no edit buttons"
    );
    bot.press("🗑 Видалити акаунт").await;
    assert!(
        bot.last()
            .starts_with("Програма LoyalClient не дозволяє видалити акаунт через бот."),
        "{}",
        bot.last()
    );
}
