/*
 * sync/session.h: what every process that talks to the Backbone for an account needs first: the
 * database handle of the account schema, a Backbone client configured from transportLibrary, the
 * Backbone version check, and the ready identity (created on first use, see account/identity.h,
 * unless transportLibrary.allowIdentityCreation is false: then a missing identity is SESSION_CONFIG).
 * account_session_open retries with capped exponential backoff while the database or the Backbone
 * is unreachable, calling tick (heartbeats, stop check) all along.
 */
#ifndef CONNECTOR_SYNC_SESSION_H
#define CONNECTOR_SYNC_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "account/identity.h"
#include "backbone/client.h"
#include "db.h"

struct account_session {
	struct db *db;
	struct backbone_client *client;
	struct account_identity identity;
	int backbone_major;
	bool create_identity; /* transportLibrary.allowIdentityCreation (default true) */
};

enum session_status {
	SESSION_OK = 0,
	SESSION_CONFIG,  /* bad configuration or unusable state: do not retry (exit 78) */
	SESSION_STOPPED, /* tick asked to stop */
	SESSION_FAILED,  /* one attempt failed (only with max_attempts > 0) */
};

/* tick is called at least every 200 ms while waiting; returning true stops. max_attempts 0: forever. */
enum session_status account_session_open(struct account_session *s, json_object *config, const char *app_name,
                                         bool (*tick)(void *arg), void *arg, int max_attempts, char *err,
                                         size_t err_len);
void account_session_close(struct account_session *s);

/* The same retry loop as db_ensure_connected with the session's tick, for use after a failure. */
bool account_session_reconnect(struct account_session *s, bool (*tick)(void *arg), void *arg);

#endif
