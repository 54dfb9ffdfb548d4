//! Starts the sandbox and rings up purchases at its till, offline:
//! search by phone → recalc → hold → retail spending the held points; then a sale that earns;
//! then a refused sale whose hold is released.
//!
//! `cargo run -p loyalty-loyalclient --example sandbox_till --features sandbox`
#![allow(clippy::print_stdout)]

use loyalty_core::{Decimal, LoyaltyProvider, Phone, Region};
use loyalty_loyalclient::LoyalClientSandbox;
use loyalty_loyalclient::provider::session_for;
use loyalty_loyalclient::sandbox::{CASHBACK_CARD, CASHBACK_PHONE, DEMO_POINT};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = LoyalClientSandbox::start().await?;
    println!("sandbox at {}", sandbox.base_url());
    let client = sandbox.client()?;
    let till = client.till(DEMO_POINT);

    // 1. A sale of 1000 spending what the client may spend, held first.
    let visit = till.find(CASHBACK_PHONE).await?;
    let c = visit.client();
    println!(
        "{} ({}), level {:?}, balance {}",
        c.name.as_deref().unwrap_or("?"),
        c.id,
        c.level.as_ref().and_then(|l| l.title.clone()),
        c.balance
    );
    let quote = visit.quote(Decimal::from(1000)).await?;
    println!(
        "recalc: may spend {}, would earn {}",
        quote.recalc().spend,
        quote.recalc().earn
    );
    let spend = quote.recalc().spend;
    let held = quote.hold(spend, Some(5)).await?;
    println!(
        "held {} as {} until {}",
        held.hold().amount,
        held.hold().id,
        held.hold().until
    );
    let sale = held.complete().await?;
    println!(
        "sold: {} paid by card, {:?} bonuses spent",
        sale.retail.total, sale.retail.spend
    );

    // 2. A sale that earns, found by card number.
    let sale = till
        .find(CASHBACK_CARD)
        .await?
        .quote(Decimal::from(400))
        .await?
        .earn()
        .await?;
    println!("earned {:?} bonuses", sale.retail.earn);

    // 3. The bonuses were all spent: a hold of 50 is refused before the sale even starts; with a
    //    balance set from the admin side, a hold then a refused sale (the hold is released).
    sandbox.set_balance(&sale.client.id, Decimal::from(100))?;
    let held = till
        .find(CASHBACK_PHONE)
        .await?
        .quote(Decimal::from(300))
        .await?
        .hold(Decimal::from(50), None)
        .await?;
    sandbox.set_balance(&sale.client.id, Decimal::from(10))?; // spent elsewhere meanwhile
    match held.complete().await {
        Ok(_) => println!("unexpected success"),
        Err(failure) => println!("sale refused: {failure}"),
    }

    // 4. The provider-neutral view.
    let phone = Phone::parse(&format!("+{CASHBACK_PHONE}"), Region::RU)?;
    if let Some(customer) = client.find_customer(&phone).await? {
        let session = session_for(CASHBACK_PHONE, &sale.client);
        let balance = client.balance(&session).await?;
        println!(
            "{}: {} bonuses, level {:?}",
            customer.display_name(),
            balance.available,
            balance.level.map(|l| l.name)
        );
    }
    for op in sandbox.operations() {
        println!(
            "op {} at point {}: amount {} spend {} earn {} → balance {}",
            op.id, op.point, op.amount, op.spend, op.earn, op.balance_after
        );
    }
    sandbox.shutdown().await;
    Ok(())
}
