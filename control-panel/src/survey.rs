//! Surveys (seed 004 "Керування опитуваннями", issue 19): the data the panel exchanges with
//! the host through the `survey_*` methods of [`crate::PanelBackend`] (their audiences are the
//! broadcasts' [`AudienceFilter`], from the segment form), the results computed
//! from the answers, and the Excel export of the answers (one row per user).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::backend::{AudienceFilter, SupportPhoto, UserKey};
use crate::i18n::Lang;

/// The most questions one survey may have.
pub const SURVEY_QUESTIONS_MAX: usize = 50;
/// The most options one closed question may have (a keyboard of one button per row).
pub const SURVEY_OPTIONS_MAX: usize = 10;
/// The longest question text (a photo's caption on Telegram is at most 1024 characters).
pub const SURVEY_QUESTION_MAX: usize = 900;
/// The longest option label (the apps cut long button labels).
pub const SURVEY_OPTION_MAX: usize = 64;
/// The longest survey title.
pub const SURVEY_TITLE_MAX: usize = 200;

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyQuestionKind {
    /// One of the options, by button.
    #[default]
    Closed,
    /// Free text.
    Open,
}

impl SurveyQuestionKind {
    /// `closed` or `open`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
        }
    }

    /// Parses `closed` / `open`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "closed" => Some(Self::Closed),
            "open" => Some(Self::Open),
            _ => None,
        }
    }
}

/// One question of a survey as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyQuestion {
    /// The text (emoji allowed).
    pub text: String,
    /// How it is answered.
    pub kind: SurveyQuestionKind,
    /// The options of a closed question, in order.
    pub options: Vec<String>,
    /// Whether it has a picture (served by [`crate::PanelBackend::survey_image`]).
    pub has_image: bool,
}

/// One send of a survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveySendInfo {
    /// The send's id.
    pub id: String,
    /// Who it was sent to (described by [`crate::web::segment::describe_audience`]).
    pub audience: AudienceFilter,
    /// How many chats the invitation went to.
    pub recipients: u64,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// Who sent it (panel login).
    pub sent_by: String,
    /// The host's broadcasts that carry the invitation.
    pub broadcasts: Vec<String>,
}

/// A survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyInfo {
    /// The survey's id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// The questions in order.
    pub questions: Vec<SurveyQuestion>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
    /// Its sends, oldest first; a sent survey's questions no longer change.
    pub sends: Vec<SurveySendInfo>,
}

impl SurveyInfo {
    /// Whether it was sent (its questions are then locked).
    pub fn locked(&self) -> bool {
        !self.sends.is_empty()
    }
}

/// The picture of a question being saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyImageEdit {
    /// No picture.
    None,
    /// Keep the picture of the question that was at this position before the save.
    Keep(usize),
    /// A new picture (type checked by the panel).
    New(SupportPhoto),
}

/// A question as the panel saves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyQuestionEdit {
    /// The text.
    pub text: String,
    /// How it is answered.
    pub kind: SurveyQuestionKind,
    /// The options (closed questions).
    pub options: Vec<String>,
    /// The picture.
    pub image: SurveyImageEdit,
}

/// A survey's new title and questions (the panel has checked them: [`validate_question`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyEdit {
    /// The title.
    pub title: String,
    /// The questions in order.
    pub questions: Vec<SurveyQuestionEdit>,
}

/// One answer in a [`SurveyRow`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyCell {
    /// The chosen option (closed questions), from 0.
    pub option: Option<u32>,
    /// The option's text, or the typed answer.
    pub text: String,
}

/// One user's answers to a survey: what a row of the export holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyRow {
    /// The messenger and the user's chat id there.
    pub user: UserKey,
    /// The phone the user logged in with, if any.
    pub phone: Option<String>,
    /// The name from the messenger profile.
    pub name: Option<String>,
    /// One cell per question, in order (`None`: not answered).
    pub answers: Vec<Option<SurveyCell>>,
}

/// One option's count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct OptionCount {
    /// The option's text.
    pub option: String,
    /// How many users chose it.
    pub count: u64,
}

/// One open answer with who gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct OpenAnswer {
    /// Who.
    pub user: UserKey,
    /// The user's name, if known.
    pub name: Option<String>,
    /// The answer.
    pub text: String,
}

/// The results of one question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct QuestionResults {
    /// The question's text.
    pub text: String,
    /// How it is answered.
    pub kind: SurveyQuestionKind,
    /// How many users answered it.
    pub answered: u64,
    /// Per option, in order (closed questions).
    pub options: Vec<OptionCount>,
    /// The answers (open questions).
    pub open_answers: Vec<OpenAnswer>,
}

/// A survey's results: per question, the counts per option and the open answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub struct SurveyResults {
    /// Users who answered at least one question.
    pub respondents: u64,
    /// Per question, in order.
    pub questions: Vec<QuestionResults>,
}

/// Counts the answers of `rows` per question and option, and lists the open answers.
pub fn results(survey: &SurveyInfo, rows: &[SurveyRow]) -> SurveyResults {
    let questions = survey
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let cells = rows
                .iter()
                .filter_map(|r| r.answers.get(i).and_then(Option::as_ref).map(|c| (r, c)));
            let mut out = QuestionResults {
                text: q.text.clone(),
                kind: q.kind,
                answered: 0,
                options: q
                    .options
                    .iter()
                    .map(|o| OptionCount {
                        option: o.clone(),
                        count: 0,
                    })
                    .collect(),
                open_answers: Vec::new(),
            };
            for (row, cell) in cells {
                out.answered += 1;
                match (q.kind, cell.option) {
                    (SurveyQuestionKind::Closed, Some(o)) => {
                        if let Some(c) =
                            usize::try_from(o).ok().and_then(|o| out.options.get_mut(o))
                        {
                            c.count += 1;
                        }
                    }
                    _ => out.open_answers.push(OpenAnswer {
                        user: row.user.clone(),
                        name: row.name.clone(),
                        text: cell.text.clone(),
                    }),
                }
            }
            out
        })
        .collect();
    SurveyResults {
        respondents: rows.len() as u64,
        questions,
    }
}

/// Problems of a question about to be saved (empty: fine): text required and bounded; a closed
/// question needs 2 to [`SURVEY_OPTIONS_MAX`] distinct non-empty options of at most
/// [`SURVEY_OPTION_MAX`] characters.
pub fn validate_question(q: &SurveyQuestionEdit, l: Lang) -> Vec<String> {
    let mut out = Vec::new();
    if q.text.trim().is_empty() {
        out.push(
            l.t(
                "Напишіть текст запитання.",
                "Напишите текст вопроса.",
                "Write the question's text.",
            )
            .to_owned(),
        );
    }
    if q.text.chars().count() > SURVEY_QUESTION_MAX {
        out.push(format!(
            "{} {SURVEY_QUESTION_MAX}",
            l.t(
                "Текст запитання довший за",
                "Текст вопроса длиннее",
                "The question is longer than"
            )
        ));
    }
    if q.kind == SurveyQuestionKind::Closed {
        let n = q.options.len();
        if !(2..=SURVEY_OPTIONS_MAX).contains(&n) {
            out.push(format!(
                "{} 2–{SURVEY_OPTIONS_MAX}",
                l.t(
                    "Варіантів відповіді має бути",
                    "Вариантов ответа должно быть",
                    "A closed question needs options:"
                )
            ));
        }
        if q.options
            .iter()
            .any(|o| o.trim().is_empty() || o.chars().count() > SURVEY_OPTION_MAX)
        {
            out.push(format!(
                "{} {SURVEY_OPTION_MAX}",
                l.t(
                    "Варіант не може бути порожнім чи довшим за",
                    "Вариант не может быть пустым или длиннее",
                    "An option must be non-empty and at most"
                )
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        if q.options.iter().any(|o| !seen.insert(o.trim())) {
            out.push(
                l.t(
                    "Варіанти повторюються.",
                    "Варианты повторяются.",
                    "Options repeat.",
                )
                .to_owned(),
            );
        }
    }
    out
}

/// The export's header row in `lang`: messenger, user id, phone, name, then `N. question`.
pub fn export_headers(survey: &SurveyInfo, lang: Lang) -> Vec<String> {
    let mut h: Vec<String> = [
        lang.t("Месенджер", "Мессенджер", "Messenger"),
        lang.t("ID користувача", "ID пользователя", "User id"),
        lang.t("Телефон", "Телефон", "Phone"),
        lang.t("Ім'я", "Имя", "Name"),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for (i, q) in survey.questions.iter().enumerate() {
        h.push(format!("{}. {}", i + 1, q.text));
    }
    h
}

/// The Excel file of a survey's answers: one sheet, a header row ([`export_headers`]), then
/// one row per user: messenger, user id, phone, name, and the answer to each question (the
/// option's text or the typed answer; empty when not answered). Every cell is text.
///
/// # Errors
/// When the workbook cannot be written.
pub fn answers_xlsx(
    survey: &SurveyInfo,
    rows: &[SurveyRow],
    lang: Lang,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name("Answers")?;
    for (c, h) in (0u16..).zip(export_headers(survey, lang)) {
        ws.write_string_with_format(0, c, h, &bold)?;
        ws.set_column_width(c, if c < 4 { 16 } else { 28 })?;
    }
    for (row, r) in (1u32..).zip(rows) {
        ws.write_string(row, 0, &r.user.messenger)?;
        ws.write_string(row, 1, &r.user.user_id)?;
        ws.write_string(row, 2, r.phone.as_deref().unwrap_or(""))?;
        ws.write_string(row, 3, r.name.as_deref().unwrap_or(""))?;
        for (c, cell) in (4u16..).zip(&r.answers) {
            if let Some(cell) = cell {
                ws.write_string(row, c, &cell.text)?;
            }
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> SurveyInfo {
        SurveyInfo {
            id: 1,
            title: "Кава".into(),
            questions: vec![
                SurveyQuestion {
                    text: "☕ Яку каву?".into(),
                    kind: SurveyQuestionKind::Closed,
                    options: vec!["Еспресо".into(), "Лате".into()],
                    has_image: false,
                },
                SurveyQuestion {
                    text: "Що покращити?".into(),
                    kind: SurveyQuestionKind::Open,
                    options: vec![],
                    has_image: false,
                },
            ],
            created_at: Utc::now(),
            updated_at: Utc::now(),
            sends: vec![],
        }
    }

    fn row(id: &str, answers: Vec<Option<SurveyCell>>) -> SurveyRow {
        SurveyRow {
            user: UserKey {
                messenger: "telegram".into(),
                user_id: id.into(),
            },
            phone: None,
            name: Some(format!("User {id}")),
            answers,
        }
    }

    fn pick(o: u32, t: &str) -> Option<SurveyCell> {
        Some(SurveyCell {
            option: Some(o),
            text: t.into(),
        })
    }

    #[test]
    fn results_count_each_option_and_list_open_answers() {
        let rows = vec![
            row(
                "1",
                vec![
                    pick(1, "Лате"),
                    Some(SurveyCell {
                        option: None,
                        text: "Тихіше".into(),
                    }),
                ],
            ),
            row("2", vec![pick(1, "Лате"), None]),
            row("3", vec![pick(0, "Еспресо")]),
        ];
        let r = results(&survey(), &rows);
        assert_eq!(r.respondents, 3);
        assert_eq!(r.questions[0].answered, 3);
        let counts: Vec<u64> = r.questions[0].options.iter().map(|o| o.count).collect();
        assert_eq!(counts, [1, 2]);
        assert_eq!(r.questions[1].answered, 1);
        assert_eq!(r.questions[1].open_answers.len(), 1);
        assert_eq!(r.questions[1].open_answers[0].text, "Тихіше");
        assert_eq!(r.questions[1].open_answers[0].user.user_id, "1");
    }

    #[test]
    fn the_export_has_a_row_per_user_and_a_column_per_question() {
        use calamine::Reader as _;
        let mut first = row("1", vec![pick(1, "Лате"), None]);
        first.phone = Some("+380501234567".into());
        let rows = vec![
            first,
            row(
                "2",
                vec![
                    None,
                    Some(SurveyCell {
                        option: None,
                        text: "Тихіше".into(),
                    }),
                ],
            ),
        ];
        let bytes = answers_xlsx(&survey(), &rows, Lang::Ru).unwrap();
        let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("Answers").unwrap();
        let cells: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect();
        assert_eq!(
            cells,
            vec![
                vec![
                    "Мессенджер",
                    "ID пользователя",
                    "Телефон",
                    "Имя",
                    "1. ☕ Яку каву?",
                    "2. Що покращити?"
                ],
                vec!["telegram", "1", "+380501234567", "User 1", "Лате", ""],
                vec!["telegram", "2", "", "User 2", "", "Тихіше"],
            ]
        );
    }

    #[test]
    fn questions_are_validated() {
        let q = |kind, options: &[&str], text: &str| SurveyQuestionEdit {
            text: text.into(),
            kind,
            options: options.iter().map(|s| (*s).to_owned()).collect(),
            image: SurveyImageEdit::None,
        };
        let l = Lang::En;
        assert!(validate_question(&q(SurveyQuestionKind::Closed, &["a", "b"], "Q?"), l).is_empty());
        assert!(validate_question(&q(SurveyQuestionKind::Open, &[], "Q?"), l).is_empty());
        assert_eq!(
            validate_question(&q(SurveyQuestionKind::Closed, &["a"], "Q?"), l).len(),
            1
        );
        assert_eq!(
            validate_question(&q(SurveyQuestionKind::Closed, &["a", "a"], "Q?"), l).len(),
            1
        );
        assert_eq!(
            validate_question(&q(SurveyQuestionKind::Closed, &["a", " "], "Q?"), l).len(),
            1
        );
        assert_eq!(
            validate_question(&q(SurveyQuestionKind::Open, &[], " "), l).len(),
            1
        );
        let long = "x".repeat(SURVEY_QUESTION_MAX + 1);
        assert_eq!(
            validate_question(&q(SurveyQuestionKind::Open, &[], &long), l).len(),
            1
        );
    }
}
