/*
 * broker_mqtt.c: the MQTT 3.1.1 client (paho MQTTAsync) of the MQTT broker type.
 * Configuration: url (mqtt://, tcp://, mqtts://, ssl://, tls://, ws://, wss://; required), and
 * additions: qos (0..2, default 1: wait for PUBACK; the original published with QoS 0), retain
 * (default false), clientId (default a random "connector_<hex>"), timeout (connect timeout in ms,
 * default 5000; mqtt.js used 30000), publishTimeoutMs (default 5000). Topic = namespace with '.' -> '/'.
 * Paho's own reconnect is off: a lost connection fails the batch and the caller reconnects.
 * Threads: paho calls the callbacks from its own thread; every field they touch is guarded by lock,
 * and a callback of an old batch is ignored (batch generation), so a late PUBACK can never settle a
 * message of a later batch. Clean session: unacknowledged messages are republished from the outbox.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <MQTTAsync.h>

#include "broker_internal.h"
#include "timeutil.h"

enum conn_state { MQ_DOWN, MQ_CONNECTING, MQ_UP };

struct mqtt_client;
struct mqtt_slot {
	struct mqtt_client *c;
	unsigned generation;
	int index;
};

struct mqtt_client {
	char *url, *server_uri, *client_id, *user, *password;
	bool tls, retain;
	int qos, timeout_ms, publish_timeout_ms;
	MQTTAsync handle;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum conn_state state; /* guarded by lock */
	char *last_error;      /* guarded by lock */
	unsigned generation;   /* guarded by lock: the batch callbacks may settle */
	enum broker_outcome *outcomes;
	int pending;
};

static char *server_uri(const struct broker_url *u, bool *tls)
{
	const char *s = u->scheme;
	*tls = !strcmp(s, "mqtts") || !strcmp(s, "ssl") || !strcmp(s, "tls") || !strcmp(s, "wss");
	bool ws = !strcmp(s, "ws") || !strcmp(s, "wss");
	const char *scheme = ws ? s : (*tls ? "ssl" : "tcp");
	int port = u->port ? u->port : (ws ? (*tls ? 443 : 80) : (*tls ? 8883 : 1883));
	bool v6 = strchr(u->host, ':') != NULL;
	return broker_strdupf("%s://%s%s%s:%d%s%s", scheme, v6 ? "[" : "", u->host, v6 ? "]" : "", port, ws ? "/" : "",
	                      ws ? (u->path ? u->path : "mqtt") : "");
}

static bool known_scheme(const char *s)
{
	static const char *const all[] = {"mqtt", "tcp", "mqtts", "ssl", "tls", "ws", "wss"};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(s, all[i]))
			return true;
	return false;
}

static char *random_client_id(void)
{
	unsigned char r[4];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned seed = (unsigned)ts.tv_nsec ^ (unsigned)getpid();
	for (size_t i = 0; i < sizeof(r); i++)
		r[i] = (unsigned char)rand_r(&seed);
	return broker_strdupf("connector_%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

static void mqtt_destroy(void *impl);

static bool read_options(struct mqtt_client *c, json_object *conf, const char *label, char **error)
{
	struct broker_url u;
	if (!broker_url_parse(c->url, label, &u, error))
		return false;
	if (!known_scheme(u.scheme)) {
		broker_set_error(error,
		                 "%s.url: unknown protocol '%s' (expected mqtt, mqtts, tcp, ssl, tls, ws or wss)",
		                 label, u.scheme);
		broker_url_clear(&u);
		return false;
	}
	c->server_uri = server_uri(&u, &c->tls);
	c->user = u.user ? strdup(u.user) : NULL;
	c->password = u.password ? strdup(u.password) : NULL;
	broker_url_clear(&u);
	const char *id = broker_conf_string(conf, "clientId");
	c->client_id = id ? strdup(id) : random_client_id();
	return broker_conf_int(conf, label, "qos", 1, 0, 2, &c->qos, error) &&
	       broker_conf_bool(conf, label, "retain", false, &c->retain, error) &&
	       broker_conf_int(conf, label, "timeout", 5000, 1, 3600000, &c->timeout_ms, error) &&
	       broker_conf_int(conf, label, "publishTimeoutMs", 5000, 1, 3600000, &c->publish_timeout_ms, error);
}

static void *mqtt_create(json_object *conf, const char *label, char **error)
{
	const char *url = broker_conf_string(conf, "url");
	if (!url) {
		broker_set_error(error, "Cannot start the broker, the MQTT url is not defined.");
		return NULL;
	}
	struct mqtt_client *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->url = strdup(url);
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->cond, NULL);
	if (!read_options(c, conf, label, error)) {
		mqtt_destroy(c);
		return NULL;
	}
	return c;
}

static char *mqtt_describe(const void *impl)
{
	const struct mqtt_client *c = impl;
	char *masked = broker_url_masked(c->url);
	char *d = broker_strdupf("MQTT %s qos %d", masked, c->qos);
	free(masked);
	return d;
}

static bool mqtt_is_connected(const void *impl)
{
	struct mqtt_client *c = (struct mqtt_client *)impl;
	pthread_mutex_lock(&c->lock);
	bool up = c->handle && c->state == MQ_UP;
	pthread_mutex_unlock(&c->lock);
	return up;
}

static void set_state(struct mqtt_client *c, enum conn_state state, const char *why)
{
	pthread_mutex_lock(&c->lock);
	c->state = state;
	if (why) {
		free(c->last_error);
		c->last_error = strdup(why);
	}
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void on_connection_lost(void *ctx, char *cause)
{
	set_state(ctx, MQ_DOWN, cause ? cause : "connection lost");
	free(cause);
}

static int on_message(void *ctx, char *topic, int len, MQTTAsync_message *m)
{
	(void)ctx;
	(void)len;
	MQTTAsync_freeMessage(&m);
	MQTTAsync_free(topic);
	return 1;
}

static void on_connected(void *ctx, MQTTAsync_successData *d)
{
	(void)d;
	set_state(ctx, MQ_UP, NULL);
}

static void on_connect_failed(void *ctx, MQTTAsync_failureData *d)
{
	char why[160];
	snprintf(why, sizeof(why), "%s (code %d)", d && d->message ? d->message : "connect failed", d ? d->code : 0);
	set_state(ctx, MQ_DOWN, why);
}

static void mqtt_disconnect(void *impl)
{
	struct mqtt_client *c = impl;
	if (!c->handle)
		return;
	if (mqtt_is_connected(c)) {
		MQTTAsync_disconnectOptions opts = MQTTAsync_disconnectOptions_initializer;
		opts.timeout = 1000;
		MQTTAsync_disconnect(c->handle, &opts);
	}
	MQTTAsync_destroy(&c->handle); /* no callback of this handle runs after this */
	c->handle = NULL;
	set_state(c, MQ_DOWN, NULL);
}

static void mqtt_destroy(void *impl)
{
	struct mqtt_client *c = impl;
	mqtt_disconnect(c);
	pthread_mutex_destroy(&c->lock);
	pthread_cond_destroy(&c->cond);
	free(c->url);
	free(c->server_uri);
	free(c->client_id);
	free(c->user);
	free(c->password);
	free(c->last_error);
	free(c);
}

/* Waits under lock until pred() is false or the deadline passes; returns with the lock held. */
static void wait_until(struct mqtt_client *c, int64_t deadline, bool (*busy)(struct mqtt_client *))
{
	while (busy(c)) {
		int64_t left = deadline - time_monotonic_ms();
		if (left <= 0)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += left / 1000;
		ts.tv_nsec += (left % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&c->cond, &c->lock, &ts);
	}
}

static bool connecting(struct mqtt_client *c)
{
	return c->state == MQ_CONNECTING;
}

static bool start_connect(struct mqtt_client *c, char **error)
{
	int rc = MQTTAsync_create(&c->handle, c->server_uri, c->client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL);
	if (rc == MQTTASYNC_SUCCESS)
		rc = MQTTAsync_setCallbacks(c->handle, c, on_connection_lost, on_message, NULL);
	MQTTAsync_connectOptions opts = MQTTAsync_connectOptions_initializer;
	MQTTAsync_SSLOptions ssl = MQTTAsync_SSLOptions_initializer;
	opts.keepAliveInterval = 60;
	opts.cleansession = 1;
	opts.automaticReconnect = 0;
	opts.connectTimeout = (c->timeout_ms + 999) / 1000;
	opts.username = c->user;
	opts.password = c->password;
	opts.ssl = c->tls ? &ssl : NULL;
	opts.onSuccess = on_connected;
	opts.onFailure = on_connect_failed;
	opts.context = c;
	set_state(c, MQ_CONNECTING, NULL);
	if (rc == MQTTASYNC_SUCCESS)
		rc = MQTTAsync_connect(c->handle, &opts);
	if (rc != MQTTASYNC_SUCCESS) {
		broker_set_error(error, "Could not connect to MQTT broker: %s", MQTTAsync_strerror(rc));
		set_state(c, MQ_DOWN, NULL);
		return false;
	}
	return true;
}

static bool mqtt_connect(void *impl, char **error)
{
	struct mqtt_client *c = impl;
	mqtt_disconnect(c);
	if (!start_connect(c, error)) {
		mqtt_disconnect(c);
		return false;
	}
	pthread_mutex_lock(&c->lock);
	wait_until(c, time_monotonic_ms() + c->timeout_ms + 1000, connecting);
	bool up = c->state == MQ_UP;
	if (!up) {
		char *masked = broker_url_masked(c->url);
		broker_set_error(error, "Could not connect to MQTT broker at '%s' (%s)", masked,
		                 c->state == MQ_CONNECTING ? "timeout" : (c->last_error ? c->last_error : "refused"));
		free(masked);
	}
	pthread_mutex_unlock(&c->lock);
	if (!up)
		mqtt_disconnect(c);
	return up;
}

static void settle(struct mqtt_slot *s, enum broker_outcome outcome)
{
	struct mqtt_client *c = s->c;
	pthread_mutex_lock(&c->lock);
	if (s->generation == c->generation && c->outcomes[s->index] == BROKER_RETRY && c->pending > 0) {
		c->outcomes[s->index] = outcome;
		c->pending--;
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

static void on_published(void *ctx, MQTTAsync_successData *d)
{
	(void)d;
	settle(ctx, BROKER_ACKED);
}

static void on_publish_failed(void *ctx, MQTTAsync_failureData *d)
{
	(void)d;
	struct mqtt_slot *s = ctx;
	/* counts as settled, but stays RETRY */
	pthread_mutex_lock(&s->c->lock);
	if (s->generation == s->c->generation && s->c->pending > 0) {
		s->c->pending--;
		pthread_cond_broadcast(&s->c->cond);
	}
	pthread_mutex_unlock(&s->c->lock);
}

static bool send_one(struct mqtt_client *c, const struct broker_message *m, struct mqtt_slot *slot, char **error)
{
	char *topic = broker_mqtt_topic(m->namespace);
	MQTTAsync_message msg = MQTTAsync_message_initializer;
	msg.payload = (void *)m->body;
	msg.payloadlen = (int)m->body_len;
	msg.qos = c->qos;
	msg.retained = c->retain;
	MQTTAsync_responseOptions opts = MQTTAsync_responseOptions_initializer;
	opts.onSuccess = on_published;
	opts.onFailure = on_publish_failed;
	opts.context = slot;
	int rc = MQTTAsync_sendMessage(c->handle, topic, &msg, &opts);
	free(topic);
	if (rc != MQTTASYNC_SUCCESS) {
		broker_set_error(error, "Publishing event '%s' failed: %s", m->namespace, MQTTAsync_strerror(rc));
		return false;
	}
	return true;
}

static bool still_pending(struct mqtt_client *c)
{
	return c->pending > 0 && c->state == MQ_UP;
}

static bool mqtt_publish(void *impl, const struct broker_message *m, int n, enum broker_outcome *out, char **error)
{
	struct mqtt_client *c = impl;
	struct mqtt_slot *slots = calloc((size_t)n, sizeof(*slots));
	if (!slots)
		abort();
	pthread_mutex_lock(&c->lock);
	unsigned generation = ++c->generation;
	c->outcomes = out;
	c->pending = n;
	pthread_mutex_unlock(&c->lock);
	bool ok = true;
	int sent = 0;
	for (; ok && sent < n; sent++) {
		slots[sent] = (struct mqtt_slot){c, generation, sent};
		ok = send_one(c, &m[sent], &slots[sent], error);
	}
	pthread_mutex_lock(&c->lock);
	if (!ok)
		c->pending -= n - sent + 1; /* never sent: no callback will come */
	wait_until(c, time_monotonic_ms() + c->publish_timeout_ms, still_pending);
	if (ok && c->pending > 0) {
		ok = false;
		if (c->state != MQ_UP)
			broker_set_error(error, "MQTT connection lost: %s", c->last_error ? c->last_error : "unknown");
		else
			broker_set_error(error, "MQTT: no PUBACK within %d ms", c->publish_timeout_ms);
	}
	c->generation++; /* late callbacks of this batch are ignored from now on */
	c->outcomes = NULL;
	pthread_mutex_unlock(&c->lock);
	if (!ok)
		mqtt_disconnect(c); /* joins paho's threads: the slots are unused after this */
	free(slots);
	return ok;
}

const struct broker_ops broker_mqtt_ops = {
        .type = "MQTT",
        .create = mqtt_create,
        .connect = mqtt_connect,
        .is_connected = mqtt_is_connected,
        .disconnect = mqtt_disconnect,
        .publish = mqtt_publish,
        .describe = mqtt_describe,
        .destroy = mqtt_destroy,
};
