/*
 * broker_amqp.c: the AMQP 0-9-1 client (rabbitmq-c) of the AMQP broker type and of the deprecated
 * amqpPublisher module. Configuration: url (required), exchange (default "" = default exchange),
 * timeout (connect timeout in ms, default 2000, as the original), and additions: persistent (delivery
 * mode 2, default true), confirm (publisher confirms, default true), mandatory (default false: an
 * unroutable message is acknowledged and dropped, as the original), confirmTimeoutMs (default 5000).
 * At connect the exchange is checked with a passive declare, as the original did.
 * Invariants: one channel (1); in confirm mode the broker numbers our publishes from 1 on that
 * channel, so next_tag is the tag the next publish gets; any protocol or socket error drops the
 * connection (the caller reconnects), so a half-read frame never outlives a failed call.
 */
#include <stdlib.h>
#include <string.h>

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

#include "broker_internal.h"
#include "timeutil.h"

#define CHANNEL 1

struct amqp_client {
	char *url, *exchange;
	int timeout_ms, confirm_timeout_ms;
	bool persistent, confirm, mandatory;
	amqp_connection_state_t conn;
	uint64_t next_tag;
};

static void *amqp_create(json_object *conf, const char *label, char **error)
{
	const char *url = broker_conf_string(conf, "url");
	if (!url) {
		broker_set_error(error, "Cannot start the module, the ampq url is not defined.");
		return NULL;
	}
	struct amqp_client *c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	json_object *ex = NULL;
	json_object_object_get_ex(conf, "exchange", &ex);
	if (!broker_conf_int(conf, label, "timeout", 2000, 1, 3600000, &c->timeout_ms, error) ||
	    !broker_conf_int(conf, label, "confirmTimeoutMs", 5000, 1, 3600000, &c->confirm_timeout_ms, error) ||
	    !broker_conf_bool(conf, label, "persistent", true, &c->persistent, error) ||
	    !broker_conf_bool(conf, label, "confirm", true, &c->confirm, error) ||
	    !broker_conf_bool(conf, label, "mandatory", false, &c->mandatory, error)) {
		free(c);
		return NULL;
	}
	if (ex && !json_object_is_type(ex, json_type_string)) {
		broker_set_error(error, "%s.exchange: expected a string", label);
		free(c);
		return NULL;
	}
	c->url = strdup(url);
	c->exchange = strdup(ex ? json_object_get_string(ex) : "");
	return c;
}

static char *amqp_describe(const void *impl)
{
	const struct amqp_client *c = impl;
	char *masked = broker_url_masked(c->url);
	char *d = broker_strdupf("AMQP %s exchange '%s'", masked, c->exchange);
	free(masked);
	return d;
}

static bool amqp_is_connected(const void *impl)
{
	return ((const struct amqp_client *)impl)->conn != NULL;
}

static void drop(struct amqp_client *c, bool graceful)
{
	if (!c->conn)
		return;
	if (graceful) {
		amqp_channel_close(c->conn, CHANNEL, AMQP_REPLY_SUCCESS);
		amqp_connection_close(c->conn, AMQP_REPLY_SUCCESS);
	}
	amqp_destroy_connection(c->conn);
	c->conn = NULL;
}

static void amqp_disconnect(void *impl)
{
	drop(impl, true);
}

static void amqp_destroy(void *impl)
{
	struct amqp_client *c = impl;
	drop(c, true);
	free(c->url);
	free(c->exchange);
	free(c);
}

/* The text of a failed RPC: library status, or the server's close reason. */
static char *reply_text(amqp_rpc_reply_t r)
{
	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return strdup("ok");
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		return strdup(amqp_error_string2(r.library_error));
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD || r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			amqp_bytes_t t = r.reply.id == AMQP_CONNECTION_CLOSE_METHOD
			                         ? ((amqp_connection_close_t *)r.reply.decoded)->reply_text
			                         : ((amqp_channel_close_t *)r.reply.decoded)->reply_text;
			return broker_strdupf("%.*s", (int)t.len, (const char *)t.bytes);
		}
		return broker_strdupf("server exception, method 0x%08x", r.reply.id);
	default:
		return strdup("no reply");
	}
}

static bool open_socket(struct amqp_client *c, struct amqp_connection_info *ci, char **error)
{
	c->conn = amqp_new_connection();
	amqp_socket_t *sock = ci->ssl ? amqp_ssl_socket_new(c->conn) : amqp_tcp_socket_new(c->conn);
	if (!sock) {
		broker_set_error(error, "Could not connect to RabbitMQ (cannot create a socket)");
		return false;
	}
	struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
	amqp_set_handshake_timeout(c->conn, &tv);
	amqp_set_rpc_timeout(c->conn, &tv);
	int rc = amqp_socket_open_noblock(sock, ci->host, ci->port, &tv);
	if (rc != AMQP_STATUS_OK) {
		char *masked = broker_url_masked(c->url);
		broker_set_error(error, "Could not connect to RabbitMQ at '%s' (%s)", masked, amqp_error_string2(rc));
		free(masked);
		return false;
	}
	return true;
}

static bool login_and_open(struct amqp_client *c, struct amqp_connection_info *ci, char **error)
{
	const char *vhost = ci->vhost && *ci->vhost ? ci->vhost : "/";
	amqp_rpc_reply_t r = amqp_login(c->conn, vhost, 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, ci->user, ci->password);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		char *masked = broker_url_masked(c->url), *why = reply_text(r);
		broker_set_error(error, "Could not connect to RabbitMQ at '%s' (%s)", masked, why);
		free(masked);
		free(why);
		return false;
	}
	amqp_channel_open(c->conn, CHANNEL);
	r = amqp_get_rpc_reply(c->conn);
	if (r.reply_type != AMQP_RESPONSE_NORMAL) {
		char *why = reply_text(r);
		broker_set_error(error, "Could not create a channel for RabbitMQ (%s)", why);
		free(why);
		return false;
	}
	return true;
}

static bool check_exchange_and_confirm(struct amqp_client *c, char **error)
{
	if (*c->exchange) {
		amqp_exchange_declare(c->conn, CHANNEL, amqp_cstring_bytes(c->exchange), amqp_cstring_bytes("direct"),
		                      1, 0, 0, 0, amqp_empty_table);
		amqp_rpc_reply_t r = amqp_get_rpc_reply(c->conn);
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			broker_set_error(error, "The configured exchange '%s' does not exist.", c->exchange);
			return false;
		}
	}
	if (c->confirm) {
		amqp_confirm_select(c->conn, CHANNEL);
		amqp_rpc_reply_t r = amqp_get_rpc_reply(c->conn);
		if (r.reply_type != AMQP_RESPONSE_NORMAL) {
			char *why = reply_text(r);
			broker_set_error(error, "Could not enable publisher confirms on RabbitMQ (%s)", why);
			free(why);
			return false;
		}
	}
	c->next_tag = 1;
	return true;
}

static bool amqp_connect(void *impl, char **error)
{
	struct amqp_client *c = impl;
	char *copy = strdup(c->url);
	struct amqp_connection_info ci;
	amqp_default_connection_info(&ci);
	if (amqp_parse_url(copy, &ci) != AMQP_STATUS_OK) {
		char *masked = broker_url_masked(c->url);
		broker_set_error(error, "Could not connect to RabbitMQ at '%s' (invalid url)", masked);
		free(masked);
		free(copy);
		return false;
	}
	bool ok = open_socket(c, &ci, error) && login_and_open(c, &ci, error) && check_exchange_and_confirm(c, error);
	free(copy);
	if (!ok)
		drop(c, false);
	return ok;
}

static bool send_one(struct amqp_client *c, const struct broker_message *m, char **error)
{
	amqp_basic_properties_t props;
	memset(&props, 0, sizeof(props));
	if (c->persistent) {
		props._flags |= AMQP_BASIC_DELIVERY_MODE_FLAG;
		props.delivery_mode = 2;
	}
	if (m->event_id) {
		props._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
		props.message_id = amqp_cstring_bytes(m->event_id);
	}
	if (m->correlation_id) {
		props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
		props.correlation_id = amqp_cstring_bytes(m->correlation_id);
	}
	amqp_bytes_t body = {m->body_len, (void *)m->body};
	int rc = amqp_basic_publish(c->conn, CHANNEL, amqp_cstring_bytes(c->exchange), amqp_cstring_bytes(m->namespace),
	                            c->mandatory, 0, &props, body);
	if (rc != AMQP_STATUS_OK) {
		broker_set_error(error, "Publishing event '%s' to exchange '%s' failed: %s", m->namespace, c->exchange,
		                 amqp_error_string2(rc));
		return false;
	}
	return true;
}

struct confirm_batch {
	uint64_t first_tag;
	int count, pending;
	enum broker_outcome *out;
	bool *settled, *returned;
};

static void settle(struct confirm_batch *b, uint64_t tag, bool multiple, bool ack)
{
	for (int i = 0; i < b->count; i++) {
		uint64_t t = b->first_tag + (uint64_t)i;
		if (b->settled[i] || (multiple ? t > tag : t != tag))
			continue;
		b->settled[i] = true;
		b->pending--;
		/* returned (unroutable with mandatory) or nacked: not delivered, try again later */
		b->out[i] = ack && !b->returned[i] ? BROKER_ACKED : BROKER_RETRY;
	}
}

/* basic.return precedes the ack of the same message: remember which one came back. */
static bool note_return(struct amqp_client *c, struct confirm_batch *b, const struct broker_message *m,
                        amqp_channel_t channel)
{
	amqp_message_t msg;
	amqp_rpc_reply_t r = amqp_read_message(c->conn, channel, &msg, 0);
	if (r.reply_type != AMQP_RESPONSE_NORMAL)
		return false;
	for (int i = 0; i < b->count; i++) {
		amqp_bytes_t id = msg.properties.message_id;
		if ((msg.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) && m[i].event_id &&
		    id.len == strlen(m[i].event_id) && memcmp(id.bytes, m[i].event_id, id.len) == 0)
			b->returned[i] = true;
	}
	amqp_destroy_message(&msg);
	return true;
}

static bool handle_frame(struct amqp_client *c, struct confirm_batch *b, const struct broker_message *m,
                         amqp_frame_t *f, char **error)
{
	if (f->frame_type != AMQP_FRAME_METHOD)
		return true;
	void *d = f->payload.method.decoded;
	switch (f->payload.method.id) {
	case AMQP_BASIC_ACK_METHOD:
		settle(b, ((amqp_basic_ack_t *)d)->delivery_tag, ((amqp_basic_ack_t *)d)->multiple, true);
		return true;
	case AMQP_BASIC_NACK_METHOD:
		settle(b, ((amqp_basic_nack_t *)d)->delivery_tag, ((amqp_basic_nack_t *)d)->multiple, false);
		return true;
	case AMQP_BASIC_RETURN_METHOD:
		if (note_return(c, b, m, f->channel))
			return true;
		broker_set_error(error, "RabbitMQ: could not read a returned message");
		return false;
	case AMQP_CHANNEL_CLOSE_METHOD: {
		amqp_bytes_t t = ((amqp_channel_close_t *)d)->reply_text;
		broker_set_error(error, "RabbitMQ closed the channel: %.*s", (int)t.len, (const char *)t.bytes);
		return false;
	}
	case AMQP_CONNECTION_CLOSE_METHOD: {
		amqp_bytes_t t = ((amqp_connection_close_t *)d)->reply_text;
		broker_set_error(error, "RabbitMQ closed the connection: %.*s", (int)t.len, (const char *)t.bytes);
		return false;
	}
	default:
		return true;
	}
}

static bool wait_confirms(struct amqp_client *c, struct confirm_batch *b, const struct broker_message *m, char **error)
{
	int64_t deadline = time_monotonic_ms() + c->confirm_timeout_ms;
	while (b->pending > 0) {
		int64_t left = deadline - time_monotonic_ms();
		if (left <= 0) {
			broker_set_error(error, "RabbitMQ: no publisher confirm within %d ms", c->confirm_timeout_ms);
			return false;
		}
		struct timeval tv = {left / 1000, (left % 1000) * 1000};
		amqp_frame_t f;
		int rc = amqp_simple_wait_frame_noblock(c->conn, &f, &tv);
		if (rc == AMQP_STATUS_TIMEOUT)
			continue;
		if (rc != AMQP_STATUS_OK) {
			broker_set_error(error, "RabbitMQ connection lost: %s", amqp_error_string2(rc));
			return false;
		}
		bool ok = handle_frame(c, b, m, &f, error);
		amqp_maybe_release_buffers(c->conn);
		if (!ok)
			return false;
	}
	return true;
}

static bool amqp_publish(void *impl, const struct broker_message *m, int n, enum broker_outcome *out, char **error)
{
	struct amqp_client *c = impl;
	struct confirm_batch b = {
	        c->next_tag, n, n, out, calloc((size_t)n, sizeof(bool)), calloc((size_t)n, sizeof(bool))};
	if (!b.settled || !b.returned)
		abort();
	bool ok = true;
	for (int i = 0; ok && i < n; i++) {
		ok = send_one(c, &m[i], error);
		if (ok)
			c->next_tag++;
		if (ok && !c->confirm)
			out[i] = BROKER_ACKED; /* the original's fire-and-forget, when configured */
	}
	if (ok && c->confirm)
		ok = wait_confirms(c, &b, m, error);
	int returned = 0;
	for (int i = 0; ok && i < n; i++)
		returned += b.returned[i];
	if (returned)
		broker_set_error(error, "RabbitMQ returned %d unroutable message(s) (mandatory: no queue bound)",
		                 returned);
	free(b.settled);
	free(b.returned);
	if (!ok)
		drop(c, false);
	return ok;
}

const struct broker_ops broker_amqp_ops = {
        .type = "AMQP",
        .create = amqp_create,
        .connect = amqp_connect,
        .is_connected = amqp_is_connected,
        .disconnect = amqp_disconnect,
        .publish = amqp_publish,
        .describe = amqp_describe,
        .destroy = amqp_destroy,
};
