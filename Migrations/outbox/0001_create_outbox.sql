-- E-mails waiting for the notificator, each written in the same transaction
-- as the change it reports. AUTOINCREMENT: ids are never reused after
-- pruning, because the notificator's cursor is the last id it took.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    topic      TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    subject    TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- set when the notificator acknowledged the row; pruned after retention
    relayed_at TEXT
) STRICT;

CREATE INDEX outbox_unrelayed ON outbox (id) WHERE relayed_at IS NULL;
CREATE INDEX outbox_relayed_at ON outbox (relayed_at) WHERE relayed_at IS NOT NULL;
