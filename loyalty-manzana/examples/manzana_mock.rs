//! The Manzana test kit in action, offline: an SMS log-in, a balance, an `odata.error` and a
//! cheque's lines read as administrator, each decoded by the real client.
//!
//! Run with `cargo run -p loyalty-manzana --example manzana_mock --features mock`.
#![allow(clippy::print_stdout)]

use loyalty_core::{Decimal, LoyaltyError, Phone, Region};
use loyalty_manzana::ChequeItem;
use loyalty_manzana::mock::{ManzanaMock, MzOp};

#[tokio::main]
async fn main() -> Result<(), LoyaltyError> {
    let server = wiremock::MockServer::start().await;
    let mz = ManzanaMock::new(&server);
    mz.sms_login_ok("sms-token", "contact-1", "session-1").await;
    mz.balance("contact-1", Decimal::new(2184, 1)).await;
    mz.odata_error(MzOp::Cards, 400, "100962", "Карта не активна")
        .await;

    let client = mz.client();
    let phone = Phone::parse("+79200000001", Region::RU)
        .map_err(|e| LoyaltyError::invalid("phone", e.to_string()))?;
    let token = client.request_sms_login(&phone).await?;
    let session = client.confirm_sms_login(&token, "1234").await?;
    println!("balance: {}", client.balance(&session).await?);
    if let Err(e) = client.cards(&session).await {
        println!("cards: {e}");
    }

    // The administrator service: a cheque's lines read with the tenant's admin session.
    let mut line = ChequeItem::default();
    line.product_name = Some("Аспирин".into());
    line.quantity = Some(Decimal::from(2));
    line.summ = Some(Decimal::from(600));
    mz.admin_cheque_items(&[line]).await;
    for l in mz.admin_client().cheque_items_as_operator("c1").await? {
        let price = l.unit_price().unwrap_or_default();
        let name = l.product_name.unwrap_or_default();
        println!(
            "line: {name} × {} at {price}",
            l.quantity.unwrap_or_default()
        );
    }
    Ok(())
}
