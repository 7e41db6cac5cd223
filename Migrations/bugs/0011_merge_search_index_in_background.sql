-- The search index's segments are merged by the bugs service in the
-- background (SearchIndexMerger), not a step on every write. FTS5 writes
-- its pending terms as a new segment at each savepoint, and a group commit
-- runs every request in a savepoint of its own, so with FTS5's default
-- (automerge 4) every bug and comment paid for a step of merging: 10 pages
-- written per new bug instead of 2.4, three times the time, and at
-- 1,000,000 bugs a third of the creates per second. FTS5 still merges 16
-- segments of one level at once when the background falls that far behind.
INSERT INTO bug_search (bug_search, rank) VALUES ('automerge', 0);
