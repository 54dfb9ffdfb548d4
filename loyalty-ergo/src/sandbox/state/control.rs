//! What the sandbox's owner changes: promotions, serials, news, notices, decisions on registrations, sellers' activity.

use super::*;

impl World {
    /// Adds an action given in the wire shape of `GetActions`; returns its id.
    pub fn add_action(&mut self, a: &Action, now: DateTime<Utc>) -> u64 {
        let today = now.date_naive();
        let id = if a.action_id == 0 {
            self.next_id()
        } else {
            a.action_id
        };
        self.actions.retain(|x| x.id != id);
        self.actions.push(ActionRec {
            id,
            name: a
                .action_name
                .clone()
                .unwrap_or_else(|| format!("Акція {id}")),
            type_id: match &a.action_type_id {
                Some(crate::types::ActionType::Accumulative) => 0,
                _ => 1,
            },
            date_from: a.action_date_from.unwrap_or(today),
            date_to: a
                .action_date_to
                .unwrap_or_else(|| today.checked_add_days(Days::new(30)).unwrap_or(today)),
            description: a.action_description.clone(),
            hot_notice: a.action_hot_notice.clone(),
            models: a
                .models
                .iter()
                .map(|m| ModelRec {
                    id: m.model_id,
                    name: m.model_name.clone().unwrap_or_default(),
                    points: m.model_points,
                    brand_id: m.model_brand_id.unwrap_or(6),
                    brand: m.model_brand.clone().unwrap_or_else(|| "ERGO".into()),
                    imei: m.model_imei,
                    photo: m.model_photo,
                    tt: m.model_tt,
                })
                .collect(),
        });
        self.mark_changed("Actions");
        id
    }

    /// Adds a serial number to the catalogue for an action's model.
    pub fn add_serial(&mut self, sn: &str, action_id: u64, model_id: u64) {
        self.serials
            .entry(sn.to_owned())
            .or_default()
            .push((action_id, model_id));
    }

    /// Adds a news item; returns its id.
    pub fn add_news(
        &mut self,
        name: String,
        notice: String,
        text: String,
        photo: String,
        now: DateTime<Utc>,
    ) -> u64 {
        let id = self.next_id();
        self.news.insert(
            0,
            ArticleRec {
                id,
                name,
                date: now.date_naive(),
                notice,
                photo,
                text,
            },
        );
        id
    }

    /// Adds a notice shown for `days` days; returns its id.
    pub fn add_notice(&mut self, name: String, text: String, now: DateTime<Utc>) -> u64 {
        let id = self.next_id();
        let from = now.naive_utc();
        self.notices.push(NoticeRec {
            id,
            name,
            text,
            from,
            to: from + chrono::Duration::days(30),
        });
        self.mark_changed("Notices");
        id
    }

    /// Applies an operator's decision to registration `id`; `false` for an unknown id or a
    /// registration already paid (final).
    pub fn decide_registration(
        &mut self,
        id: u64,
        decision: RegistrationDecision,
        now: DateTime<Utc>,
    ) -> bool {
        let Some(r) = self.registrations.iter_mut().find(|r| r.id == id) else {
            return false;
        };
        if r.state == RegState::Paid {
            return false;
        }
        let phone = r.phone.clone();
        match decision {
            RegistrationDecision::Confirm => r.state = RegState::ToBalance,
            RegistrationDecision::SendToTest => r.state = RegState::ForTest,
            RegistrationDecision::Reject(reason) => {
                r.state = RegState::Rejected;
                r.comment = reason;
            }
            RegistrationDecision::Pay => {
                r.state = RegState::Paid;
                r.to_balance_date = Some(now.naive_utc());
                let points = r.points;
                if let Some(s) = self.sellers.get_mut(&phone) {
                    s.bonus += points;
                }
            }
        }
        // `GetChanges` names only Profile, Actions and Notices: a registration's move is seen
        // by reading the balance or the registrations again.
        true
    }

    /// Blocks or unblocks a seller; `false` for an unknown phone.
    pub fn set_active(&mut self, phone: &str, active: bool) -> bool {
        match self.sellers.get_mut(phone) {
            Some(s) => {
                s.active = active;
                s.pending_changes.insert("Profile");
                true
            }
            None => false,
        }
    }
}
