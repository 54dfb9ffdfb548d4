-- Broadcasts: one message to many chats, sent at the platform's rate by the instance holding the
-- messenger's sender lease (rt_leases 'broadcast:<messenger>'). Portable SQL (SQLite, PostgreSQL).
-- (Version 2 of the runtime's schema is the in-place import of the example bot's older tables.)

-- One row per broadcast. state: active (sending, or scheduled while start_at is in the future),
-- paused, cancelled, done.
CREATE TABLE IF NOT EXISTS rt_broadcasts (
    id           TEXT   NOT NULL PRIMARY KEY,
    state        TEXT   NOT NULL,
    payload      TEXT   NOT NULL,
    start_at     BIGINT NOT NULL,
    created_at   TEXT   NOT NULL,
    finished_at  TEXT
);

-- The journal: one row per recipient. status: queued, sending (claimed by owner until
-- lease_until), inflight (its platform call under way, committed before the call), sent, failed
-- (error says why), blocked (the user is gone), cancelled, unknown (the sender stopped during the
-- call: not sent again).
CREATE TABLE IF NOT EXISTS rt_broadcast_recipients (
    broadcast_id  TEXT   NOT NULL,
    messenger     TEXT   NOT NULL,
    chat_id       TEXT   NOT NULL,
    chat          TEXT   NOT NULL,
    seq           BIGINT NOT NULL,
    status        TEXT   NOT NULL,
    owner         TEXT,
    lease_until   BIGINT NOT NULL DEFAULT 0,
    attempts      BIGINT NOT NULL DEFAULT 0,
    error         TEXT,
    updated_at    TEXT,
    PRIMARY KEY (broadcast_id, messenger, chat_id)
);

CREATE INDEX IF NOT EXISTS rt_broadcast_todo
    ON rt_broadcast_recipients (messenger, status, broadcast_id, seq);
