//! The conversation engine: one update in, replies and a new conversation state out.
//!
//! The engine is messenger-neutral (it sees `messenger_core` updates and produces
//! `messenger_core` rich text and keyboards) and loyalty-neutral where it can be (it talks to
//! `dyn LoyaltyProvider`); the ERGO-only flows (serial registration, questions) use the ERGO client.
//! The conversation state is a small serde document stored per chat, so a restart continues each
//! dialogue where it was.

use std::sync::Arc;

use chrono::{NaiveDateTime, Utc};
use loyalty_bonusmoney::BonusMoneyClient;
use loyalty_core::{
    CodeOutcome, CodeRequest, Decimal, LoyaltyError, LoyaltyProvider, PageRequest, Phone, Region,
    Session, Verification,
};
use loyalty_ergo::types::{Photo, SnModelRegistration, SnOutcome};
use loyalty_ergo::{ActionsCache, ErgoClient};
use messenger_core::{Button, ButtonAnswer, Keyboard, Messenger, RichText, Update, UpdateKind};
use serde::{Deserialize, Serialize};

use crate::barcode;
use crate::codes::BotCodes;

mod code_login;
use crate::format::{self, Currency};
use crate::storage::{ChatKey, Profile, Storage, StorageError};
use crate::texts::{Lang, Texts};

/// The ERGO programme's terms (seed 004, "Про програму").
pub const ERGO_TERMS_LINK: &str = "https://club.ergo-global.com/img/Terms-and-agreements.pdf";
/// Where blocked ERGO users are sent (seed 004, authorization step 3.2).
pub const ERGO_SITE: &str = "https://club.ergo-global.com/";
/// Items per page in lists.
pub const PAGE_SIZE: u32 = 5;
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

/// Where a chat is in its dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Waiting for a phone number (contact or typed).
    #[default]
    AwaitPhone,
    /// Waiting for the confirmation code sent to `phone` (E.164).
    AwaitCode {
        /// The phone being verified.
        phone: String,
    },
    /// Authorized, at the main menu.
    Menu,
    /// ERGO quick registration: waiting for a serial (typed or a barcode photo).
    AwaitSerial,
    /// ERGO full registration: waiting for the serial of a chosen model.
    AwaitModelSerial {
        /// The action.
        action_id: u64,
        /// The model.
        model_id: u64,
    },
    /// ERGO full registration: waiting for a photo of the product.
    AwaitProductPhoto {
        /// The action.
        action_id: u64,
        /// The model.
        model_id: u64,
        /// The serial.
        serial: String,
        /// When the serial was captured.
        captured_at: NaiveDateTime,
        /// The trade point chosen before, when the model needs one.
        #[serde(default)]
        trade_point: Option<u64>,
    },
    /// ERGO full registration: waiting for the seller to choose the trade point of the sale.
    ChooseTradePoint {
        /// The action.
        action_id: u64,
        /// The model.
        model_id: u64,
        /// The serial.
        serial: String,
        /// When the serial was captured.
        captured_at: NaiveDateTime,
    },
    /// Waiting for a support question.
    AwaitQuestion,
    /// Waiting for a new e-mail for the profile.
    AwaitEmail,
    /// BonusMoney: waiting for a rating (1-5) and an optional text for a purchase.
    AwaitReview {
        /// The purchase (order id).
        order_id: String,
    },
}

/// The stored state of one chat.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Conversation {
    /// Where the dialogue is.
    pub step: Step,
    /// A menu action to run again after a re-authorization (the session had expired).
    #[serde(default)]
    pub resume: Option<String>,
}

/// A reply to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The text.
    pub text: RichText,
    /// The keyboard, if any.
    pub keyboard: Option<Keyboard>,
}

impl Reply {
    fn new(text: RichText) -> Self {
        Self {
            text,
            keyboard: None,
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
}

/// Callback data of the menu buttons.
mod cb {
    pub const BALANCE: &str = "m:balance";
    pub const HISTORY: &str = "m:history";
    pub const PURCHASES: &str = "m:purchases";
    pub const PROMOTIONS: &str = "m:promotions";
    pub const NEWS: &str = "m:news";
    pub const PROFILE: &str = "m:profile";
    pub const ABOUT: &str = "m:about";
    pub const SUPPORT: &str = "m:support";
    pub const QUICK: &str = "m:quick";
    pub const FULL: &str = "m:full";
    pub const MENU: &str = "m:menu";
    pub const EDIT_EMAIL: &str = "p:email";
    pub const PURCHASE: &str = "p:"; // p:<id>
    pub const PURCHASES_PAGE: &str = "pp:"; // pp:<offset>
    pub const HISTORY_PAGE: &str = "hp:"; // hp:<offset>
    pub const ACTION: &str = "a:"; // a:<action_id>
    pub const MODEL: &str = "mo:"; // mo:<action_id>:<model_id>
    pub const TRADE_POINT: &str = "tt:"; // tt:<id>
    pub const REVIEW: &str = "rv:"; // rv:<order id>
    pub const AGAIN: &str = "m:again";
}

/// The text key that explains, in the user's language, why a typed number was not read (the
/// parser's own messages are English and technical).
fn phone_reason(e: &loyalty_core::PhoneError) -> &'static str {
    use loyalty_core::PhoneError as P;
    match e {
        P::TooShort { .. } | P::TooLong { .. } | P::InvalidLength { .. } => "reason_phone_length",
        P::MissingCountryCode | P::UnknownCountryCode(_) => "reason_phone_country",
        _ => "reason_phone_format",
    }
}

fn fmt_time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_default()
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
    pub fn text(&self, lang: Lang, key: &str, args: &[(&str, &str)]) -> RichText {
        let template = self.texts.get(lang, key);
        RichText::template(template, args).unwrap_or_else(|_| {
            // Overrides are checked for placeholders, not for markup: fall back to plain text.
            RichText::plain(self.texts.format(lang, key, args))
        })
    }

    fn menu(&self, lang: Lang) -> Reply {
        let b = |key: &str, data: &str| Button::callback(self.texts.get(lang, key), data);
        let rows = match &self.programme {
            Programme::Ergo { .. } => vec![
                vec![b("button_quick_registration", cb::QUICK)],
                vec![b("button_full_registration", cb::FULL)],
                vec![b("button_balance", cb::BALANCE), b("button_news", cb::NEWS)],
                vec![
                    b("button_about", cb::ABOUT),
                    b("button_support", cb::SUPPORT),
                ],
            ],
            Programme::BonusMoney { .. } => vec![
                vec![
                    b("button_balance", cb::BALANCE),
                    b("button_history", cb::HISTORY),
                ],
                vec![
                    b("button_purchases", cb::PURCHASES),
                    b("button_promotions", cb::PROMOTIONS),
                ],
                vec![b("button_profile", cb::PROFILE)],
            ],
            Programme::Generic { provider, .. } => {
                use loyalty_core::Capability as C;
                let caps = provider.capabilities();
                let items = [
                    (C::Balance, "button_balance", cb::BALANCE),
                    (C::BonusHistory, "button_history", cb::HISTORY),
                    (C::Purchases, "button_purchases", cb::PURCHASES),
                    (C::Promotions, "button_promotions", cb::PROMOTIONS),
                    (C::Notices, "button_news", cb::NEWS),
                    (C::Profile, "button_profile", cb::PROFILE),
                ];
                let buttons: Vec<Button> = items
                    .into_iter()
                    .filter(|(c, _, _)| caps.supports(*c))
                    .map(|(_, key, data)| b(key, data))
                    .collect();
                buttons.chunks(2).map(<[Button]>::to_vec).collect()
            }
        };
        Reply::new(self.text(lang, "menu", &[])).with(Keyboard::inline(rows))
    }

    fn back_to_menu(&self, lang: Lang) -> Keyboard {
        Keyboard::inline(vec![vec![Button::callback(
            self.texts.get(lang, "button_back"),
            cb::MENU,
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
            "greeting",
            &[("name", name), ("programme", self.programme.display_name())],
        ))
        .with(Keyboard::request_contact(
            self.texts.get(lang, "button_share_phone"),
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
        if matches!(update.kind, UpdateKind::Other { .. }) {
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
        let user = self.storage.user(&key).await?;
        let touch = Storage::touch_write(
            &key,
            &profile,
            first_lang.code(),
            update.date.unwrap_or_else(Utc::now),
        );
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
            writes: vec![touch],
        };
        if let UpdateKind::ButtonPress(p) = &update.kind
            && let Some(cb) = &p.callback
        {
            // Stop the spinner; a failure here must not lose the press.
            if let Err(e) = messenger.answer_button(cb, &ButtonAnswer::ack()).await {
                tracing::warn!(error = %e, "cannot answer a button press");
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

/// The state of one handling.
struct Ctx<'a> {
    engine: &'a Engine,
    messenger: &'a dyn Messenger,
    key: &'a ChatKey,
    lang: Lang,
    session: Option<Session>,
    replies: Vec<Reply>,
    /// Writes committed with the update's completion.
    writes: Vec<messenger_runtime::Write>,
}

impl Ctx<'_> {
    fn say(&mut self, key: &str, args: &[(&str, &str)]) {
        let text = self.engine.text(self.lang, key, args);
        self.replies.push(Reply::new(text));
    }

    fn say_with(&mut self, key: &str, args: &[(&str, &str)], keyboard: Keyboard) {
        let text = self.engine.text(self.lang, key, args);
        self.replies.push(Reply::new(text).with(keyboard));
    }

    fn menu(&mut self, conv: &mut Conversation) {
        conv.step = Step::Menu;
        self.replies.push(self.engine.menu(self.lang));
    }

    async fn dispatch(
        &mut self,
        conv: &mut Conversation,
        kind: &UpdateKind,
        name: &str,
    ) -> Result<(), EngineError> {
        match kind {
            UpdateKind::Started { .. } => {
                if self.session.is_some() {
                    self.menu(conv);
                } else {
                    conv.step = Step::AwaitPhone;
                    self.replies.push(self.engine.ask_phone(self.lang, name));
                }
            }
            UpdateKind::Command { name: cmd, .. } => match cmd.as_str() {
                "menu" if self.session.is_some() => self.menu(conv),
                "lang" => {
                    let next = if self.lang == Lang::Uk {
                        Lang::Ru
                    } else {
                        Lang::Uk
                    };
                    // Committed with the update's completion, not before it.
                    self.writes.push(crate::storage::Storage::language_write(
                        self.key,
                        next.code(),
                    ));
                    self.lang = next;
                    if self.session.is_some() {
                        self.menu(conv);
                    }
                }
                "logout" => {
                    self.engine.storage.clear_session(self.key).await?;
                    self.session = None;
                    conv.step = Step::AwaitPhone;
                    self.replies.push(self.engine.ask_phone(self.lang, name));
                }
                _ => self.say("unknown_input", &[]),
            },
            UpdateKind::Contact(c) => {
                if c.is_own {
                    self.phone_given(conv, &c.phone, true).await?;
                } else if self.vouches_for_contacts() {
                    // The platform tells whose number a contact is: this one is someone else's.
                    self.say("phone_not_own", &[]);
                } else {
                    // The platform cannot tell (Viber: a contact card carries only a name and a
                    // number): the number counts as typed, never as proven.
                    self.phone_given(conv, &c.phone, false).await?;
                }
            }
            UpdateKind::ButtonPress(p) => self.button(conv, &p.data).await?,
            UpdateKind::Text { text, .. } => self.text(conv, text, name).await?,
            UpdateKind::Photo(f) | UpdateKind::Document(f) => {
                let file = f.file.clone();
                let caption = f.caption.clone();
                self.photo(conv, &file, caption.as_deref()).await?;
            }
            UpdateKind::Subscribed | UpdateKind::Unsubscribed | UpdateKind::Other { .. } => {}
            _ => {}
        }
        Ok(())
    }

    async fn text(
        &mut self,
        conv: &mut Conversation,
        text: &str,
        name: &str,
    ) -> Result<(), EngineError> {
        let text = text.trim();
        match conv.step.clone() {
            // "Hello" before any number: greet (again) with the contact button rather than
            // complain that a greeting is not a phone number.
            Step::AwaitPhone if text.chars().filter(char::is_ascii_digit).count() < 5 => {
                self.replies.push(self.engine.ask_phone(self.lang, name));
            }
            Step::AwaitPhone => self.phone_given(conv, text, false).await?,
            Step::AwaitCode { phone } => self.code_given(conv, &phone, text).await?,
            Step::AwaitSerial => self.register_serial(conv, text).await?,
            Step::AwaitModelSerial {
                action_id,
                model_id,
            } => {
                self.model_serial(conv, action_id, model_id, text).await?;
            }
            Step::AwaitQuestion => self.ask_question(conv, text, None).await?,
            Step::AwaitEmail => self.update_email(conv, text).await?,
            Step::AwaitReview { order_id } => self.review(conv, &order_id, text).await?,
            Step::AwaitProductPhoto { .. } => self.say("ask_product_photo", &[]),
            Step::ChooseTradePoint { .. } => self.say("choose_trade_point", &[]),
            Step::Menu => {
                if self.session.is_some() {
                    self.say("unknown_input", &[]);
                    self.menu(conv);
                } else {
                    conv.step = Step::AwaitPhone;
                    self.replies.push(self.engine.ask_phone(self.lang, name));
                }
            }
        }
        Ok(())
    }

    /// Whether this messenger ties a shared contact to its sender (Telegram and MAX do; Viber's
    /// contact message carries nothing that ties it to the sender).
    fn vouches_for_contacts(&self) -> bool {
        self.messenger.capabilities().verified_contacts
    }

    /// Refuses to log `phone` in on a number that was only typed: the programme does not prove
    /// the number with a code, so only the sender's own shared contact may log in. `key` explains
    /// why; where the messenger cannot vouch for contacts at all, the user is told to use one
    /// that can.
    fn need_own_contact(&mut self, conv: &mut Conversation, key: &str) {
        conv.step = Step::AwaitPhone;
        if self.vouches_for_contacts() {
            let button = self.engine.texts.get(self.lang, "button_share_phone");
            self.say_with(key, &[], Keyboard::request_contact(button));
        } else {
            self.say("contact_login_unavailable", &[]);
        }
    }

    /// Counts a confirmation-code request against the budgets of the phone and the chat; `false`
    /// (and a "try again in N minutes" reply) when either is spent.
    async fn code_budget_allows(&mut self, phone: &Phone) -> Result<bool, EngineError> {
        let budget = self.engine.code_budget;
        let by_phone = format!("phone:{}", phone.e164());
        let by_chat = format!("chat:{}:{}", self.key.messenger, self.key.chat_id);
        let wait = self
            .engine
            .storage
            .take_code_budget(
                &[(&by_phone, budget.per_phone), (&by_chat, budget.per_chat)],
                budget.window,
                Utc::now(),
            )
            .await?;
        match wait {
            None => Ok(true),
            Some(wait) => {
                tracing::warn!(chat = %self.key.chat_id, "confirmation-code budget spent");
                let minutes = (wait.num_seconds() + 59) / 60;
                self.say(
                    "code_budget_spent",
                    &[("minutes", &minutes.max(1).to_string())],
                );
                Ok(false)
            }
        }
    }

    /// A phone typed or shared (`from_contact`: the messenger vouches it is the sender's own).
    async fn phone_given(
        &mut self,
        conv: &mut Conversation,
        input: &str,
        from_contact: bool,
    ) -> Result<(), EngineError> {
        let phone = match Phone::parse(input, self.engine.programme.region()) {
            Ok(p) => p,
            Err(e) => {
                conv.step = Step::AwaitPhone;
                let reason = self.engine.texts.get(self.lang, phone_reason(&e));
                self.say("phone_invalid", &[("reason", reason)]);
                return Ok(());
            }
        };
        if let Programme::Generic {
            provider,
            contact_login: Some(login),
            ..
        } = &self.engine.programme
            && !provider
                .capabilities()
                .supports(loyalty_core::Capability::VerifyPhone)
        {
            // No codes of the provider's: only a number the messenger vouches for logs in
            // directly; any other gets a code of the bot's own, when configured.
            if !from_contact {
                if self.own_codes().is_some() {
                    return self.code_login_start(conv, &phone).await;
                }
                self.need_own_contact(conv, "phone_contact_only");
                return Ok(());
            }
            let (provider, login) = (provider.clone(), login.clone());
            match provider.find_customer(&phone).await {
                Ok(Some(customer)) => {
                    let session = login(&phone, &customer);
                    return self
                        .verified(conv, &phone, Verification::LoggedIn(session))
                        .await;
                }
                Ok(None) | Err(LoyaltyError::NotFound { .. }) => {
                    conv.step = Step::AwaitPhone;
                    self.say("phone_unknown", &[("phone", phone.e164())]);
                }
                Err(e) => self.failed(&e),
            }
            return Ok(());
        }
        if !self.code_budget_allows(&phone).await? {
            return Ok(());
        }
        let provider = self.engine.programme.provider();
        match provider
            .request_code(&CodeRequest::new(phone.clone()))
            .await
        {
            Ok(CodeOutcome::Sent { channel, .. }) => {
                conv.step = Step::AwaitCode {
                    phone: phone.e164().to_owned(),
                };
                match channel {
                    loyalty_core::CodeChannel::Call { call_to: Some(to) } => {
                        self.say("code_sent_call", &[("call_to", &to)]);
                    }
                    _ => self.say("code_sent", &[("phone", phone.e164())]),
                }
                self.peek_code(&phone);
            }
            // The programme proves nothing about this number: a typed one would let anyone
            // into the account of whoever owns it.
            Ok(CodeOutcome::NoCodeNeeded(v)) if from_contact => {
                self.verified(conv, &phone, *v).await?;
            }
            Ok(CodeOutcome::NoCodeNeeded(_)) => {
                self.need_own_contact(conv, "no_code_needs_contact")
            }
            Ok(CodeOutcome::CaptchaRequired(_)) | Ok(_) => {
                // Captchas need a picture; this demo asks to try again later.
                self.say("try_later", &[]);
            }
            Err(LoyaltyError::CodeAlreadySent { retry_after, .. }) => {
                conv.step = Step::AwaitCode {
                    phone: phone.e164().to_owned(),
                };
                let secs = retry_after.map_or(60, |d| d.as_secs()).to_string();
                self.say("code_already_sent", &[("seconds", &secs)]);
                self.peek_code(&phone);
            }
            Err(LoyaltyError::NotFound { .. }) => {
                conv.step = Step::AwaitPhone;
                self.say("phone_unknown", &[("phone", phone.e164())]);
            }
            Err(LoyaltyError::Blocked { .. }) => {
                conv.step = Step::AwaitPhone;
                self.say("user_blocked", &[("link", ERGO_SITE)]);
            }
            Err(e) => self.failed(&e),
        }
        Ok(())
    }

    fn peek_code(&mut self, phone: &Phone) {
        if let Some(code) = self.engine.code_peek.as_ref().and_then(|p| p(phone)) {
            self.replies.push(Reply::new(RichText::plain(format!(
                "[sandbox SMS to {}: {code}]",
                phone.e164()
            ))));
        }
    }

    async fn code_given(
        &mut self,
        conv: &mut Conversation,
        phone: &str,
        code: &str,
    ) -> Result<(), EngineError> {
        let Ok(phone) = Phone::parse_international(phone) else {
            conv.step = Step::AwaitPhone;
            self.say("phone_invalid", &[("reason", "?")]);
            return Ok(());
        };
        // A new number typed while waiting for a code starts over with that number.
        if code.chars().filter(char::is_ascii_digit).count() >= 9 {
            return self.phone_given(conv, code, false).await;
        }
        if self.own_codes().is_some() {
            return self.code_login_check(conv, &phone, code).await;
        }
        match self
            .engine
            .programme
            .provider()
            .confirm_code(&phone, code)
            .await
        {
            Ok(v) => self.verified(conv, &phone, v).await?,
            Err(LoyaltyError::WrongCode { .. }) => self.say("code_wrong", &[]),
            Err(e) => self.failed(&e),
        }
        Ok(())
    }

    async fn verified(
        &mut self,
        conv: &mut Conversation,
        phone: &Phone,
        v: Verification,
    ) -> Result<(), EngineError> {
        match v {
            Verification::LoggedIn(session) => {
                // Committed with the update's completion (after the user's record is made).
                self.writes.extend(Storage::authorized_writes(
                    self.key,
                    phone.e164(),
                    self.engine.programme.name(),
                    &session,
                    Utc::now(),
                )?);
                self.session = Some(session);
                self.say("auth_ok", &[]);
                self.menu(conv);
                if let Some(action) = conv.resume.take() {
                    self.button(conv, &action).await?;
                }
            }
            Verification::NeedsSignUp(ticket) => {
                let data = ticket.prefill.clone();
                match self
                    .engine
                    .programme
                    .provider()
                    .sign_up(&ticket, &data)
                    .await
                {
                    Ok(session) => {
                        Box::pin(self.verified(conv, phone, Verification::LoggedIn(session)))
                            .await?;
                    }
                    Err(e) => self.failed(&e),
                }
            }
            _ => self.say("try_later", &[]),
        }
        Ok(())
    }

    /// Reports a provider failure; an expired session sends the user through authorization again.
    fn failed(&mut self, e: &LoyaltyError) {
        match e {
            LoyaltyError::Unsupported { .. } => self.say("not_supported", &[]),
            LoyaltyError::OutcomeUnknown { .. } => self.say("registration_unknown", &[]),
            other => {
                tracing::warn!(error = %other, "a loyalty call failed");
                self.say("try_later", &[]);
            }
        }
    }

    /// Runs `action` again after a re-login: the session expired.
    async fn session_expired(
        &mut self,
        conv: &mut Conversation,
        action: &str,
    ) -> Result<(), EngineError> {
        self.engine.storage.clear_session(self.key).await?;
        self.session = None;
        conv.resume = Some(action.to_owned());
        conv.step = Step::AwaitPhone;
        self.say_with(
            "session_expired",
            &[],
            Keyboard::request_contact(self.engine.texts.get(self.lang, "button_share_phone")),
        );
        Ok(())
    }

    async fn button(&mut self, conv: &mut Conversation, data: &str) -> Result<(), EngineError> {
        let Some(session) = self.session.clone() else {
            return self.need_login(conv, data);
        };
        let result = self.run_action(conv, &session, data).await;
        match result {
            Ok(()) => Ok(()),
            Err(ActionError::Loyalty(LoyaltyError::SessionExpired { .. })) => {
                self.session_expired(conv, data).await
            }
            Err(ActionError::Loyalty(e)) => {
                self.failed(&e);
                Ok(())
            }
            Err(ActionError::Storage(e)) => Err(EngineError::Storage(e)),
        }
    }

    async fn run_action(
        &mut self,
        conv: &mut Conversation,
        s: &Session,
        data: &str,
    ) -> Result<(), ActionError> {
        let p = self.engine.programme.provider();
        let lang = self.lang;
        let back = self.engine.back_to_menu(lang);
        match data {
            cb::MENU => self.menu(conv),
            cb::BALANCE => {
                let b = p.balance(s).await?;
                let mut text = self.engine.text(
                    lang,
                    "balance",
                    &[("available", &format::points(lang, b.available))],
                );
                if !b.pending.is_zero() {
                    text = text.line().append(self.engine.text(
                        lang,
                        "balance_pending",
                        &[("pending", &format::points(lang, b.pending))],
                    ));
                }
                if let Some(level) = &b.level {
                    text = text.line().append(self.engine.text(
                        lang,
                        "balance_level",
                        &[("level", &level.name)],
                    ));
                }
                for burn in &b.burns {
                    text = text.line().append(self.engine.text(
                        lang,
                        "balance_burn",
                        &[
                            ("amount", &format::points(lang, burn.amount)),
                            ("date", &fmt_time(Some(burn.at))),
                        ],
                    ));
                }
                for extra in b.extra.iter().filter(|a| !a.value.is_zero()) {
                    let label = extra.label.clone().unwrap_or_else(|| extra.key.clone());
                    text = text.line().append(self.engine.text(
                        lang,
                        "balance_extra",
                        &[
                            ("label", &label),
                            ("value", &format::number(lang, extra.value)),
                        ],
                    ));
                }
                self.replies.push(Reply::new(text).with(back));
            }
            d if d == cb::HISTORY || d.starts_with(cb::HISTORY_PAGE) => {
                let offset = d
                    .strip_prefix(cb::HISTORY_PAGE)
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(0);
                let page = p
                    .bonus_history(s, PageRequest::new(offset, PAGE_SIZE))
                    .await?;
                if page.items.is_empty() {
                    self.say_with("history_empty", &[], back);
                    return Ok(());
                }
                let mut text = RichText::new();
                for (i, e) in page.items.iter().enumerate() {
                    if i > 0 {
                        text = text.line();
                    }
                    text = text.append(self.engine.text(
                        lang,
                        "history_line",
                        &[
                            ("date", &fmt_time(e.at)),
                            ("earned", &format::number(lang, e.earned)),
                            ("spent", &format::number(lang, e.spent)),
                            ("reason", e.reason.as_deref().unwrap_or("")),
                        ],
                    ));
                }
                let mut row = vec![Button::callback(
                    self.engine.texts.get(lang, "button_back"),
                    cb::MENU,
                )];
                if let Some(next) = page.next {
                    row.push(Button::callback(
                        self.engine.texts.get(lang, "button_more"),
                        format!("{}{}", cb::HISTORY_PAGE, next.offset),
                    ));
                }
                self.replies
                    .push(Reply::new(text).with(Keyboard::inline(vec![row])));
            }
            d if d == cb::PURCHASES || d.starts_with(cb::PURCHASES_PAGE) => {
                let offset = d
                    .strip_prefix(cb::PURCHASES_PAGE)
                    .and_then(|o| o.parse().ok())
                    .unwrap_or(0);
                let page = p.purchases(s, PageRequest::new(offset, PAGE_SIZE)).await?;
                if page.items.is_empty() {
                    self.say_with("purchases_empty", &[], back);
                    return Ok(());
                }
                let mut rows: Vec<Vec<Button>> = page
                    .items
                    .iter()
                    .map(|pu| {
                        let label = self.engine.texts.format(
                            lang,
                            "purchase_line",
                            &[
                                ("date", &fmt_time(pu.at)),
                                ("store", pu.store_name.as_deref().unwrap_or("")),
                                ("sum", &self.engine.money(lang, pu.sum)),
                            ],
                        );
                        vec![Button::callback(
                            label,
                            format!("{}{}", cb::PURCHASE, pu.id),
                        )]
                    })
                    .collect();
                let mut nav = vec![Button::callback(
                    self.engine.texts.get(lang, "button_back"),
                    cb::MENU,
                )];
                if let Some(next) = page.next {
                    nav.push(Button::callback(
                        self.engine.texts.get(lang, "button_more"),
                        format!("{}{}", cb::PURCHASES_PAGE, next.offset),
                    ));
                }
                rows.push(nav);
                self.say_with("button_purchases", &[], Keyboard::inline(rows));
            }
            d if d.starts_with(cb::PURCHASE) && d != cb::EDIT_EMAIL => {
                let id = &d[cb::PURCHASE.len()..];
                let detail = p.purchase(s, id).await?;
                let pu = &detail.purchase;
                let store = [pu.store_name.as_deref(), pu.store_address.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", ");
                let mut text = self.engine.text(
                    lang,
                    "purchase_detail",
                    &[
                        ("date", &fmt_time(pu.at)),
                        ("store", &store),
                        ("sum", &self.engine.money(lang, pu.sum)),
                        (
                            "discount",
                            &self.engine.money(lang, detail.discount.unwrap_or_default()),
                        ),
                        ("spent", &format::number(lang, pu.bonuses_spent)),
                        ("earned", &format::number(lang, pu.bonuses_earned)),
                    ],
                );
                for l in &detail.lines {
                    text = text.line().append(
                        self.engine.text(
                            lang,
                            "purchase_item",
                            &[
                                ("name", &l.name),
                                ("quantity", &format::number(lang, l.quantity)),
                                (
                                    "price",
                                    &l.unit_price
                                        .map(|p| self.engine.money(lang, p))
                                        .unwrap_or_default(),
                                ),
                                ("total", &self.engine.money(lang, l.total)),
                            ],
                        ),
                    );
                }
                let kb = match &self.engine.programme {
                    Programme::BonusMoney { .. } => Keyboard::inline(vec![
                        vec![Button::callback(
                            self.engine.texts.get(lang, "button_review"),
                            format!("{}{}", cb::REVIEW, pu.id),
                        )],
                        vec![Button::callback(
                            self.engine.texts.get(lang, "button_back"),
                            cb::MENU,
                        )],
                    ]),
                    Programme::Ergo { .. } | Programme::Generic { .. } => back,
                };
                self.replies.push(Reply::new(text).with(kb));
            }
            d if d.starts_with(cb::REVIEW) => {
                conv.step = Step::AwaitReview {
                    order_id: d[cb::REVIEW.len()..].to_owned(),
                };
                self.say("review_ask", &[]);
            }
            cb::PROMOTIONS => {
                let list = p.promotions(s).await?;
                if list.is_empty() {
                    self.say_with("promotions_empty", &[], back);
                } else {
                    let mut text = RichText::new();
                    for (i, pr) in list.iter().enumerate() {
                        if i > 0 {
                            text = text.line().line();
                        }
                        text = text.bold(pr.title.clone());
                        if let Some(d) = &pr.description {
                            text = text.line().text(d.clone());
                        }
                    }
                    self.replies.push(Reply::new(text).with(back));
                }
            }
            cb::NEWS => {
                let mut items = p
                    .news(s, PageRequest::first(PAGE_SIZE))
                    .await
                    .map(|pg| pg.items)
                    .unwrap_or_default();
                items.extend(p.notices(s, PageRequest::first(PAGE_SIZE)).await?.items);
                if items.is_empty() {
                    self.say_with("news_empty", &[], back);
                } else {
                    let mut text = RichText::new();
                    for (i, n) in items.iter().enumerate() {
                        if i > 0 {
                            text = text.line().line();
                        }
                        if let Some(t) = &n.title {
                            text = text.bold(t.clone()).line();
                        }
                        text = text.text(n.text.clone());
                    }
                    self.replies.push(Reply::new(text).with(back));
                }
            }
            cb::PROFILE => {
                let c = p.profile(s).await?;
                let text = self.engine.text(
                    lang,
                    "profile",
                    &[
                        ("name", &c.display_name()),
                        ("phone", c.phone.as_ref().map(Phone::e164).unwrap_or("")),
                        ("email", c.email.as_deref().unwrap_or("")),
                        (
                            "birth_date",
                            &c.birth_date
                                .map(|d| d.format("%d.%m.%Y").to_string())
                                .unwrap_or_default(),
                        ),
                    ],
                );
                let kb = Keyboard::inline(vec![
                    vec![Button::callback("✏️ E-mail", cb::EDIT_EMAIL)],
                    vec![Button::callback(
                        self.engine.texts.get(lang, "button_back"),
                        cb::MENU,
                    )],
                ]);
                self.replies.push(Reply::new(text).with(kb));
            }
            cb::EDIT_EMAIL => {
                conv.step = Step::AwaitEmail;
                self.say("profile_ask_email", &[]);
            }
            cb::ABOUT => self.say_with("about", &[("terms_link", ERGO_TERMS_LINK)], back),
            cb::SUPPORT => {
                conv.step = Step::AwaitQuestion;
                self.say("support_ask", &[]);
            }
            cb::QUICK => {
                conv.step = Step::AwaitSerial;
                self.say("ask_serial", &[]);
            }
            cb::FULL => self.choose_action(s).await?,
            d if d.starts_with(cb::ACTION) => {
                let id = d[cb::ACTION.len()..].parse().unwrap_or(0);
                self.choose_model(s, id).await?;
            }
            d if d.starts_with(cb::MODEL) => {
                let mut it = d[cb::MODEL.len()..]
                    .split(':')
                    .map(|x| x.parse::<u64>().unwrap_or(0));
                let (action_id, model_id) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
                conv.step = Step::AwaitModelSerial {
                    action_id,
                    model_id,
                };
                self.say("ask_serial", &[]);
            }
            d if d.starts_with(cb::TRADE_POINT) => {
                let tt = d[cb::TRADE_POINT.len()..].parse::<u64>().ok();
                match (conv.step.clone(), tt) {
                    (
                        Step::ChooseTradePoint {
                            action_id,
                            model_id,
                            serial,
                            captured_at,
                        },
                        Some(tt),
                    ) => {
                        let (needs_tt, needs_photo) = self.model_needs(action_id, model_id);
                        let p = PendingModel {
                            action_id,
                            model_id,
                            serial,
                            captured_at,
                            trade_point: Some(tt),
                            photo: None,
                        };
                        self.continue_model(conv, s, p, needs_tt, needs_photo)
                            .await?;
                    }
                    _ => self.say("unknown_input", &[]),
                }
            }
            cb::AGAIN => match conv.step {
                Step::AwaitSerial | Step::AwaitModelSerial { .. } => self.say("ask_serial", &[]),
                _ => self.menu(conv),
            },
            _ => {
                self.say("unknown_input", &[]);
                self.menu(conv);
            }
        }
        Ok(())
    }

    fn ergo(&self) -> Option<(&ErgoClient, &ActionsCache)> {
        match &self.engine.programme {
            Programme::Ergo { client, actions } => Some((client, actions.as_ref())),
            Programme::BonusMoney { .. } | Programme::Generic { .. } => None,
        }
    }

    async fn choose_action(&mut self, s: &Session) -> Result<(), ActionError> {
        let Some((_, cache)) = self.ergo() else {
            self.say("not_supported", &[]);
            return Ok(());
        };
        let actions = cache.get(s).await?;
        let mut rows: Vec<Vec<Button>> = actions
            .actions
            .iter()
            .filter(|a| !a.models.is_empty())
            .map(|a| {
                vec![Button::callback(
                    a.action_name
                        .clone()
                        .unwrap_or_else(|| a.action_id.to_string()),
                    format!("{}{}", cb::ACTION, a.action_id),
                )]
            })
            .collect();
        rows.push(vec![Button::callback(
            self.engine.texts.get(self.lang, "button_back"),
            cb::MENU,
        )]);
        self.say_with("choose_action", &[], Keyboard::inline(rows));
        Ok(())
    }

    async fn choose_model(&mut self, s: &Session, action_id: u64) -> Result<(), ActionError> {
        let Some((_, cache)) = self.ergo() else {
            self.say("not_supported", &[]);
            return Ok(());
        };
        let actions = cache.get(s).await?;
        let Some(action) = actions.action(action_id) else {
            self.say("unknown_input", &[]);
            return Ok(());
        };
        let mut rows: Vec<Vec<Button>> = action
            .models
            .iter()
            .map(|m| {
                let name = m
                    .model_name
                    .clone()
                    .unwrap_or_else(|| m.model_id.to_string());
                vec![Button::callback(
                    format!("{name} (+{})", format::number(self.lang, m.model_points)),
                    format!("{}{}:{}", cb::MODEL, action_id, m.model_id),
                )]
            })
            .collect();
        rows.push(vec![Button::callback(
            self.engine.texts.get(self.lang, "button_back"),
            cb::FULL,
        )]);
        self.say_with("choose_model", &[], Keyboard::inline(rows));
        Ok(())
    }

    /// No session: remember `action` and ask for the phone; the action runs after the login.
    fn need_login(&mut self, conv: &mut Conversation, action: &str) -> Result<(), EngineError> {
        conv.resume = Some(action.to_owned());
        conv.step = Step::AwaitPhone;
        self.replies.push(self.engine.ask_phone(self.lang, ""));
        Ok(())
    }

    fn registration_outcome(
        &mut self,
        conv: &mut Conversation,
        out: Result<SnOutcome, LoyaltyError>,
        again: Step,
    ) -> Option<LoyaltyError> {
        let another = Keyboard::inline(vec![
            vec![Button::callback(
                self.engine.texts.get(self.lang, "button_another"),
                cb::AGAIN,
            )],
            vec![Button::callback(
                self.engine.texts.get(self.lang, "button_support"),
                cb::SUPPORT,
            )],
            vec![Button::callback(
                self.engine.texts.get(self.lang, "button_back"),
                cb::MENU,
            )],
        ]);
        match out {
            Ok(SnOutcome::Registered(r)) => {
                let (model, points) = self.model_info(r.action_id, r.model_id);
                self.say_with(
                    "registration_ok",
                    &[("model", &model), ("points", &points)],
                    another,
                );
                conv.step = again;
                None
            }
            Ok(SnOutcome::NeedsClarification {
                action_id,
                model_id,
                ..
            }) => {
                let (model, _) = self.model_info(action_id, model_id);
                let kb = Keyboard::inline(vec![
                    vec![Button::callback(
                        self.engine.texts.get(self.lang, "button_full_registration"),
                        cb::FULL,
                    )],
                    vec![Button::callback(
                        self.engine.texts.get(self.lang, "button_back"),
                        cb::MENU,
                    )],
                ]);
                self.say_with("registration_clarify", &[("model", &model)], kb);
                conv.step = Step::Menu;
                None
            }
            Ok(_) => {
                self.say("try_later", &[]);
                None
            }
            Err(LoyaltyError::SessionExpired { .. }) => Some(LoyaltyError::SessionExpired {
                detail: loyalty_core::ProviderDetail::message("session expired"),
            }),
            Err(e @ LoyaltyError::OutcomeUnknown { .. }) => {
                self.failed(&e);
                None
            }
            Err(e) => {
                let reason = e
                    .provider_detail()
                    .map(|d| d.message.clone())
                    .filter(|m| !m.is_empty())
                    .unwrap_or_else(|| {
                        tracing::warn!(error = %e, "a registration failed");
                        self.engine
                            .texts
                            .get(self.lang, "reason_unknown")
                            .to_owned()
                    });
                self.say_with("registration_error", &[("reason", &reason)], another);
                conv.step = again;
                None
            }
        }
    }

    fn model_info(&self, action_id: Option<u64>, model_id: Option<u64>) -> (String, String) {
        let cached = self.ergo().and_then(|(_, c)| c.cached());
        let model = cached
            .as_ref()
            .zip(action_id.zip(model_id))
            .and_then(|(a, (ai, mi))| a.model(ai, mi).cloned());
        match model {
            Some(m) => (
                m.model_name.unwrap_or_else(|| m.model_id.to_string()),
                format::points(self.lang, m.model_points),
            ),
            None => (
                model_id.map(|m| m.to_string()).unwrap_or_default(),
                format::points(self.lang, Decimal::ZERO),
            ),
        }
    }

    async fn register_serial(
        &mut self,
        conv: &mut Conversation,
        serial: &str,
    ) -> Result<(), EngineError> {
        let Some((client, cache)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say("not_supported", &[]);
            return Ok(());
        };
        let Some(session) = self.session.clone() else {
            return self.need_login(conv, cb::QUICK);
        };
        // Fill the cache so the reply can name the model.
        let _ = cache.get(&session).await;
        let out = client.post_sn(&session, serial).await;
        if let Some(LoyaltyError::SessionExpired { .. }) =
            self.registration_outcome(conv, out, Step::AwaitSerial)
        {
            self.session_expired(conv, cb::QUICK).await?;
        }
        Ok(())
    }

    async fn model_serial(
        &mut self,
        conv: &mut Conversation,
        action_id: u64,
        model_id: u64,
        serial: &str,
    ) -> Result<(), EngineError> {
        let Some((_, cache)) = self.ergo() else {
            self.say("not_supported", &[]);
            return Ok(());
        };
        let Some(session) = self.session.clone() else {
            return self.need_login(conv, cb::FULL);
        };
        let model = match cache.get(&session).await {
            Ok(a) => a.model(action_id, model_id).cloned(),
            Err(LoyaltyError::SessionExpired { .. }) => {
                return self.session_expired(conv, cb::FULL).await;
            }
            Err(e) => {
                self.failed(&e);
                return Ok(());
            }
        };
        let captured_at = Utc::now().naive_utc();
        let (needs_tt, needs_photo) = model
            .as_ref()
            .map_or((false, false), |m| (m.model_tt, m.model_photo));
        let pending = PendingModel {
            action_id,
            model_id,
            serial: serial.to_owned(),
            captured_at,
            trade_point: None,
            photo: None,
        };
        self.continue_model(conv, &session, pending, needs_tt, needs_photo)
            .await
    }

    /// Asks for what the model still needs (trade point, then product photo), or registers.
    async fn continue_model(
        &mut self,
        conv: &mut Conversation,
        session: &Session,
        p: PendingModel,
        needs_tt: bool,
        needs_photo: bool,
    ) -> Result<(), EngineError> {
        if needs_tt && p.trade_point.is_none() {
            let points = match self.ergo() {
                Some((client, _)) => match client.get_profile(session).await {
                    Ok(profile) => profile.trade_points,
                    Err(LoyaltyError::SessionExpired { .. }) => {
                        return self.session_expired(conv, cb::FULL).await;
                    }
                    Err(e) => {
                        self.failed(&e);
                        return Ok(());
                    }
                },
                None => Vec::new(),
            };
            match points.as_slice() {
                // One trade point: no question to ask. None: ERGO will say what is missing.
                [only] => {
                    let p = PendingModel {
                        trade_point: Some(only.tt_id),
                        ..p
                    };
                    return Box::pin(self.continue_model(conv, session, p, needs_tt, needs_photo))
                        .await;
                }
                [] => {}
                many => {
                    let rows = many
                        .iter()
                        .map(|tt| {
                            vec![Button::callback(
                                tt.tt_name.clone().unwrap_or_else(|| tt.tt_id.to_string()),
                                format!("{}{}", cb::TRADE_POINT, tt.tt_id),
                            )]
                        })
                        .collect();
                    conv.step = Step::ChooseTradePoint {
                        action_id: p.action_id,
                        model_id: p.model_id,
                        serial: p.serial,
                        captured_at: p.captured_at,
                    };
                    self.say_with("choose_trade_point", &[], Keyboard::inline(rows));
                    return Ok(());
                }
            }
        }
        if needs_photo && p.photo.is_none() {
            conv.step = Step::AwaitProductPhoto {
                action_id: p.action_id,
                model_id: p.model_id,
                serial: p.serial,
                captured_at: p.captured_at,
                trade_point: p.trade_point,
            };
            self.say("ask_product_photo", &[]);
            return Ok(());
        }
        let mut reg = SnModelRegistration::new(p.action_id, p.model_id, p.serial, p.captured_at);
        if let Some(tt) = p.trade_point {
            reg = reg.trade_point(tt);
        }
        if let Some(photo) = p.photo {
            reg = reg.photo(photo);
        }
        self.submit_model(conv, session, reg, p.action_id, p.model_id)
            .await
    }

    /// The model's needs (trade point, photo) from the cached actions.
    fn model_needs(&self, action_id: u64, model_id: u64) -> (bool, bool) {
        self.ergo()
            .and_then(|(_, c)| c.cached())
            .and_then(|a| {
                a.model(action_id, model_id)
                    .map(|m| (m.model_tt, m.model_photo))
            })
            .unwrap_or((false, false))
    }

    async fn submit_model(
        &mut self,
        conv: &mut Conversation,
        session: &Session,
        reg: SnModelRegistration,
        action_id: u64,
        model_id: u64,
    ) -> Result<(), EngineError> {
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            return Ok(());
        };
        let out = client.post_sn_model(session, &reg).await;
        if let Some(LoyaltyError::SessionExpired { .. }) = self.registration_outcome(
            conv,
            out,
            Step::AwaitModelSerial {
                action_id,
                model_id,
            },
        ) {
            self.session_expired(conv, cb::FULL).await?;
        }
        Ok(())
    }

    async fn photo(
        &mut self,
        conv: &mut Conversation,
        file: &messenger_core::FileRef,
        caption: Option<&str>,
    ) -> Result<(), EngineError> {
        // Nothing is downloaded unless the dialogue waits for a picture, and never a file the
        // platform says is larger than any photo the bot needs.
        let wanted = matches!(
            conv.step,
            Step::AwaitSerial
                | Step::AwaitModelSerial { .. }
                | Step::AwaitProductPhoto { .. }
                | Step::AwaitQuestion
        );
        if !wanted {
            self.say("photo_not_expected", &[]);
            return Ok(());
        }
        if file.size.is_some_and(|size| size > MAX_PHOTO_BYTES) {
            let reason = self.engine.texts.get(self.lang, "reason_photo_too_large");
            self.say("photo_unreadable", &[("reason", reason)]);
            return Ok(());
        }
        let bytes = match self.messenger.download(file).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot download a user's file");
                let reason = self.engine.texts.get(self.lang, "reason_photo_download");
                self.say("photo_unreadable", &[("reason", reason)]);
                return Ok(());
            }
        };
        match conv.step.clone() {
            Step::AwaitSerial | Step::AwaitModelSerial { .. } => {
                let scanned = match barcode::scan_async(bytes.clone()).await {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::info!(error = %e, "a photo is not a readable image");
                        let reason = self.engine.texts.get(self.lang, "reason_photo_format");
                        self.say("photo_unreadable", &[("reason", reason)]);
                        return Ok(());
                    }
                };
                let Some(found) = scanned else {
                    self.say("barcode_not_found", &[]);
                    return Ok(());
                };
                self.say("serial_read", &[("serial", &found.text)]);
                match conv.step.clone() {
                    Step::AwaitModelSerial {
                        action_id,
                        model_id,
                    } => {
                        self.model_serial(conv, action_id, model_id, &found.text)
                            .await
                    }
                    _ => self.register_serial(conv, &found.text).await,
                }
            }
            Step::AwaitProductPhoto {
                action_id,
                model_id,
                serial,
                captured_at,
                trade_point,
            } => {
                let Some(session) = self.session.clone() else {
                    return self.need_login(conv, cb::FULL);
                };
                let name = file
                    .file_name
                    .clone()
                    .unwrap_or_else(|| "photo.jpg".to_owned());
                let mime = file
                    .mime_type
                    .clone()
                    .unwrap_or_else(|| "image/jpeg".to_owned());
                let (needs_tt, needs_photo) = self.model_needs(action_id, model_id);
                let p = PendingModel {
                    action_id,
                    model_id,
                    serial,
                    captured_at,
                    trade_point,
                    photo: Some(Photo::new(bytes.to_vec(), name, mime)),
                };
                self.continue_model(conv, &session, p, needs_tt, needs_photo)
                    .await
            }
            Step::AwaitQuestion => {
                let name = file
                    .file_name
                    .clone()
                    .unwrap_or_else(|| "photo.jpg".to_owned());
                let mime = file
                    .mime_type
                    .clone()
                    .unwrap_or_else(|| "image/jpeg".to_owned());
                let photo = Photo::new(bytes.to_vec(), name, mime);
                self.ask_question(conv, caption.unwrap_or("(photo)"), Some(photo))
                    .await
            }
            _ => {
                self.say("unknown_input", &[]);
                Ok(())
            }
        }
    }

    async fn ask_question(
        &mut self,
        conv: &mut Conversation,
        text: &str,
        photo: Option<Photo>,
    ) -> Result<(), EngineError> {
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say("not_supported", &[]);
            conv.step = Step::Menu;
            return Ok(());
        };
        let Some(session) = self.session.clone() else {
            return self.need_login(conv, cb::SUPPORT);
        };
        match client.post_question(&session, text, photo.as_ref()).await {
            Ok(_) => {
                self.say("support_sent", &[]);
                self.menu(conv);
            }
            Err(LoyaltyError::SessionExpired { .. }) => {
                self.session_expired(conv, cb::SUPPORT).await?
            }
            Err(e) => self.failed(&e),
        }
        Ok(())
    }

    async fn review(
        &mut self,
        conv: &mut Conversation,
        order_id: &str,
        text: &str,
    ) -> Result<(), EngineError> {
        let Programme::BonusMoney { client } = &self.engine.programme else {
            self.say("not_supported", &[]);
            conv.step = Step::Menu;
            return Ok(());
        };
        let client = client.clone();
        let Some(session) = self.session.clone() else {
            return self.need_login(conv, cb::PURCHASES);
        };
        let mut chars = text.trim().chars();
        let star = chars
            .next()
            .and_then(|c| c.to_digit(10))
            .filter(|d| (1..=5).contains(d));
        let Some(star) = star.and_then(|d| u8::try_from(d).ok()) else {
            self.say("review_ask", &[]);
            return Ok(());
        };
        let comment = chars.as_str().trim();
        let mut req =
            loyalty_bonusmoney::requests::SetCommentRequest::new(order_id.to_owned(), star);
        if !comment.is_empty() {
            req = req.text(comment);
        }
        match client.set_comment(session.token(), &req).await {
            Ok(()) => {
                self.say("review_saved", &[]);
                self.menu(conv);
            }
            Err(LoyaltyError::SessionExpired { .. }) => {
                self.session_expired(conv, &format!("{}{order_id}", cb::REVIEW))
                    .await?;
            }
            Err(e @ LoyaltyError::InvalidInput { .. }) => {
                // BonusMoney documents no error codes: whether the purchase already has a
                // review is read from the purchase itself.
                let reviewed = client
                    .get_transaction(
                        session.token(),
                        &loyalty_bonusmoney::requests::GetTransactionRequest::new(order_id),
                    )
                    .await
                    .is_ok_and(|t| t.comment.is_some());
                if reviewed {
                    self.say("review_exists", &[]);
                } else {
                    tracing::info!(error = %e, "a review was refused");
                    self.say("review_refused", &[]);
                }
                self.menu(conv);
            }
            Err(e) => self.failed(&e),
        }
        Ok(())
    }

    async fn update_email(
        &mut self,
        conv: &mut Conversation,
        email: &str,
    ) -> Result<(), EngineError> {
        let Some(session) = self.session.clone() else {
            return self.need_login(conv, cb::PROFILE);
        };
        let patch = loyalty_core::ProfilePatch::new().email(email);
        match self
            .engine
            .programme
            .provider()
            .update_profile(&session, &patch)
            .await
        {
            Ok(_) => {
                self.say("profile_saved", &[]);
                self.menu(conv);
            }
            Err(LoyaltyError::SessionExpired { .. }) => {
                self.session_expired(conv, cb::PROFILE).await?
            }
            Err(e @ LoyaltyError::InvalidInput { .. }) => {
                tracing::info!(error = %e, "an e-mail was refused");
                self.say("email_refused", &[]);
            }
            Err(e) => self.failed(&e),
        }
        Ok(())
    }
}

/// A full registration being put together.
struct PendingModel {
    action_id: u64,
    model_id: u64,
    serial: String,
    captured_at: NaiveDateTime,
    trade_point: Option<u64>,
    photo: Option<Photo>,
}

/// Errors of a menu action.
enum ActionError {
    Loyalty(LoyaltyError),
    Storage(StorageError),
}

impl From<LoyaltyError> for ActionError {
    fn from(e: LoyaltyError) -> Self {
        Self::Loyalty(e)
    }
}

impl From<EngineError> for ActionError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Storage(s) => Self::Storage(s),
        }
    }
}

impl From<StorageError> for ActionError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}
