//! Issue 16: the sandbox answers as the seed writes the API, not as our own types would.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use loyalty_bonusmoney::BonusMoneySandbox;
use loyalty_bonusmoney::sandbox::{DEMO_PHONE, DEMO_TOKEN};
use loyalty_core::ExposeSecret;
use serde_json::{Value, json};

async fn post(sb: &BonusMoneySandbox, op: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    loyalty_core::http::ensure_crypto_provider();
    let mut req = reqwest::Client::new()
        .post(format!("{}mobileapp/{op}", sb.base_url()))
        .header("BM-API-KEY", sb.api_key().expose_secret())
        .json(&body);
    if let Some(t) = token {
        req = req.header("TOKEN", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn start() -> BonusMoneySandbox {
    BonusMoneySandbox::builder()
        .captcha_after(0)
        .start()
        .await
        .unwrap()
}

#[tokio::test]
async fn refusals_carry_no_error_code_the_api_does_not_document() {
    let sb = start().await;
    let phone = "+7 (916) 000-11-22";
    post(
        &sb,
        "auth/getOptions",
        None,
        json!({"countryCode": "RU", "phone": phone}),
    )
    .await;
    let (status, body) = post(
        &sb,
        "auth/verifyBySms",
        None,
        json!({"code": "0000x", "phone": phone}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.get("code").is_none(), "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let (status, body) = post(&sb, "card_v2/getCustomer", Some("no-such-token"), json!({})).await;
    assert_eq!(status, 401);
    assert!(body.get("code").is_none(), "{body}");
}

#[tokio::test]
async fn every_verification_answer_has_a_sign_up_token() {
    let sb = start().await;
    post(
        &sb,
        "auth/getOptions",
        None,
        json!({"countryCode": "RU", "phone": DEMO_PHONE}),
    )
    .await;
    let code = sb
        .last_code(&loyalty_core::Phone::parse(DEMO_PHONE, loyalty_core::Region::RU).unwrap())
        .unwrap();
    let (status, body) = post(
        &sb,
        "auth/verifyBySms",
        None,
        json!({"code": code, "phone": DEMO_PHONE}),
    )
    .await;
    assert_eq!(status, 200);
    assert!(body["customer"]["bmtoken"].is_string(), "{body}");
    assert!(
        body["signUpToken"].as_str().is_some_and(|t| !t.is_empty()),
        "a member's answer has a signUpToken too: {body}"
    );
}

#[tokio::test]
async fn available_types_lists_only_the_other_types_and_call_to_comes_before_the_call() {
    let sb = start().await;
    let phone = "+7 (916) 000-33-44";
    let (_, sms) = post(
        &sb,
        "auth/getOptions",
        None,
        json!({"countryCode": "RU", "phone": phone}),
    )
    .await;
    assert_eq!(sms["type"], "SMS");
    let types: Vec<_> = sms["availableTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(!types.contains(&"SMS".to_owned()), "{sms}");
    let call = sms["availableTypes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["type"] == "CALL_PASS")
        .unwrap();
    let call_to = call["callTo"].as_str().unwrap().to_owned();
    let (_, cp) = post(
        &sb,
        "auth/getOptions",
        None,
        json!({"countryCode": "RU", "phone": phone, "type": "CALL_PASS"}),
    )
    .await;
    assert_eq!(cp["type"], "CALL_PASS");
    assert!(
        cp["availableTypes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["type"] != "CALL_PASS"),
        "{cp}"
    );
    // The client carries the number: the call to it is accepted.
    let (status, _) = post(
        &sb,
        "auth/verifyByCall",
        None,
        json!({"phone": phone, "to": call_to}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_dashboard_and_reviews_use_the_seed_spellings() {
    let sb = start().await;
    let (status, dash) = post(&sb, "card_v2/getDashboard", Some(DEMO_TOKEN), json!({})).await;
    assert_eq!(status, 200);
    let first = &dash["transactions"][0];
    assert!(first.get("transactionEvent").is_some(), "{first}");
    assert!(first.get("transaction").is_none(), "{first}");
    let (_, list) = post(
        &sb,
        "card_v2/getTransactions",
        Some(DEMO_TOKEN),
        json!({"offset": 0, "limit": 50}),
    )
    .await;
    let reviewed = list
        .as_array()
        .unwrap()
        .iter()
        .find_map(|t| t.get("comment").filter(|c| !c.is_null()))
        .expect("the demo account has a reviewed purchase");
    assert!(reviewed.get("start").is_some(), "{reviewed}");
    assert!(reviewed.get("star").is_none(), "{reviewed}");
    assert!(reviewed.get("text").is_none(), "{reviewed}");
}

#[tokio::test]
async fn last_code_takes_a_parsed_phone_or_its_text() {
    let sb = start().await;
    let phone = loyalty_core::Phone::parse(DEMO_PHONE, loyalty_core::Region::RU).unwrap();
    post(
        &sb,
        "auth/getOptions",
        None,
        json!({"countryCode": "RU", "phone": DEMO_PHONE}),
    )
    .await;
    let by_phone = sb.last_code(&phone).unwrap();
    assert_eq!(sb.last_code(DEMO_PHONE), Some(by_phone));
}
