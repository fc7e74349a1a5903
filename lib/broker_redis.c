/*
 * broker_redis.c: the Redis client (hiredis 0.14, synchronous API) of the Redis broker type.
 * Configuration: url redis://[[user:]password@]host[:port][/db] (required), and additions: timeout
 * (connect and command timeout in ms, default 2000), stream (a stream key: each event is also
 * appended with XADD <stream> [MAXLEN ~ n] * eventId <id> namespace <ns> data <json>, which, unlike
 * PUBLISH, keeps the event for readers that were away), streamMaxLength (approximate cap, 0 = none),
 * publish (PUBLISH <namespace> <json>, as the original; default true).
 * A message is acknowledged when every command for it got a non-error reply. Commands of a batch are
 * pipelined: all appended, then all replies read, in order.
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "broker_internal.h"

struct redis_client {
	char *url;
	struct broker_url parsed;
	int db, timeout_ms, stream_max_length;
	char *stream;
	bool publish;
	redisContext *ctx;
};

static bool parse_db(struct redis_client *c, const char *label, char **error)
{
	c->db = 0;
	if (!c->parsed.path)
		return true;
	char *end;
	long db = strtol(c->parsed.path, &end, 10);
	if (*end || db < 0 || db > 1000000) {
		broker_set_error(error, "%s.url: expected a database number after the host, got \"%s\"", label,
		                 c->parsed.path);
		return false;
	}
	c->db = (int)db;
	return true;
}

static bool read_options(struct redis_client *c, json_object *conf, const char *label, char **error)
{
	if (!broker_url_parse(c->url, label, &c->parsed, error))
		return false;
	if (strcmp(c->parsed.scheme, "redis") != 0) {
		broker_set_error(error, "%s.url: expected a redis:// url (rediss:// is not supported by this build)",
		                 label);
		return false;
	}
	const char *stream = broker_conf_string(conf, "stream");
	c->stream = stream ? strdup(stream) : NULL;
	return parse_db(c, label, error) &&
	       broker_conf_int(conf, label, "timeout", 2000, 1, 3600000, &c->timeout_ms, error) &&
	       broker_conf_int(conf, label, "streamMaxLength", 0, 0, 2000000000, &c->stream_max_length, error) &&
	       broker_conf_bool(conf, label, "publish", true, &c->publish, error);
}

static void redis_destroy(void *impl);

static void *redis_create(json_object *conf, const char *label, char **error)
{
	const char *url = broker_conf_string(conf, "url");
	if (!url) {
		broker_set_error(error, "Cannot start the broker, the Redis url is not defined.");
		return NULL;
	}
	struct redis_client *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->url = strdup(url);
	if (!read_options(c, conf, label, error)) {
		redis_destroy(c);
		return NULL;
	}
	if (!c->publish && !c->stream) {
		broker_set_error(error, "%s: publish is false and no stream is set: nothing would be sent", label);
		redis_destroy(c);
		return NULL;
	}
	return c;
}

static char *redis_describe(const void *impl)
{
	const struct redis_client *c = impl;
	char *masked = broker_url_masked(c->url);
	char *d = c->stream ? broker_strdupf("Redis %s stream '%s'", masked, c->stream)
	                    : broker_strdupf("Redis %s", masked);
	free(masked);
	return d;
}

static bool redis_is_connected(const void *impl)
{
	return ((const struct redis_client *)impl)->ctx != NULL;
}

static void redis_disconnect(void *impl)
{
	struct redis_client *c = impl;
	if (c->ctx)
		redisFree(c->ctx);
	c->ctx = NULL;
}

static void redis_destroy(void *impl)
{
	struct redis_client *c = impl;
	redis_disconnect(c);
	broker_url_clear(&c->parsed);
	free(c->url);
	free(c->stream);
	free(c);
}

/* Runs one command during connect; false + error on an error reply or a lost connection. */
static bool setup_command(struct redis_client *c, char **error, const char *what, redisReply *r)
{
	if (!r || r->type == REDIS_REPLY_ERROR) {
		broker_set_error(error, "Could not connect to Redis: (%s failed: %s)", what,
		                 r ? r->str : c->ctx->errstr);
		freeReplyObject(r);
		return false;
	}
	freeReplyObject(r);
	return true;
}

static bool redis_connect(void *impl, char **error)
{
	struct redis_client *c = impl;
	struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
	c->ctx = redisConnectWithTimeout(c->parsed.host, c->parsed.port ? c->parsed.port : 6379, tv);
	if (!c->ctx || c->ctx->err) {
		broker_set_error(error, "Could not connect to Redis: (%s)", c->ctx ? c->ctx->errstr : "out of memory");
		redis_disconnect(c);
		return false;
	}
	bool ok = redisSetTimeout(c->ctx, tv) == REDIS_OK;
	if (ok && c->parsed.password && c->parsed.user && *c->parsed.user)
		ok = setup_command(c, error, "AUTH",
		                   redisCommand(c->ctx, "AUTH %s %s", c->parsed.user, c->parsed.password));
	else if (ok && c->parsed.password)
		ok = setup_command(c, error, "AUTH", redisCommand(c->ctx, "AUTH %s", c->parsed.password));
	if (ok && c->db)
		ok = setup_command(c, error, "SELECT", redisCommand(c->ctx, "SELECT %d", c->db));
	if (ok)
		ok = setup_command(c, error, "PING", redisCommand(c->ctx, "PING"));
	if (!ok)
		redis_disconnect(c);
	return ok;
}

static int append_commands(struct redis_client *c, const struct broker_message *m)
{
	int n = 0;
	if (c->publish) {
		redisAppendCommand(c->ctx, "PUBLISH %s %b", m->namespace, m->body, m->body_len);
		n++;
	}
	if (c->stream) {
		const char *id = m->event_id ? m->event_id : "";
		if (c->stream_max_length > 0)
			redisAppendCommand(c->ctx, "XADD %s MAXLEN ~ %d * eventId %s namespace %s data %b", c->stream,
			                   c->stream_max_length, id, m->namespace, m->body, m->body_len);
		else
			redisAppendCommand(c->ctx, "XADD %s * eventId %s namespace %s data %b", c->stream, id,
			                   m->namespace, m->body, m->body_len);
		n++;
	}
	return n;
}

static bool redis_publish(void *impl, const struct broker_message *m, int n, enum broker_outcome *out, char **error)
{
	struct redis_client *c = impl;
	int per_message = 0;
	for (int i = 0; i < n; i++)
		per_message = append_commands(c, &m[i]);
	for (int i = 0; i < n; i++) {
		out[i] = BROKER_ACKED;
		for (int k = 0; k < per_message; k++) {
			redisReply *r = NULL;
			if (redisGetReply(c->ctx, (void **)&r) != REDIS_OK) {
				broker_set_error(error, "Redis connection lost: %s", c->ctx->errstr);
				out[i] = BROKER_RETRY;
				redis_disconnect(c);
				return false;
			}
			if (r->type == REDIS_REPLY_ERROR) {
				broker_set_error(error, "Publishing event '%s' to Redis failed: %s", m[i].namespace,
				                 r->str);
				out[i] = BROKER_RETRY;
			}
			freeReplyObject(r);
		}
	}
	return true;
}

const struct broker_ops broker_redis_ops = {
        .type = "Redis",
        .create = redis_create,
        .connect = redis_connect,
        .is_connected = redis_is_connected,
        .disconnect = redis_disconnect,
        .publish = redis_publish,
        .describe = redis_describe,
        .destroy = redis_destroy,
};
