-- Broadcasts (issue 19): programme data and custom attributes to filter segments on, and the
-- panel's record of each broadcast.
-- `level` is the customer's level (tier) as the loyalty provider last reported it: the bot
-- caches it whenever it reads the balance (NULL: unknown, or the programme has no levels).
-- `bot_user_attributes` holds custom attributes (key = value, as text), one row per key: the
-- portable form of the `segment` JSON document, which stays for the profile view. Existing
-- documents are copied in by the bot right after this migration (storage/audience.rs,
-- `backfill_attributes`). Number 0009 is reserved for the surveys.
ALTER TABLE bot_users ADD COLUMN level TEXT;
CREATE INDEX IF NOT EXISTS bot_users_level ON bot_users (level);
CREATE TABLE IF NOT EXISTS bot_user_attributes (
    messenger   TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    value       TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (messenger, chat_id, name)
);
CREATE INDEX IF NOT EXISTS bot_user_attributes_value ON bot_user_attributes (name, value);
-- The panel's broadcasts (issue 19): what the operator composed and for whom, beside the
-- runtime's own rt_broadcasts (message, state, journal), which has no such columns.
CREATE TABLE IF NOT EXISTS bot_broadcasts (
    id          TEXT   NOT NULL PRIMARY KEY,
    author      TEXT   NOT NULL,
    markup      TEXT   NOT NULL,
    audience    TEXT   NOT NULL,
    recipients  BIGINT NOT NULL,
    created_at  TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS bot_broadcasts_created ON bot_broadcasts (created_at);
