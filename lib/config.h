/*
 * config.h: the Connector's configuration, built like the original's and validated up front.
 *
 * Layers, lowest first: the defaults file (etc/default.json, paths_default_config()), the custom file
 * (--config, else $CUSTOM_CONFIG_LOCATION, else <sysconfdir>/config.json when present), then the
 * environment: variables whose name is a key path with "__" or ":" separators (e.g.
 * modules__webhooks__enabled=true, infrastructure:httpServer:port=8080) and the short aliases
 * API_KEY, DATABASE_CONNECTION_STRING, DATABASE_NAME, SYNC_ENABLED, PLATFORM_CLIENT_ID,
 * PLATFORM_CLIENT_SECRET, DEBUG. Values are JSON-parsed when they parse, else kept as strings.
 * Objects merge recursively; arrays and scalars replace. Unlike the original, only variables that
 * name a key known to the schema (or below a free-form object such as a webhook target) are taken.
 *
 * Keys added by this implementation (documented in etc/default.json and connector.json(5)):
 *   modules.<name>.workers              instance count (coreHttpApi, webhooks; others fixed at 1)
 *   infrastructure.httpServer.host      bind address, default "localhost" (IPv4 + IPv6 loopback)
 *   supervisor.restartBackoffFloorMs    first restart delay (default 100)
 *   supervisor.restartBackoffCapMs      maximum restart delay (default 30000)
 *   supervisor.stablePeriodMs           ready this long => backoff resets (default 10000)
 *   supervisor.crashLoopMaxRestarts     restarts within crashLoopWindowMs that mark a module
 *   supervisor.crashLoopWindowMs          failed (defaults 5 and 30000)
 *   supervisor.crashLoopCooldownMs      a failed module is retried after this (default 60000)
 *   supervisor.shutdownGraceMs          SIGTERM -> SIGKILL of the process group (default 10000)
 *   supervisor.heartbeatIntervalMs      workers send HEARTBEAT this often (default 1000)
 *   supervisor.heartbeatTimeoutMs       no heartbeat this long => kill + restart (default 10000)
 *   supervisor.readyTimeoutMs           no READY this long after start => kill (default 30000)
 *   supervisor.runtimeDirectory         private runtime dir (default $XDG_RUNTIME_DIR/connector or
 *                                       /run/connector as root, else /tmp/connector-<uid>)
 *   supervisor.pidFile                  default <runtimeDirectory>/connectord.pid
 *   database.connectionString           libpq key=value string or postgresql:// URI
 *   database.dbName                     the account's PostgreSQL schema (default "default")
 *   database.outboxRetentionHours       delivered events older than this are purged (default 168)
 */
#ifndef CONNECTOR_CONFIG_H
#define CONNECTOR_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

struct config_sources {
	const char *defaults_path; /* NULL: paths_default_config() */
	const char *custom_path;   /* NULL: CUSTOM_CONFIG_LOCATION, else <sysconf>/config.json if present */
	char **environment;        /* NULL-terminated "NAME=value" list; NULL: no environment layer */
};

/*
 * Builds the merged tree (applies webhooksV2 alias and the sync/sse exclusivity with the original's
 * messages as warnings). Returns NULL and sets *error (malloc'd, one problem per line) when a file
 * cannot be read or parsed. Does not validate.
 */
json_object *config_load(const struct config_sources *sources, char **error);

/*
 * Validates the merged tree. Returns the number of problems; when non-zero, *report (malloc'd) holds
 * one line per problem naming the key path and the expectation, e.g.
 *   "infrastructure.httpServer.port: expected an integer between 1 and 65535, got \"abc\""
 */
int config_validate(json_object *root, char **report);

/* Dotted-path lookups ("modules.coreHttpApi.workers"); defaults when missing or of another type. */
json_object *config_get(json_object *root, const char *path);
const char *config_get_string(json_object *root, const char *path, const char *fallback);
int64_t config_get_int(json_object *root, const char *path, int64_t fallback);
bool config_get_bool(json_object *root, const char *path, bool fallback);

/* modules.<name>.enabled, and modules.<name>.workers (>= 1). */
bool config_module_enabled(json_object *root, const char *module);
int config_module_workers(json_object *root, const char *module);

/* Deep copy with secrets replaced by "***" (connection string password, API keys, client secret). */
json_object *config_masked_copy(json_object *root);

#endif
