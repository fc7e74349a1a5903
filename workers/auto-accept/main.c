/*
 * main.c: connector-auto-accept (and connector-auto-decompose, the same program): the modules
 * autoAcceptRelationshipCreationChanges, autoAcceptPendingRelationships and
 * autoDecomposeDeletionProposedRelationships. A thin loop: it opens the account session, then reads
 * its module's durable deliveries of transport.relationshipChanged from the outbox (lib/delivery.h,
 * consumer id = module name, registered by connector-migrate) and lets lib/runtime/auto_accept.c
 * decide and act. A delivery is settled only after the action committed (or was found moot), so an
 * event is never missed across a crash or restart; a transient failure (Backbone or database down)
 * is retried on the delivery schedule.
 * Exit codes: 0 on SIGTERM, 78 for configuration errors, 75 when the session cannot be opened.
 */
#include <curl/curl.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "db_settings.h"
#include "delivery.h"
#include "log.h"
#include "runtime/auto_accept.h"
#include "sync/session.h"
#include "timeutil.h"
#include "worker.h"

struct auto_worker {
	struct worker_context ctx;
	enum auto_kind kind;
	struct account_session session;
	struct db *claims;
	struct event_base *base;
	struct delivery_loop *loop;
	int64_t last_heartbeat_ms;
	unsigned long acted;
};

static bool tick(void *arg)
{
	struct auto_worker *w = arg;
	int64_t now = time_monotonic_ms();
	int every = w->ctx.heartbeat_ms > 0 ? w->ctx.heartbeat_ms : 1000;
	if (now - w->last_heartbeat_ms >= every / 2) {
		worker_heartbeat();
		w->last_heartbeat_ms = now;
	}
	return worker_stop_requested();
}

static void heartbeat_tick(void *arg)
{
	(void)tick(arg);
}

static bool should_stop(void *arg)
{
	(void)arg;
	return worker_stop_requested();
}

static void on_delivery(struct delivery_job *job, const struct delivery_event *ev, void *arg)
{
	struct auto_worker *w = arg;
	json_object *dto = json_tokener_parse(ev->data_json);
	const char *id = NULL;
	if (!auto_decide(w->kind, ev->namespace, dto, w->session.identity.address, &id)) {
		json_object_put(dto);
		delivery_job_done(job, DELIVERY_OK, -1, 0, NULL);
		return;
	}
	const char *what = w->kind == AUTO_DECOMPOSE ? "decomposed" : "accepted";
	struct runtime rt = {w->session.db, w->session.client, &w->session.identity};
	struct runtime_error err = {.remote_status = 0};
	log_info(w->ctx.module, "Incoming relationship %s detected.", id);
	enum auto_result r = auto_act(&rt, w->kind, id, &err);
	if (r == AUTO_DONE) {
		w->acted++;
		log_info(w->ctx.module, "Relationship %s was %s successfully.", id, what);
		worker_notify_status("%lu relationship(s) %s", w->acted, what);
		delivery_job_done(job, DELIVERY_OK, -1, 0, NULL);
	} else if (r == AUTO_NOTHING) {
		log_info(w->ctx.module, "Relationship %s needs nothing any more: %s", id, err.message);
		delivery_job_done(job, DELIVERY_OK, -1, 0, NULL);
	} else {
		log_error(w->ctx.module, "Error while handling relationship %s: %s %s", id, err.code, err.message);
		if (r == AUTO_TRANSIENT && db_connection_lost(w->session.db))
			account_session_reconnect(&w->session, tick, w);
		delivery_job_done(job, r == AUTO_TRANSIENT ? DELIVERY_RETRY : DELIVERY_DEAD, -1, 0, err.message);
	}
	json_object_put(dto);
}

static void open_claims(struct auto_worker *w)
{
	struct db_settings settings;
	char *error = NULL;
	if (!db_settings_read(w->ctx.config, &settings, &error) ||
	    !(w->claims = db_new(settings.connection_string, settings.db_name, "connector-auto-accept", &error))) {
		log_error(w->ctx.module, "%s", error);
		exit(EXIT_CONFIG);
	}
	const char *ids[] = {w->ctx.module};
	struct db_retry retry = {.floor_ms = 100,
	                         .cap_ms = 5000,
	                         .tick_ms = 100,
	                         .tick = heartbeat_tick,
	                         .should_stop = should_stop,
	                         .arg = w};
	struct delivery_options o = {.consumer_ids = ids,
	                             .consumer_count = 1,
	                             .retry = &retry,
	                             .send = on_delivery,
	                             .arg = w,
	                             .max_in_flight = 1,
	                             .lease_ms = 120000};
	w->loop = delivery_loop_new(w->base, w->claims, &o);
	if (!delivery_loop_start(w->loop)) {
		if (worker_stop_requested())
			exit(EXIT_STOPPED);
		log_error(w->ctx.module, "cannot read the outbox: %s", db_error(w->claims));
		exit(EXIT_TEMPFAIL);
	}
}

static void open_session(struct auto_worker *w)
{
	char err[512];
	enum session_status st =
	        account_session_open(&w->session, w->ctx.config, "connector-auto-accept", tick, w, 0, err, sizeof(err));
	if (st == SESSION_CONFIG)
		fatalx(EXIT_CONFIG, "%s", err);
	if (st != SESSION_OK)
		exit(worker_stop_requested() ? EXIT_STOPPED : EXIT_TEMPFAIL);
}

int main(int argc, char **argv)
{
	struct auto_worker w = {0};
	/* One program, two names: connector-auto-accept and connector-auto-decompose. */
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	worker_init(&w.ctx, argc, argv, strstr(name, "auto-decompose") ? "auto-decompose" : "auto-accept");
	worker_install_stop_handlers();
	if (!(w.kind = auto_kind_of_module(w.ctx.module)))
		fatalx(EXIT_CONFIG, "module %s is not an auto-accept or auto-decompose module", w.ctx.module);
	if (sodium_init() < 0 || ecrypto_init() != ECRYPTO_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx(EXIT_TEMPFAIL, "library initialisation failed");
	if (config_get(w.ctx.config, "modules.autoAcceptRelationshipCreationChanges.responseContent") &&
	    w.kind == AUTO_ACCEPT)
		log_warn(w.ctx.module,
		         "responseContent is accepted and ignored: relationships have no response content "
		         "since runtime 5");
	if (!(w.base = event_base_new()))
		fatalx(EXIT_TEMPFAIL, "event_base_new failed");
	worker_attach_event_base(&w.ctx, w.base);
	worker_notify_ready();
	worker_notify_status("opening the account session");
	open_session(&w);
	if (w.kind == AUTO_DECOMPOSE) {
		struct runtime rt = {w.session.db, w.session.client, &w.session.identity};
		int n = auto_decompose_pending(&rt);
		log_info(w.ctx.module, "decomposed %d relationship(s) proposed for deletion at start", n < 0 ? 0 : n);
	}
	open_claims(&w);
	worker_notify_status("waiting for relationship changes");
	event_base_dispatch(w.base);
	delivery_loop_free(w.loop);
	db_free(w.claims);
	account_session_close(&w.session);
	event_base_free(w.base);
	curl_global_cleanup();
	worker_cleanup(&w.ctx);
	log_info(w.ctx.module, "stopped");
	return EXIT_STOPPED;
}
