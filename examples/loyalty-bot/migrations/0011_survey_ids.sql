-- Survey ids are never reused (issue 19 review): an id taken as MAX(id) + 1 came back after the
-- newest survey was deleted, and the old survey's invitation buttons and the users in the middle
-- of it then answered the new one. One row holds the next id; a create takes it and moves it on
-- in one UPDATE, which also serialises two panels creating at once on PostgreSQL.
CREATE TABLE IF NOT EXISTS survey_ids (
    one     INTEGER NOT NULL PRIMARY KEY CHECK (one = 1),
    next_id BIGINT NOT NULL
);
INSERT INTO survey_ids (one, next_id) SELECT 1, COALESCE(MAX(id), 0) + 1 FROM surveys;
