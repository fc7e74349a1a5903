/*
 * test_config.c: config_load layers and precedence, merge vs replace, the environment rules (aliases,
 * "__" and ":", JSON values and their pitfalls, unknown variables, free-form subtrees), file errors,
 * the original's post-processing, the accessors and config_masked_copy.
 */
#include "tap.h"
#include "test_config_util.h"

static const char *str(json_object *root, const char *path)
{
	return config_get_string(root, path, "(missing)");
}

static json_object *load_env(char **env)
{
	char *error = NULL;
	json_object *root = load(NULL, env, &error);
	if (!root)
		diag("load failed: %s", error);
	free(error);
	return root;
}

static void test_defaults(void)
{
	json_object *root = load_env(NULL);
	is_str(str(root, "database.dbName"), "default", "default dbName");
	is_int(config_get_int(root, "database.outboxRetentionHours", 0), 168, "default outbox retention");
	is_int(config_get_int(root, "infrastructure.httpServer.port", 0), 80, "default port 80");
	is_str(str(root, "infrastructure.httpServer.host"), "localhost", "default host");
	is_int(config_get_int(root, "modules.sync.interval", 0), 60, "default sync interval");
	is_int(config_get_int(root, "supervisor.restartBackoffCapMs", 0), 30000, "default backoff cap");
	is_str(str(root, "infrastructure.httpServer.authentication.apiKey.headerName"), "X-API-KEY",
	       "default api key header");
	ok(!config_get_bool(root, "infrastructure.httpServer.cors.origin", true), "default cors origin false");
	static const char *const order[] = {"notification",
	                                    "decider",
	                                    "request",
	                                    "coreHttpApi",
	                                    "webhooks",
	                                    "amqpPublisher",
	                                    "PubSubPublisher",
	                                    "messageBrokerPublisher",
	                                    "autoAcceptRelationshipCreationChanges",
	                                    "autoAcceptPendingRelationships",
	                                    "autoDecomposeDeletionProposedRelationships",
	                                    "sync",
	                                    "sse"};
	size_t i = 0;
	bool in_order = true;
	json_object_object_foreach(config_get(root, "modules"), name, entry)
	{
		(void)entry;
		in_order = in_order && i < sizeof(order) / sizeof(order[0]) && strcmp(order[i], name) == 0;
		i++;
	}
	ok(in_order && i == sizeof(order) / sizeof(order[0]), "module order is the original's");
	char *report = NULL;
	is_int(config_validate(root, &report), 0, "defaults validate cleanly");
	free(report);
	json_object_put(root);
}

static void test_layers(void)
{
	const char *custom = write_file("custom.json", "{\"infrastructure\":{\"httpServer\":{\"port\":8080}},"
	                                               "\"modules\":{\"webhooks\":{\"webhooks\":[{\"triggers\":[\"a\"],"
	                                               "\"target\":\"t\"}]},\"myModule\":{\"enabled\":false}}}");
	char *error = NULL;
	json_object *root = load(custom, NULL, &error);
	is_int(config_get_int(root, "infrastructure.httpServer.port", 0), 8080, "custom file overrides default");
	is_str(str(root, "infrastructure.httpServer.host"), "localhost", "objects merge: sibling default kept");
	is_int(json_object_array_length(config_get(root, "modules.webhooks.webhooks")), 1, "array from custom");
	ok(config_get(root, "modules.webhooks.targets") != NULL, "merge keeps default targets object");
	json_object_put(root);

	char *env[] = {"infrastructure__httpServer__port=9090",
	               "modules__webhooks__webhooks=[{\"triggers\":[\"b\"],\"target\":\"u\"},{\"triggers\":[\"c\"],"
	               "\"target\":\"u\"}]",
	               NULL};
	root = load(custom, env, &error);
	is_int(config_get_int(root, "infrastructure.httpServer.port", 0), 9090, "environment overrides custom file");
	is_int(json_object_array_length(config_get(root, "modules.webhooks.webhooks")), 2, "arrays replace");
	is_str(str(root, "modules.webhooks.webhooks.0.triggers.0"), "b", "replaced array content");
	json_object_put(root);
}

static void test_module_key_order(void)
{
	const char *custom = write_file("order.json", "{\"modules\":{\"zeta\":{\"enabled\":false},"
	                                              "\"sync\":{\"interval\":5}}}");
	char *error = NULL;
	json_object *root = load(custom, NULL, &error);
	const char *last = NULL;
	json_object_object_foreach(config_get(root, "modules"), name, entry)
	{
		(void)entry;
		last = name;
	}
	is_str(last, "zeta", "keys only in higher layers are appended after the defaults' order");
	is_int(config_get_int(root, "modules.sync.interval", 0), 5, "overridden key keeps its place and value");
	json_object_put(root);
}

static void test_separators_and_values(void)
{
	char *env[] = {"infrastructure:httpServer:port=7070",
	               "modules__sync__interval=1e3",
	               "modules__coreHttpApi__workers=007",
	               "modules__webhooks__enabled=true",
	               "modules__webhooks__skipTlsCheck=null",
	               "modules__coreHttpApi__docs__enabled=notjson",
	               "modules__webhooks__targets__t={\"url\":\"http://h/{{trigger}}\"}",
	               "modules__webhooks__targets__t__headers__X-Num=5",
	               "logging__appenders__console__type=stdout",
	               "transportLibrary__platformAdditionalHeaders__X-Extra=1",
	               "transportLibrary__platformTimeout=\"60\"",
	               NULL};
	json_object *root = load_env(env);
	is_int(config_get_int(root, "infrastructure.httpServer.port", 0), 7070, "':' separator");
	is_int(config_get_int(root, "modules.sync.interval", 0), 1000, "1e3 parses as 1000 for an integer key");
	is_int(config_get_int(root, "modules.coreHttpApi.workers", 0), 7, "007 (not JSON) coerced for an integer key");
	ok(config_get_bool(root, "modules.webhooks.enabled", false), "'__' separator and JSON boolean");
	ok(config_get(root, "modules.webhooks.skipTlsCheck") == NULL &&
	           json_object_object_get_ex(config_get(root, "modules.webhooks"), "skipTlsCheck", NULL),
	   "null parses to JSON null");
	is_str(str(root, "modules.coreHttpApi.docs.enabled"), "notjson", "non-JSON value kept as a string");
	is_str(str(root, "modules.webhooks.targets.t.url"), "http://h/{{trigger}}",
	       "JSON object value in free subtree");
	is_str(str(root, "modules.webhooks.targets.t.headers.X-Num"), "5", "header (string key) kept verbatim");
	is_str(str(root, "logging.appenders.console.type"), "stdout", "free-form logging subtree taken");
	is_str(str(root, "transportLibrary.platformAdditionalHeaders.X-Extra"), "1", "additional header kept verbatim");
	is_int(config_get_int(root, "transportLibrary.platformTimeout", 0), 60, "JSON string \"60\" coerced to int");
	json_object_put(root);
}

static void test_aliases(void)
{
	char *env[] = {"API_KEY=12345",
	               "DATABASE_CONNECTION_STRING=host=db user=c password=pw",
	               "DATABASE_NAME=123",
	               "SYNC_ENABLED=true",
	               "PLATFORM_CLIENT_ID=client",
	               "PLATFORM_CLIENT_SECRET=007",
	               "DEBUG=true",
	               NULL};
	json_object *root = load_env(env);
	is_str(str(root, "infrastructure.httpServer.apiKey"), "12345", "API_KEY numeric stays a string");
	is_str(str(root, "database.connectionString"), "host=db user=c password=pw", "DATABASE_CONNECTION_STRING");
	is_str(str(root, "database.dbName"), "123", "DATABASE_NAME numeric stays a string");
	ok(config_get_bool(root, "modules.sync.enabled", false), "SYNC_ENABLED");
	is_str(str(root, "transportLibrary.platformClientId"), "client", "PLATFORM_CLIENT_ID");
	is_str(str(root, "transportLibrary.platformClientSecret"), "007", "PLATFORM_CLIENT_SECRET");
	ok(config_get_bool(root, "debug", false), "DEBUG");
	char *report = NULL;
	is_int(config_validate(root, &report), 0, "aliased values validate");
	free(report);
	json_object_put(root);

	char *debug_env[] = {"DEBUG=express:*", NULL};
	root = load_env(debug_env);
	is_str(str(root, "debug"), "express:*", "DEBUG=express:* kept as a string (as in the original)");
	is_int(config_validate(root, &report), 1, "... and rejected by validation");
	is_str(report, "debug: expected a boolean, got \"express:*\"", "... with a clear message");
	free(report);
	json_object_put(root);
}

static void test_unknown_variables(void)
{
	char *env[] = {"PATH=/usr/bin",
	               "HOME=/root",
	               "FOO__BAR=1",
	               "modules__sync__intervall=5",
	               "__x=1",
	               "modules____x=1",
	               "_=/bin/env",
	               "modules__custom__color=\"red\"",
	               "noequals",
	               "=novalue",
	               "a.b=1",
	               "modules__sync__enabled__x=1",
	               NULL};
	json_object *root = load_env(env);
	ok(!config_get(root, "PATH") && !config_get(root, "HOME") && !config_get(root, "FOO"),
	   "unrelated variables are not taken");
	ok(!config_get(root, "modules.sync.intervall"), "unknown key below a known module is not taken");
	is_str(str(root, "modules.custom.color"), "red", "custom module keys are taken (free-form)");
	ok(config_get_bool(root, "modules.sync.enabled", true) == false, "key below a scalar key is not taken");
	ok(!config_get(root, "a") && !config_get(root, "_"), "odd names ignored");
	json_object_put(root);
}

static void test_depth_order(void)
{
	char *env[] = {"modules__webhooks__enabled=true", "modules__webhooks={\"enabled\":false,\"workers\":3}", NULL};
	json_object *root = load_env(env);
	ok(config_get_bool(root, "modules.webhooks.enabled", false), "deeper variable wins over object-valued parent");
	is_int(config_module_workers(root, "webhooks"), 3, "object-valued variable merges");
	ok(config_get(root, "modules.webhooks.targets") != NULL, "object-valued variable keeps siblings");
	json_object_put(root);
}

static void test_custom_location(void)
{
	const char *a = write_file("a.json", "{\"database\":{\"dbName\":\"from_a\"}}");
	char custom_env[700];
	snprintf(custom_env, sizeof(custom_env), "CUSTOM_CONFIG_LOCATION=%s", a);
	char *env[] = {custom_env, NULL};
	json_object *root = load_env(env);
	is_str(str(root, "database.dbName"), "from_a", "CUSTOM_CONFIG_LOCATION is read");
	json_object_put(root);

	const char *b = write_file("b.json", "{\"database\":{\"dbName\":\"from_b\"}}");
	char *error = NULL;
	root = load(b, env, &error);
	is_str(str(root, "database.dbName"), "from_b", "explicit path wins over CUSTOM_CONFIG_LOCATION");
	json_object_put(root);

	char missing[512], expect[700];
	snprintf(missing, sizeof(missing), "%s/missing.json", test_dir);
	root = load(missing, NULL, &error);
	snprintf(expect, sizeof(expect), "%s: cannot open: No such file or directory", missing);
	ok(root == NULL, "missing explicit file is an error");
	is_str(error, expect, "... naming the file");
	free(error);
	snprintf(custom_env, sizeof(custom_env), "CUSTOM_CONFIG_LOCATION=%s", missing);
	root = load(NULL, env, &error);
	ok(root == NULL && error && strstr(error, missing), "missing CUSTOM_CONFIG_LOCATION file is an error");
	free(error);

	write_file("config.json", "{\"database\":{\"dbName\":\"from_sysconf\"}}");
	root = load(NULL, NULL, &error);
	is_str(str(root, "database.dbName"), "from_sysconf", "<sysconf>/config.json read when present");
	json_object_put(root);
	snprintf(expect, sizeof(expect), "%s/config.json", test_dir);
	unlink(expect);
	root = load(NULL, NULL, &error);
	is_str(str(root, "database.dbName"), "default", "absent <sysconf>/config.json is fine");
	json_object_put(root);

	root = load(test_dir, NULL, &error);
	snprintf(expect, sizeof(expect), "%s: cannot read: Is a directory", test_dir);
	ok(root == NULL, "a directory is an error");
	is_str(error, expect, "... saying so");
	free(error);

	root = config_load(NULL, &error);
	is_str(str(root, "database.dbName"), "default", "NULL sources: defaults from CONNECTOR_DEFAULT_CONFIG");
	json_object_put(root);

	struct config_sources none = {missing, NULL, NULL};
	ok(config_load(&none, NULL) == NULL, "missing defaults file is an error (NULL error pointer ok)");
}

static void expect_parse_error(const char *content, size_t len, const char *where_and_reason, const char *name)
{
	const char *path = write_file_n("bad.json", content, len);
	char *error = NULL, expect[700];
	json_object *root = load(path, NULL, &error);
	snprintf(expect, sizeof(expect), "%s:%s", path, where_and_reason);
	ok(root == NULL, "%s: rejected", name);
	is_str(error, expect, name);
	free(error);
	json_object_put(root);
}

static void test_file_errors(void)
{
	expect_parse_error("{\n  \"a\": ,\n}", 11, "2:8: invalid JSON: unexpected character",
	                   "bad value: line and column");
	expect_parse_error("", 0, "1:1: invalid JSON: unexpected end of data", "empty file");
	expect_parse_error("{\"a\":1", 6, "1:7: invalid JSON: unexpected end of data", "truncated file");
	expect_parse_error("[1,2]", 5, "1:1: invalid JSON: expected a JSON object at the top level", "top-level array");
	expect_parse_error("{\"a\":1}\n}", 9, "2:1: invalid JSON: unexpected character", "trailing data");
	expect_parse_error("{\"a\":1,}", 8, "1:8: invalid JSON: unexpected character", "trailing comma");
	expect_parse_error("{\"a\":\0}", 7, "1:6: invalid JSON: unexpected end of data", "NUL byte");

	const char *bom = write_file("bom.json", "\xEF\xBB\xBF{\"database\":{\"dbName\":\"bom\"}}");
	char *error = NULL;
	json_object *root = load(bom, NULL, &error);
	is_str(str(root, "database.dbName"), "bom", "UTF-8 BOM is stripped");
	json_object_put(root);

	const char *numeric = write_file("numeric.json", "{\"infrastructure\":{\"httpServer\":{\"apiKey\":12345,"
	                                                 "\"port\":\"8080\"}},\"database\":{\"dbName\":7}}");
	root = load(numeric, NULL, &error);
	is_str(str(root, "infrastructure.httpServer.apiKey"), "12345", "numeric apiKey in a file coerced to string");
	is_str(str(root, "database.dbName"), "7", "numeric dbName in a file coerced to string");
	is_int(config_get_int(root, "infrastructure.httpServer.port", 0), 8080, "port \"8080\" coerced to integer");
	json_object_put(root);
}

static void test_post_processing(void)
{
	const char *v2 =
	        write_file("v2.json", "{\"modules\":{\"webhooks\":{\"targets\":{\"keep\":{\"url\":\"http://k\"}}},"
	                              "\"webhooksV2\":{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"http://x\"}},"
	                              "\"webhooks\":[{\"triggers\":[\"**\"],\"target\":\"t\"}]}}}");
	char *error = NULL;
	capture_begin();
	json_object *root = load(v2, NULL, &error);
	char *warnings = capture_end();
	ok(strstr(warnings, "ConnectorConfig: The 'webhooksV2' configuration is deprecated. Please use 'webhooks' "
	                    "instead.") != NULL,
	   "webhooksV2 warning text");
	free(warnings);
	ok(config_module_enabled(root, "webhooks"), "webhooksV2 values win");
	is_str(str(root, "modules.webhooks.targets.t.url"), "http://x", "webhooksV2 targets merged");
	is_str(str(root, "modules.webhooks.targets.keep.url"), "http://k", "webhooks targets kept");
	ok(config_get(root, "modules.webhooksV2") == NULL, "webhooksV2 removed");
	json_object_put(root);

	char *env[] = {"modules__sse__enabled=true", "SYNC_ENABLED=true", "modules__decider__enabled=false", NULL};
	capture_begin();
	root = load_env(env);
	warnings = capture_end();
	ok(strstr(warnings, "ConnectorConfig: The SSE and Sync modules cannot be enabled at the same time, the Sync "
	                    "module will be disabled.") != NULL,
	   "sse/sync warning text");
	free(warnings);
	ok(!config_module_enabled(root, "sync") && config_module_enabled(root, "sse"), "sync disabled when sse on");
	ok(config_module_enabled(root, "decider"), "decider is always enabled");
	json_object_put(root);
}

static void test_accessors(void)
{
	char *env[] = {"modules__webhooks__workers=4", "modules__sync__workers=3", "modules__coreHttpApi__workers=100",
	               NULL};
	json_object *root = load_env(env);
	ok(config_get(root, "no.such.key") == NULL, "missing path gives NULL");
	ok(config_get(root, "") == NULL && config_get(NULL, "debug") == NULL, "empty path / NULL root give NULL");
	is_str(config_get_string(root, "infrastructure.httpServer.port", "fb"), "fb", "string of an int: fallback");
	is_int(config_get_int(root, "database.dbName", -1), -1, "int of a string: fallback");
	ok(config_get_bool(root, "missing", true), "bool fallback");
	is_str(str(root, "modules.coreHttpApi.requiredInfrastructure.0"), "httpServer", "array index in a path");
	ok(config_get(root, "modules.coreHttpApi.requiredInfrastructure.1") == NULL, "index out of range");
	ok(config_get(root, "modules.coreHttpApi.requiredInfrastructure.-1") == NULL, "negative index");
	is_int(config_module_workers(root, "webhooks"), 4, "webhooks workers");
	is_int(config_module_workers(root, "sync"), 1, "sync is fixed at one worker");
	is_int(config_module_workers(root, "coreHttpApi"), 1, "out-of-range workers fall back to 1");
	is_int(config_module_workers(root, "nosuch"), 1, "unknown module: one worker");
	ok(config_module_enabled(root, "coreHttpApi") && !config_module_enabled(root, "webhooks"), "module_enabled");
	ok(!config_module_enabled(root, "nosuch"), "unknown module not enabled");
	json_object_put(root);
}

static void test_masking(void)
{
	const char *custom = write_file(
	        "secrets.json",
	        "{\"database\":{\"connectionString\":\"host=db password = 'se cret\\\\' x' user=u\"},"
	        "\"transportLibrary\":{\"platformClientSecret\":\"cs\"},"
	        "\"infrastructure\":{\"httpServer\":{\"apiKey\":\"legacykey\",\"authentication\":{\"apiKey\":{\"keys\":"
	        "{\"k\":{\"key\":\"modernkey\",\"description\":\"shown\"}}}}}},"
	        "\"modules\":{\"webhooks\":{\"targets\":{\"t\":{\"url\":\"https://u:pw@h/x\",\"headers\":"
	        "{\"Authorization\":\"Bearer abc\",\"X-Plain\":\"visible\"},\"authentication\":{\"type\":\"OAuth2\","
	        "\"clientId\":\"id\",\"clientSecret\":\"oauthsecret\",\"accessTokenUrl\":\"https://t/token\"}}}},"
	        "\"messageBrokerPublisher\":{\"brokers\":[{\"type\":\"AMQP\",\"configuration\":{\"url\":"
	        "\"amqp://guest:guest@localhost:5672\"}}]}}}");
	char *error = NULL;
	json_object *root = load(custom, NULL, &error), *m = config_masked_copy(root);
	is_str(str(m, "database.connectionString"), "host=db password = *** user=u", "libpq quoted password masked");
	is_str(str(m, "transportLibrary.platformClientSecret"), "***", "client secret masked");
	is_str(str(m, "infrastructure.httpServer.apiKey"), "***", "legacy api key masked");
	is_str(str(m, "infrastructure.httpServer.authentication.apiKey.keys.k.key"), "***", "api key masked");
	is_str(str(m, "infrastructure.httpServer.authentication.apiKey.keys.k.description"), "shown",
	       "description kept");
	is_str(str(m, "modules.webhooks.targets.t.url"), "https://u:***@h/x", "URL password masked");
	is_str(str(m, "modules.webhooks.targets.t.headers.Authorization"), "***", "Authorization header masked");
	is_str(str(m, "modules.webhooks.targets.t.headers.X-Plain"), "visible", "other header kept");
	is_str(str(m, "modules.webhooks.targets.t.authentication.clientSecret"), "***", "OAuth secret masked");
	is_str(str(m, "modules.webhooks.targets.t.authentication.accessTokenUrl"), "https://t/token", "token URL kept");
	is_str(str(m, "modules.messageBrokerPublisher.brokers.0.configuration.url"), "amqp://guest:***@localhost:5672",
	       "broker URL password masked");
	is_str(str(m, "database.dbName"), "default", "non-secret kept");
	is_str(str(root, "transportLibrary.platformClientSecret"), "cs", "original untouched");
	json_object_put(m);
	json_object_put(root);

	char *env[] = {"DATABASE_CONNECTION_STRING=postgresql://app:p%40ss@db:5432/x?sslmode=require&password=two",
	               NULL};
	root = load_env(env);
	m = config_masked_copy(root);
	is_str(str(m, "database.connectionString"), "postgresql://app:***@db:5432/x?sslmode=require&password=***",
	       "URI password and query password masked");
	is_str(str(m, "infrastructure.httpServer.apiKey"), "", "empty secret stays empty");
	json_object_put(m);
	json_object_put(root);
	ok(config_masked_copy(NULL) == NULL, "masked copy of NULL");

	char *empty_env[] = {"DATABASE_CONNECTION_STRING=host=h password= user=u password=", NULL};
	root = load_env(empty_env);
	m = config_masked_copy(root);
	is_str(str(m, "database.connectionString"),
	       "host=h password= *** password=", "libpq value after 'password= ' masked, empty trailing one left");
	json_object_put(m);
	json_object_put(root);
}

static void test_example_file(void)
{
	char path[512], *error = NULL, *report = NULL;
	snprintf(path, sizeof(path), "%s/etc/example.json",
	         getenv("CONNECTOR_SRCDIR") ? getenv("CONNECTOR_SRCDIR") : "..");
	json_object *root = load(path, NULL, &error);
	ok(root != NULL, "etc/example.json loads");
	is_int(config_validate(root, &report), 0, "etc/example.json validates cleanly");
	if (report)
		diag("%s", report);
	is_int(config_module_workers(root, "coreHttpApi"), 2, "example: two HTTP workers");
	free(report);
	free(error);
	json_object_put(root);
}

int main(void)
{
	test_dir_init();
	test_defaults();
	test_example_file();
	test_layers();
	test_module_key_order();
	test_separators_and_values();
	test_aliases();
	test_unknown_variables();
	test_depth_order();
	test_custom_location();
	test_file_errors();
	test_post_processing();
	test_accessors();
	test_masking();
	test_dir_cleanup();
	return tap_done();
}
