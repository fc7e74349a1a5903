/*
 * test_bus_probe.c: a command-line end of the event bus for end-to-end tests (not a test itself):
 *   test_bus_probe sub URL PREFIX COUNT TIMEOUT_MS   prints READY, then one JSON line per envelope
 *   test_bus_probe pub URL NAMESPACE ID DATA_JSON    publishes one envelope (target "did:e:probe")
 *   test_bus_probe req URL TEXT                      sends TEXT as is to a control socket, prints the reply
 * Exit 0 when done, 1 on timeout or error (named on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/supplemental/util/platform.h>

#include "bus.h"
#include "control.h"
#include "timeutil.h"

static int subscribe(const char *url, const char *prefix, int count, int timeout_ms)
{
	char error[256];
	const char *prefixes[] = {prefix, NULL};
	struct bus_subscriber *sub = bus_subscriber_open(url, prefixes, error, sizeof(error));
	if (!sub) {
		fprintf(stderr, "%s\n", error);
		return 1;
	}
	for (int i = 0; i < 500 && !bus_subscriber_connected(sub); i++)
		nng_msleep(10);
	nng_msleep(100); /* the hub's side of the connection is added just after ours */
	printf("READY\n");
	fflush(stdout);
	int64_t deadline = time_monotonic_ms() + timeout_ms;
	int got = 0;
	while (got < count && time_monotonic_ms() < deadline) {
		struct bus_envelope e;
		int rv = bus_receive(sub, 100, &e, error, sizeof(error));
		if (rv < 0)
			fprintf(stderr, "dropped: %s\n", error);
		if (rv != 1)
			continue;
		json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(e.id));
		json_object_object_add(o, "namespace", json_object_new_string(e.namespace_));
		json_object_object_add(o, "createdAt", json_object_new_int64(e.created_at_ms));
		json_object_object_add(o, "target", e.target ? json_object_new_string(e.target) : NULL);
		json_object_object_add(o, "data", json_object_get(e.data));
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		json_object_put(o);
		bus_envelope_clear(&e);
		got++;
	}
	bus_subscriber_close(sub);
	return got == count ? 0 : 1;
}

static int publish(const char *url, const char *namespace_, const char *id, const char *data_text)
{
	char error[256];
	json_object *data = json_tokener_parse(data_text);
	struct bus_publisher *pub = bus_publisher_open(url, error, sizeof(error));
	if (!pub) {
		fprintf(stderr, "%s\n", error);
		json_object_put(data);
		return 1;
	}
	for (int i = 0; i < 500 && !bus_publisher_connected(pub); i++)
		nng_msleep(10);
	bool sent = false;
	for (int attempt = 0; attempt < 50 && !sent; attempt++) {
		sent = bus_publish(pub, id, namespace_, "did:e:probe", data);
		if (!sent)
			nng_msleep(20); /* not connected yet */
	}
	nng_msleep(100); /* let the queued message leave before closing */
	bus_publisher_close(pub);
	json_object_put(data);
	if (!sent)
		fprintf(stderr, "could not publish to %s\n", url);
	return sent ? 0 : 1;
}

static int request(const char *url, const char *text)
{
	char *reply = NULL;
	int rv = control_request(url, text, 5000, &reply);
	if (rv != 0) {
		fprintf(stderr, "%s: %s\n", url, control_strerror(rv));
		return 1;
	}
	printf("%s\n", reply);
	free(reply);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "req") == 0)
		return request(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "sub") == 0)
		return subscribe(argv[2], argv[3], atoi(argv[4]), atoi(argv[5]));
	if (argc == 6 && strcmp(argv[1], "pub") == 0)
		return publish(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: test_bus_probe sub URL PREFIX COUNT TIMEOUT_MS | pub URL NAMESPACE ID DATA_JSON | req "
	                "URL TEXT\n");
	return 2;
}
