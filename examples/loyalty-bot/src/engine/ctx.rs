//! One handling of one update: routes it by kind and by the conversation's step to the flows,
//! dispatches button [`Action`]s, and is the one place that turns a flow's failure into a
//! reply ([`Ctx::settle`]): no session or an expired one logs the user in again and then
//! resumes the action.

use chrono::NaiveDateTime;
use loyalty_core::{LoyaltyError, Session};
use messenger_core::{Keyboard, Messenger, UpdateKind};

use super::{Action, Conversation, Engine, EngineError, Reply, Step};
use crate::storage::{ChatKey, StorageError};
use crate::texts::{Lang, TextKey};

/// The state of one handling.
pub(super) struct Ctx<'a> {
    pub(super) engine: &'a Engine,
    pub(super) messenger: &'a dyn Messenger,
    pub(super) key: &'a ChatKey,
    pub(super) lang: Lang,
    pub(super) session: Option<Session>,
    pub(super) replies: Vec<Reply>,
    /// Writes committed with the update's completion.
    pub(super) writes: Vec<messenger_runtime::Write>,
}

/// Why a flow stopped short; [`Ctx::settle`] tells the user.
pub(super) enum FlowError {
    /// The chat is not logged in.
    NoSession,
    /// The loyalty programme failed (an expired session among others).
    Loyalty(LoyaltyError),
    /// The database failed (the update is retried).
    Storage(StorageError),
}

impl From<LoyaltyError> for FlowError {
    fn from(e: LoyaltyError) -> Self {
        Self::Loyalty(e)
    }
}

impl From<StorageError> for FlowError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

impl From<EngineError> for FlowError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Storage(s) => Self::Storage(s),
        }
    }
}

/// What a flow returns.
pub(super) type Flow = Result<(), FlowError>;

/// A date and time as the bot shows it (`31.12.2026 23:59`), empty when unknown.
pub(super) fn fmt_time(t: Option<NaiveDateTime>) -> String {
    t.map(|t| t.format("%d.%m.%Y %H:%M").to_string())
        .unwrap_or_default()
}

/// The action to run again after a re-login when `action` found the session expired: a trade
/// point is chosen in the middle of a full registration, which starts again.
fn resumed_as(action: &Action) -> Action {
    match action {
        Action::TradePoint { .. } => Action::FullRegistration,
        other => other.clone(),
    }
}

impl Ctx<'_> {
    /// Replies with the text `key`.
    pub(super) fn say(&mut self, key: TextKey, args: &[(&str, &str)]) {
        let text = self.engine.text(self.lang, key, args);
        self.replies.push(Reply::new(text));
    }

    /// Replies with the text `key` and a keyboard.
    pub(super) fn say_with(&mut self, key: TextKey, args: &[(&str, &str)], keyboard: Keyboard) {
        let text = self.engine.text(self.lang, key, args);
        self.replies.push(Reply::new(text).with(keyboard));
    }

    /// The template of the text `key` in the chat's language.
    pub(super) fn label(&self, key: TextKey) -> &str {
        self.engine.texts.get(self.lang, key)
    }

    /// A button labelled with the text `key` that runs `action`.
    pub(super) fn button(&self, key: TextKey, action: &Action) -> messenger_core::Button {
        self.engine.button(self.lang, key, action)
    }

    /// Back to the main menu.
    pub(super) fn menu(&mut self, conv: &mut Conversation) {
        conv.step = Step::Menu;
        self.replies.push(self.engine.menu(self.lang));
    }

    /// The chat's session, or [`FlowError::NoSession`].
    pub(super) fn session(&self) -> Result<Session, FlowError> {
        self.session.clone().ok_or(FlowError::NoSession)
    }

    /// Routes one update by its kind.
    pub(super) async fn dispatch(
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
            UpdateKind::Command { name: cmd, .. } => self.command(conv, cmd, name).await?,
            UpdateKind::Contact(c) => {
                if c.is_own {
                    self.phone_given(conv, &c.phone, true).await?;
                } else if self.vouches_for_contacts() {
                    // The platform tells whose number a contact is: this one is someone else's.
                    self.say(TextKey::PhoneNotOwn, &[]);
                } else {
                    // The platform cannot tell (Viber: a contact card carries only a name and a
                    // number): the number counts as typed, never as proven.
                    self.phone_given(conv, &c.phone, false).await?;
                }
            }
            UpdateKind::ButtonPress(p) => match Action::parse(&p.data) {
                Some(action) => self.act(conv, action).await?,
                // Data the bot never sent: nothing to resume after a login.
                None if self.session.is_none() => self.need_login(conv, None),
                None => {
                    self.say(TextKey::UnknownInput, &[]);
                    self.menu(conv);
                }
            },
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

    async fn command(
        &mut self,
        conv: &mut Conversation,
        cmd: &str,
        name: &str,
    ) -> Result<(), EngineError> {
        match cmd {
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
            _ => self.say(TextKey::UnknownInput, &[]),
        }
        Ok(())
    }

    /// Routes typed text by the conversation's step.
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
            Step::AwaitSerial => {
                let done = self.register_serial(conv, text).await;
                self.settle(conv, &Action::QuickRegistration, done).await?;
            }
            Step::AwaitModelSerial {
                action_id,
                model_id,
            } => {
                let done = self.model_serial(conv, action_id, model_id, text).await;
                self.settle(conv, &Action::FullRegistration, done).await?;
            }
            Step::AwaitQuestion => {
                let done = self.ask_question(conv, text, None).await;
                self.settle(conv, &Action::Support, done).await?;
            }
            Step::AwaitEmail => {
                let done = self.update_email(conv, text).await;
                self.settle(conv, &Action::Profile, done).await?;
            }
            Step::AwaitReview { order_id } => {
                let done = self.review(conv, &order_id, text).await;
                self.settle(conv, &Action::Review { order_id }, done)
                    .await?;
            }
            Step::AwaitSellerField { field } => {
                let done = self.seller_field_given(conv, field, text).await;
                self.settle(conv, &Action::EditSellerField { field }, done)
                    .await?;
            }
            // Customers
            Step::SignUp { .. }
            | Step::AwaitProfileField { .. }
            | Step::AwaitCall { .. }
            | Step::AwaitCaptcha { .. } => self.customer_text(conv, text).await?,
            Step::Survey { survey, question } => {
                self.survey_text(conv, survey, question, text).await?;
            }
            Step::AwaitProductPhoto { .. } => self.say(TextKey::AskProductPhoto, &[]),
            Step::ChooseTradePoint { .. } => self.say(TextKey::ChooseTradePoint, &[]),
            Step::Menu => {
                if self.session.is_some() {
                    self.say(TextKey::UnknownInput, &[]);
                    self.menu(conv);
                } else {
                    conv.step = Step::AwaitPhone;
                    self.replies.push(self.engine.ask_phone(self.lang, name));
                }
            }
        }
        Ok(())
    }

    /// Runs a button's `action` (or one resumed after a login) and settles its outcome.
    pub(super) async fn act(
        &mut self,
        conv: &mut Conversation,
        action: Action,
    ) -> Result<(), EngineError> {
        let done = self.run(conv, &action).await;
        self.settle(conv, &action, done).await
    }

    /// The dispatcher: every action to the flow that runs it.
    async fn run(&mut self, conv: &mut Conversation, action: &Action) -> Flow {
        if let Some(done) = self.survey_action(conv, action).await {
            return done.map_err(FlowError::from);
        }
        if let Some(done) = self.run_before_login(conv, action).await {
            return done.map_err(FlowError::from);
        }
        let s = self.session()?;
        match action {
            Action::Menu => self.menu(conv),
            Action::Balance => self.balance(&s).await?,
            Action::History { offset } => self.history(&s, *offset).await?,
            Action::Purchases { offset } => self.purchases(&s, *offset).await?,
            Action::Purchase { id } => self.purchase(&s, id).await?,
            Action::Review { order_id } => self.review_ask(conv, order_id),
            Action::Promotions => self.promotions(&s).await?,
            Action::News if self.ergo().is_some() => self.ergo_news(&s, 0).await?,
            Action::News => self.news(&s).await?,
            Action::Profile if self.ergo().is_some() => self.seller_profile(&s).await?,
            Action::Profile => self.profile(&s).await?,
            Action::EditEmail => self.edit_field(conv, super::fields::ProfileField::Email),
            Action::About => self.about(),
            Action::Support if self.engine.options.live_chat => self.support_live(conv).await?,
            Action::Support => self.support_ask(conv),
            // The dialogue ended already (the relay handles the button while one is open).
            Action::SupportEnd => self.menu(conv),
            Action::QuickRegistration => self.quick_registration(conv),
            Action::FullRegistration => self.choose_action(&s).await?,
            Action::ErgoAction { action_id } => self.choose_model(&s, *action_id).await?,
            Action::Model {
                action_id,
                model_id,
            } => self.model_chosen(conv, *action_id, *model_id),
            Action::TradePoint { id } => self.trade_point(conv, &s, *id).await?,
            Action::Again => self.again(conv),
            Action::Registrations { offset } => self.registrations(&s, *offset).await?,
            Action::EditSellerField { field } => self.edit_seller_field(conv, *field),
            Action::NewsPage { offset } => self.ergo_news(&s, *offset).await?,
            Action::Article { id } => self.article(&s, *id).await?,
            // Customers
            Action::Gender { .. }
            | Action::SkipField
            | Action::EditField { .. }
            | Action::CallDone
            | Action::Card
            | Action::Levels
            | Action::Company
            | Action::Reviews
            | Action::DeleteAccount
            | Action::DeleteConfirmed => self.run_customer(conv, &s, action).await?,
            // Run by `survey_action` above.
            Action::SurveyStart { .. }
            | Action::SurveySkip { .. }
            | Action::SurveyAnswer { .. } => {}
        }
        Ok(())
    }

    /// Tells the user how a flow ended, the one place that does: no session asks for the phone
    /// and an expired session logs out, and either runs `action` again after the login; any
    /// other loyalty failure is reported; a database failure is returned (the update is retried).
    pub(super) async fn settle(
        &mut self,
        conv: &mut Conversation,
        action: &Action,
        done: Flow,
    ) -> Result<(), EngineError> {
        match done {
            Ok(()) => Ok(()),
            Err(FlowError::NoSession) => {
                self.need_login(conv, Some(action.clone()));
                Ok(())
            }
            Err(FlowError::Loyalty(LoyaltyError::SessionExpired { .. })) => {
                self.session_expired(conv, resumed_as(action)).await
            }
            Err(FlowError::Loyalty(e)) => {
                self.failed(&e);
                Ok(())
            }
            Err(FlowError::Storage(e)) => Err(EngineError::Storage(e)),
        }
    }

    /// Reports a provider failure (not an expired session: see [`Ctx::settle`]).
    pub(super) fn failed(&mut self, e: &LoyaltyError) {
        match e {
            LoyaltyError::Unsupported { .. } => self.say(TextKey::NotSupported, &[]),
            LoyaltyError::OutcomeUnknown { .. } if self.ergo().is_some() => {
                // "Check the history of registrations": the button opens it.
                let kb = Keyboard::inline(vec![vec![self.button(
                    TextKey::ButtonRegistrations,
                    &Action::Registrations { offset: 0 },
                )]]);
                self.say_with(TextKey::RegistrationUnknown, &[], kb);
            }
            LoyaltyError::OutcomeUnknown { .. } => self.say(TextKey::RegistrationUnknown, &[]),
            other => {
                tracing::warn!(error = %other, "a loyalty call failed");
                self.say(TextKey::TryLater, &[]);
            }
        }
    }

    /// The session expired: logs out and asks for the phone; `action` runs after the login.
    async fn session_expired(
        &mut self,
        conv: &mut Conversation,
        action: Action,
    ) -> Result<(), EngineError> {
        self.engine.storage.clear_session(self.key).await?;
        self.session = None;
        conv.resume = Some(action);
        conv.step = Step::AwaitPhone;
        let share = self.label(TextKey::ButtonSharePhone).to_owned();
        self.say_with(
            TextKey::SessionExpired,
            &[],
            Keyboard::request_contact(share),
        );
        Ok(())
    }

    /// No session: remember `action` and ask for the phone; the action runs after the login.
    pub(super) fn need_login(&mut self, conv: &mut Conversation, action: Option<Action>) {
        conv.resume = action;
        conv.step = Step::AwaitPhone;
        self.replies.push(self.engine.ask_phone(self.lang, ""));
    }

    /// A photo or file: read as a barcode, a product photo or a support picture, depending on
    /// the step.
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
            self.say(TextKey::PhotoNotExpected, &[]);
            return Ok(());
        }
        if file.size.is_some_and(|size| size > super::MAX_PHOTO_BYTES) {
            let reason = self.label(TextKey::ReasonPhotoTooLarge).to_owned();
            self.say(TextKey::PhotoUnreadable, &[("reason", &reason)]);
            return Ok(());
        }
        let bytes = match self.messenger.download(file).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "cannot download a user's file");
                let reason = self.label(TextKey::ReasonPhotoDownload).to_owned();
                self.say(TextKey::PhotoUnreadable, &[("reason", &reason)]);
                return Ok(());
            }
        };
        let photo = || {
            let name = file
                .file_name
                .clone()
                .unwrap_or_else(|| "photo.jpg".to_owned());
            let mime = file
                .mime_type
                .clone()
                .unwrap_or_else(|| "image/jpeg".to_owned());
            loyalty_ergo::types::Photo::new(bytes.to_vec(), name, mime)
        };
        match conv.step.clone() {
            Step::AwaitSerial | Step::AwaitModelSerial { .. } => {
                let Some(serial) = self.scan_serial(bytes.clone()).await else {
                    return Ok(());
                };
                match conv.step.clone() {
                    Step::AwaitModelSerial {
                        action_id,
                        model_id,
                    } => {
                        let done = self.model_serial(conv, action_id, model_id, &serial).await;
                        self.settle(conv, &Action::FullRegistration, done).await
                    }
                    _ => {
                        let done = self.register_serial(conv, &serial).await;
                        self.settle(conv, &Action::QuickRegistration, done).await
                    }
                }
            }
            Step::AwaitProductPhoto {
                action_id,
                model_id,
                serial,
                captured_at,
                trade_point,
            } => {
                let pending = super::ergo::PendingModel {
                    action_id,
                    model_id,
                    serial,
                    captured_at,
                    trade_point,
                    photo: Some(photo()),
                };
                let done = self.product_photo(conv, pending).await;
                self.settle(conv, &Action::FullRegistration, done).await
            }
            Step::AwaitQuestion => {
                let done = self
                    .ask_question(conv, caption.unwrap_or("(photo)"), Some(photo()))
                    .await;
                self.settle(conv, &Action::Support, done).await
            }
            _ => {
                self.say(TextKey::UnknownInput, &[]);
                Ok(())
            }
        }
    }
}
