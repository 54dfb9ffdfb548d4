//! The language a new chat starts in: the programme's market, then the user's own language as the
//! messenger reports it, then `BOT_LANG`; and the currency sums are shown in.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use loyalty_bot::engine::{Engine, Programme};
use loyalty_bot::runner::Runner;
use loyalty_bot::storage::Storage;
use loyalty_bot::texts::{Lang, Texts};
use loyalty_ergo::ActionsCache;
use loyalty_ergo::sandbox::ErgoSandbox;
use messenger_core::InMemoryMessenger;

const USER: i64 = 7;
const UK_GREETING: &str = "Вітаємо, User 7!";
const RU_GREETING: &str = "Здравствуйте, User 7!";

/// Which programme the bot serves.
#[derive(Clone, Copy)]
enum Market {
    /// ERGO: the Ukrainian market.
    Ergo,
    /// BonusMoney: the Russian market.
    BonusMoney,
}

struct Bot {
    m: Arc<InMemoryMessenger>,
    runner: Runner,
    // Kept alive for the bot's lifetime.
    _ergo: Option<Arc<ErgoSandbox>>,
    _bonusmoney: Option<Arc<loyalty_bonusmoney::BonusMoneySandbox>>,
    _dir: tempfile::TempDir,
}

async fn bot(market: Market, bot_lang: Option<Lang>) -> Bot {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&db_url).await.unwrap();
    let (programme, ergo, bonusmoney) = match market {
        Market::Ergo => {
            let sandbox = Arc::new(ErgoSandbox::start().await.unwrap());
            let client = sandbox.client().unwrap();
            let actions = Arc::new(ActionsCache::new(client.clone(), Duration::from_secs(3600)));
            (Programme::Ergo { client, actions }, Some(sandbox), None)
        }
        Market::BonusMoney => {
            let sandbox = Arc::new(
                loyalty_bonusmoney::BonusMoneySandbox::start()
                    .await
                    .unwrap(),
            );
            let client = sandbox.client().unwrap();
            (Programme::BonusMoney { client }, None, Some(sandbox))
        }
    };
    let engine = Engine::new(programme, storage, Texts::built_in(), bot_lang);
    let m = Arc::new(InMemoryMessenger::new());
    let runner = Runner::new(engine, m.clone());
    Bot {
        m,
        runner,
        _ergo: ergo,
        _bonusmoney: bonusmoney,
        _dir: dir,
    }
}

impl Bot {
    /// The user, whose messenger reports `language`, says `text`; returns the bot's last answer.
    async fn say(&self, text: &str, language: Option<&str>) -> String {
        let mut u = self.m.user_says(USER, text);
        u.from.as_mut().unwrap().language = language.map(str::to_owned);
        self.runner.accept(&[u]).await.unwrap();
        self.runner.drain().await.unwrap();
        self.m.last_sent(USER).map(|r| r.text()).unwrap_or_default()
    }
}

async fn greeting(market: Market, user_language: Option<&str>, bot_lang: Option<Lang>) -> String {
    bot(market, bot_lang)
        .await
        .say("/start", user_language)
        .await
}

#[tokio::test]
async fn market_decides_when_nothing_else_does() {
    // ERGO greets in Ukrainian, BonusMoney (a Russian-market programme) in Russian.
    assert!(
        greeting(Market::Ergo, None, None)
            .await
            .starts_with(UK_GREETING)
    );
    assert!(
        greeting(Market::BonusMoney, None, None)
            .await
            .starts_with(RU_GREETING)
    );
    // A language the bot has no texts in (the console and the in-memory messenger say "en")
    // leaves the market's.
    assert!(
        greeting(Market::BonusMoney, Some("en"), None)
            .await
            .starts_with(RU_GREETING)
    );
    assert!(
        greeting(Market::Ergo, Some("en"), None)
            .await
            .starts_with(UK_GREETING)
    );
}

#[tokio::test]
async fn the_users_own_language_beats_the_market() {
    assert!(
        greeting(Market::BonusMoney, Some("uk"), None)
            .await
            .starts_with(UK_GREETING)
    );
    assert!(
        greeting(Market::Ergo, Some("ru-RU"), None)
            .await
            .starts_with(RU_GREETING)
    );
}

#[tokio::test]
async fn bot_lang_beats_the_users_language_and_the_market() {
    assert!(
        greeting(Market::Ergo, Some("uk"), Some(Lang::Ru))
            .await
            .starts_with(RU_GREETING)
    );
    assert!(
        greeting(Market::BonusMoney, Some("ru"), Some(Lang::Uk))
            .await
            .starts_with(UK_GREETING)
    );
    assert!(
        greeting(Market::BonusMoney, None, Some(Lang::Uk))
            .await
            .starts_with(UK_GREETING)
    );
}

#[tokio::test]
async fn the_first_choice_is_kept_for_the_chat() {
    let b = bot(Market::BonusMoney, None).await;
    assert!(b.say("/start", Some("uk")).await.starts_with(UK_GREETING));
    // The messenger later reports another language: the chat keeps the one it started in
    // (only the language button changes it).
    assert!(b.say("/start", Some("ru")).await.starts_with(UK_GREETING));
}

/// "Something went wrong" (the reply to an update the runtime set aside) is written in the chat's
/// own language, read from its stored choice, not in the bot's default.
#[tokio::test]
async fn the_set_aside_message_speaks_the_chats_language() {
    let b = bot(Market::Ergo, None).await;
    // A chat of the Ukrainian programme that started in Russian.
    assert!(b.say("/start", Some("ru")).await.starts_with(RU_GREETING));
    // Whatever the messenger reports now, the stored choice decides.
    let u = b.m.user_says(USER, "hello");
    assert_eq!(b.runner.engine().lang_of(&u).await, Lang::Ru);
    // A chat the bot has never seen: the user's language, then the market's.
    let mut stranger = b.m.user_says(USER + 1, "hello");
    assert_eq!(b.runner.engine().lang_of(&stranger).await, Lang::Uk);
    stranger.from.as_mut().unwrap().language = Some("ru".into());
    assert_eq!(b.runner.engine().lang_of(&stranger).await, Lang::Ru);
}
