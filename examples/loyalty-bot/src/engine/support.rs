//! Support: an ERGO seller's question (text, or a photo with a caption) to the programme. Out of
//! support's working hours (`SUPPORT_HOURS`), the bot says so and when the question will be
//! read (seed 004: "processed in the nearest working time").

use loyalty_ergo::types::Photo;

use super::ctx::{Ctx, Flow};
use super::{Conversation, Step};
use crate::support_hours::SupportHours;
use crate::texts::TextKey;

impl Ctx<'_> {
    /// Asks for the question.
    pub(super) fn support_ask(&mut self, conv: &mut Conversation) {
        conv.step = Step::AwaitQuestion;
        match self.support_closed() {
            Some((hours, next)) => self.say(
                TextKey::SupportClosedAsk,
                &[("hours", &hours), ("next", &next)],
            ),
            None => self.say(TextKey::SupportAsk, &[]),
        }
    }

    /// Out of support's working hours: the hours and the next opening, as users read them.
    fn support_closed(&self) -> Option<(String, String)> {
        self.closed_by(self.engine.options.support_hours.as_ref())
    }

    /// Out of `hours`: the hours and the next opening, as users read them (`None`: open, or no
    /// hours set).
    pub(super) fn closed_by(&self, hours: Option<&SupportHours>) -> Option<(String, String)> {
        let hours = hours?;
        let now = self.engine.now();
        if hours.is_open(now) {
            return None;
        }
        let next = hours
            .next_open(now)
            .map(|at| SupportHours::describe_at(self.lang, at))
            .unwrap_or_default();
        Some((hours.describe(self.lang), next))
    }

    /// Sends a question (and its photo) to support.
    pub(super) async fn ask_question(
        &mut self,
        conv: &mut Conversation,
        text: &str,
        photo: Option<Photo>,
    ) -> Flow {
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say(TextKey::NotSupported, &[]);
            conv.step = Step::Menu;
            return Ok(());
        };
        let session = self.session()?;
        client.post_question(&session, text, photo.as_ref()).await?;
        match self.support_closed() {
            Some((hours, next)) => self.say(
                TextKey::SupportSentClosed,
                &[("hours", &hours), ("next", &next)],
            ),
            None => self.say(TextKey::SupportSent, &[]),
        }
        self.menu(conv);
        Ok(())
    }
}
