-- Surveys (issue 19): sequential questions sent to all users or a segment, the sends, and the
-- answers per user and messenger. Portable SQL for SQLite and PostgreSQL.

-- Ids are small numbers (they travel in callback data: `sv:<id>`), the next one taken as
-- MAX(id) + 1 in the creating transaction.
CREATE TABLE IF NOT EXISTS surveys (
    id          BIGINT NOT NULL PRIMARY KEY,
    title       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- The questions in order (position from 0). kind: 'closed' (one of `options`, a JSON array of
-- strings) or 'open' (free text). An optional picture as base64 with its MIME type.
CREATE TABLE IF NOT EXISTS survey_questions (
    survey_id   BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    options     TEXT NOT NULL,
    image       TEXT,
    image_mime  TEXT,
    PRIMARY KEY (survey_id, position)
);

-- Every time a survey was sent: the audience as the panel described it, the runtime's
-- broadcasts that carry the invitation (a JSON array of ids), how many chats it reached.
CREATE TABLE IF NOT EXISTS survey_sends (
    id          TEXT NOT NULL PRIMARY KEY,
    survey_id   BIGINT NOT NULL,
    audience    TEXT NOT NULL,
    broadcasts  TEXT NOT NULL,
    recipients  BIGINT NOT NULL,
    sent_at     TEXT NOT NULL,
    sent_by     TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS survey_sends_survey ON survey_sends (survey_id, sent_at);

-- One answer per survey, chat and question: the first one wins (later ones are ignored), so a
-- repeated or stale button press never changes or duplicates an answer. option_index is the
-- chosen option of a closed question (NULL for an open one); body is the option's text or the
-- typed answer.
CREATE TABLE IF NOT EXISTS survey_answers (
    survey_id    BIGINT NOT NULL,
    messenger    TEXT NOT NULL,
    chat_id      TEXT NOT NULL,
    position     BIGINT NOT NULL,
    option_index BIGINT,
    body         TEXT NOT NULL,
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (survey_id, messenger, chat_id, position)
);
