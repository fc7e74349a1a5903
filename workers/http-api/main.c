/*
 * main.c: connector-http-api, one instance of the Core HTTP API worker. The supervisor passes the
 * listening sockets (fds 4.., CONNECTOR_LISTEN_FDS) shared by all instances; this process accepts on
 * them with libevent's evhttp, reports READY once they are attached, sends heartbeats from the loop,
 * and on SIGTERM stops accepting, answers the requests in flight and exits 0.
 * Exit codes: 78 bad configuration (API keys, CORS, route table), 75 runtime directory problems.
 */
#include <stdlib.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <sodium.h>

#include "log.h"
#include "server.h"
#include "worker.h"

int main(int argc, char **argv)
{
	struct worker_context ctx;
	worker_init(&ctx, argc, argv, "http-api");
	if (sodium_init() < 0)
		fatalx(EXIT_TEMPFAIL, "sodium_init failed");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx(EXIT_TEMPFAIL, "curl_global_init failed");
	if (ctx.listen_fd_count <= 0)
		fatalx(EXIT_CONFIG, "CONNECTOR_LISTEN_FDS is not set: no listening socket was passed");
	struct event_base *base = event_base_new();
	if (!base)
		fatalx(EXIT_TEMPFAIL, "event_base_new failed");
	struct http_server server;
	int rc = server_init(&server, base, ctx.config, ctx.runtime_dir, ctx.control_url);
	if (rc != 0)
		fatalx(rc == -2 ? EXIT_TEMPFAIL : EXIT_CONFIG, "the HTTP server cannot start");
	if (server_attach_listeners(&server, WORKER_FIRST_LISTEN_FD, ctx.listen_fd_count) != 0)
		fatalx(EXIT_TEMPFAIL, "cannot use the inherited listening sockets");
	worker_attach_event_base(&ctx, base);
	worker_notify_ready();
	log_info("HttpServer", "serving on %d inherited socket(s)", ctx.listen_fd_count);
	event_base_dispatch(base);
	if (server_stop_accepting(&server))
		event_base_dispatch(base);
	server_free(&server);
	worker_cleanup(&ctx);
	event_base_free(base);
	curl_global_cleanup();
	log_info("HttpServer", "stopped");
	return EXIT_STOPPED;
}
