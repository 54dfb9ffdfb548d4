//! The polling stream: retries with the same cursor after errors, backs off, and ends on fatal
//! errors.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use http::HeaderMap;
use messenger_core::{
    ApiDetail, ButtonAnswer, CallbackRef, ChatRef, FileRef, Limits, MessageRef, Messenger,
    MessengerError, MessengerKind, OutgoingMessage, PollBatch, PollCursor, PollOptions, Update,
    UpdateKind, polling,
};
use tokio::time::Instant;

type Answer = Result<Vec<i64>, MessengerError>;

/// Answers polls from a script and records (cursor, time) of each poll.
struct Scripted {
    script: Mutex<VecDeque<Answer>>,
    polls: Mutex<Vec<(PollCursor, Instant)>>,
    limits: Limits,
}

#[async_trait]
impl Messenger for Scripted {
    fn kind(&self) -> MessengerKind {
        MessengerKind::InMemory
    }
    fn limits(&self) -> &Limits {
        &self.limits
    }
    async fn send(&self, c: &ChatRef, _m: &OutgoingMessage) -> Result<MessageRef, MessengerError> {
        Ok(MessageRef::new(c.clone(), 1))
    }
    async fn edit(&self, _m: &MessageRef, _n: &OutgoingMessage) -> Result<(), MessengerError> {
        Ok(())
    }
    async fn answer_button(
        &self,
        _c: &CallbackRef,
        _a: &ButtonAnswer,
    ) -> Result<(), MessengerError> {
        Ok(())
    }
    async fn download(&self, _f: &FileRef) -> Result<Bytes, MessengerError> {
        Ok(Bytes::new())
    }
    fn parse_webhook(&self, _h: &HeaderMap, _b: &[u8]) -> Result<Vec<Update>, MessengerError> {
        Ok(Vec::new())
    }
    async fn poll(&self, cursor: PollCursor, _t: Duration) -> Result<PollBatch, MessengerError> {
        self.polls.lock().unwrap().push((cursor, Instant::now()));
        let next = self.script.lock().unwrap().pop_front();
        match next {
            None => Err(MessengerError::Closed),
            Some(Err(e)) => Err(e),
            Some(Ok(ids)) => Ok(PollBatch::new(
                ids.iter()
                    .map(|i| {
                        Update::new(
                            MessengerKind::InMemory,
                            i.to_string(),
                            UpdateKind::Subscribed,
                        )
                    })
                    .collect(),
                PollCursor(ids.last().map(|l| l + 1).or(cursor.0)),
            )),
        }
    }
}

fn server() -> MessengerError {
    MessengerError::Server {
        detail: ApiDetail::default(),
    }
}

#[tokio::test(start_paused = true)]
async fn errors_back_off_and_retry_the_same_cursor() {
    let m = Arc::new(Scripted {
        script: Mutex::new(VecDeque::from([
            Ok(vec![1, 2]),
            Err(MessengerError::RateLimited {
                scope: messenger_core::RateLimitScope::Bot,
                retry_after: Some(Duration::ZERO),
                detail: ApiDetail::default(),
            }),
            Err(server()),
            Err(server()),
            Ok(vec![3]),
        ])),
        polls: Mutex::new(Vec::new()),
        limits: Limits::local(),
    });
    let options =
        PollOptions::default().with_backoff(Duration::from_secs(1), Duration::from_secs(60));
    let items: Vec<_> = polling::updates(m.clone(), options).collect().await;
    let ok: Vec<String> = items
        .iter()
        .filter_map(|i| i.as_ref().ok().map(|u| u.dedup_key.clone()))
        .collect();
    assert_eq!(ok, ["1", "2", "3"]);
    assert_eq!(items.iter().filter(|i| i.is_err()).count(), 3);
    let polls = m.polls.lock().unwrap().clone();
    let cursors: Vec<Option<i64>> = polls.iter().map(|p| p.0.0).collect();
    assert_eq!(cursors, [None, Some(3), Some(3), Some(3), Some(3), Some(4)]);
    let gaps: Vec<Duration> = polls.windows(2).map(|w| w[1].1 - w[0].1).collect();
    // After retry_after 0 comes no hot loop: the next waits are the initial backoff, then double.
    assert_eq!(gaps[1], Duration::ZERO);
    assert!(gaps[2] >= Duration::from_secs(1), "{gaps:?}");
    assert!(gaps[3] >= Duration::from_secs(2), "{gaps:?}");
}

#[tokio::test(start_paused = true)]
async fn a_rejected_token_ends_the_stream() {
    let m = Arc::new(Scripted {
        script: Mutex::new(VecDeque::from([
            Err(MessengerError::Unauthorized {
                detail: ApiDetail::default(),
            }),
            Ok(vec![1]),
        ])),
        polls: Mutex::new(Vec::new()),
        limits: Limits::local(),
    });
    let items: Vec<_> = polling::updates(m.clone() as Arc<dyn Messenger>, PollOptions::default())
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0], Err(MessengerError::Unauthorized { .. })));
    assert_eq!(m.polls.lock().unwrap().len(), 1);
}
