//! The sandbox over real HTTP: the whole flow, cool-downs on an injected clock, captcha, tokens,
//! paging, the admin surface, bad input, shutdown.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::dec;
use futures_util::TryStreamExt;
use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::models::{AuthOption, AuthType, MarkEventType, MessageType};
use loyalty_bonusmoney::requests::{GetTransactionRequest, ProfileData, SetCommentRequest};
use loyalty_bonusmoney::sandbox::{
    CAPTCHA_ANSWER, DEMO_PHONE, DEMO_TOKEN, PREFILL_PHONE, SandboxPurchase,
};
use loyalty_bonusmoney::{BonusMoneyClient, BonusMoneySandbox};
use loyalty_core::{
    Clock, ExposeSecret, LoyaltyError, LoyaltyProvider, ManualClock, PageRequest, Phone, Region,
    SecretString, Session,
};
use serde_json::json;

fn clock() -> Arc<ManualClock> {
    let start: DateTime<Utc> = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
    Arc::new(ManualClock::new(start))
}

fn ph(s: &str) -> Phone {
    Phone::parse(s, Region::RU).unwrap()
}

fn http() -> reqwest::Client {
    loyalty_core::http::ensure_crypto_provider();
    reqwest::Client::new()
}

async fn sandbox_with(clock: Arc<ManualClock>) -> BonusMoneySandbox {
    BonusMoneySandbox::builder()
        .clock(clock as Arc<dyn Clock>)
        .captcha_after(0)
        .start()
        .await
        .unwrap()
}

/// SMS auth of a phone through the sandbox, reading the code from the admin side.
async fn sms_login(sb: &BonusMoneySandbox, c: &BonusMoneyClient, phone: &Phone) -> AuthOutcome {
    let AuthStep::SmsCode(sms) = c.start_auth(phone).await.unwrap() else {
        panic!("SMS step expected")
    };
    let code = sb.last_code(phone).expect("a code was sent");
    assert_eq!(code.len(), 4);
    sms.submit_code(c, &code).await.unwrap()
}

#[tokio::test]
async fn flow_sign_up_dashboard_purchase_history_review() {
    let sb = sandbox_with(clock()).await;
    let c = sb.client().unwrap();
    let phone = ph("+7 (916) 123-45-67");

    // sign up
    let AuthOutcome::NeedsSignUp(ticket) = sms_login(&sb, &c, &phone).await else {
        panic!("a new phone must sign up")
    };
    assert!(ticket.prefill().is_none());
    let me = ticket
        .sign_up(
            &c,
            ProfileData::new("Мария")
                .surname("Иванова")
                .b_date(chrono::NaiveDate::from_ymd_opt(1992, 3, 4).unwrap())
                .male(false)
                .email("maria@example.com"),
        )
        .await
        .unwrap();
    let token = me.token().clone();
    assert_eq!(me.customer().phone, "+7 (916) 123-45-67");
    assert!(me.customer().is_phone_verified);

    // dashboard
    let d = c.get_dashboard(&token).await.unwrap();
    assert_eq!(d.customer.name.as_deref(), Some("Мария"));
    assert_eq!(d.mark_parameters.marks, dec("100"), "welcome bonus");
    assert!(d.transactions.is_empty());
    assert!(d.comment.is_none());
    assert_eq!(d.level_parameters.lvl_number, 1);
    let kinds: Vec<_> = d.stocks.iter().map(|s| s.message_type.clone()).collect();
    for k in [
        MessageType::StockNVisit,
        MessageType::Simple,
        MessageType::Image,
        MessageType::MultipleImage,
        MessageType::Coupon,
    ] {
        assert!(kinds.contains(&k), "{k:?} missing");
    }

    // a purchase via the admin HTTP surface
    let resp = http()
        .post(format!("{}purchase", sb.admin_url()))
        .json(&json!({"phone": "+79161234567",
                      "positions": [{"name": "Кофе", "price": 250, "quantity": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let tx: serde_json::Value = resp.json().await.unwrap();
    let order_id = tx["orderId"].as_u64().expect("numeric orderId").to_string();
    assert_eq!(tx["markIncrease"], json!(50), "10% of 500 at level 1");

    // it appears in transactions and in the history
    let page = c
        .get_transactions(&token, PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let t = &page.items[0].transaction;
    assert_eq!(t.order_id, order_id);
    assert_eq!(t.final_cash, dec("500"));
    assert_eq!(t.mark_increase, dec("50"));
    assert_eq!(t.positions[0].name, "Кофе");
    assert_eq!(t.positions[0].quantity, Some(dec("2")));
    let hist = c
        .get_marks_history(&token, PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(hist.items[0].event_type, MarkEventType::Transaction);
    assert_eq!(hist.items[0].mark_increase, dec("50"));
    assert_eq!(hist.items[0].mark_current, dec("150"));
    let one = c
        .get_transaction(&token, &GetTransactionRequest::new(order_id.as_str()))
        .await
        .unwrap();
    assert!(one.comment.is_none());
    let d = c.get_dashboard(&token).await.unwrap();
    assert_eq!(d.comment.unwrap().transaction.order_id, order_id);

    // leave a review
    c.set_comment(
        &token,
        &SetCommentRequest::new(order_id.as_str(), 5).text("Отлично"),
    )
    .await
    .unwrap();
    let reviews = c.get_comments(&token, PageRequest::first(5)).await.unwrap();
    let r = reviews.items[0].comment.as_ref().unwrap();
    assert_eq!(r.star, Some(5));
    assert_eq!(r.text.as_deref(), Some("Отлично"));
    assert_eq!(
        reviews.items[0].response.as_ref().unwrap().mark_increase,
        dec("12")
    );
    let hist = c
        .get_marks_history(&token, PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(hist.items[0].event_type, MarkEventType::Comment);
    assert_eq!(hist.items[0].mark_current, dec("162"));

    // a second review is rejected
    let err = c
        .set_comment(&token, &SetCommentRequest::new(order_id.as_str(), 4))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields[0].field, "orderId");
    // No invented error code: the seed documents none.
    assert_eq!(detail.as_ref().unwrap().code, None);
    // What the real API allows: the transaction shows its review.
    let t = c
        .get_transaction(&token, &GetTransactionRequest::new(order_id.as_str()))
        .await
        .unwrap();
    assert!(t.comment.is_some());
    // and nothing changed
    let d = c.get_dashboard(&token).await.unwrap();
    assert_eq!(d.mark_parameters.marks, dec("162"));
    sb.shutdown().await;
}

#[tokio::test]
async fn sms_cool_down_follows_the_injected_clock() {
    let clock = clock();
    let sb = sandbox_with(clock.clone()).await;
    let c = sb.client().unwrap();
    let phone = ph("+7 (916) 000-11-22");
    // An answer lists only the types other than the current one (as the seed's example), so a
    // type's cool-down shows in the answers of the other types.
    let wait =
        |s: &AuthStep, t: AuthType| s.options().option(&t).and_then(AuthOption::next_send_in);
    let first = c.start_auth(&phone).await.unwrap();
    assert!(matches!(first, AuthStep::SmsCode(_)));
    assert!(first.options().option(&AuthType::Sms).is_none());
    let code1 = sb.last_code(&phone).unwrap();
    clock.advance(chrono::Duration::seconds(45));
    let again = c.start_auth(&phone).await.unwrap();
    assert_eq!(
        sb.last_code(&phone).unwrap(),
        code1,
        "not resent during the cool-down"
    );
    let AuthStep::SmsCode(again) = again else {
        panic!()
    };
    let step = again.switch_to(&c, AuthType::CallPass).await.unwrap();
    assert_eq!(wait(&step, AuthType::Sms), Some(Duration::from_secs(15)));
    let AuthStep::CallPass(call) = step else {
        panic!()
    };
    clock.advance(chrono::Duration::seconds(16));
    let third = c.start_auth(&phone).await.unwrap();
    // The call-pass has its own cool-down, shown in the SMS answer with the same number.
    assert_eq!(
        wait(&third, AuthType::CallPass),
        Some(Duration::from_secs(44))
    );
    let AuthStep::SmsCode(third) = third else {
        panic!()
    };
    let step = third.switch_to(&c, AuthType::CallPass).await.unwrap();
    assert_eq!(
        wait(&step, AuthType::Sms),
        Some(Duration::from_secs(60)),
        "a new code was sent"
    );
    let AuthStep::CallPass(call2) = step else {
        panic!()
    };
    assert_eq!(
        call2.call_to(),
        call.call_to(),
        "same call-pass number during the cool-down"
    );
    // Codes expire (5 min by default).
    let code = sb.last_code(&phone).unwrap();
    clock.advance(chrono::Duration::minutes(6));
    assert!(matches!(
        call2.confirm(&c).await.unwrap_err(),
        LoyaltyError::WrongCode { .. }
    ));
    let err = third.submit_code(&c, &code).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
}

#[tokio::test]
async fn captcha_after_repeated_attempts() {
    let sb = BonusMoneySandbox::builder()
        .clock(clock() as Arc<dyn Clock>)
        .captcha_after(2)
        .start()
        .await
        .unwrap();
    let c = sb.client().unwrap();
    let phone = ph("+7 (916) 555-00-00");
    assert!(matches!(
        c.start_auth(&phone).await.unwrap(),
        AuthStep::SmsCode(_)
    ));
    assert!(matches!(
        c.start_auth(&phone).await.unwrap(),
        AuthStep::SmsCode(_)
    ));
    let AuthStep::Captcha(cap) = c.start_auth(&phone).await.unwrap() else {
        panic!("third attempt must show a captcha")
    };
    assert_eq!(&cap.png()[1..4], b"PNG");
    // A wrong answer gives a fresh captcha.
    let AuthStep::Captcha(cap2) = cap.answer(&c, "wrong").await.unwrap() else {
        panic!("wrong answer must show a new captcha")
    };
    assert_ne!(cap2.token(), cap.token());
    assert_eq!(
        sb.pending_codes(&phone).unwrap().captcha_answer.as_deref(),
        Some(CAPTCHA_ANSWER)
    );
    assert!(matches!(
        cap2.answer(&c, CAPTCHA_ANSWER).await.unwrap(),
        AuthStep::SmsCode(_)
    ));
}

#[tokio::test]
async fn call_pass_logs_the_demo_customer_in() {
    let sb = sandbox_with(clock()).await;
    let c = sb.client().unwrap();
    let phone = ph(DEMO_PHONE);
    // The first answer (SMS) lists CALL_PASS with its number; the CALL_PASS answer lists only
    // the other types, and the step carries the number.
    let AuthStep::SmsCode(sms) = c.start_auth(&phone).await.unwrap() else {
        panic!()
    };
    let AuthStep::CallPass(call) = sms.switch_to(&c, AuthType::CallPass).await.unwrap() else {
        panic!()
    };
    assert_eq!(
        sb.pending_codes(&phone).unwrap().call_to.as_deref(),
        Some(call.call_to())
    );
    let AuthOutcome::LoggedIn(me) = call.confirm(&c).await.unwrap() else {
        panic!("the demo customer exists")
    };
    assert_eq!(me.token().expose_secret(), DEMO_TOKEN);
    let d = c.get_dashboard(me.token()).await.unwrap();
    assert_eq!(d.mark_parameters.marks, dec("2037"));
    assert_eq!(d.transactions.len(), 2);
    assert_eq!(d.comment.unwrap().transaction.order_id, "13905311");
}

#[tokio::test]
async fn no_verification_gives_the_cash_desk_prefill() {
    let sb = sandbox_with(clock()).await;
    let c = sb.client().unwrap();
    let phone = ph(PREFILL_PHONE);
    let AuthStep::NoVerification(step) = c.start_auth_with(&phone, AuthType::No).await.unwrap()
    else {
        panic!()
    };
    let AuthOutcome::NeedsSignUp(ticket) = step.log_in(&c).await.unwrap() else {
        panic!()
    };
    let prefill = ticket.prefill().unwrap();
    assert_eq!(prefill.name.as_deref(), Some("Алексей"));
    assert_eq!(prefill.email.as_deref(), Some("my@mail.ru"));
    let me = ticket.sign_up(&c, ticket.prefill_data()).await.unwrap();
    assert_eq!(me.customer().name.as_deref(), Some("Алексей"));
    // A used sign-up token is refused.
    let err = ticket.sign_up(&c, ticket.prefill_data()).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");

    let strict = BonusMoneySandbox::builder()
        .allow_no_verification(false)
        .start()
        .await
        .unwrap();
    let err = strict
        .client()
        .unwrap()
        .start_auth_with(&phone, AuthType::No)
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
}

#[tokio::test]
async fn tokens_and_the_api_key_are_checked() {
    let sb = sandbox_with(clock()).await;
    let c = sb.client().unwrap();
    let err = c
        .get_customer(&SecretString::from("not-a-token"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    let bad = BonusMoneyClient::builder("wrong-key")
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let err = bad.start_auth(&ph(DEMO_PHONE)).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Unauthorized { .. }), "{err:?}");
    // Deleting the customer kills the token.
    let demo = SecretString::from(DEMO_TOKEN);
    assert!(c.get_customer(&demo).await.is_ok());
    assert!(sb.delete_customer(&ph(DEMO_PHONE)));
    assert!(!sb.delete_customer(&ph(DEMO_PHONE)));
    let err = c.get_customer(&demo).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn paging_is_consistent() {
    let sb = sandbox_with(clock()).await;
    let c = sb.client().unwrap();
    let t = SecretString::from(DEMO_TOKEN);
    let phone = ph(DEMO_PHONE);
    for i in 0..6 {
        sb.add_marks(&phone, dec("1"), &format!("bonus {i}"))
            .unwrap();
    }
    let all = c
        .get_marks_history(&t, PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 9, "3 seeded events + 6");
    let streamed: Vec<_> = c.marks_history_stream(&t, 3).try_collect().await.unwrap();
    assert_eq!(streamed, all.items);
    assert_eq!(streamed[0].name.as_deref(), Some("bonus 5"), "newest first");
    let p = c
        .get_marks_history(&t, PageRequest::new(8, 3))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.next, None);
    let burns = c
        .get_marks_to_be_decrease(&t, PageRequest::first(5))
        .await
        .unwrap();
    assert_eq!(burns.items.len(), 2);
    assert!(
        burns.items[0].time_decay < burns.items[1].time_decay,
        "soonest first"
    );
    let notes: Vec<_> = c.notifications_stream(&t, 2).try_collect().await.unwrap();
    assert_eq!(notes.len(), 3);
}

#[tokio::test]
async fn the_admin_surface_over_http() {
    let sb = sandbox_with(clock()).await;
    let c = sb.client().unwrap();
    let phone = ph("+7 (916) 777-00-01");
    let _ = c.start_auth(&phone).await.unwrap();
    let h = http();
    let v: serde_json::Value = h
        .get(format!("{}last-code", sb.admin_url()))
        .query(&[("phone", "+7 (916) 777-00-01")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["code"].as_str(), sb.last_code(&phone).as_deref());
    let r = h
        .post(format!("{}marks", sb.admin_url()))
        .json(&json!({"phone": DEMO_PHONE, "amount": "13.5", "reason": "Подарок"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["marks"], json!(2050.5));
    let r = h
        .post(format!("{}marks", sb.admin_url()))
        .json(&json!({"phone": "+7 (916) 999-99-99", "amount": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = h
        .post(format!("{}delete-customer", sb.admin_url()))
        .json(&json!({"phone": DEMO_PHONE}))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["deleted"], json!(true));
    // The Rust admin API too.
    let tx = sb
        .add_purchase(
            &ph(DEMO_PHONE),
            &SandboxPurchase::new().line("x", dec("1"), dec("1")),
        )
        .unwrap_err();
    assert!(matches!(tx, LoyaltyError::NotFound { .. }));
}

#[tokio::test]
async fn purchases_can_spend_points_within_the_level_share() {
    let sb = sandbox_with(clock()).await;
    let phone = ph(DEMO_PHONE);
    let tx = sb
        .add_purchase(
            &phone,
            &SandboxPurchase::new()
                .line("Стейк", dec("1000"), dec("1.5"))
                .spend(dec("5000")),
        )
        .unwrap();
    // 1500 sum, at most 50% payable by points: 750 spent, 750 paid, 10% back.
    assert_eq!(tx.cash, dec("1500"));
    assert_eq!(tx.mark_decrease, dec("750"));
    assert_eq!(tx.final_cash, dec("750"));
    assert_eq!(tx.mark_increase, dec("75"));
    assert_eq!(tx.mark_current, dec("2037") - dec("750") + dec("75"));
    let bad = sb
        .add_purchase(
            &phone,
            &SandboxPurchase::new().line("x", dec("-1"), dec("1")),
        )
        .unwrap_err();
    assert!(matches!(bad, LoyaltyError::InvalidInput { .. }));
}

#[tokio::test]
async fn bad_input_never_breaks_the_server() {
    let sb = sandbox_with(clock()).await;
    let h = http();
    let paths = [
        "mobileapp/auth/getOptions",
        "mobileapp/auth/verifyBySms",
        "mobileapp/auth/verifyByCall",
        "mobileapp/auth/logInWithoutVerification",
        "mobileapp/auth/signUp",
        "mobileapp/card_v2/getDashboard",
        "mobileapp/card_v2/updateCustomer",
        "mobileapp/card_v2/getMarksHistory",
        "mobileapp/card_v2/getTransaction",
        "mobileapp/card_v2/setComment",
        "mobileapp/card_v2/getNotifications",
        "mobileapp/card_v2/nothing",
        "__admin/purchase",
        "__admin/marks",
        "__admin/delete-customer",
    ];
    let bodies: [&[u8]; 7] = [
        b"",
        b"{",
        b"null",
        b"[1,2,3]",
        br#"{"phone": "abc", "code": {"x": 1}, "orderId": [], "star": 99, "offset": -1, "limit": 1e99}"#,
        br#"{"phone": "+7 (916) 000-00-00", "orderId": "999999999999999999999999", "star": "5", "amount": 1e30, "positions": [{"name": "x", "price": 1e30, "quantity": 1e30}]}"#,
        b"\xff\xfe\x00garbage",
    ];
    for p in paths {
        for b in bodies {
            let r = h
                .post(format!("{}{p}", sb.base_url()))
                .header("BM-API-KEY", sb.api_key().expose_secret())
                .header("TOKEN", DEMO_TOKEN)
                .body(b.to_vec())
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            assert!(
                status < 500,
                "{p} {:?} → {status}",
                String::from_utf8_lossy(b)
            );
        }
    }
    // Still serving.
    let c = sb.client().unwrap();
    assert!(
        c.get_customer(&SecretString::from(DEMO_TOKEN))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn the_provider_over_the_sandbox() {
    let sb = sandbox_with(clock()).await;
    let p: Arc<dyn LoyaltyProvider> = Arc::new(sb.client().unwrap());
    let s = Session::new("bonusmoney", SecretString::from(DEMO_TOKEN));
    let b = p.balance(&s).await.unwrap();
    assert_eq!(b.available, dec("2037"));
    assert_eq!(b.burns.len(), 2);
    assert_eq!(b.burns[0].amount, dec("10"));
    assert_eq!(b.level.unwrap().name, "First");
    let list = p.purchases(&s, PageRequest::first(10)).await.unwrap();
    assert_eq!(list.items.len(), 2);
    assert_eq!(list.items[0].id, "13905322", "newest first");
    let d = p.purchase(&s, "13905311").await.unwrap();
    assert_eq!(d.lines[0].name, "БАД №1");
    assert_eq!(d.lines[0].total, dec("1092"));
    assert!(matches!(
        p.purchase(&s, "1").await.unwrap_err(),
        LoyaltyError::NotFound { .. }
    ));
    assert_eq!(p.promotions(&s).await.unwrap().len(), 5);
    assert_eq!(
        p.notices(&s, PageRequest::first(10))
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    let h = p.bonus_history(&s, PageRequest::first(10)).await.unwrap();
    assert_eq!(h.items.len(), 3);
    let updated = p
        .update_profile(&s, &loyalty_core::ProfilePatch::new().last_name("Сидоров"))
        .await
        .unwrap();
    assert_eq!(updated.last_name.as_deref(), Some("Сидоров"));
    assert_eq!(updated.first_name.as_deref(), Some("Алексей"));
}

#[tokio::test]
async fn the_sandbox_stops_on_drop_and_on_shutdown() {
    let sb = BonusMoneySandbox::start().await.unwrap();
    let url = sb.base_url().to_owned();
    let h = http();
    let probe = |u: String| {
        let h = h.clone();
        async move {
            h.post(format!("{u}mobileapp/card_v2/getCustomer"))
                .timeout(Duration::from_secs(2))
                .send()
                .await
        }
    };
    assert!(probe(url.clone()).await.is_ok());
    drop(sb);
    let mut stopped = false;
    for _ in 0..50 {
        if probe(url.clone()).await.is_err() {
            stopped = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(stopped, "still serving after drop");

    let sb = BonusMoneySandbox::start().await.unwrap();
    let url = sb.base_url().to_owned();
    assert!(url.starts_with("http://127.0.0.1:"));
    sb.shutdown().await;
    assert!(probe(url).await.is_err());
}
