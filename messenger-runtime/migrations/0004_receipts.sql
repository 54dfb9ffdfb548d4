-- Receipts: a platform that reports what became of a sent message (Viber's delivered, seen and
-- failed callbacks) names it by its own id, kept per recipient when it was sent. The journal's
-- status gains delivered and seen (sent < delivered < seen; never moved back).
ALTER TABLE rt_broadcast_recipients ADD COLUMN message_id TEXT;

CREATE INDEX IF NOT EXISTS rt_broadcast_receipts
    ON rt_broadcast_recipients (message_id, chat_id);
