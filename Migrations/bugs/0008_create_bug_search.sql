-- Full-text search over a bug's title, description and comments: one row
-- per bug (rowid = the bug's id), so that a query's words may fall in any
-- of them. Kept in step by triggers, in the same transaction as the write.
-- Accents are folded (cafe finds café); prefixes of 2 and 3 characters
-- have indexes of their own, so `cr*` stays quick.
CREATE VIRTUAL TABLE bug_search USING fts5(
    title, description, comments,
    prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Best match first: BM25, a title word weighing as much as 8 in the
-- comments, a description word as 2.
INSERT INTO bug_search (bug_search, rank) VALUES ('rank', 'bm25(8.0, 2.0, 1.0)');

INSERT INTO bug_search (rowid, title, description, comments)
SELECT id, title, coalesce(description, ''),
       coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM comments WHERE bug_id = bugs.id ORDER BY id)), '')
FROM bugs;

CREATE TRIGGER bugs_search_insert AFTER INSERT ON bugs BEGIN
    INSERT INTO bug_search (rowid, title, description, comments) VALUES (new.id, new.title, coalesce(new.description, ''), '');
END;

-- Only when the text changed: a status change leaves the index alone.
CREATE TRIGGER bugs_search_update AFTER UPDATE OF title, description ON bugs
WHEN new.title IS NOT old.title OR new.description IS NOT old.description BEGIN
    UPDATE bug_search SET title = new.title, description = coalesce(new.description, '') WHERE rowid = new.id;
END;

CREATE TRIGGER bugs_search_delete AFTER DELETE ON bugs BEGIN
    DELETE FROM bug_search WHERE rowid = old.id;
END;

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    UPDATE bug_search SET comments = CASE WHEN comments = '' THEN new.body ELSE comments || char(10) || new.body END
    WHERE rowid = new.bug_id;
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    UPDATE bug_search
    SET comments = coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM comments WHERE bug_id = old.bug_id ORDER BY id)), '')
    WHERE rowid = old.bug_id;
END;
