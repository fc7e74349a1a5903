/*
 * account/health.c: the Backbone checks of /health (see health.h). Each call builds its own client
 * (and, for authentication, database handle) from the configuration and frees it, so the checks
 * share no state with the caller; only the time of the last successful login is kept (mutex).
 */
#include "account/health.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>

#include "account/identity.h"
#include "config.h"
#include "timeutil.h"

static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t auth_ok_at; /* monotonic ms of the last successful login, 0: none */

static struct backbone_client *client_for(json_object *config, char *why, size_t why_len)
{
	struct backbone_options options;
	if (!backbone_options_from_config(config, &options, why, why_len))
		return NULL;
	return backbone_client_new(&options, why, why_len);
}

bool account_health_backbone_connection(json_object *config, char *why, size_t why_len)
{
	struct backbone_client *client = client_for(config, why, why_len);
	bool ok = client && backbone_health(client, why, why_len);
	backbone_client_free(client);
	return ok;
}

static bool fresh_login(json_object *config, char *why, size_t why_len)
{
	char *error = NULL;
	struct db *db = db_new(config_get_string(config, "database.connectionString", ""),
	                       config_get_string(config, "database.dbName", "default"), "connector-health", &error);
	if (!db) {
		snprintf(why, why_len, "%s", error ? error : "database: cannot create the handle");
		free(error);
		return false;
	}
	struct backbone_client *client = client_for(config, why, why_len);
	bool ok = false;
	if (client && db_connect(db) != DB_OK)
		snprintf(why, why_len, "database: %s", db_error(db));
	else if (client) {
		/* like the original, which creates the identity at start: the first check creates it
		 * when no worker did yet (under the identity lock, see identity.h) */
		struct account_identity identity;
		ok = (config_get_bool(config, "transportLibrary.allowIdentityCreation", true)
		              ? account_identity_ensure(db, client, &identity, why, why_len)
		              : account_identity_load(db, &identity, why, why_len)) == ACCOUNT_OK;
		account_identity_clear(&identity);
		ok = ok && account_check_authentication(db, client, why, why_len);
	}
	backbone_client_free(client);
	db_free(db);
	return ok;
}

bool account_health_backbone_authentication(json_object *config, char *why, size_t why_len)
{
	pthread_mutex_lock(&auth_lock);
	bool cached = auth_ok_at && time_monotonic_ms() - auth_ok_at < ACCOUNT_HEALTH_AUTH_CACHE_MS;
	pthread_mutex_unlock(&auth_lock);
	if (cached)
		return true;
	bool ok = fresh_login(config, why, why_len);
	pthread_mutex_lock(&auth_lock);
	auth_ok_at = ok ? time_monotonic_ms() : 0;
	pthread_mutex_unlock(&auth_lock);
	return ok;
}
