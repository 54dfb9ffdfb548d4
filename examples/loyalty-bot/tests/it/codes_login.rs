//! LoyalClient log-in by a code of the bot's own (issue 21): a typed number (and any number on
//! Viber) gets a code over the configured channels, SMS first (the SMS.ru sandbox in process),
//! then a chat of the same customer that is already logged in; the code typed back logs in.
//! Built from configuration as the binary builds it, over the in-memory messenger.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use common::codes::*;
use common::*;
use http::HeaderMap;
use loyalty_bot::codes::{self, BotCodes, SqlCodeStore};
use loyalty_bot::config::Config;
use loyalty_bot::runner::Runner;
use loyalty_bot::storage::ChatKey;
use loyalty_bot::texts::{Lang, Texts};
use loyalty_codes::channels::SmsRuChannel;
use loyalty_codes::{Action, CodeError, CodeService};
use loyalty_core::{ExposeSecret, ManualClock, Phone, Region, SecretString};
use messenger_core::{
    ButtonAnswer, CallbackRef, ChatRef, FileRef, InMemoryMessenger, Limits, MessageRef, Messenger,
    MessengerError, MessengerKind, OutgoingMessage, Update, UpdateKind,
};

#[tokio::test]
async fn a_typed_number_gets_an_sms_code_and_the_code_logs_in() {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    let bot = &lc.bot;
    bot.say("/start").await;
    bot.say("+7 920 123 45 67").await;
    let n = bot.texts().len();
    assert_eq!(
        bot.texts()[n - 2],
        "Ми надіслали SMS з кодом на +79201234567. Введіть код:"
    );
    let sms = lc.sms().messages();
    assert_eq!(sms.len(), 1);
    assert_eq!(sms[0].to, "79201234567");
    let code = lc.sms_code();
    assert_eq!(code.len(), 6);
    // The offline demo shows the sandbox SMS, as for the providers' sandbox codes.
    assert_eq!(
        bot.last(),
        format!(
            "[sandbox SMS to +79201234567: Код для входу: {code}. Нікому його не повідомляйте.]"
        )
    );
    assert!(!lc.logged_in(USER).await);
    bot.say(&code).await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Готово, ви увійшли.");
    assert_eq!(bot.last(), "Головне меню:");
    assert!(lc.logged_in(USER).await);
    bot.press("💰 Баланс").await;
    assert!(bot.last().starts_with("Ваш баланс: "), "{}", bot.last());
    // The message log (shown in the panel) keeps the typed phone, but not the code.
    let logged: Vec<Option<String>> =
        sqlx::query_scalar("SELECT body FROM bot_message_log WHERE direction = 'in' ORDER BY at")
            .fetch_all(bot.storage.pool())
            .await
            .unwrap();
    assert!(
        logged.contains(&Some("+7 920 123 45 67".to_owned())),
        "{logged:?}"
    );
    assert!(
        logged.contains(&Some(loyalty_bot::runner::CODE_MASK.to_owned())),
        "{logged:?}"
    );
    assert!(
        !logged.contains(&Some(code.clone())),
        "the code was logged: {logged:?}"
    );
}

#[tokio::test]
async fn russian_texts_of_the_code_log_in() {
    let lc = lc_bot(&[], Lang::Ru, |m| m).await;
    let bot = &lc.bot;
    bot.say("/start").await;
    bot.say("+7 920 123 45 67").await;
    let n = bot.texts().len();
    assert_eq!(
        bot.texts()[n - 2],
        "Мы отправили SMS с кодом на +79201234567. Введите код:"
    );
    let code = lc.sms_code();
    bot.say("000000").await;
    if code != "000000" {
        assert_eq!(
            bot.last(),
            "Код неверный. Осталось попыток: 4. Попробуйте ещё раз:"
        );
    }
    bot.say(&code).await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Готово, вы вошли.");
}

#[tokio::test]
async fn the_own_contact_still_logs_in_directly_without_a_code() {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    lc.bot.say("/start").await;
    lc.bot.press("📱 Надіслати номер").await;
    let n = lc.bot.texts().len();
    assert_eq!(lc.bot.texts()[n - 2], "Готово, ви увійшли.");
    assert!(lc.sms().messages().is_empty(), "no SMS was bought");
}

#[tokio::test]
async fn an_unknown_number_gets_no_code() {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    lc.bot.say("/start").await;
    lc.bot.say("+7 999 000 00 00").await;
    assert_eq!(
        lc.bot.last(),
        "Номер +79990000000 не зареєстровано в програмі. Введіть інший номер:"
    );
    assert!(lc.sms().messages().is_empty());
}

/// Logs the customer in on chat OTHER with the contact button (Telegram-like: vouched).
async fn link_other_chat(lc: &LcBot) {
    lc.as_user(OTHER, "/start").await;
    let u = lc.bot.m.press(OTHER, "📱 Надіслати номер").unwrap();
    lc.bot.feed(u).await;
    assert!(lc.logged_in(OTHER).await);
}

#[tokio::test]
async fn when_the_sms_fails_the_chat_of_a_linked_account_gets_the_code() {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    link_other_chat(&lc).await;
    let before_other = lc.bot.m.sent_texts(OTHER).len();
    // The SMS gateway's account is empty: SMS.ru answers 201.
    lc.sms().set_credit(0);
    lc.bot.say("/start").await;
    lc.bot.say("+7 920 123 45 67").await;
    assert_eq!(
        lc.bot.last(),
        "Ми надіслали код у ваш інший чат із ботом, де ви вже увійшли з цим номером. Введіть код:"
    );
    let other = lc.bot.m.sent_texts(OTHER);
    assert_eq!(other.len(), before_other + 1);
    let message = other.last().unwrap();
    let code = digits(message);
    assert_eq!(
        *message,
        format!(
            "🔐 Код для входу в програму лояльності з іншого чату: {code}. Якщо це не ви, нікому його не повідомляйте."
        )
    );
    // The asking chat never sees the code.
    assert!(
        lc.bot.texts().iter().all(|t| !t.contains(&code)),
        "{:?}",
        lc.bot.texts()
    );
    lc.bot.say(&code).await;
    let n = lc.bot.texts().len();
    assert_eq!(lc.bot.texts()[n - 2], "Готово, ви увійшли.");
}

#[tokio::test]
async fn when_every_channel_fails_the_bot_says_so() {
    for (lang, want) in [
        (
            Lang::Uk,
            "Не вдалося надіслати код підтвердження жодним способом. Спробуйте пізніше або зверніться до підтримки програми.",
        ),
        (
            Lang::Ru,
            "Не удалось отправить код подтверждения ни одним способом. Попробуйте позже или обратитесь в поддержку программы.",
        ),
    ] {
        let lc = lc_bot(&[], lang, |m| m).await;
        // No linked chat, and SMS.ru temporarily unavailable.
        lc.sms().fail_next(220);
        lc.bot.say("/start").await;
        lc.bot.say("+7 920 123 45 67").await;
        assert_eq!(lc.bot.last(), want);
        assert!(!lc.logged_in(USER).await);
        // Nothing to type a code into: a number starts over.
        lc.bot.say("123456").await;
        assert!(!lc.logged_in(USER).await);
    }
}

#[tokio::test]
async fn the_chat_channel_never_sends_to_the_asking_chat() {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    // USER itself is the only chat linked to the phone (say, logged in on this very chat).
    lc.bot.say("/start").await;
    lc.bot.press("📱 Надіслати номер").await;
    let phone = Phone::parse(PHONE, Region::RU).unwrap();
    lc.sms().set_credit(0);
    let asking = ChatKey::new("in_memory", USER.to_string());
    let n = lc.bot.texts().len();
    let e = lc
        .codes
        .send(Action::LogIn, &phone, None, Some(&asking), Lang::Uk)
        .await
        .unwrap_err();
    assert!(matches!(e, CodeError::AllChannelsFailed { .. }), "{e:?}");
    assert_eq!(
        lc.bot.texts().len(),
        n,
        "nothing was sent to the asking chat"
    );
    // Another chat asking: USER's chat is linked and gets it.
    let other = ChatKey::new("in_memory", OTHER.to_string());
    let r = lc
        .codes
        .send(Action::LogIn, &phone, None, Some(&other), Lang::Uk)
        .await
        .unwrap();
    assert_eq!(r.delivered_via.as_str(), "chat");
    assert_eq!(lc.bot.texts().len(), n + 1);
}

#[tokio::test]
async fn wrong_codes_are_counted_and_the_limit_asks_for_a_new_code() {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    let bot = &lc.bot;
    bot.say("/start").await;
    bot.say("+7 920 123 45 67").await;
    let code = lc.sms_code();
    let wrong = if code == "111111" { "222222" } else { "111111" };
    for left in (1..=4).rev() {
        bot.say(wrong).await;
        assert_eq!(
            bot.last(),
            format!("Код невірний. Залишилось спроб: {left}. Спробуйте ще раз:")
        );
    }
    bot.say(wrong).await;
    assert_eq!(
        bot.last(),
        "Забагато невдалих спроб. Надішліть номер ще раз, щоб отримати новий код."
    );
    // The right code no longer works: the number starts over.
    bot.say(&code).await;
    assert!(!lc.logged_in(USER).await);
    bot.say("+7 920 123 45 67").await;
    let fresh = lc.sms_code();
    bot.say(&fresh).await;
    assert!(lc.logged_in(USER).await);
}

/// Like [`lc_bot`], but with the code service on a manual clock.
async fn lc_bot_with_clock(clock: Arc<ManualClock>) -> LcBot {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    let sandbox = lc.sms();
    let service = CodeService::builder(
        codes::programme(&[codes::ChannelKind::Sms]),
        Arc::new(SqlCodeStore::new(&lc.bot.storage)),
        SecretString::from("a test pepper of more than thirty-two characters"),
    )
    .clock(clock)
    .channel(Arc::new(
        SmsRuChannel::builder(SecretString::from("sandbox-api-id"))
            .base_url(sandbox.base_url())
            .build()
            .unwrap(),
    ))
    .build()
    .unwrap();
    let codes = BotCodes::from_service(
        service,
        lc.bot.storage.clone(),
        loyalty_loyalclient::PROVIDER,
        lc.codes.routes().clone(),
        Some(sandbox),
    );
    let engine = lc.bot.runner.engine().clone().with_codes(codes.clone());
    let runner = Runner::new(engine, lc.bot.m.clone());
    LcBot {
        bot: Bot { runner, ..lc.bot },
        codes,
        _guard: lc._guard,
    }
}

#[tokio::test]
async fn an_expired_code_is_replaced_by_a_new_one() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let lc = lc_bot_with_clock(clock.clone()).await;
    let bot = &lc.bot;
    bot.say("/start").await;
    bot.say("+7 920 123 45 67").await;
    let old = lc.sms_code();
    clock.advance(chrono::Duration::minutes(6));
    bot.say(&old).await;
    let texts = bot.texts();
    let n = texts.len();
    assert_eq!(texts[n - 3], "Термін дії коду минув. Надсилаємо новий.");
    assert_eq!(
        texts[n - 2],
        "Ми надіслали SMS з кодом на +79201234567. Введіть код:"
    );
    assert_eq!(lc.sms().messages().len(), 2);
    let new = lc.sms_code();
    assert!(!lc.logged_in(USER).await);
    bot.say(&new).await;
    assert!(lc.logged_in(USER).await);
}

/// The in-memory messenger playing Viber: a contact card there proves nothing.
struct Viber(Arc<InMemoryMessenger>);

#[async_trait]
impl Messenger for Viber {
    fn kind(&self) -> MessengerKind {
        MessengerKind::Viber
    }
    fn limits(&self) -> &Limits {
        self.0.limits()
    }
    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        self.0.send(chat, message).await
    }
    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        self.0.edit(message, new).await
    }
    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        self.0.answer_button(callback, answer).await
    }
    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        self.0.download(file).await
    }
    fn parse_webhook(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        self.0.parse_webhook(headers, body)
    }
}

fn on_viber(mut u: Update) -> Update {
    u.messenger = MessengerKind::Viber;
    if let UpdateKind::Contact(c) = &mut u.kind {
        c.is_own = false;
    }
    u
}

#[tokio::test]
async fn on_viber_a_loyalclient_customer_logs_in_by_code() {
    let lc = lc_bot(&[], Lang::Uk, |m| Arc::new(Viber(m))).await;
    let bot = &lc.bot;
    bot.feed(on_viber(bot.m.user_says(USER, "/start"))).await;
    // A contact card (anyone can share a customer's) only gets a code sent to that number.
    bot.feed(on_viber(bot.m.share_contact(USER, PHONE))).await;
    let n = bot.texts().len();
    assert_eq!(
        bot.texts()[n - 2],
        "Ми надіслали SMS з кодом на +79201234567. Введіть код:"
    );
    assert!(!lc.logged_in(USER).await, "a contact card logs nobody in");
    let code = lc.sms_code();
    bot.feed(on_viber(bot.m.user_says(USER, &code))).await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Готово, ви увійшли.");
    assert!(lc.logged_in(USER).await);
}

#[tokio::test]
async fn code_requests_share_the_bots_one_budget() {
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    let budget = loyalty_bot::engine::CodeBudget {
        per_phone: 2,
        per_chat: 10,
        window: chrono::Duration::hours(1),
    };
    let engine = lc.bot.runner.engine().clone().with_code_budget(budget);
    let bot = Bot {
        runner: Runner::new(engine, lc.bot.m.clone()),
        ..lc.bot
    };
    bot.say("/start").await;
    bot.say("+7 920 123 45 67").await;
    bot.say("+7 920 123 45 67").await;
    let sms = lc.codes.sms_sandbox().unwrap().clone();
    assert_eq!(sms.messages().len(), 2);
    // The third request within the hour: no SMS, the bot's usual answer.
    bot.say("+7 920 123 45 67").await;
    // 60 minutes, or 59 on a slow machine (the window started at the first request).
    let last = bot.last();
    assert!(
        [60, 59].iter().any(|m| last
            == format!("Забагато запитів коду підтвердження. Спробуйте ще раз через {m} хв.")),
        "{last}"
    );
    assert_eq!(sms.messages().len(), 2);
}

#[tokio::test]
async fn a_viber_user_gets_the_code_in_their_chat_on_another_messenger() {
    let lc = lc_bot(&[], Lang::Uk, |m| Arc::new(Viber(m))).await;
    // The customer is logged in on the in-memory messenger (Telegram-like) as chat OTHER.
    lc.codes.routes().register(lc.bot.m.clone());
    let other = Runner::new(lc.bot.runner.engine().clone(), lc.bot.m.clone());
    for u in [
        lc.bot.m.user_says(OTHER, "/start"),
        lc.bot.m.share_contact(OTHER, PHONE),
    ] {
        other.accept(&[u]).await.unwrap();
        other.drain().await.unwrap();
    }
    let linked = ChatKey::new("in_memory", OTHER.to_string());
    assert!(
        lc.bot
            .storage
            .user(&linked)
            .await
            .unwrap()
            .is_some_and(|u| u.session.is_some())
    );
    let before = lc.bot.m.sent_texts(OTHER).len();
    // On Viber, with SMS down, the code goes to that chat.
    lc.sms().fail_next(220);
    let bot = &lc.bot;
    bot.feed(on_viber(bot.m.user_says(USER, "/start"))).await;
    bot.feed(on_viber(bot.m.user_says(USER, "+7 920 123 45 67")))
        .await;
    assert_eq!(
        bot.last(),
        "Ми надіслали код у ваш інший чат із ботом, де ви вже увійшли з цим номером. Введіть код:"
    );
    let texts = lc.bot.m.sent_texts(OTHER);
    assert_eq!(texts.len(), before + 1);
    let code = digits(texts.last().unwrap());
    bot.feed(on_viber(bot.m.user_says(USER, &code))).await;
    assert!(lc.logged_in(USER).await);
}

/// The control panel's Codes page over the bot (issue 21): it shows the configured actions and
/// channels; a new log-in message is what the next SMS says; log-in cannot be turned off; the
/// change is saved and a restart on the same database applies it again.
#[tokio::test]
async fn the_panels_code_settings_reach_the_next_code_and_survive_a_restart() {
    use control_panel::{PanelBackend, PanelStore};
    let lc = lc_bot(&[], Lang::Uk, |m| m).await;
    let storage = &lc.bot.storage;
    let panel = loyalty_bot::panel::BotPanel::new(
        storage.pool().clone(),
        Arc::new(Texts::built_in()),
        PanelStore::from_pool(storage.pool().clone()).await.unwrap(),
        loyalty_bot::panel::bot_info("loyalclient", ["in_memory".to_owned()]),
    )
    .with_codes(lc.codes.clone());
    let settings = panel.code_settings("loyalclient").await.unwrap().unwrap();
    assert_eq!(
        settings.channels,
        ["chat", "sms"],
        "the registered channels"
    );
    let log_in = settings.actions[0].clone();
    assert_eq!(
        (log_in.action.as_str(), log_in.required, log_in.optional),
        ("log_in", true, false)
    );
    assert_eq!(log_in.channels, ["sms", "chat"]);
    assert_eq!(
        log_in.templates["uk"],
        "Код для входу: {code}. Нікому його не повідомляйте."
    );

    let mut off = log_in.clone();
    off.required = false;
    let e = panel
        .set_code_settings("loyalclient", &off)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("always needs a code"), "{e}");

    let mut edited = log_in.clone();
    edited
        .templates
        .insert("uk".into(), "Панель: ваш код {code}".into());
    panel
        .set_code_settings("loyalclient", &edited)
        .await
        .unwrap();
    lc.bot.say("/start").await;
    lc.bot.say("+7 920 123 45 67").await;
    let sms = lc.sms().messages();
    let text = sms.last().unwrap().text.expose_secret().to_owned();
    assert!(text.starts_with("Панель: ваш код "), "{text}");

    // A restart: the code service is built from configuration again, then the saved settings.
    let config =
        Config::from_lookup(|k| (k == "LOYALTY_PROVIDER").then(|| "loyalclient".into())).unwrap();
    let again = codes::for_config(&config, storage, &Texts::built_in())
        .await
        .unwrap()
        .unwrap();
    let restored = again.panel_settings();
    assert_eq!(
        restored.actions[0].templates["uk"],
        "Панель: ваш код {code}"
    );
}
