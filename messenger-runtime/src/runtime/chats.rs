//! Chat tasks: the claim loop, the in-memory hand-over of accepted updates, and the task that
//! handles one chat's updates in order.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use messenger_core::Update;
use tokio::sync::{OwnedSemaphorePermit, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::handle::{commit, completion, handle_one, renew};
use super::{ChatStart, Inner, Job, Work, backoff_after, ms};
use crate::handler::{Handler, Write};
use crate::store::{Accepted, Completion, Finish, now_ms};

/// Handling slots the claim loop leaves free for chats of the next accepted batch (a poll
/// batch has at most 100 updates).
pub(super) const ACCEPT_RESERVE: usize = 100;

/// Claims chats whose updates wait in the inbox (accepted by another instance, left over when
/// every slot was busy, retried, or stored before a restart) and runs one task per chat, at
/// most `max_in_flight` in all.
pub(super) async fn handle_loop<H: Handler>(
    inner: Arc<Inner<H>>,
    jobs: mpsc::Sender<Job>,
    mut starts: mpsc::UnboundedReceiver<ChatStart>,
) {
    let cfg = &inner.config;
    let mut tasks = JoinSet::new();
    let mut failures = 0;
    let start = |tasks: &mut JoinSet<()>, s: ChatStart| {
        let inner = inner.clone();
        let jobs = jobs.clone();
        tasks.spawn(async move {
            let ChatStart {
                chat_id,
                state,
                from_inbox,
                token,
                claimed_at,
                permit,
            } = s;
            chat_task(
                &inner, &jobs, &chat_id, state, from_inbox, token, claimed_at,
            )
            .await;
            drop(permit);
        });
    };
    loop {
        while tasks.try_join_next().is_some() {}
        while let Ok(s) = starts.try_recv() {
            start(&mut tasks, s);
        }
        // Slots first, then as many claims: a claimed chat always gets its task. A reserve of
        // slots stays free for the next accepted batch while the claim runs: holding every slot
        // here made each accept hand nothing over from memory, so its updates took the slower
        // road through the inbox (a claim and two reads each) and woke this loop again.
        let reserve = (cfg.max_in_flight / 4).min(ACCEPT_RESERVE);
        let mut permits = Vec::new();
        while inner.slots.available_permits() > reserve {
            match inner.slots.clone().try_acquire_owned() {
                Ok(p) => permits.push(p),
                Err(_) => break,
            }
        }
        let free = permits.len();
        if free > 0 {
            let now = now_ms();
            inner.leftover.store(false, Ordering::Relaxed);
            let token = inner.claim_token();
            let claimed_at = Instant::now();
            match inner
                .store
                .claim_chats(
                    &inner.kind,
                    &cfg.instance,
                    now,
                    now + ms(cfg.lease),
                    &token,
                    free as i64,
                )
                .await
            {
                Ok(chats) => {
                    failures = 0;
                    if chats.len() == free {
                        // Maybe more than the slots: look again when one frees up.
                        inner.leftover.store(true, Ordering::Relaxed);
                    }
                    for (chat_id, delivery) in chats {
                        let Some(permit) = permits.pop() else {
                            break;
                        };
                        {
                            let mut reg = inner.chats.lock().unwrap_or_else(|e| e.into_inner());
                            if reg.contains_key(&chat_id) {
                                // Handled here already (its lease had run out): that task
                                // finishes and releases it; the claim loop looks again. A
                                // delivery lease that came with this claim is nobody's: freed.
                                inner.leftover.store(true, Ordering::Relaxed);
                                if delivery {
                                    let _ = jobs.try_send(release(
                                        &inner,
                                        chat_id,
                                        false,
                                        Some(token.clone()),
                                    ));
                                }
                                continue;
                            }
                            reg.insert(chat_id.clone(), VecDeque::new());
                        }
                        start(
                            &mut tasks,
                            ChatStart {
                                chat_id,
                                state: None,
                                from_inbox: true,
                                token: delivery.then(|| token.clone()),
                                claimed_at,
                                permit,
                            },
                        );
                    }
                }
                Err(e) => {
                    inner.leftover.store(true, Ordering::Relaxed);
                    let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot claim chats; retrying");
                    drop(permits);
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
        }
        drop(permits);
        let deadline = Instant::now() + cfg.claim_interval;
        loop {
            tokio::select! {
                biased;
                s = starts.recv() => match s {
                    Some(s) => start(&mut tasks, s),
                    None => return,
                },
                () = inner.wake_handle.notified() => break,
                () = tokio::time::sleep_until(deadline) => break,
            }
            while tasks.try_join_next().is_some() {}
        }
    }
}

/// Hands stored updates to chat tasks from memory: to the task already handling the chat, or to
/// a new task for a chat claimed while storing. Anything else stays in the inbox for the claim
/// loop. `(token, claimed_at)`: the claim's delivery token and when the claim began.
pub(super) fn dispatch<H: Handler>(
    inner: &Arc<Inner<H>>,
    jobs: &mpsc::Sender<Job>,
    spawn: &mpsc::UnboundedSender<ChatStart>,
    updates: Vec<Update>,
    accepted: Accepted,
    mut permits: Vec<OwnedSemaphorePermit>,
    (token, claimed_at): (&str, Instant),
) {
    let mut claimed: HashMap<String, (Option<String>, bool, bool)> = accepted
        .claimed
        .into_iter()
        .map(|c| (c.chat_id, (c.state, c.only_fresh, c.delivery)))
        .collect();
    let mut updates: Vec<Option<Update>> = updates.into_iter().map(Some).collect();
    let mut leftover = false;
    let mut reg = inner.chats.lock().unwrap_or_else(|e| e.into_inner());
    for (at, seq) in accepted.fresh {
        let Some(update) = updates.get_mut(at).and_then(Option::take) else {
            continue;
        };
        let chat_id = update
            .chat
            .as_ref()
            .map(|c| c.id.to_string())
            .unwrap_or_default();
        let work = Work {
            key: update.dedup_key.clone(),
            seq,
            update,
        };
        if let Some(queue) = reg.get_mut(&chat_id) {
            queue.push_back(work);
            continue;
        }
        if !claimed.contains_key(&chat_id) || permits.is_empty() {
            // Another task (or instance) has it, or no slot is free: it waits in the inbox.
            leftover = true;
            continue;
        }
        let (Some((state, only_fresh, delivery)), Some(permit)) =
            (claimed.remove(&chat_id), permits.pop())
        else {
            continue;
        };
        let mut queue = VecDeque::new();
        if only_fresh {
            queue.push_back(work);
        }
        // Else the chat has older updates in the inbox: the task starts there (this one too).
        reg.insert(chat_id.clone(), queue);
        let from_inbox = !only_fresh;
        if let Err(e) = spawn.send(ChatStart {
            chat_id,
            state: state.filter(|_| !from_inbox),
            from_inbox,
            token: delivery.then(|| token.to_owned()),
            claimed_at,
            permit,
        }) {
            // The workers stopped: the inbox keeps the updates.
            reg.remove(&e.0.chat_id);
        }
    }
    drop(reg);
    if leftover || !claimed.is_empty() {
        // A claimed chat that got no task keeps its lease until it runs out: give it back.
        for (chat_id, (_, _, delivery)) in claimed {
            let _ = jobs.try_send(release(
                inner,
                chat_id,
                true,
                delivery.then(|| token.to_owned()),
            ));
        }
        inner.leftover.store(true, Ordering::Relaxed);
        inner.wake_handle.notify_one();
    }
}

/// What a chat task keeps between the updates of its chat.
pub(super) struct ChatRun<S> {
    /// The stored state (JSON) and, when known, the same decoded.
    pub(super) state: Option<String>,
    pub(super) typed: Option<S>,
    /// The delivery lease this task holds for direct sends.
    pub(super) token: Option<String>,
    /// Direct sends not marked yet (they ride with the next commit).
    pub(super) unmarked: Vec<(String, i64)>,
    /// Writes of `on_delivered` for those.
    pub(super) writes: Vec<Write>,
    /// When this task last sent to the chat (for `chat_interval`).
    pub(super) last_send: Option<Instant>,
    /// Messages were left to the delivery scheduler.
    pub(super) handed_off: bool,
    /// The database refused a completion whose replies were sent before it: until the chat
    /// task ends, replies wait for their commit (a retry must not send them again at once).
    pub(super) queue_first: bool,
    /// Until when this task's leases are surely still its own: half the lease after the chat was
    /// claimed or a completion's fence extended them. Replies go out before their commit only
    /// until then; a
    /// handler that ran longer (a vendor call hanging for many seconds) may have lost the chat
    /// to another instance, so its replies wait for the fence to say it did not.
    pub(super) fresh_until: Instant,
}

/// Handles a chat's pending updates in order (from the inbox first when `from_inbox`, then from
/// its in-memory queue), then gives the chat up.
pub(super) async fn chat_task<H: Handler>(
    inner: &Arc<Inner<H>>,
    jobs: &mpsc::Sender<Job>,
    chat_id: &str,
    state: Option<String>,
    from_inbox: bool,
    token: Option<String>,
    claimed_at: Instant,
) {
    const BATCH: i64 = 32;
    let cfg = &inner.config;
    let mut run: ChatRun<H::State> = ChatRun {
        state,
        typed: None,
        token,
        unmarked: Vec::new(),
        writes: Vec::new(),
        last_send: None,
        handed_off: false,
        queue_first: false,
        fresh_until: claimed_at + cfg.lease / 2,
    };
    let mut seen: HashSet<String> = HashSet::new();
    let mut lost = false;
    if from_inbox {
        let mut failures = 0;
        'inbox: loop {
            let (state, pending) = match inner.store.load_chat(&inner.kind, chat_id, BATCH).await {
                Ok(x) => x,
                Err(e) => {
                    let wait = backoff_after(cfg.backoff, cfg.max_backoff, failures);
                    failures += 1;
                    tracing::warn!(error = %e, ?wait, "cannot load a chat; retrying");
                    tokio::time::sleep(wait).await;
                    if !renew(inner, chat_id).await {
                        lost = true;
                        break 'inbox;
                    }
                    continue;
                }
            };
            if pending.is_empty() {
                break;
            }
            if run.state != state {
                run.state = state;
                run.typed = None;
            }
            let full = pending.len() as i64 == BATCH;
            for row in pending {
                seen.insert(row.update_key.clone());
                let update: Update = match serde_json::from_str(&row.payload) {
                    Ok(u) => u,
                    Err(e) => {
                        tracing::error!(key = %row.update_key, error = %e, "a stored update cannot be read; quarantined");
                        let c = completion(inner, chat_id, &row.update_key, row.seq, None);
                        let job = Completion {
                            quarantine: Some(format!("unreadable: {e}")),
                            ..c
                        };
                        if commit(inner, jobs, job).await.is_none() {
                            lost = true;
                            break 'inbox;
                        }
                        continue;
                    }
                };
                let attempts = u32::try_from(row.attempts.max(0)).unwrap_or(u32::MAX);
                if let Step::Stop = handle_one(
                    inner,
                    jobs,
                    chat_id,
                    &row.update_key,
                    row.seq,
                    &update,
                    attempts,
                    &mut run,
                )
                .await
                {
                    lost = true;
                    break 'inbox;
                }
            }
            if !full {
                break;
            }
        }
    }
    while !lost {
        let next = {
            let mut reg = inner.chats.lock().unwrap_or_else(|e| e.into_inner());
            match reg.get_mut(chat_id).and_then(VecDeque::pop_front) {
                Some(w) => Some(w),
                None => {
                    reg.remove(chat_id);
                    None
                }
            }
        };
        let Some(work) = next else {
            break;
        };
        if seen.contains(&work.key) {
            continue;
        }
        if let Step::Stop = handle_one(
            inner,
            jobs,
            chat_id,
            &work.key,
            work.seq,
            &work.update,
            0,
            &mut run,
        )
        .await
        {
            lost = true;
        }
    }
    if lost {
        // Another instance has the chat: what was queued here stays in its inbox.
        inner
            .chats
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(chat_id);
    }
    // A delivery lease given up may have held back messages queued meanwhile (a push): the
    // scheduler looks at once.
    let wake = run.handed_off || run.token.is_some();
    let finish = run.finish(inner, chat_id, !lost, None);
    let _ = jobs.send(Job::Finish(Box::new(finish), wake, None)).await;
}

/// A finish that only gives up leases: the handling lease when `release_chat`, the delivery
/// lease held under `delivery`. It wakes the scheduler when it frees a delivery lease.
fn release<H: Handler>(
    inner: &Inner<H>,
    chat_id: String,
    release_chat: bool,
    delivery: Option<String>,
) -> Job {
    let wake = delivery.is_some();
    let finish = Finish {
        messenger: inner.kind.clone(),
        chat_id,
        owner: inner.config.instance.clone(),
        sent: Vec::new(),
        writes: Vec::new(),
        release_chat,
        release_delivery: delivery,
        postpone: None,
    };
    Job::Finish(Box::new(finish), wake, None)
}

impl<S> ChatRun<S> {
    /// The end of this task's turn (or of its delivery, with `release_chat` false): the marks of
    /// its direct sends with their writes, and its delivery lease given up; the chat waits until
    /// `postpone` (ms) when set.
    pub(super) fn finish<H: Handler>(
        &mut self,
        inner: &Inner<H>,
        chat_id: &str,
        release_chat: bool,
        postpone: Option<i64>,
    ) -> Finish {
        Finish {
            messenger: inner.kind.clone(),
            chat_id: chat_id.to_owned(),
            owner: inner.config.instance.clone(),
            sent: self.unmarked.drain(..).map(|(k, i)| (k, i, None)).collect(),
            writes: std::mem::take(&mut self.writes),
            release_chat,
            release_delivery: self.token.take(),
            postpone,
        }
    }
}

pub(super) enum Step {
    /// Go on with the chat's next update.
    Next,
    /// The chat was lost to another instance: stop.
    Stop,
}
