/*
 * sync/session.c: opening an account session (see session.h): database, client, version check,
 * identity; transient failures are retried with capped exponential backoff and full jitter.
 */
#include "sync/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "config.h"
#include "log.h"
#include "timeutil.h"

#define BACKOFF_FLOOR_MS 500
#define BACKOFF_CAP_MS   30000

struct tick_adapter {
	bool (*tick)(void *arg);
	void *arg;
};

static void db_tick(void *arg)
{
	struct tick_adapter *t = arg;
	if (t->tick)
		t->tick(t->arg);
}

static bool db_should_stop(void *arg)
{
	struct tick_adapter *t = arg;
	return t->tick && t->tick(t->arg);
}

bool account_session_reconnect(struct account_session *s, bool (*tick)(void *arg), void *arg)
{
	struct tick_adapter t = {tick, arg};
	struct db_retry retry = {.tick = db_tick, .should_stop = db_should_stop, .arg = &t};
	return db_ensure_connected(s->db, &retry);
}

/* Waits ms while ticking; false when told to stop. */
static bool wait_ticking(int64_t ms, bool (*tick)(void *arg), void *arg)
{
	int64_t end = time_monotonic_ms() + ms;
	while (time_monotonic_ms() < end) {
		if (tick && tick(arg))
			return false;
		struct timespec ts = {0, 100 * 1000000L};
		nanosleep(&ts, NULL);
	}
	return true;
}

static enum session_status setup(struct account_session *s, json_object *config, const char *app_name, char *err,
                                 size_t err_len)
{
	char *db_error_text = NULL;
	s->db = db_new(config_get_string(config, "database.connectionString", ""),
	               config_get_string(config, "database.dbName", "default"), app_name, &db_error_text);
	if (!s->db) {
		snprintf(err, err_len, "%s", db_error_text ? db_error_text : "database: cannot create the handle");
		free(db_error_text);
		return SESSION_CONFIG;
	}
	s->create_identity = config_get_bool(config, "transportLibrary.allowIdentityCreation", true);
	struct backbone_options options;
	if (!backbone_options_from_config(config, &options, err, err_len))
		return SESSION_CONFIG;
	s->client = backbone_client_new(&options, err, err_len);
	return s->client ? SESSION_OK : SESSION_CONFIG;
}

/* One attempt at version check + identity; SESSION_FAILED when worth retrying. */
static enum session_status attempt(struct account_session *s, char *err, size_t err_len)
{
	if (!db_is_connected(s->db) && db_connect(s->db) != DB_OK) {
		snprintf(err, err_len, "database %s: %s", db_target(s->db), db_error(s->db));
		return SESSION_FAILED;
	}
	struct backbone_response r;
	enum backbone_status bs = backbone_check_version(s->client, &s->backbone_major, &r);
	if (bs != BACKBONE_OK) {
		snprintf(err, err_len, "%s", r.message);
		bool fatal = strcmp(r.code, "error.transport.incompatibleBackbone") == 0;
		backbone_response_clear(&r);
		return bs == BACKBONE_ERR_STOPPED ? SESSION_STOPPED : fatal ? SESSION_CONFIG : SESSION_FAILED;
	}
	backbone_response_clear(&r);
	enum account_status as = s->create_identity
	                                 ? account_identity_ensure(s->db, s->client, &s->identity, err, err_len)
	                                 : account_identity_load(s->db, &s->identity, err, err_len);
	if (as == ACCOUNT_ERR_MISSING) {
		snprintf(err, err_len,
		         "transportLibrary.allowIdentityCreation is false and schema %s has no identity yet",
		         db_schema(s->db));
		return SESSION_CONFIG;
	}
	if (as == ACCOUNT_ERR_FATAL)
		return SESSION_CONFIG;
	return as == ACCOUNT_OK ? SESSION_OK : SESSION_FAILED;
}

enum session_status account_session_open(struct account_session *s, json_object *config, const char *app_name,
                                         bool (*tick)(void *arg), void *arg, int max_attempts, char *err,
                                         size_t err_len)
{
	memset(s, 0, sizeof(*s));
	enum session_status st = setup(s, config, app_name, err, err_len);
	if (st != SESSION_OK)
		return st;
	backbone_client_set_tick(s->client, tick, arg);
	int64_t delay = BACKOFF_FLOOR_MS;
	for (int n = 1;; n++) {
		st = attempt(s, err, err_len);
		if (st != SESSION_FAILED || (max_attempts > 0 && n >= max_attempts))
			return st;
		int64_t sleep_ms = BACKOFF_FLOOR_MS + (int64_t)randombytes_uniform((uint32_t)delay);
		log_warn("Account", "%s; retrying in %lld ms", err, (long long)sleep_ms);
		if (!wait_ticking(sleep_ms, tick, arg))
			return SESSION_STOPPED;
		delay = delay * 2 > BACKOFF_CAP_MS ? BACKOFF_CAP_MS : delay * 2;
	}
}

void account_session_close(struct account_session *s)
{
	account_identity_clear(&s->identity);
	backbone_client_free(s->client);
	db_free(s->db);
	memset(s, 0, sizeof(*s));
}
