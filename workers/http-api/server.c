/*
 * server.c: the request pipeline of the HTTP worker, in the original's middleware order:
 *   CORS headers (an OPTIONS preflight is answered here) -> body (JSON / form, 2 MiB, 400 on bad
 *   JSON even without a key) -> route lookup -> API key unless the route is public (failure: 401
 *   after HTTP_AUTH_FAILURE_DELAY_MS on a timer, the loop keeps serving) -> 404 / 405 + Allow ->
 *   406 from the route's Accept declaration -> handler.
 * Every answer goes through send_reply(): X-Response-Time, X-Response-Duration-ms, the shared
 * counters, and one log line "<METHOD> <path> <status> -- <ms>ms" (never the key or bodies).
 * Every request has a correlation id (x-correlation-id, first value, else a fresh UUID v4; never
 * echoed): it is the loop thread's current id while the request is handled and while its answer is
 * logged, so those log lines and the outbox events its handler appends carry it.
 * Invariant: server->in_flight counts exchanges created and not yet answered.
 */
#include "server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api_error.h"
#include "correlation.h"
#include "http_accept.h"
#include "log.h"
#include "timeutil.h"

struct exchange {
	struct http_server *server;
	struct evhttp_request *req;
	struct timespec start;
	enum http_method method;
	const char *method_name;
	char *path;
	struct http_query query;
	struct http_route_match match;
	json_object *body;
	const char *key_name;
	struct event *delay;
	char correlation_id[CORRELATION_ID_MAX];
};

const char *api_param(const struct api_request *req, const char *name)
{
	return http_route_param(req->match, name);
}

void api_reply_error(struct api_reply *reply, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(reply->error_message);
	if (vasprintf(&reply->error_message, fmt, ap) < 0)
		reply->error_message = NULL;
	va_end(ap);
	reply->error_code = code;
}

static const struct {
	enum evhttp_cmd_type cmd;
	enum http_method method;
	const char *name;
} commands[] = {
        {EVHTTP_REQ_GET, HTTP_M_GET, "GET"},
        {EVHTTP_REQ_HEAD, HTTP_M_HEAD, "HEAD"},
        {EVHTTP_REQ_POST, HTTP_M_POST, "POST"},
        {EVHTTP_REQ_PUT, HTTP_M_PUT, "PUT"},
        {EVHTTP_REQ_PATCH, HTTP_M_PATCH, "PATCH"},
        {EVHTTP_REQ_DELETE, HTTP_M_DELETE, "DELETE"},
        {EVHTTP_REQ_OPTIONS, HTTP_M_OPTIONS, "OPTIONS"},
        {EVHTTP_REQ_TRACE, 0, "TRACE"},
        {EVHTTP_REQ_CONNECT, 0, "CONNECT"},
};

static void set_method(struct exchange *ex)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(ex->req);
	ex->method = 0;
	ex->method_name = "?";
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (commands[i].cmd == cmd) {
			ex->method = commands[i].method;
			ex->method_name = commands[i].name;
		}
	}
}

static struct exchange *exchange_new(struct http_server *server, struct evhttp_request *req)
{
	struct exchange *ex = calloc(1, sizeof(*ex));
	if (!ex)
		fatal(EXIT_FAILURE, "calloc");
	ex->server = server;
	ex->req = req;
	clock_gettime(CLOCK_MONOTONIC, &ex->start);
	correlation_for_request(evhttp_find_header(evhttp_request_get_input_headers(req), "x-correlation-id"),
	                        ex->correlation_id);
	set_method(ex);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	ex->path = strdup(path && *path ? path : "/");
	if (!ex->path || !http_query_parse(&ex->query, uri ? evhttp_uri_get_query(uri) : NULL))
		fatal(EXIT_FAILURE, "out of memory");
	server->in_flight++;
	return ex;
}

/* While draining: stop the loop once nothing is in flight and every reply has been written. */
static void maybe_finish_draining(struct http_server *server)
{
	if (!server->draining || server->in_flight > 0)
		return;
	if (server->unsent == 0) {
		event_base_loopexit(server->base, NULL);
		return;
	}
	/* A reply whose client vanished may never report completion: bound the wait. */
	struct timeval cap = {HTTP_DRAIN_FLUSH_CAP_MS / 1000, (HTTP_DRAIN_FLUSH_CAP_MS % 1000) * 1000};
	event_base_loopexit(server->base, &cap);
}

static void exchange_free(struct exchange *ex)
{
	struct http_server *server = ex->server;
	if (ex->delay)
		event_free(ex->delay);
	http_query_free(&ex->query);
	http_route_match_free(&ex->match);
	json_object_put(ex->body);
	free(ex->path);
	free(ex);
	server->in_flight--;
	maybe_finish_draining(server);
}

static void on_reply_written(struct evhttp_request *req, void *arg)
{
	struct http_server *server = arg;
	server->unsent--;
	maybe_finish_draining(server);
}

static int64_t elapsed_ms(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int64_t)(now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void send_error(struct exchange *ex, int status, const char *code, const char *message);

/* Writes headers and buf (may be empty), counts, logs, frees the exchange and buf. */
static void send_buffer(struct exchange *ex, int status, struct evbuffer *buf)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(ex->req);
	char iso[32], duration[24];
	int64_t ms = elapsed_ms(&ex->start);
	snprintf(duration, sizeof(duration), "%lld", (long long)ms);
	evhttp_add_header(out, "X-Response-Time", time_now_iso(iso, sizeof(iso)));
	evhttp_add_header(out, "X-Response-Duration-ms", duration);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	if (evhttp_request_get_connection(ex->req)) {
		ex->server->unsent++;
		evhttp_request_set_on_complete_cb(ex->req, on_reply_written, ex->server);
	}
	evhttp_send_reply(ex->req, status, NULL, buf);
	evbuffer_free(buf);
	http_counters_add(&ex->server->counters, status);
	http_metrics_record(ex->match.kind == HTTP_MATCH_FOUND ? ex->match.route : NULL, ex->method_name, status,
	                    &ex->start);
	char previous[CORRELATION_ID_MAX];
	snprintf(previous, sizeof(previous), "%s", correlation_current() ? correlation_current() : "");
	correlation_set_current(ex->correlation_id);
	log_info("HttpServer", "%s %s %d -- %lldms", ex->method_name, ex->path, status, (long long)ms);
	correlation_set_current(previous);
	exchange_free(ex);
}

/* Writes headers and data (content_type NULL: no content), counts, logs, frees the exchange. */
static void send_raw(struct exchange *ex, int status, const char *content_type, const char *data, size_t len)
{
	struct evbuffer *buf = evbuffer_new();
	if (!buf)
		fatal(EXIT_FAILURE, "evbuffer_new");
	if (content_type) {
		evbuffer_add(buf, data, len);
		evhttp_add_header(evhttp_request_get_output_headers(ex->req), "Content-Type", content_type);
	}
	send_buffer(ex, status, buf);
}

/* JSON body, or none when body is NULL. */
static void send_reply(struct exchange *ex, int status, json_object *body)
{
	size_t len = 0;
	const char *text = body ? json_object_to_json_string_length(
	                                  body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len)
	                        : NULL;
	send_raw(ex, status, body ? "application/json; charset=utf-8" : NULL, text, len);
}

struct evhttp_request *exchange_request(const struct exchange *ex)
{
	return ex->req;
}

void exchange_reply_file(struct exchange *ex, int status, int fd, const char *content_type, const char *disposition)
{
	struct evbuffer *buf = evbuffer_new();
	struct stat st;
	if (!buf)
		fatal(EXIT_FAILURE, "evbuffer_new");
	bool empty = fstat(fd, &st) == 0 && st.st_size == 0;
	if (empty)
		close(fd); /* evbuffer_add_file refuses (and leaks on) an empty range */
	else if (fstat(fd, &st) != 0 || evbuffer_add_file(buf, fd, 0, st.st_size) != 0) {
		close(fd);
		evbuffer_free(buf);
		send_error(ex, 0, API_ERR_UNEXPECTED, "The file content cannot be sent.");
		return;
	}
	struct evkeyvalq *out = evhttp_request_get_output_headers(ex->req);
	evhttp_add_header(out, "Content-Type", content_type);
	if (disposition)
		evhttp_add_header(out, "Content-Disposition", disposition);
	send_buffer(ex, status, buf);
}

/* An image/png reply (QR codes), status 200 or 201. */
static void send_png(struct exchange *ex, int status, struct api_reply *reply)
{
	char disposition[96];
	snprintf(disposition, sizeof(disposition), "attachment;filename=%s.png", reply->png_name);
	evhttp_add_header(evhttp_request_get_output_headers(ex->req), "Content-Disposition", disposition);
	send_raw(ex, status, "image/png", (const char *)reply->png, reply->png_len);
}

static void send_error(struct exchange *ex, int status, const char *code, const char *message)
{
	json_object *envelope = api_error_envelope(code, message, ex->server->debug, NULL);
	send_reply(ex, status ? status : api_error_status(code), envelope);
	json_object_put(envelope);
}

struct http_server *exchange_server(const struct exchange *ex)
{
	return ex->server;
}

void exchange_reply(struct exchange *ex, struct api_reply *reply)
{
	int status = reply->status;
	if (reply->error_code) {
		send_error(ex, reply->error_status, reply->error_code,
		           reply->error_message ? reply->error_message : "");
	} else if (reply->text) {
		send_raw(ex, status ? status : 200,
		         reply->content_type ? reply->content_type : "text/plain; charset=utf-8", reply->text,
		         reply->text_len);
	} else if (reply->png) {
		send_png(ex, status ? status : (ex->method == HTTP_M_POST ? 201 : 200), reply);
	} else if (reply->raw) {
		send_reply(ex, status ? status : 200, reply->raw);
	} else if (status == 204) {
		send_reply(ex, 204, NULL);
	} else {
		if (!status)
			status = ex->method == HTTP_M_POST ? 201 : 200;
		if (status == 201)
			evhttp_add_header(evhttp_request_get_output_headers(ex->req), "Location", "_");
		json_object *envelope = api_result_envelope(reply->result);
		reply->result = NULL;
		send_reply(ex, status, envelope);
		json_object_put(envelope);
	}
	json_object_put(reply->result);
	json_object_put(reply->raw);
	free(reply->text);
	free(reply->error_message);
	free(reply->png);
	memset(reply, 0, sizeof(*reply));
}

static void add_cors_header(void *arg, const char *name, const char *value)
{
	evhttp_add_header((struct evkeyvalq *)arg, name, value);
}

/* Adds CORS headers; true when the request was a preflight and has been answered. */
static bool apply_cors(struct exchange *ex)
{
	const struct http_cors *cors = &ex->server->cors;
	if (!http_cors_enabled(cors))
		return false;
	struct evkeyvalq *in = evhttp_request_get_input_headers(ex->req);
	bool preflight = ex->method == HTTP_M_OPTIONS;
	http_cors_headers(cors, preflight, evhttp_find_header(in, "Origin"),
	                  evhttp_find_header(in, "Access-Control-Request-Headers"), add_cors_header,
	                  evhttp_request_get_output_headers(ex->req));
	if (preflight)
		send_reply(ex, cors->options_status, NULL);
	return preflight;
}

static bool content_type_is(const char *content_type, const char *type)
{
	size_t len = strlen(type);
	return content_type && strncasecmp(content_type, type, len) == 0 &&
	       (content_type[len] == '\0' || content_type[len] == ';' || content_type[len] == ' ');
}

/* Form bodies become an object of strings (repeated keys: arrays of strings). */
static json_object *form_to_json(const char *text)
{
	struct http_query form;
	if (!http_query_parse(&form, text))
		fatal(EXIT_FAILURE, "out of memory");
	json_object *obj = json_object_new_object();
	for (size_t i = 0; i < form.count; i++) {
		json_object *value = json_object_new_string(form.pairs[i].value), *existing = NULL;
		if (!json_object_object_get_ex(obj, form.pairs[i].key, &existing)) {
			json_object_object_add(obj, form.pairs[i].key, value);
		} else if (json_object_is_type(existing, json_type_array)) {
			json_object_array_add(existing, value);
		} else {
			json_object *array = json_object_new_array();
			json_object_array_add(array, json_object_get(existing));
			json_object_array_add(array, value);
			json_object_object_add(obj, form.pairs[i].key, array);
		}
	}
	http_query_free(&form);
	return obj;
}

/* Parses a JSON body as express.json (strict) does: an object or array, nothing after it. */
static bool parse_json(const char *text, size_t len, json_object **out, char *why, size_t why_len)
{
	json_tokener *tok = json_tokener_new();
	json_object *value = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (value && used < len && strchr(" \t\r\n", text[used]))
		used++;
	if (!value || jerr != json_tokener_success || used != len) {
		snprintf(why, why_len, "The request body is not valid JSON (%s at offset %zu).",
		         value ? "unexpected data after the value" : json_tokener_error_desc(jerr), used);
		json_object_put(value);
		return false;
	}
	if (!json_object_is_type(value, json_type_object) && !json_object_is_type(value, json_type_array)) {
		snprintf(why, why_len, "The request body must be a JSON object or array.");
		json_object_put(value);
		return false;
	}
	*out = value;
	return true;
}

/* Reads the body into ex->body; false when an error reply has been sent. */
static bool read_body(struct exchange *ex)
{
	struct evbuffer *input = evhttp_request_get_input_buffer(ex->req);
	size_t len = evbuffer_get_length(input);
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(ex->req), "Content-Type");
	bool is_json = content_type_is(type, "application/json");
	bool is_form = content_type_is(type, "application/x-www-form-urlencoded");
	if (!is_json && !is_form)
		return true;
	if (len > HTTP_JSON_BODY_LIMIT) {
		char message[128];
		snprintf(message, sizeof(message), "The request body exceeds the limit of %d bytes.",
		         HTTP_JSON_BODY_LIMIT);
		evhttp_add_header(evhttp_request_get_output_headers(ex->req), "Connection", "close");
		send_error(ex, 0, API_ERR_PAYLOAD_TOO_LARGE, message);
		return false;
	}
	if (len == 0)
		return true;
	const char *text = (const char *)evbuffer_pullup(input, -1);
	if (is_form) {
		char *copy = strndup(text, len);
		ex->body = form_to_json(copy);
		free(copy);
		return true;
	}
	char why[160];
	if (!parse_json(text, len, &ex->body, why, sizeof(why))) {
		send_error(ex, 0, API_ERR_INVALID_JSON, why);
		return false;
	}
	return true;
}

static void on_auth_delay_over(evutil_socket_t fd, short what, void *arg)
{
	send_error(arg, 0, API_ERR_UNAUTHORIZED, "Unauthorized.");
}

/* True when the request may go on; otherwise a delayed 401 has been scheduled. */
static bool authenticate(struct exchange *ex)
{
	const struct http_auth *auth = &ex->server->auth;
	const char *key = evhttp_find_header(evhttp_request_get_input_headers(ex->req), auth->header_name);
	enum http_auth_result result = http_auth_check(auth, key, time_wall_ms(), &ex->key_name);
	if (result == HTTP_AUTH_OK || result == HTTP_AUTH_OPEN)
		return true;
	if (result == HTTP_AUTH_EXPIRED)
		log_warn("HttpServer", "a request used an expired API key");
	struct timeval delay = {HTTP_AUTH_FAILURE_DELAY_MS / 1000, (HTTP_AUTH_FAILURE_DELAY_MS % 1000) * 1000};
	ex->delay = evtimer_new(ex->server->base, on_auth_delay_over, ex);
	if (!ex->delay || evtimer_add(ex->delay, &delay) != 0)
		fatalx(EXIT_FAILURE, "cannot arm the authentication delay timer");
	return false;
}

/* 406 check for routes that declare what they produce. */
static bool acceptable(struct exchange *ex, const struct http_route *route)
{
	if (!(route->flags & (HTTP_ROUTE_ACCEPT_JSON | HTTP_ROUTE_ACCEPT_PNG)))
		return true;
	const char *accept = evhttp_find_header(evhttp_request_get_input_headers(ex->req), "Accept");
	const char *types[2];
	int count = 0;
	if (route->flags & HTTP_ROUTE_ACCEPT_JSON)
		types[count++] = "application/json";
	if (route->flags & HTTP_ROUTE_ACCEPT_PNG)
		types[count++] = "image/png";
	return http_accept_best(accept, types, count) != NULL;
}

static void dispatch(struct exchange *ex)
{
	const struct http_route *route = ex->match.route;
	if (!acceptable(ex, route)) {
		send_error(ex, 0, API_ERR_NOT_ACCEPTABLE, "The requested media type is not acceptable.");
		return;
	}
	struct api_request request = {
	        .method = ex->method,
	        .path = ex->path,
	        .match = &ex->match,
	        .query = &ex->query,
	        .body = ex->body,
	        .key_name = ex->key_name,
	        .accept = evhttp_find_header(evhttp_request_get_input_headers(ex->req), "Accept"),
	        .server = ex->server,
	        .exchange = ex,
	        .correlation_id = ex->correlation_id,
	};
	struct api_reply reply = {0};
	const struct api_route *api_route = route->handler;
	if (api_route->handler)
		api_route->handler(&request, &reply);
	else
		api_reply_error(&reply, API_ERR_NOT_IMPLEMENTED, "%s (%s %s) is not implemented yet.", api_route->name,
		                http_method_name(api_route->method), api_route->path);
	if (reply.deferred)
		return;
	exchange_reply(ex, &reply);
}

static void route_after_auth(struct exchange *ex)
{
	if (ex->match.kind == HTTP_MATCH_FOUND) {
		dispatch(ex);
		return;
	}
	char message[512];
	if (ex->match.kind == HTTP_MATCH_WRONG_METHOD) {
		char allow[96];
		http_methods_format(ex->match.allowed, allow, sizeof(allow));
		evhttp_add_header(evhttp_request_get_output_headers(ex->req), "Allow", allow);
		snprintf(message, sizeof(message), "Method %s is not allowed on this route; allowed: %s.",
		         ex->method_name, allow);
		send_error(ex, 0, API_ERR_METHOD_NOT_ALLOWED, message);
		return;
	}
	snprintf(message, sizeof(message), "The route '%s %.400s' does not exist.", ex->method_name, ex->path);
	send_error(ex, 0, API_ERR_ROUTE_NOT_FOUND, message);
}

static void handle_request(struct exchange *ex)
{
	if (apply_cors(ex) || !read_body(ex))
		return;
	http_router_match(&ex->server->router, ex->method, ex->path, &ex->match);
	bool public = ex->match.kind == HTTP_MATCH_FOUND && (ex->match.route->flags & HTTP_ROUTE_PUBLIC);
	if (!public && !authenticate(ex))
		return;
	route_after_auth(ex);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct exchange *ex = exchange_new(arg, req);
	correlation_set_current(ex->correlation_id); /* ex may be gone after handle_request */
	handle_request(ex);
	correlation_set_current(NULL);
}

static int load_settings(struct http_server *server, json_object *config)
{
	char err[512];
	json_object *infra = NULL, *http = NULL, *cors = NULL, *debug = NULL;
	json_object_object_get_ex(config, "infrastructure", &infra);
	if (infra)
		json_object_object_get_ex(infra, "httpServer", &http);
	if (http)
		json_object_object_get_ex(http, "cors", &cors);
	if (json_object_object_get_ex(config, "debug", &debug))
		server->debug = json_object_get_boolean(debug);
	if (http_auth_load(&server->auth, config, err, sizeof(err)) != 0 ||
	    http_cors_load(&server->cors, cors, err, sizeof(err)) != 0) {
		log_error("HttpServer", "%s", err);
		return -1;
	}
	if (http_auth_is_open(&server->auth))
		log_warn("HttpServer", HTTP_AUTH_OPEN_WARNING);
	return 0;
}

int server_init(struct http_server *server, struct event_base *base, json_object *config, const char *runtime_dir,
                const char *control_url)
{
	memset(server, 0, sizeof(*server));
	server->base = base;
	server->config = config;
	server->control_url = control_url;
	http_router_init(&server->router);
	if (load_settings(server, config) != 0)
		return -1;
	char path[4096], err[512];
	snprintf(path, sizeof(path), "%s/http-counters", runtime_dir);
	if (http_counters_open(&server->counters, path, time_wall_ms(), err, sizeof(err)) != 0) {
		log_error("HttpServer", "request counters: %s", err);
		return -2;
	}
	server->http = evhttp_new(base);
	if (!server->http)
		fatalx(EXIT_FAILURE, "evhttp_new failed");
	evhttp_set_allowed_methods(server->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	                                                 EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE |
	                                                 EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_max_body_size(server->http, HTTP_TRANSPORT_BODY_LIMIT);
	evhttp_set_max_headers_size(server->http, 64 * 1024);
	evhttp_set_timeout(server->http, 120);
	evhttp_set_default_content_type(server->http, NULL);
	evhttp_set_gencb(server->http, on_request, server);
	server->health = health_new(server);
	server->metrics = metrics_collector_new(server);
	return routes_mount(server) == 0 ? 0 : -1;
}

int server_attach_listeners(struct http_server *server, int first_fd, int count)
{
	for (int fd = first_fd; fd < first_fd + count; fd++) {
		struct evhttp_bound_socket *bound = NULL;
		if (server->bound_count == HTTP_SERVER_MAX_LISTENERS || evutil_make_socket_nonblocking(fd) != 0 ||
		    !(bound = evhttp_accept_socket_with_handle(server->http, fd))) {
			log_error("HttpServer", "cannot accept on inherited socket fd %d", fd);
			return -1;
		}
		server->bound[server->bound_count++] = bound;
	}
	return 0;
}

bool server_stop_accepting(struct http_server *server)
{
	server->draining = true;
	for (int i = 0; i < server->bound_count; i++)
		evhttp_del_accept_socket(server->http, server->bound[i]);
	server->bound_count = 0;
	if (server->in_flight > 0)
		log_info("HttpServer", "stopping: waiting for %d request(s) in flight", server->in_flight);
	if (server->in_flight == 0 && server->unsent == 0)
		return false;
	maybe_finish_draining(server);
	return true;
}

void server_free(struct http_server *server)
{
	if (server->http)
		evhttp_free(server->http);
	health_free(server->health);
	metrics_collector_free(server->metrics);
	http_router_free(&server->router);
	http_auth_free(&server->auth);
	http_cors_free(&server->cors);
	http_counters_close(&server->counters);
}
