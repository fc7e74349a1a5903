/*
 * connector-amqp-probe: a test and benchmark reader for RabbitMQ. It declares a durable queue
 * (optionally an exchange and a binding), prints {"ready":true}, then prints one JSON line per
 * message received: exchange, routing key, redelivered, body (text), the AMQP properties that are
 * set (by their amqplib names) and the wall-clock receipt time in ms. It acknowledges each message
 * after printing it, reconnects every 200 ms when RabbitMQ goes away (chaos tests), and exits after
 * --count messages, on SIGTERM, or after --idle-ms without a message.
 *
 *   connector-amqp-probe --url URL --queue Q [--exchange X [--type fanout|direct|topic]]
 *                        [--bind KEY] [--count N] [--idle-ms MS]
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <json-c/json.h>

#include "timeutil.h"

struct probe {
	const char *url, *queue, *exchange, *type, *bind;
	long count, idle_ms, received;
	amqp_connection_state_t conn;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static bool rpc_ok(struct probe *p, const char *what)
{
	amqp_rpc_reply_t r = amqp_get_rpc_reply(p->conn);
	if (r.reply_type == AMQP_RESPONSE_NORMAL)
		return true;
	fprintf(stderr, "amqp-probe: %s failed (reply type %d)\n", what, r.reply_type);
	return false;
}

static bool setup(struct probe *p)
{
	amqp_channel_open(p->conn, 1);
	if (!rpc_ok(p, "channel.open"))
		return false;
	if (p->exchange) {
		amqp_exchange_declare(p->conn, 1, amqp_cstring_bytes(p->exchange), amqp_cstring_bytes(p->type), 0, 1, 0,
		                      0, amqp_empty_table);
		if (!rpc_ok(p, "exchange.declare"))
			return false;
	}
	amqp_queue_declare(p->conn, 1, amqp_cstring_bytes(p->queue), 0, 1, 0, 0, amqp_empty_table);
	if (!rpc_ok(p, "queue.declare"))
		return false;
	if (p->exchange) {
		amqp_queue_bind(p->conn, 1, amqp_cstring_bytes(p->queue), amqp_cstring_bytes(p->exchange),
		                amqp_cstring_bytes(p->bind ? p->bind : ""), amqp_empty_table);
		if (!rpc_ok(p, "queue.bind"))
			return false;
	}
	amqp_basic_qos(p->conn, 1, 0, 500, 0);
	amqp_basic_consume(p->conn, 1, amqp_cstring_bytes(p->queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
	return rpc_ok(p, "basic.consume");
}

static bool connect_once(struct probe *p)
{
	char *copy = strdup(p->url);
	struct amqp_connection_info ci;
	amqp_default_connection_info(&ci);
	bool ok = amqp_parse_url(copy, &ci) == AMQP_STATUS_OK;
	p->conn = amqp_new_connection();
	amqp_socket_t *sock = amqp_tcp_socket_new(p->conn);
	struct timeval tv = {2, 0};
	ok = ok && amqp_socket_open_noblock(sock, ci.host, ci.port, &tv) == AMQP_STATUS_OK;
	ok = ok && amqp_login(p->conn, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, ci.user, ci.password).reply_type ==
	                   AMQP_RESPONSE_NORMAL;
	ok = ok && setup(p);
	free(copy);
	if (!ok) {
		amqp_destroy_connection(p->conn);
		p->conn = NULL;
	}
	return ok;
}

static void add_bytes(json_object *o, const char *key, amqp_bytes_t b)
{
	json_object_object_add(o, key, json_object_new_string_len(b.bytes, (int)b.len));
}

static json_object *headers_json(amqp_table_t *t)
{
	json_object *h = json_object_new_object();
	for (int i = 0; i < t->num_entries; i++) {
		amqp_table_entry_t *e = &t->entries[i];
		char *key = strndup(e->key.bytes, e->key.len);
		if (e->value.kind == AMQP_FIELD_KIND_UTF8 || e->value.kind == AMQP_FIELD_KIND_BYTES)
			add_bytes(h, key, e->value.value.bytes);
		else
			json_object_object_add(h, key, json_object_new_string("(non-string)"));
		free(key);
	}
	return h;
}

static json_object *properties_json(amqp_basic_properties_t *p)
{
	json_object *o = json_object_new_object();
	if (p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG)
		add_bytes(o, "contentType", p->content_type);
	if (p->_flags & AMQP_BASIC_CONTENT_ENCODING_FLAG)
		add_bytes(o, "contentEncoding", p->content_encoding);
	if (p->_flags & AMQP_BASIC_HEADERS_FLAG)
		json_object_object_add(o, "headers", headers_json(&p->headers));
	if (p->_flags & AMQP_BASIC_DELIVERY_MODE_FLAG)
		json_object_object_add(o, "deliveryMode", json_object_new_int(p->delivery_mode));
	if (p->_flags & AMQP_BASIC_PRIORITY_FLAG)
		json_object_object_add(o, "priority", json_object_new_int(p->priority));
	if (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG)
		add_bytes(o, "correlationId", p->correlation_id);
	if (p->_flags & AMQP_BASIC_REPLY_TO_FLAG)
		add_bytes(o, "replyTo", p->reply_to);
	if (p->_flags & AMQP_BASIC_EXPIRATION_FLAG)
		add_bytes(o, "expiration", p->expiration);
	if (p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG)
		add_bytes(o, "messageId", p->message_id);
	if (p->_flags & AMQP_BASIC_TIMESTAMP_FLAG)
		json_object_object_add(o, "timestamp", json_object_new_int64((int64_t)p->timestamp));
	if (p->_flags & AMQP_BASIC_TYPE_FLAG)
		add_bytes(o, "type", p->type);
	if (p->_flags & AMQP_BASIC_USER_ID_FLAG)
		add_bytes(o, "userId", p->user_id);
	if (p->_flags & AMQP_BASIC_APP_ID_FLAG)
		add_bytes(o, "appId", p->app_id);
	return o;
}

static void print_envelope(amqp_envelope_t *e)
{
	json_object *o = json_object_new_object();
	add_bytes(o, "exchange", e->exchange);
	add_bytes(o, "routingKey", e->routing_key);
	json_object_object_add(o, "redelivered", json_object_new_boolean(e->redelivered));
	add_bytes(o, "body", e->message.body);
	json_object_object_add(o, "properties", properties_json(&e->message.properties));
	json_object_object_add(o, "receivedAt", json_object_new_int64(time_wall_ms()));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

/* Consumes until count, stop, idle timeout (returns true) or a lost connection (returns false). */
static bool consume(struct probe *p, int64_t *last)
{
	while (!stop && (p->count <= 0 || p->received < p->count)) {
		if (p->idle_ms > 0 && time_monotonic_ms() - *last > p->idle_ms)
			return true;
		amqp_envelope_t e;
		struct timeval tv = {0, 200000};
		amqp_maybe_release_buffers(p->conn);
		amqp_rpc_reply_t r = amqp_consume_message(p->conn, &e, &tv, 0);
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
			continue;
		if (r.reply_type != AMQP_RESPONSE_NORMAL)
			return false;
		print_envelope(&e);
		amqp_basic_ack(p->conn, 1, e.delivery_tag, 0);
		amqp_destroy_envelope(&e);
		p->received++;
		*last = time_monotonic_ms();
	}
	return true;
}

static void parse_args(struct probe *p, int argc, char **argv)
{
	static const struct option opts[] = {{"url", 1, 0, 'u'},     {"queue", 1, 0, 'q'}, {"exchange", 1, 0, 'x'},
	                                     {"type", 1, 0, 't'},    {"bind", 1, 0, 'b'},  {"count", 1, 0, 'n'},
	                                     {"idle-ms", 1, 0, 'i'}, {0, 0, 0, 0}};
	int c;
	p->type = "fanout";
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			p->url = optarg;
			break;
		case 'q':
			p->queue = optarg;
			break;
		case 'x':
			p->exchange = optarg;
			break;
		case 't':
			p->type = optarg;
			break;
		case 'b':
			p->bind = optarg;
			break;
		case 'n':
			p->count = atol(optarg);
			break;
		case 'i':
			p->idle_ms = atol(optarg);
			break;
		default:
			exit(2);
		}
	}
	if (!p->url || !p->queue) {
		fprintf(stderr,
		        "usage: connector-amqp-probe --url URL --queue Q [--exchange X] [--type T] [--bind KEY] "
		        "[--count N] [--idle-ms MS]\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct probe p = {0};
	parse_args(&p, argc, argv);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	int64_t last = time_monotonic_ms();
	bool announced = false;
	while (!stop) {
		if (!connect_once(&p)) {
			if (p.idle_ms > 0 && time_monotonic_ms() - last > p.idle_ms)
				break;
			usleep(200000);
			continue;
		}
		if (!announced) {
			printf("{\"ready\":true}\n");
			fflush(stdout);
			announced = true;
		}
		bool done = consume(&p, &last);
		amqp_destroy_connection(p.conn);
		p.conn = NULL;
		if (done)
			break;
	}
	return 0;
}
