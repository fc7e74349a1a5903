-- contrib/backbone/schema.sql: the local development Backbone's state, applied by
-- connector-backbone-dev at start (idempotent, under an advisory lock) into its own schema, which
-- is the search_path of its connection. Times are epoch milliseconds (bigint), bytes are bytea.
CREATE TABLE IF NOT EXISTS challenges (
	id text PRIMARY KEY, expires_at bigint NOT NULL, created_by text, created_by_device text);
CREATE TABLE IF NOT EXISTS identities (
	address text PRIMARY KEY, client_id text NOT NULL, public_key bytea NOT NULL,
	identity_version integer NOT NULL, created_at bigint NOT NULL,
	status text NOT NULL DEFAULT 'Active', deletion_date bigint);
CREATE TABLE IF NOT EXISTS devices (
	id text PRIMARY KEY, address text NOT NULL REFERENCES identities, username text NOT NULL UNIQUE,
	password_hash text NOT NULL, created_at bigint NOT NULL, created_by_device text,
	is_backup boolean NOT NULL DEFAULT false, language text NOT NULL DEFAULT 'en',
	last_login bigint, failed_logins integer NOT NULL DEFAULT 0, locked_until bigint,
	push_identifier text);
CREATE TABLE IF NOT EXISTS access_tokens (
	token_hash text PRIMARY KEY, device_id text NOT NULL REFERENCES devices ON DELETE CASCADE,
	client_id text NOT NULL, expires_at bigint NOT NULL);
CREATE TABLE IF NOT EXISTS deletion_processes (
	id text PRIMARY KEY, address text NOT NULL, status text NOT NULL, created_at bigint NOT NULL,
	created_by_device text, grace_period_ends_at bigint, cancelled_at bigint,
	cancelled_by_device text);
CREATE TABLE IF NOT EXISTS external_events (
	id text PRIMARY KEY, owner text NOT NULL, idx bigint NOT NULL, type text NOT NULL,
	payload text NOT NULL, created_at bigint NOT NULL, context text,
	blocked boolean NOT NULL DEFAULT false, sync_error_count integer NOT NULL DEFAULT 0,
	sync_run_id text, delivered boolean NOT NULL DEFAULT false, UNIQUE (owner, idx));
CREATE TABLE IF NOT EXISTS sync_runs (
	id text PRIMARY KEY, owner text NOT NULL, device text NOT NULL, idx bigint NOT NULL,
	type text NOT NULL, created_at bigint NOT NULL, expires_at bigint NOT NULL,
	event_count integer NOT NULL, finalized_at bigint, UNIQUE (owner, idx));
CREATE TABLE IF NOT EXISTS sync_errors (
	id text PRIMARY KEY, sync_run_id text NOT NULL, event_id text NOT NULL, code text NOT NULL,
	created_at bigint NOT NULL);
CREATE TABLE IF NOT EXISTS datawallets (owner text PRIMARY KEY, version integer NOT NULL);
CREATE TABLE IF NOT EXISTS datawallet_modifications (
	id text PRIMARY KEY, owner text NOT NULL, idx bigint NOT NULL, datawallet_version integer NOT NULL,
	object_identifier text NOT NULL, payload_category text, collection text NOT NULL,
	type text NOT NULL, encrypted_payload bytea, created_at bigint NOT NULL,
	created_by_device text NOT NULL, UNIQUE (owner, idx));
CREATE TABLE IF NOT EXISTS tokens (
	id text PRIMARY KEY, created_by text, created_by_device text, for_identity text,
	password bytea, content bytea, created_at bigint NOT NULL, expires_at bigint NOT NULL,
	failed_attempts integer NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS token_allocations (
	token_id text NOT NULL REFERENCES tokens ON DELETE CASCADE, address text NOT NULL,
	PRIMARY KEY (token_id, address));
CREATE TABLE IF NOT EXISTS templates (
	id text PRIMARY KEY, created_by text NOT NULL, created_by_device text NOT NULL,
	max_allocations integer, for_identity text, password bytea, content bytea NOT NULL,
	created_at bigint NOT NULL, expires_at bigint);
CREATE TABLE IF NOT EXISTS template_allocations (
	template_id text NOT NULL REFERENCES templates ON DELETE CASCADE, address text NOT NULL,
	device text NOT NULL, allocated_at bigint NOT NULL, PRIMARY KEY (template_id, address));
CREATE TABLE IF NOT EXISTS relationships (
	id text PRIMARY KEY, template_id text, from_address text NOT NULL, to_address text NOT NULL,
	created_at bigint NOT NULL, status text NOT NULL, creation_content bytea,
	creation_response_content bytea, from_decomposed boolean NOT NULL DEFAULT false,
	to_decomposed boolean NOT NULL DEFAULT false);
CREATE TABLE IF NOT EXISTS relationship_audit (
	relationship_id text NOT NULL REFERENCES relationships ON DELETE CASCADE, seq integer NOT NULL,
	created_at bigint NOT NULL, created_by text NOT NULL, created_by_device text, reason text NOT NULL,
	old_status text, new_status text NOT NULL, PRIMARY KEY (relationship_id, seq));
CREATE TABLE IF NOT EXISTS messages (
	id text PRIMARY KEY, created_at bigint NOT NULL, created_by text NOT NULL,
	created_by_device text NOT NULL, body bytea NOT NULL);
CREATE TABLE IF NOT EXISTS message_recipients (
	message_id text NOT NULL REFERENCES messages ON DELETE CASCADE, seq integer NOT NULL,
	address text NOT NULL, encrypted_key bytea NOT NULL, relationship_id text NOT NULL,
	received_at bigint, received_by_device text, PRIMARY KEY (message_id, address));
CREATE TABLE IF NOT EXISTS message_attachments (
	message_id text NOT NULL REFERENCES messages ON DELETE CASCADE, seq integer NOT NULL,
	file_id text NOT NULL, PRIMARY KEY (message_id, seq));
CREATE TABLE IF NOT EXISTS files (
	id text PRIMARY KEY, created_at bigint NOT NULL, created_by text NOT NULL,
	created_by_device text NOT NULL, modified_at bigint NOT NULL, modified_by text NOT NULL,
	modified_by_device text NOT NULL, deleted_at bigint, deleted_by text, deleted_by_device text,
	owner text NOT NULL, owner_signature bytea, ownership_token text NOT NULL,
	ownership_locked boolean NOT NULL DEFAULT false, cipher_size bigint NOT NULL,
	cipher_hash bytea NOT NULL, expires_at bigint NOT NULL, encrypted_properties bytea,
	content bytea NOT NULL);
CREATE INDEX IF NOT EXISTS external_events_owner ON external_events (owner, delivered, blocked);
CREATE INDEX IF NOT EXISTS relationships_pair ON relationships (from_address, to_address);
