//! The LoyalClient test kit in action, offline: a client found, a quote, and a hold refused
//! with 422 field errors, each decoded by the real client.
//!
//! Run with `cargo run -p loyalty-loyalclient --example loyalclient_mock --features mock`.
#![allow(clippy::print_stdout)]

use loyalty_core::{Decimal, LoyaltyError};
use loyalty_loyalclient::mock::{LcOp, LoyalClientMock, POINT};
use loyalty_loyalclient::{ClientProfile, ClientSearch, HoldRequest};

#[tokio::main]
async fn main() -> Result<(), LoyaltyError> {
    let server = wiremock::MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    let mut anna = ClientProfile::new("1001");
    anna.name = Some("Анна".into());
    anna.balance = Decimal::new(2505, 1);
    lc.client_found(&anna).await;
    lc.field_errors(LcOp::Hold, &[("spend", "Spend can't be more 100")])
        .await;

    let client = lc.client();
    let found = client
        .find_client(&ClientSearch::new("79201234567", POINT))
        .await?;
    println!("{:?} has {}", found.name, found.balance);
    let hold = HoldRequest::new("1001", POINT, Decimal::from(500));
    if let Err(e) = client.hold(&hold).await {
        println!("hold refused: {e}");
    }
    Ok(())
}
