//! A bot over the in-memory messenger and an in-process sandbox, driven step by step.
#![allow(clippy::unwrap_used, dead_code)]

use std::sync::Arc;
use std::time::Duration;

use loyalty_bot::engine::{Engine, Programme};
use loyalty_bot::runner::Runner;
use loyalty_bot::storage::Storage;
use loyalty_bot::texts::{Lang, Texts};
use loyalty_core::{Clock, ManualClock};
use loyalty_ergo::ActionsCache;
use loyalty_ergo::sandbox::{ErgoSandbox, SandboxConfig};
use messenger_core::{InMemoryMessenger, Update};

pub mod codes;
pub mod console;
pub mod live;
pub mod pg;
pub mod sellers;
pub mod surveys;

pub const USER: i64 = 7;
pub const SELLER: &str = "380889993366";

pub struct Bot {
    pub m: Arc<InMemoryMessenger>,
    pub runner: Runner,
    pub storage: Storage,
    pub db_url: String,
    pub dir: tempfile::TempDir,
}

impl Bot {
    /// Feeds one update through accept + drain, as the polling loop does.
    pub async fn feed(&self, u: Update) {
        self.runner.accept(&[u]).await.unwrap();
        self.runner.drain().await.unwrap();
    }

    pub async fn say(&self, text: &str) {
        let u = self.m.user_says(USER, text);
        self.feed(u).await;
    }

    pub async fn press(&self, label: &str) {
        let u = self.m.press(USER, label).unwrap();
        self.feed(u).await;
    }

    pub async fn share_contact(&self, phone: &str) {
        let u = self.m.share_contact(USER, phone);
        self.feed(u).await;
    }

    pub async fn photo(&self, bytes: Vec<u8>, caption: Option<&str>) {
        let u = self.m.send_photo(USER, bytes, caption);
        self.feed(u).await;
    }

    pub fn texts(&self) -> Vec<String> {
        self.m.sent_texts(USER)
    }

    pub fn last(&self) -> String {
        self.m.last_sent(USER).map(|r| r.text()).unwrap_or_default()
    }

    /// Everything sent since `n` messages.
    pub fn since(&self, n: usize) -> String {
        self.texts()[n..].join("\n---\n")
    }
}

pub struct Ergo {
    pub bot: Bot,
    pub sandbox: Arc<ErgoSandbox>,
    pub clock: Arc<ManualClock>,
}

pub async fn ergo_bot() -> Ergo {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let sandbox = Arc::new(
        ErgoSandbox::start_with(SandboxConfig::new().clock(clock.clone()))
            .await
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let bot = ergo_bot_on(&sandbox, &db_url, clock.clone(), dir).await;
    Ergo {
        bot,
        sandbox,
        clock,
    }
}

/// A bot (engine + runner + messenger) on an existing sandbox and database: a "restart".
pub async fn ergo_bot_on(
    sandbox: &Arc<ErgoSandbox>,
    db_url: &str,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
) -> Bot {
    let client = sandbox.client().unwrap();
    let cache = ActionsCache::new(client.clone(), Duration::from_secs(3600))
        .with_clock(clock as Arc<dyn Clock>);
    let programme = Programme::Ergo {
        client,
        actions: Arc::new(cache),
    };
    bot_with(
        programme,
        sandbox_codes(sandbox),
        db_url,
        dir,
        &format!("+{SELLER}"),
    )
    .await
}

/// A bot over `programme` with its code peek, on a database, whose user shares `phone`.
pub async fn bot_with(
    programme: Programme,
    peek: loyalty_bot::engine::CodePeek,
    db_url: &str,
    dir: tempfile::TempDir,
    phone: &str,
) -> Bot {
    bot_custom(programme, peek, db_url, dir, phone, |e| e, |m| m).await
}

/// [`bot_with`] with a say over the engine's settings and over the messenger the engine sees
/// (the in-memory one, or a wrapper around it that plays another platform).
pub async fn bot_custom(
    programme: Programme,
    peek: loyalty_bot::engine::CodePeek,
    db_url: &str,
    dir: tempfile::TempDir,
    phone: &str,
    tune: impl FnOnce(Engine) -> Engine,
    wrap: impl FnOnce(Arc<InMemoryMessenger>) -> Arc<dyn messenger_core::Messenger>,
) -> Bot {
    let storage = Storage::connect(db_url).await.unwrap();
    let engine = tune(
        Engine::new(programme, storage.clone(), Texts::built_in(), Lang::Uk).with_code_peek(peek),
    );
    let m = Arc::new(InMemoryMessenger::new());
    m.set_phone(USER, phone);
    let runner = Runner::new(engine, wrap(m.clone()));
    Bot {
        m,
        runner,
        storage,
        db_url: db_url.to_owned(),
        dir,
    }
}

pub struct BonusMoney {
    pub bot: Bot,
    pub sandbox: Arc<loyalty_bonusmoney::BonusMoneySandbox>,
}

pub const CUSTOMER: &str = "+7 (777) 777-77-77";

pub async fn bonusmoney_bot() -> BonusMoney {
    let sandbox = Arc::new(
        loyalty_bonusmoney::BonusMoneySandbox::start()
            .await
            .unwrap(),
    );
    let client = sandbox.client().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let sb = sandbox.clone();
    let peek: loyalty_bot::engine::CodePeek = Arc::new(move |p| sb.last_code(p));
    let bot = bot_with(
        Programme::BonusMoney { client },
        peek,
        &db_url,
        dir,
        "+77777777777",
    )
    .await;
    BonusMoney { bot, sandbox }
}

fn sandbox_codes(sandbox: &Arc<ErgoSandbox>) -> loyalty_bot::engine::CodePeek {
    let sandbox = sandbox.clone();
    Arc::new(move |phone| sandbox.last_code(phone.digits()))
}

/// The code the sandbox "sent" to the seller.
pub fn code(sandbox: &ErgoSandbox, phone: &str) -> String {
    sandbox.last_code(phone).unwrap()
}

/// Logs the seller in: /start, share contact, type the code.
pub async fn log_in(e: &Ergo) {
    e.bot.say("/start").await;
    e.bot.press("📱 Надіслати номер").await;
    let code = code(&e.sandbox, SELLER);
    e.bot.say(&code).await;
}

/// The one Chromium at a time: a browser test holds this for its whole run, so the tests of this
/// binary never start two browsers on the CI machine's two cores at once.
pub async fn browser_turn() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}
