-- The answers to POST /bugs and POST /bugs/{id}/comments requests that
-- carried an Idempotency-Key, kept 24 hours (then pruned): the same key
-- from the same caller gets the stored answer again, and changes nothing.
-- caller is `user:<id>` or `service`; request_hash, the SHA-256 of the
-- method, path and body, tells a retry from another request under the
-- same key. Written in the same transaction as what the request created,
-- so two requests racing with one key store one.
CREATE TABLE idempotency_keys (
    id           INTEGER PRIMARY KEY,
    caller       TEXT NOT NULL,
    key          TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash TEXT NOT NULL CHECK (length(request_hash) = 64),
    status       INTEGER NOT NULL CHECK (status BETWEEN 200 AND 299),
    location     TEXT,
    etag         TEXT,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    UNIQUE (caller, key)
) STRICT;

CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
