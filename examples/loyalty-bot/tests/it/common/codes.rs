//! The LoyalClient bot with codes of the bot's own (issue 21), shared by `codes_login.rs` and
//! the log capture of `tests/code_logs.rs`.

use std::collections::HashMap;
use std::sync::Arc;

use loyalty_bot::app;
use loyalty_bot::codes::{self, BotCodes};
use loyalty_bot::config::Config;
use loyalty_bot::engine::Engine;
use loyalty_bot::runner::Runner;
use loyalty_bot::storage::{ChatKey, Storage};
use loyalty_bot::texts::{Lang, Texts};
use loyalty_codes::sandbox::SmsRuSandbox;
use loyalty_core::ExposeSecret;
use messenger_core::{InMemoryMessenger, Messenger};

use super::{Bot, USER};

/// The sandbox LoyalClient customer with bonuses.
pub const PHONE: &str = "+79201234567";
/// Another chat of the same customer (already logged in there).
pub const OTHER: i64 = 8;

pub struct LcBot {
    pub bot: Bot,
    pub codes: BotCodes,
    pub _guard: app::SandboxGuard,
}

impl LcBot {
    pub fn sms(&self) -> Arc<SmsRuSandbox> {
        self.codes.sms_sandbox().unwrap().clone()
    }

    /// The code in the latest SMS the sandbox took for PHONE.
    pub fn sms_code(&self) -> String {
        let sms = self.sms().messages();
        let text = sms.last().unwrap().text.expose_secret().to_owned();
        digits(&text)
    }

    pub async fn as_user(&self, user: i64, text: &str) {
        let u = self.bot.m.user_says(user, text);
        self.bot.feed(u).await;
    }

    pub fn logged_in(&self, user: i64) -> impl std::future::Future<Output = bool> + '_ {
        let key = ChatKey::new(
            self.bot.runner.messenger().kind().as_str(),
            user.to_string(),
        );
        async move {
            self.bot
                .storage
                .user(&key)
                .await
                .unwrap()
                .is_some_and(|u| u.session.is_some())
        }
    }
}

pub fn digits(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_default()
        .to_owned()
}

/// A LoyalClient bot with codes, from configuration (`vars` on top of `LOYALTY_PROVIDER`),
/// speaking `lang`, whose messenger is `wrap(in-memory)`.
pub async fn lc_bot(
    vars: &[(&str, &str)],
    lang: Lang,
    wrap: impl FnOnce(Arc<InMemoryMessenger>) -> Arc<dyn Messenger>,
) -> LcBot {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    map.insert("LOYALTY_PROVIDER".into(), "loyalclient".into());
    let config = Config::from_lookup(|k| map.get(k).cloned()).unwrap();
    let built = app::programme(&config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&db_url).await.unwrap();
    let codes = codes::for_config(&config, &storage, &Texts::built_in())
        .await
        .unwrap()
        .expect("codes are on in the offline demo");
    let engine = Engine::new(built.programme, storage.clone(), Texts::built_in(), lang)
        .with_codes(codes.clone());
    let m = Arc::new(InMemoryMessenger::new());
    m.set_phone(USER, PHONE);
    m.set_phone(OTHER, PHONE);
    let messenger = wrap(m.clone());
    codes.routes().register(messenger.clone());
    let runner = Runner::new(engine, messenger);
    LcBot {
        bot: Bot {
            m,
            runner,
            storage,
            db_url,
            dir,
        },
        codes,
        _guard: built.sandbox,
    }
}
