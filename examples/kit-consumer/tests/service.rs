//! The service tested through the SDK's kits only: no vendor JSON is written here.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use kit_consumer::{DeskError, LoyaltyDesk};
use loyalty_core::{Balance, Decimal, ExposeSecret, Phone};
use loyalty_ergo::ErgoMethod;
use loyalty_ergo::mock::{ErgoCode, ErgoMock, Fault};
use messenger_telegram::mock::{Incoming, TelegramMock};
use wiremock::MockServer;

const SESSION: &str = "0ce330a1b1a02fa4592532b2aa12e5de";

fn phone() -> Phone {
    Phone::parse_international("+380889993366").unwrap()
}

/// A desk over two fakes: ERGO and Telegram.
async fn desk<'a>(
    ergo_server: &'a MockServer,
    tg_server: &'a MockServer,
) -> (
    ErgoMock<'a>,
    TelegramMock<'a>,
    LoyaltyDesk<messenger_telegram::TelegramBot>,
) {
    let ergo = ErgoMock::new(ergo_server);
    let tg = TelegramMock::start(tg_server).await;
    let desk = LoyaltyDesk::new(ergo.client(), tg.bot());
    (ergo, tg, desk)
}

#[tokio::test]
async fn a_login_gives_the_session() {
    let (es, ts) = (MockServer::start().await, MockServer::start().await);
    let (ergo, _tg, desk) = desk(&es, &ts).await;
    ergo.get_token_ok(SESSION).await;
    let session = desk.log_in(&phone(), "1234").await.unwrap();
    assert_eq!(session.token().expose_secret(), SESSION);
    let sent = &ergo.requests(ErgoMethod::GetToken).await[0];
    assert_eq!(
        (sent["phone"].as_str(), sent["code"].as_str()),
        (Some("380889993366"), Some("1234"))
    );
}

#[tokio::test]
async fn the_balance_is_shown() {
    let (es, ts) = (MockServer::start().await, MockServer::start().await);
    let (ergo, _tg, desk) = desk(&es, &ts).await;
    let mut balance = Balance::new(Decimal::from(1250));
    balance.pending = Decimal::from(300);
    ergo.balance(&balance).await;
    ergo.get_token_ok(SESSION).await;
    let session = desk.log_in(&phone(), "1234").await.unwrap();
    assert_eq!(
        desk.balance_text(&session).await.unwrap(),
        "Balance: 1250 (300 pending)"
    );
}

#[tokio::test]
async fn vendor_errors_become_the_services_errors() {
    let (es, ts) = (MockServer::start().await, MockServer::start().await);
    let (ergo, _tg, desk) = desk(&es, &ts).await;
    ergo.fails(ErgoMethod::GetToken, ErgoCode::WrongCode).await;
    ergo.fails(ErgoMethod::GetBalanceInfo, ErgoCode::SessionExpired)
        .await;
    let e = desk.log_in(&phone(), "0000").await.unwrap_err();
    assert!(matches!(e, DeskError::WrongCode), "{e:?}");
    let session = loyalty_core::Session::new("ergo", SESSION.into());
    let e = desk.balance_text(&session).await.unwrap_err();
    assert!(matches!(e, DeskError::LoggedOut), "{e:?}");
}

#[tokio::test]
async fn a_slow_programme_is_unavailable_not_a_hang() {
    let (es, ts) = (MockServer::start().await, MockServer::start().await);
    let (ergo, _tg, desk) = desk(&es, &ts).await;
    ergo.fault(
        ErgoMethod::GetBalanceInfo,
        Fault::Delay(Duration::from_secs(5)),
    )
    .await;
    let session = loyalty_core::Session::new("ergo", SESSION.into());
    let started = std::time::Instant::now();
    let e = desk.balance_text(&session).await.unwrap_err();
    assert!(matches!(e, DeskError::Unavailable), "{e:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test]
async fn a_shared_contact_asks_for_a_code_and_replies() {
    let (es, ts) = (MockServer::start().await, MockServer::start().await);
    let (ergo, tg, desk) = desk(&es, &ts).await;
    ergo.get_auth_code_ok().await;
    tg.queue(Incoming::contact(42, "+380889993366", true));
    tg.queue(Incoming::contact(43, "+380501112233", false));
    assert_eq!(desk.poll_once().await.unwrap(), 2);

    let sent = tg.sent_messages().await;
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].chat_id, 42.into());
    assert!(
        sent[0].text.starts_with("We sent a code to "),
        "{}",
        sent[0].text
    );
    assert_eq!(sent[1].chat_id, 43.into());
    assert_eq!(
        sent[1].text,
        "Please share your own number with the button."
    );
    // ERGO was asked once, for the own number only.
    let asked = ergo.requests(ErgoMethod::GetAuthCode).await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["phone"], "380889993366");
}

#[tokio::test]
async fn a_failing_code_request_is_told_to_the_user() {
    let (es, ts) = (MockServer::start().await, MockServer::start().await);
    let (ergo, tg, desk) = desk(&es, &ts).await;
    ergo.fault(ErgoMethod::GetAuthCode, Fault::HtmlErrorPage(502))
        .await;
    tg.queue(Incoming::contact(42, "+380889993366", true));
    desk.poll_once().await.unwrap();
    assert_eq!(
        tg.sent_messages().await[0].text,
        "the loyalty programme is slow right now, try again later"
    );
}
