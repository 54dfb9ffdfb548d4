-- Confirmation-code requests, one row each, by subject ("phone:+380…" or "chat:telegram:42"):
-- the budget against SMS pumping counts the rows of a subject inside the window. Rows older
-- than the window are deleted as they are counted.
CREATE TABLE IF NOT EXISTS bot_code_requests (
    subject       TEXT NOT NULL,
    requested_at  TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS bot_code_requests_subject ON bot_code_requests (subject, requested_at);
