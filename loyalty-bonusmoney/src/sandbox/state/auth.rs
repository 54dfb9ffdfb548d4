//! Verification and sign-up: the options (a captcha when asked), SMS and call verification, log-in without one, sign-up.

use super::*;

impl State {
    pub(super) fn options_for(&self, key: &str, current: AuthType) -> AuthOptions {
        let now = self.now();
        let remaining = |sent: Option<&NaiveDateTime>| {
            sent.map_or(0, |at| {
                (*at + self.settings.cooldown - now)
                    .num_milliseconds()
                    .max(0)
            })
        };
        let pa = self.auth.get(key);
        let sms_sent = pa.and_then(|a| a.sms.as_ref()).map(|(_, at)| at);
        let call = pa.and_then(|a| a.call.as_ref());
        let mut list = vec![
            AuthOption::new(AuthType::Sms, None, Some(remaining(sms_sent))),
            AuthOption::new(
                AuthType::CallPass,
                pa.and_then(|a| a.call_to.clone()),
                Some(remaining(call.map(|(_, at)| at))),
            ),
        ];
        if self.settings.allow_no_verification {
            list.push(AuthOption::new(AuthType::No, None, Some(0)));
        }
        // As the seed's example: the current type is not among `availableTypes`.
        list.retain(|o| o.auth_type != current);
        AuthOptions::new(current, list)
    }

    pub(crate) fn get_options(&mut self, body: &[u8]) -> Res<AuthOptions> {
        let req: GetOptionsRequest = parse(body)?;
        if req.country_code.trim().len() != 2 {
            return Err(ApiError::field(
                400,
                "countryCode",
                "a 2-letter region code is required",
            ));
        }
        let (key, _) = key_of(&req.phone)?;
        let wanted = req.auth_type.clone().unwrap_or(AuthType::Sms);
        match &wanted {
            AuthType::Sms | AuthType::CallPass => {}
            AuthType::No if self.settings.allow_no_verification => {}
            other => {
                return Err(ApiError::field(
                    400,
                    "type",
                    &format!("verification type {other} is not available"),
                ));
            }
        }
        let now = self.now();
        let captcha_after = self.settings.captcha_after;
        let pa = self.auth.entry(key.clone()).or_default();
        if pa.call_to.is_none() {
            let d = random_digits(4);
            pa.call_to = Some(format!("+7 (800) 100-{}-{}", &d[..2], &d[2..]));
        }
        // A pending captcha must be solved first.
        if let Some((token, answer)) = pa.captcha.clone() {
            let solved = req.captcha_token.as_deref() == Some(token.as_str())
                && req
                    .captcha_text
                    .as_deref()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case(&answer));
            if !solved {
                return Ok(self.with_new_captcha(&key, wanted));
            }
            pa.captcha = None;
            pa.requests = 0;
        } else {
            pa.requests = pa.requests.saturating_add(1);
            if captcha_after > 0 && pa.requests > captcha_after {
                return Ok(self.with_new_captcha(&key, wanted));
            }
        }
        let cooldown = self.settings.cooldown;
        let cooling = |sent: &Option<(String, NaiveDateTime)>| {
            sent.as_ref().is_some_and(|(_, at)| *at + cooldown > now)
        };
        match &wanted {
            AuthType::Sms if !cooling(&pa.sms) => {
                pa.sms = Some((random_digits(4), now));
            }
            AuthType::CallPass if !cooling(&pa.call) => {
                let to = pa.call_to.clone().unwrap_or_default();
                pa.call = Some((to, now));
            }
            _ => {}
        }
        Ok(self.options_for(&key, wanted))
    }

    pub(super) fn with_new_captcha(&mut self, key: &str, wanted: AuthType) -> AuthOptions {
        let token = format!(
            "{}-{}-{}",
            random_digits(8),
            random_digits(4),
            random_digits(12)
        );
        if let Some(pa) = self.auth.get_mut(key) {
            pa.captcha = Some((token.clone(), CAPTCHA_ANSWER.to_owned()));
        }
        let mut opts = self.options_for(key, wanted);
        opts.captcha = Some(CaptchaChallenge::new(token, self.captcha_png.clone()));
        opts
    }

    pub(super) fn auth_set(&mut self, key: &str, phone: &Phone) -> AuthSet {
        let mut set = AuthSet::default();
        // The seed marks `signUpToken` required: every answer carries one, a member's too.
        let token = format!("su-{}", random_digits(24));
        self.sign_up_tokens.insert(token.clone(), key.to_owned());
        set.sign_up_token = Some(SecretStringEq::from(token));
        if let Some(acc) = self.accounts.get_mut(key) {
            acc.customer.is_phone_verified = true;
            set.customer = Some(acc.customer.clone());
        } else {
            set.in_company_profile = self.prefills.get(key).cloned().map(|mut c| {
                c.phone = phone.bracketed();
                c
            });
        }
        set
    }

    pub(crate) fn verify_by_sms(&mut self, body: &[u8]) -> Res<AuthSet> {
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            code: Option<String>,
            phone: String,
        }
        let req: Body = parse(body)?;
        let (key, phone) = key_of(&req.phone)?;
        let now = self.now();
        let ttl = self.settings.code_ttl;
        let ok = self
            .auth
            .get(&key)
            .and_then(|a| a.sms.as_ref())
            .is_some_and(|(code, at)| {
                Some(code.as_str()) == req.code.as_deref().map(str::trim) && *at + ttl > now
            });
        if !ok {
            return Err(ApiError::new(400, "Неверный или просроченный код"));
        }
        if let Some(a) = self.auth.get_mut(&key) {
            a.sms = None;
        }
        Ok(self.auth_set(&key, &phone))
    }

    pub(crate) fn verify_by_call(&mut self, body: &[u8]) -> Res<AuthSet> {
        #[derive(Deserialize)]
        struct Body {
            phone: String,
            #[serde(default)]
            to: Option<String>,
        }
        let req: Body = parse(body)?;
        let (key, phone) = key_of(&req.phone)?;
        let now = self.now();
        let ttl = self.settings.code_ttl;
        let to = req.to.as_deref().map(digits).unwrap_or_default();
        let ok = self
            .auth
            .get(&key)
            .and_then(|a| a.call.as_ref())
            .is_some_and(|(call_to, at)| digits(call_to) == to && *at + ttl > now);
        if !ok {
            return Err(ApiError::new(400, "Звонок с этого номера не найден"));
        }
        if let Some(a) = self.auth.get_mut(&key) {
            a.call = None;
        }
        Ok(self.auth_set(&key, &phone))
    }

    pub(crate) fn log_in_without_verification(&mut self, body: &[u8]) -> Res<AuthSet> {
        #[derive(Deserialize)]
        struct Body {
            phone: String,
        }
        let req: Body = parse(body)?;
        if !self.settings.allow_no_verification {
            return Err(ApiError::new(403, "Компания требует подтверждения номера"));
        }
        let (key, phone) = key_of(&req.phone)?;
        Ok(self.auth_set(&key, &phone))
    }

    pub(crate) fn sign_up(&mut self, body: &[u8]) -> Res<Customer> {
        #[derive(Deserialize)]
        struct Body {
            #[serde(flatten)]
            data: ProfileData,
            #[serde(rename = "signUpToken", default)]
            sign_up_token: Option<String>,
        }
        let req: Body = parse(body)?;
        let token = req.sign_up_token.unwrap_or_default();
        let Some(key) = self.sign_up_tokens.get(&token).cloned() else {
            return Err(ApiError::field(
                400,
                "signUpToken",
                "Токен регистрации недействителен",
            ));
        };
        validate_profile(&req.data)?;
        if self.accounts.contains_key(&key) {
            return Err(ApiError::new(409, "Клиент уже зарегистрирован"));
        }
        self.sign_up_tokens.remove(&token);
        let phone = Phone::parse(&key, Region::RU)
            .map(|p| p.bracketed())
            .unwrap_or_else(|_| key.clone());
        let bmtoken = random_digits(50);
        let mut c = Customer::new(phone);
        apply_profile(&mut c, &req.data);
        c.bmtoken = Some(SecretStringEq::from(bmtoken.clone()));
        c.is_phone_verified = true;
        c.qr_code = Some(format!("21_{}", random_digits(18)));
        let now = self.now();
        let mut acc = Account {
            customer: c.clone(),
            token: bmtoken.clone(),
            marks: Decimal::ZERO,
            purchases_sum: Decimal::ZERO,
            txs: Vec::new(),
            events: Vec::new(),
            burns: Vec::new(),
            notifications: vec![Notification::new(
                format!("welcome-{}", random_digits(6)),
                "Добро пожаловать!",
                "Спасибо за регистрацию в программе лояльности",
                now,
            )],
        };
        let bonus = self.settings.welcome_bonus;
        if !bonus.is_zero() {
            let id = self.next_event_id();
            push_marks(&mut acc, id, now, bonus, "Приветственные баллы", None);
            acc.burns.push((now + ChronoDuration::days(90), bonus));
        }
        self.tokens.insert(bmtoken, key.clone());
        self.accounts.insert(key, acc);
        Ok(c)
    }
}
