//! A stateful fake of SMS.ru's `sms/send` (feature `sandbox`): the same request and answer
//! shapes and error codes, on a random loopback port, keeping every message it accepted. The
//! bot's offline demo and tests point [`crate::channels::SmsRuChannel`] at it.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, body::Bytes};
use loyalty_core::server::LocalServer;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

/// A message the sandbox accepted. `Debug` hides the text (it holds a code).
#[derive(Clone)]
#[non_exhaustive]
pub struct SandboxSms {
    /// The number, as sent (`79200000000`).
    pub to: String,
    /// The text.
    pub text: SecretString,
    /// The sender name, if one was sent.
    pub from: Option<String>,
    /// Whether `test=1` was sent.
    pub test: bool,
    /// The id the sandbox answered with.
    pub sms_id: String,
}

impl fmt::Debug for SandboxSms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxSms")
            .field("to", &self.to)
            .field("from", &self.from)
            .field("test", &self.test)
            .field("sms_id", &self.sms_id)
            .finish_non_exhaustive()
    }
}

#[derive(Default)]
struct SandboxState {
    api_id: String,
    /// SMS the account can still pay for.
    credit: u32,
    stop_list: BTreeSet<String>,
    fail_next: VecDeque<i64>,
    sent: Vec<SandboxSms>,
}

/// A running SMS.ru sandbox. Stops when dropped.
pub struct SmsRuSandbox {
    server: LocalServer,
    state: Arc<Mutex<SandboxState>>,
}

impl fmt::Debug for SmsRuSandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsRuSandbox")
            .field("base_url", &self.server.base_url())
            .finish_non_exhaustive()
    }
}

impl SmsRuSandbox {
    /// Starts a sandbox that accepts `api_id` and can pay for 1000 SMS.
    ///
    /// # Errors
    /// The I/O error when no loopback port can be bound.
    pub async fn start(api_id: &SecretString) -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(SandboxState {
            api_id: api_id.expose_secret().to_owned(),
            credit: 1000,
            ..SandboxState::default()
        }));
        let router = Router::new()
            .route("/sms/send", post(send).get(send_get))
            .with_state(state.clone());
        let server = LocalServer::start(router, "sms.ru sandbox").await?;
        Ok(Self { server, state })
    }

    /// The base URL to give [`crate::channels::SmsRuChannelBuilder::base_url`].
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// Every message accepted so far.
    pub fn messages(&self) -> Vec<SandboxSms> {
        self.lock().sent.clone()
    }

    /// Sets how many more SMS the account can pay for (0: every send answers 201).
    pub fn set_credit(&self, sms: u32) {
        self.lock().credit = sms;
    }

    /// Puts a number (digits, `79200000000`) on the stop list: sends to it answer 209.
    pub fn stop_list_add(&self, number: &str) {
        self.lock().stop_list.insert(number.to_owned());
    }

    /// The next send answers the top-level error `code` (220 for "temporarily unavailable").
    pub fn fail_next(&self, code: i64) {
        self.lock().fail_next.push_back(code);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SandboxState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn error(code: i64, text: &str) -> Json<Value> {
    Json(json!({"status": "ERROR", "status_code": code, "status_text": text}))
}

async fn send_get() -> Json<Value> {
    error(210, "Используется GET, где необходимо использовать POST")
}

async fn send(State(state): State<Arc<Mutex<SandboxState>>>, body: Bytes) -> Json<Value> {
    let mut api_id = None;
    let mut to = None;
    let mut msg = None;
    let mut from = None;
    let mut test = false;
    for (k, v) in url::form_urlencoded::parse(&body) {
        match k.as_ref() {
            "api_id" => api_id = Some(v.into_owned()),
            "to" => to = Some(v.into_owned()),
            "msg" => msg = Some(v.into_owned()),
            "from" => from = Some(v.into_owned()),
            "test" => test = v == "1",
            _ => {}
        }
    }
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    if api_id.as_deref() != Some(s.api_id.as_str()) {
        return error(200, "Неправильный api_id");
    }
    if let Some(code) = s.fail_next.pop_front() {
        return error(code, "Ошибка, заданная в песочнице");
    }
    let Some(msg) = msg.filter(|m| !m.is_empty()) else {
        return error(203, "Нет текста сообщения");
    };
    let Some(to) = to else {
        return error(
            202,
            "Неправильно указан номер телефона получателя, либо на него нет маршрута",
        );
    };
    if s.credit == 0 && !test {
        return error(201, "Не хватает средств на лицевом счету");
    }
    let entry = if !(11..=15).contains(&to.len()) || !to.bytes().all(|b| b.is_ascii_digit()) {
        json!({"status": "ERROR", "status_code": 202,
               "status_text": "Неправильно указан номер телефона получателя, либо на него нет маршрута"})
    } else if s.stop_list.contains(&to) {
        json!({"status": "ERROR", "status_code": 209,
               "status_text": "Вы добавили этот номер (или один из номеров) в стоп-лист"})
    } else {
        let sms_id = format!("000000-{:08}", 10_000_000 + s.sent.len());
        if !test {
            s.credit -= 1;
        }
        s.sent.push(SandboxSms {
            to: to.clone(),
            text: SecretString::from(msg),
            from,
            test,
            sms_id: sms_id.clone(),
        });
        json!({"status": "OK", "status_code": 100, "sms_id": sms_id})
    };
    Json(json!({
        "status": "OK",
        "status_code": 100,
        "sms": {to: entry},
        "balance": s.credit
    }))
}
