//! Actions that need a code, the channel order for each, and message templates per language.

use std::collections::BTreeMap;
use std::fmt;

use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::budget::Budgets;
use crate::channel::ChannelId;
use crate::code::CodePolicy;
use crate::error::CodeError;

/// Something a user does that a programme may protect with a code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Action {
    /// Logging in (for example by a typed phone number).
    LogIn,
    /// Spending bonuses (at the till, or online).
    SpendBonuses,
    /// Changing the account's phone number.
    ChangePhone,
    /// Deleting the account.
    DeleteAccount,
    /// An action of the programme's own, by name (`snake_case` recommended).
    Custom(String),
}

impl Action {
    /// The stable name: `log_in`, `spend_bonuses`, `change_phone`, `delete_account`, or the
    /// custom name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::LogIn => "log_in",
            Self::SpendBonuses => "spend_bonuses",
            Self::ChangePhone => "change_phone",
            Self::DeleteAccount => "delete_account",
            Self::Custom(name) => name,
        }
    }

    /// The action of a stable name; unknown names become [`Action::Custom`].
    pub fn parse(name: &str) -> Self {
        match name {
            "log_in" => Self::LogIn,
            "spend_bonuses" => Self::SpendBonuses,
            "change_phone" => Self::ChangePhone,
            "delete_account" => Self::DeleteAccount,
            other => Self::Custom(other.to_owned()),
        }
    }

    /// A custom action (a known name gives the known action).
    pub fn custom(name: impl Into<String>) -> Self {
        Self::parse(&name.into())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// The language of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Language {
    /// Ukrainian.
    Uk,
    /// Russian.
    Ru,
    /// English.
    En,
}

impl Language {
    /// The ISO 639-1 code: `uk`, `ru`, `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uk => "uk",
            Self::Ru => "ru",
            Self::En => "en",
        }
    }

    /// Reads `uk` (or `ua`), `ru`, `en`, ignoring case and a region (`uk-UA`).
    pub fn parse(s: &str) -> Option<Self> {
        let base = s
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match base.as_str() {
            "uk" | "ua" => Some(Self::Uk),
            "ru" => Some(Self::Ru),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// The placeholder a template must contain.
pub const CODE_PLACEHOLDER: &str = "{code}";

/// Message texts per language, each containing `{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Templates {
    texts: BTreeMap<Language, String>,
}

impl Templates {
    /// No texts yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The built-in Ukrainian, Russian and English texts for `action`.
    pub fn defaults(action: &Action) -> Self {
        let (uk, ru, en) = match action {
            Action::LogIn => (
                "Код для входу: {code}. Нікому його не повідомляйте.",
                "Код для входа: {code}. Никому его не сообщайте.",
                "Your log-in code: {code}. Do not share it with anyone.",
            ),
            Action::SpendBonuses => (
                "Код для списання бонусів: {code}. Назвіть його лише касиру.",
                "Код для списания бонусов: {code}. Назовите его только кассиру.",
                "Code to spend your bonuses: {code}. Tell it only to the cashier.",
            ),
            Action::ChangePhone => (
                "Код для зміни номера телефону: {code}.",
                "Код для смены номера телефона: {code}.",
                "Code to change your phone number: {code}.",
            ),
            Action::DeleteAccount => (
                "Код для видалення облікового запису: {code}.",
                "Код для удаления учётной записи: {code}.",
                "Code to delete your account: {code}.",
            ),
            Action::Custom(_) => (
                "Код підтвердження: {code}.",
                "Код подтверждения: {code}.",
                "Confirmation code: {code}.",
            ),
        };
        let mut t = Self::new();
        t.texts.insert(Language::Uk, uk.to_owned());
        t.texts.insert(Language::Ru, ru.to_owned());
        t.texts.insert(Language::En, en.to_owned());
        t
    }

    /// Sets the text for `language`.
    ///
    /// # Errors
    /// [`CodeError::Config`] when the text has no `{code}`.
    pub fn set(mut self, language: Language, text: impl Into<String>) -> Result<Self, CodeError> {
        let text = text.into();
        if !text.contains(CODE_PLACEHOLDER) {
            return Err(CodeError::Config(format!(
                "the {} template has no {CODE_PLACEHOLDER} placeholder",
                language.as_str()
            )));
        }
        self.texts.insert(language, text);
        Ok(self)
    }

    /// The text for `language` as written (with the placeholder).
    pub fn get(&self, language: Language) -> Option<&str> {
        self.texts.get(&language).map(String::as_str)
    }

    /// The message for `language` with the code in place. Falls back to English, then to any
    /// text, then to the bare code.
    pub fn render(&self, language: Language, code: &str) -> SecretString {
        let template = self
            .texts
            .get(&language)
            .or_else(|| self.texts.get(&Language::En))
            .or_else(|| self.texts.values().next());
        match template {
            Some(t) => SecretString::from(t.replace(CODE_PLACEHOLDER, code)),
            None => SecretString::from(code.to_owned()),
        }
    }

    fn validate(&self) -> Result<(), CodeError> {
        for (lang, text) in &self.texts {
            if !text.contains(CODE_PLACEHOLDER) {
                return Err(CodeError::Config(format!(
                    "the {} template has no {CODE_PLACEHOLDER} placeholder",
                    lang.as_str()
                )));
            }
        }
        Ok(())
    }
}

/// How one action's codes are delivered: the channels in priority order, the texts, and
/// optionally a code policy of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
#[non_exhaustive]
pub struct ActionPolicy {
    /// Channel ids, tried in this order.
    pub channels: Vec<ChannelId>,
    /// Message texts per language.
    pub templates: Templates,
    /// A code policy replacing the programme's default for this action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodePolicy>,
}

impl ActionPolicy {
    /// The channels in order, the built-in texts of `action`, the programme's code policy.
    pub fn new<I, C>(action: &Action, channels: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<ChannelId>,
    {
        Self {
            channels: channels.into_iter().map(Into::into).collect(),
            templates: Templates::defaults(action),
            code: None,
        }
    }

    /// Replaces the texts.
    pub fn templates(mut self, templates: Templates) -> Self {
        self.templates = templates;
        self
    }

    /// Uses a code policy of its own (a longer code to delete the account, say).
    pub fn code_policy(mut self, policy: CodePolicy) -> Self {
        self.code = Some(policy);
        self
    }
}

/// A programme's code settings: which actions need a code, through which channels, with which
/// texts, and the budgets. This is what the panel's settings page edits; it serializes to JSON
/// (actions keyed by their stable names). Call [`Programme::validate`] after reading it
/// ([`crate::CodeService`]'s builder does).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "snake_case")]
pub struct Programme {
    actions: BTreeMap<Action, ActionPolicy>,
    code: CodePolicy,
    budgets: Budgets,
}

impl Programme {
    /// No action needs a code yet; default code policy and budgets.
    pub fn new() -> Self {
        Self::default()
    }

    /// `action` needs a code, sent over `channels` in this order, with the built-in texts.
    pub fn require<I, C>(self, action: Action, channels: I) -> Self
    where
        I: IntoIterator<Item = C>,
        C: Into<ChannelId>,
    {
        let policy = ActionPolicy::new(&action, channels);
        self.require_with(action, policy)
    }

    /// `action` needs a code, as `policy` says.
    pub fn require_with(mut self, action: Action, policy: ActionPolicy) -> Self {
        self.actions.insert(action, policy);
        self
    }

    /// `action` no longer needs a code.
    pub fn release(mut self, action: &Action) -> Self {
        self.actions.remove(action);
        self
    }

    /// Sets the default code policy.
    pub fn code_policy(mut self, policy: CodePolicy) -> Self {
        self.code = policy;
        self
    }

    /// Sets the budgets.
    pub fn budgets(mut self, budgets: Budgets) -> Self {
        self.budgets = budgets;
        self
    }

    /// Whether `action` needs a code.
    pub fn requires_code(&self, action: &Action) -> bool {
        self.actions.contains_key(action)
    }

    /// The policy of `action`, if it needs a code.
    pub fn policy(&self, action: &Action) -> Option<&ActionPolicy> {
        self.actions.get(action)
    }

    /// Every action that needs a code, with its policy.
    pub fn actions(&self) -> impl Iterator<Item = (&Action, &ActionPolicy)> {
        self.actions.iter()
    }

    /// The code policy for `action` (its own, or the default).
    pub fn code_policy_for(&self, action: &Action) -> &CodePolicy {
        self.actions
            .get(action)
            .and_then(|p| p.code.as_ref())
            .unwrap_or(&self.code)
    }

    /// The budgets.
    pub fn budget_settings(&self) -> &Budgets {
        &self.budgets
    }

    /// Checks every policy and template.
    ///
    /// # Errors
    /// [`CodeError::Config`] for an action without channels, a template without `{code}` or a
    /// code policy out of bounds.
    pub fn validate(&self) -> Result<(), CodeError> {
        self.code.validate()?;
        for (action, policy) in &self.actions {
            if policy.channels.is_empty() {
                return Err(CodeError::Config(format!(
                    "action {action} needs a code but has no channel"
                )));
            }
            policy.templates.validate()?;
            if let Some(c) = &policy.code {
                c.validate()?;
            }
        }
        self.budgets.validate()
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn actions_round_trip_their_names() {
        for a in [
            Action::LogIn,
            Action::SpendBonuses,
            Action::ChangePhone,
            Action::DeleteAccount,
            Action::custom("gift_card"),
        ] {
            assert_eq!(Action::parse(a.as_str()), a);
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a);
        }
        assert_eq!(Action::custom("log_in"), Action::LogIn);
    }

    #[test]
    fn templates_need_the_placeholder_and_fall_back() {
        assert!(Templates::new().set(Language::Uk, "no code here").is_err());
        let t = Templates::new().set(Language::En, "code {code}").unwrap();
        assert_eq!(t.render(Language::Ru, "1234").expose_secret(), "code 1234");
        let d = Templates::defaults(&Action::LogIn);
        assert!(
            d.render(Language::Uk, "987654")
                .expose_secret()
                .contains("987654")
        );
        assert!(
            d.render(Language::Uk, "9")
                .expose_secret()
                .starts_with("Код для входу")
        );
        assert_eq!(Language::parse("uk-UA"), Some(Language::Uk));
        assert_eq!(Language::parse("RU"), Some(Language::Ru));
        assert_eq!(Language::parse("de"), None);
    }

    #[test]
    fn a_programme_declares_actions_and_channel_order() {
        let p = Programme::new()
            .require(Action::LogIn, ["sms", "chat"])
            .require(Action::SpendBonuses, ["chat", "sms"]);
        assert!(p.requires_code(&Action::LogIn));
        assert!(!p.requires_code(&Action::DeleteAccount));
        let order: Vec<_> = p
            .policy(&Action::SpendBonuses)
            .unwrap()
            .channels
            .iter()
            .map(ChannelId::as_str)
            .collect();
        assert_eq!(order, ["chat", "sms"]);
        assert!(p.validate().is_ok());
        let empty: [&str; 0] = [];
        assert!(
            Programme::new()
                .require(Action::LogIn, empty)
                .validate()
                .is_err()
        );
    }

    #[test]
    fn a_programme_round_trips_through_the_panels_json() {
        use std::time::Duration;

        use crate::budget::Limit;
        use crate::code::Alphabet;

        let p = Programme::new()
            .require(Action::LogIn, ["sms", "chat"])
            .require_with(
                Action::DeleteAccount,
                ActionPolicy::new(&Action::DeleteAccount, ["email"]).code_policy(
                    CodePolicy::default()
                        .length(8)
                        .alphabet(Alphabet::unambiguous()),
                ),
            )
            .budgets(
                Budgets::default()
                    .channel_ceiling("sms", Limit::new(500, Duration::from_secs(3600))),
            );
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json["actions"]["log_in"]["channels"],
            serde_json::json!(["sms", "chat"])
        );
        assert_eq!(
            json["budgets"]["per_channel"]["sms"],
            serde_json::json!({"max": 500, "window_secs": 3600})
        );
        assert_eq!(json["code"]["ttl_secs"], 300);
        let back: Programme = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);

        // What a settings page might store, defaults filled in.
        let stored = r#"{
            "actions": {
                "spend_bonuses": {"channels": ["chat", "sms"], "templates": {"uk": "Код: {code}"}},
                "gift_card": {"channels": ["sms"], "templates": {}}
            },
            "code": {"length": 4}
        }"#;
        let p: Programme = serde_json::from_str(stored).unwrap();
        p.validate().unwrap();
        assert!(p.requires_code(&Action::SpendBonuses));
        assert!(p.requires_code(&Action::custom("gift_card")));
        assert_eq!(p.code_policy_for(&Action::SpendBonuses).length, 4);
        assert_eq!(p.code_policy_for(&Action::SpendBonuses).max_attempts, 5);
        assert_eq!(p.budget_settings(), &Budgets::default());
        // A typo is an error, not a silent default; so is a bad alphabet.
        assert!(serde_json::from_str::<Programme>(r#"{"budget": {}}"#).is_err());
        assert!(serde_json::from_str::<CodePolicy>(r#"{"alphabet": "aa"}"#).is_err());
        // A template without {code} passes serde but not validation.
        let bad =
            r#"{"actions": {"log_in": {"channels": ["sms"], "templates": {"en": "no code"}}}}"#;
        assert!(
            serde_json::from_str::<Programme>(bad)
                .unwrap()
                .validate()
                .is_err()
        );
    }
}
