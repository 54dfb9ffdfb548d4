//! The control panel's view of the bot (`loyalty_bot::panel::BotPanel`) over the bot's real
//! storage: users search/sort/paging, profiles, statistics from `bot_users` and
//! `bot_message_log`, and text edits that change what the running bot sends and survive a restart.
//! SQLite always, PostgreSQL too when `LOYALTY_BOT_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used)]

use crate::common::pg;

use std::sync::Arc;

use chrono::{NaiveDate, TimeZone, Utc};
use control_panel::{BotInfo, PanelBackend, PanelStore, UserKey, UserSort, UsersQuery};
use loyalty_bot::panel::BotPanel;
use loyalty_bot::storage::{ChatKey, Direction, Profile, Storage};
use loyalty_bot::texts::{Lang, TextKey, Texts};
use loyalty_core::{SecretString, Session};

fn bot_info(id: &str) -> BotInfo {
    BotInfo {
        id: id.into(),
        name: "ERGO CLUB".into(),
        programme: "ergo".into(),
        messengers: vec!["telegram".into(), "viber".into()],
    }
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn exercise(storage: &Storage, bot: &str) {
    let t = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap();
    let sfx = bot; // chat ids are unique per run on a shared PostgreSQL
    let users = [
        (
            "telegram",
            "1",
            "Olena",
            "Koval",
            Some("+380671112233"),
            t(1, 9),
        ),
        ("telegram", "2", "Ivan", "Petrenko", None, t(2, 9)),
        (
            "viber",
            "3",
            "Maria",
            "Shevchenko",
            Some("+380501234567"),
            t(2, 10),
        ),
    ];
    for (m, id, first, last, phone, at) in users {
        let key = ChatKey::new(m, format!("{sfx}-{id}"));
        let profile = Profile {
            user_id: Some(id.into()),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            username: None,
        };
        storage.touch_user(&key, &profile, "uk", at).await.unwrap();
        if let Some(p) = phone {
            let session =
                Session::new("ergo", SecretString::from("sess-SECRET")).with_customer_id("c-1");
            storage
                .set_authorized(&key, p, "ergo", &session, at)
                .await
                .unwrap();
        }
        storage
            .log_message(&key, Direction::Incoming, "text", Some("Баланс"), at)
            .await
            .unwrap();
        storage
            .log_message(&key, Direction::Outgoing, "text", Some("Ваш баланс: 5"), at)
            .await
            .unwrap();
    }
    let blocked = ChatKey::new("telegram", format!("{sfx}-2"));
    storage.set_inactive(&blocked).await.unwrap();
    storage
        .set_segment_attr(
            &ChatKey::new("telegram", format!("{sfx}-1")),
            "city",
            serde_json::json!("Київ"),
        )
        .await
        .unwrap();

    let store = PanelStore::from_pool(storage.pool().clone()).await.unwrap();
    let texts = Arc::new(Texts::built_in());
    let panel = BotPanel::new(
        storage.pool().clone(),
        texts.clone(),
        store.clone(),
        bot_info(bot),
    );

    // Users: search by phone digits and by name, sorting, paging, count.
    let q = |search: Option<&str>, sort, descending, offset, limit| UsersQuery {
        search: search.map(str::to_owned),
        sort,
        descending,
        offset,
        limit,
    };
    let ids = |p: &control_panel::UsersPage| -> Vec<String> {
        p.users.iter().map(|u| u.key.user_id.clone()).collect()
    };
    // On a shared PostgreSQL earlier runs left users with the same phones: "contains" there.
    let private = storage.backend() == loyalty_bot::storage::Backend::Sqlite;
    // Other tests' users share the phone there, and sort before or after ours: a page of all.
    let limit = if private { 10 } else { 10_000 };
    let page = panel
        .users(bot, &q(Some("067 111"), UserSort::Phone, false, 0, limit))
        .await
        .unwrap();
    assert!(ids(&page).contains(&format!("{sfx}-1")));
    assert!(!ids(&page).contains(&format!("{sfx}-3")));
    if private {
        assert_eq!(ids(&page), [format!("{sfx}-1")]);
    }
    let page = panel
        .users(bot, &q(Some("petrenko"), UserSort::Name, false, 0, limit))
        .await
        .unwrap();
    let me = page
        .users
        .iter()
        .find(|u| u.key.user_id == format!("{sfx}-2"))
        .unwrap();
    assert_eq!(me.name.as_deref(), Some("Ivan Petrenko"));
    assert!(!me.active);
    assert!(
        page.users
            .iter()
            .all(|u| u.name.as_deref() == Some("Ivan Petrenko"))
    );
    let page = panel
        .users(
            bot,
            &q(Some("nobody-by-this-name"), UserSort::Name, false, 0, 10),
        )
        .await
        .unwrap();
    assert_eq!(page.total, 0);
    if private {
        // Whole-table queries only on the private SQLite database.
        let page = panel
            .users(bot, &q(None, UserSort::Phone, false, 0, 10))
            .await
            .unwrap();
        assert_eq!(
            ids(&page),
            [format!("{sfx}-3"), format!("{sfx}-1"), format!("{sfx}-2")]
        );
        let page = panel
            .users(bot, &q(None, UserSort::FirstContact, true, 1, 1))
            .await
            .unwrap();
        assert_eq!(page.total, 3);
        assert_eq!(ids(&page), [format!("{sfx}-2")]);

        // Statistics.
        let raw = panel
            .stats(bot, day("2026-12-01"), day("2026-12-02"))
            .await
            .unwrap();
        assert_eq!(raw.totals["telegram"].total, 2);
        assert_eq!(raw.totals["telegram"].blocked, 1);
        assert_eq!(raw.totals["viber"].active, 1);
        let r = control_panel::stats::aggregate(
            bot,
            &raw,
            day("2026-12-01"),
            day("2026-12-02"),
            control_panel::Granularity::Day,
            None,
        );
        let figs: Vec<_> = r
            .series
            .iter()
            .map(|b| (b.new_subscribers, b.messages_in, b.messages_out))
            .collect();
        assert_eq!(figs, [(1, 1, 1), (2, 2, 2)]);
        let raw = panel
            .stats(bot, day("2026-12-02"), day("2026-12-02"))
            .await
            .unwrap();
        assert_eq!(raw.days.iter().map(|d| d.new_subscribers).sum::<u64>(), 2);
    }

    // The profile.
    let p = panel
        .user(
            bot,
            &UserKey {
                messenger: "telegram".into(),
                user_id: format!("{sfx}-1"),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.summary.phone.as_deref(), Some("+380671112233"));
    assert_eq!(p.phones, ["+380671112233"]);
    assert_eq!(p.segment, [("city".to_string(), "Київ".to_string())]);
    assert!(
        p.programme
            .contains(&("provider".to_string(), "ergo".to_string()))
    );
    assert!(
        !format!("{p:?}").contains("sess-SECRET"),
        "the provider session never reaches the panel"
    );
    assert_eq!(p.recent_messages.len(), 2);
    assert!(
        panel
            .user(
                bot,
                &UserKey {
                    messenger: "telegram".into(),
                    user_id: "nobody".into()
                }
            )
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        panel
            .users("other-bot", &q(None, UserSort::Name, false, 0, 10))
            .await
            .is_err()
    );

    // Texts: the catalogue, a live edit the engine's view sees at once, kept across a restart.
    let catalogue = panel.texts(bot).await.unwrap();
    let balance = catalogue.iter().find(|t| t.key == "balance").unwrap();
    assert!(!balance.placeholders.is_empty());
    assert!(balance.defaults.contains_key("uk") && balance.defaults.contains_key("ru"));
    let edited = format!(
        "Панель: {}",
        balance
            .placeholders
            .iter()
            .map(|p| format!("{{{p}}}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    panel.set_text(bot, "balance", "uk", &edited).await.unwrap();
    assert_eq!(texts.get(Lang::Uk, TextKey::Balance), edited);
    assert!(panel.set_text(bot, "balance", "en", &edited).await.is_err());
    let restarted = Arc::new(Texts::built_in());
    let panel2 = BotPanel::new(
        storage.pool().clone(),
        restarted.clone(),
        store.clone(),
        bot_info(bot),
    );
    assert_eq!(panel2.apply_saved_texts().await.unwrap(), 1);
    assert_eq!(restarted.get(Lang::Uk, TextKey::Balance), edited);
    panel2.reset_text(bot, "balance", "uk").await.unwrap();
    assert_eq!(
        restarted.get(Lang::Uk, TextKey::Balance),
        Texts::built_in().get(Lang::Uk, TextKey::Balance)
    );
    assert_eq!(store.text_overrides(bot).await.unwrap().len(), 0);
}

#[tokio::test]
async fn panel_view_on_sqlite() {
    let storage = Storage::connect("sqlite::memory:").await.unwrap();
    exercise(&storage, "ergo").await;
}

#[tokio::test]
async fn panel_view_on_postgres() {
    let Some(url) = pg::server("PostgreSQL panel test") else {
        return;
    };
    let storage = Storage::connect(&url).await.unwrap();
    let bot = format!("pg{}", control_panel::store::random_hex(4).unwrap());
    exercise(&storage, &bot).await;
}

/// 100 000 users: every page is one bounded query; the last page and a phone search come back
/// with only their rows, and quickly.
#[tokio::test]
async fn a_hundred_thousand_users_page_without_loading_them_all() {
    let storage = Storage::connect("sqlite::memory:").await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO bot_users (messenger, chat_id, user_id, first_name, last_name, username, language,
                                phone, segment, active, created_at, last_activity)
         SELECT CASE WHEN i % 2 = 0 THEN 'telegram' ELSE 'viber' END, 'c' || i, 'u' || i,
                'Name' || i, NULL, NULL, 'uk', '+38067' || SUBSTR('0000000' || i, -7, 7), '{}', 1,
                '2026-01-01T00:00:00.000000Z', '2026-12-01T00:00:00.000000Z'
         FROM n",
    )
    .execute(storage.pool())
    .await
    .unwrap();
    let store = PanelStore::from_pool(storage.pool().clone()).await.unwrap();
    let panel = BotPanel::new(
        storage.pool().clone(),
        Arc::new(Texts::built_in()),
        store,
        bot_info("ergo"),
    );
    let started = std::time::Instant::now();
    let last = panel
        .users(
            "ergo",
            &UsersQuery {
                search: None,
                sort: UserSort::Phone,
                descending: false,
                offset: 99_950,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(last.total, 100_000);
    assert_eq!(last.users.len(), 50);
    assert_eq!(last.users[49].phone.as_deref(), Some("+380670100000"));
    let found = panel
        .users(
            "ergo",
            &UsersQuery {
                search: Some("067 0012345".into()),
                sort: UserSort::LastActivity,
                descending: true,
                offset: 0,
                limit: 50,
            },
        )
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(found.users[0].key.user_id, "c12345");
    let elapsed = started.elapsed();
    assert!(elapsed < std::time::Duration::from_secs(10), "{elapsed:?}");
}

fn form(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// `panel::start` as the bot calls it: the first administrator from the settings, saved texts
/// re-applied, the panel served; signing in over HTTP works and a text edit reaches the engine's
/// catalogue.
#[tokio::test]
async fn start_serves_the_panel_with_the_first_administrator() {
    loyalty_core::http::ensure_crypto_provider();
    let storage = Storage::connect("sqlite::memory:").await.unwrap();
    let settings = loyalty_bot::panel::PanelSettings::from_vars(|k| match k {
        "PANEL_LISTEN_ADDR" => Some("127.0.0.1:0".into()),
        "PANEL_ADMIN_LOGIN" => Some("boss".into()),
        "PANEL_ADMIN_PASSWORD" => Some("boss-password-1".into()),
        _ => None,
    })
    .unwrap();
    let texts = Arc::new(Texts::built_in());
    let info = loyalty_bot::panel::bot_info("ergo", ["console".to_string()]);
    let (addr, task) = loyalty_bot::panel::start(
        &settings,
        &storage,
        texts.clone(),
        info,
        None,
        None,
        None,
        None,
        true,
    )
    .await
    .unwrap()
    .unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = format!("http://{addr}");
    // Sign in through the form (double-submit CSRF token from the sign-in page).
    let page = http.get(format!("{base}/login")).send().await.unwrap();
    let cookie = page.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let i = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let csrf = html[i..].split('"').next().unwrap().to_owned();
    let res = http
        .post(format!("{base}/login"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("csrf", csrf.as_str()),
            ("login", "boss"),
            ("password", "boss-password-1"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("panel_session="))
        .unwrap();
    let bots: serde_json::Value = http
        .get(format!("{base}/api/v1/bots"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bots["bots"][0]["id"], "ergo");
    assert_eq!(bots["bots"][0]["name"], "ERGO CLUB");
    // A text edited through the panel's JSON API is what the engine's catalogue gives now.
    let page = http
        .get(format!("{base}/bots/ergo/texts"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    let i = html.find("name=\"csrf\" value=\"").unwrap() + "name=\"csrf\" value=\"".len();
    let csrf = html[i..].split('"').next().unwrap().to_owned();
    let catalogue: serde_json::Value = http
        .get(format!("{base}/api/v1/bots/ergo/texts"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = catalogue["texts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["key"] == "balance")
        .unwrap();
    let value = format!(
        "Зараз: {}",
        entry["placeholders"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{{{}}}", p.as_str().unwrap()))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let res = http
        .post(format!("{base}/bots/ergo/texts/balance/uk"))
        .header("cookie", &session)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("csrf", csrf.as_str()), ("value", value.as_str())]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(texts.get(Lang::Uk, TextKey::Balance), value);
    task.abort();
}

/// A provider whose balance depends on the session's token: `live` answers, `old` has expired.
struct LiveProvider;

#[async_trait::async_trait]
impl loyalty_core::LoyaltyProvider for LiveProvider {
    fn name(&self) -> &'static str {
        "ergo"
    }

    fn capabilities(&self) -> loyalty_core::Capabilities {
        loyalty_core::Capabilities::of(&[loyalty_core::Capability::Balance])
    }

    async fn balance(
        &self,
        session: &Session,
    ) -> Result<loyalty_core::Balance, loyalty_core::LoyaltyError> {
        use loyalty_core::ExposeSecret;
        match session.token().expose_secret() {
            "live-SECRET" => {
                let mut b = loyalty_core::Balance::new("1250.50".parse().unwrap());
                b.pending = "20".parse().unwrap();
                b.level = Some(loyalty_core::Level::new("Gold"));
                Ok(b)
            }
            _ => Err(loyalty_core::LoyaltyError::SessionExpired {
                detail: loyalty_core::ProviderDetail::message("token expired"),
            }),
        }
    }
}

/// A profile shows the provider's live figures for the session the user logged in with, says
/// so when there is none or it expired, and never shows the session itself.
#[tokio::test]
async fn a_profile_shows_the_providers_live_balance() {
    let storage = Storage::connect("sqlite::memory:").await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    for (id, token) in [
        ("1", Some("live-SECRET")),
        ("2", Some("old-SECRET")),
        ("3", None),
    ] {
        let key = ChatKey::new("telegram", id);
        storage
            .touch_user(&key, &Profile::default(), "uk", at)
            .await
            .unwrap();
        if let Some(t) = token {
            let session = Session::new("ergo", SecretString::from(t));
            storage
                .set_authorized(&key, "+380671112233", "ergo", &session, at)
                .await
                .unwrap();
        }
    }
    let store = PanelStore::from_pool(storage.pool().clone()).await.unwrap();
    let panel = BotPanel::new(
        storage.pool().clone(),
        Arc::new(Texts::built_in()),
        store,
        bot_info("ergo"),
    )
    .with_provider(Arc::new(LiveProvider));
    let programme = |id: &str| {
        let panel = panel.clone();
        let key = UserKey {
            messenger: "telegram".into(),
            user_id: id.into(),
        };
        async move {
            let p = panel.user("ergo", &key).await.unwrap().unwrap();
            assert!(
                !format!("{p:?}").contains("SECRET"),
                "the session leaked into the profile"
            );
            p.programme
                .into_iter()
                .filter(|(k, _)| k != "provider")
                .collect::<Vec<_>>()
        }
    };
    let kv = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    assert_eq!(
        programme("1").await,
        kv(&[("balance", "1250.5"), ("pending", "20"), ("level", "Gold")])
    );
    assert_eq!(programme("2").await, kv(&[("balance", "session expired")]));
    assert_eq!(programme("3").await, kv(&[("balance", "not logged in")]));
}

/// The users search folds case with Unicode rules on SQLite too (its `LOWER()` folds only
/// ASCII), treats `%` and `_` as text, and a user stored before the search key existed is
/// found after the migration that adds it.
#[tokio::test]
async fn the_users_search_folds_cyrillic_case_and_escapes_wildcards() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bot.db").display());
    let storage = Storage::connect(&url).await.unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    for (id, first, last) in [("1", "Олена", "Коваль"), ("2", "Іван", "Петренко_100%")]
    {
        let profile = Profile {
            user_id: Some(id.into()),
            first_name: Some(first.into()),
            last_name: Some(last.into()),
            username: None,
        };
        storage
            .touch_user(&ChatKey::new("telegram", id), &profile, "uk", at)
            .await
            .unwrap();
    }
    // A user written before migration 6 (no search key): the migration fills it in.
    sqlx::query(
        "INSERT INTO bot_users (messenger, chat_id, first_name, last_name, language, segment, active, created_at, last_activity)
         VALUES ('viber', '3', 'МАРІЯ', 'Шевченко', 'uk', '{}', 1, '2026-12-01T09:00:00Z', '2026-12-01T09:00:00Z')",
    )
    .execute(storage.pool())
    .await
    .unwrap();
    sqlx::query("DELETE FROM bot_schema_version WHERE version = 6")
        .execute(storage.pool())
        .await
        .unwrap();
    for stmt in [
        "DROP INDEX bot_users_phone",
        "DROP INDEX bot_users_created",
        "DROP INDEX bot_users_activity",
        "DROP INDEX bot_users_search",
        "DROP INDEX bot_message_log_at",
        "ALTER TABLE bot_users DROP COLUMN search_name",
    ] {
        sqlx::query(stmt).execute(storage.pool()).await.unwrap();
    }
    drop(storage);
    let storage = Storage::connect(&url).await.unwrap();

    let store = PanelStore::from_pool(storage.pool().clone()).await.unwrap();
    let panel = BotPanel::new(
        storage.pool().clone(),
        Arc::new(Texts::built_in()),
        store,
        bot_info("ergo"),
    );
    let find = |s: &str| {
        let panel = panel.clone();
        let q = UsersQuery {
            search: Some(s.to_owned()),
            sort: UserSort::Name,
            descending: false,
            offset: 0,
            limit: 10,
        };
        async move {
            panel
                .users("ergo", &q)
                .await
                .unwrap()
                .users
                .into_iter()
                .map(|u| u.key.user_id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(find("олена").await, ["1"]);
    assert_eq!(find("КОВАЛЬ").await, ["1"]);
    assert_eq!(find("марія").await, ["3"], "filled in by the migration");
    assert_eq!(find("_100%").await, ["2"]);
    // As wildcards, `о%а` and `о_е` would match "олена коваль": escaped, they are text.
    assert!(find("о%а").await.is_empty(), "a % in the search is text");
    assert!(find("о_е").await.is_empty(), "a _ in the search is text");
    assert_eq!(find("%").await, ["2"], "only Петренко_100% has a %");
}
