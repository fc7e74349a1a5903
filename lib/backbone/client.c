/*
 * backbone/client.c: requests to the Backbone (see client.h for the contract): options, one reused
 * curl easy handle per client, the envelope and error mapping, 401 handling and retries. The login
 * itself is in auth.c, pagination and version check in calls.c.
 */
#include "backbone/client_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

#define BODY_LIMIT (64L * 1024 * 1024)

static const char *opt_string(json_object *tl, const char *key)
{
	json_object *v = NULL;
	if (tl && json_object_object_get_ex(tl, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

static long opt_long(json_object *tl, const char *key, long fallback)
{
	json_object *v = NULL;
	if (tl && json_object_object_get_ex(tl, key, &v) && json_object_is_type(v, json_type_int))
		return (long)json_object_get_int64(v);
	return fallback;
}

bool backbone_options_from_config(json_object *config, struct backbone_options *o, char *err, size_t err_len)
{
	json_object *tl = NULL;
	json_object_object_get_ex(config, "transportLibrary", &tl);
	memset(o, 0, sizeof(*o));
	o->base_url = opt_string(tl, "baseUrl");
	o->client_id = opt_string(tl, "platformClientId");
	o->client_secret = opt_string(tl, "platformClientSecret");
	o->timeout_ms = opt_long(tl, "platformTimeout", 60000);
	o->max_redirects = opt_long(tl, "platformMaxRedirects", 10);
	o->address_host = opt_string(tl, "addressGenerationHostnameOverride");
	if (o->address_host && !*o->address_host)
		o->address_host = NULL;
	json_object *headers = NULL;
	if (tl && json_object_object_get_ex(tl, "platformAdditionalHeaders", &headers) &&
	    json_object_is_type(headers, json_type_object))
		o->additional_headers = headers;
	const char *missing = !o->base_url || !*o->base_url             ? "transportLibrary.baseUrl"
	                      : !o->client_id || !*o->client_id         ? "transportLibrary.platformClientId"
	                      : !o->client_secret || !*o->client_secret ? "transportLibrary.platformClientSecret"
	                                                                : NULL;
	if (missing) {
		snprintf(err, err_len, "%s: required to talk to the Backbone, but it is empty", missing);
		return false;
	}
	return true;
}

static bool url_host(const char *url, char *host, size_t len)
{
	const char *p = strstr(url, "://");
	if (!p || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return false;
	p += 3;
	const char *at = strpbrk(p, "@/");
	if (at && *at == '@')
		p = at + 1;
	size_t n = strcspn(p, ":/?#");
	if (*p == '[') /* IPv6 literal */
		n = strcspn(p, "]") + 1;
	if (n == 0 || n >= len)
		return false;
	memcpy(host, p, n);
	host[n] = '\0';
	return true;
}

struct backbone_client *backbone_client_new(const struct backbone_options *o, char *err, size_t err_len)
{
	char host[256];
	if (!o->base_url || !url_host(o->base_url, host, sizeof(host))) {
		snprintf(err, err_len, "transportLibrary.baseUrl: expected an http(s) URL, got \"%s\"",
		         o->base_url ? o->base_url : "");
		return NULL;
	}
	if (!o->client_id || !*o->client_id || !o->client_secret || !*o->client_secret) {
		snprintf(err, err_len, "transportLibrary.platformClientId/platformClientSecret: must not be empty");
		return NULL;
	}
	struct backbone_client *c = calloc(1, sizeof(*c));
	if (!c || !(c->curl = curl_easy_init())) {
		free(c);
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	size_t len = strlen(o->base_url);
	while (len > 0 && o->base_url[len - 1] == '/')
		len--;
	c->base_url = strndup(o->base_url, len);
	c->host = strdup(host);
	c->address_host = o->address_host ? strdup(o->address_host) : NULL;
	c->client_id = strdup(o->client_id);
	c->client_secret = strdup(o->client_secret);
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 60000;
	c->max_redirects = o->max_redirects >= 0 ? o->max_redirects : 10;
	c->max_attempts = o->max_attempts > 0 ? o->max_attempts : 3;
	c->retry_floor_ms = o->retry_floor_ms > 0 ? o->retry_floor_ms : 200;
	if (o->additional_headers) {
		json_object_object_foreach(o->additional_headers, name, value)
		{
			char *line = NULL;
			if (asprintf(&line, "%s: %s", name, json_object_get_string(value)) >= 0) {
				c->extra_headers = curl_slist_append(c->extra_headers, line);
				free(line);
			}
		}
	}
	return c;
}

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

void backbone_client_free(struct backbone_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->extra_headers);
	free(c->base_url);
	free(c->host);
	free(c->address_host);
	free(c->client_id);
	wipe_free(c->client_secret);
	free(c->username);
	wipe_free(c->password);
	wipe_free(c->token);
	free(c);
}

void backbone_client_set_tick(struct backbone_client *c, backbone_tick_fn tick, void *arg)
{
	c->tick = tick;
	c->tick_arg = arg;
}

bool backbone_client_tick(struct backbone_client *c)
{
	return c->tick && c->tick(c->tick_arg);
}

void backbone_client_set_device(struct backbone_client *c, const char *username, const char *password)
{
	free(c->username);
	wipe_free(c->password);
	c->username = username ? strdup(username) : NULL;
	c->password = password ? strdup(password) : NULL;
	backbone_forget_token(c);
}

const char *backbone_client_base_url(const struct backbone_client *c)
{
	return c->base_url;
}
const char *backbone_client_id(const struct backbone_client *c)
{
	return c->client_id;
}
const char *backbone_client_secret(const struct backbone_client *c)
{
	return c->client_secret;
}
const char *backbone_client_host(const struct backbone_client *c)
{
	return c->host;
}

const char *backbone_client_address_host(const struct backbone_client *c)
{
	return c->address_host ? c->address_host : c->host;
}

void backbone_response_clear(struct backbone_response *r)
{
	json_object_put(r->result);
	json_object_put(r->pagination);
	memset(r, 0, sizeof(*r));
}

void backbone_fail(struct backbone_response *r, enum backbone_status status, const char *code, const char *fmt, ...)
{
	r->status = status;
	snprintf(r->code, sizeof(r->code), "%s", code ? code : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct backbone_buffer *b = arg;
	size_t len = size * n;
	if (b->len + len > BODY_LIMIT)
		return 0;
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *p = realloc(b->data, cap);
		if (!p)
			return 0;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt, (void)dn, (void)ut, (void)un;
	struct backbone_client *c = arg;
	int64_t now = time_monotonic_ms();
	if (c->tick && now - c->last_tick_ms >= 500) {
		c->last_tick_ms = now;
		if (c->tick(c->tick_arg)) {
			c->stopped = true;
			return 1;
		}
	}
	return 0;
}

/* Common options of every transfer of this client (the handle is reused for keep-alive). */
void backbone_prepare(struct backbone_client *c, const char *url, struct curl_slist *headers,
                      struct backbone_buffer *body_out, long timeout_ms)
{
	CURL *h = c->curl;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, c->max_redirects > 0 ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, c->max_redirects);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body_out);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
}

struct curl_slist *backbone_headers(struct backbone_client *c, unsigned flags, const char *token, bool json_body)
{
	struct curl_slist *list = NULL;
	for (struct curl_slist *e = c->extra_headers; e; e = e->next)
		list = curl_slist_append(list, e->data);
	list = curl_slist_append(list, "Accept: application/json");
	if (json_body)
		list = curl_slist_append(list, "Content-Type: application/json");
	else
		list = curl_slist_append(list, "Expect:");
	if (flags & BACKBONE_DATAWALLET)
		list = curl_slist_append(list, "x-supported-datawallet-version: 1");
	if (token) {
		char *line = NULL;
		if (asprintf(&line, "Authorization: Bearer %s", token) >= 0) {
			list = curl_slist_append(list, line);
			wipe_free(line);
		}
	}
	return list;
}

/* An error body {"error": {code, message}} or NULL. */
static json_object *error_object(json_object *body)
{
	json_object *err = NULL;
	if (body && json_object_is_type(body, json_type_object) && json_object_object_get_ex(body, "error", &err) &&
	    json_object_is_type(err, json_type_object))
		return err;
	return NULL;
}

static const char *member_string(json_object *obj, const char *key)
{
	json_object *v = NULL;
	if (obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* backbone-api.md §1.4: what the transport makes of a non-2xx answer. */
static void map_error(long status, json_object *body, const char *what, struct backbone_response *r)
{
	json_object *err = error_object(body);
	const char *code = member_string(err, "code");
	const char *message = member_string(err, "message");
	if (status == 401)
		code = "error.platform.unauthorized";
	else if (status == 403)
		code = "error.platform.forbidden";
	else if (status == 400 || status == 404 || status == 500) {
		if (!code)
			code = status == 404   ? "error.transport.request.notFound"
			       : status == 400 ? "error.transport.request.badRequest"
			                       : "error.platform.unexpected";
	} else if (status >= 400 && status < 500 && !err)
		code = "error.transport.request.badRequest";
	else
		code = "error.platform.unexpected";
	backbone_fail(r, BACKBONE_ERR_REQUEST, code, "%s: HTTP %ld %s%s", what, status, code, message ? message : "");
	if (message) /* separate code and text */
		snprintf(r->message, sizeof(r->message), "%s: HTTP %ld %s: %s", what, status, code, message);
}

void backbone_interpret(long status, const struct backbone_buffer *buf, unsigned flags, const char *what,
                        struct backbone_response *r)
{
	r->http_status = status;
	json_object *body = NULL;
	if (buf->len > 0) {
		enum json_tokener_error jerr;
		body = json_tokener_parse_verbose(buf->data, &jerr);
	}
	if (status >= 200 && status < 300) {
		if (status == 204 || status == 304) {
			r->status = BACKBONE_OK;
		} else if (flags & BACKBONE_RAW) {
			if (!body)
				backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.transport.request.resultUndefined",
				              "%s: HTTP %ld without a JSON body", what, status);
			else {
				r->result = json_object_get(body);
				r->status = BACKBONE_OK;
			}
		} else {
			json_object *result = NULL, *pagination = NULL;
			if (!body || !json_object_object_get_ex(body, "result", &result)) {
				backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.transport.request.resultUndefined",
				              "%s: HTTP %ld without a result", what, status);
			} else {
				r->result = json_object_get(result);
				if (json_object_object_get_ex(body, "pagination", &pagination))
					r->pagination = json_object_get(pagination);
				r->status = BACKBONE_OK;
			}
		}
	} else {
		map_error(status, body, what, r);
	}
	json_object_put(body);
}

static bool retryable(const struct backbone_response *r)
{
	if (r->status == BACKBONE_ERR_TRANSPORT)
		return true;
	return r->status == BACKBONE_ERR_REQUEST && (r->http_status >= 500 || r->http_status == 429);
}

/* Sleeps ms while ticking; false when the tick asked to stop. */
bool backbone_wait(struct backbone_client *c, int64_t ms)
{
	int64_t end = time_monotonic_ms() + ms;
	for (;;) {
		if (c->tick && c->tick(c->tick_arg))
			return false;
		int64_t left = end - time_monotonic_ms();
		if (left <= 0)
			return true;
		int64_t step = left < 200 ? left : 200;
		struct timespec ts = {step / 1000, (step % 1000) * 1000000L};
		nanosleep(&ts, NULL);
	}
}

/* What one call sends and where a raw (non-JSON) answer goes. */
struct call_spec {
	const char *method;
	const char *url;
	const char *payload;             /* JSON text or NULL */
	curl_mime *mime;                 /* multipart body or NULL */
	struct backbone_buffer *raw_out; /* 2xx bodies are handed over as bytes, not parsed */
};

/* One transfer without auth renewal or retries. */
static void perform_once(struct backbone_client *c, const struct call_spec *spec, unsigned flags, const char *token,
                         const char *what, struct backbone_response *r)
{
	struct backbone_buffer buf = {0};
	struct curl_slist *headers = backbone_headers(c, flags, token, spec->payload != NULL);
	backbone_prepare(c, spec->url, headers, &buf, c->timeout_ms);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, spec->method);
	if (spec->mime) {
		curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, spec->mime);
	} else if (spec->payload) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, spec->payload);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, (long)strlen(spec->payload));
	} else if (strcmp(spec->method, "GET") != 0 && strcmp(spec->method, "DELETE") != 0) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE, 0L);
	}
	c->stopped = false;
	CURLcode rc = curl_easy_perform(c->curl);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		if (c->stopped)
			backbone_fail(r, BACKBONE_ERR_STOPPED, "error.connector.stopped", "%s: stopped", what);
		else /* axios throws without a response: the transport reports error.platform.unexpected */
			backbone_fail(r, BACKBONE_ERR_TRANSPORT, "error.platform.unexpected", "%s: %s", what,
			              curl_easy_strerror(rc));
	} else if (spec->raw_out && status >= 200 && status < 300) {
		r->http_status = status;
		r->status = BACKBONE_OK;
		free(spec->raw_out->data);
		*spec->raw_out = buf;
		buf = (struct backbone_buffer){0};
	} else {
		backbone_interpret(status, &buf, flags, what, r);
	}
	curl_slist_free_all(headers);
	free(buf.data);
}

/* The call with token renewal after a 401 and retries of safe calls. */
static enum backbone_status run_call(struct backbone_client *c, const struct call_spec *spec, unsigned flags,
                                     const char *what, struct backbone_response *r)
{
	int attempts = (flags & BACKBONE_SAFE) ? c->max_attempts : 1;
	bool renewed = false;
	for (int attempt = 1;; attempt++) {
		char *token = NULL;
		if ((flags & BACKBONE_AUTH) && backbone_token(c, &token, r) != BACKBONE_OK)
			break;
		backbone_response_clear(r);
		perform_once(c, spec, flags, token, what, r);
		free(token);
		if ((flags & BACKBONE_AUTH) && r->http_status == 401 && !renewed) {
			/* the token was revoked or expired early: log in once more and repeat once */
			renewed = true;
			backbone_forget_token(c);
			attempt--;
			continue;
		}
		if (r->status == BACKBONE_OK || !retryable(r) || attempt >= attempts)
			break;
		int64_t delay = (int64_t)c->retry_floor_ms << (attempt - 1);
		if (!backbone_wait(c, delay)) {
			backbone_fail(r, BACKBONE_ERR_STOPPED, "error.connector.stopped", "%s: stopped", what);
			break;
		}
	}
	return r->status;
}

/* Common start of the public calls: the URL and the "METHOD /path" used in messages. */
static char *call_url(struct backbone_client *c, const char *method, const char *path, char *what, size_t what_len,
                      struct backbone_response *r)
{
	memset(r, 0, sizeof(*r));
	char *url = NULL;
	if (asprintf(&url, "%s%s", c->base_url, path) < 0) {
		backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.platform.unexpected", "out of memory");
		return NULL;
	}
	snprintf(what, what_len, "%s %.*s", method, (int)strcspn(path, "?"), path);
	return url;
}

enum backbone_status backbone_call(struct backbone_client *c, const char *method, const char *path, json_object *body,
                                   unsigned flags, struct backbone_response *r)
{
	char what[160];
	char *url = call_url(c, method, path, what, sizeof(what), r);
	if (!url)
		return r->status;
	struct call_spec spec = {.method = method, .url = url};
	if (body)
		spec.payload = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);
	run_call(c, &spec, flags, what, r);
	free(url);
	return r->status;
}

enum backbone_status backbone_download(struct backbone_client *c, const char *path, unsigned flags, uint8_t **data,
                                       size_t *len, struct backbone_response *r)
{
	*data = NULL;
	*len = 0;
	char what[160];
	char *url = call_url(c, "GET", path, what, sizeof(what), r);
	if (!url)
		return r->status;
	struct backbone_buffer raw = {0};
	struct call_spec spec = {.method = "GET", .url = url, .raw_out = &raw};
	if (run_call(c, &spec, flags, what, r) == BACKBONE_OK) {
		*data = (uint8_t *)raw.data;
		*len = raw.len;
		raw.data = NULL;
	}
	free(raw.data);
	free(url);
	return r->status;
}

enum backbone_status backbone_post_multipart(struct backbone_client *c, const char *path,
                                             const struct backbone_part *parts, int count, unsigned flags,
                                             struct backbone_response *r)
{
	char what[160];
	char *url = call_url(c, "POST", path, what, sizeof(what), r);
	if (!url)
		return r->status;
	curl_mime *mime = curl_mime_init(c->curl);
	for (int i = 0; mime && i < count; i++) {
		curl_mimepart *part = curl_mime_addpart(mime);
		curl_mime_name(part, parts[i].name);
		if (parts[i].data) {
			curl_mime_data(part, (const char *)parts[i].data, parts[i].len);
			curl_mime_filename(part, parts[i].filename ? parts[i].filename : "cipher.bin");
			curl_mime_type(part, "application/octet-stream");
		} else {
			curl_mime_data(part, parts[i].value ? parts[i].value : "", CURL_ZERO_TERMINATED);
		}
	}
	struct call_spec spec = {.method = "POST", .url = url, .mime = mime};
	if (mime)
		run_call(c, &spec, flags, what, r);
	else
		backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.platform.unexpected", "%s: out of memory", what);
	curl_mime_free(mime);
	free(url);
	return r->status;
}
