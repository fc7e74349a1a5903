/*
 * broker_client.c: the broker client facade (broker_client.h): picks the protocol from the type,
 * reads the settings common to every broker, builds the original's body, and the helpers the
 * protocol files share (broker_internal.h): configuration readers, URL parsing and masking.
 * Invariant: a struct broker always has its ops and impl; impl is owned and destroyed here.
 */
#include "broker_client.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker_internal.h"

struct broker {
	const struct broker_ops *ops;
	void *impl;
	char *description;
	int backoff_floor_ms, backoff_cap_ms;
};

char *broker_strdupf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	return s;
}

void broker_set_error(char **error, const char *fmt, ...)
{
	if (!error)
		return;
	va_list ap;
	char *s = NULL;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	free(*error);
	*error = s;
}

const char *broker_conf_string(json_object *conf, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(conf, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	const char *s = json_object_get_string(v);
	return *s ? s : NULL;
}

bool broker_conf_int(json_object *conf, const char *label, const char *key, int fallback, int min, int max, int *out,
                     char **error)
{
	json_object *v = NULL;
	*out = fallback;
	if (!json_object_object_get_ex(conf, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
	    json_object_get_int64(v) > max) {
		broker_set_error(error, "%s.%s: expected an integer between %d and %d, got %s", label, key, min, max,
		                 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return false;
	}
	*out = (int)json_object_get_int64(v);
	return true;
}

bool broker_conf_bool(json_object *conf, const char *label, const char *key, bool fallback, bool *out, char **error)
{
	json_object *v = NULL;
	*out = fallback;
	if (!json_object_object_get_ex(conf, key, &v) || json_object_is_type(v, json_type_null))
		return true;
	if (!json_object_is_type(v, json_type_boolean)) {
		broker_set_error(error, "%s.%s: expected a boolean, got %s", label, key,
		                 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return false;
	}
	*out = json_object_get_boolean(v);
	return true;
}

static char *percent_decode(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	if (!out)
		abort();
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			char hex[3] = {s[i + 1], s[i + 2], 0};
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = 0;
	return out;
}

static bool parse_authority(const char *a, size_t len, const char *label, struct broker_url *out, char **error)
{
	const char *at = memrchr(a, '@', len);
	if (at) {
		const char *colon = memchr(a, ':', (size_t)(at - a));
		size_t ulen = colon ? (size_t)(colon - a) : (size_t)(at - a);
		out->user = percent_decode(a, ulen);
		if (colon)
			out->password = percent_decode(colon + 1, (size_t)(at - colon - 1));
		len -= (size_t)(at + 1 - a);
		a = at + 1;
	}
	const char *port = NULL;
	if (len && a[0] == '[') {
		const char *close = memchr(a, ']', len);
		if (!close) {
			broker_set_error(error, "%s: the url has an unterminated IPv6 address", label);
			return false;
		}
		out->host = strndup(a + 1, (size_t)(close - a - 1));
		port = (close + 1 < a + len && close[1] == ':') ? close + 2 : NULL;
	} else {
		const char *colon = memchr(a, ':', len);
		out->host = strndup(a, colon ? (size_t)(colon - a) : len);
		port = colon ? colon + 1 : NULL;
	}
	if (port) {
		char *end;
		long p = strtol(port, &end, 10);
		if (end != a + len || p < 1 || p > 65535) {
			broker_set_error(error, "%s: the url has an invalid port", label);
			return false;
		}
		out->port = (int)p;
	}
	if (!out->host || !*out->host) {
		broker_set_error(error, "%s: the url has no host", label);
		return false;
	}
	return true;
}

bool broker_url_parse(const char *url, const char *label, struct broker_url *out, char **error)
{
	memset(out, 0, sizeof(*out));
	const char *sep = url ? strstr(url, "://") : NULL;
	if (!sep || sep == url) {
		broker_set_error(error, "%s: expected a url of the form scheme://host[:port], got \"%s\"", label,
		                 url ? url : "");
		return false;
	}
	out->scheme = strndup(url, (size_t)(sep - url));
	for (char *c = out->scheme; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	const char *a = sep + 3, *slash = strchr(a, '/');
	size_t alen = slash ? (size_t)(slash - a) : strlen(a);
	if (slash && slash[1])
		out->path = strdup(slash + 1);
	if (!parse_authority(a, alen, label, out, error)) {
		broker_url_clear(out);
		return false;
	}
	return true;
}

void broker_url_clear(struct broker_url *u)
{
	free(u->scheme);
	free(u->user);
	free(u->password);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

char *broker_url_masked(const char *url)
{
	const char *sep = strstr(url, "://");
	if (!sep)
		return strdup(url);
	const char *a = sep + 3, *end = a + strcspn(a, "/?#");
	const char *at = memrchr(a, '@', (size_t)(end - a));
	const char *colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
	if (!colon)
		return strdup(url);
	return broker_strdupf("%.*s:***%s", (int)(colon - url), url, at);
}

static const struct broker_ops *ops_for(const char *type)
{
	static const struct broker_ops *const all[] = {&broker_amqp_ops, &broker_mqtt_ops, &broker_redis_ops,
	                                               &broker_pubsub_ops};
	for (size_t i = 0; type && i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->type, type) == 0)
			return all[i];
	return NULL;
}

static struct broker *wrap(const struct broker_ops *ops, json_object *conf, const char *label, char **error)
{
	int floor_ms, cap_ms;
	if (!broker_conf_int(conf, label, "reconnectBackoffFloorMs", 250, 1, 3600000, &floor_ms, error) ||
	    !broker_conf_int(conf, label, "reconnectBackoffCapMs", 10000, 1, 3600000, &cap_ms, error))
		return NULL;
	if (cap_ms < floor_ms) {
		broker_set_error(error, "%s.reconnectBackoffCapMs: expected at least reconnectBackoffFloorMs (%d)",
		                 label, floor_ms);
		return NULL;
	}
	void *impl = ops->create(conf, label, error);
	if (!impl)
		return NULL;
	struct broker *b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->ops = ops;
	b->impl = impl;
	b->description = ops->describe(impl);
	b->backoff_floor_ms = floor_ms;
	b->backoff_cap_ms = cap_ms;
	return b;
}

struct broker *broker_new(const char *type, json_object *configuration, const char *label, char **error)
{
	const struct broker_ops *ops = ops_for(type);
	if (!ops) {
		broker_set_error(error, "%s.type: unknown broker type '%s' (expected AMQP, MQTT, PubSub or Redis)",
		                 label, type ? type : "");
		return NULL;
	}
	if (!json_object_is_type(configuration, json_type_object)) {
		broker_set_error(error, "Cannot start the broker, the 'configuration' is not defined.");
		return NULL;
	}
	return wrap(ops, configuration, label, error);
}

struct broker *broker_new_module(const char *module, json_object *module_config, char **error)
{
	if (module && strcmp(module, "amqpPublisher") == 0)
		return wrap(&broker_amqp_ops, module_config, "modules.amqpPublisher", error);
	if (module && strcmp(module, "PubSubPublisher") == 0)
		return wrap(&broker_pubsub_ops, module_config, "modules.PubSubPublisher", error);
	broker_set_error(error, "unknown publisher module '%s' (expected amqpPublisher or PubSubPublisher)",
	                 module ? module : "");
	return NULL;
}

bool broker_connect(struct broker *b, char **error)
{
	if (b->ops->is_connected(b->impl))
		b->ops->disconnect(b->impl);
	return b->ops->connect(b->impl, error);
}

bool broker_is_connected(const struct broker *b)
{
	return b->ops->is_connected(b->impl);
}

void broker_disconnect(struct broker *b)
{
	b->ops->disconnect(b->impl);
}

bool broker_publish(struct broker *b, const struct broker_message *messages, int count, enum broker_outcome *outcomes,
                    char **error)
{
	for (int i = 0; i < count; i++)
		outcomes[i] = BROKER_RETRY;
	if (!b->ops->is_connected(b->impl)) {
		broker_set_error(error, "not connected");
		return false;
	}
	if (count == 0)
		return true;
	return b->ops->publish(b->impl, messages, count, outcomes, error);
}

const char *broker_describe(const struct broker *b)
{
	return b->description;
}

const char *broker_type(const struct broker *b)
{
	return b->ops->type;
}

void broker_backoff_bounds(const struct broker *b, int *floor_ms, int *cap_ms)
{
	*floor_ms = b->backoff_floor_ms;
	*cap_ms = b->backoff_cap_ms;
}

void broker_free(struct broker *b)
{
	if (!b)
		return;
	b->ops->disconnect(b->impl);
	b->ops->destroy(b->impl);
	free(b->description);
	free(b);
}

char *broker_body_from_data(const char *data_json, size_t *len)
{
	json_object *data = NULL;
	if (data_json) {
		enum json_tokener_error jerr = json_tokener_success;
		data = json_tokener_parse_verbose(data_json, &jerr);
		if (jerr != json_tokener_success)
			return NULL;
	}
	/* JSON.stringify: no whitespace, '/' not escaped; null data (non-data events) -> {} */
	const char *text =
	        data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
	             : "{}";
	char *body = strdup(text);
	json_object_put(data);
	if (!body)
		abort();
	if (len)
		*len = strlen(body);
	return body;
}

char *broker_mqtt_topic(const char *namespace)
{
	char *topic = strdup(namespace);
	if (!topic)
		abort();
	for (char *c = topic; *c; c++)
		if (*c == '.')
			*c = '/';
	return topic;
}
