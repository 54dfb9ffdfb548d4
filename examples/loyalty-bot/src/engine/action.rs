//! What a button asks the bot to do: the typed form of callback data.
//!
//! See [`Action`] for the wire format.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use super::ergo_profile::SellerField;

/// One thing a button (or a resumed dialogue) asks the bot to do.
///
/// [`Action::parse`] and [`Action::encode`] are the only place callback strings live. The wire
/// format is the one the bot has always sent, so buttons of older messages and the actions
/// stored in conversations ([`Conversation::resume`](super::Conversation::resume)) keep working:
///
/// | action | wire |
/// |---|---|
/// | [`Action::Menu`] | `m:menu` |
/// | [`Action::Balance`] | `m:balance` |
/// | [`Action::History`] | `m:history` (first page), `hp:<offset>` |
/// | [`Action::Purchases`] | `m:purchases` (first page), `pp:<offset>` |
/// | [`Action::Purchase`] | `p:<id>` (`pd:email` for the id `email`, see below) |
/// | [`Action::Review`] | `rv:<order id>` |
/// | [`Action::Promotions`] | `m:promotions` |
/// | [`Action::News`] | `m:news` |
/// | [`Action::Profile`] | `m:profile` |
/// | [`Action::EditEmail`] | `p:email` |
/// | [`Action::About`] | `m:about` |
/// | [`Action::Support`] | `m:support` |
/// | [`Action::SupportEnd`] | `m:support_end` |
/// | [`Action::QuickRegistration`] | `m:quick` |
/// | [`Action::FullRegistration`] | `m:full` |
/// | [`Action::ErgoAction`] | `a:<action id>` |
/// | [`Action::Model`] | `mo:<action id>:<model id>` |
/// | [`Action::TradePoint`] | `tt:<trade point id>` |
/// | [`Action::Again`] | `m:again` |
/// | [`Action::Registrations`] | `m:registrations` (first page), `rh:<offset>` |
/// | [`Action::EditSellerField`] | `ep:<name, lastname, surname or email>` |
/// | [`Action::NewsPage`] | `nw:<offset>` |
/// | [`Action::Article`] | `ar:<article id>` |
/// | [`Action::Gender`] | `g:m`, `g:f` |
/// | [`Action::SkipField`] | `su:skip` |
/// | [`Action::EditField`] | `pf:<field>` (`first_name`, `last_name`, `patronymic`, `birth_date`, `gender`, `email`) |
/// | [`Action::CallDone`] | `m:call_done` |
/// | [`Action::Card`] | `m:card` |
/// | [`Action::Levels`] | `m:levels` |
/// | [`Action::Company`] | `m:company` |
/// | [`Action::Reviews`] | `m:reviews` |
/// | [`Action::DeleteAccount`] | `m:delete` |
/// | [`Action::DeleteConfirmed`] | `m:delete_yes` |
/// | [`Action::SurveyStart`] | `sv:<survey id>` |
/// | [`Action::SurveySkip`] | `sx:<survey id>` |
/// | [`Action::SurveyAnswer`] | `sa:<survey id>:<question>:<option>` (positions from 0) |
///
/// `p:email` has always meant "edit the e-mail", so a purchase whose id is `email` could never
/// be opened by `p:email`; such a purchase is encoded `pd:email` instead (read back as
/// [`Action::Purchase`]), and every other purchase keeps `p:<id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Action {
    /// Back to the main menu.
    Menu,
    /// The balance.
    Balance,
    /// A page of the bonus history.
    History {
        /// Items to skip (0: the first page).
        offset: u32,
    },
    /// A page of the purchase list.
    Purchases {
        /// Items to skip (0: the first page).
        offset: u32,
    },
    /// One purchase in detail.
    Purchase {
        /// The purchase's id.
        id: String,
    },
    /// BonusMoney: review a purchase (asks for a rating).
    Review {
        /// The purchase (order id).
        order_id: String,
    },
    /// Promotions.
    Promotions,
    /// News and notices.
    News,
    /// The customer's profile.
    Profile,
    /// Edit the profile's e-mail.
    EditEmail,
    /// About the programme.
    About,
    /// Ask support a question (or, with live chat, talk to an operator).
    Support,
    /// End the live dialogue with an operator and return to the bot.
    SupportEnd,
    /// ERGO quick registration (serial only).
    QuickRegistration,
    /// ERGO full registration (choose an action, then a model).
    FullRegistration,
    /// ERGO full registration: the models of one action.
    ErgoAction {
        /// The action.
        action_id: u64,
    },
    /// ERGO full registration: a chosen model (asks for its serial).
    Model {
        /// The action.
        action_id: u64,
        /// The model.
        model_id: u64,
    },
    /// ERGO full registration: the trade point of the sale.
    TradePoint {
        /// The trade point.
        id: u64,
    },
    /// Register another serial (or back to the menu when no registration is under way).
    Again,
    /// ERGO: a page of the seller's registration history.
    Registrations {
        /// Items to skip (0: the first page).
        offset: u32,
    },
    /// ERGO: edit one field of the seller's profile (asks for the new value).
    EditSellerField {
        /// The field.
        field: SellerField,
    },
    /// ERGO: a page of the news list (`m:news` is the first page).
    NewsPage {
        /// Items to skip.
        offset: u32,
    },
    /// ERGO: one news article in full.
    Article {
        /// The article's id.
        id: u64,
    },
    // Customers
    /// A gender button (sign-up or profile edit, by the step).
    Gender {
        /// Male (`true`) or female.
        male: bool,
    },
    /// Sign-up: skip the optional field asked now.
    SkipField,
    /// Edit one field of the profile (asks for the new value).
    EditField {
        /// The field.
        field: super::fields::ProfileField,
    },
    /// BonusMoney call-pass: "I have called".
    CallDone,
    /// The loyalty card: its number and QR code.
    Card,
    /// BonusMoney: the levels with the progress to the next.
    Levels,
    /// BonusMoney: about the company.
    Company,
    /// BonusMoney: the customer's reviews.
    Reviews,
    /// Delete the account (asks to confirm where the programme allows it).
    DeleteAccount,
    /// Delete the account: confirmed.
    DeleteConfirmed,
    // Surveys
    /// A survey's invitation: start it (or go on from the first unanswered question).
    SurveyStart {
        /// The survey.
        survey: i64,
    },
    /// Skip the survey (the invitation's button, or any question's): back to the dialogue.
    SurveySkip {
        /// The survey.
        survey: i64,
    },
    /// An option of a closed question of a survey.
    SurveyAnswer {
        /// The survey.
        survey: i64,
        /// The question's position (from 0).
        question: u32,
        /// The option's position (from 0).
        option: u32,
    },
}

/// The exact strings of the actions that carry no data.
const FIXED: &[(&str, Action)] = &[
    ("m:menu", Action::Menu),
    ("m:balance", Action::Balance),
    ("m:history", Action::History { offset: 0 }),
    ("m:purchases", Action::Purchases { offset: 0 }),
    ("m:promotions", Action::Promotions),
    ("m:news", Action::News),
    ("m:profile", Action::Profile),
    ("p:email", Action::EditEmail),
    ("m:about", Action::About),
    ("m:support", Action::Support),
    ("m:support_end", Action::SupportEnd),
    ("m:quick", Action::QuickRegistration),
    ("m:full", Action::FullRegistration),
    ("m:again", Action::Again),
    ("m:registrations", Action::Registrations { offset: 0 }),
    // Customers
    ("g:m", Action::Gender { male: true }),
    ("g:f", Action::Gender { male: false }),
    ("su:skip", Action::SkipField),
    ("m:call_done", Action::CallDone),
    ("m:card", Action::Card),
    ("m:levels", Action::Levels),
    ("m:company", Action::Company),
    ("m:reviews", Action::Reviews),
    ("m:delete", Action::DeleteAccount),
    ("m:delete_yes", Action::DeleteConfirmed),
];

/// The id of a purchase that `p:<id>` cannot carry (see the module docs).
const EMAIL_ID: &str = "email";

impl Action {
    /// Reads callback data; `None` for data the bot never sent (unknown, or numbers that do not
    /// read), which the dispatcher answers with "unknown input" rather than a guess.
    pub fn parse(data: &str) -> Option<Self> {
        if let Some((_, action)) = FIXED.iter().find(|(wire, _)| *wire == data) {
            return Some(action.clone());
        }
        let (prefix, rest) = data.split_once(':')?;
        let number = |s: &str| s.parse::<u64>().ok();
        let offset = |s: &str| s.parse::<u32>().ok();
        match prefix {
            "hp" => offset(rest).map(|offset| Self::History { offset }),
            "pp" => offset(rest).map(|offset| Self::Purchases { offset }),
            "p" => Some(Self::Purchase {
                id: rest.to_owned(),
            }),
            "pd" if rest == EMAIL_ID => Some(Self::Purchase {
                id: rest.to_owned(),
            }),
            "rv" => Some(Self::Review {
                order_id: rest.to_owned(),
            }),
            "a" => number(rest).map(|action_id| Self::ErgoAction { action_id }),
            "mo" => {
                let (action, model) = rest.split_once(':')?;
                Some(Self::Model {
                    action_id: number(action)?,
                    model_id: number(model)?,
                })
            }
            "tt" => number(rest).map(|id| Self::TradePoint { id }),
            "rh" => offset(rest).map(|offset| Self::Registrations { offset }),
            "ep" => SellerField::parse(rest).map(|field| Self::EditSellerField { field }),
            "nw" => offset(rest).map(|offset| Self::NewsPage { offset }),
            "ar" => number(rest).map(|id| Self::Article { id }),
            "pf" => super::fields::ProfileField::parse(rest).map(|field| Self::EditField { field }),
            "sv" => survey_id(rest).map(|survey| Self::SurveyStart { survey }),
            "sx" => survey_id(rest).map(|survey| Self::SurveySkip { survey }),
            "sa" => {
                let mut parts = rest.splitn(3, ':');
                Some(Self::SurveyAnswer {
                    survey: survey_id(parts.next()?)?,
                    question: offset(parts.next()?)?,
                    option: offset(parts.next()?)?,
                })
            }
            _ => None,
        }
    }

    /// The callback data for this action ([`Action::parse`] reads it back).
    pub fn encode(&self) -> String {
        match self {
            Self::History { offset } if *offset > 0 => format!("hp:{offset}"),
            Self::Purchases { offset } if *offset > 0 => format!("pp:{offset}"),
            Self::Purchase { id } if id == EMAIL_ID => format!("pd:{id}"),
            Self::Purchase { id } => format!("p:{id}"),
            Self::Review { order_id } => format!("rv:{order_id}"),
            Self::ErgoAction { action_id } => format!("a:{action_id}"),
            Self::Model {
                action_id,
                model_id,
            } => format!("mo:{action_id}:{model_id}"),
            Self::TradePoint { id } => format!("tt:{id}"),
            Self::Registrations { offset } if *offset > 0 => format!("rh:{offset}"),
            Self::EditSellerField { field } => format!("ep:{}", field.as_str()),
            Self::NewsPage { offset } => format!("nw:{offset}"),
            Self::Article { id } => format!("ar:{id}"),
            Self::EditField { field } => format!("pf:{}", field.as_str()),
            Self::SurveyStart { survey } => format!("sv:{survey}"),
            Self::SurveySkip { survey } => format!("sx:{survey}"),
            Self::SurveyAnswer {
                survey,
                question,
                option,
            } => format!("sa:{survey}:{question}:{option}"),
            fixed => FIXED
                .iter()
                .find(|(_, a)| a == fixed)
                .map(|(wire, _)| (*wire).to_owned())
                .unwrap_or_default(),
        }
    }
}

/// A survey id in callback data: a non-negative number.
fn survey_id(s: &str) -> Option<i64> {
    s.parse::<u64>().ok().and_then(|n| i64::try_from(n).ok())
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.encode())
    }
}

/// Stored as its callback data, the form conversations kept before actions were typed.
impl Serialize for Action {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let data = String::deserialize(deserializer)?;
        Self::parse(&data)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown action {data:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every string the bot has sent as callback data (or stored as an action to resume), with
    /// what it means.
    fn wire_strings() -> Vec<(&'static str, Action)> {
        vec![
            ("m:balance", Action::Balance),
            ("m:history", Action::History { offset: 0 }),
            ("m:purchases", Action::Purchases { offset: 0 }),
            ("m:promotions", Action::Promotions),
            ("m:news", Action::News),
            ("m:profile", Action::Profile),
            ("m:about", Action::About),
            ("m:support", Action::Support),
            ("m:support_end", Action::SupportEnd),
            ("m:quick", Action::QuickRegistration),
            ("m:full", Action::FullRegistration),
            ("m:menu", Action::Menu),
            ("m:again", Action::Again),
            ("p:email", Action::EditEmail),
            (
                "p:ord-17",
                Action::Purchase {
                    id: "ord-17".into(),
                },
            ),
            ("p:42:7", Action::Purchase { id: "42:7".into() }),
            ("pp:5", Action::Purchases { offset: 5 }),
            ("hp:10", Action::History { offset: 10 }),
            ("a:3", Action::ErgoAction { action_id: 3 }),
            (
                "mo:3:14",
                Action::Model {
                    action_id: 3,
                    model_id: 14,
                },
            ),
            ("tt:900", Action::TradePoint { id: 900 }),
            (
                "rv:ORD-1",
                Action::Review {
                    order_id: "ORD-1".into(),
                },
            ),
            ("m:registrations", Action::Registrations { offset: 0 }),
            ("rh:5", Action::Registrations { offset: 5 }),
            (
                "ep:email",
                Action::EditSellerField {
                    field: SellerField::Email,
                },
            ),
            ("nw:5", Action::NewsPage { offset: 5 }),
            ("ar:67657", Action::Article { id: 67657 }),
        ]
    }

    #[test]
    fn the_strings_sent_before_still_read_and_encode_the_same() {
        for (wire, action) in wire_strings() {
            assert_eq!(Action::parse(wire), Some(action.clone()), "{wire}");
            assert_eq!(action.encode(), wire, "{wire}");
        }
        // The first page was also reachable by its offset.
        assert_eq!(Action::parse("hp:0"), Some(Action::History { offset: 0 }));
        assert_eq!(Action::parse("pp:0"), Some(Action::Purchases { offset: 0 }));
    }

    #[test]
    fn the_customer_actions_have_their_strings() {
        use super::super::fields::ProfileField;
        for (wire, action) in [
            ("g:m", Action::Gender { male: true }),
            ("g:f", Action::Gender { male: false }),
            ("su:skip", Action::SkipField),
            (
                "pf:birth_date",
                Action::EditField {
                    field: ProfileField::BirthDate,
                },
            ),
            ("m:call_done", Action::CallDone),
            ("m:card", Action::Card),
            ("m:levels", Action::Levels),
            ("m:company", Action::Company),
            ("m:reviews", Action::Reviews),
            ("m:delete", Action::DeleteAccount),
            ("m:delete_yes", Action::DeleteConfirmed),
        ] {
            assert_eq!(Action::parse(wire), Some(action.clone()), "{wire}");
            assert_eq!(action.encode(), wire);
        }
        assert_eq!(Action::parse("pf:city"), None);
        // The old e-mail button keeps its meaning.
        assert_eq!(Action::parse("p:email"), Some(Action::EditEmail));
    }

    #[test]
    fn the_email_button_and_a_purchase_called_email_differ() {
        assert_eq!(Action::parse("p:email"), Some(Action::EditEmail));
        let purchase = Action::Purchase { id: "email".into() };
        assert_eq!(purchase.encode(), "pd:email");
        assert_eq!(Action::parse("pd:email"), Some(purchase));
        // `pd:` is only the escape of that one id.
        assert_eq!(Action::parse("pd:other"), None);
    }

    #[test]
    fn unknown_data_is_none_not_a_panic() {
        for data in [
            "",
            ":",
            "m:",
            "m:unknown",
            "x:1",
            "hp:",
            "hp:abc",
            "hp:-1",
            "pp:1.5",
            "a:",
            "a:x",
            "mo:1",
            "mo:1:",
            "mo::2",
            "mo:a:b",
            "tt:",
            "tt:x",
            "balance",
            "м:баланс",
            "rh:x",
            "ep:phone",
            "nw:-1",
            "ar:",
        ] {
            assert_eq!(Action::parse(data), None, "{data:?}");
        }
    }

    #[test]
    fn survey_buttons_are_short_and_read_back() {
        let answer = Action::SurveyAnswer {
            survey: i64::MAX,
            question: u32::MAX,
            option: u32::MAX,
        };
        // The longest survey button fits Telegram's 64 bytes of callback data.
        assert!(answer.encode().len() <= 64, "{}", answer.encode());
        assert_eq!(Action::parse(&answer.encode()), Some(answer));
        assert_eq!(
            Action::parse("sv:12"),
            Some(Action::SurveyStart { survey: 12 })
        );
        assert_eq!(
            Action::parse("sx:12"),
            Some(Action::SurveySkip { survey: 12 })
        );
        assert_eq!(
            Action::parse("sa:12:0:3"),
            Some(Action::SurveyAnswer {
                survey: 12,
                question: 0,
                option: 3
            })
        );
        for bad in [
            "sv:",
            "sv:-1",
            "sv:x",
            "sa:1:2",
            "sa:1:2:x",
            "sa:1::3",
            "sx:9223372036854775808",
        ] {
            assert_eq!(Action::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_stored_action_is_its_callback_string() {
        let action = Action::Review {
            order_id: "ORD-1".into(),
        };
        assert_eq!(serde_json::to_string(&action).unwrap(), r#""rv:ORD-1""#);
        assert_eq!(
            serde_json::from_str::<Action>(r#""m:full""#).unwrap(),
            Action::FullRegistration
        );
        assert!(serde_json::from_str::<Action>(r#""m:nope""#).is_err());
    }

    fn any_action() -> impl Strategy<Value = Action> {
        let id = "[A-Za-z0-9:_-]{0,20}";
        prop_oneof![
            Just(Action::Menu),
            Just(Action::Balance),
            any::<u32>().prop_map(|offset| Action::History { offset }),
            any::<u32>().prop_map(|offset| Action::Purchases { offset }),
            prop_oneof![id.prop_map(String::from), Just("email".to_owned())]
                .prop_map(|id| Action::Purchase { id }),
            id.prop_map(|order_id| Action::Review {
                order_id: order_id.to_owned()
            }),
            Just(Action::Promotions),
            Just(Action::News),
            Just(Action::Profile),
            Just(Action::EditEmail),
            Just(Action::About),
            Just(Action::Support),
            Just(Action::SupportEnd),
            Just(Action::QuickRegistration),
            Just(Action::FullRegistration),
            any::<u64>().prop_map(|action_id| Action::ErgoAction { action_id }),
            (any::<u64>(), any::<u64>()).prop_map(|(action_id, model_id)| Action::Model {
                action_id,
                model_id
            }),
            any::<u64>().prop_map(|id| Action::TradePoint { id }),
            Just(Action::Again),
            any::<u32>().prop_map(|offset| Action::Registrations { offset }),
            prop_oneof![
                Just(SellerField::Name),
                Just(SellerField::Lastname),
                Just(SellerField::Surname),
                Just(SellerField::Email),
            ]
            .prop_map(|field| Action::EditSellerField { field }),
            any::<u32>().prop_map(|offset| Action::NewsPage { offset }),
            any::<u64>().prop_map(|id| Action::Article { id }),
            any::<bool>().prop_map(|male| Action::Gender { male }),
            Just(Action::SkipField),
            proptest::sample::select(super::super::fields::ProfileField::ALL.to_vec())
                .prop_map(|field| Action::EditField { field }),
            Just(Action::CallDone),
            Just(Action::Card),
            Just(Action::Levels),
            Just(Action::Company),
            Just(Action::Reviews),
            Just(Action::DeleteAccount),
            Just(Action::DeleteConfirmed),
            (0..i64::MAX).prop_map(|survey| Action::SurveyStart { survey }),
            (0..i64::MAX).prop_map(|survey| Action::SurveySkip { survey }),
            (0..i64::MAX, any::<u32>(), any::<u32>()).prop_map(|(survey, question, option)| {
                Action::SurveyAnswer {
                    survey,
                    question,
                    option,
                }
            }),
        ]
    }

    proptest! {
        #[test]
        fn every_action_reads_back_from_its_encoding(action in any_action()) {
            prop_assert_eq!(Action::parse(&action.encode()), Some(action));
        }

        #[test]
        fn any_string_parses_without_panicking_and_re_encodes_to_the_same_action(data in ".{0,40}") {
            if let Some(action) = Action::parse(&data) {
                prop_assert_eq!(Action::parse(&action.encode()), Some(action));
            }
        }
    }
}
