//! Callback data the bot receives: buttons of older messages (the wire strings it has always
//! sent) still work, and data it never sent is answered, not a failed update.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use messenger_core::{Update, UpdateKind};

/// A press of a button shown to the user, carrying `data` instead of the button's own.
fn press_with(e: &Ergo, label: &str, data: &str) -> Update {
    let mut u = e.bot.m.press(USER, label).unwrap();
    match &mut u.kind {
        UpdateKind::ButtonPress(p) => p.data = data.to_owned(),
        other => panic!("not a button press: {other:?}"),
    }
    u
}

#[tokio::test]
async fn data_the_bot_never_sent_is_unknown_input_and_the_menu() {
    let e = ergo_bot().await;
    log_in(&e).await;
    for data in ["m:nonsense", "hp:abc", "mo:1", "", "tt:-1"] {
        let n = e.bot.texts().len();
        e.bot.feed(press_with(&e, "💰 Баланс", data)).await;
        assert_eq!(
            e.bot.texts()[n..],
            ["Не зрозумів. Оберіть дію в меню.", "Головне меню:"],
            "{data:?}"
        );
    }
    let counts = e
        .bot
        .storage
        .runtime_store()
        .counts("in_memory")
        .await
        .unwrap();
    assert_eq!(counts.quarantined, 0, "{counts:?}");
}

#[tokio::test]
async fn old_button_strings_still_run_their_actions() {
    let e = ergo_bot().await;
    log_in(&e).await;
    e.bot.feed(press_with(&e, "📰 Новини", "m:balance")).await;
    assert!(
        e.bot
            .last()
            .starts_with("Ваш баланс: 1\u{a0}250\u{a0}балів."),
        "{}",
        e.bot.last()
    );
    e.bot.feed(press_with(&e, "⬅️ Назад", "m:quick")).await;
    assert_eq!(
        e.bot.last(),
        "Введіть серійний номер товару або надішліть фото штрих-коду:"
    );
}
