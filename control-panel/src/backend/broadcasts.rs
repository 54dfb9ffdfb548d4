//! The data of audiences and broadcasts (issue 19) that the panel and the host exchange through
//! [`super::PanelBackend`]'s `audience_*` and `broadcast*` methods.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{SupportPhoto, UserKey};

/// Which users a broadcast (or a survey) reaches: the panel's segment form
/// ([`crate::web::segment`]). Every filter that is set narrows the audience; none set is every
/// user the bot can still reach. Date ranges are whole UTC days, both ends included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct AudienceFilter {
    /// Only these messengers (`telegram`, `viber`, `max`); empty: all.
    pub messengers: Vec<String>,
    /// Only these languages (`uk`, `ru`); empty: all.
    pub languages: Vec<String>,
    /// First contact on or after this day.
    pub first_contact_from: Option<NaiveDate>,
    /// First contact on or before this day.
    pub first_contact_to: Option<NaiveDate>,
    /// Last activity on or after this day.
    pub active_from: Option<NaiveDate>,
    /// Last activity on or before this day.
    pub active_to: Option<NaiveDate>,
    /// `Some(true)`: only users who gave their phone; `Some(false)`: only those who did not.
    pub with_phone: Option<bool>,
    /// Programme data: only customers at one of these levels; empty: any.
    pub levels: Vec<String>,
    /// Custom attributes: only users with every one of these `key = value` pairs.
    pub attributes: Vec<AttributeFilter>,
}

impl AudienceFilter {
    /// Whether no filter is set (every reachable user).
    pub fn is_everyone(&self) -> bool {
        *self == Self::default()
    }
}

/// One custom attribute a user must have, compared exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AttributeFilter {
    /// The attribute's key (e.g. `city`).
    pub key: String,
    /// The value it must have (e.g. `Київ`).
    pub value: String,
}

/// What the segment form offers for one bot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct AudienceOptions {
    /// The bot's messengers.
    pub messengers: Vec<String>,
    /// The languages of its users (`uk`, `ru`).
    pub languages: Vec<String>,
    /// The levels the programme reported for its users (may be empty: typed in instead).
    pub levels: Vec<String>,
    /// Custom attribute keys in use.
    pub attribute_keys: Vec<String>,
}

/// A URL button under a broadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct UrlButton {
    /// Its label.
    pub label: String,
    /// The `https://` address it opens.
    pub url: String,
}

/// A broadcast as the operator composed it; the panel has checked it (markup, image type and
/// size, button).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastDraft {
    /// The text in the bots' markup (`*bold*`, `_italic_`, `[label](https://…)`, emoji).
    pub text: String,
    /// An optional picture, the text as its caption.
    pub image: Option<SupportPhoto>,
    /// An optional URL button.
    pub button: Option<UrlButton>,
}

/// A broadcast to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BroadcastOrder {
    /// What to send.
    pub draft: BroadcastDraft,
    /// To whom.
    pub audience: AudienceFilter,
    /// When to start (`None`: now).
    pub start_at: Option<DateTime<Utc>>,
    /// The panel login that sent it.
    pub author: String,
}

/// Recipients of one messenger per journal status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", default)]
pub struct BroadcastFigures {
    /// Waiting to be sent.
    pub queued: u64,
    /// Being sent.
    pub sending: u64,
    /// Accepted by the platform (and, on Viber, not yet reported delivered).
    pub sent: u64,
    /// Could not be sent (the journal says why).
    pub failed: u64,
    /// The user blocked the bot.
    pub blocked: u64,
    /// Not reached: the broadcast was cancelled.
    pub cancelled: u64,
    /// The sender stopped during the platform call (not sent again).
    pub unknown: u64,
    /// Delivered to the device, not yet seen (Viber's callbacks; counted apart from `sent`).
    pub delivered: u64,
    /// Seen by the user (Viber's callbacks; counted apart from `sent` and `delivered`).
    pub seen: u64,
}

impl BroadcastFigures {
    /// Every recipient counted.
    pub fn total(&self) -> u64 {
        self.queued
            + self.sending
            + self.sent
            + self.delivered
            + self.seen
            + self.failed
            + self.blocked
            + self.cancelled
            + self.unknown
    }

    /// Adds another messenger's figures.
    pub fn add(&mut self, o: &BroadcastFigures) {
        self.queued += o.queued;
        self.sending += o.sending;
        self.sent += o.sent;
        self.delivered += o.delivered;
        self.seen += o.seen;
        self.failed += o.failed;
        self.blocked += o.blocked;
        self.cancelled += o.cancelled;
        self.unknown += o.unknown;
    }
}

/// A broadcast with its figures per messenger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BroadcastSummary {
    /// Its id.
    pub id: String,
    /// `active`, `paused`, `cancelled` or `done`.
    pub state: String,
    /// The text as composed (markup).
    pub text: String,
    /// Whether it carries a picture (`/bots/{bot}/broadcasts/b/{id}/image`).
    pub image: bool,
    /// Its URL button.
    pub button: Option<UrlButton>,
    /// Who it went to.
    pub audience: AudienceFilter,
    /// Who sent it.
    pub author: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When sending starts (or started).
    pub start_at: DateTime<Utc>,
    /// Recipients per status, per messenger.
    pub per_messenger: BTreeMap<String, BroadcastFigures>,
}

/// One recipient's line of a broadcast's journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct BroadcastJournalLine {
    /// The recipient.
    pub user: UserKey,
    /// Its status (`queued`, `sent`, `failed`, …).
    pub status: String,
    /// Why it failed (the platform's error).
    pub error: Option<String>,
    /// How many times it was tried.
    pub attempts: u64,
    /// When its status last changed (RFC 3339).
    pub updated_at: Option<String>,
}

/// What an operator does to a broadcast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BroadcastAction {
    /// Stop sending for now.
    Pause,
    /// Go on sending.
    Resume,
    /// Stop for good.
    Cancel,
}

impl BroadcastAction {
    /// The wire name (`pause`, `resume`, `cancel`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Cancel => "cancel",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pause" => Self::Pause,
            "resume" => Self::Resume,
            "cancel" => Self::Cancel,
            _ => return None,
        })
    }
}
