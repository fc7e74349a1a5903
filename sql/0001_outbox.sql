-- 0001_outbox.sql: the event outbox and the per-consumer delivery queue (doc/database.md).
-- Runs inside one transaction with search_path set to the account schema: never name the schema,
-- never BEGIN/COMMIT here, never edit this file once released (add a higher-numbered file instead).

-- Every Connector event, written in the same transaction as the state change that caused it.
-- seq orders events for humans and claiming, but is NOT a safe cursor: sequence values are taken
-- before commit, so a consumer must never remember "the highest seq seen" (see doc/database.md).
CREATE TABLE outbox_events (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,  -- stable id receivers dedupe on
    namespace       text NOT NULL CHECK (namespace <> ''),            -- e.g. transport.messageReceived
    target_address  text,                                            -- eventTargetAddress (own identity)
    data            jsonb NOT NULL DEFAULT 'null'::jsonb,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_created_at ON outbox_events (created_at);

-- Who receives events: one row per delivery target (a webhook, a broker publisher, ...).
-- subscriptions: event namespaces; '*' matches all, a trailing '*' matches a prefix
-- ('transport.*'). Disabled consumers get no new deliveries.
CREATE TABLE outbox_consumers (
    consumer_id     text PRIMARY KEY CHECK (consumer_id <> ''),       -- e.g. webhooks:<target name>
    kind            text NOT NULL,                                   -- webhook, amqp, mqtt, redis, pubsub, ...
    subscriptions   text[] NOT NULL DEFAULT ARRAY['*'],
    enabled         boolean NOT NULL DEFAULT true,
    registered_at   timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One durable row per (event, consumer), created with the event (fan-out at append time).
-- state: pending -> in_flight (claimed, lease until next_attempt_at) -> delivered | pending (retry
-- at next_attempt_at) | failed (gave up) | cancelled (consumer disabled). A claim whose lease ran
-- out is claimable again: the claim condition is state IN ('pending','in_flight') AND
-- next_attempt_at <= now(), taken with FOR UPDATE SKIP LOCKED.
CREATE TABLE outbox_deliveries (
    consumer_id     text NOT NULL REFERENCES outbox_consumers (consumer_id) ON DELETE CASCADE,
    event_seq       bigint NOT NULL REFERENCES outbox_events (seq) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'in_flight', 'delivered', 'failed', 'cancelled')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    claimed_until   timestamptz,
    claimed_by      text,
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_id, event_seq)
);
-- claiming: the due open deliveries of one consumer, oldest event first
CREATE INDEX outbox_deliveries_claim ON outbox_deliveries (consumer_id, next_attempt_at, event_seq)
    WHERE state IN ('pending', 'in_flight');
-- the ON DELETE CASCADE from outbox_events and the retention check "no open delivery"
CREATE INDEX outbox_deliveries_event ON outbox_deliveries (event_seq);

-- true when a consumer's subscription list matches an event namespace
CREATE FUNCTION outbox_subscription_matches(subscriptions text[], event_namespace text)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT EXISTS (
        SELECT 1 FROM unnest(subscriptions) AS s
        WHERE s = '*' OR s = event_namespace
           OR (right(s, 1) = '*' AND left(event_namespace, length(s) - 1) = left(s, -1)))
$$;
