/*
 * session_worker.c: start-up, tick and shut-down of the account-session workers (see session_worker.h).
 */
#include "session_worker.h"

#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>
#include <sodium.h>

#include "log.h"
#include "timeutil.h"

static int64_t last_heartbeat_ms;
static int heartbeat_ms = 1000;

bool session_worker_tick(void *arg)
{
	(void)arg;
	int64_t now = time_monotonic_ms();
	if (now - last_heartbeat_ms >= heartbeat_ms / 2) {
		worker_heartbeat();
		last_heartbeat_ms = now;
	}
	return worker_stop_requested();
}

bool session_worker_wait_ms(int64_t ms)
{
	int64_t end = time_monotonic_ms() + ms;
	while (time_monotonic_ms() < end) {
		if (session_worker_tick(NULL))
			return false;
		struct timespec ts = {0, 50 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return true;
}

bool session_worker_start(struct session_worker *w, int argc, char **argv, const char *module, const char *program)
{
	worker_init(&w->ctx, argc, argv, module);
	worker_install_stop_handlers();
	heartbeat_ms = w->ctx.heartbeat_ms > 0 ? w->ctx.heartbeat_ms : 1000;
	if (sodium_init() < 0 || ecrypto_init() != ECRYPTO_OK)
		fatal_at("main", EXIT_TEMPFAIL, false, "sodium_init failed");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal_at("main", EXIT_TEMPFAIL, false, "curl_global_init failed");
	worker_notify_ready();
	worker_notify_status("opening the account session");
	char err[512];
	enum session_status st = account_session_open(&w->session, w->ctx.config, program, session_worker_tick, NULL, 0,
	                                              err, sizeof(err));
	if (st == SESSION_CONFIG)
		fatal_at("main", EXIT_CONFIG, false, "%s", err);
	return st == SESSION_OK;
}

int session_worker_finish(struct session_worker *w, const char *area)
{
	account_session_close(&w->session);
	worker_cleanup(&w->ctx);
	curl_global_cleanup();
	log_info(area, "stopped");
	return EXIT_STOPPED;
}
