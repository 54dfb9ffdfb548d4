//! Each platform's limits, and validation of an [`OutgoingMessage`] against them.

use std::num::NonZeroU32;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::keyboard::{Button, Keyboard};
use crate::message::{Image, OutgoingMessage};
use crate::text::{LengthUnit, TextRendering};

/// A rate: `count` messages per `per`, with bursts of at most `burst` (1 = strictly paced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Rate {
    /// Messages allowed per period.
    pub count: NonZeroU32,
    /// The period.
    pub per: Duration,
    /// How many may go at once before pacing starts.
    pub burst: NonZeroU32,
}

impl Rate {
    /// `count` per second, strictly paced (burst 1). `None` when `count` is 0.
    pub fn per_second(count: u32) -> Option<Self> {
        Self::new(count, Duration::from_secs(1))
    }

    /// `count` per minute, strictly paced (burst 1). `None` when `count` is 0.
    pub fn per_minute(count: u32) -> Option<Self> {
        Self::new(count, Duration::from_secs(60))
    }

    /// `count` per `per`, strictly paced (burst 1). `None` when `count` is 0 or `per` is zero.
    pub fn new(count: u32, per: Duration) -> Option<Self> {
        if per.is_zero() {
            return None;
        }
        Some(Self {
            count: NonZeroU32::new(count)?,
            per,
            burst: NonZeroU32::MIN,
        })
    }

    /// Allows bursts of `burst` messages (0 is taken as 1).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        self
    }

    /// The time between two paced messages.
    pub fn interval(&self) -> Duration {
        self.per / self.count.get()
    }
}

/// Where a platform accepts a "share my phone number" button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ContactButtonPlacement {
    /// Only in a reply keyboard (Telegram).
    ReplyOnly,
    /// In any keyboard (Viber has one kind of keyboard; MAX shows it inline).
    Any,
}

/// What a platform accepts. The constructors carry the documented values (see the spec); every
/// field is public so a deployment can tighten or relax them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Limits {
    /// The longest message text.
    pub text_max: usize,
    /// The longest caption of a picture.
    pub caption_max: usize,
    /// How text length is counted.
    pub text_unit: LengthUnit,
    /// Which form of the text the limit applies to (Telegram: the visible text; Viber: the plain
    /// rendering; MAX: the HTML in `text`).
    pub text_rendering: TextRendering,
    /// The longest callback data.
    pub callback_data_max: usize,
    /// How callback data is counted.
    pub callback_data_unit: LengthUnit,
    /// The most buttons in one keyboard.
    pub buttons_max: usize,
    /// The most rows in one keyboard.
    pub rows_max: usize,
    /// The most buttons in one row.
    pub buttons_per_row_max: usize,
    /// The most URL and share-phone buttons in one row (MAX allows 3).
    pub link_buttons_per_row_max: usize,
    /// Where a share-phone button may go.
    pub contact_button: ContactButtonPlacement,
    /// Whether pictures can be uploaded as bytes (Viber takes URLs only).
    pub image_upload: bool,
    /// Whether the platform offers long polling.
    pub long_polling: bool,
    /// The documented overall sending rate of one bot.
    pub global_rate: Rate,
    /// The documented (or courtesy) rate into one private chat.
    pub chat_rate: Rate,
    /// The rate into one group chat, when it differs.
    pub group_rate: Option<Rate>,
}

const fn rate(count: u32, per_secs: u64) -> Rate {
    Rate {
        count: match NonZeroU32::new(count) {
            Some(n) => n,
            None => NonZeroU32::MIN,
        },
        per: Duration::from_secs(per_secs),
        burst: NonZeroU32::MIN,
    }
}

impl Limits {
    /// Telegram: text 4096 and caption 1024 UTF-16 units, callback data 64 bytes, about 100
    /// buttons and 8 per row (inferred), contact button in reply keyboards only, 30 msg/s overall,
    /// 1 msg/s per chat, 20 msg/min per group.
    pub const fn telegram() -> Self {
        Self {
            text_max: 4096,
            caption_max: 1024,
            text_unit: LengthUnit::Utf16,
            text_rendering: TextRendering::Visible,
            callback_data_max: 64,
            callback_data_unit: LengthUnit::Bytes,
            buttons_max: 100,
            rows_max: 100,
            buttons_per_row_max: 8,
            link_buttons_per_row_max: 8,
            contact_button: ContactButtonPlacement::ReplyOnly,
            image_upload: true,
            long_polling: true,
            global_rate: rate(30, 1),
            chat_rate: rate(1, 1),
            group_rate: Some(rate(20, 60)),
        }
    }

    /// Viber: text 7000 characters, caption 512 (inferred), callback bodies (sent as `cb:` +
    /// data in `ActionBody`) kept to 1000 characters (inferred, the request is capped at 30 KB),
    /// 24 buttons in 12 rows of up to 6, pictures by URL only, no long polling, 30 msg/s overall
    /// (inferred, conservative) and 1 msg/s per chat (courtesy).
    pub const fn viber() -> Self {
        Self {
            text_max: 7000,
            caption_max: 512,
            text_unit: LengthUnit::Chars,
            text_rendering: TextRendering::Plain,
            callback_data_max: 1000,
            callback_data_unit: LengthUnit::Chars,
            buttons_max: 24,
            rows_max: 12,
            buttons_per_row_max: 6,
            link_buttons_per_row_max: 6,
            contact_button: ContactButtonPlacement::Any,
            image_upload: false,
            long_polling: false,
            global_rate: rate(30, 1),
            chat_rate: rate(1, 1),
            group_rate: None,
        }
    }

    /// MAX: text 4000 characters counted on the HTML sent in `text` (a picture's text is the
    /// message text), callback payload 1024
    /// characters, 210 buttons, 30 rows, 7 per row (3 for URL and share-phone buttons), 30
    /// requests/s per bot, 1 msg/s per chat
    /// (courtesy, not published).
    pub const fn max() -> Self {
        Self {
            text_max: 4000,
            caption_max: 4000,
            text_unit: LengthUnit::Chars,
            text_rendering: TextRendering::Html,
            callback_data_max: 1024,
            callback_data_unit: LengthUnit::Chars,
            buttons_max: 210,
            rows_max: 30,
            buttons_per_row_max: 7,
            link_buttons_per_row_max: 3,
            contact_button: ContactButtonPlacement::Any,
            image_upload: true,
            long_polling: true,
            global_rate: rate(30, 1),
            chat_rate: rate(1, 1),
            group_rate: None,
        }
    }

    /// The console and in-memory messengers: generous limits (64 KiB of text, 1 KiB of callback
    /// data, 100 buttons), no pacing to speak of.
    pub const fn local() -> Self {
        Self {
            text_max: 65_536,
            caption_max: 65_536,
            text_unit: LengthUnit::Chars,
            text_rendering: TextRendering::Visible,
            callback_data_max: 1024,
            callback_data_unit: LengthUnit::Chars,
            buttons_max: 100,
            rows_max: 100,
            buttons_per_row_max: 100,
            link_buttons_per_row_max: 100,
            contact_button: ContactButtonPlacement::Any,
            image_upload: true,
            long_polling: true,
            global_rate: rate(1000, 1),
            chat_rate: rate(1000, 1),
            group_rate: None,
        }
    }

    /// The text limit that applies to `message` (the caption limit when it carries a picture).
    pub fn text_limit_for(&self, message: &OutgoingMessage) -> usize {
        if message.image.is_some() {
            self.caption_max
        } else {
            self.text_max
        }
    }
}

/// Why a message does not fit a platform. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// A message needs text or a picture.
    #[error("the message has neither text nor a picture")]
    Empty,
    /// The text is longer than the platform allows; see [`crate::send_long`] to split it.
    #[error("the text is {len} {} long; the limit is {max}", unit.name())]
    TextTooLong {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
        /// The unit of both.
        unit: LengthUnit,
    },
    /// The keyboard has too many buttons.
    #[error("the keyboard has {count} buttons; the limit is {max}")]
    TooManyButtons {
        /// Buttons in the keyboard.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The keyboard has too many rows.
    #[error("the keyboard has {count} rows; the limit is {max}")]
    TooManyRows {
        /// Rows in the keyboard.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A row has too many buttons.
    #[error("keyboard row {row} has {count} buttons; the limit is {max}")]
    RowTooWide {
        /// The row index (0-based).
        row: usize,
        /// Buttons in it.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A row has too many URL or share-phone buttons (MAX allows 3).
    #[error("keyboard row {row} has {count} URL/share-phone buttons; the limit is {max}")]
    TooManyLinkButtonsInRow {
        /// The row index (0-based).
        row: usize,
        /// URL and share-phone buttons in it.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A button's callback data is empty or too long; see [`crate::callback_key`].
    #[error("the callback data of button {label:?} is {len} {}; allowed 1 to {max}", unit.name())]
    CallbackData {
        /// The button label.
        label: String,
        /// The data's length.
        len: usize,
        /// The limit.
        max: usize,
        /// The unit of both.
        unit: LengthUnit,
    },
    /// A button has an empty label.
    #[error("a button has an empty label")]
    EmptyLabel,
    /// A share-phone button where the platform does not accept it (inline on Telegram).
    #[error("a share-phone button is only allowed in a reply keyboard on this platform")]
    ContactButtonNotAllowed,
    /// A button kind that does not belong in this keyboard (a callback button in a reply
    /// keyboard, a text button in an inline keyboard).
    #[error("button {label:?} cannot go in this kind of keyboard")]
    ButtonNotAllowed {
        /// The button label.
        label: String,
    },
    /// The picture is bytes but the platform takes URLs only (Viber).
    #[error("this platform accepts pictures by URL only")]
    ImageUploadUnsupported,
    /// The encoded request is bigger than the platform accepts (Viber: 30 KB of JSON).
    #[error("the request is {size} bytes; the platform accepts at most {max}")]
    RequestTooLarge {
        /// The encoded request's size in bytes.
        size: usize,
        /// The limit in bytes.
        max: usize,
    },
}

impl OutgoingMessage {
    /// Checks the message against `limits`.
    ///
    /// # Errors
    /// The first [`ValidationError`] found.
    pub fn validate(&self, limits: &Limits) -> Result<(), ValidationError> {
        if self.text.is_empty() && self.image.is_none() {
            return Err(ValidationError::Empty);
        }
        let max = limits.text_limit_for(self);
        let len = self
            .text
            .rendered_len(limits.text_rendering, limits.text_unit);
        if len > max {
            return Err(ValidationError::TextTooLong {
                len,
                max,
                unit: limits.text_unit,
            });
        }
        if matches!(self.image, Some(Image::Bytes { .. })) && !limits.image_upload {
            return Err(ValidationError::ImageUploadUnsupported);
        }
        if let Some(kb) = &self.keyboard {
            validate_keyboard(kb, limits)?;
        }
        Ok(())
    }
}

/// Checks a keyboard against `limits`.
///
/// # Errors
/// The first [`ValidationError`] found.
pub fn validate_keyboard(kb: &Keyboard, limits: &Limits) -> Result<(), ValidationError> {
    let rows = kb.rows();
    if rows.len() > limits.rows_max {
        return Err(ValidationError::TooManyRows {
            count: rows.len(),
            max: limits.rows_max,
        });
    }
    let count = kb.buttons().count();
    if count > limits.buttons_max {
        return Err(ValidationError::TooManyButtons {
            count,
            max: limits.buttons_max,
        });
    }
    for (i, row) in rows.iter().enumerate() {
        if row.len() > limits.buttons_per_row_max {
            return Err(ValidationError::RowTooWide {
                row: i,
                count: row.len(),
                max: limits.buttons_per_row_max,
            });
        }
        let links = row
            .iter()
            .filter(|b| matches!(b, Button::Url { .. } | Button::RequestContact { .. }))
            .count();
        if links > limits.link_buttons_per_row_max {
            return Err(ValidationError::TooManyLinkButtonsInRow {
                row: i,
                count: links,
                max: limits.link_buttons_per_row_max,
            });
        }
    }
    let inline = matches!(kb, Keyboard::Inline(_));
    for b in kb.buttons() {
        if b.label().trim().is_empty() {
            return Err(ValidationError::EmptyLabel);
        }
        match b {
            Button::Callback { label, data } => {
                if !inline {
                    return Err(ValidationError::ButtonNotAllowed {
                        label: label.clone(),
                    });
                }
                let len = limits.callback_data_unit.len(data);
                if len == 0 || len > limits.callback_data_max {
                    return Err(ValidationError::CallbackData {
                        label: label.clone(),
                        len,
                        max: limits.callback_data_max,
                        unit: limits.callback_data_unit,
                    });
                }
            }
            Button::Url { label, .. } if !inline => {
                return Err(ValidationError::ButtonNotAllowed {
                    label: label.clone(),
                });
            }
            Button::Text { label } if inline => {
                return Err(ValidationError::ButtonNotAllowed {
                    label: label.clone(),
                });
            }
            Button::RequestContact { .. }
                if inline && limits.contact_button == ContactButtonPlacement::ReplyOnly =>
            {
                return Err(ValidationError::ContactButtonNotAllowed);
            }
            _ => {}
        }
    }
    Ok(())
}
