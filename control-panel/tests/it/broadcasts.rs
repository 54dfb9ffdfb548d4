//! The Broadcasts routes against a recording backend (the demo data of `common`, plus
//! broadcasts kept in memory): what reaches the backend is exactly what was composed, a text a
//! platform of the audience would refuse is refused before sending, a bot without broadcasts
//! has no Broadcasts pages, every route checks the bot like the other pages, and an upload over
//! the limit, a broken form or a file that is not a picture is refused with a reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{NaiveDate, Utc};
use control_panel::demo::MemoryBackend;
use control_panel::{
    AudienceFilter, AudienceOptions, BackendError, BotInfo, BroadcastAction, BroadcastDraft,
    BroadcastFigures, BroadcastOrder, BroadcastSummary, Panel, PanelBackend, PanelConfig,
    PanelStore, RawStats, Role, TextEntry, UserKey, UserProfile, UsersPage, UsersQuery,
};
use reqwest::multipart::{Form, Part};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;

/// The demo backend with broadcasts for bot `ergo` (telegram, viber) only.
struct Recording {
    inner: MemoryBackend,
    orders: Mutex<Vec<BroadcastOrder>>,
    tests: Mutex<Vec<(BroadcastDraft, UserKey)>>,
    actions: Mutex<Vec<BroadcastAction>>,
}

#[async_trait]
impl PanelBackend for Recording {
    async fn bots(&self) -> Result<Vec<BotInfo>, BackendError> {
        self.inner.bots().await
    }
    async fn stats(&self, b: &str, f: NaiveDate, t: NaiveDate) -> Result<RawStats, BackendError> {
        self.inner.stats(b, f, t).await
    }
    async fn users(&self, b: &str, q: &UsersQuery) -> Result<UsersPage, BackendError> {
        self.inner.users(b, q).await
    }
    async fn user(&self, b: &str, k: &UserKey) -> Result<Option<UserProfile>, BackendError> {
        self.inner.user(b, k).await
    }
    async fn texts(&self, b: &str) -> Result<Vec<TextEntry>, BackendError> {
        self.inner.texts(b).await
    }
    async fn set_text(&self, b: &str, k: &str, l: &str, v: &str) -> Result<(), BackendError> {
        self.inner.set_text(b, k, l, v).await
    }
    async fn reset_text(&self, b: &str, k: &str, l: &str) -> Result<(), BackendError> {
        self.inner.reset_text(b, k, l).await
    }
    async fn audience_options(&self, bot: &str) -> Result<AudienceOptions, BackendError> {
        let info = self.inner.bots().await?;
        let b = info.iter().find(|b| b.id == bot).unwrap();
        Ok(AudienceOptions {
            messengers: b.messengers.clone(),
            languages: vec!["uk".into(), "ru".into()],
            levels: vec!["Gold".into()],
            attribute_keys: vec!["city".into()],
        })
    }
    async fn audience_count(&self, _bot: &str, f: &AudienceFilter) -> Result<u64, BackendError> {
        // Four active users on telegram and viber in the demo data; one per messenger filter.
        Ok(if f.messengers.is_empty() {
            4
        } else {
            f.messengers.len() as u64
        })
    }
    async fn broadcasts_enabled(&self, bot: &str) -> bool {
        bot == "ergo"
    }
    async fn broadcast_create(&self, _b: &str, o: &BroadcastOrder) -> Result<String, BackendError> {
        let mut orders = self.orders.lock().unwrap();
        orders.push(o.clone());
        Ok(format!("b{}", orders.len()))
    }
    async fn broadcast_test(
        &self,
        _b: &str,
        d: &BroadcastDraft,
        to: &UserKey,
    ) -> Result<(), BackendError> {
        self.tests.lock().unwrap().push((d.clone(), to.clone()));
        Ok(())
    }
    async fn broadcast(
        &self,
        _b: &str,
        id: &str,
    ) -> Result<Option<BroadcastSummary>, BackendError> {
        let orders = self.orders.lock().unwrap();
        let Some(o) = id
            .strip_prefix('b')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| orders.get(n - 1))
        else {
            return Ok(None);
        };
        let mut per_messenger = BTreeMap::new();
        per_messenger.insert(
            "telegram".to_owned(),
            BroadcastFigures {
                sent: 2,
                failed: 1,
                ..BroadcastFigures::default()
            },
        );
        per_messenger.insert(
            "viber".to_owned(),
            BroadcastFigures {
                delivered: 1,
                seen: 1,
                ..BroadcastFigures::default()
            },
        );
        Ok(Some(BroadcastSummary {
            id: id.to_owned(),
            state: "active".into(),
            text: o.draft.text.clone(),
            image: o.draft.image.is_some(),
            button: o.draft.button.clone(),
            audience: o.audience.clone(),
            author: o.author.clone(),
            created_at: Utc::now(),
            start_at: o.start_at.unwrap_or_else(Utc::now),
            per_messenger,
        }))
    }
    async fn broadcasts(&self, b: &str, limit: u32) -> Result<Vec<BroadcastSummary>, BackendError> {
        let n = self.orders.lock().unwrap().len();
        let mut out = Vec::new();
        for i in (1..=n).rev().take(limit as usize) {
            out.extend(self.broadcast(b, &format!("b{i}")).await?);
        }
        Ok(out)
    }
    async fn broadcast_control(
        &self,
        _b: &str,
        _id: &str,
        a: BroadcastAction,
    ) -> Result<bool, BackendError> {
        self.actions.lock().unwrap().push(a);
        Ok(true)
    }
}

struct Setup {
    base: String,
    backend: Arc<Recording>,
    store: PanelStore,
    http: reqwest::Client,
}

async fn setup() -> Setup {
    let store = PanelStore::connect("sqlite::memory:").await.unwrap();
    let now = Utc::now();
    let pw = SecretString::from("a-long-password-1".to_owned());
    store.bootstrap_admin("root", &pw, now).await.unwrap();
    for (login, bot) in [("op1", "ergo"), ("op2", "ergo"), ("pharm", "pharmacy")] {
        store
            .create_account(login, &pw, Role::Operator, &[bot.to_owned()], now)
            .await
            .unwrap();
    }
    let backend = Arc::new(Recording {
        inner: common::known_backend(),
        orders: Mutex::default(),
        tests: Mutex::default(),
        actions: Mutex::default(),
    });
    let panel = Panel::new(store.clone(), backend.clone(), PanelConfig::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(panel.serve(listener));
    Setup {
        base,
        backend,
        store,
        http: common::http_client(),
    }
}

impl Setup {
    async fn token(&self, login: &str) -> String {
        let (_, t) = self
            .store
            .create_token(login, "t", "root", Utc::now())
            .await
            .unwrap();
        t.expose_secret().to_owned()
    }

    async fn multipart(&self, token: &str, path: &str, form: Form) -> (u16, Value) {
        answer(
            self.http
                .post(format!("{}/api/v1{path}", self.base))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        answer(
            self.http
                .get(format!("{}/api/v1{path}", self.base))
                .bearer_auth(token),
        )
        .await
    }
}

/// The status and JSON body (`null` when it is not JSON) of a request.
async fn answer(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_backend_gets_exactly_what_was_composed() {
    let s = setup().await;
    let t = s.token("op1").await;
    let form = Form::new()
        .text(
            "text",
            "Привіт, *друзі*!\r\nДеталі: [тут](https://ergo.example/a)",
        )
        .text("button_label", " Каталог ")
        .text("button_url", "https://ergo.example/catalog")
        .text("aud_scope", "segment")
        .text("aud_messenger", "telegram")
        .text("aud_language", "uk")
        .text("aud_level", "Gold")
        .text("aud_attrs", "city = Kyiv")
        .text("aud_active_from", "2026-11-01")
        .text("start_at", "2099-01-02T03:04")
        .part(
            "image",
            Part::bytes(b"GIF89a-tiny".to_vec()).file_name("x.gif"),
        );
    let (status, j) = s.multipart(&t, "/bots/ergo/broadcasts", form).await;
    assert_eq!(status, 200, "{j}");
    assert_eq!(j["id"], "b1");
    assert_eq!(j["recipients"], 1);
    let o = s.backend.orders.lock().unwrap()[0].clone();
    assert_eq!(o.author, "op1");
    assert_eq!(
        o.draft.text,
        "Привіт, *друзі*!\nДеталі: [тут](https://ergo.example/a)"
    );
    assert_eq!(o.draft.image.as_ref().unwrap().mime, "image/gif");
    let b = o.draft.button.unwrap();
    assert_eq!(
        (b.label.as_str(), b.url.as_str()),
        ("Каталог", "https://ergo.example/catalog")
    );
    assert_eq!(o.audience.messengers, ["telegram"]);
    assert_eq!(o.audience.languages, ["uk"]);
    assert_eq!(o.audience.levels, ["Gold"]);
    assert_eq!(o.audience.attributes[0].key, "city");
    assert_eq!(o.audience.active_from, NaiveDate::from_ymd_opt(2026, 11, 1));
    assert_eq!(
        o.start_at.unwrap().to_rfc3339(),
        "2099-01-02T03:04:00+00:00"
    );
    // The broadcast's page: figures per messenger, Viber's delivered and seen included.
    let (status, j) = s.get(&t, "/bots/ergo/broadcasts/b/b1").await;
    assert_eq!(status, 200);
    assert_eq!(j["broadcast"]["per_messenger"]["viber"]["seen"], 1);
    // The list as HTML: a broadcast whose start is ahead reads as scheduled.
    let html = s
        .http
        .get(format!("{}/bots/ergo/broadcasts", s.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-state=\"scheduled\""), "{html}");
    assert!(html.contains("заплановано"), "{html}");
    // Pause reaches the backend; op2 may pause but not cancel op1's broadcast.
    let t2 = s.token("op2").await;
    let post = async |token: &str, path: &str| {
        s.http
            .post(format!("{}/api/v1{path}", s.base))
            .bearer_auth(token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(post(&t2, "/bots/ergo/broadcasts/b/b1/pause").await, 200);
    assert_eq!(post(&t2, "/bots/ergo/broadcasts/b/b1/cancel").await, 403);
    assert_eq!(post(&t, "/bots/ergo/broadcasts/b/b1/cancel").await, 200);
    assert_eq!(post(&t, "/bots/ergo/broadcasts/b/b9/cancel").await, 404);
    assert_eq!(
        *s.backend.actions.lock().unwrap(),
        [BroadcastAction::Pause, BroadcastAction::Cancel]
    );
}

#[tokio::test]
async fn a_text_a_platform_of_the_audience_would_refuse_is_not_sent() {
    let s = setup().await;
    let t = s.token("op1").await;
    // 800 characters with a picture: within Telegram's caption (1024), over Viber's (512).
    let long = "а".repeat(800);
    let form = |messenger: Option<&str>| {
        let mut f = Form::new().text("text", long.clone()).part(
            "image",
            Part::bytes(b"\x89PNG\r\n\x1a\n..".to_vec()).file_name("p.png"),
        );
        if let Some(m) = messenger {
            f = f
                .text("aud_scope", "segment")
                .text("aud_messenger", m.to_owned());
        }
        f
    };
    let (status, j) = s.multipart(&t, "/bots/ergo/broadcasts", form(None)).await;
    assert_eq!(status, 400, "{j}");
    assert!(j["message"].as_str().unwrap().starts_with("viber:"), "{j}");
    // The page's script says it has a picture without sending it again: the same limits.
    let (status, j) = s
        .multipart(
            &t,
            "/bots/ergo/broadcasts/preview",
            Form::new()
                .text("text", long.clone())
                .text("has_image", "1"),
        )
        .await;
    assert_eq!(status, 200, "{j}");
    assert_eq!(j["previews"][0]["limit"], 1024);
    assert_eq!(j["previews"][0]["refused"], false);
    assert_eq!(j["previews"][1]["refused"], true);
    let (status, j) = s
        .multipart(&t, "/bots/ergo/broadcasts", form(Some("telegram")))
        .await;
    assert_eq!(status, 200, "{j}");
    assert_eq!(s.backend.orders.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn every_broadcast_route_checks_the_bot() {
    let s = setup().await;
    let pharm = s.token("pharm").await;
    let root = s.token("root").await;
    for path in [
        "/bots/ergo/broadcasts",
        "/bots/ergo/broadcasts/new",
        "/bots/ergo/broadcasts/b/b1",
        "/bots/ergo/broadcasts/b/b1/image",
        "/bots/ergo/broadcasts/b/b1/events",
        "/bots/ergo/audience/count?aud_scope=all",
    ] {
        assert_eq!(s.get(&pharm, path).await.0, 403, "{path}");
    }
    for path in [
        "/bots/ergo/broadcasts",
        "/bots/ergo/broadcasts/preview",
        "/bots/ergo/broadcasts/test",
    ] {
        let (status, _) = s
            .multipart(&pharm, path, Form::new().text("text", "x"))
            .await;
        assert_eq!(status, 403, "{path}");
    }
    // A bot without broadcasts has no Broadcasts pages (and its audience is not counted).
    assert_eq!(s.get(&pharm, "/bots/pharmacy/broadcasts").await.0, 404);
    assert_eq!(s.get(&root, "/bots/pharmacy/broadcasts/new").await.0, 404);
    // The administrator sees every bot's; the test goes to the chat picked first.
    let (status, j) = s
        .multipart(
            &root,
            "/bots/ergo/broadcasts/test",
            Form::new().text("text", "x"),
        )
        .await;
    assert_eq!(status, 400, "{j}");
    let res = s
        .http
        .post(format!("{}/api/v1/bots/ergo/broadcasts/test-chat", s.base))
        .bearer_auth(&root)
        .json(&serde_json::json!({"search": "Olena"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, j) = s
        .multipart(
            &root,
            "/bots/ergo/broadcasts/test",
            Form::new().text("text", "_Тест_"),
        )
        .await;
    assert_eq!(status, 200, "{j}");
    let tests = s.backend.tests.lock().unwrap().clone();
    assert_eq!(tests.len(), 1);
    assert_eq!(tests[0].0.text, "_Тест_");
    assert_eq!(tests[0].1.user_id, "101");
}

/// The compose form read as multipart: a body over the route's limit is 413 `too_large` with
/// the picture message in the caller's language, a broken multipart body is 400 `invalid`,
/// a picture that is not one is 415 `not_an_image`; nothing reaches the backend.
#[tokio::test]
async fn oversized_and_broken_uploads_are_refused_with_a_reason() {
    let s = setup().await;
    let t = s.token("op1").await;
    let post = || {
        s.http
            .post(format!("{}/api/v1/bots/ergo/broadcasts", s.base))
            .bearer_auth(&t)
    };
    let mut huge = b"\x89PNG\r\n\x1a\n".to_vec();
    huge.resize(control_panel::SUPPORT_PHOTO_MAX + 512 * 1024, 0);
    let form = Form::new()
        .text("text", "Привіт")
        .part("image", Part::bytes(huge).file_name("huge.png"));
    let (status, j) = answer(post().header("cookie", "panel_lang=ru").multipart(form)).await;
    assert_eq!(
        (status, j["error"].as_str(), j["message"].as_str()),
        (413, Some("too_large"), Some("Изображение больше 5 МБ.")),
    );
    let broken = "--XYZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nno end";
    let (status, j) = answer(
        post()
            .header("content-type", "multipart/form-data; boundary=XYZ")
            .body(broken),
    )
    .await;
    assert_eq!((status, j["error"].as_str()), (400, Some("invalid")), "{j}");
    let message = j["message"].as_str().unwrap();
    assert!(message.starts_with("unreadable form: "), "{message}");
    let (status, j) = s
        .multipart(
            &t,
            "/bots/ergo/broadcasts",
            Form::new().text("text", "Привіт").part(
                "image",
                Part::bytes(b"%PDF-1.7".to_vec()).file_name("a.png"),
            ),
        )
        .await;
    assert_eq!((status, j["error"].as_str()), (415, Some("not_an_image")));
    assert!(s.backend.orders.lock().unwrap().is_empty());
}
