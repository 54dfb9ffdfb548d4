-- Replies computed for an update, stored in the same transaction that marks the update handled
-- and saves the conversation state; delivered afterwards and marked sent one by one. A crash
-- between the two replays the undelivered replies instead of handling the update again.
CREATE TABLE IF NOT EXISTS bot_outbox (
    messenger   TEXT   NOT NULL,
    update_key  TEXT   NOT NULL,
    idx         BIGINT NOT NULL,
    chat_id     TEXT   NOT NULL,
    payload     TEXT   NOT NULL,
    created_at  TEXT   NOT NULL,
    sent_at     TEXT,
    PRIMARY KEY (messenger, update_key, idx)
);
