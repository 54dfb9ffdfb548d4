//! Settings of the dialogues beyond the programme: support's working hours
//! (`SUPPORT_HOURS`/`SUPPORT_TZ`), the web cabinet button of the main menu (`WEB_CABINET_URL`)
//! and the clock the engine reads the time from (a fixed one in tests).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use loyalty_core::{Clock, SystemClock};

use super::Engine;
use crate::support_hours::SupportHours;

/// See the module docs.
#[derive(Debug, Clone)]
pub(super) struct DialogueOptions {
    /// Support's working hours; `None`: support is always open.
    pub(super) support_hours: Option<SupportHours>,
    /// The web cabinet's URL, shown as a URL button in the main menu when set.
    pub(super) web_cabinet: Option<String>,
    /// Where "now" comes from.
    pub(super) clock: Arc<dyn Clock>,
    /// "Support" opens a live dialogue with the operators of the control panel.
    pub(super) live_chat: bool,
}

impl Default for DialogueOptions {
    fn default() -> Self {
        Self {
            support_hours: None,
            web_cabinet: None,
            clock: Arc::new(SystemClock),
            live_chat: false,
        }
    }
}

impl Engine {
    /// Support's working hours: out of them, support says when the question will be answered.
    pub fn with_support_hours(mut self, hours: SupportHours) -> Self {
        self.options.support_hours = Some(hours);
        self
    }

    /// A "web cabinet" URL button (labelled with the text `button_web_cabinet`) in the main menu.
    pub fn with_web_cabinet(mut self, url: impl Into<String>) -> Self {
        self.options.web_cabinet = Some(url.into());
        self
    }

    /// Live operator chat (issue 20): "Support" opens a dialogue with the operators of the
    /// control panel within the working hours (the panel's, else [`Engine::with_support_hours`]),
    /// and while it is open (or an operator paused the bot for the user) the user's messages go
    /// to the operators instead of the bot's dialogues. Shows "Support" in every programme's menu.
    pub fn with_live_chat(mut self) -> Self {
        self.options.live_chat = true;
        self
    }

    /// Whether live operator chat is on.
    pub fn live_chat(&self) -> bool {
        self.options.live_chat
    }

    /// Reads the time from `clock` (default: the system clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.options.clock = clock;
        self
    }

    /// The current time by the engine's clock.
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.options.clock.now()
    }
}
