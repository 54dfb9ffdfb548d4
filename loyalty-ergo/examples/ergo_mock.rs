//! The ERGO test kit in action, offline: one-line answers for a log-in, a balance, a vendor
//! error and a timeout, each decoded by the real client.
//!
//! Run with `cargo run -p loyalty-ergo --example ergo_mock --features mock`.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use loyalty_core::{Balance, Decimal, LoyaltyError, LoyaltyProvider, Phone};
use loyalty_ergo::ErgoMethod;
use loyalty_ergo::mock::{ErgoCode, ErgoMock, Fault};

#[tokio::main]
async fn main() -> Result<(), LoyaltyError> {
    let server = wiremock::MockServer::start().await;
    let ergo = ErgoMock::new(&server);
    ergo.get_token_ok("0ce330a1b1a02fa4592532b2aa12e5de").await;
    ergo.balance(&Balance::new(Decimal::from(1250))).await;
    ergo.post_sn_fails(ErgoCode::AlreadyRegistered).await;
    ergo.fault(ErgoMethod::GetProfile, Fault::Delay(Duration::from_secs(3)))
        .await;

    let client = ergo.client();
    let phone = Phone::parse_international("+380889993366")
        .map_err(|e| LoyaltyError::invalid("phone", e.to_string()))?;
    let session = client.get_token(&phone, "1234").await?.to_session();
    println!("balance: {}", client.balance(&session).await?.available);
    if let Err(e) = client.post_sn(&session, "123123").await {
        println!("PostSN: {e}");
    }
    if let Err(e) = client.get_profile(&session).await {
        println!("GetProfile: {e}");
    }
    Ok(())
}
