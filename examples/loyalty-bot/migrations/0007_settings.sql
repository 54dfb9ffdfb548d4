-- Settings changed at run time (the control panel's Codes page), kept across restarts.
CREATE TABLE IF NOT EXISTS bot_settings (
    name TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
