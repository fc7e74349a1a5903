/*
 * server.h: the HTTP worker's shared state and the handler API that business routes plug into.
 *
 * A handler receives a parsed request (method, route parameters, query multimap, JSON body, the
 * authenticated key) and fills a reply: a result (sent as {"result": ...} with 200, 201 for POST, or
 * the status it sets, 204 without body), a raw JSON body (no envelope: /health, the /Monitoring routes), or an
 * error code + message (status from api_error_status() unless error_status is set). A handler that
 * must wait (e.g. for a health check) sets reply->deferred and later calls exchange_reply() with the
 * exchange it was given; the request stays open until then. Work a handler moves to another thread
 * sets req->correlation_id as that thread's current id (correlation_set_current) first.
 */
#ifndef CONNECTOR_HTTP_SERVER_H
#define CONNECTOR_HTTP_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "http_auth.h"
#include "http_cors.h"
#include "http_counters.h"
#include "http_query.h"
#include "http_router.h"

#define HTTP_JSON_BODY_LIMIT (2 * 1024 * 1024)
/* Bodies other than JSON/form (multipart file uploads) up to platformMaxUnencryptedFileSize's
 * ceiling of 100 MiB plus framing; JSON and form bodies stay capped at HTTP_JSON_BODY_LIMIT. */
#define HTTP_TRANSPORT_BODY_LIMIT  (101 * 1024 * 1024)
#define HTTP_AUTH_FAILURE_DELAY_MS 1000
#define HTTP_SERVER_MAX_LISTENERS  8
#define HTTP_DRAIN_FLUSH_CAP_MS    2000

struct event_base;
struct evhttp;
struct evhttp_bound_socket;
struct exchange;
struct health;
struct metrics_collector;
struct timespec;

struct http_server {
	struct event_base *base;
	struct evhttp *http;
	json_object *config;
	const char *control_url; /* the supervisor's control socket (for /health), may be NULL */
	bool debug;
	struct http_router router;
	struct http_auth auth;
	struct http_cors cors;
	struct http_counters counters;
	struct health *health;
	struct metrics_collector *metrics;
	struct evhttp_bound_socket *bound[HTTP_SERVER_MAX_LISTENERS];
	int bound_count;
	int in_flight; /* requests received and not yet answered */
	int unsent;    /* replies handed to libevent and not yet completely written */
	bool draining; /* SIGTERM seen: exit once in_flight reaches 0 */
};

struct api_request {
	enum http_method method;
	const char *path;
	const struct http_route_match *match;
	const struct http_query *query;
	json_object *body; /* parsed JSON or form body, NULL when the request had none */
	const char *key_name;
	const char *accept;
	struct http_server *server;
	struct exchange *exchange;
	const char *correlation_id; /* x-correlation-id (first value) or a fresh UUID v4; also the thread's
	                               current id (correlation.h) while the handler runs */
};

struct api_reply {
	int status;
	json_object *result;      /* reference taken */
	json_object *raw;         /* reference taken */
	char *text;               /* malloc'd, taken: a non-JSON body (/metrics, /docs) sent as is ... */
	size_t text_len;          /* ... of this many bytes ... */
	const char *content_type; /* ... with this type (static string; default text/plain) */
	const char *error_code;
	char *error_message; /* malloc'd */
	int error_status;
	bool deferred;
	uint8_t *png; /* image/png body (malloc'd, taken) with Content-Disposition attachment */
	size_t png_len;
	char png_name[48]; /* file name without .png */
};

typedef void (*api_handler)(const struct api_request *req, struct api_reply *reply);

/* What the router stores per route: the handler (NULL: 501 error.connector.http.notImplemented). */
struct api_route {
	enum http_method method;
	const char *path; /* business routes: below the API prefixes */
	unsigned flags;   /* HTTP_ROUTE_* */
	const char *name; /* the original's handler name, for messages */
	api_handler handler;
};

/* Route parameter by name (decoded) or NULL. */
const char *api_param(const struct api_request *req, const char *name);
void api_reply_error(struct api_reply *reply, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* The libevent request of an exchange (raw body and headers of multipart uploads). */
struct evhttp_request;
struct evhttp_request *exchange_request(const struct exchange *exchange);
/* Answers a deferred exchange with the whole content of fd (taken; sent with sendfile/mmap, never
 * copied to the heap), content_type and an optional Content-Disposition. */
void exchange_reply_file(struct exchange *exchange, int status, int fd, const char *content_type,
                         const char *disposition);
/* Answers a deferred exchange (takes the reply's references). */
void exchange_reply(struct exchange *exchange, struct api_reply *reply);
struct http_server *exchange_server(const struct exchange *exchange);

/* server.c */
int server_init(struct http_server *server, struct event_base *base, json_object *config, const char *runtime_dir,
                const char *control_url);
int server_attach_listeners(struct http_server *server, int first_fd, int count);
/*
 * Closes the listening sockets. Returns true when requests are still in flight: run the loop again,
 * it ends when the last one is answered.
 */
bool server_stop_accepting(struct http_server *server);
void server_free(struct http_server *server);

/* routes.c: mounts every route; returns 0 or -1 after logging the reason. */
int routes_mount(struct http_server *server);

/* monitoring.c */
void monitoring_version(const struct api_request *req, struct api_reply *reply);
void monitoring_requests(const struct api_request *req, struct api_reply *reply);
void monitoring_support(const struct api_request *req, struct api_reply *reply);
json_object *monitoring_version_object(void);

/* metrics.c: GET /metrics (Prometheus text), and the per-request record called for every answer. */
void metrics_route(const struct api_request *req, struct api_reply *reply);
void http_metrics_record(const struct http_route *route, const char *method, int status, const struct timespec *start);
struct metrics_collector *metrics_collector_new(struct http_server *server);
void metrics_collector_free(struct metrics_collector *collector);

/* docs.c: GET /docs/json, /docs/yaml (the OpenAPI document), /docs/swagger and its assets. */
void docs_json(const struct api_request *req, struct api_reply *reply);
void docs_yaml(const struct api_request *req, struct api_reply *reply);
void docs_swagger(const struct api_request *req, struct api_reply *reply);
void docs_asset(const struct api_request *req, struct api_reply *reply);

/* health.c: the /health report, computed off the loop and cached for HEALTH_CACHE_MS. */
#define HEALTH_CACHE_MS 1000
typedef void (*health_ready_fn)(struct exchange *exchange, json_object *report, bool healthy);
struct health *health_new(struct http_server *server);
void health_free(struct health *health);
/* Calls ready (on the loop) with a new reference to the report, now or when the running check ends. */
void health_get(struct health *health, struct exchange *exchange, health_ready_fn ready);
void health_route(const struct api_request *req, struct api_reply *reply);

#endif
