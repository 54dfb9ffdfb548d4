//! What a messenger can do, so a bot adapts its dialogues instead of finding out by errors.

/// The optional features of a messenger ([`crate::Messenger::capabilities`]). Every flag is
/// `false` in [`Capabilities::new`]; adapters switch on what their platform has.
///
/// `#[non_exhaustive]`: new flags will be added (all `false` by default), so build a value with
/// [`Capabilities::new`] and the `with_*` setters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub struct Capabilities {
    /// Sent messages can be edited ([`crate::Messenger::edit`]): Telegram, MAX.
    pub edit_messages: bool,
    /// Sent messages can be deleted ([`crate::Messenger::delete`]): Telegram, MAX.
    pub delete_messages: bool,
    /// A button press is a real callback: it carries a handle to answer (a toast, an alert) and
    /// posts no message into the chat (Telegram, MAX). On Viber a press arrives as a message.
    pub button_callbacks: bool,
    /// A reply keyboard stays on screen until it is removed (Telegram). On Viber a keyboard lasts
    /// only until the next message without one; on MAX keyboards are attached to one message.
    pub persistent_keyboard: bool,
    /// Before the user subscribes, the bot may answer only with one welcome message in the HTTP
    /// answer to the conversation-start webhook (Viber); see
    /// [`crate::Messenger::welcome_response`] and [`crate::WebhookOutcome::welcome`].
    pub welcome_only_before_subscribe: bool,
    /// "Typing…" can be shown ([`crate::Messenger::send_typing`]): Telegram, MAX.
    pub typing_indicator: bool,
    /// Updates can be fetched by long polling ([`crate::Messenger::poll`]): Telegram, MAX.
    pub long_polling: bool,
    /// Raw platform requests can be sent ([`crate::Messenger::send_raw`]).
    pub raw_requests: bool,
    /// The platform ties a shared contact to its sender, so
    /// [`crate::SharedContact::is_own`] can be trusted (Telegram: the contact's user id is the
    /// sender's; MAX: the contact's owner is the sender). Viber cannot: its contact message
    /// carries only a name and a number, so `is_own` is always `false` there and a contact is no
    /// better proof than a typed number.
    pub verified_contacts: bool,
    /// The platform reports what became of a sent message (Viber's `delivered`, `seen` and
    /// `failed` callbacks, as [`crate::UpdateKind::Receipt`]), so the ids returned by
    /// [`crate::Messenger::send_many`] are worth keeping.
    pub delivery_receipts: bool,
}

impl Capabilities {
    /// Nothing optional.
    pub const fn new() -> Self {
        Self {
            edit_messages: false,
            delete_messages: false,
            button_callbacks: false,
            persistent_keyboard: false,
            welcome_only_before_subscribe: false,
            typing_indicator: false,
            long_polling: false,
            raw_requests: false,
            verified_contacts: false,
            delivery_receipts: false,
        }
    }

    /// Sets [`Capabilities::edit_messages`].
    pub const fn with_edit_messages(mut self, on: bool) -> Self {
        self.edit_messages = on;
        self
    }

    /// Sets [`Capabilities::delete_messages`].
    pub const fn with_delete_messages(mut self, on: bool) -> Self {
        self.delete_messages = on;
        self
    }

    /// Sets [`Capabilities::button_callbacks`].
    pub const fn with_button_callbacks(mut self, on: bool) -> Self {
        self.button_callbacks = on;
        self
    }

    /// Sets [`Capabilities::persistent_keyboard`].
    pub const fn with_persistent_keyboard(mut self, on: bool) -> Self {
        self.persistent_keyboard = on;
        self
    }

    /// Sets [`Capabilities::welcome_only_before_subscribe`].
    pub const fn with_welcome_only_before_subscribe(mut self, on: bool) -> Self {
        self.welcome_only_before_subscribe = on;
        self
    }

    /// Sets [`Capabilities::typing_indicator`].
    pub const fn with_typing_indicator(mut self, on: bool) -> Self {
        self.typing_indicator = on;
        self
    }

    /// Sets [`Capabilities::long_polling`].
    pub const fn with_long_polling(mut self, on: bool) -> Self {
        self.long_polling = on;
        self
    }

    /// Sets [`Capabilities::raw_requests`].
    pub const fn with_raw_requests(mut self, on: bool) -> Self {
        self.raw_requests = on;
        self
    }

    /// Sets [`Capabilities::verified_contacts`].
    pub const fn with_verified_contacts(mut self, on: bool) -> Self {
        self.verified_contacts = on;
        self
    }

    /// Sets [`Capabilities::delivery_receipts`].
    pub const fn with_delivery_receipts(mut self, on: bool) -> Self {
        self.delivery_receipts = on;
        self
    }
}
