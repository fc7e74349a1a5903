/*
 * db.c: the connection life cycle of a struct db (see db.h): creation and validation, one
 * non-blocking connect attempt with a deadline, schema set-up on every new connection, and
 * reconnection with exponential backoff and full jitter.
 *
 * Invariant: db->conn is either NULL or a connection whose search_path is the account schema.
 */
#include "db.h"
#include "db_internal.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "log.h"
#include "timeutil.h"

char *db_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *out = NULL;
	va_start(ap, fmt);
	if (vasprintf(&out, fmt, ap) < 0)
		fatal(1, "vasprintf");
	va_end(ap);
	return out;
}

static char *xstrdup(const char *s)
{
	char *copy = strdup(s);
	if (!copy)
		fatal(1, "strdup");
	return copy;
}

static void quiet_notices(void *arg, const char *message)
{
	(void)arg;
	log_debug("Database", "%.*s", (int)strcspn(message, "\n"), message);
}

struct db *db_new(const char *conninfo, const char *schema, const char *app_name, char **error)
{
	char reason[160];
	if (!conninfo || !*conninfo) {
		*error = db_strdupf("database.connectionString: is not set (a libpq key=value string or "
		                    "postgresql:// URI is required)");
		return NULL;
	}
	if (!db_schema_name_valid(schema, reason, sizeof(reason))) {
		*error = db_strdupf("database.dbName: %s", reason);
		return NULL;
	}
	char *target = db_conninfo_target(conninfo, error);
	if (!target)
		return NULL;
	struct db *db = calloc(1, sizeof(*db));
	if (!db)
		fatal(1, "calloc");
	db->conninfo = xstrdup(conninfo);
	db->schema = xstrdup(schema);
	db->app_name = xstrdup(app_name && *app_name ? app_name : "connector");
	db->target = target;
	db->connect_timeout_s = db_conninfo_timeout_s(conninfo);
	return db;
}

void db_disconnect(struct db *db)
{
	if (db && db->conn) {
		PQfinish(db->conn);
		db->conn = NULL;
	}
}

void db_free(struct db *db)
{
	if (!db)
		return;
	db_disconnect(db);
	free(db->conninfo);
	free(db->schema);
	free(db->app_name);
	free(db->target);
	free(db);
}

void db_set_error(struct db *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->error, sizeof(db->error), fmt, ap);
	va_end(ap);
	db_redact_password(db->conninfo, db->error);
	size_t len = strlen(db->error);
	while (len > 0 && (db->error[len - 1] == '\n' || db->error[len - 1] == ' '))
		db->error[--len] = '\0';
	char *out = db->error; /* one line: newlines and tabs become single spaces */
	for (const char *in = db->error; *in; in++) {
		char c = (*in == '\n' || *in == '\t') ? ' ' : *in;
		if (c != ' ' || (out > db->error && out[-1] != ' '))
			*out++ = c;
	}
	*out = '\0';
	db->sqlstate[0] = '\0';
}

void db_set_result_error(struct db *db, const PGresult *res)
{
	const char *message = res ? PQresultErrorMessage(res) : "";
	if (!message || !*message)
		message = db->conn ? PQerrorMessage(db->conn) : "not connected";
	db_set_error(db, "%s", message);
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (state)
		snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state);
	db->lost = !db->conn || PQstatus(db->conn) == CONNECTION_BAD;
}

static PostgresPollingStatusType wait_socket(struct db *db, PostgresPollingStatusType want, int64_t deadline)
{
	int64_t left = deadline - time_monotonic_ms();
	if (left <= 0)
		return PGRES_POLLING_FAILED;
	struct pollfd pfd = {.fd = PQsocket(db->conn), .events = want == PGRES_POLLING_READING ? POLLIN : POLLOUT};
	int n = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
	if (n < 0 && errno != EINTR)
		return PGRES_POLLING_FAILED;
	return n > 0 ? PQconnectPoll(db->conn) : want;
}

/* Runs the libpq connect state machine until done, failed or past the deadline. */
static bool connect_poll(struct db *db)
{
	char timeout[16];
	snprintf(timeout, sizeof(timeout), "%d", db->connect_timeout_s);
	const char *const keys[] = {"fallback_application_name", "connect_timeout", "dbname", NULL};
	const char *const values[] = {db->app_name, timeout, db->conninfo, NULL};
	db->conn = PQconnectStartParams(keys, values, 1);
	if (!db->conn)
		fatalx(1, "PQconnectStartParams: out of memory");
	int64_t deadline = time_monotonic_ms() + (int64_t)db->connect_timeout_s * 1000;
	PostgresPollingStatusType state = PGRES_POLLING_WRITING;
	while (PQstatus(db->conn) != CONNECTION_BAD && state != PGRES_POLLING_OK && state != PGRES_POLLING_FAILED)
		state = wait_socket(db, state, deadline);
	if (state == PGRES_POLLING_OK && PQstatus(db->conn) == CONNECTION_OK)
		return true;
	if (PQstatus(db->conn) != CONNECTION_BAD && time_monotonic_ms() >= deadline)
		db_set_error(db, "PostgreSQL %s: no connection within %d s", db->target, db->connect_timeout_s);
	else
		db_set_error(db, "PostgreSQL %s: %s", db->target, PQerrorMessage(db->conn));
	db_disconnect(db);
	return false;
}

/* Creates the account schema when missing (tolerating a concurrent creator) and selects it. */
static bool setup_schema(struct db *db)
{
	const char *params[] = {db->schema};
	PGresult *res = db_exec(db, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, params);
	if (!res)
		return false;
	bool exists = PQntuples(res) > 0;
	PQclear(res);
	char *quoted = PQescapeIdentifier(db->conn, db->schema, strlen(db->schema));
	if (!quoted) {
		db_set_error(db, "database.dbName: cannot quote \"%s\": %s", db->schema, PQerrorMessage(db->conn));
		return false;
	}
	char sql[256];
	bool ok = true;
	if (!exists) {
		snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", quoted);
		/* 42P06 duplicate_schema / 23505 unique_violation: another process created it just now */
		if (!db_command(db, sql, 0, NULL) && strcmp(db->sqlstate, "42P06") != 0 &&
		    strcmp(db->sqlstate, "23505") != 0)
			ok = false;
		else
			log_info("Database", "schema %s ready", quoted);
	}
	if (ok) {
		snprintf(sql, sizeof(sql), "SET search_path TO %s", quoted);
		ok = db_command(db, sql, 0, NULL);
	}
	PQfreemem(quoted);
	return ok;
}

enum db_status db_connect(struct db *db)
{
	db_disconnect(db);
	db->lost = false;
	if (!connect_poll(db)) {
		db->lost = true;
		return DB_ERR_UNREACHABLE;
	}
	PQsetNoticeProcessor(db->conn, quiet_notices, NULL);
	if (!setup_schema(db) || !db_relisten(db)) {
		char reason[sizeof(db->error)];
		snprintf(reason, sizeof(reason), "%s", db->error);
		bool lost = db->lost;
		db_disconnect(db);
		db_set_error(db, "PostgreSQL %s, schema \"%s\": %s", db->target, db->schema, reason);
		db->lost = lost;
		return lost ? DB_ERR_UNREACHABLE : DB_ERR_QUERY;
	}
	db->generation++;
	return DB_OK;
}

bool db_is_connected(struct db *db)
{
	return db->conn && PQstatus(db->conn) == CONNECTION_OK;
}
uint64_t db_generation(const struct db *db)
{
	return db->generation;
}
const char *db_error(const struct db *db)
{
	return db->error;
}
const char *db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}
bool db_connection_lost(const struct db *db)
{
	return db->lost;
}
const char *db_schema(const struct db *db)
{
	return db->schema;
}
const char *db_target(const struct db *db)
{
	return db->target;
}
PGconn *db_conn(struct db *db)
{
	return db->conn;
}

static int64_t random_below(int64_t bound)
{
	uint64_t r = 0;
	if (bound <= 0)
		return 0;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint64_t)time_monotonic_ms() * 6364136223846793005ULL;
	return (int64_t)(r % (uint64_t)bound);
}

/* Full jitter: a uniform delay in [floor, min(cap, floor * 2^attempt)]. */
static int64_t backoff_delay_ms(const struct db_retry *r, int attempt)
{
	int64_t floor = r && r->floor_ms > 0 ? r->floor_ms : 100;
	int64_t cap = r && r->cap_ms > 0 ? r->cap_ms : 30000;
	int64_t ceiling = floor;
	for (int i = 0; i < attempt && ceiling < cap; i++)
		ceiling *= 2;
	if (ceiling > cap)
		ceiling = cap;
	return floor + random_below(ceiling - floor + 1);
}

static bool stop_requested(const struct db_retry *r)
{
	return r && r->should_stop && r->should_stop(r->arg);
}

/* Sleeps for ms in slices, calling tick; false when asked to stop. */
static bool wait_ticking(const struct db_retry *r, int64_t ms)
{
	int64_t slice = r && r->tick_ms > 0 ? r->tick_ms : 200;
	int64_t end = time_monotonic_ms() + ms;
	for (int64_t now = time_monotonic_ms(); now < end; now = time_monotonic_ms()) {
		if (stop_requested(r))
			return false;
		if (r && r->tick)
			r->tick(r->arg);
		int64_t step = end - now < slice ? end - now : slice;
		struct timespec ts = {step / 1000, (step % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
	return !stop_requested(r);
}

bool db_ensure_connected(struct db *db, const struct db_retry *retry)
{
	if (db_is_connected(db))
		return true;
	for (int attempt = 0; retry == NULL || retry->max_attempts == 0 || attempt < retry->max_attempts; attempt++) {
		if (stop_requested(retry))
			return false;
		if (retry && retry->tick)
			retry->tick(retry->arg);
		enum db_status status = db_connect(db);
		if (status == DB_OK) {
			if (attempt > 0)
				log_info("Database", "reconnected to %s after %d attempt(s)", db->target, attempt + 1);
			return true;
		}
		if (retry && retry->max_attempts > 0 && attempt + 1 >= retry->max_attempts) {
			log_warn("Database", "%s; giving up after %d attempt(s)", db->error, attempt + 1);
			break;
		}
		int64_t delay = backoff_delay_ms(retry, attempt);
		log_warn("Database", "%s; retrying in %lld ms", db->error, (long long)delay);
		if (!wait_ticking(retry, delay))
			return false;
	}
	return false;
}
