/*
 * migrate.c: reads the migration files of a directory, checks them against schema_migrations and
 * applies the pending ones in order (see migrate.h for the rules). The advisory lock is held from
 * before schema_migrations is read until the last file is committed, and always released.
 */
#include "migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"

#define MIGRATION_NAME_MAX 200

struct migration {
	int version;
	char name[MIGRATION_NAME_MAX]; /* file name without ".sql" */
	char checksum[65];
	char *sql;
};

struct migration_set {
	struct migration *items;
	size_t count;
};

static const char create_table_sql[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version integer PRIMARY KEY,"
                                       " name text NOT NULL,"
                                       " checksum text NOT NULL,"
                                       " applied_at timestamptz NOT NULL DEFAULT now())";

static char *strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *strdupf(const char *fmt, ...)
{
	va_list ap;
	char *out = NULL;
	va_start(ap, fmt);
	if (vasprintf(&out, fmt, ap) < 0)
		fatal(1, "vasprintf");
	va_end(ap);
	return out;
}

void migrate_checksum(const char *data, size_t len, char out[65])
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)data, len);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

/* "0001_outbox.sql" -> version 1, name "0001_outbox"; false when the name breaks the pattern. */
static bool parse_file_name(const char *file, int *version, char *name)
{
	size_t len = strlen(file), digits = strspn(file, "0123456789");
	if (len < 4 || strcmp(file + len - 4, ".sql") != 0 || digits == 0 || digits > 9 || file[digits] != '_' ||
	    len - 4 >= MIGRATION_NAME_MAX)
		return false;
	for (size_t i = digits + 1; i < len - 4; i++)
		if (!islower((unsigned char)file[i]) && !isdigit((unsigned char)file[i]) && file[i] != '_')
			return false;
	if (digits + 1 == len - 4)
		return false;
	*version = atoi(file);
	memcpy(name, file, len - 4);
	name[len - 4] = '\0';
	return *version > 0;
}

static char *read_file(const char *path, size_t *len, char **error)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		*error = strdupf("migration %s: %s", path, strerror(errno));
		return NULL;
	}
	char *data = NULL;
	size_t cap = 0;
	*len = 0;
	for (;;) {
		if (*len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			char *grown = realloc(data, cap);
			if (!grown)
				fatal(1, "realloc");
			data = grown;
		}
		size_t n = fread(data + *len, 1, cap - *len - 1, f);
		*len += n;
		if (n == 0)
			break;
	}
	bool failed = ferror(f);
	fclose(f);
	data[*len] = '\0';
	if (failed || strlen(data) != *len) {
		*error = strdupf("migration %s: %s", path, failed ? "read error" : "contains a NUL byte");
		free(data);
		return NULL;
	}
	return data;
}

static void free_set(struct migration_set *set)
{
	for (size_t i = 0; i < set->count; i++)
		free(set->items[i].sql);
	free(set->items);
	set->items = NULL;
	set->count = 0;
}

static int by_version(const void *a, const void *b)
{
	const struct migration *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

static bool add_file(struct migration_set *set, const char *dir, const char *file, char **error)
{
	struct migration m = {0};
	if (!parse_file_name(file, &m.version, m.name)) {
		*error = strdupf("migration %s/%s: the name must be NNNN_name.sql with name of [a-z0-9_]", dir, file);
		return false;
	}
	char *path = strdupf("%s/%s", dir, file);
	size_t len = 0;
	m.sql = read_file(path, &len, error);
	free(path);
	if (!m.sql)
		return false;
	migrate_checksum(m.sql, len, m.checksum);
	struct migration *grown = realloc(set->items, (set->count + 1) * sizeof(*grown));
	if (!grown)
		fatal(1, "realloc");
	set->items = grown;
	set->items[set->count++] = m;
	return true;
}

static bool load_set(const char *dir, struct migration_set *set, char **error)
{
	DIR *d = opendir(dir);
	if (!d) {
		*error = strdupf("migrations directory %s: %s", dir, strerror(errno));
		return false;
	}
	struct dirent *e;
	bool ok = true;
	while (ok && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0)
			ok = add_file(set, dir, e->d_name, error);
	}
	closedir(d);
	if (!ok)
		return false;
	qsort(set->items, set->count, sizeof(*set->items), by_version);
	for (size_t i = 1; i < set->count; i++)
		if (set->items[i].version == set->items[i - 1].version) {
			*error = strdupf("migrations %s and %s share version %d", set->items[i - 1].name,
			                 set->items[i].name, set->items[i].version);
			return false;
		}
	return true;
}

static struct migration *find_version(struct migration_set *set, int version)
{
	for (size_t i = 0; i < set->count; i++)
		if (set->items[i].version == version)
			return &set->items[i];
	return NULL;
}

/* Compares schema_migrations with the files; marks applied ones by clearing their sql. */
static enum migrate_status check_applied(struct db *db, struct migration_set *set, int *newest, char **error)
{
	PGresult *res = db_exec(db, "SELECT version, name, checksum FROM schema_migrations ORDER BY version", 0, NULL);
	if (!res)
		return MIGRATE_FAILED;
	enum migrate_status status = MIGRATE_OK;
	for (int row = 0; status == MIGRATE_OK && row < PQntuples(res); row++) {
		int version = atoi(PQgetvalue(res, row, 0));
		const char *name = PQgetvalue(res, row, 1), *checksum = PQgetvalue(res, row, 2);
		struct migration *m = find_version(set, version);
		*newest = version;
		if (!m)
			*error = strdupf(
			        "schema \"%s\" has migration %s applied, which this installation does not have: "
			        "refusing to run an older Connector against a newer schema",
			        db_schema(db), name);
		else if (strcmp(m->name, name) != 0)
			*error = strdupf("migration %d was applied as %s but the file is now %s.sql", version, name,
			                 m->name);
		else if (strcmp(m->checksum, checksum) != 0)
			*error = strdupf("migration %s.sql changed after it was applied to schema \"%s\" (checksum %s, "
			                 "applied %s): applied migrations must never be edited",
			                 m->name, db_schema(db), m->checksum, checksum);
		else {
			free(m->sql);
			m->sql = NULL;
			continue;
		}
		status = MIGRATE_REFUSED;
	}
	PQclear(res);
	for (size_t i = 0; status == MIGRATE_OK && i < set->count; i++)
		if (set->items[i].sql && set->items[i].version < *newest) {
			*error = strdupf("migration %s.sql is older than the newest applied version %d but was never "
			                 "applied: give it a higher number",
			                 set->items[i].name, *newest);
			status = MIGRATE_REFUSED;
		}
	return status;
}

static bool apply_one(struct db *db, const struct migration *m, char **error)
{
	char version[16];
	snprintf(version, sizeof(version), "%d", m->version);
	const char *params[] = {version, m->name, m->checksum};
	if (db_begin(db) && db_exec_script(db, m->sql) &&
	    db_command(db, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", 3, params) &&
	    db_commit(db)) {
		log_info("Migrate", "applied %s.sql to schema \"%s\"", m->name, db_schema(db));
		return true;
	}
	*error = strdupf("migration %s.sql on schema \"%s\": %s", m->name, db_schema(db), db_error(db));
	db_rollback(db);
	return false;
}

static enum migrate_status failure(struct db *db, char **error)
{
	if (!*error)
		*error = strdupf("schema \"%s\": %s", db_schema(db), db_error(db));
	return db_connection_lost(db) ? MIGRATE_UNREACHABLE : MIGRATE_FAILED;
}

static enum migrate_status run_locked(struct db *db, struct migration_set *set, struct migrate_result *result,
                                      char **error)
{
	if (!db_exec_script(db, create_table_sql))
		return failure(db, error);
	enum migrate_status status = check_applied(db, set, &result->current_version, error);
	if (status == MIGRATE_FAILED)
		return failure(db, error);
	for (size_t i = 0; status == MIGRATE_OK && i < set->count; i++) {
		if (!set->items[i].sql)
			continue;
		if (!apply_one(db, &set->items[i], error))
			return failure(db, error);
		result->applied++;
		result->current_version = set->items[i].version;
	}
	return status;
}

enum migrate_status migrate_run(struct db *db, const char *sql_dir, struct migrate_result *result, char **error)
{
	struct migration_set set = {0};
	struct migrate_result local = {0};
	*error = NULL;
	if (sodium_init() < 0)
		fatalx(1, "sodium_init failed");
	if (!load_set(sql_dir, &set, error)) {
		free_set(&set);
		return MIGRATE_REFUSED;
	}
	if (!db_advisory_lock(db, DB_LOCK_MIGRATE)) {
		free_set(&set);
		return failure(db, error);
	}
	enum migrate_status status = run_locked(db, &set, &local, error);
	if (db_is_connected(db) && !db_advisory_unlock(db, DB_LOCK_MIGRATE) && status == MIGRATE_OK)
		status = failure(db, error);
	free_set(&set);
	if (result)
		*result = local;
	return status;
}
