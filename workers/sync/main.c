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

#include "config.h"
#include "log.h"
#include "session_worker.h"
#include "sync/sync.h"

static void run_once(struct account_session *s)
{
	struct sync_report report;
	char err[512];
	enum sync_status st = sync_run_exclusive(s->db, s->client, &s->identity, 0, session_worker_tick, NULL, &report,
	                                         err, sizeof(err));
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
			account_session_reconnect(s, session_worker_tick, NULL);
	}
}

int main(int argc, char **argv)
{
	struct session_worker w;
	if (session_worker_start(&w, argc, argv, "sync", "connector-sync")) {
		int64_t interval_s = config_get_int(w.ctx.config, "modules.sync.interval", 60);
		log_info("Sync", "identity %s; syncing every %lld s", w.session.identity.address,
		         (long long)interval_s);
		do
			run_once(&w.session);
		while (session_worker_wait_ms(interval_s * 1000));
	}
	return session_worker_finish(&w, "Sync");
}
