//! Broadcast benchmark: N recipients through a real adapter (Telegram, Viber or MAX) against a
//! fake platform API that enforces the published rate (answers 429 when a sliding window holds
//! more), with an optional `kill -9` of the bot half-way and a restart. Reports the delivery time
//! against the ideal N / limit, the platform's 429s, duplicates, losses and the bot's peak RSS.
//!
//! ```sh
//! cargo bench -p messenger-runtime --bench broadcast -- run --messenger viber --n 100000
//! cargo bench -p messenger-runtime --bench broadcast -- run --messenger telegram --n 100000 --rate 1000 --kill-at 0.5
//! ```
//! Options: `--messenger telegram|viber|max`, `--n` recipients (default 100 000), `--rate` the
//! platform's limit in calls per period (default: the published one: Telegram and MAX 30/s,
//! Viber `broadcast_message` 500 per 10 s), `--kill-at F` (kill -9 the bot when a fraction F was
//! delivered, then restart it). The bot sends at the same rate it is told the platform allows.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader};
use std::num::NonZeroU32;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use messenger_core::{ChatRef, Messenger, MessengerKind, SecretString};
use messenger_runtime::{
    BroadcastConfig, BroadcastState, NewBroadcast, RateLimit, Reply, Runtime, RuntimeConfig, Store,
    StoreOptions,
};
use serde_json::{Value, json};

const TOKEN: &str = "123456:bench-token_0123456789";
const VIBER_TOKEN: &str = "4a7f2b-bench-viber-token";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Telegram,
    Viber,
    Max,
}

impl Kind {
    fn parse(s: &str) -> Self {
        match s {
            "telegram" => Self::Telegram,
            "viber" => Self::Viber,
            "max" => Self::Max,
            other => panic!("unknown messenger {other}"),
        }
    }
    fn name(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Viber => "viber",
            Self::Max => "max",
        }
    }
    /// The published limit: (calls, period) and recipients per call.
    fn published(self) -> (u32, Duration, usize) {
        match self {
            Self::Telegram | Self::Max => (30, Duration::from_secs(1), 1),
            Self::Viber => (500, Duration::from_secs(10), 300),
        }
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let kind = Kind::parse(&arg(&args, "--messenger").unwrap_or_else(|| "viber".into()));
    let (published, period, _) = kind.published();
    let rate: u32 = arg(&args, "--rate").map_or(published, |r| r.parse().unwrap());
    match args.first().map(String::as_str) {
        Some("platform") => platform(kind, rate, period),
        Some("bot") => bot(
            kind,
            rate,
            period,
            &arg(&args, "--api").unwrap(),
            &arg(&args, "--db").unwrap(),
            arg(&args, "--n").unwrap().parse().unwrap(),
        ),
        Some("run") | None => run(
            kind,
            rate,
            period,
            arg(&args, "--n").map_or(100_000, |n| n.parse().unwrap()),
            arg(&args, "--kill-at").map(|f| f.parse::<f64>().unwrap()),
        ),
        Some(other) => panic!("unknown command {other} (run, platform, bot)"),
    }
}

// ---------------------------------------------------------------------------------------------
// The fake platform.

struct Platform {
    kind: Kind,
    limit: usize,
    window: Duration,
    started: Instant,
    calls: Mutex<VecDeque<Instant>>,
    stats: Mutex<Stats>,
}

#[derive(Default)]
struct Stats {
    per_chat: HashMap<String, u32>,
    received: u64,
    calls: u64,
    rejected: u64,
    first_ms: Option<u128>,
    last_ms: u128,
    /// The longest pause between two accepted calls (with a kill: the restart), and when it
    /// ended (milliseconds since the Unix epoch, to compare with the bot's own trace).
    max_gap_ms: u128,
    max_gap_end_epoch_ms: u128,
}

fn epoch_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

impl Platform {
    /// Admits a call unless the sliding window already holds `limit` (the window is 5 % shorter
    /// than the period: real platforms measure over their own windows and tolerate jitter).
    fn admit(&self) -> bool {
        let now = Instant::now();
        let mut calls = self.calls.lock().unwrap();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            calls.pop_front();
        }
        if calls.len() >= self.limit {
            return false;
        }
        calls.push_back(now);
        true
    }

    fn record(&self, chats: impl IntoIterator<Item = String>) {
        let mut s = self.stats.lock().unwrap();
        // Read under the lock: calls record in the order of their times (a time read before
        // the lock could be older than the last one recorded).
        let ms = self.started.elapsed().as_millis();
        s.calls += 1;
        for c in chats {
            *s.per_chat.entry(c).or_default() += 1;
            s.received += 1;
        }
        if s.first_ms.is_some() && ms.saturating_sub(s.last_ms) > s.max_gap_ms {
            s.max_gap_ms = ms.saturating_sub(s.last_ms);
            s.max_gap_end_epoch_ms = epoch_ms();
        }
        s.first_ms.get_or_insert(ms);
        s.last_ms = ms;
    }

    fn reject(&self) -> Response {
        self.stats.lock().unwrap().rejected += 1;
        match self.kind {
            Kind::Telegram => (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({"ok": false, "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1}})),
            )
                .into_response(),
            Kind::Max => (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({"code": "too.many.requests", "message": "Too many requests"})),
            )
                .into_response(),
            Kind::Viber => (
                StatusCode::TOO_MANY_REQUESTS,
                axum::Json(json!({"status": 12, "status_message": "tooManyRequests"})),
            )
                .into_response(),
        }
    }
}

fn platform(kind: Kind, rate: u32, period: Duration) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let p = Arc::new(Platform {
            kind,
            limit: rate as usize,
            window: period.mul_f64(0.95),
            started: Instant::now(),
            calls: Mutex::new(VecDeque::new()),
            stats: Mutex::new(Stats::default()),
        });
        let app = Router::new()
            .route("/bot{token}/sendMessage", post(telegram_send))
            .route("/pa/broadcast_message", post(viber_broadcast))
            .route("/messages", post(max_send))
            .route("/stats", get(stats))
            .with_state(p);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("listening http://{}", listener.local_addr().unwrap());
        axum::serve(listener, app).await.unwrap();
    });
}

async fn telegram_send(
    State(p): State<Arc<Platform>>,
    Path(_token): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    if !p.admit() {
        return p.reject();
    }
    let chat = body["chat_id"].as_i64().unwrap_or(0);
    p.record([chat.to_string()]);
    axum::Json(
        json!({"ok": true, "result": {"message_id": 1, "date": 1_765_000_000,
        "chat": {"id": chat, "type": "private"}, "text": body["text"]}}),
    )
    .into_response()
}

async fn viber_broadcast(
    State(p): State<Arc<Platform>>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    if !p.admit() {
        return p.reject();
    }
    let list: Vec<String> = body["broadcast_list"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if list.len() > 300 {
        return (
            StatusCode::OK,
            axum::Json(json!({"status": 3, "status_message": "more than 300 receivers"})),
        )
            .into_response();
    }
    p.record(list);
    axum::Json(json!({"status": 0, "status_message": "ok", "message_token": 1, "failed_list": []}))
        .into_response()
}

async fn max_send(
    State(p): State<Arc<Platform>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !p.admit() {
        return p.reject();
    }
    let user = q.get("user_id").cloned().unwrap_or_default();
    p.record([user]);
    axum::Json(json!({"message": {"body": {"mid": "mid.bench", "text": "x"}}})).into_response()
}

async fn stats(State(p): State<Arc<Platform>>) -> axum::Json<Value> {
    let s = p.stats.lock().unwrap();
    let duplicates: u64 = s
        .per_chat
        .values()
        .map(|n| u64::from(n.saturating_sub(1)))
        .sum();
    axum::Json(json!({
        "received": s.received, "unique": s.per_chat.len(), "duplicates": duplicates,
        "calls": s.calls, "rejected_429": s.rejected,
        "first_ms": s.first_ms, "last_ms": s.last_ms,
        "max_gap_ms": s.max_gap_ms, "max_gap_end_epoch_ms": s.max_gap_end_epoch_ms,
    }))
}

// ---------------------------------------------------------------------------------------------
// The bot: creates the broadcast (once) and sends it until it is done.

struct NoDialogue;

#[async_trait::async_trait]
impl messenger_runtime::Handler for NoDialogue {
    type State = ();
    async fn handle(
        &self,
        _cx: &messenger_runtime::Context,
        _update: &messenger_core::Update,
        _state: Option<()>,
    ) -> Result<messenger_runtime::Outcome<()>, messenger_runtime::HandlerError> {
        Ok(messenger_runtime::Outcome::none())
    }
}

fn bot(kind: Kind, rate: u32, period: Duration, api: &str, db: &str, n: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let trace = |what: &str| eprintln!("bot {what} at {} ms (epoch)", epoch_ms());
    trace("started");
    rt.block_on(async move {
        messenger_core::tls::ensure_crypto_provider();
        let messenger: Arc<dyn Messenger> = match kind {
            Kind::Telegram => Arc::new(
                messenger_telegram::TelegramBot::builder(SecretString::from(TOKEN))
                    .base_url(api)
                    .build()
                    .unwrap(),
            ),
            Kind::Viber => Arc::new(
                messenger_viber::ViberBot::builder(SecretString::from(VIBER_TOKEN), "Bench")
                    .base_url(format!("{api}/pa"))
                    .broadcast_api(true)
                    .build()
                    .unwrap(),
            ),
            Kind::Max => Arc::new(
                messenger_max::MaxBot::builder(SecretString::from(TOKEN))
                    .base_url(api)
                    .build()
                    .unwrap(),
            ),
        };
        let store = Store::connect(db, StoreOptions::default()).await.unwrap();
        trace("store open");
        // A marker beside the database says the broadcast exists: `Store::broadcast` counts
        // the journal (tens of milliseconds at 100 000), which would delay the restart.
        let marker = format!("{}.created", db.trim_start_matches("sqlite:"));
        if !std::path::Path::new(&marker).exists() {
            let to: Vec<ChatRef> = (1..=n as i64)
                .map(|i| match kind {
                    Kind::Telegram => ChatRef::private(MessengerKind::Telegram, i),
                    Kind::Max => ChatRef::private(MessengerKind::Max, i),
                    Kind::Viber => ChatRef::private(MessengerKind::Viber, format!("u{i}=")),
                })
                .collect();
            let b = NewBroadcast::new("bench", Reply::new("Знижки до -30% 🎉"), to);
            store.create_broadcast(&b).await.unwrap();
            std::fs::write(&marker, b"").unwrap();
            println!("created");
        }
        let runtime = Runtime::new(
            store.clone(),
            messenger,
            NoDialogue,
            RuntimeConfig {
                // A stable name: after a kill, this instance's claims are requeued at once.
                instance: format!("bench-{}", kind.name()),
                rate_limit: None,
                ..RuntimeConfig::default()
            },
        );
        let rate = RateLimit {
            count: NonZeroU32::new(rate).unwrap(),
            per: period,
        };
        let cfg = BroadcastConfig::default()
            .rate(rate)
            .idle_interval(Duration::from_millis(100));
        let done = async {
            loop {
                // Seldom: each look counts the journal.
                tokio::time::sleep(Duration::from_secs(1)).await;
                let info = store.broadcast("bench").await.unwrap().unwrap();
                if info.state == BroadcastState::Done {
                    let t = info.totals();
                    println!(
                        "{}",
                        json!({"sent": t.sent, "unknown": t.unknown, "failed": t.failed,
                               "blocked": t.blocked})
                    );
                    return;
                }
            }
        };
        runtime.run_broadcasts(cfg, done).await;
    });
}

// ---------------------------------------------------------------------------------------------
// The driver.

fn spawn(args: &[&str]) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// The fake platform runs at a higher priority where the machine allows it (`nice -n -10`,
/// as root): it counts calls when it handles them, so a platform starved of CPU by a busy
/// machine would handle a few calls in a bunch and count them as a burst the bot never sent.
fn spawn_platform(args: &[&str]) -> Child {
    let exe = std::env::current_exe().unwrap();
    let niced = Command::new("nice")
        .args(["-n", "-10"])
        .arg(&exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    match niced {
        Ok(mut child) => {
            std::thread::sleep(Duration::from_millis(200));
            match child.try_wait() {
                Ok(None) => child,
                // nice refused (not permitted): an ordinary priority.
                _ => spawn(args),
            }
        }
        Err(_) => spawn(args),
    }
}

fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// `GET {api}/stats` with a plain HTTP/1.0 request (the fake platform is on loopback).
fn get_stats(api: &str) -> Value {
    use std::io::{Read, Write};
    let addr = api.trim_start_matches("http://");
    let Ok(mut conn) = std::net::TcpStream::connect(addr) else {
        return Value::Null;
    };
    let _ = write!(conn, "GET /stats HTTP/1.0\r\nHost: {addr}\r\n\r\n");
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    answer
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str(body).ok())
        .unwrap_or(Value::Null)
}

fn run(kind: Kind, rate: u32, period: Duration, n: usize, kill_at: Option<f64>) {
    let (_, _, batch) = kind.published();
    let rate_s = rate.to_string();
    let mut platform = spawn_platform(&["platform", "--messenger", kind.name(), "--rate", &rate_s]);
    let mut line = String::new();
    BufReader::new(platform.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let api = line.trim().trim_start_matches("listening ").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("bench.db").display());
    let n_s = n.to_string();
    let bot_args = [
        "bot",
        "--messenger",
        kind.name(),
        "--rate",
        &rate_s,
        "--api",
        &api,
        "--db",
        &db,
        "--n",
        &n_s,
    ];
    let started = Instant::now();
    let mut bot = spawn(&bot_args);
    let mut peak = 0u64;
    let mut killed = false;
    loop {
        peak = peak.max(peak_rss_kib(bot.id()));
        if let Some(status) = bot.try_wait().unwrap() {
            assert!(status.success(), "the bot failed: {status}");
            break;
        }
        if let Some(f) = kill_at
            && !killed
        {
            let received = get_stats(&api)["unique"].as_u64().unwrap_or(0);
            if received as f64 >= f * n as f64 {
                bot.kill().unwrap(); // SIGKILL
                bot.wait().unwrap();
                killed = true;
                eprintln!(
                    "killed the bot at {received} recipients at {} ms (epoch); restarting",
                    epoch_ms()
                );
                bot = spawn(&bot_args);
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let total = started.elapsed();
    // The journal's figures, printed by the bot as its last line.
    let mut journal = Value::Null;
    if let Some(out) = bot.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Ok(v) = serde_json::from_str::<Value>(&line) {
                journal = v;
            }
        }
    }
    let s = get_stats(&api);
    platform.kill().unwrap();
    let _ = platform.wait();
    let calls_needed = n.div_ceil(batch) as f64;
    let ideal = calls_needed * period.as_secs_f64() / f64::from(rate);
    let first = s["first_ms"].as_f64().unwrap_or(0.0);
    let last = s["last_ms"].as_f64().unwrap_or(0.0);
    let delivery = (last - first) / 1000.0;
    let result = json!({
        "messenger": kind.name(), "recipients": n, "rate": format!("{rate} per {period:?}"),
        "kill_at": kill_at, "ideal_s": ideal, "delivery_s": delivery,
        "ratio": delivery / ideal, "total_s": total.as_secs_f64(),
        "unique": s["unique"], "duplicates": s["duplicates"], "lost": n as i64 - s["unique"].as_i64().unwrap_or(0),
        "calls": s["calls"], "platform_429": s["rejected_429"], "max_gap_ms": s["max_gap_ms"], "bot_peak_rss_mib": peak as f64 / 1024.0,
        "journal": journal,
    });
    println!("{result}");
}
