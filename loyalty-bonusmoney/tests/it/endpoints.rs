//! Every endpoint against wiremock: method, path, headers and body exactly as the seed's curl
//! examples, and the decoding of an answer built from the seed's model examples.
//!
//! The response shapes of most endpoints are INFERRED (the seed names no response model per
//! endpoint): those tests are labelled "assumed shape" and follow specs/bonusmoney.md.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use chrono::NaiveDate;
use common::*;
use loyalty_bonusmoney::models::{
    AuthType, MarkEventContent, MarkEventType, MessageType, ModuleType, StoreType, TransactionType,
};
use loyalty_bonusmoney::requests::{
    GetOptionsRequest, GetTransactionRequest, LogInWithoutVerificationRequest, ProfileData,
    SetCommentRequest, SignUpRequest, VerifyByCallRequest, VerifyBySmsRequest,
};
use loyalty_core::{ExposeSecret, PageRequest, SecretString};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, Request};

fn no_token(r: &Request) -> bool {
    !r.headers.contains_key("TOKEN")
}

fn empty_body(r: &Request) -> bool {
    r.body.is_empty()
}

fn auth_mock(p: &str, body: serde_json::Value) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(p))
        .and(header("BM-API-KEY", KEY))
        .and(header("content-type", "application/json"))
        .and(no_token)
        .and(body_json(body))
}

fn card_mock(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path(p))
        .and(header("BM-API-KEY", KEY))
        .and(header("TOKEN", TOKEN))
}

fn card_mock_body(p: &str, body: serde_json::Value) -> wiremock::MockBuilder {
    card_mock(p)
        .and(header("content-type", "application/json"))
        .and(body_json(body))
}

#[tokio::test]
async fn get_options_sends_the_seed_body_and_decodes_auth_options() {
    let server = MockServer::start().await;
    auth_mock(
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": "+7 (000) 000-00-00"}),
    )
    .respond_with(json_response(fixture("auth_options")))
    .expect(1)
    .mount(&server)
    .await;
    let opts = client(&server)
        .get_options(&GetOptionsRequest::new("RU", "+7 (000) 000-00-00"))
        .await
        .unwrap();
    assert_eq!(opts.auth_type, AuthType::Sms);
    assert!(opts.captcha.is_none());
    assert_eq!(opts.available_types.len(), 1);
    let o = &opts.available_types[0];
    assert_eq!(o.auth_type, AuthType::CallPass);
    assert_eq!(o.call_to.as_deref(), Some("+7 (000) 000-00-00"));
    assert_eq!(o.next_send_in, Some(60000));
    assert_eq!(o.next_send_in(), Some(std::time::Duration::from_secs(60)));
}

#[tokio::test]
async fn get_options_with_captcha_answer_and_type_sends_all_fields() {
    let server = MockServer::start().await;
    let mut answer = fixture_json("auth_options");
    answer["captcha"] = fixture_json("captcha");
    auth_mock(
        "/mobileapp/auth/getOptions",
        json!({"countryCode": "RU", "phone": "+7 (000) 000-00-00",
               "captchaToken": "78abfff1", "captchaText": "x7k", "type": "CALL_PASS"}),
    )
    .respond_with(json_response(answer.to_string()))
    .expect(1)
    .mount(&server)
    .await;
    let opts = client(&server)
        .get_options(
            &GetOptionsRequest::new("RU", "+7 (000) 000-00-00")
                .captcha("78abfff1", "x7k")
                .auth_type(AuthType::CallPass),
        )
        .await
        .unwrap();
    let c = opts.captcha.unwrap();
    assert_eq!(c.token, "78abfff1-671b-42e2-acbb-50175dfa94ab");
    let png = c.png().unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn verify_by_sms_decodes_the_auth_set() {
    let server = MockServer::start().await;
    auth_mock(
        "/mobileapp/auth/verifyBySms",
        json!({"code": "0000", "phone": "+7 (000) 000-00-00"}),
    )
    .respond_with(json_response(fixture("auth_set")))
    .expect(1)
    .mount(&server)
    .await;
    let set = client(&server)
        .verify_by_sms(&VerifyBySmsRequest::new("0000", "+7 (000) 000-00-00"))
        .await
        .unwrap();
    assert_eq!(
        set.sign_up_token().unwrap().expose_secret(),
        "<SIGN-UP-TOKEN>"
    );
    assert!(set.customer.is_none());
    let p = set.in_company_profile.unwrap();
    assert_eq!(p.phone, "+7 (000) 000-00-00");
    assert_eq!(p.token().unwrap().expose_secret(), "<TOKEN>");
    assert_eq!(p.name.as_deref(), Some("Алексей"));
    assert_eq!(p.b_date, NaiveDate::from_ymd_opt(1990, 5, 30));
    assert_eq!(p.male, Some(true));
    assert_eq!(p.email.as_deref(), Some("my@mail.ru"));
    assert!(!p.is_phone_verified);
    assert_eq!(p.qr_code.as_deref(), Some("00_00000000000000"));
}

#[tokio::test]
async fn verify_by_call_sends_phone_and_to() {
    let server = MockServer::start().await;
    let mut set = fixture_json("auth_set");
    set["customer"] = fixture_json("customer");
    set["signUpToken"] = serde_json::Value::Null;
    auth_mock(
        "/mobileapp/auth/verifyByCall",
        json!({"phone": "+7 (000) 000-00-00", "to": "+7 (111) 111-11-11"}),
    )
    .respond_with(json_response(set.to_string()))
    .expect(1)
    .mount(&server)
    .await;
    let set = client(&server)
        .verify_by_call(&VerifyByCallRequest::new(
            "+7 (000) 000-00-00",
            "+7 (111) 111-11-11",
        ))
        .await
        .unwrap();
    assert!(set.sign_up_token().is_none());
    let c = set.customer.unwrap();
    assert_eq!(c.token().unwrap().expose_secret(), "<TOKEN>");
    assert_eq!(c.surname.as_deref(), Some("Алексеев"));
}

#[tokio::test]
async fn log_in_without_verification_sends_the_phone() {
    let server = MockServer::start().await;
    auth_mock(
        "/mobileapp/auth/logInWithoutVerification",
        json!({"phone": "+7 (000) 000-00-00"}),
    )
    .respond_with(json_response(fixture("auth_set")))
    .expect(1)
    .mount(&server)
    .await;
    let set = client(&server)
        .log_in_without_verification(&LogInWithoutVerificationRequest::new("+7 (000) 000-00-00"))
        .await
        .unwrap();
    assert_eq!(
        set.in_company_profile.unwrap().qr_code.as_deref(),
        Some("00_00000000000000")
    );
}

fn seed_profile() -> ProfileData {
    ProfileData::new("Алексей")
        .surname("Алексеев")
        .patronymic("Алексеевич")
        .b_date(NaiveDate::from_ymd_opt(1990, 5, 30).unwrap())
        .male(true)
        .email("my@mail.ru")
}

#[tokio::test]
async fn sign_up_sends_the_seed_body_and_decodes_a_customer_assumed_shape() {
    let server = MockServer::start().await;
    auth_mock(
        "/mobileapp/auth/signUp",
        json!({"name": "Алексей", "surname": "Алексеев", "patronymic": "Алексеевич",
               "bDate": "1990-05-30", "male": true, "email": "my@mail.ru",
               "signUpToken": "<SIGN-UP-TOKEN>"}),
    )
    .respond_with(json_response(fixture("customer")))
    .expect(1)
    .mount(&server)
    .await;
    let c = client(&server)
        .sign_up(&SignUpRequest::new(
            seed_profile(),
            SecretString::from("<SIGN-UP-TOKEN>"),
        ))
        .await
        .unwrap();
    assert_eq!(c.phone, "+7 (000) 000-00-00");
    assert_eq!(c.patronymic.as_deref(), Some("Алексеевич"));
    assert_eq!(c.token().unwrap().expose_secret(), "<TOKEN>");
}

#[tokio::test]
async fn get_dashboard_decodes_the_seed_example_whole() {
    let server = MockServer::start().await;
    card_mock("/mobileapp/card_v2/getDashboard")
        .and(empty_body)
        .respond_with(json_response(fixture("dashboard")))
        .expect(1)
        .mount(&server)
        .await;
    let d = client(&server).get_dashboard(&token()).await.unwrap();
    assert_eq!(d.company_id, 21);
    assert!(!d.is_deleted);
    // about
    assert_eq!(d.about.name, "МЯСО - И ТОЧКА");
    assert_eq!(
        d.about.logo_url.as_deref(),
        Some("https://bmappmobileapp.s3.us-west-1.amazonaws.com/bm_logo.png")
    );
    assert_eq!(d.about.company_type.as_deref(), Some("Тип компании"));
    assert_eq!(d.about.description.as_deref(), Some("Описание компании"));
    assert_eq!(d.about.phones["Телефон 1"], "+7 (000) 000-00-00");
    assert_eq!(d.about.url_links["Ссылка 1"], "https://bonusmoney.pro/");
    // customer
    let c = &d.customer;
    assert_eq!(c.phone, "+7 (777) 777-77-77");
    assert_eq!(
        c.token().unwrap().expose_secret(),
        "11331983781980461811795542597300526055525955900917"
    );
    assert_eq!(c.name.as_deref(), Some("Алексей"));
    assert_eq!(c.surname.as_deref(), Some("Алексеев"));
    assert_eq!(c.patronymic.as_deref(), Some("Алексеевич"));
    assert_eq!(c.b_date, NaiveDate::from_ymd_opt(1990, 5, 30));
    assert_eq!(c.male, Some(true));
    assert_eq!(c.email.as_deref(), Some("my@mail.ru"));
    assert!(!c.is_phone_verified);
    assert_eq!(c.qr_code.as_deref(), Some("29_511858543181681967"));
    // basic style: all 18 colours
    let b = d.basic_style.as_ref().unwrap();
    let colours = [
        (&b.background_color, "#FFEFEFEF"),
        (&b.main_color, "#FF2688EB"),
        (&b.main_passive_color, "#FF949494"),
        (&b.card_background_color, "#FFFFFFFF"),
        (&b.text_color, "#FF1A1A1A"),
        (&b.highlight_text_color, "#FF949494"),
        (&b.accent_color, "#FFFF3044"),
        (&b.link_color, "#FF2688EB"),
        (&b.title_color, "#FF1A1A1A"),
        (&b.icon_text_color, "#FF949494"),
        (&b.button_background_color, "#FFEFEFEF"),
        (&b.button_text_color, "#FF2688EB"),
        (&b.border_active_color, "#FF2688EB"),
        (&b.border_passive_color, "#00000000"),
        (&b.divider_color, "#FFEFEFEF"),
        (&b.main_button_color, "#FFEFEFEF"),
        (&b.main_button_text_color, "#FF2688EB"),
        (&b.card_link_color, "#FF1A1A1A"),
    ];
    for (got, want) in colours {
        assert_eq!(got.as_str(), want);
    }
    assert_eq!(b.main_color.argb(), Some((0xFF, 0x26, 0x88, 0xEB)));
    assert_eq!(b.border_passive_color.argb(), Some((0, 0, 0, 0)));
    assert_eq!(b.accent_color.rgb_hex().as_deref(), Some("#FF3044"));
    // mobile app + telegram
    let m = d.mobile_app.as_ref().unwrap();
    assert_eq!(m.dashboard_items, vec![ModuleType::MyCard]);
    assert_eq!(m.menu_items, vec![ModuleType::Main]);
    assert_eq!(m.more_items, vec![ModuleType::Marks]);
    assert_eq!(m.items_style[0].tag, ModuleType::Main);
    assert_eq!(m.items_style[0].name.as_deref(), Some("Главная"));
    let t = d.telegram.as_ref().unwrap();
    assert_eq!(t.header_items, vec![ModuleType::MyCard]);
    assert_eq!(t.items_style.len(), 1);
    // levels
    let l = &d.level_parameters;
    assert_eq!(l.lvl_number, 2);
    assert_eq!(l.cash_to_mark, dec("20"));
    assert_eq!(l.mark_to_cash, dec("50"));
    assert_eq!(l.sum, dec("1264"));
    assert_eq!(l.levels.len(), 1);
    assert_eq!(l.levels[0].number, 1);
    assert_eq!(l.levels[0].name, "First");
    assert_eq!(l.levels[0].required_sum, dec("0"));
    assert_eq!(l.levels[0].mark_to_cash, dec("50"));
    assert_eq!(l.levels[0].cash_to_mark, dec("10"));
    assert!(
        l.current().is_none(),
        "lvlNumber 2 is not listed in the seed"
    );
    // marks
    let mp = &d.mark_parameters;
    assert_eq!(mp.marks, dec("2037"));
    assert_eq!(mp.time_decay, Some(dt("2024-03-08 12:58:17.000001")));
    assert_eq!(mp.marks_decrease, Some(dec("10")));
    // transactions (spelled transactionEvent here)
    assert_eq!(d.transactions.len(), 1);
    let tr = &d.transactions[0];
    assert_eq!(tr.transaction.order_id, "13905322");
    assert_eq!(tr.transaction.time, dt("2024-01-23 14:01:09"));
    assert_eq!(tr.transaction.receipt_number.as_deref(), Some("1"));
    assert_eq!(tr.transaction.transaction_type, Some(TransactionType::Sell));
    assert_eq!(tr.transaction.mark_before, dec("1736.6"));
    assert_eq!(tr.transaction.mark_increase, dec("218.4"));
    assert_eq!(tr.transaction.mark_current, dec("1955"));
    assert_eq!(tr.transaction.cash, dec("1092"));
    assert_eq!(tr.transaction.final_cash, dec("1092"));
    let pos = &tr.transaction.positions[0];
    assert_eq!(pos.quantity, Some(dec("1")));
    assert_eq!(pos.unit_id, "1808985");
    assert_eq!(pos.name, "БАД №1");
    assert_eq!(
        pos.external_unit_id.as_deref(),
        Some("dc49ec5h-1242-11ed-b513-3c7c3fc28c05")
    );
    assert_eq!(pos.price, dec("1092"));
    assert_eq!(pos.price_with_discount, Some(dec("1092")));
    assert!(pos.can_pay_by_mark && pos.can_mark_increase);
    assert!(pos.combos.is_empty());
    let store = tr.transaction.store.as_ref().unwrap();
    assert_eq!(store.store_id, "a9670af4-eb8e-11ec-a428-b06ebf2fab22");
    assert_eq!(store.name.as_deref(), Some("Розничный магазин"));
    assert_eq!(store.store_type, Some(StoreType::OneC));
    let rv = tr.comment.as_ref().unwrap();
    assert_eq!(rv.star, Some(5), "`start` read as the rating");
    assert_eq!(
        rv.text.as_deref(),
        Some("ккк"),
        "`comment` read as the text"
    );
    assert!(rv.is_shown);
    // the last unreviewed transaction: no `type`, a combo, a review object
    let cm = d.comment.as_ref().unwrap();
    assert_eq!(cm.transaction.order_id, "13905311");
    assert_eq!(cm.transaction.transaction_type, None);
    assert_eq!(cm.transaction.time, dt("2023-12-28 21:00:07"));
    assert_eq!(cm.transaction.positions[0].unit_id, "0");
    assert_eq!(cm.transaction.positions[0].combos[0].combo_id, "5939");
    assert_eq!(
        cm.transaction.positions[0].combos[0].name.as_deref(),
        Some("n-ай new new new")
    );
    assert_eq!(cm.transaction.mark_current, dec("863"));
    assert_eq!(cm.comment.as_ref().unwrap().star, Some(3));
    assert_eq!(cm.comment.as_ref().unwrap().text.as_deref(), Some(""));
    // stocks
    let s = &d.stocks[0];
    assert_eq!(s.priority_of_show, Some(1));
    assert_eq!(s.message_type, MessageType::StockNVisit);
    assert_eq!(s.message_id, Some(64));
    assert_eq!(s.header, "Шаблон с n-ой покупкой");
    assert_eq!(s.period.as_deref(), Some(" "));
    assert_eq!(s.start, Some(dt("2020-01-01 00:00:00")));
    assert_eq!(s.end, Some(dt("2020-01-01 00:00:00")));
    let v = s.visits_counter.as_ref().unwrap();
    assert_eq!((v.visits, v.target_visits, v.bonuses), (0, 4, dec("0")));
    assert!(s.coupon.is_none());
    // mark events
    let e = &d.mark_events[0];
    assert_eq!(e.id, "13905322");
    assert_eq!(e.name.as_deref(), Some("Ответ на отзыв"));
    assert_eq!(e.time, dt("2024-02-02 14:26:21"));
    assert_eq!(
        (
            e.mark_before,
            e.mark_increase,
            e.mark_decrease,
            e.mark_current
        ),
        (dec("2025"), dec("12"), dec("0"), dec("2037"))
    );
    assert_eq!(e.event_type, MarkEventType::Comment);
    match e.content.as_ref().unwrap() {
        MarkEventContent::Transaction(t) => {
            assert_eq!(t.transaction.order_id, "13905322");
            let c = t.comment.as_ref().unwrap();
            assert_eq!(c.response.as_deref(), Some("df"));
            assert_eq!(c.star, Some(5));
        }
        other => panic!("expected a transaction content, got {other:?}"),
    }
    // styles
    let cs = d.comment_style.as_ref().unwrap();
    assert_eq!(cs.images_funny.len(), 6);
    assert!(
        cs.image_rate_ok
            .as_deref()
            .unwrap()
            .ends_with("star_yellow.png")
    );
    let ls = d.level_style.as_ref().unwrap();
    assert!(
        ls.image_decrease
            .as_deref()
            .unwrap()
            .ends_with("7cc197ac12ec.png")
    );
    assert!(
        ls.image_sum_to_lvl
            .as_deref()
            .unwrap()
            .ends_with("need_sum_white.png")
    );
    assert!(
        d.mark_style
            .as_ref()
            .unwrap()
            .image_decrease
            .as_deref()
            .unwrap()
            .ends_with("flame_white.png")
    );
    assert!(
        d.point_style
            .as_ref()
            .unwrap()
            .icon_metro
            .as_deref()
            .unwrap()
            .ends_with("icon_metro_white.png")
    );
    let ps = d.profile_style.as_ref().unwrap();
    assert!(
        ps.icon_b_day
            .as_deref()
            .unwrap()
            .ends_with("gift_white.png")
    );
    assert!(
        ps.icon_phone_verified
            .as_deref()
            .unwrap()
            .ends_with("b26199613b58.png")
    );
    let q = d.qr_style.as_ref().unwrap();
    assert_eq!(q.button_color.as_str(), "#FF00FF3C");
    assert_eq!(q.button_text_color.as_str(), "#FFA5EFAE");
    assert_eq!(d.currency_code.as_deref(), Some("₸"));
}

#[tokio::test]
async fn get_about_decodes_the_company() {
    let server = MockServer::start().await;
    card_mock("/mobileapp/card_v2/getAbout")
        .and(empty_body)
        .respond_with(json_response(fixture("about")))
        .expect(1)
        .mount(&server)
        .await;
    let a = client(&server).get_about(&token()).await.unwrap();
    assert_eq!(a.name, "МЯСО - И ТОЧКА");
    assert_eq!(a.phones.len(), 1);
    assert_eq!(a.url_links["Ссылка 1"], "https://bonusmoney.pro/");
}

#[tokio::test]
async fn get_customer_decodes_the_customer() {
    let server = MockServer::start().await;
    card_mock("/mobileapp/card_v2/getCustomer")
        .and(empty_body)
        .respond_with(json_response(fixture("customer")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server).get_customer(&token()).await.unwrap();
    assert_eq!(c.name.as_deref(), Some("Алексей"));
    assert_eq!(c.phone, "+7 (000) 000-00-00");
    assert_eq!(c.token().unwrap().expose_secret(), "<TOKEN>");
}

#[tokio::test]
async fn update_customer_sends_the_seed_body_assumed_shape() {
    let server = MockServer::start().await;
    card_mock_body(
        "/mobileapp/card_v2/updateCustomer",
        json!({"name": "Алексей", "surname": "Алексеев", "patronymic": "Алексеевич",
               "bDate": "1990-05-30", "male": true, "email": "my@mail.ru"}),
    )
    .respond_with(json_response(fixture("customer")))
    .expect(1)
    .mount(&server)
    .await;
    let c = client(&server)
        .update_customer(&token(), &seed_profile())
        .await
        .unwrap()
        .expect("a customer");
    assert_eq!(c.email.as_deref(), Some("my@mail.ru"));
}

#[tokio::test]
async fn update_customer_accepts_an_empty_answer() {
    let server = MockServer::start().await;
    card_mock("/mobileapp/card_v2/updateCustomer")
        .respond_with(wiremock::ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server)
        .update_customer(&token(), &seed_profile())
        .await
        .unwrap();
    assert!(c.is_none());
}

#[tokio::test]
async fn get_levels_decodes_levels_with_decay() {
    let server = MockServer::start().await;
    card_mock("/mobileapp/card_v2/getLevels")
        .and(empty_body)
        .respond_with(json_response(fixture("levels")))
        .expect(1)
        .mount(&server)
        .await;
    let l = client(&server).get_levels(&token()).await.unwrap();
    assert_eq!(l.lvl_number, 2);
    assert_eq!(l.time_decay, Some(dt("2024-03-08 12:58:17.000001")));
    assert_eq!(l.avoid_decrease_sum, Some(dec("10000")));
    assert_eq!(l.avoid_decrease_visits, Some(5));
    assert_eq!(
        l.levels[0]
            .image_lvl
            .as_deref()
            .map(|s| s.ends_with("b121cff9.png")),
        Some(true)
    );
}

#[tokio::test]
async fn get_marks_history_pages_events_assumed_shape() {
    let server = MockServer::start().await;
    let body = json!([fixture_json("mark_event")]).to_string();
    card_mock_body(
        "/mobileapp/card_v2/getMarksHistory",
        json!({"offset": 0, "limit": 5}),
    )
    .respond_with(json_response(body))
    .expect(1)
    .mount(&server)
    .await;
    let page = client(&server)
        .get_marks_history(&token(), PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next, None, "a short page is the last one");
    assert_eq!(page.items[0].mark_current, dec("2037"));
    assert_eq!(page.items[0].event_type, MarkEventType::Comment);
}

#[tokio::test]
async fn get_marks_to_be_decrease_pages_burns_assumed_shape() {
    let server = MockServer::start().await;
    let body = json!([fixture_json("marks")]).to_string();
    card_mock_body(
        "/mobileapp/card_v2/getMarksToBeDecrease",
        json!({"offset": 5, "limit": 5}),
    )
    .respond_with(json_response(body))
    .expect(1)
    .mount(&server)
    .await;
    let page = client(&server)
        .get_marks_to_be_decrease(&token(), PageRequest::new(5, 5))
        .await
        .unwrap();
    assert_eq!(page.items[0].marks, dec("2037"));
    assert_eq!(page.items[0].marks_decrease, Some(dec("10")));
    assert_eq!(
        page.items[0].time_decay,
        Some(dt("2024-03-08 12:58:17.000001"))
    );
}

#[tokio::test]
async fn get_transactions_pages_reviewed_transactions_assumed_shape() {
    let server = MockServer::start().await;
    let body = json!([fixture_json("transaction_with_review")]).to_string();
    card_mock_body(
        "/mobileapp/card_v2/getTransactions",
        json!({"offset": 0, "limit": 1}),
    )
    .respond_with(json_response(body))
    .expect(1)
    .mount(&server)
    .await;
    let page = client(&server)
        .get_transactions(&token(), PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(
        page.next,
        Some(PageRequest::new(1, 1)),
        "a full page has a next one"
    );
    let t = &page.items[0];
    assert_eq!(t.transaction.mark_increase, dec("218.4"));
    let r = t.response.as_ref().unwrap();
    assert_eq!(r.text.as_deref(), Some("df"));
    assert_eq!(r.mark_before, dec("2025.00"));
    assert_eq!(r.mark_current, dec("2037"));
    assert_eq!(r.time, Some(dt("2024-02-02 14:26:21")));
}

#[tokio::test]
async fn get_transaction_sends_order_id_as_a_number_assumed_shape() {
    let server = MockServer::start().await;
    card_mock_body("/mobileapp/card_v2/getTransaction", json!({"orderId": 0}))
        .respond_with(json_response(fixture("transaction_with_review")))
        .expect(1)
        .mount(&server)
        .await;
    let t = client(&server)
        .get_transaction(&token(), &GetTransactionRequest::new(0))
        .await
        .unwrap();
    assert_eq!(t.transaction.order_id, "13905322");
    assert_eq!(t.comment.unwrap().star, Some(5));
}

#[tokio::test]
async fn get_transaction_accepts_a_bare_transaction() {
    let server = MockServer::start().await;
    card_mock_body(
        "/mobileapp/card_v2/getTransaction",
        json!({"orderId": 13905322}),
    )
    .respond_with(json_response(fixture("transaction")))
    .expect(1)
    .mount(&server)
    .await;
    let t = client(&server)
        .get_transaction(&token(), &GetTransactionRequest::new("13905322"))
        .await
        .unwrap();
    assert_eq!(
        t.transaction.store.unwrap().store_id,
        "00000000-0000-0000-0000-00000000000"
    );
    assert!(t.comment.is_none());
}

#[tokio::test]
async fn get_comments_pages_reviews_assumed_shape() {
    let server = MockServer::start().await;
    // Wrapped in an object: accepted too.
    let body = json!({"items": [fixture_json("transaction_with_review")]}).to_string();
    card_mock_body(
        "/mobileapp/card_v2/getComments",
        json!({"offset": 0, "limit": 5}),
    )
    .respond_with(json_response(body))
    .expect(1)
    .mount(&server)
    .await;
    let page = client(&server)
        .get_comments(&token(), PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(
        page.items[0].comment.as_ref().unwrap().text.as_deref(),
        Some("ккк")
    );
}

#[tokio::test]
async fn set_comment_sends_order_text_star_and_accepts_any_2xx() {
    let server = MockServer::start().await;
    card_mock_body(
        "/mobileapp/card_v2/setComment",
        json!({"orderId": 0, "text": "Test", "star": 5}),
    )
    .respond_with(wiremock::ResponseTemplate::new(200).set_body_string("OK"))
    .expect(1)
    .mount(&server)
    .await;
    client(&server)
        .set_comment(&token(), &SetCommentRequest::new(0, 5).text("Test"))
        .await
        .unwrap();
}

#[tokio::test]
async fn set_comment_rejects_a_rating_over_five_before_sending() {
    let server = MockServer::start().await;
    let err = client(&server)
        .set_comment(&token(), &SetCommentRequest::new(1, 6))
        .await
        .unwrap_err();
    assert!(
        matches!(err, loyalty_core::LoyaltyError::InvalidInput { .. }),
        "{err}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_stocks_decodes_promotions_assumed_shape() {
    let server = MockServer::start().await;
    let mut coupon_stock = fixture_json("stock");
    coupon_stock["messageType"] = json!("AppCouponMessage");
    coupon_stock["coupon"] = fixture_json("coupon");
    coupon_stock["imagesURL"] = json!(["https://x/1.png", "https://x/2.png"]);
    let body = json!([fixture_json("stock"), coupon_stock]).to_string();
    card_mock("/mobileapp/card_v2/getStocks")
        .and(empty_body)
        .respond_with(json_response(body))
        .expect(1)
        .mount(&server)
        .await;
    let stocks = client(&server).get_stocks(&token()).await.unwrap();
    assert_eq!(stocks.len(), 2);
    assert_eq!(stocks[0].period.as_deref(), Some(""));
    assert_eq!(stocks[1].message_type, MessageType::Coupon);
    assert_eq!(stocks[1].images_url.len(), 2);
    let c = stocks[1].coupon.as_ref().unwrap();
    assert_eq!(c.number, "promoKOT");
    assert_eq!(c.combo_id.as_deref(), Some("5943"));
    assert!(!c.is_unique && !c.is_blocked && !c.is_activated);
    assert_eq!(c.time_create, Some(dt("2024-02-01 14:46:46")));
    assert_eq!(c.time_activate, None);
    assert_eq!(c.valid_to, Some(dt("2024-02-11 14:46:46")));
}

#[tokio::test]
async fn get_notifications_pages_notifications_assumed_shape() {
    let server = MockServer::start().await;
    let body = json!([fixture_json("notification")]).to_string();
    card_mock_body(
        "/mobileapp/card_v2/getNotifications",
        json!({"offset": 0, "limit": 5}),
    )
    .respond_with(json_response(body))
    .expect(1)
    .mount(&server)
    .await;
    let page = client(&server)
        .get_notifications(&token(), PageRequest::first(5))
        .await
        .unwrap();
    let n = &page.items[0];
    assert_eq!(
        n.id,
        "projects/bonuspay-aec9c/messages/0:1685444821980566%e40a645be40a645b"
    );
    assert_eq!(
        n.header.as_deref(),
        Some("Поздравляем Вас с днем рождения!")
    );
    assert_eq!(n.message, "Дарим Вам 150 баллов и желаем приятных покупок!");
    assert_eq!(n.time, Some(dt("2023-05-30 14:07:01")));
}
