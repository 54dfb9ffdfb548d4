//! Grouping concurrent storage requests: while one group is being served, the next requests
//! wait and are then served together (one statement or one transaction for many). A lone
//! request is served at once; under load, many round trips to the database become one.

use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

/// Requests with the channels their answers go to.
type Waiting<Q, R> = Vec<(Q, oneshot::Sender<R>)>;

/// The requests waiting for the next group, and whether a group is being served now.
pub(super) struct Batcher<Q, R> {
    state: Mutex<(Waiting<Q, R>, bool)>,
}

impl<Q, R> Default for Batcher<Q, R> {
    fn default() -> Self {
        Self {
            state: Mutex::new((Vec::new(), false)),
        }
    }
}

impl<Q: Send + 'static, R: Send + 'static> Batcher<Q, R> {
    /// Serves `request` in a group of at most `max` with `serve`, which answers each request of
    /// a group, in order (`None` for all when the group failed). `None` when this request's
    /// group failed or its task is gone: the caller then serves it alone.
    pub(super) async fn submit<F, Fut>(
        self: &Arc<Self>,
        request: Q,
        max: usize,
        serve: F,
    ) -> Option<R>
    where
        F: Fn(Vec<&Q>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Vec<R>>> + Send,
    {
        let (tx, rx) = oneshot::channel();
        let lead = {
            let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            s.0.push((request, tx));
            !std::mem::replace(&mut s.1, true)
        };
        if lead {
            let this = self.clone();
            tokio::spawn(async move { this.serve_groups(max.max(1), serve).await });
        }
        rx.await.ok()
    }

    async fn serve_groups<F, Fut>(&self, max: usize, serve: F)
    where
        F: Fn(Vec<&Q>) -> Fut + Send + Sync,
        Fut: Future<Output = Option<Vec<R>>> + Send,
    {
        loop {
            let group: Waiting<Q, R> = {
                let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
                if s.0.is_empty() {
                    s.1 = false;
                    return;
                }
                let n = s.0.len().min(max);
                s.0.drain(..n).collect()
            };
            let answers = serve(group.iter().map(|(q, _)| q).collect()).await;
            if let Some(answers) = answers.filter(|a| a.len() == group.len()) {
                for ((_, tx), answer) in group.into_iter().zip(answers) {
                    let _ = tx.send(answer);
                }
            }
            // A failed group drops its senders: each request is then served alone.
        }
    }
}
