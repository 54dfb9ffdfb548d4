//! Every model of the BMCard API, with every field of the seed.
//!
//! Field names follow the wire exactly (explicit `rename`s). Fields the seed marks required and
//! shows in every example are plain values; everything else is an `Option`, lists default to
//! empty. Points and money are `Decimal`s, times [`NaiveDateTime`]s (the vendor sends local
//! times without a zone, as `2024-01-23 14:01:09.0` or `2024-03-08 12:58:17.000001`).
//!
//! Where the seed contradicts itself, both spellings decode (see the crate README, "Wire format
//! confirmed/assumed"): `transaction`/`transactionEvent`, `star`/`start`, `text`/`comment`,
//! a review reply as an object or as a string, `orderId` as a number or a string.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use chrono::{NaiveDate, NaiveDateTime};
use loyalty_core::{LoyaltyError, Phone, Region};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::wire;
use loyalty_core::wire_enum;

wire_enum! {
    /// How a phone is verified ("Тип аутентификации").
    AuthType {
        /// The user calls the number in `callTo`.
        CallPass = "CALL_PASS",
        /// A 4-digit code by SMS.
        Sms = "SMS",
        /// No verification of the number.
        No = "NO",
    }
}

wire_enum! {
    /// A module of the app or the Telegram bot ("Тип модуля").
    ModuleType {
        /// Main screen.
        Main = "MAIN",
        /// QR code (the card).
        MyCard = "MY_CARD",
        /// Profile.
        Profile = "PROFILE",
        /// Promotions.
        Stock = "STOCK",
        /// Stores.
        Stores = "STORES",
        /// Points.
        Marks = "MARKS",
        /// Purchase history.
        TransactionsHistory = "TRANSACTIONS_HISTORY",
        /// Level.
        Level = "LEVEL",
        /// Reviews.
        Comments = "COMMENTS",
        /// About the company.
        AboutCompany = "ABOUT_COMPANY",
        /// "More".
        More = "MORE",
        /// Settings.
        Settings = "SETTINGS",
    }
}

wire_enum! {
    /// A transaction's type ("Тип транзакции").
    TransactionType {
        /// A sale.
        Sell = "SELL",
        /// A return.
        Payback = "PAYBACK",
    }
}

wire_enum! {
    /// The kind of cash register a store uses ("Тип магазина").
    StoreType {
        /// Evotor.
        Evotor = "EVOTOR_STORE",
        /// MoySklad.
        MoySklad = "MOY_SKLAD_STORE",
        /// 1C.
        OneC = "ONE_C_STORE",
        /// API.
        Api = "API_STORE",
        /// ModulKassa.
        ModulKassa = "MODUL_KASSA_STORE",
        /// iiko.
        Iiko = "IIKO_STORE",
        /// Frontol.
        Frontol = "FRONTOL_STORE",
        /// Set Retail.
        SetRetail = "SET_RETAIL_STORE",
        /// BonusMoney itself.
        Bm = "BM_STORE",
    }
}

wire_enum! {
    /// The kind of a promotion or message ("Тип сообщения").
    MessageType {
        /// A "buy N, get one" promotion with a visits counter.
        StockNVisit = "AppStockNVisitStylization",
        /// A header and a text.
        Simple = "AppSimpleMessage",
        /// With an image.
        Image = "AppImageMessage",
        /// With several images.
        MultipleImage = "AppMultipleImageMessage",
        /// With a coupon (promo code).
        Coupon = "AppCouponMessage",
    }
}

wire_enum! {
    /// Why the points changed ("Тип события с баллами").
    MarkEventType {
        /// Spent/earned on a purchase.
        Transaction = "TRANSACTION",
        /// Earned for a review.
        Comment = "COMMENT",
        /// Earned for a promotion or with a message.
        Message = "MESSAGE",
        /// Another event with points.
        Event = "EVENT",
        /// Anything else.
        Other = "OTHER",
    }
}

mod company;
mod customer;
mod offers;
mod programme;
mod purchases;

pub use company::*;
pub use customer::*;
pub use offers::*;
pub use programme::*;
pub use purchases::*;

/// Serializes nothing but `{}` (answers with no documented body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        s.serialize_map(Some(0))?.end()
    }
}
