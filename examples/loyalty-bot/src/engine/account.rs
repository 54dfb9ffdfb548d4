//! The customer's account: balance, bonus history, and the e-mail step of older dialogues
//! (the profile itself is in `profile`).

use loyalty_core::{LoyaltyError, PageRequest, Session};
use messenger_core::{Keyboard, RichText};

use super::ctx::{Ctx, Flow, fmt_time};
use super::{Action, Conversation, PAGE_SIZE, Reply};
use crate::format;
use crate::texts::TextKey;

impl Ctx<'_> {
    /// The balance, with pending bonuses, the level, upcoming burns and extra accounts.
    pub(super) async fn balance(&mut self, s: &Session) -> Flow {
        let lang = self.lang;
        let b = self.engine.programme.provider().balance(s).await?;
        // The level is programme data broadcasts segment on: cached with this update.
        self.writes.push(crate::storage::Storage::level_write(
            self.key,
            b.level.as_ref().map(|l| l.name.as_str()),
        ));
        let mut text = self.engine.text(
            lang,
            TextKey::Balance,
            &[("available", &format::points(lang, b.available))],
        );
        if !b.pending.is_zero() {
            text = text.line().append(self.engine.text(
                lang,
                TextKey::BalancePending,
                &[("pending", &format::points(lang, b.pending))],
            ));
        }
        if let Some(level) = &b.level {
            text = text.line().append(self.engine.text(
                lang,
                TextKey::BalanceLevel,
                &[("level", &level.name)],
            ));
        }
        for burn in &b.burns {
            text = text.line().append(self.engine.text(
                lang,
                TextKey::BalanceBurn,
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
                TextKey::BalanceExtra,
                &[
                    ("label", &label),
                    ("value", &format::number(lang, extra.value)),
                ],
            ));
        }
        let back = self.engine.back_to_menu(lang);
        self.replies.push(Reply::new(text).with(back));
        Ok(())
    }

    /// A page of the bonus history, from `offset`.
    pub(super) async fn history(&mut self, s: &Session, offset: u32) -> Flow {
        let lang = self.lang;
        let page = self
            .engine
            .programme
            .provider()
            .bonus_history(s, PageRequest::new(offset, PAGE_SIZE))
            .await?;
        if page.items.is_empty() {
            let back = self.engine.back_to_menu(lang);
            self.say_with(TextKey::HistoryEmpty, &[], back);
            return Ok(());
        }
        let mut text = RichText::new();
        for (i, e) in page.items.iter().enumerate() {
            if i > 0 {
                text = text.line();
            }
            text = text.append(self.engine.text(
                lang,
                TextKey::HistoryLine,
                &[
                    ("date", &fmt_time(e.at)),
                    ("earned", &format::number(lang, e.earned)),
                    ("spent", &format::number(lang, e.spent)),
                    ("reason", e.reason.as_deref().unwrap_or("")),
                ],
            ));
        }
        let mut row = vec![self.button(TextKey::ButtonBack, &Action::Menu)];
        if let Some(next) = page.next {
            row.push(self.button(
                TextKey::ButtonMore,
                &Action::History {
                    offset: next.offset,
                },
            ));
        }
        self.replies
            .push(Reply::new(text).with(Keyboard::inline(vec![row])));
        Ok(())
    }

    /// Saves a typed e-mail in the profile.
    pub(super) async fn update_email(&mut self, conv: &mut Conversation, email: &str) -> Flow {
        let session = self.session()?;
        let patch = loyalty_core::ProfilePatch::new().email(email);
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
                tracing::info!(error = %e, "an e-mail was refused");
                self.say(TextKey::EmailRefused, &[]);
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}
