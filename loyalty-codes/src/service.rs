//! The code service: issue a code, deliver it over the action's channels in order with fallback,
//! check what the user typed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use loyalty_core::{Clock, SystemClock};
use secrecy::{ExposeSecret, SecretString};

use crate::action::{Action, Language, Programme};
use crate::budget::{BudgetScope, Limit};
use crate::channel::{
    Attempt, AttemptOutcome, ChannelError, ChannelId, CodeChannel, Delivery, SkipReason,
};
use crate::code::{CodeHasher, CodeId};
use crate::error::CodeError;
use crate::recipient::{Recipient, Subject};
use crate::store::{CodeRecord, CodeStore, SendEvent, SendQuery};

/// The default time a channel gets before the next one is tried.
pub const DEFAULT_CHANNEL_TIMEOUT: Duration = Duration::from_secs(15);

/// A request to send a code.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SendRequest {
    /// Whom the code is for.
    pub subject: Subject,
    /// What it confirms.
    pub action: Action,
    /// Where it may be delivered.
    pub recipient: Recipient,
    /// The language of the message (default Ukrainian).
    pub language: Language,
}

impl SendRequest {
    /// A request in Ukrainian.
    pub fn new(subject: Subject, action: Action, recipient: Recipient) -> Self {
        Self {
            subject,
            action,
            recipient,
            language: Language::Uk,
        }
    }

    /// Sets the language.
    pub fn language(mut self, language: Language) -> Self {
        self.language = language;
        self
    }
}

/// What a successful send reports.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SendReceipt {
    /// The issued code's id.
    pub code_id: CodeId,
    /// The channel that delivered it.
    pub delivered_via: ChannelId,
    /// When the code stops being valid.
    pub expires_at: DateTime<Utc>,
    /// Every channel tried, in order, the delivering one last.
    pub attempts: Vec<Attempt>,
}

/// A code checked successfully (and now used).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// Whom it was issued to.
    pub subject: Subject,
    /// What it confirmed.
    pub action: Action,
    /// The code's id.
    pub code_id: CodeId,
    /// When it was checked.
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Registered {
    channel: Arc<dyn CodeChannel>,
    timeout: Duration,
}

/// Builds a [`CodeService`].
#[derive(Debug)]
pub struct CodeServiceBuilder {
    programme: Programme,
    store: Arc<dyn CodeStore>,
    pepper: SecretString,
    clock: Arc<dyn Clock>,
    channels: Vec<(Arc<dyn CodeChannel>, Option<Duration>)>,
    default_timeout: Duration,
}

impl CodeServiceBuilder {
    /// Sets the clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Registers a channel under its [`CodeChannel::id`], with the default timeout.
    pub fn channel(mut self, channel: Arc<dyn CodeChannel>) -> Self {
        self.channels.push((channel, None));
        self
    }

    /// Registers a channel with a timeout of its own.
    pub fn channel_with_timeout(
        mut self,
        channel: Arc<dyn CodeChannel>,
        timeout: Duration,
    ) -> Self {
        self.channels.push((channel, Some(timeout)));
        self
    }

    /// Sets the timeout of channels registered without one (default 15 s).
    pub fn default_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = timeout;
        self
    }

    /// Builds the service.
    ///
    /// # Errors
    /// [`CodeError::Config`] for an invalid programme, a pepper under 16 bytes, two channels
    /// with one id, or a channel order naming a channel that is not registered.
    pub fn build(self) -> Result<CodeService, CodeError> {
        self.programme.validate()?;
        let hasher = CodeHasher::new(self.pepper)?;
        let mut channels = BTreeMap::new();
        for (channel, timeout) in self.channels {
            let id = channel.id();
            let reg = Registered {
                channel,
                timeout: timeout.unwrap_or(self.default_timeout),
            };
            if channels.insert(id.clone(), reg).is_some() {
                return Err(CodeError::Config(format!(
                    "two channels are registered as {id}"
                )));
            }
        }
        check_channels(&self.programme, &channels)?;
        Ok(CodeService {
            inner: Arc::new(Inner {
                programme: std::sync::RwLock::new(Arc::new(self.programme)),
                store: self.store,
                hasher,
                clock: self.clock,
                channels,
            }),
        })
    }
}

/// Every channel `programme` names is registered.
fn check_channels(
    programme: &Programme,
    channels: &BTreeMap<ChannelId, Registered>,
) -> Result<(), CodeError> {
    for (action, policy) in programme.actions() {
        for id in &policy.channels {
            if !channels.contains_key(id) {
                return Err(CodeError::Config(format!(
                    "action {action} names channel {id}, which is not registered"
                )));
            }
        }
    }
    Ok(())
}

#[derive(Debug)]
struct Inner {
    /// Replaced as a whole by [`CodeService::set_programme`]; each call works on one snapshot.
    programme: std::sync::RwLock<Arc<Programme>>,
    store: Arc<dyn CodeStore>,
    hasher: CodeHasher,
    clock: Arc<dyn Clock>,
    channels: BTreeMap<ChannelId, Registered>,
}

impl Inner {
    fn programme(&self) -> Arc<Programme> {
        self.programme
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// Issues codes, delivers them over the programme's channels with fallback, and checks them.
/// Cheap to clone. `Debug` shows no secret.
#[derive(Debug, Clone)]
pub struct CodeService {
    inner: Arc<Inner>,
}

impl CodeService {
    /// A builder for `programme`, storing codes in `store`, hashing them with `pepper` (a
    /// server-side secret of at least 16 bytes, kept outside the store).
    pub fn builder(
        programme: Programme,
        store: Arc<dyn CodeStore>,
        pepper: SecretString,
    ) -> CodeServiceBuilder {
        CodeServiceBuilder {
            programme,
            store,
            pepper,
            clock: Arc::new(SystemClock),
            channels: Vec::new(),
            default_timeout: DEFAULT_CHANNEL_TIMEOUT,
        }
    }

    /// The programme in force (a snapshot: a later [`CodeService::set_programme`] does not
    /// change it).
    pub fn programme(&self) -> Arc<Programme> {
        self.inner.programme()
    }

    /// Replaces the programme while the service runs (the panel's settings page): the next
    /// [`CodeService::send`] uses the new actions, channel order and texts. Codes already sent
    /// stay valid until they expire.
    ///
    /// # Errors
    /// [`CodeError::Config`] for an invalid programme or a channel that is not registered; the
    /// programme in force is then kept.
    pub fn set_programme(&self, programme: Programme) -> Result<(), CodeError> {
        programme.validate()?;
        check_channels(&programme, &self.inner.channels)?;
        *self
            .inner
            .programme
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(programme);
        Ok(())
    }

    /// Whether the programme protects `action` with a code.
    pub fn requires_code(&self, action: &Action) -> bool {
        self.inner.programme().requires_code(action)
    }

    /// The registered channel ids.
    pub fn channel_ids(&self) -> impl Iterator<Item = &ChannelId> {
        self.inner.channels.keys()
    }

    /// Issues a new code for (subject, action), which replaces any earlier one, and delivers it
    /// over the action's channels in order: a channel that fails or does not answer within its
    /// timeout hands over to the next. Every attempt is recorded (never the code).
    ///
    /// # Errors
    /// [`CodeError::NotRequired`] when the action needs no code; [`CodeError::BudgetExhausted`]
    /// when a subject budget, or the ceiling of every channel that could reach the recipient, is
    /// spent; [`CodeError::AllChannelsFailed`] with each attempt when none delivered;
    /// [`CodeError::Storage`], [`CodeError::Random`].
    pub async fn send(&self, request: &SendRequest) -> Result<SendReceipt, CodeError> {
        let inner = &*self.inner;
        let action = &request.action;
        let subject = &request.subject;
        let programme = inner.programme();
        let policy = programme
            .policy(action)
            .ok_or_else(|| CodeError::NotRequired {
                action: action.clone(),
            })?;
        let budgets = programme.budget_settings();
        let now = inner.clock.now();

        // No channel of the action can reach this recipient: say so without issuing a code or
        // spending a budget.
        let reachable = policy.channels.iter().any(|id| {
            inner
                .channels
                .get(id)
                .is_some_and(|reg| reg.channel.can_reach(&request.recipient))
        });
        if !reachable {
            let attempts = policy
                .channels
                .iter()
                .map(|id| Attempt {
                    channel: id.clone(),
                    at: now,
                    elapsed: Duration::ZERO,
                    outcome: AttemptOutcome::Skipped(SkipReason::NoAddress),
                })
                .collect();
            return Err(CodeError::AllChannelsFailed { attempts });
        }

        let subject_budgets = [
            (
                budgets.per_subject_action,
                SendQuery::SubjectAction(subject.clone(), action.clone()),
                BudgetScope::SubjectAction,
            ),
            (
                budgets.per_subject,
                SendQuery::Subject(subject.clone()),
                BudgetScope::Subject,
            ),
        ];
        for (limit, query, scope) in subject_budgets {
            if let Some(limit) = limit {
                if let Some(retry_after) = self.spent(&query, limit, now).await? {
                    tracing::warn!(
                        action = %action,
                        subject = %subject.masked(),
                        %scope,
                        retry_after_s = retry_after.as_secs(),
                        "code not sent: budget spent"
                    );
                    return Err(CodeError::BudgetExhausted { scope, retry_after });
                }
            }
        }
        inner
            .store
            .record_send(SendEvent::new(subject.clone(), action.clone(), None, now))
            .await?;

        let code_policy = programme.code_policy_for(action);
        let code = code_policy.generate()?;
        let id = CodeId::random()?;
        let hash = inner
            .hasher
            .hash(&id, subject, action, code.expose_secret());
        let expires_at = now + chrono::Duration::from_std(code_policy.ttl).unwrap_or_default();
        inner
            .store
            .replace_active(CodeRecord::new(
                id.clone(),
                subject.clone(),
                action.clone(),
                hash,
                now,
                expires_at,
                code_policy.max_attempts,
            ))
            .await?;
        let text = policy
            .templates
            .render(request.language, code.expose_secret());
        let delivery = Delivery::new(
            action,
            request.language,
            &request.recipient,
            expires_at,
            &text,
            &code,
        );

        let mut attempts = Vec::new();
        for channel_id in &policy.channels {
            let Some(reg) = inner.channels.get(channel_id) else {
                continue; // checked at build time
            };
            let at = inner.clock.now();
            let started = tokio::time::Instant::now();
            let outcome = self
                .try_channel(channel_id, reg, subject, &delivery, at)
                .await?;
            let attempt = Attempt {
                channel: channel_id.clone(),
                at,
                elapsed: started.elapsed(),
                outcome,
            };
            log_attempt(action, &attempt);
            let delivered = attempt.delivered();
            attempts.push(attempt);
            if delivered {
                return Ok(SendReceipt {
                    code_id: id,
                    delivered_via: channel_id.clone(),
                    expires_at,
                    attempts,
                });
            }
        }

        // Only ceilings (and missing addresses) stopped it: that is a budget, with a retry time.
        let called = attempts.iter().any(|a| {
            matches!(
                a.outcome,
                AttemptOutcome::Delivered(_) | AttemptOutcome::Failed(_)
            )
        });
        let ceiling = attempts
            .iter()
            .filter_map(|a| match &a.outcome {
                AttemptOutcome::Skipped(SkipReason::CeilingReached { retry_after }) => {
                    Some((*retry_after, a.channel.clone()))
                }
                _ => None,
            })
            .min_by_key(|(d, _)| *d);
        if let (false, Some((retry_after, channel))) = (called, ceiling) {
            return Err(CodeError::BudgetExhausted {
                scope: BudgetScope::Channel(channel),
                retry_after,
            });
        }
        Err(CodeError::AllChannelsFailed { attempts })
    }

    async fn try_channel(
        &self,
        id: &ChannelId,
        reg: &Registered,
        subject: &Subject,
        delivery: &Delivery<'_>,
        at: DateTime<Utc>,
    ) -> Result<AttemptOutcome, CodeError> {
        let inner = &*self.inner;
        if !reg.channel.can_reach(delivery.recipient) {
            return Ok(AttemptOutcome::Skipped(SkipReason::NoAddress));
        }
        if let Some(limit) = inner.programme().budget_settings().per_channel.get(id) {
            if let Some(retry_after) = self
                .spent(&SendQuery::Channel(id.clone()), *limit, at)
                .await?
            {
                return Ok(AttemptOutcome::Skipped(SkipReason::CeilingReached {
                    retry_after,
                }));
            }
        }
        // Counted before the call: a timed-out SMS may still be sent and billed.
        inner
            .store
            .record_send(SendEvent::new(
                subject.clone(),
                delivery.action.clone(),
                Some(id.clone()),
                at,
            ))
            .await?;
        Ok(
            match tokio::time::timeout(reg.timeout, reg.channel.deliver(delivery)).await {
                Ok(Ok(receipt)) => AttemptOutcome::Delivered(receipt),
                Ok(Err(e)) => AttemptOutcome::Failed(e),
                Err(_) => AttemptOutcome::Failed(ChannelError::Timeout { after: reg.timeout }),
            },
        )
    }

    /// `Some(retry_after)` when `limit` is spent for `query` at `now`.
    async fn spent(
        &self,
        query: &SendQuery,
        limit: Limit,
        now: DateTime<Utc>,
    ) -> Result<Option<Duration>, CodeError> {
        let window = chrono::Duration::from_std(limit.window).unwrap_or(chrono::Duration::MAX);
        let since = now
            .checked_sub_signed(window)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let stats = self.inner.store.send_stats(query, since).await?;
        if stats.count < limit.max {
            return Ok(None);
        }
        let free_at = stats.oldest.unwrap_or(now) + window;
        let wait = (free_at - now).to_std().unwrap_or_default();
        Ok(Some(wait.max(Duration::from_secs(1))))
    }

    /// Checks `input` against the code of (subject, action). Every check counts against the
    /// code's attempt limit, the right one included; a right code is used up.
    ///
    /// # Errors
    /// [`CodeError::WrongCode`] with the tries left, [`CodeError::TooManyAttempts`],
    /// [`CodeError::Expired`], [`CodeError::AlreadyUsed`], [`CodeError::NoActiveCode`],
    /// [`CodeError::NotRequired`], [`CodeError::Storage`].
    pub async fn verify(
        &self,
        subject: &Subject,
        action: &Action,
        input: &str,
    ) -> Result<Verified, CodeError> {
        let result = self.verify_inner(subject, action, input).await;
        match &result {
            Ok(_) => tracing::info!(action = %action, subject = %subject.masked(), "code verified"),
            Err(e) => tracing::info!(
                action = %action,
                subject = %subject.masked(),
                error = %e,
                "code refused"
            ),
        }
        result
    }

    async fn verify_inner(
        &self,
        subject: &Subject,
        action: &Action,
        input: &str,
    ) -> Result<Verified, CodeError> {
        let inner = &*self.inner;
        if !inner.programme().requires_code(action) {
            return Err(CodeError::NotRequired {
                action: action.clone(),
            });
        }
        let record = inner
            .store
            .active(subject, action)
            .await?
            .ok_or(CodeError::NoActiveCode)?;
        if record.used_at.is_some() {
            return Err(CodeError::AlreadyUsed);
        }
        let now = inner.clock.now();
        if now >= record.expires_at {
            return Err(CodeError::Expired {
                expired_at: record.expires_at,
            });
        }
        if record.attempts >= record.max_attempts {
            return Err(CodeError::TooManyAttempts);
        }
        // Count first, compare after: parallel guesses cannot exceed the limit.
        let n = inner
            .store
            .add_attempt(&record.id)
            .await?
            .ok_or(CodeError::NoActiveCode)?;
        if n > record.max_attempts {
            return Err(CodeError::TooManyAttempts);
        }
        let typed = inner.programme().code_policy_for(action).normalize(input);
        if !inner
            .hasher
            .matches(&record.hash, &record.id, subject, action, &typed)
        {
            let left = record.max_attempts - n;
            return Err(if left == 0 {
                CodeError::TooManyAttempts
            } else {
                CodeError::WrongCode {
                    attempts_left: left,
                }
            });
        }
        if !inner.store.mark_used(&record.id, now).await? {
            return Err(CodeError::AlreadyUsed);
        }
        Ok(Verified {
            subject: subject.clone(),
            action: action.clone(),
            code_id: record.id,
            at: now,
        })
    }

    /// Removes codes that expired, and send events, older than `keep` (keep at least the longest
    /// budget window). Returns how many rows went.
    ///
    /// # Errors
    /// [`CodeError::Storage`].
    pub async fn purge(&self, keep: Duration) -> Result<u64, CodeError> {
        let keep = chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX);
        let before = self
            .inner
            .clock
            .now()
            .checked_sub_signed(keep)
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        Ok(self.inner.store.purge(before).await?)
    }
}

fn log_attempt(action: &Action, a: &Attempt) {
    let elapsed_ms = u64::try_from(a.elapsed.as_millis()).unwrap_or(u64::MAX);
    match &a.outcome {
        AttemptOutcome::Delivered(r) => tracing::info!(
            action = %action,
            channel = %a.channel,
            elapsed_ms,
            provider_id = r.provider_id.as_deref().unwrap_or(""),
            "code delivered"
        ),
        AttemptOutcome::Failed(e) => tracing::warn!(
            action = %action,
            channel = %a.channel,
            elapsed_ms,
            error = %e,
            "code channel failed; trying the next one"
        ),
        AttemptOutcome::Skipped(reason) => tracing::info!(
            action = %action,
            channel = %a.channel,
            reason = ?reason,
            "code channel skipped"
        ),
    }
}
