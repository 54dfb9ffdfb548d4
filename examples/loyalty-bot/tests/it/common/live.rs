//! The live chat harness: an ERGO seller's bot with live chat on the in-memory messenger, and
//! the control panel over the bot's real `BotPanel` served on a local port, with an
//! administrator (`boss`), two operators of the bot (`olena`, `ivan`) and one of another bot
//! (`stranger`), all with the password [`PASSWORD`].

use std::sync::Arc;

use chrono::Utc;
use control_panel::{BotInfo, Panel, PanelConfig, PanelStore, Role};
use loyalty_bot::engine::Programme;
use loyalty_bot::panel::{BotPanel, Broadcasts, LiveChat, SurveyDesk};
use loyalty_bot::texts::{Lang, Texts};
use loyalty_core::{Clock, ManualClock, SecretString};
use loyalty_ergo::ActionsCache;
use loyalty_ergo::sandbox::{ErgoSandbox, SandboxConfig};

use super::{Bot, Ergo, SELLER};

/// Every panel account's password.
pub const PASSWORD: &str = "a-long-password-1";

/// A tiny JPEG-looking file (the bot stores what the messenger gives).
pub const USER_PHOTO: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5];
/// A PNG header and a few bytes (the panel checks the type by the first bytes).
pub const OPERATOR_PHOTO: &[u8] = b"\x89PNG\r\n\x1a\nrest-of-the-picture";

/// The seller's bot with live chat, on `db_url` (a "restart" when called again).
pub async fn live_bot(
    sandbox: &Arc<ErgoSandbox>,
    db_url: &str,
    clock: Arc<ManualClock>,
    dir: tempfile::TempDir,
) -> Bot {
    let client = sandbox.client().unwrap();
    let cache = ActionsCache::new(client.clone(), std::time::Duration::from_secs(3600))
        .with_clock(clock.clone() as Arc<dyn Clock>);
    let programme = Programme::Ergo {
        client,
        actions: Arc::new(cache),
    };
    let sb = sandbox.clone();
    let peek: loyalty_bot::engine::CodePeek = Arc::new(move |p| sb.last_code(p.digits()));
    super::bot_custom(
        programme,
        peek,
        db_url,
        dir,
        &format!("+{SELLER}"),
        |e| {
            e.with_live_chat()
                .with_clock(clock.clone() as Arc<dyn Clock>)
        },
        |m| m,
    )
    .await
}

pub struct Live {
    pub ergo: Ergo,
    pub backend: BotPanel,
    pub base: String,
    pub http: reqwest::Client,
    pub store: PanelStore,
}

pub fn bot_info() -> BotInfo {
    BotInfo {
        id: "ergo".into(),
        name: "ERGO CLUB".into(),
        programme: "ergo".into(),
        messengers: vec!["in_memory".into()],
    }
}

pub async fn start(now: chrono::DateTime<Utc>) -> Live {
    loyalty_core::http::ensure_crypto_provider();
    let clock = Arc::new(ManualClock::new(now));
    let sandbox = Arc::new(
        ErgoSandbox::start_with(SandboxConfig::new().clock(clock.clone()))
            .await
            .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let bot = live_bot(&sandbox, &db_url, clock.clone(), dir).await;
    let store = PanelStore::from_pool(bot.storage.pool().clone())
        .await
        .unwrap();
    let backend = BotPanel::new(
        bot.storage.pool().clone(),
        Arc::new(Texts::built_in()),
        store.clone(),
        bot_info(),
    )
    .with_live_chat(LiveChat::new(
        bot.storage.clone(),
        Lang::Uk,
        None,
        clock.clone() as Arc<dyn Clock>,
    ))
    .with_surveys(SurveyDesk::new(
        bot.storage.clone(),
        Arc::new(Texts::built_in()),
        clock.clone() as Arc<dyn Clock>,
    ))
    .with_broadcasts(Broadcasts::new(
        bot.storage.clone(),
        vec!["uk".into(), "ru".into()],
    ));
    let t0 = Utc::now();
    let pw = SecretString::from(PASSWORD.to_owned());
    store
        .create_account("boss", &pw, Role::Admin, &[], t0)
        .await
        .unwrap();
    for login in ["olena", "ivan"] {
        store
            .create_account(login, &pw, Role::Operator, &["ergo".into()], t0)
            .await
            .unwrap();
    }
    store
        .create_account("stranger", &pw, Role::Operator, &["other".into()], t0)
        .await
        .unwrap();
    let panel = Panel::new(
        store.clone(),
        Arc::new(backend.clone()),
        PanelConfig {
            support_check_interval: std::time::Duration::from_millis(100),
            ..PanelConfig::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(panel.serve(listener));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Live {
        ergo: Ergo {
            bot,
            sandbox,
            clock,
        },
        backend,
        base,
        http,
        store,
    }
}

impl Live {
    pub async fn token(&self, login: &str) -> String {
        let (_, secret) = self
            .store
            .create_token(login, "test", "boss", Utc::now())
            .await
            .unwrap();
        use loyalty_core::ExposeSecret;
        secret.expose_secret().to_owned()
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn send(
        &self,
        token: &str,
        id: &str,
        text: &str,
        photo: Option<&[u8]>,
    ) -> reqwest::Response {
        let mut form = reqwest::multipart::Form::new().text("text", text.to_owned());
        if let Some(p) = photo {
            form = form.part(
                "photo",
                reqwest::multipart::Part::bytes(p.to_vec()).file_name("reply.png"),
            );
        }
        self.http
            .post(format!(
                "{}/api/v1/bots/ergo/support/d/{id}/send",
                self.base
            ))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn json(&self, token: &str, path: &str) -> serde_json::Value {
        let res = self.get(token, path).await;
        assert_eq!(res.status(), 200, "{path}");
        res.json().await.unwrap()
    }
}
