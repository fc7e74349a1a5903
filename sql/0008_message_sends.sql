-- 0008_message_sends.sql: idempotent message sends (lib/runtime/messages_sends.c,
-- doc/messages-files.md "Retried sends"). Runs inside one transaction with search_path set to the
-- account schema: never name the schema, never BEGIN/COMMIT here, never edit this file once
-- released (add a higher-numbered file instead).
--
-- One row per client-supplied Idempotency-Key of POST /Messages, written in the transaction that
-- commits the sealed message's counters, i.e. before the Backbone is called. request_hash is the
-- SHA-256 of the request (recipients, content, attachments); backbone_body the sealed POST body
-- (ciphers only), sent again unchanged by a retry; message_id is set in the transaction that
-- stores the message, so a row without it means "the outcome at the Backbone is unknown".
CREATE TABLE message_sends (
    idempotency_key text PRIMARY KEY,
    request_hash    text NOT NULL,
    backbone_body   jsonb NOT NULL,
    message_id      text,                             -- MSG... once stored locally
    created_at      timestamptz NOT NULL DEFAULT now()
);
