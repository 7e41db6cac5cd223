-- One row per e-mail taken from a source's outbox. UNIQUE (source,
-- source_message_id): a message taken twice is stored, and so sent, once.
CREATE TABLE deliveries (
    id                INTEGER PRIMARY KEY,
    source            TEXT NOT NULL REFERENCES source_cursors (source),
    source_message_id INTEGER NOT NULL CHECK (source_message_id > 0),
    topic             TEXT NOT NULL,
    recipient         TEXT NOT NULL,
    subject           TEXT NOT NULL,
    body              TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'sent', 'dead')),
    attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error        TEXT,
    -- when a pending delivery is next due; NULL once sent or dead
    next_attempt_at   TEXT CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
    -- when the source wrote it: delivery latency runs from here to sent_at
    source_created_at TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    sent_at           TEXT CHECK ((status = 'sent') = (sent_at IS NOT NULL)),
    UNIQUE (source, source_message_id)
) STRICT;

CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_status ON deliveries (status, id);
CREATE INDEX deliveries_recipient ON deliveries (recipient, id);
CREATE INDEX deliveries_source ON deliveries (source, id);
