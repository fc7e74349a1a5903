/*
 * runtime/files_backbone.c: the two Backbone file calls that are not JSON (backbone-api.md §3.9):
 * the multipart upload POST /api/v2/Files, whose content part is streamed from a file descriptor
 * by libcurl (never held in memory), and the raw download GET /api/v2/Files/{id} written straight
 * to a file descriptor. The bearer token comes from the account's client (backbone_token); the
 * answer's envelope and error object are read as backbone/client.c reads them.
 *
 * Not covered: platformAdditionalHeaders and retries (the client keeps both private); these calls
 * are not retried, a failed upload is reported and may be repeated by the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "runtime/files_backbone.h"

struct body_buf {
	char *data;
	size_t len;
	bool too_long;
};

static size_t to_buf(char *p, size_t size, size_t n, void *arg)
{
	struct body_buf *b = arg;
	size_t len = size * n;
	if (b->len + len > (1u << 20)) {
		b->too_long = true;
		return len;
	}
	char *d = realloc(b->data, b->len + len + 1);
	if (!d)
		return 0;
	memcpy(d + b->len, p, len);
	b->data = d;
	b->len += len;
	b->data[b->len] = '\0';
	return len;
}

struct fd_sink {
	int fd;
	int error;
};

static size_t to_fd(char *p, size_t size, size_t n, void *arg)
{
	struct fd_sink *s = arg;
	size_t len = size * n, done = 0;
	while (done < len) {
		ssize_t w = write(s->fd, p + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			s->error = errno;
			return 0;
		}
		done += (size_t)w;
	}
	return len;
}

static size_t from_fd(char *buffer, size_t size, size_t n, void *arg)
{
	int fd = *(int *)arg;
	ssize_t r;
	do
		r = read(fd, buffer, size * n);
	while (r < 0 && errno == EINTR);
	return r < 0 ? CURL_READFUNC_ABORT : (size_t)r;
}

/* Envelope result or the Backbone's error, into r (as backbone_call would fill it). */
static void interpret(long status, const struct body_buf *b, const char *what, struct backbone_response *r)
{
	json_object *body = b->data ? json_tokener_parse(b->data) : NULL, *v = NULL, *e = NULL;
	r->http_status = status;
	if (status >= 200 && status < 300 && json_object_object_get_ex(body, "result", &v)) {
		r->status = BACKBONE_OK;
		r->result = json_object_get(v);
	} else if (status >= 200 && status < 300) {
		r->status = BACKBONE_ERR_PROTOCOL;
		snprintf(r->code, sizeof(r->code), "error.transport.request.resultUndefined");
		snprintf(r->message, sizeof(r->message), "%s: HTTP %ld without a result", what, status);
	} else {
		r->status = BACKBONE_ERR_REQUEST;
		json_object_object_get_ex(body, "error", &e);
		const char *code = json_object_get_string(json_object_object_get(e, "code"));
		const char *msg = json_object_get_string(json_object_object_get(e, "message"));
		snprintf(r->code, sizeof(r->code), "%s", code ? code : "error.transport.request.unexpected");
		snprintf(r->message, sizeof(r->message), "%s", msg ? msg : what);
	}
	json_object_put(body);
}

static CURL *handle(struct backbone_client *client, const char *path, const char *token, struct curl_slist **headers)
{
	char url[1024], auth[4096];
	CURL *curl = curl_easy_init();
	if (!curl)
		return NULL;
	snprintf(url, sizeof(url), "%s%s", backbone_client_base_url(client), path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	*headers = curl_slist_append(NULL, auth);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *headers);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	return curl;
}

static void transport_failure(struct backbone_response *r, CURLcode rc, const char *what)
{
	r->status = BACKBONE_ERR_TRANSPORT;
	snprintf(r->code, sizeof(r->code), "error.transport.request.noResponse");
	snprintf(r->message, sizeof(r->message), "%s: %s", what, curl_easy_strerror(rc));
}

static void add_field(curl_mime *mime, const char *name, const char *value)
{
	curl_mimepart *part = curl_mime_addpart(mime);
	curl_mime_name(part, name);
	curl_mime_data(part, value, CURL_ZERO_TERMINATED);
}

enum backbone_status fb_upload(struct backbone_client *client, const struct fb_upload_fields *f,
                               struct backbone_response *r)
{
	char *token = NULL;
	struct curl_slist *headers = NULL;
	struct body_buf b = {0};
	memset(r, 0, sizeof(*r));
	if (backbone_token(client, &token, r) != BACKBONE_OK)
		return r->status;
	CURL *curl = handle(client, "/api/v2/Files", token, &headers);
	free(token);
	if (!curl)
		return r->status = BACKBONE_ERR_TRANSPORT;
	curl_mime *mime = curl_mime_init(curl);
	int fd = f->blob_fd;
	curl_mimepart *part = curl_mime_addpart(mime);
	curl_mime_name(part, "content");
	curl_mime_filename(part, "cipher.bin");
	curl_mime_type(part, "application/octet-stream");
	curl_mime_data_cb(part, (curl_off_t)f->blob_size, from_fd, NULL, NULL, &fd);
	add_field(mime, "cipherHash", f->cipher_hash);
	add_field(mime, "owner", f->owner);
	add_field(mime, "ownerSignature", f->owner_signature);
	add_field(mime, "expiresAt", f->expires_at);
	add_field(mime, "encryptedProperties", f->encrypted_properties);
	curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, to_buf);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &b);
	if (lseek(fd, 0, SEEK_SET) < 0) {
		r->status = BACKBONE_ERR_TRANSPORT;
		snprintf(r->message, sizeof(r->message), "rewinding the file content: %s", strerror(errno));
	} else {
		CURLcode rc = curl_easy_perform(curl);
		long status = 0;
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		if (rc != CURLE_OK)
			transport_failure(r, rc, "POST /api/v2/Files");
		else
			interpret(status, &b, "POST /api/v2/Files", r);
	}
	curl_mime_free(mime);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	free(b.data);
	return r->status;
}

enum backbone_status fb_download(struct backbone_client *client, const char *id, int fd, struct backbone_response *r)
{
	char *token = NULL, path[128];
	struct curl_slist *headers = NULL;
	memset(r, 0, sizeof(*r));
	if (backbone_token(client, &token, r) != BACKBONE_OK)
		return r->status;
	snprintf(path, sizeof(path), "/api/v2/Files/%s", id);
	CURL *curl = handle(client, path, token, &headers);
	free(token);
	if (!curl)
		return r->status = BACKBONE_ERR_TRANSPORT;
	struct fd_sink sink = {fd, 0};
	struct body_buf b = {0};
	if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0)
		sink.error = errno;
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, to_fd);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
	CURLcode rc = sink.error ? CURLE_WRITE_ERROR : curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		transport_failure(r, rc, path);
	} else if (status < 200 || status >= 300) {
		/* the error body went to fd: read it back (small) for the code and message */
		char err[4096];
		ssize_t n = pread(fd, err, sizeof(err) - 1, 0);
		b.data = n > 0 ? strndup(err, (size_t)n) : NULL;
		interpret(status, &b, path, r);
	} else {
		r->status = BACKBONE_OK;
		r->http_status = status;
	}
	free(b.data);
	curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	return r->status;
}
