/*
 * test_db_migrate.c: migrations against a real PostgreSQL: order and idempotence, refusals
 * (changed, renamed, unknown future, out-of-order, badly named files), a failing file leaves
 * nothing, independent schemas per dbName, concurrent connector-migrate processes applying each
 * file once, the shipped sql/ files, and connector-migrate's exit codes (0, 75, 78).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"
#include "tap.h"
#include "test_db_util.h"

static const char *conninfo;
static char fixtures[64];

static struct db *open_schema(const char *schema)
{
	char *error = NULL;
	struct db *db = db_new(conninfo, schema, "test-migrate", &error);
	if (!db || db_connect(db) != DB_OK) {
		printf("Bail out! cannot connect: %s\n", db ? db_error(db) : error);
		exit(1);
	}
	return db;
}

static enum migrate_status migrate_schema(const char *schema, const char *dir, struct migrate_result *r, char **error)
{
	struct db *db = open_schema(schema);
	enum migrate_status s = migrate_run(db, dir, r, error);
	db_free(db);
	return s;
}

static void write_base_files(void)
{
	tdb_write_file(fixtures, "0001_first.sql",
	               "CREATE TABLE t1 (id int PRIMARY KEY);\n"
	               "CREATE TABLE applied_log (file text);\n"
	               "INSERT INTO applied_log VALUES ('0001');\n");
	tdb_write_file(fixtures, "0002_second.sql",
	               "ALTER TABLE t1 ADD COLUMN label text;\n"
	               "INSERT INTO applied_log VALUES ('0002');\n");
	tdb_write_file(fixtures, "10_tenth.sql",
	               "SELECT pg_sleep(0.3);\n"
	               "INSERT INTO applied_log VALUES ('10');\n");
	tdb_write_file(fixtures, "README", "not a migration\n");
}

static void test_order_and_idempotence(void)
{
	struct migrate_result r = {0};
	char *error = NULL;
	is_int(migrate_schema("acc_a", fixtures, &r, &error), MIGRATE_OK, "fresh schema migrates");
	is_int(r.applied, 3, "three files applied");
	is_int(r.current_version, 10, "current version 10");
	char *order = tdb_query(conninfo, "SELECT string_agg(file, ',' ORDER BY ctid) FROM acc_a.applied_log");
	is_str(order, "0001,0002,10", "files ran in version order (10 after 0002)");
	free(order);
	char *names = tdb_query(conninfo, "SELECT string_agg(version || ':' || name, ',' ORDER BY version) "
	                                  "FROM acc_a.schema_migrations");
	is_str(names, "1:0001_first,2:0002_second,10:10_tenth", "schema_migrations lists version and name");
	free(names);
	is_int(tdb_int("SELECT count(*) FROM acc_a.schema_migrations WHERE length(checksum) = 64 "
	               "AND applied_at IS NOT NULL"),
	       3, "each row has a sha256 checksum and applied_at");
	is_int(migrate_schema("acc_a", fixtures, &r, &error), MIGRATE_OK, "second run succeeds");
	is_int(r.applied, 0, "second run applies nothing");
	is_int(tdb_int("SELECT count(*) FROM acc_a.applied_log"), 3, "no file ran twice");
}

static void expect_refusal(const char *what, const char *needle)
{
	struct migrate_result r = {0};
	char *error = NULL;
	long long before = tdb_int("SELECT count(*) FROM acc_a.applied_log");
	enum migrate_status s = migrate_schema("acc_a", fixtures, &r, &error);
	ok(s == MIGRATE_REFUSED && error && strstr(error, needle), "%s is refused: %s", what, error ? error : "");
	is_int(tdb_int("SELECT count(*) FROM acc_a.applied_log"), before, "nothing ran after the refusal");
	free(error);
}

static void test_refusals(void)
{
	tdb_write_file(fixtures, "0002_second.sql",
	               "ALTER TABLE t1 ADD COLUMN label text; -- edited\n"
	               "INSERT INTO applied_log VALUES ('0002');\n");
	tdb_write_file(fixtures, "0011_more.sql", "INSERT INTO applied_log VALUES ('0011');\n");
	expect_refusal("a changed applied file", "0002_second.sql changed");
	tdb_write_file(fixtures, "0002_second.sql",
	               "ALTER TABLE t1 ADD COLUMN label text;\n"
	               "INSERT INTO applied_log VALUES ('0002');\n");
	tdb_write_file(fixtures, "0005_late.sql", "SELECT 1;\n");
	expect_refusal("an unapplied file older than the newest applied", "0005_late.sql is older");
	char path[128];
	snprintf(path, sizeof(path), "%s/0005_late.sql", fixtures);
	unlink(path);
	tdb_write_file(fixtures, "0003-Bad Name.sql", "SELECT 1;\n");
	expect_refusal("a badly named file", "NNNN_name.sql");
	snprintf(path, sizeof(path), "%s/0003-Bad Name.sql", fixtures);
	unlink(path);
	free(tdb_query(conninfo, "INSERT INTO acc_a.schema_migrations (version, name, checksum) "
	                         "VALUES (99, '0099_future', 'x')"));
	expect_refusal("an applied version this build does not know", "0099_future");
	free(tdb_query(conninfo, "DELETE FROM acc_a.schema_migrations WHERE version = 99"));
	struct migrate_result r = {0};
	char *error = NULL;
	is_int(migrate_schema("acc_a", fixtures, &r, &error), MIGRATE_OK, "after fixing, the new file applies");
	is_int(r.applied, 1, "exactly 0011 applied");
	snprintf(path, sizeof(path), "%s/0011_more.sql", fixtures);
	unlink(path);
}

static void test_failing_file(void)
{
	char dir[64] = "/tmp/tdbfailXXXXXX";
	if (!mkdtemp(dir))
		return;
	tdb_write_file(dir, "0001_ok.sql", "CREATE TABLE fine (v int);\n");
	tdb_write_file(dir, "0002_broken.sql", "CREATE TABLE half (v int);\nSELECT * FROM no_such_table;\n");
	struct migrate_result r = {0};
	char *error = NULL;
	enum migrate_status s = migrate_schema("acc_fail", dir, &r, &error);
	ok(s == MIGRATE_FAILED && error && strstr(error, "0002_broken.sql") && strstr(error, "no_such_table"),
	   "a failing statement fails the run naming the file: %s", error ? error : "");
	free(error);
	is_int(tdb_int("SELECT count(*) FROM pg_tables WHERE schemaname = 'acc_fail' AND tablename = 'half'"), 0,
	       "the failing file's earlier statements were rolled back");
	is_int(tdb_int("SELECT max(version) FROM acc_fail.schema_migrations"), 1, "only 0001 is recorded");
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "fixture removed");
}

static void test_two_schemas(void)
{
	struct migrate_result r = {0};
	char *error = NULL;
	is_int(migrate_schema("acc_b", fixtures, &r, &error), MIGRATE_OK, "a second dbName migrates");
	is_int(r.applied, 3, "the second schema gets its own copy of every file");
	free(tdb_query(conninfo, "INSERT INTO acc_b.t1 (id) VALUES (1)"));
	is_int(tdb_int("SELECT count(*) FROM acc_a.t1"), 0, "rows of one schema are invisible in the other");
	is_int(tdb_int("SELECT count(*) FROM acc_a.schema_migrations"), 4, "acc_a keeps its own versions");
	is_int(tdb_int("SELECT count(*) FROM acc_b.schema_migrations"), 3, "acc_b keeps its own versions");
}

static pid_t spawn_migrate(const char *conn, const char *schema, const char *dir)
{
	const char *builddir = getenv("CONNECTOR_BUILDDIR");
	char binary[512];
	snprintf(binary, sizeof(binary), "%s/connector-migrate", builddir ? builddir : ".");
	pid_t pid = fork();
	if (pid == 0) {
		unsetenv("CONNECTOR_WORKER_ROLE");
		unsetenv("CONNECTOR_CONFIG_FILE");
		if (conn)
			setenv("DATABASE_CONNECTION_STRING", conn, 1);
		else
			unsetenv("DATABASE_CONNECTION_STRING");
		setenv("DATABASE_NAME", schema, 1);
		execl(binary, binary, "--sql-dir", dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int wait_exit(pid_t pid)
{
	int status = 0;
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void test_concurrent_processes(void)
{
	pid_t pids[4];
	for (int i = 0; i < 4; i++)
		pids[i] = spawn_migrate(conninfo, "acc_c", fixtures);
	int zero = 0;
	for (int i = 0; i < 4; i++)
		zero += wait_exit(pids[i]) == 0;
	is_int(zero, 4, "four connector-migrate started at once all exit 0");
	is_int(tdb_int("SELECT count(*) FROM acc_c.applied_log"), 3, "each file ran exactly once");
	is_int(tdb_int("SELECT count(*) FROM acc_c.schema_migrations"), 3, "each file recorded once");
}

static void test_exit_codes(void)
{
	const char *sql_dir = getenv("CONNECTOR_SQL_DIR");
	char dir[512];
	snprintf(dir, sizeof(dir), "%s", sql_dir ? sql_dir : "../sql");
	is_int(wait_exit(spawn_migrate(conninfo, "acc_real", dir)), 0, "shipped sql/ applies: exit 0");
	is_int(tdb_int("SELECT count(*) FROM pg_tables WHERE schemaname = 'acc_real' AND tablename IN "
	               "('outbox_events', 'outbox_consumers', 'outbox_deliveries', 'schema_migrations')"),
	       4, "shipped migrations create the outbox tables");
	is_int(wait_exit(spawn_migrate(conninfo, "acc_real", dir)), 0, "current schema: exit 0 again");
	is_int(wait_exit(spawn_migrate("host=/nonexistent-dir port=5432", "acc_real", dir)), 75,
	       "unreachable server: exit 75");
	is_int(wait_exit(spawn_migrate(NULL, "acc_real", dir)), 78, "missing connection string: exit 78");
	is_int(wait_exit(spawn_migrate("this is not a conninfo", "acc_real", dir)), 78,
	       "unparsable connection string: exit 78");
	is_int(wait_exit(spawn_migrate(conninfo, "pg_reserved", dir)), 78, "invalid dbName: exit 78");
	tdb_write_file(fixtures, "0002_second.sql", "SELECT 'edited';\n");
	is_int(wait_exit(spawn_migrate(conninfo, "acc_c", fixtures)), 78, "changed applied file: exit 78");
}

/* Runs connector-migrate as connectord does: CONNECTOR_CONFIG_FILE and a notify pipe on fd 3. */
static int run_supervised(const char *config_json, const char *dir, char *notes, size_t notes_len)
{
	tdb_write_file(fixtures, "effective.json", config_json);
	char config[128], binary[512];
	snprintf(config, sizeof(config), "%s/effective.json", fixtures);
	const char *builddir = getenv("CONNECTOR_BUILDDIR");
	snprintf(binary, sizeof(binary), "%s/connector-migrate", builddir ? builddir : ".");
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], 3);
		setenv("CONNECTOR_WORKER_ROLE", "migrate", 1);
		setenv("CONNECTOR_CONFIG_FILE", config, 1);
		setenv("DATABASE_NAME", "ignored_when_supervised", 1);
		execl(binary, binary, "--index", "1", "--sql-dir", dir, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t used = 0;
	ssize_t n;
	while (used + 1 < notes_len && (n = read(fds[0], notes + used, notes_len - used - 1)) > 0)
		used += (size_t)n;
	notes[used] = '\0';
	close(fds[0]);
	return wait_exit(pid);
}

static void test_supervised(const char *dir)
{
	char json[2048], escaped[1400], notes[1024];
	size_t j = 0;
	for (const char *p = conninfo; *p && j + 2 < sizeof(escaped); p++) {
		if (*p == '"' || *p == '\\')
			escaped[j++] = '\\';
		escaped[j++] = *p;
	}
	escaped[j] = '\0';
	snprintf(json, sizeof(json), "{\"database\": {\"connectionString\": \"%s\", \"dbName\": \"acc_sup\"}}",
	         escaped);
	is_int(run_supervised(json, dir, notes, sizeof(notes)), 0, "supervised run (CONNECTOR_CONFIG_FILE): exit 0");
	ok(strstr(notes, "STATUS migrating\n") != NULL, "it reports progress as STATUS lines on fd 3");
	is_int(tdb_int("SELECT count(*) FROM acc_sup.schema_migrations WHERE version = 1"), 1,
	       "the configured dbName was migrated");
	is_int(run_supervised("{\"database\": {\"dbName\": \"acc_sup\"}}", dir, notes, sizeof(notes)), 78,
	       "supervised without database.connectionString: exit 78");
}

int main(void)
{
	conninfo = tdb_setup(NULL, "migrate");
	snprintf(fixtures, sizeof(fixtures), "/tmp/tdbmigXXXXXX");
	if (!mkdtemp(fixtures)) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	write_base_files();
	test_order_and_idempotence();
	test_refusals();
	test_failing_file();
	test_two_schemas();
	test_concurrent_processes();
	test_exit_codes();
	const char *sql_dir = getenv("CONNECTOR_SQL_DIR");
	test_supervised(sql_dir ? sql_dir : "../sql");
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fixtures);
	ok(system(cmd) == 0, "fixtures removed");
	return tap_done();
}
