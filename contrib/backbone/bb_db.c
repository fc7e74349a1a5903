/*
 * bb_db.c: the Backbone's PostgreSQL connection: query parameters, queries that turn failures into
 * a 500 on the request, column accessors, and applying the embedded schema into the configured
 * PostgreSQL schema under an advisory lock at start.
 */
#include "bb.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "timeutil.h"

extern const char bb_schema_sql[];

static void param_push(struct bb_params *p, const char *v, int len, int fmt)
{
	if (p->n >= BB_MAX_PARAMS)
		fatalx(70, "too many query parameters");
	p->v[p->n] = v;
	p->len[p->n] = len;
	p->fmt[p->n] = fmt;
	p->n++;
}

void bb_p_text(struct bb_params *p, const char *s)
{
	param_push(p, s, 0, 0);
}

void bb_p_i64(struct bb_params *p, int64_t v)
{
	snprintf(p->num[p->n], sizeof p->num[0], "%" PRId64, v);
	param_push(p, p->num[p->n], 0, 0);
}

void bb_p_bool(struct bb_params *p, bool v)
{
	param_push(p, v ? "t" : "f", 0, 0);
}

void bb_p_bytes(struct bb_params *p, const unsigned char *data, size_t len)
{
	param_push(p, data ? (const char *)data : NULL, (int)len, 1);
}

PGresult *bb_q(struct bb_req *r, const char *sql, const struct bb_params *p)
{
	static const struct bb_params none;
	if (!p)
		p = &none;
	PGresult *res = PQexecParams(r->srv->db, sql, p->n, NULL, p->v, p->len, p->fmt, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
		return res;
	log_error("Database", "query failed: %s (%.80s)", PQresultErrorMessage(res), sql);
	PQclear(res);
	bb_unexpected(r, "database error");
	return NULL;
}

bool bb_exec(struct bb_req *r, const char *sql, const struct bb_params *p)
{
	PGresult *res = bb_q(r, sql, p);
	PQclear(res);
	return res != NULL;
}

const char *bb_col(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

int64_t bb_col_i64(PGresult *res, int row, int col)
{
	const char *v = bb_col(res, row, col);
	return v ? strtoll(v, NULL, 10) : 0;
}

bool bb_col_bool(PGresult *res, int row, int col)
{
	const char *v = bb_col(res, row, col);
	return v && v[0] == 't';
}

json_object *bb_col_json_str(PGresult *res, int row, int col)
{
	return bb_jstr(bb_col(res, row, col));
}

json_object *bb_col_json_date(PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return bb_jdate(bb_col_i64(res, row, col));
}

bool bb_db_simple(PGconn *db, const char *sql)
{
	PGresult *res = PQexec(db, sql);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		log_error("Database", "%s", PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

static void quiet_notices(void *arg, const PGresult *res)
{
	(void)arg, (void)res;
}

static bool apply_schema(struct bb_server *srv)
{
	char sql[256];
	if (!bb_db_simple(srv->db, "SELECT pg_advisory_lock(hashtext('connector-backbone-dev'))"))
		return false;
	snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS \"%s\"; SET search_path TO \"%s\"", srv->cfg.schema,
	         srv->cfg.schema);
	bool ok = bb_db_simple(srv->db, sql) && bb_db_simple(srv->db, bb_schema_sql);
	bb_db_simple(srv->db, "SELECT pg_advisory_unlock(hashtext('connector-backbone-dev'))");
	return ok;
}

bool bb_db_connect(struct bb_server *srv)
{
	srv->db = PQconnectdb(srv->cfg.database);
	if (PQstatus(srv->db) != CONNECTION_OK) {
		log_error("Database", "cannot connect: %s", PQerrorMessage(srv->db));
		return false;
	}
	PQsetNoticeReceiver(srv->db, quiet_notices, NULL);
	if (!bb_db_simple(srv->db, "SET client_min_messages TO warning"))
		return false;
	return apply_schema(srv);
}
