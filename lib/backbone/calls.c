/*
 * backbone/calls.c: calls built on backbone_call: paged lists (backbone-api.md §1.1: the transport
 * never sends a page size and re-requests pageNumber=2..totalPages when pagination is present),
 * the version check against /api/v2/Version, and the Backbone /health probe.
 */
#include "backbone/client_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum backbone_status backbone_get_all(struct backbone_client *c, const char *path, unsigned flags,
                                      struct backbone_response *r)
{
	if (backbone_call(c, "GET", path, NULL, flags | BACKBONE_SAFE, r) != BACKBONE_OK)
		return r->status;
	if (!json_object_is_type(r->result, json_type_array)) {
		backbone_response_clear(r);
		backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.transport.request.resultUndefined",
		              "GET %s: the result is not a list", path);
		return r->status;
	}
	json_object *total = NULL;
	int pages = 1;
	if (r->pagination && json_object_object_get_ex(r->pagination, "totalPages", &total))
		pages = json_object_get_int(total);
	for (int page = 2; page <= pages; page++) {
		char *paged = NULL;
		if (asprintf(&paged, "%s%cpageNumber=%d", path, strchr(path, '?') ? '&' : '?', page) < 0)
			break;
		struct backbone_response more;
		enum backbone_status st = backbone_call(c, "GET", paged, NULL, flags | BACKBONE_SAFE, &more);
		free(paged);
		if (st != BACKBONE_OK || !json_object_is_type(more.result, json_type_array)) {
			backbone_response_clear(r);
			*r = more;
			if (st == BACKBONE_OK) {
				backbone_response_clear(r);
				backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.transport.request.resultUndefined",
				              "GET %s page %d: the result is not a list", path, page);
			}
			return r->status;
		}
		size_t n = json_object_array_length(more.result);
		for (size_t i = 0; i < n; i++)
			json_object_array_add(r->result, json_object_get(json_object_array_get_idx(more.result, i)));
		backbone_response_clear(&more);
	}
	json_object_put(r->pagination);
	r->pagination = NULL;
	return r->status;
}

enum backbone_status backbone_check_version(struct backbone_client *c, int *major, struct backbone_response *r)
{
	*major = 0;
	if (backbone_call(c, "GET", "/api/v2/Version", NULL, BACKBONE_SAFE, r) != BACKBONE_OK)
		return r->status;
	json_object *v = NULL;
	if (!json_object_object_get_ex(r->result, "majorVersion", &v)) {
		backbone_response_clear(r);
		backbone_fail(r, BACKBONE_ERR_PROTOCOL, "error.transport.request.resultUndefined",
		              "GET /api/v2/Version: no majorVersion");
		return r->status;
	}
	*major = atoi(json_object_get_string(v)); /* a string at HEAD; numbers are taken too */
	if (*major < BACKBONE_MIN_VERSION || *major > BACKBONE_MAX_VERSION) {
		int got = *major;
		backbone_response_clear(r);
		backbone_fail(r, BACKBONE_ERR_REQUEST, "error.transport.incompatibleBackbone",
		              "the Backbone at %s has major version %d; supported are %d to %d", c->base_url, got,
		              BACKBONE_MIN_VERSION, BACKBONE_MAX_VERSION);
	}
	return r->status;
}

bool backbone_health(struct backbone_client *c, char *why, size_t why_len)
{
	char *url = NULL;
	if (asprintf(&url, "%s/health", c->base_url) < 0) {
		snprintf(why, why_len, "out of memory");
		return false;
	}
	struct backbone_buffer buf = {0};
	struct curl_slist *headers = backbone_headers(c, 0, NULL, false);
	backbone_prepare(c, url, headers, &buf, c->timeout_ms < 5000 ? c->timeout_ms : 5000);
	CURLcode rc = curl_easy_perform(c->curl);
	long status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	bool ok = rc == CURLE_OK && status >= 200 && status < 300;
	if (!ok)
		snprintf(why, why_len, "GET %s: %s", url,
		         rc != CURLE_OK ? curl_easy_strerror(rc)
		         : status       ? "non-2xx answer"
		                        : "no answer");
	curl_slist_free_all(headers);
	free(buf.data);
	free(url);
	return ok;
}

void *backbone_stream_handle(struct backbone_client *c, const char *path, const char *token,
                             struct curl_slist **headers_out)
{
	char *url = NULL;
	bool absolute = strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0;
	if (asprintf(&url, "%s%s", absolute ? "" : c->base_url, path) < 0)
		return NULL;
	CURL *h = curl_easy_init();
	if (!h) {
		free(url);
		return NULL;
	}
	struct curl_slist *list = NULL;
	for (struct curl_slist *e = c->extra_headers; e; e = e->next)
		list = curl_slist_append(list, e->data);
	list = curl_slist_append(list, "Accept: text/event-stream");
	list = curl_slist_append(list, "Cache-Control: no-cache");
	char *auth = NULL;
	if (asprintf(&auth, "Authorization: Bearer %s", token) >= 0) {
		list = curl_slist_append(list, auth);
		memset(auth, 0, strlen(auth));
		free(auth);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms < 10000 ? c->timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, c->max_redirects);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	free(url);
	*headers_out = list;
	return h;
}
