-- 0003_account.sql: the account's identity, the sync runs and the external events applied
-- (lib/account/identity.c, lib/sync/*.c, doc/backbone-client.md).
-- Runs inside one transaction with search_path set to the account schema: never name the schema,
-- never BEGIN/COMMIT here, never edit this file once released (add a higher-numbered file instead).

-- The one identity of this schema (database.dbName). state: 'keys' (keys and password committed,
-- not yet registered) -> 'registered' (the Backbone's answer stored) -> 'ready' (datawallet
-- version upgraded; usable). Secrets are stored in clear, as the original stores them.
CREATE TABLE account_identity (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    state               text NOT NULL CHECK (state IN ('keys', 'registered', 'ready')),
    backbone_base_url   text NOT NULL,
    identity_keypair    text NOT NULL,          -- CryptoSignatureKeypair JSON (secret)
    public_key          text NOT NULL,          -- CryptoSignaturePublicKey.toBase64()
    device_keypair      text NOT NULL,          -- CryptoSignatureKeypair JSON (secret)
    device_password     text NOT NULL,          -- secret
    address             text CHECK (state = 'keys' OR address IS NOT NULL),
    device_id           text CHECK (state = 'keys' OR device_id IS NOT NULL),
    username            text CHECK (state = 'keys' OR username IS NOT NULL),
    identity_created_at text,                   -- as the Backbone reported it
    datawallet_version  integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- One row per Backbone sync run this account started. A run without finalized_at is open: the
-- next sync resumes it (events already applied are reported, not applied again) or, when the
-- Backbone no longer accepts it, marks it abandoned; the Backbone then hands its events out again.
CREATE TABLE sync_runs (
    run_id          text PRIMARY KEY,            -- SYR...
    run_type        text NOT NULL DEFAULT 'ExternalEventSync',
    run_index       bigint,
    event_count     integer,
    expires_at      text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finalized_at    timestamptz,
    outcome         text CHECK (outcome IN ('finalized', 'abandoned')),
    results         jsonb                         -- the externalEventResults sent when finalized
);
CREATE UNIQUE INDEX sync_runs_one_open ON sync_runs ((true)) WHERE finalized_at IS NULL;

-- Every external event seen, with what applying it did. result: 'applied' (effects and outbox
-- events committed with this row), 'recorded' (no domain handler yet: kept here with its payload
-- so that the handler can be run later; acknowledged to the Backbone), 'failed' (reported with
-- error_code; the Backbone hands it out again until its syncErrorCount reaches 3).
CREATE TABLE external_events (
    event_id        text PRIMARY KEY,            -- SYI...
    event_type      text NOT NULL,
    event_index     bigint,
    payload         jsonb NOT NULL DEFAULT '{}'::jsonb,
    run_id          text NOT NULL,               -- the run that last handed it out
    result          text NOT NULL CHECK (result IN ('applied', 'recorded', 'failed')),
    error_code      text,
    times_seen      integer NOT NULL DEFAULT 1,  -- > 1: replayed by the Backbone
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX external_events_run ON external_events (run_id);
CREATE INDEX external_events_recorded ON external_events (event_type) WHERE result = 'recorded';

-- Account-wide sync facts (GET /Account/SyncInfo).
CREATE TABLE sync_state (
    singleton               boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_completed_at       timestamptz,
    datawallet_local_index  bigint NOT NULL DEFAULT -1
);
INSERT INTO sync_state DEFAULT VALUES;

-- Identity deletion processes as last read from the Backbone (IdentityDeletionProcess* events).
CREATE TABLE identity_deletion_processes (
    process_id      text PRIMARY KEY,            -- IDP...
    status          text NOT NULL,
    dto             jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
