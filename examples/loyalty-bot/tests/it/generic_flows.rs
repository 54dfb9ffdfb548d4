//! LoyalClient and Manzana through the capability-driven menu, each against its sandbox,
//! built from configuration exactly as the binary builds them.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_bot::app;
use loyalty_bot::config::Config;

async fn bot_for(provider: &str, phone: &str) -> (Bot, app::SandboxGuard) {
    let config =
        Config::from_lookup(|k| (k == "LOYALTY_PROVIDER").then(|| provider.to_owned())).unwrap();
    let app::Built {
        programme,
        peek,
        sandbox: guard,
        ..
    } = app::programme(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let peek = peek.unwrap_or_else(|| std::sync::Arc::new(|_| None));
    (bot_with(programme, peek, &db, dir, phone).await, guard)
}

#[tokio::test]
async fn loyalclient_logs_in_by_own_contact_only_and_shows_the_balance() {
    let (bot, _sandbox) = bot_for("loyalclient", "+79201234567").await;
    bot.say("/start").await;
    // A typed number cannot be verified here (no codes): the contact button is required.
    bot.say("+7 920 123 45 67").await;
    assert_eq!(
        bot.last(),
        "Ця програма впізнає вас лише за вашим власним номером: натисніть кнопку «Надіслати номер»."
    );
    bot.press("📱 Надіслати номер").await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Готово, ви увійшли.");
    let menu = bot.m.last_sent(USER).unwrap();
    let labels: Vec<String> = menu
        .content
        .keyboard
        .unwrap()
        .buttons()
        .map(|b| b.label().to_owned())
        .collect();
    assert_eq!(
        labels,
        ["💰 Баланс", "👤 Профіль"],
        "the menu follows the capabilities"
    );
    bot.press("💰 Баланс").await;
    let balance = bot.last();
    assert!(balance.starts_with("Ваш баланс: "), "{balance}");
    assert!(
        balance.contains("Рівень: "),
        "the level is shown: {balance}"
    );
    // The level is cached for broadcast segments with the update that read it (issue 19).
    let shown = balance
        .split("Рівень: ")
        .nth(1)
        .and_then(|r| r.split(".\n").next())
        .map(|l| l.trim_end_matches('.').to_owned())
        .unwrap();
    use loyalty_bot::storage::Segment;
    let reached = bot
        .storage
        .audience(&Segment::everyone().level(shown.clone()))
        .await
        .unwrap();
    assert_eq!(reached.len(), 1, "level {shown:?}");
    assert_eq!(reached[0].chat_id, USER.to_string());
    assert!(
        bot.storage
            .audience(&Segment::everyone().level(format!("{shown}-other")))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn loyalclient_unknown_phone_is_refused() {
    let (bot, _sandbox) = bot_for("loyalclient", "+79990000000").await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    assert_eq!(
        bot.last(),
        "Номер +79990000000 не зареєстровано в програмі. Введіть інший номер:"
    );
}

#[tokio::test]
async fn manzana_sms_login_balance_history_and_a_purchase_with_lines() {
    let (bot, _sandbox) = bot_for("manzana", "+79200000001").await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    let sms = bot.last();
    let code = sms
        .trim_end_matches(']')
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    assert!(sms.starts_with("[sandbox SMS to +79200000001: "), "{sms}");
    bot.say(&code).await;
    assert_eq!(bot.last(), "Головне меню:");

    bot.press("💰 Баланс").await;
    assert!(bot.last().starts_with("Ваш баланс: "), "{}", bot.last());
    bot.press("⬅️ Назад").await;
    bot.press("📜 Історія бонусів").await;
    assert!(
        !bot.last().contains("Історія поки порожня."),
        "{}",
        bot.last()
    );
    bot.press("⬅️ Назад").await;
    bot.press("🧾 Покупки").await;
    let list = bot.m.last_sent(USER).unwrap();
    let first = list.content.keyboard.unwrap().rows()[0][0]
        .label()
        .to_owned();
    bot.press(&first).await;
    let detail = bot.last();
    assert!(detail.contains("Сума: "), "{detail}");
    assert!(
        detail.contains("• "),
        "the purchase lines are listed: {detail}"
    );
}

#[tokio::test]
async fn a_new_manzana_cheque_is_pushed_once_to_the_linked_chat() {
    use loyalty_bot::purchases::ManzanaPurchases;
    use loyalty_manzana::ManzanaSandbox;
    use loyalty_manzana::sandbox::SandboxCheque;

    let config =
        Config::from_lookup(|k| (k == "LOYALTY_PROVIDER").then(|| "manzana".to_owned())).unwrap();
    let built = app::programme(&config).await.unwrap();
    let client = built.manzana.clone().unwrap();
    let sandbox = built
        .sandbox
        .as_ref()
        .unwrap()
        .downcast_ref::<std::sync::Arc<ManzanaSandbox>>()
        .unwrap()
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let bot = bot_with(
        built.programme,
        built.peek.unwrap(),
        &db,
        dir,
        "+79200000001",
    )
    .await;
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

    let pusher = loyalty_bot::notify::Pusher::new(bot.runner.engine().clone());
    let watcher = ManzanaPurchases::new(
        client.clone(),
        pusher.clone(),
        std::time::Duration::from_secs(60),
    );
    // The first round records the cheques already there: nothing to push.
    assert!(watcher.poll_once().await.unwrap().is_empty());
    let contact = sandbox.contact_id("+79200000001").unwrap();
    sandbox
        .add_cheque(
            &contact,
            &SandboxCheque::new().line(
                "Аспірин",
                loyalty_core::Decimal::from(150),
                loyalty_core::Decimal::from(2),
            ),
        )
        .unwrap();
    // The queue fails: nothing is queued and the cheque stays unseen for the next round.
    let pool = bot.storage.pool();
    sqlx::query(
        "CREATE TRIGGER injected_fault BEFORE INSERT ON rt_outbox BEGIN SELECT RAISE(FAIL, 'injected fault'); END",
    )
    .execute(pool)
    .await
    .unwrap();
    assert!(watcher.poll_once().await.unwrap().is_empty());
    sqlx::query("DROP TRIGGER injected_fault")
        .execute(pool)
        .await
        .unwrap();
    let queued = watcher.poll_once().await.unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    assert_eq!(queued[0].chats.len(), 1);
    assert_eq!(queued[0].chats[0].chat_id, USER.to_string());
    assert_eq!(
        queued[0].event.purchase.sum,
        loyalty_core::Decimal::from(300)
    );
    assert!(watcher.poll_once().await.unwrap().is_empty(), "pushed once");
    bot.runner.drain().await.unwrap();
    assert!(
        bot.last().starts_with("🛍 Нова покупка: 300"),
        "{}",
        bot.last()
    );
    // A restarted watcher on the same storage remembers what was seen.
    let again = ManzanaPurchases::new(client, pusher, std::time::Duration::from_secs(60));
    assert!(again.poll_once().await.unwrap().is_empty());
}

#[tokio::test]
async fn manzana_registers_a_new_phone_through_the_sms_flow() {
    let (bot, _sandbox) = bot_for("manzana", "+79200000077").await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    let sms = bot.last();
    assert!(
        sms.starts_with("[sandbox SMS to +79200000077: "),
        "a new phone gets a registration code: {sms}"
    );
    let code = sms
        .trim_end_matches(']')
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    bot.say(&code).await;
    // Manzana's registration takes the data and requires none of it: every question may be
    // skipped.
    assert_eq!(bot.last(), "Введіть ваше ім'я:");
    let skip = || async {
        let labels: Vec<String> = bot
            .m
            .last_sent(USER)
            .unwrap()
            .content
            .keyboard
            .unwrap()
            .buttons()
            .map(|b| b.label().to_owned())
            .collect();
        assert!(labels.contains(&"⏭ Пропустити".to_owned()), "{labels:?}");
    };
    skip().await;
    bot.say("Іван").await;
    bot.say("Петренко").await;
    assert_eq!(bot.last(), "Введіть ваше по батькові:");
    skip().await;
    bot.press("⏭ Пропустити").await;
    bot.say("01.02.1985").await;
    bot.press("👨 Чоловіча").await;
    assert_eq!(bot.last(), "Введіть ваш e-mail:");
    bot.press("⏭ Пропустити").await;
    let n = bot.texts().len();
    assert_eq!(
        bot.texts()[n - 2],
        "Готово, ви увійшли.",
        "{:?}",
        bot.texts()
    );
    assert_eq!(bot.last(), "Головне меню:");
    // The contact carries the answers, not a bare phone.
    bot.press("👤 Профіль").await;
    assert_eq!(
        bot.last(),
        "Ім'я: Іван\nПрізвище: Петренко\nПо батькові: \nДата народження: 01.02.1985\nСтать: чоловіча\nТелефон: +79200000077\nE-mail: "
    );
    // No delete endpoint configured: the bot says whom to ask.
    bot.press("🗑 Видалити акаунт").await;
    assert!(
        bot.last()
            .starts_with("Програма Manzana не дозволяє видалити акаунт через бот."),
        "{}",
        bot.last()
    );
    let user = bot
        .storage
        .user(&loyalty_bot::storage::ChatKey::new(
            "in_memory",
            USER.to_string(),
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(user.customer_id.is_some(), "the new contact is linked");
}
