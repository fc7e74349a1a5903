/*
 * test_config_validate.c: every rule of config_validate, asserting the exact message text, plus the
 * warnings for unknown keys and custom modules.
 */
#include "tap.h"
#include "test_config_util.h"

static char *last_report;

/* Loads defaults + the given custom JSON (+ env), validates; returns the problem count. */
static int check(const char *custom_json, char **env)
{
	const char *path = write_file("v.json", custom_json ? custom_json : "{}");
	char *error = NULL;
	json_object *root = load(path, env, &error);
	if (!root) {
		diag("load failed: %s", error);
		free(error);
		return -1;
	}
	free(last_report);
	last_report = NULL;
	int problems = config_validate(root, &last_report);
	json_object_put(root);
	return problems;
}

/* Exactly one problem with this text. */
static void one(const char *custom_json, const char *expected)
{
	int n = check(custom_json, NULL);
	if (!ok(n == 1 && last_report && strcmp(last_report, expected) == 0, "%s", expected))
		diag("got %d: %s", n, last_report ? last_report : "(none)");
}

static void one_env(char **env, const char *expected)
{
	int n = check(NULL, env);
	if (!ok(n == 1 && last_report && strcmp(last_report, expected) == 0, "%s", expected))
		diag("got %d: %s", n, last_report ? last_report : "(none)");
}

static void test_http_server(void)
{
	one("{\"infrastructure\":{\"httpServer\":{\"port\":\"abc\"}}}",
	    "infrastructure.httpServer.port: expected an integer between 1 and 65535, got \"abc\"");
	one("{\"infrastructure\":{\"httpServer\":{\"port\":70000}}}",
	    "infrastructure.httpServer.port: expected an integer between 1 and 65535, got 70000");
	one("{\"infrastructure\":{\"httpServer\":{\"port\":0}}}",
	    "infrastructure.httpServer.port: expected an integer between 1 and 65535, got 0");
	one("{\"infrastructure\":{\"httpServer\":{\"port\":80.5}}}",
	    "infrastructure.httpServer.port: expected an integer between 1 and 65535, got 80.5");
	one("{\"infrastructure\":{\"httpServer\":{\"host\":\"bad host!\"}}}",
	    "infrastructure.httpServer.host: expected a host name or IP address, got \"bad host!\"");
	one("{\"infrastructure\":{\"httpServer\":{\"host\":\"\"}}}",
	    "infrastructure.httpServer.host: expected a host name or IP address, got \"\"");
	is_int(check("{\"infrastructure\":{\"httpServer\":{\"host\":\"::1\"}}}", NULL), 0, "IPv6 host accepted");
	is_int(check("{\"infrastructure\":{\"httpServer\":{\"host\":\"0.0.0.0\"}}}", NULL), 0, "IPv4 host accepted");
	one("{\"infrastructure\":{\"httpServer\":{\"enabled\":\"yes\"}}}",
	    "infrastructure.httpServer.enabled: expected a boolean, got \"yes\"");
	one("{\"infrastructure\":{\"httpServer\":{\"apiKey\":[\"leak\"]}}}",
	    "infrastructure.httpServer.apiKey: expected a string, got \"***\"");
	one("{\"infrastructure\":\"x\"}", "infrastructure: expected an object, got \"x\"");
	is_int(check("{\"infrastructure\":{\"httpServer\":{\"cors\":{\"origin\":[\"http://a\"],\"x\":1}}}}", NULL), 0,
	       "cors is free-form");
}

static void test_workers_and_modules(void)
{
	one("{\"modules\":{\"coreHttpApi\":{\"workers\":0}}}",
	    "modules.coreHttpApi.workers: expected an integer between 1 and 64, got 0");
	one("{\"modules\":{\"webhooks\":{\"workers\":65}}}",
	    "modules.webhooks.workers: expected an integer between 1 and 64, got 65");
	one("{\"modules\":{\"sync\":{\"workers\":2}}}", "modules.sync.workers: expected 1, got 2");
	one("{\"modules\":{\"sync\":{\"enabled\":\"yes\"}}}", "modules.sync.enabled: expected a boolean, got \"yes\"");
	one("{\"modules\":{\"sync\":{\"interval\":0}}}",
	    "modules.sync.interval: expected an integer between 1 and 31536000, got 0");
	one("{\"modules\":{\"mine\":{\"location\":\"x\"}}}", "modules.mine.enabled: expected a boolean, got nothing");
	one("{\"modules\":{\"sse\":3}}", "modules.sse: expected an object, got 3");
	one("{\"modules\":{\"coreHttpApi\":{\"requiredInfrastructure\":[1]}}}",
	    "modules.coreHttpApi.requiredInfrastructure: expected an array of strings, got [1]");
	one("{\"modules\":{\"sse\":{\"baseUrlOverride\":\"ws://x\"}}}",
	    "modules.sse.baseUrlOverride: expected an http:// or https:// URL, got \"ws://x\"");
	one("{\"modules\":[]}", "modules: expected an object, got []");
	one("{\"modules\":{\"a\\nb\":{}}}", "modules.a\\x0ab.enabled: expected a boolean, got nothing");

	capture_begin();
	int n = check("{\"modules\":{\"mine\":{\"enabled\":true,\"anything\":{\"x\":1}},\"sync\":{\"intervall\":5}}}",
	              NULL);
	char *warnings = capture_end();
	is_int(n, 0, "custom module and unknown keys are not errors");
	ok(strstr(warnings, "ConnectorConfig: modules.mine: unknown module, accepted as a custom module but not run "
	                    "by this Connector") != NULL,
	   "custom module warned");
	ok(strstr(warnings, "ConnectorConfig: modules.sync.intervall: unknown key, ignored") != NULL,
	   "unknown key warned");
	ok(strstr(warnings, "modules.mine.anything") == NULL, "custom module's keys are not warned about");
	free(warnings);
}

static void test_supervisor(void)
{
	one("{\"supervisor\":{\"restartBackoffFloorMs\":50000}}",
	    "supervisor.restartBackoffCapMs: expected at least supervisor.restartBackoffFloorMs (50000), got 30000");
	one("{\"supervisor\":{\"heartbeatTimeoutMs\":1000}}",
	    "supervisor.heartbeatTimeoutMs: expected more than supervisor.heartbeatIntervalMs (1000), got 1000");
	one("{\"supervisor\":{\"shutdownGraceMs\":-5}}",
	    "supervisor.shutdownGraceMs: expected an integer between 1 and 2147483647, got -5");
	one("{\"supervisor\":{\"crashLoopMaxRestarts\":0}}",
	    "supervisor.crashLoopMaxRestarts: expected an integer between 1 and 1000000, got 0");
	one("{\"supervisor\":{\"runtimeDirectory\":true}}", "supervisor.runtimeDirectory: expected a string, got true");
}

static void test_database_and_transport(void)
{
	one("{\"database\":{\"dbName\":\"bad name\"}}",
	    "database.dbName: expected 1 to 63 characters from A-Z, a-z, 0-9, _ and -, got \"bad name\"");
	one("{\"database\":{\"dbName\":\"\"}}",
	    "database.dbName: expected 1 to 63 characters from A-Z, a-z, 0-9, _ and -, got \"\"");
	one("{\"database\":{\"dbName\":\"a123456789b123456789c123456789d123456789e123456789f123456789abcd\"}}",
	    "database.dbName: expected 1 to 63 characters from A-Z, a-z, 0-9, _ and -, got "
	    "\"a123456789b123456789c123456789d123456789e123456789f123456789abcd\"");
	is_int(check("{\"database\":{\"dbName\":\"acc-Default_1\"}}", NULL), 0, "dbName with - and _ accepted");
	one("{\"database\":{\"connectionString\":true}}", "database.connectionString: expected a string, got true");
	one("{\"database\":{\"connectionString\":\"mongodb://u:pw@mongo:27017\"}}",
	    "database.connectionString: expected a libpq key=value string or a postgresql:// URI, got "
	    "\"mongodb://u:***@mongo:27017\"");
	is_int(check("{\"database\":{\"connectionString\":\"postgres://u:p@h/db\"}}", NULL), 0, "postgres:// accepted");
	is_int(check("{\"database\":{\"connectionString\":\"host=/tmp dbname=x\"}}", NULL), 0, "key=value accepted");
	one("{\"database\":{\"outboxRetentionHours\":0}}",
	    "database.outboxRetentionHours: expected an integer between 1 and 87600, got 0");
	one("{\"transportLibrary\":{\"baseUrl\":\"ftp://x\"}}",
	    "transportLibrary.baseUrl: expected an http:// or https:// URL, got \"ftp://x\"");
	one("{\"transportLibrary\":{\"baseUrl\":\"http://\"}}",
	    "transportLibrary.baseUrl: expected an http:// or https:// URL, got \"http://\"");
	is_int(check("{\"transportLibrary\":{\"baseUrl\":\"https://backbone.example\"}}", NULL), 0, "https baseUrl ok");
	one("{\"transportLibrary\":{\"platformTimeout\":\"soon\"}}",
	    "transportLibrary.platformTimeout: expected an integer between 1 and 2147483647, got \"soon\"");
	one("{\"transportLibrary\":{\"platformMaxRedirects\":-1}}",
	    "transportLibrary.platformMaxRedirects: expected an integer between 0 and 100, got -1");
	one("{\"transportLibrary\":{\"realm\":\"prod\"}}",
	    "transportLibrary.realm: expected a 3-character realm such as \"id1\", got \"prod\"");
	one("{\"transportLibrary\":{\"platformClientSecret\":{\"a\":\"b\"}}}",
	    "transportLibrary.platformClientSecret: expected a string, got \"***\"");
	one("{\"transportLibrary\":{\"platformAdditionalHeaders\":{\"X-A\":{}}}}",
	    "transportLibrary.platformAdditionalHeaders.X-A: expected a string, got {}");
}

static void test_logging(void)
{
	one("{\"logging\":{\"level\":\"loud\"}}",
	    "logging.level: expected one of trace, debug, info, warn, error, fatal, got \"loud\"");
	one("{\"logging\":{\"format\":\"xml\"}}", "logging.format: expected one of human, json, got \"xml\"");
	is_int(check("{\"logging\":{\"level\":\"DEBUG\",\"appenders\":{\"c\":{\"type\":\"stdout\"}},\"categories\":"
	             "{\"default\":{\"appenders\":[\"c\"],\"level\":\"TRACE\"}}}}",
	             NULL),
	       0, "log4js-shaped object accepted");
	char *env[] = {"DEBUG=express:*", NULL};
	one_env(env, "debug: expected a boolean, got \"express:*\"");
}

static void test_api_keys(void)
{
	static const char good1[] = "AAbbcc11!!xxxxxxxxxxxxxxxxxxxxxx", good2[] = "ZZyyxx22??xxxxxxxxxxxxxxxxxxxxxx";
	char json[1024];
	snprintf(
	        json, sizeof(json),
	        "{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"key\":\"%s\"},"
	        "\"b\":{\"key\":\"%s\",\"scopes\":[\"core:*\"],\"expiresAt\":\"2030-01-01T00:00:00Z\"}}}}}}}",
	        good1, good2);
	is_int(check(json, NULL), 0, "two policy-conforming keys accepted");
	snprintf(
	        json, sizeof(json),
	        "{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"key\":\"%s\"},"
	        "\"b\":{\"key\":\"%s\"}}}}}}}",
	        good1, good1);
	one(json, "infrastructure.httpServer.authentication.apiKey.keys.b.key: expected a key different from that of "
	          "keys.a, got \"***\"");
	one("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"key\":"
	    "\"short\"}}}}}}}",
	    "infrastructure.httpServer.authentication.apiKey.keys.a.key: expected at least 30 characters with 2 "
	    "digits, "
	    "2 upper-case letters, 2 lower-case letters and 1 special character, got \"***\"");
	one("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"key\":"
	    "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}}}}}}",
	    "infrastructure.httpServer.authentication.apiKey.keys.a.key: expected at least 30 characters with 2 "
	    "digits, "
	    "2 upper-case letters, 2 lower-case letters and 1 special character, got \"***\"");
	is_int(check("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"enabled\":false,\"keys\":"
	             "{\"a\":{\"key\":\"short\"}}}}}}}",
	             NULL),
	       0, "policy not applied when authentication.apiKey is disabled");
	is_int(check("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"key\":"
	             "\"short\",\"enabled\":false}}}}}}}",
	             NULL),
	       0, "policy not applied to a disabled key");
	is_int(check("{\"infrastructure\":{\"httpServer\":{\"apiKey\":\"short\"}}}", NULL), 0,
	       "legacy apiKey string has no policy");
	one("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"enabled\":true}}}}"
	    "}}}",
	    "infrastructure.httpServer.authentication.apiKey.keys.a.key: expected a string, got nothing");
	snprintf(json, sizeof(json),
	         "{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":{\"key\":\"%s\","
	         "\"expiresAt\":\"tomorrow\"}}}}}}}",
	         good1);
	one(json, "infrastructure.httpServer.authentication.apiKey.keys.a.expiresAt: expected an ISO 8601 date-time "
	          "such as \"2030-01-01T00:00:00Z\", got \"tomorrow\"");
	one("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"headerName\":\"\"}}}}}",
	    "infrastructure.httpServer.authentication.apiKey.headerName: expected a non-empty string, got \"\"");
	one("{\"infrastructure\":{\"httpServer\":{\"authentication\":{\"apiKey\":{\"keys\":{\"a\":\"k\"}}}}}}",
	    "infrastructure.httpServer.authentication.apiKey.keys.a: expected an object, got \"k\"");
}

#define WEBHOOKS(body) "{\"modules\":{\"webhooks\":{\"enabled\":true," body "}}}"

static void test_webhooks(void)
{
	is_int(check(WEBHOOKS("\"targets\":{\"t\":{\"url\":\"http://h/{{trigger}}\",\"headers\":{\"a\":\"b\"}}},"
	                      "\"webhooks\":[{\"triggers\":[\"**\"],\"target\":\"t\"},{\"triggers\":[\"x.y\"],"
	                      "\"target\":{\"url\":\"https://i\"}}]"),
	             NULL),
	       0, "valid webhooks accepted");
	one(WEBHOOKS("\"targets\":{\"t\":{}}"), "modules.webhooks.targets.t.url: expected an http:// or https:// URL, "
	                                        "got nothing");
	one(WEBHOOKS("\"targets\":{\"t\":{\"url\":\"mailto:x\"}}"),
	    "modules.webhooks.targets.t.url: expected an http:// or https:// URL, got \"mailto:x\"");
	one(WEBHOOKS("\"targets\":{\"t\":{\"url\":\"https://\"}}"),
	    "modules.webhooks.targets.t.url: expected an http:// or https:// URL, got \"https://\"");
	one(WEBHOOKS("\"webhooks\":[{\"triggers\":[\"a\"],\"target\":\"nope\"}]"),
	    "modules.webhooks.webhooks[0].target: expected the name of a target in modules.webhooks.targets, got "
	    "\"nope\"");
	one(WEBHOOKS("\"webhooks\":[{\"triggers\":[],\"target\":{\"url\":\"http://x\"}}]"),
	    "modules.webhooks.webhooks[0].triggers: expected a non-empty array of strings, got []");
	one(WEBHOOKS("\"webhooks\":[{\"target\":{\"url\":\"http://x\"}}]"),
	    "modules.webhooks.webhooks[0].triggers: expected a non-empty array of strings, got nothing");
	one(WEBHOOKS("\"webhooks\":[{\"triggers\":[\"a\"],\"target\":{}}]"),
	    "modules.webhooks.webhooks[0].target.url: expected an http:// or https:// URL, got nothing");
	one(WEBHOOKS("\"webhooks\":[{\"triggers\":[\"a\"],\"target\":7}]"),
	    "modules.webhooks.webhooks[0].target: expected a target name or an object with url, got 7");
	one(WEBHOOKS("\"webhooks\":[5]"), "modules.webhooks.webhooks[0]: expected an object with triggers and target, "
	                                  "got 5");
	one(WEBHOOKS("\"webhooks\":{}"), "modules.webhooks.webhooks: expected an array, got {}");
	one(WEBHOOKS("\"targets\":[]"), "modules.webhooks.targets: expected an object, got []");
	one(WEBHOOKS("\"targets\":{\"t\":{\"url\":\"http://x\",\"headers\":{\"n\":true}}}"),
	    "modules.webhooks.targets.t.headers.n: expected a string, got true");
	one(WEBHOOKS("\"targets\":{\"t\":{\"url\":\"http://x\",\"authentication\":{\"type\":\"Basic\"}}}"),
	    "modules.webhooks.targets.t.authentication.type: expected one of OAuth2, ApiKey, got \"Basic\"");
	one(WEBHOOKS("\"targets\":{\"t\":{\"url\":\"http://x\",\"authentication\":{\"type\":\"OAuth2\","
	             "\"accessTokenUrl\":\"http://t\",\"clientId\":\"c\"}}}"),
	    "modules.webhooks.targets.t.authentication.clientSecret: expected a string, got nothing");
	one(WEBHOOKS("\"targets\":{\"t\":{\"url\":\"http://x\",\"authentication\":{\"type\":\"ApiKey\",\"apiKey\":"
	             "\"\"}}}"),
	    "modules.webhooks.targets.t.authentication.apiKey: expected a string, got \"\"");
	one("{\"modules\":{\"webhooks\":{\"enabled\":\"yes\",\"targets\":{\"t\":{}}}}}",
	    "modules.webhooks.enabled: expected a boolean, got \"yes\"");
	is_int(check("{\"modules\":{\"webhooks\":{\"enabled\":false,\"targets\":{\"t\":{}}}}}", NULL), 0,
	       "structure of a disabled webhooks module is not checked (as the original)");
}

#define BROKERS(list) "{\"modules\":{\"messageBrokerPublisher\":{\"enabled\":true,\"brokers\":" list "}}}"

static void test_brokers(void)
{
	is_int(check(BROKERS("[{\"type\":\"AMQP\",\"configuration\":{\"url\":\"amqp://h\"}},{\"type\":\"MQTT\","
	                     "\"configuration\":{\"url\":\"mqtt://h\"}},{\"type\":\"Redis\",\"configuration\":{\"url\":"
	                     "\"redis://"
	                     "h\"}},{\"type\":\"PubSub\",\"configuration\":{\"projectId\":\"p\",\"topicName\":"
	                     "\"t\",\"keyFile\":\"/k\"}}]"),
	             NULL),
	       0, "all four broker types accepted");
	one(BROKERS("[]"), "modules.messageBrokerPublisher.brokers: expected at least one broker, got []");
	one(BROKERS("[{\"type\":\"Kafka\",\"configuration\":{}}]"),
	    "modules.messageBrokerPublisher.brokers[0].type: expected one of AMQP, MQTT, PubSub, Redis, got \"Kafka\"");
	one(BROKERS("[{\"type\":\"AMQP\"}]"),
	    "modules.messageBrokerPublisher.brokers[0].configuration: expected an object, got nothing");
	one(BROKERS("[{\"type\":\"Redis\",\"configuration\":{}}]"),
	    "modules.messageBrokerPublisher.brokers[0].configuration.url: expected a non-empty string, got nothing");
	one(BROKERS("[{\"type\":\"PubSub\",\"configuration\":{\"projectId\":\"p\",\"topic\":\"t\",\"keyFile\":\"k\"}}"
	            "]"),
	    "modules.messageBrokerPublisher.brokers[0].configuration.topicName: expected a non-empty string, got "
	    "nothing");
	one(BROKERS("[\"AMQP\"]"),
	    "modules.messageBrokerPublisher.brokers[0]: expected an object with type and configuration, got \"AMQP\"");
	one(BROKERS("{}"), "modules.messageBrokerPublisher.brokers: expected an array, got {}");
	one("{\"modules\":{\"amqpPublisher\":{\"enabled\":true}}}",
	    "modules.amqpPublisher.url: expected a non-empty string, got nothing");
	one("{\"modules\":{\"PubSubPublisher\":{\"enabled\":true,\"projectId\":\"p\",\"keyFile\":\"k\"}}}",
	    "modules.PubSubPublisher.topicName: expected a non-empty string (or topic), got nothing");
	ok(check("{\"modules\":{\"PubSubPublisher\":{\"enabled\":true,\"projectId\":\"p\",\"topic\":\"t\","
	         "\"keyFile\":\"k\"}}}",
	         NULL) == 0,
	   "PubSubPublisher accepts topic instead of topicName");
}

static void test_several_and_root(void)
{
	int n = check("{\"debug\":1,\"database\":{\"dbName\":\"a b\"}}", NULL);
	is_int(n, 2, "two problems counted");
	is_str(last_report,
	       "debug: expected a boolean, got 1\n"
	       "database.dbName: expected 1 to 63 characters from A-Z, a-z, 0-9, _ and -, got \"a b\"",
	       "one line per problem, in key order");
	char *report = (char *)"untouched";
	json_object *root = json_object_new_array();
	is_int(config_validate(root, &report), 1, "non-object root");
	is_str(report, "(root): expected an object, got []", "root message");
	free(report);
	json_object_put(root);
	root = json_object_new_object();
	report = (char *)"untouched";
	is_int(config_validate(root, &report), 0, "empty object validates");
	ok(report == NULL, "no report when there is no problem");
	is_int(config_validate(root, NULL), 0, "NULL report pointer allowed");
	json_object_put(root);
	n = check("{\"modules\":{\"sync\":{\"interval\":\"" /* long value is shortened */
	          "1234567890123456789012345678901234567890123456789012345678901234567890123456789012345x\"}}}",
	          NULL);
	ok(n == 1 && strstr(last_report, "...") && strlen(last_report) < 200, "long values are shortened");
}

int main(void)
{
	test_dir_init();
	test_http_server();
	test_workers_and_modules();
	test_supervisor();
	test_database_and_transport();
	test_logging();
	test_api_keys();
	test_webhooks();
	test_brokers();
	test_several_and_root();
	free(last_report);
	test_dir_cleanup();
	return tap_done();
}
