/*
 * delivery_webhook_config.c: parses modules.webhooks into struct webhook_config (delivery_webhook.h)
 * in the original's order (named targets in object order, then webhooks), stopping at the first
 * error with the original's code and message. Owns every string of the result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "delivery_webhook.h"
#include "log.h"

#define CODE_PREFIX "error.runtime.modules.webhooks."

static char *xstrdup(const char *s)
{
	char *copy = strdup(s ? s : "");
	if (!copy)
		fatal(1, "strdup");
	return copy;
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		fatal(1, "calloc");
	return p;
}

__attribute__((format(printf, 3, 4))) static bool set_error(struct webhook_error *err, const char *code,
                                                            const char *fmt, ...)
{
	snprintf(err->code, sizeof(err->code), CODE_PREFIX "%s", code);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

static json_object *member(json_object *obj, const char *key)
{
	json_object *v = NULL;
	return json_object_is_type(obj, json_type_object) && json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static const char *string_member(json_object *obj, const char *key)
{
	json_object *v = member(obj, key);
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* new URL(url) with protocol http: or https:, as the original checks it. */
static bool url_valid(const char *s)
{
	const char *rest = NULL;
	if (strncasecmp(s, "http://", 7) == 0)
		rest = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		rest = s + 8;
	if (!rest || !*rest || *rest == '/' || *rest == '?' || *rest == '#')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ')
			return false;
	return true;
}

static bool parse_auth(json_object *auth, struct webhook_auth *out, const char *where, struct webhook_error *err)
{
	const char *type = string_member(auth, "type");
	if (type && strcmp(type, "ApiKey") == 0) {
		const char *key = string_member(auth, "apiKey");
		if (!key || !*key)
			return set_error(
			        err, "invalidAuthenticationConfig",
			        "Invalid authentication configuration for %s: ApiKey needs a non-empty 'apiKey'.",
			        where);
		const char *header = string_member(auth, "headerName");
		out->type = WEBHOOK_AUTH_API_KEY;
		out->api_key = xstrdup(key);
		out->header_name = xstrdup(header && *header ? header : "x-api-key");
		return true;
	}
	if (type && strcmp(type, "OAuth2") == 0) {
		static const char *const required[] = {"accessTokenUrl", "clientId", "clientSecret"};
		for (int i = 0; i < 3; i++) {
			const char *v = string_member(auth, required[i]);
			if (!v || !*v)
				return set_error(
				        err, "invalidAuthenticationConfig",
				        "Invalid authentication configuration for %s: OAuth2 needs a non-empty '%s'.",
				        where, required[i]);
		}
		if (!url_valid(string_member(auth, "accessTokenUrl")))
			return set_error(err, "invalidAuthenticationConfig",
			                 "Invalid authentication configuration for %s: '%s' is not a valid URL.", where,
			                 string_member(auth, "accessTokenUrl"));
		out->type = WEBHOOK_AUTH_OAUTH2;
		out->access_token_url = xstrdup(string_member(auth, "accessTokenUrl"));
		out->client_id = xstrdup(string_member(auth, "clientId"));
		out->client_secret = xstrdup(string_member(auth, "clientSecret"));
		const char *scope = string_member(auth, "scope");
		out->scope = scope ? xstrdup(scope) : NULL;
		return true;
	}
	return set_error(err, "invalidAuthenticationConfig",
	                 "Invalid authentication configuration for %s: 'type' must be 'ApiKey' or 'OAuth2'.", where);
}

static bool parse_headers(json_object *headers, struct webhook_target *t)
{
	if (!json_object_is_type(headers, json_type_object))
		return true;
	int n = json_object_object_length(headers);
	t->header_names = xcalloc((size_t)n, sizeof(char *));
	t->header_values = xcalloc((size_t)n, sizeof(char *));
	json_object_object_foreach(headers, name, value)
	{
		t->header_names[t->header_count] = xstrdup(name);
		t->header_values[t->header_count] = xstrdup(value ? json_object_get_string(value) : "null");
		t->header_count++;
	}
	return true;
}

static bool parse_target(json_object *obj, const char *name, const char *where, struct webhook_target *t,
                         struct webhook_error *err)
{
	json_object *url = member(obj, "url");
	if (!json_object_is_type(url, json_type_string) || !url_valid(json_object_get_string(url)))
		return set_error(err, "invalidUrlFormat", "'%s' is not a valid URL.",
		                 url ? json_object_get_string(url) : "undefined");
	t->name = name ? xstrdup(name) : NULL;
	t->url = xstrdup(json_object_get_string(url));
	parse_headers(member(obj, "headers"), t);
	json_object *auth = member(obj, "authentication");
	if (auth && !parse_auth(auth, &t->auth, where, err))
		return false;
	json_object *secret = member(obj, "secret");
	if (secret && !(json_object_is_type(secret, json_type_string) &&
	                webhook_secret_decode(json_object_get_string(secret), &t->secret, &t->secret_len)))
		return set_error(err, "invalidSecret",
		                 "Invalid configuration for %s: 'secret' must be 'whsec_' followed by base64 of 1 to "
		                 "64 bytes.",
		                 where);
	return true;
}

static bool parse_targets(json_object *targets, struct webhook_config *cfg, struct webhook_error *err)
{
	if (!json_object_is_type(targets, json_type_object))
		return true;
	cfg->targets = xcalloc((size_t)json_object_object_length(targets), sizeof(struct webhook_target));
	json_object_object_foreach(targets, name, obj)
	{
		char where[512];
		snprintf(where, sizeof(where), "target '%s'", name);
		struct webhook_target *t = &cfg->targets[cfg->target_count++];
		if (!parse_target(obj, name, where, t, err))
			return false;
	}
	return true;
}

static bool parse_triggers(json_object *triggers, struct webhook_hook *h, struct webhook_error *err)
{
	size_t n = json_object_is_type(triggers, json_type_array) ? json_object_array_length(triggers) : 0;
	if (n == 0)
		return set_error(err, "invalidTriggers",
		                 "Invalid configuration. webhooks[%d].triggers must be a non-empty array of strings.",
		                 h->index - 1);
	h->triggers = xcalloc(n, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(triggers, i);
		if (!json_object_is_type(t, json_type_string) || !*json_object_get_string(t))
			return set_error(
			        err, "invalidTriggers",
			        "Invalid configuration. webhooks[%d].triggers[%zu] must be a non-empty string.",
			        h->index - 1, i);
		h->triggers[h->trigger_count++] = xstrdup(json_object_get_string(t));
	}
	return true;
}

static struct webhook_target *find_target(struct webhook_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->target_count; i++)
		if (strcmp(cfg->targets[i].name, name) == 0)
			return &cfg->targets[i];
	return NULL;
}

static bool parse_hook(json_object *obj, struct webhook_config *cfg, struct webhook_hook *h, struct webhook_error *err)
{
	json_object *target = member(obj, "target");
	char consumer[600];
	if (json_object_is_type(target, json_type_string) || !target) {
		const char *name = target ? json_object_get_string(target) : "undefined";
		if (!target || !(h->target = find_target(cfg, name)))
			return set_error(err, "invalidTargetReference", "Invalid configuration. target '%s' not found!",
			                 name);
		snprintf(consumer, sizeof(consumer), "webhook:%d:%s", h->index, name);
	} else {
		char where[64];
		snprintf(where, sizeof(where), "the inline target of webhooks[%d]", h->index - 1);
		h->target = xcalloc(1, sizeof(*h->target));
		h->inline_target = true;
		if (!parse_target(target, NULL, where, h->target, err))
			return false;
		snprintf(consumer, sizeof(consumer), "webhook:%d:inline", h->index);
	}
	h->consumer_id = xstrdup(consumer);
	return parse_triggers(member(obj, "triggers"), h, err);
}

static bool int_option(json_object *module, const char *key, int64_t min, int64_t max, int64_t *out,
                       struct webhook_error *err)
{
	json_object *v = member(module, key);
	if (!v)
		return true;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min || json_object_get_int64(v) > max)
		return set_error(err, "invalidConfiguration",
		                 "modules.webhooks.%s: expected an integer between %lld and %lld, got %s", key,
		                 (long long)min, (long long)max, json_object_to_json_string(v));
	*out = json_object_get_int64(v);
	return true;
}

static bool parse_options(json_object *module, struct webhook_config *cfg, struct webhook_error *err)
{
	int64_t timeout = 15000, lease = 0, batch = 32, in_flight = 256, sweep = 1000;
	if (!int_option(module, "requestTimeoutMs", 100, 600000, &timeout, err) ||
	    !int_option(module, "leaseMs", 1000, 86400000, &lease, err) ||
	    !int_option(module, "batchSize", 1, 1000, &batch, err) ||
	    !int_option(module, "maxInFlight", 1, 10000, &in_flight, err) ||
	    !int_option(module, "sweepMs", 10, 600000, &sweep, err))
		return false;
	cfg->request_timeout_ms = timeout;
	cfg->lease_ms = (int)(lease ? lease : 4 * timeout + 30000);
	if (cfg->lease_ms <= timeout)
		return set_error(err, "invalidConfiguration",
		                 "modules.webhooks.leaseMs: must exceed requestTimeoutMs (%lld), got %d",
		                 (long long)timeout, cfg->lease_ms);
	cfg->batch_size = (int)batch;
	cfg->max_in_flight = (int)in_flight;
	cfg->sweep_ms = (int)sweep;
	delivery_schedule_default(&cfg->schedule);
	json_object *schedule = member(module, "retrySchedule");
	char *text = NULL;
	if (schedule &&
	    !delivery_schedule_from_json(schedule, "modules.webhooks.retrySchedule", &cfg->schedule, &text)) {
		set_error(err, "invalidConfiguration", "%s", text ? text : "modules.webhooks.retrySchedule: invalid");
		free(text);
		return false;
	}
	return true;
}

bool webhook_config_parse(json_object *root, struct webhook_config *out, struct webhook_error *err)
{
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	json_object *module = member(member(root, "modules"), "webhooks");
	out->enabled = json_object_get_boolean(member(module, "enabled"));
	out->skip_tls_check = json_object_get_boolean(member(module, "skipTlsCheck"));
	if (!parse_options(module, out, err) || !parse_targets(member(module, "targets"), out, err))
		return false;
	json_object *hooks = member(module, "webhooks");
	size_t n = json_object_is_type(hooks, json_type_array) ? json_object_array_length(hooks) : 0;
	out->hooks = xcalloc(n, sizeof(struct webhook_hook));
	for (size_t i = 0; i < n; i++) {
		struct webhook_hook *h = &out->hooks[out->hook_count++];
		h->index = (int)i + 1;
		if (!parse_hook(json_object_array_get_idx(hooks, i), out, h, err))
			return false;
	}
	return true;
}

static void target_free(struct webhook_target *t)
{
	free(t->name);
	free(t->url);
	for (int i = 0; i < t->header_count; i++) {
		free(t->header_names[i]);
		free(t->header_values[i]);
	}
	free(t->header_names);
	free(t->header_values);
	free(t->auth.api_key);
	free(t->auth.header_name);
	free(t->auth.access_token_url);
	free(t->auth.client_id);
	free(t->auth.client_secret);
	free(t->auth.scope);
	free(t->secret);
}

void webhook_config_free(struct webhook_config *cfg)
{
	for (int i = 0; i < cfg->hook_count; i++) {
		struct webhook_hook *h = &cfg->hooks[i];
		for (int k = 0; k < h->trigger_count; k++)
			free(h->triggers[k]);
		free(h->triggers);
		if (h->inline_target && h->target) {
			target_free(h->target);
			free(h->target);
		}
		free(h->consumer_id);
	}
	free(cfg->hooks);
	for (int i = 0; i < cfg->target_count; i++)
		target_free(&cfg->targets[i]);
	free(cfg->targets);
	memset(cfg, 0, sizeof(*cfg));
}

const struct webhook_hook *webhook_config_hook(const struct webhook_config *cfg, const char *consumer_id)
{
	for (int i = 0; i < cfg->hook_count; i++)
		if (cfg->hooks[i].consumer_id && strcmp(cfg->hooks[i].consumer_id, consumer_id) == 0)
			return &cfg->hooks[i];
	return NULL;
}
