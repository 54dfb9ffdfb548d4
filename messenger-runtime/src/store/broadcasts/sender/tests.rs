//! The claim checks, the settling of calls under way and early receipts, on SQLite.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::store::StoreOptions;
use crate::store::broadcasts::NewBroadcast;
use messenger_core::InMemoryMessenger;

const M: &str = "in_memory";

async fn store_with_broadcast(n: i64) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("rt.db").display());
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    store.migrate().await.unwrap();
    let m = InMemoryMessenger::new();
    let chats = (1..=n).map(|i| m.chat(i)).collect();
    store
        .create_broadcast(&NewBroadcast::new("b", Reply::new("x"), chats))
        .await
        .unwrap();
    (store, dir)
}

async fn statuses(store: &Store) -> Vec<RecipientStatus> {
    let journal = store.broadcast_journal("b", 100, 0).await.unwrap();
    journal.into_iter().map(|j| j.status).collect()
}

fn dues(claimed: &[ClaimedRecipient]) -> Vec<(&str, i64)> {
    claimed
        .iter()
        .map(|c| (c.chat_id.as_str(), c.attempts))
        .collect()
}

#[tokio::test]
async fn a_restart_settles_its_own_calls_under_way_not_another_instances() {
    let (store, _dir) = store_with_broadcast(3).await;
    let now = now_ms();
    let claimed = store
        .claim_recipients(M, "a", now, now + 60_000, 10)
        .await
        .unwrap();
    let dues = dues(&claimed);
    let call = BeginCall {
        call_id: "a:1",
        messenger: M,
        broadcast_id: "b",
        owner: "a",
        lease_until: now + 60_000,
        dues: &dues,
        check: true,
    };
    assert_eq!(store.begin_call(&call).await.unwrap(), ["1", "2", "3"]);
    // Instance "z" starts (or restarts): a's call is still under way and stays a's.
    assert_eq!(store.release_recipients(M, "z").await.unwrap(), (0, None));
    assert_eq!(statuses(&store).await, vec![RecipientStatus::Sending; 3]);
    // a's own restart: its call's recipients are unknown, not sent again.
    let (requeued, last_call) = store.release_recipients(M, "a").await.unwrap();
    assert_eq!(requeued, 0);
    assert!(last_call.is_some());
    assert_eq!(statuses(&store).await, vec![RecipientStatus::Unknown; 3]);
}

#[tokio::test]
async fn a_claim_made_again_after_its_lease_is_the_only_one_that_sends_and_records() {
    let (store, _dir) = store_with_broadcast(2).await;
    let now = now_ms();
    let old = store
        .claim_recipients(M, "a", now, now + 10, 10)
        .await
        .unwrap();
    assert!(old.iter().all(|c| c.attempts == 1));
    // The lease ran out; the same instance claims them again (a try more).
    let new = store
        .claim_recipients(M, "a", now + 20, now + 60_000, 10)
        .await
        .unwrap();
    assert!(new.iter().all(|c| c.attempts == 2));
    let (old_dues, new_dues) = (dues(&old), dues(&new));
    let held = store
        .hold_claims(M, "a", "b", &old_dues, now + 999_999)
        .await
        .unwrap();
    assert!(held.is_empty(), "{held:?}");
    // Nor did the old claim extend the new one's lease.
    let leases: Vec<i64> =
        sqlx::query_scalar("SELECT lease_until FROM rt_broadcast_recipients ORDER BY chat_id")
            .fetch_all(&store.writer)
            .await
            .unwrap();
    assert_eq!(leases, [now + 60_000, now + 60_000]);
    let call = BeginCall {
        call_id: "a:old",
        messenger: M,
        broadcast_id: "b",
        owner: "a",
        lease_until: now + 60_000,
        dues: &old_dues,
        check: true,
    };
    assert!(store.begin_call(&call).await.unwrap().is_empty());
    // Nothing was noted for the old claim's call.
    let (_, last_call) = store.release_recipients(M, "nobody").await.unwrap();
    assert_eq!(last_call, None);
    // A line of the old claim changes nothing; the new claim's line records.
    let line = |attempts| Sent {
        broadcast_id: "b".into(),
        chat_id: "1".into(),
        status: Some(RecipientStatus::Sent),
        error: None,
        message_id: None,
        counted: true,
        attempts,
    };
    store.record_sends(M, "a", &[line(1)], &[]).await.unwrap();
    assert_eq!(statuses(&store).await, vec![RecipientStatus::Sending; 2]);
    // Another instance's line changes nothing either.
    store.record_sends(M, "z", &[line(2)], &[]).await.unwrap();
    assert_eq!(statuses(&store).await, vec![RecipientStatus::Sending; 2]);
    store.record_sends(M, "a", &[line(2)], &[]).await.unwrap();
    assert_eq!(
        statuses(&store).await,
        [RecipientStatus::Sent, RecipientStatus::Sending]
    );
    let held = store
        .hold_claims(M, "a", "b", &new_dues, now + 60_000)
        .await
        .unwrap();
    // "1" is recorded sent; "2" is still the new claim's.
    assert_eq!(held, HashSet::from(["2".to_owned()]));
}

#[tokio::test]
async fn a_receipt_before_its_line_is_applied_when_the_line_is_recorded() {
    use messenger_core::{Receipt, ReceiptStatus};
    let (store, _dir) = store_with_broadcast(2).await;
    let now = now_ms();
    let claimed = store
        .claim_recipients(M, "a", now, now + 60_000, 10)
        .await
        .unwrap();
    let dues = dues(&claimed);
    let call = BeginCall {
        call_id: "a:1",
        messenger: M,
        broadcast_id: "b",
        owner: "a",
        lease_until: now + 60_000,
        dues: &dues,
        check: true,
    };
    store.begin_call(&call).await.unwrap();
    // The platform reports "delivered" and "seen" for chat 1 before the sender journals
    // its send; a receipt for a dialogue's message to a chat with no send under way is
    // not kept.
    for status in [ReceiptStatus::Delivered, ReceiptStatus::Seen] {
        let early = Receipt::new("tok-1", status);
        assert!(!store.record_receipt(M, "1", &early).await.unwrap());
    }
    let stray = Receipt::new("tok-9", ReceiptStatus::Delivered);
    assert!(!store.record_receipt(M, "9", &stray).await.unwrap());
    let early2 = Receipt::new("tok-2", ReceiptStatus::Delivered);
    assert!(!store.record_receipt(M, "2", &early2).await.unwrap());
    let line = |chat: &str, token: &str, attempts| Sent {
        broadcast_id: "b".into(),
        chat_id: chat.into(),
        status: Some(RecipientStatus::Sent),
        error: None,
        message_id: Some(token.into()),
        counted: true,
        attempts,
    };
    // Chat 2's line comes from another claim (another try): not recorded, and its early
    // receipt keeps waiting for the line that is.
    store
        .record_sends(
            M,
            "a",
            &[line("1", "tok-1", 1), line("2", "tok-2", 7)],
            &["a:1".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        statuses(&store).await,
        [RecipientStatus::Seen, RecipientStatus::Sending]
    );
    store
        .record_sends(M, "a", &[line("2", "tok-2", 1)], &[])
        .await
        .unwrap();
    assert_eq!(
        statuses(&store).await,
        [RecipientStatus::Seen, RecipientStatus::Delivered]
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rt_broadcast_early_receipts")
        .fetch_one(&store.writer)
        .await
        .unwrap();
    assert_eq!(left, 0, "applied and dropped; the stray one never kept");
}
