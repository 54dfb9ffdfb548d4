//! Starts the ERGO sandbox in-process and walks a seller through the bot's flows: log in by SMS
//! code, quick registration of a serial number, the full registration of a TV with a photo,
//! balance, registrations, actions (cached), news and a support question.
//!
//! `cargo run -p loyalty-ergo --example ergo_sandbox_flow --features sandbox`
//!
//! With `--serve` it keeps the sandbox running and prints its URL, for trying the API with curl.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use chrono::Utc;
use loyalty_core::{LoyaltyError, Phone, Region};
use loyalty_ergo::{
    ActionsCache, ErgoErrorExt, ErgoMethod, ErgoSandbox, Photo, RegistrationType,
    SnModelRegistration, SnOutcome,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = ErgoSandbox::start().await?;
    println!(
        "ERGO sandbox at {} (admin: {})",
        sandbox.base_url(),
        sandbox.admin_url()
    );
    if std::env::args().any(|a| a == "--serve") {
        println!("serving until Ctrl-C");
        tokio::signal::ctrl_c().await?;
        return Ok(());
    }
    let client = sandbox.client()?;

    // Authorization: the bot sends the shared contact's number, the seller types the SMS code
    // (read here from the sandbox's admin surface).
    let phone = Phone::parse("088 999 33 66", Region::UA)?;
    let sent = client.get_auth_code(&phone).await?;
    println!("GetAuthCode: {}", sent.comment.unwrap_or_default());
    let code = sandbox.last_code(phone.digits()).ok_or("no code")?;
    let token = client.get_token(&phone, &code).await?;
    println!(
        "logged in as {:?} {:?}",
        token.user_name, token.user_lastname
    );
    let session = token.to_session();

    // Quick registration.
    for serial in ["123123", "123123", "TV0001", "MULTI001"] {
        match client.post_sn(&session, serial).await {
            Ok(SnOutcome::Registered(r)) => {
                println!(
                    "PostSN {serial}: registered (action {:?}, model {:?})",
                    r.action_id, r.model_id
                );
            }
            Ok(SnOutcome::NeedsClarification {
                model_id, comment, ..
            }) => {
                println!(
                    "PostSN {serial}: full registration needed for model {model_id:?} ({comment:?})"
                );
            }
            Ok(other) => println!("PostSN {serial}: {other:?}"),
            Err(e) => {
                let kind = e.ergo().map(|x| x.kind(ErgoMethod::PostSN));
                println!("PostSN {serial}: {e} [{kind:?}]");
            }
        }
    }

    // Full registration: pick the model from the (cached) actions, attach a photo.
    let cache = ActionsCache::new(client.clone(), Duration::from_secs(3600));
    let actions = cache.get(&session).await?;
    for a in &actions.actions {
        println!(
            "action {} {:?}: {} model(s)",
            a.action_id,
            a.action_name,
            a.models.len()
        );
    }
    let tv = actions.model(17, 17).ok_or("no TV model")?;
    println!(
        "model {:?}: photo required = {}",
        tv.model_name, tv.model_photo
    );
    let reg = SnModelRegistration::new(17, 17, "TV0001", Utc::now().naive_utc())
        .photo(Photo::jpeg(vec![0xFF, 0xD8, 0xFF, 0xE0], "tv0001.jpg"));
    println!(
        "PostSNModel TV0001: {:?}",
        client.post_sn_model(&session, &reg).await?
    );

    let b = client.get_balance_info(&session).await?;
    println!(
        "balance: bonus {}, for confirmation {}, all time {}",
        b.bonus, b.registration_for_confirmation, b.registration_all
    );
    let regs = client
        .get_registrations(&session, &RegistrationType::All)
        .await?;
    for r in &regs.registrations {
        println!(
            "  {:?} {:?} {} pts — {:?}",
            r.registration_sn, r.registration_model, r.registration_points, r.registration_status
        );
    }
    for n in client.get_news(&session).await?.news {
        println!("news {}: {:?}", n.article_id, n.article_name);
    }
    client
        .post_question(&session, "Коли нарахують бонус за телевізор?", None)
        .await?;
    println!("questions stored: {}", sandbox.questions().len());

    // What a bot does when the session is gone.
    sandbox.expire_sessions(None);
    match client.get_profile(&session).await {
        Err(LoyaltyError::SessionExpired { .. }) => {
            println!("session expired: ask for the phone again")
        }
        other => println!("unexpected: {other:?}"),
    }
    sandbox.shutdown().await;
    Ok(())
}
