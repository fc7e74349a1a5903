/*
 * db.h: the one PostgreSQL connection wrapper (libpq) of every process that touches the database.
 *
 * A struct db holds the configured connection string (libpq key=value or postgresql:// URI), the
 * account schema (database.dbName) and at most one live connection. Every connection it opens has
 * the account schema created if missing and search_path set to exactly that schema (the identifier
 * is always quoted by libpq), so SQL never names the schema.
 *
 * Invariants:
 *   - error texts (db_error) never contain the password of the connection string;
 *   - after a failed call db_connection_lost() tells whether the server went away; callers then use
 *     db_ensure_connected(), which reconnects with exponential backoff and full jitter, re-applies
 *     the schema and re-issues every LISTEN of this handle;
 *   - NOTIFY is a hint only: a listener that was disconnected missed notifications, so callers
 *     catch up from the tables after every (re)connect (db_generation() changes on each connect).
 */
#ifndef CONNECTOR_DB_H
#define CONNECTOR_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#define DB_SCHEMA_NAME_MAX 63 /* NAMEDATALEN - 1 */

enum db_status {
	DB_OK = 0,
	DB_ERR_CONFIG,      /* bad connection string or schema name: retrying cannot help */
	DB_ERR_UNREACHABLE, /* server down, refused, timed out, authentication failed: retry later */
	DB_ERR_QUERY,       /* a statement failed on a live connection */
};

/* How db_ensure_connected waits between attempts. Zero fields take the defaults noted. */
struct db_retry {
	int floor_ms;                   /* first delay, default 100 */
	int cap_ms;                     /* largest delay, default 30000 */
	int max_attempts;               /* 0: until connected or stopped */
	int tick_ms;                    /* tick() is called at least this often while waiting, default 200 */
	void (*tick)(void *arg);        /* e.g. send a heartbeat */
	bool (*should_stop)(void *arg); /* e.g. worker_stop_requested */
	void *arg;
};

struct db;

/*
 * Checks a schema name (database.dbName): 1..63 bytes, printable, not starting with "pg_". On
 * failure writes the reason to err and returns false.
 */
bool db_schema_name_valid(const char *name, char *err, size_t err_len);

/*
 * Creates a handle without connecting. Returns NULL and sets *error (malloc'd, naming the field
 * database.connectionString or database.dbName) when the string does not parse or the name is bad.
 * app_name becomes fallback_application_name (e.g. "connector-housekeeping").
 */
struct db *db_new(const char *conninfo, const char *schema, const char *app_name, char **error);
void db_free(struct db *db);

/* One connection attempt (bounded by connect_timeout, default 10 s). */
enum db_status db_connect(struct db *db);
/* Reconnects (if needed) until connected; false when stopped or max_attempts were used up. */
bool db_ensure_connected(struct db *db, const struct db_retry *retry);
void db_disconnect(struct db *db);
bool db_is_connected(struct db *db);
/* Counts successful connects; a change means "you may have missed notifications". */
uint64_t db_generation(const struct db *db);

/* The last error: text (password-free), SQLSTATE ("" if none), and whether the server went away. */
const char *db_error(const struct db *db);
const char *db_sqlstate(const struct db *db);
bool db_connection_lost(const struct db *db);
const char *db_schema(const struct db *db);
/* "host=... port=... dbname=... user=..." of the connection string, for logs (no password). */
const char *db_target(const struct db *db);
/* The raw connection (NULL when disconnected), for libpq calls this wrapper does not cover. */
PGconn *db_conn(struct db *db);

/*
 * Runs one statement with text parameters ($1..$n; NULL entries are SQL NULL). Returns the result
 * (PQclear it) or NULL on failure with db_error() set. params may be NULL when nparams is 0.
 */
PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params);
/* db_exec for statements whose result is not needed. */
bool db_command(struct db *db, const char *sql, int nparams, const char *const *params);
/* Runs a script of several statements without parameters (simple query protocol). */
bool db_exec_script(struct db *db, const char *sql);

bool db_begin(struct db *db);
bool db_commit(struct db *db);
/* Rolls back if a transaction is open; keeps the previous error text. */
void db_rollback(struct db *db);
bool db_in_transaction(struct db *db);

/* Session-level advisory lock keyed by (purpose, schema): see db_advisory_key. */
bool db_advisory_lock(struct db *db, int32_t purpose);
bool db_advisory_unlock(struct db *db, int32_t purpose);
/* Non-blocking variant: *acquired tells whether this session now holds the lock. */
bool db_advisory_try_lock(struct db *db, int32_t purpose, bool *acquired);
/* The second key half: FNV-1a of the schema name, so each account has its own locks. */
int32_t db_advisory_key(const char *schema);

/* Advisory lock purposes (first key half). New users add a value here. */
#define DB_LOCK_MIGRATE      0x434e0001
#define DB_LOCK_SYNC_LEADER  0x434e0002
#define DB_LOCK_HOUSEKEEPING 0x434e0003
#define DB_LOCK_IDENTITY     0x434e0011 /* lib/account/identity.c: one identity per schema */

/* LISTEN/NOTIFY (hints only). Channels are plain identifiers; LISTENs survive reconnects. */
bool db_listen(struct db *db, const char *channel);
bool db_notify(struct db *db, const char *channel, const char *payload);
/* The connection's socket for poll(2) (-1 when disconnected). */
int db_socket(struct db *db);
typedef void (*db_notify_fn)(const char *channel, const char *payload, void *arg);
/* Reads pending input and calls fn per notification; returns the count, -1 when the server went away. */
int db_drain_notifications(struct db *db, db_notify_fn fn, void *arg);

/* Replaces every occurrence of the password of conninfo in text with "***" (in place, may shorten). */
void db_redact_password(const char *conninfo, char *text);

#endif
