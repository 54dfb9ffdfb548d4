//! The conversation engine: one update in, replies and a new conversation state out.
//!
//! The engine is messenger-neutral (it sees `messenger_core` updates and produces
//! `messenger_core` rich text and keyboards) and loyalty-neutral where it can be (it talks to
//! `dyn LoyaltyProvider`); the ERGO-only flows (serial registration, questions) use the ERGO client.
//! The conversation state is a small versioned serde document stored per chat ([`Conversation`]),
//! so a restart continues each dialogue where it was.
//!
//! Buttons carry a typed [`Action`]; one dispatcher runs it through the module of its flow:
//! authorization (`auth`), account and profile (`account`), purchases and reviews (`purchases`),
//! promotions, news and the programme (`content`), ERGO registrations (`ergo`) and support
//! questions (`support`). Every flow reports an expired session the same way, and the
//! dispatcher alone logs the user in again and resumes the action.

use std::sync::Arc;

use chrono::Utc;
use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_core::{Decimal, LoyaltyProvider, Phone, Region, Session};
use loyalty_ergo::{ActionsCache, ErgoClient};
use messenger_core::{Button, ButtonAnswer, Keyboard, Messenger, RichText, Update, UpdateKind};
use serde::{Deserialize, Serialize};

use crate::codes::BotCodes;
use crate::format::{self, Currency};
use crate::storage::{ChatKey, Profile, Storage, StorageError};
use crate::texts::{Lang, TextKey, Texts};

mod account;
mod action;
mod auth;
mod bonusmoney;
pub mod card;
mod content;
mod ctx;
mod customers;
mod ergo;
mod ergo_errors;
mod ergo_groups;
mod ergo_history;
mod ergo_profile;
pub mod fields;
mod live;
mod news;
mod options;
mod profile;
mod purchases;
pub mod signup;
mod state;
mod support;
mod survey;
mod verify;

pub use action::{Action, SellerField};
pub use live::{HOURS_SETTING, TZ_SETTING};
pub use state::{CONVERSATION_VERSION, Conversation, Step};
pub use survey::{OPEN_ANSWER_MAX, survey_invitation};

use ctx::Ctx;

/// The ERGO programme's terms (seed 004, "Про програму").
pub const ERGO_TERMS_LINK: &str = "https://club.ergo-global.com/img/Terms-and-agreements.pdf";
/// Where blocked ERGO users are sent (seed 004, authorization step 3.2).
pub const ERGO_SITE: &str = "https://club.ergo-global.com/";
/// Items per page in lists.
pub const PAGE_SIZE: u32 = 5;

/// A user's record is refreshed (profile, last activity) at most this often while the profile
/// stays the same.
pub const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// The largest photo or file the bot downloads from a user (a barcode or product photo, a
/// picture for support); the platform's stated size is checked before downloading.
pub const MAX_PHOTO_BYTES: u64 = 10 * 1024 * 1024;

/// The loyalty programme behind the bot, with its provider-specific client.
#[derive(Clone)]
pub enum Programme {
    /// ERGO CLUB: sellers register sales.
    Ergo {
        /// The client.
        client: ErgoClient,
        /// The actions cache (GetActions changes once a day).
        actions: Arc<ActionsCache>,
    },
    /// BonusMoney: shop customers.
    BonusMoney {
        /// The client.
        client: BonusMoneyClient,
    },
    /// Any other provider (LoyalClient, Manzana): the menu follows its capabilities.
    Generic {
        /// The provider.
        provider: Arc<dyn LoyaltyProvider>,
        /// The programme's name shown to users.
        display: &'static str,
        /// The region typed phone numbers are read in.
        region: Region,
        /// For providers without phone verification: turns a phone the messenger vouches for
        /// (a shared contact of the sender's own) and the customer found by it into a session.
        contact_login: Option<ContactLogin>,
    },
}

/// See [`Programme::Generic::contact_login`].
pub type ContactLogin = Arc<dyn Fn(&Phone, &loyalty_core::Customer) -> Session + Send + Sync>;

impl Programme {
    fn provider(&self) -> &dyn LoyaltyProvider {
        match self {
            Self::Ergo { client, .. } => client,
            Self::BonusMoney { client } => client,
            Self::Generic { provider, .. } => provider.as_ref(),
        }
    }

    fn name(&self) -> &'static str {
        self.provider().name()
    }

    fn display_name(&self) -> &'static str {
        match self {
            Self::Ergo { .. } => "ERGO CLUB",
            Self::BonusMoney { .. } => "BonusMoney",
            Self::Generic { display, .. } => display,
        }
    }

    fn region(&self) -> Region {
        match self {
            Self::Ergo { .. } => Region::UA,
            Self::BonusMoney { .. } => Region::RU,
            Self::Generic { region, .. } => *region,
        }
    }
}

/// A reply to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The text.
    pub text: RichText,
    /// The keyboard, if any.
    pub keyboard: Option<Keyboard>,
    /// A picture, with the text as its caption (queued and delivered in order like text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<messenger_runtime::ReplyImage>,
}

impl Reply {
    fn new(text: RichText) -> Self {
        Self {
            text,
            keyboard: None,
            image: None,
        }
    }

    fn with(mut self, keyboard: Keyboard) -> Self {
        self.keyboard = Some(keyboard);
        self
    }
}

/// What handling an update produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// The replies, in order.
    pub replies: Vec<Reply>,
    /// The new state (`None`: unchanged).
    pub conversation: Option<Conversation>,
    /// User-visible writes (the language choice) committed with the update's completion.
    pub writes: Vec<messenger_runtime::Write>,
}

/// A failure the engine cannot turn into a reply.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The database failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// How many confirmation codes may be requested (each one may cost an SMS or a call): per phone
/// and per chat within a sliding window. Against SMS pumping, where someone makes the bot send
/// codes to many (premium) numbers, or to one victim's phone over and over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeBudget {
    /// Requests per phone number within the window.
    pub per_phone: u32,
    /// Requests per chat within the window, whatever the numbers.
    pub per_chat: u32,
    /// The window.
    pub window: chrono::Duration,
}

impl Default for CodeBudget {
    /// 5 codes per phone and 10 per chat in an hour: more than a person who mistypes needs.
    fn default() -> Self {
        Self {
            per_phone: 5,
            per_chat: 10,
            window: chrono::Duration::hours(1),
        }
    }
}

/// A hook that shows the confirmation "SMS" of an in-process sandbox (offline demo only).
pub type CodePeek = Arc<dyn Fn(&Phone) -> Option<String> + Send + Sync>;

/// The bot's brain.
#[derive(Clone)]
pub struct Engine {
    programme: Programme,
    storage: Storage,
    texts: Arc<Texts>,
    bot_lang: Option<Lang>,
    currency: Currency,
    code_peek: Option<CodePeek>,
    code_budget: CodeBudget,
    /// The bot's own verification codes (LoyalClient log-in), when configured.
    codes: Option<BotCodes>,
    /// Support hours, the web cabinet button, the clock (`engine/options.rs`).
    options: options::DialogueOptions,
    /// The Manzana client, for what the provider-neutral trait lacks (the card).
    manzana: Option<loyalty_manzana::ManzanaClient>,
}

impl Engine {
    /// An engine for `programme`, storing in `storage`. `bot_lang` is `BOT_LANG`: when set, every
    /// new chat speaks it; `None` lets a new chat speak the user's own language or the
    /// programme's market's ([`Lang::initial`]). Money is shown in the programme's currency
    /// ([`Currency::of_market`]) unless [`Engine::with_currency`] says otherwise.
    pub fn new(
        programme: Programme,
        storage: Storage,
        texts: Texts,
        bot_lang: impl Into<Option<Lang>>,
    ) -> Self {
        let currency = Currency::of_market(programme.region());
        Self {
            programme,
            storage,
            texts: Arc::new(texts),
            bot_lang: bot_lang.into(),
            currency,
            code_peek: None,
            code_budget: CodeBudget::default(),
            codes: None,
            options: options::DialogueOptions::default(),
            manzana: None,
        }
    }

    /// The engine's text catalogue, shared: live edits ([`Texts::set_live`], the control
    /// panel's text editor) take effect on the engine's next message.
    pub fn texts(&self) -> Arc<Texts> {
        self.texts.clone()
    }

    /// Shows money in `currency` (`BOT_CURRENCY`) instead of the programme's.
    pub fn with_currency(mut self, currency: Currency) -> Self {
        self.currency = currency;
        self
    }

    /// The language of a chat the bot knows nothing about: `BOT_LANG` when set, else the
    /// programme's market's.
    pub fn default_lang(&self) -> Lang {
        Lang::initial(
            Lang::of_market(self.programme.region()),
            None,
            self.bot_lang,
        )
    }

    /// The language of the chat an update came from: the one stored with the chat (its choice),
    /// else the one a new chat would start in (see [`Lang::initial`]). A storage error falls back
    /// to the latter: this serves messages such as "something went wrong", which must go out
    /// even when the database does not answer.
    pub async fn lang_of(&self, update: &Update) -> Lang {
        let first = Lang::initial(
            Lang::of_market(self.programme.region()),
            update.from.as_ref().and_then(|f| f.language.as_deref()),
            self.bot_lang,
        );
        let Some(chat) = &update.chat else {
            return first;
        };
        let key = ChatKey::new(update.messenger.as_str(), chat.id.to_string());
        match self.storage.user(&key).await {
            Ok(Some(user)) => Lang::parse(&user.language).unwrap_or(first),
            _ => first,
        }
    }

    /// A sum of money in the programme's currency and the locale's format (`1 175,00 ₴`).
    pub fn money(&self, lang: Lang, amount: Decimal) -> String {
        format::money(lang, amount, &self.currency)
    }

    /// Sets the budget of confirmation-code requests (default: [`CodeBudget::default`]).
    pub fn with_code_budget(mut self, budget: CodeBudget) -> Self {
        self.code_budget = budget;
        self
    }

    /// Logs in with the bot's own codes where the programme has none (LoyalClient): a typed
    /// number, or any number on Viber, gets a code over the configured channels.
    pub fn with_codes(mut self, codes: BotCodes) -> Self {
        self.codes = Some(codes);
        self
    }

    /// Gives the engine the Manzana client behind a [`Programme::Generic`] Manzana programme:
    /// the menu then offers the card (number and QR code).
    pub fn with_manzana(mut self, client: loyalty_manzana::ManzanaClient) -> Self {
        self.manzana = Some(client);
        self
    }

    /// The bot's own verification codes, when configured.
    pub fn codes(&self) -> Option<&BotCodes> {
        self.codes.as_ref()
    }

    /// Shows sandbox confirmation codes as system lines (offline demo).
    pub fn with_code_peek(mut self, peek: CodePeek) -> Self {
        self.code_peek = Some(peek);
        self
    }

    /// The storage.
    pub fn storage(&self) -> &Storage {
        &self.storage
    }

    /// The programme.
    pub fn programme(&self) -> &Programme {
        &self.programme
    }

    /// A text as rich text with `{placeholders}` filled literally.
    pub fn text(&self, lang: Lang, key: TextKey, args: &[(&str, &str)]) -> RichText {
        let template = self.texts.get(lang, key);
        RichText::template(template, args).unwrap_or_else(|_| {
            // Overrides are checked for placeholders, not for markup: fall back to plain text.
            RichText::plain(self.texts.format(lang, key, args))
        })
    }

    /// A button labelled with the text `key` that runs `action`.
    fn button(&self, lang: Lang, key: TextKey, action: &Action) -> Button {
        Button::callback(self.texts.get(lang, key), action.encode())
    }

    fn menu(&self, lang: Lang) -> Reply {
        use Action as A;
        use TextKey as T;
        let b = |key: TextKey, action: Action| self.button(lang, key, &action);
        let rows = match &self.programme {
            Programme::Ergo { .. } => vec![
                vec![b(T::ButtonQuickRegistration, A::QuickRegistration)],
                vec![b(T::ButtonFullRegistration, A::FullRegistration)],
                vec![b(T::ButtonBalance, A::Balance), b(T::ButtonNews, A::News)],
                vec![
                    b(T::ButtonRegistrations, A::Registrations { offset: 0 }),
                    b(T::ButtonProfile, A::Profile),
                ],
                vec![b(T::ButtonAbout, A::About), b(T::ButtonSupport, A::Support)],
            ],
            Programme::BonusMoney { .. } => vec![
                vec![
                    b(T::ButtonBalance, A::Balance),
                    b(T::ButtonHistory, A::History { offset: 0 }),
                ],
                vec![
                    b(T::ButtonPurchases, A::Purchases { offset: 0 }),
                    b(T::ButtonPromotions, A::Promotions),
                ],
                vec![b(T::ButtonCard, A::Card), b(T::ButtonLevels, A::Levels)],
                vec![
                    b(T::ButtonNotices, A::News),
                    b(T::ButtonReviews, A::Reviews),
                ],
                vec![
                    b(T::ButtonCompany, A::Company),
                    b(T::ButtonProfile, A::Profile),
                ],
            ],
            Programme::Generic { provider, .. } => {
                use loyalty_core::Capability as C;
                let caps = provider.capabilities();
                let items = [
                    (C::Balance, T::ButtonBalance, A::Balance),
                    (C::BonusHistory, T::ButtonHistory, A::History { offset: 0 }),
                    (C::Purchases, T::ButtonPurchases, A::Purchases { offset: 0 }),
                    (C::Promotions, T::ButtonPromotions, A::Promotions),
                    (C::Notices, T::ButtonNews, A::News),
                    (C::Profile, T::ButtonProfile, A::Profile),
                ];
                let mut buttons: Vec<Button> = items
                    .into_iter()
                    .filter(|(c, _, _)| caps.supports(*c))
                    .map(|(_, key, action)| b(key, action))
                    .collect();
                if self.manzana.is_some() {
                    buttons.push(b(T::ButtonCard, A::Card));
                }
                buttons.chunks(2).map(<[Button]>::to_vec).collect()
            }
        };
        let mut rows = rows;
        if self.options.live_chat && !matches!(self.programme, Programme::Ergo { .. }) {
            rows.push(vec![b(T::ButtonSupport, A::Support)]);
        }
        if let Some(url) = &self.options.web_cabinet {
            rows.push(vec![Button::url(
                self.texts.get(lang, T::ButtonWebCabinet),
                url,
            )]);
        }
        Reply::new(self.text(lang, T::Menu, &[])).with(Keyboard::inline(rows))
    }

    /// A keyboard with one button back to the menu.
    fn back_to_menu(&self, lang: Lang) -> Keyboard {
        Keyboard::inline(vec![vec![self.button(
            lang,
            TextKey::ButtonBack,
            &Action::Menu,
        )]])
    }

    /// The greeting for the user who caused `update`, in the language a new chat starts in:
    /// the welcome Viber lets a bot give only in the HTTP answer to `conversation_started`
    /// before the user subscribes (see `messenger_core::Messenger::welcome_response`).
    pub fn welcome(&self, update: &Update) -> Reply {
        let from = update.from.clone().unwrap_or_default();
        let lang = Lang::initial(
            Lang::of_market(self.programme.region()),
            from.language.as_deref(),
            self.bot_lang,
        );
        self.ask_phone(lang, &from.name())
    }

    fn ask_phone(&self, lang: Lang, name: &str) -> Reply {
        Reply::new(self.text(
            lang,
            TextKey::Greeting,
            &[("name", name), ("programme", self.programme.display_name())],
        ))
        .with(Keyboard::request_contact(
            self.texts.get(lang, TextKey::ButtonSharePhone),
        ))
    }

    /// Handles one update of `messenger` in the chat's conversation `state` (the runtime stores
    /// it): reads and writes the chat's user record, runs the dialogue and returns the replies,
    /// the new state and the writes to commit with them (the runtime persists all three in one
    /// transaction, then sends the replies).
    ///
    /// # Errors
    /// [`EngineError::Storage`] when the database fails (the update is then retried).
    pub async fn handle(
        &self,
        messenger: &dyn Messenger,
        update: &Update,
        state: Option<Conversation>,
    ) -> Result<Outcome, EngineError> {
        let Some(chat) = &update.chat else {
            return Ok(Outcome::default());
        };
        let key = ChatKey::new(update.messenger.as_str(), chat.id.to_string());
        if matches!(update.kind, UpdateKind::Unsubscribed) {
            self.storage.set_inactive(&key).await?;
            return Ok(Outcome::default());
        }
        // Raw platform events and receipts (the runtime journals these itself) are no dialogue.
        if matches!(
            update.kind,
            UpdateKind::Other { .. } | UpdateKind::Receipt(_)
        ) {
            return Ok(Outcome::default());
        }
        let from = update.from.clone().unwrap_or_default();
        let profile = Profile {
            user_id: from.id.as_ref().map(ToString::to_string),
            first_name: from.first_name.clone(),
            last_name: from.last_name.clone(),
            username: from.username.clone(),
        };
        // A new chat's language: the market's, then the user's own, then BOT_LANG (stored; the
        // language button changes it later).
        let first_lang = Lang::initial(
            Lang::of_market(self.programme.region()),
            from.language.as_deref(),
            self.bot_lang,
        );
        // The user's record is read here and refreshed (or created) by a write committed with
        // the update's completion, first of its writes.
        let user = self.storage.user_batched(&key).await?;
        let at = update.date.unwrap_or_else(Utc::now);
        // A user seen within the minute with the same profile, still active, is not written
        // again (the last activity is kept to the minute): one upsert less per update in a
        // conversation.
        let fresh = user.as_ref().is_some_and(|u| {
            u.active && u.profile == profile && at - u.last_activity < TOUCH_EVERY
        });
        let touch = (!fresh).then(|| Storage::touch_write(&key, &profile, first_lang.code(), at));
        let lang = user
            .as_ref()
            .and_then(|u| Lang::parse(&u.language))
            .unwrap_or(first_lang);
        let mut conv: Conversation = state.unwrap_or_default();
        let session = match user
            .as_ref()
            .and_then(|u| u.session.as_ref())
            .map(|s| s.decode())
        {
            Some(Ok(s)) if s.provider() == self.programme.name() => Some(s),
            _ => None,
        };
        let name = from.name();
        let mut ctx = Ctx {
            engine: self,
            messenger,
            key: &key,
            lang,
            session,
            replies: Vec::new(),
            writes: touch.into_iter().collect(),
        };
        if let UpdateKind::ButtonPress(p) = &update.kind
            && let Some(cb) = &p.callback
        {
            // Stop the spinner; a failure here must not lose the press.
            if let Err(e) = messenger.answer_button(cb, &ButtonAnswer::ack()).await {
                tracing::warn!(error = %e, "cannot answer a button press");
            }
        }
        if self.options.live_chat {
            // Read with the user (no query of its own); a new user has no dialogue.
            let support = user.as_ref().map(|u| u.support.clone()).unwrap_or_default();
            if support.relays() {
                // A live dialogue (or a pause): the operators get the message, not the bot.
                ctx.relay(&mut conv, &update.kind, &support).await?;
                return Ok(Outcome {
                    replies: ctx.replies,
                    conversation: Some(conv),
                    writes: ctx.writes,
                });
            }
        }
        ctx.dispatch(&mut conv, &update.kind, &name).await?;
        Ok(Outcome {
            replies: ctx.replies,
            conversation: Some(conv),
            writes: ctx.writes,
        })
    }
}
