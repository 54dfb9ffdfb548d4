//! The sandbox's behaviour over HTTP: codes and cool-downs, sessions, blocking, every error code
//! the seed lists for registration, questions, the admin surface, and bad input.
// Test helpers may unwrap: a panic there is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeZone, Utc};
use loyalty_core::{Clock, LoyaltyError, ManualClock, Phone, Region, Session};
use loyalty_ergo::{
    DataType, ErgoClient, ErgoErrorExt, ErgoErrorKind, ErgoMethod, ErgoSandbox, Photo,
    SandboxConfig, SnModelRegistration,
};
use serde_json::{Value, json};

const TEST: &str = "380889993366";
const OLENA: &str = "380501112233";
const BLOCKED: &str = "380671234567";

struct Env {
    sandbox: ErgoSandbox,
    clock: Arc<ManualClock>,
    client: ErgoClient,
    http: reqwest::Client,
}

async fn env() -> Env {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap(),
    ));
    let sandbox = ErgoSandbox::start_with(
        SandboxConfig::new()
            .clock(clock.clone())
            .session_ttl(Duration::from_secs(3600))
            .code_cooldown(Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let client = sandbox.client().unwrap();
    loyalty_core::http::ensure_crypto_provider();
    Env {
        sandbox,
        clock,
        client,
        http: reqwest::Client::new(),
    }
}

fn phone(digits: &str) -> Phone {
    Phone::parse(&format!("+{digits}"), Region::UA).unwrap()
}

impl Env {
    async fn login(&self, digits: &str) -> Session {
        let p = phone(digits);
        self.client.get_auth_code(&p).await.unwrap();
        let code = self.sandbox.last_code(digits).unwrap();
        self.client.get_token(&p, &code).await.unwrap().to_session()
    }

    fn now(&self) -> NaiveDateTime {
        self.clock.now().naive_utc()
    }

    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path}", self.sandbox.admin_url());
        let req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url),
        };
        let req = match body {
            Some(b) => req.json(&b),
            None => req,
        };
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    async fn raw(&self, body: reqwest::Body, ctype: &str) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}api/mobile/", self.sandbox.base_url()))
            .header("content-type", ctype)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

fn kind(err: &LoyaltyError, m: ErgoMethod) -> ErgoErrorKind {
    err.ergo()
        .unwrap_or_else(|| panic!("not an ERGO error: {err:?}"))
        .kind(m)
}

#[tokio::test]
async fn codes_per_phone_with_a_cool_down() {
    let e = env().await;
    let c = &e.client;
    let err = c.get_auth_code(&phone("380999999999")).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::NotFound { .. }), "{err:?}");
    let err = c.get_auth_code(&phone(BLOCKED)).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Blocked { .. }), "{err:?}");

    c.get_auth_code(&phone(TEST)).await.unwrap();
    let first = e.sandbox.last_code(TEST).unwrap();
    // Another phone is not affected by this phone's pending code.
    c.get_auth_code(&phone(OLENA)).await.unwrap();
    e.clock.advance(chrono::Duration::seconds(59));
    let err = c.get_auth_code(&phone(TEST)).await.unwrap_err();
    assert_eq!(
        kind(&err, ErgoMethod::GetAuthCode),
        ErgoErrorKind::CodeAlreadySent
    );
    e.clock.advance(chrono::Duration::seconds(2));
    c.get_auth_code(&phone(TEST)).await.unwrap();
    let second = e.sandbox.last_code(TEST).unwrap();
    // The new code replaces the old one (they may coincide by chance: 1 in 10 000).
    if first != second {
        let err = c.get_token(&phone(TEST), &first).await.unwrap_err();
        assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    }
    let t = c.get_token(&phone(TEST), &second).await.unwrap();
    assert_eq!(t.user_name.as_deref(), Some("Test"));
    // A code is single-use.
    let err = c.get_token(&phone(TEST), &second).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    // GetToken for an unknown phone / a blocked seller.
    let err = c.get_token(&phone("380999999999"), "1").await.unwrap_err();
    assert!(matches!(err, LoyaltyError::NotFound { .. }), "{err:?}");
    let err = c.get_token(&phone(BLOCKED), "1").await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Blocked { .. }), "{err:?}");
}

#[tokio::test]
async fn sessions_expire_are_checked_and_follow_blocking() {
    let e = env().await;
    let s = e.login(TEST).await;
    e.client.get_profile(&s).await.unwrap();

    let bogus = Session::new("ergo", loyalty_core::SecretString::from("nope"));
    let err = e.client.get_profile(&bogus).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    assert_eq!(
        kind(&err, ErgoMethod::GetProfile),
        ErgoErrorKind::SessionIncorrect
    );

    // Blocking via the admin surface: code 3 on the next call; unblocking restores it.
    let (status, body) = e
        .admin("POST", &format!("sellers/{TEST}/block"), None)
        .await;
    assert_eq!((status, body["active"].clone()), (200, json!(false)));
    let err = e.client.get_news(&s).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Blocked { .. }), "{err:?}");
    let (status, _) = e
        .admin("POST", &format!("sellers/{TEST}/unblock"), None)
        .await;
    assert_eq!(status, 200);
    e.client.get_news(&s).await.unwrap();
    let (status, _) = e.admin("POST", "sellers/380000000000/block", None).await;
    assert_eq!(status, 404);

    // Expiring via the admin surface.
    let (status, body) = e
        .admin("POST", &format!("sessions/expire?phone={TEST}"), None)
        .await;
    assert_eq!((status, body["expired"].clone()), (200, json!(1)));
    let err = e.client.get_actions(&s).await.unwrap_err();
    assert_eq!(
        kind(&err, ErgoMethod::GetActions),
        ErgoErrorKind::SessionExpired
    );

    // Expiring by time.
    let s = e.login(TEST).await;
    e.clock.advance(chrono::Duration::minutes(59));
    e.client.get_notices(&s).await.unwrap();
    e.clock.advance(chrono::Duration::minutes(2));
    let err = e.client.get_notices(&s).await.unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    assert_eq!(err.provider_code(), Some("1"));
}

#[tokio::test]
async fn post_sn_error_codes() {
    let e = env().await;
    let s = e.login(TEST).await;
    let c = &e.client;
    let m = ErgoMethod::PostSN;
    let err = c.post_sn(&s, "MULTI001").await.unwrap_err();
    assert_eq!(kind(&err, m), ErgoErrorKind::SeveralActions);
    assert_eq!(err.provider_code(), Some("17"));
    let err = c.post_sn(&s, "OLD0001").await.unwrap_err();
    assert_eq!(kind(&err, m), ErgoErrorKind::SerialNotInAction);
    assert_eq!(err.provider_code(), Some("13"));
    let err = c.post_sn(&s, "NOPE12345").await.unwrap_err();
    assert_eq!(kind(&err, m), ErgoErrorKind::SerialNotInAction);
    assert_eq!(err.provider_code(), Some("16"));
    let err = c.post_sn(&s, "!!").await.unwrap_err();
    assert_eq!(kind(&err, m), ErgoErrorKind::SerialInvalid);
    // Seeded as already paid out.
    let err = c.post_sn(&s, "LED0000").await.unwrap_err();
    assert_eq!(kind(&err, m), ErgoErrorKind::SerialAlreadyRegistered);
    // A model that needs a trade point: result 2.
    let out = c.post_sn(&s, "STD0001").await.unwrap();
    assert!(
        matches!(
            out,
            loyalty_ergo::SnOutcome::NeedsClarification {
                model_id: Some(1512),
                ..
            }
        ),
        "{out:?}"
    );
}

#[tokio::test]
async fn post_sn_model_error_codes() {
    let e = env().await;
    let s = e.login(TEST).await;
    let c = &e.client;
    let m = ErgoMethod::PostSNModel;
    let now = e.now();
    let cases: Vec<(SnModelRegistration, &str, ErgoErrorKind)> = vec![
        (
            SnModelRegistration::new(999, 1511, "SN9001", now),
            "11",
            ErgoErrorKind::ActionUnknown,
        ),
        (
            SnModelRegistration::new(160, 1600, "SN9002", now),
            "12",
            ErgoErrorKind::ActionEnded,
        ),
        (
            SnModelRegistration::new(147, 9999, "SN9003", now),
            "13",
            ErgoErrorKind::SerialNotInAction,
        ),
        (
            SnModelRegistration::new(147, 1512, "SN9004", now),
            "14",
            ErgoErrorKind::TradePointInvalid,
        ),
        (
            SnModelRegistration::new(147, 1512, "SN9005", now).trade_point(2001),
            "14",
            ErgoErrorKind::TradePointInvalid,
        ),
        (
            SnModelRegistration::new(17, 17, "SN9006", now),
            "15",
            ErgoErrorKind::PhotoRequired,
        ),
        (
            SnModelRegistration::new(17, 17, "SN9007", now).photo(Photo::new(
                b"hello".to_vec(),
                "a.txt",
                "text/plain",
            )),
            "14",
            ErgoErrorKind::PhotoInvalid,
        ),
        (
            SnModelRegistration::new(17, 17, "SN9008", now).photo(Photo::jpeg(Vec::new(), "e.jpg")),
            "14",
            ErgoErrorKind::PhotoInvalid,
        ),
        (
            SnModelRegistration::new(147, 1511, "LED0000", now),
            "16",
            ErgoErrorKind::SerialAlreadyRegistered,
        ),
        (
            SnModelRegistration::new(147, 1511, "TV0002", now),
            "16",
            ErgoErrorKind::SerialNotInAction,
        ),
        (
            SnModelRegistration::new(147, 1511, "?", now),
            "16",
            ErgoErrorKind::SerialInvalid,
        ),
    ];
    for (reg, code, want) in cases {
        let err = c.post_sn_model(&s, &reg).await.unwrap_err();
        assert_eq!(err.provider_code(), Some(code), "{reg:?}: {err:?}");
        assert_eq!(kind(&err, m), want, "{reg:?}");
    }
    // With the trade point it needs, model 1512 registers; a date in the future of the action
    // end is refused.
    let ok = SnModelRegistration::new(147, 1512, "SN9100", now).trade_point(45765);
    assert!(c.post_sn_model(&s, &ok).await.is_ok());
    let late = now + chrono::Duration::days(400);
    let err = c
        .post_sn_model(&s, &SnModelRegistration::new(147, 1511, "SN9101", late))
        .await
        .unwrap_err();
    assert_eq!(kind(&err, m), ErgoErrorKind::ActionEnded);
}

#[tokio::test]
async fn questions_are_stored() {
    let e = env().await;
    let s = e.login(OLENA).await;
    let r = e
        .client
        .post_question(
            &s,
            "Коли нарахують бонус?",
            Some(&Photo::new(vec![1, 2, 3], "q.png", "image/png")),
        )
        .await
        .unwrap();
    assert_eq!(r.result, Some(1));
    e.client
        .post_question(&s, "Друге питання", None)
        .await
        .unwrap();
    let qs = e.sandbox.questions();
    assert_eq!(qs.len(), 2);
    assert_eq!(qs[0].phone, OLENA);
    assert_eq!(qs[0].question, "Коли нарахують бонус?");
    assert_eq!(qs[0].file_name.as_deref(), Some("q.png"));
    assert_eq!(qs[0].file_type.as_deref(), Some("image/png"));
    assert_eq!(qs[0].file_size, 3);
    assert_eq!(qs[1].file_size, 0);
    let (status, body) = e.admin("GET", "questions", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["questions"][1]["question"], "Друге питання");
}

#[tokio::test]
async fn admin_adds_actions_news_notices_and_changes_report_them() {
    let e = env().await;
    let s = e.login(TEST).await;
    let c = &e.client;
    assert!(!c.get_changes(&s).await.unwrap().has_changes());

    let (status, body) = e
        .admin(
            "POST",
            "actions",
            Some(json!({
                "action_id": 500,
                "action_name": "Нова акція",
                "action_type_id": 1,
                "action_date_from": "2026-11-01",
                "action_date_to": "2026-12-31",
                "models": [{"model_id": "5001", "model_name": "ERGO Kettle", "model_pionts": 40,
                            "model_imei": "1", "model_photo": "0", "model_tt": "0"}]
            })),
        )
        .await;
    assert_eq!((status, body["action_id"].clone()), (201, json!(500)));
    let (status, _) = e
        .admin(
            "POST",
            "serials",
            Some(json!({"serial": "KETTLE01", "action_id": 500, "model_id": 5001})),
        )
        .await;
    assert_eq!(status, 201);
    let changes = c.get_changes(&s).await.unwrap();
    assert!(changes.contains(&DataType::Actions), "{changes:?}");
    // Reported once.
    assert!(!c.get_changes(&s).await.unwrap().has_changes());
    let actions = c.get_actions(&s).await.unwrap();
    assert_eq!(
        actions.model(500, 5001).unwrap().model_points,
        loyalty_core::Decimal::from(40)
    );
    let out = c.post_sn(&s, "KETTLE01").await.unwrap();
    assert!(
        matches!(out, loyalty_ergo::SnOutcome::Registered(ref r) if r.action_id == Some(500)),
        "{out:?}"
    );

    let (status, body) = e
        .admin(
            "POST",
            "news",
            Some(json!({"article_name": "Новина", "article_notice": "Анонс", "article_text": "<p>Текст</p>"})),
        )
        .await;
    assert_eq!(status, 201);
    let id = body["article_id"].as_u64().unwrap();
    let news = c.get_news(&s).await.unwrap();
    assert_eq!(news.news[0].article_id, id);
    assert_eq!(news.news[0].article_name.as_deref(), Some("Новина"));
    assert_eq!(
        c.get_article(&s, id).await.unwrap().article_text,
        "<p>Текст</p>"
    );

    let (status, _) = e
        .admin(
            "POST",
            "notices",
            Some(json!({"notice_name": "Увага", "notice_text": "Текст"})),
        )
        .await;
    assert_eq!(status, 201);
    assert!(
        c.get_changes(&s)
            .await
            .unwrap()
            .contains(&DataType::Notices)
    );
    let notices = c.get_notices(&s).await.unwrap();
    assert!(
        notices
            .notices
            .iter()
            .any(|n| n.notice_name.as_deref() == Some("Увага"))
    );

    // Bad admin input: 400, not a crash.
    let (status, _) = e
        .admin("POST", "actions", Some(json!({"action_name": 1})))
        .await;
    assert_eq!(status, 400);
    let (status, _) = e.admin("GET", "codes/380000000000", None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn profile_update_is_kept() {
    let e = env().await;
    let s = e.login(TEST).await;
    let p = e
        .client
        .post_profile(
            &s,
            &loyalty_ergo::ProfileUpdate::new().user_email("new@ergo.test"),
        )
        .await
        .unwrap();
    assert_eq!(p.user_email.as_deref(), Some("new@ergo.test"));
    assert_eq!(p.user_name.as_deref(), Some("Test"));
    let p = e.client.get_profile(&s).await.unwrap();
    assert_eq!(p.user_email.as_deref(), Some("new@ergo.test"));
    let tts: Vec<u64> = p.trade_points.iter().map(|t| t.tt_id).collect();
    assert_eq!(tts, [1771, 45765]);
}

#[tokio::test]
async fn bad_input_gets_an_error_answer_and_the_server_survives() {
    let e = env().await;
    let cases: Vec<(reqwest::Body, &str)> = vec![
        ("{not json".into(), "application/json"),
        ("".into(), "application/json"),
        ("[1,2,3]".into(), "application/json"),
        ("{\"method\": 5}".into(), "application/json"),
        ("{\"session\": \"x\"}".into(), "application/json"),
        (
            "{\u{201c}method\u{201d}: \u{201c}GetNews\u{201d}}".into(),
            "application/json",
        ),
        (vec![0xFFu8, 0xFE, 0x00].into(), "application/octet-stream"),
        ("--x\r\nbroken".into(), "multipart/form-data; boundary=x"),
        ("whatever".into(), "multipart/form-data"),
    ];
    for (body, ctype) in cases {
        let (status, v) = e.raw(body, ctype).await;
        assert_eq!(status, 400, "{ctype}: {v}");
        // No invented code: the seed documents none for an unreadable request.
        assert!(v.get("error").is_none(), "{v}");
        assert!(v["comment"].is_string(), "{v}");
    }
    let (status, v) = e
        .raw("{\"method\": \"GetBonuses\"}".into(), "application/json")
        .await;
    assert_eq!(status, 400);
    assert_eq!(v["methodresponse"], "GetBonuses");
    // Known method, missing fields: ERGO's own error codes.
    let (status, v) = e
        .raw("{\"method\": \"GetProfile\"}".into(), "application/json")
        .await;
    assert_eq!((status, v["error"]["code"].clone()), (200, json!(2)));
    let (status, v) = e
        .raw(
            "{\"method\": \" GetAuthCode \", \"phone\": null}".into(),
            "application/json",
        )
        .await;
    assert_eq!((status, v["error"]["code"].clone()), (200, json!(1)));
    assert_eq!(v["methodresponse"], "GetAuthCode");
    // Still alive.
    let s = e.login(TEST).await;
    assert!(e.client.get_profile(&s).await.is_ok());
}

#[tokio::test]
async fn latency_delays_api_calls_but_not_the_admin_surface() {
    let sandbox = ErgoSandbox::start_with(SandboxConfig::new().latency(Duration::from_millis(300)))
        .await
        .unwrap();
    let client = sandbox.client().unwrap();
    loyalty_core::http::ensure_crypto_provider();
    let started = std::time::Instant::now();
    client.get_auth_code(&phone(TEST)).await.unwrap();
    let api = started.elapsed();
    assert!(api >= Duration::from_millis(300), "answered after {api:?}");

    let started = std::time::Instant::now();
    let resp = reqwest::Client::new()
        .get(format!("{}codes/{TEST}", sandbox.admin_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let admin = started.elapsed();
    assert!(
        admin < Duration::from_millis(300),
        "admin answered after {admin:?}"
    );

    // Concurrent calls wait side by side, not one after another.
    let started = std::time::Instant::now();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let c = client.clone();
        calls.spawn(async move { c.get_auth_code(&phone(OLENA)).await });
    }
    while calls.join_next().await.is_some() {}
    let eight = started.elapsed();
    assert!(
        eight < Duration::from_millis(900),
        "8 concurrent calls took {eight:?}"
    );
}
