//! The sending side of a claim: the claim extended, each call noted and made at the pace,
//! and each outcome judged into journal lines.

use super::*;

/// Sends one claim's recipients (in order, `batch` per call) and hands the outcomes to the
/// recorder. Returns whether a passing fault was seen (the caller backs off) and whether any
/// call was made.
pub(super) async fn send_claimed<H: Handler>(
    inner: &Arc<Inner<H>>,
    cfg: &BroadcastConfig,
    pacer: &mut Pacer,
    batch: usize,
    claimed: Vec<ClaimedRecipient>,
    stop: &mut tokio::sync::watch::Receiver<bool>,
    record: &tokio::sync::mpsc::UnboundedSender<Record>,
) -> (bool, bool) {
    let mut results: Vec<Sent> = Vec::new();
    let mut gone: Vec<(ChatRef, MessengerError)> = Vec::new();
    let mut known: HashMap<String, Known> = HashMap::new();
    let mut groups: Vec<(String, Vec<Due>)> = Vec::new();
    // The claim may have been made a while ago (claimed ahead, then a back-off): extended
    // first, and what was claimed again meanwhile (its lease ran out) is left to that claim.
    let (claimed, safe_until) = hold(inner, cfg, claimed).await;
    for c in claimed {
        let chat = match c.chat {
            Ok(chat) => chat,
            Err(reason) => {
                results.push(Sent {
                    broadcast_id: c.broadcast_id,
                    chat_id: c.chat_id,
                    status: Some(RecipientStatus::Failed),
                    error: Some(format!("the stored chat cannot be read: {reason}")),
                    message_id: None,
                    counted: true,
                    attempts: c.attempts,
                });
                continue;
            }
        };
        let due = Due {
            broadcast_id: c.broadcast_id,
            chat_id: c.chat_id,
            attempts: c.attempts,
            chat,
        };
        match groups.last_mut() {
            Some((id, v)) if *id == due.broadcast_id && v.len() < batch => v.push(due),
            _ => groups.push((due.broadcast_id.clone(), vec![due])),
        }
    }
    let mut ended: Vec<String> = Vec::new();
    let mut set: JoinSet<CallOutcome> = JoinSet::new();
    let mut fault = false;
    let mut called = false;
    let mut rate_limited = false;
    let mut groups = groups.into_iter();
    while let Some((id, dues)) = groups.next() {
        if !known.contains_key(&id) {
            let k = match inner.store.broadcast_message(&id).await {
                Ok(Some((BroadcastState::Active, reply))) => {
                    Known::Send(Arc::new(message_of(&reply)))
                }
                Ok(_) => Known::Stop,
                Err(e) => {
                    tracing::warn!(error = %e, broadcast = %id, "cannot read a broadcast; its claims go back");
                    Known::Stop
                }
            };
            known.insert(id.clone(), k);
        }
        let message = match known.get(&id) {
            Some(Known::Send(m)) => m.clone(),
            _ => {
                requeue(&mut results, dues, None);
                continue;
            }
        };
        wait_turn(inner, pacer, batch).await;
        while set.len() >= cfg.concurrency.max(1) {
            if let Some(Ok(done)) = set.join_next().await {
                called |= !done.0.is_empty();
                let (f, rl) = judge(inner, cfg, done, &mut results, &mut gone, &mut ended);
                fault |= f;
                rate_limited |= rl;
            }
        }
        while let Some(Ok(done)) = set.try_join_next() {
            called |= !done.0.is_empty();
            let (f, rl) = judge(inner, cfg, done, &mut results, &mut gone, &mut ended);
            fault |= f;
            rate_limited |= rl;
        }
        // Stopping, the platform said "too many requests", or a call failed on the way (the
        // platform or the network is in trouble): the rest goes back to the queue, and the
        // sender backs off before the next claim instead of spending every recipient on it.
        if *stop.borrow() || rate_limited || fault {
            requeue(&mut results, dues, None);
            for (_, rest) in groups.by_ref() {
                requeue(&mut results, rest, None);
            }
            break;
        }
        if !results.is_empty() || !gone.is_empty() || !ended.is_empty() {
            let _ = record.send(Record {
                lines: std::mem::take(&mut results),
                gone: std::mem::take(&mut gone),
                calls: std::mem::take(&mut ended),
            });
        }
        // Noted before the call, here in order (a note done in the call's task could finish
        // after a later call's and let that call overtake): a kill during it leaves these
        // `unknown`, not resent. Only the recipients still under this claim are called: the
        // others were claimed again (this claim was held past its lease), and that claim
        // sends them.
        let lease_until = now_ms() + i64::try_from(cfg.lease.as_millis()).unwrap_or(i64::MAX);
        let call_id = format!(
            "{}:{}:{}",
            inner.config.instance,
            now_ms(),
            CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let held = {
            let ids: Vec<(&str, i64)> = dues
                .iter()
                .map(|d| (d.chat_id.as_str(), d.attempts))
                .collect();
            let begin = crate::store::BeginCall {
                call_id: &call_id,
                messenger: &inner.kind,
                broadcast_id: &id,
                owner: &inner.config.instance,
                lease_until,
                dues: &ids,
                check: now_ms() >= safe_until,
            };
            inner.store.begin_call(&begin).await
        };
        let held = match held {
            Ok(held) => held,
            Err(e) => {
                let reason = format!("not sent: the journal cannot be written ({e})");
                let each = dues
                    .iter()
                    .map(|_| {
                        Err(MessengerError::Transport {
                            reason: reason.clone(),
                            maybe_sent: false,
                        })
                    })
                    .collect();
                let (f, _) = judge(
                    inner,
                    cfg,
                    (dues, None, Ok(each)),
                    &mut results,
                    &mut gone,
                    &mut ended,
                );
                fault |= f;
                continue;
            }
        };
        let dues: Vec<Due> = dues
            .into_iter()
            .filter(|d| held.contains(&d.chat_id))
            .collect();
        if dues.is_empty() {
            continue;
        }
        let m = inner.messenger.clone();
        let gate = pacer.gate();
        set.spawn(async move {
            gate.await;
            let chats: Vec<ChatRef> = dues.iter().map(|d| d.chat.clone()).collect();
            let r = if chats.len() == 1 {
                Ok(vec![m.send(&chats[0], &message).await.map(|r| Some(r.id))])
            } else {
                m.send_many(&chats, &message).await
            };
            (dues, Some(call_id), r)
        });
    }
    while let Some(joined) = set.join_next().await {
        if let Ok(done) = joined {
            called |= !done.0.is_empty();
            let (f, _) = judge(inner, cfg, done, &mut results, &mut gone, &mut ended);
            fault |= f;
        }
    }
    let last = Record {
        lines: results,
        gone,
        calls: ended,
    };
    if !last.is_empty() {
        let _ = record.send(last);
    }
    (fault, called)
}

/// Extends the claim on `claimed` (a broadcast at a time) to a lease from now and keeps the
/// recipients still under it ([`crate::store::Store::hold_claims`]). Also returns until when
/// the kept ones are surely still this claim's (half the lease: nobody can claim them before
/// it runs out), so calls made before then need no check of their own; on a storage error all
/// of them are kept and every call checks ([`crate::store::Store::begin_call`]).
pub(super) async fn hold<H: Handler>(
    inner: &Inner<H>,
    cfg: &BroadcastConfig,
    claimed: Vec<ClaimedRecipient>,
) -> (Vec<ClaimedRecipient>, i64) {
    let lease = i64::try_from(cfg.lease.as_millis()).unwrap_or(i64::MAX);
    let now = now_ms();
    let until = now.saturating_add(lease);
    let mut safe_until = now.saturating_add(lease / 2);
    let mut held: HashMap<String, std::collections::HashSet<String>> = HashMap::new();
    let mut ids: Vec<&str> = claimed.iter().map(|c| c.broadcast_id.as_str()).collect();
    ids.dedup();
    for id in ids {
        if held.contains_key(id) {
            continue;
        }
        let dues: Vec<(&str, i64)> = claimed
            .iter()
            .filter(|c| c.broadcast_id == id)
            .map(|c| (c.chat_id.as_str(), c.attempts))
            .collect();
        match inner
            .store
            .hold_claims(&inner.kind, &inner.config.instance, id, &dues, until)
            .await
        {
            Ok(h) => {
                held.insert(id.to_owned(), h);
            }
            Err(e) => {
                tracing::warn!(error = %e, broadcast = %id, "cannot extend broadcast claims");
                safe_until = 0;
                held.insert(
                    id.to_owned(),
                    dues.iter().map(|(c, _)| (*c).to_owned()).collect(),
                );
            }
        }
    }
    let before = claimed.len();
    let kept: Vec<ClaimedRecipient> = claimed
        .into_iter()
        .filter(|c| {
            held.get(&c.broadcast_id)
                .is_some_and(|h| h.contains(&c.chat_id))
        })
        .collect();
    if kept.len() < before {
        tracing::info!(
            dropped = before - kept.len(),
            "broadcast recipients claimed again after this claim ran out: left to that claim"
        );
    }
    (kept, safe_until)
}

pub(super) fn message_of(reply: &Reply) -> OutgoingMessage {
    outgoing(reply)
}

pub(super) fn requeue(results: &mut Vec<Sent>, dues: Vec<Due>, error: Option<String>) {
    for d in dues {
        results.push(Sent {
            broadcast_id: d.broadcast_id,
            chat_id: d.chat_id,
            status: None,
            error: error.clone(),
            message_id: None,
            counted: false,
            attempts: d.attempts,
        });
    }
}

/// Waits for this sender's pace, and, where each call is one message (not a Viber batch), for
/// the runtime's global limit too, so replies and broadcasts together keep to the platform's
/// rate. A platform-wide "too many requests" pauses both.
pub(super) async fn wait_turn<H: Handler>(inner: &Inner<H>, pacer: &mut Pacer, batch: usize) {
    pacer.wait().await;
    if batch == 1 {
        global_turn(inner).await;
    } else {
        inner.wait_pause().await;
    }
}

/// Turns one call's outcome into journal lines. Returns (a passing fault, a rate limit).
pub(super) fn judge<H: Handler>(
    inner: &Inner<H>,
    cfg: &BroadcastConfig,
    (dues, call, outcome): CallOutcome,
    results: &mut Vec<Sent>,
    gone: &mut Vec<(ChatRef, MessengerError)>,
    ended: &mut Vec<String>,
) -> (bool, bool) {
    ended.extend(call);
    let mut fault = false;
    let mut limited = false;
    let each = match outcome {
        Ok(each) => each,
        // The message does not fit the platform: nobody can get it.
        Err(e) => {
            let text = e.to_string();
            for d in dues {
                results.push(Sent {
                    broadcast_id: d.broadcast_id,
                    chat_id: d.chat_id,
                    status: Some(RecipientStatus::Failed),
                    error: Some(text.clone()),
                    message_id: None,
                    counted: true,
                    attempts: d.attempts,
                });
            }
            return (false, false);
        }
    };
    // Message ids are kept only where the platform names them in receipts (Viber).
    let receipts = inner.messenger.capabilities().delivery_receipts;
    let mut each = each.into_iter();
    for d in dues {
        let mut message_id = None;
        let mut counted = true;
        let r = each.next().unwrap_or_else(|| {
            Err(MessengerError::Transport {
                reason: "the platform did not report this recipient".into(),
                maybe_sent: true,
            })
        });
        let (status, error) = match r {
            Ok(id) => {
                message_id = id.filter(|_| receipts).map(|id| id.to_string());
                (Some(RecipientStatus::Sent), None)
            }
            Err(e @ MessengerError::RateLimited { .. }) => {
                limited = true;
                counted = false;
                let wait = e.retry_after().unwrap_or(Duration::from_secs(1));
                tracing::warn!(
                    ?wait,
                    "broadcast rate limited by the platform; slowing down"
                );
                inner.pause_all(Instant::now() + wait);
                (None, Some(e.to_string()))
            }
            Err(e) if e.is_recipient_gone() => {
                let text = e.to_string();
                gone.push((d.chat.clone(), e));
                (Some(RecipientStatus::Blocked), Some(text))
            }
            Err(
                e @ MessengerError::Transport {
                    maybe_sent: true, ..
                },
            ) => {
                // Not repeated (it may have arrived), but a fault: a platform dropping
                // connections would otherwise take the whole broadcast with it.
                fault = true;
                (
                    Some(RecipientStatus::Failed),
                    Some(format!("outcome unknown, not repeated: {e}")),
                )
            }
            Err(e) if e.is_retryable() => {
                fault = true;
                if d.attempts >= i64::from(cfg.max_attempts) {
                    (Some(RecipientStatus::Failed), Some(e.to_string()))
                } else {
                    (None, Some(e.to_string()))
                }
            }
            Err(e) => (Some(RecipientStatus::Failed), Some(e.to_string())),
        };
        results.push(Sent {
            broadcast_id: d.broadcast_id,
            chat_id: d.chat_id,
            status,
            error,
            message_id,
            counted,
            attempts: d.attempts,
        });
    }
    (fault, limited)
}
