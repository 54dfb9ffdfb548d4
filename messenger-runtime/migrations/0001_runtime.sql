-- messenger-runtime tables. Portable SQL: runs unchanged on SQLite and PostgreSQL (sqlx Any).
-- Times shown to people are RFC 3339 text in UTC; lease and scheduling times are milliseconds
-- since the Unix epoch (BIGINT) so they compare as numbers.

-- Every received update, stored before the platform is told it was received. An update is
-- pending while handled_at and quarantined_at are both NULL.
CREATE TABLE IF NOT EXISTS rt_inbox (
    messenger       TEXT   NOT NULL,
    update_key      TEXT   NOT NULL,
    chat_id         TEXT   NOT NULL,
    seq             BIGINT NOT NULL,
    payload         TEXT   NOT NULL,
    received_at     TEXT   NOT NULL,
    handled_at      TEXT,
    quarantined_at  TEXT,
    attempts        BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    PRIMARY KEY (messenger, update_key)
);

CREATE INDEX IF NOT EXISTS rt_inbox_pending ON rt_inbox (messenger, chat_id, seq)
    WHERE handled_at IS NULL AND quarantined_at IS NULL;

CREATE INDEX IF NOT EXISTS rt_inbox_handled ON rt_inbox (handled_at);

-- One row per chat: its conversation state and the two leases (handling, delivery) that give
-- one instance at a time the chat's work.
CREATE TABLE IF NOT EXISTS rt_chats (
    messenger    TEXT   NOT NULL,
    chat_id      TEXT   NOT NULL,
    state        TEXT,
    state_at     TEXT,
    owner        TEXT,
    lease_until  BIGINT NOT NULL DEFAULT 0,
    dlv_owner    TEXT,
    dlv_until    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (messenger, chat_id)
);

-- Replies and pushes waiting for delivery (unsent while sent_at is NULL), per chat in seq order.
CREATE TABLE IF NOT EXISTS rt_outbox (
    messenger   TEXT   NOT NULL,
    update_key  TEXT   NOT NULL,
    idx         BIGINT NOT NULL,
    chat_id     TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    payload     TEXT   NOT NULL,
    created_at  TEXT   NOT NULL,
    not_before  BIGINT NOT NULL DEFAULT 0,
    attempts    BIGINT NOT NULL DEFAULT 0,
    sent_at     TEXT,
    error       TEXT,
    PRIMARY KEY (messenger, update_key, idx)
);

CREATE INDEX IF NOT EXISTS rt_outbox_unsent ON rt_outbox (messenger, chat_id, seq)
    WHERE sent_at IS NULL;

CREATE INDEX IF NOT EXISTS rt_outbox_sent ON rt_outbox (sent_at);

-- Polling offsets.
CREATE TABLE IF NOT EXISTS rt_cursors (
    name   TEXT NOT NULL PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Named leases (the elected poller of each messenger).
CREATE TABLE IF NOT EXISTS rt_leases (
    name      TEXT   NOT NULL PRIMARY KEY,
    owner     TEXT   NOT NULL,
    until_ms  BIGINT NOT NULL
);

-- Ids of pushes already queued (purchase notifications): a repeat is not queued again.
CREATE TABLE IF NOT EXISTS rt_events (
    event_id     TEXT NOT NULL PRIMARY KEY,
    received_at  TEXT NOT NULL
);
