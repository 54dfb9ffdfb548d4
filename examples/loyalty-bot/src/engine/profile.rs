//! The customer's profile: every field shown, each one editable where the programme allows it
//! (BonusMoney's `updateCustomer` gets the whole profile with the changed field: the client
//! reads, patches and sends it all), and the account deleted where the programme allows it.

use loyalty_core::{Capability, LoyaltyError, Phone, Session};
use messenger_core::{Button, Keyboard};

use super::ctx::{Ctx, Flow};
use super::fields::{self, Answer, ProfileField};
use super::{Action, Conversation, Reply, Step};
use crate::texts::TextKey;

/// The re-ask after the programme refused a value of `field`.
fn refused_key(field: ProfileField) -> TextKey {
    match field {
        ProfileField::FirstName | ProfileField::LastName | ProfileField::Patronymic => {
            TextKey::InvalidName
        }
        ProfileField::BirthDate => TextKey::InvalidBirthDate,
        ProfileField::Gender => TextKey::AskGender,
        ProfileField::Email => TextKey::EmailRefused,
    }
}

impl Ctx<'_> {
    /// The profile with every field, a button per editable field and the account's deletion.
    pub(super) async fn profile(&mut self, s: &Session) -> Flow {
        let provider = self.engine.programme.provider();
        let caps = provider.capabilities();
        let c = provider.profile(s).await?;
        let words = (
            self.label(TextKey::GenderMale).to_owned(),
            self.label(TextKey::GenderFemale).to_owned(),
        );
        let words = (words.0.as_str(), words.1.as_str());
        let values: Vec<(ProfileField, String)> = ProfileField::ALL
            .into_iter()
            .map(|f| (f, fields::shown(&c, f, words)))
            .collect();
        let value = |f: ProfileField| {
            values
                .iter()
                .find(|(g, _)| *g == f)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let mut text = self.engine.text(
            self.lang,
            TextKey::ProfileDetails,
            &[
                ("first_name", value(ProfileField::FirstName)),
                ("last_name", value(ProfileField::LastName)),
                ("patronymic", value(ProfileField::Patronymic)),
                ("birth_date", value(ProfileField::BirthDate)),
                ("gender", value(ProfileField::Gender)),
                ("phone", c.phone.as_ref().map(Phone::e164).unwrap_or("")),
                ("email", value(ProfileField::Email)),
            ],
        );
        let mut rows: Vec<Vec<Button>> = Vec::new();
        if caps.supports(Capability::UpdateProfile) {
            let buttons: Vec<Button> = ProfileField::ALL
                .into_iter()
                .map(|field| self.button(field.button(), &Action::EditField { field }))
                .collect();
            rows.extend(buttons.chunks(2).map(<[Button]>::to_vec));
        } else {
            let programme = self.engine.programme.display_name();
            text = text.line().line().append(self.engine.text(
                self.lang,
                TextKey::ProfileReadOnly,
                &[("programme", programme)],
            ));
        }
        rows.push(vec![
            self.button(TextKey::ButtonDeleteAccount, &Action::DeleteAccount),
        ]);
        rows.push(vec![self.button(TextKey::ButtonBack, &Action::Menu)]);
        self.replies
            .push(Reply::new(text).with(Keyboard::inline(rows)));
        Ok(())
    }

    /// Asks for a new value of `field`.
    pub(super) fn edit_field(&mut self, conv: &mut Conversation, field: ProfileField) {
        let caps = self.engine.programme.provider().capabilities();
        if !caps.supports(Capability::UpdateProfile) {
            let programme = self.engine.programme.display_name();
            let back = self.engine.back_to_menu(self.lang);
            self.say_with(TextKey::ProfileReadOnly, &[("programme", programme)], back);
            return;
        }
        conv.step = Step::AwaitProfileField { field };
        self.ask_field(field, false, None);
    }

    /// A typed new value of `field`: checked, then saved.
    pub(super) async fn profile_field_typed(
        &mut self,
        conv: &mut Conversation,
        field: ProfileField,
        text: &str,
    ) -> Flow {
        match fields::check(field, text, chrono::Utc::now().date_naive()) {
            Ok(answer) => self.save_field(conv, field, answer).await,
            Err(reask) => {
                self.ask_field(field, false, Some(reask));
                Ok(())
            }
        }
    }

    /// A gender button outside a sign-up: saves it when the profile's gender is being edited.
    pub(super) async fn gender_chosen(&mut self, conv: &mut Conversation, male: bool) -> Flow {
        if conv.step
            != (Step::AwaitProfileField {
                field: ProfileField::Gender,
            })
        {
            self.menu(conv);
            return Ok(());
        }
        let g = if male {
            loyalty_core::Gender::Male
        } else {
            loyalty_core::Gender::Female
        };
        self.save_field(conv, ProfileField::Gender, Answer::Gender(g))
            .await
    }

    async fn save_field(
        &mut self,
        conv: &mut Conversation,
        field: ProfileField,
        answer: Answer,
    ) -> Flow {
        let session = self.session()?;
        let patch = fields::patch(field, answer);
        match self
            .engine
            .programme
            .provider()
            .update_profile(&session, &patch)
            .await
        {
            Ok(_) => {
                self.say(TextKey::ProfileSaved, &[]);
                self.menu(conv);
            }
            Err(e @ LoyaltyError::InvalidInput { .. }) => {
                tracing::info!(error = %e, field = field.as_str(), "a profile value was refused");
                self.ask_field(field, false, Some(refused_key(field)));
            }
            Err(LoyaltyError::Unsupported { .. }) => {
                let programme = self.engine.programme.display_name();
                self.say(TextKey::ProfileReadOnly, &[("programme", programme)]);
                self.menu(conv);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }

    /// Asks to confirm the deletion where the programme allows it; otherwise says whom to ask.
    pub(super) fn delete_ask(&mut self) {
        let programme = self.engine.programme.display_name();
        let caps = self.engine.programme.provider().capabilities();
        if caps.supports(Capability::DeleteCustomer) {
            let kb = Keyboard::inline(vec![
                vec![self.button(TextKey::ButtonDeleteYes, &Action::DeleteConfirmed)],
                vec![self.button(TextKey::ButtonBack, &Action::Menu)],
            ]);
            self.say_with(TextKey::DeleteAsk, &[("programme", programme)], kb);
        } else {
            let back = self.engine.back_to_menu(self.lang);
            self.say_with(
                TextKey::DeleteNotAvailable,
                &[("programme", programme)],
                back,
            );
        }
    }

    /// Deletes the account and logs the chat out.
    pub(super) async fn delete_account(&mut self, conv: &mut Conversation, s: &Session) -> Flow {
        match self.engine.programme.provider().delete_customer(s).await {
            Ok(()) => {
                self.engine.storage.clear_session(self.key).await?;
                self.session = None;
                conv.step = Step::AwaitPhone;
                conv.resume = None;
                let share = self.label(TextKey::ButtonSharePhone).to_owned();
                self.say_with(TextKey::Deleted, &[], Keyboard::request_contact(share));
                Ok(())
            }
            Err(LoyaltyError::Unsupported { .. }) => {
                self.delete_ask();
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }
}
