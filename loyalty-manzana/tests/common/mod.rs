//! Shared helpers of the integration tests.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]
#![allow(dead_code)]

use std::str::FromStr;

use loyalty_core::{Decimal, Phone, Region, RetryPolicy};
use loyalty_manzana::{BodyForm, CustomerSession, ManzanaClient, ManzanaClientBuilder};
use wiremock::MockServer;

pub const PARTNER: &str = "partner-0000-4000-8000-0000000000ff";
pub const MANAGER_PASSWORD: &str = "mgr-PASSWORD-secret-42";
pub const MANAGER_SESSION: &str = "mgr-SESSION-secret-1";
pub const CUSTOMER_SESSION: &str = "sess-CUSTOMER-SECRET-1";
pub const CONTACT: &str = "3f2c1a10-0000-4000-8000-000000000001";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

pub fn phone() -> Phone {
    Phone::parse("+79200000001", Region::RU).unwrap()
}

pub fn session() -> CustomerSession {
    CustomerSession::new(CONTACT, CUSTOMER_SESSION)
}

/// A builder with all three services on one mock server (paths per service).
pub fn builder(server: &MockServer) -> ManzanaClientBuilder {
    let base = server.uri();
    ManzanaClient::builder(format!("{base}/CustomerOfficeService"), PARTNER)
        .manager_url(format!("{base}/ManagerOfficeService"))
        .admin_url(format!("{base}/AdministratorOfficeService"))
        .manager_credentials("bot", MANAGER_PASSWORD)
        .retry(RetryPolicy::none())
}

pub fn client(server: &MockServer) -> ManzanaClient {
    builder(server).build().unwrap()
}

pub fn client_form_b(server: &MockServer) -> ManzanaClient {
    builder(server).body_form(BodyForm::Direct).build().unwrap()
}

pub fn json(body: impl Into<String>) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_raw(body.into(), "application/json")
}

/// Matches a form-A body: `{"parameter": "<json>"}` whose inner JSON equals `expected`.
pub struct FormA(pub serde_json::Value);

impl wiremock::Match for FormA {
    fn matches(&self, request: &wiremock::Request) -> bool {
        let Ok(outer) = serde_json::from_slice::<serde_json::Value>(&request.body) else {
            return false;
        };
        let Some(inner) = outer.get("parameter").and_then(|v| v.as_str()) else {
            return false;
        };
        outer.as_object().map(|m| m.len()) == Some(1)
            && serde_json::from_str::<serde_json::Value>(inner)
                .ok()
                .as_ref()
                == Some(&self.0)
    }
}

/// Mounts a manager login answering `session`.
pub async fn mount_login(server: &MockServer, session: &str, times: u64) {
    use wiremock::matchers::{method, path};
    wiremock::Mock::given(method("POST"))
        .and(path("/ManagerOfficeService/Identity/Login"))
        .and(FormA(
            serde_json::json!({"Login": "bot", "Password": MANAGER_PASSWORD}),
        ))
        .respond_with(json(format!(
            r#"{{"Id": "mgr-id", "SessionId": "{session}", "Extra": 1}}"#
        )))
        .expect(times)
        .mount(server)
        .await;
}
