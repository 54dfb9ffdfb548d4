-- Live operator chat (issue 20): dialogues between a user and the operators, their messages,
-- and a per-user "bot paused" flag. Portable SQL for SQLite and PostgreSQL.

-- 1 while an operator has paused the bot for this user: every message goes to the operators.
ALTER TABLE bot_users ADD COLUMN support_paused BIGINT NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS support_dialogues (
    id          TEXT NOT NULL PRIMARY KEY,
    messenger   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    opened_at   TEXT NOT NULL,
    -- The last message's time: the panel lists dialogues newest first by it.
    updated_at  TEXT NOT NULL,
    -- The operator's login who took the dialogue (NULL: nobody yet).
    operator    TEXT,
    taken_at    TEXT,
    closed_at   TEXT,
    -- The operator's login, or 'user' when the user ended it.
    closed_by   TEXT,
    -- Incremented by every change (a message, a take, a close): the panel's change marker.
    version     BIGINT NOT NULL DEFAULT 0
);

-- At most one open dialogue per chat (partial unique index: SQLite 3.8+ and PostgreSQL).
CREATE UNIQUE INDEX IF NOT EXISTS support_dialogues_one_open
    ON support_dialogues (messenger, chat_id) WHERE closed_at IS NULL;
CREATE INDEX IF NOT EXISTS support_dialogues_chat ON support_dialogues (messenger, chat_id, opened_at);
CREATE INDEX IF NOT EXISTS support_dialogues_updated ON support_dialogues (updated_at);

-- Ids sort in the order the messages were made (storage/support.rs, `new_support_id`).
CREATE TABLE IF NOT EXISTS support_messages (
    id           TEXT NOT NULL PRIMARY KEY,
    dialogue_id  TEXT NOT NULL,
    at           TEXT NOT NULL,
    -- 'user' or 'operator'.
    sender       TEXT NOT NULL,
    -- The operator's login for operator messages.
    operator     TEXT,
    body         TEXT,
    -- A picture as base64, with its MIME type.
    photo        TEXT,
    photo_mime   TEXT,
    -- 1 once an operator opened the dialogue after this user message arrived.
    seen         BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX IF NOT EXISTS support_messages_dialogue ON support_messages (dialogue_id, id);
-- Unseen user messages (the unread counters and the change marker).
CREATE INDEX IF NOT EXISTS support_messages_unseen ON support_messages (dialogue_id) WHERE seen = 0;
