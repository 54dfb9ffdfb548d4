//! The control panel's Codes page over the bot's code service: the actions the bot can protect
//! (log-in, always; spending bonuses at the till, optionally), the channel order and the
//! messages; a change applies to the next code and is saved (`bot_settings`), re-applied at
//! start.

use chrono::Utc;
use control_panel::{BackendError, CodeActionSettings, CodeSettings};
use loyalty_codes::{Action, ActionPolicy, ChannelId, Language, Programme, Templates};

use super::BotCodes;
use crate::storage::StorageError;

/// The `bot_settings` name of the programme edited in the panel.
pub const SETTINGS_KEY: &str = "codes.programme";

/// The actions the bot can protect, and whether an operator may turn the code off.
const ACTIONS: [(Action, bool); 2] = [(Action::LogIn, false), (Action::SpendBonuses, true)];

const LANGUAGES: [(Language, &str); 2] = [(Language::Uk, "uk"), (Language::Ru, "ru")];

impl BotCodes {
    /// The settings as the panel shows them.
    pub fn panel_settings(&self) -> CodeSettings {
        let service = self.service();
        let programme = service.programme();
        let channels: Vec<String> = service.channel_ids().map(|c| c.to_string()).collect();
        let actions = ACTIONS
            .iter()
            .map(|(action, optional)| {
                let policy = programme.policy(action);
                let defaults = Templates::defaults(action);
                let templates = policy.map_or(&defaults, |p| &p.templates);
                CodeActionSettings {
                    action: action.as_str().to_owned(),
                    required: policy.is_some(),
                    optional: *optional,
                    channels: policy.map_or_else(
                        || channels.clone(),
                        |p| p.channels.iter().map(ToString::to_string).collect(),
                    ),
                    templates: LANGUAGES
                        .iter()
                        .filter_map(|(l, code)| {
                            templates
                                .get(*l)
                                .map(|t| ((*code).to_owned(), t.to_owned()))
                        })
                        .collect(),
                }
            })
            .collect();
        CodeSettings { channels, actions }
    }

    /// Applies one action's settings from the panel to the next code, and saves the programme.
    ///
    /// # Errors
    /// [`BackendError::NotFound`] for an action the bot does not protect;
    /// [`BackendError::Invalid`] for log-in without a code or settings the code service
    /// refuses; [`BackendError::Failed`] when the programme cannot be saved (it is in force
    /// until the bot restarts).
    pub async fn apply_panel_settings(
        &self,
        settings: &CodeActionSettings,
    ) -> Result<(), BackendError> {
        let action = Action::parse(&settings.action);
        let Some((_, optional)) = ACTIONS.iter().find(|(a, _)| *a == action) else {
            return Err(BackendError::NotFound(format!(
                "action {:?}",
                settings.action
            )));
        };
        if !settings.required && !optional {
            return Err(BackendError::Invalid(format!(
                "{} always needs a code: a typed phone is proven only by it",
                settings.action
            )));
        }
        let mut programme: Programme = (*self.service().programme()).clone();
        if settings.required {
            let mut policy = programme
                .policy(&action)
                .cloned()
                .unwrap_or_else(|| ActionPolicy::new(&action, Vec::<ChannelId>::new()));
            policy.channels = settings
                .channels
                .iter()
                .map(|c| ChannelId::from(c.clone()))
                .collect();
            let mut templates = policy.templates.clone();
            for (lang, code) in LANGUAGES {
                if let Some(t) = settings.templates.get(code) {
                    templates = templates
                        .set(lang, t.clone())
                        .map_err(|e| BackendError::Invalid(e.to_string()))?;
                }
            }
            policy.templates = templates;
            programme = programme.require_with(action, policy);
        } else {
            programme = programme.release(&action);
        }
        self.service()
            .set_programme(programme.clone())
            .map_err(|e| BackendError::Invalid(e.to_string()))?;
        let json =
            serde_json::to_string(&programme).map_err(|e| BackendError::Failed(e.to_string()))?;
        self.storage()
            .set_setting(SETTINGS_KEY, &json, Utc::now())
            .await
            .map_err(|e: StorageError| BackendError::Failed(e.to_string()))
    }

    /// Re-applies the programme saved from the panel (at start). Returns whether one was
    /// applied; a saved programme the service no longer accepts (a channel removed from the
    /// configuration) is skipped with a warning and the configured one stays.
    ///
    /// # Errors
    /// [`StorageError`] when the setting cannot be read.
    pub async fn apply_saved_settings(&self) -> Result<bool, StorageError> {
        let Some(json) = self.storage().setting(SETTINGS_KEY).await? else {
            return Ok(false);
        };
        let applied = serde_json::from_str::<Programme>(&json)
            .map_err(|e| e.to_string())
            .and_then(|p| self.service().set_programme(p).map_err(|e| e.to_string()));
        match applied {
            Ok(()) => Ok(true),
            Err(e) => {
                tracing::warn!(error = %e, "the code settings saved from the panel were not applied; the configured ones stay");
                Ok(false)
            }
        }
    }
}
