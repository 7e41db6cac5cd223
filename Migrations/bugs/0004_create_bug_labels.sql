-- A bug's labels, a row each, as the service normalizes them: lower case,
-- 1 to 50 of a-z 0-9 . _ -, at most 20 per bug.
CREATE TABLE bug_labels (
    bug_id INTEGER NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
    label  TEXT NOT NULL CHECK (length(label) BETWEEN 1 AND 50 AND label NOT GLOB '*[^a-z0-9._-]*'),
    PRIMARY KEY (bug_id, label)
) STRICT, WITHOUT ROWID;

-- The label filter: the bugs with a label, in id order.
CREATE INDEX bug_labels_label ON bug_labels (label, bug_id);
