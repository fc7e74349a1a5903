/*
 * config_rules.c: validation rules that span several keys or look inside arrays: supervisor timing
 * relations, module entries (enabled required, custom modules warned), webhook targets and
 * subscriptions, message brokers, the deprecated publishers, and the API keys of
 * infrastructure.httpServer.authentication.apiKey (uniqueness, key policy). Structural checks of a
 * module run only when it is enabled, as the original checked them in the module's init.
 */
#include "config.h"
#include "config_internal.h"
#include "delivery_webhook.h"
#include "config_schema.h"
#include "log.h"
#include "timeutil.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static json_object *member(json_object *node, const char *key)
{
	json_object *v = NULL;
	return json_object_is_type(node, json_type_object) && json_object_object_get_ex(node, key, &v) ? v : NULL;
}

static bool has_member(json_object *node, const char *key)
{
	return json_object_is_type(node, json_type_object) && json_object_object_get_ex(node, key, NULL);
}

/* Only a JSON true counts (json_object_get_boolean would also accept "yes" or 1). */
static bool is_true(json_object *v)
{
	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

static bool is_nonempty_string(json_object *v)
{
	return json_object_is_type(v, json_type_string) && *json_object_get_string(v);
}

/* Requires node.key to be a non-empty string; reports "<prefix>.<key>: <what>, got ...". */
static void require_string(struct config_report *r, json_object *node, const char *prefix, const char *key,
                           const char *what)
{
	char path[512];
	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	json_object *v = member(node, key);
	if (!is_nonempty_string(v))
		config_problem(r, path, what, v, has_member(node, key));
}

static void check_int_order(struct config_report *r, json_object *supervisor, const char *low, const char *high,
                            bool strict)
{
	json_object *a = member(supervisor, low), *b = member(supervisor, high);
	if (!json_object_is_type(a, json_type_int) || !json_object_is_type(b, json_type_int))
		return;
	int64_t x = json_object_get_int64(a), y = json_object_get_int64(b);
	if (strict ? x < y : x <= y)
		return;
	char path[128], expectation[160];
	snprintf(path, sizeof(path), "supervisor.%s", high);
	snprintf(expectation, sizeof(expectation), "expected %s supervisor.%s (%" PRId64 ")",
	         strict ? "more than" : "at least", low, x);
	config_problem(r, path, expectation, b, true);
}

static void check_supervisor(json_object *root, struct config_report *r)
{
	json_object *supervisor = member(root, "supervisor");
	check_int_order(r, supervisor, "restartBackoffFloorMs", "restartBackoffCapMs", false);
	check_int_order(r, supervisor, "heartbeatIntervalMs", "heartbeatTimeoutMs", true);
}

static void check_module_entries(json_object *modules, struct config_report *r)
{
	if (!json_object_is_type(modules, json_type_object))
		return;
	json_object_object_foreach(modules, name, entry)
	{
		char path[512];
		snprintf(path, sizeof(path), "modules.%s.enabled", name);
		if (json_object_is_type(entry, json_type_object) && !has_member(entry, "enabled"))
			config_problem(r, path, "expected a boolean", NULL, false);
		if (!config_schema_known_module(name))
			log_warn(
			        "ConnectorConfig",
			        "modules.%s: unknown module, accepted as a custom module but not run by this Connector",
			        name);
	}
}

static void check_url(struct config_report *r, json_object *target, const char *prefix)
{
	char path[512];
	snprintf(path, sizeof(path), "%s.url", prefix);
	json_object *url = member(target, "url");
	const char *s = json_object_is_type(url, json_type_string) ? json_object_get_string(url) : "";
	if (!config_is_http_url(s))
		config_problem(r, path, "expected an http:// or https:// URL", url, has_member(target, "url"));
}

static void check_target_authentication(struct config_report *r, json_object *target, const char *prefix)
{
	json_object *auth = member(target, "authentication");
	if (!auth)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s.authentication", prefix);
	const char *type = json_object_get_string(member(auth, "type"));
	if (type && strcmp(type, "OAuth2") == 0) {
		require_string(r, auth, path, "accessTokenUrl", "expected a string");
		require_string(r, auth, path, "clientId", "expected a string");
		require_string(r, auth, path, "clientSecret", "expected a string");
	} else if (type && strcmp(type, "ApiKey") == 0) {
		require_string(r, auth, path, "apiKey", "expected a string");
	} else {
		snprintf(path, sizeof(path), "%s.authentication.type", prefix);
		config_problem(r, path, "expected one of OAuth2, ApiKey", member(auth, "type"),
		               has_member(auth, "type"));
	}
}

static void check_target(struct config_report *r, json_object *target, const char *prefix)
{
	if (!json_object_is_type(target, json_type_object))
		return; /* reported by the schema walk */
	check_url(r, target, prefix);
	check_target_authentication(r, target, prefix);
}

static bool nonempty_string_array(json_object *v)
{
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
		return false;
	for (size_t i = 0; i < json_object_array_length(v); i++)
		if (!is_nonempty_string(json_object_array_get_idx(v, i)))
			return false;
	return true;
}

static void check_subscription(struct config_report *r, json_object *hook, json_object *targets, size_t i)
{
	char path[256];
	snprintf(path, sizeof(path), "modules.webhooks.webhooks[%zu]", i);
	if (!json_object_is_type(hook, json_type_object)) {
		config_problem(r, path, "expected an object with triggers and target", hook, true);
		return;
	}
	snprintf(path, sizeof(path), "modules.webhooks.webhooks[%zu].triggers", i);
	if (!nonempty_string_array(member(hook, "triggers")))
		config_problem(r, path, "expected a non-empty array of strings", member(hook, "triggers"),
		               has_member(hook, "triggers"));
	snprintf(path, sizeof(path), "modules.webhooks.webhooks[%zu].target", i);
	json_object *target = member(hook, "target");
	if (json_object_is_type(target, json_type_string)) {
		if (!has_member(targets, json_object_get_string(target)))
			config_problem(r, path, "expected the name of a target in modules.webhooks.targets", target,
			               true);
	} else if (json_object_is_type(target, json_type_object)) {
		check_target(r, target, path);
	} else {
		config_problem(r, path, "expected a target name or an object with url", target,
		               has_member(hook, "target"));
	}
}

static void check_webhooks(json_object *module, struct config_report *r)
{
	json_object *targets = member(module, "targets");
	if (json_object_is_type(targets, json_type_object)) {
		json_object_object_foreach(targets, name, target)
		{
			char prefix[512];
			snprintf(prefix, sizeof(prefix), "modules.webhooks.targets.%s", name);
			check_target(r, target, prefix);
		}
	}
	json_object *hooks = member(module, "webhooks");
	if (json_object_is_type(hooks, json_type_array))
		for (size_t i = 0; i < json_object_array_length(hooks); i++)
			check_subscription(r, json_object_array_get_idx(hooks, i), targets, i);
}

/* The webhooks worker's own parser, so connectord names the original's error codes too. */
static void check_webhooks_as_the_worker_does(json_object *root, struct config_report *r)
{
	struct webhook_config parsed;
	struct webhook_error err;
	if (webhook_config_parse(root, &parsed, &err)) {
		webhook_config_free(&parsed);
		return;
	}
	config_error_append(&r->text, "modules.webhooks: %s: %s", err.code, err.message);
	r->problems++;
}

static void check_broker(struct config_report *r, json_object *broker, size_t i)
{
	char path[256];
	snprintf(path, sizeof(path), "modules.messageBrokerPublisher.brokers[%zu]", i);
	if (!json_object_is_type(broker, json_type_object)) {
		config_problem(r, path, "expected an object with type and configuration", broker, true);
		return;
	}
	const char *type = json_object_get_string(member(broker, "type"));
	json_object *configuration = member(broker, "configuration");
	bool known =
	        json_object_is_type(member(broker, "type"), json_type_string) &&
	        (!strcmp(type, "AMQP") || !strcmp(type, "MQTT") || !strcmp(type, "PubSub") || !strcmp(type, "Redis"));
	snprintf(path, sizeof(path), "modules.messageBrokerPublisher.brokers[%zu].type", i);
	if (!known)
		config_problem(r, path, "expected one of AMQP, MQTT, PubSub, Redis", member(broker, "type"),
		               has_member(broker, "type"));
	snprintf(path, sizeof(path), "modules.messageBrokerPublisher.brokers[%zu].configuration", i);
	if (!json_object_is_type(configuration, json_type_object)) {
		config_problem(r, path, "expected an object", configuration, has_member(broker, "configuration"));
		return;
	}
	if (!known)
		return;
	if (strcmp(type, "PubSub") == 0) {
		require_string(r, configuration, path, "projectId", "expected a non-empty string");
		require_string(r, configuration, path, "topicName", "expected a non-empty string");
		require_string(r, configuration, path, "keyFile", "expected a non-empty string");
	} else {
		require_string(r, configuration, path, "url", "expected a non-empty string");
	}
}

static void check_brokers(json_object *module, struct config_report *r)
{
	json_object *brokers = member(module, "brokers");
	if (!json_object_is_type(brokers, json_type_array))
		return; /* wrong type reported by the schema walk */
	if (json_object_array_length(brokers) == 0)
		config_problem(r, "modules.messageBrokerPublisher.brokers", "expected at least one broker", brokers,
		               true);
	for (size_t i = 0; i < json_object_array_length(brokers); i++)
		check_broker(r, json_object_array_get_idx(brokers, i), i);
}

static void check_deprecated_publishers(json_object *modules, struct config_report *r)
{
	json_object *amqp = member(modules, "amqpPublisher"), *pubsub = member(modules, "PubSubPublisher");
	if (is_true(member(amqp, "enabled")))
		require_string(r, amqp, "modules.amqpPublisher", "url", "expected a non-empty string");
	if (!is_true(member(pubsub, "enabled")))
		return;
	require_string(r, pubsub, "modules.PubSubPublisher", "projectId", "expected a non-empty string");
	json_object *topic = member(pubsub, "topic");
	if (!json_object_is_type(topic, json_type_string) || json_object_get_string_len(topic) == 0)
		require_string(r, pubsub, "modules.PubSubPublisher", "topicName",
		               "expected a non-empty string (or topic)");
	require_string(r, pubsub, "modules.PubSubPublisher", "keyFile", "expected a non-empty string");
}

static void check_modules(json_object *root, struct config_report *r)
{
	json_object *modules = member(root, "modules");
	check_module_entries(modules, r);
	json_object *webhooks = member(modules, "webhooks");
	if (is_true(member(webhooks, "enabled"))) {
		int before = r->problems;
		check_webhooks(webhooks, r);
		if (r->problems == before)
			check_webhooks_as_the_worker_does(root, r);
	}
	json_object *broker = member(modules, "messageBrokerPublisher");
	if (is_true(member(broker, "enabled")))
		check_brokers(broker, r);
	check_deprecated_publishers(modules, r);
}

static void check_api_keys(json_object *root, struct config_report *r);

void config_check_rules(json_object *root, struct config_report *r)
{
	check_supervisor(root, r);
	check_modules(root, r);
	check_api_keys(root, r);
}

/* Key policy of today's Connector: >= 30 characters, >= 2 digits, 2 upper, 2 lower, 1 special. */
static bool key_policy_ok(const char *key)
{
	int digits = 0, upper = 0, lower = 0, special = 0;
	for (const char *p = key; *p; p++) {
		unsigned char c = (unsigned char)*p;
		digits += isdigit(c) != 0;
		upper += isupper(c) != 0;
		lower += islower(c) != 0;
		special += !isalnum(c);
	}
	return strlen(key) >= 30 && digits >= 2 && upper >= 2 && lower >= 2 && special >= 1;
}

#define API_KEYS "infrastructure.httpServer.authentication.apiKey"

static void check_one_api_key(struct config_report *r, json_object *keys, const char *id, json_object *entry,
                              bool policy)
{
	char path[512];
	snprintf(path, sizeof(path), API_KEYS ".keys.%s.key", id);
	json_object *key = member(entry, "key");
	if (!json_object_is_type(entry, json_type_object))
		return; /* reported by the schema walk */
	if (!json_object_is_type(key, json_type_string)) {
		if (!key)
			config_problem(r, path, "expected a string", NULL, has_member(entry, "key"));
		return;
	}
	const char *text = json_object_get_string(key);
	json_object_object_foreach(keys, other_id, other)
	{
		if (strcmp(other_id, id) == 0)
			break;
		const char *other_key = json_object_get_string(member(other, "key"));
		if (json_object_is_type(member(other, "key"), json_type_string) && strcmp(other_key, text) == 0) {
			char expectation[512];
			snprintf(expectation, sizeof(expectation), "expected a key different from that of keys.%s",
			         other_id);
			config_problem(r, path, expectation, key, true);
			return;
		}
	}
	bool enabled = !json_object_is_type(member(entry, "enabled"), json_type_boolean) ||
	               json_object_get_boolean(member(entry, "enabled"));
	if (policy && enabled && !key_policy_ok(text))
		config_problem(r, path,
		               "expected at least 30 characters with 2 digits, 2 upper-case letters, 2 lower-case "
		               "letters and 1 special character",
		               key, true);
	json_object *expires = member(entry, "expiresAt");
	int64_t ms;
	snprintf(path, sizeof(path), API_KEYS ".keys.%s.expiresAt", id);
	if (json_object_is_type(expires, json_type_string) && !time_parse_iso(json_object_get_string(expires), &ms))
		config_problem(r, path, "expected an ISO 8601 date-time such as \"2030-01-01T00:00:00Z\"", expires,
		               true);
}

static void check_api_keys(json_object *root, struct config_report *r)
{
	json_object *api_key =
	        member(member(member(member(root, "infrastructure"), "httpServer"), "authentication"), "apiKey");
	json_object *keys = member(api_key, "keys");
	if (!json_object_is_type(keys, json_type_object))
		return;
	bool used = !json_object_is_type(member(api_key, "enabled"), json_type_boolean) ||
	            json_object_get_boolean(member(api_key, "enabled"));
	json_object_object_foreach(keys, id, entry) check_one_api_key(r, keys, id, entry, used);
}
