-- When a delivery went dead, so that sent and dead deliveries are deleted
-- once older than the retention (--delivery-retention) by when they ended.
-- Those dead before have their creation time, the closest known.
ALTER TABLE deliveries ADD COLUMN died_at TEXT;

UPDATE deliveries SET died_at = created_at WHERE status = 'dead';

-- The pruner's way in: finished deliveries by when they finished.
CREATE INDEX deliveries_finished ON deliveries (coalesce(sent_at, died_at)) WHERE status IN ('sent', 'dead');
