//! The test kit (`loyalty_manzana::mock`): every helper's answer decodes with this crate's own
//! client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use loyalty_core::{Decimal, ExposeSecret, LoyaltyError, Phone, Region};
use loyalty_manzana::mock::{Fault, ManzanaMock, MzOp, PARTNER_ID};
use loyalty_manzana::{Contact, CustomerSession};
use wiremock::MockServer;

fn phone() -> Phone {
    Phone::parse("+79200000001", Region::RU).unwrap()
}

fn session() -> CustomerSession {
    CustomerSession::new("contact-1", "session-1")
}

#[tokio::test]
async fn the_sms_login_decodes() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.sms_login_ok("sms-token", "contact-1", "session-1").await;
    let client = mz.client();
    let token = client.request_sms_login(&phone()).await.unwrap();
    assert_eq!(token.expose_secret(), "sms-token");
    let s = client.confirm_sms_login(&token, "1234").await.unwrap();
    assert_eq!(s.contact_id, "contact-1");
    assert_eq!(s.session_id.expose_secret(), "session-1");
    let sent = mz.requests(MzOp::RequestSmsLogin).await;
    assert_eq!(sent[0]["Phone"], "+79200000001");
    assert_eq!(sent[0]["PartnerId"], PARTNER_ID);
}

#[tokio::test]
async fn the_contact_and_the_balance_decode() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    let mut c = Contact::new("contact-1");
    c.first_name = Some("Анна".into());
    c.mobile_phone = Some("+79200000001".into());
    c.active_balance = Some(Decimal::new(2184, 1));
    mz.contact(&c).await;
    let client = mz.client();
    let got = client.get_contact(&session()).await.unwrap();
    assert_eq!(got.first_name.as_deref(), Some("Анна"));
    assert_eq!(
        client.balance(&session()).await.unwrap(),
        Decimal::new(2184, 1)
    );
    let sent = mz.requests(MzOp::GetContact).await;
    // GET arguments go out as OData string literals.
    assert_eq!(sent[0]["id"], "'contact-1'");
}

#[tokio::test]
async fn odata_errors_map_by_code_and_operation() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.odata_error(MzOp::ConfirmSmsLogin, 400, "100500", "Неверный код")
        .await;
    mz.odata_error(MzOp::GetContact, 401, "100001", "Сессия недействительна")
        .await;
    let client = mz.client();
    let e = client
        .confirm_sms_login(&"t".to_owned().into(), "0000")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, LoyaltyError::WrongCode { detail } if detail.code.as_deref() == Some("100500") && detail.message == "Неверный код"),
        "{e:?}"
    );
    let e = client.get_contact(&session()).await.unwrap_err();
    assert!(matches!(e, LoyaltyError::SessionExpired { .. }), "{e:?}");
}

#[tokio::test]
async fn faults_map_to_the_clients_errors() {
    type Check = fn(&LoyaltyError) -> bool;
    let cases: Vec<(Fault, Check)> = vec![
        (Fault::Delay(Duration::from_secs(3)), |e| {
            matches!(e, LoyaltyError::Timeout { .. })
        }),
        (
            Fault::ServerError(500),
            |e| matches!(e, LoyaltyError::Server { detail } if detail.status == Some(500)),
        ),
        (
            Fault::RateLimited { retry_after: 7 },
            |e| matches!(e, LoyaltyError::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(7)),
        ),
        (Fault::MalformedJson, |e| {
            matches!(e, LoyaltyError::Decode { .. })
        }),
        (
            Fault::HtmlErrorPage(502),
            |e| matches!(e, LoyaltyError::Server { detail } if detail.status == Some(502)),
        ),
        (Fault::HugeBody(9 * 1024 * 1024), |e| {
            matches!(e, LoyaltyError::Decode { .. })
        }),
    ];
    for (fault, expected) in cases {
        let label = format!("{fault:?}");
        let server = MockServer::start().await;
        let mz = ManzanaMock::new(&server);
        mz.fault(MzOp::GetContact, fault).await;
        let e = mz.client().get_contact(&session()).await.unwrap_err();
        assert!(expected(&e), "{label}: {e:?}");
    }
}

#[tokio::test]
async fn the_manager_finds_a_contact_by_phone() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    let mut c = Contact::new("contact-1");
    c.mobile_phone = Some("+79200000001".into());
    mz.found_by_phone(Some(&c)).await;
    let got = mz.client().find_contact_by_phone(&phone()).await.unwrap();
    assert_eq!(got.map(|c| c.id), Some("contact-1".to_owned()));
    let login = mz.requests(MzOp::ManagerLogin).await;
    assert_eq!(login[0]["Login"], loyalty_manzana::mock::MANAGER_LOGIN);
    let sent = mz.requests(MzOp::FindByPhone).await;
    assert_eq!(sent[0]["sessionId"], "'mock-manager-session'");

    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.found_by_phone(None).await;
    assert!(
        mz.client()
            .find_contact_by_phone(&phone())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn the_entity_matcher_reads_both_body_forms() {
    use loyalty_manzana::BodyForm;
    use loyalty_manzana::mock::entity_has_keys;
    for form in [BodyForm::Parameter, BodyForm::Direct] {
        let server = MockServer::start().await;
        let mz = ManzanaMock::new(&server);
        wiremock::Mock::given(entity_has_keys(&["Phone", "PartnerId"]))
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"value": "t"})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let client = mz.client_builder().body_form(form).build().unwrap();
        client.request_sms_login(&phone()).await.unwrap();
    }
}
