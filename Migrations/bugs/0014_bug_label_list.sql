-- Each bug's labels again on its own row, for reading. A page of search
-- results read each bug's labels from bug_labels, a lookup per bug into a
-- table whose pages seldom stay in a reader's cache: a third of the pages
-- a search asked the kernel for. bug_labels stays where labels live (the
-- label filter uses its index, the API and the shell change them there);
-- bugs.label_list is a copy, as comment_count is a count of comments.
--
-- The copy is a JSON array of the bug's labels in order, e.g.
-- ["crash","storage"], or [] for none. The triggers below write it after
-- every change to bug_labels and every renumbering of a bug (the sqlite3
-- shell runs with foreign keys off unless told otherwise), and refuse any
-- other change to it. What the copy must be is written once, in the view
-- bug_label_lists: `select * from bug_label_lists where id = 7`.
ALTER TABLE bugs ADD COLUMN label_list TEXT NOT NULL DEFAULT '[]';

CREATE VIEW bug_label_lists (id, label_list) AS
SELECT id, (SELECT json_group_array(label) FROM (SELECT label FROM bug_labels WHERE bug_id = bugs.id ORDER BY label))
FROM bugs;

UPDATE bugs SET label_list = (SELECT label_list FROM bug_label_lists WHERE id = bugs.id)
WHERE id IN (SELECT bug_id FROM bug_labels);

CREATE TRIGGER bug_labels_list_insert AFTER INSERT ON bug_labels BEGIN
    UPDATE bugs SET label_list = (SELECT label_list FROM bug_label_lists WHERE id = NEW.bug_id) WHERE id = NEW.bug_id;
END;

CREATE TRIGGER bug_labels_list_delete AFTER DELETE ON bug_labels BEGIN
    UPDATE bugs SET label_list = (SELECT label_list FROM bug_label_lists WHERE id = OLD.bug_id) WHERE id = OLD.bug_id;
END;

CREATE TRIGGER bug_labels_list_update AFTER UPDATE ON bug_labels BEGIN
    UPDATE bugs SET label_list = (SELECT label_list FROM bug_label_lists WHERE id = OLD.bug_id) WHERE id = OLD.bug_id;
    UPDATE bugs SET label_list = (SELECT label_list FROM bug_label_lists WHERE id = NEW.bug_id) WHERE id = NEW.bug_id;
END;

-- The copy is only ever what bug_labels holds: a hand edit of it would
-- show labels that no filter finds. After the update, so that the row is
-- at its new id when an edit renumbers it too; ABORT undoes the statement.
CREATE TRIGGER bugs_label_list_kept AFTER UPDATE OF label_list ON bugs
WHEN NEW.label_list IS NOT (SELECT label_list FROM bug_label_lists WHERE id = NEW.id) BEGIN
    SELECT RAISE(ABORT, 'bugs.label_list is a copy of bug_labels: change a bug''s labels there');
END;

CREATE TRIGGER bugs_label_list_new BEFORE INSERT ON bugs WHEN NEW.label_list IS NOT '[]' BEGIN
    SELECT RAISE(ABORT, 'bugs.label_list is a copy of bug_labels: add a new bug''s labels there');
END;

-- With foreign keys off, labels can outlive their bug or be moved before
-- it: a bug filed or renumbered onto such labels shows them.
CREATE TRIGGER bugs_label_list_found AFTER INSERT ON bugs
WHEN EXISTS (SELECT 1 FROM bug_labels WHERE bug_id = NEW.id) BEGIN
    UPDATE bugs SET label_list = (SELECT label_list FROM bug_label_lists WHERE id = NEW.id) WHERE id = NEW.id;
END;

CREATE TRIGGER bugs_label_list_renumbered AFTER UPDATE OF id ON bugs WHEN NEW.id IS NOT OLD.id BEGIN
    UPDATE bugs SET label_list = (SELECT label_list FROM bug_label_lists WHERE id = NEW.id) WHERE id = NEW.id;
END;
