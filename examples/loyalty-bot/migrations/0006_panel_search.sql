-- The control panel's users list: a search key lowercased by the bot (SQLite's LOWER() folds
-- only ASCII, so "олена" would not find "Олена"), and indexes for its sort orders and the
-- statistics' date ranges. The search key of existing users is filled in by the bot right
-- after this migration (storage.rs, `backfill_search_names`).
ALTER TABLE bot_users ADD COLUMN search_name TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS bot_users_phone ON bot_users (phone);
CREATE INDEX IF NOT EXISTS bot_users_created ON bot_users (created_at);
CREATE INDEX IF NOT EXISTS bot_users_activity ON bot_users (last_activity);
CREATE INDEX IF NOT EXISTS bot_users_search ON bot_users (search_name);
CREATE INDEX IF NOT EXISTS bot_message_log_at ON bot_message_log (at);
