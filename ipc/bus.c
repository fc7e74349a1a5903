/*
 * bus.c: the envelope codec and the publisher / subscriber ends of the event bus (see bus.h).
 */
#include "bus.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/sub.h>

#include "timeutil.h"

#define BUS_MAX_MESSAGE (1024 * 1024)

struct bus_publisher {
	nng_socket socket;
	uint64_t dropped;
	atomic_int pipes; /* connections to connectord (0 or 1) */
};

struct bus_subscriber {
	nng_socket socket;
	atomic_int pipes;
};

/* Runs on an nng thread: only counts (the socket must not be touched here). */
static void count_pipes(nng_pipe pipe, nng_pipe_ev event, void *arg)
{
	(void)pipe;
	atomic_fetch_add((atomic_int *)arg, event == NNG_PIPE_EV_ADD_POST ? 1 : -1);
}

static int watch_pipes(nng_socket socket, atomic_int *counter)
{
	int rv = nng_pipe_notify(socket, NNG_PIPE_EV_ADD_POST, count_pipes, counter);
	return rv ? rv : nng_pipe_notify(socket, NNG_PIPE_EV_REM_POST, count_pipes, counter);
}

static bool valid_namespace(const char *ns)
{
	size_t len = strlen(ns);
	if (len == 0 || len >= BUS_NAMESPACE_MAX)
		return false;
	for (const char *p = ns; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			return false;
	return true;
}

static bool valid_id(const char *id)
{
	size_t len = strlen(id);
	if (len == 0 || len >= BUS_ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if (*p <= ' ' || *p > '~')
			return false;
	return true;
}

static void random_id(char *out)
{
	unsigned char bytes[16];
	if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes))
		memset(bytes, 0, sizeof(bytes));
	for (int i = 0; i < 16; i++)
		snprintf(out + 2 * i, 3, "%02x", bytes[i]);
}

bool bus_envelope_encode(const char *id, const char *namespace_, int64_t created_at_ms, const char *target,
                         json_object *data, char **out, size_t *len, char *error, size_t error_len)
{
	char generated[33];
	if (!id) {
		random_id(generated);
		id = generated;
	}
	if (!valid_id(id)) {
		snprintf(error, error_len, "id: expected 1 to %d printable characters", BUS_ID_MAX - 1);
		return false;
	}
	if (!namespace_ || !valid_namespace(namespace_)) {
		snprintf(error, error_len, "namespace: expected 1 to %d characters of [A-Za-z0-9._-]",
		         BUS_NAMESPACE_MAX - 1);
		return false;
	}
	char created[40];
	json_object *envelope = json_object_new_object();
	json_object_object_add(envelope, "id", json_object_new_string(id));
	json_object_object_add(envelope, "namespace", json_object_new_string(namespace_));
	json_object_object_add(envelope, "createdAt",
	                       json_object_new_string(time_iso_from_ms(created_at_ms, created, sizeof(created))));
	json_object_object_add(envelope, "target", target ? json_object_new_string(target) : NULL);
	json_object_object_add(envelope, "data", json_object_get(data));
	const char *text = json_object_to_json_string_ext(envelope, JSON_C_TO_STRING_PLAIN);
	size_t ns_len = strlen(namespace_), text_len = strlen(text);
	*out = malloc(ns_len + 1 + text_len);
	if (!*out) {
		json_object_put(envelope);
		snprintf(error, error_len, "out of memory");
		return false;
	}
	memcpy(*out, namespace_, ns_len + 1);
	memcpy(*out + ns_len + 1, text, text_len);
	*len = ns_len + 1 + text_len;
	json_object_put(envelope);
	return true;
}

static bool fail(char *error, size_t error_len, const char *text)
{
	snprintf(error, error_len, "%s", text);
	return false;
}

static bool take_string(json_object *envelope, const char *key, char *dest, size_t dest_len, char *error,
                        size_t error_len)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(envelope, key, &v) || !json_object_is_type(v, json_type_string)) {
		snprintf(error, error_len, "%s: expected a string", key);
		return false;
	}
	if ((size_t)json_object_get_string_len(v) >= dest_len) {
		snprintf(error, error_len, "%s: longer than %zu characters", key, dest_len - 1);
		return false;
	}
	snprintf(dest, dest_len, "%s", json_object_get_string(v));
	return true;
}

static bool decode_fields(json_object *envelope, const char *wire_ns, struct bus_envelope *out, char *error,
                          size_t error_len)
{
	char created[64];
	json_object *v = NULL;
	if (!take_string(envelope, "id", out->id, sizeof(out->id), error, error_len) ||
	    !take_string(envelope, "namespace", out->namespace_, sizeof(out->namespace_), error, error_len) ||
	    !take_string(envelope, "createdAt", created, sizeof(created), error, error_len))
		return false;
	if (!valid_id(out->id))
		return fail(error, error_len, "id: expected printable characters");
	if (!valid_namespace(out->namespace_) || strcmp(out->namespace_, wire_ns) != 0)
		return fail(error, error_len, "namespace: does not match the message's topic");
	if (!time_parse_iso(created, &out->created_at_ms))
		return fail(error, error_len, "createdAt: expected an ISO 8601 timestamp");
	if (json_object_object_get_ex(envelope, "target", &v) && v) {
		if (!json_object_is_type(v, json_type_string))
			return fail(error, error_len, "target: expected a string or null");
		out->target = strdup(json_object_get_string(v));
	}
	if (!json_object_object_get_ex(envelope, "data", &v))
		return fail(error, error_len, "data: missing");
	out->data = json_object_get(v);
	return true;
}

bool bus_envelope_decode(const void *message, size_t len, struct bus_envelope *out, char *error, size_t error_len)
{
	memset(out, 0, sizeof(*out));
	const char *bytes = message;
	const char *nul = memchr(bytes, '\0', len < BUS_NAMESPACE_MAX ? len : BUS_NAMESPACE_MAX);
	if (!nul)
		return fail(error, error_len, "namespace: the message has no topic terminated by NUL");
	size_t json_len = len - (size_t)(nul + 1 - bytes);
	json_tokener *tok = json_tokener_new();
	json_object *envelope = json_tokener_parse_ex(tok, nul + 1, (int)json_len);
	bool complete =
	        json_tokener_get_error(tok) == json_tokener_success && json_tokener_get_parse_end(tok) == json_len;
	json_tokener_free(tok);
	bool ok = complete && json_object_is_type(envelope, json_type_object);
	if (!ok)
		fail(error, error_len, "envelope: expected one JSON object after the topic");
	else
		ok = decode_fields(envelope, bytes, out, error, error_len);
	json_object_put(envelope);
	if (!ok)
		bus_envelope_clear(out);
	return ok;
}

void bus_envelope_clear(struct bus_envelope *envelope)
{
	free(envelope->target);
	json_object_put(envelope->data);
	memset(envelope, 0, sizeof(*envelope));
}

struct bus_publisher *bus_publisher_open(const char *push_url, char *error, size_t error_len)
{
	struct bus_publisher *pub = calloc(1, sizeof(*pub));
	int rv = pub ? nng_push0_open(&pub->socket) : NNG_ENOMEM;
	if (rv == 0 && (rv = nng_setopt_int(pub->socket, NNG_OPT_SENDBUF, 256)) == 0 &&
	    (rv = watch_pipes(pub->socket, &pub->pipes)) == 0)
		rv = nng_dial(pub->socket, push_url, NULL, NNG_FLAG_NONBLOCK);
	if (rv != 0) {
		snprintf(error, error_len, "bus publisher %s: %s", push_url, nng_strerror(rv));
		if (pub && nng_socket_id(pub->socket) > 0)
			nng_close(pub->socket);
		free(pub);
		return NULL;
	}
	return pub;
}

bool bus_publish(struct bus_publisher *pub, const char *id, const char *namespace_, const char *target,
                 json_object *data)
{
	char *wire = NULL, error[128];
	size_t len = 0;
	if (!bus_envelope_encode(id, namespace_, time_wall_ms(), target, data, &wire, &len, error, sizeof(error))) {
		pub->dropped++;
		return false;
	}
	int rv = nng_send(pub->socket, wire, len, NNG_FLAG_NONBLOCK);
	free(wire);
	if (rv != 0)
		pub->dropped++;
	return rv == 0;
}

uint64_t bus_publisher_dropped(const struct bus_publisher *pub)
{
	return pub->dropped;
}

bool bus_publisher_connected(struct bus_publisher *pub)
{
	return atomic_load(&pub->pipes) > 0;
}

bool bus_subscriber_connected(struct bus_subscriber *sub)
{
	return atomic_load(&sub->pipes) > 0;
}

void bus_publisher_close(struct bus_publisher *pub)
{
	if (!pub)
		return;
	nng_close(pub->socket);
	free(pub);
}

struct bus_subscriber *bus_subscriber_open(const char *sub_url, const char *const *prefixes, char *error,
                                           size_t error_len)
{
	struct bus_subscriber *sub = calloc(1, sizeof(*sub));
	int rv = sub ? nng_sub0_open(&sub->socket) : NNG_ENOMEM;
	if (rv == 0)
		rv = nng_setopt_size(sub->socket, NNG_OPT_RECVMAXSZ, BUS_MAX_MESSAGE);
	for (size_t i = 0; rv == 0 && prefixes && prefixes[i]; i++)
		rv = nng_setopt(sub->socket, NNG_OPT_SUB_SUBSCRIBE, prefixes[i], strlen(prefixes[i]));
	if (rv == 0 && (rv = watch_pipes(sub->socket, &sub->pipes)) == 0)
		rv = nng_dial(sub->socket, sub_url, NULL, NNG_FLAG_NONBLOCK);
	if (rv != 0) {
		snprintf(error, error_len, "bus subscriber %s: %s", sub_url, nng_strerror(rv));
		if (sub && nng_socket_id(sub->socket) > 0)
			nng_close(sub->socket);
		free(sub);
		return NULL;
	}
	return sub;
}

int bus_subscriber_fd(struct bus_subscriber *sub)
{
	int fd = -1;
	return nng_getopt_int(sub->socket, NNG_OPT_RECVFD, &fd) == 0 ? fd : -1;
}

int bus_receive(struct bus_subscriber *sub, int timeout_ms, struct bus_envelope *out, char *error, size_t error_len)
{
	nng_msg *msg = NULL;
	int rv;
	if (timeout_ms > 0) {
		nng_setopt_ms(sub->socket, NNG_OPT_RECVTIMEO, timeout_ms);
		rv = nng_recvmsg(sub->socket, &msg, 0);
	} else {
		rv = nng_recvmsg(sub->socket, &msg, NNG_FLAG_NONBLOCK);
	}
	if (rv == NNG_EAGAIN || rv == NNG_ETIMEDOUT)
		return 0;
	if (rv != 0) {
		snprintf(error, error_len, "bus: %s", nng_strerror(rv));
		return -1;
	}
	bool ok = bus_envelope_decode(nng_msg_body(msg), nng_msg_len(msg), out, error, error_len);
	nng_msg_free(msg);
	return ok ? 1 : -1;
}

void bus_subscriber_close(struct bus_subscriber *sub)
{
	if (!sub)
		return;
	nng_close(sub->socket);
	free(sub);
}
