-- Per source (users, bugs), the last outbox id taken into deliveries; written
-- in the same transaction as the deliveries it covers, so a restart resumes
-- exactly where the relay stopped.
CREATE TABLE source_cursors (
    source     TEXT PRIMARY KEY,
    last_id    INTEGER NOT NULL CHECK (last_id >= 0),
    updated_at TEXT NOT NULL
) STRICT;
