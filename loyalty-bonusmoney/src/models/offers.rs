//! Offers and news: visit counters, coupons, promotions, messages and notifications.

use super::*;

/// A visits counter of an N-th purchase promotion ("Визиты").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct VisitsCounter {
    /// Visits so far.
    #[serde(rename = "visits", with = "wire::int")]
    pub visits: i64,
    /// Visits needed for the bonus.
    #[serde(rename = "targetVisits", with = "wire::int")]
    pub target_visits: i64,
    /// Bonuses received.
    #[serde(rename = "bonuses", with = "wire::dec")]
    pub bonuses: Decimal,
}

/// A coupon ("Купон").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Coupon {
    /// Whether the code is unique.
    #[serde(rename = "isUnique", default, with = "wire::flag")]
    pub is_unique: bool,
    /// Combo id.
    #[serde(rename = "comboId", default, with = "wire::opt_id")]
    pub combo_id: Option<String>,
    /// Whether it is blocked.
    #[serde(rename = "isBlocked", default, with = "wire::flag")]
    pub is_blocked: bool,
    /// The promo code.
    #[serde(rename = "number")]
    pub number: String,
    /// Whether it was activated.
    #[serde(rename = "isActivated", default, with = "wire::flag")]
    pub is_activated: bool,
    /// When it was created.
    #[serde(rename = "timeCreate", default, with = "wire::opt_time")]
    pub time_create: Option<NaiveDateTime>,
    /// When it was activated.
    #[serde(rename = "timeActivate", default, with = "wire::opt_time")]
    pub time_activate: Option<NaiveDateTime>,
    /// Valid until.
    #[serde(rename = "validTo", default, with = "wire::opt_time")]
    pub valid_to: Option<NaiveDateTime>,
}

/// A promotion ("Акция").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stock {
    /// Display priority.
    #[serde(
        rename = "priorityOfShow",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub priority_of_show: Option<i64>,
    /// Kind.
    #[serde(rename = "messageType")]
    pub message_type: MessageType,
    /// Id.
    #[serde(
        rename = "messageId",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_id: Option<i64>,
    /// Header.
    #[serde(rename = "header", default)]
    pub header: String,
    /// Text.
    #[serde(rename = "message", default)]
    pub message: String,
    /// Image URL.
    #[serde(rename = "imageURL", default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Image URLs (a string or a list on the wire).
    #[serde(
        rename = "imagesURL",
        default,
        deserialize_with = "wire::string_or_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images_url: Vec<String>,
    /// Icon of an expiring promo code.
    #[serde(
        rename = "iconExpirationPromoCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub icon_expiration_promo_code: Option<String>,
    /// Icon of "no promo code".
    #[serde(
        rename = "iconNoPromoCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub icon_no_promo_code: Option<String>,
    /// Period text (`""` or `" "` in the examples).
    #[serde(rename = "period", default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Shown from.
    #[serde(
        rename = "start",
        default,
        with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub start: Option<NaiveDateTime>,
    /// Shown until.
    #[serde(
        rename = "end",
        default,
        with = "wire::opt_time",
        skip_serializing_if = "Option::is_none"
    )]
    pub end: Option<NaiveDateTime>,
    /// Visits counter (N-th purchase promotions).
    #[serde(rename = "visitsCounter", default)]
    pub visits_counter: Option<VisitsCounter>,
    /// Coupon (coupon promotions); `null` otherwise.
    #[serde(rename = "coupon", default)]
    pub coupon: Option<Coupon>,
}

impl Stock {
    /// A promotion of a kind with a header and text.
    pub fn new(
        message_type: MessageType,
        header: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            priority_of_show: None,
            message_type,
            message_id: None,
            header: header.into(),
            message: message.into(),
            image_url: None,
            images_url: Vec::new(),
            icon_expiration_promo_code: None,
            icon_no_promo_code: None,
            period: None,
            start: None,
            end: None,
            visits_counter: None,
            coupon: None,
        }
    }
}

/// A message attached to a points event ("Сообщение").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Message {
    /// Kind.
    #[serde(rename = "messageType")]
    pub message_type: MessageType,
    /// Id.
    #[serde(
        rename = "messageId",
        default,
        with = "wire::opt_int",
        skip_serializing_if = "Option::is_none"
    )]
    pub message_id: Option<i64>,
    /// Header.
    #[serde(rename = "header")]
    pub header: String,
    /// Text.
    #[serde(rename = "message")]
    pub message: String,
    /// Image URL.
    #[serde(rename = "imageURL", default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Image URLs.
    #[serde(
        rename = "imagesURL",
        default,
        deserialize_with = "wire::string_or_list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub images_url: Vec<String>,
}

/// A notification ("Уведомление").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// Id.
    #[serde(rename = "id", with = "wire::text")]
    pub id: String,
    /// Header.
    #[serde(rename = "header", default)]
    pub header: Option<String>,
    /// Text.
    #[serde(rename = "message", default)]
    pub message: String,
    /// When it was sent.
    #[serde(rename = "time", default, with = "wire::opt_time")]
    pub time: Option<NaiveDateTime>,
}

impl Notification {
    /// A notification.
    pub fn new(
        id: impl Into<String>,
        header: impl Into<String>,
        message: impl Into<String>,
        time: NaiveDateTime,
    ) -> Self {
        Self {
            id: id.into(),
            header: Some(header.into()),
            message: message.into(),
            time: Some(time),
        }
    }
}
