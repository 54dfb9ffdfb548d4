-- When each platform call under way was noted (milliseconds since the Unix epoch): a sender
-- that restarts under the same instance name continues the pace of the calls its previous run
-- left under way, instead of starting a new one (a restart would otherwise cost its own
-- length in delivery time).
ALTER TABLE rt_broadcast_calls ADD COLUMN begun_at BIGINT NOT NULL DEFAULT 0;
