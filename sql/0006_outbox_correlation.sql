-- 0006_outbox_correlation.sql: the correlation id of the request or sync run that caused an event
-- (lib/correlation.h, doc/delivery.md). Runs inside one transaction with search_path set to the
-- account schema: never name the schema, never BEGIN/COMMIT here, never edit this file once
-- released (add a higher-numbered file instead).

-- NULL for events appended without a current correlation id (and for every older event). The
-- webhooks worker sends it as x-correlation-id; 1..128 visible ASCII characters (inner spaces).
ALTER TABLE outbox_events ADD COLUMN correlation_id text
    CHECK (correlation_id IS NULL OR (length(correlation_id) BETWEEN 1 AND 128
                                      AND correlation_id ~ '^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$'));
