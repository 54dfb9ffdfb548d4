//! Offline demo of loyalty-codes: an SMS gateway that is down, then a "phone" on the console.
//!
//! ```text
//! cargo run -p loyalty-codes --example codes_demo
//! ```
//!
//! The first channel fails, the dispatcher falls back to the second one, which prints the
//! message (this terminal plays the user's phone). The demo then types a wrong code, the right
//! one, and the right one again (refused: a code is used once).
#![allow(clippy::print_stdout)] // a demo talks to its terminal

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use loyalty_codes::channels::MemoryChannel;
use loyalty_codes::{
    Action, AttemptOutcome, ChannelError, ChannelId, CodeChannel, CodeService, Delivery,
    DeliveryReceipt, Language, MemoryStore, Programme, Recipient, SendRequest, Subject,
};
use loyalty_core::{Phone, Region, SecretString};

/// How a bot writes its own channel (the messenger chat is one): implement `CodeChannel`.
/// This one prints the message and remembers the code, so the demo can "type" it.
#[derive(Debug, Default)]
struct ConsolePhone {
    last_code: Mutex<Option<String>>,
}

#[async_trait]
impl CodeChannel for ConsolePhone {
    fn id(&self) -> ChannelId {
        ChannelId::from("console")
    }

    fn can_reach(&self, _recipient: &Recipient) -> bool {
        true
    }

    async fn deliver(&self, delivery: &Delivery<'_>) -> Result<DeliveryReceipt, ChannelError> {
        println!("    📱 the phone shows: {}", delivery.expose_text());
        *self.last_code.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(delivery.expose_code().to_owned());
        Ok(DeliveryReceipt::default())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // An SMS gateway that is down, and the console phone behind it.
    let sms = Arc::new(MemoryChannel::new("sms").failing(|| ChannelError::NotSent {
        message: "connection refused (the demo's gateway is down)".into(),
    }));
    let phone_channel = Arc::new(ConsolePhone::default());

    let programme = Programme::new()
        .require(Action::LogIn, ["sms", "console"])
        .require(Action::SpendBonuses, ["console"]);
    let service = CodeService::builder(
        programme,
        Arc::new(MemoryStore::new()),
        SecretString::from("demo-pepper-keep-it-outside-the-database"),
    )
    .channel(sms)
    .channel(phone_channel.clone())
    .build()?;

    let phone = Phone::parse("088 999 33 66", Region::UA)?;
    let subject = Subject::phone(&phone);
    println!(
        "log-in needs a code: {}",
        service.requires_code(&Action::LogIn)
    );
    println!(
        "delete-account needs a code: {}",
        service.requires_code(&Action::DeleteAccount)
    );

    println!("\nsending a log-in code to {}…", phone.masked());
    let request = SendRequest::new(
        subject.clone(),
        Action::LogIn,
        Recipient::new().phone(phone),
    )
    .language(Language::En);
    let receipt = service.send(&request).await?;
    for a in &receipt.attempts {
        let what = match &a.outcome {
            AttemptOutcome::Delivered(_) => "delivered".to_owned(),
            AttemptOutcome::Failed(e) => format!("failed: {e}"),
            AttemptOutcome::Skipped(r) => format!("skipped: {r:?}"),
            _ => "other".to_owned(),
        };
        println!(
            "  attempt via {:<8} at {} → {what}",
            a.channel,
            a.at.format("%H:%M:%S")
        );
    }
    println!(
        "  delivered via {}, valid until {}",
        receipt.delivered_via,
        receipt.expires_at.format("%H:%M:%S")
    );

    let typed = phone_channel
        .last_code
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .ok_or("the console phone got nothing")?;

    println!("\ntyping a wrong code…");
    match service.verify(&subject, &Action::LogIn, "000000x").await {
        Err(e) => println!("  refused: {e}"),
        Ok(_) => println!("  accepted?!"),
    }
    println!("typing the code from the phone…");
    let ok = service.verify(&subject, &Action::LogIn, &typed).await?;
    println!("  verified {} at {}", ok.action, ok.at.format("%H:%M:%S"));
    println!("typing it once more…");
    match service.verify(&subject, &Action::LogIn, &typed).await {
        Err(e) => println!("  refused: {e}"),
        Ok(_) => println!("  accepted?!"),
    }
    Ok(())
}
