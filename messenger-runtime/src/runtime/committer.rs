//! The group committer: completions, delivery marks and lease releases of many chats in one
//! transaction.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::mpsc;

use super::{Inner, Job, backoff_after};
use crate::handler::Handler;
use crate::store::{Completed, Completion, Finish};

/// Commits completions, delivery marks and lease releases in groups: one transaction for
/// whatever is queued.
pub(super) async fn committer<H: Handler>(inner: Arc<Inner<H>>, mut rx: mpsc::Receiver<Job>) {
    let max = inner.config.commit_batch.max(1);
    let mut jobs = Vec::with_capacity(max);
    while rx.recv_many(&mut jobs, max).await > 0 {
        // Group commit: a short wait lets the completions of other chats join this
        // transaction (every transaction writes its pages to the WAL once).
        if jobs.len() < max && !inner.config.commit_window.is_zero() {
            tokio::time::sleep(inner.config.commit_window).await;
            while jobs.len() < max {
                match rx.try_recv() {
                    Ok(j) => jobs.push(j),
                    Err(_) => break,
                }
            }
        }
        let mut completions = Vec::new();
        let mut acks = Vec::new();
        let mut finishes = Vec::new();
        let mut finish_acks = Vec::new();
        let mut wake_deliver = false;
        let mut released = false;
        for j in jobs.drain(..) {
            match j {
                Job::Complete(c, ack) => {
                    completions.push(*c);
                    acks.push(ack);
                }
                Job::Finish(f, wake, ack) => {
                    wake_deliver |= wake;
                    released |= f.release_chat;
                    finishes.push(*f);
                    finish_acks.push(ack);
                }
            }
        }
        let mut failures = 0;
        loop {
            match inner
                .store
                .commit_completions(&completions, &finishes)
                .await
            {
                Ok(results) => {
                    for (a, r) in acks.drain(..).zip(results) {
                        let _ = a.send(Ok(r));
                    }
                    break;
                }
                Err(e) if e.is_transient() => {
                    let wait =
                        backoff_after(inner.config.backoff, inner.config.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot commit completions; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    // One bad job spoils the group: commit them one by one.
                    tracing::warn!(error = %e, "a group commit failed; committing one by one");
                    for (c, a) in completions.drain(..).zip(acks.drain(..)) {
                        let r = commit_alone(&inner, std::slice::from_ref(&c), &[]).await;
                        let _ = a.send(r.map(|mut v| v.pop().unwrap_or(Completed::Done)));
                    }
                    for mut f in finishes.drain(..) {
                        if let Err(e) = commit_alone(&inner, &[], std::slice::from_ref(&f)).await {
                            // A write of `on_delivered` the database refuses: the marks and
                            // releases still go in.
                            tracing::error!(error = %e, "a delivery write was refused; dropped");
                            f.writes.clear();
                            let _ = commit_alone(&inner, &[], std::slice::from_ref(&f)).await;
                        }
                    }
                    break;
                }
            }
        }
        for a in finish_acks.into_iter().flatten() {
            let _ = a.send(());
        }
        if released && inner.leftover.load(Ordering::Relaxed) {
            inner.wake_handle.notify_one();
        }
        if wake_deliver {
            inner.wake_deliver.notify_one();
        }
    }
}

/// Commits one job, retrying transient failures; `Err` when the database refuses it for good.
pub(super) async fn commit_alone<H: Handler>(
    inner: &Inner<H>,
    completions: &[Completion],
    finishes: &[Finish],
) -> Result<Vec<Completed>, String> {
    let mut failures = 0;
    loop {
        match inner.store.commit_completions(completions, finishes).await {
            Ok(r) => return Ok(r),
            Err(e) if e.is_transient() => {
                let wait = backoff_after(inner.config.backoff, inner.config.max_backoff, failures);
                failures += 1;
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
}
