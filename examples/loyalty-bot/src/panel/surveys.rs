//! Surveys in the panel (issue 19): [`SurveyDesk`] answers the `survey_*` methods of
//! [`control_panel::PanelBackend`] over the bot's survey tables (`crate::storage` surveys
//! module).
//!
//! Sending a survey creates one runtime broadcast per language
//! ([`messenger_runtime::Store::create_broadcast`], id `survey-<survey>-<send>-<lang>`) of the
//! invitation ([`crate::engine::survey_invitation`]) to the audience's users of that language,
//! so each user is invited in their own language (the audience is the panel's segment form,
//! turned into the bot's segment by [`super::segment_of`]); the bot's broadcast senders deliver it at
//! each platform's limit, durably. The send is then recorded, which locks the survey's
//! questions.

use std::collections::HashMap;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use control_panel::UserKey;
use control_panel::survey::{
    SurveyCell, SurveyEdit, SurveyImageEdit, SurveyInfo, SurveyQuestion, SurveyQuestionKind,
    SurveyRow, SurveySendInfo,
};
use control_panel::{AudienceFilter, BackendError, SupportPhoto};
use messenger_runtime::{BroadcastControl, NewBroadcast};

use super::rows::failed;
use crate::engine::survey_invitation;
use crate::storage::{
    NewPhoto, QuestionDraft, QuestionImage, QuestionKind, SaveOutcome, Segment, Storage, Survey,
    SurveySend, new_support_id,
};

use super::segment_of;
use crate::texts::{Lang, Texts};

/// What the panel's survey pages need of the bot: its storage (with the runtime's store for
/// the broadcasts), its live texts (the invitation) and a clock.
#[derive(Clone)]
pub struct SurveyDesk {
    storage: Storage,
    texts: Arc<Texts>,
    clock: Arc<dyn loyalty_core::Clock>,
}

impl std::fmt::Debug for SurveyDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SurveyDesk").finish_non_exhaustive()
    }
}

fn kind_out(k: QuestionKind) -> SurveyQuestionKind {
    match k {
        QuestionKind::Closed => SurveyQuestionKind::Closed,
        QuestionKind::Open => SurveyQuestionKind::Open,
    }
}

fn kind_in(k: SurveyQuestionKind) -> QuestionKind {
    match k {
        SurveyQuestionKind::Closed => QuestionKind::Closed,
        SurveyQuestionKind::Open => QuestionKind::Open,
    }
}

/// A send recorded whose invitations could not all be created: "send" again finishes it.
fn unfinished(survey: i64, e: &impl std::fmt::Display) -> BackendError {
    BackendError::Failed(format!(
        "survey {survey}: the send is recorded but not every invitation could be queued ({e}); \
         send it again to finish it (nobody is invited twice)"
    ))
}

fn send_out(s: SurveySend) -> SurveySendInfo {
    // Stored as the filter's JSON; an unreadable one (never written) shows as everyone.
    let audience = serde_json::from_str(&s.audience).unwrap_or_else(|e| {
        tracing::warn!(send = %s.id, error = %e, "a survey send's audience does not read");
        AudienceFilter::default()
    });
    SurveySendInfo {
        id: s.id,
        audience,
        recipients: s.recipients,
        sent_at: s.sent_at,
        sent_by: s.sent_by,
        broadcasts: s.broadcasts,
    }
}

/// The audience's users who speak `lang`: the filter's segment narrowed to that language, or
/// `None` when the filter leaves that language out.
fn segment(audience: &AudienceFilter, lang: Lang) -> Option<Segment> {
    if !audience.languages.is_empty() && !audience.languages.iter().any(|l| l == lang.code()) {
        return None;
    }
    let mut seg = segment_of(audience);
    seg.languages = vec![lang.code().to_owned()];
    Some(seg)
}

impl super::BotPanel {
    /// Serves surveys on the panel's Surveys page (their audiences need
    /// [`super::BotPanel::with_broadcasts`]).
    pub fn with_surveys(mut self, surveys: SurveyDesk) -> Self {
        self.surveys = Some(surveys);
        self
    }

    pub(super) fn desk(&self, bot: &str) -> Result<&SurveyDesk, BackendError> {
        self.check_bot(bot)?;
        self.surveys
            .as_ref()
            .ok_or_else(|| BackendError::Invalid("this bot has no surveys".into()))
    }
}

impl SurveyDesk {
    /// Surveys over the bot's `storage`, inviting with `texts` (the engine's live catalogue,
    /// so the panel's text edits apply).
    pub fn new(storage: Storage, texts: Arc<Texts>, clock: Arc<dyn loyalty_core::Clock>) -> Self {
        Self {
            storage,
            texts,
            clock,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn info(&self, s: Survey) -> Result<SurveyInfo, BackendError> {
        let sends = self.storage.survey_sends(s.id).await.map_err(failed)?;
        Ok(SurveyInfo {
            id: s.id,
            title: s.title,
            questions: s
                .questions
                .into_iter()
                .map(|q| SurveyQuestion {
                    text: q.text,
                    kind: kind_out(q.kind),
                    options: q.options,
                    has_image: q.image_mime.is_some(),
                })
                .collect(),
            created_at: s.created_at,
            updated_at: s.updated_at,
            sends: sends.into_iter().map(send_out).collect(),
        })
    }

    pub(super) async fn list(&self) -> Result<Vec<SurveyInfo>, BackendError> {
        let mut out = Vec::new();
        for s in self.storage.surveys().await.map_err(failed)? {
            out.push(self.info(s).await?);
        }
        Ok(out)
    }

    pub(super) async fn get(&self, id: i64) -> Result<Option<SurveyInfo>, BackendError> {
        match self.storage.survey(id).await.map_err(failed)? {
            Some(s) => Ok(Some(self.info(s).await?)),
            None => Ok(None),
        }
    }

    pub(super) async fn create(&self, title: &str) -> Result<i64, BackendError> {
        self.storage
            .create_survey(title, self.now())
            .await
            .map_err(failed)
    }

    pub(super) async fn save(&self, id: i64, edit: &SurveyEdit) -> Result<(), BackendError> {
        let drafts: Vec<QuestionDraft> = edit
            .questions
            .iter()
            .map(|q| QuestionDraft {
                text: q.text.clone(),
                kind: kind_in(q.kind),
                options: q.options.clone(),
                image: match &q.image {
                    SurveyImageEdit::None => QuestionImage::None,
                    SurveyImageEdit::Keep(i) => QuestionImage::Keep(*i),
                    SurveyImageEdit::New(p) => QuestionImage::New(NewPhoto {
                        data: p.data.clone(),
                        mime: p.mime.clone(),
                    }),
                },
            })
            .collect();
        match self
            .storage
            .save_survey(id, &edit.title, &drafts, self.now())
            .await
            .map_err(failed)?
        {
            SaveOutcome::Saved => Ok(()),
            SaveOutcome::NotFound => Err(BackendError::NotFound(format!("survey {id}"))),
            SaveOutcome::Locked => Err(BackendError::Conflict(format!(
                "survey {id} was sent: its questions no longer change"
            ))),
        }
    }

    /// Deletes a survey; its invitations still going out are cancelled first, so nobody more
    /// is invited to a survey that is gone (those invited answer "no longer available").
    pub(super) async fn delete(&self, id: i64) -> Result<bool, BackendError> {
        for send in self.storage.survey_sends(id).await.map_err(failed)? {
            for bid in &send.broadcasts {
                // `false` for one that is done already: nothing to cancel.
                self.storage
                    .runtime_store()
                    .control_broadcast(bid, BroadcastControl::Cancel)
                    .await
                    .map_err(failed)?;
            }
        }
        self.storage.delete_survey(id).await.map_err(failed)
    }

    pub(super) async fn image(
        &self,
        id: i64,
        position: u32,
    ) -> Result<Option<SupportPhoto>, BackendError> {
        Ok(self
            .storage
            .survey_image(id, position)
            .await
            .map_err(failed)?
            .map(|(mime, data)| SupportPhoto { data, mime }))
    }

    /// Invites the audience: one broadcast per language. The send is recorded first (which
    /// locks the questions), with the broadcasts it plans, then each broadcast is created (by
    /// its id, once). A send interrupted between the two (a database fault) is finished by the
    /// next "send" of the same survey instead of starting another, so nobody is invited twice.
    pub(super) async fn send(
        &self,
        id: i64,
        audience: &AudienceFilter,
        by: &str,
    ) -> Result<SurveySendInfo, BackendError> {
        let survey = self
            .storage
            .survey(id)
            .await
            .map_err(failed)?
            .ok_or_else(|| BackendError::NotFound(format!("survey {id}")))?;
        if survey.questions.is_empty() {
            return Err(BackendError::Invalid(format!(
                "survey {id} has no questions"
            )));
        }
        if let Some(send) = self.interrupted_send(id).await? {
            tracing::warn!(survey = id, send = %send.id, "finishing an interrupted survey send");
            let audience = send_out(send.clone()).audience;
            self.create_invitations(&survey, &send, &audience, HashMap::new())
                .await?;
            return Ok(send_out(send));
        }
        let send_id = new_support_id();
        let mut broadcasts = Vec::new();
        let mut recipients = 0u64;
        let mut planned = HashMap::new();
        for lang in [Lang::Uk, Lang::Ru] {
            let chats = self.invited(audience, lang).await?;
            if chats.is_empty() {
                continue;
            }
            recipients += chats.len() as u64;
            broadcasts.push(format!("survey-{id}-{send_id}-{}", lang.code()));
            planned.insert(lang, chats);
        }
        if recipients == 0 {
            return Err(BackendError::Invalid(
                "nobody is in this audience".to_owned(),
            ));
        }
        let send = SurveySend {
            id: send_id,
            survey_id: id,
            audience: serde_json::to_string(audience).map_err(failed)?,
            broadcasts,
            recipients,
            sent_at: self.now(),
            sent_by: by.to_owned(),
        };
        self.storage
            .record_survey_send(&send)
            .await
            .map_err(failed)?;
        self.create_invitations(&survey, &send, audience, planned)
            .await?;
        Ok(send_out(send))
    }

    /// The audience's chats that speak `lang` (none when the filter leaves `lang` out).
    async fn invited(
        &self,
        audience: &AudienceFilter,
        lang: Lang,
    ) -> Result<Vec<messenger_core::ChatRef>, BackendError> {
        let Some(seg) = segment(audience, lang) else {
            return Ok(Vec::new());
        };
        let chats = self.storage.audience(&seg).await.map_err(failed)?;
        Ok(chats.iter().filter_map(crate::notify::chat_ref).collect())
    }

    /// A recorded send of survey `id` one of whose broadcasts was never created.
    async fn interrupted_send(&self, id: i64) -> Result<Option<SurveySend>, BackendError> {
        let store = self.storage.runtime_store();
        for send in self.storage.survey_sends(id).await.map_err(failed)? {
            for bid in &send.broadcasts {
                if store.broadcast_status(bid).await.map_err(failed)?.is_none() {
                    return Ok(Some(send));
                }
            }
        }
        Ok(None)
    }

    /// Creates the broadcasts of `send` that do not exist yet, each to `planned`'s chats of its
    /// language, or else the audience's as they are now (a send being finished).
    async fn create_invitations(
        &self,
        survey: &Survey,
        send: &SurveySend,
        audience: &AudienceFilter,
        mut planned: HashMap<Lang, Vec<messenger_core::ChatRef>>,
    ) -> Result<(), BackendError> {
        let store = self.storage.runtime_store();
        for bid in &send.broadcasts {
            if store.broadcast_status(bid).await.map_err(failed)?.is_some() {
                continue;
            }
            let Some(lang) = bid.rsplit('-').next().and_then(Lang::parse) else {
                continue;
            };
            let chats = match planned.remove(&lang) {
                Some(chats) => chats,
                None => self.invited(audience, lang).await?,
            };
            let message = survey_invitation(&self.texts, lang, survey);
            store
                .create_broadcast(&NewBroadcast::new(bid.clone(), message, chats))
                .await
                .map_err(|e| unfinished(survey.id, &e))?;
        }
        Ok(())
    }

    pub(super) async fn rows(&self, id: i64) -> Result<Vec<SurveyRow>, BackendError> {
        let Some(survey) = self.storage.survey(id).await.map_err(failed)? else {
            return Ok(Vec::new());
        };
        let n = survey.questions.len();
        let answers = self.storage.survey_answers(id).await.map_err(failed)?;
        let people = self.storage.survey_respondents(id).await.map_err(failed)?;
        // Each respondent's answers, found in one pass (20 000 respondents must not scan every
        // answer each).
        let mut by_person: HashMap<&crate::storage::ChatKey, Vec<&crate::storage::SurveyAnswer>> =
            std::collections::HashMap::new();
        for a in &answers {
            by_person.entry(&a.key).or_default().push(a);
        }
        Ok(people
            .into_iter()
            .map(|p| {
                let mut cells: Vec<Option<SurveyCell>> = vec![None; n];
                for a in by_person.get(&p.key).into_iter().flatten() {
                    if let Some(c) = usize::try_from(a.position)
                        .ok()
                        .and_then(|i| cells.get_mut(i))
                    {
                        *c = Some(SurveyCell {
                            option: a.option,
                            text: a.text.clone(),
                        });
                    }
                }
                SurveyRow {
                    user: UserKey {
                        messenger: p.key.messenger.clone(),
                        user_id: p.key.chat_id.clone(),
                    },
                    phone: p.phone,
                    name: p.name,
                    answers: cells,
                }
            })
            .collect())
    }
}
