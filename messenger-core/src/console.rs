//! A console [`Messenger`] for the offline demo: the user types on stdin, the bot writes to
//! stdout.
//!
//! - Messages are shown as plain text ([`crate::RichText::to_plain`]); pictures as a line naming
//!   them.
//! - Buttons of the latest keyboard are shown numbered (`[1] History  [2] Site`); the user picks
//!   one by typing its number or its label (case-insensitive). A callback button becomes a
//!   [`UpdateKind::ButtonPress`], a text button a [`UpdateKind::Text`].
//! - A "share my phone number" button asks the user to type a number, which arrives as a
//!   [`UpdateKind::Contact`] marked as the user's own.
//! - `/start`, `/commands` and plain text are classified as on real platforms.
//!
//! Reading a line is not cancellation-safe, so [`Messenger::poll`] ignores its timeout and waits
//! for the next line; end of input ends the stream ([`MessengerError::Closed`]).

use std::sync::Mutex as StdMutex;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use chrono::Utc;
use http::HeaderMap;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

use crate::error::MessengerError;
use crate::keyboard::{Button, Keyboard};
use crate::limits::Limits;
use crate::message::{ButtonAnswer, Image, OutgoingMessage};
use crate::messenger::{Messenger, PollBatch, PollCursor};
use crate::model::{
    ButtonPress, CallbackRef, ChatRef, FileRef, MessageRef, MessengerKind, SharedContact, Update,
    UpdateKind, UserInfo,
};

type Input = Box<dyn AsyncBufRead + Unpin + Send>;
type Output = Box<dyn AsyncWrite + Unpin + Send>;

#[derive(Default)]
struct State {
    buttons: Vec<(Button, MessageRef)>,
    awaiting_contact: bool,
    next_id: i64,
}

/// The console messenger: one user, one chat (`console:1`).
pub struct ConsoleMessenger {
    limits: Limits,
    user: UserInfo,
    input: Mutex<Input>,
    output: Mutex<Output>,
    state: StdMutex<State>,
    /// Tells this run's update ids from earlier runs' (a bot that stores them would otherwise
    /// drop the first lines typed after a restart as repeats).
    run: String,
}

impl std::fmt::Debug for ConsoleMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleMessenger")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl ConsoleMessenger {
    /// A console messenger on the process's stdin and stdout.
    pub fn stdio() -> Self {
        Self::new(BufReader::new(tokio::io::stdin()), tokio::io::stdout())
    }

    /// A console messenger on any reader and writer (tests use in-memory pipes).
    pub fn new(
        input: impl AsyncBufRead + Unpin + Send + 'static,
        output: impl AsyncWrite + Unpin + Send + 'static,
    ) -> Self {
        Self {
            limits: Limits::local(),
            user: UserInfo {
                first_name: Some("Console".to_owned()),
                last_name: Some("User".to_owned()),
                language: Some("en".to_owned()),
                ..UserInfo::with_id(1)
            },
            input: Mutex::new(Box::new(input)),
            output: Mutex::new(Box::new(output)),
            state: StdMutex::new(State::default()),
            run: format!("{:x}", Utc::now().timestamp_micros()),
        }
    }

    /// Sets who the console user is (name, language).
    pub fn with_user(mut self, user: UserInfo) -> Self {
        self.user = user;
        self
    }

    /// Validates against other limits (e.g. [`Limits::telegram`]).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The one chat of the console.
    pub fn chat(&self) -> ChatRef {
        ChatRef::private(MessengerKind::Console, 1)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn next_id(&self) -> i64 {
        let mut st = self.lock();
        st.next_id += 1;
        st.next_id
    }

    async fn write(&self, text: &str) -> Result<(), MessengerError> {
        let mut out = self.output.lock().await;
        out.write_all(text.as_bytes()).await.map_err(io_error)?;
        out.flush().await.map_err(io_error)
    }

    fn update(&self, kind: UpdateKind) -> Update {
        let key = format!("{}-{}", self.run, self.next_id());
        Update::new(MessengerKind::Console, key, kind)
            .with_chat(self.chat())
            .with_from(self.user.clone())
            .with_date(Utc::now())
    }

    fn render(&self, message: &OutgoingMessage, r: &MessageRef, edited: bool) -> String {
        let mut s = String::from(if edited { "\n(edited)\n" } else { "\n" });
        match &message.image {
            Some(Image::Url(u)) => s.push_str(&format!("[picture: {u}]\n")),
            Some(Image::Bytes {
                data, file_name, ..
            }) => s.push_str(&format!("[picture: {file_name}, {} bytes]\n", data.len())),
            None => {}
        }
        let text = message.text.to_plain();
        if !text.is_empty() {
            s.push_str(&text);
            s.push('\n');
        }
        let mut st = self.lock();
        match &message.keyboard {
            Some(Keyboard::Remove) => st.buttons.clear(),
            Some(kb) => {
                st.buttons = kb.buttons().map(|b| (b.clone(), r.clone())).collect();
                let mut n = 0;
                for row in kb.rows() {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|b| {
                            n += 1;
                            match b {
                                Button::Url { label, url } => format!("[{n}] {label} → {url}"),
                                Button::RequestContact { label } => {
                                    format!("[{n}] {label} (shares your phone)")
                                }
                                b => format!("[{n}] {}", b.label()),
                            }
                        })
                        .collect();
                    s.push_str("  ");
                    s.push_str(&cells.join("   "));
                    s.push('\n');
                }
            }
            None => {}
        }
        s
    }

    /// Turns one typed line into an update, or `None` when it needs another line.
    async fn interpret(&self, line: &str) -> Result<Option<Update>, MessengerError> {
        let awaiting = self.lock().awaiting_contact;
        if awaiting {
            if line.is_empty() {
                self.write("Type your phone number:\n").await?;
                return Ok(None);
            }
            self.lock().awaiting_contact = false;
            return Ok(Some(self.update(UpdateKind::Contact(SharedContact {
                phone: line.to_owned(),
                first_name: self.user.first_name.clone(),
                last_name: self.user.last_name.clone(),
                user_id: self.user.id.clone(),
                is_own: true,
                vcard: None,
            }))));
        }
        if line.is_empty() {
            return Ok(None);
        }
        let chosen = {
            let st = self.lock();
            let by_number = line
                .parse::<usize>()
                .ok()
                .and_then(|n| n.checked_sub(1))
                .and_then(|i| st.buttons.get(i));
            by_number
                .or_else(|| {
                    st.buttons
                        .iter()
                        .find(|(b, _)| b.label().trim().eq_ignore_ascii_case(line))
                        .or_else(|| {
                            let lower = line.to_lowercase();
                            st.buttons
                                .iter()
                                .find(|(b, _)| b.label().trim().to_lowercase() == lower)
                        })
                })
                .cloned()
        };
        let Some((button, message)) = chosen else {
            let msg = MessageRef::new(self.chat(), self.next_id());
            return Ok(Some(self.update(UpdateKind::from_text(line, Some(msg)))));
        };
        match button {
            Button::Callback { data, .. } => {
                let id = format!("console-{}", self.next_id());
                Ok(Some(self.update(UpdateKind::ButtonPress(ButtonPress {
                    data,
                    callback: Some(CallbackRef {
                        messenger: MessengerKind::Console,
                        id,
                    }),
                    message: Some(message),
                }))))
            }
            Button::Text { label } => {
                let msg = MessageRef::new(self.chat(), self.next_id());
                Ok(Some(self.update(UpdateKind::from_text(&label, Some(msg)))))
            }
            Button::RequestContact { .. } => {
                self.lock().awaiting_contact = true;
                self.write("Type your phone number:\n").await?;
                Ok(None)
            }
            Button::Url { url, .. } => {
                self.write(&format!("(this button opens {url})\n")).await?;
                Ok(None)
            }
        }
    }
}

fn io_error(e: std::io::Error) -> MessengerError {
    MessengerError::Transport {
        reason: format!("console I/O: {e}"),
        maybe_sent: true,
    }
}

#[async_trait]
impl Messenger for ConsoleMessenger {
    fn kind(&self) -> MessengerKind {
        MessengerKind::Console
    }

    fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Long polling (lines typed), and contacts tied to their sender: the person at the
    /// terminal shares the number the demo was given for them.
    fn capabilities(&self) -> crate::Capabilities {
        crate::Capabilities::new()
            .with_long_polling(true)
            .with_verified_contacts(true)
    }

    async fn send(
        &self,
        chat: &ChatRef,
        message: &OutgoingMessage,
    ) -> Result<MessageRef, MessengerError> {
        message.validate(&self.limits)?;
        let r = MessageRef::new(chat.clone(), self.next_id());
        let text = self.render(message, &r, false);
        self.write(&text).await?;
        Ok(r)
    }

    async fn edit(
        &self,
        message: &MessageRef,
        new: &OutgoingMessage,
    ) -> Result<(), MessengerError> {
        new.validate(&self.limits)?;
        let text = self.render(new, message, true);
        self.write(&text).await
    }

    async fn answer_button(
        &self,
        _callback: &CallbackRef,
        answer: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        match &answer.text {
            Some(t) if !t.is_empty() => self.write(&format!("  » {t}\n")).await,
            _ => Ok(()),
        }
    }

    async fn download(&self, _file: &FileRef) -> Result<Bytes, MessengerError> {
        Err(MessengerError::Unsupported {
            operation: "file download",
            messenger: MessengerKind::Console,
        })
    }

    fn parse_webhook(
        &self,
        _headers: &HeaderMap,
        _body: &[u8],
    ) -> Result<Vec<Update>, MessengerError> {
        Err(MessengerError::Unsupported {
            operation: "webhooks",
            messenger: MessengerKind::Console,
        })
    }

    async fn poll(
        &self,
        cursor: PollCursor,
        _timeout: Duration,
    ) -> Result<PollBatch, MessengerError> {
        let mut input = self.input.lock().await;
        loop {
            let mut line = String::new();
            let n = input.read_line(&mut line).await.map_err(io_error)?;
            if n == 0 {
                return Err(MessengerError::Closed);
            }
            if let Some(update) = self.interpret(line.trim()).await? {
                return Ok(PollBatch {
                    updates: vec![update],
                    next: PollCursor(Some(cursor.0.unwrap_or(0) + 1)),
                });
            }
        }
    }
}
