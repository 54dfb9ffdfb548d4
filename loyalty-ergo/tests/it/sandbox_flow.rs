//! The whole seller flow against the sandbox over real HTTP: request a code, read it via the
//! admin surface, get a token, PostSN, balance changed, the same serial rejected, PostSNModel
//! with a photo, GetRegistrations shows both.
// Test helpers may unwrap: a panic there is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Timelike, Utc};
use loyalty_core::{Clock, Decimal, LoyaltyError, ManualClock, Phone, Region};
use loyalty_ergo::{
    ErgoErrorExt, ErgoErrorKind, ErgoMethod, ErgoSandbox, Photo, RegistrationType, SandboxConfig,
    SnModelRegistration, SnOutcome,
};

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap()
}

#[tokio::test]
async fn seller_registers_two_serials() {
    let clock = Arc::new(ManualClock::new(start_time()));
    let sandbox = ErgoSandbox::start_with(SandboxConfig::new().clock(clock.clone()))
        .await
        .unwrap();
    assert!(sandbox.addr().ip().is_loopback());
    let client = sandbox.client().unwrap();
    let phone = Phone::parse("088 999 33 66", Region::UA).unwrap();

    // 1. Request a code; a second request during the cool-down is refused.
    let sent = client.get_auth_code(&phone).await.unwrap();
    assert_eq!(sent.result, Some(1));
    let again = client.get_auth_code(&phone).await.unwrap_err();
    assert!(
        matches!(again, LoyaltyError::CodeAlreadySent { .. }),
        "{again:?}"
    );

    // 2. Read it via the admin surface (HTTP, under /__admin/).
    loyalty_core::http::ensure_crypto_provider();
    let admin: serde_json::Value =
        reqwest::get(format!("{}codes/380889993366", sandbox.admin_url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let code = admin["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 4);
    assert_eq!(Some(code.clone()), sandbox.last_code("380889993366"));

    // 3. A wrong code, then the right one.
    let wrong = if code == "0000" { "1111" } else { "0000" };
    let err = client.get_token(&phone, wrong).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    let token = client.get_token(&phone, &code).await.unwrap();
    assert_eq!(token.user_phone.as_deref(), Some("380889993366"));
    let session = token.to_session();

    // 4. PostSN registers; the balance sums grow by the model's 100 points.
    let before = client.get_balance_info(&session).await.unwrap();
    let out = client.post_sn(&session, "LED0001").await.unwrap();
    match &out {
        SnOutcome::Registered(r) => {
            assert_eq!(r.action_id, Some(147));
            assert_eq!(r.model_id, Some(1511));
            assert_eq!(r.serial.as_deref(), Some("LED0001"));
        }
        other => panic!("{other:?}"),
    }
    let after = client.get_balance_info(&session).await.unwrap();
    assert_eq!(
        after.registration_for_confirmation,
        before.registration_for_confirmation + Decimal::from(100)
    );
    assert_eq!(
        after.registration_all,
        before.registration_all + Decimal::from(100)
    );
    assert_eq!(after.bonus, before.bonus);

    // 5. The same serial again is rejected: code 16, "already registered".
    let err = client.post_sn(&session, "LED0001").await.unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
    let ergo = err.ergo().unwrap();
    assert_eq!(ergo.code, 16);
    assert_eq!(
        ergo.kind(ErgoMethod::PostSN),
        ErgoErrorKind::SerialAlreadyRegistered
    );

    // 6. A TV needs a photo: PostSN asks for the full registration ...
    let out = client.post_sn(&session, "TV0001").await.unwrap();
    assert_eq!(
        out,
        SnOutcome::NeedsClarification {
            action_id: Some(17),
            model_id: Some(17),
            serial: Some("TV0001".into()),
            comment: Some("model must be specified".into()),
        }
    );
    // ... without the photo PostSNModel says 15, with it the serial registers.
    let captured = clock.now().naive_utc();
    let reg = SnModelRegistration::new(17, 17, "TV0001", captured);
    let err = client.post_sn_model(&session, &reg).await.unwrap_err();
    assert_eq!(
        err.ergo().unwrap().kind(ErgoMethod::PostSNModel),
        ErgoErrorKind::PhotoRequired
    );
    let reg = reg.photo(Photo::jpeg(
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16],
        "tv0001.jpg",
    ));
    let out = client.post_sn_model(&session, &reg).await.unwrap();
    assert!(
        matches!(&out, SnOutcome::Registered(r) if r.action_id == Some(17) && r.model_id == Some(17)),
        "{out:?}"
    );

    // 7. GetRegistrations shows both, of every relevant type.
    for kind in [RegistrationType::All, RegistrationType::ForConfirmation] {
        let regs = client.get_registrations(&session, &kind).await.unwrap();
        let sns: Vec<&str> = regs
            .registrations
            .iter()
            .filter_map(|r| r.registration_sn.as_deref())
            .collect();
        assert!(sns.contains(&"LED0001"), "{kind}: {sns:?}");
        assert!(sns.contains(&"TV0001"), "{kind}: {sns:?}");
        let tv = regs
            .registrations
            .iter()
            .find(|r| r.registration_sn.as_deref() == Some("TV0001"))
            .unwrap();
        assert_eq!(tv.registration_points, Decimal::from(25));
        assert_eq!(tv.registration_model.as_deref(), Some("ERGO 43DUS6000"));
        assert_eq!(tv.registration_date, Some(captured_at_second(captured)));
    }
    let rejected = client
        .get_registrations(&session, &RegistrationType::Rejected)
        .await
        .unwrap();
    assert!(
        rejected
            .registrations
            .iter()
            .all(|r| r.registration_sn.as_deref() != Some("TV0001"))
    );
    let last = client.get_balance_info(&session).await.unwrap();
    assert_eq!(
        last.registration_for_confirmation,
        before.registration_for_confirmation + Decimal::from(125)
    );

    // 8. The session expires mid-flow: SessionExpired (code 1), not a decode error.
    clock.advance(chrono::Duration::hours(25));
    let err = client.get_balance_info(&session).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    assert_eq!(err.provider_code(), Some("1"));

    sandbox.shutdown().await;
}

/// The wire carries whole seconds.
fn captured_at_second(t: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    t.with_nanosecond(0).unwrap()
}

#[tokio::test]
async fn sandbox_stops_on_drop() {
    let sandbox = ErgoSandbox::start().await.unwrap();
    let addr = sandbox.addr();
    assert!(tokio::net::TcpStream::connect(addr).await.is_ok());
    drop(sandbox);
    // Graceful shutdown stops accepting promptly.
    let mut closed = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            closed = true;
            break;
        }
    }
    assert!(closed, "the sandbox still accepts connections after drop");
}
