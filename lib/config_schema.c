/*
 * config_schema.c: the table of every known configuration key with its type, range and check, and the
 * lookup that maps a key path to its row. Adding a key = adding a row here (and to etc/default.json
 * and doc/configuration.md when it has a default).
 */
#include "config_schema.h"

#include <string.h>
#include <strings.h>

#define ROW(p, t)                          \
	{                                  \
		p, t, 0, -1, CHECK_NONE, 0 \
	}
#define ROWF(p, t, f)                      \
	{                                  \
		p, t, 0, -1, CHECK_NONE, f \
	}
#define ROWC(p, t, c)             \
	{                         \
		p, t, 0, -1, c, 0 \
	}
#define INTR(p, lo, hi)                              \
	{                                            \
		p, CONFIG_INT, lo, hi, CHECK_NONE, 0 \
	}
#define INTMIN(p, lo)                                \
	{                                            \
		p, CONFIG_INT, lo, -1, CHECK_NONE, 0 \
	}
#define INT32_LIMIT 2147483647

static const struct config_key config_keys[] = {
        ROW("debug", CONFIG_BOOL),

        /* database */
        ROW("database", CONFIG_OBJECT),
        {"database.connectionString", CONFIG_STRING, 0, -1, CHECK_CONNSTR, CONFIG_SECRET},
        ROWC("database.dbName", CONFIG_STRING, CHECK_DB_IDENT),
        INTR("database.outboxRetentionHours", 1, 87600),
        INTR("database.housekeepingIntervalMs", 100, 86400000),
        INTR("database.outboxPurgeBatchSize", 1, 1000000),
        ROW("database.driver", CONFIG_STRING),       /* legacy (mongodb|lokijs), ignored */
        ROW("database.dbNamePrefix", CONFIG_STRING), /* legacy, ignored */
        ROW("database.folder", CONFIG_STRING),       /* legacy lokijs, ignored */

        /* transportLibrary (Backbone client) */
        ROW("transportLibrary", CONFIG_OBJECT),
        ROWC("transportLibrary.baseUrl", CONFIG_STRING, CHECK_HTTP_URL),
        ROW("transportLibrary.platformClientId", CONFIG_STRING),
        ROWF("transportLibrary.platformClientSecret", CONFIG_STRING, CONFIG_SECRET),
        INTR("transportLibrary.platformTimeout", 1, INT32_LIMIT),
        INTR("transportLibrary.platformMaxRedirects", 0, 100),
        INTR("transportLibrary.platformMaxContentLength", 1, INT64_MAX),
        INTR("transportLibrary.platformMaxUnencryptedFileSize", 1, INT64_MAX),
        ROWC("transportLibrary.realm", CONFIG_STRING, CHECK_REALM),
        ROW("transportLibrary.datawalletEnabled", CONFIG_BOOL),
        ROW("transportLibrary.debug", CONFIG_BOOL),
        ROW("transportLibrary.allowIdentityCreation", CONFIG_BOOL),
        ROW("transportLibrary.addressGenerationHostnameOverride", CONFIG_STRING),
        ROWF("transportLibrary.platformAdditionalHeaders", CONFIG_OBJECT, CONFIG_FREE),
        ROW("transportLibrary.platformAdditionalHeaders.*", CONFIG_STRING),
        ROWF("transportLibrary.pinnedTLSCertificateSHA256Fingerprints", CONFIG_OBJECT, CONFIG_FREE),
        ROW("transportLibrary.enforceCertificatePinning", CONFIG_BOOL),

        /* logging: level/format, anything else (a log4js object from old configs) is accepted and ignored */
        ROWF("logging", CONFIG_OBJECT, CONFIG_FREE),
        ROWC("logging.level", CONFIG_STRING, CHECK_LOG_LEVEL),
        ROWC("logging.format", CONFIG_STRING, CHECK_LOG_FORMAT),

        /* infrastructure.httpServer */
        ROW("infrastructure", CONFIG_OBJECT),
        ROW("infrastructure.httpServer", CONFIG_OBJECT),
        ROW("infrastructure.httpServer.enabled", CONFIG_BOOL),
        ROWC("infrastructure.httpServer.host", CONFIG_STRING, CHECK_HOST),
        INTR("infrastructure.httpServer.port", 1, 65535),
        ROWF("infrastructure.httpServer.cors", CONFIG_ANY, CONFIG_FREE),
        ROWF("infrastructure.httpServer.apiKey", CONFIG_STRING, CONFIG_SECRET),
        ROWF("infrastructure.httpServer.helmetOptions", CONFIG_OBJECT, CONFIG_FREE),
        ROW("infrastructure.httpServer.authentication", CONFIG_OBJECT),
        ROW("infrastructure.httpServer.authentication.apiKey", CONFIG_OBJECT),
        ROW("infrastructure.httpServer.authentication.apiKey.enabled", CONFIG_BOOL),
        ROWC("infrastructure.httpServer.authentication.apiKey.headerName", CONFIG_STRING, CHECK_NONEMPTY),
        ROW("infrastructure.httpServer.authentication.apiKey.keys", CONFIG_OBJECT),
        ROW("infrastructure.httpServer.authentication.apiKey.keys.*", CONFIG_OBJECT),
        ROWF("infrastructure.httpServer.authentication.apiKey.keys.*.key", CONFIG_STRING, CONFIG_SECRET),
        ROW("infrastructure.httpServer.authentication.apiKey.keys.*.enabled", CONFIG_BOOL),
        ROW("infrastructure.httpServer.authentication.apiKey.keys.*.description", CONFIG_STRING),
        ROW("infrastructure.httpServer.authentication.apiKey.keys.*.expiresAt", CONFIG_STRING),
        ROW("infrastructure.httpServer.authentication.apiKey.keys.*.scopes", CONFIG_STRING_ARRAY),
        ROWF("infrastructure.httpServer.authentication.oidc", CONFIG_OBJECT, CONFIG_FREE),
        ROWF("infrastructure.httpServer.authentication.jwtBearer", CONFIG_OBJECT, CONFIG_FREE),
        ROWF("infrastructure.httpServer.oidc", CONFIG_OBJECT, CONFIG_FREE),
        ROWF("infrastructure.httpServer.jwtBearer", CONFIG_OBJECT, CONFIG_FREE),

        /* supervisor (new in this implementation) */
        ROW("supervisor", CONFIG_OBJECT),
        INTR("supervisor.restartBackoffFloorMs", 1, INT32_LIMIT),
        INTR("supervisor.restartBackoffCapMs", 1, INT32_LIMIT),
        INTR("supervisor.stablePeriodMs", 1, INT32_LIMIT),
        INTR("supervisor.crashLoopMaxRestarts", 1, 1000000),
        INTR("supervisor.crashLoopWindowMs", 1, INT32_LIMIT),
        INTR("supervisor.crashLoopCooldownMs", 1, INT32_LIMIT),
        INTR("supervisor.shutdownGraceMs", 1, INT32_LIMIT),
        INTR("supervisor.heartbeatIntervalMs", 1, INT32_LIMIT),
        INTR("supervisor.heartbeatTimeoutMs", 1, INT32_LIMIT),
        INTR("supervisor.readyTimeoutMs", 1, INT32_LIMIT),
        ROW("supervisor.runtimeDirectory", CONFIG_STRING),
        ROW("supervisor.pidFile", CONFIG_STRING),

        /* modules: common keys of every entry */
        ROW("modules", CONFIG_OBJECT),
        ROW("modules.*", CONFIG_OBJECT),
        ROW("modules.*.enabled", CONFIG_BOOL),
        ROW("modules.*.displayName", CONFIG_STRING),
        ROW("modules.*.location", CONFIG_STRING),
        ROW("modules.*.name", CONFIG_STRING),
        ROW("modules.*.requiredInfrastructure", CONFIG_STRING_ARRAY),
        INTR("modules.*.workers", 1, 1),
        ROWF("modules.+", CONFIG_OBJECT, CONFIG_FREE), /* custom module: free-form */

        /* runtime built-ins */
        ROW("modules.notification", CONFIG_OBJECT),
        ROW("modules.decider", CONFIG_OBJECT),
        ROWF("modules.decider.automationConfig", CONFIG_ANY, CONFIG_FREE),
        ROW("modules.request", CONFIG_OBJECT),
        ROW("modules.attributeListener", CONFIG_OBJECT), /* 4.6.3 built-in, accepted and ignored */

        ROW("modules.coreHttpApi", CONFIG_OBJECT),
        INTR("modules.coreHttpApi.workers", 1, 64),
        ROW("modules.coreHttpApi.docs", CONFIG_OBJECT),
        ROW("modules.coreHttpApi.docs.enabled", CONFIG_BOOL),
        ROW("modules.coreHttpApi.docs.rapidoc", CONFIG_OBJECT),
        ROW("modules.coreHttpApi.docs.rapidoc.persistAuth", CONFIG_BOOL),

        ROW("modules.webhooks", CONFIG_OBJECT),
        INTR("modules.webhooks.workers", 1, 64),
        INTR("modules.webhooks.requestTimeoutMs", 100, 600000),
        ROW("modules.webhooks.retrySchedule", CONFIG_ARRAY),
        INTR("modules.webhooks.leaseMs", 1000, 86400000),
        INTR("modules.webhooks.batchSize", 1, 1000),
        INTR("modules.webhooks.maxInFlight", 1, 10000),
        INTR("modules.webhooks.sweepMs", 10, 600000),
        ROW("modules.webhooks.skipTlsCheck", CONFIG_BOOL),
        ROWF("modules.webhooks.targets", CONFIG_OBJECT, CONFIG_FREE),
        ROW("modules.webhooks.targets.*", CONFIG_OBJECT),
        ROW("modules.webhooks.targets.*.url", CONFIG_STRING),
        ROWF("modules.webhooks.targets.*.headers", CONFIG_OBJECT, CONFIG_FREE),
        ROW("modules.webhooks.targets.*.headers.*", CONFIG_STRING),
        ROWF("modules.webhooks.targets.*.authentication", CONFIG_OBJECT, CONFIG_FREE),
        ROW("modules.webhooks.webhooks", CONFIG_ARRAY),
        ROWF("modules.webhooksV2", CONFIG_OBJECT, CONFIG_FREE), /* 4.6.3 alias, merged into webhooks */

        ROW("modules.amqpPublisher", CONFIG_OBJECT),
        ROW("modules.amqpPublisher.url", CONFIG_STRING),
        ROW("modules.amqpPublisher.exchange", CONFIG_STRING),
        INTR("modules.amqpPublisher.timeout", 1, INT32_LIMIT),

        ROW("modules.PubSubPublisher", CONFIG_OBJECT),
        ROW("modules.PubSubPublisher.projectId", CONFIG_STRING),
        ROW("modules.PubSubPublisher.topic", CONFIG_STRING),
        ROW("modules.PubSubPublisher.topicName", CONFIG_STRING),
        ROW("modules.PubSubPublisher.keyFile", CONFIG_STRING),

        ROW("modules.messageBrokerPublisher", CONFIG_OBJECT),
        ROW("modules.messageBrokerPublisher.brokers", CONFIG_ARRAY),

        ROW("modules.autoAcceptRelationshipCreationChanges", CONFIG_OBJECT),
        ROWF("modules.autoAcceptRelationshipCreationChanges.responseContent", CONFIG_ANY, CONFIG_FREE),
        ROW("modules.autoAcceptPendingRelationships", CONFIG_OBJECT),
        ROW("modules.autoDecomposeDeletionProposedRelationships", CONFIG_OBJECT),

        ROW("modules.sync", CONFIG_OBJECT),
        INTR("modules.sync.interval", 1, 86400 * 365),
        ROW("modules.sse", CONFIG_OBJECT),
        ROWC("modules.sse.baseUrlOverride", CONFIG_STRING, CHECK_HTTP_URL),
};

#define N_KEYS (sizeof(config_keys) / sizeof(config_keys[0]))

bool config_schema_known_module(const char *name)
{
	static const char prefix[] = "modules.";
	for (size_t i = 0; i < N_KEYS; i++) {
		const char *p = config_keys[i].pattern;
		if (strncmp(p, prefix, sizeof(prefix) - 1) == 0 && strcmp(p + sizeof(prefix) - 1, name) == 0)
			return true;
	}
	return false;
}

/* Score of one segment match: 3 literal, 1 wildcard, 0 no match. */
static int segment_score(const char *pattern, size_t plen, const char *segment, const char *parent)
{
	if (plen == 1 && pattern[0] == '*')
		return 1;
	if (plen == 1 && pattern[0] == '+')
		return parent && strcmp(parent, "modules") == 0 && !config_schema_known_module(segment) ? 2 : 0;
	return strlen(segment) == plen && strncmp(pattern, segment, plen) == 0 ? 3 : 0;
}

/* Matches the row's pattern against the first segments; returns the score and its depth in *depth. */
static int row_match(const char *pattern, const char *const *segments, int n, int *depth)
{
	int score = 0, i = 0;
	const char *p = pattern;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t plen = dot ? (size_t)(dot - p) : strlen(p);
		if (i >= n)
			return 0;
		int s = segment_score(p, plen, segments[i], i > 0 ? segments[i - 1] : NULL);
		if (s == 0)
			return 0;
		score += s;
		i++;
		p += plen + (dot ? 1 : 0);
		if (!dot)
			break;
	}
	*depth = i;
	return score;
}

const struct config_key *config_schema_find(const char *const *segments, int n, bool *exact)
{
	const struct config_key *best_exact = NULL, *best_free = NULL;
	int exact_score = 0, free_depth = 0, free_score = 0;
	for (size_t i = 0; i < N_KEYS; i++) {
		int depth = 0, score = row_match(config_keys[i].pattern, segments, n, &depth);
		if (score == 0)
			continue;
		if (depth == n && score > exact_score) {
			best_exact = &config_keys[i];
			exact_score = score;
		} else if (depth < n && (config_keys[i].flags & CONFIG_FREE) &&
		           (depth > free_depth || (depth == free_depth && score > free_score))) {
			best_free = &config_keys[i];
			free_depth = depth;
			free_score = score;
		}
	}
	if (exact)
		*exact = best_exact != NULL;
	return best_exact ? best_exact : best_free;
}

int config_path_split(const char *path, char *buf, size_t bufsize, const char **segments)
{
	size_t len = strlen(path);
	if (len == 0 || len >= bufsize)
		return -1;
	memcpy(buf, path, len + 1);
	int n = 0;
	char *save = NULL;
	for (char *s = buf;; s = NULL) {
		char *tok = strtok_r(s, ".", &save);
		if (!tok)
			break;
		if (n == CONFIG_PATH_MAX_DEPTH)
			return -1;
		segments[n++] = tok;
	}
	return n;
}

static bool name_contains(const char *name, const char *word)
{
	return strcasestr(name, word) != NULL;
}

bool config_is_secret(const char *const *segments, int n)
{
	if (n <= 0)
		return false;
	bool exact = false;
	const struct config_key *row = config_schema_find(segments, n, &exact);
	if (row && exact && (row->flags & CONFIG_SECRET))
		return true;
	const char *name = segments[n - 1];
	if (name_contains(name, "url"))
		return false; /* URLs are shown with their credentials masked instead */
	static const char *const words[] = {"secret",  "password", "passwd",        "token",  "apikey",
	                                    "api-key", "api_key",  "authorization", "cookie", "credential"};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (name_contains(name, words[i]))
			return true;
	return strcasecmp(name, "key") == 0;
}
