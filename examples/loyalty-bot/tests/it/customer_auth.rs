//! Customers who are not members yet, and the other ways BonusMoney proves a phone: sign-up
//! with every field checked (the sandbox's stored customer, and the request on the wire), a
//! profile edit that sends the whole profile, login by call and by captcha.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;

use common::*;
use loyalty_bonusmoney::mock::{BmOp, BonusMoneyMock};
use loyalty_bonusmoney::models::{AuthType, Customer};
use loyalty_bot::engine::Programme;
use loyalty_bot::storage::ChatKey;
use loyalty_core::{Phone, Region};
use serde_json::{Value, json};

const NEW: &str = "+77000000001";

/// A bot over a BonusMoney client whose user shares `phone`, with the sandbox's codes shown
/// when `sandbox` is given.
async fn bm_bot(
    client: loyalty_bonusmoney::BonusMoneyClient,
    sandbox: Option<Arc<loyalty_bonusmoney::BonusMoneySandbox>>,
    phone: &str,
) -> Bot {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bot.db").display());
    let peek: loyalty_bot::engine::CodePeek = match sandbox {
        Some(sb) => Arc::new(move |p| sb.last_code(p)),
        None => Arc::new(|_| None),
    };
    bot_with(Programme::BonusMoney { client }, peek, &db, dir, phone).await
}

/// The session token the bot stored for the chat.
async fn stored_token(bot: &Bot) -> String {
    use loyalty_core::ExposeSecret;
    let key = ChatKey::new("in_memory", USER.to_string());
    let user = bot.storage.user(&key).await.unwrap().unwrap();
    let session = user.session.unwrap().decode().unwrap();
    session.token().expose_secret().to_owned()
}

fn labels(bot: &Bot) -> Vec<String> {
    bot.m
        .last_sent(USER)
        .unwrap()
        .content
        .keyboard
        .map(|k| k.buttons().map(|b| b.label().to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_new_bonusmoney_customer_signs_up_with_every_field_checked() {
    let sandbox = Arc::new(
        loyalty_bonusmoney::BonusMoneySandbox::start()
            .await
            .unwrap(),
    );
    let bot = bm_bot(sandbox.client().unwrap(), Some(sandbox.clone()), NEW).await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    let phone = Phone::parse(NEW, Region::RU).unwrap();
    bot.say(&sandbox.last_code(&phone).unwrap()).await;
    let n = bot.texts().len();
    assert_eq!(
        bot.texts()[n - 2],
        "Вас ще немає в програмі BonusMoney. Зареєструємося: кілька запитань про вас."
    );
    assert_eq!(bot.last(), "Введіть ваше ім'я:");
    assert!(
        labels(&bot).is_empty(),
        "BonusMoney requires the name: no skip"
    );
    bot.say("1234").await;
    assert!(
        bot.last().starts_with("Це не схоже на ім'я"),
        "{}",
        bot.last()
    );
    bot.say("Олена").await;
    assert_eq!(bot.last(), "Введіть ваше прізвище:");
    bot.say("Коваль").await;
    assert_eq!(bot.last(), "Введіть ваше по батькові:");
    bot.say("Петрівна").await;
    assert!(bot.last().starts_with("Введіть дату народження"));
    bot.say("31.02.1990").await;
    assert!(bot.last().starts_with("Не вдалося прочитати дату"));
    bot.say("30.05.2020").await;
    assert!(bot.last().starts_with("Перевірте рік"), "{}", bot.last());
    bot.say("30.05.1990").await;
    assert_eq!(bot.last(), "Оберіть стать кнопкою нижче:");
    assert_eq!(labels(&bot), ["👨 Чоловіча", "👩 Жіноча"]);
    bot.press("👩 Жіноча").await;
    assert_eq!(bot.last(), "Введіть ваш e-mail:");
    bot.say("olena@").await;
    assert!(bot.last().starts_with("Це не схоже на адресу e-mail"));
    bot.say("olena@example.com").await;
    let texts = bot.texts();
    let n = texts.len();
    assert_eq!(texts[n - 3], "Вітаємо в програмі! Реєстрацію завершено.");
    assert_eq!(texts[n - 2], "Готово, ви увійшли.");
    assert_eq!(texts[n - 1], "Головне меню:");

    // What the programme stored is every answer.
    let client = sandbox.client().unwrap();
    let token = loyalty_core::SecretString::from(stored_token(&bot).await);
    let c = client.get_customer(&token).await.unwrap();
    assert_eq!(c.name.as_deref(), Some("Олена"));
    assert_eq!(c.surname.as_deref(), Some("Коваль"));
    assert_eq!(c.patronymic.as_deref(), Some("Петрівна"));
    assert_eq!(c.b_date, chrono::NaiveDate::from_ymd_opt(1990, 5, 30));
    assert_eq!(c.male, Some(false));
    assert_eq!(c.email.as_deref(), Some("olena@example.com"));
}

#[tokio::test]
async fn the_sign_up_request_carries_every_required_field_in_russian_too() {
    let server = wiremock::MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    bm.needs_sign_up("su-token-1").await;
    let mut created = Customer::new("+7 (700) 000-00-01");
    created.bmtoken = Some(loyalty_core::SecretString::from("bm-1").into());
    bm.answer(BmOp::SignUp, &created).await;
    let bot = bm_bot(bm.client(), None, NEW).await;
    bot.say("/lang").await;
    bot.say("/start").await;
    bot.press("📱 Отправить номер").await;
    bot.say("1234").await;
    assert_eq!(bot.last(), "Введите ваше имя:");
    for answer in ["Алексей", "Алексеев", "Алексеевич", "1990-05-30"] {
        bot.say(answer).await;
    }
    assert_eq!(bot.last(), "Выберите пол кнопкой ниже:");
    bot.say("мужской").await;
    assert_eq!(bot.last(), "Введите ваш e-mail:");
    bot.say("my@mail.ru").await;
    assert_eq!(bot.last(), "Главное меню:");
    let sent = bm.requests(BmOp::SignUp).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0],
        json!({
            "name": "Алексей",
            "surname": "Алексеев",
            "patronymic": "Алексеевич",
            "bDate": "1990-05-30",
            "male": true,
            "email": "my@mail.ru",
            "signUpToken": "su-token-1"
        })
    );
}

fn full_customer() -> Customer {
    let mut c = Customer::new("+7 (777) 777-77-77");
    c.name = Some("Алексей".into());
    c.surname = Some("Алексеев".into());
    c.patronymic = Some("Алексеевич".into());
    c.b_date = chrono::NaiveDate::from_ymd_opt(1990, 5, 30);
    c.male = Some(true);
    c.email = Some("my@mail.ru".into());
    c
}

#[tokio::test]
async fn a_profile_edit_sends_the_whole_profile_with_the_changed_field() {
    let server = wiremock::MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    bm.logs_in(&full_customer(), "tok-1").await;
    bm.customer(&full_customer()).await;
    let mut updated = full_customer();
    updated.surname = Some("Шевченко".into());
    wiremock::Mock::given(wiremock::matchers::path(
        "/mobileapp/card_v2/updateCustomer",
    ))
    .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(&updated))
    .mount(&server)
    .await;
    let bot = bm_bot(bm.client(), None, CUSTOMER).await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    bot.say("1234").await;
    bot.press("👤 Профіль").await;
    assert_eq!(
        bot.last(),
        "Ім'я: Алексей\nПрізвище: Алексеев\nПо батькові: Алексеевич\nДата народження: 30.05.1990\nСтать: чоловіча\nТелефон: +77777777777\nE-mail: my@mail.ru"
    );
    bot.press("✏️ Прізвище").await;
    assert_eq!(bot.last(), "Введіть ваше прізвище:");
    bot.say("42").await;
    assert!(bot.last().starts_with("Це не схоже на ім'я"));
    bot.say("Шевченко").await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Профіль збережено.");
    let sent: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/mobileapp/card_v2/updateCustomer")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(
        sent,
        [json!({
            "name": "Алексей",
            "surname": "Шевченко",
            "patronymic": "Алексеевич",
            "bDate": "1990-05-30",
            "male": true,
            "email": "my@mail.ru"
        })]
    );
    // BonusMoney has no deletion: the profile says whom to ask.
    bot.press("👤 Профіль").await;
    bot.press("🗑 Видалити акаунт").await;
    assert!(
        bot.last()
            .starts_with("Програма BonusMoney не дозволяє видалити акаунт через бот."),
        "{}",
        bot.last()
    );
}

#[tokio::test]
async fn login_by_call_shows_the_number_and_done_confirms_it() {
    let server = wiremock::MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::CallPass).await;
    bm.logs_in(&full_customer(), "tok-1").await;
    let bot = bm_bot(bm.client(), None, CUSTOMER).await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    assert_eq!(
        bot.last(),
        "Щоб підтвердити номер, зателефонуйте на +7 (800) 100-22-33 зі свого телефону, потім натисніть «Готово»."
    );
    assert_eq!(labels(&bot), ["✅ Готово"]);
    // "Done" before the call arrived: the programme says no, the button stays.
    wiremock::Mock::given(wiremock::matchers::path(BmOp::VerifyByCall.path()))
        .respond_with(
            wiremock::ResponseTemplate::new(400)
                .set_body_json(json!({"message": "Звонок с этого номера не найден"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    bot.press("✅ Готово").await;
    assert_eq!(
        bot.last(),
        "Дзвінок з вашого номера ще не надійшов. Зателефонуйте на +7 (800) 100-22-33 і натисніть «Готово»."
    );
    assert_eq!(labels(&bot), ["✅ Готово"]);
    // Typing the number called is "done", not a new login.
    bot.say("+7 (800) 100-22-33").await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Готово, ви увійшли.");
    assert_eq!(bot.last(), "Головне меню:");
    assert_eq!(bm.requests(BmOp::GetOptions).await.len(), 1);
    let calls = bm.requests(BmOp::VerifyByCall).await;
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["to"], "+7 (800) 100-22-33");
    assert_eq!(calls[0]["phone"], "+7 (777) 777-77-77");
}

#[tokio::test]
async fn the_done_button_confirms_the_call_in_russian() {
    let server = wiremock::MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::CallPass).await;
    bm.logs_in(&full_customer(), "tok-1").await;
    let bot = bm_bot(bm.client(), None, CUSTOMER).await;
    bot.say("/lang").await;
    bot.say("/start").await;
    bot.press("📱 Отправить номер").await;
    assert!(bot.last().contains("позвоните на +7 (800) 100-22-33"));
    bot.press("✅ Готово").await;
    let n = bot.texts().len();
    assert_eq!(bot.texts()[n - 2], "Готово, вы вошли.");
}

#[tokio::test]
async fn login_by_captcha_sends_the_picture_and_reads_the_answer() {
    let sandbox = Arc::new(
        loyalty_bonusmoney::BonusMoneySandbox::builder()
            .captcha_after(1)
            .start()
            .await
            .unwrap(),
    );
    let bot = bm_bot(
        sandbox.client().unwrap(),
        Some(sandbox.clone()),
        "+77777777777",
    )
    .await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    assert!(bot.last().starts_with("[sandbox SMS"), "{}", bot.last());
    // A second request: the programme wants a captcha first.
    bot.say("+7 777 777 77 77").await;
    let sent = bot.m.last_sent(USER).unwrap();
    assert_eq!(sent.text(), "Введіть символи з картинки, щоб отримати код:");
    let image = sent
        .content
        .image
        .clone()
        .expect("the captcha picture is sent");
    assert!(matches!(image, messenger_core::Image::Bytes { .. }));
    bot.say("wrong").await;
    let again = bot.m.last_sent(USER).unwrap();
    assert_eq!(again.text(), "Символи не збіглися. Ось нова картинка:");
    assert!(again.content.image.is_some());
    bot.say(loyalty_bonusmoney::sandbox::CAPTCHA_ANSWER).await;
    assert!(bot.last().starts_with("[sandbox SMS"), "{}", bot.last());
    let phone = Phone::parse(CUSTOMER, Region::RU).unwrap();
    bot.say(&sandbox.last_code(&phone).unwrap()).await;
    assert_eq!(bot.last(), "Головне меню:");
}

#[tokio::test]
async fn what_the_programme_pre_fills_is_not_asked_again() {
    use loyalty_bonusmoney::sandbox::PREFILL_PHONE;
    let sandbox = Arc::new(
        loyalty_bonusmoney::BonusMoneySandbox::start()
            .await
            .unwrap(),
    );
    let phone = Phone::parse(PREFILL_PHONE, Region::RU).unwrap();
    let bot = bm_bot(
        sandbox.client().unwrap(),
        Some(sandbox.clone()),
        phone.e164(),
    )
    .await;
    bot.say("/start").await;
    bot.press("📱 Надіслати номер").await;
    bot.say(&sandbox.last_code(&phone).unwrap()).await;
    // The name, birth date, gender and e-mail come from the company's profile.
    assert_eq!(bot.last(), "Введіть ваше прізвище:");
    bot.say("Алексеев").await;
    assert_eq!(bot.last(), "Введіть ваше по батькові:");
    bot.say("Алексеевич").await;
    assert_eq!(bot.last(), "Головне меню:");
    let token = loyalty_core::SecretString::from(stored_token(&bot).await);
    let c = sandbox
        .client()
        .unwrap()
        .get_customer(&token)
        .await
        .unwrap();
    assert_eq!(c.name.as_deref(), Some("Алексей"));
    assert_eq!(c.surname.as_deref(), Some("Алексеев"));
    assert_eq!(c.patronymic.as_deref(), Some("Алексеевич"));
    assert_eq!(c.b_date, chrono::NaiveDate::from_ymd_opt(1990, 5, 30));
    assert_eq!(c.male, Some(true));
    assert_eq!(c.email.as_deref(), Some("my@mail.ru"));
}
