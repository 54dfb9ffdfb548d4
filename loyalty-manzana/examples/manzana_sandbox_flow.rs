//! The pharmacy customer's flows against the sandbox "test cabinet": SMS login, profile, balance,
//! purchases with lines, bonus history, and a purchase notification from `ChequeWatcher`.
//!
//! Run with `cargo run -p loyalty-manzana --example manzana_sandbox_flow --features sandbox`.
#![allow(clippy::print_stdout)]

use std::str::FromStr;
use std::sync::Arc;

use loyalty_core::{Decimal, PageRequest, Phone, Region};
use loyalty_manzana::sandbox::{DEMO_PHONE, SandboxCheque};
use loyalty_manzana::{ChequeWatcher, ManzanaSandbox};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = ManzanaSandbox::start().await?;
    let client = sandbox.client()?;
    let phone = Phone::parse(DEMO_PHONE, Region::RU)?;

    // Authorization: the SMS code is read from the test cabinet.
    let token = client.request_sms_login(&phone).await?;
    let code = sandbox.last_code(phone.e164()).ok_or("no code")?;
    let session = client.confirm_sms_login(&token, &code).await?;

    let contact = client.get_contact(&session).await?;
    println!(
        "{} {}: {} bonuses",
        contact.first_name.unwrap_or_default(),
        contact.last_name.unwrap_or_default(),
        contact.active_balance.unwrap_or_default()
    );
    for cheque in client
        .cheques_page(&session, PageRequest::first(5))
        .await?
        .items
    {
        println!(
            "{:?} {} — {} ₽, −{} / +{} bonuses",
            cheque.date,
            cheque.store_label().unwrap_or_default(),
            cheque.summ_discounted.unwrap_or_default(),
            cheque.paid_by_bonus.unwrap_or_default(),
            cheque.bonus.unwrap_or_default()
        );
        for line in client.cheque_items(&session, &cheque.id).await? {
            println!(
                "    {} × {} = {}",
                line.product_name.unwrap_or_default(),
                line.quantity.unwrap_or_default(),
                line.summ_discounted.or(line.summ).unwrap_or_default()
            );
        }
    }
    for r in client
        .bonus_history(&session, PageRequest::first(10))
        .await?
        .items
    {
        println!(
            "{:?} +{} −{} {}",
            r.created_date,
            r.earned(),
            r.spent(),
            r.rule_name.unwrap_or_default()
        );
    }

    // "Purchase made": a watcher polls the cheques; the test cabinet adds one.
    let watcher = ChequeWatcher::new(Arc::new(client.clone()));
    watcher.subscribe(session.contact_id.clone());
    watcher.poll_once().await?; // records the existing history
    sandbox.add_cheque(
        &session.contact_id,
        &SandboxCheque::new().line("Витамин D", Decimal::from_str("540")?, Decimal::ONE),
    )?;
    for event in watcher.poll_once().await? {
        println!(
            "New purchase {} for {} ₽ with {} line(s)",
            event.cheque.number.unwrap_or_default(),
            event.cheque.summ_discounted.unwrap_or_default(),
            event.lines.len()
        );
    }
    sandbox.shutdown().await;
    Ok(())
}
