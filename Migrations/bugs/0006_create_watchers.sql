-- Who hears about a bug's status changes and comments: its reporter and
-- assignee from when they file it or are assigned, commenters from their
-- first comment, and anyone who asks; anyone may stop. user_id is an id in
-- the users service's database.
CREATE TABLE watchers (
    bug_id     INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL CHECK (user_id > 0),
    created_at TEXT NOT NULL,
    PRIMARY KEY (bug_id, user_id)
) STRICT, WITHOUT ROWID;

-- Bugs filed before there were watchers: their reporter and assignee watch them.
INSERT OR IGNORE INTO watchers (bug_id, user_id, created_at)
SELECT id, reporter_id, created_at FROM bugs WHERE reporter_id IS NOT NULL;

INSERT OR IGNORE INTO watchers (bug_id, user_id, created_at)
SELECT id, assignee_id, updated_at FROM bugs WHERE assignee_id IS NOT NULL;
