//! ERGO: the seller's profile, viewed (`GetProfile`) and edited one field at a time
//! (`PostProfile`: name, family name, patronymic, e-mail: the fields the API takes). Each answer
//! is validated and re-asked with what is expected; the update sends the whole profile with the
//! changed field, so a server that overwrites omitted fields loses nothing.

use loyalty_core::Session;
use loyalty_ergo::types::ProfileUpdate;
use messenger_core::Keyboard;
use serde::{Deserialize, Serialize};

use super::ctx::{Ctx, Flow};
use super::{Action, Conversation, Step};
use crate::texts::TextKey;

/// A field of the ERGO seller's profile the API lets the seller change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SellerField {
    /// Given name (`user_name`).
    Name,
    /// Family name (`user_lastname`).
    Lastname,
    /// Patronymic (`user_surname`).
    Surname,
    /// E-mail (`user_email`).
    Email,
}

impl SellerField {
    /// The field's name in callback data and stored states.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::Lastname => "lastname",
            Self::Surname => "surname",
            Self::Email => "email",
        }
    }

    /// Reads [`SellerField::as_str`] back.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Name, Self::Lastname, Self::Surname, Self::Email]
            .into_iter()
            .find(|f| f.as_str() == s)
    }

    const fn ask(self) -> TextKey {
        match self {
            Self::Name => TextKey::AskSellerName,
            Self::Lastname => TextKey::AskSellerLastname,
            Self::Surname => TextKey::AskSellerSurname,
            Self::Email => TextKey::AskSellerEmail,
        }
    }
}

impl Ctx<'_> {
    /// The seller's profile with buttons to edit each field.
    pub(super) async fn seller_profile(&mut self, s: &Session) -> Flow {
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say(TextKey::NotSupported, &[]);
            return Ok(());
        };
        let p = client.get_profile(s).await?;
        let unset = self.label(TextKey::NotSet).to_owned();
        let or_unset = |v: &Option<String>| v.clone().unwrap_or_else(|| unset.clone());
        let phone = p.user_phone.as_ref().map(|d| format!("+{d}"));
        let points: Vec<String> = p
            .trade_points
            .iter()
            .map(|t| t.tt_name.clone().unwrap_or_else(|| t.tt_id.to_string()))
            .collect();
        let points = if points.is_empty() {
            unset.clone()
        } else {
            points.join("; ")
        };
        let edit = |key, field| self.button(key, &Action::EditSellerField { field });
        let kb = Keyboard::inline(vec![
            vec![
                edit(TextKey::ButtonEditName, SellerField::Name),
                edit(TextKey::ButtonEditLastname, SellerField::Lastname),
            ],
            vec![
                edit(TextKey::ButtonEditSurname, SellerField::Surname),
                edit(TextKey::ButtonEditSellerEmail, SellerField::Email),
            ],
            vec![self.button(TextKey::ButtonBack, &Action::Menu)],
        ]);
        self.say_with(
            TextKey::SellerProfile,
            &[
                ("name", &or_unset(&p.user_name)),
                ("lastname", &or_unset(&p.user_lastname)),
                ("surname", &or_unset(&p.user_surname)),
                ("phone", &or_unset(&phone)),
                ("email", &or_unset(&p.user_email)),
                ("trade_points", &points),
            ],
            kb,
        );
        Ok(())
    }

    /// Asks for the new value of `field`.
    pub(super) fn edit_seller_field(&mut self, conv: &mut Conversation, field: SellerField) {
        conv.step = Step::AwaitSellerField { field };
        self.say(field.ask(), &[]);
    }

    /// The new value of `field`: re-asked when it does not validate, else sent with the rest of
    /// the profile as it is, then the profile shown again.
    pub(super) async fn seller_field_given(
        &mut self,
        conv: &mut Conversation,
        field: SellerField,
        value: &str,
    ) -> Flow {
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        // The same checks as the customers' profile fields.
        let ok = match field {
            SellerField::Email => super::fields::check_email(&value).is_ok(),
            _ => super::fields::check_name(&value).is_ok(),
        };
        if !ok {
            let again = match field {
                SellerField::Email => TextKey::SellerEmailInvalid,
                _ => TextKey::SellerNameInvalid,
            };
            self.say(again, &[]);
            return Ok(());
        }
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say(TextKey::NotSupported, &[]);
            conv.step = super::Step::Menu;
            return Ok(());
        };
        let s = self.session()?;
        let p = client.get_profile(&s).await?;
        let keep = |v: Option<String>| v.unwrap_or_default();
        let mut update = ProfileUpdate::new()
            .user_name(keep(p.user_name))
            .user_lastname(keep(p.user_lastname))
            .user_surname(keep(p.user_surname))
            .user_email(keep(p.user_email));
        match field {
            SellerField::Name => update.user_name = Some(value),
            SellerField::Lastname => update.user_lastname = Some(value),
            SellerField::Surname => update.user_surname = Some(value),
            SellerField::Email => update.user_email = Some(value),
        }
        client.post_profile(&s, &update).await?;
        conv.step = Step::Menu;
        self.say(TextKey::SellerProfileSaved, &[]);
        self.seller_profile(&s).await
    }
}
