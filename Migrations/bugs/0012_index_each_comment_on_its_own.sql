-- The search index holds one row per text instead of one per bug: a bug's
-- title and description (rowid = minus the bug's id) and each comment
-- (rowid = the comment's id). A new comment so indexes its own words only;
-- before, it rewrote its bug's whole text, every earlier comment included,
-- which took three quarters of a comment's time in the writer and grew with
-- the discussion. A query's words may still fall in different texts of one
-- bug: the service matches each word on its own and ranks a bug by the sum
-- of its texts' ranks (SQLiteBugRepository.search).
--
-- Contentless: the text stays in `bugs` and `comments` alone, and the
-- triggers hand FTS5 the old text when a row changes or goes.
DROP TRIGGER bugs_search_insert;
DROP TRIGGER bugs_search_update;
DROP TRIGGER bugs_search_delete;
DROP TRIGGER comments_search_insert;
DROP TRIGGER comments_search_delete;
DROP TABLE bug_search;

CREATE VIRTUAL TABLE bug_search USING fts5(
    title, description, comments,
    content = '',
    prefix = '2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- As in 0008 and 0011: BM25 with a title word weighing as much as 8 in a
-- comment and a description word as 2; merging left to SearchIndexMerger.
INSERT INTO bug_search (bug_search, rank) VALUES ('rank', 'bm25(8.0, 2.0, 1.0)');
INSERT INTO bug_search (bug_search, rank) VALUES ('automerge', 0);

INSERT INTO bug_search (rowid, title, description, comments)
SELECT -id, title, coalesce(description, ''), '' FROM bugs;
INSERT INTO bug_search (rowid, title, description, comments)
SELECT id, '', '', body FROM comments;
INSERT INTO bug_search (bug_search) VALUES ('optimize');

-- Each match with the bug it belongs to, for reading the index by hand:
-- SELECT bug_id, rank FROM bug_search_matches WHERE bug_search MATCH 'disk'
CREATE VIEW bug_search_matches AS
SELECT coalesce(comments.bug_id, -bug_search.rowid) AS bug_id, bug_search.rank AS rank, bug_search.bug_search AS bug_search
FROM bug_search LEFT JOIN comments ON comments.id = bug_search.rowid;

CREATE TRIGGER bugs_search_insert AFTER INSERT ON bugs BEGIN
    INSERT INTO bug_search (rowid, title, description, comments) VALUES (-new.id, new.title, coalesce(new.description, ''), '');
END;

-- Only when the text changed: a status change leaves the index alone.
CREATE TRIGGER bugs_search_update AFTER UPDATE OF title, description ON bugs
WHEN new.title IS NOT old.title OR new.description IS NOT old.description BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    VALUES ('delete', -old.id, old.title, coalesce(old.description, ''), '');
    INSERT INTO bug_search (rowid, title, description, comments) VALUES (-new.id, new.title, coalesce(new.description, ''), '');
END;

CREATE TRIGGER bugs_search_delete AFTER DELETE ON bugs BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    VALUES ('delete', -old.id, old.title, coalesce(old.description, ''), '');
END;

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO bug_search (rowid, title, description, comments) VALUES (new.id, '', '', new.body);
END;

CREATE TRIGGER comments_search_update AFTER UPDATE OF body ON comments WHEN new.body IS NOT old.body BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments) VALUES ('delete', old.id, '', '', old.body);
    INSERT INTO bug_search (rowid, title, description, comments) VALUES (new.id, '', '', new.body);
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments) VALUES ('delete', old.id, '', '', old.body);
END;
