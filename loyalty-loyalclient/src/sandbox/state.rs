//! The sandbox's in-memory state and the behaviour of the five calls.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use loyalty_core::Clock;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::types::{
    ClientProfile, ClientSearch, DEFAULT_HOLD_MINUTES, Hold, HoldRequest, Level, LoyaltyType,
    MAX_HOLD_MINUTES, MIN_HOLD_MINUTES, Recalc, RecalcRequest, ReleaseRequest, Retail,
    RetailRequest,
};

/// The sales point of the demo data.
pub const DEMO_POINT: &str = "1";
/// A second sales point.
pub const OTHER_POINT: &str = "2";
/// The cash-back demo client's id.
pub const CASHBACK_CLIENT_ID: &str = "1001";
/// The cash-back demo client's phone (as the API writes it).
pub const CASHBACK_PHONE: &str = "79201234567";
/// The cash-back demo client's card number.
pub const CASHBACK_CARD: &str = "2000000000017";
/// The cash-back demo client's mobile-app code.
pub const CASHBACK_APP_CODE: &str = "482913";
/// The discount demo client's id.
pub const DISCOUNT_CLIENT_ID: &str = "1002";
/// The discount demo client's phone.
pub const DISCOUNT_PHONE: &str = "79207654321";

/// A refusal: HTTP status and a JSON body (`{field: message}` for 422).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    pub(crate) body: Value,
}

impl ApiError {
    pub(crate) fn field(field: &str, message: &str) -> Self {
        Self {
            status: 422,
            body: json!({ field: message }),
        }
    }

    pub(crate) fn fields(&self) -> Vec<loyalty_core::FieldError> {
        crate::error::field_errors(self.body.to_string().as_bytes())
    }
}

pub(crate) type Res<T> = Result<T, ApiError>;

/// A client to add to the sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SandboxClient {
    /// Id (a fresh one when empty).
    #[serde(default)]
    pub id: String,
    /// First name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone digits with the country code (`79201234567`).
    #[serde(default)]
    pub phone: Option<String>,
    /// Card number.
    #[serde(default)]
    pub card: Option<String>,
    /// Mobile-app code.
    #[serde(default)]
    pub app_code: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Birth date.
    #[serde(default)]
    pub birthday: Option<NaiveDate>,
    /// Level type (default cash-back).
    #[serde(default = "cashback")]
    pub kind: LoyaltyType,
    /// Level percent (default 5).
    #[serde(default = "five", deserialize_with = "loyalty_core::de::decimal")]
    pub percent: Decimal,
    /// Largest share of a receipt payable with bonuses, percent (default 30; cash-back only).
    #[serde(default = "thirty", deserialize_with = "loyalty_core::de::decimal")]
    pub max_spend_percent: Decimal,
    /// Starting balance (cash-back only).
    #[serde(default, deserialize_with = "loyalty_core::de::decimal_or_zero")]
    pub balance: Decimal,
}

fn cashback() -> LoyaltyType {
    LoyaltyType::Cashback
}
fn five() -> Decimal {
    Decimal::from(5)
}
fn thirty() -> Decimal {
    Decimal::from(30)
}

impl SandboxClient {
    /// A cash-back client (5 %, up to 30 % of a receipt) with a phone and a balance.
    pub fn cashback(phone: impl Into<String>, balance: Decimal) -> Self {
        Self {
            id: String::new(),
            name: None,
            phone: Some(phone.into()),
            card: None,
            app_code: None,
            email: None,
            birthday: None,
            kind: LoyaltyType::Cashback,
            percent: five(),
            max_spend_percent: thirty(),
            balance,
        }
    }

    /// A discount client with a phone and a percent.
    pub fn discount(phone: impl Into<String>, percent: Decimal) -> Self {
        Self {
            kind: LoyaltyType::Discount,
            percent,
            ..Self::cashback(phone, Decimal::ZERO)
        }
    }

    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the card number.
    pub fn card(mut self, card: impl Into<String>) -> Self {
        self.card = Some(card.into());
        self
    }

    /// Sets the app code.
    pub fn app_code(mut self, code: impl Into<String>) -> Self {
        self.app_code = Some(code.into());
        self
    }

    /// Sets the level percent.
    pub fn percent(mut self, p: Decimal) -> Self {
        self.percent = p;
        self
    }

    /// Sets the largest share payable with bonuses.
    pub fn max_spend_percent(mut self, p: Decimal) -> Self {
        self.max_spend_percent = p;
        self
    }
}

/// One operation the sandbox recorded (a sale), for the admin surface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SandboxOperation {
    /// Operation id.
    pub id: String,
    /// When (sandbox clock).
    pub at: DateTime<Utc>,
    /// Client id.
    pub client: String,
    /// Sales point.
    pub point: String,
    /// Receipt sum.
    pub amount: Decimal,
    /// Paid by card/cash.
    pub total: Decimal,
    /// Points spent.
    pub spend: Decimal,
    /// Points earned.
    pub earn: Decimal,
    /// Holds the sale consumed.
    pub holds: Vec<String>,
    /// Balance after the sale.
    pub balance_after: Decimal,
}

#[derive(Debug, Clone)]
struct HoldRec {
    client: String,
    point: String,
    amount: Decimal,
    until: DateTime<Utc>,
}

pub(crate) struct State {
    clock: Arc<dyn Clock>,
    clients: BTreeMap<String, SandboxClient>,
    points: Vec<String>,
    holds: BTreeMap<String, HoldRec>,
    operations: Vec<SandboxOperation>,
    next_id: u64,
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Res<T> {
    serde_json::from_slice(body).map_err(|e| {
        // The API's only error shape: a field → message map.
        ApiError::field("body", &format!("The request body is not valid: {e}"))
    })
}

fn round_points(v: Decimal) -> Decimal {
    v.round_dp_with_strategy(2, RoundingStrategy::ToZero)
}

impl State {
    pub(crate) fn new(clock: Arc<dyn Clock>, seed: bool) -> Self {
        let mut s = Self {
            clock,
            clients: BTreeMap::new(),
            points: vec![DEMO_POINT.to_owned(), OTHER_POINT.to_owned()],
            holds: BTreeMap::new(),
            operations: Vec::new(),
            next_id: 1,
        };
        if seed {
            let anna = SandboxClient::cashback(CASHBACK_PHONE, Decimal::from(500))
                .id(CASHBACK_CLIENT_ID)
                .name("Анна")
                .card(CASHBACK_CARD)
                .app_code(CASHBACK_APP_CODE);
            let mut anna = anna;
            anna.email = Some("anna@example.com".into());
            anna.birthday = NaiveDate::from_ymd_opt(1990, 3, 8);
            let boris = SandboxClient::discount(DISCOUNT_PHONE, Decimal::from(10))
                .id(DISCOUNT_CLIENT_ID)
                .name("Борис");
            s.clients.insert(anna.id.clone(), anna);
            s.clients.insert(boris.id.clone(), boris);
        }
        s
    }

    fn fresh_id(&mut self, prefix: &str) -> String {
        let id = format!("{prefix}{}", self.next_id);
        self.next_id += 1;
        id
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Drops expired holds.
    fn expire(&mut self) {
        let now = self.now();
        self.holds.retain(|_, h| h.until > now);
    }

    fn check_point(&self, point: &str) -> Res<()> {
        if self.points.iter().any(|p| p == point) {
            Ok(())
        } else {
            Err(ApiError::field("point", "Point not found."))
        }
    }

    fn client(&self, id: &str) -> Res<&SandboxClient> {
        self.clients
            .get(id)
            .ok_or_else(|| ApiError::field("client", "Client not found."))
    }

    /// Balance minus the client's active holds that are not in `counted`.
    fn available(&self, client: &str, counted: &[String]) -> Decimal {
        let Some(c) = self.clients.get(client) else {
            return Decimal::ZERO;
        };
        let held: Decimal = self
            .holds
            .iter()
            .filter(|(id, h)| h.client == client && !counted.contains(id))
            .map(|(_, h)| h.amount)
            .sum();
        (c.balance - held).max(Decimal::ZERO)
    }

    fn profile(&self, c: &SandboxClient, counted: &[String]) -> ClientProfile {
        let mut p = ClientProfile::new(c.id.clone());
        p.name = c.name.clone();
        p.birthday = c.birthday;
        p.phone = c.phone.clone();
        p.email = c.email.clone();
        let mut level = Level::new(c.kind.clone());
        level.id = Some(match c.kind {
            LoyaltyType::Discount => "2".into(),
            _ => "1".into(),
        });
        level.title = Some(match c.kind {
            LoyaltyType::Discount => "Скидка".into(),
            _ => "Бонусы".into(),
        });
        level.percent = Some(c.percent);
        if c.kind == LoyaltyType::Cashback {
            level.max_spend_percent = Some(c.max_spend_percent);
            p.balance = self.available(&c.id, counted);
        }
        p.level = Some(level);
        p
    }

    /// What a purchase of `amount` may spend (cash-back: the balance with the counted holds,
    /// capped by the level's share) and would earn.
    fn quote(&self, c: &SandboxClient, amount: Decimal, counted: &[String]) -> (Decimal, Decimal) {
        match c.kind {
            LoyaltyType::Cashback => {
                let cap = round_points(amount * c.max_spend_percent / Decimal::ONE_HUNDRED);
                let spend = self.available(&c.id, counted).min(cap).max(Decimal::ZERO);
                let earn = round_points(amount * c.percent / Decimal::ONE_HUNDRED);
                (spend, earn)
            }
            _ => (Decimal::ZERO, Decimal::ZERO),
        }
    }

    /// Holds that exist now, of `ids`.
    fn live(&self, ids: &[String]) -> Vec<String> {
        ids.iter()
            .filter(|id| self.holds.contains_key(*id))
            .cloned()
            .collect()
    }

    /// Ids of the holds made at `point`.
    fn holds_at(&self, point: &str) -> Vec<String> {
        self.holds
            .iter()
            .filter(|(_, h)| h.point == point)
            .map(|(id, _)| id.clone())
            .collect()
    }

    pub(crate) fn find(&mut self, body: &[u8]) -> Res<ClientProfile> {
        self.expire();
        let req: ClientSearch = parse(body)?;
        self.check_point(&req.point)?;
        let needle = req.search.trim();
        let needle_digits = digits(needle);
        let found = self.clients.values().find(|c| {
            let phone_match = !needle_digits.is_empty()
                && c.phone.as_deref().map(digits).is_some_and(|p| {
                    p == needle_digits
                        || (needle_digits.len() == 11
                            && needle_digits.starts_with('8')
                            && p[1..] == needle_digits[1..])
                });
            phone_match
                || c.card.as_deref() == Some(needle)
                || c.app_code.as_deref() == Some(needle)
        });
        let c = found.ok_or_else(|| ApiError::field("client", "Client not found."))?;
        let counted = self.live(&req.hold);
        Ok(self.profile(c, &counted))
    }

    pub(crate) fn recalc(&mut self, body: &[u8]) -> Res<Recalc> {
        self.expire();
        let req: RecalcRequest = parse(body)?;
        self.check_point(&req.point)?;
        let c = self.client(&req.client)?;
        if req.amount <= Decimal::ZERO {
            return Err(ApiError::field("amount", "Amount must be more 0"));
        }
        let counted = self.live(&req.hold);
        let (spend, earn) = self.quote(c, req.amount, &counted);
        Ok(Recalc {
            amount: req.amount,
            percent: c.percent,
            kind: c.kind.clone(),
            spend,
            earn,
        })
    }

    pub(crate) fn hold(&mut self, body: &[u8]) -> Res<Hold> {
        self.expire();
        let req: HoldRequest = parse(body)?;
        self.check_point(&req.point)?;
        let c = self.client(&req.client)?.clone();
        let minutes = req.duration.unwrap_or(DEFAULT_HOLD_MINUTES);
        if minutes > MAX_HOLD_MINUTES {
            return Err(ApiError::field(
                "duration",
                &format!("Duration can't be more {MAX_HOLD_MINUTES}"),
            ));
        }
        if minutes < MIN_HOLD_MINUTES {
            return Err(ApiError::field(
                "duration",
                &format!("Duration can't be less {MIN_HOLD_MINUTES}"),
            ));
        }
        if req.amount <= Decimal::ZERO {
            return Err(ApiError::field("amount", "Amount must be more 0"));
        }
        if c.kind != LoyaltyType::Cashback {
            return Err(ApiError::field("amount", "Amount can't be more 0"));
        }
        // A new operation at the point drops the holds made there before: they do not count
        // against it.
        let at_point = self.holds_at(&req.point);
        let available = self.available(&c.id, &at_point);
        if req.amount > available {
            return Err(ApiError::field(
                "amount",
                &format!("Amount can't be more {}", available.normalize()),
            ));
        }
        let point = req.point.clone();
        self.holds.retain(|_, h| h.point != point);
        let id = self.fresh_id("h");
        let until = self.now() + Duration::minutes(i64::from(minutes));
        self.holds.insert(
            id.clone(),
            HoldRec {
                client: c.id.clone(),
                point: req.point,
                amount: req.amount,
                until,
            },
        );
        Ok(Hold {
            id,
            until,
            amount: req.amount,
        })
    }

    pub(crate) fn release(&mut self, body: &[u8]) -> Res<()> {
        self.expire();
        let req: ReleaseRequest = parse(body)?;
        self.holds.remove(&req.id);
        Ok(())
    }

    pub(crate) fn retail(&mut self, body: &[u8]) -> Res<Retail> {
        self.expire();
        let req: RetailRequest = parse(body)?;
        self.check_point(&req.point)?;
        let c = self.client(&req.client)?.clone();
        if req.amount <= Decimal::ZERO {
            return Err(ApiError::field("amount", "Amount must be more 0"));
        }
        if req.spend < Decimal::ZERO {
            return Err(ApiError::field("spend", "Spend can't be less 0"));
        }
        let counted = self.live(&req.hold);
        // The sale drops the holds made at its point before, so they do not count against it.
        let mut freed = counted.clone();
        freed.extend(self.holds_at(&req.point));
        let (allowed, earn_if_none) = self.quote(&c, req.amount, &freed);
        if req.spend > allowed {
            return Err(ApiError::field(
                "spend",
                &format!("Spend can't be more {}", allowed.normalize()),
            ));
        }
        // The sale consumes its holds and drops the other holds made at the point.
        let point = req.point.clone();
        self.holds
            .retain(|id, h| h.point != point && !counted.contains(id));
        let (total, spend, earn) = match c.kind {
            LoyaltyType::Cashback if req.spend > Decimal::ZERO => {
                (req.amount - req.spend, Some(req.spend), None)
            }
            LoyaltyType::Cashback => (req.amount, None, Some(earn_if_none)),
            _ => {
                let off = round_points(req.amount * c.percent / Decimal::ONE_HUNDRED);
                (req.amount - off, None, Some(Decimal::ZERO))
            }
        };
        let balance_after = {
            let Some(entry) = self.clients.get_mut(&c.id) else {
                return Err(ApiError::field("client", "Client not found."));
            };
            entry.balance = entry.balance - spend.unwrap_or_default() + earn.unwrap_or_default();
            entry.balance
        };
        let id = self.fresh_id("op");
        let at = self.now();
        self.operations.push(SandboxOperation {
            id,
            at,
            client: c.id.clone(),
            point: req.point,
            amount: req.amount,
            total,
            spend: spend.unwrap_or_default(),
            earn: earn.unwrap_or_default(),
            holds: counted,
            balance_after,
        });
        Ok(Retail {
            amount: req.amount,
            total,
            percent: c.percent,
            kind: c.kind,
            spend,
            earn,
        })
    }

    // ---- admin ----

    pub(crate) fn add_client(&mut self, mut c: SandboxClient) -> Res<ClientProfile> {
        if c.id.trim().is_empty() {
            c.id = self.fresh_id("c");
        }
        if self.clients.contains_key(&c.id) {
            return Err(ApiError::field("id", "Client already exists."));
        }
        if c.balance < Decimal::ZERO {
            return Err(ApiError::field("balance", "Balance can't be less 0"));
        }
        if c.kind != LoyaltyType::Cashback {
            c.balance = Decimal::ZERO;
        }
        c.phone = c.phone.map(|p| digits(&p)).filter(|p| !p.is_empty());
        let id = c.id.clone();
        self.clients.insert(id.clone(), c);
        let c = self
            .clients
            .get(&id)
            .ok_or_else(|| ApiError::field("client", "Client not found."))?;
        Ok(self.profile(c, &[]))
    }

    pub(crate) fn set_balance(&mut self, client: &str, balance: Decimal) -> Res<Decimal> {
        if balance < Decimal::ZERO {
            return Err(ApiError::field("balance", "Balance can't be less 0"));
        }
        let c = self
            .clients
            .get_mut(client)
            .ok_or_else(|| ApiError::field("client", "Client not found."))?;
        if c.kind != LoyaltyType::Cashback {
            return Err(ApiError::field(
                "balance",
                "A discount client has no bonus balance",
            ));
        }
        c.balance = balance;
        Ok(balance)
    }

    pub(crate) fn add_point(&mut self, point: &str) {
        if !self.points.iter().any(|p| p == point) {
            self.points.push(point.to_owned());
        }
    }

    pub(crate) fn operations(&self) -> Vec<SandboxOperation> {
        self.operations.clone()
    }

    pub(crate) fn active_holds(&mut self) -> Vec<Hold> {
        self.expire();
        self.holds
            .iter()
            .map(|(id, h)| Hold {
                id: id.clone(),
                until: h.until,
                amount: h.amount,
            })
            .collect()
    }

    pub(crate) fn balance(&self, client: &str) -> Option<Decimal> {
        self.clients.get(client).map(|c| c.balance)
    }
}
