/*
 * broker_client.h: one connection to one message broker (AMQP, MQTT, Redis, Google Pub/Sub), as the
 * original messageBrokerPublisher, amqpPublisher and PubSubPublisher modules configured them, with
 * at-least-once publishing: a message counts as published only once the broker acknowledged it
 * (AMQP publisher confirm, MQTT PUBACK for QoS >= 1, the Redis reply, a Pub/Sub message id).
 *
 * What goes on the wire is the original's: the body is the event data as compact JSON ("{}" when the
 * event has none); the routing is the event namespace (AMQP routing key, Redis channel, MQTT topic
 * with '.' -> '/', Pub/Sub attribute "namespace"). Additions that the original lacks and that do not
 * change payload or routing: AMQP persistent delivery mode and the event id as AMQP message-id,
 * optional Redis stream (XADD with fields eventId, namespace, data).
 *
 * Process-free: no bus, no database, no sleeping; the caller owns reconnect timing. Not thread-safe
 * (one client per worker). Errors are returned as malloc'd text without secrets.
 */
#ifndef CONNECTOR_BROKER_CLIENT_H
#define CONNECTOR_BROKER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

struct broker_message {
	const char *event_id;  /* uuid text, carried where the protocol has room for it */
	const char *namespace; /* e.g. "transport.messageReceived" */
	const char *body;      /* the event data as JSON text (see broker_body_from_data) */
	size_t body_len;
	const char *correlation_id; /* NULL when none; AMQP only: the correlation-id property */
};

enum broker_outcome {
	BROKER_ACKED,    /* the broker acknowledged the message */
	BROKER_RETRY,    /* not acknowledged (nack, timeout, connection lost, transient error): try again */
	BROKER_REJECTED, /* the broker refused this message for good (e.g. Pub/Sub 400): dead letter */
};

struct broker;

/*
 * Creates a client for one broker from its configuration without connecting. type is "AMQP",
 * "MQTT", "PubSub" or "Redis"; label names it in messages (e.g. "messageBrokerPublisher.brokers[0]").
 * On bad configuration returns NULL and sets *error to the original's message (e.g.
 * "Cannot start the module, the ampq url is not defined."), prefixed by nothing.
 */
struct broker *broker_new(const char *type, json_object *configuration, const char *label, char **error);

/* The deprecated modules: amqpPublisher (url, exchange, timeout) and PubSubPublisher (projectId,
 * topicName or topic, keyFile). Same clients, same payloads. */
struct broker *broker_new_module(const char *module, json_object *module_config, char **error);

/*
 * Connects and checks what the original checked at start (AMQP exchange, Pub/Sub topic). false and
 * *error (the original's text, e.g. "The configured exchange 'x' does not exist.") on failure; the
 * caller retries with backoff. Calling it while connected reconnects.
 */
bool broker_connect(struct broker *b, char **error);
bool broker_is_connected(const struct broker *b);
void broker_disconnect(struct broker *b);

/*
 * Publishes count messages and waits (bounded by the client's timeout) for the broker's
 * acknowledgements; outcomes[i] is set for every message. Returns false when the connection is
 * unusable afterwards (every unacknowledged message is BROKER_RETRY; *error says why); the caller
 * then reconnects with backoff.
 */
bool broker_publish(struct broker *b, const struct broker_message *messages, int count, enum broker_outcome *outcomes,
                    char **error);

/* A description for logs and status lines, passwords masked: "AMQP amqp://guest:***@host:5672". */
const char *broker_describe(const struct broker *b);
const char *broker_type(const struct broker *b);
/* Reconnect backoff bounds from the configuration (reconnectBackoffFloorMs/CapMs, defaults 250/10000). */
void broker_backoff_bounds(const struct broker *b, int *floor_ms, int *cap_ms);
void broker_free(struct broker *b);

/*
 * The original's body: JSON of the event data, compact like JSON.stringify, "{}" when data_json is
 * NULL or "null". Returns malloc'd text (NULL if data_json is not JSON).
 */
char *broker_body_from_data(const char *data_json, size_t *len);

/* The MQTT topic of a namespace: every '.' replaced by '/'. malloc'd. */
char *broker_mqtt_topic(const char *namespace);

#endif
