//! The company: its description, the card and its styling (colours, modules, the app's and
//! the Telegram bot's looks).

use super::*;

/// A colour as the vendor writes it, `#AARRGGBB` (kept verbatim).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Color(pub String);

impl Color {
    /// The colour as sent (`#FF2688EB`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Alpha, red, green, blue, when the text is `#AARRGGBB` (or `#RRGGBB`, read as opaque).
    pub fn argb(&self) -> Option<(u8, u8, u8, u8)> {
        let hex = self.0.trim().strip_prefix('#')?;
        let hex = match hex.len() {
            8 => hex.to_owned(),
            6 => format!("FF{hex}"),
            _ => return None,
        };
        let v = u32::from_str_radix(&hex, 16).ok()?;
        let [a, r, g, b] = v.to_be_bytes();
        Some((a, r, g, b))
    }

    /// CSS-style `#RRGGBB` (alpha dropped).
    pub fn rgb_hex(&self) -> Option<String> {
        self.argb()
            .map(|(_, r, g, b)| format!("#{r:02X}{g:02X}{b:02X}"))
    }
}

/// About the company ("Описание компании").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CompanyAbout {
    /// Name.
    #[serde(rename = "name")]
    pub name: String,
    /// Logo URL.
    #[serde(rename = "logoUrl", default)]
    pub logo_url: Option<String>,
    /// Kind of company.
    #[serde(rename = "type", default)]
    pub company_type: Option<String>,
    /// Description.
    #[serde(rename = "description", default)]
    pub description: Option<String>,
    /// Phones, label → number.
    #[serde(rename = "phones", default, deserialize_with = "null_map")]
    pub phones: BTreeMap<String, String>,
    /// Links, label → URL.
    #[serde(rename = "urlLinks", default, deserialize_with = "null_map")]
    pub url_links: BTreeMap<String, String>,
}

fn null_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let v = Option::<BTreeMap<String, serde_json::Value>>::deserialize(d)?.unwrap_or_default();
    Ok(v.into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// Basic colours of the card ("Базовая стилизация"), all `#AARRGGBB`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(missing_docs)]
pub struct BasicStyle {
    /// Main background.
    #[serde(rename = "backgroundColor")]
    pub background_color: Color,
    /// Active elements.
    #[serde(rename = "mainColor")]
    pub main_color: Color,
    /// Inactive elements.
    #[serde(rename = "mainPassiveColor")]
    pub main_passive_color: Color,
    /// Block background.
    #[serde(rename = "cardBackgroundColor")]
    pub card_background_color: Color,
    /// Text.
    #[serde(rename = "textColor")]
    pub text_color: Color,
    /// Secondary text.
    #[serde(rename = "highlightTextColor")]
    pub highlight_text_color: Color,
    /// Warnings.
    #[serde(rename = "accentColor")]
    pub accent_color: Color,
    /// Links.
    #[serde(rename = "linkColor")]
    pub link_color: Color,
    /// Titles.
    #[serde(rename = "titleColor")]
    pub title_color: Color,
    /// Icons.
    #[serde(rename = "iconTextColor")]
    pub icon_text_color: Color,
    /// Secondary buttons.
    #[serde(rename = "buttonBackgroundColor")]
    pub button_background_color: Color,
    /// Secondary button text.
    #[serde(rename = "buttonTextColor")]
    pub button_text_color: Color,
    /// Active border.
    #[serde(rename = "borderActiveColor")]
    pub border_active_color: Color,
    /// Inactive border.
    #[serde(rename = "borderPassiveColor")]
    pub border_passive_color: Color,
    /// Dividers.
    #[serde(rename = "dividerColor")]
    pub divider_color: Color,
    /// Main buttons.
    #[serde(rename = "mainButtonColor")]
    pub main_button_color: Color,
    /// Main button text.
    #[serde(rename = "mainButtonTextColor")]
    pub main_button_text_color: Color,
    /// Links inside blocks.
    #[serde(rename = "cardLinkColor")]
    pub card_link_color: Color,
}

/// Style of one module ("Стиль модуля").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ModuleStyle {
    /// The module.
    #[serde(rename = "tag")]
    pub tag: ModuleType,
    /// Icon URL.
    #[serde(rename = "image", default)]
    pub image: Option<String>,
    /// Label.
    #[serde(rename = "name", default)]
    pub name: Option<String>,
}

/// Mobile app layout ("Стилизация мобильного приложения").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MobileAppStyle {
    /// Modules on the main screen.
    #[serde(
        rename = "dashboardItems",
        default,
        deserialize_with = "wire::null_list"
    )]
    pub dashboard_items: Vec<ModuleType>,
    /// Modules in the menu.
    #[serde(rename = "menuItems", default, deserialize_with = "wire::null_list")]
    pub menu_items: Vec<ModuleType>,
    /// Modules under "more".
    #[serde(rename = "moreItems", default, deserialize_with = "wire::null_list")]
    pub more_items: Vec<ModuleType>,
    /// Module styles.
    #[serde(rename = "itemsStyle", default, deserialize_with = "wire::null_list")]
    pub items_style: Vec<ModuleStyle>,
}

/// Telegram layout ("Стилизация Telegram").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TelegramStyle {
    /// Modules in the header.
    #[serde(rename = "headerItems", default, deserialize_with = "wire::null_list")]
    pub header_items: Vec<ModuleType>,
    /// Module styles.
    #[serde(rename = "itemsStyle", default, deserialize_with = "wire::null_list")]
    pub items_style: Vec<ModuleStyle>,
}

/// Review styling ("Стилизация отзывов").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CommentStyle {
    /// Image of an inactive rating unit.
    #[serde(rename = "imageRateNone", default)]
    pub image_rate_none: Option<String>,
    /// Image of an active rating unit.
    #[serde(rename = "imageRateOk", default)]
    pub image_rate_ok: Option<String>,
    /// Images by rating.
    #[serde(rename = "imagesFunny", default, deserialize_with = "wire::null_list")]
    pub images_funny: Vec<String>,
}

/// Level styling ("Стилизация уровней").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LevelStyle {
    /// Icon of paying by points.
    #[serde(rename = "imageMarkToCash", default)]
    pub image_mark_to_cash: Option<String>,
    /// Icon of the sum to the next level.
    #[serde(rename = "imageSumToLvl", default)]
    pub image_sum_to_lvl: Option<String>,
    /// Icon of delayed points.
    #[serde(rename = "imageDelayedMarkActivation", default)]
    pub image_delayed_mark_activation: Option<String>,
    /// Icon of a burn (on the dashboard, not in the model table).
    #[serde(
        rename = "imageDecrease",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub image_decrease: Option<String>,
}

/// Points styling ("Стилизация баллов").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MarkStyle {
    /// Icon of a burn.
    #[serde(rename = "imageDecrease", default)]
    pub image_decrease: Option<String>,
}

/// Store styling ("Стилизация магазинов").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PointStyle {
    /// Phone icon.
    #[serde(rename = "iconPhone", default)]
    pub icon_phone: Option<String>,
    /// Address icon.
    #[serde(rename = "iconAddress", default)]
    pub icon_address: Option<String>,
    /// Metro icon.
    #[serde(rename = "iconMetro", default)]
    pub icon_metro: Option<String>,
}

/// Profile styling ("Стилизация профиля").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfileStyle {
    /// Name icon.
    #[serde(rename = "iconName", default)]
    pub icon_name: Option<String>,
    /// Surname icon.
    #[serde(rename = "iconSurname", default)]
    pub icon_surname: Option<String>,
    /// Patronymic icon.
    #[serde(rename = "iconPatronymic", default)]
    pub icon_patronymic: Option<String>,
    /// Birthday icon (in the example, not in the table).
    #[serde(rename = "iconBDay", default, skip_serializing_if = "Option::is_none")]
    pub icon_b_day: Option<String>,
    /// Gender icon.
    #[serde(rename = "iconMale", default)]
    pub icon_male: Option<String>,
    /// E-mail icon.
    #[serde(rename = "iconEmail", default)]
    pub icon_email: Option<String>,
    /// Phone icon.
    #[serde(rename = "iconPhone", default)]
    pub icon_phone: Option<String>,
    /// "Phone verified" icon.
    #[serde(rename = "iconPhoneVerified", default)]
    pub icon_phone_verified: Option<String>,
}

/// QR code styling ("Стилизация QR кода").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct QrStyle {
    /// Button colour.
    #[serde(rename = "buttonColor")]
    pub button_color: Color,
    /// Button content colour.
    #[serde(rename = "buttonTextColor")]
    pub button_text_color: Color,
}

/// The company card with its styling and the customer's latest events ("Карточка компании").
///
/// Cosmetic blocks (styles) are `Option`s so that a missing or `null` block never keeps a bot
/// from showing the balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Dashboard {
    /// Company id.
    #[serde(rename = "companyId", with = "wire::int")]
    pub company_id: i64,
    /// Whether the customer deleted the card.
    #[serde(rename = "isDeleted", default, with = "wire::flag")]
    pub is_deleted: bool,
    /// About the company.
    #[serde(rename = "about")]
    pub about: CompanyAbout,
    /// The customer.
    #[serde(rename = "customer")]
    pub customer: Customer,
    /// Basic colours.
    #[serde(rename = "basicStyle", default)]
    pub basic_style: Option<BasicStyle>,
    /// Mobile app layout.
    #[serde(rename = "mobileApp", default)]
    pub mobile_app: Option<MobileAppStyle>,
    /// Telegram layout.
    #[serde(rename = "telegram", default)]
    pub telegram: Option<TelegramStyle>,
    /// Levels and progress.
    #[serde(rename = "levelParameters")]
    pub level_parameters: Levels,
    /// Points and the next burn.
    #[serde(rename = "markParameters")]
    pub mark_parameters: Marks,
    /// The last 5 transactions with reviews.
    #[serde(rename = "transactions", default, deserialize_with = "wire::null_list")]
    pub transactions: Vec<TransactionWithReview>,
    /// The last transaction without a review, if any.
    #[serde(rename = "comment", default)]
    pub comment: Option<TransactionWithReview>,
    /// The 5 most important promotions.
    #[serde(rename = "stocks", default, deserialize_with = "wire::null_list")]
    pub stocks: Vec<Stock>,
    /// The last 5 points events.
    #[serde(rename = "markEvents", default, deserialize_with = "wire::null_list")]
    pub mark_events: Vec<MarkEvent>,
    /// Review styling.
    #[serde(rename = "commentStyle", default)]
    pub comment_style: Option<CommentStyle>,
    /// Level styling.
    #[serde(rename = "levelStyle", default)]
    pub level_style: Option<LevelStyle>,
    /// Points styling.
    #[serde(rename = "markStyle", default)]
    pub mark_style: Option<MarkStyle>,
    /// Store styling.
    #[serde(rename = "pointStyle", default)]
    pub point_style: Option<PointStyle>,
    /// Profile styling.
    #[serde(rename = "profileStyle", default)]
    pub profile_style: Option<ProfileStyle>,
    /// QR code styling.
    #[serde(rename = "qrStyle", default)]
    pub qr_style: Option<QrStyle>,
    /// Currency sign or code (`₸`).
    #[serde(rename = "currencyCode", default)]
    pub currency_code: Option<String>,
}
