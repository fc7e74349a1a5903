/*
 * broker_internal.h: what the protocol files (broker_amqp.c, broker_mqtt.c, broker_redis.c,
 * broker_pubsub.c) share with the dispatcher (broker_client.c): the operations table, configuration
 * readers that produce the original's messages, URL parsing and masking. Not for callers outside
 * lib/broker_*.c.
 */
#ifndef CONNECTOR_BROKER_INTERNAL_H
#define CONNECTOR_BROKER_INTERNAL_H

#include <stdbool.h>

#include <json-c/json.h>

#include "broker_client.h"

struct broker_ops {
	const char *type;
	/* Reads and checks the configuration; NULL + *error on bad configuration. */
	void *(*create)(json_object *conf, const char *label, char **error);
	bool (*connect)(void *impl, char **error);
	bool (*is_connected)(const void *impl);
	void (*disconnect)(void *impl);
	bool (*publish)(void *impl, const struct broker_message *m, int n, enum broker_outcome *out, char **error);
	/* malloc'd description without secrets */
	char *(*describe)(const void *impl);
	void (*destroy)(void *impl);
};

extern const struct broker_ops broker_amqp_ops, broker_mqtt_ops, broker_redis_ops, broker_pubsub_ops;

/* malloc'd printf; aborts on out-of-memory */
char *broker_strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void broker_set_error(char **error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A non-empty string member, else NULL. */
const char *broker_conf_string(json_object *conf, const char *key);
/* An integer member within [min, max] (fallback when missing); false + *error naming label.key. */
bool broker_conf_int(json_object *conf, const char *label, const char *key, int fallback, int min, int max, int *out,
                     char **error);
bool broker_conf_bool(json_object *conf, const char *label, const char *key, bool fallback, bool *out, char **error);

struct broker_url {
	char *scheme;   /* lower-case, without "://" */
	char *user;     /* percent-decoded, NULL when absent */
	char *password; /* percent-decoded, NULL when absent */
	char *host;     /* without IPv6 brackets */
	int port;       /* 0 when absent */
	char *path;     /* after the authority, without the leading '/', NULL when absent */
};
/* Parses scheme://[user[:password]@]host[:port][/path]; false + *error naming label. */
bool broker_url_parse(const char *url, const char *label, struct broker_url *out, char **error);
void broker_url_clear(struct broker_url *u);
/* The URL with its password replaced by "***" (malloc'd). */
char *broker_url_masked(const char *url);

#endif
