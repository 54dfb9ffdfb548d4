//! The live chat in the panel (issue 20): [`LiveChat`] answers the support methods of
//! [`control_panel::PanelBackend`] over the bot's support tables (`crate::storage` support
//! module). An operator's reply is stored and queued for delivery in one transaction
//! ([`messenger_runtime::Store::enqueue_pushes`] under the event id `support:{message id}`), so
//! a restart neither loses nor repeats it.

use chrono::{DateTime, Utc};
use control_panel::{
    BackendError, SupportDialogue, SupportHoursSettings, SupportMessage, SupportPhoto,
    SupportSender, UserKey,
};
use messenger_core::{Button, Keyboard, RichText};
use messenger_runtime::{Reply, ReplyImage};

use super::rows::failed;
use crate::engine::{Action, HOURS_SETTING, TZ_SETTING};
use crate::storage::{ChatKey, Dialogue, NewPhoto, Sender, Storage, new_support_id};
use crate::support_hours::SupportHours;
use crate::texts::{Lang, TextKey, Texts};

/// The longest text sent as a photo's caption (Telegram's limit is 1024 characters).
pub const CAPTION_MAX: usize = 1024;

/// What the panel's live chat needs of the bot: its storage (with the runtime's store), texts,
/// the language of a chat it knows nothing about, and the hours from the environment.
#[derive(Clone)]
pub struct LiveChat {
    pub(super) storage: Storage,
    pub(super) default_lang: Lang,
    /// `SUPPORT_HOURS`/`SUPPORT_TZ` as configured (shown until the panel saves its own).
    pub(super) env_hours: Option<(String, String)>,
    /// Where "now" comes from (tests inject one).
    pub(super) clock: std::sync::Arc<dyn loyalty_core::Clock>,
}

impl std::fmt::Debug for LiveChat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveChat")
            .field("default_lang", &self.default_lang)
            .finish_non_exhaustive()
    }
}

impl LiveChat {
    /// The live chat over the bot's `storage`; `default_lang` for chats with no stored
    /// language; `env_hours` = (`SUPPORT_HOURS`, `SUPPORT_TZ`) when configured.
    pub fn new(
        storage: Storage,
        default_lang: Lang,
        env_hours: Option<(String, String)>,
        clock: std::sync::Arc<dyn loyalty_core::Clock>,
    ) -> Self {
        Self {
            storage,
            default_lang,
            env_hours,
            clock,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(super) fn dialogue(d: &Dialogue) -> SupportDialogue {
        SupportDialogue {
            id: d.id.clone(),
            user: UserKey {
                messenger: d.key.messenger.clone(),
                user_id: d.key.chat_id.clone(),
            },
            user_name: d.user_name.clone(),
            opened_at: d.opened_at,
            updated_at: d.updated_at,
            operator: d.operator.clone(),
            closed_at: d.closed_at,
            closed_by: d.closed_by.clone(),
            unread: d.unread,
            paused: d.paused,
        }
    }

    pub(super) async fn dialogues(&self) -> Result<Vec<SupportDialogue>, BackendError> {
        let rows = self.storage.open_dialogues().await.map_err(failed)?;
        Ok(rows.iter().map(Self::dialogue).collect())
    }

    /// The dialogue, its messages and the user's earlier dialogues.
    pub(super) async fn detail(
        &self,
        id: &str,
    ) -> Result<Option<(SupportDialogue, Vec<SupportMessage>, Vec<SupportDialogue>)>, BackendError>
    {
        let Some(d) = self.storage.dialogue(id).await.map_err(failed)? else {
            return Ok(None);
        };
        let messages = self
            .storage
            .dialogue_messages(id)
            .await
            .map_err(failed)?
            .into_iter()
            .map(|m| SupportMessage {
                id: m.id,
                at: m.at,
                sender: match m.sender {
                    Sender::User => SupportSender::User,
                    Sender::Operator => SupportSender::Operator,
                },
                operator: m.operator,
                text: m.body.filter(|b| !b.is_empty()),
                photo: m.photo_mime.is_some(),
            })
            .collect();
        let earlier = self
            .storage
            .dialogues_of(&d.key)
            .await
            .map_err(failed)?
            .iter()
            .filter(|e| e.id != d.id)
            .map(Self::dialogue)
            .collect();
        Ok(Some((Self::dialogue(&d), messages, earlier)))
    }

    async fn lang_of(&self, key: &ChatKey) -> Lang {
        match self.storage.user(key).await {
            Ok(Some(u)) => Lang::parse(&u.language).unwrap_or(self.default_lang),
            _ => self.default_lang,
        }
    }

    pub(super) async fn take(
        &self,
        id: &str,
        operator: &str,
        force: bool,
    ) -> Result<bool, BackendError> {
        self.storage
            .take_dialogue(id, operator, force, self.now())
            .await
            .map_err(failed)
    }

    /// Closes the dialogue, resumes the bot for the user and tells them (a durable push with a
    /// button back to the menu).
    pub(super) async fn close(
        &self,
        texts: &Texts,
        id: &str,
        operator: &str,
    ) -> Result<bool, BackendError> {
        let Some(key) = self
            .storage
            .close_dialogue(id, operator, self.now())
            .await
            .map_err(failed)?
        else {
            return Ok(false);
        };
        let lang = self.lang_of(&key).await;
        let chat = crate::notify::chat_ref(&key)
            .ok_or_else(|| failed(format!("unknown messenger {:?}", key.messenger)))?;
        let text = RichText::plain(texts.get(lang, TextKey::SupportLiveClosed));
        // Back to the bot: a button to its menu.
        let back = Keyboard::inline(vec![vec![Button::callback(
            texts.get(lang, TextKey::ButtonBack),
            Action::Menu.encode(),
        )]]);
        self.storage
            .runtime_store()
            .enqueue_pushes(
                &format!("support-close:{id}"),
                &[(chat, vec![Reply::new(text).keyboard(back)])],
                &[],
            )
            .await
            .map_err(failed)?;
        Ok(true)
    }

    /// Stores an operator's message and queues it for the user, in one transaction.
    pub(super) async fn send(
        &self,
        id: &str,
        operator: &str,
        text: &str,
        photo: Option<SupportPhoto>,
    ) -> Result<(), BackendError> {
        let d = self
            .storage
            .dialogue(id)
            .await
            .map_err(failed)?
            .filter(|d| d.closed_at.is_none())
            .ok_or_else(|| BackendError::NotFound(format!("open dialogue {id:?}")))?;
        let chat = crate::notify::chat_ref(&d.key)
            .ok_or_else(|| failed(format!("unknown messenger {:?}", d.key.messenger)))?;
        let now = self.now();
        let message_id = new_support_id();
        let photo = photo.map(|p| NewPhoto {
            data: p.data,
            mime: p.mime,
        });
        // A photo's caption is limited (Telegram: 1024 characters): a longer text follows
        // the photo as a message of its own.
        let mut replies = Vec::with_capacity(2);
        if let Some(p) = &photo {
            let ext = p.mime.rsplit('/').next().unwrap_or("jpg");
            let caption = if text.chars().count() <= CAPTION_MAX {
                text
            } else {
                ""
            };
            replies.push(
                Reply::new(RichText::plain(caption)).image(ReplyImage::Bytes {
                    data: p.data.clone(),
                    file_name: format!("photo.{ext}"),
                    mime_type: p.mime.clone(),
                }),
            );
        }
        if photo.is_none() || (text.chars().count() > CAPTION_MAX) {
            replies.push(Reply::new(RichText::plain(text)));
        }
        let body = (!text.is_empty()).then_some(text);
        let writes =
            Storage::operator_message_writes(&message_id, id, operator, body, photo.as_ref(), now);
        let queued = self
            .storage
            .runtime_store()
            .enqueue_pushes(
                &format!("support:{message_id}"),
                &[(chat, replies)],
                &writes,
            )
            .await
            .map_err(failed)?;
        if !queued {
            // A fresh random id is never claimed before; say so if it ever is.
            return Err(failed("support message id was taken"));
        }
        Ok(())
    }

    pub(super) async fn set_paused(
        &self,
        user: &UserKey,
        paused: bool,
    ) -> Result<(), BackendError> {
        let key = ChatKey::new(user.messenger.clone(), user.user_id.clone());
        if self
            .storage
            .set_support_paused(&key, paused)
            .await
            .map_err(failed)?
        {
            Ok(())
        } else {
            Err(BackendError::NotFound(format!(
                "user {} {}",
                user.messenger, user.user_id
            )))
        }
    }

    pub(super) async fn photo(
        &self,
        message_id: &str,
    ) -> Result<Option<SupportPhoto>, BackendError> {
        Ok(self
            .storage
            .support_photo(message_id)
            .await
            .map_err(failed)?
            .map(|(mime, data)| SupportPhoto { data, mime }))
    }

    pub(super) async fn hours(&self) -> Result<SupportHoursSettings, BackendError> {
        let saved = self.storage.setting(HOURS_SETTING).await.map_err(failed)?;
        let (hours, tz) = match saved {
            Some(h) => (
                h,
                self.storage
                    .setting(TZ_SETTING)
                    .await
                    .map_err(failed)?
                    .unwrap_or_else(|| "UTC".into()),
            ),
            None => self
                .env_hours
                .clone()
                .unwrap_or_else(|| (String::new(), "UTC".into())),
        };
        Ok(SupportHoursSettings {
            hours,
            tz,
            out_of_hours_text: Some(TextKey::SupportLiveOutOfHours.as_str().to_owned()),
        })
    }

    pub(super) async fn set_hours(&self, h: &SupportHoursSettings) -> Result<(), BackendError> {
        let tz = if h.tz.trim().is_empty() {
            "UTC"
        } else {
            h.tz.trim()
        };
        if !h.hours.trim().is_empty() {
            SupportHours::from_vars(&h.hours, tz)
                .map_err(|(var, e)| BackendError::Invalid(format!("{var}: {e}")))?;
        } else {
            SupportHours::parse_offset(tz).map_err(BackendError::Invalid)?;
        }
        let now = self.now();
        self.storage
            .set_setting(HOURS_SETTING, h.hours.trim(), now)
            .await
            .map_err(failed)?;
        self.storage
            .set_setting(TZ_SETTING, tz, now)
            .await
            .map_err(failed)?;
        Ok(())
    }
}
