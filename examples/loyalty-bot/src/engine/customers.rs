//! Where the customers' flows meet the dispatcher: their buttons, their typed answers, and
//! the buttons that work before a login (sign-up questions, the call-pass "Done").

use loyalty_core::Session;

use super::ctx::{Ctx, Flow};
use super::{Action, Conversation, EngineError, Step};

impl Ctx<'_> {
    /// Runs the customers' actions that need no session; `None` for any other.
    pub(super) async fn run_before_login(
        &mut self,
        conv: &mut Conversation,
        action: &Action,
    ) -> Option<Result<(), EngineError>> {
        match action {
            Action::CallDone => self.call_done(conv).await,
            Action::Gender { .. } | Action::SkipField => self.sign_up_button(conv, action).await,
            _ => None,
        }
    }

    /// Runs one of the customers' actions (the variants after `// Customers` in [`Action`]).
    pub(super) async fn run_customer(
        &mut self,
        conv: &mut Conversation,
        s: &Session,
        action: &Action,
    ) -> Flow {
        match action {
            Action::Gender { male } => self.gender_chosen(conv, *male).await?,
            Action::EditField { field } => self.edit_field(conv, *field),
            Action::Card => self.card(s).await?,
            Action::Levels => self.levels(s).await?,
            Action::Company => self.company(s).await?,
            Action::Reviews => self.reviews(s).await?,
            Action::DeleteAccount => self.delete_ask(),
            Action::DeleteConfirmed => self.delete_account(conv, s).await?,
            // A sign-up or call button of a dialogue that is over.
            _ => self.menu(conv),
        }
        Ok(())
    }

    /// Routes typed text in the customers' steps.
    pub(super) async fn customer_text(
        &mut self,
        conv: &mut Conversation,
        text: &str,
    ) -> Result<(), EngineError> {
        match conv.step.clone() {
            Step::SignUp { form } => self.sign_up_typed(conv, form, text).await,
            Step::AwaitProfileField { field } => {
                let done = self.profile_field_typed(conv, field, text).await;
                let action = Action::EditField { field };
                self.settle(conv, &action, done).await
            }
            // Typing the number to call (or anything) is "I have called", never a new login.
            Step::AwaitCall { .. } => self.call_done(conv).await.unwrap_or(Ok(())),
            Step::AwaitCaptcha { phone, token } => {
                self.captcha_answer(conv, &phone, &token, text).await
            }
            _ => Ok(()),
        }
    }
}
