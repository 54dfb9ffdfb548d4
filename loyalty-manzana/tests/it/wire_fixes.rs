//! Issue 16: Manzana calls as tenants actually run them. Each test failed on the code before
//! the fix.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use loyalty_core::{Clock, LoyaltyError, LoyaltyProvider, ManualClock, RetryPolicy, SecretString};
use loyalty_manzana::provider::to_session;
use loyalty_manzana::{Contact, ManzanaClient, Registration};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn inner_body(req: &wiremock::Request) -> Value {
    let outer: Value = serde_json::from_slice(&req.body).unwrap();
    serde_json::from_str(outer["parameter"].as_str().unwrap()).unwrap()
}

async fn bodies(server: &MockServer, p: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == p)
        .map(inner_body)
        .collect()
}

#[tokio::test]
async fn code_checks_are_sent_once() {
    let server = MockServer::start().await;
    for p in [
        "/CustomerOfficeService/Identity/AdvancedConfirmSMSLogin",
        "/CustomerOfficeService/Identity/CheckSmsForRegistration",
    ] {
        Mock::given(path(p))
            .respond_with(json("{}").set_delay(Duration::from_secs(2)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = builder(&server)
        .retry(
            RetryPolicy::new()
                .max_attempts(3)
                .base_delay(Duration::from_millis(1)),
        )
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let t = SecretString::from("tok");
    let e = c.confirm_sms_login(&t, "1234").await.unwrap_err();
    assert!(matches!(e, LoyaltyError::OutcomeUnknown { .. }), "{e:?}");
    let e = c.check_registration_sms(&t, "1234").await.unwrap_err();
    assert!(matches!(e, LoyaltyError::OutcomeUnknown { .. }), "{e:?}");
}

#[tokio::test]
async fn contact_update_sends_a_fixed_field_list_and_the_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/CustomerOfficeService/Contact/Update"))
        .respond_with(json(format!(r#"{{"value": "{CONTACT}"}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    let mut contact: Contact = serde_json::from_value(json!({
        "odata.metadata": "https://host/$metadata#Contact/@Element",
        "Id": CONTACT, "FirstName": "Анна", "LastName": "Петрова",
        "MobilePhone": "+79200000001", "EmailAddress": "a@example.com",
        "BirthDate": "1990-05-30T00:00:00", "GenderCode": 2, "AllowSms": true,
        "FamilyStatusCode": 1, "ActiveBalance": 218.4, "LevelId": "lvl-1",
        "RegistrationDate": "2020-01-01T00:00:00", "odata.editLink": "Contact('x')"
    }))
    .unwrap();
    contact.first_name = Some("Ганна".into());
    client(&server)
        .update_contact(&session(), &contact)
        .await
        .unwrap();
    let body = &bodies(&server, "/CustomerOfficeService/Contact/Update").await[0];
    let entity = body["Entity"].as_object().unwrap();
    let mut keys: Vec<_> = entity.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "AllowSms",
            "BirthDate",
            "EmailAddress",
            "FirstName",
            "GenderCode",
            "Id",
            "LastName",
            "MobilePhone"
        ]
    );
    assert_eq!(entity["FirstName"], "Ганна");
    assert_eq!(entity["BirthDate"], "1990-05-30");
}

#[tokio::test]
async fn registration_sends_the_tenant_data_and_omits_an_empty_email() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/RequestAdvancedPhoneEmailRegistration",
        ))
        .respond_with(json(r#"{"value": "reg-token"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server)
        .registration_app_id("bot-app")
        .build()
        .unwrap();
    let mut r = Registration::new(&phone());
    r.first_name = Some("Анна".into());
    r.email = Some(String::new());
    r.password = Some(SecretString::from("pw-SECRET-1"));
    r.card_number = Some("2000000000017".into());
    c.request_registration(&r).await.unwrap();
    let body = &bodies(
        &server,
        "/CustomerOfficeService/Identity/RequestAdvancedPhoneEmailRegistration",
    )
    .await[0];
    assert!(body.get("EmailAddress").is_none(), "{body}");
    assert_eq!(body["AppId"], "bot-app");
    assert_eq!(body["Password"], "pw-SECRET-1");
    assert_eq!(body["CardNumber"], "2000000000017");
    assert_eq!(body["PartnerId"], PARTNER);
    assert!(!format!("{r:?}").contains("pw-SECRET-1"));
}

#[tokio::test]
async fn a_fixed_manager_session_needs_no_login() {
    let server = MockServer::start().await;
    Mock::given(path("/ManagerOfficeService/Identity/Login"))
        .respond_with(json("{}"))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .and(query_param("sessionId", "'fixed-MGR-session'"))
        .respond_with(json(r#"{"value": []}"#))
        .expect(1)
        .mount(&server)
        .await;
    let base = server.uri();
    let c = ManzanaClient::builder(format!("{base}/CustomerOfficeService"), PARTNER)
        .manager_url(format!("{base}/ManagerOfficeService"))
        .manager_session("fixed-MGR-session")
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    assert!(c.has_manager());
    assert!(c.find_contact_by_phone(&phone()).await.unwrap().is_none());
    assert!(!format!("{c:?}").contains("fixed-MGR-session"));
}

#[tokio::test]
async fn the_manager_session_is_renewed_before_it_expires() {
    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 2).await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .respond_with(json(r#"{"value": []}"#))
        .expect(3)
        .mount(&server)
        .await;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let c = builder(&server)
        .clock(clock.clone() as Arc<dyn Clock>)
        .manager_session_ttl(Duration::from_secs(600))
        .build()
        .unwrap();
    c.find_contact_by_phone(&phone()).await.unwrap();
    clock.advance(chrono::Duration::seconds(300));
    c.find_contact_by_phone(&phone()).await.unwrap();
    // Within a minute of the lifetime: logged in again before the call, not after a refusal.
    clock.advance(chrono::Duration::seconds(260));
    c.find_contact_by_phone(&phone()).await.unwrap();
}

async fn mount_cheques(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Cheque/GetAllByContact"))
        .respond_with(json(fixture("cheques.json")))
        .mount(server)
        .await;
}

const CHEQUE: &str = "c0000000-0000-4000-8000-000000000001";

#[tokio::test]
async fn cheque_lines_go_through_the_admin_session_after_an_ownership_check() {
    let server = MockServer::start().await;
    mount_cheques(&server).await;
    Mock::given(method("GET"))
        .and(path("/AdministratorOfficeService/ChequeItem/GetAllByCheque"))
        .and(query_param("ChequeId", format!("'{CHEQUE}'")))
        .and(query_param("sessionId", "'adm-SESSION'"))
        .respond_with(json(
            r#"{"value": [{"ArticleNumber": "A-1", "Quantity": 2, "Summ": 100, "SummDiscounted": 90}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/CustomerOfficeService/ChequeItem/GetAllByCheque"))
        .respond_with(json(r#"{"value": []}"#))
        .expect(0)
        .mount(&server)
        .await;
    let c = builder(&server)
        .admin_session("adm-SESSION")
        .product_names(|article: &str| (article == "A-1").then(|| "Аспирин".to_owned()))
        .build()
        .unwrap();
    let s = to_session(&session());
    let d = c.purchase(&s, CHEQUE).await.unwrap();
    assert_eq!(d.lines.len(), 1);
    assert_eq!(d.lines[0].name, "Аспирин");
    // Not this contact's cheque: refused before any line is read.
    let e = c.purchase(&s, "someone-elses-cheque").await.unwrap_err();
    assert!(matches!(e, LoyaltyError::NotFound { .. }), "{e:?}");
}

#[tokio::test]
async fn without_a_hook_a_line_is_named_by_its_article() {
    let server = MockServer::start().await;
    mount_cheques(&server).await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/ChequeItem/GetAllByCheque"))
        .respond_with(json(
            r#"{"value": [{"ArticleNumber": "A-1", "Quantity": 1, "Summ": 10}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let d = c.purchase(&to_session(&session()), CHEQUE).await.unwrap();
    assert_eq!(d.lines[0].name, "A-1");
    let _ = ResponseTemplate::new(200);
}
