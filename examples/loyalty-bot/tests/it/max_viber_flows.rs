//! The example bot's authorization and balance flow over MAX and over Viber, end to end: the
//! real adapters (`messenger_max::MaxBot`, `messenger_viber::ViberBot`, wrapped in
//! `messenger_core::Throttled` as the bot wraps them) talk HTTP to a recording mock of the
//! platform API; the bot's engine, runner and SQLite storage run on the ERGO sandbox.
//!
//! Updates enter as the bot's webhook handler feeds them: `messenger.parse_webhook(headers, raw
//! body)` → `runner.accept(&updates)` → `runner.drain()` (MAX with its `X-Max-Bot-Api-Secret`
//! header, Viber signed with `X-Viber-Content-Signature`).
//!
//! The mock platform is a small axum server that records every request (method, path, query,
//! headers, JSON body) and answers like the platform: the crate has no `wiremock`
//! dev-dependency, and axum is already one of its dependencies. The tests then assert the exact
//! requests made, in order.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use loyalty_bot::engine::{CodePeek, Engine, Programme};
use loyalty_bot::runner::Runner;
use loyalty_bot::storage::{ChatKey, Storage};
use loyalty_bot::texts::{Lang, Texts};
use loyalty_core::{Clock, ManualClock};
use loyalty_ergo::ActionsCache;
use loyalty_ergo::sandbox::{ErgoSandbox, SandboxConfig};
use messenger_core::{
    Messenger, MessengerError, SecretString, Throttled, Update, sign_hmac_sha256_hex,
};
use serde_json::{Value, json};

/// The ERGO sandbox's seller (bonus balance 1250).
const SELLER: &str = "380889993366";
/// Every test must finish well within this.
const TEST_LIMIT: Duration = Duration::from_secs(60);

/// Runs a test body under [`TEST_LIMIT`].
async fn bounded<F: Future<Output = ()>>(f: F) {
    tokio::time::timeout(TEST_LIMIT, f)
        .await
        .expect("the test ran out of time");
}

// ---------------------------------------------------------------------------------------------
// The recording mock platform

/// One request the adapter made.
#[derive(Debug, Clone)]
struct Call {
    method: Method,
    path: String,
    query: BTreeMap<String, String>,
    headers: HeaderMap,
    body: Value,
}

impl Call {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// How the mock answers a request.
type Responder = Arc<dyn Fn(&Call, usize) -> (StatusCode, Value) + Send + Sync>;

#[derive(Clone)]
struct MockState {
    calls: Arc<Mutex<Vec<Call>>>,
    respond: Responder,
}

/// A platform API on a local port that records every request.
struct MockApi {
    uri: String,
    calls: Arc<Mutex<Vec<Call>>>,
    server: tokio::task::JoinHandle<()>,
}

impl MockApi {
    async fn start(respond: Responder) -> Self {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let state = MockState {
            calls: calls.clone(),
            respond,
        };
        let app = Router::new().fallback(record).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self { uri, calls, server }
    }

    /// Every request so far, in order.
    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The requests made since the first `n`.
    fn since(&self, n: usize) -> Vec<Call> {
        self.calls()[n..].to_vec()
    }

    fn count(&self) -> usize {
        self.calls.lock().unwrap().len()
    }
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn record(
    State(st): State<MockState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()))
    };
    let call = Call {
        method,
        path: uri.path().to_owned(),
        query,
        headers,
        body,
    };
    let n = {
        let mut calls = st.calls.lock().unwrap();
        calls.push(call.clone());
        calls.len()
    };
    let (status, json) = (st.respond)(&call, n);
    (status, axum::Json(json)).into_response()
}

// ---------------------------------------------------------------------------------------------
// The bot: engine + runner + storage on a temporary SQLite database, the ERGO sandbox

struct Harness {
    runner: Runner,
    storage: Storage,
    sandbox: Arc<ErgoSandbox>,
    clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn new(messenger: Arc<dyn Messenger>) -> Self {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let sandbox = Arc::new(
            ErgoSandbox::start_with(SandboxConfig::new().clock(clock.clone()))
                .await
                .unwrap(),
        );
        let dir = tempfile::tempdir().unwrap();
        let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
        let storage = Storage::connect(&db_url).await.unwrap();
        let client = sandbox.client().unwrap();
        let programme = Programme::Ergo {
            client: client.clone(),
            actions: Arc::new(
                ActionsCache::new(client, Duration::from_secs(3600))
                    .with_clock(clock.clone() as Arc<dyn Clock>),
            ),
        };
        let sb = sandbox.clone();
        let peek: CodePeek = Arc::new(move |phone| sb.last_code(phone.digits()));
        let engine = Engine::new(programme, storage.clone(), Texts::built_in(), Lang::Uk)
            .with_code_peek(peek);
        Self {
            runner: Runner::new(engine, messenger),
            storage,
            sandbox,
            clock,
            _dir: dir,
        }
    }

    /// What the bot's webhook handler does with one request: authenticate and parse the raw
    /// body, store the updates, then handle them and deliver the replies.
    async fn webhook(&self, headers: &HeaderMap, body: &[u8]) {
        let updates: Vec<Update> = self
            .runner
            .messenger()
            .parse_webhook(headers, body)
            .unwrap();
        assert_eq!(updates.len(), 1, "{updates:?}");
        assert_eq!(self.runner.accept(&updates).await.unwrap(), 1);
        self.runner.drain().await.unwrap();
    }

    /// A Viber callback, signed as Viber signs it, through [`Harness::webhook`].
    async fn viber_event(&self, event: Value) {
        let body = event.to_string().into_bytes();
        self.webhook(&viber_signed(&body), &body).await;
    }

    /// The seller's balance as the bot shows it: the sandbox seeds the seller with 1250 points,
    /// 25 rejected, 4100 earned in all and a payoff of 2019 due in 20 days (sandbox clock).
    fn balance_text(&self) -> String {
        let payoff = self.clock.now().date_naive() + chrono::Days::new(20);
        format!(
            "Ваш баланс: 1\u{a0}250\u{a0}балів.\nВідхилено: 25\nЗароблено за весь час: 4\u{a0}100\n{}: Тест Тестов Тестович, поповнення картки Приватбанк 2222 3333 4444 5555: 2\u{a0}019",
            payoff.format("%Y-%m-%d")
        )
    }

    /// The code the sandbox "sent" to the seller by SMS.
    fn code(&self) -> String {
        self.sandbox.last_code(SELLER).unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// MAX

const MAX_TOKEN: &str = "max-flow-token";
const MAX_SECRET: &str = "max_flow_secret";
const MAX_USER: i64 = 123_456_789;
const MAX_CHAT: i64 = 182_182_182;
const MAX_BOT_ID: i64 = 229_229_229;

/// MAX answers: `POST /messages` → the sent message (mids `mid.1`, `mid.2`, … by request
/// number), `POST /answers` → success; anything else → 404.
fn max_responder() -> Responder {
    Arc::new(
        |call: &Call, n: usize| match (call.method.as_str(), call.path.as_str()) {
            ("POST", "/messages") => (
                StatusCode::OK,
                json!({"message": {
                "sender": {"user_id": MAX_BOT_ID, "is_bot": true},
                "recipient": {"chat_id": MAX_CHAT, "chat_type": "dialog", "user_id": MAX_USER},
                "timestamp": 1_775_026_671_403_i64,
                "body": {"mid": format!("mid.{n}"), "seq": n, "text": call.body["text"]}}}),
            ),
            ("POST", "/answers") => (StatusCode::OK, json!({"success": true})),
            _ => (
                StatusCode::NOT_FOUND,
                json!({"code": "not.found", "message": "no such method in the mock"}),
            ),
        },
    )
}

fn max_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        messenger_max::SECRET_HEADER,
        HeaderValue::from_static(MAX_SECRET),
    );
    h
}

fn max_user() -> Value {
    json!({"user_id": MAX_USER, "first_name": "Oksana", "last_name": "Koval", "is_bot": false})
}

/// A user message in the dialog with the bot.
fn max_message(ts: i64, mid: &str, text: Option<&str>, attachments: Value) -> Value {
    json!({"update_type": "message_created", "timestamp": ts,
        "message": {"sender": max_user(),
            "recipient": {"chat_id": MAX_CHAT, "chat_type": "dialog"}, "timestamp": ts,
            "body": {"mid": mid, "seq": ts, "text": text, "attachments": attachments}}})
}

/// Asserts one `POST /messages?user_id=<user>&disable_link_preview=true` (the runner sends
/// without link previews) with the bot token and exactly `body`.
fn assert_max_send(call: &Call, body: &Value) {
    assert_eq!(call.method, Method::POST, "{call:?}");
    assert_eq!(call.path, "/messages", "{call:?}");
    assert_eq!(
        call.query,
        BTreeMap::from([
            ("disable_link_preview".to_owned(), "true".to_owned()),
            ("user_id".to_owned(), MAX_USER.to_string()),
        ]),
        "{call:?}"
    );
    assert_eq!(call.header("authorization"), Some(MAX_TOKEN), "{call:?}");
    assert_eq!(&call.body, body, "{call:?}");
}

#[tokio::test]
async fn max_authorization_with_the_inline_contact_button_then_the_balance() {
    bounded(async {
        let api = MockApi::start(max_responder()).await;
        let max = messenger_max::MaxBot::builder(SecretString::from(MAX_TOKEN))
            .base_url(api.uri.clone())
            .webhook_secret(SecretString::from(MAX_SECRET))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let bot = Harness::new(Arc::new(Throttled::new(max))).await;
        let headers = max_headers();

        // The user starts the bot: the greeting with the inline `request_contact` button.
        let start = json!({"update_type": "bot_started", "timestamp": 1_775_025_604_499_i64,
            "chat_id": MAX_CHAT, "user": max_user(), "user_locale": "uk"});
        bot.webhook(&headers, start.to_string().as_bytes()).await;
        let calls = api.calls();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_max_send(
            &calls[0],
            &json!({
                "text": "Вітаємо, Oksana Koval! Це бот програми лояльності ERGO CLUB.\nЩоб увійти, надішліть свій номер телефону кнопкою нижче або введіть його.",
                "format": "html",
                "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                    [{"type": "request_contact", "text": "📱 Надіслати номер"}]]}}]
            }),
        );

        // The button shares the user's own contact (`max_info.user_id` = the sender): a code
        // is sent by SMS.
        let vcard = format!(
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Oksana Koval\r\nTEL;TYPE=cell:{SELLER}\r\nEND:VCARD\r\n"
        );
        let contact = max_message(
            1_775_025_700_000,
            "mid.contact",
            None,
            json!([{"type": "contact", "payload": {"vcf_info": vcard, "hash": "h1",
                "max_info": max_user()}}]),
        );
        let n = api.count();
        bot.webhook(&headers, contact.to_string().as_bytes()).await;
        let code = bot.code();
        let calls = api.since(n);
        assert_eq!(calls.len(), 2, "{calls:#?}");
        assert_max_send(
            &calls[0],
            &json!({"text": "Ми надіслали SMS з кодом на +380889993366. Введіть код:",
                "format": "html"}),
        );
        assert_max_send(
            &calls[1],
            &json!({"text": format!("[sandbox SMS to +380889993366: {code}]"), "format": "html"}),
        );

        // The code, typed: logged in, and the menu with callback buttons.
        let typed = max_message(1_775_025_800_000, "mid.code", Some(&code), json!([]));
        let n = api.count();
        bot.webhook(&headers, typed.to_string().as_bytes()).await;
        let calls = api.since(n);
        assert_eq!(calls.len(), 2, "{calls:#?}");
        assert_max_send(
            &calls[0],
            &json!({"text": "Готово, ви увійшли.", "format": "html"}),
        );
        let cb = |text: &str, payload: &str| json!({"type": "callback", "text": text, "payload": payload});
        assert_max_send(
            &calls[1],
            &json!({"text": "Головне меню:", "format": "html",
                "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                    [cb("⚡ Швидка реєстрація", "m:quick")],
                    [cb("📋 Повна реєстрація", "m:full")],
                    [cb("💰 Баланс", "m:balance"), cb("📰 Новини", "m:news")],
                    [cb("📜 Історія реєстрацій", "m:registrations"), cb("👤 Профіль", "m:profile")],
                    [cb("ℹ️ Про програму", "m:about"), cb("💬 Підтримка", "m:support")],
                ]}}]}),
        );
        let menu_mid = format!("mid.{}", api.count());
        let key = ChatKey::new("max", MAX_USER.to_string());
        let user = bot.storage.user(&key).await.unwrap().unwrap();
        assert_eq!(user.phone.as_deref(), Some("+380889993366"));
        assert!(user.session.is_some());

        // «💰 Баланс» pressed under the menu.
        let press = json!({"update_type": "message_callback", "timestamp": 1_775_025_900_000_i64,
            "callback": {"timestamp": 1_775_025_900_000_i64, "callback_id": "cb-balance-1",
                "payload": "m:balance", "user": max_user()},
            "message": {"sender": {"user_id": MAX_BOT_ID, "is_bot": true},
                "recipient": {"chat_id": MAX_CHAT, "chat_type": "dialog", "user_id": MAX_USER},
                "timestamp": 1_775_025_850_000_i64, "body": {"mid": menu_mid, "text": "Головне меню:"}},
            "user_locale": "uk"});
        let n = api.count();
        bot.webhook(&headers, press.to_string().as_bytes()).await;
        let calls = api.since(n);
        // The engine acknowledges the press with a bare `ButtonAnswer::ack()`, which the MAX
        // adapter answers with no request at all (no `POST /answers`: there is no toast to
        // show); the balance comes as a new message.
        assert!(
            calls.iter().all(|c| c.path != "/answers"),
            "{calls:#?}"
        );
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_max_send(
            &calls[0],
            &json!({"text": bot.balance_text(), "format": "html",
                "attachments": [{"type": "inline_keyboard", "payload": {"buttons": [
                    [cb("⬅️ Назад", "m:menu")]]}}]}),
        );
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Viber

const VIBER_TOKEN: &str = "4a7f2b-viber-flow-token";
const VIBER_USER: &str = "01234567890A=";
const VIBER_SENDER: &str = "ERGO CLUB";

/// Viber answers every `send_message` with status 0 and a message token; anything else → a
/// general error.
fn viber_responder() -> Responder {
    Arc::new(|call: &Call, n: usize| match call.path.as_str() {
        "/pa/send_message" => (
            StatusCode::OK,
            json!({"status": 0, "status_message": "ok",
                "message_token": 5_098_034_272_017_990_000_i64 + i64::try_from(n).unwrap(),
                "chat_hostname": "SN-CHAT-05_", "billing_status": 1}),
        ),
        _ => (
            StatusCode::OK,
            json!({"status": 99, "status_message": "no such method in the mock"}),
        ),
    })
}

fn viber_bot(api: &MockApi) -> messenger_viber::ViberBot {
    messenger_viber::ViberBot::builder(SecretString::from(VIBER_TOKEN), VIBER_SENDER)
        .base_url(format!("{}/pa", api.uri))
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// The headers Viber sends with `body`: its signature keyed with the token.
fn viber_signed(body: &[u8]) -> HeaderMap {
    let sig = sign_hmac_sha256_hex(&SecretString::from(VIBER_TOKEN), body);
    let mut h = HeaderMap::new();
    h.insert(
        messenger_viber::SIGNATURE_HEADER,
        HeaderValue::from_str(&sig).unwrap(),
    );
    h
}

fn viber_user() -> Value {
    json!({"id": VIBER_USER, "name": "Oksana", "avatar": "https://avatar.example/o.jpg",
        "country": "UA", "language": "uk", "api_version": 10})
}

/// A user message event.
fn viber_message(token: i64, message: Value) -> Value {
    json!({"event": "message", "timestamp": 1_763_800_000_000_i64 + token % 1000,
        "chat_hostname": "SN-CHAT-01_", "message_token": token, "sender": viber_user(),
        "message": message, "silent": false})
}

/// Asserts one `POST /pa/send_message` with the token header and exactly `body` after the
/// `receiver` and `sender` every message carries.
fn assert_viber_send(call: &Call, mut body: Value) {
    assert_eq!(call.method, Method::POST, "{call:?}");
    assert_eq!(call.path, "/pa/send_message", "{call:?}");
    assert!(call.query.is_empty(), "{call:?}");
    assert_eq!(
        call.header("x-viber-auth-token"),
        Some(VIBER_TOKEN),
        "{call:?}"
    );
    assert_eq!(
        call.header("content-type"),
        Some("application/json"),
        "{call:?}"
    );
    body["receiver"] = json!(VIBER_USER);
    body["sender"] = json!({"name": VIBER_SENDER});
    assert_eq!(call.body, body, "{call:?}");
}

/// A silent `reply` button carrying callback `data`.
fn viber_cb(columns: u8, text: &str, data: &str) -> Value {
    json!({"Columns": columns, "Rows": 1, "ActionType": "reply",
        "ActionBody": format!("cb:{data}"), "Text": text, "Silent": true})
}

#[tokio::test]
async fn viber_authorization_with_the_share_phone_button_then_the_balance() {
    bounded(async {
        let api = MockApi::start(viber_responder()).await;
        let bot = Harness::new(Arc::new(Throttled::new(viber_bot(&api)))).await;

        // The user opens the conversation: the greeting with a `share-phone` button.
        bot.viber_event(json!({"event": "conversation_started", "timestamp": 1_763_800_000_000_i64,
            "chat_hostname": "SN-CHAT-01_", "message_token": 4_912_661_846_655_238_145_i64,
            "type": "open", "context": "", "user": viber_user(), "subscribed": true}))
        .await;
        let calls = api.calls();
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_viber_send(
            &calls[0],
            json!({"type": "text", "min_api_version": 3,
                "text": "Вітаємо, Oksana! Це бот програми лояльності ERGO CLUB.\nЩоб увійти, надішліть свій номер телефону кнопкою нижче або введіть його.",
                "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                    {"Columns": 6, "Rows": 1, "ActionType": "share-phone",
                        "ActionBody": "share_phone", "Text": "📱 Надіслати номер"}]}}),
        );

        // The button shares the phone as a contact message: a code is sent by SMS.
        let n = api.count();
        bot.viber_event(viber_message(
            4_912_661_846_655_238_149,
            json!({"type": "contact", "contact": {"name": "Oksana", "phone_number": SELLER,
                "avatar": "https://avatar.example/o.jpg"}}),
        ))
        .await;
        let code = bot.code();
        let calls = api.since(n);
        assert_eq!(calls.len(), 2, "{calls:#?}");
        assert_viber_send(
            &calls[0],
            json!({"type": "text", "text": "Ми надіслали SMS з кодом на +380889993366. Введіть код:"}),
        );
        assert_viber_send(
            &calls[1],
            json!({"type": "text", "text": format!("[sandbox SMS to +380889993366: {code}]")}),
        );

        // The code, typed: logged in, and the menu of callback (`reply`) buttons.
        let n = api.count();
        bot.viber_event(viber_message(
            4_912_661_846_655_238_160,
            json!({"type": "text", "text": code}),
        ))
        .await;
        let calls = api.since(n);
        assert_eq!(calls.len(), 2, "{calls:#?}");
        assert_viber_send(
            &calls[0],
            json!({"type": "text", "text": "Готово, ви увійшли."}),
        );
        assert_viber_send(
            &calls[1],
            json!({"type": "text", "text": "Головне меню:",
                "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                    viber_cb(6, "⚡ Швидка реєстрація", "m:quick"),
                    viber_cb(6, "📋 Повна реєстрація", "m:full"),
                    viber_cb(3, "💰 Баланс", "m:balance"),
                    viber_cb(3, "📰 Новини", "m:news"),
                    viber_cb(3, "📜 Історія реєстрацій", "m:registrations"),
                    viber_cb(3, "👤 Профіль", "m:profile"),
                    viber_cb(3, "ℹ️ Про програму", "m:about"),
                    viber_cb(3, "💬 Підтримка", "m:support"),
                ]}}),
        );
        let key = ChatKey::new("viber", VIBER_USER);
        let user = bot.storage.user(&key).await.unwrap().unwrap();
        assert_eq!(user.phone.as_deref(), Some("+380889993366"));
        assert!(user.session.is_some());

        // «💰 Баланс» pressed: Viber sends the button's ActionBody back as a text message.
        let n = api.count();
        bot.viber_event(viber_message(
            4_912_661_846_655_238_161,
            json!({"type": "text", "text": "cb:m:balance"}),
        ))
        .await;
        let calls = api.since(n);
        // Nothing to acknowledge on Viber: the only request is the balance.
        assert_eq!(calls.len(), 1, "{calls:#?}");
        assert_viber_send(
            &calls[0],
            json!({"type": "text", "text": bot.balance_text(),
                "keyboard": {"Type": "keyboard", "DefaultHeight": false, "Buttons": [
                    viber_cb(6, "⬅️ Назад", "m:menu")]}}),
        );
    })
    .await;
}

#[tokio::test]
async fn viber_webhook_with_a_wrong_signature_is_refused_before_anything_is_stored() {
    bounded(async {
        let api = MockApi::start(viber_responder()).await;
        let bot = Harness::new(Arc::new(Throttled::new(viber_bot(&api)))).await;
        let messenger = bot.runner.messenger();
        let body = viber_message(
            4_912_661_846_655_238_170,
            json!({"type": "text", "text": "cb:m:balance"}),
        )
        .to_string()
        .into_bytes();

        // Signed with another key, signed over another body, and not signed at all: refused
        // as forged, so the webhook handler stores nothing (and answers 401).
        let mut forged = HeaderMap::new();
        forged.insert(
            messenger_viber::SIGNATURE_HEADER,
            HeaderValue::from_str(&sign_hmac_sha256_hex(
                &SecretString::from("not-the-token"),
                &body,
            ))
            .unwrap(),
        );
        let mut tampered = body.clone();
        let last = tampered.len() - 2;
        tampered[last] = b' ';
        for (headers, raw) in [
            (forged, body.as_slice()),
            (viber_signed(&body), tampered.as_slice()),
            (HeaderMap::new(), body.as_slice()),
        ] {
            let err = messenger.parse_webhook(&headers, raw).unwrap_err();
            assert!(
                matches!(err, MessengerError::ForgedWebhook { .. }),
                "{err:?}"
            );
        }
        bot.runner.drain().await.unwrap();
        assert_eq!(
            bot.storage
                .runtime_store()
                .counts("viber")
                .await
                .unwrap()
                .pending,
            0
        );
        assert_eq!(bot.storage.message_counts("viber").await.unwrap(), (0, 0));
        assert!(
            bot.storage
                .user(&ChatKey::new("viber", VIBER_USER))
                .await
                .unwrap()
                .is_none()
        );
        assert!(api.calls().is_empty(), "{:#?}", api.calls());

        // The same body rightly signed is accepted and stored: the check above is what refused.
        let updates = messenger
            .parse_webhook(&viber_signed(&body), &body)
            .unwrap();
        assert_eq!(bot.runner.accept(&updates).await.unwrap(), 1);
        assert_eq!(
            bot.storage
                .runtime_store()
                .counts("viber")
                .await
                .unwrap()
                .pending,
            1
        );
    })
    .await;
}
