-- 0002_delivery.sql: the delivery core's additions to the outbox (doc/delivery.md).
-- Runs inside one transaction with search_path set to the account schema: never name the schema,
-- never BEGIN/COMMIT here, never edit this file once released (add a higher-numbered file instead).

-- Event data keeps the producer's exact JSON text (key order, no added spaces): webhook bodies must
-- be byte-compatible with the original's JSON.stringify output, which jsonb's normalisation breaks.
ALTER TABLE outbox_events ALTER COLUMN data DROP DEFAULT;
ALTER TABLE outbox_events ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE outbox_events ALTER COLUMN data SET DEFAULT 'null'::json;

-- One row per settled delivery attempt (the attempt log operators read). Attempts of a worker that
-- died before settling leave no row here, but they are counted in outbox_deliveries.attempts.
CREATE TABLE outbox_delivery_attempts (
    consumer_id     text NOT NULL,
    event_seq       bigint NOT NULL,
    attempt         integer NOT NULL CHECK (attempt >= 1),
    outcome         text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed')),
    http_status     integer,
    error           text,
    worker          text,
    duration_ms     integer,
    finished_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (consumer_id, event_seq) REFERENCES outbox_deliveries (consumer_id, event_seq) ON DELETE CASCADE
);
CREATE INDEX outbox_delivery_attempts_delivery ON outbox_delivery_attempts (consumer_id, event_seq);

-- Dead letters per consumer, for the operator views.
CREATE INDEX outbox_deliveries_failed ON outbox_deliveries (consumer_id, event_seq) WHERE state = 'failed';

-- Subscriptions gain a third form: '~<regex>' matched against '.' || namespace. Webhook triggers
-- with EventEmitter2 wildcards ('*' one segment, '**' any number) are registered in this form
-- (lib/delivery_consumers.c), so the fan-out matches exactly what the original's bus matched.
CREATE OR REPLACE FUNCTION outbox_subscription_matches(subscriptions text[], event_namespace text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM unnest(subscriptions) AS s
        WHERE s = '*' OR s = event_namespace
           OR (left(s, 1) = '~' AND ('.' || event_namespace) ~ substr(s, 2))
           OR (left(s, 1) <> '~' AND right(s, 1) = '*'
               AND left(event_namespace, length(s) - 1) = left(s, -1)))
$$;
