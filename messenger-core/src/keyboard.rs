//! Keyboards: inline rows of callback/URL buttons, reply keyboards, the "share my phone number"
//! button and removing a keyboard.
//!
//! ## How each platform shows them
//! | model | Telegram | Viber | MAX |
//! |---|---|---|---|
//! | [`Keyboard::Inline`] + [`Button::Callback`] | `inline_keyboard` `callback_data` | keyboard `reply` button, `ActionBody` = `cb:` + data; comes back as a [`crate::ButtonPress`] | inline `callback` |
//! | [`Button::Url`] | inline `url` | keyboard `open-url` | inline `link` |
//! | [`Keyboard::Reply`] + [`Button::Text`] | `keyboard` text button | keyboard `reply` button, `ActionBody` = label | inline `message` button |
//! | [`Button::RequestContact`] | reply `request_contact` (reply keyboards only) | `share-phone` | inline `request_contact` |
//! | [`Keyboard::Remove`] | `remove_keyboard` | no keyboard sent | no attachment |
//!
//! A contact button in an inline keyboard is refused on Telegram by validation
//! ([`crate::ValidationError::ContactButtonNotAllowed`]): use a reply keyboard for it, which works on
//! all three platforms.
//!
//! ## Long callback data
//! Callback data is limited (64 bytes on Telegram, 1024 characters on MAX). Data over the limit is
//! **rejected** by validation, never truncated. Keep the state server-side and put a short key in
//! the button; [`callback_key`] makes a stable 22-character key from any data for that purpose.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One button.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Button {
    /// Sends `data` back to the bot as a [`crate::UpdateKind::ButtonPress`].
    Callback {
        /// The label shown.
        label: String,
        /// The data sent back.
        data: String,
    },
    /// Opens a URL.
    Url {
        /// The label shown.
        label: String,
        /// The URL.
        url: String,
    },
    /// Sends its label as if the user typed it (reply keyboards).
    Text {
        /// The label shown and sent.
        label: String,
    },
    /// Asks the user to share their own phone number; it arrives as a
    /// [`crate::UpdateKind::Contact`].
    RequestContact {
        /// The label shown.
        label: String,
    },
}

impl Button {
    /// A callback button.
    pub fn callback(label: impl Into<String>, data: impl Into<String>) -> Self {
        Self::Callback {
            label: label.into(),
            data: data.into(),
        }
    }

    /// A URL button.
    pub fn url(label: impl Into<String>, url: impl Into<String>) -> Self {
        Self::Url {
            label: label.into(),
            url: url.into(),
        }
    }

    /// A text (reply keyboard) button.
    pub fn text(label: impl Into<String>) -> Self {
        Self::Text {
            label: label.into(),
        }
    }

    /// A "share my phone number" button.
    pub fn request_contact(label: impl Into<String>) -> Self {
        Self::RequestContact {
            label: label.into(),
        }
    }

    /// The label shown.
    pub fn label(&self) -> &str {
        match self {
            Self::Callback { label, .. }
            | Self::Url { label, .. }
            | Self::Text { label }
            | Self::RequestContact { label } => label,
        }
    }
}

/// A reply keyboard: buttons shown instead of the device keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplyKeyboard {
    /// Rows of [`Button::Text`] and [`Button::RequestContact`] buttons.
    pub rows: Vec<Vec<Button>>,
    /// Fit the keyboard's height to its buttons (Telegram `resize_keyboard`). Default true.
    pub resize: bool,
    /// Hide the keyboard after one press (Telegram `one_time_keyboard`). Default true.
    pub one_time: bool,
    /// The placeholder in the input field (Telegram, 1–64 characters).
    pub placeholder: Option<String>,
}

impl ReplyKeyboard {
    /// A reply keyboard with the defaults (resize, one-time, no placeholder).
    pub fn new(rows: Vec<Vec<Button>>) -> Self {
        Self {
            rows,
            resize: true,
            one_time: true,
            placeholder: None,
        }
    }

    /// Sets the input placeholder.
    pub fn placeholder(mut self, text: impl Into<String>) -> Self {
        self.placeholder = Some(text.into());
        self
    }

    /// Keeps the keyboard shown after a press.
    pub fn persistent(mut self) -> Self {
        self.one_time = false;
        self
    }
}

/// A keyboard attached to a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "keyboard", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Keyboard {
    /// Buttons under the message: [`Button::Callback`] and [`Button::Url`] (and
    /// [`Button::RequestContact`] on MAX and Viber).
    Inline(Vec<Vec<Button>>),
    /// A reply keyboard.
    Reply(ReplyKeyboard),
    /// Remove the reply keyboard shown before.
    Remove,
}

impl Keyboard {
    /// An inline keyboard.
    pub fn inline(rows: Vec<Vec<Button>>) -> Self {
        Self::Inline(rows)
    }

    /// A reply keyboard with the defaults.
    pub fn reply(rows: Vec<Vec<Button>>) -> Self {
        Self::Reply(ReplyKeyboard::new(rows))
    }

    /// A one-button reply keyboard asking for the user's phone number; works on every platform.
    pub fn request_contact(label: impl Into<String>) -> Self {
        Self::reply(vec![vec![Button::request_contact(label)]])
    }

    /// The rows of buttons (empty for [`Keyboard::Remove`]).
    pub fn rows(&self) -> &[Vec<Button>] {
        match self {
            Self::Inline(rows) => rows,
            Self::Reply(r) => &r.rows,
            Self::Remove => &[],
        }
    }

    /// Every button, row by row.
    pub fn buttons(&self) -> impl Iterator<Item = &Button> {
        self.rows().iter().flatten()
    }

    /// The first button with this label (exact match).
    pub fn find(&self, label: &str) -> Option<&Button> {
        self.buttons().find(|b| b.label() == label)
    }
}

/// A stable, URL-safe, 22-character key for callback data too long for the platform: store
/// `key → data` server-side and put the key in the button. The same data always gives the same key.
pub fn callback_key(data: &str) -> String {
    let digest = Sha256::digest(data.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..16])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_key_is_short_stable_and_distinct() {
        let a = callback_key(&"x".repeat(500));
        assert_eq!(a.len(), 22);
        assert_eq!(a, callback_key(&"x".repeat(500)));
        assert_ne!(a, callback_key(&"x".repeat(501)));
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn find_by_label() {
        let kb = Keyboard::inline(vec![vec![
            Button::callback("History", "hist:1"),
            Button::url("Site", "https://e.com"),
        ]]);
        assert_eq!(kb.find("Site"), Some(&Button::url("Site", "https://e.com")));
        assert_eq!(kb.buttons().count(), 2);
        assert!(kb.find("Nope").is_none());
    }
}
