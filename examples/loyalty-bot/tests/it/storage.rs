//! Storage against SQLite (always) and PostgreSQL (`LOYALTY_BOT_TEST_POSTGRES_URL`; required in CI).
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use crate::common::pg;

use chrono::{TimeZone, Utc};
use loyalty_bot::storage::{Backend, ChatKey, Direction, Profile, Storage};
use loyalty_core::{ExposeSecret, SecretString, Session};

async fn exercise(storage: &Storage, messenger: &str) {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
    let key = ChatKey::new(messenger, "12345");
    let profile = Profile {
        user_id: Some("777".into()),
        first_name: Some("<b>&\"".into()),
        last_name: None,
        username: Some("olena".into()),
    };

    // First contact creates the user; a second touch keeps the created time.
    let u = storage.touch_user(&key, &profile, "uk", t0).await.unwrap();
    assert_eq!(u.language, "uk");
    assert_eq!(u.profile, profile);
    assert!(u.active);
    assert_eq!(u.created_at, t0);
    let t1 = t0 + chrono::Duration::minutes(5);
    let u = storage
        .touch_user(&key, &Profile::default(), "ru", t1)
        .await
        .unwrap();
    assert_eq!(u.created_at, t0);
    assert_eq!(u.last_activity, t1);
    assert_eq!(u.language, "uk", "the language is kept");
    assert_eq!(
        u.profile.first_name.as_deref(),
        Some("<b>&\""),
        "missing fields do not erase"
    );

    // Authorization stores the session (with its secret) and the phone.
    let session = Session::new("ergo", SecretString::from("sess-SECRET")).with_customer_id("c-1");
    storage
        .set_authorized(&key, "+380889993366", "ergo", &session, t1)
        .await
        .unwrap();
    let u = storage.user(&key).await.unwrap().unwrap();
    assert_eq!(u.phone.as_deref(), Some("+380889993366"));
    assert_eq!(u.customer_id.as_deref(), Some("c-1"));
    let back = u.session.as_ref().unwrap().decode().unwrap();
    assert_eq!(back.token().expose_secret(), "sess-SECRET");
    assert!(!format!("{u:?}").contains("sess-SECRET"));
    assert!(!format!("{u:?}").contains("889993366"));
    storage
        .set_authorized(
            &key,
            "+380670000000",
            "ergo",
            &session,
            t1 + chrono::Duration::seconds(1),
        )
        .await
        .unwrap();
    assert_eq!(
        storage.auth_phones(&key).await.unwrap(),
        vec!["+380670000000".to_owned(), "+380889993366".to_owned()]
    );
    assert_eq!(
        storage.chats_of_customer("ergo", "c-1").await.unwrap(),
        vec![key.clone()]
    );
    storage.clear_session(&key).await.unwrap();
    assert!(storage.user(&key).await.unwrap().unwrap().session.is_none());

    // Language, segments, inactivity.
    storage.set_language(&key, "ru").await.unwrap();
    storage
        .set_segment_attr(&key, "city", serde_json::json!("Київ"))
        .await
        .unwrap();
    storage
        .set_segment_attr(&key, "seller", serde_json::json!(true))
        .await
        .unwrap();
    let u = storage.user(&key).await.unwrap().unwrap();
    assert_eq!(u.language, "ru");
    assert_eq!(
        u.segment,
        serde_json::json!({"city": "Київ", "seller": true})
    );
    storage.set_inactive(&key).await.unwrap();
    assert!(
        storage
            .chats_of_customer("ergo", "c-1")
            .await
            .unwrap()
            .is_empty()
    );
    storage
        .touch_user(&key, &Profile::default(), "uk", t1)
        .await
        .unwrap();
    assert_eq!(
        storage
            .chats_of_customer("ergo", "c-1")
            .await
            .unwrap()
            .len(),
        1
    );

    // Conversation states, the inbox and the outbox live in the runtime's store (tested in
    // messenger-runtime); it shares this database.
    assert_eq!(
        storage
            .runtime_store()
            .state(messenger, &key.chat_id)
            .await
            .unwrap(),
        None
    );

    // Cursors, message log (notification events are claimed by the runtime's store).
    assert_eq!(storage.cursor("telegram.offset").await.unwrap(), None);
    storage.set_cursor("telegram.offset", "41").await.unwrap();
    storage.set_cursor("telegram.offset", "42").await.unwrap();
    assert_eq!(
        storage.cursor("telegram.offset").await.unwrap().as_deref(),
        Some("42")
    );
    storage
        .log_message(&key, Direction::Incoming, "text", Some("hi"), t1)
        .await
        .unwrap();
    storage
        .log_message(&key, Direction::Outgoing, "text", Some("hello"), t1)
        .await
        .unwrap();
    storage
        .log_message(&key, Direction::Outgoing, "photo", None, t1)
        .await
        .unwrap();
    assert_eq!(storage.message_counts(messenger).await.unwrap(), (1, 2));

    // Reads made at the same time are grouped; each gets its own chat's user, or none.
    for i in 0..120 {
        let k = ChatKey::new(messenger, format!("b{i}"));
        let p = Profile {
            first_name: Some(format!("n{i}")),
            ..Profile::default()
        };
        storage.touch_user(&k, &p, "uk", t1).await.unwrap();
    }
    let mut reads = tokio::task::JoinSet::new();
    for i in 0..130 {
        let k = ChatKey::new(messenger, format!("b{i}"));
        let s = storage.clone();
        reads.spawn(async move { (i, s.user_batched(&k).await.unwrap()) });
    }
    while let Some(read) = reads.join_next().await {
        let (i, user) = read.unwrap();
        if i < 120 {
            let user = user.unwrap();
            assert_eq!(user.key.chat_id, format!("b{i}"));
            assert_eq!(user.profile.first_name, Some(format!("n{i}")));
        } else {
            assert!(user.is_none(), "b{i} was never written");
        }
    }
}

/// Broadcast audiences (issue 19) against known users: every filter narrows, inactive users are
/// never reached, the order is first contact.
async fn segments(storage: &Storage) {
    use loyalty_bot::storage::Segment;
    let before = storage.audience_count(&Segment::everyone()).await.unwrap();
    // (messenger, chat, language, phone, active, first contact, last activity)
    let users = [
        (
            "viber",
            "v1=",
            "uk",
            Some("+380501112233"),
            1,
            "2026-01-10",
            "2026-11-30",
        ),
        ("viber", "v2=", "ru", None, 1, "2026-03-01", "2026-12-01"),
        (
            "viber",
            "v3=",
            "uk",
            Some("+380501112234"),
            0,
            "2026-02-01",
            "2026-12-02",
        ),
        (
            "max",
            "501",
            "ru",
            Some("+79001112233"),
            1,
            "2026-05-05",
            "2026-06-01",
        ),
        ("max", "502", "uk", None, 1, "2026-07-07", "2026-12-05"),
        (
            "max",
            "503",
            "ru",
            Some("+79001112234"),
            1,
            "2026-08-08",
            "2026-08-09",
        ),
    ];
    for (m, chat, lang, phone, active, first, last) in users {
        sqlx::query(
            "INSERT INTO bot_users (messenger, chat_id, language, phone, segment, active, created_at, last_activity)
             VALUES ($1, $2, $3, $4, 'customer', $5, $6, $7)",
        )
        .bind(m)
        .bind(chat)
        .bind(lang)
        .bind(phone)
        .bind(active)
        .bind(format!("{first}T09:00:00.000000Z"))
        .bind(format!("{last}T09:00:00.000000Z"))
        .execute(storage.pool())
        .await
        .unwrap();
    }
    let day = |d: &str| {
        chrono::DateTime::parse_from_rfc3339(&format!("{d}T00:00:00Z"))
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let chats = async |s: &Segment| -> Vec<String> {
        storage
            .audience(s)
            .await
            .unwrap()
            .into_iter()
            .map(|k| format!("{}:{}", k.messenger, k.chat_id))
            .collect()
    };
    // Everyone active: five more than before (v3= blocked the bot).
    assert_eq!(
        storage.audience_count(&Segment::everyone()).await.unwrap(),
        before + 5
    );
    let viber_max = Segment::everyone().messenger("viber").messenger("max");
    assert_eq!(
        chats(&viber_max).await,
        ["viber:v1=", "viber:v2=", "max:501", "max:502", "max:503"]
    );
    assert_eq!(
        chats(&viber_max.clone().language("ru")).await,
        ["viber:v2=", "max:501", "max:503"]
    );
    assert_eq!(
        chats(&viber_max.clone().with_phone(true)).await,
        ["viber:v1=", "max:501", "max:503"]
    );
    assert_eq!(
        chats(&viber_max.clone().with_phone(false)).await,
        ["viber:v2=", "max:502"]
    );
    // First contact in [March, August): v2=, 501, 502.
    let spring = viber_max
        .clone()
        .first_contact(Some(day("2026-03-01")), Some(day("2026-08-01")));
    assert_eq!(chats(&spring).await, ["viber:v2=", "max:501", "max:502"]);
    assert_eq!(storage.audience_count(&spring).await.unwrap(), 3);
    // Active since December: v2=, 502 (v3= is inactive).
    let recent = viber_max
        .clone()
        .last_activity(Some(day("2026-12-01")), None);
    assert_eq!(chats(&recent).await, ["viber:v2=", "max:502"]);
    // Filters combine.
    let one = Segment::everyone()
        .messenger("max")
        .language("ru")
        .last_activity(None, Some(day("2026-07-01")));
    assert_eq!(chats(&one).await, ["max:501"]);
    // A filter that matches nobody.
    assert_eq!(
        storage
            .audience_count(&Segment::everyone().messenger("telegram").language("de"))
            .await
            .unwrap(),
        0
    );
    // Programme data: the level cached from the provider (v3= is inactive: never reached).
    for (chat, level) in [
        ("v1=", "Gold"),
        ("v3=", "Gold"),
        ("501", "Silver"),
        ("503", "Gold"),
    ] {
        sqlx::query("UPDATE bot_users SET level = $1 WHERE chat_id = $2")
            .bind(level)
            .bind(chat)
            .execute(storage.pool())
            .await
            .unwrap();
    }
    assert_eq!(
        chats(&Segment::everyone().level("Gold")).await,
        ["viber:v1=", "max:503"]
    );
    assert_eq!(
        chats(&Segment::everyone().level("Gold").level("Silver")).await,
        ["viber:v1=", "max:501", "max:503"]
    );
    assert_eq!(
        chats(&Segment::everyone().level("Silver").language("uk")).await,
        Vec::<String>::new()
    );
    // Custom attributes: every pair must match, values compare as text (the first part of the
    // PostgreSQL test gave telegram:12345 a city too, hence viber and MAX only).
    let set = async |m: &str, chat: &str, k: &str, v: serde_json::Value| {
        storage
            .set_segment_attr(&ChatKey::new(m, chat), k, v)
            .await
            .unwrap();
    };
    set("viber", "v1=", "city", serde_json::json!("Київ")).await;
    set("viber", "v2=", "city", serde_json::json!("Львів")).await;
    set("max", "502", "city", serde_json::json!("Київ")).await;
    set("max", "502", "seller", serde_json::json!(true)).await;
    set("viber", "v3=", "city", serde_json::json!("Київ")).await;
    assert_eq!(
        chats(&viber_max.clone().attribute("city", "Київ")).await,
        ["viber:v1=", "max:502"]
    );
    assert_eq!(
        chats(
            &viber_max
                .clone()
                .attribute("city", "Київ")
                .attribute("seller", "true")
        )
        .await,
        ["max:502"]
    );
    assert_eq!(
        storage
            .audience_count(&viber_max.clone().attribute("city", "київ"))
            .await
            .unwrap(),
        0,
        "values compare exactly"
    );
    // A changed value replaces the old one; null removes it.
    set("viber", "v1=", "city", serde_json::json!("Одеса")).await;
    set("max", "502", "seller", serde_json::Value::Null).await;
    assert_eq!(
        chats(&viber_max.clone().attribute("city", "Київ")).await,
        ["max:502"]
    );
    assert_eq!(
        storage
            .audience_count(&viber_max.clone().attribute("seller", "true"))
            .await
            .unwrap(),
        0
    );
    // Attributes and the level combine with the other filters.
    assert_eq!(
        chats(
            &Segment::everyone()
                .messenger("viber")
                .level("Gold")
                .attribute("city", "Одеса")
        )
        .await,
        ["viber:v1="]
    );
    let (levels, keys) = storage.audience_options(50).await.unwrap();
    assert_eq!(levels, ["Gold", "Silver"]);
    assert!(keys.contains(&"city".to_owned()), "{keys:?}");
}

#[tokio::test]
async fn broadcast_audiences_follow_their_filters() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&url).await.unwrap();
    segments(&storage).await;
}

#[tokio::test]
async fn sqlite_file_survives_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&url).await.unwrap();
    assert_eq!(storage.backend(), Backend::Sqlite);
    exercise(&storage, "telegram").await;
    drop(storage);
    // A new process on the same file sees the same state, and migrations do not re-run.
    let storage = Storage::connect(&url).await.unwrap();
    let key = ChatKey::new("telegram", "12345");
    assert!(storage.user(&key).await.unwrap().is_some());
    assert_eq!(
        storage.cursor("telegram.offset").await.unwrap().as_deref(),
        Some("42")
    );
}

#[tokio::test]
async fn postgres_backend_behaves_the_same() {
    let Some(url) = pg::server("PostgreSQL storage test") else {
        return;
    };
    let db = pg::FreshDb::create(&url, "bot_test").await;
    let storage = Storage::connect(&db.url).await.unwrap();
    assert_eq!(storage.backend(), Backend::Postgres);
    exercise(&storage, "telegram").await;
    segments(&storage).await;
    drop(storage);
    db.drop_now().await;
}

#[tokio::test]
async fn unsupported_urls_are_refused_clearly() {
    let err = Storage::connect("mysql://x").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "DATABASE_URL must start with sqlite: or postgres: (got \"mysql\")"
    );
}

/// A database made before migration 0010 gets its users' segment documents copied into
/// `bot_user_attributes` (strings as themselves, other values as JSON, nulls left out), so
/// segments filter on the attributes it already had.
#[tokio::test]
async fn an_older_database_gets_its_attributes_for_segments() {
    use loyalty_bot::storage::Segment;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&url).await.unwrap();
    // Undo 0010 to get the older schema, with a user whose document has attributes.
    for sql in [
        "DROP TABLE bot_user_attributes",
        "DROP TABLE bot_broadcasts",
        "DROP INDEX bot_users_level",
        "ALTER TABLE bot_users DROP COLUMN level",
        "DELETE FROM bot_schema_version WHERE version = 10",
        "INSERT INTO bot_users (messenger, chat_id, language, segment, active, created_at, last_activity)
         VALUES ('viber', 'old=', 'uk', '{\"city\":\"Київ\",\"vip\":true,\"gone\":null}', 1,
                 '2026-01-01T00:00:00.000000Z', '2026-01-02T00:00:00.000000Z')",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(storage.pool())
            .await
            .unwrap();
    }
    drop(storage);
    let storage = Storage::connect(&url).await.unwrap();
    let reach = async |s: Segment| storage.audience_count(&s).await.unwrap();
    assert_eq!(
        reach(Segment::everyone().attribute("city", "Київ")).await,
        1
    );
    assert_eq!(reach(Segment::everyone().attribute("vip", "true")).await, 1);
    assert_eq!(
        reach(Segment::everyone().attribute("gone", "null")).await,
        0
    );
    assert_eq!(reach(Segment::everyone().level("Gold")).await, 0);
}
