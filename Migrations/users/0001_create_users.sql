-- Registered users. `email` is kept as the user typed it (trimmed);
-- `email_key` is the same address folded to lower case by the service with
-- Unicode's rules (SQLite's NOCASE folds ASCII only) and is what makes an
-- address unique whatever its case.
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    email_key  TEXT NOT NULL UNIQUE,
    name       TEXT CHECK (name IS NULL OR length(name) <= 200),
    created_at TEXT NOT NULL
) STRICT;
