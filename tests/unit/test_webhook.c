/*
 * test_webhook.c: the webhooks module's process-free parts (lib/delivery_webhook*.c): the
 * original's configuration errors with their codes and messages, consumer ids, the URL template,
 * the body bytes, the Standard Webhooks signature (the specification's test vector), secrets,
 * EventEmitter2 triggers and Retry-After. No database needed.
 */
#include <stdlib.h>
#include <string.h>

#include "delivery_webhook.h"
#include "tap.h"

static bool parse(const char *json, struct webhook_config *cfg, struct webhook_error *err)
{
	json_object *root = json_tokener_parse(json);
	if (!root) {
		printf("Bail out! fixture is not JSON: %s\n", json);
		exit(1);
	}
	bool r = webhook_config_parse(root, cfg, err);
	json_object_put(root);
	return r;
}

static void expect_error(const char *modules_webhooks, const char *code, const char *message, const char *what)
{
	char json[2048];
	snprintf(json, sizeof(json), "{\"modules\":{\"webhooks\":%s}}", modules_webhooks);
	struct webhook_config cfg;
	struct webhook_error err;
	bool r = parse(json, &cfg, &err);
	ok(!r, "%s: refused", what);
	is_str(err.code, code, "  code");
	is_str(err.message, message, "  message");
	webhook_config_free(&cfg);
}

static void test_config_errors(void)
{
	expect_error("{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"ftp://x\"}}}",
	             "error.runtime.modules.webhooks.invalidUrlFormat", "'ftp://x' is not a valid URL.", "ftp URL");
	expect_error("{\"enabled\":true,\"targets\":{\"t\":{\"headers\":{}}}}",
	             "error.runtime.modules.webhooks.invalidUrlFormat", "'undefined' is not a valid URL.",
	             "missing url");
	expect_error("{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"http://ok\"}},"
	             "\"webhooks\":[{\"triggers\":[\"a\"],\"target\":\"nope\"}]}",
	             "error.runtime.modules.webhooks.invalidTargetReference",
	             "Invalid configuration. target 'nope' not found!", "unknown target");
	expect_error("{\"enabled\":true,\"webhooks\":[{\"triggers\":[\"a\"],\"target\":{\"url\":\"not a url\"}}]}",
	             "error.runtime.modules.webhooks.invalidUrlFormat", "'not a url' is not a valid URL.",
	             "bad inline URL");
	expect_error("{\"enabled\":true,\"targets\":{\"a\":{\"url\":\"bad1\"},\"b\":{\"url\":\"bad2\"}},"
	             "\"webhooks\":[{\"triggers\":[\"a\"],\"target\":\"nope\"}]}",
	             "error.runtime.modules.webhooks.invalidUrlFormat", "'bad1' is not a valid URL.",
	             "the first error in the original's order wins (targets first)");
	expect_error("{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"http://ok\"}},\"webhooks\":[{\"target\":\"t\"}]}",
	             "error.runtime.modules.webhooks.invalidTriggers",
	             "Invalid configuration. webhooks[0].triggers must be a non-empty array of strings.",
	             "no triggers");
	expect_error("{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"http://"
	             "ok\",\"authentication\":{\"type\":\"ApiKey\"}}}}",
	             "error.runtime.modules.webhooks.invalidAuthenticationConfig",
	             "Invalid authentication configuration for target 't': ApiKey needs a non-empty 'apiKey'.",
	             "ApiKey without key");
	expect_error("{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"http://ok\",\"authentication\":"
	             "{\"type\":\"OAuth2\",\"accessTokenUrl\":\"http://a\",\"clientId\":\"c\"}}}}",
	             "error.runtime.modules.webhooks.invalidAuthenticationConfig",
	             "Invalid authentication configuration for target 't': OAuth2 needs a non-empty 'clientSecret'.",
	             "OAuth2 without secret");
	expect_error(
	        "{\"enabled\":true,\"targets\":{\"t\":{\"url\":\"http://ok\",\"secret\":\"whsec_!!\"}}}",
	        "error.runtime.modules.webhooks.invalidSecret",
	        "Invalid configuration for target 't': 'secret' must be 'whsec_' followed by base64 of 1 to 64 bytes.",
	        "bad secret");
	expect_error("{\"enabled\":true,\"requestTimeoutMs\":\"x\"}",
	             "error.runtime.modules.webhooks.invalidConfiguration",
	             "modules.webhooks.requestTimeoutMs: expected an integer between 100 and 600000, got \"x\"",
	             "bad timeout");
}

static void test_config_ok(void)
{
	struct webhook_config cfg;
	struct webhook_error err;
	bool r = parse("{\"modules\":{\"webhooks\":{\"enabled\":true,\"skipTlsCheck\":true,"
	               "\"targets\":{\"t\":{\"url\":\"https://h/{{trigger}}\",\"headers\":{\"X-A\":\"1\"},"
	               "\"authentication\":{\"type\":\"ApiKey\",\"apiKey\":\"k\"},\"secret\":\"whsec_c2VjcmV0\"}},"
	               "\"webhooks\":[{\"triggers\":[\"**\"],\"target\":\"t\"},{\"triggers\":[\"a.*\"],"
	               "\"target\":{\"url\":\"http://i\"}}],\"retrySchedule\":[10,20],\"requestTimeoutMs\":1000}}}",
	               &cfg, &err);
	ok(r, "a full configuration parses (%s)", err.message);
	is_int(cfg.hook_count, 2, "two webhooks");
	is_str(cfg.hooks[0].consumer_id, "webhook:1:t", "consumer id of a named target");
	is_str(cfg.hooks[1].consumer_id, "webhook:2:inline", "consumer id of an inline target");
	is_str(cfg.hooks[0].target->auth.header_name, "x-api-key", "ApiKey header defaults to x-api-key");
	ok(cfg.hooks[0].target->secret_len == 6 && memcmp(cfg.hooks[0].target->secret, "secret", 6) == 0,
	   "whsec_ secret decoded");
	ok(cfg.skip_tls_check && cfg.request_timeout_ms == 1000 && cfg.schedule.count == 2, "options read");
	ok(cfg.lease_ms > cfg.request_timeout_ms, "lease exceeds the request timeout");
	ok(webhook_config_hook(&cfg, "webhook:2:inline") == &cfg.hooks[1], "hook by consumer id");
	webhook_config_free(&cfg);
	r = parse("{\"modules\":{\"webhooks\":{\"enabled\":false}}}", &cfg, &err);
	ok(r && cfg.hook_count == 0 && cfg.request_timeout_ms == 15000 && cfg.schedule.count == 7,
	   "defaults: no webhooks, 15 s timeout, Standard Webhooks schedule");
	webhook_config_free(&cfg);
}

static void test_wire(void)
{
	char *url = webhook_url_for("http://h/{{trigger}}/x/{{trigger}}", "transport.messageReceived");
	is_str(url, "http://h/transport.messageReceived/x/{{trigger}}", "only the first {{trigger}} is replaced");
	free(url);
	size_t len = 0;
	char *body = webhook_body("{\"id\": \"MSG1\", \"b\": [1, \"a b\"]}", "transport.messageReceived", &len);
	is_str(body, "{\"data\":{\"id\":\"MSG1\",\"b\":[1,\"a b\"]},\"trigger\":\"transport.messageReceived\"}",
	       "body {data, trigger}, compact, spaces inside strings kept");
	is_int(len, strlen(body), "length");
	free(body);
	body = webhook_body("null", "runtime.modulesStarted", &len);
	is_str(body, "{\"trigger\":\"runtime.modulesStarted\"}", "no data: the key is omitted like JSON.stringify");
	free(body);
	unsigned char *key = NULL;
	size_t key_len = 0;
	ok(webhook_secret_decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &key, &key_len), "spec secret decodes");
	char sig[WEBHOOK_SIGNATURE_LEN];
	const char *payload = "{\"test\": 2432232314}";
	webhook_sign(key, key_len, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, payload, strlen(payload), sig);
	is_str(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", "Standard Webhooks test vector");
	free(key);
	ok(!webhook_secret_decode("whsec_", &key, &key_len), "empty secret refused");
	is_int(webhook_parse_retry_after(" 120", 0), 120000, "Retry-After seconds");
	is_int(webhook_parse_retry_after("Thu, 01 Jan 1970 00:01:00 GMT", 30000), 30000, "Retry-After HTTP date");
	is_int(webhook_parse_retry_after("soon", 0), -1, "Retry-After garbage ignored");
	is_int(webhook_parse_retry_after(NULL, 0), -1, "no Retry-After");
	char *sub = webhook_trigger_subscription("transport.*");
	is_str(sub, "~^\\.transport\\.[^.]*$", "wildcard trigger becomes an anchored regex subscription");
	free(sub);
	sub = webhook_trigger_subscription("**");
	is_str(sub, "*", "'**' subscribes to everything");
	free(sub);
	sub = webhook_trigger_subscription("transport.messageReceived");
	is_str(sub, "transport.messageReceived", "plain trigger stays exact");
	free(sub);
}

int main(void)
{
	test_config_errors();
	test_config_ok();
	test_wire();
	return tap_done();
}
