//! The sandbox's in-memory state and the operations on it.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use loyalty_core::Clock;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

mod api;

/// The partner id of the seeded programme.
pub const PARTNER_ID: &str = "7a1f0000-0000-4000-8000-00000000f10a";
/// The manager login the sandbox accepts.
pub const MANAGER_LOGIN: &str = "manager";
/// The manager password the sandbox accepts.
pub const MANAGER_PASSWORD: &str = "manager-password";
/// The fixed administrator session the sandbox accepts.
pub const ADMIN_SESSION: &str = "a0000000-0000-4000-8000-00000000ad01";
/// A member with two cards, several cheques with lines and bonus records.
pub const DEMO_PHONE: &str = "+79200000001";
/// A member without cards or cheques.
pub const NO_CARDS_PHONE: &str = "+79200000002";

/// An error the sandbox answers: status, `odata.error` code and message.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(status: u16, code: &str, message: &str) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }
}

type R<T> = Result<T, ApiError>;

fn bad(message: &str) -> ApiError {
    ApiError::new(400, "0", message)
}

fn session_error() -> ApiError {
    ApiError::new(401, "0", "Сессия не найдена или истекла")
}

/// A decimal as a JSON number.
pub(crate) fn num(d: Decimal) -> Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or(Value::Null)
}

fn fmt_dt(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S").to_string()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Who {
    Customer(String),
    Manager,
}

#[derive(Debug)]
struct SessionRec {
    who: Who,
    expires: DateTime<Utc>,
}

#[derive(Debug)]
struct Registration {
    data: Map<String, Value>,
    phone: String,
    code: Option<String>,
    verified: bool,
}

#[derive(Debug)]
struct ChequeRec {
    contact: String,
    body: Map<String, Value>,
    items: Vec<Value>,
}

#[derive(Debug)]
struct BonusRec {
    contact: String,
    debet: Decimal,
    credit: Decimal,
    body: Map<String, Value>,
}

/// A line of a cheque added through the admin surface.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SandboxLine {
    /// Product name.
    pub name: String,
    /// Unit price.
    pub price: Decimal,
    /// Quantity.
    pub quantity: Decimal,
    /// Discount on the line.
    #[serde(default)]
    pub discount: Decimal,
}

impl SandboxLine {
    /// A line without discount.
    pub fn new(name: impl Into<String>, price: Decimal, quantity: Decimal) -> Self {
        Self {
            name: name.into(),
            price,
            quantity,
            discount: Decimal::ZERO,
        }
    }
}

/// A cheque to add through the admin surface: it earns 5 % of the paid sum as bonuses and may
/// spend bonuses.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SandboxCheque {
    /// Lines.
    #[serde(default)]
    pub lines: Vec<SandboxLine>,
    /// Bonuses spent.
    #[serde(default)]
    pub bonus_spent: Decimal,
    /// Store name.
    #[serde(default)]
    pub store: Option<String>,
}

impl SandboxCheque {
    /// An empty cheque.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line.
    pub fn line(mut self, name: impl Into<String>, price: Decimal, quantity: Decimal) -> Self {
        self.lines.push(SandboxLine::new(name, price, quantity));
        self
    }

    /// Spends bonuses.
    pub fn spend(mut self, bonuses: Decimal) -> Self {
        self.bonus_spent = bonuses;
        self
    }
}

pub(crate) struct State {
    clock: Arc<dyn Clock>,
    session_ttl: Duration,
    contacts: Vec<Map<String, Value>>,
    cards: Vec<(String, Value)>,
    cheques: Vec<ChequeRec>,
    bonuses: Vec<BonusRec>,
    coupons: Vec<(String, Value)>,
    sessions: HashMap<String, SessionRec>,
    codes: HashMap<String, String>,
    sms_logins: HashMap<String, (String, String)>,
    registrations: HashMap<String, Registration>,
    /// The product catalogue: article `ART-0001` is the first name.
    articles: Vec<String>,
    seq: u64,
}

/// A registration opened with `RequestAdvancedPhoneEmailRegistration` and not finished yet, as
/// the test cabinet lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PendingRegistration {
    /// The phone, E.164.
    pub phone: String,
    /// The first name given.
    pub first_name: Option<String>,
    /// The last name given.
    pub last_name: Option<String>,
    /// Whether the SMS code was checked (only the finishing call is missing).
    pub verified: bool,
}

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl State {
    pub(crate) fn new(clock: Arc<dyn Clock>, session_ttl: Duration) -> Self {
        let mut st = Self {
            clock,
            session_ttl,
            contacts: Vec::new(),
            cards: Vec::new(),
            cheques: Vec::new(),
            bonuses: Vec::new(),
            coupons: Vec::new(),
            sessions: HashMap::new(),
            codes: HashMap::new(),
            sms_logins: HashMap::new(),
            registrations: HashMap::new(),
            articles: Vec::new(),
            seq: 0,
        };
        st.seed();
        st
    }

    fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    fn guid(&mut self, kind: u16) -> String {
        self.seq += 1;
        format!(
            "{:08x}-{kind:04x}-4000-8000-{:012x}",
            fastrand::u32(..),
            self.seq
        )
    }

    fn seed(&mut self) {
        let demo = "3f2c1a10-0000-4000-8000-000000000001".to_owned();
        let plain = "3f2c1a10-0000-4000-8000-000000000002".to_owned();
        let mut contact = |id: &str, phone: &str, first: &str, last: &str, middle: &str, g: i32| {
            let v = json!({
                "Id": id, "FirstName": first, "LastName": last, "MiddleName": middle,
                "GenderCode": g, "BirthDate": "1990-04-12T00:00:00", "MobilePhone": phone,
                "EmailAddress": "", "AllowNotification": true, "AllowEmail": false,
                "AllowSms": true, "AllowPhone": false, "AllowPush": false,
                "FamilyStatusCode": 0, "RegistrationDate": "2023-05-01T14:03:00",
                "LevelId": "9a1b0000-0000-4000-8000-0000000000aa"
            });
            if let Value::Object(m) = v {
                self.contacts.push(m);
            }
        };
        contact(&demo, DEMO_PHONE, "Анна", "Иванова", "Петровна", 2);
        contact(&plain, NO_CARDS_PHONE, "Пётр", "Сидоров", "", 1);
        self.cards.push((
            demo.clone(),
            json!({"Id": "c4d00000-0000-4000-8000-000000000001", "Number": "2000000000017", "StatusCode": 2}),
        ));
        self.cards.push((
            demo.clone(),
            json!({"Id": "c4d00000-0000-4000-8000-000000000002", "Number": "2000000000024", "StatusCode": 1}),
        ));
        self.coupons.push((
            demo.clone(),
            json!({"Id": "c0c00000-0000-4000-8000-000000000001", "Number": "SALE10", "Name": "Скидка 10% на витамины"}),
        ));
        let registered =
            loyalty_core::de::parse_naive_datetime("2023-05-01T14:03:00").unwrap_or_default();
        let welcome = self.record(
            &demo,
            Decimal::from(100),
            Decimal::ZERO,
            "Приветственные бонусы",
            None,
            registered,
        );
        self.bonuses.push(welcome);
        let base = |d: &str| loyalty_core::de::parse_naive_datetime(d).unwrap_or_default();
        let seeded = [
            (
                "2024-02-01T10:15:00",
                "Аптека №5",
                "ул. Ленина, 5",
                vec![("Аспирин", "300", "2"), ("Витамин C", "250", "1")],
                "50",
            ),
            (
                "2024-03-05T18:40:12",
                "Аптека №7",
                "ул. Мира, 7",
                vec![("Бинт", "120.50", "1")],
                "0",
            ),
            (
                "2024-04-10T09:05:44",
                "Аптека №5",
                "ул. Ленина, 5",
                vec![("Термометр", "890", "1"), ("Пластырь", "95", "3")],
                "0",
            ),
        ];
        for (i, (date, store, address, lines, spent)) in seeded.into_iter().enumerate() {
            let mut c = SandboxCheque::new();
            for (n, p, q) in lines {
                c = c.line(n, dec(p), dec(q));
            }
            c.bonus_spent = dec(spent);
            c.store = Some(store.to_owned());
            let id = format!("c0000000-0000-4000-8000-00000000000{}", i + 1);
            self.insert_cheque(&demo, &id, &c, base(date), Some(address));
        }
    }

    fn record(
        &mut self,
        contact: &str,
        debet: Decimal,
        credit: Decimal,
        rule: &str,
        parent: Option<&str>,
        at: NaiveDateTime,
    ) -> BonusRec {
        let id = self.guid(0xb0);
        let body = json!({
            "Id": id, "ContactId": contact, "CreatedDate": fmt_dt(at),
            "OperationType": if debet > Decimal::ZERO { 1 } else { 2 },
            "RuleName": rule, "Debet": num(debet), "Credit": num(credit),
            "ParentName": parent, "ParentType": 1, "OriginType": 2
        });
        BonusRec {
            contact: contact.to_owned(),
            debet,
            credit,
            body: match body {
                Value::Object(m) => m,
                _ => Map::new(),
            },
        }
    }

    /// The article number of a product name, added to the catalogue when new.
    fn article_of(&mut self, name: &str) -> String {
        let n = match self.articles.iter().position(|a| a == name) {
            Some(i) => i,
            None => {
                self.articles.push(name.to_owned());
                self.articles.len() - 1
            }
        };
        format!("ART-{:04}", n + 1)
    }

    /// The product name of an article of the catalogue.
    pub(crate) fn product_name(&self, article: &str) -> Option<String> {
        let n: usize = article.strip_prefix("ART-")?.parse().ok()?;
        self.articles.get(n.checked_sub(1)?).cloned()
    }

    /// Every contact as the API shows it.
    pub(crate) fn contacts(&self) -> Vec<Map<String, Value>> {
        self.contacts.clone()
    }

    /// The registrations opened and not finished.
    pub(crate) fn pending_registrations(&self) -> Vec<PendingRegistration> {
        let text = |r: &Registration, k: &str| {
            r.data
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_owned)
        };
        let mut out: Vec<PendingRegistration> = self
            .registrations
            .values()
            .map(|r| PendingRegistration {
                phone: r.phone.clone(),
                first_name: text(r, "FirstName"),
                last_name: text(r, "LastName"),
                verified: r.verified,
            })
            .collect();
        out.sort_by(|a, b| a.phone.cmp(&b.phone));
        out
    }

    fn insert_cheque(
        &mut self,
        contact: &str,
        id: &str,
        c: &SandboxCheque,
        at: NaiveDateTime,
        address: Option<&str>,
    ) -> Map<String, Value> {
        let mut summ = Decimal::ZERO;
        let mut paid = Decimal::ZERO;
        let mut items = Vec::new();
        for (i, l) in c.lines.iter().enumerate() {
            let line_summ = l.price * l.quantity;
            let line_paid = line_summ - l.discount;
            summ += line_summ;
            paid += line_paid;
            // Only the fields public integrations read from Manzana: no product name, no unit
            // price (the name comes from the catalogue by article, the price is Summ/Quantity).
            let article = self.article_of(&l.name);
            items.push(json!({
                "Id": format!("{id}-{i}"), "ArticleNumber": article,
                "Quantity": num(l.quantity),
                "Summ": num(line_summ), "SummDiscounted": num(line_paid), "PaidByBonus": 0
            }));
        }
        let spent = c.bonus_spent.min(self.balance(contact)).max(Decimal::ZERO);
        let earned = ((paid - spent) * Decimal::new(5, 2))
            .round_dp(2)
            .max(Decimal::ZERO);
        let number = format!("{}", 1000 + self.cheques.len() + 1);
        let store = c.store.clone().unwrap_or_else(|| "Аптека №1".to_owned());
        let body = json!({
            "Id": id, "Number": number, "Date": fmt_dt(at), "OrgUnitName": store,
            "OrgUnitFullName": format!("{store} (Флория)"),
            "OrgUnitAddress": address.unwrap_or(""),
            "Summ": num(summ), "SummDiscounted": num(paid), "PaidByBonus": num(spent),
            "Bonus": num(earned), "PartnerName": "Флория", "ChequeItemCount": items.len(),
            "OperationType": 1
        });
        let body = match body {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        self.cheques.push(ChequeRec {
            contact: contact.to_owned(),
            body: body.clone(),
            items,
        });
        if spent > Decimal::ZERO {
            let r = self.record(contact, Decimal::ZERO, spent, "Списание", Some(&number), at);
            self.bonuses.push(r);
        }
        if earned > Decimal::ZERO {
            let r = self.record(
                contact,
                earned,
                Decimal::ZERO,
                "Базовое начисление",
                Some(&number),
                at,
            );
            self.bonuses.push(r);
        }
        body
    }

    pub(crate) fn balance(&self, contact: &str) -> Decimal {
        self.bonuses
            .iter()
            .filter(|b| b.contact == contact)
            .map(|b| b.debet - b.credit)
            .sum()
    }

    fn contact_by_phone(&self, phone: &str) -> Option<&Map<String, Value>> {
        self.contacts
            .iter()
            .find(|c| c.get("MobilePhone").and_then(s).as_deref() == Some(phone))
    }

    fn contact(&self, id: &str) -> R<&Map<String, Value>> {
        self.contacts
            .iter()
            .find(|c| c.get("Id").and_then(s).as_deref() == Some(id))
            .ok_or_else(|| ApiError::new(404, "0", "Контакт не найден"))
    }

    fn new_session(&mut self, who: Who) -> String {
        let id = self.guid(0x5e);
        let expires = self.clock.now() + self.session_ttl;
        self.sessions
            .insert(id.clone(), SessionRec { who, expires });
        id
    }

    fn session(&self, sid: Option<&str>) -> R<&Who> {
        let rec = sid
            .and_then(|s| self.sessions.get(s))
            .ok_or_else(session_error)?;
        if rec.expires <= self.clock.now() {
            return Err(session_error());
        }
        Ok(&rec.who)
    }

    fn code(&mut self, phone: &str) -> String {
        let code = format!("{:04}", fastrand::u32(0..10_000));
        self.codes.insert(phone.to_owned(), code.clone());
        code
    }

    // ---- admin ----

    pub(crate) fn last_code(&self, phone: &str) -> Option<String> {
        self.codes.get(phone).cloned()
    }

    pub(crate) fn contact_id_of(&self, phone: &str) -> Option<String> {
        self.contact_by_phone(phone)
            .and_then(|c| c.get("Id"))
            .and_then(s)
    }

    pub(crate) fn add_cheque(&mut self, contact: &str, c: &SandboxCheque) -> R<Value> {
        self.contact(contact)?;
        if c.lines.is_empty() {
            return Err(bad("a cheque needs at least one line"));
        }
        let id = self.guid(0xc0);
        let now = self.now();
        Ok(Value::Object(
            self.insert_cheque(contact, &id, c, now, None),
        ))
    }

    pub(crate) fn add_bonus(&mut self, contact: &str, amount: Decimal, rule: &str) -> R<Decimal> {
        self.contact(contact)?;
        let now = self.now();
        let r = if amount >= Decimal::ZERO {
            self.record(contact, amount, Decimal::ZERO, rule, None, now)
        } else {
            self.record(contact, Decimal::ZERO, -amount, rule, None, now)
        };
        self.bonuses.push(r);
        Ok(self.balance(contact))
    }

    pub(crate) fn delete_contact(&mut self, contact: &str) -> bool {
        let before = self.contacts.len();
        self.contacts
            .retain(|c| c.get("Id").and_then(s).as_deref() != Some(contact));
        self.sessions
            .retain(|_, r| r.who != Who::Customer(contact.to_owned()));
        before != self.contacts.len()
    }

    pub(crate) fn expire_sessions(&mut self) -> usize {
        let past = self.clock.now() - Duration::seconds(1);
        for r in self.sessions.values_mut() {
            r.expires = past;
        }
        self.sessions.len()
    }

    // ---- API ----

    fn list(values: Vec<Value>) -> Value {
        json!({ "odata.metadata": "sandbox", "value": values })
    }

    fn with_balance(&self, c: &Map<String, Value>) -> Value {
        let mut c = c.clone();
        let id = c.get("Id").and_then(s).unwrap_or_default();
        c.insert("ActiveBalance".into(), num(self.balance(&id)));
        c.insert(
            "Summ".into(),
            num(self
                .cheques
                .iter()
                .filter(|x| x.contact == id)
                .filter_map(|x| x.body.get("SummDiscounted").and_then(s))
                .filter_map(|x| loyalty_core::de::parse_decimal(&x))
                .sum()),
        );
        Value::Object(c)
    }

    fn customer_of(&self, p: &Params) -> R<String> {
        match self.session(p.str("sessionid").as_deref())? {
            Who::Customer(c) => Ok(c.clone()),
            Who::Manager => Err(session_error()),
        }
    }

    fn manager(&self, p: &Params) -> R<()> {
        match self.session(p.str("sessionid").as_deref())? {
            Who::Manager => Ok(()),
            Who::Customer(_) => Err(session_error()),
        }
    }

    fn own(&self, p: &Params, key: &str) -> R<String> {
        let me = self.customer_of(p)?;
        match p.str(key) {
            Some(id) if id == me => Ok(me),
            Some(_) => Err(ApiError::new(403, "0", "Нет доступа к контакту")),
            None => Err(bad(&format!("the parameter {key} is required"))),
        }
    }

    fn partner(&self, p: &Params) -> R<()> {
        if p.str("partnerid").as_deref() == Some(PARTNER_ID) {
            Ok(())
        } else {
            Err(bad("Неизвестный партнёр"))
        }
    }

    fn cheques_of(&self, contact: &str) -> Value {
        let mut list: Vec<&ChequeRec> = self
            .cheques
            .iter()
            .filter(|c| c.contact == contact)
            .collect();
        list.sort_by_key(|c| c.body.get("Date").and_then(s));
        list.reverse();
        Self::list(
            list.into_iter()
                .map(|c| Value::Object(c.body.clone()))
                .collect(),
        )
    }

    fn items_of(&self, cheque: &str, owner: Option<&str>) -> R<Value> {
        let c = self
            .cheques
            .iter()
            .find(|c| c.body.get("Id").and_then(s).as_deref() == Some(cheque))
            .ok_or_else(|| ApiError::new(404, "0", "Чек не найден"))?;
        if owner.is_some_and(|o| o != c.contact) {
            return Err(ApiError::new(403, "0", "Нет доступа к чеку"));
        }
        Ok(Self::list(c.items.clone()))
    }
}

fn dec(s: &str) -> Decimal {
    loyalty_core::de::parse_decimal(s).unwrap_or_default()
}

/// Request parameters with case-insensitive names (query values unquoted, body fields).
#[derive(Debug, Default)]
pub(crate) struct Params(pub(crate) Map<String, Value>);

impl Params {
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    pub(crate) fn str(&self, key: &str) -> Option<String> {
        self.get(key).and_then(s)
    }

    fn int(&self, key: &str) -> Option<i64> {
        self.str(key).and_then(|v| v.trim().parse().ok())
    }
}
