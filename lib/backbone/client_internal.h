/*
 * backbone/client_internal.h: the client's state, shared by client.c, auth.c, calls.c and sse.c
 * only (not for other areas).
 */
#ifndef CONNECTOR_BACKBONE_CLIENT_INTERNAL_H
#define CONNECTOR_BACKBONE_CLIENT_INTERNAL_H

#include <curl/curl.h>

#include "backbone/client.h"

struct backbone_client {
	CURL *curl;
	char *base_url; /* without trailing '/' */
	char *host;
	char *address_host; /* NULL: host */
	char *client_id, *client_secret;
	long timeout_ms, max_redirects;
	int max_attempts, retry_floor_ms;
	struct curl_slist *extra_headers; /* platformAdditionalHeaders */
	char *username, *password;
	char *token;
	int64_t token_expires_ms; /* monotonic */
	backbone_tick_fn tick;
	void *tick_arg;
	int64_t last_tick_ms;
	bool stopped;
};

struct backbone_buffer {
	char *data;
	size_t len, cap;
};

void backbone_fail(struct backbone_response *r, enum backbone_status status, const char *code, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
void backbone_prepare(struct backbone_client *c, const char *url, struct curl_slist *headers,
                      struct backbone_buffer *body_out, long timeout_ms);
struct curl_slist *backbone_headers(struct backbone_client *c, unsigned flags, const char *token, bool json_body);
void backbone_interpret(long status, const struct backbone_buffer *buf, unsigned flags, const char *what,
                        struct backbone_response *r);
bool backbone_wait(struct backbone_client *c, int64_t ms);

#endif
