/*
 * test_bus.c: the bus envelope codec (round trip, malformed input rejected with the field named) and
 * a real PUSH -> PULL/PUB hub -> SUB path over ipc:// in a temporary directory, including
 * the namespace prefix filter.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/supplemental/util/platform.h>

#include "bus.h"
#include "tap.h"

static void test_round_trip(void)
{
	json_object *data = json_tokener_parse("{\"id\":\"MSGabc\",\"n\":[1,2,{\"x\":null}],\"s\":\"\\u00e4\\n\"}");
	char *wire = NULL, error[128];
	size_t len = 0;
	ok(bus_envelope_encode("EVT1", "transport.messageReceived", 1795744257123LL, "did:e:localhost:dids:0123", data,
	                       &wire, &len, error, sizeof(error)),
	   "encodes");
	ok(len > 26 && strcmp(wire, "transport.messageReceived") == 0, "wire starts with the namespace and NUL");
	struct bus_envelope e;
	ok(bus_envelope_decode(wire, len, &e, error, sizeof(error)), "decodes what it encoded");
	is_str(e.id, "EVT1", "id survives");
	is_str(e.namespace_, "transport.messageReceived", "namespace survives");
	is_int(e.created_at_ms, 1795744257123LL, "createdAt survives to the millisecond");
	is_str(e.target, "did:e:localhost:dids:0123", "target survives");
	ok(json_object_equal(e.data, data), "data survives unchanged");
	bus_envelope_clear(&e);
	free(wire);
	ok(bus_envelope_encode(NULL, "runtime.modulesStarted", 0, NULL, NULL, &wire, &len, error, sizeof(error)),
	   "encodes without id, target and data");
	ok(bus_envelope_decode(wire, len, &e, error, sizeof(error)), "decodes it");
	is_int((long long)strlen(e.id), 32, "a 32-digit id was generated");
	ok(e.target == NULL && e.data == NULL, "target and data are null");
	bus_envelope_clear(&e);
	free(wire);
	json_object_put(data);
}

static void expect_bad(const char *wire, size_t len, const char *field, const char *what)
{
	struct bus_envelope e;
	char error[128] = "";
	bool decoded = bus_envelope_decode(wire, len, &e, error, sizeof(error));
	if (!ok(!decoded && strncmp(error, field, strlen(field)) == 0, "rejects %s", what))
		diag("error was '%s'", error);
	if (decoded)
		bus_envelope_clear(&e);
}

#define BAD(literal, field, what) expect_bad(literal, sizeof(literal) - 1, field, what)

static void test_bad_input(void)
{
	BAD("no topic at all", "namespace", "a message without NUL");
	BAD("a.b\0{\"id\":\"1\",\"namespace\":\"a.b\",\"createdAt\":\"2026-11-27T01:50:57Z\"", "envelope",
	    "truncated JSON");
	BAD("a.b\0[1]", "envelope", "a JSON array");
	BAD("a.b\0{} {}", "envelope", "trailing data");
	BAD("a.b\0{\"namespace\":\"a.b\",\"createdAt\":\"2026-11-27T01:50:57Z\",\"data\":1}", "id", "a missing id");
	BAD("a.b\0{\"id\":7,\"namespace\":\"a.b\",\"createdAt\":\"2026-11-27T01:50:57Z\",\"data\":1}", "id",
	    "a numeric id");
	BAD("a.b\0{\"id\":\"1\",\"namespace\":\"a.c\",\"createdAt\":\"2026-11-27T01:50:57Z\",\"data\":1}", "namespace",
	    "a namespace that differs from the topic");
	BAD("a b\0{\"id\":\"1\",\"namespace\":\"a b\",\"createdAt\":\"2026-11-27T01:50:57Z\",\"data\":1}", "namespace",
	    "a namespace with a space");
	BAD("a.b\0{\"id\":\"1\",\"namespace\":\"a.b\",\"createdAt\":\"yesterday\",\"data\":1}", "createdAt",
	    "a createdAt that is no timestamp");
	BAD("a.b\0{\"id\":\"1\",\"namespace\":\"a.b\",\"createdAt\":\"2026-11-27T01:50:57Z\",\"target\":5,\"data\":1}",
	    "target", "a numeric target");
	BAD("a.b\0{\"id\":\"1\",\"namespace\":\"a.b\",\"createdAt\":\"2026-11-27T01:50:57Z\"}", "data",
	    "a missing data member");
	char *wire = NULL, error[128] = "";
	size_t len = 0;
	ok(!bus_envelope_encode("1", "bad namespace", 0, NULL, NULL, &wire, &len, error, sizeof(error)) &&
	           strncmp(error, "namespace", 9) == 0,
	   "encode refuses a bad namespace");
	ok(!bus_envelope_encode("", "a.b", 0, NULL, NULL, &wire, &len, error, sizeof(error)) &&
	           strncmp(error, "id", 2) == 0,
	   "encode refuses an empty id");
}

static nng_socket hub_pull, hub_pub;

/* The same loop as supervisor/forwarder.c: PULL -> PUB, bytes unchanged. */
static void run_hub(void *arg)
{
	nng_msg *msg = NULL;
	while (nng_recvmsg(hub_pull, &msg, 0) == 0)
		if (nng_sendmsg(hub_pub, msg, 0) != 0)
			nng_msg_free(msg);
}

static void test_through_a_hub(void)
{
	char dir[] = "/tmp/test_bus.XXXXXX", push_url[96], sub_url[96], error[256] = "";
	ok(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(push_url, sizeof(push_url), "ipc://%s/push.ipc", dir);
	snprintf(sub_url, sizeof(sub_url), "ipc://%s/sub.ipc", dir);
	nng_thread *thread = NULL;
	ok(nng_pull0_open(&hub_pull) == 0 && nng_pub0_open(&hub_pub) == 0 &&
	           nng_listen(hub_pull, push_url, NULL, 0) == 0 && nng_listen(hub_pub, sub_url, NULL, 0) == 0 &&
	           nng_thread_create(&thread, run_hub, NULL) == 0,
	   "hub listens");
	const char *transport[] = {"transport.", NULL};
	struct bus_subscriber *sub = bus_subscriber_open(sub_url, transport, error, sizeof(error));
	struct bus_publisher *pub = bus_publisher_open(push_url, error, sizeof(error));
	ok(sub && pub && bus_subscriber_fd(sub) >= 0, "publisher and subscriber open");
	for (int i = 0; i < 500 && !(bus_subscriber_connected(sub) && bus_publisher_connected(pub)); i++)
		nng_msleep(10);
	ok(bus_subscriber_connected(sub) && bus_publisher_connected(pub), "both are connected to the hub");
	nng_msleep(100); /* the hub adds its side of the connection just after ours (pub/sub drops before) */
	json_object *data = json_tokener_parse("{\"k\":1}");
	ok(bus_publish(pub, "E1", "consumption.attributeCreated", NULL, data), "publishes an unsubscribed namespace");
	ok(bus_publish(pub, "E2", "transport.messageReceived", "did:e:x", data), "publishes a subscribed one");
	struct bus_envelope e;
	int got = bus_receive(sub, 2000, &e, error, sizeof(error));
	is_int(got, 1, "receives one message");
	if (got == 1) {
		is_str(e.id, "E2", "only the subscribed namespace arrives");
		ok(json_object_equal(e.data, data), "with its data");
		bus_envelope_clear(&e);
	}
	is_int(bus_receive(sub, 0, &e, error, sizeof(error)), 0, "nothing else waits");
	json_object_put(data);
	bus_publisher_close(pub);
	bus_subscriber_close(sub);
	nng_close(hub_pull);
	nng_close(hub_pub);
	nng_thread_destroy(thread);
	char path[128];
	snprintf(path, sizeof(path), "%s/push.ipc", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub.ipc", dir);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_round_trip();
	test_bad_input();
	test_through_a_hub();
	return tap_done();
}
