-- The inbox, outbox, conversation states and cursors now live in messenger-runtime's tables
-- (rt_*). The runtime's own versioned migration copies a database's old rows over before this
-- one runs (Storage::connect opens the runtime's store first); on a fresh database these are the
-- empty tables 0001 and 0002 just made.
DROP TABLE IF EXISTS bot_outbox;
DROP TABLE IF EXISTS bot_inbox;
DROP TABLE IF EXISTS bot_conversations;
DROP TABLE IF EXISTS bot_cursors;
