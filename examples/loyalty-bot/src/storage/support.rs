//! Live operator chat (issue 20): support dialogues, their messages and the per-user "bot
//! paused" flag (`support_dialogues`, `support_messages`, `bot_users.support_paused`).
//!
//! What the bot does for a user's message is a set of [`messenger_runtime::Write`]s committed
//! with the update's completion (so a crash never stores a message twice or loses it); what an
//! operator does (take, close, pause, a reply) is a direct statement, and a reply goes out with
//! the runtime's durable push ([`messenger_runtime::Store::enqueue_pushes`]) in the same
//! transaction as its row.

use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use messenger_runtime::Write;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{ChatKey, Storage, StorageError, now_text, parse_time};

/// Who wrote a support message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The bot's user.
    User,
    /// An operator of the panel.
    Operator,
}

/// One support dialogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialogue {
    /// The dialogue's id.
    pub id: String,
    /// The user's chat.
    pub key: ChatKey,
    /// When the user opened it.
    pub opened_at: DateTime<Utc>,
    /// The last message's time (or the opening).
    pub updated_at: DateTime<Utc>,
    /// The login of the operator who took it.
    pub operator: Option<String>,
    /// When it was closed (`None`: open).
    pub closed_at: Option<DateTime<Utc>>,
    /// Who closed it: an operator's login, or `user`.
    pub closed_by: Option<String>,
    /// User messages no operator has seen yet.
    pub unread: u64,
    /// The user's name from the messenger profile.
    pub user_name: Option<String>,
    /// The bot is paused for the user.
    pub paused: bool,
}

/// One message of a dialogue. `Debug` shows the photo's size, not its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct DialogueMessage {
    /// The message's id.
    pub id: String,
    /// The dialogue.
    pub dialogue_id: String,
    /// When it was written.
    pub at: DateTime<Utc>,
    /// Who wrote it.
    pub sender: Sender,
    /// The operator's login (operator messages).
    pub operator: Option<String>,
    /// The text or caption.
    pub body: Option<String>,
    /// The photo's MIME type, when the message has one (the bytes: [`Storage::support_photo`]).
    pub photo_mime: Option<String>,
}

impl std::fmt::Debug for DialogueMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DialogueMessage")
            .field("id", &self.id)
            .field("at", &self.at)
            .field("sender", &self.sender)
            .field("operator", &self.operator)
            .field("has_photo", &self.photo_mime.is_some())
            .finish_non_exhaustive()
    }
}

/// A picture in a support message. `Debug` shows its size only.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPhoto {
    /// The file's bytes.
    pub data: Vec<u8>,
    /// Its MIME type (`image/jpeg`, `image/png`, …).
    pub mime: String,
}

impl std::fmt::Debug for NewPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPhoto")
            .field("mime", &self.mime)
            .field("len", &self.data.len())
            .finish()
    }
}

/// What the bot must know about a chat's support before it handles an update.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SupportState {
    /// The open dialogue's id, if any.
    pub open_dialogue: Option<String>,
    /// An operator paused the bot for this user.
    pub paused: bool,
}

impl SupportState {
    /// Whether the user's messages go to the operators instead of the bot's dialogues.
    pub fn relays(&self) -> bool {
        self.open_dialogue.is_some() || self.paused
    }
}

/// A new id for a dialogue or a message: the system time in microseconds, never less than one
/// more than the last id of this process (so ids sort in the order they were made, even when
/// a test's clock stands still), and 64 random bits (so processes sharing a database never
/// collide). Messages are listed in the order of their ids.
pub fn new_support_id() -> String {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = Utc::now().timestamp_micros().max(0);
    let prev = LAST.fetch_max(now, Ordering::SeqCst);
    let micros = if prev >= now {
        LAST.fetch_add(1, Ordering::SeqCst) + 1
    } else {
        now
    };
    format!("{micros:014x}{:016x}", fastrand_u64())
}

fn fastrand_u64() -> u64 {
    let mut b = [0u8; 8];
    // The OS generator; a failure (never seen) falls back to the time's nanoseconds.
    if getrandom::fill(&mut b).is_err() {
        return u64::from(Utc::now().timestamp_subsec_nanos());
    }
    u64::from_le_bytes(b)
}

/// The columns [`dialogue_row`] reads, from `support_dialogues d` joined to `bot_users u`
/// ([`DIALOGUE_FROM`]).
const DIALOGUE_COLUMNS: &str = "d.id, d.messenger, d.chat_id, d.opened_at, d.updated_at, d.operator, d.closed_at, d.closed_by,
     (SELECT COUNT(*) FROM support_messages m WHERE m.dialogue_id = d.id AND m.sender = 'user' AND m.seen = 0) AS unread,
     u.first_name, u.last_name, u.support_paused";

const DIALOGUE_FROM: &str = "support_dialogues d LEFT JOIN bot_users u ON u.messenger = d.messenger AND u.chat_id = d.chat_id";

fn dialogue_row(r: &AnyRow) -> Result<Dialogue, StorageError> {
    let closed: Option<String> = r.try_get("closed_at")?;
    let unread: i64 = r.try_get("unread")?;
    let first: Option<String> = r.try_get("first_name")?;
    let last: Option<String> = r.try_get("last_name")?;
    let name = [first, last]
        .into_iter()
        .flatten()
        .filter(|n| !n.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let paused: Option<i64> = r.try_get("support_paused")?;
    Ok(Dialogue {
        user_name: (!name.is_empty()).then_some(name),
        paused: paused.unwrap_or(0) != 0,
        id: r.try_get("id")?,
        key: ChatKey::new(
            r.try_get::<String, _>("messenger")?,
            r.try_get::<String, _>("chat_id")?,
        ),
        opened_at: parse_time(&r.try_get::<String, _>("opened_at")?)?,
        updated_at: parse_time(&r.try_get::<String, _>("updated_at")?)?,
        operator: r.try_get("operator")?,
        closed_at: closed.as_deref().map(parse_time).transpose()?,
        closed_by: r.try_get("closed_by")?,
        unread: u64::try_from(unread).unwrap_or(0),
    })
}

fn message_row(r: &AnyRow) -> Result<DialogueMessage, StorageError> {
    let sender: String = r.try_get("sender")?;
    Ok(DialogueMessage {
        id: r.try_get("id")?,
        dialogue_id: r.try_get("dialogue_id")?,
        at: parse_time(&r.try_get::<String, _>("at")?)?,
        sender: if sender == "operator" {
            Sender::Operator
        } else {
            Sender::User
        },
        operator: r.try_get("operator")?,
        body: r.try_get("body")?,
        photo_mime: r.try_get("photo_mime")?,
    })
}

impl Storage {
    /// The chat's open dialogue and paused flag.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn support_state(&self, key: &ChatKey) -> Result<SupportState, StorageError> {
        let open: Option<String> = sqlx::query_scalar(
            "SELECT id FROM support_dialogues WHERE messenger = $1 AND chat_id = $2 AND closed_at IS NULL",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .fetch_optional(&self.pool)
        .await?;
        let paused: Option<i64> = sqlx::query_scalar(
            "SELECT support_paused FROM bot_users WHERE messenger = $1 AND chat_id = $2",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(SupportState {
            open_dialogue: open,
            paused: paused.unwrap_or(0) != 0,
        })
    }

    /// Opens a dialogue `id` for the chat, unless one is open already (then nothing happens).
    /// Committed with the update's completion.
    pub fn open_dialogue_write(id: &str, key: &ChatKey, at: DateTime<Utc>) -> Write {
        Write::new(
            "INSERT INTO support_dialogues (id, messenger, chat_id, opened_at, updated_at)
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT DO NOTHING",
        )
        .bind(id.to_owned())
        .bind(key.messenger.clone())
        .bind(key.chat_id.clone())
        .bind(now_text(at))
    }

    /// Adds the user's message `id` to the chat's open dialogue and moves the dialogue up the
    /// list (two writes, committed with the update's completion; run after
    /// [`Storage::open_dialogue_write`] so there is an open dialogue).
    pub fn user_message_writes(
        id: &str,
        key: &ChatKey,
        body: Option<&str>,
        photo: Option<&NewPhoto>,
        at: DateTime<Utc>,
    ) -> [Write; 2] {
        let at = now_text(at);
        let insert = Write::new(
            "INSERT INTO support_messages (id, dialogue_id, at, sender, body, photo, photo_mime, seen)
             SELECT $1, d.id, $2, 'user', $3, $4, $5, 0 FROM support_dialogues d
             WHERE d.messenger = $6 AND d.chat_id = $7 AND d.closed_at IS NULL",
        )
        .bind(id.to_owned())
        .bind(at.clone())
        .bind(body.map(str::to_owned))
        .bind(photo.map(|p| STANDARD.encode(&p.data)))
        .bind(photo.map(|p| p.mime.clone()))
        .bind(key.messenger.clone())
        .bind(key.chat_id.clone());
        let touch = Write::new(
            "UPDATE support_dialogues SET updated_at = $1, version = version + 1
             WHERE messenger = $2 AND chat_id = $3 AND closed_at IS NULL",
        )
        .bind(at)
        .bind(key.messenger.clone())
        .bind(key.chat_id.clone());
        [insert, touch]
    }

    /// Closes the chat's open dialogue on the user's request (committed with the update).
    pub fn user_close_write(key: &ChatKey, at: DateTime<Utc>) -> Write {
        Write::new(
            "UPDATE support_dialogues SET closed_at = $1, closed_by = 'user', version = version + 1
             WHERE messenger = $2 AND chat_id = $3 AND closed_at IS NULL",
        )
        .bind(now_text(at))
        .bind(key.messenger.clone())
        .bind(key.chat_id.clone())
    }

    /// An operator's message `id` in dialogue `dialogue_id` and the dialogue moved up the list:
    /// the writes of the push that delivers it.
    pub fn operator_message_writes(
        id: &str,
        dialogue_id: &str,
        operator: &str,
        body: Option<&str>,
        photo: Option<&NewPhoto>,
        at: DateTime<Utc>,
    ) -> [Write; 2] {
        let at = now_text(at);
        [
            Write::new(
                "INSERT INTO support_messages (id, dialogue_id, at, sender, operator, body, photo, photo_mime, seen)
                 VALUES ($1, $2, $3, 'operator', $4, $5, $6, $7, 1)",
            )
            .bind(id.to_owned())
            .bind(dialogue_id.to_owned())
            .bind(at.clone())
            .bind(operator.to_owned())
            .bind(body.map(str::to_owned))
            .bind(photo.map(|p| STANDARD.encode(&p.data)))
            .bind(photo.map(|p| p.mime.clone())),
            Write::new(
                "UPDATE support_dialogues SET updated_at = $1, version = version + 1 WHERE id = $2",
            )
                .bind(at)
                .bind(dialogue_id.to_owned()),
        ]
    }

    /// The open dialogues, newest message first (at most 500).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn open_dialogues(&self) -> Result<Vec<Dialogue>, StorageError> {
        let sql = format!(
            "SELECT {DIALOGUE_COLUMNS} FROM {DIALOGUE_FROM} WHERE d.closed_at IS NULL
             ORDER BY d.updated_at DESC, d.id DESC LIMIT 500"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(dialogue_row).collect()
    }

    /// One dialogue.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn dialogue(&self, id: &str) -> Result<Option<Dialogue>, StorageError> {
        let sql = format!("SELECT {DIALOGUE_COLUMNS} FROM {DIALOGUE_FROM} WHERE d.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(dialogue_row).transpose()
    }

    /// The chat's dialogues, newest first (at most 50).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn dialogues_of(&self, key: &ChatKey) -> Result<Vec<Dialogue>, StorageError> {
        let sql = format!(
            "SELECT {DIALOGUE_COLUMNS} FROM {DIALOGUE_FROM} WHERE d.messenger = $1 AND d.chat_id = $2
             ORDER BY d.opened_at DESC LIMIT 50"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&key.messenger)
            .bind(&key.chat_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(dialogue_row).collect()
    }

    /// A dialogue's messages, oldest first.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn dialogue_messages(&self, id: &str) -> Result<Vec<DialogueMessage>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, dialogue_id, at, sender, operator, body, photo_mime FROM support_messages
             WHERE dialogue_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(message_row).collect()
    }

    /// A message's photo: its MIME type and bytes.
    ///
    /// # Errors
    /// [`StorageError`] on database failure or an unreadable stored photo.
    pub async fn support_photo(
        &self,
        message_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        let row = sqlx::query(
            "SELECT photo, photo_mime FROM support_messages WHERE id = $1 AND photo IS NOT NULL",
        )
        .bind(message_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("photo")?;
        let mime: Option<String> = row.try_get("photo_mime")?;
        let bytes = STANDARD.decode(data).map_err(|e| StorageError::Corrupt {
            what: "support photo",
            reason: e.to_string(),
        })?;
        Ok(Some((
            mime.unwrap_or_else(|| "application/octet-stream".into()),
            bytes,
        )))
    }

    /// Marks the user's messages of dialogue `id` seen by an operator.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn mark_dialogue_seen(&self, id: &str) -> Result<(), StorageError> {
        sqlx::query(
            "UPDATE support_messages SET seen = 1 WHERE dialogue_id = $1 AND sender = 'user' AND seen = 0",
        )
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes open dialogue `id` for `operator`: one conditional `UPDATE`, so of two operators
    /// taking it at once exactly one wins. Without `force` it succeeds only when nobody has it
    /// (or `operator` already does); with `force` (an administrator reassigning) it takes it
    /// from whoever has it. Returns whether `operator` has it now.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn take_dialogue(
        &self,
        id: &str,
        operator: &str,
        force: bool,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let sql = if force {
            "UPDATE support_dialogues SET operator = $1, taken_at = $2, version = version + 1
             WHERE id = $3 AND closed_at IS NULL"
        } else {
            "UPDATE support_dialogues SET operator = $1, taken_at = $2, version = version + 1
             WHERE id = $3 AND closed_at IS NULL AND (operator IS NULL OR operator = $1)"
        };
        let r = sqlx::query(sql)
            .bind(operator)
            .bind(now_text(at))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Closes open dialogue `id` (by `operator`) and resumes the bot for its user; returns the
    /// chat when it was open. The closing note to the user is queued by the caller.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn close_dialogue(
        &self,
        id: &str,
        operator: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<ChatKey>, StorageError> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query(
            "SELECT messenger, chat_id FROM support_dialogues WHERE id = $1 AND closed_at IS NULL",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.rollback().await?;
            return Ok(None);
        };
        let key = ChatKey::new(
            row.try_get::<String, _>("messenger")?,
            row.try_get::<String, _>("chat_id")?,
        );
        let r = sqlx::query(
            "UPDATE support_dialogues SET closed_at = $1, closed_by = $2, version = version + 1 WHERE id = $3 AND closed_at IS NULL",
        )
        .bind(now_text(at))
        .bind(operator)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if r.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(None);
        }
        sqlx::query(
            "UPDATE bot_users SET support_paused = 0 WHERE messenger = $1 AND chat_id = $2",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(key))
    }

    /// Pauses (or resumes) the bot for a user: while paused, every message of theirs goes to
    /// the operators. Returns `false` for an unknown user.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn set_support_paused(
        &self,
        key: &ChatKey,
        paused: bool,
    ) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        let r = sqlx::query(
            "UPDATE bot_users SET support_paused = $1 WHERE messenger = $2 AND chat_id = $3",
        )
        .bind(i64::from(paused))
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .execute(&mut *tx)
        .await?;
        // The open dialogue shows the pause: a change for the panel's live updates.
        sqlx::query(
            "UPDATE support_dialogues SET version = version + 1
             WHERE messenger = $1 AND chat_id = $2 AND closed_at IS NULL",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    /// A marker that changes whenever a dialogue opens, closes, is taken or gets a message, or
    /// a message is seen: the panel's live updates compare it (one cheap query). It counts
    /// open and closed dialogues, sums the open ones' `version` (every change of a dialogue
    /// adds one) and counts unseen user messages, so it never depends on clock readings.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn support_stamp(&self) -> Result<String, StorageError> {
        let row = sqlx::query(
            "SELECT
               (SELECT COUNT(*) FROM support_dialogues WHERE closed_at IS NULL) AS open_n,
               (SELECT COUNT(*) FROM support_dialogues WHERE closed_at IS NOT NULL) AS closed_n,
               (SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) FROM support_dialogues WHERE closed_at IS NULL) AS versions,
               (SELECT COUNT(*) FROM support_messages WHERE seen = 0) AS unread",
        )
        .fetch_one(&self.pool)
        .await?;
        let open_n: i64 = row.try_get("open_n")?;
        let closed_n: i64 = row.try_get("closed_n")?;
        let versions: i64 = row.try_get("versions")?;
        let unread: i64 = row.try_get("unread")?;
        Ok(format!("{open_n}.{closed_n}.{versions}.{unread}"))
    }

    /// How many messages the chat's dialogues hold (tests: nothing stored twice).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn support_message_count(&self, key: &ChatKey) -> Result<u64, StorageError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM support_messages m JOIN support_dialogues d ON d.id = m.dialogue_id
             WHERE d.messenger = $1 AND d.chat_id = $2",
        )
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
