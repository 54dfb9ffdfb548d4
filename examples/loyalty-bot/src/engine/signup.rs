//! Sign-up of a verified phone that is not a member yet: the bot asks for every field the
//! programme takes (`fields::sign_up_fields`), one at a time, checks each answer (a clear
//! re-ask when it does not read), lets the user skip only what the programme does not require,
//! and sends everything in one `sign_up`.

use std::fmt;

use chrono::{NaiveDate, Utc};
use loyalty_core::{
    ExposeSecret, Gender, LoyaltyError, NewCustomer, Phone, SecretString, SignUpTicket,
    Verification,
};
use messenger_core::Keyboard;
use serde::{Deserialize, Serialize};

use super::ctx::Ctx;
use super::fields::{self, Answer, ProfileField};
use super::{Action, Conversation, EngineError, Step};
use crate::texts::TextKey;

/// What a sign-up has collected so far (stored with the conversation).
///
/// The programme's sign-up token is kept here between the questions, like the session is kept
/// with the chat; it is never logged (`Debug` redacts it).
#[derive(Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SignUpForm {
    /// The programme's sign-up token.
    pub token: String,
    /// The verified phone (E.164).
    pub phone: String,
    /// Given name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Patronymic.
    #[serde(default)]
    pub patronymic: Option<String>,
    /// Birth date.
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// Gender: male (`true`) or female.
    #[serde(default)]
    pub male: Option<bool>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// The field asked now.
    #[serde(default)]
    pub asking: Option<ProfileField>,
    /// Optional fields the user skipped.
    #[serde(default)]
    pub skipped: Vec<ProfileField>,
}

impl fmt::Debug for SignUpForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUpForm")
            .field("token", &"[REDACTED]")
            .field("phone", &self.phone)
            .field("asking", &self.asking)
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

impl SignUpForm {
    fn new(ticket: &SignUpTicket) -> Self {
        let p = &ticket.prefill;
        Self {
            token: ticket.token.expose_secret().to_owned(),
            phone: ticket.phone.e164().to_owned(),
            ..Self::default()
        }
        .with(p)
    }

    /// Takes the values the programme pre-filled.
    fn with(mut self, p: &NewCustomer) -> Self {
        let nonempty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        self.first_name = nonempty(&p.first_name);
        self.last_name = nonempty(&p.last_name);
        self.patronymic = nonempty(&p.patronymic);
        self.birth_date = p.birth_date;
        self.male = match &p.gender {
            Some(Gender::Male) => Some(true),
            Some(Gender::Female) => Some(false),
            _ => None,
        };
        self.email = nonempty(&p.email);
        self
    }

    /// The collected data.
    fn data(&self, phone: &Phone) -> NewCustomer {
        let mut d = NewCustomer::with_phone(phone.clone());
        d.first_name = self.first_name.clone();
        d.last_name = self.last_name.clone();
        d.patronymic = self.patronymic.clone();
        d.birth_date = self.birth_date;
        d.gender = self
            .male
            .map(|m| if m { Gender::Male } else { Gender::Female });
        d.email = self.email.clone();
        d
    }

    fn set(&mut self, field: ProfileField, answer: Answer) {
        let mut d = NewCustomer::default();
        fields::set(&mut d, field, answer);
        match field {
            ProfileField::FirstName => self.first_name = d.first_name,
            ProfileField::LastName => self.last_name = d.last_name,
            ProfileField::Patronymic => self.patronymic = d.patronymic,
            ProfileField::BirthDate => self.birth_date = d.birth_date,
            ProfileField::Gender => self.male = d.gender.map(|g| g == Gender::Male),
            ProfileField::Email => self.email = d.email,
        }
    }

    fn clear(&mut self, field: ProfileField) {
        match field {
            ProfileField::FirstName => self.first_name = None,
            ProfileField::LastName => self.last_name = None,
            ProfileField::Patronymic => self.patronymic = None,
            ProfileField::BirthDate => self.birth_date = None,
            ProfileField::Gender => self.male = None,
            ProfileField::Email => self.email = None,
        }
    }
}

/// The field of the bot's form a provider's field name (from an `InvalidInput`) stands for.
fn field_of(name: &str) -> Option<ProfileField> {
    let n = name.to_ascii_lowercase();
    Some(match n.as_str() {
        "name" | "firstname" | "first_name" => ProfileField::FirstName,
        "surname" | "lastname" | "last_name" => ProfileField::LastName,
        "patronymic" | "middlename" | "middle_name" => ProfileField::Patronymic,
        "bdate" | "birthdate" | "birth_date" => ProfileField::BirthDate,
        "male" | "gender" | "gendercode" => ProfileField::Gender,
        "email" | "emailaddress" => ProfileField::Email,
        _ => return None,
    })
}

impl Ctx<'_> {
    /// A verified phone that is not a member: starts the questions.
    pub(super) async fn sign_up_start(
        &mut self,
        conv: &mut Conversation,
        ticket: &SignUpTicket,
    ) -> Result<(), EngineError> {
        let programme = self.engine.programme.display_name();
        self.say(TextKey::SignUpStart, &[("programme", programme)]);
        self.sign_up_next(conv, SignUpForm::new(ticket)).await
    }

    /// Asks the next missing field, or signs up when nothing is missing.
    async fn sign_up_next(
        &mut self,
        conv: &mut Conversation,
        mut form: SignUpForm,
    ) -> Result<(), EngineError> {
        let all = fields::sign_up_fields(&self.engine.programme);
        let Ok(phone) = Phone::parse_international(&form.phone) else {
            conv.step = Step::AwaitPhone;
            self.say(TextKey::TryLater, &[]);
            return Ok(());
        };
        let data = form.data(&phone);
        let next = all
            .iter()
            .find(|(f, _)| !fields::has(&data, *f) && !form.skipped.contains(f));
        if let Some(&(field, required)) = next {
            form.asking = Some(field);
            conv.step = Step::SignUp { form };
            self.ask_field(field, !required, None);
            return Ok(());
        }
        let ticket = SignUpTicket::new(
            SecretString::from(form.token.clone()),
            phone.clone(),
            NewCustomer::with_phone(phone.clone()),
        );
        match self
            .engine
            .programme
            .provider()
            .sign_up(&ticket, &data)
            .await
        {
            Ok(session) => {
                self.say(TextKey::SignUpDone, &[]);
                Box::pin(self.verified(conv, &phone, Verification::LoggedIn(session))).await
            }
            Err(LoyaltyError::InvalidInput {
                fields: refused, ..
            }) => {
                tracing::info!(?refused, "a sign-up was refused");
                let names: Vec<ProfileField> =
                    refused.iter().filter_map(|f| field_of(&f.field)).collect();
                let label = refused
                    .iter()
                    .map(|f| f.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                self.say(TextKey::SignUpRefused, &[("fields", &label)]);
                if names.is_empty() {
                    // Nothing the user can change: the whole form again.
                    form = SignUpForm {
                        token: form.token,
                        phone: form.phone,
                        ..SignUpForm::default()
                    };
                } else {
                    for f in names {
                        form.clear(f);
                        form.skipped.retain(|s| *s != f);
                    }
                }
                Box::pin(self.sign_up_next(conv, form)).await
            }
            Err(e) => {
                conv.step = Step::AwaitPhone;
                self.failed(&e);
                Ok(())
            }
        }
    }

    /// Asks for `field`; a gender with its two buttons, an optional field with "Skip".
    /// `reask` replaces the question with the reason the last answer did not read.
    pub(super) fn ask_field(
        &mut self,
        field: ProfileField,
        optional: bool,
        reask: Option<TextKey>,
    ) {
        let mut rows = Vec::new();
        if field == ProfileField::Gender {
            rows.push(vec![
                self.button(TextKey::ButtonMale, &Action::Gender { male: true }),
                self.button(TextKey::ButtonFemale, &Action::Gender { male: false }),
            ]);
        }
        if optional {
            rows.push(vec![
                self.button(TextKey::ButtonSkipField, &Action::SkipField),
            ]);
        }
        let key = reask.unwrap_or_else(|| field.question());
        if rows.is_empty() {
            self.say(key, &[]);
        } else {
            self.say_with(key, &[], Keyboard::inline(rows));
        }
    }

    /// Whether the sign-up's field `field` may be skipped.
    fn optional(&self, field: ProfileField) -> bool {
        fields::sign_up_fields(&self.engine.programme)
            .iter()
            .any(|(f, required)| *f == field && !required)
    }

    /// A typed answer to the sign-up's current question.
    pub(super) async fn sign_up_typed(
        &mut self,
        conv: &mut Conversation,
        mut form: SignUpForm,
        text: &str,
    ) -> Result<(), EngineError> {
        let Some(field) = form.asking else {
            return self.sign_up_next(conv, form).await;
        };
        match fields::check(field, text, Utc::now().date_naive()) {
            Ok(answer) => {
                form.set(field, answer);
                self.sign_up_next(conv, form).await
            }
            Err(reask) => {
                let optional = self.optional(field);
                self.ask_field(field, optional, Some(reask));
                Ok(())
            }
        }
    }

    /// A gender button or "Skip" pressed during a sign-up (no session yet); `None` when the
    /// conversation is not in a sign-up.
    pub(super) async fn sign_up_button(
        &mut self,
        conv: &mut Conversation,
        action: &Action,
    ) -> Option<Result<(), EngineError>> {
        let Step::SignUp { form } = &conv.step else {
            return None;
        };
        let mut form = form.clone();
        let field = form.asking?;
        match action {
            Action::Gender { male } if field == ProfileField::Gender => {
                form.male = Some(*male);
            }
            Action::SkipField if self.optional(field) => form.skipped.push(field),
            Action::SkipField | Action::Gender { .. } => {
                // A required field, or a button of an earlier question: ask again.
                let optional = self.optional(field);
                self.ask_field(field, optional, None);
                return Some(Ok(()));
            }
            _ => return None,
        }
        Some(self.sign_up_next(conv, form).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_not_in_debug_output() {
        let form = SignUpForm {
            token: "su-secret-123".into(),
            phone: "+77000000001".into(),
            ..SignUpForm::default()
        };
        let shown = format!("{form:?}");
        assert!(!shown.contains("su-secret-123"), "{shown}");
        assert!(shown.contains("+77000000001"), "{shown}");
    }

    #[test]
    fn provider_field_names_map_to_the_form() {
        assert_eq!(field_of("bDate"), Some(ProfileField::BirthDate));
        assert_eq!(field_of("male"), Some(ProfileField::Gender));
        assert_eq!(field_of("EmailAddress"), Some(ProfileField::Email));
        assert_eq!(field_of("signUpToken"), None);
    }
}
