/*
 * connector-housekeeping: the database janitor connectord always runs (one instance). It connects
 * to the account schema, says READY, then every database.housekeepingIntervalMs purges outbox
 * events older than database.outboxRetentionHours whose deliveries are all finished. It heartbeats
 * throughout, also while it waits for a PostgreSQL that went away (reconnect with backoff), notices
 * a lost server while idle through the connection's socket, and exits 0 on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>

#include "cli_info.h"
#include "db.h"
#include "db_settings.h"
#include "log.h"
#include "outbox.h"
#include "timeutil.h"
#include "worker.h"

#define PURGE_BATCHES_PER_RUN 10

struct housekeeping {
	struct worker_context ctx;
	struct db_settings settings;
	struct db *db;
	int64_t next_heartbeat;
	int64_t next_purge;
};

static void heartbeat_if_due(void *arg)
{
	struct housekeeping *hk = arg;
	int64_t now = time_monotonic_ms();
	if (now >= hk->next_heartbeat) {
		worker_heartbeat();
		hk->next_heartbeat = now + hk->ctx.heartbeat_ms;
	}
}

static bool stop_wanted(void *arg)
{
	(void)arg;
	return worker_stop_requested();
}

static bool ensure_connected(struct housekeeping *hk)
{
	struct db_retry retry = {.floor_ms = 100,
	                         .cap_ms = 10000,
	                         .tick_ms = hk->ctx.heartbeat_ms < 200 ? hk->ctx.heartbeat_ms : 200,
	                         .tick = heartbeat_if_due,
	                         .should_stop = stop_wanted,
	                         .arg = hk};
	if (db_is_connected(hk->db))
		return true;
	worker_notify_status("connecting to %s", db_target(hk->db));
	if (!db_ensure_connected(hk->db, &retry))
		return false;
	worker_notify_status("connected, schema \"%s\"", db_schema(hk->db));
	return true;
}

static void purge(struct housekeeping *hk)
{
	int64_t deleted = 0;
	const struct db_settings *s = &hk->settings;
	hk->next_purge = time_monotonic_ms() + s->housekeeping_interval_ms;
	if (!outbox_purge(hk->db, s->outbox_retention_hours, s->purge_batch_size, PURGE_BATCHES_PER_RUN, &deleted)) {
		log_warn("Housekeeping", "outbox purge failed: %s", db_error(hk->db));
		if (db_connection_lost(hk->db))
			db_disconnect(hk->db);
		return;
	}
	if (deleted > 0)
		log_info("Housekeeping", "purged %" PRId64 " outbox event(s) older than %" PRId64 " h", deleted,
		         s->outbox_retention_hours);
	if (deleted >= s->purge_batch_size * PURGE_BATCHES_PER_RUN)
		hk->next_purge = time_monotonic_ms(); /* more left: continue after a heartbeat */
	worker_notify_status("purged %" PRId64 " event(s) in the last run", deleted);
}

/* Waits for the next heartbeat or purge; reading the socket reveals a server that went away. */
static void idle(struct housekeeping *hk)
{
	int64_t now = time_monotonic_ms();
	int64_t until = hk->next_heartbeat < hk->next_purge ? hk->next_heartbeat : hk->next_purge;
	int timeout = until > now ? (int)(until - now) : 0;
	struct pollfd pfd = {.fd = db_socket(hk->db), .events = POLLIN};
	int n = poll(&pfd, 1, timeout);
	if (n < 0 && errno != EINTR)
		fatal(1, "poll");
	if (n > 0 && db_drain_notifications(hk->db, NULL, NULL) < 0) {
		log_warn("Housekeeping", "%s", db_error(hk->db));
		db_disconnect(hk->db);
	}
}

static void load_settings(struct housekeeping *hk)
{
	char *error = NULL;
	if (!db_settings_read(hk->ctx.config, &hk->settings, &error))
		fatalx(EXIT_CONFIG, "%s", error);
	hk->db = db_new(hk->settings.connection_string, hk->settings.db_name, "connector-housekeeping", &error);
	if (!hk->db)
		fatalx(EXIT_CONFIG, "%s", error);
}

int main(int argc, char **argv)
{
	static struct housekeeping hk;
	cli_info_handle(argc, argv, "connector-housekeeping",
	                "--index N\nPurges delivered outbox events older than database.outboxRetentionHours.");
	worker_init(&hk.ctx, argc, argv, "housekeeping");
	worker_install_stop_handlers();
	load_settings(&hk);
	bool ready = false;
	while (!worker_stop_requested()) {
		if (!ensure_connected(&hk))
			break;
		if (!ready) {
			worker_notify_ready();
			ready = true;
			hk.next_purge = time_monotonic_ms();
		}
		heartbeat_if_due(&hk);
		if (time_monotonic_ms() >= hk.next_purge)
			purge(&hk);
		else
			idle(&hk);
	}
	log_info("Housekeeping", "stopping");
	db_free(hk.db);
	worker_cleanup(&hk.ctx);
	return EXIT_STOPPED;
}
