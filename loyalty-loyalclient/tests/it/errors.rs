//! Error mapping: every error example of the spec, both 422 shapes, statuses, bad bodies, the
//! unknown level type, and the phone as a number and as a string.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use crate::common;

use std::time::Duration;

use common::*;
use loyalty_core::{ErrorKind, FieldError, LoyaltyError};
use loyalty_loyalclient::mock::{Fault, LcOp, LoyalClientMock};
use loyalty_loyalclient::{
    ClientProfile, ClientSearch, HoldRequest, LoyaltyType, RecalcRequest, RetailRequest,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn retail_error(status: u16, body: &str) -> LoyaltyError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/integration/general/retail"))
        .respond_with(error_response(status, body))
        .expect(1)
        .mount(&server)
        .await;
    client(&server.uri())
        .retail(&RetailRequest::spend("1001", "1", dec("1000"), dec("500")))
        .await
        .unwrap_err()
}

async fn find_error(status: u16, body: &str) -> LoyaltyError {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/integration/general/client"))
        .respond_with(error_response(status, body))
        .mount(&server)
        .await;
    client(&server.uri())
        .find_client(&ClientSearch::new("79201234567", "1"))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn spend_more_than_allowed_is_invalid_input_with_the_field() {
    let err = retail_error(422, &fixture("error_spend")).await;
    let LoyaltyError::InvalidInput { fields, detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields,
        &vec![FieldError::new("spend", "Spend can't be more 100")]
    );
    assert_eq!(detail.as_ref().unwrap().status, Some(422));
    assert_eq!(err.kind(), ErrorKind::Client);
    assert!(!err.is_retryable());
    assert_eq!(
        err.to_string(),
        "invalid input: spend: Spend can't be more 100"
    );
}

#[tokio::test]
async fn client_not_found_is_not_found_with_the_message() {
    let err = find_error(422, &fixture("error_client")).await;
    let LoyaltyError::NotFound { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.status, Some(422));
    assert_eq!(detail.code.as_deref(), Some("client"));
    assert_eq!(detail.message, "Client not found.");
}

#[tokio::test]
async fn client_not_found_in_russian_is_not_found_too() {
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.field_errors(LcOp::Client, &[("client", "Клиент не найден")])
        .await;
    let err = lc
        .client()
        .find_client(&ClientSearch::new("79201234567", "1"))
        .await
        .unwrap_err();
    assert!(matches!(err, LoyaltyError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn point_not_found_is_invalid_input() {
    let err = find_error(422, &fixture("error_point")).await;
    let LoyaltyError::InvalidInput { fields, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields, &vec![FieldError::new("point", "Point not found.")]);
}

#[tokio::test]
async fn the_nested_shape_keeps_every_pair_in_order() {
    let err = retail_error(422, &fixture("error_nested")).await;
    let LoyaltyError::InvalidInput { fields, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields,
        &vec![
            FieldError::new("spend", "Spend can't be more 100"),
            FieldError::new("point", "Point not found."),
        ]
    );
}

#[tokio::test]
async fn the_top_level_shape_keeps_every_pair_and_lists() {
    let err = retail_error(
        422,
        r#"{"spend":"Spend can't be more 100","amount":["Amount is required","Amount must be a number"]}"#,
    )
    .await;
    let LoyaltyError::InvalidInput { fields, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields,
        &vec![
            FieldError::new("spend", "Spend can't be more 100"),
            FieldError::new("amount", "Amount is required"),
            FieldError::new("amount", "Amount must be a number"),
        ]
    );
}

#[tokio::test]
async fn client_not_found_nested_among_other_fields_is_not_found() {
    let err = retail_error(
        422,
        r#"{"errors":{"point":"Point not found.","client":"Client not found."}}"#,
    )
    .await;
    assert!(matches!(err, LoyaltyError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_422_that_is_not_json_keeps_the_status_and_body() {
    let err = retail_error(422, "Unprocessable").await;
    let LoyaltyError::InvalidInput { fields, detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(fields[0].message, "Unprocessable");
    assert_eq!(detail.as_ref().unwrap().status, Some(422));
}

#[tokio::test]
async fn success_false_on_200_is_an_error_too() {
    let server = MockServer::start().await;
    Mock::given(path("/integration/general/recalc"))
        .respond_with(json_response(
            r#"{"success": false, "errors": {"amount": "Amount must be more 0"}}"#,
        ))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .recalc(&RecalcRequest::new("1001", "1", dec("0")))
        .await
        .unwrap_err();
    let LoyaltyError::InvalidInput { fields, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        fields,
        &vec![FieldError::new("amount", "Amount must be more 0")]
    );
}

#[tokio::test]
async fn a_wrong_api_key_is_unauthorized() {
    for (status, body) in [
        (401, r#"{"success": false, "message": "Invalid api key."}"#),
        (403, "Forbidden"),
        (422, r#"{"apikey": "Invalid api key."}"#),
    ] {
        let err = find_error(status, body).await;
        assert!(
            matches!(err, LoyaltyError::Unauthorized { .. }),
            "{status}: {err:?}"
        );
        assert_eq!(err.kind(), ErrorKind::Auth);
    }
}

#[tokio::test]
async fn rate_limit_keeps_retry_after() {
    let server = MockServer::start().await;
    LoyalClientMock::new(&server)
        .fault(LcOp::Client, Fault::RateLimited { retry_after: 7 })
        .await;
    let err = client(&server.uri())
        .find_client(&ClientSearch::new("79201234567", "1"))
        .await
        .unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)), "{err:?}");
}

#[tokio::test]
async fn a_500_html_page_on_a_read_is_a_server_error_after_retries() {
    let server = MockServer::start().await;
    Mock::given(path("/integration/general/client"))
        .respond_with(ResponseTemplate::new(500).set_body_string("<html>oops</html>"))
        .expect(3)
        .mount(&server)
        .await;
    let err = retrying_client(&server.uri())
        .find_client(&ClientSearch::new("79201234567", "1"))
        .await
        .unwrap_err();
    let LoyaltyError::Server { detail } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(detail.status, Some(500));
    assert!(detail.message.contains("oops"));
}

#[tokio::test]
async fn a_500_on_retail_or_hold_is_outcome_unknown_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502).set_body_string("Bad gateway"))
        .expect(2)
        .mount(&server)
        .await;
    let c = retrying_client(&server.uri());
    let err = c
        .retail(&RetailRequest::earn("1001", "1", dec("10")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::OutcomeUnknown { op: "retail", .. }),
        "{err:?}"
    );
    let err = c
        .hold(&HoldRequest::new("1001", "1", dec("10")))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::OutcomeUnknown { op: "hold", .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_json_and_missing_payload_are_decode_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/integration/general/client"))
        .respond_with(json_response(r#"{"success": true, "client": {"id": "1", "#))
        .mount(&server)
        .await;
    Mock::given(path("/integration/general/recalc"))
        .respond_with(json_response(r#"{"success": true}"#))
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let err = c
        .find_client(&ClientSearch::new("1", "1"))
        .await
        .unwrap_err();
    let LoyaltyError::Decode { op, status, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!((*op, *status), ("client", 200));
    let err = c
        .recalc(&RecalcRequest::new("1", "1", dec("1")))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, LoyaltyError::Decode { reason, .. } if reason.contains("recalc")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_to_a_read_is_a_timeout() {
    let server = MockServer::start().await;
    let lc = LoyalClientMock::new(&server);
    lc.fault(LcOp::Client, Fault::Delay(Duration::from_millis(500)))
        .await;
    let c = lc
        .client_builder()
        .timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let err = c
        .find_client(&ClientSearch::new("1", "1"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, LoyaltyError::Timeout { op: "client", .. }),
        "{err:?}"
    );
}

#[test]
fn an_unknown_level_type_is_kept() {
    let c: ClientProfile = serde_json::from_str(
        r#"{"id": 7, "level": {"id": 3, "title": "Гибрид", "percent": "7.5", "type": "hybrid"}, "balance": null}"#,
    )
    .unwrap();
    let level = c.level.unwrap();
    assert_eq!(level.kind, Some(LoyaltyType::Unknown("hybrid".into())));
    assert_eq!(level.kind.as_ref().unwrap().as_str(), "hybrid");
    assert_eq!(level.id.as_deref(), Some("3"));
    assert_eq!(level.percent, Some(dec("7.5")));
    assert_eq!(c.id, "7");
    assert_eq!(c.balance, dec("0"));
    assert_eq!(LoyaltyType::parse("cashback").as_str(), "cashback");
    assert_eq!(LoyaltyType::Discount.to_string(), "discount");
}

#[test]
fn phone_as_number_and_as_string() {
    for raw in [
        r#"79201234567"#,
        r#""79201234567""#,
        r#""+7 920 123-45-67""#,
    ] {
        let c: ClientProfile =
            serde_json::from_str(&format!(r#"{{"id": "1", "phone": {raw}}}"#)).unwrap();
        assert_eq!(c.parsed_phone().unwrap().e164(), "+79201234567", "{raw}");
    }
    let c: ClientProfile = serde_json::from_str(r#"{"id": "1", "phone": null}"#).unwrap();
    assert_eq!(c.phone, None);
    // Written back the vendor's way: a number.
    let c: ClientProfile = serde_json::from_str(r#"{"id": "1", "phone": "79201234567"}"#).unwrap();
    let v = serde_json::to_value(&c).unwrap();
    assert_eq!(v["phone"], serde_json::json!(79_201_234_567_u64));
}
