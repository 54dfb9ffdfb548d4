//! Live operator chat (issue 20), the bot's side: "Support" opens a dialogue with the operators
//! of the control panel within the working hours; while it is open, or while an operator has
//! paused the bot for the user, every message of the user goes to the dialogue (stored by
//! writes committed with the update's completion, never interpreted by the dialogues), and the
//! "End the dialogue" button returns the user to the bot. Operators' replies reach the user as
//! durable pushes queued by the panel (`crate::panel`).

use messenger_core::{Keyboard, UpdateKind};

use super::ctx::{Ctx, Flow};
use super::{Action, Conversation, EngineError, Step};
use crate::storage::{NewPhoto, Storage, SupportState, new_support_id};
use crate::support_hours::SupportHours;
use crate::texts::TextKey;

/// The setting (`bot_settings`) that holds the working hours edited in the panel.
pub const HOURS_SETTING: &str = "support_hours";
/// The setting (`bot_settings`) that holds the UTC offset of those hours.
pub const TZ_SETTING: &str = "support_tz";

impl super::Engine {
    /// The live chat's working hours: the panel's (`support_hours`/`support_tz` settings) when
    /// saved (empty: always open) and readable, else `SUPPORT_HOURS`/`SUPPORT_TZ`; `None`:
    /// always open.
    ///
    /// # Errors
    /// [`EngineError::Storage`] when the settings cannot be read.
    pub async fn live_hours(&self) -> Result<Option<SupportHours>, EngineError> {
        let hours = self.storage.setting(HOURS_SETTING).await?;
        if let Some(hours) = hours {
            if hours.trim().is_empty() {
                // Saved empty in the panel: always open.
                return Ok(None);
            }
            let tz = self
                .storage
                .setting(TZ_SETTING)
                .await?
                .unwrap_or_else(|| "UTC".into());
            match SupportHours::from_vars(&hours, &tz) {
                Ok(h) => return Ok(Some(h)),
                Err((var, e)) => {
                    tracing::warn!(setting = var, error = %e, "saved support hours do not read");
                }
            }
        }
        Ok(self.options.support_hours.clone())
    }
}

impl Ctx<'_> {
    fn end_keyboard(&self) -> Keyboard {
        Keyboard::inline(vec![vec![
            self.button(TextKey::ButtonSupportEnd, &Action::SupportEnd),
        ]])
    }

    /// "Support" with live chat: a dialogue within the hours; out of them the hours, and for
    /// ERGO the question to the programme as before.
    pub(super) async fn support_live(&mut self, conv: &mut Conversation) -> Flow {
        let hours = self.engine.live_hours().await?;
        if let Some((hours, next)) = self.closed_by(hours.as_ref()) {
            self.say(
                TextKey::SupportLiveOutOfHours,
                &[("hours", &hours), ("next", &next)],
            );
            if self.ergo().is_some() {
                conv.step = Step::AwaitQuestion;
                self.say(TextKey::SupportAsk, &[]);
            } else {
                self.menu(conv);
            }
            return Ok(());
        }
        let now = self.engine.now();
        self.writes.push(Storage::open_dialogue_write(
            &new_support_id(),
            self.key,
            now,
        ));
        conv.step = Step::Menu;
        let keyboard = self.end_keyboard();
        self.say_with(TextKey::SupportLiveOpened, &[], keyboard);
        Ok(())
    }

    /// Stores a user's message in the open dialogue (opening one for a paused user without).
    fn relay_message(&mut self, body: Option<&str>, photo: Option<&NewPhoto>) {
        let now = self.engine.now();
        self.writes.push(Storage::open_dialogue_write(
            &new_support_id(),
            self.key,
            now,
        ));
        self.writes.extend(Storage::user_message_writes(
            &new_support_id(),
            self.key,
            body,
            photo,
            now,
        ));
    }

    /// An update of a user in a live dialogue (or paused): to the operators.
    pub(super) async fn relay(
        &mut self,
        conv: &mut Conversation,
        kind: &UpdateKind,
        support: &SupportState,
    ) -> Result<(), EngineError> {
        match kind {
            UpdateKind::Text { text, .. } => self.relay_message(Some(text.trim()), None),
            UpdateKind::Command { name, args, .. } => {
                let text = if args.is_empty() {
                    format!("/{name}")
                } else {
                    format!("/{name} {args}")
                };
                self.relay_message(Some(&text), None);
            }
            UpdateKind::Contact(c) => self.relay_message(Some(&format!("📞 {}", c.phone)), None),
            UpdateKind::Photo(f) | UpdateKind::Document(f) => {
                let file = f.file.clone();
                let caption = f.caption.clone();
                if file.size.is_some_and(|size| size > super::MAX_PHOTO_BYTES) {
                    let reason = self.label(TextKey::ReasonPhotoTooLarge).to_owned();
                    self.say(TextKey::PhotoUnreadable, &[("reason", &reason)]);
                    return Ok(());
                }
                match self.messenger.download(&file).await {
                    Ok(bytes) if bytes.len() as u64 <= super::MAX_PHOTO_BYTES => {
                        let photo = NewPhoto {
                            data: bytes.to_vec(),
                            mime: file
                                .mime_type
                                .clone()
                                .unwrap_or_else(|| "image/jpeg".to_owned()),
                        };
                        self.relay_message(caption.as_deref(), Some(&photo));
                    }
                    Ok(_) => {
                        let reason = self.label(TextKey::ReasonPhotoTooLarge).to_owned();
                        self.say(TextKey::PhotoUnreadable, &[("reason", &reason)]);
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot download a user's file for support");
                        let reason = self.label(TextKey::ReasonPhotoDownload).to_owned();
                        self.say(TextKey::PhotoUnreadable, &[("reason", &reason)]);
                    }
                }
            }
            UpdateKind::ButtonPress(p)
                if Action::parse(&p.data) == Some(Action::SupportEnd)
                    && support.open_dialogue.is_some() =>
            {
                self.writes
                    .push(Storage::user_close_write(self.key, self.engine.now()));
                self.say(TextKey::SupportLiveEnded, &[]);
                if support.paused {
                    // The operator keeps the bot paused: the next message opens a new dialogue.
                    conv.step = Step::Menu;
                } else {
                    self.menu(conv);
                }
            }
            _ => {
                let keyboard = self.end_keyboard();
                if support.open_dialogue.is_some() {
                    self.say_with(TextKey::SupportLiveHint, &[], keyboard);
                } else {
                    self.say(TextKey::SupportLiveHint, &[]);
                }
            }
        }
        Ok(())
    }
}
