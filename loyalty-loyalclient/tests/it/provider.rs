//! `LoyaltyProvider` for the client, against the sandbox: find by phone, profile, balance with
//! level; `Unsupported` for what the API does not have.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use loyalty_core::{
    Capability, CodeRequest, Decimal, LoyaltyError, LoyaltyProvider, PageRequest, Phone, Region,
};
use loyalty_loyalclient::provider::{CAPABILITIES, session_for};
use loyalty_loyalclient::sandbox::{
    CASHBACK_CARD, CASHBACK_CLIENT_ID, CASHBACK_PHONE, DISCOUNT_PHONE,
};
use loyalty_loyalclient::{ClientSearch, LoyalClient, LoyalClientSandbox, PROVIDER};

#[tokio::test]
async fn find_customer_by_phone_and_unknown_is_none() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let p: Arc<dyn LoyaltyProvider> = Arc::new(sb.client().unwrap());
    assert_eq!(p.name(), PROVIDER);
    let phone = Phone::parse("8 920 123-45-67", Region::RU).unwrap();
    let c = p.find_customer(&phone).await.unwrap().unwrap();
    assert_eq!(c.id.as_deref(), Some(CASHBACK_CLIENT_ID));
    assert_eq!(c.first_name.as_deref(), Some("Анна"));
    assert_eq!(c.phone.unwrap().e164(), "+79201234567");
    assert_eq!(c.email.as_deref(), Some("anna@example.com"));
    assert_eq!(c.birth_date.unwrap().to_string(), "1990-03-08");
    let nobody = Phone::parse("+7 999 000-00-00", Region::RU).unwrap();
    assert!(p.find_customer(&nobody).await.unwrap().is_none());
}

#[tokio::test]
async fn balance_comes_with_the_level() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let client = sb.client().unwrap();
    let found = client
        .find_client(&ClientSearch::new(CASHBACK_CARD, "1"))
        .await
        .unwrap();
    let session = session_for(CASHBACK_CARD, &found);
    assert_eq!(session.provider(), PROVIDER);
    assert_eq!(session.customer_id(), Some(CASHBACK_CLIENT_ID));
    let b = client.balance(&session).await.unwrap();
    assert_eq!(b.available, Decimal::from(500));
    let level = b.level.unwrap();
    assert_eq!(level.name, "Бонусы");
    assert_eq!(level.percent, Some(Decimal::from(5)));
    assert_eq!(b.extra[0].key, "max_spend_percent");
    assert_eq!(b.extra[0].value, Decimal::from(30));
    let profile = client.profile(&session).await.unwrap();
    assert_eq!(profile.id.as_deref(), Some(CASHBACK_CLIENT_ID));

    // A discount client: balance 0, the discount level.
    let boris = client
        .find_client(&ClientSearch::new(DISCOUNT_PHONE, "1"))
        .await
        .unwrap();
    let b = client
        .balance(&session_for(DISCOUNT_PHONE, &boris))
        .await
        .unwrap();
    assert_eq!(b.available, Decimal::ZERO);
    assert_eq!(b.level.unwrap().percent, Some(Decimal::from(10)));
}

#[tokio::test]
async fn what_the_api_lacks_is_unsupported() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let client = sb.client().unwrap();
    let caps = client.capabilities();
    assert_eq!(caps, CAPABILITIES);
    for c in [
        Capability::FindCustomer,
        Capability::Profile,
        Capability::Balance,
    ] {
        assert!(caps.supports(c), "{c:?}");
    }
    for c in [
        Capability::VerifyPhone,
        Capability::SignUp,
        Capability::BonusHistory,
        Capability::Purchases,
        Capability::PurchaseDetail,
        Capability::Promotions,
        Capability::Notices,
        Capability::News,
    ] {
        assert!(!caps.supports(c), "{c:?}");
    }
    let phone = Phone::parse(&format!("+{CASHBACK_PHONE}"), Region::RU).unwrap();
    let found = client
        .find_client(&ClientSearch::new(CASHBACK_PHONE, "1"))
        .await
        .unwrap();
    let session = session_for(CASHBACK_PHONE, &found);
    let unsupported = |e: LoyaltyError| {
        assert!(
            matches!(
                e,
                LoyaltyError::Unsupported {
                    provider: "loyalclient",
                    ..
                }
            ),
            "{e:?}"
        );
    };
    unsupported(
        client
            .request_code(&CodeRequest::new(phone.clone()))
            .await
            .unwrap_err(),
    );
    unsupported(client.confirm_code(&phone, "1234").await.unwrap_err());
    unsupported(
        client
            .bonus_history(&session, PageRequest::first(10))
            .await
            .unwrap_err(),
    );
    unsupported(
        client
            .purchases(&session, PageRequest::first(10))
            .await
            .unwrap_err(),
    );
    unsupported(client.purchase(&session, "1").await.unwrap_err());
}

#[tokio::test]
async fn without_a_point_the_provider_says_so() {
    let sb = LoyalClientSandbox::start().await.unwrap();
    let client = LoyalClient::builder(sb.base_url(), sb.api_key().clone())
        .build()
        .unwrap();
    let phone = Phone::parse(&format!("+{CASHBACK_PHONE}"), Region::RU).unwrap();
    let err = client.find_customer(&phone).await.unwrap_err();
    assert!(matches!(err, LoyaltyError::Config(_)), "{err:?}");
}
