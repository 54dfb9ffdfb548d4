//! The BonusMoney test kit in action, offline: a captcha, an SMS log-in and a balance, each
//! decoded by the real client.
//!
//! Run with `cargo run -p loyalty-bonusmoney --example bonusmoney_mock --features mock`.
#![allow(clippy::print_stdout)]

use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::mock::BonusMoneyMock;
use loyalty_bonusmoney::models::{AuthType, Customer};
use loyalty_core::{Balance, Decimal, LoyaltyError, LoyaltyProvider, Phone, Region};

#[tokio::main]
async fn main() -> Result<(), LoyaltyError> {
    let server = wiremock::MockServer::start().await;
    let bm = BonusMoneyMock::new(&server);
    bm.asks_for_captcha(AuthType::Sms).await;
    bm.logs_in(&Customer::new("+7 (920) 000-00-00"), "customer-token")
        .await;
    bm.balance(&Balance::new(Decimal::from(250))).await;

    let client = bm.client();
    let phone = Phone::parse("8 920 000 00 00", Region::RU)
        .map_err(|e| LoyaltyError::invalid("phone", e.to_string()))?;
    let mut step = client.start_auth(&phone).await?;
    if let AuthStep::Captcha(captcha) = &step {
        println!("captcha: a {}-byte PNG", captcha.png().len());
        step = captcha.answer(&client, "w7xk").await?;
    }
    if let AuthStep::SmsCode(sms) = step {
        if let AuthOutcome::LoggedIn(me) = sms.submit_code(&client, "1234").await? {
            let balance = client.balance(&me.session()).await?;
            println!("logged in; balance {}", balance.available);
        }
    }
    Ok(())
}
