-- Portable SQL: runs unchanged on SQLite and PostgreSQL (through sqlx's Any driver).
-- Times are RFC 3339 text in UTC; JSON documents are text.

CREATE TABLE IF NOT EXISTS bot_users (
    messenger      TEXT   NOT NULL,
    chat_id        TEXT   NOT NULL,
    user_id        TEXT,
    first_name     TEXT,
    last_name      TEXT,
    username       TEXT,
    language       TEXT   NOT NULL,
    phone          TEXT,
    provider       TEXT,
    customer_id    TEXT,
    -- The serialized loyalty_core::Session: it holds the provider token. Never logged.
    session        TEXT,
    segment        TEXT   NOT NULL,
    active         BIGINT NOT NULL,
    created_at     TEXT   NOT NULL,
    last_activity  TEXT   NOT NULL,
    PRIMARY KEY (messenger, chat_id)
);

CREATE INDEX IF NOT EXISTS bot_users_customer ON bot_users (provider, customer_id);

CREATE TABLE IF NOT EXISTS bot_auth_phones (
    messenger  TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    phone      TEXT NOT NULL,
    used_at    TEXT NOT NULL,
    PRIMARY KEY (messenger, chat_id, phone)
);

CREATE TABLE IF NOT EXISTS bot_conversations (
    messenger   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    state       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (messenger, chat_id)
);

-- Every incoming update is stored here before the platform is told it was received, and marked
-- handled once its answers are out: a crash in between replays it, a repeat is ignored.
CREATE TABLE IF NOT EXISTS bot_inbox (
    messenger    TEXT   NOT NULL,
    update_key   TEXT   NOT NULL,
    seq          BIGINT NOT NULL,
    payload      TEXT   NOT NULL,
    received_at  TEXT   NOT NULL,
    handled_at   TEXT,
    PRIMARY KEY (messenger, update_key)
);

CREATE TABLE IF NOT EXISTS bot_cursors (
    name   TEXT NOT NULL PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Ids of purchase notifications already delivered.
CREATE TABLE IF NOT EXISTS bot_events (
    event_id     TEXT NOT NULL PRIMARY KEY,
    received_at  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS bot_message_log (
    messenger  TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    direction  TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT,
    at         TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS bot_message_log_chat ON bot_message_log (messenger, chat_id, at);
