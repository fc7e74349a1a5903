/*
 * db_exec.c: statements on a struct db's connection: parameterised execution, scripts,
 * transactions, advisory locks, LISTEN/NOTIFY. Every failure leaves a password-free error text,
 * the SQLSTATE and the "server went away" flag in the handle (db.h).
 */
#include "db.h"
#include "db_internal.h"

#include <stdio.h>
#include <string.h>

static bool require_connection(struct db *db)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return true;
	db_set_error(db, "PostgreSQL %s: not connected", db->target);
	db->lost = true;
	return false;
}

PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params)
{
	if (!require_connection(db))
		return NULL;
	PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
		return res;
	db_set_result_error(db, res);
	PQclear(res);
	return NULL;
}

bool db_command(struct db *db, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = db_exec(db, sql, nparams, params);
	PQclear(res);
	return res != NULL;
}

bool db_exec_script(struct db *db, const char *sql)
{
	if (!require_connection(db))
		return false;
	PGresult *res = PQexec(db->conn, sql);
	ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	bool ok = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY;
	if (!ok)
		db_set_result_error(db, res);
	PQclear(res);
	/* PQexec returns the last result only; drain any left (none expected for simple queries) */
	while ((res = PQgetResult(db->conn)) != NULL)
		PQclear(res);
	return ok;
}

bool db_begin(struct db *db)
{
	return db_command(db, "BEGIN", 0, NULL);
}
bool db_commit(struct db *db)
{
	return db_command(db, "COMMIT", 0, NULL);
}

bool db_in_transaction(struct db *db)
{
	if (!db->conn)
		return false;
	PGTransactionStatusType s = PQtransactionStatus(db->conn);
	return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

void db_rollback(struct db *db)
{
	if (!db_in_transaction(db))
		return;
	char saved[sizeof(db->error)], state[sizeof(db->sqlstate)];
	bool lost = db->lost;
	memcpy(saved, db->error, sizeof(saved));
	memcpy(state, db->sqlstate, sizeof(state));
	if (!db_command(db, "ROLLBACK", 0, NULL))
		lost = db->lost;
	memcpy(db->error, saved, sizeof(saved));
	memcpy(db->sqlstate, state, sizeof(state));
	db->lost = lost;
}

int32_t db_advisory_key(const char *schema)
{
	uint32_t hash = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)schema; *p; p++)
		hash = (hash ^ *p) * 16777619u;
	return (int32_t)hash;
}

static bool advisory(struct db *db, const char *function, int32_t purpose, bool *result)
{
	char sql[96], a[16], b[16];
	snprintf(sql, sizeof(sql), "SELECT %s($1::int4, $2::int4)", function);
	snprintf(a, sizeof(a), "%d", (int)purpose);
	snprintf(b, sizeof(b), "%d", (int)db_advisory_key(db->schema));
	const char *params[] = {a, b};
	PGresult *res = db_exec(db, sql, 2, params);
	if (!res)
		return false;
	if (result)
		*result = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return true;
}

bool db_advisory_lock(struct db *db, int32_t purpose)
{
	return advisory(db, "pg_advisory_lock", purpose, NULL);
}

bool db_advisory_unlock(struct db *db, int32_t purpose)
{
	return advisory(db, "pg_advisory_unlock", purpose, NULL);
}

bool db_advisory_try_lock(struct db *db, int32_t purpose, bool *acquired)
{
	return advisory(db, "pg_try_advisory_lock", purpose, acquired);
}

static bool channel_valid(struct db *db, const char *channel)
{
	size_t len = channel ? strlen(channel) : 0;
	bool ok = len > 0 && len <= DB_CHANNEL_MAX;
	for (size_t i = 0; ok && i < len; i++)
		ok = (channel[i] >= 'a' && channel[i] <= 'z') || (channel[i] >= '0' && channel[i] <= '9') ||
		     channel[i] == '_';
	if (!ok)
		db_set_error(db, "notification channel \"%s\": expected 1..%d of [a-z0-9_]", channel ? channel : "",
		             DB_CHANNEL_MAX);
	return ok;
}

static bool issue_listen(struct db *db, const char *channel)
{
	char sql[DB_CHANNEL_MAX + 16];
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	return db_command(db, sql, 0, NULL);
}

bool db_relisten(struct db *db)
{
	for (int i = 0; i < db->channel_count; i++)
		if (!issue_listen(db, db->channels[i]))
			return false;
	return true;
}

bool db_listen(struct db *db, const char *channel)
{
	if (!channel_valid(db, channel))
		return false;
	for (int i = 0; i < db->channel_count; i++)
		if (strcmp(db->channels[i], channel) == 0)
			return db->conn ? issue_listen(db, channel) : true;
	if (db->channel_count == DB_MAX_LISTEN) {
		db_set_error(db, "too many LISTEN channels (at most %d)", DB_MAX_LISTEN);
		return false;
	}
	snprintf(db->channels[db->channel_count++], DB_CHANNEL_MAX + 1, "%s", channel);
	return db->conn ? issue_listen(db, channel) : true; /* else issued on connect */
}

bool db_notify(struct db *db, const char *channel, const char *payload)
{
	if (!channel_valid(db, channel))
		return false;
	const char *params[] = {channel, payload ? payload : ""};
	return db_command(db, "SELECT pg_notify($1, $2)", 2, params);
}

int db_socket(struct db *db)
{
	return db->conn ? PQsocket(db->conn) : -1;
}

int db_drain_notifications(struct db *db, db_notify_fn fn, void *arg)
{
	if (!require_connection(db))
		return -1;
	if (!PQconsumeInput(db->conn) || PQstatus(db->conn) == CONNECTION_BAD) {
		db_set_error(db, "PostgreSQL %s: %s", db->target, PQerrorMessage(db->conn));
		db->lost = true;
		return -1;
	}
	int count = 0;
	PGnotify *n;
	while ((n = PQnotifies(db->conn)) != NULL) {
		if (fn)
			fn(n->relname, n->extra, arg);
		PQfreemem(n);
		count++;
	}
	return count;
}
