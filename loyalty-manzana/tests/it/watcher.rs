//! `ChequeWatcher` against the sandbox: a cheque added via admin is emitted once; a restart with
//! the same store emits nothing new.
// Helpers outside #[test] fns unwrap too: a panic there is a failed assertion.
#![allow(clippy::unwrap_used)]

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use loyalty_core::Decimal;
use loyalty_manzana::sandbox::{DEMO_PHONE, NO_CARDS_PHONE, SandboxCheque};
use loyalty_manzana::{ChequeWatcher, ManzanaSandbox, MemorySeenStore};

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[tokio::test]
async fn a_new_cheque_is_emitted_once_and_not_after_a_restart() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let client = Arc::new(sb.client().unwrap());
    let store = MemorySeenStore::new();
    let demo = sb.contact_id(DEMO_PHONE).unwrap();
    let plain = sb.contact_id(NO_CARDS_PHONE).unwrap();

    let w = ChequeWatcher::new(client.clone()).store(Arc::new(store.clone()));
    w.subscribe(demo.clone());
    w.subscribe(plain.clone());
    // The first poll records the existing history without replaying it.
    assert!(w.poll_once().await.unwrap().is_empty());

    let added = sb
        .add_cheque(
            &demo,
            &SandboxCheque::new().line("Йод", dec("45"), dec("2")),
        )
        .unwrap();
    let events = w.poll_once().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].contact_id, demo);
    assert_eq!(Some(events[0].cheque.id.as_str()), added["Id"].as_str());
    assert_eq!(events[0].cheque.summ, Some(dec("90")));
    assert_eq!(events[0].lines.len(), 1);
    assert_eq!(events[0].lines[0].product_name.as_deref(), Some("Йод"));
    assert!(w.poll_once().await.unwrap().is_empty());

    // A restart with the same store: nothing new.
    let w2 = ChequeWatcher::new(client.clone()).store(Arc::new(store.clone()));
    w2.subscribe(demo.clone());
    w2.subscribe(plain.clone());
    assert!(w2.poll_once().await.unwrap().is_empty());
    // The next purchase is emitted by the restarted watcher.
    sb.add_cheque(
        &plain,
        &SandboxCheque::new().line("Бинт", dec("120.5"), dec("1")),
    )
    .unwrap();
    let events = w2.poll_once().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].contact_id, plain);
}

#[tokio::test]
async fn run_sends_events_at_the_interval_until_the_receiver_is_dropped() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let client = Arc::new(sb.client().unwrap());
    let demo = sb.contact_id(DEMO_PHONE).unwrap();
    let w = Arc::new(ChequeWatcher::new(client).interval(Duration::from_millis(50)));
    w.subscribe(demo.clone());
    w.poll_once().await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let runner = {
        let w = w.clone();
        tokio::spawn(async move { w.run(tx).await })
    };
    sb.add_cheque(
        &demo,
        &SandboxCheque::new().line("Йод", dec("45"), dec("1")),
    )
    .unwrap();
    let e = tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(e.contact_id, demo);
    drop(rx);
    tokio::time::timeout(Duration::from_secs(5), runner)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn emit_existing_replays_history_once() {
    let sb = ManzanaSandbox::start().await.unwrap();
    let client = Arc::new(sb.client().unwrap());
    let demo = sb.contact_id(DEMO_PHONE).unwrap();
    let w = ChequeWatcher::new(client).emit_existing(true);
    w.subscribe(demo);
    let events = w.poll_once().await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events[0].cheque.date < events[2].cheque.date);
    assert!(w.poll_once().await.unwrap().is_empty());
}
