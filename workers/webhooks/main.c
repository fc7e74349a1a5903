/*
 * connector-webhooks: the webhooks module's delivery worker (connectord starts
 * modules.webhooks.workers of them when modules.webhooks.enabled). Each instance serves every
 * configured webhook: a delivery loop (lib/delivery.h) claims the due deliveries of the consumers
 * webhook:<n>:<target> under a lease and sender.c posts them. Several instances, on one or several
 * hosts, share the work through FOR UPDATE SKIP LOCKED.
 *
 * Exit codes (ipc/worker.h): 0 on SIGTERM/SIGINT; 78 for a bad configuration, logged with the
 * original's error code and message (e.g. error.runtime.modules.webhooks.invalidUrlFormat).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "db.h"
#include "db_settings.h"
#include "log.h"
#include "timeutil.h"
#include "webhooks.h"
#include "worker.h"

struct webhooks {
	struct worker_context ctx;
	struct webhook_config cfg;
	struct event_base *base;
	struct db *db;
	struct sender *sender;
	struct delivery_loop *loop;
	struct event *status_ev;
	int64_t next_heartbeat;
};

static void heartbeat_if_due(void *arg)
{
	struct webhooks *w = arg;
	int64_t now = time_monotonic_ms();
	if (now >= w->next_heartbeat) {
		worker_heartbeat();
		w->next_heartbeat = now + w->ctx.heartbeat_ms;
	}
}

static bool stop_wanted(void *arg)
{
	(void)arg;
	return worker_stop_requested();
}

static void on_status(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct webhooks *w = arg;
	struct delivery_counters c;
	delivery_loop_counters(w->loop, &c);
	worker_notify_status("%d webhook(s): delivered %llu, retried %llu, dead %llu, in flight %d", w->cfg.hook_count,
	                     (unsigned long long)c.delivered, (unsigned long long)c.retried, (unsigned long long)c.dead,
	                     c.in_flight);
}

static void read_config(struct webhooks *w, struct db_settings *settings)
{
	struct webhook_error err;
	if (!webhook_config_parse(w->ctx.config, &w->cfg, &err)) {
		log_error("Webhooks", "%s: %s", err.code, err.message);
		exit(EXIT_CONFIG);
	}
	char *error = NULL;
	if (!db_settings_read(w->ctx.config, settings, &error)) {
		log_error("Webhooks", "%s", error);
		exit(EXIT_CONFIG);
	}
	if (!(w->db = db_new(settings->connection_string, settings->db_name, "connector-webhooks", &error))) {
		log_error("Webhooks", "%s", error);
		exit(EXIT_CONFIG);
	}
}

static void start_loop(struct webhooks *w)
{
	const char *ids[w->cfg.hook_count > 0 ? w->cfg.hook_count : 1];
	for (int i = 0; i < w->cfg.hook_count; i++)
		ids[i] = w->cfg.hooks[i].consumer_id;
	char worker_id[160], host[64] = "localhost";
	gethostname(host, sizeof(host) - 1);
	snprintf(worker_id, sizeof(worker_id), "%s:%d:webhooks[%d]", host, (int)getpid(), w->ctx.index);
	struct db_retry retry = {.floor_ms = 100,
	                         .cap_ms = 5000,
	                         .tick_ms = 100,
	                         .tick = heartbeat_if_due,
	                         .should_stop = stop_wanted,
	                         .arg = w};
	struct delivery_options o = {.consumer_ids = ids,
	                             .consumer_count = w->cfg.hook_count,
	                             .worker_id = worker_id,
	                             .batch_size = w->cfg.batch_size,
	                             .max_in_flight = w->cfg.max_in_flight,
	                             .lease_ms = w->cfg.lease_ms,
	                             .sweep_ms = w->cfg.sweep_ms,
	                             .schedule = &w->cfg.schedule,
	                             .retry = &retry,
	                             .send = sender_send,
	                             .arg = w->sender};
	w->loop = delivery_loop_new(w->base, w->db, &o);
	worker_notify_status("connecting to %s", db_target(w->db));
	if (!delivery_loop_start(w->loop)) {
		if (worker_stop_requested())
			exit(EXIT_STOPPED);
		log_error("Webhooks", "cannot start delivering: %s", db_error(w->db));
		exit(EXIT_TEMPFAIL);
	}
}

int main(int argc, char **argv)
{
	struct webhooks w = {0};
	worker_init(&w.ctx, argc, argv, "webhooks");
	struct db_settings settings;
	read_config(&w, &settings);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx(1, "curl_global_init failed");
	if (!(w.base = event_base_new()))
		fatalx(1, "event_base_new failed");
	worker_attach_event_base(&w.ctx, w.base);
	w.sender = sender_new(w.base, &w.cfg);
	if (w.cfg.hook_count > 0)
		start_loop(&w);
	else
		log_info("Webhooks", "no webhooks configured: idle");
	worker_notify_ready();
	if (w.loop) {
		on_status(-1, 0, &w);
		w.status_ev = event_new(w.base, -1, EV_PERSIST, on_status, &w);
		struct timeval every = {5, 0};
		event_add(w.status_ev, &every);
	}
	event_base_dispatch(w.base);
	log_info("Webhooks", "stopping (%d request(s) in flight are returned to the queue)", sender_active(w.sender));
	sender_free(w.sender);
	delivery_loop_free(w.loop);
	if (w.status_ev)
		event_free(w.status_ev);
	db_free(w.db);
	webhook_config_free(&w.cfg);
	event_base_free(w.base);
	curl_global_cleanup();
	worker_cleanup(&w.ctx);
	return EXIT_STOPPED;
}
