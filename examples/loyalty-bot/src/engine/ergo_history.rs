//! ERGO: the seller's registration history (`GetRegistrations`), paged, each registration with
//! its model, serial, date, points and status in the user's words.
//!
//! ERGO's `registration_status` is a vendor text in one language; the bot asks for each type
//! (`registration_to_balance`, `registration_for_test`, `registration_for_confirmation`,
//! `registration_rejected`) and words the status itself from the type (and, for confirmed ones,
//! whether the points are on the balance yet).

use loyalty_core::Session;
use loyalty_ergo::types::{Registration, RegistrationType};
use messenger_core::{Button, Keyboard, RichText};

use super::ctx::{Ctx, Flow, fmt_time};
use super::{Action, PAGE_SIZE, Reply};
use crate::format;
use crate::texts::TextKey;

impl Ctx<'_> {
    /// A page of the registration history, newest first.
    pub(super) async fn registrations(&mut self, s: &Session, offset: u32) -> Flow {
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say(TextKey::NotSupported, &[]);
            return Ok(());
        };
        let mut all: Vec<(RegistrationType, Registration)> = Vec::new();
        for kind in [
            RegistrationType::ForConfirmation,
            RegistrationType::ForTest,
            RegistrationType::ToBalance,
            RegistrationType::Rejected,
        ] {
            let list = client.get_registrations(s, &kind).await?;
            all.extend(list.registrations.into_iter().map(|r| (kind.clone(), r)));
        }
        all.sort_by_key(|r| std::cmp::Reverse(r.1.registration_date));
        if all.is_empty() {
            let back = self.engine.back_to_menu(self.lang);
            self.say_with(TextKey::RegistrationsEmpty, &[], back);
            return Ok(());
        }
        let total = all.len();
        let start = (offset as usize).min(total.saturating_sub(1));
        let end = (start + PAGE_SIZE as usize).min(total);
        let lang = self.lang;
        let mut text = self.engine.text(
            lang,
            TextKey::RegistrationsPage,
            &[
                ("from", &(start + 1).to_string()),
                ("to", &end.to_string()),
                ("total", &total.to_string()),
            ],
        );
        for (kind, r) in &all[start..end] {
            text = text.line().line().append(self.registration_item(kind, r));
        }
        let mut paging: Vec<Button> = Vec::new();
        if start > 0 {
            let prev = start.saturating_sub(PAGE_SIZE as usize) as u32;
            paging.push(self.button(
                TextKey::ButtonPrevious,
                &Action::Registrations { offset: prev },
            ));
        }
        if end < total {
            paging.push(self.button(
                TextKey::ButtonMore,
                &Action::Registrations { offset: end as u32 },
            ));
        }
        let mut rows = Vec::new();
        if !paging.is_empty() {
            rows.push(paging);
        }
        rows.push(vec![self.button(TextKey::ButtonBack, &Action::Menu)]);
        self.replies
            .push(Reply::new(text).with(Keyboard::inline(rows)));
        Ok(())
    }

    /// One registration: model, serial, date, points, status (and the reason of a rejection).
    fn registration_item(&self, kind: &RegistrationType, r: &Registration) -> RichText {
        let lang = self.lang;
        let status = match kind {
            RegistrationType::ToBalance if r.registration_to_balance == Some(true) => self
                .engine
                .texts
                .format(
                    lang,
                    TextKey::StatusPaid,
                    &[("date", &fmt_time(r.registration_to_balance_date))],
                )
                .trim_end()
                .to_owned(),
            RegistrationType::ToBalance => self.label(TextKey::StatusToBalance).to_owned(),
            RegistrationType::ForTest => self.label(TextKey::StatusForTest).to_owned(),
            RegistrationType::Rejected => self.label(TextKey::StatusRejected).to_owned(),
            _ => self.label(TextKey::StatusForConfirmation).to_owned(),
        };
        let mut item = self.engine.text(
            lang,
            TextKey::RegistrationItem,
            &[
                ("model", r.registration_model.as_deref().unwrap_or("—")),
                ("serial", r.registration_sn.as_deref().unwrap_or("—")),
                ("date", &fmt_time(r.registration_date)),
                ("points", &format::points(lang, r.registration_points)),
                ("status", &status),
            ],
        );
        if *kind == RegistrationType::Rejected
            && let Some(reason) = &r.registration_comment
        {
            item = item.line().append(self.engine.text(
                lang,
                TextKey::RegistrationReason,
                &[("reason", reason)],
            ));
        }
        item
    }
}
