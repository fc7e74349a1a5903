/*
 * bb_reply.c: what a handler leaves on the request (a result with its status, a paged list, an
 * error with a Backbone code, raw bytes) and how it goes on the wire: the {"result"} and
 * {"error": {id, code, message, docs, time}} envelopes, 204 without a body, 401 without a body.
 */
#include "bb.h"

#include <event2/buffer.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "timeutil.h"

static void drop_result(struct bb_req *r)
{
	json_object_put(r->result);
	json_object_put(r->pagination);
	r->result = r->pagination = NULL;
}

void bb_ok(struct bb_req *r, int status, json_object *result)
{
	if (r->error) { /* an error already decided the answer */
		json_object_put(result);
		return;
	}
	drop_result(r);
	r->status = status;
	r->result = result;
}

void bb_paged(struct bb_req *r, json_object *all)
{
	int64_t page, size;
	if (!bb_paging(r, &page, &size)) {
		json_object_put(all);
		return;
	}
	int64_t total = (int64_t)json_object_array_length(all);
	int64_t pages = total == 0 ? 1 : (total + size - 1) / size;
	json_object *slice = json_object_new_array();
	for (int64_t i = (page - 1) * size; i < total && i < page * size; i++)
		json_object_array_add(slice, json_object_get(json_object_array_get_idx(all, (size_t)i)));
	json_object_put(all);
	bb_ok(r, 200, slice);
	if (pages > 1) {
		r->pagination = json_object_new_object();
		json_object_object_add(r->pagination, "pageNumber", json_object_new_int64(page));
		json_object_object_add(r->pagination, "pageSize", json_object_new_int64(size));
		json_object_object_add(r->pagination, "totalPages", json_object_new_int64(pages));
		json_object_object_add(r->pagination, "totalRecords", json_object_new_int64(total));
	}
}

void bb_no_content(struct bb_req *r)
{
	bb_ok(r, 204, NULL);
}

json_object *bb_error_object(const char *code, const char *message)
{
	char id[BB_ID_LEN + 1], now[32];
	bb_new_id("ERR", id);
	json_object *e = json_object_new_object();
	json_object_object_add(e, "id", json_object_new_string(id));
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(e, "docs", json_object_new_string(""));
	json_object_object_add(e, "time", json_object_new_string(time_now_iso(now, sizeof now)));
	return e;
}

void bb_fail(struct bb_req *r, int status, const char *code, const char *fmt, ...)
{
	if (r->error)
		return; /* the first error wins */
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	drop_result(r);
	r->status = status;
	r->error = bb_error_object(code, msg);
}

void bb_not_found(struct bb_req *r, const char *record)
{
	bb_fail(r, 404, "error.platform.recordNotFound",
	        "%s not found. Make sure the ID exists and the record is not expired.", record);
}

void bb_invalid(struct bb_req *r, const char *field, const char *reason)
{
	char prop[64];
	snprintf(prop, sizeof prop, "%s", field);
	if (prop[0] >= 'a' && prop[0] <= 'z')
		prop[0] = (char)(prop[0] - 'a' + 'A');
	bb_fail(r, 400, "error.platform.validation.invalidPropertyValue", "'%s': %s", prop, reason);
}

void bb_unexpected(struct bb_req *r, const char *what)
{
	bb_fail(r, 500, "error.platform.unexpected", "An unexpected error occurred: %s", what);
}

static void send_json(struct bb_req *r, json_object *envelope)
{
	struct evbuffer *out = evbuffer_new();
	const char *text =
	        json_object_to_json_string_ext(envelope, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	evbuffer_add(out, text, strlen(text));
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Content-Type", "application/json; charset=utf-8");
	evhttp_send_reply(r->req, r->status, NULL, out);
	evbuffer_free(out);
}

/* Created records answer with a Location header like CreatedAtAction: the request path plus the id. */
static void add_location(struct bb_req *r)
{
	json_object *id = r->status == 201 ? json_object_object_get(r->result, "id") : NULL;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(r->req));
	if (!id || !json_object_is_type(id, json_type_string) || !path)
		return;
	char location[256];
	snprintf(location, sizeof location, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/",
	         json_object_get_string(id));
	evhttp_add_header(evhttp_request_get_output_headers(r->req), "Location", location);
}

static void send_envelope(struct bb_req *r)
{
	if (!r->error)
		add_location(r);
	json_object *env = json_object_new_object();
	if (r->error) {
		json_object_object_add(env, "error", r->error);
		r->error = NULL;
	} else {
		json_object_object_add(env, "result", r->result ? r->result : json_object_new_object());
		r->result = NULL;
		if (r->pagination)
			json_object_object_add(env, "pagination", r->pagination);
		r->pagination = NULL;
	}
	send_json(r, env);
	json_object_put(env);
}

void bb_send(struct bb_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
	const char *corr = evhttp_find_header(evhttp_request_get_input_headers(r->req), "X-Correlation-ID");
	char fresh[BB_ID_LEN + 1];
	if (!corr || !*corr || strlen(corr) > 100) {
		bb_new_id("COR", fresh);
		corr = fresh;
	}
	evhttp_add_header(h, "X-Correlation-ID", corr);
	if (r->status == 401) {
		evhttp_add_header(h, "WWW-Authenticate", "Bearer");
		evhttp_send_reply(r->req, 401, "Unauthorized", NULL);
	} else if (r->status == 204 || (r->status == 404 && !r->error && !r->result)) {
		evhttp_send_reply(r->req, r->status, NULL, NULL);
	} else if (r->raw_json) {
		json_object *raw = r->raw_json;
		r->raw_json = NULL;
		send_json(r, raw);
		json_object_put(raw);
	} else if (r->raw && !r->error) {
		evhttp_add_header(h, "Content-Type", r->raw_type);
		evhttp_send_reply(r->req, r->status, NULL, r->raw);
	} else {
		send_envelope(r);
	}
}
