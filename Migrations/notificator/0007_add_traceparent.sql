-- The trace a delivery continues: its source row's `traceparent` (or the
-- gRPC call's). Each attempt is a `deliver <topic>` span in that trace.
ALTER TABLE deliveries ADD COLUMN traceparent TEXT CHECK (traceparent IS NULL OR length(traceparent) = 55);
