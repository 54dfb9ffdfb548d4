-- Receipts that arrive before their send is journalled (issue 19 review): Viber may report a
-- message delivered within milliseconds, while the sender still batches its journal lines. Such
-- a receipt, for a chat with a broadcast send under way, waits here and is applied when the
-- line that names its message is recorded; a receipt for anything else (a dialogue's reply) is
-- not kept. Rows older than a day are dropped.
CREATE TABLE IF NOT EXISTS rt_broadcast_early_receipts (
    messenger   TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    chat_id     TEXT NOT NULL,
    status      TEXT NOT NULL,
    error       TEXT,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (messenger, message_id, chat_id, status)
);
