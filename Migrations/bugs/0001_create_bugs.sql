-- Bugs. reporter_id and assignee_id are ids in the users service's own
-- database, so no foreign key can hold them; the service checks them with
-- the users service when they are set.
CREATE TABLE bugs (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    description TEXT CHECK (description IS NULL OR length(description) <= 20000),
    status      TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'in_progress', 'resolved', 'closed')),
    priority    TEXT NOT NULL DEFAULT 'normal'
                CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    reporter_id INTEGER CHECK (reporter_id > 0),
    assignee_id INTEGER CHECK (assignee_id > 0),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
) STRICT;

-- The list filters, each ending in id for the cursor's order.
CREATE INDEX bugs_status ON bugs (status, id);
CREATE INDEX bugs_priority ON bugs (priority, id);
CREATE INDEX bugs_reporter ON bugs (reporter_id, id) WHERE reporter_id IS NOT NULL;
CREATE INDEX bugs_assignee ON bugs (assignee_id, id) WHERE assignee_id IS NOT NULL;
