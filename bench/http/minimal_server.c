/*
 * minimal_server.c: the baseline for bench/http: the smallest libevent evhttp server, answering
 * every request with a fixed JSON body of the size of /Monitoring/Version. It accepts on the
 * listening socket inherited as fd 4, exactly like connector-http-api, so both are started and
 * measured the same way. Stops on SIGTERM/SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

static const char body[] = "{\"version\":\"0.1.0\",\"build\":\"unknown\",\"date\":\"2026-01-01T00:00:00Z\","
                           "\"commit\":\"000000000000\",\"runtimeVersion\":\"0.1.0\"}";

static void on_request(struct evhttp_request *req, void *arg)
{
	struct evbuffer *buf = evbuffer_new();
	evbuffer_add(buf, body, sizeof(body) - 1);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", buf);
	evbuffer_free(buf);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopexit(arg, NULL);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	if (!http || evutil_make_socket_nonblocking(4) != 0 || evhttp_accept_socket(http, 4) != 0) {
		fprintf(stderr, "minimal_server: needs a listening socket as fd 4\n");
		return 1;
	}
	evhttp_set_gencb(http, on_request, NULL);
	struct event *term = evsignal_new(base, SIGTERM, on_signal, base);
	struct event *intr = evsignal_new(base, SIGINT, on_signal, base);
	event_add(term, NULL);
	event_add(intr, NULL);
	event_base_dispatch(base);
	event_free(term);
	event_free(intr);
	evhttp_free(http);
	event_base_free(base);
	return 0;
}
