//! What the bot sends: [`OutgoingMessage`] (rich text, an optional picture, an optional keyboard)
//! and [`ButtonAnswer`].

use std::fmt;

use bytes::Bytes;

use crate::keyboard::Keyboard;
use crate::limits::Limits;
use crate::text::RichText;

/// A picture to send.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Image {
    /// A public HTTP(S) URL the platform fetches itself (every platform).
    Url(String),
    /// Bytes to upload (Telegram multipart, MAX upload token; not Viber).
    Bytes {
        /// The file content.
        data: Bytes,
        /// The file name sent with it (`card.png`).
        file_name: String,
        /// The MIME type (`image/png`).
        mime_type: String,
    },
}

impl Image {
    /// A picture by URL.
    pub fn url(url: impl Into<String>) -> Self {
        Self::Url(url.into())
    }

    /// A picture to upload.
    pub fn bytes(
        data: impl Into<Bytes>,
        file_name: impl Into<String>,
        mime_type: impl Into<String>,
    ) -> Self {
        Self::Bytes {
            data: data.into(),
            file_name: file_name.into(),
            mime_type: mime_type.into(),
        }
    }
}

impl fmt::Debug for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Url(u) => f.debug_tuple("Url").field(u).finish(),
            Self::Bytes {
                data,
                file_name,
                mime_type,
            } => f
                .debug_struct("Bytes")
                .field("len", &data.len())
                .field("file_name", file_name)
                .field("mime_type", mime_type)
                .finish(),
        }
    }
}

/// A message to send: rich text, an optional picture (the text becomes its caption) and an
/// optional keyboard.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OutgoingMessage {
    /// The text (caption when there is a picture).
    pub text: RichText,
    /// A picture.
    pub image: Option<Image>,
    /// A keyboard.
    pub keyboard: Option<Keyboard>,
    /// Deliver silently.
    pub silent: bool,
    /// Show a preview of the first link (off by default: loyalty messages rarely want one).
    pub link_preview: bool,
}

impl OutgoingMessage {
    /// A message with this text.
    pub fn new(text: impl Into<RichText>) -> Self {
        Self {
            text: text.into(),
            ..Self::default()
        }
    }

    /// A picture with a caption.
    pub fn photo(image: Image, caption: impl Into<RichText>) -> Self {
        Self {
            text: caption.into(),
            image: Some(image),
            ..Self::default()
        }
    }

    /// Attaches a keyboard.
    pub fn keyboard(mut self, keyboard: Keyboard) -> Self {
        self.keyboard = Some(keyboard);
        self
    }

    /// Attaches a picture.
    pub fn image(mut self, image: Image) -> Self {
        self.image = Some(image);
        self
    }

    /// Delivers silently.
    pub fn silent(mut self) -> Self {
        self.silent = true;
        self
    }

    /// Turns link previews on.
    pub fn with_link_preview(mut self) -> Self {
        self.link_preview = true;
        self
    }

    /// The documented strategy for long texts: splits this message into messages that each fit
    /// `limits`, measured as the platform measures ([`Limits::text_rendering`]). The text is cut at
    /// paragraph boundaries first (see [`RichText::split_rendered`]); the
    /// picture goes with the first part (alone, without caption, when the first paragraph does not
    /// fit the caption limit), the keyboard with the last. A message that fits comes back as is.
    pub fn split(&self, limits: &Limits) -> Vec<OutgoingMessage> {
        let (unit, rendering) = (limits.text_unit, limits.text_rendering);
        let max = limits.text_limit_for(self);
        if self.text.rendered_len(rendering, unit) <= max {
            return vec![self.clone()];
        }
        let mut parts: Vec<OutgoingMessage> = Vec::new();
        let mut text_parts = self.text.split_rendered(limits.text_max, unit, rendering);
        if let Some(image) = &self.image {
            let first_fits = text_parts
                .first()
                .is_some_and(|t| t.rendered_len(rendering, unit) <= limits.caption_max);
            let caption = if first_fits {
                text_parts.remove(0)
            } else {
                RichText::new()
            };
            parts.push(OutgoingMessage {
                text: caption,
                image: Some(image.clone()),
                keyboard: None,
                silent: self.silent,
                link_preview: self.link_preview,
            });
        }
        for t in text_parts {
            parts.push(OutgoingMessage {
                text: t,
                image: None,
                keyboard: None,
                silent: self.silent,
                link_preview: self.link_preview,
            });
        }
        if let Some(last) = parts.last_mut() {
            last.keyboard = self.keyboard.clone();
        }
        parts
    }
}

impl From<&str> for OutgoingMessage {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl From<RichText> for OutgoingMessage {
    fn from(t: RichText) -> Self {
        Self::new(t)
    }
}

/// How to answer a pressed button.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ButtonAnswer {
    /// A short notification shown to the user (Telegram 0–200 characters, MAX toast).
    pub text: Option<String>,
    /// Show the text as an alert instead of a toast (Telegram).
    pub show_alert: bool,
}

impl ButtonAnswer {
    /// Just stops the spinner.
    pub fn ack() -> Self {
        Self::default()
    }

    /// Shows a toast.
    pub fn toast(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            show_alert: false,
        }
    }

    /// Shows an alert.
    pub fn alert(text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            show_alert: true,
        }
    }
}

/// Whether two pictures' bytes are the same: the same buffer (a broadcast's one message, sent
/// to every recipient: no comparison), or equal contents. Adapters use it to publish or upload
/// a picture once and reuse its URL or id.
pub fn same_bytes(a: &Bytes, b: &Bytes) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyboard::Button;

    #[test]
    fn same_bytes_is_the_same_buffer_or_equal_contents() {
        let a = Bytes::from(vec![1u8, 2, 3]);
        assert!(same_bytes(&a, &a.clone()));
        assert!(same_bytes(&a, &Bytes::from_static(&[1, 2, 3])));
        assert!(!same_bytes(&a, &Bytes::from_static(&[1, 2, 4])));
        assert!(!same_bytes(&a, &a.slice(..2)));
    }

    #[test]
    fn split_puts_the_keyboard_on_the_last_part_and_the_picture_on_the_first() {
        let mut limits = Limits::local();
        limits.text_max = 10;
        limits.caption_max = 5;
        let kb = Keyboard::inline(vec![vec![Button::callback("OK", "ok")]]);
        let msg = OutgoingMessage::photo(Image::url("https://e/p.png"), "abc\n\ndefgh ijk")
            .keyboard(kb.clone());
        let parts = msg.split(&limits);
        let texts: Vec<String> = parts.iter().map(|p| p.text.plain_text()).collect();
        assert_eq!(texts, vec!["abc", "defgh ijk"]);
        assert!(parts[0].image.is_some() && parts[1].image.is_none());
        assert_eq!(parts[0].keyboard, None);
        assert_eq!(parts[1].keyboard, Some(kb));
    }
}
