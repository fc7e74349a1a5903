/*
 * session_worker.h: the start-up and shut-down shared by the workers that run on the account session
 * (connector-sync, connector-sse): worker contract, libraries, READY, the session (lib/sync/session.h),
 * and a tick that heartbeats at the configured rate and reports SIGTERM/SIGINT. Fatal start-up errors
 * are logged under "main", as when this lived in each main.c.
 */
#ifndef CONNECTOR_IPC_SESSION_WORKER_H
#define CONNECTOR_IPC_SESSION_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "sync/session.h"
#include "worker.h"

struct session_worker {
	struct worker_context ctx;
	struct account_session session;
};

/* worker_init(module) and stop handlers, libsodium, the crypto library and curl (exit 75 when one fails),
 * READY, then opens the session as program (exit 78 for configuration errors). True when it is open. */
bool session_worker_start(struct session_worker *w, int argc, char **argv, const char *module, const char *program);
/* Heartbeats at most every half heartbeat interval; true once SIGTERM/SIGINT arrived. arg unused. */
bool session_worker_tick(void *arg);
/* Sleeps ms, ticking every 50 ms; false when asked to stop. */
bool session_worker_wait_ms(int64_t ms);
/* Closes the session, the worker contract and curl; logs "stopped" under area. Returns EXIT_STOPPED. */
int session_worker_finish(struct session_worker *w, const char *area);

#endif
