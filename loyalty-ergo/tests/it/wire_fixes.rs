//! Issue 16: answers as the seed literally writes them, and odd values that must not fail a
//! whole call. Each test failed on the code before the fix.
#![allow(clippy::unwrap_used)]

use crate::common;

use common::{client, session};
use loyalty_core::{Decimal, LoyaltyError};
use loyalty_ergo::RegistrationType;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answering(body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json"))
        .mount(&server)
        .await;
    server
}

/// The seed's `GetBalanceInfo` example with its quotes straightened: the spaced `" to_payoff "`
/// key and `to_payoff_bonus` twice in each payoff (the number, then the payout method).
const SEED_BALANCE: &str = r#"{
    "methodresponse": "GetBalanceInfo",
    "active": 1,
    "bonus": 1250,
    "points": 0,
    "registration_to_balance": 0,
    "registration_for_test": 1024,
    "registration_for_confirmation": 300,
    "registration_rejected": 50,
    "registration_all": 5765,
    " to_payoff ": [
        {
            "to_payoff_date": "2018-12-15",
            "to_payoff_bonus": 2019,
            "to_payoff_bonus": "Тест Тестов Тестович, пополнение карточки Приватбанк 2222 3333 4444 5555"
        },
        {
            "to_payoff_date": "2018-12-15",
            "to_payoff_bonus": 34,
            "to_payoff_bonus": "Тест Тестов Тестович, пополнение мобильного телефона +38 (033) 2224455"
        }
    ]
}"#;

#[tokio::test]
async fn balance_payoffs_are_read_as_the_seed_writes_them() {
    let server = answering(SEED_BALANCE).await;
    let b = client(&server.uri())
        .get_balance_info(&session())
        .await
        .unwrap();
    assert_eq!(b.bonus, Decimal::from(1250));
    assert_eq!(b.to_payoff.len(), 2);
    assert_eq!(b.to_payoff[0].to_payoff_bonus, Decimal::from(2019));
    assert_eq!(
        b.to_payoff[0].to_payoff_get.as_deref(),
        Some("Тест Тестов Тестович, пополнение карточки Приватбанк 2222 3333 4444 5555")
    );
    assert_eq!(b.to_payoff[1].to_payoff_bonus, Decimal::from(34));
    assert_eq!(
        b.to_payoff[1].to_payoff_date,
        chrono::NaiveDate::from_ymd_opt(2018, 12, 15)
    );
}

#[tokio::test]
async fn an_odd_value_in_one_item_does_not_fail_the_list() {
    let server = answering(
        r#"{"methodresponse": "GetRegistrations", "active": 1,
            "type_registration": "registration_all",
            "registrations": [
              {"registration_id": 1, "registration_points": 25,
               "registration_date": "0000-00-00 00:00:00", "registration_to_balance": "maybe",
               "registration_to_balance_date": ""},
              {"registration_id": 2, "registration_points": 10,
               "registration_date": "2018-08-17 15:34:45", "registration_to_balance": 1,
               "registration_to_balance_date": "2018-08-20 10:00:00"}
            ]}"#,
    )
    .await;
    let r = client(&server.uri())
        .get_registrations(&session(), &RegistrationType::All)
        .await
        .unwrap();
    assert_eq!(r.registrations.len(), 2);
    let odd = &r.registrations[0];
    assert_eq!(odd.registration_id, "1");
    assert_eq!(odd.registration_date, None);
    assert_eq!(odd.registration_to_balance, None);
    assert_eq!(odd.registration_points, Decimal::from(25));
    let fine = &r.registrations[1];
    assert_eq!(fine.registration_to_balance, Some(true));
    assert!(fine.registration_date.is_some());
}

#[tokio::test]
async fn an_error_that_is_not_a_code_object_is_read() {
    // An empty `error` (string or array) is no error: the answer is read.
    for empty in [r#""""#, "[]"] {
        let server = answering(&format!(
            r#"{{"methodresponse": "GetBalanceInfo", "error": {empty}, "bonus": 7}}"#
        ))
        .await;
        let b = client(&server.uri())
            .get_balance_info(&session())
            .await
            .unwrap();
        assert_eq!(b.bonus, Decimal::from(7), "error = {empty}");
    }
    // A non-string comment is kept as text.
    let server = answering(
        r#"{"methodresponse": "GetBalanceInfo", "error": {"code": 1, "comment": ["the session", "was expired"]}}"#,
    )
    .await;
    let err = client(&server.uri())
        .get_balance_info(&session())
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::SessionExpired { .. }),
        "{err:?}"
    );
    let e = loyalty_ergo::ErgoError::from_error(&err).unwrap();
    assert_eq!(e.code, 1);
    assert!(e.comment.contains("was expired"), "{}", e.comment);
    // A text error without a code is a provider error carrying the text.
    let server = answering(
        r#"{"methodresponse": "GetBalanceInfo", "error": "internal failure", "comment": 5}"#,
    )
    .await;
    let err = client(&server.uri())
        .get_balance_info(&session())
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::Provider { .. }), "{err:?}");
    assert!(err.to_string().contains("internal failure"), "{err}");
}

#[test]
fn every_method_has_an_explicit_retry_class() {
    use loyalty_core::Idempotency::{Idempotent, StateChanging};
    use loyalty_ergo::ErgoMethod;
    for m in ErgoMethod::ALL {
        let e = m.endpoint();
        assert_eq!(e.name(), m.as_str());
        assert_eq!(e.path(), loyalty_ergo::API_PATH);
        let expected = match m {
            ErgoMethod::GetAuthCode
            | ErgoMethod::GetToken
            | ErgoMethod::PostProfile
            | ErgoMethod::PostSN
            | ErgoMethod::PostSNModel
            | ErgoMethod::PostQuestion => StateChanging,
            _ => Idempotent,
        };
        assert_eq!(e.idempotency(), expected, "{m}");
    }
}
