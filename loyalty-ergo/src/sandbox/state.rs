//! The sandbox's in-memory world and the API's behaviour over it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use chrono::{DateTime, Days, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::ErgoMethod;
use crate::types::{Action, DATETIME_FORMAT};

mod control;
mod seed;
mod serials;

/// An API error: code and comment.
pub(crate) type ApiError = (i64, String);

/// The code of a refusal the seed gives no error code for: answered as HTTP 400 with only a
/// `comment` (the sandbox invents no codes).
pub(crate) const NO_CODE: i64 = i64::MIN;

/// A refusal without an ERGO code (see [`NO_CODE`]).
fn refused(comment: impl Into<String>) -> ApiError {
    (NO_CODE, comment.into())
}

fn err(code: i64, comment: impl Into<String>) -> ApiError {
    (code, comment.into())
}

/// A seller (a programme member).
#[derive(Debug, Clone)]
pub(crate) struct Seller {
    pub phone: String,
    pub name: String,
    pub lastname: String,
    pub surname: String,
    pub email: String,
    pub active: bool,
    pub trade_points: Vec<u64>,
    pub bonus: Decimal,
    pub points: Decimal,
    /// Earned before the registrations the sandbox holds.
    pub earned_before: Decimal,
    pub payoffs: Vec<(NaiveDate, Decimal, String)>,
    pub pending_changes: BTreeSet<&'static str>,
}

#[derive(Debug, Clone)]
pub(crate) struct ModelRec {
    pub id: u64,
    pub name: String,
    pub points: Decimal,
    pub brand_id: u64,
    pub brand: String,
    pub imei: bool,
    pub photo: bool,
    pub tt: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct ActionRec {
    pub id: u64,
    pub name: String,
    pub type_id: u8,
    pub date_from: NaiveDate,
    pub date_to: NaiveDate,
    pub description: Option<String>,
    pub hot_notice: Option<String>,
    pub models: Vec<ModelRec>,
}

impl ActionRec {
    fn hash(&self) -> String {
        // Not ERGO's hash (unknown): a stable digest of the same inputs.
        let mut s = format!("{}|{}|{}", self.id, self.date_from, self.date_to);
        let mut models: Vec<&ModelRec> = self.models.iter().collect();
        models.sort_by_key(|m| m.id);
        for m in models {
            s.push_str(&format!("|{}:{}", m.id, m.points));
        }
        format!("{:016x}", fnv(&s))
    }

    fn is_running(&self, day: NaiveDate) -> bool {
        day >= self.date_from && day <= self.date_to
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The type of a stored registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RegState {
    ToBalance,
    ForTest,
    ForConfirmation,
    Rejected,
    /// Moved to the balance already.
    Paid,
}

impl RegState {
    fn type_name(self) -> &'static str {
        match self {
            Self::ToBalance | Self::Paid => "registration_to_balance",
            Self::ForTest => "registration_for_test",
            Self::ForConfirmation => "registration_for_confirmation",
            Self::Rejected => "registration_rejected",
        }
    }
    fn status(self) -> &'static str {
        match self {
            Self::ToBalance => "Підтверджена",
            Self::ForTest => "Потрібен тест",
            Self::ForConfirmation => "На підтвердженні",
            Self::Rejected => "Відхилена",
            Self::Paid => "Зарахована",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct RegRec {
    pub id: u64,
    pub phone: String,
    pub sn: String,
    pub action_name: String,
    pub model_name: String,
    pub points: Decimal,
    pub date: NaiveDateTime,
    pub state: RegState,
    pub comment: String,
    pub to_balance_date: Option<NaiveDateTime>,
}

/// What an operator decides about a registration (the sandbox's admin hooks; the states are the
/// seed's `registration_*` types).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistrationDecision {
    /// Confirmed, no test needed: `registration_to_balance` (not yet on the balance).
    Confirm,
    /// Confirmed, but the seller must pass a test: `registration_for_test`.
    SendToTest,
    /// Rejected, with the reason shown as `registration_comment`: `registration_rejected`.
    Reject(String),
    /// Moved to the balance: the bonus grows, `registration_to_balance` = 1 with its date.
    Pay,
}

/// A question a seller sent with `PostQuestion`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub struct StoredQuestion {
    /// The seller's phone (12 digits).
    pub phone: String,
    /// The question.
    pub question: String,
    /// The attached file's name, if any.
    pub file_name: Option<String>,
    /// The attached file's MIME type, if any.
    pub file_type: Option<String>,
    /// The attached file's size in bytes (0 without a file).
    pub file_size: usize,
    /// When it arrived (sandbox clock, UTC).
    pub at: String,
}

#[derive(Debug, Clone)]
pub(crate) struct NoticeRec {
    pub id: u64,
    pub name: String,
    pub text: String,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub(crate) struct ArticleRec {
    pub id: u64,
    pub name: String,
    pub date: NaiveDate,
    pub notice: String,
    pub photo: String,
    pub text: String,
}

#[derive(Debug, Clone)]
struct CodeRec {
    code: String,
    issued_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct SessionRec {
    phone: String,
    expires_at: DateTime<Utc>,
}

/// A file part received by the sandbox.
#[derive(Debug, Clone, Default)]
pub(crate) struct FilePart {
    pub name: Option<String>,
    pub content_type: Option<String>,
    pub size: usize,
}

/// A request as the sandbox reads it, JSON or multipart alike: text fields and an optional file.
#[derive(Debug, Default)]
pub(crate) struct Input {
    pub fields: HashMap<String, Value>,
    pub file: Option<FilePart>,
}

impl Input {
    /// A field as trimmed text (`None` when absent, null or empty).
    pub fn text(&self, key: &str) -> Option<String> {
        let t = match self.fields.get(key)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!t.is_empty()).then_some(t)
    }

    fn id(&self, key: &str) -> Option<u64> {
        self.text(key)?.parse().ok()
    }
}

/// The sandbox's settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub session_ttl: Duration,
    pub code_cooldown: Duration,
    pub fixed_code: Option<String>,
}

/// The whole in-memory world.
#[derive(Debug)]
pub(crate) struct World {
    pub settings: Settings,
    pub sellers: BTreeMap<String, Seller>,
    pub trade_points: BTreeMap<u64, String>,
    pub actions: Vec<ActionRec>,
    /// Serial number → (action, model) it belongs to.
    pub serials: HashMap<String, Vec<(u64, u64)>>,
    pub registrations: Vec<RegRec>,
    codes: HashMap<String, CodeRec>,
    pub last_codes: HashMap<String, String>,
    sessions: HashMap<String, SessionRec>,
    pub notices: Vec<NoticeRec>,
    pub news: Vec<ArticleRec>,
    pub questions: Vec<StoredQuestion>,
    next_id: u64,
}

fn dec(n: i64) -> Decimal {
    Decimal::from(n)
}

/// Decimal as the seed writes numbers: integers as JSON numbers, fractions as strings (exact).
fn num(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0 {
        if let Ok(i) = i64::try_from(d.mantissa()) {
            return Value::from(i);
        }
    }
    Value::from(d.to_string())
}

fn flag(b: bool) -> Value {
    Value::from(if b { "1" } else { "0" })
}

impl World {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Runs one API call. `Ok` is the success body without `methodresponse`.
    pub fn handle(
        &mut self,
        method: ErgoMethod,
        input: &Input,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        match method {
            ErgoMethod::GetAuthCode => self.get_auth_code(input, now),
            ErgoMethod::GetToken => self.get_token(input, now),
            _ => {
                let phone = self.check_session(input, now)?;
                self.with_session(method, &phone, input, now)
            }
        }
    }

    fn with_session(
        &mut self,
        method: ErgoMethod,
        phone: &str,
        input: &Input,
        now: DateTime<Utc>,
    ) -> Result<Value, ApiError> {
        match method {
            ErgoMethod::GetChanges => Ok(self.get_changes(phone)),
            ErgoMethod::GetProfile => self.profile(phone),
            ErgoMethod::PostProfile => self.post_profile(phone, input),
            ErgoMethod::GetBalanceInfo => self.balance(phone),
            ErgoMethod::GetRegistrations => Ok(self.registrations_of(phone, input)),
            ErgoMethod::GetNotices => Ok(self.notices_json(now)),
            ErgoMethod::GetActions => Ok(self.actions_json()),
            ErgoMethod::PostSN => self.post_sn(phone, input, now),
            ErgoMethod::PostSNModel => self.post_sn_model(phone, input, now),
            ErgoMethod::PostQuestion => self.post_question(phone, input, now),
            ErgoMethod::GetNews => Ok(self.news_json()),
            ErgoMethod::GetArticle => self.article(input),
            ErgoMethod::GetAuthCode | ErgoMethod::GetToken => Err(err(0, "unexpected method")),
        }
    }

    fn phone_of(input: &Input) -> Option<String> {
        let p: String = input
            .text("phone")?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        (p.len() == 12).then_some(p)
    }

    fn get_auth_code(&mut self, input: &Input, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let phone = Self::phone_of(input).ok_or_else(|| err(1, "incorrect phone"))?;
        let seller = self
            .sellers
            .get(&phone)
            .ok_or_else(|| err(1, "incorrect phone"))?;
        if !seller.active {
            return Err(err(3, "user is not active"));
        }
        let cooldown = chrono::Duration::from_std(self.settings.code_cooldown)
            .unwrap_or(chrono::Duration::MAX);
        if let Some(c) = self.codes.get(&phone) {
            if now.signed_duration_since(c.issued_at) < cooldown {
                return Err(err(2, "code has been sent"));
            }
        }
        let code = self
            .settings
            .fixed_code
            .clone()
            .unwrap_or_else(|| format!("{:04}", fastrand::u32(0..10_000)));
        self.codes.insert(
            phone.clone(),
            CodeRec {
                code: code.clone(),
                issued_at: now,
            },
        );
        self.last_codes.insert(phone, code);
        Ok(json!({"result": 1, "comment": "Код надіслано на вказаний номер телефону"}))
    }

    fn get_token(&mut self, input: &Input, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let phone = Self::phone_of(input).ok_or_else(|| err(1, "incorrect phone"))?;
        let seller = self
            .sellers
            .get(&phone)
            .ok_or_else(|| err(1, "incorrect phone"))?;
        if !seller.active {
            return Err(err(3, "user is not active"));
        }
        let given = input.text("code").unwrap_or_default();
        match self.codes.get(&phone) {
            Some(c) if c.code == given => {}
            _ => return Err(err(2, "incorrect code")),
        }
        self.codes.remove(&phone);
        let token: String = (0..32)
            .map(|_| char::from_digit(fastrand::u32(0..16), 16).unwrap_or('0'))
            .collect();
        let ttl = chrono::Duration::from_std(self.settings.session_ttl)
            .unwrap_or(chrono::Duration::days(3650));
        self.sessions.insert(
            token.clone(),
            SessionRec {
                phone: phone.clone(),
                expires_at: now + ttl,
            },
        );
        let mut body = self.profile_fields(&phone);
        if let Value::Object(m) = &mut body {
            m.insert("session".into(), Value::from(token));
            m.remove("trade_points");
        }
        Ok(body)
    }

    fn check_session(&self, input: &Input, now: DateTime<Utc>) -> Result<String, ApiError> {
        let token = input.text("session").unwrap_or_default();
        let s = self
            .sessions
            .get(&token)
            .ok_or_else(|| err(2, "the session is incorrect"))?;
        if s.expires_at <= now {
            return Err(err(1, "the session was expired"));
        }
        match self.sellers.get(&s.phone) {
            Some(seller) if seller.active => Ok(s.phone.clone()),
            _ => Err(err(3, "user is not active")),
        }
    }

    /// Expires sessions (all, or one phone's); returns how many.
    pub fn expire_sessions(&mut self, phone: Option<&str>, now: DateTime<Utc>) -> usize {
        let mut n = 0;
        for s in self.sessions.values_mut() {
            if phone.is_none_or(|p| p == s.phone) && s.expires_at > now {
                s.expires_at = now;
                n += 1;
            }
        }
        n
    }

    fn get_changes(&mut self, phone: &str) -> Value {
        let changes: Vec<&'static str> = self
            .sellers
            .get_mut(phone)
            .map(|s| std::mem::take(&mut s.pending_changes).into_iter().collect())
            .unwrap_or_default();
        if changes.is_empty() {
            return json!({"code": 0});
        }
        let modified: Vec<Value> = changes
            .into_iter()
            .map(|t| json!({"data_type": t, "data_api": format!("Get{t}")}))
            .collect();
        json!({"code": 1, "Modified_data": modified})
    }

    /// Marks `kind` changed for every seller.
    pub fn mark_changed(&mut self, kind: &'static str) {
        for s in self.sellers.values_mut() {
            s.pending_changes.insert(kind);
        }
    }

    fn profile_fields(&self, phone: &str) -> Value {
        let Some(s) = self.sellers.get(phone) else {
            return json!({});
        };
        let tts: Vec<Value> = s
            .trade_points
            .iter()
            .map(|id| {
                json!({"tt_id": id, "tt_name": self.trade_points.get(id).cloned().unwrap_or_default()})
            })
            .collect();
        json!({
            "active": i32::from(s.active),
            "user_name": s.name,
            "user_lastname": s.lastname,
            "user_surname": s.surname,
            "user_phone": s.phone,
            "user_email": s.email,
            "trade_points": tts,
        })
    }

    fn profile(&self, phone: &str) -> Result<Value, ApiError> {
        Ok(self.profile_fields(phone))
    }

    fn post_profile(&mut self, phone: &str, input: &Input) -> Result<Value, ApiError> {
        if let Some(s) = self.sellers.get_mut(phone) {
            if let Some(v) = input.text("user_name") {
                s.name = v;
            }
            if let Some(v) = input.text("user_lastname") {
                s.lastname = v;
            }
            if let Some(v) = input.text("user_surname") {
                s.surname = v;
            }
            if let Some(v) = input.text("user_email") {
                s.email = v;
            }
        }
        Ok(self.profile_fields(phone))
    }

    fn sum(&self, phone: &str, pred: impl Fn(RegState) -> bool) -> Decimal {
        self.registrations
            .iter()
            .filter(|r| r.phone == phone && pred(r.state))
            .map(|r| r.points)
            .sum()
    }

    fn balance(&self, phone: &str) -> Result<Value, ApiError> {
        let s = self
            .sellers
            .get(phone)
            .ok_or_else(|| err(2, "the session is incorrect"))?;
        // Earned over all time: every registration but the rejected ones, the paid ones included
        // (the seed's `registration_to_balance` counts only those not yet on the balance).
        let all = s.earned_before + self.sum(phone, |st| st != RegState::Rejected);
        let payoffs: Vec<Value> = s
            .payoffs
            .iter()
            .map(|(d, b, how)| {
                json!({"to_payoff_date": d.format("%Y-%m-%d").to_string(), "to_payoff_bonus": num(*b), "to_payoff_get": how})
            })
            .collect();
        Ok(json!({
            "active": 1,
            "bonus": num(s.bonus),
            "points": num(s.points),
            "registration_to_balance": num(self.sum(phone, |st| st == RegState::ToBalance)),
            "registration_for_test": num(self.sum(phone, |st| st == RegState::ForTest)),
            "registration_for_confirmation": num(self.sum(phone, |st| st == RegState::ForConfirmation)),
            "registration_rejected": num(self.sum(phone, |st| st == RegState::Rejected)),
            "registration_all": num(all),
            "to_payoff": payoffs,
        }))
    }

    fn registrations_of(&self, phone: &str, input: &Input) -> Value {
        let kind = input
            .text("type_registration")
            .unwrap_or_else(|| "registration_all".into());
        let regs: Vec<Value> = self
            .registrations
            .iter()
            .filter(|r| r.phone == phone && (kind == "registration_all" || r.state.type_name() == kind))
            .map(|r| {
                json!({
                    "registration_id": r.id,
                    "registration_status": r.state.status(),
                    "registration_comment": r.comment,
                    "registration_sn": r.sn,
                    "registration_action": r.action_name,
                    "registration_model": r.model_name,
                    "registration_points": num(r.points),
                    "registration_date": r.date.format(DATETIME_FORMAT).to_string(),
                    "registration_to_balance": i32::from(r.to_balance_date.is_some()),
                    "registration_to_balance_date": r.to_balance_date.map(|d| d.format(DATETIME_FORMAT).to_string()).unwrap_or_default(),
                })
            })
            .collect();
        json!({"active": 1, "type_registration": kind, "registrations": regs})
    }

    fn notices_json(&self, now: DateTime<Utc>) -> Value {
        let now = now.naive_utc();
        let list: Vec<Value> = self
            .notices
            .iter()
            .filter(|n| n.to >= now)
            .map(|n| {
                json!({
                    "notice_id": n.id,
                    "notice_name": n.name,
                    "notice_text": n.text,
                    "notice_from": n.from.format(DATETIME_FORMAT).to_string(),
                    "notice_to": n.to.format(DATETIME_FORMAT).to_string(),
                })
            })
            .collect();
        json!({"active": 1, "notices": list})
    }

    fn actions_json(&self) -> Value {
        let list: Vec<Value> = self
            .actions
            .iter()
            .map(|a| {
                let models: Vec<Value> = a
                    .models
                    .iter()
                    .map(|m| {
                        json!({
                            // The seed mixes "1511" and 1512: ids go out as strings here.
                            "model_id": m.id.to_string(),
                            "model_name": m.name,
                            "model_pionts": num(m.points),
                            "model_brand_id": m.brand_id,
                            "model_brand": m.brand,
                            "model_imei": flag(m.imei),
                            "model_photo": flag(m.photo),
                            "model_tt": flag(m.tt),
                            "model_hash": format!("{:012x}", fnv(&format!("{}:{}:{}", m.id, m.name, m.points))),
                        })
                    })
                    .collect();
                let mut v = json!({
                    "action_id": a.id,
                    "action_name": a.name,
                    "action_type_id": a.type_id,
                    "action_type": if a.type_id == 0 { "Накопительная" } else { "Бонусная" },
                    "action_date_from": a.date_from.format("%Y-%m-%d").to_string(),
                    "action_date_to": a.date_to.format("%Y-%m-%d").to_string(),
                    "action_hash": a.hash(),
                    "models": models,
                });
                if let Value::Object(m) = &mut v {
                    if let Some(d) = &a.description {
                        m.insert("action_description".into(), Value::from(d.clone()));
                    }
                    if let Some(h) = &a.hot_notice {
                        m.insert("action_hot_notice".into(), Value::from(h.clone()));
                    }
                }
                v
            })
            .collect();
        json!({"active": 1, "actions": list})
    }

    fn news_json(&self) -> Value {
        let list: Vec<Value> = self
            .news
            .iter()
            .map(|a| {
                json!({
                    "article_id": a.id,
                    "article_name": a.name,
                    "article_date": a.date.format("%Y-%m-%d").to_string(),
                    "article_notice": a.notice,
                    "article_photo": a.photo,
                })
            })
            .collect();
        json!({"news": list})
    }

    fn article(&self, input: &Input) -> Result<Value, ApiError> {
        let id = input.id("article_id");
        let a = self
            .news
            .iter()
            .find(|a| Some(a.id) == id)
            .ok_or_else(|| refused("incorrect article_id"))?;
        Ok(json!({"article_text": a.text}))
    }
}
