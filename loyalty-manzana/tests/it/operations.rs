//! Every operation against wiremock: path, quoted query values, body form A (and form B), and
//! decoding of fixtures that carry unknown fields.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_core::{ExposeSecret, LoyaltyError, PageRequest, SecretString};
use loyalty_manzana::{CardStatus, CustomEndpoint, PosConfig, Registration, Service};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn find_contact_by_phone_logs_in_and_sends_quoted_values() {
    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 1).await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .and(query_param("sessionId", format!("'{MANAGER_SESSION}'")))
        .and(query_param("mobilePhone", "'+79200000001'"))
        .and(query_param("emailAddress", "''"))
        .and(query_param("take", "1"))
        .and(query_param("skip", "0"))
        .respond_with(json(fixture("contacts.json")))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let found = c.find_contact_by_phone(&phone()).await.unwrap().unwrap();
    assert_eq!(found.id, CONTACT);
    assert_eq!(found.first_name.as_deref(), Some("Анна"));
    assert_eq!(found.gender_code, Some(2));
    assert!(found.extra.contains_key("SomethingNew"));
    // The session is reused: one login for two calls.
    c.find_contact_by_phone(&phone()).await.unwrap();
}

#[tokio::test]
async fn quote_numbers_switch_quotes_take_and_skip() {
    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 1).await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .and(query_param("take", "'1'"))
        .and(query_param("skip", "'0'"))
        .respond_with(json(r#"{"value": []}"#))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).quote_numbers(true).build().unwrap();
    assert!(c.find_contact_by_phone(&phone()).await.unwrap().is_none());
}

#[tokio::test]
async fn empty_value_list_is_not_found() {
    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 1).await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Contact/FilterByPhoneAndEmail"))
        .respond_with(json(r#"{"value": []}"#))
        .mount(&server)
        .await;
    assert!(
        client(&server)
            .find_contact_by_phone(&phone())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn sms_login_form_a() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/AdvancedRequestSMSLogin",
        ))
        .and(header("content-type", "application/json"))
        .and(FormA(
            json!({"Phone": "+79200000001", "PartnerId": PARTNER}),
        ))
        .respond_with(json(r#"{"value": "sms-token-1", "odata.metadata": "x"}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/AdvancedConfirmSMSLogin",
        ))
        .and(FormA(
            json!({"Token": "sms-token-1", "TemporaryPassword": "1234"}),
        ))
        .respond_with(json(fixture("login.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let token = c.request_sms_login(&phone()).await.unwrap();
    assert_eq!(token.expose_secret(), "sms-token-1");
    let s = c.confirm_sms_login(&token, "1234").await.unwrap();
    assert_eq!(s.contact_id, CONTACT);
    assert_eq!(s.session_id.expose_secret(), CUSTOMER_SESSION);
}

#[tokio::test]
async fn sms_login_form_b() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/AdvancedRequestSMSLogin",
        ))
        .and(body_json(
            json!({"Phone": "+79200000001", "PartnerId": PARTNER}),
        ))
        .respond_with(json(r#"{"Token": "sms-token-2"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let token = client_form_b(&server)
        .request_sms_login(&phone())
        .await
        .unwrap();
    assert_eq!(token.expose_secret(), "sms-token-2");
}

#[tokio::test]
async fn registration_four_steps() {
    let server = MockServer::start().await;
    let mut reg = Registration::new(&phone());
    reg.first_name = Some("Анна".into());
    reg.last_name = Some("Иванова".into());
    reg.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 4, 12);
    reg.gender_code = Some(2);
    reg.email = Some("anna@example.org".into());
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/RequestAdvancedPhoneEmailRegistration",
        ))
        .and(FormA(json!({
            "MobilePhone": "+79200000001", "EmailAddress": "anna@example.org",
            "Firstname": "Анна", "Lastname": "Иванова", "BirthDate": "1990-04-12",
            "GenderCode": 2, "AllowNotification": false, "AllowEmail": false, "AllowSms": false,
            "AgreeToTerms": true, "PartnerId": PARTNER
        })))
        .respond_with(json(r#"{"value": "reg-1"}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/RequestMobilePhoneVerification",
        ))
        .and(FormA(json!({"Token": "reg-1"})))
        .respond_with(json(r#"{"value": true}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/CheckSmsForRegistration",
        ))
        .and(FormA(
            json!({"Token": "reg-1", "Code": "5555", "PartnerId": PARTNER}),
        ))
        .respond_with(json(r#"{"Token": "reg-2"}"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/CustomerOfficeService/Identity/AdvancedPhoneEmailRegister",
        ))
        .and(FormA(json!({"Token": "reg-2", "PartnerId": PARTNER})))
        .respond_with(json(fixture("login.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let t = c.request_registration(&reg).await.unwrap();
    c.request_phone_verification(&t).await.unwrap();
    let t2 = c.check_registration_sms(&t, "5555").await.unwrap();
    assert_eq!(t2.expose_secret(), "reg-2");
    let s = c.finish_registration(&t2).await.unwrap();
    assert_eq!(s.contact_id, CONTACT);
}

#[tokio::test]
async fn create_contact_server_side() {
    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 1).await;
    Mock::given(method("POST"))
        .and(path("/ManagerOfficeService/Contact/Create"))
        .and(FormA(json!({"sessionId": MANAGER_SESSION, "Entity": {
            "MobilePhone": "+79200000001", "FirstName": "Анна",
            "AllowNotification": true, "AllowEmail": true, "AllowSms": true, "AgreeToTerms": true
        }})))
        .respond_with(json(r#"{"value": "new-contact-id"}"#))
        .expect(1)
        .mount(&server)
        .await;
    let mut reg = Registration::new(&phone());
    reg.first_name = Some("Анна".into());
    reg.allow_notifications = true;
    assert_eq!(
        client(&server).create_contact(&reg).await.unwrap(),
        "new-contact-id"
    );
}

#[tokio::test]
async fn get_and_update_contact_read_modify_write() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Contact/Get"))
        .and(query_param("id", format!("'{CONTACT}'")))
        .and(query_param("sessionid", format!("'{CUSTOMER_SESSION}'")))
        .respond_with(json(fixture("contact.json")))
        .expect(1)
        .mount(&server)
        .await;
    // The fixed field list plus Id, birth date as YYYY-MM-DD; nothing else read is echoed back
    // (unknown fields, the level, the registration date, computed fields).
    Mock::given(method("POST"))
        .and(path("/CustomerOfficeService/Contact/Update"))
        .and(FormA(json!({"SessionId": CUSTOMER_SESSION, "Entity": {
            "Id": CONTACT, "LastName": "Иванова", "FirstName": "Аня", "MiddleName": "Петровна",
            "GenderCode": 2, "BirthDate": "1990-04-12", "MobilePhone": "+79200000001",
            "EmailAddress": "new@example.org", "AllowNotification": true, "AllowEmail": true,
            "AllowSms": false, "AllowPhone": false
        }})))
        .respond_with(json(format!(r#"{{"value": "{CONTACT}"}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let edited = c
        .modify_contact(&session(), |c| {
            c.first_name = Some("Аня".into());
            c.email_address = Some("new@example.org".into());
        })
        .await
        .unwrap();
    assert_eq!(edited.active_balance, Some(dec("218.4")));
    assert_eq!(edited.summ, Some(dec("15320.50")));
}

#[tokio::test]
async fn update_contact_form_b() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/CustomerOfficeService/Contact/Update"))
        .and(body_json(
            json!({"SessionId": CUSTOMER_SESSION, "Entity": {"Id": CONTACT, "FirstName": "A"}}),
        ))
        .respond_with(json(format!(r#"{{"value": "{CONTACT}"}}"#)))
        .expect(1)
        .mount(&server)
        .await;
    let mut contact = loyalty_manzana::Contact::new(CONTACT);
    contact.first_name = Some("A".into());
    let id = client_form_b(&server)
        .update_contact(&session(), &contact)
        .await
        .unwrap();
    assert_eq!(id, CONTACT);
}

#[tokio::test]
async fn cards_balance_and_coupons() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Card/GetAllByContact"))
        .and(query_param("contactid", format!("'{CONTACT}'")))
        .and(query_param("sessionid", format!("'{CUSTOMER_SESSION}'")))
        .respond_with(json(fixture("cards.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Coupon/GetAllByContact"))
        .and(query_param("contactid", format!("'{CONTACT}'")))
        .respond_with(json(fixture("coupons.json")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Contact/Get"))
        .respond_with(json(fixture("contact.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let cards = c.cards(&session()).await.unwrap();
    assert_eq!(cards.len(), 3);
    assert_eq!(cards[0].status(), Some(CardStatus::Active));
    assert_eq!(cards[1].number.as_deref(), Some("2000000000024"));
    assert_eq!(cards[1].status(), Some(CardStatus::New));
    assert_eq!(cards[2].status(), Some(CardStatus::Unknown("7".into())));
    assert!(cards[0].extra.contains_key("CardTypeName"));
    let coupons = c.coupons(&session()).await.unwrap();
    assert_eq!(coupons[0].number.as_deref(), Some("SALE10"));
    assert_eq!(c.balance(&session()).await.unwrap(), dec("218.4"));
}

#[tokio::test]
async fn cheques_are_paged_on_the_client_newest_first() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Cheque/GetAllByContact"))
        .and(query_param("contactId", format!("'{CONTACT}'")))
        .and(query_param("sessionId", format!("'{CUSTOMER_SESSION}'")))
        .respond_with(json(fixture("cheques.json")))
        .expect(2)
        .mount(&server)
        .await;
    let c = client(&server);
    let p = c
        .cheques_page(&session(), PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].number.as_deref(), Some("1002_PAY"));
    assert_eq!(p.items[0].bonus, Some(dec("8.41")));
    assert_eq!(p.total, Some(2));
    let p2 = c.cheques_page(&session(), p.next.unwrap()).await.unwrap();
    let first = &p2.items[0];
    assert_eq!(first.discount(), Some(dec("50")));
    assert_eq!(first.store_label().as_deref(), Some("Аптека №5 на Ленина"));
    assert_eq!(
        first.extra_text("CashierName").as_deref(),
        Some("Смирнова О.")
    );
    assert!(p2.next.is_none());
}

#[tokio::test]
async fn cheque_items_discount_and_unit_price() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/ChequeItem/GetAllByCheque"))
        .and(query_param(
            "ChequeId",
            "'c0000000-0000-4000-8000-000000000001'",
        ))
        .and(query_param("sessionId", format!("'{CUSTOMER_SESSION}'")))
        .respond_with(json(fixture("cheque_items.json")))
        .expect(1)
        .mount(&server)
        .await;
    let items = client(&server)
        .cheque_items(&session(), "c0000000-0000-4000-8000-000000000001")
        .await
        .unwrap();
    assert_eq!(items[0].discount(), Some(dec("30")));
    assert_eq!(items[0].unit_price(), Some(dec("300")));
    assert_eq!(items[1].article_number.as_deref(), Some("200"));
    // `DiscountedSumm` (the spelling of one public integration) is read too.
    assert_eq!(items[1].discount(), Some(dec("20")));
    assert_eq!(items[1].unit_price(), Some(dec("400")));
}

#[tokio::test]
async fn bonus_history_sends_take_and_skip() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Bonus/GetAllByContact"))
        .and(query_param("contactId", format!("'{CONTACT}'")))
        .and(query_param("sessionId", format!("'{CUSTOMER_SESSION}'")))
        .and(query_param("Take", "2"))
        .and(query_param("Skip", "4"))
        .respond_with(json(fixture("bonuses.json")))
        .expect(1)
        .mount(&server)
        .await;
    let p = client(&server)
        .bonus_history(&session(), PageRequest::new(4, 2))
        .await
        .unwrap();
    assert_eq!(p.items[0].earned(), dec("8.41"));
    assert_eq!(p.items[0].origin_type, Some(2));
    assert_eq!(p.items[1].spent(), dec("50"));
    assert_eq!(p.next, Some(PageRequest::new(6, 2)));
}

#[tokio::test]
async fn logout_form_a() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/CustomerOfficeService/Identity/Logout"))
        .and(FormA(json!({"id": CONTACT, "sessionid": CUSTOMER_SESSION})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    client(&server).logout(&session()).await.unwrap();
}

#[tokio::test]
async fn delete_and_burns_are_unsupported_unless_configured() {
    let server = MockServer::start().await;
    let c = client(&server);
    assert!(matches!(
        c.delete_contact(CONTACT).await,
        Err(LoyaltyError::Unsupported { .. })
    ));
    assert!(matches!(
        c.burns(&session()).await,
        Err(LoyaltyError::Unsupported { .. })
    ));
}

/// ASSUMPTION: no public delete/burn endpoint exists; these test the configurable hooks.
#[tokio::test]
async fn assumed_configured_delete_and_burn_endpoints() {
    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 1).await;
    Mock::given(method("POST"))
        .and(path("/ManagerOfficeService/Contact/Anonymize"))
        .and(FormA(json!({"SessionId": MANAGER_SESSION, "Id": CONTACT})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Bonus/GetBurnSchedule"))
        .and(query_param("contactId", format!("'{CONTACT}'")))
        .respond_with(json(
            r#"{"value": [{"Date": "2024-12-01T00:00:00", "Amount": "15.5", "X": 1}]}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server)
        .delete_endpoint(CustomEndpoint::new(Service::Manager, "Contact/Anonymize"))
        .burns_endpoint(CustomEndpoint::new(
            Service::Customer,
            "Bonus/GetBurnSchedule",
        ))
        .build()
        .unwrap();
    c.delete_contact(CONTACT).await.unwrap();
    let burns = c.burns(&session()).await.unwrap();
    assert_eq!(burns[0].amount, dec("15.5"));
}

#[tokio::test]
async fn pos_balance_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/POSProcessing.asmx"))
        .and(header(
            "SOAPAction",
            "http://loyalty.manzanagroup.ru/loyalty.xsd/ProcessRequest",
        ))
        .and(header("authorization", "Basic cG9zOnBvcy1wYXNz"))
        .and(wiremock::matchers::body_string_contains(
            "<Card><CardNumber>2000000000017</CardNumber></Card>",
        ))
        .and(wiremock::matchers::body_string_contains(
            "<orgName>org</orgName>",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("pos_balance.xml"), "text/xml"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server)
        .pos(PosConfig::new(
            format!("{}/POSProcessing.asmx", server.uri()),
            "pos",
            SecretString::from("pos-pass"),
            "org",
            "bu",
            "pos-1",
        ))
        .build()
        .unwrap();
    let b = c.pos_balance(Some("2000000000017"), None).await.unwrap();
    assert_eq!(b.active_balance, Some(dec("218.4")));
    assert_eq!(b.balance, Some(dec("300.5")));
    assert_eq!(b.card_number.as_deref(), Some("2000000000017"));
    assert_eq!(b.contact_id.as_deref(), Some(CONTACT));
}

#[tokio::test]
async fn pos_balance_is_unsupported_without_pos() {
    let server = MockServer::start().await;
    assert!(matches!(
        client(&server).pos_balance(Some("1"), None).await,
        Err(LoyaltyError::Unsupported { .. })
    ));
}

#[tokio::test]
async fn manager_cheques_and_operator_lines() {
    let server = MockServer::start().await;
    mount_login(&server, MANAGER_SESSION, 1).await;
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/Cheque/GetAllByContact"))
        .and(query_param("contactId", format!("'{CONTACT}'")))
        .and(query_param("sessionId", format!("'{MANAGER_SESSION}'")))
        .respond_with(json(fixture("cheques.json")))
        .expect(1)
        .mount(&server)
        .await;
    // Without an admin session the lines are read on the manager service (ASSUMED path).
    Mock::given(method("GET"))
        .and(path("/ManagerOfficeService/ChequeItem/GetAllByCheque"))
        .and(query_param("ChequeId", "'c1'"))
        .and(query_param("sessionId", format!("'{MANAGER_SESSION}'")))
        .respond_with(json(fixture("cheque_items.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = client(&server);
    let cheques = c.contact_cheques(CONTACT).await.unwrap();
    assert_eq!(cheques[0].number.as_deref(), Some("1002_PAY"));
    assert_eq!(c.cheque_items_as_operator("c1").await.unwrap().len(), 2);
}

#[tokio::test]
async fn operator_lines_use_the_admin_session_when_configured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(
            "/AdministratorOfficeService/ChequeItem/GetAllByCheque",
        ))
        .and(query_param("ChequeId", "'c1'"))
        .and(query_param("sessionId", "'adm-1'"))
        .respond_with(json(fixture("cheque_items.json")))
        .expect(1)
        .mount(&server)
        .await;
    let c = builder(&server).admin_session("adm-1").build().unwrap();
    assert_eq!(c.cheque_items_as_operator("c1").await.unwrap().len(), 2);
}
