/*
 * test_db_reconnect.c: a PostgreSQL restart, on a dedicated cluster this test starts in a temporary
 * folder (contrib/pg-private.sh), so the shared cluster is never stopped. Shows db_ensure_connected
 * waiting (ticking) through the outage, and connector-housekeeping under the worker contract:
 * READY, purging, heartbeats while the server is down, purging again after it is back, exit 0 on
 * SIGTERM. Skipped like every database test when CONNECTOR_TEST_DATABASE is not set.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"
#include "tap.h"
#include "test_db_util.h"
#include "timeutil.h"

static char cluster[64], script[512];

static int cluster_cmd(const char *verb)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "%s %s %s >/dev/null", script, verb, cluster);
	return system(cmd);
}

static void remove_cluster(void)
{
	char cmd[128];
	cluster_cmd("stop");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", cluster);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", cluster);
}

static const char *start_private_cluster(void)
{
	static char url[512];
	const char *srcdir = getenv("CONNECTOR_SRCDIR");
	snprintf(script, sizeof(script), "%s/contrib/pg-private.sh", srcdir ? srcdir : "..");
	snprintf(cluster, sizeof(cluster), "/tmp/tdbpgXXXXXX");
	if (!mkdtemp(cluster) || cluster_cmd("start") != 0) {
		printf("Bail out! cannot start a private cluster with %s\n", script);
		exit(1);
	}
	atexit(remove_cluster);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "%s url %s", script, cluster);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(url, sizeof(url), p)) {
		printf("Bail out! no url\n");
		exit(1);
	}
	pclose(p);
	url[strcspn(url, "\n")] = '\0';
	return url;
}

static void count_tick(void *arg)
{
	(*(int *)arg)++;
}

static void test_library_reconnect(const char *conninfo, const char *sql_dir)
{
	char *error = NULL;
	struct db *db = db_new(conninfo, "acc", "test-reconnect", &error);
	struct migrate_result r;
	ok(db && db_connect(db) == DB_OK && migrate_run(db, sql_dir, &r, &error) == MIGRATE_OK,
	   "connected to the private cluster and migrated");
	ok(cluster_cmd("stop") == 0, "pg-private.sh stop");
	ok(!db_command(db, "SELECT 1", 0, NULL) && db_connection_lost(db), "the statement fails: server went away");
	pid_t starter = fork();
	if (starter == 0) {
		struct timespec ts = {1, 500 * 1000000L};
		nanosleep(&ts, NULL);
		_exit(cluster_cmd("start") == 0 ? 0 : 1);
	}
	int ticks = 0;
	uint64_t generation = db_generation(db);
	struct db_retry retry = {.floor_ms = 50, .cap_ms = 400, .tick = count_tick, .arg = &ticks, .max_attempts = 200};
	ok(db_ensure_connected(db, &retry), "db_ensure_connected returns once the server is back");
	int status = 0;
	waitpid(starter, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "pg-private.sh start (in the background)");
	ok(ticks > 0 && db_generation(db) == generation + 1, "it ticked while waiting (%d) and reconnected once",
	   ticks);
	PGresult *res = db_exec(db, "SELECT count(*) FROM outbox_events", 0, NULL);
	is_str(res ? PQgetvalue(res, 0, 0) : NULL, "0", "the account schema is selected on the new connection");
	PQclear(res);
	db_free(db);
}

struct worker {
	pid_t pid;
	int notify_fd;
	char buf[4096];
	size_t len;
	int heartbeats;
	bool saw_connecting;
};

/* Reads notify lines until one starts with want (NULL: until the deadline). */
static bool read_until(struct worker *w, const char *want, int timeout_ms)
{
	int64_t deadline = time_monotonic_ms() + timeout_ms;
	for (;;) {
		char *nl;
		while ((nl = memchr(w->buf, '\n', w->len)) != NULL) {
			*nl = '\0';
			bool hit = want && strncmp(w->buf, want, strlen(want)) == 0;
			w->heartbeats += strcmp(w->buf, "HEARTBEAT") == 0;
			w->saw_connecting |= strncmp(w->buf, "STATUS connecting", 17) == 0;
			size_t used = (size_t)(nl - w->buf) + 1;
			memmove(w->buf, nl + 1, w->len - used);
			w->len -= used;
			if (hit)
				return true;
		}
		int64_t left = deadline - time_monotonic_ms();
		if (left <= 0)
			return false;
		struct pollfd pfd = {.fd = w->notify_fd, .events = POLLIN};
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		ssize_t n = read(w->notify_fd, w->buf + w->len, sizeof(w->buf) - w->len - 1);
		if (n <= 0)
			return false;
		w->len += (size_t)n;
	}
}

static void write_config(char *path, size_t path_len, const char *conninfo)
{
	char text[2048], escaped[1200];
	size_t j = 0;
	for (const char *p = conninfo; *p && j + 2 < sizeof(escaped); p++) {
		if (*p == '"' || *p == '\\')
			escaped[j++] = '\\';
		escaped[j++] = *p;
	}
	escaped[j] = '\0';
	snprintf(text, sizeof(text),
	         "{\"database\": {\"connectionString\": \"%s\", \"dbName\": \"acc\", \"outboxRetentionHours\": 1,"
	         " \"housekeepingIntervalMs\": 200}}\n",
	         escaped);
	tdb_write_file(cluster, "config.json", text);
	snprintf(path, path_len, "%s/config.json", cluster);
}

static void spawn_housekeeping(struct worker *w, const char *conninfo)
{
	char config[256];
	write_config(config, sizeof(config), conninfo);
	const char *builddir = getenv("CONNECTOR_BUILDDIR");
	char binary[512];
	snprintf(binary, sizeof(binary), "%s/connector-housekeeping", builddir ? builddir : ".");
	int fds[2];
	if (pipe(fds) != 0)
		exit(1);
	w->pid = fork();
	if (w->pid == 0) {
		dup2(fds[1], 3);
		setenv("CONNECTOR_WORKER_ROLE", "housekeeping", 1);
		setenv("CONNECTOR_CONFIG_FILE", config, 1);
		setenv("CONNECTOR_RUNTIME_DIR", cluster, 1);
		setenv("CONNECTOR_BUS_PUSH", "ipc:///nonexistent/push", 1);
		setenv("CONNECTOR_BUS_SUB", "ipc:///nonexistent/sub", 1);
		setenv("CONNECTOR_CONTROL", "ipc:///nonexistent/control", 1);
		setenv("CONNECTOR_HEARTBEAT_MS", "100", 1);
		execl(binary, binary, "--index", "1", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	w->notify_fd = fds[0];
}

static bool wait_purged(const char *conninfo, struct worker *w, int timeout_ms)
{
	int64_t deadline = time_monotonic_ms() + timeout_ms;
	while (time_monotonic_ms() < deadline) {
		char *n = tdb_query(conninfo, "SELECT count(*) FROM acc.outbox_events");
		bool empty = n && strcmp(n, "0") == 0;
		free(n);
		if (empty)
			return true;
		read_until(w, NULL, 100);
	}
	return false;
}

static const char insert_old[] = "INSERT INTO acc.outbox_events (namespace, created_at) "
                                 "VALUES ('old.event', now() - interval '2 hours')";

static void test_housekeeping_bad_config(void)
{
	struct worker w = {0};
	spawn_housekeeping(&w, "");
	int status = 0;
	ok(waitpid(w.pid, &status, 0) == w.pid && WIFEXITED(status) && WEXITSTATUS(status) == 78,
	   "connector-housekeeping without database.connectionString: exit 78");
	close(w.notify_fd);
}

static void test_housekeeping(const char *conninfo)
{
	struct worker w = {0};
	spawn_housekeeping(&w, conninfo);
	ok(read_until(&w, "READY", 20000), "connector-housekeeping reports READY");
	free(tdb_query(conninfo, insert_old));
	ok(wait_purged(conninfo, &w, 20000), "it purges an old event with no open delivery");
	ok(cluster_cmd("stop") == 0, "pg-private.sh stop while the worker runs");
	w.heartbeats = 0;
	read_until(&w, NULL, 1500);
	ok(w.heartbeats >= 3, "heartbeats continue while the server is down (%d)", w.heartbeats);
	ok(w.saw_connecting, "STATUS says it is reconnecting");
	ok(waitpid(w.pid, NULL, WNOHANG) == 0, "the worker did not exit");
	ok(cluster_cmd("start") == 0, "pg-private.sh start");
	free(tdb_query(conninfo, insert_old));
	ok(wait_purged(conninfo, &w, 30000), "after the restart it reconnects and purges again");
	kill(w.pid, SIGTERM);
	int status = 0;
	int64_t deadline = time_monotonic_ms() + 10000;
	pid_t done = 0;
	while ((done = waitpid(w.pid, &status, WNOHANG)) == 0 && time_monotonic_ms() < deadline)
		read_until(&w, NULL, 50);
	if (done == 0) {
		kill(w.pid, SIGKILL);
		waitpid(w.pid, &status, 0);
	}
	ok(done == w.pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM: exit 0");
	close(w.notify_fd);
}

int main(void)
{
	if (!getenv("CONNECTOR_TEST_DATABASE")) {
		printf("1..0 # SKIP CONNECTOR_TEST_DATABASE not set\n");
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	const char *admin = start_private_cluster();
	const char *conninfo = tdb_setup(admin, "reconnect");
	const char *sql_dir = getenv("CONNECTOR_SQL_DIR");
	test_library_reconnect(conninfo, sql_dir ? sql_dir : "../sql");
	test_housekeeping_bad_config();
	test_housekeeping(conninfo);
	return tap_done();
}
