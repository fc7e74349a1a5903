/*
 * routes_files.c: the Files routes (http-api.md §1.3, §2.4, §2.13): the multipart upload
 * POST /Files/Own (fields file, title, description, expiresAt, tags as the original), POST
 * /Files/Peer, GET /Files, /Files/Own, /Files/Peer, GET /Files/{idOrReference} and the download.
 *
 * Upload memory: libevent holds the request body once; the parser (lib/multipart.c) walks it in
 * place (evbuffer_peek) and the file part is encrypted piece by piece into an unlinked temporary
 * file, which is then streamed to the Backbone. A file over platformMaxUnencryptedFileSize stops
 * the parse at once (400 'content' is too large).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "routes_runtime.h"
#include "routes_transport.h"

#include "multipart.h"
#include "runtime/files.h"
#include "runtime/tokens.h"

#define FIELD_LIMIT (64 * 1024)

/* ---- download ---- */

/* encodeURIComponent of s into out. */
static void uri_component(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p && n + 4 < len; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-_.!~*'()", *p))
			out[n++] = (char)*p;
		else
			out[n++] = '%', out[n++] = hex[*p >> 4], out[n++] = hex[*p & 15];
	}
	out[n] = '\0';
}

void routes_reply_file_content(const struct api_request *req, struct api_reply *reply, struct runtime *rt,
                               const char *id)
{
	struct rt_file_blob tmp; /* only for its temporary file */
	struct runtime_error err = {.remote_status = 0};
	json_object *dto = NULL;
	if (!rt_file_blob_begin(&tmp, NULL, &err)) {
		routes_reply_runtime_error(reply, &err);
		return;
	}
	int fd = dup(tmp.fd);
	rt_file_blob_free(&tmp);
	if (fd < 0 || !rt_file_download(rt, id, fd, &dto, &err)) {
		if (fd >= 0)
			close(fd);
		routes_reply_runtime_error(reply, &err);
		return;
	}
	const char *filename = rt_json_str(dto, "filename") ? rt_json_str(dto, "filename") : id;
	const char *mimetype = rt_json_str(dto, "mimetype") ? rt_json_str(dto, "mimetype") : "application/octet-stream";
	char encoded[3 * 512 + 1], disposition[sizeof(encoded) + 32];
	uri_component(filename, encoded, sizeof(encoded));
	snprintf(disposition, sizeof(disposition), "attachment;filename=%s", encoded);
	reply->deferred = true;
	exchange_reply_file(req->exchange, 200, fd, mimetype, disposition);
	json_object_put(dto);
}

void route_download_file(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	struct runtime rt;
	if (!routes_check_id(req, reply, "FIL", &id) || !routes_runtime(req, reply, &rt))
		return;
	routes_reply_file_content(req, reply, &rt, id);
}

/* ---- upload ---- */

struct upload {
	struct runtime_error err;
	struct rt_file_blob blob;
	bool blob_open, has_file, in_file, too_large, failed;
	uint64_t max, size;
	char *filename, *mimetype;
	char *field_name; /* the text part being collected */
	char *field;
	size_t field_len;
	char *title, *description, *expires_at;
	json_object *tags;
	char why[200];
};

static int part_begin(void *arg, const struct multipart_part *part)
{
	struct upload *u = arg;
	u->in_file = strcmp(part->name, "file") == 0 && part->filename;
	if (u->in_file) {
		if (u->has_file) {
			snprintf(u->why, sizeof(u->why), "only one part named 'file' is allowed");
			return 1;
		}
		u->has_file = true;
		u->filename = strdup(part->filename);
		u->mimetype = strdup(part->content_type ? part->content_type : "application/octet-stream");
		if (!rt_file_blob_begin(&u->blob, NULL, &u->err))
			return u->failed = true, 1;
		u->blob_open = true;
		return 0;
	}
	free(u->field_name);
	u->field_name = strdup(part->name);
	u->field_len = 0;
	return 0;
}

static int part_data(void *arg, const uint8_t *data, size_t len)
{
	struct upload *u = arg;
	if (u->in_file) {
		u->size += len;
		if (u->size > u->max)
			return u->too_large = true, 1;
		return rt_file_blob_write(&u->blob, data, len, &u->err) ? 0 : (u->failed = true, 1);
	}
	if (u->field_len + len > FIELD_LIMIT) {
		snprintf(u->why, sizeof(u->why), "the form field '%s' is longer than %d bytes", u->field_name,
		         FIELD_LIMIT);
		return 1;
	}
	char *f = realloc(u->field, u->field_len + len + 1);
	if (!f)
		return 1;
	memcpy(f + u->field_len, data, len);
	u->field = f;
	u->field_len += len;
	u->field[u->field_len] = '\0';
	return 0;
}

static void set_text(char **slot, const struct upload *u)
{
	free(*slot);
	*slot = strndup(u->field ? u->field : "", u->field_len);
}

static int part_end(void *arg)
{
	struct upload *u = arg;
	if (u->in_file) {
		u->in_file = false;
		return 0;
	}
	if (strcmp(u->field_name, "title") == 0)
		set_text(&u->title, u);
	else if (strcmp(u->field_name, "description") == 0)
		set_text(&u->description, u);
	else if (strcmp(u->field_name, "expiresAt") == 0)
		set_text(&u->expires_at, u);
	else if (strcmp(u->field_name, "tags") == 0) {
		if (!u->tags)
			u->tags = json_object_new_array();
		json_object_array_add(u->tags, json_object_new_string_len(u->field ? u->field : "", (int)u->field_len));
	}
	return 0;
}

static void upload_free(struct upload *u)
{
	if (u->blob_open)
		rt_file_blob_free(&u->blob);
	free(u->filename);
	free(u->mimetype);
	free(u->field_name);
	free(u->field);
	free(u->title);
	free(u->description);
	free(u->expires_at);
	json_object_put(u->tags);
}

static uint64_t max_file_size(const struct api_request *req)
{
	json_object *t = NULL, *v = NULL;
	if (json_object_object_get_ex(req->server->config, "transportLibrary", &t) &&
	    json_object_object_get_ex(t, "platformMaxUnencryptedFileSize", &v) && json_object_get_int64(v) > 0)
		return (uint64_t)json_object_get_int64(v);
	return RT_FILE_MAX_DEFAULT;
}

/* Walks the request body in place through the parser. */
static bool parse_body(const struct api_request *req, struct api_reply *reply, struct upload *u)
{
	struct evhttp_request *r = exchange_request(req->exchange);
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(r), "Content-Type");
	char boundary[MULTIPART_MAX_BOUNDARY + 1], why[200];
	if (!multipart_boundary(type, boundary, sizeof(boundary), why, sizeof(why)))
		return routes_invalid(reply, "%s", why);
	struct multipart_callbacks cb = {part_begin, part_data, part_end};
	struct multipart_parser *p = multipart_parser_new(boundary, &cb, u);
	struct evbuffer *in = evhttp_request_get_input_buffer(r);
	int n = evbuffer_peek(in, -1, NULL, NULL, 0);
	struct evbuffer_iovec *vec = calloc(n > 0 ? (size_t)n : 1, sizeof(*vec));
	evbuffer_peek(in, -1, NULL, vec, n);
	enum multipart_status st = MULTIPART_OK;
	for (int i = 0; i < n && st == MULTIPART_OK; i++)
		st = multipart_feed(p, vec[i].iov_base, vec[i].iov_len);
	if (st == MULTIPART_OK)
		st = multipart_finish(p);
	free(vec);
	bool fine = st == MULTIPART_OK;
	if (u->too_large)
		routes_invalid(reply, "'content' is too large");
	else if (u->failed)
		routes_reply_runtime_error(reply, &u->err);
	else if (!fine)
		routes_invalid(reply, "multipart body: %s", u->why[0] ? u->why : multipart_error(p));
	multipart_parser_free(p);
	return fine && !u->too_large && !u->failed;
}

static bool check_fields(struct api_reply *reply, struct upload *u)
{
	long long when = 0;
	if (!u->has_file)
		return routes_invalid(reply, "must have required property 'content'");
	if (u->expires_at && !rt_parse_date(u->expires_at, &when))
		return routes_invalid(reply, "expiresAt must match format \"date-time\"");
	char now[32];
	long long now_ms = 0;
	rt_now_iso(now);
	rt_parse_date(now, &now_ms);
	if (u->expires_at && when <= now_ms)
		return routes_invalid(reply, "'expiresAt' must be in the future");
	return true;
}

void route_upload_own_file(const struct api_request *req, struct api_reply *reply)
{
	struct upload u;
	struct runtime rt;
	json_object *dto = NULL;
	memset(&u, 0, sizeof(u));
	u.max = max_file_size(req);
	if (!parse_body(req, reply, &u) || !check_fields(reply, &u) || !routes_runtime(req, reply, &rt)) {
		upload_free(&u);
		return;
	}
	struct rt_file_new meta = {u.filename,
	                           u.mimetype,
	                           u.title && u.title[0] ? u.title : NULL,
	                           u.description,
	                           u.expires_at ? u.expires_at : "9999-12-31T00:00:00.000Z",
	                           u.tags};
	bool ok = rt_file_blob_end(&u.blob, &u.err) && rt_file_upload_own(&rt, &u.blob, &meta, &dto, &u.err);
	routes_reply_result(reply, ok, dto, &u.err);
	upload_free(&u);
}

/* ---- the rest ---- */

void route_load_peer_file(const struct api_request *req, struct api_reply *reply)
{
	routes_load_peer(req, reply, rt_file_load_peer);
}

void route_get_files(const struct api_request *req, struct api_reply *reply)
{
	routes_list(req, reply, -1, rt_files_list);
}

void route_get_own_files(const struct api_request *req, struct api_reply *reply)
{
	routes_list(req, reply, 1, rt_files_list);
}

void route_get_peer_files(const struct api_request *req, struct api_reply *reply)
{
	routes_list(req, reply, 0, rt_files_list);
}

void route_get_file(const struct api_request *req, struct api_reply *reply)
{
	const char *param = api_param(req, "idOrReference");
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	char id[21] = "";
	if (param && strncmp(param, "FIL", 3) == 0) {
		snprintf(id, sizeof(id), "%s", param);
	} else if (param) {
		struct ecrypto_reference ref;
		if (ecrypto_reference_parse(param, ECRYPTO_REF_FILE, &ref, NULL) == ECRYPTO_OK)
			snprintf(id, sizeof(id), "%s", ref.id);
		ecrypto_reference_free(&ref);
	}
	if (strlen(id) != 20) {
		routes_invalid(reply, "idOrReference must be a file id (FIL...) or a truncated file reference");
		return;
	}
	if (!routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_file_get(&rt, id, &dto, &err);
	if (ok && routes_wants_png(req))
		routes_reply_qr(reply, dto);
	else
		routes_reply_result(reply, ok, dto, &err);
}

void route_create_token_for_file(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *content = NULL, *file = NULL, *dto = NULL;
	struct rt_token_options o;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "FIL", &id) || !routes_token_options(reply, routes_body(req), false, &o))
		return;
	bool png = routes_wants_png(req);
	if (png)
		o.ephemeral = true; /* the QR variant never stores the token */
	if (!routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_file_token_content(&rt, id, &content, &file, &err);
	if (ok && !o.expires_at)
		o.expires_at = rt_json_str(file, "expiresAt");
	ok = ok && rt_token_create_own(&rt, content, &o, &dto, &err);
	json_object_put(content);
	json_object_put(file);
	if (ok && png)
		routes_reply_qr(reply, dto);
	else
		routes_reply_result(reply, ok, dto, &err);
}

void route_delete_file(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "FIL", &id) || !routes_runtime(req, reply, &rt))
		return;
	if (rt_file_delete(&rt, id, &err))
		reply->status = 204;
	else
		routes_reply_runtime_error(reply, &err);
}

void route_regenerate_ownership_token(const struct api_request *req, struct api_reply *reply)
{
	const char *id = NULL;
	json_object *dto = NULL;
	struct runtime rt;
	struct runtime_error err = {.remote_status = 0};
	if (!routes_check_id(req, reply, "FIL", &id) || !routes_runtime(req, reply, &rt))
		return;
	bool ok = rt_file_regenerate_ownership_token(&rt, id, &dto, &err);
	if (ok)
		reply->status = 200;
	routes_reply_result(reply, ok, dto, &err);
}
