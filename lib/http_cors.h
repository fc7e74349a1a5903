/*
 * http_cors.h: CORS as the original's `cors` middleware applies infrastructure.httpServer.cors.
 *
 * Supported options (cors npm semantics): origin (false = CORS off, the default; true = reflect the
 * request's Origin; "*"; one origin string; an array of allowed origins, reflected when listed),
 * methods (string or array, default "GET,HEAD,PUT,PATCH,POST,DELETE"), allowedHeaders (default:
 * reflect Access-Control-Request-Headers), exposedHeaders, credentials, maxAge,
 * optionsSuccessStatus (default 204). Every OPTIONS request is a preflight answered directly
 * (before authentication) when CORS is on; with CORS off OPTIONS goes through auth and routing.
 * Regular-expression origins (a JavaScript feature) cannot be expressed in JSON and are refused.
 */
#ifndef CONNECTOR_HTTP_CORS_H
#define CONNECTOR_HTTP_CORS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

enum http_cors_origin { HTTP_CORS_OFF, HTTP_CORS_ANY, HTTP_CORS_REFLECT, HTTP_CORS_FIXED, HTTP_CORS_LIST };

struct http_cors {
	enum http_cors_origin origin_mode;
	char **origins; /* FIXED: one; LIST: origin_count */
	size_t origin_count;
	char *methods;
	char *allowed_headers; /* NULL: reflect */
	char *exposed_headers; /* NULL: none */
	char *max_age;         /* NULL: none */
	bool credentials;
	int options_status;
};

typedef void (*http_cors_header_fn)(void *arg, const char *name, const char *value);

/* cors may be NULL (off). Returns 0, or -1 with err naming the key (infrastructure.httpServer.cors.<k>). */
int http_cors_load(struct http_cors *cors, json_object *config, char *err, size_t err_len);
void http_cors_free(struct http_cors *cors);
bool http_cors_enabled(const struct http_cors *cors);

/*
 * Emits the response headers for a request (origin and request_headers may be NULL) through add.
 * preflight: an OPTIONS request, which the caller then answers with cors->options_status.
 */
void http_cors_headers(const struct http_cors *cors, bool preflight, const char *origin, const char *request_headers,
                       http_cors_header_fn add, void *arg);

#endif
