//! Spending bonuses at a LoyalClient till confirmed by a code (issue 21): find → quote → code to
//! the customer → hold with the code → sale, against the LoyalClient and SMS.ru sandboxes.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use loyalty_bot::codes::{self, BotCodes, CodesConfig};
use loyalty_bot::engine::CodeBudget;
use loyalty_bot::storage::Storage;
use loyalty_bot::texts::{Lang, Texts};
use loyalty_bot::till::{CodeConfirmedSpend, TillCodeError};
use loyalty_codes::CodeError;
use loyalty_core::{Decimal, ExposeSecret};
use loyalty_loyalclient::LoyalClientSandbox;
use loyalty_loyalclient::sandbox::{CASHBACK_PHONE, DEMO_POINT};

struct Till {
    sandbox: LoyalClientSandbox,
    codes: BotCodes,
    spend: CodeConfirmedSpend,
    _dir: tempfile::TempDir,
}

async fn till(budget: CodeBudget) -> Till {
    let sandbox = LoyalClientSandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let storage = Storage::connect(&format!("sqlite:{}", dir.path().join("t.db").display()))
        .await
        .unwrap();
    let config = CodesConfig::from_lookup(&|_: &str| None, true).unwrap();
    let codes = BotCodes::build(
        &config,
        &storage,
        loyalty_loyalclient::PROVIDER,
        Arc::new(Texts::built_in()),
        codes::MessengerRoutes::default(),
    )
    .await
    .unwrap();
    Till {
        sandbox,
        spend: CodeConfirmedSpend::new(codes.clone(), budget),
        codes,
        _dir: dir,
    }
}

impl Till {
    fn last_sms(&self) -> String {
        let m = self.codes.sms_sandbox().unwrap().messages();
        m.last().unwrap().text.expose_secret().to_owned()
    }
}

fn code_in(text: &str) -> String {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn spending_needs_the_code_sent_to_the_customer() {
    let t = till(CodeBudget::default()).await;
    assert!(t.spend.required());
    let visit = t
        .sandbox
        .client()
        .unwrap()
        .till(DEMO_POINT)
        .find(CASHBACK_PHONE)
        .await
        .unwrap();
    let quote = visit.quote(Decimal::new(1000, 0)).await.unwrap();
    let points = quote.recalc().spend.min(Decimal::new(50, 0));
    assert!(points > Decimal::ZERO);

    let receipt = t.spend.send_code(&quote, points, Lang::Ru).await.unwrap();
    assert_eq!(receipt.delivered_via.as_str(), "sms");
    let sms = t.last_sms();
    let code = code_in(&sms);
    assert_eq!(
        sms,
        format!("Код для списания бонусов: {code}. Назовите его только кассиру.")
    );
    let sent_to = t.codes.sms_sandbox().unwrap().messages()[0].to.clone();
    assert_eq!(sent_to, CASHBACK_PHONE);

    // A wrong code holds nothing; the code is bound to these points, not more.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e = t.spend.hold(&quote, points, None, wrong).await.unwrap_err();
    assert!(
        matches!(
            e,
            TillCodeError::Code(CodeError::WrongCode { attempts_left: 4 })
        ),
        "{e:?}"
    );
    let more = points + Decimal::ONE;
    let e = t.spend.hold(&quote, more, None, &code).await.unwrap_err();
    assert!(
        matches!(e, TillCodeError::Code(CodeError::NoActiveCode)),
        "{e:?}"
    );
    assert!(
        t.sandbox.holds().is_empty(),
        "no hold without the right code"
    );

    // The right code holds the points; the sale spends them.
    let held = t.spend.hold(&quote, points, Some(5), &code).await.unwrap();
    assert_eq!(held.hold().amount, points);
    assert_eq!(t.sandbox.holds().len(), 1);
    let sale = held.complete().await.unwrap();
    assert_eq!(sale.retail.spend, Some(points));

    // A code is used once.
    let e = t.spend.hold(&quote, points, None, &code).await.unwrap_err();
    assert!(
        matches!(e, TillCodeError::Code(CodeError::AlreadyUsed)),
        "{e:?}"
    );
}

#[tokio::test]
async fn till_codes_share_the_phone_budget_and_explain_failures() {
    let t = till(CodeBudget {
        per_phone: 1,
        per_chat: 10,
        window: chrono::Duration::hours(1),
    })
    .await;
    let visit = t
        .sandbox
        .client()
        .unwrap()
        .till(DEMO_POINT)
        .find(CASHBACK_PHONE)
        .await
        .unwrap();
    let quote = visit.quote(Decimal::new(1000, 0)).await.unwrap();
    // SMS.ru has no credit, and the customer has no chat with the bot: nothing delivers.
    t.codes.sms_sandbox().unwrap().set_credit(0);
    let e = t
        .spend
        .send_code(&quote, Decimal::ONE, Lang::Uk)
        .await
        .unwrap_err();
    assert!(
        matches!(e, TillCodeError::Code(CodeError::AllChannelsFailed { .. })),
        "{e:?}"
    );
    // The one request this phone had in the hour is spent.
    let e = t
        .spend
        .send_code(&quote, Decimal::ONE, Lang::Uk)
        .await
        .unwrap_err();
    let TillCodeError::Budget(wait) = e else {
        panic!("{e:?}")
    };
    assert!(wait > chrono::Duration::minutes(59), "{wait}");
}
