//! What the programme publishes: promotions, news and notices, and the programme's terms.

use loyalty_core::{PageRequest, Session};
use messenger_core::RichText;

use super::ctx::{Ctx, Flow};
use super::{ERGO_TERMS_LINK, PAGE_SIZE, Reply};
use crate::texts::TextKey;

impl Ctx<'_> {
    /// The promotions, each title in bold.
    pub(super) async fn promotions(&mut self, s: &Session) -> Flow {
        if self.bonusmoney_promotions(s).await? {
            return Ok(());
        }
        let list = self.engine.programme.provider().promotions(s).await?;
        let back = self.engine.back_to_menu(self.lang);
        if list.is_empty() {
            self.say_with(TextKey::PromotionsEmpty, &[], back);
            return Ok(());
        }
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
        Ok(())
    }

    /// The news (where the programme has any) followed by the customer's notices.
    pub(super) async fn news(&mut self, s: &Session) -> Flow {
        let p = self.engine.programme.provider();
        let mut items = p
            .news(s, PageRequest::first(PAGE_SIZE))
            .await
            .map(|pg| pg.items)
            .unwrap_or_default();
        items.extend(p.notices(s, PageRequest::first(PAGE_SIZE)).await?.items);
        let back = self.engine.back_to_menu(self.lang);
        if items.is_empty() {
            self.say_with(TextKey::NewsEmpty, &[], back);
            return Ok(());
        }
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
        Ok(())
    }

    /// About the programme, with a link to its terms.
    pub(super) fn about(&mut self) {
        let back = self.engine.back_to_menu(self.lang);
        self.say_with(TextKey::About, &[("terms_link", ERGO_TERMS_LINK)], back);
    }
}
