//! Issue 16: the sandbox invents no line names, prices or cashier, and its test cabinet lists
//! contacts and pending registrations.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use loyalty_core::{Decimal, LoyaltyProvider};
use loyalty_manzana::provider::to_session;
use loyalty_manzana::sandbox::{DEMO_PHONE, SandboxCheque};
use loyalty_manzana::{ManzanaSandbox, Registration};

#[tokio::test]
async fn cheque_lines_carry_only_what_manzana_sends_and_names_come_from_the_hook() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let contact = sb.contact_id(DEMO_PHONE).unwrap();
    let cheque = sb
        .add_cheque(
            &contact,
            &SandboxCheque::new().line("Аспирин", Decimal::from(120), Decimal::from(2)),
        )
        .unwrap();
    assert!(cheque.get("CashierName").is_none(), "{cheque}");
    let id = cheque["Id"].as_str().unwrap().to_owned();

    let c = sb.client().unwrap();
    let phone = loyalty_core::Phone::parse(DEMO_PHONE, loyalty_core::Region::RU).unwrap();
    let token = c.request_sms_login(&phone).await.unwrap();
    let s = c
        .confirm_sms_login(&token, &sb.last_code(DEMO_PHONE).unwrap())
        .await
        .unwrap();
    // A client without the catalogue hook sees the wire as it is.
    let bare = loyalty_manzana::ManzanaClient::builder(
        sb.customer_url(),
        loyalty_manzana::sandbox::PARTNER_ID,
    )
    .build()
    .unwrap();
    let items = bare.cheque_items(&s, &id).await.unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].product_name, None);
    assert_eq!(items[0].price, None);
    assert!(items[0].article_number.is_some());
    // The sandbox's client resolves the article through the catalogue hook.
    let d = c.purchase(&to_session(&s), &id).await.unwrap();
    assert_eq!(d.lines[0].name, "Аспирин");
    assert_eq!(d.lines[0].unit_price, Some(Decimal::from(120)));
    assert_eq!(d.cashier, None);
}

#[tokio::test]
async fn the_cabinet_lists_contacts_and_pending_registrations() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let contacts = sb.contacts();
    assert!(
        contacts
            .iter()
            .any(|c| c.get("MobilePhone").and_then(|p| p.as_str()) == Some(DEMO_PHONE))
    );
    assert!(sb.pending_registrations().is_empty());
    let c = sb.client().unwrap();
    let phone = loyalty_core::Phone::parse("+79205550011", loyalty_core::Region::RU).unwrap();
    let mut r = Registration::new(&phone);
    r.first_name = Some("Вера".into());
    c.request_registration(&r).await.unwrap();
    let pending = sb.pending_registrations();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].phone, "+79205550011");
    assert!(!pending[0].verified);
    assert_eq!(pending[0].first_name.as_deref(), Some("Вера"));
}

#[tokio::test]
async fn last_code_takes_a_parsed_phone_or_its_text() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let phone = loyalty_core::Phone::parse(DEMO_PHONE, loyalty_core::Region::RU).unwrap();
    c.request_sms_login(&phone).await.unwrap();
    let by_phone = sb.last_code(&phone).unwrap();
    assert_eq!(sb.last_code(DEMO_PHONE), Some(by_phone));
}
