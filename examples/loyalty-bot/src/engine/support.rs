//! Support: an ERGO seller's question (text, or a photo with a caption) to the programme.

use loyalty_ergo::types::Photo;

use super::ctx::{Ctx, Flow};
use super::{Conversation, Step};
use crate::texts::TextKey;

impl Ctx<'_> {
    /// Asks for the question.
    pub(super) fn support_ask(&mut self, conv: &mut Conversation) {
        conv.step = Step::AwaitQuestion;
        self.say(TextKey::SupportAsk, &[]);
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
        self.say(TextKey::SupportSent, &[]);
        self.menu(conv);
        Ok(())
    }
}
