//! `LoyaltyProvider` for `ErgoClient`, against the sandbox.
// Test helpers may unwrap: a panic there is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use loyalty_core::{
    Capability, CodeOutcome, CodeRequest, Decimal, LoyaltyError, LoyaltyProvider, NoticeKind,
    PageRequest, Phone, ProfilePatch, Region, Verification,
};
use loyalty_ergo::{ErgoSandbox, SandboxConfig};

#[tokio::test]
async fn provider_end_to_end() {
    let sandbox = ErgoSandbox::start_with(SandboxConfig::new().fixed_code("2468"))
        .await
        .unwrap();
    let p: Arc<dyn LoyaltyProvider> = Arc::new(sandbox.client().unwrap());
    assert_eq!(p.name(), "ergo");
    let caps = p.capabilities();
    for c in [
        Capability::VerifyPhone,
        Capability::Profile,
        Capability::UpdateProfile,
        Capability::Balance,
        Capability::BonusHistory,
        Capability::Promotions,
        Capability::Notices,
        Capability::News,
    ] {
        assert!(caps.supports(c), "{c:?}");
    }
    assert!(!caps.supports(Capability::Purchases));
    assert!(!caps.supports(Capability::SignUp));

    let phone = Phone::parse("0889993366", Region::UA).unwrap();
    let out = p
        .request_code(&CodeRequest::new(phone.clone()))
        .await
        .unwrap();
    assert!(
        matches!(
            out,
            CodeOutcome::Sent {
                channel: loyalty_core::CodeChannel::Sms,
                ..
            }
        ),
        "{out:?}"
    );
    let err = p.confirm_code(&phone, "0000").await.unwrap_err();
    assert!(matches!(err, LoyaltyError::WrongCode { .. }), "{err:?}");
    let Verification::LoggedIn(session) = p.confirm_code(&phone, "2468").await.unwrap() else {
        panic!("not logged in");
    };
    assert_eq!(session.provider(), "ergo");
    assert_eq!(session.customer_id(), Some("380889993366"));

    let me = p.profile(&session).await.unwrap();
    assert_eq!(me.first_name.as_deref(), Some("Test"));
    assert_eq!(me.last_name.as_deref(), Some("Testuvalniy"));
    assert_eq!(me.patronymic.as_deref(), Some("Testovich"));
    assert_eq!(me.email.as_deref(), Some("test@email.net"));
    assert_eq!(me.phone.as_ref().map(Phone::digits), Some("380889993366"));

    // Only the e-mail changes; the other three are sent with their current values.
    let me = p
        .update_profile(&session, &ProfilePatch::new().email("seller@ergo.test"))
        .await
        .unwrap();
    assert_eq!(me.email.as_deref(), Some("seller@ergo.test"));
    assert_eq!(me.first_name.as_deref(), Some("Test"));
    let err = p
        .update_profile(
            &session,
            &ProfilePatch::new()
                .city("Київ")
                .gender(loyalty_core::Gender::Female),
        )
        .await
        .unwrap_err();
    match err {
        LoyaltyError::InvalidInput { fields, .. } => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(names, ["gender", "city"]);
        }
        other => panic!("{other:?}"),
    }

    let b = p.balance(&session).await.unwrap();
    assert_eq!(b.available, Decimal::from(1250));
    assert_eq!(b.pending, Decimal::ZERO);
    let extra = |k: &str| b.extra.iter().find(|a| a.key == k).map(|a| a.value);
    assert_eq!(extra("registration_rejected"), Some(Decimal::from(25)));
    assert_eq!(extra("registration_all"), Some(Decimal::from(4100)));
    let payoff = b.extra.iter().find(|a| a.key == "to_payoff").unwrap();
    assert_eq!(payoff.value, Decimal::from(2019));
    assert!(payoff.label.as_deref().unwrap().contains("Приватбанк"));

    // A registration shows in the pending sum and in the history.
    let client = sandbox.client().unwrap();
    client.post_sn(&session, "LED0002").await.unwrap();
    let b = p.balance(&session).await.unwrap();
    assert_eq!(b.pending, Decimal::from(100));
    let history = p
        .bonus_history(&session, PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(history.items.len(), 3);
    assert_eq!(history.total, Some(3));
    let led = history
        .items
        .iter()
        .find(|e| e.reason.as_deref().is_some_and(|r| r.contains("LED0002")))
        .unwrap();
    assert_eq!(led.earned, Decimal::from(100));
    assert!(
        led.reason
            .as_deref()
            .unwrap()
            .starts_with("На підтвердженні")
    );
    let page = p
        .bonus_history(&session, PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.next, Some(PageRequest::new(2, 2)));

    let promos = p.promotions(&session).await.unwrap();
    let ids: Vec<&str> = promos.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["17", "147", "160"]);
    assert!(
        promos[0]
            .description
            .as_deref()
            .unwrap()
            .contains("Важливо додати фото")
    );
    assert!(promos[0].starts_at.is_some() && promos[0].ends_at.is_some());

    let notices = p.notices(&session, PageRequest::first(10)).await.unwrap();
    assert_eq!(notices.items.len(), 2);
    assert_eq!(notices.items[0].kind, NoticeKind::Notice);
    assert_eq!(notices.items[0].id, "17");
    let news = p.news(&session, PageRequest::first(1)).await.unwrap();
    assert_eq!(news.items.len(), 1);
    assert_eq!(news.items[0].kind, NoticeKind::News);
    assert_eq!(news.items[0].id, "67657");
    assert_eq!(news.items[0].image_url, None);
    assert!(news.next.is_some());

    let err = p
        .purchases(&session, PageRequest::first(5))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            LoyaltyError::Unsupported {
                provider: "ergo",
                ..
            }
        ),
        "{err:?}"
    );
}
