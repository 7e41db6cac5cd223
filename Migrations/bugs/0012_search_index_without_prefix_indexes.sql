-- The search index again, without FTS5's prefix indexes (`prefix = '2 3'`
-- in 0008). They stored every word three times, as itself and as its first
-- two and three letters, so every write to the index (a bug filed or
-- edited, and each comment, which rewrites its bug's document) took out and
-- put back three entries per word: 40% of a comment's index update. A
-- prefix search (`cr*`) now gathers the words that start so from the one
-- index: a quarter to a half slower, on a kind of query that ranks
-- thousands of matches anyway (README, Performance, "Fewer writes per
-- comment").
--
-- The triggers of 0008 name the table and are compiled when they fire, so
-- they keep it in step as they did.
DROP TABLE bug_search;

CREATE VIRTUAL TABLE bug_search USING fts5(
    title, description, comments,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO bug_search (bug_search, rank) VALUES ('rank', 'bm25(8.0, 2.0, 1.0)');
INSERT INTO bug_search (bug_search, rank) VALUES ('automerge', 0);

INSERT INTO bug_search (rowid, title, description, comments)
SELECT id, title, coalesce(description, ''),
       coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM comments WHERE bug_id = bugs.id ORDER BY id)), '')
FROM bugs;

-- One segment, as a service at rest leaves it.
INSERT INTO bug_search (bug_search) VALUES ('optimize');
