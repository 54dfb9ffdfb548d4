//! Wiring: configuration → loyalty client (or its sandbox in process) → storage → engine →
//! messengers (console, or any of Telegram, MAX and Viber in one process) → runners, plus one
//! HTTP listener for webhooks and purchase notifications.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use loyalty_core::LoyaltyProvider;
use messenger_core::{ConsoleMessenger, Messenger, MessengerError};
use messenger_max::MaxBot;
use messenger_telegram::TelegramBot;
use messenger_viber::{InMemoryMediaHost, ViberBot};
use tokio::sync::Notify;

use crate::config::{Config, LoyaltyTarget, SendLimit};
use crate::engine::{Engine, Programme};
use crate::notify::{self, NotifyState, Pusher};
use crate::purchases::ManzanaPurchases;
use crate::runner::{RunError, Runner};
use crate::storage::{Storage, StorageError};
use crate::texts::{Texts, TextsError};
use messenger_runtime::RateLimit;

mod build;

pub use build::{Built, SandboxGuard, programme};

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
    /// A messenger.
    #[error("{0}")]
    Messenger(String),
    /// The HTTP listener.
    #[error("BOT_LISTEN_ADDR: {0}")]
    Listen(String),
    /// The control panel.
    #[error("{0}")]
    Panel(String),
    /// The bot loop.
    #[error(transparent)]
    Run(#[from] RunError),
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

/// One configured messenger and how it receives updates.
struct Channel {
    runner: Runner,
    /// The webhook path on the listener, or `None` for long polling.
    webhook_path: Option<String>,
    /// Wakes the drain loop of a webhook messenger.
    wake: Arc<Notify>,
    /// How its broadcasts are paced ([`broadcast_config`]).
    broadcasts: messenger_runtime::BroadcastConfig,
}

/// How a messenger's broadcasts are paced: at its documented broadcast rate, or at the bot's
/// own limit where one is set (`TELEGRAM_RATE_LIMIT=100`: broadcasts at 100/s too) and each call
/// is one message. `off` keeps the documented rate: a broadcast with no pace of its own would
/// run into the platform's 429s.
pub fn broadcast_config(limit: SendLimit, m: &dyn Messenger) -> messenger_runtime::BroadcastConfig {
    let config = messenger_runtime::BroadcastConfig::default();
    match limit {
        SendLimit::PerSecond(n) if m.broadcast_batch() == 1 => {
            config.rate(RateLimit::per_second(n))
        }
        _ => config,
    }
}

fn merr(var: &str) -> impl Fn(MessengerError) -> AppError + '_ {
    move |e| AppError::Messenger(format!("{var}: {e}"))
}

/// Builds the messengers, registers their webhooks (but Viber's, which needs the listener up:
/// its bot is returned for that, with the media host its pictures are published through), and
/// returns them with their runners.
async fn channels(
    config: &Config,
    engine: &Engine,
) -> Result<(Vec<Channel>, Option<ViberBot>, Option<InMemoryMediaHost>), AppError> {
    let mut viber = None;
    let mut media = None;
    let mut out = Vec::new();
    let mut add = |m: Arc<dyn Messenger>, webhook_path: Option<String>, limit: SendLimit| {
        // The runtime paces sends (a global limit, chat-scoped 429s delay only their chat).
        let rate = match limit {
            SendLimit::Platform => Some(RateLimit::of(m.as_ref())),
            SendLimit::Off => None,
            SendLimit::PerSecond(n) => Some(RateLimit::per_second(n)),
        };
        let broadcasts = broadcast_config(limit, m.as_ref());
        out.push(Channel {
            broadcasts,
            runner: Runner::with_rate(engine.clone(), m, rate),
            webhook_path,
            wake: Arc::new(Notify::new()),
        });
    };
    if let Some(tg) = &config.telegram {
        let mut b = TelegramBot::builder(tg.token.clone()).base_url(tg.api_url.as_str());
        if let Some((_, secret)) = &tg.webhook {
            b = b.webhook_secret(secret.clone());
        }
        let bot = b.build().map_err(merr("TELEGRAM_BOT_TOKEN"))?;
        let path = match &tg.webhook {
            Some((url, secret)) => {
                let req = messenger_telegram::types::SetWebhook {
                    url: url.as_str().to_owned(),
                    secret_token: Some(secret.clone()),
                    ..Default::default()
                };
                bot.set_webhook(&req)
                    .await
                    .map_err(merr("TELEGRAM_WEBHOOK_URL"))?;
                Some(crate::config::webhook_path(url, "telegram"))
            }
            None => {
                // A webhook left from an earlier run would make getUpdates fail.
                bot.delete_webhook(false)
                    .await
                    .map_err(merr("TELEGRAM_BOT_TOKEN"))?;
                None
            }
        };
        add(Arc::new(bot), path, config.telegram_rate);
    }
    if let Some(mx) = &config.max {
        let mut b = MaxBot::builder(mx.token.clone());
        if let Some(u) = &mx.api_url {
            b = b.base_url(u.as_str());
        }
        if let Some((_, secret)) = &mx.webhook {
            b = b.webhook_secret(secret.clone());
        }
        let bot = b.build().map_err(merr("MAX_BOT_TOKEN"))?;
        let path = match &mx.webhook {
            Some((url, secret)) => {
                let req = messenger_max::types::SubscriptionRequest::new(url.as_str())
                    .secret(secret.clone());
                bot.subscribe(&req).await.map_err(merr("MAX_WEBHOOK_URL"))?;
                Some(crate::config::webhook_path(url, "max"))
            }
            None => None,
        };
        add(Arc::new(bot), path, config.max_rate);
    }
    if let Some(vb) = &config.viber {
        // Viber takes pictures by URL only: the bot publishes them itself, on its listener.
        let host = InMemoryMediaHost::new(viber_media_base(&vb.webhook_url));
        let mut b = ViberBot::builder(vb.token.clone(), vb.sender_name.clone())
            .media_host(Arc::new(host.clone()))
            .broadcast_api(vb.broadcast_api);
        media = Some(host);
        if let Some(u) = &vb.api_url {
            b = b.base_url(u.as_str());
        }
        let bot = b.build().map_err(merr("VIBER_AUTH_TOKEN"))?;
        viber = Some(bot.clone());
        add(
            Arc::new(bot),
            Some(crate::config::webhook_path(&vb.webhook_url, "viber")),
            config.viber_rate,
        );
    }
    if !config.has_messenger() {
        add(Arc::new(ConsoleMessenger::stdio()), None, SendLimit::Off);
    }
    Ok((out, viber, media))
}

/// Where the bot serves the pictures of its Viber messages (Viber fetches a picture by its
/// public URL when the message is sent): `viber-media` beside the webhook's path, so a proxy
/// that forwards the webhook's directory to the bot forwards them too
/// (`https://host/bots/loyalty/viber` → `/bots/loyalty/viber-media`).
pub fn viber_media_path(webhook_url: &url::Url) -> String {
    let webhook = crate::config::webhook_path(webhook_url, "viber");
    let parent = webhook.rsplit_once('/').map_or("", |(parent, _)| parent);
    format!("{parent}/viber-media")
}

/// The public base of the pictures' URLs: the webhook's origin and [`viber_media_path`].
pub fn viber_media_base(webhook_url: &url::Url) -> String {
    format!(
        "{}{}",
        webhook_url.origin().ascii_serialization(),
        viber_media_path(webhook_url)
    )
}

/// `GET <path>/{name}` ([`viber_media_path`]): a picture published through `host` while it is
/// held (404 for any other name).
pub fn viber_media_route(path: &str, host: InMemoryMediaHost) -> Router {
    Router::new().route(
        &format!("{path}/{{name}}"),
        get(
            move |axum::extract::Path(name): axum::extract::Path<String>| {
                let host = host.clone();
                async move {
                    match host.get(&name) {
                        Some(f) => (
                            [
                                (axum::http::header::CONTENT_TYPE, f.mime_type),
                                // Fetched by Viber when it sends; not for caches on the way.
                                (axum::http::header::CACHE_CONTROL, "no-store".to_owned()),
                            ],
                            f.data,
                        )
                            .into_response(),
                        None => StatusCode::NOT_FOUND.into_response(),
                    }
                }
            },
        ),
    )
}

/// The route of one webhook messenger: `POST path` authenticates and parses the body with the
/// adapter, stores the updates durably, answers 200 and wakes `wake` (the drain loop). A forged
/// request gets 401 and a malformed one 400, with nothing stored; a storage failure gets 503 so
/// the platform retries.
pub fn webhook_route(path: &str, runner: Runner, wake: Arc<Notify>) -> Router {
    Router::new()
        .route(path, post(webhook).with_state(HookState { runner, wake }))
        .layer(axum::extract::DefaultBodyLimit::max(
            crate::listener::WEBHOOK_BODY_LIMIT,
        ))
}

#[derive(Clone)]
struct HookState {
    runner: Runner,
    wake: Arc<Notify>,
}

/// A webhook: authenticate and parse (the adapter does both on the raw body), store durably,
/// then answer 200 and let the drain loop handle the updates.
async fn webhook(
    State(st): State<HookState>,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let messenger = st.runner.messenger();
    match messenger.receive_webhook(&headers, &body) {
        Ok(outcome) => match st.runner.accept(&outcome.updates).await {
            Ok(_) => {
                st.wake.notify_one();
                welcome_answer(messenger.as_ref(), st.runner.engine(), &outcome).await
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot store webhook updates; the platform will retry");
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        },
        Err(MessengerError::ForgedWebhook { .. }) => StatusCode::UNAUTHORIZED.into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "a webhook body was refused");
            StatusCode::BAD_REQUEST.into_response()
        }
    }
}

/// The HTTP answer to a stored webhook request: 200, with the greeting as the body when the
/// platform lets the bot reach the user only there (Viber's welcome message before the user
/// subscribes).
async fn welcome_answer(
    messenger: &dyn messenger_core::Messenger,
    engine: &Engine,
    outcome: &messenger_core::WebhookOutcome,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let Some(slot) = outcome.welcome.as_ref().filter(|s| s.is_only_chance()) else {
        return StatusCode::OK.into_response();
    };
    let Some(update) = outcome
        .updates
        .iter()
        .find(|u| u.dedup_key == slot.dedup_key)
    else {
        return StatusCode::OK.into_response();
    };
    let reply = engine.welcome(update);
    let mut message = messenger_core::OutgoingMessage::new(reply.text);
    if let Some(kb) = reply.keyboard {
        message = message.keyboard(kb);
    }
    match messenger.welcome_response(slot, &message).await {
        Ok(answer) => (
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK),
            [(
                axum::http::header::CONTENT_TYPE,
                answer.content_type.unwrap_or("application/json"),
            )],
            answer.body,
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot render the welcome message; answering without it");
            StatusCode::OK.into_response()
        }
    }
}

async fn drain_loop(runner: Runner, _wake: Arc<Notify>) -> Result<(), RunError> {
    // The runtime wakes itself on accepted updates and retries undelivered replies.
    runner
        .run_webhooks(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    Ok(())
}

/// Runs the bot until Ctrl-C (or the console's end of input).
///
/// # Errors
/// [`AppError`] naming what failed.
pub async fn run(config: Config) -> Result<(), AppError> {
    let texts = texts(&config)?;
    let storage = Storage::connect(&config.database_url).await?;
    let Built {
        programme,
        peek,
        sandbox,
        manzana,
    } = programme(&config).await?;
    let provider_name = programme_name(&programme);
    // The panel asks the provider for a user's live balance and level.
    let live_provider: Arc<dyn LoyaltyProvider> = match &programme {
        Programme::Ergo { client, .. } => Arc::new(client.clone()),
        Programme::BonusMoney { client } => Arc::new(client.clone()),
        Programme::Generic { provider, .. } => provider.clone(),
    };
    let codes = crate::codes::for_config(&config, &storage, &texts)
        .await
        .map_err(|e| AppError::Loyalty(e.to_string()))?;
    let mut engine = Engine::new(programme, storage.clone(), texts, config.lang)
        .with_code_budget(config.code_budget);
    if let Some(codes) = codes {
        engine = engine.with_codes(codes);
    }
    if let Some(peek) = peek {
        engine = engine.with_code_peek(peek);
    }
    if let Some(client) = &manzana {
        engine = engine.with_manzana(client.clone());
    }
    if let Some(currency) = &config.currency {
        engine = engine.with_currency(currency.clone());
    }
    if let Some(hours) = &config.dialogue.support_hours {
        engine = engine.with_support_hours(hours.clone());
    }
    if let Some(url) = &config.dialogue.web_cabinet_url {
        engine = engine.with_web_cabinet(url.as_str());
    }
    // Live operator chat goes with the panel its operators work in.
    if config.panel.listen_addr.is_some() {
        engine = engine.with_live_chat();
    }
    let (channels, viber, viber_media) = channels(&config, &engine).await?;
    let viber_media = viber_media.zip(
        config
            .viber
            .as_ref()
            .map(|v| viber_media_path(&v.webhook_url)),
    );
    if let Some(codes) = engine.codes() {
        // The chat channel of the codes reaches linked chats on every messenger that runs.
        for ch in &channels {
            codes.routes().register(ch.runner.messenger());
        }
        tokio::spawn(codes.clone().purge_loop());
    }

    // One HTTP listener for every webhook and the notification endpoint, when any is needed.
    let mut app = Router::new();
    let mut needs_listener = false;
    for ch in &channels {
        if let Some(path) = &ch.webhook_path {
            app = app.merge(webhook_route(path, ch.runner.clone(), ch.wake.clone()));
            needs_listener = true;
        }
    }
    if let Some((host, path)) = viber_media {
        app = app.merge(viber_media_route(&path, host));
    }
    // Purchase notifications: from the HTTP endpoint (any provider) and, for Manzana, from
    // the cheque watcher; both queue durable pushes that each messenger's runtime delivers.
    let pusher = Pusher::new(engine.clone());
    if let Some(secret) = &config.notify_secret {
        let state = NotifyState::new(
            storage.clone(),
            provider_name,
            secret.clone(),
            pusher.clone(),
        );
        app = app.merge(notify::router(state));
        needs_listener = true;
    }
    if let Some(client) = manzana {
        let watcher = ManzanaPurchases::new(client, pusher, Duration::from_secs(60));
        tokio::spawn(watcher.run());
    }
    if needs_listener {
        let listener = tokio::net::TcpListener::bind(config.listen_addr)
            .await
            .map_err(|e| AppError::Listen(format!("{}: {e}", config.listen_addr)))?;
        tokio::spawn(async move {
            if let Err(e) =
                crate::listener::serve(listener, app, crate::listener::Limits::default()).await
            {
                tracing::error!(error = %e, "the HTTP listener stopped");
            }
        });
    }
    if let (Some(bot), Some(vb)) = (viber, &config.viber) {
        // Viber calls the URL while set_webhook runs: register once the listener answers.
        let req = messenger_viber::types::SetWebhook::new(
            vb.webhook_url.as_str(),
            &[
                "delivered",
                "seen",
                "failed",
                "subscribed",
                "unsubscribed",
                "conversation_started",
            ],
        );
        bot.set_webhook(&req)
            .await
            .map_err(merr("VIBER_WEBHOOK_URL"))?;
    }

    // The control panel, next to the bot on the same storage and the engine's live texts.
    let messengers = channels
        .iter()
        .map(|c| c.runner.messenger().kind().as_str().to_owned());
    let panel = crate::panel::start(
        &config.panel,
        &storage,
        engine.texts(),
        crate::panel::bot_info(provider_name, messengers),
        Some(live_provider),
        engine.codes().cloned(),
        engine.live_chat().then(|| {
            crate::panel::LiveChat::new(
                storage.clone(),
                engine.default_lang(),
                config
                    .dialogue
                    .support_hours
                    .as_ref()
                    .map(crate::support_hours::SupportHours::to_spec),
                Arc::new(loyalty_core::SystemClock),
            )
        }),
        Some(crate::panel::Broadcasts::new(
            storage.clone(),
            vec!["uk".to_owned(), "ru".to_owned()],
        )),
        matches!(config.loyalty, LoyaltyTarget::Sandbox),
    )
    .await
    .map_err(AppError::Panel)?;

    let mut tasks = tokio::task::JoinSet::new();
    // Broadcasts stored in the bot's database go out beside the dialogues, at each platform's
    // broadcast rate; they stop with the bot.
    let (stop_senders, stopped) = tokio::sync::watch::channel(false);
    let mut senders = tokio::task::JoinSet::new();
    for ch in &channels {
        let runner = ch.runner.clone();
        let config = ch.broadcasts.clone();
        let mut stopped = stopped.clone();
        senders.spawn(async move {
            runner
                .run_broadcasts_with(config, async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })
                .await;
        });
    }
    for ch in channels {
        match ch.webhook_path {
            Some(_) => {
                tasks.spawn(drain_loop(ch.runner, ch.wake));
            }
            None => {
                let runner = ch.runner;
                tasks.spawn(async move {
                    runner
                        .run_polling(async {
                            let _ = tokio::signal::ctrl_c().await;
                        })
                        .await
                });
            }
        }
    }
    let result = tokio::select! {
        _ = tokio::signal::ctrl_c() => {
            // The runners stop taking updates and finish what is in flight (bounded).
            let _ = tokio::time::timeout(Duration::from_secs(10), async {
                while tasks.join_next().await.is_some() {}
            })
            .await;
            Ok(())
        }
        // The console ends with its input; a failing runner ends the bot.
        Some(r) = tasks.join_next() => match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(AppError::Run(e)),
            Err(e) => Err(AppError::Messenger(format!("a messenger task failed: {e}"))),
        },
    };
    tasks.abort_all();
    // The broadcast senders finish the calls in flight and record them (bounded).
    let _ = stop_senders.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while senders.join_next().await.is_some() {}
    })
    .await;
    senders.abort_all();
    if let Some((_, task)) = panel {
        task.abort();
    }
    drop(sandbox);
    result
}

fn programme_name(p: &Programme) -> &'static str {
    match p {
        Programme::Ergo { .. } => loyalty_ergo::PROVIDER,
        Programme::BonusMoney { .. } => "bonusmoney",
        Programme::Generic { provider, .. } => provider.name(),
    }
}
