/*
 * metrics.c: GET /metrics, the Prometheus text exposition of this Connector, and the per-request
 * record every HTTP answer goes through (http_metrics_record, called by server.c).
 *
 * A scrape shows: the shared registry (lib/metrics.h: HTTP requests per route and their latency
 * histograms, sync runs, Backbone calls, delivery attempts, as recorded by every process), the
 * supervisor's view of modules and workers (state, restarts; {"command":"status"} on the control
 * socket) and the outbox per consumer (lib/metrics_outbox.h; database.connectionString).
 * The control request and the database queries block, so they run on a helper thread, one at a
 * time; scrapes arriving meanwhile share its result (as health.c does). Only the loop thread touches
 * exchanges; the thread reports through a pipe. The database connection is kept between scrapes
 * (used by one helper thread at a time) and dropped when the server went away.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "buildconfig.h" /* autoconf: PACKAGE_VERSION */
#include "control.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "metrics_outbox.h"
#include "metrics_text.h"
#include "worker.h"

#define METRICS_CONTROL_TIMEOUT_MS 1000

struct metrics_waiter {
	struct exchange *exchange;
	struct metrics_waiter *next;
};

struct metrics_collector {
	struct http_server *server;
	char *control_url;
	char *db_conninfo, *db_schema;
	struct db *db; /* helper thread only */
	pthread_t thread;
	bool running;
	int pipe_fds[2];
	struct event *done_event;
	struct metrics_waiter *waiters;
	/* written by the thread, read by the loop after pthread_join */
	char *status_reply;
	int control_error;
	bool outbox_ok;
	char outbox_why[256];
	struct metrics_outbox outbox;
};

void http_metrics_record(const struct http_route *route, const char *method, int status, const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double seconds = (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
	char labels[METRICS_LABELS_MAX] = "";
	metrics_label_append(labels, sizeof(labels), "route", route ? route->pattern : "(unmatched)");
	metrics_label_append(labels, sizeof(labels), "method", method);
	metrics_observe("connector_http_request_duration_seconds", labels, seconds);
	char code[8];
	snprintf(code, sizeof(code), "%d", status);
	metrics_label_append(labels, sizeof(labels), "status", code);
	metrics_count("connector_http_requests_total", labels, 1);
}

static void collect_outbox(struct metrics_collector *mc)
{
	char *error = NULL;
	if (!mc->db && !(mc->db = db_new(mc->db_conninfo, mc->db_schema, "connector-http-api-metrics", &error))) {
		snprintf(mc->outbox_why, sizeof(mc->outbox_why), "%s", error ? error : "db_new failed");
		free(error);
		return;
	}
	if (!db_is_connected(mc->db) && db_connect(mc->db) != DB_OK) {
		snprintf(mc->outbox_why, sizeof(mc->outbox_why), "%s", db_error(mc->db));
		return;
	}
	mc->outbox_ok = metrics_outbox_read(mc->db, &mc->outbox, mc->outbox_why, sizeof(mc->outbox_why));
	if (!mc->outbox_ok && db_connection_lost(mc->db))
		db_disconnect(mc->db);
}

static void *collect(void *arg)
{
	struct metrics_collector *mc = arg;
	if (mc->control_url)
		mc->control_error = control_request(mc->control_url, "{\"command\":\"status\"}",
		                                    METRICS_CONTROL_TIMEOUT_MS, &mc->status_reply);
	mc->outbox_ok = false;
	mc->outbox_why[0] = '\0';
	if (mc->db_conninfo)
		collect_outbox(mc);
	ssize_t n;
	do {
		n = write(mc->pipe_fds[1], "x", 1);
	} while (n < 0 && errno == EINTR);
	return NULL;
}

static const char *json_str(json_object *obj, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(obj, key, &v) && v ? json_object_get_string(v) : "";
}

static int64_t json_int(json_object *obj, const char *key)
{
	json_object *v = NULL;
	return json_object_object_get_ex(obj, key, &v) && v ? json_object_get_int64(v) : 0;
}

static void render_worker(struct metrics_text *t, const char *module, json_object *w, struct metrics_text *restarts)
{
	char labels[METRICS_LABELS_MAX] = "", index[16];
	snprintf(index, sizeof(index), "%lld", (long long)json_int(w, "index"));
	metrics_label_append(labels, sizeof(labels), "module", module);
	metrics_label_append(labels, sizeof(labels), "worker", index);
	metrics_text_sample(restarts, "connector_worker_restarts_total", labels, (double)json_int(w, "restarts"));
	metrics_label_append(labels, sizeof(labels), "state", json_str(w, "state"));
	metrics_text_sample(t, "connector_worker_state", labels, 1);
}

/* Module and worker families from the supervisor's status document. */
static void render_supervisor(struct metrics_collector *mc, struct metrics_text *t)
{
	json_object *status = mc->status_reply ? json_tokener_parse(mc->status_reply) : NULL;
	json_object *modules = NULL;
	bool ok = status && json_object_object_get_ex(status, "modules", &modules) &&
	          json_object_is_type(modules, json_type_array);
	if (!ok && mc->control_url)
		log_warn("Metrics", "supervisor status: %s",
		         status ? "unexpected reply" : control_strerror(mc->control_error));
	metrics_text_family(t, "connector_supervisor_up", "gauge",
	                    "1 when the supervisor answered the status request.");
	metrics_text_sample(t, "connector_supervisor_up", NULL, ok);
	metrics_text_family(t, "connector_config_generation", "gauge",
	                    "Configuration generation in force (1 + reloads).");
	metrics_text_sample(t, "connector_config_generation", NULL,
	                    ok ? (double)json_int(status, "configGeneration") : 0);
	struct metrics_text workers, restarts;
	metrics_text_init(&workers);
	metrics_text_init(&restarts);
	metrics_text_family(t, "connector_module_state", "gauge", "1 for the current state of each module.");
	for (size_t i = 0; ok && i < json_object_array_length(modules); i++) {
		json_object *m = json_object_array_get_idx(modules, i), *list = NULL;
		char labels[METRICS_LABELS_MAX] = "";
		metrics_label_append(labels, sizeof(labels), "module", json_str(m, "name"));
		metrics_label_append(labels, sizeof(labels), "state", json_str(m, "state"));
		metrics_text_sample(t, "connector_module_state", labels, 1);
		if (json_object_object_get_ex(m, "workers", &list) && json_object_is_type(list, json_type_array))
			for (size_t j = 0; j < json_object_array_length(list); j++)
				render_worker(&workers, json_str(m, "name"), json_object_array_get_idx(list, j),
				              &restarts);
	}
	metrics_text_family(t, "connector_worker_state", "gauge", "1 for the current state of each worker process.");
	metrics_text_printf(t, "%s", workers.data);
	metrics_text_family(t, "connector_worker_restarts_total", "counter",
	                    "Restarts of each worker since connectord started.");
	metrics_text_printf(t, "%s", restarts.data);
	metrics_text_free(&workers);
	metrics_text_free(&restarts);
	json_object_put(status);
}

static void render_database(struct metrics_collector *mc, struct metrics_text *t)
{
	if (!mc->db_conninfo)
		return;
	if (!mc->outbox_ok)
		log_warn("Metrics", "outbox figures: %s", mc->outbox_why);
	metrics_text_family(t, "connector_database_up", "gauge", "1 when the outbox figures could be read.");
	metrics_text_sample(t, "connector_database_up", NULL, mc->outbox_ok);
	if (mc->outbox_ok)
		metrics_outbox_render(&mc->outbox, t);
	metrics_outbox_free(&mc->outbox);
}

static char *render(struct metrics_collector *mc, size_t *len)
{
	struct metrics_text t;
	metrics_text_init(&t);
	char labels[METRICS_LABELS_MAX] = "";
	metrics_label_append(labels, sizeof(labels), "version", PACKAGE_VERSION);
	metrics_text_family(&t, "connector_build_info", "gauge", "Always 1; the version in a label.");
	metrics_text_sample(&t, "connector_build_info", labels, 1);
	struct metrics_sample *samples = NULL;
	size_t count = metrics_snapshot(&samples);
	metrics_text_registry(&t, samples, count);
	free(samples);
	metrics_text_family(&t, "connector_metrics_series_dropped_total", "counter",
	                    "Series not recorded because the shared registry was full.");
	metrics_text_sample(&t, "connector_metrics_series_dropped_total", NULL, (double)metrics_dropped());
	render_supervisor(mc, &t);
	render_database(mc, &t);
	free(mc->status_reply);
	mc->status_reply = NULL;
	*len = t.len;
	return t.data; /* taken by the reply */
}

static void on_collected(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_collector *mc = arg;
	char byte;
	if (read(fd, &byte, 1) != 1)
		return;
	pthread_join(mc->thread, NULL);
	mc->running = false;
	size_t len = 0;
	char *text = render(mc, &len);
	struct metrics_waiter *waiter = mc->waiters;
	mc->waiters = NULL;
	while (waiter) {
		struct metrics_waiter *next = waiter->next;
		struct api_reply reply = {.status = 200,
		                          .text = malloc(len + 1),
		                          .text_len = len,
		                          .content_type = METRICS_TEXT_CONTENT_TYPE};
		if (!reply.text)
			fatal(EXIT_FAILURE, "malloc");
		memcpy(reply.text, text, len + 1);
		exchange_reply(waiter->exchange, &reply);
		free(waiter);
		waiter = next;
	}
	free(text);
}

static char *config_dup(json_object *config, const char *section, const char *key)
{
	json_object *obj = NULL, *value = NULL;
	if (json_object_object_get_ex(config, section, &obj) && json_object_object_get_ex(obj, key, &value) &&
	    json_object_is_type(value, json_type_string) && json_object_get_string_len(value) > 0) {
		char *copy = strdup(json_object_get_string(value));
		if (!copy)
			fatal(EXIT_FAILURE, "strdup");
		return copy;
	}
	return NULL;
}

struct metrics_collector *metrics_collector_new(struct http_server *server)
{
	struct metrics_collector *mc = calloc(1, sizeof(*mc));
	if (!mc || pipe2(mc->pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		fatal(EXIT_FAILURE, "metrics: pipe2");
	mc->server = server;
	mc->db_conninfo = config_dup(server->config, "database", "connectionString");
	mc->db_schema = config_dup(server->config, "database", "dbName");
	if (!mc->db_schema && !(mc->db_schema = strdup("default")))
		fatal(EXIT_FAILURE, "strdup");
	if (server->control_url && !(mc->control_url = strdup(server->control_url)))
		fatal(EXIT_FAILURE, "strdup");
	mc->done_event = event_new(server->base, mc->pipe_fds[0], EV_READ | EV_PERSIST, on_collected, mc);
	if (!mc->done_event || event_add(mc->done_event, NULL) != 0)
		fatalx(EXIT_FAILURE, "metrics: cannot watch the result pipe");
	return mc;
}

void metrics_collector_free(struct metrics_collector *mc)
{
	if (!mc)
		return;
	if (mc->running)
		pthread_join(mc->thread, NULL);
	while (mc->waiters) {
		struct metrics_waiter *next = mc->waiters->next;
		free(mc->waiters);
		mc->waiters = next;
	}
	event_free(mc->done_event);
	close(mc->pipe_fds[0]);
	close(mc->pipe_fds[1]);
	if (mc->db)
		db_free(mc->db);
	metrics_outbox_free(&mc->outbox);
	free(mc->status_reply);
	free(mc->db_conninfo);
	free(mc->db_schema);
	free(mc->control_url);
	free(mc);
}

void metrics_route(const struct api_request *req, struct api_reply *reply)
{
	struct metrics_collector *mc = req->server->metrics;
	struct metrics_waiter *waiter = calloc(1, sizeof(*waiter));
	if (!waiter)
		fatal(EXIT_FAILURE, "calloc");
	waiter->exchange = req->exchange;
	waiter->next = mc->waiters;
	mc->waiters = waiter;
	reply->deferred = true;
	if (mc->running)
		return;
	int rc = pthread_create(&mc->thread, NULL, collect, mc);
	if (rc != 0) {
		errno = rc;
		fatal(EXIT_TEMPFAIL, "pthread_create");
	}
	mc->running = true;
}
