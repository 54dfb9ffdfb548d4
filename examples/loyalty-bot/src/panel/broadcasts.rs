//! Broadcasts in the panel (issue 19): [`Broadcasts`] answers the audience and broadcast
//! methods of [`control_panel::PanelBackend`].
//!
//! - Audiences are [`Segment`]s of the bot's users (`storage/audience.rs`): the panel's
//!   [`AudienceFilter`] days become UTC day boundaries (the end day included).
//! - A broadcast is the runtime's ([`messenger_runtime::Store::create_broadcast`]: the message,
//!   the journal of its recipients, the state), plus a row in `bot_broadcasts` with what the
//!   panel shows about it (the markup as written, the audience, the author). The bot's
//!   senders (`Runner::run_broadcasts`) deliver it.
//! - "Send a test to me" queues the message for one chat through the runtime's outbox
//!   ([`messenger_runtime::Store::enqueue_pushes`]): durable, and not a broadcast.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use control_panel::{
    AudienceFilter, AudienceOptions, BackendError, BroadcastAction, BroadcastDraft,
    BroadcastFigures, BroadcastJournalLine, BroadcastOrder, BroadcastSummary, SupportPhoto,
    UrlButton, UserKey,
};
use messenger_core::{Button, Keyboard, RichText};
use messenger_runtime::{
    BroadcastControl, BroadcastStatus, NewBroadcast, Reply, ReplyImage, StatusCounts,
};
use sqlx::Row;

use super::rows::{failed, parse_time};
use crate::storage::{ChatKey, Segment, Storage, new_support_id};

/// The prefix of the ids of broadcasts made in the panel (others in the runtime's store, such
/// as surveys, are not listed on the Broadcasts page).
pub const BROADCAST_ID_PREFIX: &str = "bc-";
/// The most levels and attribute keys the segment form offers.
const OPTIONS_MAX: i64 = 50;

/// The panel's broadcasts over the bot's storage (and the runtime's store in it).
#[derive(Clone)]
pub struct Broadcasts {
    storage: Storage,
    languages: Vec<String>,
    /// What the list and the progress need of each broadcast's message (it never changes):
    /// read once, not with every poll (a picture in it is megabytes).
    shapes: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Shape>>>,
}

/// Of a broadcast's message: whether it has a picture, and its URL button.
#[derive(Clone)]
struct Shape {
    image: bool,
    button: Option<UrlButton>,
}

/// The most message shapes kept (then they are read again).
const SHAPES_KEPT: usize = 1_000;

impl std::fmt::Debug for Broadcasts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broadcasts").finish_non_exhaustive()
    }
}

fn day_start(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc()
}

fn day_end(d: NaiveDate) -> Option<DateTime<Utc>> {
    d.succ_opt().map(day_start)
}

/// The bot's segment for the panel's filter.
pub fn segment_of(filter: &AudienceFilter) -> Segment {
    let mut s = Segment::everyone();
    for m in &filter.messengers {
        s = s.messenger(m.clone());
    }
    for l in &filter.languages {
        s = s.language(l.clone());
    }
    s = s.first_contact(
        filter.first_contact_from.map(day_start),
        filter.first_contact_to.and_then(day_end),
    );
    s = s.last_activity(
        filter.active_from.map(day_start),
        filter.active_to.and_then(day_end),
    );
    if let Some(p) = filter.with_phone {
        s = s.with_phone(p);
    }
    for l in &filter.levels {
        s = s.level(l.clone());
    }
    for a in &filter.attributes {
        s = s.attribute(a.key.clone(), a.value.clone());
    }
    s
}

/// The runtime's message for a composed broadcast: the markup parsed (a mistake is
/// [`BackendError::Invalid`]), the picture uploaded as bytes, the URL button inline.
///
/// # Errors
/// [`BackendError::Invalid`] for markup that does not parse or an empty message.
pub fn reply_of(draft: &BroadcastDraft) -> Result<Reply, BackendError> {
    let text =
        RichText::markup(&draft.text).map_err(|e| BackendError::Invalid(format!("text: {e}")))?;
    if text.is_empty() && draft.image.is_none() {
        return Err(BackendError::Invalid("the message is empty".into()));
    }
    let mut reply = Reply::new(text);
    if let Some(p) = &draft.image {
        let ext = p.mime.rsplit('/').next().unwrap_or("jpg");
        reply = reply.image(ReplyImage::Bytes {
            data: p.data.clone(),
            file_name: format!("broadcast.{ext}"),
            mime_type: p.mime.clone(),
        });
    }
    if let Some(b) = &draft.button {
        reply = reply.keyboard(Keyboard::inline(vec![vec![Button::url(
            b.label.clone(),
            b.url.clone(),
        )]]));
    }
    Ok(reply)
}

fn figures(c: &StatusCounts) -> BroadcastFigures {
    BroadcastFigures {
        queued: c.queued,
        sending: c.sending,
        sent: c.sent,
        failed: c.failed,
        blocked: c.blocked,
        cancelled: c.cancelled,
        unknown: c.unknown,
        delivered: c.delivered,
        seen: c.seen,
    }
}

fn button_of(reply: &Reply) -> Option<UrlButton> {
    let kb = reply.keyboard.as_ref()?;
    kb.buttons().find_map(|b| match b {
        Button::Url { label, url } => Some(UrlButton {
            label: label.clone(),
            url: url.clone(),
        }),
        _ => None,
    })
}

impl Broadcasts {
    /// Broadcasts over the bot's `storage`, whose users speak `languages` (`uk`, `ru`).
    pub fn new(storage: Storage, languages: Vec<String>) -> Self {
        Self {
            storage,
            languages,
            shapes: std::sync::Arc::default(),
        }
    }

    pub(super) async fn options(
        &self,
        messengers: &[String],
    ) -> Result<AudienceOptions, BackendError> {
        let (levels, attribute_keys) = self
            .storage
            .audience_options(OPTIONS_MAX)
            .await
            .map_err(failed)?;
        Ok(AudienceOptions {
            messengers: messengers.to_vec(),
            languages: self.languages.clone(),
            levels,
            attribute_keys,
        })
    }

    pub(super) async fn count(&self, filter: &AudienceFilter) -> Result<u64, BackendError> {
        self.storage
            .audience_count(&segment_of(filter))
            .await
            .map_err(failed)
    }

    pub(super) async fn create(&self, order: &BroadcastOrder) -> Result<String, BackendError> {
        let reply = reply_of(&order.draft)?;
        let chats = self
            .storage
            .audience(&segment_of(&order.audience))
            .await
            .map_err(failed)?;
        let recipients: Vec<_> = chats.iter().filter_map(crate::notify::chat_ref).collect();
        if recipients.is_empty() {
            return Err(BackendError::Invalid(
                "nobody is in this audience".to_owned(),
            ));
        }
        let id = format!("{BROADCAST_ID_PREFIX}{}", new_support_id());
        let audience = serde_json::to_string(&order.audience).map_err(failed)?;
        let pool = self.storage.pool();
        sqlx::query(
            "INSERT INTO bot_broadcasts (id, author, markup, audience, recipients, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(&order.author)
        .bind(&order.draft.text)
        .bind(audience)
        .bind(i64::try_from(recipients.len()).unwrap_or(i64::MAX))
        .bind(Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .execute(pool)
        .await
        .map_err(failed)?;
        let mut new = NewBroadcast::new(id.clone(), reply, recipients);
        if let Some(at) = order.start_at {
            new = new.start_at(at);
        }
        if let Err(e) = self.storage.runtime_store().create_broadcast(&new).await {
            // Nothing was queued: the panel's row goes too (best effort; a leftover row is
            // never listed without its broadcast).
            let _ = sqlx::query("DELETE FROM bot_broadcasts WHERE id = $1")
                .bind(&id)
                .execute(pool)
                .await;
            return Err(failed(e));
        }
        Ok(id)
    }

    pub(super) async fn test(
        &self,
        draft: &BroadcastDraft,
        to: &UserKey,
    ) -> Result<(), BackendError> {
        let reply = reply_of(draft)?;
        let key = ChatKey::new(to.messenger.clone(), to.user_id.clone());
        if self.storage.user(&key).await.map_err(failed)?.is_none() {
            return Err(BackendError::NotFound(format!(
                "user {}/{}",
                to.messenger, to.user_id
            )));
        }
        let chat = crate::notify::chat_ref(&key)
            .ok_or_else(|| BackendError::Invalid(format!("messenger {:?}", to.messenger)))?;
        self.storage
            .runtime_store()
            .enqueue_pushes(
                &format!("broadcast-test:{}", new_support_id()),
                &[(chat, vec![reply])],
                &[],
            )
            .await
            .map_err(failed)?;
        Ok(())
    }

    fn summary(
        row: &sqlx::any::AnyRow,
        (info, shape): &(BroadcastStatus, Shape),
    ) -> Result<BroadcastSummary, BackendError> {
        let audience: String = row.try_get("audience").map_err(failed)?;
        Ok(BroadcastSummary {
            id: info.id.clone(),
            state: info.state.as_str().to_owned(),
            text: row.try_get("markup").map_err(failed)?,
            image: shape.image,
            button: shape.button.clone(),
            audience: serde_json::from_str(&audience).unwrap_or_default(),
            author: row.try_get("author").map_err(failed)?,
            created_at: parse_time(&row.try_get::<String, _>("created_at").map_err(failed)?)?,
            start_at: info.start_at,
            per_messenger: info
                .per_messenger
                .iter()
                .map(|(m, c)| (m.clone(), figures(c)))
                .collect(),
        })
    }

    pub(super) async fn list(&self, limit: u32) -> Result<Vec<BroadcastSummary>, BackendError> {
        let rows = sqlx::query(
            "SELECT id, author, markup, audience, created_at FROM bot_broadcasts
             ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(self.storage.pool())
        .await
        .map_err(failed)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id").map_err(failed)?;
            if let Some(info) = self.info(&id).await? {
                out.push(Self::summary(row, &info)?);
            }
        }
        Ok(out)
    }

    /// The broadcast's figures (read each time) and its message's shape (read once).
    async fn info(&self, id: &str) -> Result<Option<(BroadcastStatus, Shape)>, BackendError> {
        let store = self.storage.runtime_store();
        let Some(status) = store.broadcast_status(id).await.map_err(failed)? else {
            return Ok(None);
        };
        let known = self.shapes.lock().ok().and_then(|m| m.get(id).cloned());
        let shape = match known {
            Some(shape) => shape,
            None => {
                let Some(full) = store.broadcast(id).await.map_err(failed)? else {
                    return Ok(None);
                };
                let shape = Shape {
                    image: full.message.image.is_some(),
                    button: button_of(&full.message),
                };
                if let Ok(mut m) = self.shapes.lock() {
                    if m.len() >= SHAPES_KEPT {
                        m.clear();
                    }
                    m.insert(id.to_owned(), shape.clone());
                }
                shape
            }
        };
        Ok(Some((status, shape)))
    }

    pub(super) async fn get(&self, id: &str) -> Result<Option<BroadcastSummary>, BackendError> {
        let Some(row) = sqlx::query(
            "SELECT id, author, markup, audience, created_at FROM bot_broadcasts WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.storage.pool())
        .await
        .map_err(failed)?
        else {
            return Ok(None);
        };
        match self.info(id).await? {
            Some(info) => Ok(Some(Self::summary(&row, &info)?)),
            None => Ok(None),
        }
    }

    pub(super) async fn image(&self, id: &str) -> Result<Option<SupportPhoto>, BackendError> {
        if !id.starts_with(BROADCAST_ID_PREFIX) {
            return Ok(None);
        }
        let full = self
            .storage
            .runtime_store()
            .broadcast(id)
            .await
            .map_err(failed)?;
        Ok(full.and_then(|i| match i.message.image {
            Some(ReplyImage::Bytes {
                data, mime_type, ..
            }) => Some(SupportPhoto {
                data,
                mime: mime_type,
            }),
            _ => None,
        }))
    }

    pub(super) async fn control(
        &self,
        id: &str,
        action: BroadcastAction,
    ) -> Result<bool, BackendError> {
        if self.get(id).await?.is_none() {
            return Err(BackendError::NotFound(format!("broadcast {id:?}")));
        }
        let c = match action {
            BroadcastAction::Pause => BroadcastControl::Pause,
            BroadcastAction::Resume => BroadcastControl::Resume,
            BroadcastAction::Cancel => BroadcastControl::Cancel,
        };
        self.storage
            .runtime_store()
            .control_broadcast(id, c)
            .await
            .map_err(failed)
    }

    pub(super) async fn journal(
        &self,
        id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Vec<BroadcastJournalLine>, BackendError> {
        if !id.starts_with(BROADCAST_ID_PREFIX) {
            return Ok(Vec::new());
        }
        let lines = self
            .storage
            .runtime_store()
            .broadcast_journal(
                id,
                i64::from(limit),
                i64::try_from(offset).unwrap_or(i64::MAX),
            )
            .await
            .map_err(failed)?;
        Ok(lines
            .into_iter()
            .map(|j| BroadcastJournalLine {
                user: UserKey {
                    messenger: j.messenger,
                    user_id: j.chat_id,
                },
                status: j.status.as_str().to_owned(),
                error: j.error,
                attempts: u64::try_from(j.attempts).unwrap_or(0),
                updated_at: j.updated_at,
            })
            .collect())
    }
}
