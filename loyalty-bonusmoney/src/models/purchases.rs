//! Purchases: transactions, their positions and stores, reviews and the replies to them.

use super::*;

/// A line of a transaction ("Позиция").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Position {
    /// Quantity (in every example, not in the table).
    #[serde(
        rename = "quantity",
        default,
        with = "wire::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub quantity: Option<Decimal>,
    /// Product id.
    #[serde(rename = "unitId", with = "wire::id")]
    pub unit_id: String,
    /// Product name.
    #[serde(rename = "name")]
    pub name: String,
    /// Product id in the external system.
    #[serde(rename = "externalUnitId", default, with = "wire::opt_text")]
    pub external_unit_id: Option<String>,
    /// Price of one unit.
    #[serde(rename = "price", with = "wire::dec")]
    pub price: Decimal,
    /// Price of one unit after discounts (in every example, not in the table).
    #[serde(
        rename = "priceWithDiscount",
        default,
        with = "wire::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub price_with_discount: Option<Decimal>,
    /// External discount.
    #[serde(rename = "externalDiscount", default, with = "wire::opt_dec")]
    pub external_discount: Option<Decimal>,
    /// Minimum price.
    #[serde(rename = "minimumPrice", default, with = "wire::opt_dec")]
    pub minimum_price: Option<Decimal>,
    /// Whether it may be paid with points.
    #[serde(rename = "canPayByMark", default, with = "wire::flag")]
    pub can_pay_by_mark: bool,
    /// Whether it earns points.
    #[serde(rename = "canMarkIncrease", default, with = "wire::flag")]
    pub can_mark_increase: bool,
    /// Discount for the loyalty level.
    #[serde(rename = "cashLoyaltyDiscount", default, with = "wire::opt_dec")]
    pub cash_loyalty_discount: Option<Decimal>,
    /// Discount by promotions.
    #[serde(rename = "cashDiscount", default, with = "wire::opt_dec")]
    pub cash_discount: Option<Decimal>,
    /// Discount paid with points.
    #[serde(rename = "markSpendDiscount", default, with = "wire::opt_dec")]
    pub mark_spend_discount: Option<Decimal>,
    /// Combos applied.
    #[serde(rename = "combos", default, deserialize_with = "wire::null_list")]
    pub combos: Vec<Combo>,
}

impl Position {
    /// A position of `quantity` × `price` with no discount.
    pub fn new(
        unit_id: impl Into<String>,
        name: impl Into<String>,
        price: Decimal,
        quantity: Decimal,
    ) -> Self {
        Self {
            quantity: Some(quantity),
            unit_id: unit_id.into(),
            name: name.into(),
            external_unit_id: None,
            price,
            price_with_discount: Some(price),
            external_discount: Some(Decimal::ZERO),
            minimum_price: Some(Decimal::ZERO),
            can_pay_by_mark: true,
            can_mark_increase: true,
            cash_loyalty_discount: Some(Decimal::ZERO),
            cash_discount: Some(Decimal::ZERO),
            mark_spend_discount: Some(Decimal::ZERO),
            combos: Vec::new(),
        }
    }

    /// Every discount on the line added up.
    pub fn total_discount(&self) -> Decimal {
        [
            self.external_discount,
            self.cash_loyalty_discount,
            self.cash_discount,
            self.mark_spend_discount,
        ]
        .into_iter()
        .flatten()
        .sum()
    }
}

/// A store ("Магазин").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Store {
    /// Id.
    #[serde(rename = "storeId", with = "wire::id")]
    pub store_id: String,
    /// Name.
    #[serde(rename = "name", default)]
    pub name: Option<String>,
    /// Cash register kind.
    #[serde(rename = "type", default)]
    pub store_type: Option<StoreType>,
}

impl Store {
    /// A store.
    pub fn new(store_id: impl Into<String>, name: impl Into<String>, t: StoreType) -> Self {
        Self {
            store_id: store_id.into(),
            name: Some(name.into()),
            store_type: Some(t),
        }
    }
}

/// An id of a transaction, sent as a number (or a string when it is not numeric).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OrderId(#[serde(with = "wire::id")] pub String);

impl OrderId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<u64> for OrderId {
    fn from(v: u64) -> Self {
        Self(v.to_string())
    }
}

impl From<&str> for OrderId {
    fn from(v: &str) -> Self {
        Self(v.to_owned())
    }
}

impl From<String> for OrderId {
    fn from(v: String) -> Self {
        Self(v)
    }
}

/// A purchase or a return ("Транзакция").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// Id (a number in the examples, a string in the table).
    #[serde(rename = "orderId", with = "wire::id")]
    pub order_id: String,
    /// When it happened.
    #[serde(rename = "time", with = "wire::time")]
    pub time: NaiveDateTime,
    /// Receipt number.
    #[serde(rename = "receiptNumber", default, with = "wire::opt_text")]
    pub receipt_number: Option<String>,
    /// Sale or return (missing on the dashboard's unreviewed transaction).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub transaction_type: Option<TransactionType>,
    /// Lines.
    #[serde(rename = "positions", default, deserialize_with = "wire::null_list")]
    pub positions: Vec<Position>,
    /// Sum before discounts.
    #[serde(rename = "cash", with = "wire::dec")]
    pub cash: Decimal,
    /// External discount.
    #[serde(rename = "externalCashDiscount", default, with = "wire::opt_dec")]
    pub external_cash_discount: Option<Decimal>,
    /// Discount by promotions.
    #[serde(rename = "cashStockDiscount", default, with = "wire::opt_dec")]
    pub cash_stock_discount: Option<Decimal>,
    /// Discount paid with points.
    #[serde(rename = "cashDiscount", default, with = "wire::opt_dec")]
    pub cash_discount: Option<Decimal>,
    /// Sum paid.
    #[serde(rename = "finalCash", with = "wire::dec")]
    pub final_cash: Decimal,
    /// Points before.
    #[serde(rename = "markBefore", with = "wire::dec")]
    pub mark_before: Decimal,
    /// Points earned.
    #[serde(rename = "markIncrease", with = "wire::dec")]
    pub mark_increase: Decimal,
    /// Points spent.
    #[serde(rename = "markDecrease", with = "wire::dec")]
    pub mark_decrease: Decimal,
    /// Points after.
    #[serde(rename = "markCurrent", with = "wire::dec")]
    pub mark_current: Decimal,
    /// Store.
    #[serde(rename = "store", default)]
    pub store: Option<Store>,
}

impl Transaction {
    /// Discounts of the whole transaction added up.
    pub fn total_discount(&self) -> Decimal {
        [
            self.external_cash_discount,
            self.cash_stock_discount,
            self.cash_discount,
        ]
        .into_iter()
        .flatten()
        .sum()
    }
}

/// A review of a transaction ("Отзыв").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Review {
    /// Rating 0..=5 (`star` in the table, `start` in the examples: both read).
    #[serde(rename = "star", alias = "start", default, with = "wire::opt_int")]
    pub star: Option<i64>,
    /// Text (`text` in the table, `comment` in the examples: both read).
    #[serde(
        rename = "text",
        alias = "comment",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub text: Option<String>,
    /// Whether it was shown before.
    #[serde(rename = "isShown", default, with = "wire::flag")]
    pub is_shown: bool,
    /// The company's reply text, when the review carries it inline (mark events: `"df"`; an
    /// object's `text` is taken too).
    #[serde(
        rename = "response",
        default,
        deserialize_with = "reply_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub response: Option<String>,
}

impl Review {
    /// A review.
    pub fn new(star: i64, text: Option<String>) -> Self {
        Self {
            star: Some(star),
            text,
            is_shown: false,
            response: None,
        }
    }
}

fn reply_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Object(m)) => {
            m.get("text").and_then(|t| t.as_str()).map(str::to_owned)
        }
        Some(other) => Some(other.to_string()),
    })
}

/// The company's reply to a review, with the points it gave ("Ответ на отзыв").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReviewReply {
    /// Reply text.
    #[serde(rename = "text", default)]
    pub text: Option<String>,
    /// Points before.
    #[serde(rename = "markBefore", with = "wire::dec")]
    pub mark_before: Decimal,
    /// Points earned.
    #[serde(rename = "markIncrease", with = "wire::dec")]
    pub mark_increase: Decimal,
    /// Points spent.
    #[serde(rename = "markDecrease", with = "wire::dec")]
    pub mark_decrease: Decimal,
    /// Points after.
    #[serde(rename = "markCurrent", with = "wire::dec")]
    pub mark_current: Decimal,
    /// When it was made.
    #[serde(rename = "time", default, with = "wire::opt_time")]
    pub time: Option<NaiveDateTime>,
}

/// A transaction with its review ("Транзакция с отзывом"). Decodes both spellings of the seed:
/// `transaction` and `transactionEvent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TransactionWithReview {
    /// The transaction.
    #[serde(rename = "transaction", alias = "transactionEvent")]
    pub transaction: Transaction,
    /// The review, if any.
    #[serde(rename = "comment", default)]
    pub comment: Option<Review>,
    /// The company's reply, if any (an object at this level).
    #[serde(rename = "response", default, deserialize_with = "reply_object")]
    pub response: Option<ReviewReply>,
}

impl TransactionWithReview {
    /// A transaction without a review.
    pub fn new(transaction: Transaction) -> Self {
        Self {
            transaction,
            comment: None,
            response: None,
        }
    }
}

/// A reply object, or `null`, or a bare string (kept as the text).
fn reply_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ReviewReply>, D::Error> {
    match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(ReviewReply {
            text: Some(s),
            mark_before: Decimal::ZERO,
            mark_increase: Decimal::ZERO,
            mark_decrease: Decimal::ZERO,
            mark_current: Decimal::ZERO,
            time: None,
        })),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}
