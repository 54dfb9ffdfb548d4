-- Verification codes of loyalty-codes, kept by the bot's SqlCodeStore (src/codes/store.rs).
-- One active code per (subject, action), stored as an HMAC in hex under a pepper kept outside the
-- database: never the code itself. Times are RFC 3339 text in UTC, as everywhere in this schema.
CREATE TABLE IF NOT EXISTS bot_codes (
    subject       TEXT   NOT NULL,
    action        TEXT   NOT NULL,
    code_id       TEXT   NOT NULL,
    hash          TEXT   NOT NULL,
    created_at    TEXT   NOT NULL,
    expires_at    TEXT   NOT NULL,
    attempts      BIGINT NOT NULL,
    max_attempts  BIGINT NOT NULL,
    used_at       TEXT,
    PRIMARY KEY (subject, action)
);

CREATE UNIQUE INDEX IF NOT EXISTS bot_codes_id ON bot_codes (code_id);

-- Every code request (channel NULL) and every channel call, without the code: the audit trail of
-- sends and what loyalty-codes' channel ceilings count.
CREATE TABLE IF NOT EXISTS bot_code_sends (
    subject  TEXT NOT NULL,
    action   TEXT NOT NULL,
    channel  TEXT,
    at       TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS bot_code_sends_subject ON bot_code_sends (subject, action, at);
CREATE INDEX IF NOT EXISTS bot_code_sends_channel ON bot_code_sends (channel, at);

-- One row per budget subject of bot_code_requests ("phone:+7…", "chat:viber:…"), upserted first
-- in each budget transaction: the upsert's row lock makes concurrent requests for one subject
-- (several bot instances on one PostgreSQL) count and record one after the other.
CREATE TABLE IF NOT EXISTS bot_code_budget_locks (
    subject     TEXT NOT NULL PRIMARY KEY,
    touched_at  TEXT NOT NULL
);
