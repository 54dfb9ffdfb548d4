//! ERGO sellers' registrations of sales: quick (a serial, typed or read from a barcode photo)
//! and full (an action, a model, its serial, then the trade point and a product photo when the
//! model needs them).

use chrono::{NaiveDateTime, Utc};
use loyalty_core::{Decimal, LoyaltyError, Session};
use loyalty_ergo::types::{Photo, SnModelRegistration, SnOutcome};
use loyalty_ergo::{ActionsCache, ErgoClient, ErgoMethod};
use messenger_core::{Button, Keyboard};

use super::ctx::{Ctx, Flow};
use super::ergo_errors::{self, NextStep};
use super::{Action, Conversation, ERGO_SITE, Programme, Step};
use crate::barcode;
use crate::format;
use crate::texts::TextKey;

/// A full registration being put together.
pub(super) struct PendingModel {
    pub(super) action_id: u64,
    pub(super) model_id: u64,
    pub(super) serial: String,
    pub(super) captured_at: NaiveDateTime,
    pub(super) trade_point: Option<u64>,
    pub(super) photo: Option<Photo>,
}

impl Ctx<'_> {
    /// The ERGO client and its actions cache, when the programme is ERGO.
    pub(super) fn ergo(&self) -> Option<(&ErgoClient, &ActionsCache)> {
        match &self.engine.programme {
            Programme::Ergo { client, actions } => Some((client, actions.as_ref())),
            Programme::BonusMoney { .. } | Programme::Generic { .. } => None,
        }
    }

    /// Quick registration: asks for the serial.
    pub(super) fn quick_registration(&mut self, conv: &mut Conversation) {
        conv.step = Step::AwaitSerial;
        self.say(TextKey::AskSerial, &[]);
    }

    /// "Register another": asks for the next serial, or back to the menu.
    pub(super) fn again(&mut self, conv: &mut Conversation) {
        match conv.step {
            Step::AwaitSerial | Step::AwaitModelSerial { .. } => {
                self.say(TextKey::AskSerial, &[]);
            }
            _ => self.menu(conv),
        }
    }

    /// Full registration: the actions that have models.
    pub(super) async fn choose_action(&mut self, s: &Session) -> Flow {
        let Some((_, cache)) = self.ergo() else {
            self.say(TextKey::NotSupported, &[]);
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
                    Action::ErgoAction {
                        action_id: a.action_id,
                    }
                    .encode(),
                )]
            })
            .collect();
        rows.push(vec![self.button(TextKey::ButtonBack, &Action::Menu)]);
        self.say_with(TextKey::ChooseAction, &[], Keyboard::inline(rows));
        Ok(())
    }

    /// Full registration: the models of action `action_id`, with their points.
    pub(super) async fn choose_model(&mut self, s: &Session, action_id: u64) -> Flow {
        let Some((_, cache)) = self.ergo() else {
            self.say(TextKey::NotSupported, &[]);
            return Ok(());
        };
        let actions = cache.get(s).await?;
        let Some(action) = actions.action(action_id) else {
            self.say(TextKey::UnknownInput, &[]);
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
                let chosen = Action::Model {
                    action_id,
                    model_id: m.model_id,
                };
                vec![Button::callback(
                    format!("{name} (+{})", format::number(self.lang, m.model_points)),
                    chosen.encode(),
                )]
            })
            .collect();
        rows.push(vec![
            self.button(TextKey::ButtonBack, &Action::FullRegistration),
        ]);
        let text = self.group_details(action).append(self.engine.text(
            self.lang,
            TextKey::ChooseModel,
            &[],
        ));
        self.replies
            .push(super::Reply::new(text).with(Keyboard::inline(rows)));
        Ok(())
    }

    /// Full registration: a model chosen, asks for its serial.
    pub(super) fn model_chosen(&mut self, conv: &mut Conversation, action_id: u64, model_id: u64) {
        conv.step = Step::AwaitModelSerial {
            action_id,
            model_id,
        };
        self.say(TextKey::AskSerial, &[]);
    }

    /// Full registration: the trade point of the sale chosen.
    pub(super) async fn trade_point(
        &mut self,
        conv: &mut Conversation,
        s: &Session,
        tt: u64,
    ) -> Flow {
        let Step::ChooseTradePoint {
            action_id,
            model_id,
            serial,
            captured_at,
        } = conv.step.clone()
        else {
            self.say(TextKey::UnknownInput, &[]);
            return Ok(());
        };
        let (needs_tt, needs_photo) = self.model_needs(action_id, model_id);
        let p = PendingModel {
            action_id,
            model_id,
            serial,
            captured_at,
            trade_point: Some(tt),
            photo: None,
        };
        self.continue_model(conv, s, p, needs_tt, needs_photo).await
    }

    /// Reads a serial from a barcode photo (and says what was read); `None` after telling the
    /// user the photo did not do.
    pub(super) async fn scan_serial(
        &mut self,
        photo: impl AsRef<[u8]> + Send + 'static,
    ) -> Option<String> {
        let scanned = match barcode::scan_async(photo).await {
            Ok(s) => s,
            Err(e) => {
                tracing::info!(error = %e, "a photo is not a readable image");
                let reason = self.label(TextKey::ReasonPhotoFormat).to_owned();
                self.say(TextKey::PhotoUnreadable, &[("reason", &reason)]);
                return None;
            }
        };
        let Some(found) = scanned else {
            self.say(TextKey::BarcodeNotFound, &[]);
            return None;
        };
        self.say(TextKey::SerialRead, &[("serial", &found.text)]);
        Some(found.text)
    }

    /// Full registration: the product photo arrived.
    pub(super) async fn product_photo(&mut self, conv: &mut Conversation, p: PendingModel) -> Flow {
        let session = self.session()?;
        let (needs_tt, needs_photo) = self.model_needs(p.action_id, p.model_id);
        self.continue_model(conv, &session, p, needs_tt, needs_photo)
            .await
    }

    fn registration_outcome(
        &mut self,
        conv: &mut Conversation,
        out: Result<SnOutcome, LoyaltyError>,
        again: Step,
        serial: &str,
    ) -> Flow {
        let another = Keyboard::inline(vec![
            vec![self.button(TextKey::ButtonAnother, &Action::Again)],
            vec![self.button(TextKey::ButtonSupport, &Action::Support)],
            vec![self.button(TextKey::ButtonBack, &Action::Menu)],
        ]);
        match out {
            Ok(SnOutcome::Registered(r)) => {
                let (model, points) = self.model_info(r.action_id, r.model_id);
                self.say_with(
                    TextKey::RegistrationOk,
                    &[("model", &model), ("points", &points)],
                    another,
                );
                conv.step = again;
            }
            Ok(SnOutcome::NeedsClarification {
                action_id,
                model_id,
                ..
            }) => {
                let (model, _) = self.model_info(action_id, model_id);
                let kb = Keyboard::inline(vec![
                    vec![self.button(TextKey::ButtonFullRegistration, &Action::FullRegistration)],
                    vec![self.button(TextKey::ButtonBack, &Action::Menu)],
                ]);
                self.say_with(TextKey::RegistrationClarify, &[("model", &model)], kb);
                conv.step = Step::Menu;
            }
            Ok(_) => self.say(TextKey::TryLater, &[]),
            Err(
                e @ (LoyaltyError::SessionExpired { .. } | LoyaltyError::OutcomeUnknown { .. }),
            ) => {
                return Err(e.into());
            }
            Err(e) => {
                let method = match again {
                    Step::AwaitSerial => ErgoMethod::PostSN,
                    _ => ErgoMethod::PostSNModel,
                };
                // ERGO's comment goes to the log only; the user reads the bot's own words.
                tracing::info!(error = %e, %method, "a registration was refused");
                let (key, next) = ergo_errors::explain(method, &e);
                // The next step, then support (a blocked seller has only the site's link).
                let mut rows = match next {
                    NextStep::NewRegistration => vec![
                        vec![self.button(TextKey::ButtonNewRegistration, &Action::Again)],
                        vec![self.button(TextKey::ButtonSupport, &Action::Support)],
                    ],
                    NextStep::FullRegistration => vec![
                        vec![
                            self.button(TextKey::ButtonFullRegistration, &Action::FullRegistration),
                        ],
                        vec![self.button(TextKey::ButtonSupport, &Action::Support)],
                    ],
                    NextStep::Site => Vec::new(),
                };
                rows.push(vec![self.button(TextKey::ButtonBack, &Action::Menu)]);
                let code = ergo_errors::code_of(&e);
                let args = [
                    ("serial", serial.trim()),
                    ("code", &code),
                    ("link", ERGO_SITE),
                ];
                self.say_with(key, &args, Keyboard::inline(rows));
                conv.step = match next {
                    NextStep::NewRegistration => again,
                    NextStep::FullRegistration | NextStep::Site => Step::Menu,
                };
            }
        }
        Ok(())
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

    /// Quick registration of a serial.
    pub(super) async fn register_serial(&mut self, conv: &mut Conversation, serial: &str) -> Flow {
        let Some((client, cache)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say(TextKey::NotSupported, &[]);
            return Ok(());
        };
        let session = self.session()?;
        // Fill the cache so the reply can name the model.
        let _ = cache.get(&session).await;
        let out = client.post_sn(&session, serial).await;
        self.registration_outcome(conv, out, Step::AwaitSerial, serial)
    }

    /// Full registration: the serial of the chosen model.
    pub(super) async fn model_serial(
        &mut self,
        conv: &mut Conversation,
        action_id: u64,
        model_id: u64,
        serial: &str,
    ) -> Flow {
        let Some((_, cache)) = self.ergo() else {
            self.say(TextKey::NotSupported, &[]);
            return Ok(());
        };
        let session = self.session()?;
        let model = cache
            .get(&session)
            .await?
            .model(action_id, model_id)
            .cloned();
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
    ) -> Flow {
        if needs_tt && p.trade_point.is_none() {
            let points = match self.ergo() {
                Some((client, _)) => client.get_profile(session).await?.trade_points,
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
                                Action::TradePoint { id: tt.tt_id }.encode(),
                            )]
                        })
                        .collect();
                    conv.step = Step::ChooseTradePoint {
                        action_id: p.action_id,
                        model_id: p.model_id,
                        serial: p.serial,
                        captured_at: p.captured_at,
                    };
                    self.say_with(TextKey::ChooseTradePoint, &[], Keyboard::inline(rows));
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
            self.say(TextKey::AskProductPhoto, &[]);
            return Ok(());
        }
        let serial = p.serial.clone();
        let mut reg = SnModelRegistration::new(p.action_id, p.model_id, p.serial, p.captured_at);
        if let Some(tt) = p.trade_point {
            reg = reg.trade_point(tt);
        }
        if let Some(photo) = p.photo {
            reg = reg.photo(photo);
        }
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            return Ok(());
        };
        let out = client.post_sn_model(session, &reg).await;
        let again = Step::AwaitModelSerial {
            action_id: p.action_id,
            model_id: p.model_id,
        };
        self.registration_outcome(conv, out, again, &serial)
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
}
