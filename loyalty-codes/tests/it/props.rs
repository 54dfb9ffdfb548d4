//! Properties: codes stay in their alphabet and length, a hash matches only its own code, and a
//! budget never lets more than `max` sends through in any window.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_codes::channels::MemoryChannel;
use loyalty_codes::{
    Action, Alphabet, Budgets, CodeError, CodeHasher, CodeId, CodePolicy, CodeService, Limit,
    MemoryStore, Programme, Recipient, SendRequest, Subject,
};
use loyalty_core::{ExposeSecret, ManualClock, SecretString};
use proptest::prelude::*;

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn alphabet() -> impl Strategy<Value = String> {
    proptest::sample::subsequence(ALNUM.to_vec(), 2..=62)
        .prop_shuffle()
        .prop_map(|v| String::from_utf8(v).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn codes_stay_in_their_alphabet_and_length(chars in alphabet(), len in 4usize..=12) {
        let a = Alphabet::new(&chars).unwrap();
        let p = CodePolicy::default().alphabet(a).length(len);
        p.validate().unwrap();
        let code = p.generate().unwrap();
        let code = code.expose_secret();
        prop_assert_eq!(code.len(), len);
        prop_assert!(code.bytes().all(|b| chars.as_bytes().contains(&b)));
        prop_assert_eq!(p.normalize(code), code);
    }

    #[test]
    fn a_hash_matches_its_own_code_only(a in "[0-9A-Z]{4,12}", b in "[0-9A-Z]{4,12}") {
        let h = CodeHasher::new(SecretString::from("property-pepper-0123456789")).unwrap();
        let id = CodeId::from_stored("id");
        let s = Subject::new("user:1");
        let hash = h.hash(&id, &s, &Action::LogIn, &a);
        prop_assert!(h.matches(&hash, &id, &s, &Action::LogIn, &a));
        prop_assert_eq!(h.matches(&hash, &id, &s, &Action::LogIn, &b), a == b);
        prop_assert_ne!(hash.to_hex(), a);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_budget_never_lets_more_than_max_through_in_any_window(
        max in 1u32..5,
        window in 10u64..300,
        gaps in proptest::collection::vec(0u64..120, 1..30),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let start = DateTime::<Utc>::from_timestamp(1_760_000_000, 0).unwrap();
            let clock = Arc::new(ManualClock::new(start));
            let budgets = Budgets::unlimited()
                .per_subject_action(Some(Limit::new(max, Duration::from_secs(window))));
            let service = CodeService::builder(
                Programme::new().budgets(budgets).require(Action::LogIn, ["sms"]),
                Arc::new(MemoryStore::new()),
                SecretString::from("property-pepper-0123456789"),
            )
            .clock(clock.clone())
            .channel(Arc::new(MemoryChannel::new("sms")))
            .build()
            .unwrap();
            let req = SendRequest::new(Subject::new("user:1"), Action::LogIn, Recipient::new());
            let mut accepted: Vec<u64> = Vec::new();
            let mut t = 0u64;
            for gap in gaps {
                t += gap;
                clock.set(start + chrono::Duration::seconds(t as i64));
                let in_window = accepted.iter().filter(|&&a| a + window > t).count() as u32;
                match service.send(&req).await {
                    Ok(_) => {
                        prop_assert!(in_window < max, "accepted at {} with {} in the window", t, in_window);
                        accepted.push(t);
                    }
                    Err(CodeError::BudgetExhausted { retry_after, .. }) => {
                        prop_assert_eq!(in_window, max, "refused at {}", t);
                        // The retry-after is exactly when the oldest send in the window leaves it.
                        let oldest = accepted.iter().copied().find(|&a| a + window > t).unwrap();
                        prop_assert_eq!(retry_after, Duration::from_secs((oldest + window - t).max(1)));
                    }
                    Err(e) => prop_assert!(false, "unexpected {e:?}"),
                }
            }
            Ok(())
        })?;
    }
}
