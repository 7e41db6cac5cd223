-- The search index without a copy of the text it indexes. FTS5 kept each
-- bug's title, description and every comment a second time, in
-- bug_search_content (a quarter of a loaded database), and a comment
-- rewrote that row. The text lives in bugs and comments; the index now
-- holds only what it needs to find and rank (content = '').
--
-- A contentless index forgets a document only when told its exact text
-- again ('delete' with the old values), so the triggers keep one rule for
-- every bug row b: the index holds (b.title, coalesce(b.description, ''),
-- its comments' bodies in id order joined by newlines), and nothing else.
-- Each trigger tells FTS5 the document as it was, then as it is. Only the
-- API's writes (a bug filed or edited, a comment added) happen in service;
-- the others keep the rule for edits made in the sqlite3 shell.
DROP TABLE bug_search;

CREATE VIRTUAL TABLE bug_search USING fts5(
    title, description, comments,
    content = '',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO bug_search (bug_search, rank) VALUES ('rank', 'bm25(8.0, 2.0, 1.0)');
INSERT INTO bug_search (bug_search, rank) VALUES ('automerge', 0);

-- What the index holds for each bug, by that rule: `select * from
-- bug_search_text where id = 7` shows the document bug 7 is found by.
CREATE VIEW bug_search_text (id, title, description, comments) AS
SELECT id, title, coalesce(description, ''),
       coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM comments WHERE bug_id = bugs.id ORDER BY id)), '')
FROM bugs;

INSERT INTO bug_search (rowid, title, description, comments) SELECT * FROM bug_search_text;

-- One segment, as a service at rest leaves it.
INSERT INTO bug_search (bug_search) VALUES ('optimize');

DROP TRIGGER bugs_search_insert;
DROP TRIGGER bugs_search_update;
DROP TRIGGER bugs_search_delete;
DROP TRIGGER comments_search_insert;
DROP TRIGGER comments_search_delete;

CREATE TRIGGER bugs_search_insert AFTER INSERT ON bugs BEGIN
    INSERT INTO bug_search (rowid, title, description, comments) SELECT * FROM bug_search_text WHERE id = new.id;
END;

-- Only when the text (or the id) changed: a status change leaves the index alone.
CREATE TRIGGER bugs_search_update AFTER UPDATE OF id, title, description ON bugs
WHEN new.id IS NOT old.id OR new.title IS NOT old.title OR new.description IS NOT old.description BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    VALUES ('delete', old.id, old.title, coalesce(old.description, ''),
            coalesce((SELECT group_concat(body, char(10)) FROM (SELECT body FROM comments WHERE bug_id = old.id ORDER BY id)), ''));
    INSERT INTO bug_search (rowid, title, description, comments) SELECT * FROM bug_search_text WHERE id = new.id;
END;

-- Before the row goes, while it and its comments are there to name the
-- text: a cascade deletes the comments after the row, and their trigger
-- then finds no bug and leaves the index alone.
CREATE TRIGGER bugs_search_delete BEFORE DELETE ON bugs BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    SELECT 'delete', * FROM bug_search_text WHERE id = old.id;
END;

CREATE TRIGGER comments_search_insert AFTER INSERT ON comments BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    SELECT 'delete', id, title, coalesce(description, ''),
           coalesce((SELECT group_concat(body, char(10)) FROM (
               SELECT body FROM comments WHERE bug_id = new.bug_id AND id <> new.id ORDER BY id)), '')
    FROM bugs WHERE id = new.bug_id;
    INSERT INTO bug_search (rowid, title, description, comments) SELECT * FROM bug_search_text WHERE id = new.bug_id;
END;

CREATE TRIGGER comments_search_delete AFTER DELETE ON comments BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    SELECT 'delete', id, title, coalesce(description, ''),
           coalesce((SELECT group_concat(body, char(10)) FROM (
               SELECT id, body FROM comments WHERE bug_id = old.bug_id UNION ALL SELECT old.id, old.body ORDER BY id)), '')
    FROM bugs WHERE id = old.bug_id;
    INSERT INTO bug_search (rowid, title, description, comments) SELECT * FROM bug_search_text WHERE id = old.bug_id;
END;

-- A comment edited or moved in the shell: the old bug's document as it was
-- (this comment as it was among the others) and as it is, then the same
-- for the bug it moved to.
CREATE TRIGGER comments_search_update AFTER UPDATE OF id, bug_id, body ON comments BEGIN
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    SELECT 'delete', id, title, coalesce(description, ''),
           coalesce((SELECT group_concat(body, char(10)) FROM (
               SELECT id, body FROM comments WHERE bug_id = old.bug_id AND id <> new.id
               UNION ALL SELECT old.id, old.body ORDER BY id)), '')
    FROM bugs WHERE id = old.bug_id;
    INSERT INTO bug_search (rowid, title, description, comments) SELECT * FROM bug_search_text WHERE id = old.bug_id;
    INSERT INTO bug_search (bug_search, rowid, title, description, comments)
    SELECT 'delete', id, title, coalesce(description, ''),
           coalesce((SELECT group_concat(body, char(10)) FROM (
               SELECT body FROM comments WHERE bug_id = new.bug_id AND id <> new.id ORDER BY id)), '')
    FROM bugs WHERE id = new.bug_id AND new.bug_id IS NOT old.bug_id;
    INSERT INTO bug_search (rowid, title, description, comments)
    SELECT * FROM bug_search_text WHERE id = new.bug_id AND new.bug_id IS NOT old.bug_id;
END;
