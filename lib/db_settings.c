/*
 * db_settings.c: reads and range-checks the "database" configuration section (db_settings.h).
 * Works on the plain json-c tree so that it needs nothing but the effective configuration file.
 */
#include "db_settings.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

static json_object *database_key(json_object *root, const char *key)
{
	json_object *section = NULL, *value = NULL;
	if (!root || !json_object_object_get_ex(root, "database", &section) ||
	    !json_object_is_type(section, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(section, key, &value) || json_object_is_type(value, json_type_null))
		return NULL;
	return value;
}

static bool read_string(json_object *root, const char *key, const char **out, char **error)
{
	json_object *value = database_key(root, key);
	if (!value)
		return true;
	if (!json_object_is_type(value, json_type_string)) {
		*error = db_strdupf("database.%s: expected a string, got %s", key,
		                    json_type_to_name(json_object_get_type(value)));
		return false;
	}
	*out = json_object_get_string(value);
	return true;
}

static bool read_int(json_object *root, const char *key, int64_t min, int64_t max, int64_t *out, char **error)
{
	json_object *value = database_key(root, key);
	if (!value)
		return true;
	int64_t n = json_object_get_int64(value);
	if (!json_object_is_type(value, json_type_int) || n < min || n > max) {
		*error = db_strdupf("database.%s: expected an integer between %lld and %lld, got %s", key,
		                    (long long)min, (long long)max, json_object_to_json_string(value));
		return false;
	}
	*out = n;
	return true;
}

bool db_settings_read(json_object *root, struct db_settings *out, char **error)
{
	*error = NULL;
	memset(out, 0, sizeof(*out));
	out->db_name = "default";
	out->outbox_retention_hours = 168;
	out->housekeeping_interval_ms = 300000;
	out->purge_batch_size = 1000;
	if (!read_string(root, "connectionString", &out->connection_string, error) ||
	    !read_string(root, "dbName", &out->db_name, error) ||
	    !read_int(root, "outboxRetentionHours", 1, 87600, &out->outbox_retention_hours, error) ||
	    !read_int(root, "housekeepingIntervalMs", 100, 24LL * 3600 * 1000, &out->housekeeping_interval_ms, error) ||
	    !read_int(root, "outboxPurgeBatchSize", 1, 1000000, &out->purge_batch_size, error))
		return false;
	if (!out->connection_string || !*out->connection_string) {
		*error = db_strdupf("database.connectionString: is not set (a libpq key=value string or "
		                    "postgresql:// URI is required)");
		return false;
	}
	return true;
}
