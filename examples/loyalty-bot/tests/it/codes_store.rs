//! The bot's SQL code store (loyalty-codes' `CodeStore`), its one code budget and the linked-chat
//! lookup of the chat channel, on SQLite (always) and PostgreSQL
//! (`LOYALTY_BOT_TEST_POSTGRES_URL`; `bash .ci/postgres.sh` starts one).
#![allow(clippy::unwrap_used)]

use crate::common::pg;

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use loyalty_bot::codes::{SqlCodeStore, linked_chats};
use loyalty_bot::storage::{ChatKey, Profile, Storage};
use loyalty_codes::channels::MemoryChannel;
use loyalty_codes::{
    Action, CodeError, CodeService, CodeStore, Programme, Recipient, SendEvent, SendQuery,
    SendRequest, Subject,
};
use loyalty_core::{ManualClock, Phone, Region, SecretString, Session};

const PEPPER: &str = "a test pepper of more than thirty-two characters";

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
}

async fn codes_round_trip(storage: &Storage) {
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(SqlCodeStore::new(storage));
    let sms = Arc::new(MemoryChannel::new("sms"));
    let service = CodeService::builder(
        Programme::new().require(Action::LogIn, ["sms"]),
        store.clone(),
        SecretString::from(PEPPER),
    )
    .clock(clock.clone())
    .channel(sms.clone())
    .build()
    .unwrap();
    let phone = Phone::parse("+7 920 123 45 67", Region::RU).unwrap();
    let subject = Subject::phone(&phone);
    let request = SendRequest::new(
        subject.clone(),
        Action::LogIn,
        Recipient::new().phone(phone),
    );

    // A code is stored as a hash, with its limits; the code itself is nowhere in the row.
    service.send(&request).await.unwrap();
    let code = sms.last_code().unwrap();
    let rec = store
        .active(&subject, &Action::LogIn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.attempts, 0);
    assert_eq!(rec.max_attempts, 5);
    assert_eq!(rec.expires_at, t0() + chrono::Duration::minutes(5));
    assert!(rec.used_at.is_none());
    assert!(!rec.hash.to_hex().contains(&code));
    let raw: String = sqlx::query_scalar("SELECT hash FROM bot_codes")
        .fetch_one(storage.pool())
        .await
        .unwrap();
    assert_eq!(raw, rec.hash.to_hex());

    // A wrong code counts; a right one is used once.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = service
        .verify(&subject, &Action::LogIn, wrong)
        .await
        .unwrap_err();
    assert_eq!(e.attempts_left(), Some(4));
    service
        .verify(&subject, &Action::LogIn, &code)
        .await
        .unwrap();
    let e = service
        .verify(&subject, &Action::LogIn, &code)
        .await
        .unwrap_err();
    assert!(matches!(e, CodeError::AlreadyUsed), "{e:?}");
    let rec = store
        .active(&subject, &Action::LogIn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rec.attempts, 2);
    assert_eq!(rec.used_at, Some(t0()));

    // A new code replaces the used one (one active code per subject and action).
    service.send(&request).await.unwrap();
    let second = sms.last_code().unwrap();
    let rec2 = store
        .active(&subject, &Action::LogIn)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(rec2.id, rec.id);
    assert_eq!(rec2.attempts, 0);
    assert!(rec2.used_at.is_none());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bot_codes")
        .fetch_one(storage.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);

    // Parallel guesses cannot exceed the attempt limit (the count is one atomic UPDATE).
    let guesses = (0..12).map(|i| {
        let service = service.clone();
        let subject = subject.clone();
        let guess = format!(
            "{:06}",
            (second.parse::<u32>().unwrap() + 1 + i) % 1_000_000
        );
        tokio::spawn(async move { service.verify(&subject, &Action::LogIn, &guess).await })
    });
    let guesses: Vec<_> = guesses.collect();
    let mut wrong = Vec::new();
    for g in guesses {
        if let Err(CodeError::WrongCode { attempts_left }) = g.await.unwrap() {
            wrong.push(attempts_left);
        }
    }
    wrong.sort_unstable();
    // Each count is unique (one atomic UPDATE): tries 1 to 4 say "wrong", every later one
    // "too many", however the guesses interleave.
    assert_eq!(wrong, vec![1, 2, 3, 4]);
    let rec2 = store
        .active(&subject, &Action::LogIn)
        .await
        .unwrap()
        .unwrap();
    assert!(rec2.attempts >= 5, "{}", rec2.attempts);
    let e = service
        .verify(&subject, &Action::LogIn, &second)
        .await
        .unwrap_err();
    assert!(matches!(e, CodeError::TooManyAttempts), "{e:?}");

    // Expiry by the injected clock.
    service.send(&request).await.unwrap();
    let third = sms.last_code().unwrap();
    clock.advance(chrono::Duration::seconds(301));
    let e = service
        .verify(&subject, &Action::LogIn, &third)
        .await
        .unwrap_err();
    assert!(matches!(e, CodeError::Expired { .. }), "{e:?}");

    // Send events: requests (no channel) and channel calls, counted strictly after `since`.
    let stats = store
        .send_stats(
            &SendQuery::SubjectAction(subject.clone(), Action::LogIn),
            t0() - chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(stats.count, 3);
    assert_eq!(stats.oldest, Some(t0()));
    let stats = store
        .send_stats(
            &SendQuery::Channel("sms".into()),
            t0() - chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(stats.count, 3);
    let stats = store
        .send_stats(&SendQuery::Subject(subject.clone()), t0())
        .await
        .unwrap();
    assert_eq!(
        stats.count, 0,
        "an event exactly at `since` no longer counts"
    );
    store
        .record_send(SendEvent::new(
            Subject::new("user:1"),
            Action::LogIn,
            None,
            t0() + chrono::Duration::hours(2),
        ))
        .await
        .unwrap();

    // Purge drops expired codes and old events, keeps the rest.
    let gone = store
        .purge(t0() + chrono::Duration::hours(1))
        .await
        .unwrap();
    assert!(gone >= 7, "{gone}");
    assert!(
        store
            .active(&subject, &Action::LogIn)
            .await
            .unwrap()
            .is_none()
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bot_code_sends")
        .fetch_one(storage.pool())
        .await
        .unwrap();
    assert_eq!(left, 1);
}

/// The one code budget: many concurrent requests for one phone, from several instances (their
/// own pools on one database), take exactly the limit.
async fn budget_has_no_race(storages: &[Storage]) {
    let now = t0();
    // Open every pool's connections first, so the requests below really run at once.
    let warm = (0..12).map(|i| {
        let pool = storages[i % storages.len()].pool().clone();
        tokio::spawn(async move {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            tx.commit().await.unwrap();
        })
    });
    for w in warm.collect::<Vec<_>>() {
        w.await.unwrap();
    }
    for round in 0..10 {
        let phone = format!("phone:+7920123450{round}");
        let start = Arc::new(tokio::sync::Barrier::new(12));
        let tasks = (0..12).map(|i| {
            let storage = storages[i % storages.len()].clone();
            let phone = phone.clone();
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let chat = format!("chat:telegram:{i}");
                storage
                    .take_code_budget(
                        &[(phone.as_str(), 3), (chat.as_str(), 100)],
                        chrono::Duration::hours(1),
                        now,
                    )
                    .await
                    .unwrap()
            })
        });
        let tasks: Vec<_> = tasks.collect();
        let mut allowed = 0;
        for t in tasks {
            if t.await.unwrap().is_none() {
                allowed += 1;
            }
        }
        assert_eq!(allowed, 3, "exactly the budget, however many ask at once");
        let rows: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM bot_code_requests WHERE subject = $1")
                .bind(phone)
                .fetch_one(storages[0].pool())
                .await
                .unwrap();
        assert_eq!(rows, 3);
    }
}

/// A spent budget says how long until the oldest request that keeps it full leaves the window,
/// also when more requests are on record than the limit asked now (a budget lowered since).
async fn budget_wait_is_until_room_comes_back(storage: &Storage) {
    let take = |limit: u32, minutes: i64| {
        let storage = storage.clone();
        async move {
            storage
                .take_code_budget(
                    &[("phone:+79201112233", limit)],
                    chrono::Duration::hours(1),
                    t0() + chrono::Duration::minutes(minutes),
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(take(2, 0).await, None);
    assert_eq!(take(2, 10).await, None);
    // Full: room when the request of 10:00 leaves the window at 11:00.
    assert_eq!(take(2, 20).await, Some(chrono::Duration::minutes(40)));
    // A limit of 3 takes a third; then, at a limit of 2, the second oldest (10:10) counts.
    assert_eq!(take(3, 20).await, None);
    assert_eq!(take(2, 30).await, Some(chrono::Duration::minutes(40)));
    // After the window the oldest are gone.
    assert_eq!(take(2, 75).await, None);
}

async fn linked(storage: &Storage) {
    let phone = Phone::parse("+7 920 765 43 21", Region::RU).unwrap();
    let session = Session::new("loyalclient", SecretString::from("79207654321"));
    let at = t0();
    for (m, c) in [
        ("telegram", "1"),
        ("max", "2"),
        ("viber", "3"),
        ("telegram", "4"),
    ] {
        let key = ChatKey::new(m, c);
        storage
            .touch_user(&key, &Profile::default(), "ru", at)
            .await
            .unwrap();
    }
    for (m, c, provider, secs) in [
        ("telegram", "1", "loyalclient", 1),
        ("max", "2", "loyalclient", 2),
        ("telegram", "4", "ergo", 3),
    ] {
        storage
            .set_authorized(
                &ChatKey::new(m, c),
                phone.e164(),
                provider,
                &session,
                at + chrono::Duration::seconds(secs),
            )
            .await
            .unwrap();
    }
    // Most recent first; another programme's chat and a chat not logged in are not linked.
    let all = linked_chats(storage, "loyalclient", &phone, None)
        .await
        .unwrap();
    assert_eq!(
        all,
        vec![ChatKey::new("max", "2"), ChatKey::new("telegram", "1")]
    );
    // Never the chat that asks.
    let asking = ChatKey::new("max", "2");
    let others = linked_chats(storage, "loyalclient", &phone, Some(&asking))
        .await
        .unwrap();
    assert_eq!(others, vec![ChatKey::new("telegram", "1")]);
    // Logged out or blocked: no longer linked.
    storage
        .clear_session(&ChatKey::new("telegram", "1"))
        .await
        .unwrap();
    storage
        .set_inactive(&ChatKey::new("max", "2"))
        .await
        .unwrap();
    assert!(
        linked_chats(storage, "loyalclient", &phone, None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn exercise(url: &str) {
    let storage = Storage::connect(url).await.unwrap();
    codes_round_trip(&storage).await;
    linked(&storage).await;
    budget_wait_is_until_room_comes_back(&storage).await;
    let mut instances = vec![storage];
    if !url.starts_with("sqlite:") {
        // Two more instances on the same database (SQLite has one writer per file anyway).
        instances.push(Storage::connect(url).await.unwrap());
        instances.push(Storage::connect(url).await.unwrap());
    }
    budget_has_no_race(&instances).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_code_store() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("codes.db").display());
    exercise(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_code_store() {
    let Some(url) = pg::server("PostgreSQL code store test") else {
        return;
    };
    let db = pg::FreshDb::create(&url, "bot_codes").await;
    exercise(&db.url).await;
    db.drop_now().await;
}
