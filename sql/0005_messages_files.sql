-- 0005_messages_files.sql: messages and files of the account (lib/runtime/messages*.c,
-- lib/runtime/files*.c, doc/messages-files.md). Runs inside one transaction with search_path set
-- to the account schema: never name the schema, never BEGIN/COMMIT here, never edit this file
-- once released (add a higher-numbered file instead).
--
-- As in 0004, `dto` (jsonb) is the Core HTTP API's DTO of the row, filtered by the list routes and
-- answered as stored; secrets live in their own columns, never in dto.

-- Messages, sent (is_own) and received. attachment_refs: the FileReference JSON objects of the
-- attachments ({backboneBaseUrl?, id, key}; secret: they carry the metadata keys).
CREATE TABLE messages (
    id              text PRIMARY KEY,                 -- MSG...
    is_own          boolean NOT NULL,
    attachment_refs jsonb NOT NULL DEFAULT '[]',      -- (secret)
    dto             jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX messages_own ON messages (is_own);

-- Files, own (uploaded here) and peer (loaded by reference, token or as an attachment).
-- metadata_key encrypts encryptedProperties and travels in the FileReference; file_key (from the
-- decrypted metadata) encrypts the content; cipher_hash (the Backbone's) and plaintext_hash (from
-- the metadata) are checked on every download.
CREATE TABLE files (
    id              text PRIMARY KEY,                 -- FIL...
    is_own          boolean NOT NULL,
    metadata_key    text NOT NULL,                    -- CryptoSecretKey JSON (secret)
    file_key        text NOT NULL,                    -- CryptoSecretKey JSON (secret)
    cipher_hash     text NOT NULL,
    plaintext_hash  text NOT NULL,                    -- checked after decryption
    dto             jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_own ON files (is_own);
