//! Every method against wiremock: the exact request (method field, body keys, multipart parts,
//! content type) and the decoding of a response built from the seed's example.
// Test helpers may unwrap: a panic there is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime};
use common::{TOKEN, client, fixture, parse_multipart, session};
use loyalty_core::{Decimal, ExposeSecret, Phone, Region};
use loyalty_ergo::{
    ActionType, DataType, Photo, ProfileUpdate, RegistrationType, SnModelRegistration, SnOutcome,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn phone() -> Phone {
    Phone::parse("+380 88 999 33 66", Region::UA).unwrap()
}

/// Mounts a mock that answers `response` only to exactly `body` as JSON, once.
async fn expect_json(server: &MockServer, body: Value, response: Value) {
    Mock::given(method("POST"))
        .and(path("/api/mobile/"))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(ResponseTemplate::new(200).set_body_json(response))
        .expect(1)
        .mount(server)
        .await;
}

/// Mounts a catch-all multipart mock answering `response`, once.
async fn expect_multipart(server: &MockServer, response: Value) {
    Mock::given(method("POST"))
        .and(path("/api/mobile/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(response))
        .expect(1)
        .mount(server)
        .await;
}

async fn only_request(server: &MockServer) -> wiremock::Request {
    let mut reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "exactly one request");
    reqs.remove(0)
}

#[tokio::test]
async fn get_auth_code_sends_12_digits() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetAuthCode", "phone": "380889993366"}),
        fixture("get_auth_code.json"),
    )
    .await;
    let r = client(&server.uri()).get_auth_code(&phone()).await.unwrap();
    assert_eq!(r.result, Some(1));
    assert_eq!(
        r.comment.as_deref(),
        Some("Код надіслано на вказаний номер телефону")
    );
}

#[tokio::test]
async fn get_token_decodes_the_session_and_user() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetToken", "phone": "380889993366", "code": "4321"}),
        fixture("get_token.json"),
    )
    .await;
    let t = client(&server.uri())
        .get_token(&phone(), " 4321 ")
        .await
        .unwrap();
    assert_eq!(
        t.session.expose_secret(),
        "0ce330a1b1a02fa4592532b2aa12e5de"
    );
    assert_eq!(t.active, Some(true));
    assert_eq!(t.user_name.as_deref(), Some("Test"));
    assert_eq!(t.user_lastname.as_deref(), Some("Testuvalniy"));
    assert_eq!(t.user_surname.as_deref(), Some("Testovich"));
    assert_eq!(t.user_phone.as_deref(), Some("380889993366"));
    assert_eq!(t.user_email.as_deref(), Some("test@email.net"));
    let s = t.to_session();
    assert_eq!(s.provider(), "ergo");
    assert_eq!(s.customer_id(), Some("380889993366"));
    assert_eq!(
        s.token().expose_secret(),
        "0ce330a1b1a02fa4592532b2aa12e5de"
    );
}

#[tokio::test]
async fn get_changes_none_and_some() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_json(json!({"method": "GetChanges", "session": TOKEN})))
        .respond_with(ResponseTemplate::new(200).set_body_json(fixture("get_changes_none.json")))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let none = c.get_changes(&session()).await.unwrap();
    assert_eq!(none.code, 0);
    assert!(!none.has_changes());
    assert!(none.modified.is_empty());

    server.reset().await;
    expect_json(
        &server,
        json!({"method": "GetChanges", "session": TOKEN}),
        fixture("get_changes.json"),
    )
    .await;
    let some = c.get_changes(&session()).await.unwrap();
    assert_eq!(some.code, 1);
    assert!(some.has_changes());
    let kinds: Vec<&DataType> = some.modified.iter().map(|m| &m.data_type).collect();
    assert_eq!(kinds, [&DataType::Profile, &DataType::Notices]);
    assert_eq!(some.modified[0].data_api.as_deref(), Some("GetProfile"));
    assert!(some.contains(&DataType::Notices));
    assert!(!some.contains(&DataType::Actions));
}

#[tokio::test]
async fn get_profile_decodes_trade_points() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetProfile", "session": TOKEN}),
        fixture("get_profile.json"),
    )
    .await;
    let p = client(&server.uri()).get_profile(&session()).await.unwrap();
    assert_eq!(p.active, Some(true));
    assert_eq!(p.user_phone.as_deref(), Some("380889993366"));
    assert_eq!(p.user_email.as_deref(), Some("test@email.net"));
    assert_eq!(p.trade_points.len(), 2);
    assert_eq!(p.trade_points[0].tt_id, 1771);
    assert_eq!(p.trade_points[1].tt_id, 45765);
    assert_eq!(
        p.trade_points[1].tt_name.as_deref(),
        Some("Наименование торговой точки пользователя с ИД 45765")
    );
}

#[tokio::test]
async fn post_profile_sends_the_four_fields() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({
            "method": "PostProfile",
            "session": TOKEN,
            "user_name": "Test",
            "user_lastname": "Testuvalniy",
            "user_surname": "Testovich",
            "user_email": "test@email.net"
        }),
        fixture("post_profile.json"),
    )
    .await;
    let update = ProfileUpdate::new()
        .user_name("Test")
        .user_lastname("Testuvalniy")
        .user_surname("Testovich")
        .user_email("test@email.net");
    let p = client(&server.uri())
        .post_profile(&session(), &update)
        .await
        .unwrap();
    assert_eq!(p.user_name.as_deref(), Some("Test"));
    assert_eq!(p.trade_points.len(), 2);
}

#[tokio::test]
async fn post_profile_omits_fields_not_set() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "PostProfile", "session": TOKEN, "user_email": "new@email.net"}),
        fixture("post_profile.json"),
    )
    .await;
    client(&server.uri())
        .post_profile(
            &session(),
            &ProfileUpdate::new().user_email("new@email.net"),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn get_balance_info_decodes_sums_and_payoffs() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetBalanceInfo", "session": TOKEN}),
        fixture("get_balance_info.json"),
    )
    .await;
    let b = client(&server.uri())
        .get_balance_info(&session())
        .await
        .unwrap();
    assert_eq!(b.active, Some(true));
    assert_eq!(b.bonus, d("1250"));
    assert_eq!(b.points, d("0"));
    assert_eq!(b.registration_to_balance, d("0"));
    assert_eq!(b.registration_for_test, d("1024"));
    assert_eq!(b.registration_for_confirmation, d("300"));
    assert_eq!(b.registration_rejected, d("50"));
    assert_eq!(b.registration_all, d("5765"));
    assert_eq!(b.to_payoff.len(), 2);
    assert_eq!(
        b.to_payoff[0].to_payoff_date,
        NaiveDate::from_ymd_opt(2018, 12, 15)
    );
    assert_eq!(b.to_payoff[0].to_payoff_bonus, d("2019"));
    assert_eq!(b.to_payoff[1].to_payoff_bonus, d("34"));
    assert_eq!(
        b.to_payoff[1].to_payoff_get.as_deref(),
        Some("Тест Тестов Тестович, пополнение мобильного телефона +38 (033) 2224455")
    );
}

#[tokio::test]
async fn get_registrations_sends_each_of_the_five_types() {
    for kind in RegistrationType::ALL {
        let server = MockServer::start().await;
        let mut response = fixture("get_registrations.json");
        response["type_registration"] = Value::from(kind.as_str());
        expect_json(
            &server,
            json!({"method": "GetRegistrations", "session": TOKEN, "type_registration": kind.as_str()}),
            response,
        )
        .await;
        let r = client(&server.uri())
            .get_registrations(&session(), &kind)
            .await
            .unwrap();
        assert_eq!(r.type_registration.as_ref(), Some(&kind));
        assert_eq!(r.registrations.len(), 2);
    }
    let names: Vec<&str> = RegistrationType::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "registration_to_balance",
            "registration_for_test",
            "registration_for_confirmation",
            "registration_rejected",
            "registration_all"
        ]
    );
}

#[tokio::test]
async fn get_registrations_decodes_the_seed_example() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetRegistrations", "session": TOKEN, "type_registration": "registration_rejected"}),
        fixture("get_registrations.json"),
    )
    .await;
    let r = client(&server.uri())
        .get_registrations(&session(), &RegistrationType::Rejected)
        .await
        .unwrap();
    assert_eq!(r.active, Some(true));
    assert_eq!(r.type_registration, Some(RegistrationType::Rejected));
    let first = &r.registrations[0];
    assert_eq!(first.registration_id, "127");
    assert_eq!(first.registration_status.as_deref(), Some("Отклонена"));
    assert_eq!(
        first.registration_comment.as_deref(),
        Some("Вы не являетесь участником партнерской программы")
    );
    assert_eq!(first.registration_sn.as_deref(), Some("1234123534"));
    assert_eq!(
        first.registration_action.as_deref(),
        Some("Ergo ТВ серпень 2018")
    );
    assert_eq!(first.registration_model.as_deref(), Some("65CU6565MC"));
    assert_eq!(first.registration_points, d("25"));
    assert_eq!(first.registration_date, Some(dt("2018-08-17 15:34:45")));
    assert_eq!(first.registration_to_balance, Some(false));
    assert_eq!(first.registration_to_balance_date, None);
    assert_eq!(
        r.registrations[1].registration_date,
        Some(dt("2018-08-22 03:15:37"))
    );
}

#[tokio::test]
async fn get_registrations_empty_list_with_padded_type() {
    let server = MockServer::start().await;
    let mut response = fixture("get_registrations_empty.json");
    // The seed's example pads the echoed type with a space.
    response["type_registration"] = Value::from("registration_for_test ");
    expect_json(
        &server,
        json!({"method": "GetRegistrations", "session": TOKEN, "type_registration": "registration_for_test"}),
        response,
    )
    .await;
    let r = client(&server.uri())
        .get_registrations(&session(), &RegistrationType::ForTest)
        .await
        .unwrap();
    assert_eq!(r.type_registration, Some(RegistrationType::ForTest));
    assert!(r.registrations.is_empty());
}

#[tokio::test]
async fn get_notices_decodes_dates() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetNotices", "session": TOKEN}),
        fixture("get_notices.json"),
    )
    .await;
    let n = client(&server.uri()).get_notices(&session()).await.unwrap();
    assert_eq!(n.notices.len(), 2);
    assert_eq!(n.notices[0].notice_id, "17");
    assert_eq!(
        n.notices[0].notice_name.as_deref(),
        Some("Наименование оповещения")
    );
    assert_eq!(n.notices[0].notice_from, Some(dt("2018-09-09 12:00:00")));
    assert_eq!(n.notices[1].notice_id, "29");
    assert_eq!(n.notices[1].notice_to, Some(dt("2018-09-07 17:00:00")));
}

#[tokio::test]
async fn get_actions_decodes_the_quirks() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetActions", "session": TOKEN}),
        fixture("get_actions.json"),
    )
    .await;
    let a = client(&server.uri()).get_actions(&session()).await.unwrap();
    assert_eq!(a.actions.len(), 2);
    let tv = &a.actions[0];
    assert_eq!(tv.action_id, 17);
    assert_eq!(tv.action_type_id, Some(ActionType::Accumulative));
    assert_eq!(tv.action_type.as_deref(), Some("Накопительная"));
    assert_eq!(tv.action_date_from, NaiveDate::from_ymd_opt(2018, 10, 1));
    assert_eq!(tv.action_date_to, NaiveDate::from_ymd_opt(2018, 10, 31));
    assert_eq!(tv.action_hot_notice.as_deref(), Some("Важно добавить фото"));
    assert_eq!(tv.action_hash.as_deref(), Some("FD23JHF4lkfn8h9"));
    let m = &tv.models[0];
    assert_eq!(m.model_id, 17);
    assert_eq!(m.model_points, d("25"));
    assert_eq!(m.model_brand_id, Some(2));
    assert!(m.model_imei && m.model_photo && !m.model_tt);
    assert!(m.needs_full_registration());
    let lamps = a.action(147).unwrap();
    assert_eq!(lamps.action_type_id, Some(ActionType::Bonus));
    assert_eq!(lamps.action_description, None);
    assert_eq!(lamps.action_hot_notice, None);
    // "1511" as a string next to 1512 as a number.
    assert_eq!(lamps.models[0].model_id, 1511);
    assert_eq!(lamps.models[1].model_id, 1512);
    assert_eq!(a.model(147, 1511).unwrap().model_points, d("100"));
    assert_eq!(a.model(147, 1512).unwrap().model_points, d("150"));
    assert!(!a.model(147, 1511).unwrap().needs_full_registration());
    assert_eq!(
        a.model(147, 1512).unwrap().model_hash.as_deref(),
        Some("jm09FH78G4f")
    );
}

#[tokio::test]
async fn post_sn_sends_sn_and_serial_and_registers() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "PostSN", "session": TOKEN, "sn": "123123", "serial": "123123"}),
        fixture("post_sn.json"),
    )
    .await;
    let out = client(&server.uri())
        .post_sn(&session(), "123123")
        .await
        .unwrap();
    match out {
        SnOutcome::Registered(r) => {
            assert_eq!(r.action_id, Some(147));
            assert_eq!(r.model_id, Some(1511));
            assert_eq!(r.serial.as_deref(), Some("123123"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn post_sn_result_2_needs_clarification() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "PostSN", "session": TOKEN, "sn": "123123", "serial": "123123"}),
        fixture("post_sn_clarify.json"),
    )
    .await;
    let out = client(&server.uri())
        .post_sn(&session(), "123123")
        .await
        .unwrap();
    assert_eq!(
        out,
        SnOutcome::NeedsClarification {
            action_id: Some(147),
            model_id: Some(1511),
            serial: Some("123123".into()),
            comment: Some("model must be specified".into()),
        }
    );
}

#[tokio::test]
async fn post_sn_model_sends_multipart_with_photo_and_trade_point() {
    let server = MockServer::start().await;
    expect_multipart(&server, fixture("post_sn_model.json")).await;
    let photo = Photo::jpeg(vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3], "serial.jpg");
    let reg = SnModelRegistration::new(147, 1511, "123123", dt("2018-08-22 12:12:12"))
        .trade_point(45765)
        .photo(photo);
    let out = client(&server.uri())
        .post_sn_model(&session(), &reg)
        .await
        .unwrap();
    assert!(
        matches!(&out, SnOutcome::Registered(r) if r.action_id == Some(147) && r.model_id == Some(1511) && r.serial.as_deref() == Some("123123")),
        "{out:?}"
    );
    let req = only_request(&server).await;
    let ctype = req.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(
        ctype.starts_with("multipart/form-data; boundary="),
        "{ctype}"
    );
    let parts = parse_multipart(ctype, &req.body);
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "method",
            "session",
            "action_id",
            "model_id",
            "date",
            "sn",
            "sn_tt",
            "file"
        ]
    );
    let text = |n: &str| parts.iter().find(|p| p.name == n).unwrap().text();
    assert_eq!(text("method"), "PostSNModel");
    assert_eq!(text("session"), TOKEN);
    assert_eq!(text("action_id"), "147");
    assert_eq!(text("model_id"), "1511");
    assert_eq!(text("date"), "2018-08-22 12:12:12");
    assert_eq!(text("sn"), "123123");
    assert_eq!(text("sn_tt"), "45765");
    let file = parts.iter().find(|p| p.name == "file").unwrap();
    assert_eq!(file.file_name.as_deref(), Some("serial.jpg"));
    assert_eq!(file.content_type.as_deref(), Some("image/jpeg"));
    assert_eq!(file.data, vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]);
    // Text parts carry no file name.
    assert!(parts[..7].iter().all(|p| p.file_name.is_none()));
}

#[tokio::test]
async fn post_sn_model_without_optional_parts() {
    let server = MockServer::start().await;
    expect_multipart(&server, fixture("post_sn_model.json")).await;
    let reg = SnModelRegistration::new(147, 1511, "123123", dt("2018-08-22 12:12:12"));
    client(&server.uri())
        .post_sn_model(&session(), &reg)
        .await
        .unwrap();
    let req = only_request(&server).await;
    let ctype = req.headers.get("content-type").unwrap().to_str().unwrap();
    let parts = parse_multipart(ctype, &req.body);
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["method", "session", "action_id", "model_id", "date", "sn"]
    );
}

#[tokio::test]
async fn post_question_sends_multipart_with_optional_file() {
    let server = MockServer::start().await;
    expect_multipart(&server, fixture("post_question.json")).await;
    let photo = Photo::new(b"\x89PNG....".to_vec(), "screen.png", "image/png");
    let q = "Доколе не будет начислен бонус за март 2103?";
    let r = client(&server.uri())
        .post_question(&session(), q, Some(&photo))
        .await
        .unwrap();
    assert_eq!(r.result, Some(1));
    assert_eq!(r.active, Some(true));
    let req = only_request(&server).await;
    let ctype = req.headers.get("content-type").unwrap().to_str().unwrap();
    assert!(
        ctype.starts_with("multipart/form-data; boundary="),
        "{ctype}"
    );
    let parts = parse_multipart(ctype, &req.body);
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["method", "session", "question", "file"]);
    assert_eq!(parts[0].text(), "PostQuestion");
    assert_eq!(parts[1].text(), TOKEN);
    assert_eq!(parts[2].text(), q);
    assert_eq!(parts[3].file_name.as_deref(), Some("screen.png"));
    assert_eq!(parts[3].content_type.as_deref(), Some("image/png"));
    assert_eq!(parts[3].data, b"\x89PNG....".to_vec());
}

#[tokio::test]
async fn post_question_without_file() {
    let server = MockServer::start().await;
    expect_multipart(&server, fixture("post_question.json")).await;
    client(&server.uri())
        .post_question(&session(), "Де мої бали?", None)
        .await
        .unwrap();
    let req = only_request(&server).await;
    let ctype = req.headers.get("content-type").unwrap().to_str().unwrap();
    let parts = parse_multipart(ctype, &req.body);
    let names: Vec<&str> = parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["method", "session", "question"]);
}

#[tokio::test]
async fn get_news_passes_links_through() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetNews", "session": TOKEN}),
        fixture("get_news.json"),
    )
    .await;
    let n = client(&server.uri()).get_news(&session()).await.unwrap();
    assert_eq!(n.active, None);
    assert_eq!(n.news.len(), 2);
    assert_eq!(n.news[0].article_id, 67657);
    assert_eq!(n.news[0].article_photo, None);
    assert_eq!(n.news[0].article_date, NaiveDate::from_ymd_opt(2018, 9, 9));
    assert_eq!(n.news[1].article_id, 45342);
    assert_eq!(
        n.news[1].article_photo.as_deref(),
        Some("fttps://club.ergo-global.com/sm/…")
    );
}

#[tokio::test]
async fn get_article_sends_the_id_as_a_string() {
    let server = MockServer::start().await;
    expect_json(
        &server,
        json!({"method": "GetArticle", "session": TOKEN, "article_id": "45342"}),
        fixture("get_article.json"),
    )
    .await;
    let a = client(&server.uri())
        .get_article(&session(), 45342)
        .await
        .unwrap();
    assert_eq!(
        a.article_text,
        "Текст новости с html-форматированием и абсолютными ссылками."
    );
}

#[tokio::test]
async fn default_base_url_is_production() {
    let c = loyalty_ergo::ErgoClient::builder().build().unwrap();
    assert_eq!(c.base_url(), "https://club.ergo-global.com/");
    assert_eq!(
        loyalty_ergo::DEFAULT_BASE_URL,
        "https://club.ergo-global.com/"
    );
    let bad = loyalty_ergo::ErgoClient::builder()
        .base_url("ftp://x")
        .build();
    assert!(matches!(bad, Err(loyalty_core::LoyaltyError::Config(_))));
}
