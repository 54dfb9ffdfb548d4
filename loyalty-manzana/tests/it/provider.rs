//! `LoyaltyProvider` mapping against wiremock (the sandbox test covers the whole flow).
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::*;
use loyalty_core::{
    Capability, Gender, LoyaltyError, LoyaltyProvider, PageRequest, SecretString, Session,
};
use loyalty_manzana::provider::{from_session, to_session};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer};

fn core_session() -> Session {
    to_session(&session())
}

#[tokio::test]
async fn capabilities_follow_the_configuration() {
    let server = MockServer::start().await;
    let caps = client(&server).capabilities();
    assert!(caps.supports(Capability::FindCustomer));
    assert!(caps.supports(Capability::PurchaseDetail));
    assert!(!caps.supports(Capability::DeleteCustomer));
    assert!(!caps.supports(Capability::Promotions));
    let bare = loyalty_manzana::ManzanaClient::builder(server.uri(), PARTNER)
        .build()
        .unwrap();
    assert!(!bare.capabilities().supports(Capability::FindCustomer));
}

#[tokio::test]
async fn profile_maps_the_contact() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Contact/Get"))
        .and(query_param("id", format!("'{CONTACT}'")))
        .respond_with(json(fixture("contact.json")))
        .mount(&server)
        .await;
    let c = client(&server).profile(&core_session()).await.unwrap();
    assert_eq!(c.id.as_deref(), Some(CONTACT));
    assert_eq!(c.patronymic.as_deref(), Some("Петровна"));
    assert_eq!(c.gender, Some(Gender::Female));
    assert_eq!(c.phone.unwrap().e164(), "+79200000001");
    assert_eq!(c.birth_date.unwrap().to_string(), "1990-04-12");
}

#[tokio::test]
async fn purchase_detail_with_discount_cashier_and_lines() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Cheque/GetAllByContact"))
        .respond_with(json(fixture("cheques.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/ChequeItem/GetAllByCheque"))
        .respond_with(json(fixture("cheque_items.json")))
        .mount(&server)
        .await;
    let p = client(&server);
    let d = p
        .purchase(&core_session(), "c0000000-0000-4000-8000-000000000001")
        .await
        .unwrap();
    assert_eq!(d.discount, Some(dec("50")));
    assert_eq!(d.cashier.as_deref(), Some("Смирнова О."));
    assert_eq!(d.purchase.sum, dec("950"));
    assert_eq!(d.purchase.bonuses_spent, dec("50"));
    assert_eq!(d.purchase.bonuses_earned, dec("19.5"));
    // An empty address falls back to the store's full name.
    assert_eq!(
        d.purchase.store_address.as_deref(),
        Some("Аптека №5 на Ленина")
    );
    assert_eq!(d.lines[0].name, "Аспирин");
    assert_eq!(d.lines[0].unit_price, Some(dec("300")));
    assert_eq!(d.lines[0].total, dec("570"));
    assert_eq!(d.lines[1].name, "200");
    let err = p.purchase(&core_session(), "nope").await.unwrap_err();
    assert!(matches!(err, LoyaltyError::NotFound { .. }));
}

#[tokio::test]
async fn bonus_history_maps_debet_and_credit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/CustomerOfficeService/Bonus/GetAllByContact"))
        .respond_with(json(fixture("bonuses.json")))
        .mount(&server)
        .await;
    let c = client(&server);
    let page = LoyaltyProvider::bonus_history(&c, &core_session(), PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(page.items[0].earned, dec("8.41"));
    assert_eq!(page.items[0].reason.as_deref(), Some("Базовое начисление"));
    assert_eq!(page.items[1].spent, dec("50"));
    assert!(page.next.is_some());
}

#[tokio::test]
async fn confirm_without_a_request_is_refused_and_foreign_sessions_are_rejected() {
    let server = MockServer::start().await;
    let p = client(&server);
    assert!(matches!(
        p.confirm_code(&phone(), "1234").await,
        Err(LoyaltyError::InvalidInput { .. })
    ));
    let foreign = Session::new("ergo", SecretString::from("x")).with_customer_id("1");
    assert!(matches!(
        from_session(&foreign),
        Err(LoyaltyError::SessionExpired { .. })
    ));
}
