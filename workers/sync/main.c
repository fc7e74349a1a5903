/*
 * main.c: connector-sync, the periodic sync of the account (module "sync"). At start it opens the
 * account session (database, Backbone version check, identity: created here on first start when no
 * other worker did it first), runs one full sync, then one every modules.sync.interval seconds,
 * measured from the end of the previous one. Each run holds the schema's sync lock, so runs never
 * overlap across workers and hosts; a run that finds the lock taken is skipped (the running sync
 * serves the same purpose). A failed run (Backbone or database down) is logged and retried at the
 * next interval; nothing of a half-done run is lost (see lib/sync/sync.h).
 * Exit codes: 0 on SIGTERM, 78 for configuration errors (transportLibrary, database, incompatible
 * Backbone), 75 when the session cannot be opened for another reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "config.h"
#include "log.h"
#include "sync/session.h"
#include "sync/sync.h"
#include "timeutil.h"
#include "worker.h"

static int64_t last_heartbeat_ms;
static int heartbeat_ms = 1000;

/* Heartbeats at the configured rate; true once SIGTERM/SIGINT arrived. */
static bool tick(void *arg)
{
	(void)arg;
	int64_t now = time_monotonic_ms();
	if (now - last_heartbeat_ms >= heartbeat_ms / 2) {
		worker_heartbeat();
		last_heartbeat_ms = now;
	}
	return worker_stop_requested();
}

static bool wait_interval(int64_t ms)
{
	int64_t end = time_monotonic_ms() + ms;
	while (time_monotonic_ms() < end) {
		if (tick(NULL))
			return false;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return true;
}

static void run_once(struct account_session *s)
{
	struct sync_report report;
	char err[512];
	enum sync_status st =
	        sync_run_exclusive(s->db, s->client, &s->identity, 0, tick, NULL, &report, err, sizeof(err));
	if (st == SYNC_OK) {
		log_info("Sync", "sync done: %d run(s), %d event(s): %d applied, %d recorded, %d failed, %d replayed%s",
		         report.runs, report.events, report.applied, report.recorded, report.failed, report.replayed,
		         report.resumed ? " (resumed an interrupted run)" : "");
		worker_notify_status("last sync ok, %d event(s)", report.events);
	} else if (st == SYNC_ERR_BUSY) {
		log_debug("Sync", "another sync is running; skipped");
	} else if (st != SYNC_ERR_STOPPED) {
		log_error("Sync", "Sync failed: %s", err);
		worker_notify_status("last sync failed");
		if (st == SYNC_ERR_DATABASE && db_connection_lost(s->db))
			account_session_reconnect(s, tick, NULL);
	}
}

int main(int argc, char **argv)
{
	struct worker_context ctx;
	worker_init(&ctx, argc, argv, "sync");
	worker_install_stop_handlers();
	heartbeat_ms = ctx.heartbeat_ms > 0 ? ctx.heartbeat_ms : 1000;
	if (sodium_init() < 0 || ecrypto_init() != ECRYPTO_OK)
		fatalx(EXIT_TEMPFAIL, "sodium_init failed");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx(EXIT_TEMPFAIL, "curl_global_init failed");
	int64_t interval_s = config_get_int(ctx.config, "modules.sync.interval", 60);
	worker_notify_ready();
	worker_notify_status("opening the account session");
	struct account_session session;
	char err[512];
	enum session_status st =
	        account_session_open(&session, ctx.config, "connector-sync", tick, NULL, 0, err, sizeof(err));
	if (st == SESSION_CONFIG)
		fatalx(EXIT_CONFIG, "%s", err);
	if (st == SESSION_OK) {
		log_info("Sync", "identity %s; syncing every %lld s", session.identity.address, (long long)interval_s);
		do
			run_once(&session);
		while (wait_interval(interval_s * 1000));
	}
	account_session_close(&session);
	worker_cleanup(&ctx);
	curl_global_cleanup();
	log_info("Sync", "stopped");
	return EXIT_STOPPED;
}
