/*
 * test_db.c: lib/db against a real PostgreSQL: validation and password-free errors, schema set-up
 * with a hostile schema name, parameters, transactions, LISTEN/NOTIFY, and reconnection after the
 * server ends the session. (Reconnection across a server restart: test_db_reconnect.c.)
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "db_settings.h"
#include "tap.h"
#include "test_db_util.h"

static void test_redaction(void)
{
	char text[256];
	snprintf(text, sizeof(text), "failed for host=x password=Secr3t! sslmode=require");
	db_redact_password("host=x password=Secr3t! sslmode=require", text);
	ok(strstr(text, "Secr3t!") == NULL && strstr(text, "***"), "key=value password redacted: %s", text);
	snprintf(text, sizeof(text), "bad URI postgresql://bob:p%%40ss@h/db and p@ss");
	db_redact_password("postgresql://bob:p%40ss@h/db", text);
	ok(strstr(text, "p%40ss") == NULL && strstr(text, "p@ss") == NULL, "URI password redacted raw and decoded: %s",
	   text);
	snprintf(text, sizeof(text), "x 'quoted pw' y");
	db_redact_password("password='quoted pw' host=h", text);
	ok(strstr(text, "quoted pw") == NULL, "quoted password redacted");
}

static void test_validation(void)
{
	char *error = NULL;
	ok(db_new("", "acc", "t", &error) == NULL && strstr(error, "database.connectionString"),
	   "empty connection string names the field");
	free(error);
	ok(db_new("host=x", "pg_acc", "t", &error) == NULL && strstr(error, "database.dbName"),
	   "pg_ schema names refused naming database.dbName");
	free(error);
	ok(db_new("host=x", "", "t", &error) == NULL && strstr(error, "database.dbName"), "empty dbName refused");
	free(error);
	char long_name[80];
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	ok(db_new("host=x", long_name, "t", &error) == NULL && strstr(error, "at most 63"), "64-byte dbName refused");
	free(error);
	struct db *none = db_new("host=x nonsense password=hunter22", "acc", "t", &error);
	ok(none == NULL && strstr(error, "database.connectionString") && !strstr(error, "hunter22"),
	   "unparsable string refused without its password: %s", error);
	free(error);
	json_object *root = json_tokener_parse("{\"database\":{\"connectionString\":\"host=x\","
	                                       "\"outboxRetentionHours\":\"abc\"}}");
	struct db_settings s;
	bool read = db_settings_read(root, &s, &error);
	ok(!read && strstr(error, "database.outboxRetentionHours"), "settings: bad retention names the key: %s", error);
	free(error);
	json_object_put(root);
	root = json_tokener_parse("{\"database\":{\"connectionString\":\"host=x\"}}");
	ok(db_settings_read(root, &s, &error) && strcmp(s.db_name, "default") == 0 && s.outbox_retention_hours == 168,
	   "settings: defaults dbName \"default\" and 168 h");
	json_object_put(root);
}

static void count_tick(void *arg)
{
	(*(int *)arg)++;
}

static void test_unreachable(void)
{
	char *error = NULL;
	struct db *db = db_new("host=/nonexistent-dir port=5432 user=u password=topsecret", "acc", "t", &error);
	is_int(db_connect(db), DB_ERR_UNREACHABLE, "unreachable server is DB_ERR_UNREACHABLE");
	ok(!strstr(db_error(db), "topsecret") && strstr(db_error(db), "/nonexistent-dir"),
	   "error names the target, not the password: %s", db_error(db));
	int ticks = 0;
	struct db_retry retry = {
	        .floor_ms = 10, .cap_ms = 40, .max_attempts = 3, .tick_ms = 5, .tick = count_tick, .arg = &ticks};
	ok(!db_ensure_connected(db, &retry), "db_ensure_connected gives up after max_attempts");
	ok(ticks >= 3, "the tick callback ran while waiting (%d ticks)", ticks);
	db_free(db);
}

static void test_schema_and_exec(const char *conninfo)
{
	char *error = NULL;
	const char *hostile = "Acc \"x\"; DROP SCHEMA public";
	struct db *db = db_new(conninfo, hostile, "test-db", &error);
	ok(db && db_connect(db) == DB_OK, "connects and creates a schema with a hostile name");
	PGresult *res = db_exec(db, "SELECT current_schema()", 0, NULL);
	is_str(res ? PQgetvalue(res, 0, 0) : NULL, hostile, "search_path is exactly the account schema");
	PQclear(res);
	is_int(tdb_int("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'"), 1, "public schema untouched");
	const char *params[] = {"hello", NULL};
	res = db_exec(db, "SELECT $1::text || '!', $2::text IS NULL", 2, params);
	ok(res && strcmp(PQgetvalue(res, 0, 0), "hello!") == 0 && strcmp(PQgetvalue(res, 0, 1), "t") == 0,
	   "parameters and NULL round-trip");
	PQclear(res);
	ok(!db_command(db, "SELECT * FROM no_such_table", 0, NULL) && strcmp(db_sqlstate(db), "42P01") == 0 &&
	           !db_connection_lost(db),
	   "a failing statement reports SQLSTATE 42P01, connection kept");
	ok(db_command(db, "CREATE TABLE t (v int)", 0, NULL), "table created in the account schema");
	ok(db_begin(db) && db_command(db, "INSERT INTO t VALUES (1)", 0, NULL) && db_in_transaction(db),
	   "insert inside a transaction");
	db_rollback(db);
	ok(!db_in_transaction(db), "rollback ends the transaction");
	ok(db_begin(db) && db_command(db, "INSERT INTO t VALUES (2)", 0, NULL) && db_commit(db), "commit");
	res = db_exec(db, "SELECT coalesce(sum(v), 0) FROM t", 0, NULL);
	is_str(res ? PQgetvalue(res, 0, 0) : NULL, "2", "only the committed row exists");
	PQclear(res);
	struct db *again = db_new(conninfo, hostile, "test-db", &error);
	ok(again && db_connect(again) == DB_OK && db_command(again, "SELECT v FROM t", 0, NULL),
	   "a second connection finds the existing schema");
	db_free(again);
	db_free(db);
}

static void on_note(const char *channel, const char *payload, void *arg)
{
	char *seen = arg;
	snprintf(seen, 128, "%s:%s", channel, payload);
}

static void wait_notification(struct db *db, char *seen)
{
	for (int i = 0; i < 100 && !seen[0]; i++) {
		struct pollfd pfd = {.fd = db_socket(db), .events = POLLIN};
		poll(&pfd, 1, 50);
		db_drain_notifications(db, on_note, seen);
	}
}

static void test_notify_and_reconnect(const char *conninfo)
{
	char *error = NULL, seen[128] = "";
	struct db *listener = db_new(conninfo, "acc_n", "test-db", &error);
	struct db *sender = db_new(conninfo, "acc_n", "test-db", &error);
	ok(db_connect(listener) == DB_OK && db_connect(sender) == DB_OK && db_listen(listener, "connector_test"),
	   "LISTEN");
	ok(!db_listen(listener, "Bad-Channel"), "channel names are checked");
	ok(db_notify(sender, "connector_test", "42"), "NOTIFY");
	wait_notification(listener, seen);
	is_str(seen, "connector_test:42", "listener receives the notification");
	PGresult *pid = db_exec(listener, "SELECT pg_backend_pid()", 0, NULL);
	char sql[96];
	snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%s)", pid ? PQgetvalue(pid, 0, 0) : "0");
	PQclear(pid);
	ok(db_command(sender, sql, 0, NULL), "the listener's session is terminated by the server");
	ok(!db_command(listener, "SELECT 1", 0, NULL) && db_connection_lost(listener),
	   "next statement fails and reports the server went away");
	uint64_t generation = db_generation(listener);
	struct db_retry retry = {.floor_ms = 10, .cap_ms = 100, .max_attempts = 20};
	ok(db_ensure_connected(listener, &retry) && db_generation(listener) == generation + 1,
	   "db_ensure_connected reconnects (new generation)");
	seen[0] = '\0';
	ok(db_notify(sender, "connector_test", "43"), "NOTIFY after reconnect");
	wait_notification(listener, seen);
	is_str(seen, "connector_test:43", "LISTEN was re-issued on the new connection");
	PGresult *res = db_exec(listener, "SELECT current_schema()", 0, NULL);
	is_str(res ? PQgetvalue(res, 0, 0) : NULL, "acc_n", "schema selected again after reconnect");
	PQclear(res);
	db_free(listener);
	db_free(sender);
}

int main(void)
{
	const char *conninfo = tdb_setup(NULL, "db");
	test_redaction();
	test_validation();
	test_unreachable();
	test_schema_and_exec(conninfo);
	test_notify_and_reconnect(conninfo);
	return tap_done();
}
