//! The code service end to end over in-memory channels and store: fallback order, timeouts,
//! expiry, attempt limit, reuse, one active code, budgets, hashing and redaction.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_codes::channels::MemoryChannel;
use loyalty_codes::{
    Action, AttemptOutcome, BudgetScope, Budgets, ChannelError, CodeError, CodePolicy, CodeService,
    Limit, MemoryStore, Programme, ProviderErrorKind, Recipient, SendRequest, SkipReason, Subject,
};
use loyalty_core::{Clock, ManualClock, Phone, Region, SecretString};

const PEPPER: &str = "test-pepper-0123456789-abcdef";

fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_760_000_000, 0).unwrap()
}

fn phone() -> Phone {
    Phone::parse("088 999 33 66", Region::UA).unwrap()
}

fn subject() -> Subject {
    Subject::phone(&phone())
}

fn recipient() -> Recipient {
    Recipient::new().phone(phone()).email("jane@example.com")
}

fn request(action: Action) -> SendRequest {
    SendRequest::new(subject(), action, recipient())
}

fn down() -> ChannelError {
    ChannelError::NotSent {
        message: "gateway down".into(),
    }
}

struct Setup {
    service: CodeService,
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
}

fn setup(programme: Programme, channels: Vec<Arc<MemoryChannel>>) -> Setup {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(start()));
    let mut b = CodeService::builder(programme, store.clone(), SecretString::from(PEPPER))
        .clock(clock.clone())
        .default_timeout(Duration::from_secs(5));
    for c in channels {
        b = b.channel(c);
    }
    Setup {
        service: b.build().unwrap(),
        store,
        clock,
    }
}

fn unlimited() -> Programme {
    Programme::new().budgets(Budgets::unlimited())
}

#[tokio::test]
async fn first_channel_fails_second_delivers_third_untouched() {
    let sms = Arc::new(MemoryChannel::new("sms").failing(down));
    let chat = Arc::new(MemoryChannel::new("chat"));
    let email = Arc::new(MemoryChannel::new("email"));
    let s = setup(
        unlimited().require(Action::LogIn, ["sms", "chat", "email"]),
        vec![sms.clone(), chat.clone(), email.clone()],
    );
    let receipt = s.service.send(&request(Action::LogIn)).await.unwrap();
    assert_eq!(receipt.delivered_via.as_str(), "chat");
    let order: Vec<_> = receipt
        .attempts
        .iter()
        .map(|a| a.channel.as_str())
        .collect();
    assert_eq!(order, ["sms", "chat"]);
    assert!(matches!(
        receipt.attempts[0].outcome,
        AttemptOutcome::Failed(ChannelError::NotSent { .. })
    ));
    assert!(receipt.attempts[1].delivered());
    assert_eq!(receipt.attempts[0].at, start());
    assert_eq!((sms.calls(), chat.calls(), email.calls()), (1, 1, 0));
    assert_eq!(chat.sent().len(), 1);
    // The order is the action's: spending bonuses goes to email first.
    let s2 = setup(
        unlimited().require(Action::SpendBonuses, ["email", "sms"]),
        vec![sms.clone(), email.clone()],
    );
    let r = s2
        .service
        .send(&request(Action::SpendBonuses))
        .await
        .unwrap();
    assert_eq!(r.delivered_via.as_str(), "email");
    assert_eq!(sms.calls(), 1, "sms was not tried again");
}

#[tokio::test]
async fn all_channels_failing_is_a_typed_error_with_every_reason() {
    let sms = Arc::new(
        MemoryChannel::new("sms").failing(|| ChannelError::Provider {
            kind: ProviderErrorKind::Account,
            code: Some("201".into()),
            message: "not enough funds".into(),
        }),
    );
    let chat = Arc::new(MemoryChannel::new("chat").failing(down));
    let s = setup(
        unlimited().require(Action::LogIn, ["sms", "chat"]),
        vec![sms, chat],
    );
    let err = s.service.send(&request(Action::LogIn)).await.unwrap_err();
    let CodeError::AllChannelsFailed { attempts } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(attempts.len(), 2);
    assert!(matches!(
        &attempts[0].outcome,
        AttemptOutcome::Failed(ChannelError::Provider { code: Some(c), kind: ProviderErrorKind::Account, .. }) if c == "201"
    ));
    assert!(matches!(
        &attempts[1].outcome,
        AttemptOutcome::Failed(ChannelError::NotSent { .. })
    ));
    let text = err.to_string();
    assert!(
        text.contains("sms: the provider refused") && text.contains("code 201"),
        "{text}"
    );
    assert!(text.contains("chat: not sent: gateway down"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_channel_that_hangs_times_out_and_the_next_delivers() {
    let slow = Arc::new(MemoryChannel::new("sms").delayed(Duration::from_secs(60)));
    let chat = Arc::new(MemoryChannel::new("chat"));
    let store = Arc::new(MemoryStore::new());
    let service = CodeService::builder(
        unlimited().require(Action::LogIn, ["sms", "chat"]),
        store,
        SecretString::from(PEPPER),
    )
    .channel_with_timeout(slow.clone(), Duration::from_secs(3))
    .channel(chat.clone())
    .build()
    .unwrap();
    let before = tokio::time::Instant::now();
    let r = service.send(&request(Action::LogIn)).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "chat");
    assert!(matches!(
        r.attempts[0].outcome,
        AttemptOutcome::Failed(ChannelError::Timeout { after }) if after == Duration::from_secs(3)
    ));
    assert!(r.attempts[0].elapsed >= Duration::from_secs(3));
    assert!(
        before.elapsed() < Duration::from_secs(60),
        "did not wait for the slow channel"
    );
    assert!(slow.sent().is_empty());
}

#[tokio::test]
async fn the_code_works_once_and_reuse_is_refused() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let s = setup(
        unlimited().require(Action::LogIn, ["sms"]),
        vec![sms.clone()],
    );
    s.service.send(&request(Action::LogIn)).await.unwrap();
    let code = sms.last_code().unwrap();
    assert_eq!(code.len(), 6);
    let ok = s
        .service
        .verify(&subject(), &Action::LogIn, &code)
        .await
        .unwrap();
    assert_eq!(ok.action, Action::LogIn);
    let again = s
        .service
        .verify(&subject(), &Action::LogIn, &code)
        .await
        .unwrap_err();
    assert!(matches!(again, CodeError::AlreadyUsed), "{again:?}");
    assert!(again.needs_new_code());
    // A code for one action does not confirm another.
    let other = s
        .service
        .verify(&subject(), &Action::SpendBonuses, &code)
        .await
        .unwrap_err();
    assert!(matches!(other, CodeError::NotRequired { .. }), "{other:?}");
}

#[tokio::test]
async fn codes_expire() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let s = setup(
        unlimited()
            .code_policy(CodePolicy::default().ttl(Duration::from_secs(120)))
            .require(Action::LogIn, ["sms"]),
        vec![sms.clone()],
    );
    let r = s.service.send(&request(Action::LogIn)).await.unwrap();
    assert_eq!(r.expires_at, start() + chrono::Duration::seconds(120));
    let code = sms.last_code().unwrap();
    s.clock.advance(chrono::Duration::seconds(120));
    let err = s
        .service
        .verify(&subject(), &Action::LogIn, &code)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CodeError::Expired { expired_at } if expired_at == r.expires_at),
        "{err:?}"
    );
    // One second earlier it would have worked.
    s.service.send(&request(Action::LogIn)).await.unwrap();
    let code = sms.last_code().unwrap();
    s.clock.advance(chrono::Duration::seconds(119));
    s.service
        .verify(&subject(), &Action::LogIn, &code)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_attempt_limit_kills_the_code_even_for_the_right_answer() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let s = setup(
        unlimited()
            .code_policy(CodePolicy::default().max_attempts(3))
            .require(Action::LogIn, ["sms"]),
        vec![sms.clone()],
    );
    s.service.send(&request(Action::LogIn)).await.unwrap();
    let code = sms.last_code().unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let e1 = s
        .service
        .verify(&subject(), &Action::LogIn, wrong)
        .await
        .unwrap_err();
    assert_eq!(e1.attempts_left(), Some(2), "{e1:?}");
    let e2 = s
        .service
        .verify(&subject(), &Action::LogIn, wrong)
        .await
        .unwrap_err();
    assert_eq!(e2.attempts_left(), Some(1), "{e2:?}");
    let e3 = s
        .service
        .verify(&subject(), &Action::LogIn, wrong)
        .await
        .unwrap_err();
    assert!(matches!(e3, CodeError::TooManyAttempts), "{e3:?}");
    let e4 = s
        .service
        .verify(&subject(), &Action::LogIn, &code)
        .await
        .unwrap_err();
    assert!(matches!(e4, CodeError::TooManyAttempts), "{e4:?}");
    assert_eq!(
        s.store.records()[0].attempts,
        3,
        "the dead code counts no more tries"
    );
}

#[tokio::test]
async fn a_new_code_replaces_the_old_one() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let s = setup(
        unlimited()
            .require(Action::LogIn, ["sms"])
            .require(Action::SpendBonuses, ["sms"]),
        vec![sms.clone()],
    );
    s.service.send(&request(Action::LogIn)).await.unwrap();
    let old = sms.last_code().unwrap();
    s.service
        .send(&request(Action::SpendBonuses))
        .await
        .unwrap();
    let spend = sms.last_code().unwrap();
    s.service.send(&request(Action::LogIn)).await.unwrap();
    let new = sms.last_code().unwrap();
    assert_eq!(
        s.store.records().len(),
        2,
        "one active code per (subject, action)"
    );
    if old != new {
        let err = s
            .service
            .verify(&subject(), &Action::LogIn, &old)
            .await
            .unwrap_err();
        assert!(matches!(err, CodeError::WrongCode { .. }), "{err:?}");
    }
    s.service
        .verify(&subject(), &Action::LogIn, &new)
        .await
        .unwrap();
    // The other action's code was not touched.
    s.service
        .verify(&subject(), &Action::SpendBonuses, &spend)
        .await
        .unwrap();
}

#[tokio::test]
async fn the_subject_action_budget_holds_within_its_window() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let budgets =
        Budgets::unlimited().per_subject_action(Some(Limit::new(2, Duration::from_secs(600))));
    let s = setup(
        Programme::new()
            .budgets(budgets)
            .require(Action::LogIn, ["sms"])
            .require(Action::SpendBonuses, ["sms"]),
        vec![sms.clone()],
    );
    s.service.send(&request(Action::LogIn)).await.unwrap();
    s.clock.advance(chrono::Duration::seconds(100));
    s.service.send(&request(Action::LogIn)).await.unwrap();
    s.clock.advance(chrono::Duration::seconds(100));
    let err = s.service.send(&request(Action::LogIn)).await.unwrap_err();
    assert!(
        matches!(&err, CodeError::BudgetExhausted { scope: BudgetScope::SubjectAction, retry_after } if *retry_after == Duration::from_secs(400)),
        "{err:?}"
    );
    assert_eq!(err.retry_after(), Some(Duration::from_secs(400)));
    assert_eq!(sms.calls(), 2, "nothing was sent");
    // Another action and another subject have budgets of their own.
    s.service
        .send(&request(Action::SpendBonuses))
        .await
        .unwrap();
    let other = SendRequest::new(Subject::new("user:2"), Action::LogIn, recipient());
    s.service.send(&other).await.unwrap();
    // When the first send leaves the window, one more is allowed.
    s.clock.advance(chrono::Duration::seconds(400));
    s.service.send(&request(Action::LogIn)).await.unwrap();
}

#[tokio::test]
async fn the_subject_budget_spans_actions() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let budgets = Budgets::unlimited().per_subject(Some(Limit::new(2, Duration::from_secs(3600))));
    let s = setup(
        Programme::new()
            .budgets(budgets)
            .require(Action::LogIn, ["sms"])
            .require(Action::SpendBonuses, ["sms"])
            .require(Action::ChangePhone, ["sms"]),
        vec![sms],
    );
    s.service.send(&request(Action::LogIn)).await.unwrap();
    s.service
        .send(&request(Action::SpendBonuses))
        .await
        .unwrap();
    let err = s
        .service
        .send(&request(Action::ChangePhone))
        .await
        .unwrap_err();
    assert!(
        matches!(
            &err,
            CodeError::BudgetExhausted {
                scope: BudgetScope::Subject,
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_global_channel_ceiling_falls_back_then_stops() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let email = Arc::new(MemoryChannel::new("email"));
    let budgets = Budgets::unlimited()
        .channel_ceiling("sms", Limit::new(2, Duration::from_secs(60)))
        .channel_ceiling("email", Limit::new(1, Duration::from_secs(60)));
    let s = setup(
        Programme::new()
            .budgets(budgets)
            .require(Action::LogIn, ["sms", "email"]),
        vec![sms.clone(), email.clone()],
    );
    // Three different subjects: the ceiling is global.
    for (i, via) in ["sms", "sms", "email"].iter().enumerate() {
        let r = SendRequest::new(
            Subject::new(format!("user:{i}")),
            Action::LogIn,
            recipient(),
        );
        let receipt = s.service.send(&r).await.unwrap();
        assert_eq!(receipt.delivered_via.as_str(), *via, "send {i}");
        if i == 2 {
            assert!(matches!(
                receipt.attempts[0].outcome,
                AttemptOutcome::Skipped(SkipReason::CeilingReached { .. })
            ));
        }
        s.clock.advance(chrono::Duration::seconds(10));
    }
    let r = SendRequest::new(Subject::new("user:9"), Action::LogIn, recipient());
    let err = s.service.send(&r).await.unwrap_err();
    // sms frees up 60 s after its first send (t=0), now t=30: 30 s; email at t=20 → 50 s.
    assert!(
        matches!(&err, CodeError::BudgetExhausted { scope: BudgetScope::Channel(c), retry_after } if c.as_str() == "sms" && *retry_after == Duration::from_secs(30)),
        "{err:?}"
    );
    assert_eq!((sms.calls(), email.calls()), (2, 1));
}

#[tokio::test]
async fn a_channel_without_the_recipients_address_is_skipped() {
    let sms = Arc::new(MemoryChannel::new("sms").reaching(|r| r.phone.is_some()));
    let email = Arc::new(MemoryChannel::new("email").reaching(|r| r.email.is_some()));
    let s = setup(
        unlimited().require(Action::LogIn, ["sms", "email"]),
        vec![sms.clone(), email],
    );
    let r = SendRequest::new(
        subject(),
        Action::LogIn,
        Recipient::new().email("a@b.example"),
    );
    let receipt = s.service.send(&r).await.unwrap();
    assert_eq!(receipt.delivered_via.as_str(), "email");
    assert!(matches!(
        receipt.attempts[0].outcome,
        AttemptOutcome::Skipped(SkipReason::NoAddress)
    ));
    assert_eq!(sms.calls(), 0);

    // Nobody can reach a recipient without addresses: no code is issued, no budget spent.
    let before = (s.store.records().len(), s.store.events().len());
    let r = SendRequest::new(Subject::new("user:8"), Action::LogIn, Recipient::new());
    let err = s.service.send(&r).await.unwrap_err();
    let CodeError::AllChannelsFailed { attempts } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(attempts.len(), 2);
    assert!(
        attempts
            .iter()
            .all(|a| matches!(a.outcome, AttemptOutcome::Skipped(SkipReason::NoAddress)))
    );
    assert_eq!((s.store.records().len(), s.store.events().len()), before);
}

#[tokio::test]
async fn only_a_hash_is_stored_and_nothing_shows_the_code_or_the_pepper() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let s = setup(
        unlimited().require(Action::LogIn, ["sms"]),
        vec![sms.clone()],
    );
    let receipt = s.service.send(&request(Action::LogIn)).await.unwrap();
    let code = sms.last_code().unwrap();
    let record = &s.store.records()[0];
    assert_ne!(record.hash.as_bytes().as_slice(), code.as_bytes());
    assert!(!record.hash.to_hex().contains(&code));
    let wrong = s
        .service
        .verify(
            &subject(),
            &Action::LogIn,
            if code == "123456" { "654321" } else { "123456" },
        )
        .await
        .unwrap_err();
    let debugs = [
        format!("{:?}", s.service),
        format!("{record:?}"),
        format!("{:?}", s.store),
        format!("{receipt:?}"),
        format!("{:?}", sms.sent()),
        format!("{wrong:?} {wrong}"),
    ];
    for d in &debugs {
        assert!(!d.contains(&code), "the code leaked: {d}");
        assert!(!d.contains(PEPPER), "the pepper leaked: {d}");
    }
    assert!(debugs[0].contains("[redacted]"), "{}", debugs[0]);
}

#[tokio::test]
async fn misconfiguration_is_refused_at_build_time() {
    let store = Arc::new(MemoryStore::new());
    let err = CodeService::builder(
        Programme::new().require(Action::LogIn, ["sms", "viber"]),
        store.clone(),
        SecretString::from(PEPPER),
    )
    .channel(Arc::new(MemoryChannel::new("sms")))
    .build()
    .unwrap_err();
    assert!(err.to_string().contains("viber"), "{err}");
    let err = CodeService::builder(Programme::new(), store, SecretString::from("short"))
        .build()
        .unwrap_err();
    assert!(matches!(err, CodeError::Config(_)), "{err:?}");
}

#[tokio::test]
async fn an_action_without_a_code_says_so() {
    let s = setup(
        unlimited().require(Action::LogIn, ["sms"]),
        vec![Arc::new(MemoryChannel::new("sms"))],
    );
    assert!(!s.service.requires_code(&Action::DeleteAccount));
    let err = s
        .service
        .send(&request(Action::DeleteAccount))
        .await
        .unwrap_err();
    assert!(matches!(err, CodeError::NotRequired { .. }), "{err:?}");
    let err = s
        .service
        .verify(&subject(), &Action::LogIn, "123456")
        .await
        .unwrap_err();
    assert!(matches!(err, CodeError::NoActiveCode), "{err:?}");
    let _ = s.clock.now();
}

/// The panel's settings page replaces the programme while the service runs: the next code
/// follows the new channel order and text; an invalid programme is refused and changes nothing.
#[tokio::test]
async fn the_programme_can_be_replaced_while_running() {
    let sms = Arc::new(MemoryChannel::new("sms"));
    let chat = Arc::new(MemoryChannel::new("chat"));
    let s = setup(
        unlimited().require(Action::LogIn, ["sms", "chat"]),
        vec![sms.clone(), chat.clone()],
    );
    let r = s.service.send(&request(Action::LogIn)).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "sms");

    let templates = loyalty_codes::Templates::new()
        .set(loyalty_codes::Language::Uk, "Ваш код {code}")
        .unwrap();
    let reordered = unlimited().require_with(
        Action::LogIn,
        loyalty_codes::ActionPolicy::new(&Action::LogIn, ["chat", "sms"]).templates(templates),
    );
    s.service.set_programme(reordered.clone()).unwrap();
    assert_eq!(*s.service.programme(), reordered);
    let r = s.service.send(&request(Action::LogIn)).await.unwrap();
    assert_eq!(r.delivered_via.as_str(), "chat", "the new order");
    assert_eq!((sms.calls(), chat.calls()), (1, 1));

    // A channel that is not registered: refused, the programme in force stays.
    let unknown = unlimited().require(Action::LogIn, ["pigeon"]);
    let e = s.service.set_programme(unknown).unwrap_err();
    assert!(e.to_string().contains("pigeon"), "{e}");
    assert_eq!(*s.service.programme(), reordered);
    // Spending bonuses was not required before and is not now.
    assert!(!s.service.requires_code(&Action::SpendBonuses));
}
