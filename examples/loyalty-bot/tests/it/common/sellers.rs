//! Helpers of the ERGO seller flow tests (`ergo_sellers`, `ergo_seller_errors`,
//! `ergo_seller_settings`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use loyalty_bot::engine::{Engine, Programme};
use loyalty_bot::runner::Runner;
use loyalty_bot::storage::Storage;
use loyalty_bot::texts::{Lang, Texts};
use loyalty_core::{Clock, ManualClock};
use loyalty_ergo::ActionsCache;
use loyalty_ergo::sandbox::{ErgoSandbox, SandboxConfig};
use messenger_core::{InMemoryMessenger, Update, UpdateKind};

use super::{Bot, Ergo, SELLER, USER};

/// An ERGO bot with `texts` and the engine tuned by `tune`.
pub async fn seller_bot(texts: Texts, tune: impl FnOnce(Engine) -> Engine) -> Ergo {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let sandbox = Arc::new(
        ErgoSandbox::start_with(SandboxConfig::new().clock(clock.clone()))
            .await
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let client = sandbox.client().unwrap();
    let cache = ActionsCache::new(client.clone(), Duration::from_secs(3600))
        .with_clock(clock.clone() as Arc<dyn Clock>);
    let programme = Programme::Ergo {
        client,
        actions: Arc::new(cache),
    };
    let sb = sandbox.clone();
    let peek: loyalty_bot::engine::CodePeek = Arc::new(move |p| sb.last_code(p.digits()));
    let storage = Storage::connect(&db_url).await.unwrap();
    let engine =
        tune(Engine::new(programme, storage.clone(), texts, Lang::Uk).with_code_peek(peek));
    let m = Arc::new(InMemoryMessenger::new());
    m.set_phone(USER, &format!("+{SELLER}"));
    let runner = Runner::new(engine, m.clone());
    let bot = Bot {
        m,
        runner,
        storage,
        db_url,
        dir,
    };
    Ergo {
        bot,
        sandbox,
        clock,
    }
}

/// The labels of the last message's keyboard, row by row.
pub fn keyboard(e: &Ergo) -> Vec<Vec<String>> {
    let kb = e.bot.m.last_sent(USER).unwrap().content.keyboard.unwrap();
    kb.rows()
        .iter()
        .map(|r| r.iter().map(|b| b.label().to_owned()).collect())
        .collect()
}

/// A press of a button shown to the user, carrying `data` instead of the button's own.
pub fn press_with(e: &Ergo, label: &str, data: &str) -> Update {
    let mut u = e.bot.m.press(USER, label).unwrap();
    match &mut u.kind {
        UpdateKind::ButtonPress(p) => p.data = data.to_owned(),
        other => panic!("not a button press: {other:?}"),
    }
    u
}

/// The sandbox's "today" (its seeded dates are relative to it).
pub fn today(e: &Ergo) -> NaiveDate {
    e.clock.now().date_naive()
}

pub fn day(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

pub async fn switch_to_russian(e: &Ergo) {
    e.bot.say("/lang").await;
    assert_eq!(e.bot.last(), "Главное меню:");
}
