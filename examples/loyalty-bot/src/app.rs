//! Wiring: configuration → loyalty client (or its sandbox in process) → storage → engine →
//! messenger (console or Telegram) → runner, plus the purchase-notification endpoint.

use std::sync::Arc;
use std::time::Duration;

use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_bonusmoney::sandbox::BonusMoneySandbox;
use loyalty_core::SecretString;
use loyalty_ergo::sandbox::ErgoSandbox;
use loyalty_ergo::{ActionsCache, ErgoClient};
use messenger_core::{
    ChatRef, ConsoleMessenger, Messenger, OutgoingMessage, PlatformId, Throttled,
};
use messenger_telegram::TelegramBot;
use tokio::sync::mpsc;

use crate::config::{Config, LoyaltyTarget, ProviderKind};
use crate::engine::{CodePeek, Engine, Programme};
use crate::notify::{self, Delivery, NotifyState};
use crate::runner::{RunError, Runner};
use crate::storage::{Storage, StorageError};
use crate::texts::{Lang, Texts, TextsError};

/// A start-up or run failure, said in one line.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A texts override problem.
    #[error("BOT_TEXTS_FILE: {0}")]
    Texts(String),
    /// The database.
    #[error("DATABASE_URL: {0}")]
    Storage(#[from] StorageError),
    /// The loyalty client or its sandbox.
    #[error("loyalty provider: {0}")]
    Loyalty(String),
    /// The messenger.
    #[error("messenger: {0}")]
    Messenger(String),
    /// The HTTP listener.
    #[error("BOT_LISTEN_ADDR: {0}")]
    Listen(String),
    /// The bot loop.
    #[error(transparent)]
    Run(#[from] RunError),
}

/// A sandbox kept alive (it stops when dropped) while the bot runs.
type SandboxGuard = Option<Box<dyn std::any::Any + Send + Sync>>;

async fn programme(
    config: &Config,
) -> Result<(Programme, Option<CodePeek>, SandboxGuard), AppError> {
    let lerr = |e: loyalty_core::LoyaltyError| AppError::Loyalty(e.to_string());
    match (config.provider, &config.loyalty) {
        (ProviderKind::Ergo, target) => {
            let (client, peek, guard) = match target {
                LoyaltyTarget::Sandbox => {
                    let sb = Arc::new(ErgoSandbox::start().await.map_err(|e| {
                        AppError::Loyalty(format!("cannot start the ERGO sandbox: {e}"))
                    })?);
                    let client = sb.client().map_err(lerr)?;
                    let s2 = sb.clone();
                    let peek: CodePeek = Arc::new(move |p| s2.last_code(p.digits()));
                    (
                        client,
                        Some(peek),
                        Some(Box::new(sb) as Box<dyn std::any::Any + Send + Sync>),
                    )
                }
                LoyaltyTarget::Remote { base_url, .. } => (
                    ErgoClient::builder()
                        .base_url(base_url.as_str())
                        .build()
                        .map_err(lerr)?,
                    None,
                    None,
                ),
            };
            let actions = Arc::new(ActionsCache::new(
                client.clone(),
                Duration::from_secs(24 * 3600),
            ));
            Ok((Programme::Ergo { client, actions }, peek, guard))
        }
        (ProviderKind::BonusMoney, target) => {
            let (client, peek, guard) = match target {
                LoyaltyTarget::Sandbox => {
                    let sb = Arc::new(BonusMoneySandbox::start().await.map_err(lerr)?);
                    let client = sb.client().map_err(lerr)?;
                    let s2 = sb.clone();
                    let peek: CodePeek = Arc::new(move |p| s2.last_code(p));
                    (
                        client,
                        Some(peek),
                        Some(Box::new(sb) as Box<dyn std::any::Any + Send + Sync>),
                    )
                }
                LoyaltyTarget::Remote { base_url, api_key } => {
                    let key = api_key.clone().unwrap_or_else(|| SecretString::from(""));
                    (
                        BonusMoneyClient::builder(key)
                            .base_url(base_url.as_str())
                            .build()
                            .map_err(lerr)?,
                        None,
                        None,
                    )
                }
            };
            Ok((Programme::BonusMoney { client }, peek, guard))
        }
    }
}

fn texts(config: &Config) -> Result<Texts, AppError> {
    match &config.texts_file {
        None => Ok(Texts::built_in()),
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .map_err(|e| AppError::Texts(format!("{path}: {e}")))?;
            Texts::with_overrides(&json).map_err(|e: TextsError| AppError::Texts(e.to_string()))
        }
    }
}

/// Runs the bot until Ctrl-C (or the console's end of input).
///
/// # Errors
/// [`AppError`] naming what failed.
pub async fn run(config: Config) -> Result<(), AppError> {
    let texts = texts(&config)?;
    let storage = Storage::connect(&config.database_url).await?;
    let (programme, peek, guard) = programme(&config).await?;
    let provider_name = match &programme {
        Programme::Ergo { .. } => "ergo",
        Programme::BonusMoney { .. } => "bonusmoney",
    };
    let mut engine = Engine::new(programme, storage.clone(), texts, config.lang);
    if let Some(peek) = peek {
        engine = engine.with_code_peek(peek);
    }
    let messenger: Arc<dyn Messenger> = match &config.telegram {
        Some(tg) => {
            let mut b = TelegramBot::builder(tg.token.clone()).base_url(tg.api_url.as_str());
            if let Some((_, secret)) = &tg.webhook {
                b = b.webhook_secret(secret.clone());
            }
            let bot = b.build().map_err(|e| AppError::Messenger(e.to_string()))?;
            Arc::new(Throttled::new(bot))
        }
        None => Arc::new(ConsoleMessenger::stdio()),
    };
    let runner = Runner::new(engine.clone(), messenger.clone());

    if let Some(secret) = &config.notify_secret {
        let (tx, rx) = mpsc::channel(64);
        let state = NotifyState::new(storage.clone(), provider_name, secret.clone(), tx);
        let listener = tokio::net::TcpListener::bind(config.listen_addr)
            .await
            .map_err(|e| AppError::Listen(format!("{}: {e}", config.listen_addr)))?;
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, notify::router(state)).await {
                tracing::error!(error = %e, "the notification endpoint stopped");
            }
        });
        tokio::spawn(push_notifications(
            engine.clone(),
            messenger.clone(),
            config.lang,
            rx,
        ));
    }
    if config
        .telegram
        .as_ref()
        .is_some_and(|t| t.webhook.is_some())
    {
        // Webhook mode needs the public HTTPS endpoint in front of BOT_LISTEN_ADDR; long polling
        // is what this example runs (the Telegram adapter verifies webhook secrets for embedders).
        tracing::warn!("TELEGRAM_WEBHOOK_URL is set; this example still uses long polling");
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    runner.run_polling(shutdown).await?;
    drop(guard);
    Ok(())
}

/// Sends each purchase notification to its chat.
async fn push_notifications(
    engine: Engine,
    messenger: Arc<dyn Messenger>,
    lang: Lang,
    mut rx: mpsc::Receiver<Delivery>,
) {
    while let Some(d) = rx.recv().await {
        let id = d.chat.chat_id.parse::<i64>().map_or_else(
            |_| PlatformId::from(d.chat.chat_id.clone()),
            PlatformId::from,
        );
        let chat = ChatRef::private(messenger.kind(), id);
        let p = &d.event.purchase;
        let text = engine.text(
            lang,
            "purchase_notification",
            &[
                ("sum", &p.sum.to_string()),
                ("store", p.store.as_deref().unwrap_or("")),
                ("earned", &p.bonuses_earned.to_string()),
            ],
        );
        if let Err(e) = messenger.send(&chat, &OutgoingMessage::new(text)).await {
            tracing::warn!(error = %e, "a purchase notification was not delivered");
            if e.is_recipient_gone() {
                let _ = engine.storage().set_inactive(&d.chat).await;
            }
        }
    }
}
