//! The sandbox's in-memory state and the behaviour of every operation.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{Duration as ChronoDuration, NaiveDate, NaiveDateTime, Timelike};
use loyalty_core::{Clock, Page, PageRequest, Phone, Region};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::models::{
    AuthOption, AuthOptions, AuthSet, AuthType, CaptchaChallenge, Coupon, Customer, Dashboard,
    Level, Levels, MarkEvent, MarkEventContent, MarkEventType, Marks, MessageType, Notification,
    Position, Review, ReviewReply, SecretStringEq, Stock, Store, StoreType, Transaction,
    TransactionType, TransactionWithReview,
};
use crate::requests::{GetOptionsRequest, PageParams, ProfileData};

mod auth;
mod control;

use super::SandboxPurchase;

/// A refusal: HTTP status and a JSON body `{"message", "errors"?}`. The seed documents no error
/// body and no error codes, so the sandbox invents none: a client tells refusals apart by the
/// status (and, for a field, by `errors`), as it must against the real API.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl ApiError {
    pub(crate) fn new(status: u16, message: &str) -> Self {
        Self {
            status,
            body: json!({ "message": message }),
        }
    }

    pub(crate) fn field(status: u16, field: &str, message: &str) -> Self {
        Self {
            status,
            body: json!({ "message": message, "errors": { field: message } }),
        }
    }

    pub(crate) fn message(&self) -> String {
        self.body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

pub(crate) type Res<T> = Result<T, ApiError>;

/// Tunables of the sandbox.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) cooldown: ChronoDuration,
    pub(crate) code_ttl: ChronoDuration,
    pub(crate) captcha_after: u32,
    pub(crate) review_bonus: Decimal,
    pub(crate) welcome_bonus: Decimal,
    pub(crate) allow_no_verification: bool,
}

#[derive(Debug, Clone)]
struct TxRec {
    tx: Transaction,
    review: Option<Review>,
    reply: Option<ReviewReply>,
}

impl TxRec {
    fn view(&self) -> TransactionWithReview {
        let mut t = TransactionWithReview::new(self.tx.clone());
        t.comment = self.review.clone();
        t.response = self.reply.clone();
        t
    }
}

#[derive(Debug, Clone)]
struct Account {
    customer: Customer,
    token: String,
    marks: Decimal,
    purchases_sum: Decimal,
    /// Oldest first.
    txs: Vec<TxRec>,
    /// Oldest first.
    events: Vec<MarkEvent>,
    burns: Vec<(NaiveDateTime, Decimal)>,
    /// Oldest first.
    notifications: Vec<Notification>,
}

#[derive(Debug, Clone, Default)]
struct PhoneAuth {
    requests: u32,
    sms: Option<(String, NaiveDateTime)>,
    call: Option<(String, NaiveDateTime)>,
    /// The number to call, chosen at the first `getOptions` and listed under `CALL_PASS` while
    /// another type is current (answers list only the other types).
    call_to: Option<String>,
    captcha: Option<(String, String)>,
}

/// What the admin surface reads about a phone's pending verification.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PendingCodes {
    /// The phone, vendor form.
    pub phone: String,
    /// The last SMS code.
    pub code: Option<String>,
    /// The number to call for the call-pass.
    #[serde(rename = "callTo")]
    pub call_to: Option<String>,
    /// The answer of the pending captcha.
    #[serde(rename = "captchaAnswer")]
    pub captcha_answer: Option<String>,
}

pub(crate) struct State {
    clock: Arc<dyn Clock>,
    settings: Settings,
    template: Dashboard,
    levels: Vec<Level>,
    stocks: Vec<Stock>,
    captcha_png: String,
    accounts: HashMap<String, Account>,
    tokens: HashMap<String, String>,
    prefills: HashMap<String, Customer>,
    auth: HashMap<String, PhoneAuth>,
    sign_up_tokens: HashMap<String, String>,
    next_order: u64,
    next_event: u64,
}

/// The registered demo customer.
pub const DEMO_PHONE: &str = "+7 (777) 777-77-77";
/// The demo customer's `bmtoken` (the seed's).
pub const DEMO_TOKEN: &str = "11331983781980461811795542597300526055525955900917";
/// A phone the company knows from its cash desks but that has no card yet (sign-up prefill).
pub const PREFILL_PHONE: &str = "+7 (920) 000-00-00";
/// The text that solves the sandbox's captcha.
pub const CAPTCHA_ANSWER: &str = "bm42";

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or_default()
}

fn key_of(phone: &str) -> Res<(String, Phone)> {
    Phone::parse(phone, Region::RU)
        .map(|p| (p.e164().to_owned(), p))
        .map_err(|e| ApiError::field(400, "phone", &e.to_string()))
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn random_digits(n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + fastrand::u8(0..10)))
        .collect()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Res<T> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(400, &format!("the request body is not valid: {e}")))
}

fn page_of(body: &[u8]) -> Res<PageRequest> {
    let p: PageParams = parse(body)?;
    let limit = if p.limit == 0 { 5 } else { p.limit.min(100) };
    Ok(PageRequest::new(p.offset, limit))
}

fn slice<T: Clone>(items: &[T], body: &[u8]) -> Res<Vec<T>> {
    let req = page_of(body)?;
    Ok(Page::slice(items, req).items)
}

impl State {
    pub(crate) fn new(clock: Arc<dyn Clock>, settings: Settings) -> Result<Self, String> {
        let template: Dashboard = serde_json::from_str(include_str!("seed_dashboard.json"))
            .map_err(|e| format!("the seed dashboard does not decode: {e}"))?;
        let captcha: CaptchaChallenge = serde_json::from_str(include_str!("seed_captcha.json"))
            .map_err(|e| format!("the seed captcha does not decode: {e}"))?;
        let coupon: Coupon = serde_json::from_str(include_str!("seed_coupon.json"))
            .map_err(|e| format!("the seed coupon does not decode: {e}"))?;
        let mut levels = template.level_parameters.levels.clone();
        let mut silver = Level::new(2, "Silver", dec("10000"));
        silver.mark_to_cash = dec("50");
        silver.cash_to_mark = dec("15");
        let mut gold = Level::new(3, "Gold", dec("30000"));
        gold.mark_to_cash = dec("50");
        gold.cash_to_mark = dec("20");
        levels.push(silver);
        levels.push(gold);

        let now = clock.now().naive_utc();
        let mut stocks = template.stocks.clone();
        for s in &mut stocks {
            s.period = Some(String::new());
            s.start = Some(now - ChronoDuration::days(30));
            s.end = Some(now + ChronoDuration::days(60));
        }
        let mut simple = Stock::new(
            MessageType::Simple,
            "Двойные баллы по средам",
            "Каждую среду начисляем x2 баллов на всё",
        );
        simple.priority_of_show = Some(2);
        simple.message_id = Some(65);
        let mut image = Stock::new(
            MessageType::Image,
            "Новинка: мраморная говядина",
            "Попробуйте со скидкой 15%",
        );
        image.priority_of_show = Some(3);
        image.message_id = Some(66);
        image.image_url =
            Some("https://bmappmobileapp.s3.us-west-1.amazonaws.com/bm_logo.png".into());
        let mut multi = Stock::new(
            MessageType::MultipleImage,
            "Гриль-сезон",
            "Всё для гриля в одном месте",
        );
        multi.priority_of_show = Some(4);
        multi.message_id = Some(67);
        multi.images_url = vec![
            "https://bmappmobileapp.s3.us-west-1.amazonaws.com/face_1.png".into(),
            "https://bmappmobileapp.s3.us-west-1.amazonaws.com/face_2.png".into(),
        ];
        let mut coupon_stock = Stock::new(
            MessageType::Coupon,
            "Промокод на кофе",
            "Назовите промокод на кассе",
        );
        coupon_stock.priority_of_show = Some(5);
        coupon_stock.message_id = Some(68);
        coupon_stock.coupon = Some(coupon);
        stocks.extend([simple, image, multi, coupon_stock]);
        for s in stocks.iter_mut().skip(1) {
            s.start = Some(now - ChronoDuration::days(7));
            s.end = Some(now + ChronoDuration::days(30));
        }

        let mut state = Self {
            clock,
            settings,
            template,
            levels,
            stocks,
            captcha_png: captcha.bytes,
            accounts: HashMap::new(),
            tokens: HashMap::new(),
            prefills: HashMap::new(),
            auth: HashMap::new(),
            sign_up_tokens: HashMap::new(),
            next_order: 13_905_400,
            next_event: 13_905_400,
        };
        state.seed_demo(now)?;
        Ok(state)
    }

    /// Now, at the vendor's precision (microseconds).
    fn now(&self) -> NaiveDateTime {
        let t = self.clock.now().naive_utc();
        t.with_nanosecond(t.nanosecond() / 1_000 * 1_000)
            .unwrap_or(t)
    }

    fn seed_demo(&mut self, now: NaiveDateTime) -> Result<(), String> {
        let (key, _) = key_of(DEMO_PHONE).map_err(|e| e.message())?;
        let mut customer = self.template.customer.clone();
        customer.bmtoken = Some(SecretStringEq::from(DEMO_TOKEN.to_owned()));
        let mut txs = Vec::new();
        if let Some(c) = &self.template.comment {
            let mut tx = c.transaction.clone();
            tx.transaction_type = Some(TransactionType::Sell);
            txs.push(TxRec {
                tx,
                review: None,
                reply: None,
            });
        }
        for t in &self.template.transactions {
            let reply_time =
                NaiveDate::from_ymd_opt(2024, 2, 2).and_then(|d| d.and_hms_opt(14, 26, 21));
            txs.push(TxRec {
                tx: t.transaction.clone(),
                review: t.comment.clone(),
                reply: Some(ReviewReply {
                    text: Some("df".into()),
                    mark_before: dec("2025"),
                    mark_increase: dec("12"),
                    mark_decrease: Decimal::ZERO,
                    mark_current: dec("2037"),
                    time: reply_time,
                }),
            });
        }
        let mut events = Vec::new();
        for rec in &txs {
            let tx = &rec.tx;
            events.push(MarkEvent {
                id: tx.order_id.clone(),
                name: Some("Покупка".into()),
                time: tx.time,
                mark_before: tx.mark_before,
                mark_increase: tx.mark_increase,
                mark_decrease: tx.mark_decrease,
                mark_current: tx.mark_current,
                event_type: MarkEventType::Transaction,
                content: Some(MarkEventContent::Transaction(Box::new(
                    TransactionWithReview::new(tx.clone()),
                ))),
            });
        }
        events.extend(self.template.mark_events.iter().cloned());
        let notifications = vec![
            Notification::new(
                "projects/bonuspay-aec9c/messages/0:1685444821980566%e40a645be40a645b",
                "Поздравляем Вас с днем рождения!",
                "Дарим Вам 150 баллов и желаем приятных покупок!",
                NaiveDate::from_ymd_opt(2023, 5, 30)
                    .and_then(|d| d.and_hms_opt(14, 7, 1))
                    .unwrap_or(now),
            ),
            Notification::new(
                "sandbox-2",
                "Двойные баллы",
                "В эту среду — x2 баллов на всё",
                now - ChronoDuration::days(3),
            ),
            Notification::new(
                "sandbox-3",
                "Баллы скоро сгорят",
                "10 баллов сгорят через 10 дней",
                now - ChronoDuration::days(1),
            ),
        ];
        let account = Account {
            customer,
            token: DEMO_TOKEN.to_owned(),
            marks: dec("2037"),
            purchases_sum: dec("1264"),
            txs,
            events,
            burns: vec![
                (now + ChronoDuration::days(10), dec("10")),
                (now + ChronoDuration::days(40), dec("25")),
            ],
            notifications,
        };
        self.tokens.insert(DEMO_TOKEN.to_owned(), key.clone());
        self.accounts.insert(key, account);

        let (pkey, _) = key_of(PREFILL_PHONE).map_err(|e| e.message())?;
        let mut prefill = Customer::new(PREFILL_PHONE);
        prefill.name = Some("Алексей".into());
        prefill.b_date = NaiveDate::from_ymd_opt(1990, 5, 30);
        prefill.male = Some(true);
        prefill.email = Some("my@mail.ru".into());
        prefill.qr_code = Some("21_000000000000001".into());
        self.prefills.insert(pkey, prefill);
        Ok(())
    }

    // ---- auth ----

    fn next_event_id(&mut self) -> String {
        self.next_event += 1;
        self.next_event.to_string()
    }

    // ---- card ----

    pub(crate) fn account_key(&self, token: Option<&str>) -> Res<String> {
        token
            .and_then(|t| self.tokens.get(t.trim()))
            .cloned()
            .ok_or_else(|| ApiError::new(401, "Неверный TOKEN"))
    }

    fn acc(&self, key: &str) -> Res<&Account> {
        self.accounts
            .get(key)
            .ok_or_else(|| ApiError::new(401, "Клиент не найден"))
    }

    fn acc_mut(&mut self, key: &str) -> Res<&mut Account> {
        self.accounts
            .get_mut(key)
            .ok_or_else(|| ApiError::new(401, "Клиент не найден"))
    }

    fn levels_of(&self, acc: &Account) -> Levels {
        let current = self
            .levels
            .iter()
            .filter(|l| l.required_sum <= acc.purchases_sum)
            .max_by_key(|l| l.number)
            .or_else(|| self.levels.first());
        let mut lv = self.template.level_parameters.clone();
        lv.levels = self.levels.clone();
        lv.lvl_number = current.map_or(1, |l| l.number);
        lv.cash_to_mark = current.map_or(Decimal::ZERO, |l| l.cash_to_mark);
        lv.mark_to_cash = current.map_or(Decimal::ZERO, |l| l.mark_to_cash);
        lv.sum = acc.purchases_sum;
        lv.time_decay = None;
        lv.avoid_decrease_sum = None;
        lv.avoid_decrease_visits = None;
        lv
    }

    fn upcoming_burns(&self, acc: &Account) -> Vec<Marks> {
        let now = self.now();
        let mut burns: Vec<_> = acc.burns.iter().filter(|(at, _)| *at > now).collect();
        burns.sort_by_key(|(at, _)| *at);
        burns
            .into_iter()
            .map(|(at, amount)| Marks::new(acc.marks, Some(*at), Some(*amount)))
            .collect()
    }

    pub(crate) fn dashboard(&self, key: &str) -> Res<Dashboard> {
        let acc = self.acc(key)?;
        let mut d = self.template.clone();
        d.customer = acc.customer.clone();
        d.level_parameters = self.levels_of(acc);
        d.mark_parameters = self
            .upcoming_burns(acc)
            .into_iter()
            .next()
            .unwrap_or_else(|| Marks::new(acc.marks, None, Some(Decimal::ZERO)));
        d.mark_parameters.marks = acc.marks;
        d.transactions = acc.txs.iter().rev().take(5).map(TxRec::view).collect();
        d.comment = acc
            .txs
            .iter()
            .rev()
            .find(|t| t.review.is_none())
            .map(TxRec::view);
        d.stocks = self.sorted_stocks().into_iter().take(5).collect();
        d.mark_events = acc.events.iter().rev().take(5).cloned().collect();
        Ok(d)
    }

    pub(crate) fn about(&self, key: &str) -> Res<crate::models::CompanyAbout> {
        self.acc(key)?;
        Ok(self.template.about.clone())
    }

    pub(crate) fn customer(&self, key: &str) -> Res<Customer> {
        Ok(self.acc(key)?.customer.clone())
    }

    pub(crate) fn update_customer(&mut self, key: &str, body: &[u8]) -> Res<Customer> {
        let data: ProfileData = parse(body)?;
        validate_profile(&data)?;
        let acc = self.acc_mut(key)?;
        apply_profile(&mut acc.customer, &data);
        Ok(acc.customer.clone())
    }

    pub(crate) fn levels(&self, key: &str) -> Res<Levels> {
        Ok(self.levels_of(self.acc(key)?))
    }

    pub(crate) fn marks_history(&self, key: &str, body: &[u8]) -> Res<Vec<MarkEvent>> {
        let all: Vec<_> = self.acc(key)?.events.iter().rev().cloned().collect();
        slice(&all, body)
    }

    pub(crate) fn marks_to_be_decrease(&self, key: &str, body: &[u8]) -> Res<Vec<Marks>> {
        let all = self.upcoming_burns(self.acc(key)?);
        slice(&all, body)
    }

    pub(crate) fn transactions(&self, key: &str, body: &[u8]) -> Res<Vec<TransactionWithReview>> {
        let all: Vec<_> = self.acc(key)?.txs.iter().rev().map(TxRec::view).collect();
        slice(&all, body)
    }

    pub(crate) fn comments(&self, key: &str, body: &[u8]) -> Res<Vec<TransactionWithReview>> {
        let all: Vec<_> = self
            .acc(key)?
            .txs
            .iter()
            .rev()
            .filter(|t| t.review.is_some())
            .map(TxRec::view)
            .collect();
        slice(&all, body)
    }

    pub(crate) fn transaction(&self, key: &str, body: &[u8]) -> Res<TransactionWithReview> {
        #[derive(Deserialize)]
        struct Body {
            #[serde(rename = "orderId", deserialize_with = "crate::wire::string_or_number")]
            order_id: String,
        }
        let req: Body = parse(body)?;
        self.acc(key)?
            .txs
            .iter()
            .find(|t| t.tx.order_id == req.order_id.trim())
            .map(TxRec::view)
            .ok_or_else(|| ApiError::new(404, "Транзакция не найдена"))
    }

    pub(crate) fn set_comment(&mut self, key: &str, body: &[u8]) -> Res<Value> {
        #[derive(Deserialize)]
        struct Body {
            #[serde(rename = "orderId", deserialize_with = "crate::wire::string_or_number")]
            order_id: String,
            #[serde(default)]
            text: Option<String>,
            #[serde(default, alias = "start")]
            star: Option<Value>,
        }
        let req: Body = parse(body)?;
        let star = req
            .star
            .as_ref()
            .and_then(|v| {
                v.as_i64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .filter(|s| (0..=5).contains(s))
            .ok_or_else(|| ApiError::field(400, "star", "Оценка должна быть от 0 до 5"))?;
        if req.text.as_ref().is_some_and(|t| t.chars().count() > 2000) {
            return Err(ApiError::field(400, "text", "Слишком длинный отзыв"));
        }
        let now = self.now();
        let bonus = self.settings.review_bonus;
        let event_id = self.next_event_id();
        let acc = self.acc_mut(key)?;
        let order_id = req.order_id.trim().to_owned();
        let Some(idx) = acc.txs.iter().position(|t| t.tx.order_id == order_id) else {
            return Err(ApiError::new(404, "Транзакция не найдена"));
        };
        if acc.txs[idx].review.is_some() {
            return Err(ApiError::field(
                400,
                "orderId",
                "Отзыв на эту покупку уже оставлен",
            ));
        }
        let mut review = Review::new(star, req.text.clone());
        review.is_shown = false;
        let before = acc.marks;
        let after = before.checked_add(bonus).unwrap_or(before);
        acc.marks = after;
        let reply = ReviewReply {
            text: Some("Спасибо за отзыв!".into()),
            mark_before: before,
            mark_increase: after - before,
            mark_decrease: Decimal::ZERO,
            mark_current: after,
            time: Some(now),
        };
        acc.txs[idx].review = Some(review.clone());
        acc.txs[idx].reply = Some(reply);
        let mut content_review = review;
        content_review.response = Some("Спасибо за отзыв!".into());
        let mut content = TransactionWithReview::new(acc.txs[idx].tx.clone());
        content.comment = Some(content_review);
        acc.events.push(MarkEvent {
            id: event_id,
            name: Some("Ответ на отзыв".into()),
            time: now,
            mark_before: before,
            mark_increase: after - before,
            mark_decrease: Decimal::ZERO,
            mark_current: after,
            event_type: MarkEventType::Comment,
            content: Some(MarkEventContent::Transaction(Box::new(content))),
        });
        Ok(json!({}))
    }

    fn sorted_stocks(&self) -> Vec<Stock> {
        let now = self.now();
        let mut s: Vec<_> = self
            .stocks
            .iter()
            .filter(|s| s.end.is_none_or(|e| e > now))
            .cloned()
            .collect();
        s.sort_by_key(|s| s.priority_of_show.unwrap_or(i64::MAX));
        s
    }

    pub(crate) fn stocks(&self, key: &str) -> Res<Vec<Stock>> {
        self.acc(key)?;
        Ok(self.sorted_stocks())
    }

    pub(crate) fn notifications(&self, key: &str, body: &[u8]) -> Res<Vec<Notification>> {
        let all: Vec<_> = self.acc(key)?.notifications.iter().rev().cloned().collect();
        slice(&all, body)
    }

    // ---- admin ----
}

fn push_marks(
    acc: &mut Account,
    id: String,
    now: NaiveDateTime,
    amount: Decimal,
    reason: &str,
    content: Option<MarkEventContent>,
) {
    let before = acc.marks;
    let after = before + amount;
    acc.marks = after;
    acc.events.push(MarkEvent {
        id,
        name: Some(reason.to_owned()),
        time: now,
        mark_before: before,
        mark_increase: amount.max(Decimal::ZERO),
        mark_decrease: (-amount).max(Decimal::ZERO),
        mark_current: after,
        event_type: MarkEventType::Event,
        content,
    });
}

fn validate_profile(d: &ProfileData) -> Res<()> {
    if d.name.trim().is_empty() {
        return Err(ApiError::field(400, "name", "Имя обязательно"));
    }
    if d.name.chars().count() > 100 {
        return Err(ApiError::field(400, "name", "Имя слишком длинное"));
    }
    if let Some(e) = &d.email {
        if !e.is_empty() && !e.contains('@') {
            return Err(ApiError::field(400, "email", "Некорректный адрес почты"));
        }
    }
    Ok(())
}

fn apply_profile(c: &mut Customer, d: &ProfileData) {
    c.name = Some(d.name.trim().to_owned());
    if d.surname.is_some() {
        c.surname = d.surname.clone();
    }
    if d.patronymic.is_some() {
        c.patronymic = d.patronymic.clone();
    }
    if d.b_date.is_some() {
        c.b_date = d.b_date;
    }
    if d.male.is_some() {
        c.male = d.male;
    }
    if d.email.is_some() {
        c.email = d.email.clone();
    }
}
