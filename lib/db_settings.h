/*
 * db_settings.h: the "database" section of the effective configuration, read and checked once.
 *   database.connectionString        libpq key=value string or postgresql:// URI (required)
 *   database.dbName                  the account schema (default "default")
 *   database.outboxRetentionHours    delivered events older than this are purged (default 168)
 *   database.housekeepingIntervalMs  connector-housekeeping purge period (default 300000)
 *   database.outboxPurgeBatchSize    events deleted per purge transaction (default 1000)
 */
#ifndef CONNECTOR_DB_SETTINGS_H
#define CONNECTOR_DB_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct db_settings {
	const char *connection_string; /* borrowed from the configuration tree (NULL: not set) */
	const char *db_name;
	int64_t outbox_retention_hours;
	int64_t housekeeping_interval_ms;
	int64_t purge_batch_size;
};

/*
 * Fills *out from root (which must outlive it). Returns false with *error (malloc'd, naming the key
 * and the expectation) when a present key has the wrong type or range, or connectionString is missing.
 */
bool db_settings_read(json_object *root, struct db_settings *out, char **error);

#endif
