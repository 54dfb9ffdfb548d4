//! An in-memory [`Messenger`] for tests of bot flows: inject what users do, read what the bot sent,
//! press buttons by their label.
//!
//! ```
//! use messenger_core::{InMemoryMessenger, Messenger, OutgoingMessage, Keyboard, Button};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let m = InMemoryMessenger::new();
//! let chat = m.chat(42);
//! let kb = Keyboard::inline(vec![vec![Button::callback("Balance", "bal")]]);
//! m.send(&chat, &OutgoingMessage::new("Menu").keyboard(kb)).await?;
//! assert_eq!(m.sent_texts(42), vec!["Menu"]);
//! let press = m.press(42, "Balance")?; // queued for the bot, and returned
//! assert!(matches!(press.kind, messenger_core::UpdateKind::ButtonPress(ref p) if p.data == "bal"));
//! # Ok::<(), messenger_core::MessengerError>(())
//! # }).unwrap();
//! ```

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::Utc;
use http::HeaderMap;
use tokio::sync::Notify;

use crate::capabilities::Capabilities;
use crate::error::MessengerError;
use crate::keyboard::Button;
use crate::limits::Limits;
use crate::message::{ButtonAnswer, OutgoingMessage};
use crate::messenger::{Messenger, PollBatch, PollCursor};
use crate::model::{
    ButtonPress, CallbackRef, ChatRef, FileRef, IncomingFile, MessageRef, MessengerKind,
    SharedContact, Update, UpdateKind, UserInfo,
};

/// A message the bot sent, with its edits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SentRecord {
    /// Its reference.
    pub message: MessageRef,
    /// The current content (after edits).
    pub content: OutgoingMessage,
    /// Earlier versions, oldest first.
    pub history: Vec<OutgoingMessage>,
}

impl SentRecord {
    /// The current text, without styling.
    pub fn text(&self) -> String {
        self.content.text.plain_text()
    }
}

#[derive(Default)]
struct State {
    inbox: VecDeque<Update>,
    sent: Vec<SentRecord>,
    answers: Vec<(CallbackRef, ButtonAnswer)>,
    deleted: Vec<MessageRef>,
    files: HashMap<String, Bytes>,
    phones: HashMap<i64, String>,
    next_id: i64,
    closed: bool,
}

/// The in-memory messenger. Chats and users are numbered: user `n` talks in private chat `n`.
pub struct InMemoryMessenger {
    limits: Limits,
    state: Mutex<State>,
    notify: Notify,
}

impl std::fmt::Debug for InMemoryMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryMessenger").finish_non_exhaustive()
    }
}

impl Default for InMemoryMessenger {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryMessenger {
    /// A messenger with [`Limits::local`].
    pub fn new() -> Self {
        Self::with_limits(Limits::local())
    }

    /// A messenger that validates against other limits (e.g. [`Limits::telegram`], to check that a
    /// flow fits Telegram).
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            state: Mutex::new(State::default()),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_id(&self) -> i64 {
        let mut st = self.lock();
        st.next_id += 1;
        st.next_id
    }

    /// The private chat of user `id`.
    pub fn chat(&self, id: i64) -> ChatRef {
        ChatRef::private(MessengerKind::InMemory, id)
    }

    /// User `id`, named `User <id>`.
    pub fn user(&self, id: i64) -> UserInfo {
        UserInfo {
            first_name: Some(format!("User {id}")),
            language: Some("en".to_owned()),
            ..UserInfo::with_id(id)
        }
    }

    fn update(&self, user: i64, kind: UpdateKind) -> Update {
        let key = self.next_id();
        Update::new(MessengerKind::InMemory, key.to_string(), kind)
            .with_chat(self.chat(user))
            .with_from(self.user(user))
            .with_date(Utc::now())
    }

    /// Queues an update for the bot.
    pub fn inject(&self, update: Update) {
        self.lock().inbox.push_back(update);
        self.notify.notify_one();
    }

    /// User `user` types `text` (`/start x` and `/cmd` are classified like on real platforms).
    /// Returns the queued update.
    pub fn user_says(&self, user: i64, text: &str) -> Update {
        let msg = MessageRef::new(self.chat(user), self.next_id());
        let u = self.update(user, UpdateKind::from_text(text, Some(msg)));
        self.inject(u.clone());
        u
    }

    /// User `user` shares their own phone number.
    pub fn share_contact(&self, user: i64, phone: &str) -> Update {
        let u = self.update(
            user,
            UpdateKind::Contact(SharedContact {
                phone: phone.to_owned(),
                first_name: Some(format!("User {user}")),
                last_name: None,
                user_id: Some(user.into()),
                is_own: true,
                vcard: None,
            }),
        );
        self.inject(u.clone());
        u
    }

    /// Sets the phone number a contact button shares for `user` (see [`InMemoryMessenger::press`]).
    pub fn set_phone(&self, user: i64, phone: &str) {
        self.lock().phones.insert(user, phone.to_owned());
    }

    /// User `user` sends a photo with these bytes; [`Messenger::download`] returns them.
    pub fn send_photo(&self, user: i64, data: impl Into<Bytes>, caption: Option<&str>) -> Update {
        let id = format!("file-{}", self.next_id());
        let data = data.into();
        let size = data.len() as u64;
        self.lock().files.insert(id.clone(), data);
        let msg = MessageRef::new(self.chat(user), self.next_id());
        let u = self.update(
            user,
            UpdateKind::Photo(IncomingFile {
                file: FileRef {
                    id,
                    size: Some(size),
                    mime_type: Some("image/jpeg".to_owned()),
                    ..FileRef::default()
                },
                caption: caption.map(str::to_owned),
                message: Some(msg),
            }),
        );
        self.inject(u.clone());
        u
    }

    /// User `user` presses the button labelled `label` on the latest message in their chat that has
    /// such a button. A callback button gives a [`UpdateKind::ButtonPress`], a text button a
    /// [`UpdateKind::Text`], a contact button a [`UpdateKind::Contact`] with the phone set by
    /// [`InMemoryMessenger::set_phone`]. Returns the queued update.
    ///
    /// # Errors
    /// [`MessengerError::InvalidRequest`] when no such button is shown, it is a URL button (those
    /// send nothing to the bot), or a contact button is pressed with no phone set.
    pub fn press(&self, user: i64, label: &str) -> Result<Update, MessengerError> {
        let chat = self.chat(user);
        let (button, message) = {
            let st = self.lock();
            st.sent
                .iter()
                .rev()
                .filter(|r| r.message.chat == chat)
                .find_map(|r| {
                    let kb = r.content.keyboard.as_ref()?;
                    kb.find(label).map(|b| (b.clone(), r.message.clone()))
                })
                .ok_or_else(|| invalid(format!("no button {label:?} is shown to user {user}")))?
        };
        match button {
            Button::Callback { data, .. } => {
                let id = format!("cb-{}", self.next_id());
                let u = self.update(
                    user,
                    UpdateKind::ButtonPress(ButtonPress {
                        data,
                        callback: Some(CallbackRef {
                            messenger: MessengerKind::InMemory,
                            id,
                        }),
                        message: Some(message),
                    }),
                );
                self.inject(u.clone());
                Ok(u)
            }
            Button::Text { label } => Ok(self.user_says(user, &label)),
            Button::RequestContact { .. } => {
                let phone = self
                    .lock()
                    .phones
                    .get(&user)
                    .cloned()
                    .ok_or_else(|| invalid(format!("no phone set for user {user}")))?;
                Ok(self.share_contact(user, &phone))
            }
            Button::Url { url, .. } => Err(invalid(format!(
                "button {label:?} opens {url}; it sends nothing to the bot"
            ))),
        }
    }

    /// Everything sent to `user`'s chat, oldest first.
    pub fn sent(&self, user: i64) -> Vec<SentRecord> {
        let chat = self.chat(user);
        self.lock()
            .sent
            .iter()
            .filter(|r| r.message.chat == chat)
            .cloned()
            .collect()
    }

    /// The texts (without styling) sent to `user`'s chat, oldest first.
    pub fn sent_texts(&self, user: i64) -> Vec<String> {
        self.sent(user).iter().map(SentRecord::text).collect()
    }

    /// The latest message sent to `user`'s chat.
    pub fn last_sent(&self, user: i64) -> Option<SentRecord> {
        self.sent(user).pop()
    }

    /// Every message sent, to any chat.
    pub fn all_sent(&self) -> Vec<SentRecord> {
        self.lock().sent.clone()
    }

    /// The messages deleted with [`Messenger::delete`], oldest first.
    pub fn deleted(&self) -> Vec<MessageRef> {
        self.lock().deleted.clone()
    }

    /// Every button answer given, oldest first.
    pub fn answers(&self) -> Vec<(CallbackRef, ButtonAnswer)> {
        self.lock().answers.clone()
    }

    /// How many updates are queued and not yet polled.
    pub fn pending(&self) -> usize {
        self.lock().inbox.len()
    }

    /// Ends the input: [`Messenger::poll`] returns [`MessengerError::Closed`] once the queue is
    /// empty (and update streams end).
    pub fn close(&self) {
        self.lock().closed = true;
        self.notify.notify_waiters();
        self.notify.notify_one();
    }
}

fn invalid(description: String) -> MessengerError {
    MessengerError::InvalidRequest {
        detail: crate::error::ApiDetail::new(None, None, description),
    }
}

#[async_trait]
impl Messenger for InMemoryMessenger {
    fn kind(&self) -> MessengerKind {
        MessengerKind::InMemory
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Edits, deletes, real callbacks, a persistent reply keyboard and contacts tied to their
    /// sender, like Telegram.
    fn capabilities(&self) -> Capabilities {
        Capabilities::new()
            .with_verified_contacts(true)
            .with_edit_messages(true)
            .with_delete_messages(true)
            .with_button_callbacks(true)
            .with_persistent_keyboard(true)
            .with_long_polling(true)
    }

    /// Removes a sent message (see [`InMemoryMessenger::deleted`]).
    async fn delete(&self, message: &MessageRef) -> Result<(), MessengerError> {
        let mut st = self.lock();
        let before = st.sent.len();
        st.sent.retain(|r| &r.message != message);
        if st.sent.len() == before {
            return Err(invalid(format!("message {} was not sent", message.id)));
        }
        st.deleted.push(message.clone());
        Ok(())
    }

    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        message.validate(&self.limits)?;
        let r = MessageRef::new(chat.clone(), self.next_id());
        self.lock().sent.push(SentRecord {
            message: r.clone(),
            content: message.clone(),
            history: Vec::new(),
        });
        Ok(r)
    }

    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        new.validate(&self.limits)?;
        let mut st = self.lock();
        let rec = st
            .sent
            .iter_mut()
            .find(|r| &r.message == message)
            .ok_or_else(|| invalid(format!("message {} was not sent", message.id)))?;
        let old = std::mem::replace(&mut rec.content, new.clone());
        rec.history.push(old);
        Ok(())
    }

    async fn answer_button(
        &self,
        callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        self.lock().answers.push((callback.clone(), answer.clone()));
        Ok(())
    }

    async fn download(&self, file: &FileRef) -> Result<Bytes, MessengerError> {
        self.lock()
            .files
            .get(&file.id)
            .cloned()
            .ok_or_else(|| invalid(format!("no file {}", file.id)))
    }

    /// Accepts a JSON [`Update`] or an array of them (no authentication: it is a test double).
    fn parse_webhook(
        &self,
        _headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        if let Ok(u) = serde_json::from_slice::<Update>(body) {
            return Ok(vec![u]);
        }
        serde_json::from_slice::<Vec<Update>>(body)
            .map_err(|e| MessengerError::decode("webhook", 0, e.to_string(), body))
    }

    /// Returns every queued update at once, waiting up to `timeout` for one when none is queued.
    async fn poll(
        &self,
        cursor: PollCursor,
        timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.notify.notified();
            {
                let mut st = self.lock();
                if !st.inbox.is_empty() {
                    let updates: Vec<Update> = st.inbox.drain(..).collect();
                    let next = PollCursor(Some(cursor.0.unwrap_or(0) + updates.len() as i64));
                    return Ok(PollBatch { updates, next });
                }
                if st.closed {
                    return Err(MessengerError::Closed);
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Ok(PollBatch {
                    updates: Vec::new(),
                    next: cursor,
                });
            }
        }
    }
}
