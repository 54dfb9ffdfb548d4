//! The panel's interface languages: Ukrainian (default), Russian and English.

use serde::{Deserialize, Serialize};

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Українська (the default).
    #[default]
    Uk,
    /// Русский.
    Ru,
    /// English.
    En,
}

impl Lang {
    /// All languages, in the order of the switch.
    pub const ALL: [Lang; 3] = [Lang::Uk, Lang::Ru, Lang::En];

    /// `uk`, `ru` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Uk => "uk",
            Self::Ru => "ru",
            Self::En => "en",
        }
    }

    /// Parses `uk`/`ru`/`en`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "uk" => Some(Self::Uk),
            "ru" => Some(Self::Ru),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// Picks the text of this language among the three given.
    pub fn t(self, uk: &'static str, ru: &'static str, en: &'static str) -> &'static str {
        match self {
            Self::Uk => uk,
            Self::Ru => ru,
            Self::En => en,
        }
    }
}
