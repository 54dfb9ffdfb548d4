//! The panel's settings and its start next to the bot.

use std::sync::Arc;

use chrono::Utc;
use control_panel::{BotInfo, PanelStore};
use loyalty_core::LoyaltyProvider;

use super::BotPanel;
use crate::config::{ConfigError, err as config_err};
use crate::texts::Texts;

/// The panel's settings, from `PANEL_*` variables (see [`PANEL_VARIABLES`]).
#[derive(Clone)]
pub struct PanelSettings {
    /// Where to serve it; `None` when `PANEL_LISTEN_ADDR=off`.
    pub listen_addr: Option<std::net::SocketAddr>,
    /// Mark cookies `Secure` (`PANEL_SECURE_COOKIES=1`, when served behind HTTPS).
    pub secure_cookies: bool,
    /// The first administrator, created on start when there is none
    /// (`PANEL_ADMIN_LOGIN`/`PANEL_ADMIN_PASSWORD`).
    pub admin: Option<(String, loyalty_core::SecretString)>,
}

impl std::fmt::Debug for PanelSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PanelSettings")
            .field("listen_addr", &self.listen_addr)
            .field("secure_cookies", &self.secure_cookies)
            .field("admin", &self.admin.as_ref().map(|(l, _)| l))
            .finish()
    }
}

/// The panel's environment variables, for `--help`.
pub const PANEL_VARIABLES: &[(&str, &str)] = &[
    (
        "PANEL_LISTEN_ADDR",
        "control panel address (default 127.0.0.1:8090), or off",
    ),
    (
        "PANEL_ADMIN_LOGIN",
        "first control panel administrator, created on start when there is none",
    ),
    (
        "PANEL_ADMIN_PASSWORD",
        "their password (at least 10 characters)",
    ),
    (
        "PANEL_SECURE_COOKIES",
        "1 when the panel is served over HTTPS (cookies marked Secure)",
    ),
];

impl PanelSettings {
    /// Reads the settings through `get` (the environment in the binary; empty values count as
    /// unset).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the variable that is wrong.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let listen_addr = match get("PANEL_LISTEN_ADDR").as_deref().map(str::trim) {
            Some("off") => None,
            None => Some(std::net::SocketAddr::from(([127, 0, 0, 1], 8090))),
            Some(v) => Some(v.parse().map_err(|_| {
                config_err(
                    "PANEL_LISTEN_ADDR",
                    format!("{v:?} is not host:port (such as 127.0.0.1:8090) or off"),
                )
            })?),
        };
        let admin = match (get("PANEL_ADMIN_LOGIN"), get("PANEL_ADMIN_PASSWORD")) {
            (Some(l), Some(p)) => Some((l, loyalty_core::SecretString::from(p))),
            (None, None) => None,
            (Some(_), None) => {
                return Err(config_err(
                    "PANEL_ADMIN_PASSWORD",
                    "required with PANEL_ADMIN_LOGIN",
                ));
            }
            (None, Some(_)) => {
                return Err(config_err(
                    "PANEL_ADMIN_LOGIN",
                    "required with PANEL_ADMIN_PASSWORD",
                ));
            }
        };
        let secure_cookies = match get("PANEL_SECURE_COOKIES").as_deref().map(str::trim) {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(v) => {
                return Err(config_err(
                    "PANEL_SECURE_COOKIES",
                    format!("{v:?} is not 1 or 0"),
                ));
            }
        };
        Ok(Self {
            listen_addr,
            secure_cookies,
            admin,
        })
    }
}

/// Starts the control panel next to the bot: the panel's tables in the bot's database, the
/// first administrator (from the settings, or in the offline demo a generated one printed on
/// stderr), saved text edits re-applied, profiles with the `provider`'s live figures, the
/// Codes page over `codes`, the Support page over `live`, the Broadcasts page over
/// `broadcasts` and with them the Surveys page. Returns the address it listens on and the serving task,
/// or `None` when turned off.
///
/// # Errors
/// A message when the store, the administrator or the listener cannot be set up.
// One optional part per panel page the host may have (provider data, codes, live chat).
#[allow(clippy::too_many_arguments)]
pub async fn start(
    settings: &PanelSettings,
    storage: &crate::storage::Storage,
    texts: Arc<Texts>,
    bot: BotInfo,
    provider: Option<Arc<dyn LoyaltyProvider>>,
    codes: Option<crate::codes::BotCodes>,
    live: Option<super::LiveChat>,
    broadcasts: Option<super::Broadcasts>,
    offline_demo: bool,
) -> Result<Option<(std::net::SocketAddr, tokio::task::JoinHandle<()>)>, String> {
    let Some(addr) = settings.listen_addr else {
        return Ok(None);
    };
    let store = PanelStore::from_pool(storage.pool().clone())
        .await
        .map_err(|e| format!("control panel storage: {e}"))?;
    let mut demo_password = None;
    if let Some((login, password)) = &settings.admin {
        store
            .bootstrap_admin(login, password, Utc::now())
            .await
            .map_err(|e| format!("PANEL_ADMIN_LOGIN: {e}"))?;
    } else if offline_demo {
        let password = format!(
            "demo-{}",
            control_panel::store::random_hex(6).map_err(|e| e.to_string())?
        );
        if store
            .bootstrap_admin(
                "admin",
                &loyalty_core::SecretString::from(password.clone()),
                Utc::now(),
            )
            .await
            .map_err(|e| format!("control panel: {e}"))?
        {
            demo_password = Some(password);
        }
    }
    // Surveys go to the broadcasts' audiences: on with the broadcasts.
    let surveys = broadcasts.is_some().then(|| {
        super::SurveyDesk::new(
            storage.clone(),
            texts.clone(),
            Arc::new(loyalty_core::SystemClock),
        )
    });
    let mut backend = BotPanel::new(storage.pool().clone(), texts, store.clone(), bot);
    if let Some(d) = surveys {
        backend = backend.with_surveys(d);
    }
    if let Some(p) = provider {
        backend = backend.with_provider(p);
    }
    if let Some(c) = codes {
        backend = backend.with_codes(c);
    }
    if let Some(l) = live {
        backend = backend.with_live_chat(l);
    }
    if let Some(b) = broadcasts {
        backend = backend.with_broadcasts(b);
    }
    let n = backend
        .apply_saved_texts()
        .await
        .map_err(|e| format!("control panel texts: {e}"))?;
    if n > 0 {
        tracing::info!(n, "texts edited in the control panel applied");
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("PANEL_LISTEN_ADDR {addr}: {e}"))?;
    let config = control_panel::PanelConfig {
        secure_cookies: settings.secure_cookies,
        ..control_panel::PanelConfig::default()
    };
    let panel = control_panel::Panel::new(store, Arc::new(backend), config);
    // Port 0 picks a free port (tests); the address printed is the one bound.
    let bound = listener.local_addr().unwrap_or(addr);
    #[allow(clippy::print_stderr)]
    {
        eprintln!("loyalty-bot: control panel at http://{bound}/");
        match demo_password {
            Some(p) => {
                eprintln!("loyalty-bot: panel login `admin`, password `{p}` (demo; change it)")
            }
            None if offline_demo && settings.admin.is_none() => eprintln!(
                "loyalty-bot: panel login: the administrator created earlier (or `loyalty-bot admin create --login L`)"
            ),
            None => {}
        }
    }
    let task = tokio::spawn(async move {
        if let Err(e) = panel.serve(listener).await {
            tracing::error!(error = %e, "the control panel stopped");
        }
    });
    Ok(Some((bound, task)))
}
