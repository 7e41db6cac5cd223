-- The W3C `traceparent` of the request that wrote the row, carried by the
-- feed to the notificator, whose delivery span continues that trace. NULL
-- for rows written outside a request.
ALTER TABLE outbox ADD COLUMN traceparent TEXT CHECK (traceparent IS NULL OR length(traceparent) = 55);
