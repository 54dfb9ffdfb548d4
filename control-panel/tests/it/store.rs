//! The panel's own tables on SQLite (a file) and on PostgreSQL (when
//! `LOYALTY_BOT_TEST_POSTGRES_URL` is set, as `.ci/run` does): the same portable SQL.
#![allow(clippy::unwrap_used)]

use chrono::{Duration, TimeZone, Utc};
use control_panel::store::random_hex;
use control_panel::{PanelStore, Role, StoreError};
use secrecy::{ExposeSecret, SecretString};

fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// Every store operation once; logins get a random suffix so a shared database can be reused.
async fn exercise(store: &PanelStore) {
    let now = Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap();
    let sfx = random_hex(4).unwrap();
    let admin = format!("admin-{sfx}");
    let op = format!("op-{sfx}");
    // Idempotent migrations.
    store
        .create_account(&admin, &pw("admin-password"), Role::Admin, &[], now)
        .await
        .unwrap();
    assert!(matches!(
        store
            .create_account(&admin, &pw("admin-password"), Role::Admin, &[], now)
            .await,
        Err(StoreError::LoginTaken(_))
    ));
    assert!(matches!(
        store
            .create_account("x y", &pw("long-enough-pw"), Role::Admin, &[], now)
            .await,
        Err(StoreError::Invalid { field: "login", .. })
    ));
    let a = store
        .create_account(
            &op,
            &pw("operator-password"),
            Role::Operator,
            &["b2".into(), "b1".into()],
            now,
        )
        .await
        .unwrap();
    assert_eq!(a.bots, ["b1", "b2"]);
    assert!(a.can_access("b1") && !a.can_access("b3"));
    assert_eq!(a.created_at, now);

    assert!(
        store
            .check_password(&op, &pw("operator-password"))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .check_password(&op, &pw("wrong-password"))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .check_password(&format!("ghost-{sfx}"), &pw("operator-password"))
            .await
            .unwrap()
            .is_none()
    );

    // Sessions expire and die with a password change.
    let token = store
        .create_session(&op, now, Duration::hours(1))
        .await
        .unwrap();
    let s = store
        .session(token.expose_secret(), now + Duration::minutes(59))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.account.login, op);
    assert!(
        store
            .session(token.expose_secret(), now + Duration::minutes(61))
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.session("not-a-token", now).await.unwrap().is_none());
    store
        .set_password(&op, &pw("operator-password-2"))
        .await
        .unwrap();
    assert!(
        store
            .session(token.expose_secret(), now)
            .await
            .unwrap()
            .is_none()
    );

    // Updates, disabling.
    let a = store
        .update_account(&op, Role::Operator, &["b3".into()], false)
        .await
        .unwrap();
    assert_eq!(a.bots, ["b3"]);
    let token = store
        .create_session(&op, now, Duration::hours(1))
        .await
        .unwrap();
    store
        .update_account(&op, Role::Operator, &["b3".into()], true)
        .await
        .unwrap();
    assert!(
        store
            .session(token.expose_secret(), now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .check_password(&op, &pw("operator-password-2"))
            .await
            .unwrap()
            .is_none()
    );
    store
        .update_account(&op, Role::Operator, &["b3".into()], false)
        .await
        .unwrap();

    // Tokens.
    let (info, secret) = store.create_token(&op, "ci", &admin, now).await.unwrap();
    assert!(secret.expose_secret().starts_with("cp_"));
    assert_eq!(
        store
            .token_account(secret.expose_secret())
            .await
            .unwrap()
            .unwrap()
            .login,
        op
    );
    assert!(
        store
            .tokens()
            .await
            .unwrap()
            .iter()
            .any(|t| t.id == info.id && !t.revoked)
    );
    store.revoke_token(&info.id).await.unwrap();
    assert!(
        store
            .token_account(secret.expose_secret())
            .await
            .unwrap()
            .is_none()
    );

    // Audit order is write order even within one timestamp.
    for i in 0..3 {
        store
            .audit(&admin, "test", &format!("{sfx}-{i}"), "", now)
            .await
            .unwrap();
    }
    let log = store.audit_log(3, 0).await.unwrap();
    let targets: Vec<_> = log.iter().map(|e| e.target.clone()).collect();
    assert_eq!(
        targets,
        [format!("{sfx}-2"), format!("{sfx}-1"), format!("{sfx}-0")]
    );

    // Login failures within a window.
    let scope = format!("login:{op}");
    store
        .record_login_failure(std::slice::from_ref(&scope), now)
        .await
        .unwrap();
    store
        .record_login_failure(std::slice::from_ref(&scope), now + Duration::minutes(10))
        .await
        .unwrap();
    assert_eq!(
        store
            .login_failures(&scope, now + Duration::minutes(5))
            .await
            .unwrap(),
        1
    );
    store.clear_login_failures(&scope, now).await.unwrap();
    assert_eq!(
        store
            .login_failures(&scope, now - Duration::days(1))
            .await
            .unwrap(),
        0
    );

    // Deleting revokes tokens and ends sessions.
    let (_, secret) = store.create_token(&op, "x", &admin, now).await.unwrap();
    store.delete_account(&op).await.unwrap();
    assert!(store.account(&op).await.unwrap().is_none());
    assert!(
        store
            .token_account(secret.expose_secret())
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.delete_account(&op).await,
        Err(StoreError::NotFound(_))
    ));

    // Text overrides a host keeps across restarts.
    let bot = format!("bot-{sfx}");
    store
        .save_text_override(&bot, "uk", "welcome", "Привіт, {name}!", now)
        .await
        .unwrap();
    store
        .save_text_override(&bot, "uk", "welcome", "Вітаю, {name}!", now)
        .await
        .unwrap();
    store
        .save_text_override(&bot, "ru", "balance", "Баланс: {points}", now)
        .await
        .unwrap();
    assert_eq!(
        store.text_overrides(&bot).await.unwrap(),
        [
            (
                "ru".to_string(),
                "balance".to_string(),
                "Баланс: {points}".to_string()
            ),
            (
                "uk".to_string(),
                "welcome".to_string(),
                "Вітаю, {name}!".to_string()
            )
        ]
    );
    store
        .delete_text_override(&bot, "ru", "balance")
        .await
        .unwrap();
    assert_eq!(store.text_overrides(&bot).await.unwrap().len(), 1);

    // Each account's test chat per bot (broadcasts): set, replaced, gone with the account.
    let chat = |m: &str, u: &str| control_panel::UserKey {
        messenger: m.into(),
        user_id: u.into(),
    };
    let op = format!("tester-{sfx}");
    store
        .create_account(
            &op,
            &pw("tester-password"),
            Role::Operator,
            std::slice::from_ref(&bot),
            now,
        )
        .await
        .unwrap();
    assert_eq!(store.test_chat(&op, &bot).await.unwrap(), None);
    store
        .set_test_chat(&op, &bot, &chat("telegram", "101"), now)
        .await
        .unwrap();
    store
        .set_test_chat(&op, &bot, &chat("viber", "v=="), now)
        .await
        .unwrap();
    store
        .set_test_chat(&admin, &bot, &chat("max", "7"), now)
        .await
        .unwrap();
    assert_eq!(
        store.test_chat(&op, &bot).await.unwrap(),
        Some(chat("viber", "v=="))
    );
    assert_eq!(store.test_chat(&op, "other-bot").await.unwrap(), None);
    store.delete_account(&op).await.unwrap();
    assert_eq!(store.test_chat(&op, &bot).await.unwrap(), None);
    assert_eq!(
        store.test_chat(&admin, &bot).await.unwrap(),
        Some(chat("max", "7"))
    );

    // First administrator only when there is none.
    assert!(
        !store
            .bootstrap_admin(&format!("second-{sfx}"), &pw("second-password"), now)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn store_on_an_sqlite_file_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("panel.db").display());
    let store = PanelStore::connect(&url).await.unwrap();
    assert!(
        store
            .bootstrap_admin("first", &pw("first-password"), Utc::now())
            .await
            .unwrap()
    );
    exercise(&store).await;
    drop(store);
    let again = PanelStore::connect(&url).await.unwrap();
    assert!(again.account("first").await.unwrap().unwrap().is_admin());
    assert!(
        again
            .check_password("first", &pw("first-password"))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn store_on_postgres() {
    let Ok(url) = std::env::var("LOYALTY_BOT_TEST_POSTGRES_URL") else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true but LOYALTY_BOT_TEST_POSTGRES_URL is not set");
        }
        eprintln!(
            "NOTE: LOYALTY_BOT_TEST_POSTGRES_URL not set: the PostgreSQL store test is skipped"
        );
        return;
    };
    let store = PanelStore::connect(&url).await.unwrap();
    exercise(&store).await;
}

#[tokio::test]
async fn unsupported_urls_are_refused() {
    assert!(matches!(
        PanelStore::connect("mysql://x").await,
        Err(StoreError::UnsupportedUrl(s)) if s == "mysql"
    ));
}

#[tokio::test]
async fn two_creations_of_one_login_at_once_give_one_account_and_one_login_taken() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("panel.db").display());
    let store = PanelStore::connect(&url).await.unwrap();
    let now = Utc::now();
    let (p1, p2) = (pw("first-password"), pw("second-password"));
    let (a, b) = tokio::join!(
        store.create_account("twin", &p1, Role::Operator, &[], now),
        store.create_account("twin", &p2, Role::Operator, &[], now),
    );
    let results = [a, b];
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert_eq!(
        results
            .iter()
            .filter(|r| matches!(r, Err(StoreError::LoginTaken(_))))
            .count(),
        1,
        "{results:?}"
    );
}
