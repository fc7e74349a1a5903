-- 0004_relationships.sql: tokens, relationship templates and relationships of the account
-- (lib/runtime/*.c, doc/runtime.md). Runs inside one transaction with search_path set to the
-- account schema: never name the schema, never BEGIN/COMMIT here, never edit this file once
-- released (add a higher-numbered file instead).
--
-- Every table keeps the Core HTTP API's DTO of the row in `dto` (jsonb): list routes filter on it
-- (lib/runtime/filter.c) and answer it as stored. Secrets live in their own columns, never in dto.

-- Tokens, own (created here) and peer (loaded by reference). Ephemeral tokens are never stored.
CREATE TABLE tokens (
    id              text PRIMARY KEY,                 -- TOK...
    is_own          boolean NOT NULL,
    secret_key      text NOT NULL,                    -- CryptoSecretKey JSON (secret)
    dto             jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tokens_own ON tokens (is_own);

-- Relationship templates. Own: template_keypair holds the exchange keypair whose public half
-- (template_key_id) is inside the template. Peer: identity_public_key and template_public_key
-- come from the decrypted, signature-checked template.
CREATE TABLE relationship_templates (
    id                  text PRIMARY KEY,             -- RLT...
    is_own              boolean NOT NULL,
    secret_key          text NOT NULL,                -- CryptoSecretKey JSON (secret)
    template_key_id     text,                         -- TRPRTK...
    template_keypair    text,                         -- own: CryptoExchangeKeypair JSON (secret)
    template_public_key text,                         -- peer: RelationshipTemplatePublicKey JSON
    identity_public_key text,                         -- peer: CryptoSignaturePublicKey JSON
    password            text,                         -- as given (own: set at creation; peer: used to load)
    dto                 jsonb NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX relationship_templates_own ON relationship_templates (is_own);

-- Relationships (one row per relationship id; the peer is unique only among non-decomposed ones,
-- which the Backbone enforces). secrets: 'request' = requestor before the templator accepted
-- (CryptoRelationshipRequestSecrets JSON), 'full' = CryptoRelationshipSecrets JSON.
CREATE TABLE relationships (
    id              text PRIMARY KEY,                 -- REL...
    template_id     text NOT NULL,
    peer            text NOT NULL,
    status          text NOT NULL CHECK (status IN ('Pending', 'Active', 'Rejected', 'Revoked',
                                                    'Terminated', 'DeletionProposed')),
    secrets_kind    text NOT NULL CHECK (secrets_kind IN ('request', 'full')),
    secrets         text NOT NULL,                    -- (secret)
    dto             jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX relationships_peer ON relationships (peer);
CREATE INDEX relationships_status ON relationships (status);
