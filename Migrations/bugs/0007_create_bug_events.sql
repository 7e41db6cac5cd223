-- A bug's history: one event per successful write, in the write's own
-- transaction. `changes` holds each changed field's old and new value,
-- {"status": ["open", "resolved"]}; actor_id is NULL for a service.
CREATE TABLE bug_events (
    id         INTEGER PRIMARY KEY,
    bug_id     INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
    actor_id   INTEGER CHECK (actor_id IS NULL OR actor_id > 0),
    kind       TEXT NOT NULL CHECK (kind IN ('created', 'changed', 'commented')),
    changes    TEXT CHECK (changes IS NULL OR (json_valid(changes) AND json_type(changes) = 'object')),
    comment_id INTEGER REFERENCES comments (id),
    created_at TEXT NOT NULL,
    CHECK ((kind = 'changed') = (changes IS NOT NULL)),
    CHECK ((kind = 'commented') = (comment_id IS NOT NULL))
) STRICT;

CREATE INDEX bug_events_bug ON bug_events (bug_id, id);

-- Bugs filed before there was a history start it with their creation; who
-- filed them and what changed since was not recorded.
INSERT INTO bug_events (bug_id, actor_id, kind, changes, comment_id, created_at)
SELECT id, NULL, 'created', NULL, NULL, created_at FROM bugs ORDER BY id;
