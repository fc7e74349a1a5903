/*
 * migrate.h: schema migrations. The migrations are the files NNNN_name.sql (NNNN: the version, one
 * or more digits; name: [a-z0-9_]) of one directory, applied in version order to the account schema
 * of a connected struct db, each inside its own transaction together with its row in
 * schema_migrations (version, name, checksum, applied_at), all under a session advisory lock keyed
 * by the schema, so concurrent starters (several hosts) serialise and each file is applied once.
 *
 * Refusals (nothing is applied): a file name that does not follow the pattern, two files with one
 * version, an applied migration whose file changed (checksum) or was renamed, an applied version
 * that no file has (the database is newer than this build), a file older than the newest applied
 * version that was never applied (out of order).
 */
#ifndef CONNECTOR_MIGRATE_H
#define CONNECTOR_MIGRATE_H

#include "db.h"

enum migrate_status {
	MIGRATE_OK = 0,
	MIGRATE_REFUSED,     /* files or schema_migrations disagree: fix the installation (exit 78) */
	MIGRATE_UNREACHABLE, /* the server went away: retry later (exit 75) */
	MIGRATE_FAILED,      /* a statement failed (exit 1) */
};

struct migrate_result {
	int applied;         /* files applied by this run */
	int current_version; /* newest version in the schema afterwards (0: none) */
};

/* *error (malloc'd) names the file and the reason when the status is not MIGRATE_OK. */
enum migrate_status migrate_run(struct db *db, const char *sql_dir, struct migrate_result *result, char **error);

/* Lowercase hex SHA-256 of data into out (65 bytes). */
void migrate_checksum(const char *data, size_t len, char out[65]);

#endif
