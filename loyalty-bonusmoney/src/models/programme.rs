//! The programme: levels, points and their events, combos.

use super::*;

/// A level of the programme ("Уровень").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Level {
    /// Number (1, 2, …).
    #[serde(rename = "number", with = "wire::int")]
    pub number: i64,
    /// Name (the table says a number, the example `"First"`: read as text).
    #[serde(rename = "name", with = "wire::text")]
    pub name: String,
    /// Purchase sum needed to reach it.
    #[serde(rename = "requiredSum", with = "wire::dec")]
    pub required_sum: Decimal,
    /// Maximum percent of a purchase payable by points.
    #[serde(rename = "markToCash", with = "wire::dec")]
    pub mark_to_cash: Decimal,
    /// Maximum cash-back in points (percent).
    #[serde(rename = "cashToMark", with = "wire::dec")]
    pub cash_to_mark: Decimal,
    /// Image URL.
    #[serde(rename = "imageLvl", default)]
    pub image_lvl: Option<String>,
}

impl Level {
    /// A level.
    pub fn new(number: i64, name: impl Into<String>, required_sum: Decimal) -> Self {
        Self {
            number,
            name: name.into(),
            required_sum,
            mark_to_cash: Decimal::ZERO,
            cash_to_mark: Decimal::ZERO,
            image_lvl: None,
        }
    }
}

/// Levels and the customer's progress ("Уровни").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Levels {
    /// The company's levels.
    #[serde(rename = "levels", default, deserialize_with = "wire::null_list")]
    pub levels: Vec<Level>,
    /// The customer's current level number.
    #[serde(rename = "lvlNumber", with = "wire::int")]
    pub lvl_number: i64,
    /// The customer's cash-back in points (percent).
    #[serde(rename = "cashToMark", with = "wire::dec")]
    pub cash_to_mark: Decimal,
    /// The customer's maximum percent payable by points.
    #[serde(rename = "markToCash", with = "wire::dec")]
    pub mark_to_cash: Decimal,
    /// The customer's purchase sum so far.
    #[serde(rename = "sum", with = "wire::dec")]
    pub sum: Decimal,
    /// When the level decays.
    #[serde(
        rename = "timeDecay",
        default,
        with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub time_decay: Option<NaiveDateTime>,
    /// Purchase sum still needed to keep the level.
    #[serde(
        rename = "avoidDecreaseSum",
        default,
        with = "wire::opt_dec",
        skip_serializing_if = "Option::is_none"
    )]
    pub avoid_decrease_sum: Option<Decimal>,
    /// Visits still needed to keep the level.
    #[serde(
        rename = "avoidDecreaseVisits",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub avoid_decrease_visits: Option<i64>,
}

impl Levels {
    /// The customer's current level, if listed.
    pub fn current(&self) -> Option<&Level> {
        self.levels.iter().find(|l| l.number == self.lvl_number)
    }
}

/// Points with the next burn ("Баллы"); also one upcoming burn of `getMarksToBeDecrease`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Marks {
    /// Points.
    #[serde(rename = "marks", with = "wire::dec")]
    pub marks: Decimal,
    /// When `marks_decrease` points burn.
    #[serde(rename = "timeDecay", default, with = "wire::opt_time")]
    pub time_decay: Option<NaiveDateTime>,
    /// Points that burn then.
    #[serde(rename = "marksDecrease", default, with = "wire::opt_dec")]
    pub marks_decrease: Option<Decimal>,
}

impl Marks {
    /// Points with a burn.
    pub fn new(
        marks: Decimal,
        time_decay: Option<NaiveDateTime>,
        marks_decrease: Option<Decimal>,
    ) -> Self {
        Self {
            marks,
            time_decay,
            marks_decrease,
        }
    }
}

/// A combo applied to a position ("Комбо").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Combo {
    /// Id (a number in the examples, a string in the table).
    #[serde(rename = "comboId", with = "wire::id")]
    pub combo_id: String,
    /// Name.
    #[serde(rename = "name", default)]
    pub name: Option<String>,
}

/// What a points event is about ("Контент события с баллами"). The variant is chosen by shape:
/// a transaction with its review (types `TRANSACTION`, `COMMENT`), a message (`MESSAGE`), a
/// nested event (`EVENT`), or anything else kept as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MarkEventContent {
    /// A transaction and its review.
    Transaction(Box<TransactionWithReview>),
    /// A message.
    Message(Message),
    /// A nested points event.
    Event(Box<MarkEvent>),
    /// A shape this SDK does not know, kept verbatim.
    Unknown(serde_json::Value),
}

/// A change of the points ("Событие с баллами").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MarkEvent {
    /// Id (a string, `"13905322"`).
    #[serde(rename = "id", with = "wire::text")]
    pub id: String,
    /// Name ("Ответ на отзыв").
    #[serde(rename = "name", default)]
    pub name: Option<String>,
    /// When.
    #[serde(rename = "time", with = "wire::time")]
    pub time: NaiveDateTime,
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
    /// Kind.
    #[serde(rename = "type")]
    pub event_type: MarkEventType,
    /// What it is about.
    #[serde(rename = "content", default, skip_serializing_if = "Option::is_none")]
    pub content: Option<MarkEventContent>,
}
