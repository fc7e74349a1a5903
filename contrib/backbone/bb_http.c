/*
 * bb_http.c: the HTTP side: binding, routing (path segments compared case-insensitively, "{}"
 * captures an argument), bearer-token authentication, body limits and JSON parsing, and the one
 * transaction per request (commit on success, roll back on error) before the reply is sent.
 */
#include "bb.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include "log.h"
#include "timeutil.h"

#define MAX_SEGS 12

static const struct bb_route *const route_tables[] = {bb_routes_auth,          bb_routes_devices,  bb_routes_sync,
                                                      bb_routes_datawallet,    bb_routes_tokens,   bb_routes_templates,
                                                      bb_routes_relationships, bb_routes_messages, bb_routes_files,
                                                      bb_routes_sse,           bb_routes_extras,   NULL};

static int split_path(char *path, char **segs)
{
	int n = 0;
	for (char *save = NULL, *s = strtok_r(path, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
		if (n == MAX_SEGS)
			return -1;
		segs[n++] = s;
	}
	return n;
}

static bool match_route(const char *pattern, char **segs, int nsegs, struct bb_req *r)
{
	char buf[128];
	char *psegs[MAX_SEGS];
	snprintf(buf, sizeof buf, "%s", pattern);
	int np = split_path(buf, psegs);
	if (np != nsegs)
		return false;
	int nargs = 0;
	for (int i = 0; i < np; i++) {
		if (strcmp(psegs[i], "{}") == 0) {
			if (nargs < 4)
				r->args[nargs++] = segs[i];
		} else if (strcasecmp(psegs[i], segs[i]) != 0) {
			return false;
		}
	}
	r->nargs = nargs;
	return true;
}

/* Returns the route for the path, or NULL; *path_known tells whether another method would match. */
static const struct bb_route *find_route(struct bb_req *r, char **segs, int nsegs, bool *path_known)
{
	*path_known = false;
	for (int t = 0; route_tables[t]; t++)
		for (const struct bb_route *rt = route_tables[t]; rt->pattern; rt++) {
			if (!match_route(rt->pattern, segs, nsegs, r))
				continue;
			*path_known = true;
			if (rt->method == r->method)
				return rt;
		}
	return NULL;
}

static bool authenticate(struct bb_req *r)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	char hash[65];
	bb_sha256_hex(h + 7, hash);
	struct bb_params p = {0};
	bb_p_text(&p, hash);
	bb_p_i64(&p, r->now);
	PGresult *res = bb_q(r,
	                     "SELECT d.id, d.address, t.client_id FROM access_tokens t JOIN devices d ON d.id = "
	                     "t.device_id WHERE t.token_hash = $1 AND t.expires_at > $2",
	                     &p);
	if (!res)
		return false;
	bool found = PQntuples(res) == 1;
	if (found) {
		snprintf(r->device, sizeof r->device, "%s", PQgetvalue(res, 0, 0));
		snprintf(r->address, sizeof r->address, "%s", PQgetvalue(res, 0, 1));
		snprintf(r->client_id, sizeof r->client_id, "%s", PQgetvalue(res, 0, 2));
		r->authed = true;
	}
	PQclear(res);
	return found;
}

static bool json_content_type(const char *ct)
{
	if (!ct)
		return false;
	size_t n = strcspn(ct, ";");
	return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
	       (n == 9 && strncasecmp(ct, "text/json", 9) == 0) || (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0);
}

static bool parse_json_body(struct bb_req *r)
{
	if (r->body_len == 0) {
		r->json = json_object_new_object();
		return true;
	}
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Content-Type");
	if (!json_content_type(ct)) {
		bb_fail(r, 415, "error.platform.unsupportedMediaType",
		        "The Content-Type '%.60s' is not supported here; send application/json", ct ? ct : "");
		return false;
	}
	json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	r->json = json_tokener_parse_ex(tok, (const char *)r->body, (int)r->body_len);
	enum json_tokener_error err = json_tokener_get_error(tok);
	size_t used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (used < r->body_len && strchr(" \t\r\n", r->body[used]))
		used++;
	if (!r->json || err != json_tokener_success || used != r->body_len ||
	    !json_object_is_type(r->json, json_type_object)) {
		bb_fail(r, 400, "error.platform.inputCannotBeParsed", "'$': the request body is not a JSON object (%s)",
		        r->json ? "wrong shape or trailing data" : json_tokener_error_desc(err));
		return false;
	}
	return true;
}

static bool read_body(struct bb_req *r, const struct bb_route *rt)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
	r->body_len = evbuffer_get_length(in);
	if (r->body_len > r->srv->cfg.max_body) {
		bb_fail(r, 400, "error.platform.requestBodyTooLarge",
		        "The request body is too large (%zu bytes, at most %zu)", r->body_len, r->srv->cfg.max_body);
		return false;
	}
	r->body = r->body_len ? evbuffer_pullup(in, -1) : (const unsigned char *)"";
	if (rt->body == BB_BODY_JSON)
		return parse_json_body(r);
	return true;
}

static void run_route(struct bb_req *r, const struct bb_route *rt)
{
	bool authed = authenticate(r);
	if (r->error)
		return;
	if (rt->auth == BB_AUTH && !authed) {
		r->status = 401;
		return;
	}
	if (!read_body(r, rt))
		return;
	if (!bb_db_simple(r->srv->db, "BEGIN")) {
		bb_unexpected(r, "cannot begin a transaction");
		return;
	}
	rt->handler(r);
	bool commit = !r->error || r->keep_on_error;
	if (!bb_db_simple(r->srv->db, commit ? "COMMIT" : "ROLLBACK") && commit) {
		bb_unexpected(r, "cannot commit");
		r->nnotify = 0;
	}
	if (r->error && !r->keep_on_error)
		r->nnotify = 0;
}

static void ensure_db(struct bb_server *srv)
{
	if (PQstatus(srv->db) == CONNECTION_OK)
		return;
	log_warn("Database", "connection lost, resetting");
	PQreset(srv->db);
	char sql[160];
	snprintf(sql, sizeof sql, "SET search_path TO \"%s\"", srv->cfg.schema);
	bb_db_simple(srv->db, sql);
}

static void route_request(struct bb_req *r, char *path)
{
	char *segs[MAX_SEGS];
	int nsegs = split_path(path, segs);
	bool path_known = false;
	const struct bb_route *rt = nsegs < 0 ? NULL : find_route(r, segs, nsegs, &path_known);
	if (!rt) {
		r->status = path_known ? 405 : 404;
		if (path_known)
			bb_fail(r, 405, "error.platform.methodNotAllowed", "Method not allowed on this route");
		return;
	}
	ensure_db(r->srv);
	run_route(r, rt);
}

static const char *method_name(enum evhttp_cmd_type m)
{
	switch (m) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "OTHER";
	}
}

static void finish(struct bb_req *r)
{
	char code[128] = "";
	if (r->error)
		snprintf(code, sizeof code, " %s", json_object_get_string(json_object_object_get(r->error, "code")));
	/* the path only: query strings may carry password hashes */
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r->req));
	log_info("Http", "%s %.200s -> %d%s (%lld ms)", method_name(r->method), path ? path : "?",
	         r->handled ? 200 : r->status, code, (long long)(time_wall_ms() - r->now));
	if (!r->handled)
		bb_send(r);
	for (int i = 0; i < r->nnotify; i++)
		bb_sse_push(r->srv, r->notify[i], "ExternalEventCreated");
	json_object_put(r->json);
	json_object_put(r->result);
	json_object_put(r->pagination);
	json_object_put(r->error);
	json_object_put(r->raw_json);
	if (r->raw)
		evbuffer_free(r->raw);
	evhttp_clear_headers(&r->query);
}

static void dispatch(struct evhttp_request *req, void *arg)
{
	struct bb_req r = {.srv = arg, .req = req, .method = evhttp_request_get_command(req), .status = 200};
	TAILQ_INIT(&r.query);
	r.now = time_wall_ms();
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *q = evhttp_uri_get_query(uri);
	if (q && evhttp_parse_query_str(q, &r.query) != 0) {
		bb_fail(&r, 400, "error.platform.inputCannotBeParsed", "The query string cannot be parsed");
		finish(&r);
		return;
	}
	char *path = strdup(evhttp_uri_get_path(uri) ? evhttp_uri_get_path(uri) : "/");
	if (!path)
		fatal(71, "strdup");
	route_request(&r, path);
	finish(&r);
	free(path);
}

static int bound_port(struct evhttp_bound_socket *sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	if (getsockname(evhttp_bound_socket_get_fd(sock), (struct sockaddr *)&ss, &len) != 0)
		fatal(71, "getsockname");
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int bb_http_start(struct bb_server *srv)
{
	srv->http = evhttp_new(srv->base);
	if (!srv->http)
		fatalx(71, "evhttp_new failed");
	/* evhttp's own hard cap; bodies between max_body and the cap get the Backbone's error code. */
	evhttp_set_max_body_size(srv->http, (ev_ssize_t)(srv->cfg.max_body * 2 + 65536));
	evhttp_set_max_headers_size(srv->http, 64 * 1024);
	evhttp_set_timeout(srv->http, 120); /* idle or slow connections; SSE streams raise their own */
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	                                              EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD);
	evhttp_set_gencb(srv->http, dispatch, srv);
	struct evhttp_bound_socket *sock =
	        evhttp_bind_socket_with_handle(srv->http, srv->cfg.listen_host, (ev_uint16_t)srv->cfg.port);
	if (!sock)
		return -1;
	return bound_port(sock);
}
