//! A long-polling update stream over any [`Messenger`] that never loses or repeats an update.
//!
//! The cursor advances only when a poll succeeds, and the next poll (which acknowledges the
//! previous batch to the platform) is made only after every update of the previous batch has been
//! yielded. A failed poll is retried with the same cursor after a backoff, and the error is
//! yielded so the caller can log it. Fatal errors ([`MessengerError::Unauthorized`],
//! [`MessengerError::Unsupported`], [`MessengerError::Config`]) end the stream after being
//! yielded; [`MessengerError::Closed`] ends it quietly.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;

use crate::error::MessengerError;
use crate::messenger::{Messenger, PollCursor};
use crate::model::Update;

/// How to poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PollOptions {
    /// The long-polling timeout of one request (default 30 s).
    pub timeout: Duration,
    /// Where to start (default: whatever the platform has not yet acknowledged).
    pub cursor: PollCursor,
    /// The first wait after a failed poll (default 1 s); it doubles up to `max_backoff`.
    pub initial_backoff: Duration,
    /// The longest wait after failed polls (default 60 s).
    pub max_backoff: Duration,
}

impl Default for PollOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            cursor: PollCursor::default(),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

impl PollOptions {
    /// Sets the long-polling timeout of one request.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets where to start.
    pub fn with_cursor(mut self, cursor: PollCursor) -> Self {
        self.cursor = cursor;
        self
    }

    /// Sets the backoff after failed polls: the first wait and the longest.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }
}

struct State<M: ?Sized> {
    messenger: Arc<M>,
    options: PollOptions,
    cursor: PollCursor,
    buffer: VecDeque<Update>,
    backoff: Option<Duration>,
    done: bool,
}

/// The updates of `messenger`, forever (until a fatal error or the input closes).
pub fn updates<M>(
    messenger: Arc<M>,
    options: PollOptions,
) -> impl Stream<Item = Result<Update, MessengerError>> + Send
where
    M: Messenger + ?Sized + 'static,
{
    let state = State {
        messenger,
        options,
        cursor: options.cursor,
        buffer: VecDeque::new(),
        backoff: None,
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(u) = st.buffer.pop_front() {
                return Some((Ok(u), st));
            }
            if st.done {
                return None;
            }
            if let Some(wait) = st.backoff {
                tokio::time::sleep(wait).await;
            }
            match st.messenger.poll(st.cursor, st.options.timeout).await {
                Ok(batch) => {
                    st.backoff = None;
                    st.cursor = batch.next;
                    st.buffer.extend(batch.updates);
                }
                Err(MessengerError::Closed) => return None,
                Err(e) => {
                    if matches!(
                        e,
                        MessengerError::Unauthorized { .. }
                            | MessengerError::Unsupported { .. }
                            | MessengerError::Config(_)
                    ) {
                        st.done = true;
                    }
                    let next = match (st.backoff, e.retry_after()) {
                        (_, Some(wait)) => wait,
                        (None, None) => st.options.initial_backoff,
                        (Some(b), None) => b.saturating_mul(2).max(st.options.initial_backoff),
                    };
                    st.backoff = Some(next.min(st.options.max_backoff));
                    tracing::warn!(error = %e, "polling failed; retrying with the same cursor");
                    return Some((Err(e), st));
                }
            }
        }
    })
}
