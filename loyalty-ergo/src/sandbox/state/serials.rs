//! Serial registrations: validity, duplicates, the two registration calls and the seller's questions.

use super::*;

impl World {
    pub(super) fn serial_is_valid(sn: &str) -> bool {
        sn.len() >= 4 && sn.len() <= 64 && sn.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    }

    pub(super) fn already_registered(&self, sn: &str) -> bool {
        self.registrations
            .iter()
            .any(|r| r.sn == sn && r.state != RegState::Rejected)
    }

    pub(super) fn register(
        &mut self,
        phone: &str,
        sn: &str,
        action_id: u64,
        model_id: u64,
        now: DateTime<Utc>,
    ) -> Value {
        let (action_name, model_name, points) = self
            .actions
            .iter()
            .find(|a| a.id == action_id)
            .and_then(|a| {
                a.models
                    .iter()
                    .find(|m| m.id == model_id)
                    .map(|m| (a.name.clone(), m.name.clone(), m.points))
            })
            .unwrap_or_default();
        let id = self.next_id();
        self.registrations.push(RegRec {
            id,
            phone: phone.to_owned(),
            sn: sn.to_owned(),
            action_name,
            model_name,
            points,
            date: now.naive_utc(),
            state: RegState::ForConfirmation,
            comment: String::new(),
            to_balance_date: None,
        });
        json!({"result": 1, "active": 1, "action_id": action_id, "model_id": model_id, "serial": sn})
    }

    pub(super) fn post_sn(
        &mut self,
        phone: &str,
        input: &Input,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let sn = input
            .text("sn")
            .or_else(|| input.text("serial"))
            .ok_or_else(|| err(16, "incorrect sn"))?;
        if !Self::serial_is_valid(&sn) {
            return Err(err(16, "incorrect sn"));
        }
        if self.already_registered(&sn) {
            return Err(err(16, format!("Серийный номер {sn} уже зарегистрирован")));
        }
        let Some(known) = self.serials.get(&sn) else {
            return Err(err(
                16,
                format!("Серийный номер {sn} не принимает участия в акции"),
            ));
        };
        let today = now.date_naive();
        let running: Vec<(u64, u64)> = known
            .iter()
            .copied()
            .filter(|(a, _)| {
                self.actions
                    .iter()
                    .any(|x| x.id == *a && x.is_running(today))
            })
            .collect();
        match running.as_slice() {
            [] => Err(err(13, "incorrect action model")),
            [(a, m)] => {
                let needs_more = self
                    .actions
                    .iter()
                    .find(|x| x.id == *a)
                    .and_then(|x| x.models.iter().find(|y| y.id == *m))
                    .is_some_and(|y| y.photo || y.tt);
                if needs_more {
                    Ok(
                        json!({"result": 2, "active": 1, "action_id": a, "model_id": m, "serial": sn, "comment": "model must be specified"}),
                    )
                } else {
                    Ok(self.register(phone, &sn, *a, *m, now))
                }
            }
            _ => Err(err(17, "found several action models")),
        }
    }

    pub(super) fn post_sn_model(
        &mut self,
        phone: &str,
        input: &Input,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let action_id = input.id("action_id");
        let action = self
            .actions
            .iter()
            .find(|a| Some(a.id) == action_id)
            .cloned()
            .ok_or_else(|| err(11, "incorrect action"))?;
        // ERGO accepts a registration up to 3 days after the action's end.
        let deadline = action
            .date_to
            .checked_add_days(Days::new(3))
            .unwrap_or(action.date_to);
        let captured = input
            .text("date")
            .and_then(|d| loyalty_core::de::parse_naive_datetime(&d))
            .map_or(now.date_naive(), |d| d.date());
        if now.date_naive() > deadline || captured > action.date_to || captured < action.date_from {
            return Err(err(12, "incorrect action date"));
        }
        let model_id = input.id("model_id");
        let model = action
            .models
            .iter()
            .find(|m| Some(m.id) == model_id)
            .cloned()
            .ok_or_else(|| err(13, "incorrect action model"))?;
        let sn = input.text("sn").ok_or_else(|| err(16, "incorrect sn"))?;
        if !Self::serial_is_valid(&sn) {
            return Err(err(16, "incorrect sn"));
        }
        if self.already_registered(&sn) {
            return Err(err(16, format!("Серийный номер {sn} уже зарегистрирован")));
        }
        if let Some(known) = self.serials.get(&sn) {
            if !known.contains(&(action.id, model.id)) {
                return Err(err(
                    16,
                    format!("Серийный номер {sn} не принимает участия в акции"),
                ));
            }
        }
        let tt = input.text("sn_tt");
        let own_tt = |id: &str| {
            id.parse::<u64>().ok().is_some_and(|id| {
                self.sellers
                    .get(phone)
                    .is_some_and(|s| s.trade_points.contains(&id))
            })
        };
        match &tt {
            Some(id) if !own_tt(id) => return Err(err(14, "incorrect sn_tt data")),
            None if model.tt => return Err(err(14, "incorrect sn_tt data")),
            _ => {}
        }
        if model.photo {
            match &input.file {
                None => return Err(err(15, "Необходимо приложить фото")),
                Some(f)
                    if f.size == 0
                        || !f
                            .content_type
                            .as_deref()
                            .is_some_and(|t| t.starts_with("image/")) =>
                {
                    return Err(err(14, "incorrect sn_photo data"));
                }
                Some(_) => {}
            }
        }
        Ok(self.register(phone, &sn, action.id, model.id, now))
    }

    pub(super) fn post_question(
        &mut self,
        phone: &str,
        input: &Input,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        let question = input
            .text("question")
            .ok_or_else(|| refused("incorrect question"))?;
        let file = input.file.clone().unwrap_or_default();
        self.questions.push(StoredQuestion {
            phone: phone.to_owned(),
            question,
            file_name: file.name,
            file_type: file.content_type,
            file_size: file.size,
            at: now.naive_utc().format(DATETIME_FORMAT).to_string(),
        });
        Ok(json!({"active": 1, "result": 1}))
    }
}
