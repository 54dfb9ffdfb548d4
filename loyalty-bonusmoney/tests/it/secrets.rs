//! The API key and the customer token never appear in `Debug`/`Display` of the client, sessions,
//! auth states, models or errors.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use std::time::Duration;
use test_support::secrets::{debug_text as both, error_text as err_text};

use loyalty_bonusmoney::auth::{AuthOutcome, AuthStep};
use loyalty_bonusmoney::models::{AuthSet, Customer};
use loyalty_bonusmoney::requests::{ProfileData, SignUpRequest};
use loyalty_bonusmoney::{BonusMoneyClient, BonusMoneySandbox};
use loyalty_core::{
    CodeRequest, LoyaltyProvider, Phone, Region, RetryPolicy, SecretString, Verification,
};

const API_KEY: &str = "KEY-5ecr3t-4p1-k3y";
const FOREIGN_TOKEN: &str = "TOKEN-n0t-kn0wn-7777";

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "{what} leaks a secret: {text}");
    }
}

#[tokio::test]
async fn secrets_stay_out_of_debug_display_and_errors() {
    let sb = BonusMoneySandbox::builder()
        .api_key(API_KEY)
        .start()
        .await
        .unwrap();
    let client = BonusMoneyClient::builder(API_KEY)
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let builder = BonusMoneyClient::builder(API_KEY);
    let mut secrets: Vec<String> = vec![API_KEY.into(), FOREIGN_TOKEN.into()];
    let s = |v: &Vec<String>| v.clone();
    let check = |what: &str, text: &str, v: &Vec<String>| {
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        assert_clean(what, text, &refs);
    };
    check("client", &both(&client), &secrets);
    check("builder", &both(&builder), &secrets);
    check("sandbox", &both(&sb), &secrets);

    // A full sign-up: every intermediate state.
    let phone = Phone::parse("+7 (916) 321-00-00", Region::RU).unwrap();
    let step = client.start_auth(&phone).await.unwrap();
    check("auth step", &both(&step), &secrets);
    let AuthStep::SmsCode(sms) = step else {
        panic!()
    };
    let code = sb.last_code(&phone).unwrap();
    let AuthOutcome::NeedsSignUp(ticket) = sms.submit_code(&client, &code).await.unwrap() else {
        panic!()
    };
    use loyalty_core::ExposeSecret;
    secrets.push(ticket.token().expose_secret().to_owned());
    check("pending sign-up", &both(&ticket), &secrets);
    let req = SignUpRequest::new(ProfileData::new("A"), ticket.token().clone());
    check("sign-up request", &both(&req), &secrets);
    let me = ticket.sign_up(&client, full("Анна")).await.unwrap();
    secrets.push(me.token().expose_secret().to_owned());
    check("logged in", &both(&me), &secrets);
    check("customer", &both(me.customer()), &secrets);
    check("session", &both(&me.session()), &secrets);
    let outcome = AuthOutcome::LoggedIn(me.clone());
    check("outcome", &both(&outcome), &secrets);

    // Models that carry tokens.
    let dash = client.get_dashboard(me.token()).await.unwrap();
    check("dashboard", &both(&dash), &secrets);
    let mut set = AuthSet::default();
    set.customer = Some(me.customer().clone());
    check("auth set", &both(&set), &secrets);
    let c: Customer = me.customer().clone();
    check("customer clone", &both(&c), &secrets);

    // The provider's outcomes.
    let second = Phone::parse("+7 (916) 321-00-01", Region::RU).unwrap();
    let p: &dyn LoyaltyProvider = &client;
    let sent = p
        .request_code(&CodeRequest::new(second.clone()))
        .await
        .unwrap();
    check("code outcome", &both(&sent), &secrets);
    let code = sb.last_code(&second).unwrap();
    let v = p.confirm_code(&second, &code).await.unwrap();
    if let Verification::NeedsSignUp(t) = &v {
        secrets.push(t.token.expose_secret().to_owned());
    }
    check("verification", &both(&v), &secrets);

    // Errors: a refused token, a refused key, a wrong code, a dead server, a timeout.
    let e = client
        .get_customer(&SecretString::from(FOREIGN_TOKEN))
        .await
        .unwrap_err();
    check("session error", &err_text(&e), &s(&secrets));
    let bad = BonusMoneyClient::builder("KEY-wrong-0000")
        .base_url(sb.base_url())
        .build()
        .unwrap();
    let e = bad.start_auth(&phone).await.unwrap_err();
    check("key error", &err_text(&e), &secrets);
    assert_clean("key error", &err_text(&e), &["KEY-wrong-0000"]);
    let e = client
        .verify_by_sms(&loyalty_bonusmoney::requests::VerifyBySmsRequest::new(
            "0000",
            phone.bracketed(),
        ))
        .await
        .unwrap_err();
    check("wrong code", &err_text(&e), &secrets);

    let dead_url = sb.base_url().to_owned();
    sb.shutdown().await;
    let dead = BonusMoneyClient::builder(API_KEY)
        .base_url(dead_url)
        .retry(RetryPolicy::none())
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = dead.get_customer(me.token()).await.unwrap_err();
    check("transport error", &err_text(&e), &secrets);
    let e = dead
        .sign_up(&SignUpRequest::new(full("A"), me.token().clone()))
        .await
        .unwrap_err();
    check("state-changing transport error", &err_text(&e), &secrets);
    check("dead client", &both(&dead), &secrets);
}

/// A profile with the fields the client requires (name, birth date, gender).
fn full(name: &str) -> ProfileData {
    ProfileData::new(name)
        .b_date(chrono::NaiveDate::from_ymd_opt(1990, 5, 30).unwrap())
        .male(false)
}
