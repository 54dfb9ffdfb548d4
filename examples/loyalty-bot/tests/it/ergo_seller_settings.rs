//! Settings of the dialogues, end to end: support out of its working hours (a fixed clock), and
//! the configurable greeting and web cabinet URL button of the main menu (seed 002).
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use common::sellers::*;
use common::*;
use loyalty_bot::support_hours::SupportHours;
use loyalty_bot::texts::Texts;
use loyalty_core::ManualClock;
use messenger_core::Button;

/// Sunday 13 December 2026, 12:00 UTC (14:00 in UTC+02:00).
fn sunday_noon() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 13, 12, 0, 0).unwrap()
}

#[tokio::test]
async fn support_out_of_hours_says_when_it_answers() {
    let engine_clock = Arc::new(ManualClock::new(sunday_noon()));
    let hours = SupportHours::from_vars("Mon-Fri 09:00-18:00", "+02:00").unwrap();
    let c = engine_clock.clone();
    let e = seller_bot(Texts::built_in(), move |en| {
        en.with_support_hours(hours).with_clock(c)
    })
    .await;
    log_in(&e).await;
    e.bot.press("💬 Підтримка").await;
    assert_eq!(
        e.bot.last(),
        "🌙 Зараз неробочий час підтримки (графік: Пн–Пт 09:00–18:00 (UTC+02:00)). Ваше питання опрацюють найближчим робочим часом: пн 14.12 09:00.\nНапишіть питання (можна додати фото):"
    );
    e.bot.say("Не реєструється серійний номер").await;
    let n = e.bot.texts().len();
    assert_eq!(
        e.bot.texts()[n - 2],
        "Питання надіслано. Зараз неробочий час (графік: Пн–Пт 09:00–18:00 (UTC+02:00)), його опрацюють найближчим робочим часом: пн 14.12 09:00."
    );
    assert_eq!(e.bot.last(), "Головне меню:");

    // Monday 10:00 UTC is 12:00 there: open.
    engine_clock.set(Utc.with_ymd_and_hms(2026, 12, 14, 10, 0, 0).unwrap());
    e.bot.press("💬 Підтримка").await;
    assert_eq!(e.bot.last(), "Напишіть питання (можна додати фото):");
    e.bot.say("Ще одне питання").await;
    let n = e.bot.texts().len();
    assert_eq!(
        e.bot.texts()[n - 2],
        "Питання надіслано, відповімо найближчим робочим часом."
    );
    assert_eq!(e.sandbox.questions().len(), 2);

    // Friday 16:00 UTC is 18:00 there: closed, in Russian.
    engine_clock.set(Utc.with_ymd_and_hms(2026, 12, 18, 16, 0, 0).unwrap());
    switch_to_russian(&e).await;
    e.bot.press("💬 Поддержка").await;
    assert_eq!(
        e.bot.last(),
        "🌙 Сейчас нерабочее время поддержки (график: Пн–Пт 09:00–18:00 (UTC+02:00)). Ваш вопрос обработают в ближайшее рабочее время: пн 21.12 09:00.\nНапишите вопрос (можно добавить фото):"
    );
}

#[tokio::test]
async fn greeting_and_web_cabinet_button_from_configuration() {
    // Without a web cabinet: no URL button.
    let plain = ergo_bot().await;
    log_in(&plain).await;
    let kb = plain
        .bot
        .m
        .last_sent(USER)
        .unwrap()
        .content
        .keyboard
        .unwrap();
    assert!(!kb.buttons().any(|b| matches!(b, Button::Url { .. })));

    let texts = Texts::with_overrides(
        r#"{"uk": {"greeting": "Привіт, {name}! Ласкаво просимо до {programme}.", "button_web_cabinet": "Мій кабінет"}}"#,
    )
    .unwrap();
    let e = seller_bot(texts, |en| {
        en.with_web_cabinet("https://club.ergo-global.com/cabinet")
    })
    .await;
    e.bot.say("/start").await;
    assert_eq!(
        e.bot.last(),
        "Привіт, User 7! Ласкаво просимо до ERGO CLUB."
    );
    e.bot.press("📱 Надіслати номер").await;
    let code = code(&e.sandbox, SELLER);
    e.bot.say(&code).await;
    assert_eq!(e.bot.last(), "Головне меню:");
    let kb = e.bot.m.last_sent(USER).unwrap().content.keyboard.unwrap();
    assert_eq!(
        kb.rows().last().unwrap(),
        &vec![Button::url(
            "Мій кабінет",
            "https://club.ergo-global.com/cabinet"
        )]
    );
    // The Russian label is the built-in one.
    switch_to_russian(&e).await;
    let kb = e.bot.m.last_sent(USER).unwrap().content.keyboard.unwrap();
    assert_eq!(
        kb.rows().last().unwrap(),
        &vec![Button::url(
            "🌐 Веб-кабинет",
            "https://club.ergo-global.com/cabinet"
        )]
    );
}
