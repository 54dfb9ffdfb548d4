//! The office services' operations: the customer's, the manager's and the administrator's.

use super::*;

impl State {
    pub(crate) fn customer_api(&mut self, op: &str, p: &Params) -> R<Value> {
        match op {
            "identity/advancedrequestsmslogin" => {
                self.partner(p)?;
                let phone = p.str("phone").unwrap_or_default();
                let contact = self
                    .contact_id_of(&phone)
                    .ok_or_else(|| bad("Контакт с таким телефоном не найден"))?;
                self.code(&phone);
                let token = self.guid(0x70);
                self.sms_logins.insert(token.clone(), (phone, contact));
                Ok(json!({ "value": token }))
            }
            "identity/advancedconfirmsmslogin" => {
                let token = p.str("token").unwrap_or_default();
                let (phone, contact) = self
                    .sms_logins
                    .get(&token)
                    .cloned()
                    .ok_or_else(|| bad("Неверный токен"))?;
                if self.codes.get(&phone) != p.str("temporarypassword").as_ref() {
                    return Err(bad("Неверный код подтверждения"));
                }
                self.sms_logins.remove(&token);
                self.codes.remove(&phone);
                let sid = self.new_session(Who::Customer(contact.clone()));
                Ok(json!({"Id": contact, "SessionId": sid, "Type": 1}))
            }
            "identity/requestadvancedphoneemailregistration" => {
                self.partner(p)?;
                let phone = p.str("mobilephone").unwrap_or_default();
                if phone.is_empty() {
                    return Err(bad("Не указан телефон"));
                }
                if self.contact_by_phone(&phone).is_some() {
                    return Err(bad("Контакт с таким телефоном уже зарегистрирован"));
                }
                let token = self.guid(0x7e);
                self.registrations.insert(
                    token.clone(),
                    Registration {
                        data: p.0.clone(),
                        phone,
                        code: None,
                        verified: false,
                    },
                );
                Ok(json!({ "value": token }))
            }
            "identity/requestmobilephoneverification" => {
                let token = p.str("token").unwrap_or_default();
                let phone = self
                    .registrations
                    .get(&token)
                    .map(|r| r.phone.clone())
                    .ok_or_else(|| bad("Неверный токен"))?;
                let code = self.code(&phone);
                if let Some(r) = self.registrations.get_mut(&token) {
                    r.code = Some(code);
                }
                Ok(json!({ "value": true }))
            }
            "identity/checksmsforregistration" => {
                self.partner(p)?;
                let token = p.str("token").unwrap_or_default();
                let mut r = self
                    .registrations
                    .remove(&token)
                    .ok_or_else(|| bad("Неверный токен"))?;
                if r.code.is_none() || r.code != p.str("code") {
                    self.registrations.insert(token, r);
                    return Err(bad("Неверный код подтверждения"));
                }
                r.verified = true;
                let next = self.guid(0x7f);
                self.registrations.insert(next.clone(), r);
                Ok(json!({ "value": next }))
            }
            "identity/advancedphoneemailregister" => {
                self.partner(p)?;
                let token = p.str("token").unwrap_or_default();
                match self.registrations.get(&token) {
                    Some(r) if r.verified => {}
                    _ => return Err(bad("Телефон не подтверждён")),
                }
                let r = self
                    .registrations
                    .remove(&token)
                    .ok_or_else(|| bad("Неверный токен"))?;
                if self.contact_by_phone(&r.phone).is_some() {
                    return Err(bad("Контакт с таким телефоном уже зарегистрирован"));
                }
                let id = self.create(&r.data);
                let card = json!({"Id": self.guid(0xca), "Number": format!("20000{:08}", self.seq), "StatusCode": 2});
                self.cards.push((id.clone(), card));
                let sid = self.new_session(Who::Customer(id.clone()));
                Ok(json!({"Id": id, "SessionId": sid}))
            }
            "identity/logout" => {
                let me = self.own(p, "id")?;
                let sid = p.str("sessionid").unwrap_or_default();
                self.sessions.remove(&sid);
                let _ = me;
                Ok(json!({ "value": true }))
            }
            "contact/get" => {
                let me = self.own(p, "id")?;
                Ok(self.with_balance(self.contact(&me)?))
            }
            "contact/update" => {
                let me = self.customer_of(p)?;
                let Some(Value::Object(entity)) = p.get("entity") else {
                    return Err(bad("Entity is required"));
                };
                if entity.get("Id").and_then(s).as_deref() != Some(me.as_str()) {
                    return Err(ApiError::new(403, "0", "Нет доступа к контакту"));
                }
                let c = self
                    .contacts
                    .iter_mut()
                    .find(|c| c.get("Id").and_then(s).as_deref() == Some(me.as_str()))
                    .ok_or_else(|| ApiError::new(404, "0", "Контакт не найден"))?;
                for (k, v) in entity {
                    if matches!(k.as_str(), "Id" | "ActiveBalance" | "Summ") {
                        continue;
                    }
                    let v = if k == "BirthDate" {
                        match v.as_str().and_then(loyalty_core::de::parse_naive_datetime) {
                            Some(d) => Value::from(fmt_dt(d)),
                            None => return Err(bad("Неверная дата рождения")),
                        }
                    } else {
                        v.clone()
                    };
                    c.insert(k.clone(), v);
                }
                Ok(json!({ "value": me }))
            }
            "card/getallbycontact" => {
                let me = self.own(p, "contactid")?;
                Ok(Self::list(
                    self.cards
                        .iter()
                        .filter(|(c, _)| *c == me)
                        .map(|(_, v)| v.clone())
                        .collect(),
                ))
            }
            "coupon/getallbycontact" => {
                let me = self.own(p, "contactid")?;
                Ok(Self::list(
                    self.coupons
                        .iter()
                        .filter(|(c, _)| *c == me)
                        .map(|(_, v)| v.clone())
                        .collect(),
                ))
            }
            "cheque/getallbycontact" => {
                let me = self.own(p, "contactid")?;
                Ok(self.cheques_of(&me))
            }
            "chequeitem/getallbycheque" => {
                let me = self.customer_of(p)?;
                self.items_of(&p.str("chequeid").unwrap_or_default(), Some(&me))
            }
            "bonus/getallbycontact" => {
                let me = self.own(p, "contactid")?;
                let take = p.int("take").unwrap_or(i64::MAX);
                let skip = p.int("skip").unwrap_or(0);
                let mut list: Vec<&BonusRec> =
                    self.bonuses.iter().filter(|b| b.contact == me).collect();
                list.reverse();
                Ok(Self::list(
                    list.into_iter()
                        .skip(usize::try_from(skip).unwrap_or(0))
                        .take(usize::try_from(take).unwrap_or(usize::MAX))
                        .map(|b| Value::Object(b.body.clone()))
                        .collect(),
                ))
            }
            _ => Err(ApiError::new(404, "0", "Метод не найден")),
        }
    }

    pub(super) fn create(&mut self, data: &Map<String, Value>) -> String {
        let id = self.guid(0xc1);
        let mut c = Map::new();
        c.insert("Id".into(), Value::from(id.clone()));
        for (k, v) in data {
            let key = match k.as_str() {
                "Firstname" => "FirstName",
                "Lastname" => "LastName",
                "PartnerId" | "Password" | "AppId" | "SessionId" | "sessionId" => continue,
                other => other,
            };
            c.insert(key.to_owned(), v.clone());
        }
        c.insert("RegistrationDate".into(), Value::from(fmt_dt(self.now())));
        self.contacts.push(c);
        id
    }

    pub(crate) fn manager_api(&mut self, op: &str, p: &Params) -> R<Value> {
        if op == "identity/login" {
            if p.str("login").as_deref() == Some(MANAGER_LOGIN)
                && p.str("password").as_deref() == Some(MANAGER_PASSWORD)
            {
                let sid = self.new_session(Who::Manager);
                return Ok(json!({"Id": "00000000-0000-4000-8000-0000000000m1", "SessionId": sid}));
            }
            return Err(ApiError::new(400, "0", "Неверный логин или пароль"));
        }
        self.manager(p)?;
        match op {
            "contact/filterbyphoneandemail" => {
                let phone = p.str("mobilephone").unwrap_or_default();
                let found: Vec<Value> = self
                    .contact_by_phone(&phone)
                    .map(|c| Value::Object(c.clone()))
                    .into_iter()
                    .collect();
                Ok(Self::list(found))
            }
            "contact/create" => {
                let Some(Value::Object(entity)) = p.get("entity") else {
                    return Err(bad("Entity is required"));
                };
                let phone = entity.get("MobilePhone").and_then(s).unwrap_or_default();
                if phone.is_empty() || self.contact_by_phone(&phone).is_some() {
                    return Err(bad("Контакт с таким телефоном уже зарегистрирован"));
                }
                let entity = entity.clone();
                Ok(json!({ "value": self.create(&entity) }))
            }
            "cheque/getallbycontact" => {
                let id = p.str("contactid").unwrap_or_default();
                self.contact(&id)?;
                Ok(self.cheques_of(&id))
            }
            "chequeitem/getallbycheque" => {
                self.items_of(&p.str("chequeid").unwrap_or_default(), None)
            }
            _ => Err(ApiError::new(404, "0", "Метод не найден")),
        }
    }

    pub(crate) fn admin_api(&mut self, op: &str, p: &Params) -> R<Value> {
        if p.str("sessionid").as_deref() != Some(ADMIN_SESSION) {
            return Err(session_error());
        }
        match op {
            "chequeitem/getallbycheque" => {
                self.items_of(&p.str("chequeid").unwrap_or_default(), None)
            }
            "cheque/getallbycontact" => {
                let id = p.str("contactid").unwrap_or_default();
                self.contact(&id)?;
                Ok(self.cheques_of(&id))
            }
            _ => Err(ApiError::new(404, "0", "Метод не найден")),
        }
    }
}
