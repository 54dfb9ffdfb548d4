//! ERGO: a product group's details (seed 004: the type of the action, bonus or accumulative; its
//! period; its conditions; a "hot" notice), shown above the group's models in the full
//! registration, from what `GetActions` gives.

use loyalty_ergo::types::{Action as ErgoAction, ActionType};
use messenger_core::RichText;

use super::ctx::Ctx;
use crate::texts::TextKey;

impl Ctx<'_> {
    /// The details `action` carries, ending with an empty line (nothing when it carries none).
    pub(super) fn group_details(&self, action: &ErgoAction) -> RichText {
        let lang = self.lang;
        let mut lines: Vec<RichText> = Vec::new();
        if let Some(name) = &action.action_name {
            lines.push(RichText::new().bold(name.clone()));
        }
        let kind = match &action.action_type_id {
            Some(ActionType::Bonus) => Some(self.label(TextKey::GroupKindBonus).to_owned()),
            Some(ActionType::Accumulative) => {
                Some(self.label(TextKey::GroupKindAccumulative).to_owned())
            }
            // An unknown id: ERGO's own word for it, when it sent one.
            _ => action.action_type.clone(),
        };
        if let Some(kind) = kind {
            lines.push(
                self.engine
                    .text(lang, TextKey::GroupType, &[("kind", &kind)]),
            );
        }
        if action.action_date_from.is_some() || action.action_date_to.is_some() {
            let day = |d: Option<chrono::NaiveDate>| {
                d.map(|d| d.format("%d.%m.%Y").to_string())
                    .unwrap_or_else(|| "…".to_owned())
            };
            lines.push(self.engine.text(
                lang,
                TextKey::GroupPeriod,
                &[
                    ("from", &day(action.action_date_from)),
                    ("to", &day(action.action_date_to)),
                ],
            ));
        }
        if let Some(c) = &action.action_description {
            lines.push(
                self.engine
                    .text(lang, TextKey::GroupConditions, &[("conditions", c)]),
            );
        }
        if let Some(hot) = &action.action_hot_notice {
            lines.push(RichText::new().text(format!("🔥 {hot}")));
        }
        let mut out = RichText::new();
        for (i, line) in lines.into_iter().enumerate() {
            if i > 0 {
                out = out.line();
            }
            out = out.append(line);
        }
        if !out.is_empty() {
            out = out.line().line();
        }
        out
    }
}
