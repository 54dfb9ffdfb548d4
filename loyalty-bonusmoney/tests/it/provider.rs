//! `LoyaltyProvider` for the client, against wiremock (the code requests on the crate's test kit,
//! the rest on the seed's fixtures), and the paging stream over 3 pages.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use futures_util::TryStreamExt;
use loyalty_bonusmoney::mock::{API_KEY, BmOp, BonusMoneyMock, CAPTCHA_TOKEN};
use loyalty_bonusmoney::models::{AuthType, Customer};
use loyalty_core::model::{Gender, NewCustomer, ProfilePatch};
use loyalty_core::{
    Capability, CodeChannel, CodeOutcome, CodeRequest, ExposeSecret, LoyaltyError, LoyaltyProvider,
    PageRequest, Phone, Region, SecretString, Session, SignUpTicket, Verification,
};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer};

const PHONE: &str = "+7 (920) 000-00-00";

fn phone() -> Phone {
    Phone::parse(PHONE, Region::RU).unwrap()
}

fn session() -> Session {
    Session::new("bonusmoney", SecretString::from(TOKEN))
}

async fn on(server: &MockServer, p: &str, answer: String) {
    Mock::given(method("POST"))
        .and(path(p))
        .and(header("BM-API-KEY", KEY))
        .respond_with(json_response(answer))
        .expect(1)
        .mount(server)
        .await;
}

async fn on_body(server: &MockServer, p: &str, body: serde_json::Value, answer: String) {
    Mock::given(method("POST"))
        .and(path(p))
        .and(body_json(body))
        .respond_with(json_response(answer))
        .expect(1)
        .mount(server)
        .await;
}

fn provider(server: &MockServer) -> Arc<dyn LoyaltyProvider> {
    Arc::new(client(server))
}

/// The provider over the crate's test kit (its answers are BonusMoney's wire shape).
fn kit_provider(bm: &BonusMoneyMock<'_>) -> Arc<dyn LoyaltyProvider> {
    Arc::new(bm.client())
}

/// Every request the kit's client made carried the kit's `BM-API-KEY`.
async fn assert_every_request_has_the_api_key(server: &MockServer) {
    let requests = server.received_requests().await.unwrap();
    assert!(!requests.is_empty());
    for r in requests {
        assert_eq!(r.headers.get("BM-API-KEY").unwrap(), API_KEY, "{}", r.url);
    }
}

#[tokio::test]
async fn capabilities_list_what_the_api_offers() {
    let server = MockServer::start().await;
    let p = provider(&server);
    assert_eq!(p.name(), "bonusmoney");
    let caps = p.capabilities();
    for c in [
        Capability::VerifyPhone,
        Capability::SignUp,
        Capability::Profile,
        Capability::UpdateProfile,
        Capability::Balance,
        Capability::BonusHistory,
        Capability::Purchases,
        Capability::PurchaseDetail,
        Capability::Promotions,
        Capability::Notices,
    ] {
        assert!(caps.supports(c), "{c:?}");
    }
    assert!(!caps.supports(Capability::DeleteCustomer));
    assert!(matches!(
        p.delete_customer(&session()).await.unwrap_err(),
        LoyaltyError::Unsupported { .. }
    ));
}

#[tokio::test]
async fn request_code_by_sms_and_by_call() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::Sms).await;
    let p = kit_provider(&bm);
    let out = p.request_code(&CodeRequest::new(phone())).await.unwrap();
    let CodeOutcome::Sent {
        channel,
        resend_after,
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(channel, CodeChannel::Sms);
    assert_eq!(resend_after, Some(Duration::from_secs(60)));
    assert_eq!(
        bm.requests(BmOp::GetOptions).await,
        [json!({"countryCode": "RU", "phone": PHONE})]
    );
    assert_every_request_has_the_api_key(&server).await;

    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::CallPass).await;
    let out = kit_provider(&bm)
        .request_code(&CodeRequest::new(phone()))
        .await
        .unwrap();
    let CodeOutcome::Sent {
        channel,
        resend_after,
    } = out
    else {
        panic!("{out:?}")
    };
    assert_eq!(
        channel,
        CodeChannel::Call {
            call_to: Some("+7 (800) 100-22-33".into())
        }
    );
    assert_eq!(resend_after, Some(Duration::from_secs(30)));
}

#[tokio::test]
async fn request_code_without_verification_logs_in() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.options(AuthType::No).await;
    bm.logs_in(&Customer::new(PHONE), TOKEN).await;
    let out = kit_provider(&bm)
        .request_code(&CodeRequest::new(phone()))
        .await
        .unwrap();
    let CodeOutcome::NoCodeNeeded(v) = out else {
        panic!("{out:?}")
    };
    let Verification::LoggedIn(s) = *v else {
        panic!("logged in expected")
    };
    assert_eq!(s.token().expose_secret(), TOKEN);
    assert_eq!(
        bm.requests(BmOp::LogInWithoutVerification).await,
        [json!({"phone": PHONE})]
    );
}

#[tokio::test]
async fn request_code_reports_a_captcha_and_sends_the_answer() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.asks_for_captcha(AuthType::Sms).await;
    let p = kit_provider(&bm);
    let out = p.request_code(&CodeRequest::new(phone())).await.unwrap();
    match out {
        CodeOutcome::CaptchaRequired(c) => {
            assert_eq!(c.token, CAPTCHA_TOKEN);
            assert!(
                c.image.starts_with(b"\x89PNG"),
                "the PNG is decoded from base64"
            );
        }
        other => panic!("{other:?}"),
    }
    let out = p
        .request_code(&CodeRequest::new(phone()).with_captcha("tok", "abc"))
        .await
        .unwrap();
    assert!(matches!(out, CodeOutcome::Sent { .. }));
    assert_eq!(
        bm.requests(BmOp::GetOptions).await,
        [
            json!({"countryCode": "RU", "phone": PHONE}),
            json!({"countryCode": "RU", "phone": PHONE, "captchaToken": "tok", "captchaText": "abc"}),
        ]
    );
}

#[tokio::test]
async fn confirm_code_by_sms_gives_a_sign_up_ticket_with_prefill() {
    let server = MockServer::start().await;
    on_body(
        &server,
        "/mobileapp/auth/verifyBySms",
        json!({"code": "1234", "phone": PHONE}),
        fixture("auth_set"),
    )
    .await;
    let v = provider(&server)
        .confirm_code(&phone(), "1234")
        .await
        .unwrap();
    let Verification::NeedsSignUp(t) = v else {
        panic!("{v:?}")
    };
    assert_eq!(t.token.expose_secret(), "<SIGN-UP-TOKEN>");
    assert_eq!(t.prefill.first_name.as_deref(), Some("Алексей"));
    assert_eq!(t.prefill.gender, Some(Gender::Male));
    assert_eq!(t.prefill.email.as_deref(), Some("my@mail.ru"));
}

#[tokio::test]
async fn confirm_code_with_the_call_to_number_uses_verify_by_call() {
    let server = MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.logs_in(&Customer::new(PHONE), TOKEN).await;
    let v = kit_provider(&bm)
        .confirm_code(&phone(), "+7 (800) 100-22-33")
        .await
        .unwrap();
    assert!(matches!(v, Verification::LoggedIn(_)), "{v:?}");
    assert_eq!(
        bm.requests(BmOp::VerifyByCall).await,
        [json!({"phone": PHONE, "to": "+7 (800) 100-22-33"})]
    );
    assert!(bm.requests(BmOp::VerifyBySms).await.is_empty());
}

#[tokio::test]
async fn sign_up_merges_data_over_the_prefill() {
    let server = MockServer::start().await;
    let mut created = fixture_json("customer");
    created["bmtoken"] = json!(TOKEN);
    on_body(
        &server,
        "/mobileapp/auth/signUp",
        json!({"name": "Иван", "surname": "", "patronymic": "", "bDate": "1990-05-30",
               "male": false, "email": "my@mail.ru", "signUpToken": "su-1"}),
        created.to_string(),
    )
    .await;
    let prefill = NewCustomer::with_phone(phone())
        .first_name("Алексей")
        .birth_date(chrono::NaiveDate::from_ymd_opt(1990, 5, 30).unwrap())
        .gender(Gender::Male)
        .email("my@mail.ru");
    let ticket = SignUpTicket::new(SecretString::from("su-1"), phone(), prefill);
    let data = NewCustomer::default()
        .first_name("Иван")
        .gender(Gender::Female);
    let s = provider(&server).sign_up(&ticket, &data).await.unwrap();
    assert_eq!(s.token().expose_secret(), TOKEN);
    assert_eq!(s.provider(), "bonusmoney");
    // No name anywhere: refused before sending.
    let empty = SignUpTicket::new(SecretString::from("su-2"), phone(), NewCustomer::default());
    let err = provider(&server)
        .sign_up(&empty, &NewCustomer::default())
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }));
}

#[tokio::test]
async fn profile_and_update_profile_read_modify_write() {
    let server = MockServer::start().await;
    Mock::given(path("/mobileapp/card_v2/getCustomer"))
        .and(header("TOKEN", TOKEN))
        .respond_with(json_response(fixture("customer")))
        .expect(2)
        .mount(&server)
        .await;
    let mut updated = fixture_json("customer");
    updated["email"] = json!("new@mail.ru");
    on_body(
        &server,
        "/mobileapp/card_v2/updateCustomer",
        json!({"name": "Алексей", "surname": "Алексеев", "patronymic": "Алексеевич",
               "bDate": "1990-05-30", "male": true, "email": "new@mail.ru"}),
        updated.to_string(),
    )
    .await;
    let p = provider(&server);
    let c = p.profile(&session()).await.unwrap();
    assert_eq!(c.first_name.as_deref(), Some("Алексей"));
    assert_eq!(c.last_name.as_deref(), Some("Алексеев"));
    assert_eq!(c.card_number.as_deref(), Some("00_00000000000000"));
    assert_eq!(c.gender, Some(Gender::Male));
    let c = p
        .update_profile(&session(), &ProfilePatch::new().email("new@mail.ru"))
        .await
        .unwrap();
    assert_eq!(c.email.as_deref(), Some("new@mail.ru"));
    let err = p
        .update_profile(&session(), &ProfilePatch::new().city("Москва"))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }));
}

#[tokio::test]
async fn balance_has_marks_level_and_upcoming_burns() {
    let server = MockServer::start().await;
    let mut d = fixture_json("dashboard");
    d["levelParameters"]["lvlNumber"] = json!(1);
    on(&server, "/mobileapp/card_v2/getDashboard", d.to_string()).await;
    let burns = json!([
        {"marks": 2037, "timeDecay": "2024-04-01 00:00:00.0", "marksDecrease": 25.5},
        {"marks": 2037, "timeDecay": "2024-03-08 12:58:17.000001", "marksDecrease": 10}
    ]);
    on_body(
        &server,
        "/mobileapp/card_v2/getMarksToBeDecrease",
        json!({"offset": 0, "limit": 50}),
        burns.to_string(),
    )
    .await;
    let b = provider(&server).balance(&session()).await.unwrap();
    assert_eq!(b.available, dec("2037"));
    let level = b.level.unwrap();
    assert_eq!(level.name, "First");
    assert_eq!(level.percent, Some(dec("10")));
    assert_eq!(b.burns.len(), 2);
    assert_eq!(b.burns[0].amount, dec("10"));
    assert_eq!(b.burns[0].at, dt("2024-03-08 12:58:17.000001"));
    assert_eq!(b.burns[1].amount, dec("25.5"));
}

#[tokio::test]
async fn bonus_history_purchases_and_detail() {
    let server = MockServer::start().await;
    on(
        &server,
        "/mobileapp/card_v2/getMarksHistory",
        json!([fixture_json("mark_event")]).to_string(),
    )
    .await;
    on(
        &server,
        "/mobileapp/card_v2/getTransactions",
        json!([fixture_json("transaction_with_review")]).to_string(),
    )
    .await;
    let mut detail = fixture_json("transaction_with_review");
    detail["transaction"]["positions"][0]["quantity"] = json!(2);
    detail["transaction"]["positions"][0]["priceWithDiscount"] = json!(1000);
    detail["transaction"]["positions"][0]["cashDiscount"] = json!(92);
    on_body(
        &server,
        "/mobileapp/card_v2/getTransaction",
        json!({"orderId": 13905322}),
        detail.to_string(),
    )
    .await;
    let p = provider(&server);
    let h = p
        .bonus_history(&session(), PageRequest::first(5))
        .await
        .unwrap();
    let e = &h.items[0];
    assert_eq!(e.id.as_deref(), Some("13905322"));
    assert_eq!(e.earned, dec("12"));
    assert_eq!(e.spent, dec("0"));
    assert_eq!(e.balance_after, Some(dec("2037")));
    assert_eq!(e.reason.as_deref(), Some("Ответ на отзыв"));
    let list = p
        .purchases(&session(), PageRequest::first(5))
        .await
        .unwrap();
    let pu = &list.items[0];
    assert_eq!(pu.id, "13905322");
    assert_eq!(pu.sum, dec("1092"));
    assert_eq!(pu.bonuses_earned, dec("218.4"));
    assert_eq!(pu.store_name.as_deref(), Some("Розничный магазин"));
    let d = p.purchase(&session(), "13905322").await.unwrap();
    assert_eq!(d.purchase.id, "13905322");
    assert_eq!(d.discount, Some(dec("0")));
    let line = &d.lines[0];
    assert_eq!(line.name, "БАД №1");
    assert_eq!(line.quantity, dec("2"));
    assert_eq!(line.unit_price, Some(dec("1092")));
    assert_eq!(line.total, dec("2000"));
    assert_eq!(line.discount, Some(dec("92")));
}

#[tokio::test]
async fn promotions_and_notices() {
    let server = MockServer::start().await;
    on(
        &server,
        "/mobileapp/card_v2/getStocks",
        json!([fixture_json("stock")]).to_string(),
    )
    .await;
    on(
        &server,
        "/mobileapp/card_v2/getNotifications",
        json!([fixture_json("notification")]).to_string(),
    )
    .await;
    let p = provider(&server);
    let promos = p.promotions(&session()).await.unwrap();
    assert_eq!(promos[0].id, "64");
    assert_eq!(promos[0].title, "Шаблон с n-ой покупкой");
    assert!(
        promos[0]
            .image_url
            .as_deref()
            .unwrap()
            .ends_with("ef2399.png")
    );
    assert_eq!(promos[0].starts_at, Some(dt("2020-01-01 00:00:00")));
    let n = p.notices(&session(), PageRequest::first(5)).await.unwrap();
    assert_eq!(
        n.items[0].title.as_deref(),
        Some("Поздравляем Вас с днем рождения!")
    );
    assert_eq!(n.items[0].at, Some(dt("2023-05-30 14:07:01")));
}

#[tokio::test]
async fn the_stream_walks_three_pages() {
    let server = MockServer::start().await;
    let n = |id: &str| {
        let mut v = fixture_json("notification");
        v["id"] = json!(id);
        v
    };
    for (offset, items) in [
        (0, json!([n("1"), n("2")])),
        (2, json!([n("3"), n("4")])),
        (4, json!([n("5")])),
    ] {
        on_body(
            &server,
            "/mobileapp/card_v2/getNotifications",
            json!({"offset": offset, "limit": 2}),
            items.to_string(),
        )
        .await;
    }
    let c = client(&server);
    let t = token();
    let ids: Vec<String> = c
        .notifications_stream(&t, 2)
        .map_ok(|n| n.id)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn every_paged_call_has_a_stream() {
    let server = MockServer::start().await;
    on(
        &server,
        "/mobileapp/card_v2/getTransactions",
        json!([fixture_json("transaction_with_review")]).to_string(),
    )
    .await;
    on(
        &server,
        "/mobileapp/card_v2/getComments",
        json!([]).to_string(),
    )
    .await;
    on(
        &server,
        "/mobileapp/card_v2/getMarksHistory",
        json!([fixture_json("mark_event")]).to_string(),
    )
    .await;
    on(
        &server,
        "/mobileapp/card_v2/getMarksToBeDecrease",
        json!([fixture_json("marks")]).to_string(),
    )
    .await;
    let c = client(&server);
    let t = token();
    let tx: Vec<_> = c.transactions_stream(&t, 5).try_collect().await.unwrap();
    assert_eq!(tx.len(), 1);
    let cm: Vec<_> = c.comments_stream(&t, 5).try_collect().await.unwrap();
    assert!(cm.is_empty());
    let ev: Vec<_> = c.marks_history_stream(&t, 5).try_collect().await.unwrap();
    assert_eq!(ev[0].id, "13905322");
    let burns: Vec<_> = c
        .marks_to_be_decrease_stream(&t, 5)
        .try_collect()
        .await
        .unwrap();
    assert_eq!(burns[0].marks_decrease, Some(dec("10")));
}
