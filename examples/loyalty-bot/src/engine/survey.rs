//! Surveys in the dialogue (issue 19, seed 004): the invitation a survey is sent with (a
//! broadcast with "Start" and "Skip" buttons), then one question after another.
//!
//! "Start" puts the chat in [`Step::Survey`] (the durable conversation state, so a restart
//! continues at the same question) at the first question the user has not answered yet. A
//! closed question is answered by its option buttons, an open one by the next text message;
//! every question has "Skip the survey", which returns to the dialogue. After the last question
//! the user is thanked and the dialogue resumes (the menu, or the phone request for a user not
//! logged in). Answers are writes committed with the update's completion, and the first answer
//! to a question wins (`crate::storage` surveys module): a second "Start" after finishing only
//! says so, and a press of an old question's button is answered "no longer current" and changes
//! nothing.

use messenger_core::{Button, Keyboard, RichText};

use super::ctx::Ctx;
use super::{Action, Conversation, EngineError, Reply, Step};
use crate::storage::{QuestionKind, Storage, Survey};
use crate::texts::{Lang, TextKey, Texts};

/// The longest open answer stored (longer ones are cut).
pub const OPEN_ANSWER_MAX: usize = 2000;

fn text_of(texts: &Texts, lang: Lang, key: TextKey, args: &[(&str, &str)]) -> RichText {
    RichText::template(texts.get(lang, key), args)
        .unwrap_or_else(|_| RichText::plain(texts.format(lang, key, args)))
}

/// The invitation a survey is sent with, in `lang`: its title, the number of questions, and
/// the buttons "Start" (`sv:<id>`) and "Skip" (`sx:<id>`).
pub fn survey_invitation(texts: &Texts, lang: Lang, survey: &Survey) -> messenger_runtime::Reply {
    let count = survey.questions.len().to_string();
    let text = text_of(
        texts,
        lang,
        TextKey::SurveyInvitation,
        &[("title", &survey.title), ("count", &count)],
    );
    let keyboard = Keyboard::inline(vec![vec![
        Button::callback(
            texts.get(lang, TextKey::ButtonSurveyStart),
            Action::SurveyStart { survey: survey.id }.encode(),
        ),
        Button::callback(
            texts.get(lang, TextKey::ButtonSurveySkip),
            Action::SurveySkip { survey: survey.id }.encode(),
        ),
    ]]);
    messenger_runtime::Reply::new(text).keyboard(keyboard)
}

impl Ctx<'_> {
    /// The dialogue after a survey: the menu for a logged-in user, else the phone request.
    fn after_survey(&mut self, conv: &mut Conversation) {
        if self.session.is_some() {
            self.menu(conv);
        } else {
            conv.step = Step::AwaitPhone;
            self.replies.push(self.engine.ask_phone(self.lang, ""));
        }
    }

    fn skip_button(&self, survey: i64) -> Button {
        self.button(TextKey::ButtonSurveySkip, &Action::SurveySkip { survey })
    }

    /// Asks question `position` of `survey` (with its picture, its options and "Skip").
    async fn ask(&mut self, survey: &Survey, position: u32) -> Result<(), EngineError> {
        let Some(q) = usize::try_from(position)
            .ok()
            .and_then(|p| survey.questions.get(p))
        else {
            return Ok(());
        };
        let number = (position + 1).to_string();
        let total = survey.questions.len().to_string();
        let key = match q.kind {
            QuestionKind::Closed => TextKey::SurveyQuestion,
            QuestionKind::Open => TextKey::SurveyQuestionOpen,
        };
        let text = self.engine.text(
            self.lang,
            key,
            &[("number", &number), ("total", &total), ("text", &q.text)],
        );
        let mut rows: Vec<Vec<Button>> = Vec::new();
        if q.kind == QuestionKind::Closed {
            for (option, label) in (0u32..).zip(&q.options) {
                rows.push(vec![Button::callback(
                    label.clone(),
                    Action::SurveyAnswer {
                        survey: survey.id,
                        question: position,
                        option,
                    }
                    .encode(),
                )]);
            }
        }
        rows.push(vec![self.skip_button(survey.id)]);
        let mut reply = Reply::new(text).with(Keyboard::inline(rows));
        if q.image_mime.is_some()
            && let Some((mime, data)) = self
                .engine
                .storage
                .survey_image(survey.id, position)
                .await?
        {
            let ext = mime.rsplit('/').next().unwrap_or("jpg").to_owned();
            reply.image = Some(messenger_runtime::ReplyImage::Bytes {
                data,
                file_name: format!("question-{}.{ext}", position + 1),
                mime_type: mime,
            });
        }
        self.replies.push(reply);
        Ok(())
    }

    /// The survey, or "no longer available" and back to the dialogue.
    async fn survey_or_gone(
        &mut self,
        conv: &mut Conversation,
        id: i64,
    ) -> Result<Option<Survey>, EngineError> {
        match self.engine.storage.survey(id).await? {
            Some(s) if !s.questions.is_empty() => Ok(Some(s)),
            _ => {
                self.say(TextKey::SurveyGone, &[]);
                if matches!(conv.step, Step::Survey { .. }) {
                    self.after_survey(conv);
                }
                Ok(None)
            }
        }
    }

    /// Runs a survey button (`sv:`, `sx:`, `sa:`); `None` for any other action.
    pub(super) async fn survey_action(
        &mut self,
        conv: &mut Conversation,
        action: &Action,
    ) -> Option<Result<(), EngineError>> {
        Some(match action {
            Action::SurveyStart { survey } => self.survey_start(conv, *survey).await,
            Action::SurveySkip { survey } => {
                self.say(TextKey::SurveySkipped, &[]);
                if matches!(conv.step, Step::Survey { survey: s, .. } if s == *survey) {
                    self.after_survey(conv);
                }
                Ok(())
            }
            Action::SurveyAnswer {
                survey,
                question,
                option,
            } => self.survey_option(conv, *survey, *question, *option).await,
            _ => return None,
        })
    }

    async fn survey_start(&mut self, conv: &mut Conversation, id: i64) -> Result<(), EngineError> {
        let Some(survey) = self.survey_or_gone(conv, id).await? else {
            return Ok(());
        };
        let answered = self.engine.storage.answered_questions(id, self.key).await?;
        let next = (0u32..)
            .take(survey.questions.len())
            .find(|p| !answered.contains(p));
        let Some(position) = next else {
            self.say(TextKey::SurveyAlreadyDone, &[]);
            if matches!(conv.step, Step::Survey { survey, .. } if survey == id) {
                self.after_survey(conv);
            }
            return Ok(());
        };
        conv.step = Step::Survey {
            survey: id,
            question: position,
        };
        self.ask(&survey, position).await
    }

    /// Stores the answer to the current question and asks the next, or ends the survey.
    async fn answered(
        &mut self,
        conv: &mut Conversation,
        survey: &Survey,
        position: u32,
        option: Option<u32>,
        text: &str,
    ) -> Result<(), EngineError> {
        let at = self.engine.now();
        self.writes.push(Storage::survey_answer_write(
            survey.id, self.key, position, option, text, at,
        ));
        let next = position + 1;
        if usize::try_from(next).is_ok_and(|n| n < survey.questions.len()) {
            conv.step = Step::Survey {
                survey: survey.id,
                question: next,
            };
            self.ask(survey, next).await
        } else {
            self.say(TextKey::SurveyThanks, &[]);
            self.after_survey(conv);
            Ok(())
        }
    }

    async fn survey_option(
        &mut self,
        conv: &mut Conversation,
        id: i64,
        position: u32,
        option: u32,
    ) -> Result<(), EngineError> {
        let current = matches!(conv.step, Step::Survey { survey, question } if survey == id && question == position);
        if !current {
            // A button of a question answered already, of a survey skipped or finished.
            self.say(TextKey::SurveyStale, &[]);
            if let Step::Survey { survey, question } = conv.step
                && let Some(s) = self.survey_or_gone(conv, survey).await?
            {
                self.ask(&s, question).await?;
            }
            return Ok(());
        }
        let Some(survey) = self.survey_or_gone(conv, id).await? else {
            return Ok(());
        };
        let label = usize::try_from(position)
            .ok()
            .and_then(|p| survey.questions.get(p))
            .filter(|q| q.kind == QuestionKind::Closed)
            .and_then(|q| q.options.get(usize::try_from(option).ok()?))
            .cloned();
        match label {
            Some(label) => {
                self.answered(conv, &survey, position, Some(option), &label)
                    .await
            }
            None => {
                self.say(TextKey::SurveyStale, &[]);
                self.ask(&survey, position).await
            }
        }
    }

    /// Typed text while a survey is in progress: the answer to an open question; a closed one
    /// asks again for a button.
    pub(super) async fn survey_text(
        &mut self,
        conv: &mut Conversation,
        id: i64,
        position: u32,
        text: &str,
    ) -> Result<(), EngineError> {
        let Some(survey) = self.survey_or_gone(conv, id).await? else {
            return Ok(());
        };
        let Some(q) = usize::try_from(position)
            .ok()
            .and_then(|p| survey.questions.get(p))
        else {
            // The survey lost questions (it cannot once sent): end it.
            self.after_survey(conv);
            return Ok(());
        };
        if q.kind == QuestionKind::Closed || text.is_empty() {
            self.say(TextKey::SurveyChooseOption, &[]);
            return self.ask(&survey, position).await;
        }
        let answer: String = text.chars().take(OPEN_ANSWER_MAX).collect();
        self.answered(conv, &survey, position, None, &answer).await
    }
}
