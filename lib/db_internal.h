/*
 * db_internal.h: shared between the lib/db*.c files only (not for callers).
 */
#ifndef CONNECTOR_DB_INTERNAL_H
#define CONNECTOR_DB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#define DB_MAX_LISTEN  8
#define DB_CHANNEL_MAX 63

struct db {
	char *conninfo;
	char *schema;
	char *app_name;
	char *target; /* password-free description */
	PGconn *conn;
	uint64_t generation;
	int connect_timeout_s;
	char channels[DB_MAX_LISTEN][DB_CHANNEL_MAX + 1];
	int channel_count;
	char error[1024];
	char sqlstate[6];
	bool lost;
};

char *db_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* NULL and *error set when conninfo does not parse. */
char *db_conninfo_target(const char *conninfo, char **error);
int db_conninfo_timeout_s(const char *conninfo);
/* Records an error text (redacted, trailing newline removed) and clears the SQLSTATE. */
void db_set_error(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records the error of a failed result (or of the connection when res is NULL). */
void db_set_result_error(struct db *db, const PGresult *res);
/* Issues LISTEN for every remembered channel on a fresh connection. */
bool db_relisten(struct db *db);

#endif
