//! Surveys (issue 19, seed 004 "Керування опитуваннями"): a title and questions in order
//! (`surveys`, `survey_questions`), every send of a survey (`survey_sends`) and the answers per
//! user and messenger (`survey_answers`).
//!
//! **One answer per survey, chat and question, and the first one wins**: an answer is written
//! with `ON CONFLICT DO NOTHING`, committed with the update that gave it, so a second "Start"
//! after finishing, a repeated button press or a press of an old question's button never
//! duplicates or changes what the user answered. A survey that has been sent is locked: its
//! questions can no longer change ([`Storage::save_survey`] refuses), so every answer keeps
//! meaning the question it was given to.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use messenger_runtime::Write;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{ChatKey, NewPhoto, Storage, StorageError, now_text, parse_time};

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    /// One of the question's options, by button.
    Closed,
    /// Free text, the user's next message.
    Open,
}

impl QuestionKind {
    /// `closed` or `open`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
        }
    }

    /// Reads `closed` / `open`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "closed" => Some(Self::Closed),
            "open" => Some(Self::Open),
            _ => None,
        }
    }
}

/// One question of a stored survey (its picture, if any: [`Storage::survey_image`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The text (emoji allowed).
    pub text: String,
    /// How it is answered.
    pub kind: QuestionKind,
    /// The options of a closed question, in order (empty for an open one).
    pub options: Vec<String>,
    /// The picture's MIME type, when the question has one.
    pub image_mime: Option<String>,
}

/// A stored survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// The survey's id.
    pub id: i64,
    /// Its title (shown in the invitation and the panel).
    pub title: String,
    /// The questions, in the order they are asked.
    pub questions: Vec<Question>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// How many times it was sent (a sent survey is locked).
    pub sends: u64,
}

/// The picture of a question being saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuestionImage {
    /// No picture.
    None,
    /// The picture the question at this position had before the save (reordering keeps it).
    Keep(usize),
    /// A new picture.
    New(NewPhoto),
}

/// A question as the panel saves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDraft {
    /// The text.
    pub text: String,
    /// How it is answered.
    pub kind: QuestionKind,
    /// The options of a closed question.
    pub options: Vec<String>,
    /// Its picture.
    pub image: QuestionImage,
}

/// What [`Storage::save_survey`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Saved.
    Saved,
    /// No survey with that id.
    NotFound,
    /// The survey has been sent: its questions no longer change.
    Locked,
}

/// One send of a survey.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveySend {
    /// The send's id.
    pub id: String,
    /// The survey.
    pub survey_id: i64,
    /// The audience as the panel gave it (its filter as JSON).
    pub audience: String,
    /// The runtime broadcasts that carry the invitation (one per language).
    pub broadcasts: Vec<String>,
    /// How many chats it was sent to.
    pub recipients: u64,
    /// When.
    pub sent_at: DateTime<Utc>,
    /// The panel login that sent it.
    pub sent_by: String,
}

/// One stored answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyAnswer {
    /// Who answered (messenger and chat).
    pub key: ChatKey,
    /// The question's position (from 0).
    pub position: u32,
    /// The chosen option of a closed question.
    pub option: Option<u32>,
    /// The option's text or the typed answer.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A user who answered a survey, with what the export shows of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respondent {
    /// The chat.
    pub key: ChatKey,
    /// The platform's user id, when known.
    pub user_id: Option<String>,
    /// The phone the user logged in with, if any.
    pub phone: Option<String>,
    /// First and last name from the messenger profile.
    pub name: Option<String>,
}

fn corrupt(what: &'static str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt {
        what,
        reason: e.to_string(),
    }
}

fn question_row(r: &AnyRow) -> Result<Question, StorageError> {
    let kind: String = r.try_get("kind")?;
    let options: String = r.try_get("options")?;
    Ok(Question {
        text: r.try_get("body")?,
        kind: QuestionKind::parse(&kind).ok_or_else(|| corrupt("survey question kind", &kind))?,
        options: serde_json::from_str(&options).map_err(|e| corrupt("survey options", e))?,
        image_mime: r.try_get("image_mime")?,
    })
}

fn send_row(r: &AnyRow) -> Result<SurveySend, StorageError> {
    let broadcasts: String = r.try_get("broadcasts")?;
    Ok(SurveySend {
        id: r.try_get("id")?,
        survey_id: r.try_get("survey_id")?,
        audience: r.try_get("audience")?,
        broadcasts: serde_json::from_str(&broadcasts)
            .map_err(|e| corrupt("survey send broadcasts", e))?,
        recipients: u64::try_from(r.try_get::<i64, _>("recipients")?).unwrap_or(0),
        sent_at: parse_time(&r.try_get::<String, _>("sent_at")?)?,
        sent_by: r.try_get("sent_by")?,
    })
}

impl Storage {
    /// Creates an empty survey and returns its id: the next number, never one a deleted survey
    /// had (its old invitations and the users in the middle of it must not answer this one).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn create_survey(&self, title: &str, at: DateTime<Utc>) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "UPDATE survey_ids SET next_id = next_id + 1 WHERE one = 1
             RETURNING CAST(next_id - 1 AS BIGINT)",
        )
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO surveys (id, title, created_at, updated_at) VALUES ($1, $2, $3, $3)",
        )
        .bind(id)
        .bind(title)
        .bind(now_text(at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Replaces a survey's title and questions in one transaction; a question's
    /// [`QuestionImage::Keep`] takes the picture the question at that position had.
    ///
    /// # Errors
    /// [`StorageError`] on database failure (nothing changed).
    pub async fn save_survey(
        &self,
        id: i64,
        title: &str,
        questions: &[QuestionDraft],
        at: DateTime<Utc>,
    ) -> Result<SaveOutcome, StorageError> {
        let mut tx = self.pool.begin().await?;
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM surveys WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        if found.is_none() {
            tx.rollback().await?;
            return Ok(SaveOutcome::NotFound);
        }
        let sends: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM survey_sends WHERE survey_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if sends > 0 {
            tx.rollback().await?;
            return Ok(SaveOutcome::Locked);
        }
        let old = sqlx::query(
            "SELECT position, image, image_mime FROM survey_questions WHERE survey_id = $1 AND image IS NOT NULL",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let mut images: Vec<(i64, String, Option<String>)> = Vec::with_capacity(old.len());
        for r in &old {
            images.push((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?));
        }
        sqlx::query("DELETE FROM survey_questions WHERE survey_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (position, q) in (0i64..).zip(questions) {
            let (image, mime) = match &q.image {
                QuestionImage::None => (None, None),
                QuestionImage::Keep(from) => images
                    .iter()
                    .find(|(p, _, _)| usize::try_from(*p).ok() == Some(*from))
                    .map_or((None, None), |(_, data, mime)| {
                        (Some(data.clone()), mime.clone())
                    }),
                QuestionImage::New(p) => (Some(STANDARD.encode(&p.data)), Some(p.mime.clone())),
            };
            let options = match q.kind {
                QuestionKind::Closed => q.options.clone(),
                QuestionKind::Open => Vec::new(),
            };
            sqlx::query(
                "INSERT INTO survey_questions (survey_id, position, body, kind, options, image, image_mime)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(position)
            .bind(&q.text)
            .bind(q.kind.as_str())
            .bind(serde_json::to_string(&options).map_err(|e| corrupt("survey options", e))?)
            .bind(image)
            .bind(mime)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("UPDATE surveys SET title = $1, updated_at = $2 WHERE id = $3")
            .bind(title)
            .bind(now_text(at))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(SaveOutcome::Saved)
    }

    /// Deletes a survey with its questions, sends and answers; `false` when there was none.
    ///
    /// # Errors
    /// [`StorageError`] on database failure (nothing changed).
    pub async fn delete_survey(&self, id: i64) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await?;
        for sql in [
            "DELETE FROM survey_answers WHERE survey_id = $1",
            "DELETE FROM survey_sends WHERE survey_id = $1",
            "DELETE FROM survey_questions WHERE survey_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        let r = sqlx::query("DELETE FROM surveys WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(r.rows_affected() == 1)
    }

    /// Every survey, newest first (at most 500).
    ///
    /// # Errors
    /// [`StorageError`] on database failure or a corrupt stored question.
    pub async fn surveys(&self) -> Result<Vec<Survey>, StorageError> {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM surveys ORDER BY id DESC LIMIT 500")
            .fetch_all(&self.reader)
            .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(s) = self.survey(id).await? {
                out.push(s);
            }
        }
        Ok(out)
    }

    /// One survey with its questions.
    ///
    /// # Errors
    /// [`StorageError`] on database failure or a corrupt stored question.
    pub async fn survey(&self, id: i64) -> Result<Option<Survey>, StorageError> {
        let Some(row) = sqlx::query(
            "SELECT id, title, created_at, updated_at,
               (SELECT COUNT(*) FROM survey_sends s WHERE s.survey_id = surveys.id) AS sends
             FROM surveys WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let questions = sqlx::query(
            "SELECT body, kind, options, image_mime FROM survey_questions WHERE survey_id = $1 ORDER BY position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(Survey {
            id: row.try_get("id")?,
            title: row.try_get("title")?,
            questions: questions
                .iter()
                .map(question_row)
                .collect::<Result<_, _>>()?,
            created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
            updated_at: parse_time(&row.try_get::<String, _>("updated_at")?)?,
            sends: u64::try_from(row.try_get::<i64, _>("sends")?).unwrap_or(0),
        }))
    }

    /// The picture of question `position` of survey `id`: its MIME type and bytes.
    ///
    /// # Errors
    /// [`StorageError`] on database failure or an unreadable stored picture.
    pub async fn survey_image(
        &self,
        id: i64,
        position: u32,
    ) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        let row = sqlx::query(
            "SELECT image, image_mime FROM survey_questions
             WHERE survey_id = $1 AND position = $2 AND image IS NOT NULL",
        )
        .bind(id)
        .bind(i64::from(position))
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let data: String = row.try_get("image")?;
        let mime: Option<String> = row.try_get("image_mime")?;
        let bytes = STANDARD
            .decode(data)
            .map_err(|e| corrupt("survey picture", e))?;
        Ok(Some((mime.unwrap_or_else(|| "image/jpeg".into()), bytes)))
    }

    /// Records a send of a survey (after its broadcasts were created).
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn record_survey_send(&self, send: &SurveySend) -> Result<(), StorageError> {
        sqlx::query(
            "INSERT INTO survey_sends (id, survey_id, audience, broadcasts, recipients, sent_at, sent_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&send.id)
        .bind(send.survey_id)
        .bind(&send.audience)
        .bind(serde_json::to_string(&send.broadcasts).map_err(|e| corrupt("survey send", e))?)
        .bind(i64::try_from(send.recipients).unwrap_or(i64::MAX))
        .bind(now_text(send.sent_at))
        .bind(&send.sent_by)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The sends of a survey, oldest first.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn survey_sends(&self, id: i64) -> Result<Vec<SurveySend>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, survey_id, audience, broadcasts, recipients, sent_at, sent_by
             FROM survey_sends WHERE survey_id = $1 ORDER BY sent_at, id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(send_row).collect()
    }

    /// The write that stores one answer, committed with the update that gave it. The first
    /// answer to a question wins: a later one for the same survey, chat and question is ignored.
    pub fn survey_answer_write(
        survey: i64,
        key: &ChatKey,
        position: u32,
        option: Option<u32>,
        text: &str,
        at: DateTime<Utc>,
    ) -> Write {
        Write::new(
            "INSERT INTO survey_answers (survey_id, messenger, chat_id, position, option_index, body, answered_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
        )
        .bind(survey)
        .bind(key.messenger.clone())
        .bind(key.chat_id.clone())
        .bind(i64::from(position))
        .bind(option.map(i64::from))
        .bind(text.to_owned())
        .bind(now_text(at))
    }

    /// The questions (positions) of survey `id` the chat has answered, in order.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn answered_questions(
        &self,
        id: i64,
        key: &ChatKey,
    ) -> Result<Vec<u32>, StorageError> {
        let rows: Vec<i64> = sqlx::query_scalar(
            "SELECT position FROM survey_answers WHERE survey_id = $1 AND messenger = $2 AND chat_id = $3
             ORDER BY position",
        )
        .bind(id)
        .bind(&key.messenger)
        .bind(&key.chat_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|p| u32::try_from(p).ok())
            .collect())
    }

    /// Every answer to survey `id`, by chat and question.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn survey_answers(&self, id: i64) -> Result<Vec<SurveyAnswer>, StorageError> {
        let rows = sqlx::query(
            "SELECT messenger, chat_id, position, option_index, body, answered_at FROM survey_answers
             WHERE survey_id = $1 ORDER BY messenger, chat_id, position",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SurveyAnswer {
                    key: ChatKey::new(
                        r.try_get::<String, _>("messenger")?,
                        r.try_get::<String, _>("chat_id")?,
                    ),
                    position: u32::try_from(r.try_get::<i64, _>("position")?).unwrap_or(0),
                    option: r
                        .try_get::<Option<i64>, _>("option_index")?
                        .and_then(|o| u32::try_from(o).ok()),
                    text: r.try_get("body")?,
                    at: parse_time(&r.try_get::<String, _>("answered_at")?)?,
                })
            })
            .collect()
    }

    /// The users who answered survey `id` at least once, with their phone and name, in the
    /// order of their first answer.
    ///
    /// # Errors
    /// [`StorageError`] on database failure.
    pub async fn survey_respondents(&self, id: i64) -> Result<Vec<Respondent>, StorageError> {
        let rows = sqlx::query(
            "SELECT a.messenger, a.chat_id, MIN(a.answered_at) AS first_at,
                    MAX(u.user_id) AS user_id, MAX(u.phone) AS phone,
                    MAX(u.first_name) AS first_name, MAX(u.last_name) AS last_name
             FROM survey_answers a
             LEFT JOIN bot_users u ON u.messenger = a.messenger AND u.chat_id = a.chat_id
             WHERE a.survey_id = $1
             GROUP BY a.messenger, a.chat_id
             ORDER BY first_at, a.messenger, a.chat_id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let first: Option<String> = r.try_get("first_name")?;
                let last: Option<String> = r.try_get("last_name")?;
                let name = [first, last]
                    .into_iter()
                    .flatten()
                    .filter(|n| !n.trim().is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                Ok(Respondent {
                    key: ChatKey::new(
                        r.try_get::<String, _>("messenger")?,
                        r.try_get::<String, _>("chat_id")?,
                    ),
                    user_id: r.try_get("user_id")?,
                    phone: r.try_get("phone")?,
                    name: (!name.is_empty()).then_some(name),
                })
            })
            .collect()
    }
}
