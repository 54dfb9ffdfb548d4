//! A panel on a loopback port over an in-memory backend with known data, and an HTTP client that
//! signs in like a browser (cookies and CSRF tokens handled by hand, redirects not followed).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use calamine::Reader as _;
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use control_panel::demo::{MemoryBackend, text, user};
use control_panel::{DailyFigures, Panel, PanelConfig, PanelStore, Role};
use reqwest::header::{COOKIE, SET_COOKIE};
use secrecy::SecretString;

pub const ADMIN: (&str, &str) = ("root", "root-password-1");
pub const OPERATOR: (&str, &str) = ("op1", "operator-password-1");

/// reqwest is built without a crypto provider of its own (plain HTTP here, but it insists).
pub fn http_client() -> reqwest::Client {
    http_support::ensure_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day(s).and_hms_opt(10, 0, 0).unwrap())
}

/// "Now" in every test: 2026-12-07 12:00 UTC, plus whatever a test adds.
pub fn base_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap()
}

pub struct Harness {
    pub base: String,
    pub backend: Arc<MemoryBackend>,
    pub store: PanelStore,
    pub offset_secs: Arc<AtomicI64>,
    _server: tokio::task::JoinHandle<()>,
}

/// Known data: bot `ergo` (telegram, viber) and bot `pharmacy` (telegram, max).
pub fn known_backend() -> MemoryBackend {
    let b = MemoryBackend::new();
    b.add_bot("ergo", "ERGO CLUB", "ergo", &["telegram", "viber"]);
    b.add_bot("pharmacy", "Pharmacy Plus", "manzana", &["telegram", "max"]);
    b.set_codes("ergo", control_panel::demo::code_settings());
    b.set_codes("pharmacy", control_panel::demo::code_settings());
    // ergo: 3 telegram users (1 blocked), 2 viber users.
    let users = [
        (
            "telegram",
            "101",
            Some("+380671112233"),
            "Olena Koval",
            "2026-11-30",
            "2026-12-06",
            true,
        ),
        (
            "telegram",
            "102",
            Some("+380501234567"),
            "Ivan Petrenko",
            "2026-12-01",
            "2026-12-02",
            false,
        ),
        (
            "telegram",
            "103",
            None,
            "Andrii Bondar",
            "2026-12-03",
            "2026-12-07",
            true,
        ),
        (
            "viber",
            "v-201",
            Some("+380931110000"),
            "Maria Shevchenko",
            "2026-12-06",
            "2026-12-06",
            true,
        ),
        (
            "viber",
            "v-202",
            Some("+380671119999"),
            "Serhii Ivanov",
            "2026-12-07",
            "2026-12-07",
            true,
        ),
    ];
    for (m, id, phone, name, first, last, active) in users {
        let mut u = user(m, id, phone, name, at(first), at(last), active);
        u.programme = vec![
            ("balance".into(), "120 bonus".into()),
            ("level".into(), "Gold".into()),
        ];
        u.segment = vec![("city".into(), "Kyiv".into())];
        b.add_user("ergo", u);
    }
    b.add_user(
        "pharmacy",
        user(
            "max",
            "9001",
            Some("+79990001122"),
            "Secret Pharmacy User",
            at("2026-12-01"),
            at("2026-12-05"),
            true,
        ),
    );
    let fig = |m: &str, d: &str, n, i, o| DailyFigures {
        messenger: m.into(),
        day: day(d),
        new_subscribers: n,
        messages_in: i,
        messages_out: o,
    };
    for f in [
        fig("telegram", "2026-11-30", 1, 4, 5),
        fig("telegram", "2026-12-01", 1, 2, 3),
        fig("telegram", "2026-12-03", 1, 6, 7),
        fig("viber", "2026-12-06", 1, 3, 3),
        fig("viber", "2026-12-07", 1, 1, 2),
        fig("telegram", "2026-12-07", 0, 10, 12),
    ] {
        b.add_day("ergo", f);
    }
    b.add_day("pharmacy", fig("max", "2026-12-05", 7, 70, 77));
    for bot in ["ergo", "pharmacy"] {
        b.add_text(
            bot,
            text(
                "welcome",
                "Greeting",
                "Вітаємо, {name}!",
                "Здравствуйте, {name}!",
                "Welcome, {name}!",
                &["name"],
                100,
            ),
        );
        b.add_text(
            bot,
            text(
                "balance",
                "Balance",
                "Баланс: {points}",
                "Баланс: {points}",
                "Balance: {points}",
                &["points"],
                50,
            ),
        );
    }
    b
}

impl Harness {
    pub async fn start() -> Self {
        Self::start_with(PanelConfig::default()).await
    }

    pub async fn start_with(config: PanelConfig) -> Self {
        let store = PanelStore::connect("sqlite::memory:").await.unwrap();
        let now = base_now();
        assert!(
            store
                .bootstrap_admin(ADMIN.0, &SecretString::from(ADMIN.1.to_owned()), now)
                .await
                .unwrap()
        );
        store
            .create_account(
                OPERATOR.0,
                &SecretString::from(OPERATOR.1.to_owned()),
                Role::Operator,
                &["ergo".to_owned()],
                now,
            )
            .await
            .unwrap();
        let backend = Arc::new(known_backend());
        let offset_secs = Arc::new(AtomicI64::new(0));
        let off = offset_secs.clone();
        let clock: control_panel::Clock =
            Arc::new(move || base_now() + Duration::seconds(off.load(Ordering::SeqCst)));
        let panel = Panel::with_clock(store.clone(), backend.clone(), config, clock);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            panel.serve(listener).await.unwrap();
        });
        Self {
            base: format!("http://{addr}"),
            backend,
            store,
            offset_secs,
            _server: server,
        }
    }

    pub fn advance(&self, d: Duration) {
        self.offset_secs
            .fetch_add(d.num_seconds(), Ordering::SeqCst);
    }

    pub fn anon(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: http_client(),
            cookies: Vec::new(),
            csrf: None,
        }
    }

    pub async fn login(&self, who: (&str, &str)) -> Client {
        let mut c = self.anon();
        let res = c.try_login(who.0, who.1).await;
        assert_eq!(res.status(), 303, "login of {}", who.0);
        c.refresh_csrf().await;
        c
    }
}

/// The value of `name="csrf" value="…"` in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let i = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(html[i..].split('"').next()?.to_owned())
}

pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: Vec<(String, String)>,
    pub csrf: Option<String>,
}

impl Client {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn keep_cookies(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all(SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (kv, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !attrs.contains("Max-Age=0") {
                self.cookies.push((k.to_owned(), val.to_owned()));
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        res
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&res);
        res
    }

    /// A form post with this session's CSRF token added.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf.clone().expect("signed in");
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    pub async fn try_login(&mut self, login: &str, password: &str) -> reqwest::Response {
        let page = self.get("/login").await.text().await.unwrap();
        let token = csrf_in(&page).unwrap();
        self.post_form(
            "/login",
            &[("csrf", &token), ("login", login), ("password", password)],
        )
        .await
    }

    pub async fn refresh_csrf(&mut self) {
        let page = self.get("/bots").await.text().await.unwrap();
        self.csrf = csrf_in(&page);
    }

    pub fn session_cookie(&self) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == "panel_session")
            .map(|(_, v)| v.clone())
    }
}

/// A bearer-token client for the JSON API.
pub struct Api {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: base.into(),
            token: token.into(),
            http: http_client(),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

/// Rows of the `Figures` and `Subscribers` sheets (headers dropped), every cell as text.
pub fn read_xlsx(bytes: &[u8]) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut sheet = |name: &str| -> Vec<Vec<String>> {
        let range = book.worksheet_range(name).unwrap();
        range
            .rows()
            .skip(1)
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        calamine::Data::Float(f) => format!("{f}"),
                        calamine::Data::Int(i) => i.to_string(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect()
    };
    (sheet("Figures"), sheet("Subscribers"))
}
