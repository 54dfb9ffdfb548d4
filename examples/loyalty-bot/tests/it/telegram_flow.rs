//! The authorization + balance flow through the real Telegram adapter against a fake Bot API
//! server, asserting the request bodies the bot really sends: the HTML-escaped greeting with the
//! contact keyboard, the inline menu and its callback data, the answer to a button press, and the
//! refusal of a contact that is not the sender's own.
//!
//! The fake Bot API is a small axum server (axum is already a dependency of the bot; wiremock is
//! not among its dev-dependencies). `getUpdates` behaves like Telegram's: it returns every update
//! not yet confirmed by an `offset`. Each turn of the test does what one round of
//! `Runner::run_polling` does (poll, accept, drain), so every request can be tied to the update
//! that caused it and counted exactly.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri};
use loyalty_bot::engine::{Engine, Programme};
use loyalty_bot::runner::{POLL_TIMEOUT, Runner};
use loyalty_bot::storage::{ChatKey, Storage};
use loyalty_bot::texts::{Lang, Texts};
use loyalty_ergo::ActionsCache;
use loyalty_ergo::sandbox::ErgoSandbox;
use messenger_core::{Messenger, PollCursor};
use messenger_telegram::{SecretString, TelegramBot};
use serde_json::{Value, json};

const TOKEN: &str = "123:ABC";
/// The user, and their private chat (same id, as on Telegram).
const USER_ID: i64 = 5_550_001;
/// A first name that must be escaped in HTML.
const NAME: &str = "<b>&\"";
/// The seeded ERGO seller (bonus 1250).
const SELLER: &str = "380889993366";

/// One Bot API call the bot made (getUpdates is kept apart).
#[derive(Debug, Clone)]
struct Call {
    method: String,
    body: Value,
    /// The `message_id` the fake gave a sent message.
    message_id: Option<i64>,
}

/// The fake Bot API.
#[derive(Default)]
struct Fake {
    /// Updates not yet confirmed by an `offset`, oldest first.
    updates: Mutex<VecDeque<Value>>,
    /// Bodies of the `getUpdates` calls.
    polls: Mutex<Vec<Value>>,
    /// Every other call, in order of arrival.
    calls: Mutex<Vec<Call>>,
    next_message_id: AtomicI64,
}

fn ok(result: Value) -> (StatusCode, Json<Value>) {
    (StatusCode::OK, Json(json!({"ok": true, "result": result})))
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn bot_user() -> Value {
    json!({"id": 123, "is_bot": true, "first_name": "Loyalty", "username": "loyalty_test_bot"})
}

async fn api(State(fake): State<Arc<Fake>>, uri: Uri, body: Bytes) -> (StatusCode, Json<Value>) {
    let Some(method) = uri.path().strip_prefix(&format!("/bot{TOKEN}/")) else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({"ok": false, "error_code": 404, "description": "Not Found"})),
        );
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    match method {
        "getUpdates" => {
            let mut queue = fake.updates.lock().unwrap();
            if let Some(offset) = body.get("offset").and_then(Value::as_i64) {
                queue.retain(|u| u["update_id"].as_i64().unwrap() >= offset);
            }
            fake.polls.lock().unwrap().push(body);
            ok(Value::Array(queue.iter().cloned().collect()))
        }
        "sendMessage" => {
            let id = 100 + fake.next_message_id.fetch_add(1, Ordering::SeqCst);
            let result = json!({"message_id": id, "date": now(), "from": bot_user(),
                "chat": {"id": body["chat_id"], "type": "private", "first_name": NAME},
                "text": body["text"]});
            fake.calls.lock().unwrap().push(Call {
                method: method.to_owned(),
                body,
                message_id: Some(id),
            });
            ok(result)
        }
        "answerCallbackQuery" => {
            fake.calls.lock().unwrap().push(Call {
                method: method.to_owned(),
                body,
                message_id: None,
            });
            ok(json!(true))
        }
        other => {
            fake.calls.lock().unwrap().push(Call {
                method: other.to_owned(),
                body,
                message_id: None,
            });
            (
                StatusCode::NOT_FOUND,
                Json(
                    json!({"ok": false, "error_code": 404, "description": "Not Found: method not found"}),
                ),
            )
        }
    }
}

/// The bot in process: the ERGO sandbox, SQLite in a temp dir, the Telegram adapter pointed at
/// the fake Bot API.
struct Harness {
    fake: Arc<Fake>,
    telegram: Arc<TelegramBot>,
    runner: Runner,
    storage: Storage,
    sandbox: ErgoSandbox,
    cursor: PollCursor,
    next_update_id: i64,
    next_message_id: i64,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start() -> Self {
        let fake = Arc::new(Fake::default());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().fallback(api).with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let sandbox = ErgoSandbox::start().await.unwrap();
        let client = sandbox.client().unwrap();
        let actions = Arc::new(ActionsCache::new(
            client.clone(),
            std::time::Duration::from_secs(3600),
        ));
        let dir = tempfile::tempdir().unwrap();
        let db_url = format!("sqlite:{}", dir.path().join("bot.db").display());
        let storage = Storage::connect(&db_url).await.unwrap();
        // No code peek: a Telegram bot never shows the sandbox "SMS", so every turn's requests
        // are exactly the replies a real seller would get.
        let engine = Engine::new(
            Programme::Ergo { client, actions },
            storage.clone(),
            Texts::built_in(),
            Lang::Uk,
        );
        let telegram = Arc::new(
            TelegramBot::builder(SecretString::from(TOKEN))
                .base_url(base)
                .build()
                .unwrap(),
        );
        let runner = Runner::new(engine, telegram.clone());
        Self {
            fake,
            telegram,
            runner,
            storage,
            sandbox,
            cursor: PollCursor(None),
            next_update_id: 700_000_001,
            next_message_id: 1,
            _dir: dir,
        }
    }

    fn update_id(&mut self) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        id
    }

    /// A `message` update from the user in their private chat; `fields` go into the message.
    fn message(&mut self, fields: Value) -> Value {
        let update_id = self.update_id();
        let message_id = self.next_message_id;
        self.next_message_id += 1;
        let mut message = json!({
            "message_id": message_id,
            "date": now(),
            "from": {"id": USER_ID, "is_bot": false, "first_name": NAME, "language_code": "uk"},
            "chat": {"id": USER_ID, "type": "private", "first_name": NAME},
        });
        for (k, v) in fields.as_object().unwrap() {
            message[k] = v.clone();
        }
        json!({"update_id": update_id, "message": message})
    }

    /// Telegram has `update` for the bot; the bot runs one round of its polling loop (poll,
    /// store, handle, deliver). Returns the Bot API calls of that round.
    async fn turn(&mut self, update: Value) -> Vec<Call> {
        let before = self.fake.calls.lock().unwrap().len();
        self.fake.updates.lock().unwrap().push_back(update);
        let batch = self.telegram.poll(self.cursor, POLL_TIMEOUT).await.unwrap();
        assert_eq!(batch.updates.len(), 1, "{batch:?}");
        assert_eq!(self.runner.accept(&batch.updates).await.unwrap(), 1);
        self.cursor = batch.next;
        self.runner.drain().await.unwrap();
        self.fake.calls.lock().unwrap()[before..].to_vec()
    }

    async fn start_command(&mut self) -> Vec<Call> {
        let u = self.message(json!({"text": "/start",
            "entities": [{"offset": 0, "length": 6, "type": "bot_command"}]}));
        self.turn(u).await
    }

    async fn contact(&mut self, phone: &str, user_id: Option<i64>) -> Vec<Call> {
        let mut contact = json!({"phone_number": phone, "first_name": "Test"});
        if let Some(id) = user_id {
            contact["user_id"] = json!(id);
        }
        let u = self.message(json!({ "contact": contact }));
        self.turn(u).await
    }

    async fn text(&mut self, text: &str) -> Vec<Call> {
        let u = self.message(json!({ "text": text }));
        self.turn(u).await
    }
}

/// A plain `sendMessage` to the user, as the adapter sends every reply.
fn send_message(text: &str) -> Value {
    json!({
        "chat_id": USER_ID,
        "text": text,
        "parse_mode": "HTML",
        "link_preview_options": {"is_disabled": true},
    })
}

fn methods(calls: &[Call]) -> Vec<&str> {
    calls.iter().map(|c| c.method.as_str()).collect()
}

const GREETING: &str = "Вітаємо, &lt;b&gt;&amp;&quot;! Це бот програми лояльності ERGO CLUB.\nЩоб увійти, надішліть свій номер телефону кнопкою нижче або введіть його.";
const REFUSAL: &str = "Будь ласка, надішліть власний номер телефону, а не чужий контакт.";

#[tokio::test]
async fn authorization_and_balance_through_the_telegram_adapter() {
    let mut h = Harness::start().await;

    // /start from a user called `<b>&"`: one sendMessage, the name escaped for parse_mode HTML,
    // a one-time reply keyboard with the contact button.
    let calls = h.start_command().await;
    assert_eq!(methods(&calls), ["sendMessage"]);
    let mut expected = send_message(GREETING);
    expected["reply_markup"] = json!({
        "keyboard": [[{"text": "📱 Надіслати номер", "request_contact": true}]],
        "resize_keyboard": true,
        "one_time_keyboard": true,
    });
    assert_eq!(calls[0].body, expected);
    // The first poll had no offset; it asked for the update types the bot handles.
    assert_eq!(
        h.fake.polls.lock().unwrap()[0],
        json!({"timeout": 25, "allowed_updates": ["message", "callback_query", "my_chat_member"]})
    );

    // The user's own contact (contact.user_id == from.id; Telegram sends the number without +):
    // the sandbox sends an SMS and the bot asks for the code.
    let calls = h.contact(SELLER, Some(USER_ID)).await;
    assert_eq!(methods(&calls), ["sendMessage"]);
    assert_eq!(
        calls[0].body,
        send_message("Ми надіслали SMS з кодом на +380889993366. Введіть код:")
    );
    // The second poll confirmed the first update.
    assert_eq!(
        h.fake.polls.lock().unwrap()[1]["offset"],
        json!(700_000_002)
    );
    let code = h.sandbox.last_code(SELLER).unwrap();

    // The code: "logged in", then the main menu as an inline keyboard.
    let calls = h.text(&code).await;
    assert_eq!(methods(&calls), ["sendMessage", "sendMessage"]);
    assert_eq!(calls[0].body, send_message("Готово, ви увійшли."));
    let mut expected = send_message("Головне меню:");
    expected["reply_markup"] = json!({"inline_keyboard": [
        [{"text": "⚡ Швидка реєстрація", "callback_data": "m:quick"}],
        [{"text": "📋 Повна реєстрація", "callback_data": "m:full"}],
        [{"text": "💰 Баланс", "callback_data": "m:balance"},
         {"text": "📰 Новини", "callback_data": "m:news"}],
        [{"text": "📜 Історія реєстрацій", "callback_data": "m:registrations"},
         {"text": "👤 Профіль", "callback_data": "m:profile"}],
        [{"text": "ℹ️ Про програму", "callback_data": "m:about"},
         {"text": "💬 Підтримка", "callback_data": "m:support"}],
    ]});
    assert_eq!(calls[1].body, expected);
    let menu_id = calls[1].message_id.unwrap();

    // The phone, the session and the raw (unescaped) name are stored.
    let user = h
        .storage
        .user(&ChatKey::new("telegram", USER_ID.to_string()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.phone.as_deref(), Some("+380889993366"));
    assert!(user.session.is_some());
    assert_eq!(user.profile.first_name.as_deref(), Some(NAME));
    assert_eq!(user.profile.user_id, Some(USER_ID.to_string()));

    // The balance button pressed under the menu message: the press is answered first (the
    // spinner stops), then the balance is sent with a "back" button.
    let update_id = h.update_id();
    let press = json!({"update_id": update_id, "callback_query": {
        "id": "4382bfdwdsb323b2d9",
        "from": {"id": USER_ID, "is_bot": false, "first_name": NAME},
        "message": {"message_id": menu_id, "date": now(), "from": bot_user(),
            "chat": {"id": USER_ID, "type": "private", "first_name": NAME},
            "text": "Головне меню:"},
        "chat_instance": "-8841729531424",
        "data": "m:balance",
    }});
    let calls = h.turn(press).await;
    assert_eq!(methods(&calls), ["answerCallbackQuery", "sendMessage"]);
    assert_eq!(
        calls[0].body,
        json!({"callback_query_id": "4382bfdwdsb323b2d9"})
    );
    // The seeded seller: 1250 points, then the sandbox's extra balance lines (the last one
    // carries a date relative to today).
    let text = calls[1].body["text"].as_str().unwrap().to_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "Ваш баланс: 1\u{a0}250\u{a0}балів.",
            "Відхилено: 25",
            "Зароблено за весь час: 4\u{a0}100"
        ],
        "{text}"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[3].ends_with(
            ": Тест Тестов Тестович, поповнення картки Приватбанк 2222 3333 4444 5555: 2\u{a0}019"
        ),
        "{text}"
    );
    let mut expected = send_message(&text);
    expected["reply_markup"] =
        json!({"inline_keyboard": [[{"text": "⬅️ Назад", "callback_data": "m:menu"}]]});
    assert_eq!(calls[1].body, expected);

    // Every update handled, every reply delivered.
    assert!(
        h.storage
            .inbox_pending("telegram")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        h.storage
            .outbox_pending("telegram")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(h.storage.message_counts("telegram").await.unwrap(), (4, 5));
}

#[tokio::test]
async fn a_contact_that_is_not_the_senders_own_is_refused() {
    let mut h = Harness::start().await;
    let calls = h.start_command().await;
    assert_eq!(methods(&calls), ["sendMessage"]);

    // Another Telegram user's contact (a seeded seller's number, so only the ownership check
    // can refuse it): refused, and no code is requested for that number.
    let calls = h.contact("380501112233", Some(USER_ID + 1)).await;
    assert_eq!(methods(&calls), ["sendMessage"]);
    assert_eq!(calls[0].body, send_message(REFUSAL));
    assert_eq!(h.sandbox.last_code("380501112233"), None);

    // A phone-book contact of someone not on Telegram (no user_id): refused too.
    let calls = h.contact("+380 50 111 22 33", None).await;
    assert_eq!(methods(&calls), ["sendMessage"]);
    assert_eq!(calls[0].body, send_message(REFUSAL));
    assert_eq!(h.sandbox.last_code("380501112233"), None);

    // The dialogue still waits for a phone: the user's own contact goes through.
    let calls = h.contact(SELLER, Some(USER_ID)).await;
    assert_eq!(methods(&calls), ["sendMessage"]);
    assert_eq!(
        calls[0].body,
        send_message("Ми надіслали SMS з кодом на +380889993366. Введіть код:")
    );
    assert!(h.sandbox.last_code(SELLER).is_some());

    let user = h
        .storage
        .user(&ChatKey::new("telegram", USER_ID.to_string()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.phone, None);
    assert!(user.session.is_none());
}
