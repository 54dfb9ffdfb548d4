//! The sandbox over real HTTP: SMS login → contact → update → cheques → lines → bonus history;
//! registration of a new phone; sessions that expire; the admin surface; the provider flow.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_core::{
    Clock, CodeRequest, Decimal, LoyaltyError, LoyaltyProvider, ManualClock, NewCustomer,
    PageRequest, Phone, ProfilePatch, Region, Verification,
};
use loyalty_manzana::sandbox::{DEMO_PHONE, NO_CARDS_PHONE};
use loyalty_manzana::{BodyForm, ManzanaClient, ManzanaSandbox, Registration};
use serde_json::json;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn ph(s: &str) -> Phone {
    Phone::parse(s, Region::RU).unwrap()
}

fn clock() -> Arc<ManualClock> {
    let start: DateTime<Utc> = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
    Arc::new(ManualClock::new(start))
}

async fn login(
    sb: &ManzanaSandbox,
    c: &ManzanaClient,
    phone: &str,
) -> loyalty_manzana::CustomerSession {
    let token = c.request_sms_login(&ph(phone)).await.unwrap();
    let code = sb.last_code(phone).expect("a code was sent");
    assert_eq!(code.len(), 4);
    c.confirm_sms_login(&token, &code).await.unwrap()
}

async fn flow(form: BodyForm) {
    let sb = ManzanaSandbox::start().await.unwrap();
    let c = sb.client_builder().body_form(form).build().unwrap();
    // Find by phone (manager session, logged in automatically).
    let found = c
        .find_contact_by_phone(&ph(DEMO_PHONE))
        .await
        .unwrap()
        .unwrap();
    // SMS login.
    let s = login(&sb, &c, DEMO_PHONE).await;
    assert_eq!(s.contact_id, found.id);
    // Contact and an update that persists.
    let contact = c.get_contact(&s).await.unwrap();
    assert_eq!(contact.first_name.as_deref(), Some("Анна"));
    let balance = contact.active_balance.unwrap();
    c.modify_contact(&s, |c| {
        c.email_address = Some("anna@example.org".into());
        c.birth_date = loyalty_core::de::parse_naive_datetime("1991-01-02");
    })
    .await
    .unwrap();
    let again = c.get_contact(&s).await.unwrap();
    assert_eq!(again.email_address.as_deref(), Some("anna@example.org"));
    assert_eq!(again.birth_date.unwrap().date().to_string(), "1991-01-02");
    assert_eq!(again.last_name.as_deref(), Some("Иванова"));
    // Cards.
    assert_eq!(c.cards(&s).await.unwrap().len(), 2);
    // Cheques, newest first, and lines.
    let cheques = c.cheques(&s).await.unwrap();
    assert_eq!(cheques.len(), 3);
    assert!(cheques[0].date > cheques[1].date);
    let first = cheques
        .iter()
        .find(|c| c.number.as_deref() == Some("1001"))
        .unwrap();
    assert_eq!(first.summ, Some(dec("850")));
    assert_eq!(first.paid_by_bonus, Some(dec("50")));
    let items = c.cheque_items(&s, &first.id).await.unwrap();
    assert_eq!(items.len(), 2);
    // The sandbox sends no name or price: the name comes from its catalogue through the
    // client's hook, the price from Summ / Quantity.
    assert_eq!(items[0].product_name.as_deref(), Some("Аспирин"));
    assert_eq!(items[0].price, None);
    assert_eq!(items[0].unit_price(), Some(dec("300")));
    // Bonus history pages, and a balance that follows the records.
    let page = c.bonus_history(&s, PageRequest::first(2)).await.unwrap();
    assert_eq!(page.items.len(), 2);
    let all = c.bonus_history(&s, PageRequest::first(100)).await.unwrap();
    let sum: Decimal = all.items.iter().map(|r| r.earned() - r.spent()).sum();
    assert_eq!(sum, balance);
    sb.add_bonus(&s.contact_id, dec("10"), "Подарок").unwrap();
    assert_eq!(c.balance(&s).await.unwrap(), balance + dec("10"));
    // Coupons and logout.
    assert_eq!(c.coupons(&s).await.unwrap().len(), 1);
    c.logout(&s).await.unwrap();
    assert!(matches!(
        c.get_contact(&s).await,
        Err(LoyaltyError::SessionExpired { .. })
    ));
}

#[tokio::test]
async fn flow_form_a() {
    flow(BodyForm::Parameter).await;
}

#[tokio::test]
async fn flow_form_b() {
    flow(BodyForm::Direct).await;
}

#[tokio::test]
async fn registration_of_a_new_phone_and_rejection_of_a_known_one() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    let phone = ph("+79200000077");
    let mut reg = Registration::new(&phone);
    reg.first_name = Some("Ольга".into());
    reg.last_name = Some("Новикова".into());
    let t = c.request_registration(&reg).await.unwrap();
    c.request_phone_verification(&t).await.unwrap();
    let code = sb.last_code(phone.e164()).unwrap();
    let wrong = if code == "0000" { "1111" } else { "0000" };
    assert!(matches!(
        c.check_registration_sms(&t, wrong).await,
        Err(LoyaltyError::WrongCode { .. })
    ));
    let t2 = c.check_registration_sms(&t, &code).await.unwrap();
    let s = c.finish_registration(&t2).await.unwrap();
    let me = c.get_contact(&s).await.unwrap();
    assert_eq!(me.first_name.as_deref(), Some("Ольга"));
    assert_eq!(me.mobile_phone.as_deref(), Some("+79200000077"));
    assert_eq!(c.cards(&s).await.unwrap().len(), 1);
    // The phone is known now: registration is refused.
    let err = c.request_registration(&reg).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::InvalidInput { .. }), "{err:?}");
    // Server-side creation refuses it too, and accepts a new phone.
    assert!(matches!(
        c.create_contact(&reg).await,
        Err(LoyaltyError::InvalidInput { .. })
    ));
    let id = c
        .create_contact(&Registration::new(&ph("+79200000078")))
        .await
        .unwrap();
    assert_eq!(sb.contact_id("+79200000078"), Some(id));
}

#[tokio::test]
async fn sessions_expire_and_the_manager_session_is_renewed() {
    let clock = clock();
    let sb = ManzanaSandbox::builder()
        .clock(clock.clone() as Arc<dyn Clock>)
        .session_ttl(Duration::from_secs(600))
        .start()
        .await
        .unwrap();
    let c = sb.client().unwrap();
    let s = login(&sb, &c, NO_CARDS_PHONE).await;
    assert!(c.cards(&s).await.unwrap().is_empty());
    assert!(c.cheques(&s).await.unwrap().is_empty());
    assert!(
        c.find_contact_by_phone(&ph(DEMO_PHONE))
            .await
            .unwrap()
            .is_some()
    );
    clock.advance(chrono::Duration::seconds(601));
    assert!(matches!(
        c.get_contact(&s).await,
        Err(LoyaltyError::SessionExpired { .. })
    ));
    // The manager session expired too: the client logs in again by itself.
    assert!(
        c.find_contact_by_phone(&ph(DEMO_PHONE))
            .await
            .unwrap()
            .is_some()
    );
    assert!(sb.expire_sessions() >= 2);
    assert!(
        c.find_contact_by_phone(&ph(DEMO_PHONE))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn admin_surface_over_http() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let c = sb.client().unwrap();
    loyalty_core::http::ensure_crypto_provider();
    let http = reqwest::Client::new();
    c.request_sms_login(&ph(DEMO_PHONE)).await.unwrap();
    let code: serde_json::Value = http
        .get(format!("{}last-code", sb.admin_surface_url()))
        .query(&[("phone", DEMO_PHONE)])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(code["code"].as_str(), sb.last_code(DEMO_PHONE).as_deref());
    let id = sb.contact_id(DEMO_PHONE).unwrap();
    let before = sb.balance(&id);
    let r: serde_json::Value = http
        .post(format!("{}bonus", sb.admin_surface_url()))
        .json(&json!({"contactId": id, "amount": "-5"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        r["balance"],
        json!(serde_json::Number::from_str(&(before - dec("5")).normalize().to_string()).unwrap())
    );
    let r = http
        .post(format!("{}cheque", sb.admin_surface_url()))
        .json(&json!({"contactId": id, "lines": [{"name": "Йод", "price": "45", "quantity": "2"}]}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let r = http
        .post(format!("{}delete-contact", sb.admin_surface_url()))
        .json(&json!({"contactId": id}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert!(
        c.find_contact_by_phone(&ph(DEMO_PHONE))
            .await
            .unwrap()
            .is_none()
    );
    let r = http
        .post(format!("{}expire-sessions", sb.admin_surface_url()))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
}

#[tokio::test]
async fn provider_flow_login_and_sign_up() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let p: Arc<dyn LoyaltyProvider> = Arc::new(sb.client().unwrap());
    // A member: SMS login.
    let demo = ph(DEMO_PHONE);
    p.request_code(&CodeRequest::new(demo.clone()))
        .await
        .unwrap();
    let code = sb.last_code(DEMO_PHONE).unwrap();
    let Verification::LoggedIn(session) = p.confirm_code(&demo, &code).await.unwrap() else {
        panic!("a member logs in")
    };
    let me = p.profile(&session).await.unwrap();
    assert_eq!(me.first_name.as_deref(), Some("Анна"));
    let me = p
        .update_profile(&session, &ProfilePatch::new().first_name("Аня"))
        .await
        .unwrap();
    assert_eq!(me.first_name.as_deref(), Some("Аня"));
    assert_eq!(
        p.profile(&session).await.unwrap().first_name.as_deref(),
        Some("Аня")
    );
    let bal = p.balance(&session).await.unwrap();
    assert!(bal.available > Decimal::ZERO);
    let purchases = p.purchases(&session, PageRequest::first(2)).await.unwrap();
    assert_eq!(purchases.items.len(), 2);
    assert!(purchases.next.is_some());
    let detail = p.purchase(&session, &purchases.items[0].id).await.unwrap();
    assert!(!detail.lines.is_empty());
    // Manzana sends no cashier name that any public source shows: the sandbox invents none.
    assert_eq!(detail.cashier, None);
    let history = p
        .bonus_history(&session, PageRequest::first(10))
        .await
        .unwrap();
    assert!(!history.items.is_empty());
    assert!(p.find_customer(&demo).await.unwrap().is_some());
    assert!(matches!(
        p.delete_customer(&session).await,
        Err(LoyaltyError::Unsupported { .. })
    ));
    // A new phone: registration.
    let new = ph("+79200000099");
    assert!(p.find_customer(&new).await.unwrap().is_none());
    p.request_code(&CodeRequest::new(new.clone()))
        .await
        .unwrap();
    let code = sb.last_code(new.e164()).unwrap();
    let Verification::NeedsSignUp(ticket) = p.confirm_code(&new, &code).await.unwrap() else {
        panic!("a new phone signs up")
    };
    let data = NewCustomer::with_phone(new.clone())
        .first_name("Ирина")
        .last_name("Петрова")
        .email("irina@example.org");
    let session = p.sign_up(&ticket, &data).await.unwrap();
    let me = p.profile(&session).await.unwrap();
    assert_eq!(me.first_name.as_deref(), Some("Ирина"));
    assert_eq!(me.email.as_deref(), Some("irina@example.org"));
    assert_eq!(me.phone, Some(new));
}
