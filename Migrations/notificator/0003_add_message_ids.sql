-- Each message's Message-ID, <SOURCE.SOURCEID.INSTANCE@bugtracker>, kept with
-- its delivery. INSTANCE is made once per notificator database: two
-- installations, or one whose database was reset, never give two different
-- messages one id (every installation's users.1 was <users.1@bugtracker>).
-- Deliveries taken before keep the id they were sent with.
CREATE TABLE installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    instance_id TEXT NOT NULL CHECK (length(instance_id) = 16),
    created_at  TEXT NOT NULL
) STRICT;

INSERT INTO installation (id, instance_id, created_at)
VALUES (1, lower(hex(randomblob(8))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

ALTER TABLE deliveries ADD COLUMN message_id TEXT;

UPDATE deliveries SET message_id = '<' || source || '.' || source_message_id || '@bugtracker>';
