/*
 * test_db_util.h: helpers of the PostgreSQL tests (test_db*.c). Every test program works in a
 * database of its own, created from CONNECTOR_TEST_DATABASE (a superuser connection string) and
 * dropped at exit; without that variable the program prints a TAP skip.
 */
#ifndef CONNECTOR_TEST_DB_UTIL_H
#define CONNECTOR_TEST_DB_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <libpq-fe.h>

static char tdb_admin[1024], tdb_name[64], tdb_conninfo[1200];

/* conninfo with dbname replaced (works for key=value strings and URIs). */
static inline char *tdb_with_dbname(const char *conninfo, const char *dbname, char *out, size_t len)
{
	PQconninfoOption *options = PQconninfoParse(conninfo, NULL);
	size_t used = 0;
	out[0] = '\0';
	for (PQconninfoOption *o = options; o && o->keyword; o++) {
		const char *value = strcmp(o->keyword, "dbname") == 0 ? dbname : o->val;
		if (!value || !*value)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s='", used ? " " : "", o->keyword);
		for (const char *p = value; *p && used + 3 < len; p++) {
			if (*p == '\'' || *p == '\\')
				out[used++] = '\\';
			out[used++] = *p;
		}
		used += (size_t)snprintf(out + used, len - used, "'");
	}
	PQconninfoFree(options);
	return out;
}

/* Runs one statement on conninfo; returns the first value (malloc'd, "" when none) or NULL on error. */
static inline char *tdb_query(const char *conninfo, const char *sql)
{
	PGconn *c = PQconnectdb(conninfo);
	char *value = NULL;
	if (PQstatus(c) == CONNECTION_OK) {
		PGresult *r = PQexec(c, sql);
		ExecStatusType s = PQresultStatus(r);
		if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
			value = strdup(PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "");
		else
			fprintf(stdout, "# query failed: %s", PQresultErrorMessage(r));
		PQclear(r);
	} else {
		fprintf(stdout, "# connect failed: %s", PQerrorMessage(c));
	}
	PQfinish(c);
	return value;
}

/* tdb_query in the test's database, returning an integer (-1 on error). */
static inline long long tdb_int(const char *sql)
{
	char *v = tdb_query(tdb_conninfo, sql);
	long long n = v ? atoll(v) : -1;
	free(v);
	return n;
}

static inline void tdb_drop(void)
{
	char sql[128];
	if (!tdb_name[0])
		return;
	snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", tdb_name);
	free(tdb_query(tdb_admin, sql));
	tdb_name[0] = '\0';
}

/*
 * Creates the test's database on the server of admin_conninfo (NULL: CONNECTOR_TEST_DATABASE,
 * skipping the whole program when unset). Returns the connection string of the new database.
 */
static inline const char *tdb_setup(const char *admin_conninfo, const char *tag)
{
	if (!admin_conninfo) {
		admin_conninfo = getenv("CONNECTOR_TEST_DATABASE");
		if (!admin_conninfo || !*admin_conninfo) {
			printf("1..0 # SKIP CONNECTOR_TEST_DATABASE not set\n");
			exit(0);
		}
	}
	unsigned int r = 0;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned int)getpid();
	snprintf(tdb_admin, sizeof(tdb_admin), "%s", admin_conninfo);
	snprintf(tdb_name, sizeof(tdb_name), "t_%s_%d_%08x", tag, (int)getpid(), r);
	char sql[128];
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", tdb_name);
	char *ok = tdb_query(tdb_admin, sql);
	if (!ok) {
		printf("Bail out! cannot create database %s\n", tdb_name);
		exit(1);
	}
	free(ok);
	atexit(tdb_drop);
	return tdb_with_dbname(tdb_admin, tdb_name, tdb_conninfo, sizeof(tdb_conninfo));
}

/* Writes text to dir/name (for migration fixtures). */
static inline void tdb_write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

#endif
