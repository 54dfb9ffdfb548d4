//! Starts the sandbox and runs the whole auth flow against it, offline:
//! SMS code → sign-up → dashboard → a purchase from the admin side → a review.
//!
//! `cargo run -p loyalty-bonusmoney --example sandbox_auth --features sandbox [-- "+7 916 123-45-67"]`
#![allow(clippy::print_stdout)]

use loyalty_bonusmoney::BonusMoneySandbox;
use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::requests::{ProfileData, SetCommentRequest};
use loyalty_bonusmoney::sandbox::{CAPTCHA_ANSWER, SandboxPurchase};
use loyalty_core::{Decimal, LoyaltyError, PageRequest, Phone, Region};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let typed = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "+7 (916) 123-45-67".into());
    let phone = Phone::parse(&typed, Region::RU)?;

    let sandbox = BonusMoneySandbox::start().await?;
    println!("sandbox at {}", sandbox.base_url());
    let client = sandbox.client()?;

    // 1. getOptions: the sandbox sends an SMS by default.
    let mut step = client.start_auth(&phone).await?;
    let outcome = loop {
        match step {
            AuthStep::Captcha(c) => {
                println!("captcha: {} PNG bytes to show the user", c.png().len());
                step = c.answer(&client, CAPTCHA_ANSWER).await?;
            }
            AuthStep::SmsCode(sms) => {
                // A bot asks the user; here we read the code from the sandbox's admin side.
                let code = sandbox.last_code(&phone).ok_or("no code was sent")?;
                println!(
                    "SMS code {code} sent to {} (resend in {:?})",
                    phone.bracketed(),
                    sms.resend_after()
                );
                break sms.submit_code(&client, &code).await?;
            }
            AuthStep::CallPass(call) => {
                println!("call {} from your phone", call.call_to());
                break call.confirm(&client).await?;
            }
            AuthStep::NoVerification(n) => break n.log_in(&client).await?,
            _ => return Err("unexpected step".into()),
        }
    };

    // 2. Logged in, or sign up with the company's prefill.
    let me = match outcome {
        AuthOutcome::LoggedIn(me) => me,
        AuthOutcome::NeedsSignUp(ticket) => {
            let mut data = ticket.prefill_data();
            if !data.missing_fields().is_empty() {
                // Every profile field is required: name, birth date and gender at least.
                data = ProfileData::new("Мария")
                    .surname("Иванова")
                    .b_date(chrono::NaiveDate::from_ymd_opt(1992, 3, 4).ok_or("date")?)
                    .male(false);
            }
            println!("new member, signing up as {}", data.name);
            ticket.sign_up(&client, data).await?
        }
        _ => return Err("unexpected outcome".into()),
    };
    println!("session: {:?}", me.session());

    // 3. The dashboard.
    let dash = client.get_dashboard(me.token()).await?;
    println!(
        "{}: {} points, level {}",
        dash.about.name, dash.mark_parameters.marks, dash.level_parameters.lvl_number
    );

    // 4. A purchase at the cash desk (admin side), then a review.
    let tx = sandbox.add_purchase(
        &phone,
        &SandboxPurchase::new().line("Кофе", Decimal::from(250), Decimal::from(2)),
    )?;
    println!(
        "purchase {} earned {} points",
        tx.order_id, tx.mark_increase
    );
    client
        .set_comment(
            me.token(),
            &SetCommentRequest::new(tx.order_id.as_str(), 5).text("Вкусно!"),
        )
        .await?;
    match client
        .set_comment(me.token(), &SetCommentRequest::new(tx.order_id.as_str(), 1))
        .await
    {
        Err(LoyaltyError::InvalidInput { fields, .. }) => {
            println!("second review refused: {}", fields[0].message);
        }
        other => println!("unexpected: {other:?}"),
    }
    for e in client
        .get_marks_history(me.token(), PageRequest::first(5))
        .await?
        .items
    {
        println!(
            "{} {:<24} +{} -{} = {}",
            e.time,
            e.name.unwrap_or_default(),
            e.mark_increase,
            e.mark_decrease,
            e.mark_current
        );
    }
    sandbox.shutdown().await;
    Ok(())
}
