//! Every model example of the seed decodes (tests/fixtures/*.json, verbatim), the wire quirks
//! decode, and what the sandbox writes reads back the same.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_bonusmoney::format_time;
use loyalty_bonusmoney::models::*;
use serde::de::DeserializeOwned;
use serde_json::json;

fn decode<T: DeserializeOwned>(name: &str) -> T {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Decodes, writes back and compares the JSON with the fixture (numbers compared as values).
fn round_trip<T: DeserializeOwned + serde::Serialize>(name: &str) {
    let v: T = decode(name);
    let back = serde_json::to_value(&v).unwrap();
    assert_eq!(normalize(back), normalize(fixture_json(name)), "{name}");
}

#[test]
fn every_seed_model_example_decodes() {
    assert_eq!(decode::<AuthType>("auth_type"), AuthType::Sms);
    assert_eq!(
        decode::<AuthOptions>("auth_options").auth_type,
        AuthType::Sms
    );
    assert_eq!(
        decode::<AuthOption>("auth_option").auth_type,
        AuthType::CallPass
    );
    assert_eq!(decode::<CaptchaChallenge>("captcha").bytes.len(), 2596);
    assert!(decode::<AuthSet>("auth_set").sign_up_token().is_some());
    assert_eq!(decode::<Dashboard>("dashboard").company_id, 21);
    assert_eq!(decode::<CompanyAbout>("about").name, "МЯСО - И ТОЧКА");
    assert_eq!(
        decode::<Customer>("customer").qr_code.as_deref(),
        Some("00_00000000000000")
    );
    assert_eq!(
        decode::<BasicStyle>("basic_style").card_link_color.as_str(),
        "#FF1A1A1A"
    );
    assert_eq!(
        decode::<MobileAppStyle>("mobile_app_style")
            .items_style
            .len(),
        1
    );
    assert_eq!(
        decode::<TelegramStyle>("telegram_style").header_items,
        vec![ModuleType::MyCard]
    );
    // The seed's ModuleType example is a MessageType value: kept as Unknown.
    assert_eq!(
        decode::<ModuleType>("module_type"),
        ModuleType::Unknown("AppStockNVisitStylization".into())
    );
    assert_eq!(decode::<ModuleStyle>("module_style").tag, ModuleType::Main);
    assert_eq!(decode::<Levels>("levels").avoid_decrease_visits, Some(5));
    assert_eq!(decode::<Level>("level").name, "First");
    assert_eq!(decode::<Marks>("marks").marks, dec("2037"));
    assert_eq!(
        decode::<TransactionWithReview>("transaction_with_review")
            .transaction
            .order_id,
        "13905322"
    );
    assert_eq!(decode::<Transaction>("transaction").final_cash, dec("1092"));
    assert_eq!(
        decode::<TransactionType>("transaction_type"),
        TransactionType::Sell
    );
    assert_eq!(decode::<Position>("position").unit_id, "1808985");
    assert_eq!(decode::<Combo>("combo").combo_id, "5939");
    assert_eq!(decode::<Store>("store").store_type, Some(StoreType::OneC));
    assert_eq!(decode::<StoreType>("store_type"), StoreType::Evotor);
    assert_eq!(decode::<Review>("review").star, Some(0));
    assert_eq!(
        decode::<ReviewReply>("review_reply").text.as_deref(),
        Some("Молодец!")
    );
    assert_eq!(decode::<Stock>("stock").message_id, Some(64));
    assert_eq!(
        decode::<MessageType>("message_type"),
        MessageType::StockNVisit
    );
    assert_eq!(decode::<VisitsCounter>("visits_counter").target_visits, 4);
    assert_eq!(decode::<Coupon>("coupon").number, "promoKOT");
    assert_eq!(decode::<MarkEvent>("mark_event").id, "13905322");
    assert_eq!(
        decode::<MarkEventType>("mark_event_type"),
        MarkEventType::Transaction
    );
    assert!(matches!(
        decode::<MarkEventContent>("mark_event_content"),
        MarkEventContent::Transaction(_)
    ));
    assert_eq!(decode::<Message>("message").message_id, Some(64));
    assert_eq!(
        decode::<CommentStyle>("comment_style").images_funny.len(),
        6
    );
    assert!(decode::<LevelStyle>("level_style").image_decrease.is_none());
    assert!(decode::<MarkStyle>("mark_style").image_decrease.is_some());
    assert!(decode::<PointStyle>("point_style").icon_address.is_some());
    assert!(decode::<ProfileStyle>("profile_style").icon_b_day.is_some());
    assert_eq!(
        decode::<QrStyle>("qr_style").button_color.as_str(),
        "#FF00FF3C"
    );
    assert_eq!(
        decode::<Notification>("notification").message,
        "Дарим Вам 150 баллов и желаем приятных покупок!"
    );
}

#[test]
fn models_write_back_the_seed_wire_format() {
    round_trip::<AuthOptions>("auth_options");
    round_trip::<AuthOption>("auth_option");
    round_trip::<CaptchaChallenge>("captcha");
    round_trip::<AuthSet>("auth_set");
    round_trip::<CompanyAbout>("about");
    round_trip::<Customer>("customer");
    round_trip::<BasicStyle>("basic_style");
    round_trip::<MobileAppStyle>("mobile_app_style");
    round_trip::<TelegramStyle>("telegram_style");
    round_trip::<Levels>("levels");
    round_trip::<Level>("level");
    round_trip::<Marks>("marks");
    round_trip::<Transaction>("transaction");
    round_trip::<Position>("position");
    round_trip::<Combo>("combo");
    round_trip::<Store>("store");
    round_trip::<Review>("review");
    round_trip::<ReviewReply>("review_reply");
    round_trip::<Stock>("stock");
    round_trip::<VisitsCounter>("visits_counter");
    round_trip::<Coupon>("coupon");
    round_trip::<Message>("message");
    round_trip::<CommentStyle>("comment_style");
    round_trip::<LevelStyle>("level_style");
    round_trip::<MarkStyle>("mark_style");
    round_trip::<PointStyle>("point_style");
    round_trip::<ProfileStyle>("profile_style");
    round_trip::<QrStyle>("qr_style");
    round_trip::<Notification>("notification");
}

#[test]
fn the_dashboard_reads_back_equal_after_writing() {
    let d: Dashboard = decode("dashboard");
    let back: Dashboard = serde_json::from_value(serde_json::to_value(&d).unwrap()).unwrap();
    assert_eq!(back, d);
}

#[test]
fn both_time_formats_parse_and_are_written_like_the_vendor() {
    let l: Levels = decode("levels");
    let t = l.time_decay.unwrap();
    assert_eq!(t.to_string(), "2024-03-08 12:58:17.000001");
    assert_eq!(format_time(&t), "2024-03-08 12:58:17.000001");
    let tx: Transaction = decode("transaction");
    assert_eq!(tx.time.to_string(), "2024-01-23 14:01:09");
    assert_eq!(format_time(&tx.time), "2024-01-23 14:01:09.0");
    // ISO and empty forms too.
    let n: Notification = serde_json::from_value(
        json!({"id": 1, "header": null, "message": "m", "time": "2024-01-23T14:01:09"}),
    )
    .unwrap();
    assert_eq!(n.time.unwrap().to_string(), "2024-01-23 14:01:09");
    assert_eq!(n.id, "1");
    let n: Notification =
        serde_json::from_value(json!({"id": "x", "message": "m", "time": ""})).unwrap();
    assert_eq!(n.time, None);
}

#[test]
fn points_are_exact_decimals() {
    let tx: Transaction = decode("transaction");
    assert_eq!(tx.mark_increase.to_string(), "218.4");
    assert_eq!(tx.mark_before.to_string(), "1736.6");
    assert_eq!(tx.mark_before + tx.mark_increase, dec("1955"));
    assert_eq!(tx.mark_before + tx.mark_increase, tx.mark_current);
    // Strings and commas are read too.
    let mut v = fixture_json("transaction");
    v["markIncrease"] = json!("218,40");
    v["markBefore"] = json!("0.1");
    v["markDecrease"] = json!(0.2);
    let tx: Transaction = serde_json::from_value(v).unwrap();
    assert_eq!(tx.mark_increase, dec("218.40"));
    assert_eq!(tx.mark_before + tx.mark_decrease, dec("0.3"));
    // Written back as numbers.
    let out = serde_json::to_value(&tx).unwrap();
    assert_eq!(out["markDecrease"], json!(0.2));
    assert_eq!(out["cash"], json!(1092));
}

#[test]
fn order_id_reads_as_number_or_string_and_is_sent_as_a_number() {
    let mut v = fixture_json("transaction");
    v["orderId"] = json!("13905322");
    let tx: Transaction = serde_json::from_value(v).unwrap();
    assert_eq!(tx.order_id, "13905322");
    assert_eq!(
        serde_json::to_value(&tx).unwrap()["orderId"],
        json!(13905322)
    );
    assert_eq!(serde_json::to_value(OrderId::from(7u64)).unwrap(), json!(7));
    assert_eq!(
        serde_json::to_value(OrderId::from("A-7")).unwrap(),
        json!("A-7")
    );
    let c: Combo = serde_json::from_value(json!({"comboId": "5939", "name": "n"})).unwrap();
    assert_eq!(c.combo_id, "5939");
}

#[test]
fn review_rating_reads_star_and_start_text_and_comment() {
    let a: Review =
        serde_json::from_value(json!({"star": 4, "text": "ok", "isShown": true})).unwrap();
    let b: Review =
        serde_json::from_value(json!({"start": 4, "comment": "ok", "isShown": true})).unwrap();
    assert_eq!(a, b);
    assert_eq!(a.star, Some(4));
    assert_eq!(a.text.as_deref(), Some("ok"));
    // The reply as a string (mark events) or an object.
    let c: Review = serde_json::from_value(json!({"start": 5, "response": "df"})).unwrap();
    assert_eq!(c.response.as_deref(), Some("df"));
    let d: Review =
        serde_json::from_value(json!({"star": 5, "response": {"text": "Молодец!"}})).unwrap();
    assert_eq!(d.response.as_deref(), Some("Молодец!"));
}

#[test]
fn transaction_with_review_reads_both_spellings() {
    let a: TransactionWithReview = decode("transaction_with_review");
    let mut v = fixture_json("transaction_with_review");
    let tx = v.as_object_mut().unwrap().remove("transaction").unwrap();
    v["transactionEvent"] = tx;
    let b: TransactionWithReview = serde_json::from_value(v).unwrap();
    assert_eq!(a, b);
}

#[test]
fn unknown_enum_values_are_kept() {
    assert_eq!(
        serde_json::from_value::<MessageType>(json!("AppVideoMessage")).unwrap(),
        MessageType::Unknown("AppVideoMessage".into())
    );
    assert_eq!(
        serde_json::from_value::<ModuleType>(json!("REFERRALS"))
            .unwrap()
            .as_str(),
        "REFERRALS"
    );
    assert_eq!(
        serde_json::from_value::<StoreType>(json!("ATOL_STORE")).unwrap(),
        StoreType::Unknown("ATOL_STORE".into())
    );
    assert_eq!(
        serde_json::from_value::<MarkEventType>(json!("BIRTHDAY")).unwrap(),
        MarkEventType::Unknown("BIRTHDAY".into())
    );
    assert_eq!(
        serde_json::from_value::<AuthType>(json!("TELEGRAM")).unwrap(),
        AuthType::Unknown("TELEGRAM".into())
    );
    assert_eq!(
        serde_json::from_value::<TransactionType>(json!("CORRECTION")).unwrap(),
        TransactionType::Unknown("CORRECTION".into())
    );
    // Known values keep their wire spelling, unknown ones round-trip verbatim.
    for t in [
        StoreType::Iiko,
        StoreType::SetRetail,
        StoreType::Bm,
        StoreType::MoySklad,
    ] {
        let back: StoreType = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
        assert_eq!(back, t);
    }
    assert_eq!(StoreType::KNOWN.len(), 9);
    assert_eq!(ModuleType::KNOWN.len(), 12);
    assert_eq!(MessageType::KNOWN.len(), 5);
    assert_eq!(
        serde_json::to_value(MessageType::Unknown("X".into())).unwrap(),
        json!("X")
    );
    // Inside a model.
    let mut s = fixture_json("stock");
    s["messageType"] = json!("AppVideoMessage");
    let stock: Stock = serde_json::from_value(s).unwrap();
    assert_eq!(stock.message_type.as_str(), "AppVideoMessage");
}

#[test]
fn mark_event_content_variants_by_shape() {
    let mut e = fixture_json("mark_event");
    e["type"] = json!("MESSAGE");
    e["content"] = fixture_json("message");
    let ev: MarkEvent = serde_json::from_value(e.clone()).unwrap();
    let MarkEventContent::Message(m) = ev.content.unwrap() else {
        panic!("message expected")
    };
    assert_eq!(m.message_type, MessageType::StockNVisit);
    assert_eq!(m.header, "Шаблон с n-ой покупкой");

    let mut inner = fixture_json("mark_event");
    inner.as_object_mut().unwrap().remove("content");
    e["type"] = json!("EVENT");
    e["content"] = inner;
    let ev: MarkEvent = serde_json::from_value(e.clone()).unwrap();
    let MarkEventContent::Event(inner) = ev.content.unwrap() else {
        panic!("event expected")
    };
    assert_eq!(inner.mark_current, dec("2037"));

    e["type"] = json!("OTHER");
    e["content"] = json!({"something": [1, 2]});
    let ev: MarkEvent = serde_json::from_value(e.clone()).unwrap();
    assert_eq!(ev.event_type, MarkEventType::Other);
    assert!(matches!(ev.content, Some(MarkEventContent::Unknown(_))));

    e["content"] = serde_json::Value::Null;
    let ev: MarkEvent = serde_json::from_value(e).unwrap();
    assert!(ev.content.is_none());
}

#[test]
fn nulls_and_missing_lists_are_tolerated() {
    let mut d = fixture_json("dashboard");
    d["stocks"] = serde_json::Value::Null;
    d["comment"] = serde_json::Value::Null;
    d["qrStyle"] = serde_json::Value::Null;
    d.as_object_mut().unwrap().remove("markEvents");
    d["unknownNewBlock"] = json!({"a": 1});
    let d: Dashboard = serde_json::from_value(d).unwrap();
    assert!(d.stocks.is_empty() && d.mark_events.is_empty());
    assert!(d.comment.is_none() && d.qr_style.is_none());
    let s: Stock = decode("stock");
    assert!(s.coupon.is_none(), "null coupon");
    let o: AuthOptions =
        serde_json::from_value(json!({"type": "NO", "availableTypes": null})).unwrap();
    assert!(o.available_types.is_empty());
}

#[test]
fn colours_are_argb() {
    let c = Color("#80FF0000".into());
    assert_eq!(c.argb(), Some((0x80, 0xFF, 0, 0)));
    assert_eq!(c.rgb_hex().as_deref(), Some("#FF0000"));
    assert_eq!(Color("#00FF00".into()).argb(), Some((0xFF, 0, 0xFF, 0)));
    assert_eq!(Color("red".into()).argb(), None);
}

#[test]
fn captcha_bytes_decode_to_png() {
    let c: CaptchaChallenge = decode("captcha");
    let png = c.png().unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!(png.len(), 1946);
    let bad = CaptchaChallenge::new("t", "%%%not base64");
    assert!(matches!(
        bad.png(),
        Err(loyalty_core::LoyaltyError::Decode { .. })
    ));
}
