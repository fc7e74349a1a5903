/*
 * bus.h: the event bus as workers see it. A worker publishes by PUSHing to $CONNECTOR_BUS_PUSH;
 * connectord forwards every message unchanged to its PUB socket at $CONNECTOR_BUS_SUB, where
 * workers SUBscribe with namespace prefixes. Lossy by design (nng pub/sub): the bus carries hints,
 * the outbox table in PostgreSQL is the record.
 *
 * Wire form of one message (documented in doc/connectord.md):
 *     <namespace> NUL <envelope JSON>
 * so that nng's prefix filter on the namespace works. The envelope:
 *     {"id":"<event id>","namespace":"transport.messageReceived",
 *      "createdAt":"2026-11-27T01:50:57.123Z","target":"did:e:..."|null,"data":<any JSON>}
 * namespace: 1 to 127 characters of [A-Za-z0-9._-]; id: 1 to 63 printable ASCII characters.
 */
#ifndef CONNECTOR_BUS_H
#define CONNECTOR_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#define BUS_NAMESPACE_MAX 128
#define BUS_ID_MAX        64

struct bus_envelope {
	char id[BUS_ID_MAX];
	char namespace_[BUS_NAMESPACE_MAX];
	int64_t created_at_ms; /* epoch milliseconds */
	char *target;          /* malloc'd, NULL when none */
	json_object *data;     /* owned; NULL stands for JSON null */
};

/*
 * Encodes an envelope into its wire form. id NULL: a random 32-hex-digit id is generated. Returns
 * true with *out (malloc'd) and *len, or false with error (names the field).
 */
bool bus_envelope_encode(const char *id, const char *namespace_, int64_t created_at_ms, const char *target,
                         json_object *data, char **out, size_t *len, char *error, size_t error_len);
/* Decodes and checks a wire message; false with error naming the field for anything malformed. */
bool bus_envelope_decode(const void *message, size_t len, struct bus_envelope *out, char *error, size_t error_len);
void bus_envelope_clear(struct bus_envelope *envelope);

struct bus_publisher;
struct bus_subscriber;

struct bus_publisher *bus_publisher_open(const char *push_url, char *error, size_t error_len);
/*
 * Publishes without blocking; false when the message could not be queued (counted in dropped).
 * data is not consumed. id may be NULL (generated).
 */
bool bus_publish(struct bus_publisher *pub, const char *id, const char *namespace_, const char *target,
                 json_object *data);
uint64_t bus_publisher_dropped(const struct bus_publisher *pub);
/* True while connected to connectord (the connection is made, and remade, in the background). */
bool bus_publisher_connected(struct bus_publisher *pub);
void bus_publisher_close(struct bus_publisher *pub);

/* prefixes: NULL-terminated list of namespace prefixes ("transport." or "" for everything). */
struct bus_subscriber *bus_subscriber_open(const char *sub_url, const char *const *prefixes, char *error,
                                           size_t error_len);
/*
 * A descriptor that is readable while a message waits (for libevent, EV_READ|EV_PERSIST); on each
 * wake-up call bus_receive(sub, 0, ...) until it returns 0. Do not read from the descriptor.
 */
int bus_subscriber_fd(struct bus_subscriber *sub);
/*
 * Receives one message: 1 with *out filled, 0 when none is waiting (or timeout_ms passed; 0 = do
 * not wait), -1 when a malformed message was dropped (error says why) or the socket failed.
 */
int bus_receive(struct bus_subscriber *sub, int timeout_ms, struct bus_envelope *out, char *error, size_t error_len);
bool bus_subscriber_connected(struct bus_subscriber *sub);
void bus_subscriber_close(struct bus_subscriber *sub);

#endif
