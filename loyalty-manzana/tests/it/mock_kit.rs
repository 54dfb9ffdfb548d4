//! The test kit (`loyalty_manzana::mock`): every helper's answer decodes with this crate's own
//! client, so the kit cannot drift from it.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::NaiveDateTime;
use loyalty_core::{Decimal, ExposeSecret, LoyaltyError, Phone, Region};
use loyalty_manzana::mock::{ADMIN_SESSION, Fault, ManzanaMock, MzOp, PARTNER_ID};
use loyalty_manzana::{Cheque, ChequeItem, Contact, CustomerSession};
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

/// What our client makes of `fault` on `Contact/Get`.
async fn error_for(fault: Fault) -> LoyaltyError {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.fault(MzOp::GetContact, fault).await;
    mz.client().get_contact(&session()).await.unwrap_err()
}

/// One test per fault kind: `$fault` mounted by the kit, and what our own client makes of it.
macro_rules! fault_test {
    ($name:ident, $fault:expr, $pat:pat $(if $guard:expr)?) => {
        #[tokio::test]
        async fn $name() {
            let e = error_for($fault).await;
            assert!(matches!(&e, $pat $(if $guard)?), "{e:?}");
        }
    };
}

fault_test!(
    fault_delay_past_the_timeout_is_a_timeout,
    Fault::Delay(Duration::from_secs(3)),
    LoyaltyError::Timeout { .. }
);
fault_test!(
    fault_5xx_is_a_server_error_with_its_status,
    Fault::ServerError(503),
    LoyaltyError::Server { detail } if detail.status == Some(503)
);
fault_test!(
    fault_429_is_rate_limited_with_retry_after,
    Fault::RateLimited { retry_after: 7 },
    LoyaltyError::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(7)
);
fault_test!(
    fault_malformed_json_is_a_decode_error,
    Fault::MalformedJson,
    LoyaltyError::Decode { status: 200, .. }
);
fault_test!(
    fault_html_error_page_is_a_server_error_with_its_status,
    Fault::HtmlErrorPage(502),
    LoyaltyError::Server { detail } if detail.status == Some(502)
);
fault_test!(
    fault_huge_body_is_a_decode_error,
    Fault::HugeBody(9 * 1024 * 1024),
    LoyaltyError::Decode { .. }
);

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

fn line(article: &str, name: Option<&str>, qty: i64, summ: i64, discounted: i64) -> ChequeItem {
    let mut i = ChequeItem::default();
    i.article_number = Some(article.into());
    i.product_name = name.map(Into::into);
    i.quantity = Some(Decimal::from(qty));
    i.summ = Some(Decimal::from(summ));
    i.summ_discounted = Some(Decimal::from(discounted));
    i
}

fn cheque(id: &str, number: &str, date: &str) -> Cheque {
    let mut c = Cheque::default();
    c.id = id.into();
    c.number = Some(number.into());
    c.date = Some(NaiveDateTime::parse_from_str(date, "%Y-%m-%dT%H:%M:%S").unwrap());
    c.org_unit_address = Some("ул. Мира, 7".into());
    c.summ = Some(Decimal::new(10000, 1));
    c.summ_discounted = Some(Decimal::new(9500, 1));
    c.bonus = Some(Decimal::new(841, 2));
    c.extra
        .insert("CashierName".into(), serde_json::json!("Смирнова О."));
    c
}

#[tokio::test]
async fn the_customers_cheques_and_lines_decode() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.cheques(&[
        cheque("c1", "1001", "2024-02-01T10:15:00"),
        cheque("c2", "1002_PAY", "2024-03-05T18:40:12"),
    ])
    .await;
    let mut priced = line("A-100", Some("Аспирин"), 2, 600, 570);
    priced.price = Some(Decimal::from(300));
    mz.cheque_items(&[priced, line("200", None, 1, 400, 380)])
        .await;
    let client = mz.client();
    let cheques = client.cheques(&session()).await.unwrap();
    // Newest first, every field back as it was.
    assert_eq!(cheques[0].number.as_deref(), Some("1002_PAY"));
    assert_eq!(cheques[1].discount(), Some(Decimal::from(50)));
    assert_eq!(cheques[1].bonus, Some(Decimal::new(841, 2)));
    assert_eq!(cheques[1].store_label().as_deref(), Some("ул. Мира, 7"));
    assert_eq!(
        cheques[1].extra_text("CashierName").as_deref(),
        Some("Смирнова О.")
    );
    let items = client.cheque_items(&session(), "c1").await.unwrap();
    assert_eq!(items[0].product_name.as_deref(), Some("Аспирин"));
    assert_eq!(items[0].unit_price(), Some(Decimal::from(300)));
    assert_eq!(items[1].unit_price(), Some(Decimal::from(400)));
    assert_eq!(items[1].discount(), Some(Decimal::from(20)));
    let sent = mz.requests(MzOp::Cheques).await;
    assert_eq!(sent[0]["contactId"], "'contact-1'");
    assert_eq!(sent[0]["sessionId"], "'session-1'");
    let sent = mz.requests(MzOp::ChequeItems).await;
    assert_eq!(sent[0]["ChequeId"], "'c1'");
    assert_eq!(sent[0]["sessionId"], "'session-1'");
}

#[tokio::test]
async fn the_manager_reads_a_contacts_cheques() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.manager_cheques(&[cheque("c1", "1001", "2024-02-01T10:15:00")])
        .await;
    let got = mz.client().contact_cheques("contact-1").await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].id, "c1");
    let sent = mz.requests(MzOp::ManagerCheques).await;
    assert_eq!(sent[0]["contactId"], "'contact-1'");
    assert_eq!(sent[0]["sessionId"], "'mock-manager-session'");
}

#[tokio::test]
async fn cheque_lines_read_as_administrator_decode() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.admin_cheque_items(&[
        line("A-100", Some("Аспирин"), 2, 600, 570),
        line("200", None, 1, 400, 380),
    ])
    .await;
    let client = mz
        .admin_client_builder()
        .product_names(|a: &str| (a == "200").then(|| "Бинт".to_owned()))
        .build()
        .unwrap();
    assert!(client.has_admin());
    let items = client.cheque_items_as_operator("c1").await.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].discount(), Some(Decimal::from(30)));
    assert_eq!(items[0].unit_price(), Some(Decimal::from(300)));
    // A line without a name is named through the product_names hook.
    assert_eq!(items[1].product_name.as_deref(), Some("Бинт"));
    let sent = mz.requests(MzOp::AdminChequeItems).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["ChequeId"], "'c1'");
    assert_eq!(sent[0]["sessionId"], format!("'{ADMIN_SESSION}'"));
    // Nothing went to the manager service.
    assert!(mz.requests(MzOp::ManagerLogin).await.is_empty());
}

#[tokio::test]
async fn a_refused_admin_session_is_session_expired() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.admin_session_refused(MzOp::AdminChequeItems).await;
    let e = mz
        .admin_client()
        .cheque_items_as_operator("c1")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, LoyaltyError::SessionExpired { detail } if detail.code.as_deref() == Some("100001")),
        "{e:?}"
    );
}

#[tokio::test]
async fn an_admin_odata_error_keeps_code_and_message() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.odata_error(MzOp::AdminChequeItems, 404, "0", "Чек не найден")
        .await;
    let e = mz
        .admin_client()
        .cheque_items_as_operator("c-missing")
        .await
        .unwrap_err();
    let detail = e.provider_detail().unwrap();
    assert_eq!(detail.code.as_deref(), Some("0"));
    assert_eq!(detail.message, "Чек не найден");
}

#[tokio::test]
async fn a_contact_is_deleted_as_administrator() {
    let server = MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.admin_contact_deleted().await;
    let client = mz.admin_client();
    assert!(client.can_delete());
    client.delete_contact("contact-1").await.unwrap();
    let sent = mz.requests(MzOp::AdminDeleteContact).await;
    assert_eq!(
        sent,
        vec![serde_json::json!({"SessionId": ADMIN_SESSION, "Id": "contact-1"})]
    );
}
