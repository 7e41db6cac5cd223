-- Mail queued over gRPC (SendEmail): deliveries with source 'grpc'. Its
-- cursor row numbers them (source_message_id = last_id + 1, one at a time),
-- so every gRPC mail gets a Message-ID of its own even after pruning.
INSERT INTO source_cursors (source, last_id, updated_at)
VALUES ('grpc', 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
ON CONFLICT (source) DO NOTHING;

-- SendEmail's idempotency_key: the same key again answers the same delivery,
-- so a retried call sends once. Kept as long as its delivery.
ALTER TABLE deliveries ADD COLUMN idempotency_key TEXT;

CREATE UNIQUE INDEX deliveries_idempotency_key ON deliveries (idempotency_key) WHERE idempotency_key IS NOT NULL;
