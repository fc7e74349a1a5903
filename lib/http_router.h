/*
 * http_router.h: the table-driven router of the Core HTTP API.
 *
 * A route is one method plus a path pattern of literal segments and parameters ("{id}" or ":id").
 * Matching follows the original (express): case-insensitive literals, one trailing "/" tolerated,
 * a parameter matches one non-empty segment and is percent-decoded. Where several routes of the
 * request's method match, the one whose first differing segment is literal wins ("/Files/Own"
 * before "/Files/{id}"). HEAD is served by GET routes. When the path matches only routes of other
 * methods the result is HTTP_MATCH_WRONG_METHOD with the allowed methods (for 405 + Allow).
 * Business routes are added once with http_router_add_api() and mounted under both prefixes
 * HTTP_API_PREFIX_CURRENT and HTTP_API_PREFIX_LEGACY. Adding a (method, pattern) twice is refused.
 * The router stores an opaque handler pointer per route; it knows nothing of the transport.
 */
#ifndef CONNECTOR_HTTP_ROUTER_H
#define CONNECTOR_HTTP_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_API_PREFIX_CURRENT "/api/core/v1"
#define HTTP_API_PREFIX_LEGACY  "/api/v2"
#define HTTP_ROUTE_MAX_SEGMENTS 16
#define HTTP_ROUTE_MAX_PARAMS   4

enum http_method {
	HTTP_M_GET = 1 << 0,
	HTTP_M_HEAD = 1 << 1,
	HTTP_M_POST = 1 << 2,
	HTTP_M_PUT = 1 << 3,
	HTTP_M_PATCH = 1 << 4,
	HTTP_M_DELETE = 1 << 5,
	HTTP_M_OPTIONS = 1 << 6,
};

/* Route flags. */
#define HTTP_ROUTE_PUBLIC      0x1 /* served without an API key (/health) */
#define HTTP_ROUTE_ACCEPT_JSON 0x2 /* the client's Accept must admit application/json, else 406 */
#define HTTP_ROUTE_ACCEPT_PNG  0x4 /* ... or image/png (QR code variants) */
#define HTTP_ROUTE_DEBUG_ONLY  0x8 /* mounted only in debug mode (decided by the caller) */

struct http_route_segment {
	char *text; /* literal (compared case-insensitively) or parameter name */
	bool is_param;
};

struct http_route {
	enum http_method method;
	char *pattern;
	struct http_route_segment segments[HTTP_ROUTE_MAX_SEGMENTS];
	size_t segment_count;
	unsigned flags;
	const void *handler;
};

struct http_router {
	struct http_route *routes;
	size_t count;
};

enum http_match_kind { HTTP_MATCH_FOUND, HTTP_MATCH_WRONG_METHOD, HTTP_MATCH_NOT_FOUND };

struct http_route_param {
	const char *name; /* points into the route */
	char *value;      /* decoded, owned by the match */
};

struct http_route_match {
	enum http_match_kind kind;
	const struct http_route *route; /* HTTP_MATCH_FOUND */
	unsigned allowed;               /* HTTP_MATCH_WRONG_METHOD: methods the path has (HEAD with GET) */
	struct http_route_param params[HTTP_ROUTE_MAX_PARAMS];
	size_t param_count;
};

void http_router_init(struct http_router *router);
void http_router_free(struct http_router *router);
/* Returns 0, or -1 with a message in err (bad pattern, duplicate route, too many segments). */
int http_router_add(struct http_router *router, enum http_method method, const char *pattern, unsigned flags,
                    const void *handler, char *err, size_t err_len);
/* Adds subpath ("/Files/{id}") under both API prefixes. */
int http_router_add_api(struct http_router *router, enum http_method method, const char *subpath, unsigned flags,
                        const void *handler, char *err, size_t err_len);

/* Matches a raw (still percent-encoded) path without query. Free with http_route_match_free(). */
void http_router_match(const struct http_router *router, enum http_method method, const char *raw_path,
                       struct http_route_match *match);
void http_route_match_free(struct http_route_match *match);
const char *http_route_param(const struct http_route_match *match, const char *name);

/* "GET" -> HTTP_M_GET (case-sensitive, as on the wire); 0 for unknown methods. */
enum http_method http_method_from_name(const char *name);
const char *http_method_name(enum http_method method);
/* Writes "GET, HEAD, POST" for a mask (fixed order); returns buf. */
char *http_methods_format(unsigned mask, char *buf, size_t len);

#endif
