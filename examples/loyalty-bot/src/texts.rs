//! Every user-facing text of the bot, in Ukrainian and Russian, overridable at run time.
//!
//! Texts are templates with `{name}` placeholders. Values are substituted as plain text; the
//! messenger layer escapes them for the platform's markup, so a user called `<b>&` arrives
//! literally. An override file (JSON: `{"uk": {"key": "text"}, "ru": {...}}`) may replace any
//! text; unknown keys, unknown languages and placeholders the built-in text does not have are
//! refused at start, so a typo cannot silently blank a message.

use std::collections::HashMap;
use std::fmt;

mod catalogue;

pub use catalogue::TextKey;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Ukrainian (the language of the Ukrainian market: ERGO).
    Uk,
    /// Russian (the language of the Russian market: BonusMoney, Manzana, LoyalClient).
    Ru,
}

impl Lang {
    /// The language code (`uk`, `ru`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Uk => "uk",
            Self::Ru => "ru",
        }
    }

    /// Reads a language code (`uk`, `ua`, `ru`, with any region suffix such as `uk-UA`).
    pub fn parse(code: &str) -> Option<Self> {
        let base = code.trim().to_ascii_lowercase();
        let base = base.split(['-', '_']).next().unwrap_or_default();
        match base {
            "uk" | "ua" => Some(Self::Uk),
            "ru" => Some(Self::Ru),
            _ => None,
        }
    }

    /// The language of a programme's market: Ukrainian for Ukraine (ERGO), Russian otherwise
    /// (BonusMoney, Manzana and LoyalClient programmes are on the Russian market).
    pub fn of_market(region: loyalty_core::Region) -> Self {
        if region == loyalty_core::Region::UA {
            Self::Uk
        } else {
            Self::Ru
        }
    }

    /// The language a new chat starts in, each rule overriding the one before it:
    /// 1. the programme's market (`market`, see [`Lang::of_market`]);
    /// 2. the user's own language as the messenger reports it (`user_language`, such as
    ///    Telegram's `language_code` `"ru"` or `"uk-UA"`), when it is Ukrainian or Russian (any
    ///    other language falls back to the market's);
    /// 3. `BOT_LANG` (`bot_lang`), when set, for every new chat.
    ///
    /// The choice is stored with the chat; the language button changes it afterwards.
    pub fn initial(market: Self, user_language: Option<&str>, bot_lang: Option<Self>) -> Self {
        bot_lang
            .or_else(|| user_language.and_then(Self::parse))
            .unwrap_or(market)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl TextKey {
    /// Reads a key's name ([`TextKey::as_str`]); `None` for a name the catalogue does not have.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }

    /// The built-in text in `lang`.
    fn built_in_text(self, lang: Lang) -> &'static str {
        let (uk, ru) = self.built_in();
        match lang {
            Lang::Uk => uk,
            Lang::Ru => ru,
        }
    }
}

impl fmt::Display for TextKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TextKey {
    type Err = TextsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s).ok_or_else(|| TextsError::UnknownKey(s.to_owned()))
    }
}

/// A problem with an override file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TextsError {
    /// Not JSON of the expected shape.
    #[error("the texts file is not a JSON object of languages to texts: {0}")]
    Malformed(String),
    /// A language other than `uk`/`ru`.
    #[error("the texts file names an unknown language {0:?} (use \"uk\" or \"ru\")")]
    UnknownLanguage(String),
    /// A key the bot does not use.
    #[error("the texts file overrides an unknown text {0:?}")]
    UnknownKey(String),
    /// A placeholder the built-in text does not have.
    #[error("the text {key:?} uses the placeholder {{{placeholder}}}, which it does not have")]
    UnknownPlaceholder {
        /// The text's key.
        key: String,
        /// The placeholder.
        placeholder: String,
    },
}

/// The catalogue in use: the built-in texts with any overrides.
///
/// Two layers of overrides: the override file read at start, and live edits made while the bot
/// runs (the control panel's text editor, [`Texts::set_live`]), which win over the file and take
/// effect on the next message. [`Texts::reset_live`] goes back to the file's (or built-in) text.
#[derive(Debug)]
pub struct Texts {
    overrides: HashMap<(Lang, TextKey), String>,
    /// Live edits. Each edited text is leaked once (`Box::leak`) so [`Texts::get`] can keep
    /// returning a plain `&str` without holding the lock: edits are rare operator actions, so the
    /// memory kept is a few bytes per edit for the life of the process.
    live: std::sync::RwLock<HashMap<(Lang, TextKey), &'static str>>,
}

impl Clone for Texts {
    fn clone(&self) -> Self {
        Self {
            overrides: self.overrides.clone(),
            live: std::sync::RwLock::new(self.live_map().clone()),
        }
    }
}

impl Default for Texts {
    fn default() -> Self {
        Self::built_in()
    }
}

fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// Reads a key's name and checks that `text` uses only placeholders the built-in text has.
fn checked(lang: Lang, key: &str, text: &str) -> Result<TextKey, TextsError> {
    let parsed = TextKey::parse(key).ok_or_else(|| TextsError::UnknownKey(key.to_owned()))?;
    let allowed = placeholders(parsed.built_in_text(lang));
    match placeholders(text)
        .into_iter()
        .find(|p| !allowed.contains(p))
    {
        Some(p) => Err(TextsError::UnknownPlaceholder {
            key: key.to_owned(),
            placeholder: p.to_owned(),
        }),
        None => Ok(parsed),
    }
}

impl Texts {
    /// The built-in texts.
    pub fn built_in() -> Self {
        Self {
            overrides: HashMap::new(),
            live: std::sync::RwLock::default(),
        }
    }

    fn live_map(&self) -> std::sync::RwLockReadGuard<'_, HashMap<(Lang, TextKey), &'static str>> {
        // The map is never left half-written: a panic elsewhere cannot poison its contents.
        self.live
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Replaces the text named `key` ([`TextKey::as_str`]) in `lang` while the bot runs (the
    /// next message uses it). The text may use only placeholders the built-in text has, as in
    /// the override file.
    ///
    /// # Errors
    /// [`TextsError::UnknownKey`] or [`TextsError::UnknownPlaceholder`].
    pub fn set_live(&self, lang: Lang, key: &str, text: &str) -> Result<(), TextsError> {
        let key = checked(lang, key, text)?;
        let leaked: &'static str = Box::leak(text.to_owned().into_boxed_str());
        self.live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert((lang, key), leaked);
        Ok(())
    }

    /// Drops the live edit of the text named `key` in `lang` (back to the override file's or
    /// built-in text). A name the catalogue does not have changes nothing.
    pub fn reset_live(&self, lang: Lang, key: &str) {
        let Some(key) = TextKey::parse(key) else {
            return;
        };
        self.live
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&(lang, key));
    }

    /// The live edit of `key` in `lang`, if any.
    pub fn live(&self, lang: Lang, key: TextKey) -> Option<&'static str> {
        self.live_map().get(&(lang, key)).copied()
    }

    /// The text without live edits: the override file's, else the built-in one.
    pub fn default_text(&self, lang: Lang, key: TextKey) -> &str {
        self.overrides
            .get(&(lang, key))
            .map_or_else(|| key.built_in_text(lang), String::as_str)
    }

    /// The built-in texts with overrides from a JSON document.
    ///
    /// # Errors
    /// [`TextsError`] for malformed JSON, unknown languages or keys, or foreign placeholders.
    pub fn with_overrides(json: &str) -> Result<Self, TextsError> {
        let doc: HashMap<String, HashMap<String, String>> =
            serde_json::from_str(json).map_err(|e| TextsError::Malformed(e.to_string()))?;
        let mut overrides = HashMap::new();
        for (code, texts) in doc {
            let lang = match code.as_str() {
                "uk" => Lang::Uk,
                "ru" => Lang::Ru,
                other => return Err(TextsError::UnknownLanguage(other.to_owned())),
            };
            for (key, text) in texts {
                let key = checked(lang, &key, &text)?;
                overrides.insert((lang, key), text);
            }
        }
        Ok(Self {
            overrides,
            live: std::sync::RwLock::default(),
        })
    }

    /// The template for `key` in `lang`: the live edit, else the override file's, else the
    /// built-in text.
    pub fn get(&self, lang: Lang, key: TextKey) -> &str {
        if let Some(t) = self.live(lang, key) {
            return t;
        }
        self.default_text(lang, key)
    }

    /// The text for `key` with `{name}` placeholders replaced by `args` (as plain text).
    pub fn format(&self, lang: Lang, key: TextKey, args: &[(&str, &str)]) -> String {
        let template = self.get(lang, key);
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match args.iter().find(|(n, _)| *n == name) {
                        Some((_, v)) => out.push_str(v),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_order_market_then_user_then_bot_lang() {
        use loyalty_core::Region;
        // 1. The market: ERGO (Ukraine) speaks Ukrainian, the Russian-market programmes Russian.
        assert_eq!(Lang::of_market(Region::UA), Lang::Uk);
        assert_eq!(Lang::of_market(Region::RU), Lang::Ru);
        assert_eq!(Lang::initial(Lang::Ru, None, None), Lang::Ru);
        assert_eq!(Lang::initial(Lang::Uk, None, None), Lang::Uk);
        // A language the bot has no texts in (the console says "en") keeps the market's.
        assert_eq!(Lang::initial(Lang::Ru, Some("en"), None), Lang::Ru);
        assert_eq!(Lang::initial(Lang::Uk, Some(""), None), Lang::Uk);
        // 2. The user's own language beats the market.
        assert_eq!(Lang::initial(Lang::Ru, Some("uk"), None), Lang::Uk);
        assert_eq!(Lang::initial(Lang::Uk, Some("ru-RU"), None), Lang::Ru);
        // 3. BOT_LANG beats both.
        assert_eq!(
            Lang::initial(Lang::Ru, Some("ru"), Some(Lang::Uk)),
            Lang::Uk
        );
        assert_eq!(
            Lang::initial(Lang::Uk, Some("uk"), Some(Lang::Ru)),
            Lang::Ru
        );
        assert_eq!(Lang::initial(Lang::Uk, None, Some(Lang::Ru)), Lang::Ru);
    }

    #[test]
    fn both_languages_have_every_text_with_the_same_placeholders() {
        for key in TextKey::ALL {
            let (uk, ru) = key.built_in();
            assert!(!uk.is_empty() && !ru.is_empty(), "{key}");
            let mut a = placeholders(uk);
            let mut b = placeholders(ru);
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{key}");
        }
        let mut keys: Vec<_> = TextKey::ALL.iter().map(|k| k.as_str()).collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate keys");
    }

    #[test]
    fn format_substitutes_plain_values() {
        let t = Texts::built_in();
        assert_eq!(
            t.format(Lang::Uk, TextKey::Balance, &[("available", "218,4 бала")]),
            "Ваш баланс: 218,4 бала."
        );
        assert_eq!(
            t.format(
                Lang::Ru,
                TextKey::RegistrationOk,
                &[("model", "<b>&"), ("points", "5 баллов")]
            ),
            "✅ Зарегистрировано: <b>&, +5 баллов."
        );
    }

    #[test]
    fn live_edits_win_over_the_file_and_reset_back_to_it() {
        let t = Texts::with_overrides(r#"{"uk": {"balance": "Файл: {available}"}}"#).unwrap();
        let shared = std::sync::Arc::new(t);
        let engine_view = shared.clone();
        shared
            .set_live(Lang::Uk, "balance", "Панель: {available}")
            .unwrap();
        assert_eq!(
            engine_view.get(Lang::Uk, TextKey::Balance),
            "Панель: {available}"
        );
        assert_eq!(
            engine_view.default_text(Lang::Uk, TextKey::Balance),
            "Файл: {available}"
        );
        assert_eq!(
            shared.set_live(Lang::Uk, "balance", "{avail}").unwrap_err(),
            TextsError::UnknownPlaceholder {
                key: "balance".into(),
                placeholder: "avail".into()
            }
        );
        assert_eq!(
            shared.set_live(Lang::Uk, "balanse", "x").unwrap_err(),
            TextsError::UnknownKey("balanse".into())
        );
        shared.reset_live(Lang::Uk, "balance");
        assert_eq!(
            engine_view.get(Lang::Uk, TextKey::Balance),
            "Файл: {available}"
        );
        assert_eq!(engine_view.live(Lang::Uk, TextKey::Balance), None);
    }

    #[test]
    fn overrides_replace_texts_and_refuse_typos() {
        let t = Texts::with_overrides(r#"{"uk": {"balance": "Бали: {available}"}}"#).unwrap();
        assert_eq!(
            t.format(Lang::Uk, TextKey::Balance, &[("available", "7")]),
            "Бали: 7"
        );
        assert_eq!(
            t.format(Lang::Ru, TextKey::Balance, &[("available", "7 баллов")]),
            "Ваш баланс: 7 баллов."
        );
        assert_eq!(
            Texts::with_overrides(r#"{"uk": {"balanse": "x"}}"#).unwrap_err(),
            TextsError::UnknownKey("balanse".into())
        );
        assert_eq!(
            Texts::with_overrides(r#"{"en": {}}"#).unwrap_err(),
            TextsError::UnknownLanguage("en".into())
        );
        assert_eq!(
            Texts::with_overrides(r#"{"uk": {"balance": "{avail}"}}"#).unwrap_err(),
            TextsError::UnknownPlaceholder {
                key: "balance".into(),
                placeholder: "avail".into()
            }
        );
        assert!(matches!(
            Texts::with_overrides("[1]"),
            Err(TextsError::Malformed(_))
        ));
    }

    #[test]
    fn key_names_read_back_and_typos_do_not() {
        for key in TextKey::ALL {
            assert_eq!(TextKey::parse(key.as_str()), Some(*key));
            assert_eq!(key.as_str().parse::<TextKey>(), Ok(*key));
            assert_eq!(key.to_string(), key.as_str());
        }
        assert_eq!(TextKey::Balance.as_str(), "balance");
        assert_eq!(
            TextKey::parse("button_share_phone"),
            Some(TextKey::ButtonSharePhone)
        );
        assert_eq!(TextKey::parse("balanse"), None);
        assert_eq!(
            "no_such_text".parse::<TextKey>(),
            Err(TextsError::UnknownKey("no_such_text".into()))
        );
        // Every name is one text's (a count here would change with every new text).
        let names: std::collections::HashSet<&str> =
            TextKey::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), TextKey::ALL.len());
        assert!(TextKey::ALL.len() >= 92);
    }

    #[test]
    fn every_template_is_valid_markup() {
        for key in TextKey::ALL {
            let (uk, ru) = key.built_in();
            for t in [uk, ru] {
                let args: Vec<(&str, &str)> =
                    placeholders(t).into_iter().map(|p| (p, "x")).collect();
                assert!(
                    messenger_core::RichText::template(t, &args).is_ok(),
                    "{key}: {t}"
                );
            }
        }
    }

    #[test]
    fn a_reset_of_an_unknown_name_changes_nothing() {
        let t = Texts::built_in();
        t.set_live(Lang::Ru, "balance", "Live: {available}")
            .unwrap();
        t.reset_live(Lang::Ru, "no_such_text");
        assert_eq!(t.get(Lang::Ru, TextKey::Balance), "Live: {available}");
        assert_eq!(
            t.get(Lang::Uk, TextKey::Balance),
            "Ваш баланс: {available}."
        );
    }

    #[test]
    fn languages_parse_from_messenger_codes() {
        assert_eq!(Lang::parse("uk-UA"), Some(Lang::Uk));
        assert_eq!(Lang::parse("ru"), Some(Lang::Ru));
        assert_eq!(Lang::parse("UA"), Some(Lang::Uk));
        assert_eq!(Lang::parse("en"), None);
    }
}
