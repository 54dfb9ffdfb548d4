//! Issue 16: the sandbox's admin hooks move a registration through the states the seed names
//! (confirmation, test, balance, paid, rejected), counted where the seed counts them; and it
//! invents no error codes.
#![allow(clippy::unwrap_used)]

use loyalty_core::{Decimal, Phone, Region, Session};
use loyalty_ergo::sandbox::RegistrationDecision;
use loyalty_ergo::{ErgoClient, ErgoSandbox, RegistrationType};

const TEST: &str = "380889993366";

async fn login(sb: &ErgoSandbox, c: &ErgoClient) -> Session {
    let p = Phone::parse(&format!("+{TEST}"), Region::UA).unwrap();
    c.get_auth_code(&p).await.unwrap();
    let code = sb.last_code(TEST).unwrap();
    c.get_token(&p, &code).await.unwrap().to_session()
}

async fn ids(c: &ErgoClient, s: &Session, t: RegistrationType) -> Vec<String> {
    c.get_registrations(s, &t)
        .await
        .unwrap()
        .registrations
        .into_iter()
        .map(|r| r.registration_id)
        .collect()
}

#[tokio::test]
async fn admin_hooks_move_a_registration_through_every_state() {
    let sb = ErgoSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let s = login(&sb, &c).await;
    let before = c.get_balance_info(&s).await.unwrap();
    c.post_sn(&s, "LED0001").await.unwrap();
    let pending = ids(&c, &s, RegistrationType::ForConfirmation).await;
    assert_eq!(pending.len(), 1);
    let id: u64 = pending[0].parse().unwrap();
    let points = c
        .get_registrations(&s, &RegistrationType::ForConfirmation)
        .await
        .unwrap()
        .registrations[0]
        .registration_points;
    assert!(points > Decimal::ZERO);

    assert!(sb.decide_registration(id, RegistrationDecision::SendToTest));
    let b = c.get_balance_info(&s).await.unwrap();
    assert_eq!(
        b.registration_for_test,
        before.registration_for_test + points
    );
    assert!(
        ids(&c, &s, RegistrationType::ForTest)
            .await
            .contains(&pending[0])
    );

    assert!(sb.decide_registration(id, RegistrationDecision::Confirm));
    let b = c.get_balance_info(&s).await.unwrap();
    assert_eq!(
        b.registration_to_balance,
        before.registration_to_balance + points
    );
    assert_eq!(b.registration_for_test, before.registration_for_test);

    // Paid: on the balance, no longer "to balance", still in the to-balance list (flag 1) and in
    // the all-time sum.
    assert!(sb.decide_registration(id, RegistrationDecision::Pay));
    let b = c.get_balance_info(&s).await.unwrap();
    assert_eq!(b.bonus, before.bonus + points);
    assert_eq!(b.registration_to_balance, before.registration_to_balance);
    assert_eq!(b.registration_all, before.registration_all + points);
    let listed = c
        .get_registrations(&s, &RegistrationType::ToBalance)
        .await
        .unwrap();
    let paid = listed
        .registrations
        .iter()
        .find(|r| r.registration_id == pending[0])
        .unwrap();
    assert_eq!(paid.registration_to_balance, Some(true));
    assert!(paid.registration_to_balance_date.is_some());

    // A paid registration is final.
    assert!(!sb.decide_registration(id, RegistrationDecision::Reject("late".into())));
    assert!(!sb.decide_registration(999_999, RegistrationDecision::Confirm));
}

#[tokio::test]
async fn a_rejected_registration_keeps_its_reason() {
    let sb = ErgoSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let s = login(&sb, &c).await;
    let before = c.get_balance_info(&s).await.unwrap();
    c.post_sn(&s, "LED0001").await.unwrap();
    let id: u64 = ids(&c, &s, RegistrationType::ForConfirmation).await[0]
        .parse()
        .unwrap();
    assert!(sb.decide_registration(
        id,
        RegistrationDecision::Reject("Вы не являетесь участником партнерской программы".into())
    ));
    let b = c.get_balance_info(&s).await.unwrap();
    assert!(b.registration_rejected > before.registration_rejected);
    assert_eq!(b.registration_all, before.registration_all);
    let r = c
        .get_registrations(&s, &RegistrationType::Rejected)
        .await
        .unwrap();
    let rec = r
        .registrations
        .iter()
        .find(|r| r.registration_id == id.to_string())
        .unwrap();
    assert_eq!(
        rec.registration_comment.as_deref(),
        Some("Вы не являетесь участником партнерской программы")
    );
}

#[tokio::test]
async fn errors_carry_only_documented_codes() {
    let sb = ErgoSandbox::start().await.unwrap();
    loyalty_core::http::ensure_crypto_provider();
    let http = reqwest::Client::new();
    let url = format!("{}api/mobile/", sb.base_url());
    for body in [
        "not json".to_owned(),
        r#"{"method": "NoSuchMethod"}"#.to_owned(),
    ] {
        let resp = http.post(&url).body(body.clone()).send().await.unwrap();
        let v: serde_json::Value = resp.json().await.unwrap_or_default();
        let code = v["error"]["code"].as_i64();
        assert!(
            !matches!(code, Some(4 | 400 | 404)),
            "{body}: invented code in {v}"
        );
    }
    let c = sb.client().unwrap();
    let s = login(&sb, &c).await;
    let err = c.get_article(&s, 999_999).await.unwrap_err();
    assert_ne!(
        loyalty_ergo::ErgoError::from_error(&err).map(|e| e.code),
        Some(4),
        "{err:?}"
    );
}

#[tokio::test]
async fn last_code_takes_a_parsed_phone_or_its_digits() {
    let sb = ErgoSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let p = Phone::parse(&format!("+{TEST}"), Region::UA).unwrap();
    c.get_auth_code(&p).await.unwrap();
    let by_phone = sb.last_code(&p).unwrap();
    assert_eq!(sb.last_code(TEST), Some(by_phone));
}
