/*
 * bb_sse.c: server-sent events at /api/v1/sse and /api/v2/sse. One stream per identity address
 * (a new connection replaces the previous one, which is ended); "ConnectionOpened" on connect,
 * "ExternalEventCreated" after a commit that created an unblocked event for the address,
 * "keep-alive" at the configured interval. Every payload is the literal "_".
 */
#include "bb.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct bb_sse_stream {
	struct bb_sse_stream *next;
	struct bb_server *srv;
	struct evhttp_request *req;
	struct evhttp_connection *conn;
	char address[BB_ADDR_MAX];
};

static void send_event(struct bb_sse_stream *s, const char *event)
{
	struct evbuffer *b = evbuffer_new();
	evbuffer_add_printf(b, "event: %s\ndata: _\n\n", event);
	evhttp_send_reply_chunk(s->req, b);
	evbuffer_free(b);
}

static void unlink_stream(struct bb_server *srv, struct bb_sse_stream *s)
{
	for (struct bb_sse_stream **pp = &srv->streams; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			return;
		}
}

static void end_stream(struct bb_sse_stream *s)
{
	unlink_stream(s->srv, s);
	evhttp_connection_set_closecb(s->conn, NULL, NULL);
	evhttp_send_reply_end(s->req);
	free(s);
}

static void on_close(struct evhttp_connection *conn, void *arg)
{
	struct bb_sse_stream *s = arg;
	log_debug("Sse", "stream of %s closed", s->address);
	unlink_stream(s->srv, s);
	/* libevent detached the unfinished request from the dead connection; ending it frees it */
	if (!evhttp_request_get_connection(s->req))
		evhttp_send_reply_end(s->req);
	free(s);
}

void bb_sse_push(struct bb_server *srv, const char *address, const char *event)
{
	for (struct bb_sse_stream *s = srv->streams; s; s = s->next)
		if (strcmp(s->address, address) == 0)
			send_event(s, event);
}

static void keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct bb_server *srv = arg;
	for (struct bb_sse_stream *s = srv->streams; s; s = s->next)
		send_event(s, "keep-alive");
}

void bb_sse_start(struct bb_server *srv)
{
	struct timeval tv = {.tv_sec = srv->cfg.sse_keepalive};
	srv->keepalive_timer = event_new(srv->base, -1, EV_PERSIST, keepalive, srv);
	event_add(srv->keepalive_timer, &tv);
}

void bb_sse_close_all(struct bb_server *srv)
{
	while (srv->streams)
		end_stream(srv->streams);
}

static void open_stream(struct bb_req *r)
{
	for (struct bb_sse_stream *s = r->srv->streams; s; s = s->next)
		if (strcmp(s->address, r->address) == 0) {
			end_stream(s);
			break;
		}
	struct bb_sse_stream *s = calloc(1, sizeof *s);
	if (!s)
		fatal(71, "calloc");
	s->srv = r->srv;
	s->req = r->req;
	s->conn = evhttp_request_get_connection(r->req);
	snprintf(s->address, sizeof s->address, "%s", r->address);
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_connection_set_timeout(s->conn, 86400);
	evhttp_send_reply_start(r->req, 200, "OK");
	evhttp_connection_set_closecb(s->conn, on_close, s);
	s->next = r->srv->streams;
	r->srv->streams = s;
	send_event(s, "ConnectionOpened");
	r->handled = true;
}

const struct bb_route bb_routes_sse[] = {
        {EVHTTP_REQ_GET, "/api/v1/sse", BB_AUTH, BB_BODY_NONE, open_stream},
        {EVHTTP_REQ_GET, "/api/v2/sse", BB_AUTH, BB_BODY_NONE, open_stream},
        {0},
};
