//! The Manzana test kit in action, offline: an SMS log-in, a balance and an `odata.error`, each
//! decoded by the real client.
//!
//! Run with `cargo run -p loyalty-manzana --example manzana_mock --features mock`.
#![allow(clippy::print_stdout)]

use loyalty_core::{Decimal, LoyaltyError, Phone, Region};
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
    Ok(())
}
