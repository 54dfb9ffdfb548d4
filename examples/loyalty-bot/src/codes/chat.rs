//! The messenger-chat code channel: delivers a code as a bot message to a chat already linked to
//! the customer (a chat that logged in to this programme with the same phone), on whichever
//! messenger that chat is.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use loyalty_codes::{
    Action, ChannelError, ChannelId, ChatAddress, CodeChannel, Delivery, DeliveryReceipt,
    ProviderErrorKind,
};
use loyalty_core::Phone;
use messenger_core::{ChatRef, Messenger, MessengerError, OutgoingMessage, PlatformId, RichText};

use crate::storage::{ChatKey, Storage, StorageError};
use crate::texts::{Lang, TextKey, Texts};

/// The id programmes use for this channel in `CODES_CHANNELS`.
pub const CHAT_CHANNEL: &str = "chat";

/// The running messengers by name (`telegram`, `viber`, `max`, `in_memory`), filled once the
/// messengers are built (after the engine that needs the code service). Cheap to clone.
#[derive(Clone, Default)]
pub struct MessengerRoutes(Arc<RwLock<HashMap<String, Arc<dyn Messenger>>>>);

impl fmt::Debug for MessengerRoutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.read().keys().cloned().collect();
        f.debug_tuple("MessengerRoutes").field(&names).finish()
    }
}

impl MessengerRoutes {
    /// Routes chats of `messenger`'s kind to it.
    pub fn register(&self, messenger: Arc<dyn Messenger>) {
        let name = messenger.kind().as_str().to_owned();
        self.0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name, messenger);
    }

    /// The messenger of that name, if it runs.
    pub fn get(&self, name: &str) -> Option<Arc<dyn Messenger>> {
        self.read().get(name).cloned()
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, Arc<dyn Messenger>>> {
        self.0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Chats linked to `phone` in programme `provider` (logged in with that phone, session present,
/// not blocked), most recently active first, **never** `asking`: a code sent to the chat that
/// asks for it proves nothing.
///
/// # Errors
/// [`StorageError`] on database failure.
pub async fn linked_chats(
    storage: &Storage,
    provider: &str,
    phone: &Phone,
    asking: Option<&ChatKey>,
) -> Result<Vec<ChatKey>, StorageError> {
    use sqlx::Row;
    let rows = sqlx::query(
        "SELECT messenger, chat_id FROM bot_users
         WHERE phone = $1 AND provider = $2 AND session IS NOT NULL AND active = 1
         ORDER BY last_activity DESC, messenger, chat_id",
    )
    .bind(phone.e164().to_owned())
    .bind(provider.to_owned())
    .fetch_all(storage.pool())
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let key = ChatKey::new(r.try_get::<String, _>(0)?, r.try_get::<String, _>(1)?);
        if Some(&key) != asking {
            out.push(key);
        }
    }
    Ok(out)
}

/// Delivers codes as a message of the bot to [`loyalty_codes::Recipient::chat`]: a chat the
/// caller found with [`linked_chats`]. Before sending it checks again that the chat is still
/// linked to the recipient's phone in this programme (a chat that logged out meanwhile gets
/// nothing). Sends directly through the messenger, not through the runtime's outbox: the
/// dispatcher needs to know now whether the message went out (to fall back to the next channel),
/// and the outbox and the message log would keep the code in plain text.
pub struct ChatCodeChannel {
    routes: MessengerRoutes,
    storage: Storage,
    provider: &'static str,
    texts: Arc<Texts>,
}

impl fmt::Debug for ChatCodeChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatCodeChannel")
            .field("routes", &self.routes)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl ChatCodeChannel {
    /// A chat channel for programme `provider` over `routes`, with messages from `texts`.
    pub fn new(
        routes: MessengerRoutes,
        storage: Storage,
        provider: &'static str,
        texts: Arc<Texts>,
    ) -> Self {
        Self {
            routes,
            storage,
            provider,
            texts,
        }
    }
}

fn not_sent(message: impl Into<String>) -> ChannelError {
    ChannelError::NotSent {
        message: message.into(),
    }
}

/// The longest wait for a platform's "retry after" the channel sits out before its one retry.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(3);

#[async_trait]
impl CodeChannel for ChatCodeChannel {
    fn id(&self) -> ChannelId {
        ChannelId::from(CHAT_CHANNEL)
    }

    fn can_reach(&self, recipient: &loyalty_codes::Recipient) -> bool {
        recipient
            .chat
            .as_ref()
            .is_some_and(|c| self.routes.get(&c.messenger).is_some())
            && recipient.phone.is_some()
    }

    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<DeliveryReceipt, ChannelError> {
        let recipient = delivery.recipient;
        let (Some(chat), Some(phone)) = (&recipient.chat, &recipient.phone) else {
            return Err(ChannelError::NoAddress);
        };
        let messenger = self
            .routes
            .get(&chat.messenger)
            .ok_or(ChannelError::NoAddress)?;
        let key = ChatKey::new(chat.messenger.clone(), chat.chat_id.clone());
        let user = self
            .storage
            .user(&key)
            .await
            .map_err(|e| not_sent(format!("storage: {e}")))?;
        let Some(user) = user.filter(|u| {
            u.active
                && u.session.is_some()
                && u.provider.as_deref() == Some(self.provider)
                && u.phone.as_deref() == Some(phone.e164())
        }) else {
            tracing::warn!(messenger = %chat.messenger, "code not sent to a chat that is no longer linked");
            return Err(ChannelError::NoAddress);
        };
        let lang = Lang::parse(&user.language).unwrap_or(Lang::Ru);
        let text_key = match delivery.action {
            Action::LogIn => TextKey::CodeChatLogin,
            Action::SpendBonuses => TextKey::CodeChatSpend,
            _ => TextKey::CodeChatOther,
        };
        let text = self
            .texts
            .format(lang, text_key, &[("code", delivery.expose_code())]);
        let message = OutgoingMessage::new(RichText::plain(text));
        let chat_ref = chat_ref(messenger.as_ref(), chat);
        let mut retried = false;
        loop {
            match messenger.send(&chat_ref, &message).await {
                Ok(sent) => return Ok(DeliveryReceipt::with_id(sent.id.to_string())),
                Err(e) if e.is_retryable() && !retried => {
                    let wait = e.retry_after().unwrap_or(Duration::from_millis(300));
                    if wait > MAX_RETRY_WAIT {
                        return Err(refused(&e));
                    }
                    retried = true;
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    if e.is_recipient_gone() {
                        let _ = self.storage.set_inactive(&key).await;
                    }
                    return Err(refused(&e));
                }
            }
        }
    }
}

fn chat_ref(messenger: &dyn Messenger, chat: &ChatAddress) -> ChatRef {
    let id = chat
        .chat_id
        .parse::<i64>()
        .map_or_else(|_| PlatformId::from(chat.chat_id.clone()), PlatformId::from);
    ChatRef::private(messenger.kind(), id)
}

/// A messenger's refusal as a channel error (the platform's words; never the message).
fn refused(e: &MessengerError) -> ChannelError {
    if e.is_recipient_gone() {
        ChannelError::Provider {
            kind: ProviderErrorKind::Recipient,
            code: None,
            message: e.to_string(),
        }
    } else {
        not_sent(e.to_string())
    }
}
