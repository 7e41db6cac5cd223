-- The discussion of a bug, oldest first. author_id is an id in the users
-- service's database (no foreign key can hold it); NULL for a comment a
-- service wrote with the internal token.
CREATE TABLE comments (
    id         INTEGER PRIMARY KEY,
    bug_id     INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
    author_id  INTEGER CHECK (author_id IS NULL OR author_id > 0),
    body       TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
    created_at TEXT NOT NULL
) STRICT;

CREATE INDEX comments_bug ON comments (bug_id, id);

-- How many comments a bug has, kept by the triggers below so that a list
-- of bugs needs no count per row.
ALTER TABLE bugs ADD COLUMN comment_count INTEGER NOT NULL DEFAULT 0 CHECK (comment_count >= 0);

CREATE TRIGGER comments_count_insert AFTER INSERT ON comments BEGIN
    UPDATE bugs SET comment_count = comment_count + 1 WHERE id = new.bug_id;
END;

CREATE TRIGGER comments_count_delete AFTER DELETE ON comments BEGIN
    UPDATE bugs SET comment_count = comment_count - 1 WHERE id = old.bug_id;
END;
