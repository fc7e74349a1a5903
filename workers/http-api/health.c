/*
 * health.c: the /health report {isHealthy, services: {database, backboneConnection?}}.
 *
 * The checks block (libpq connect, libcurl GET), so they run on a helper thread, one at a time, each
 * bounded by a short timeout; the loop keeps serving. Requests that arrive while a check runs wait
 * for its result (like the original's shared in-flight report); a finished report is reused for
 * HEALTH_CACHE_MS. The thread reports back through a pipe watched by the loop; only the loop thread
 * touches json objects and exchanges.
 *
 * database: healthy iff a connection with database.connectionString succeeds (an unset connection
 * string is unhealthy: every business route needs the database). backboneConnection: present when
 * transportLibrary.baseUrl is set; healthy iff GET <baseUrl>/health answers 2xx. modules: the
 * supervisor's view ({"command":"health"} on the control socket): every module's state; the report
 * is unhealthy when the supervisor says so or cannot be asked.
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "account/health.h"
#include "health_probe.h"
#include "log.h"
#include "timeutil.h"
#include "worker.h"

#define HEALTH_DB_TIMEOUT_S       2
#define HEALTH_HTTP_TIMEOUT_MS    2000
#define HEALTH_CONTROL_TIMEOUT_MS 1000

struct health_waiter {
	struct exchange *exchange;
	health_ready_fn ready;
	struct health_waiter *next;
};

struct health {
	struct http_server *server;
	char *database;     /* connection string or NULL */
	char *backbone_url; /* <baseUrl>/health or NULL */
	char *control_url;  /* the supervisor's control socket or NULL */
	pthread_t thread;
	bool running;
	int pipe_fds[2];
	struct event *done_event;
	/* written by the thread, read by the loop after pthread_join */
	bool database_ok, backbone_ok, auth_ok;
	char auth_why[512];
	char database_why[256], backbone_why[256];
	char *supervisor_reply; /* malloc'd JSON text, NULL when the supervisor could not be asked */
	int control_error;
	/* loop only */
	json_object *cached;
	bool cached_healthy;
	int64_t cached_at;
	struct health_waiter *waiters;
};

static const char *config_string(json_object *config, const char *section, const char *key)
{
	json_object *obj = NULL, *value = NULL;
	if (json_object_object_get_ex(config, section, &obj) && json_object_object_get_ex(obj, key, &value) &&
	    json_object_is_type(value, json_type_string) && json_object_get_string_len(value) > 0)
		return json_object_get_string(value);
	return NULL;
}

static void *run_checks(void *arg)
{
	struct health *health = arg;
	health->database_ok = health_probe_database(health->database, HEALTH_DB_TIMEOUT_S, health->database_why,
	                                            sizeof(health->database_why));
	if (health->backbone_url)
		health->backbone_ok = health_probe_http(health->backbone_url, HEALTH_HTTP_TIMEOUT_MS,
		                                        health->backbone_why, sizeof(health->backbone_why));
	if (health->backbone_url)
		health->auth_ok = health->backbone_ok &&
		                  account_health_backbone_authentication(health->server->config, health->auth_why,
		                                                         sizeof(health->auth_why));
	if (health->control_url)
		health->control_error = control_request(health->control_url, "{\"command\":\"health\"}",
		                                        HEALTH_CONTROL_TIMEOUT_MS, &health->supervisor_reply);
	ssize_t n;
	do {
		n = write(health->pipe_fds[1], "x", 1);
	} while (n < 0 && errno == EINTR);
	return NULL;
}

/* The supervisor's module states (consumes supervisor_reply); clears *healthy when it is unhappy. */
static json_object *supervisor_view(struct health *health, bool *healthy)
{
	if (!health->control_url)
		return NULL;
	json_object *reply = health->supervisor_reply ? json_tokener_parse(health->supervisor_reply) : NULL;
	free(health->supervisor_reply);
	health->supervisor_reply = NULL;
	json_object *verdict = NULL, *modules = NULL;
	if (!reply || !json_object_object_get_ex(reply, "healthy", &verdict) ||
	    !json_object_object_get_ex(reply, "modules", &modules)) {
		log_warn("Health", "supervisor: %s",
		         reply ? "unexpected health reply" : control_strerror(health->control_error));
		json_object_put(reply);
		*healthy = false;
		return json_object_new_object();
	}
	*healthy = *healthy && json_object_get_boolean(verdict);
	json_object_get(modules);
	json_object_put(reply);
	return modules;
}

static json_object *build_report(struct health *health, bool *healthy)
{
	json_object *services = json_object_new_object();
	*healthy = health->database_ok;
	json_object_object_add(services, "database",
	                       json_object_new_string(health->database_ok ? "healthy" : "unhealthy"));
	if (!health->database_ok)
		log_warn("Health", "database: %s", health->database_why);
	if (health->backbone_url) {
		*healthy = *healthy && health->backbone_ok;
		json_object_object_add(services, "backboneConnection",
		                       json_object_new_string(health->backbone_ok ? "healthy" : "unhealthy"));
		if (!health->backbone_ok)
			log_warn("Health", "backboneConnection: %s", health->backbone_why);
		*healthy = *healthy && health->auth_ok;
		json_object_object_add(services, "backboneAuthentication",
		                       json_object_new_string(health->auth_ok ? "healthy" : "unhealthy"));
		if (!health->auth_ok && health->backbone_ok)
			log_warn("Health", "backboneAuthentication: %s", health->auth_why);
	}
	json_object *modules = supervisor_view(health, healthy);
	json_object *report = json_object_new_object();
	json_object_object_add(report, "isHealthy", json_object_new_boolean(*healthy));
	json_object_object_add(report, "services", services);
	if (modules)
		json_object_object_add(report, "modules", modules);
	return report;
}

static void on_checks_done(evutil_socket_t fd, short what, void *arg)
{
	struct health *health = arg;
	char byte;
	if (read(fd, &byte, 1) != 1)
		return;
	pthread_join(health->thread, NULL);
	health->running = false;
	json_object_put(health->cached);
	health->cached = build_report(health, &health->cached_healthy);
	health->cached_at = time_monotonic_ms();
	struct health_waiter *waiter = health->waiters;
	health->waiters = NULL;
	while (waiter) {
		struct health_waiter *next = waiter->next;
		waiter->ready(waiter->exchange, json_object_get(health->cached), health->cached_healthy);
		free(waiter);
		waiter = next;
	}
}

struct health *health_new(struct http_server *server)
{
	struct health *health = calloc(1, sizeof(*health));
	if (!health || pipe2(health->pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		fatal(EXIT_FAILURE, "health: pipe2");
	health->server = server;
	const char *database = config_string(server->config, "database", "connectionString");
	health->database = database ? strdup(database) : NULL;
	const char *base_url = config_string(server->config, "transportLibrary", "baseUrl");
	if (base_url) {
		size_t len = strlen(base_url);
		while (len > 0 && base_url[len - 1] == '/')
			len--;
		if (asprintf(&health->backbone_url, "%.*s/health", (int)len, base_url) < 0)
			fatal(EXIT_FAILURE, "asprintf");
	}
	if (server->control_url)
		health->control_url = strdup(server->control_url);
	health->done_event = event_new(server->base, health->pipe_fds[0], EV_READ | EV_PERSIST, on_checks_done, health);
	if (!health->done_event || event_add(health->done_event, NULL) != 0)
		fatalx(EXIT_FAILURE, "health: cannot watch the result pipe");
	return health;
}

void health_free(struct health *health)
{
	if (!health)
		return;
	if (health->running)
		pthread_join(health->thread, NULL);
	while (health->waiters) {
		struct health_waiter *next = health->waiters->next;
		free(health->waiters);
		health->waiters = next;
	}
	event_free(health->done_event);
	close(health->pipe_fds[0]);
	close(health->pipe_fds[1]);
	json_object_put(health->cached);
	free(health->database);
	free(health->backbone_url);
	free(health->control_url);
	free(health->supervisor_reply);
	free(health);
}

void health_get(struct health *health, struct exchange *exchange, health_ready_fn ready)
{
	if (health->cached && time_monotonic_ms() - health->cached_at < HEALTH_CACHE_MS) {
		ready(exchange, json_object_get(health->cached), health->cached_healthy);
		return;
	}
	struct health_waiter *waiter = calloc(1, sizeof(*waiter));
	if (!waiter)
		fatal(EXIT_FAILURE, "calloc");
	waiter->exchange = exchange;
	waiter->ready = ready;
	waiter->next = health->waiters;
	health->waiters = waiter;
	if (health->running)
		return;
	int rc = pthread_create(&health->thread, NULL, run_checks, health);
	if (rc != 0) {
		errno = rc;
		fatal(EXIT_TEMPFAIL, "pthread_create");
	}
	health->running = true;
}

static void health_ready(struct exchange *exchange, json_object *report, bool healthy)
{
	struct api_reply reply = {.status = healthy ? 200 : 500, .raw = report};
	exchange_reply(exchange, &reply);
}

void health_route(const struct api_request *req, struct api_reply *reply)
{
	reply->deferred = true;
	health_get(req->server->health, req->exchange, health_ready);
}
